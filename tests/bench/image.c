/*
 * image.c: what an image costs to make and to use, without a server.
 *
 *   bench-image RULES IMAGE
 *
 * With the public functions of src/fcgi-redirect.h, as serving and
 * `fcgi-redirect --compile` call them, prints tab-separated lines:
 *
 *   compile  RULES  N rules  S s  L s  W s  B bytes
 *       loading RULES (ini_load_file: parse, analysis, the image laid out
 *       in memory) and writing IMAGE (compile_write: a temporary file,
 *       fsync, rename): the median S of COMPILE_RUNS runs, of which the
 *       load L and the write W; B is the image's size.
 *   map  IMAGE  M ms  m ms
 *       cache_map() (open, mmap, image_open's checks) and ruleset_free()
 *       (munmap): the median M and the least m of MAP_RUNS runs, the image
 *       in the page cache: what a CGI request or a new FastCGI process
 *       pays before its first lookup.
 *   regex  IMAGE  K regexes  R ms  r ms
 *       after a cache_map(), ruleset_regex() for every regex rule
 *       (pcre2_compile and the JIT): what a process pays once that tries
 *       them all, as a miss does; the median R and the least r of
 *       REGEX_RUNS runs.  Only when the rule set has regex rules.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fcgi-redirect.h"

#define COMPILE_RUNS	3
#define MAP_RUNS	200
#define REGEX_RUNS	20

static double
now_seconds(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of v[n] (sorted in place). */
static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* Load rules and write its image to img, COMPILE_RUNS times. */
static int
bench_compile(const char *rules, const char *img)
{
	struct image_source	 src;
	struct ruleset		*rs;
	struct diag		 d;
	struct stat		 st;
	double			 all[COMPILE_RUNS], load[COMPILE_RUNS];
	double			 wr[COMPILE_RUNS], t0, t1;
	size_t			 nrules = 0, size = 0;
	char			 err[512];
	int			 i;

	for (i = 0; i < COMPILE_RUNS; i++) {
		if (stat(rules, &st) == -1) {
			perror(rules);
			return -1;
		}
		image_source_stat(&src, &st);
		diag_init(&d, NULL, rules);
		t0 = now_seconds();
		if ((rs = ini_load_file(rules, &d)) == NULL) {
			fprintf(stderr, "%s: invalid (%u errors)\n", rules,
			    d.errors);
			return -1;
		}
		t1 = now_seconds();
		if (compile_write(rs, &src, img, err, sizeof(err)) != 0) {
			fprintf(stderr, "bench-image: %s\n", err);
			ruleset_free(rs);
			return -1;
		}
		wr[i] = now_seconds() - t1;
		load[i] = t1 - t0;
		all[i] = load[i] + wr[i];
		nrules = rs->nrules;
		size = rs->size;
		ruleset_free(rs);
	}
	printf("compile\t%s\t%zu rules\t%.3f s\t%.3f s\t%.3f s\t%zu bytes\n",
	    rules, nrules, median(all, COMPILE_RUNS),
	    median(load, COMPILE_RUNS), median(wr, COMPILE_RUNS), size);
	return 0;
}

/* cache_map() and ruleset_free(), MAP_RUNS times. */
static int
bench_map(const char *rules, const char *img)
{
	struct ruleset	*rs;
	const char	*why;
	double		 ms[MAP_RUNS], t0, m;
	int		 i;

	for (i = 0; i < MAP_RUNS; i++) {
		t0 = now_seconds();
		if ((rs = cache_map(img, rules, &why)) == NULL) {
			fprintf(stderr, "%s: %s\n", img, why);
			return -1;
		}
		ruleset_free(rs);
		ms[i] = (now_seconds() - t0) * 1e3;
	}
	m = median(ms, MAP_RUNS);	/* sorts: ms[0] is the least */
	printf("map\t%s\t%.3f ms\t%.3f ms\n", img, m, ms[0]);
	return 0;
}

/* After a cache_map(), ruleset_regex() of every regex rule, REGEX_RUNS
 * times. */
static int
bench_regex(const char *rules, const char *img)
{
	struct ruleset		*rs;
	const struct rule	*r;
	struct rule		 tmp;
	const char		*why;
	double			 ms[REGEX_RUNS], t0, m;
	size_t			 k, n = 0;
	int			 i;

	for (i = 0; i < REGEX_RUNS; i++) {
		if ((rs = cache_map(img, rules, &why)) == NULL) {
			fprintf(stderr, "%s: %s\n", img, why);
			return -1;
		}
		if ((n = rs->nregex) == 0) {
			ruleset_free(rs);
			return 0;
		}
		t0 = now_seconds();
		for (k = 0; k < n; k++) {
			r = ruleset_rule(rs, ruleset_regex_rule(rs, k), &tmp);
			if (r == NULL || ruleset_regex(rs, r) == NULL) {
				fprintf(stderr, "%s: regex %zu does not "
				    "compile\n", img, k);
				ruleset_free(rs);
				return -1;
			}
		}
		ms[i] = (now_seconds() - t0) * 1e3;
		ruleset_free(rs);
	}
	m = median(ms, REGEX_RUNS);	/* sorts: ms[0] is the least */
	printf("regex\t%s\t%zu regexes\t%.3f ms\t%.3f ms\n", img, n, m,
	    ms[0]);
	return 0;
}

int
main(int argc, char *argv[])
{
	if (argc != 3) {
		fprintf(stderr, "usage: bench-image RULES IMAGE\n");
		return 2;
	}
	if (bench_compile(argv[1], argv[2]) != 0 ||
	    bench_map(argv[1], argv[2]) != 0 ||
	    bench_regex(argv[1], argv[2]) != 0)
		return 1;
	return 0;
}
