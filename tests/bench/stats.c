/*
 * stats.c: what counting an answer costs (serve/stats.c), alone.
 *
 *   bench-stats DIR
 *
 * Writes a rule file of 1,000 path rules and a 1,000-entry map into DIR,
 * loads it as serving does (cache_load: its image, then its counters file,
 * stats_open), decides three requests (a rule's hit, a map entry's hit,
 * a miss of a 29-byte path) with handle_decide(), then counts each decided
 * answer BENCH_STATS_N times with stats_count(): one call of
 * count_hit(), count_entry() and count_miss() each, and of
 * count_miss_unhashed(), the miss again as if the lookup had not hashed
 * its path (a rule set without exact path rules).  Under
 *
 *   valgrind --tool=callgrind --toggle-collect=count_hit \
 *       --toggle-collect=count_entry --toggle-collect=count_miss \
 *       --toggle-collect=count_miss_unhashed
 *
 * callgrind_annotate --inclusive=yes gives each function's instructions:
 * divided by BENCH_STATS_N, the instructions a request's counting costs
 * (make bench-stats does it all).  Without valgrind it prints the time a
 * count takes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fcgi-redirect.h"

#define BENCH_STATS_N	1000

static struct decision	hit, entry, miss, miss_unhashed;

__attribute__((noinline)) void count_hit(struct stats *);
__attribute__((noinline)) void count_miss_unhashed(struct stats *);
__attribute__((noinline)) void count_entry(struct stats *);
__attribute__((noinline)) void count_miss(struct stats *);

__attribute__((noinline)) void
count_hit(struct stats *s)
{
	int	 i;

	for (i = 0; i < BENCH_STATS_N; i++)
		stats_count(s, &hit);
}

__attribute__((noinline)) void
count_entry(struct stats *s)
{
	int	 i;

	for (i = 0; i < BENCH_STATS_N; i++)
		stats_count(s, &entry);
}

__attribute__((noinline)) void
count_miss(struct stats *s)
{
	int	 i;

	for (i = 0; i < BENCH_STATS_N; i++)
		stats_count(s, &miss);
}

/*
 * A miss whose path the lookup did not hash (a rule set without exact
 * path rules in the default variant): stats.c hashes it itself.
 */
__attribute__((noinline)) void
count_miss_unhashed(struct stats *s)
{
	int	 i;

	for (i = 0; i < BENCH_STATS_N; i++)
		stats_count(s, &miss_unhashed);
}

static void
decide(const struct ruleset *rs, struct match_scratch *ms, const char *uri,
    struct decision *d)
{
	char	 u[256];
	char	*env[] = { "REQUEST_METHOD=GET", u, "HTTP_HOST=www.example.re",
		    NULL };

	snprintf(u, sizeof(u), "REQUEST_URI=%s", uri);
	handle_decide(rs, env, time(NULL), ms, d);
}

int
main(int argc, char *argv[])
{
	char			 rules[4096], stats[4096], img[4096], err[512];
	struct match_scratch	*ms;
	struct ruleset		*rs;
	struct stats		*s;
	struct timespec		 t0, t1;
	struct diag		 d;
	FILE			*f;
	int			 i, held;

	if (argc != 2) {
		fprintf(stderr, "usage: bench-stats DIR\n");
		return 2;
	}
	snprintf(rules, sizeof(rules), "%s/bench-stats.ini", argv[1]);
	if ((f = fopen(rules, "w")) == NULL)
		return 1;
	for (i = 0; i < 1000; i++)
		fprintf(f, "[r%d]\npath = /rule/%d\nto = /to/%d\n", i, i, i);
	fprintf(f, "[map m]\n");
	for (i = 0; i < 1000; i++)
		fprintf(f, "/entry/%d = /to-entry/%d\n", i, i);
	if (fclose(f) != 0)
		return 1;
	diag_init(&d, stderr, rules);
	if ((rs = cache_load(rules, cache_path(rules, NULL, img, sizeof(img)),
	    0, &d, &held)) == NULL || (ms = match_scratch_new()) == NULL)
		return 1;
	if ((s = stats_open(rs, stats_path(rules, stats, sizeof(stats)), rules,
	    STATS_OPEN_SERVE, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench-stats: %s\n", err);
		return 1;
	}
	decide(rs, ms, "/rule/500", &hit);
	decide(rs, ms, "/entry/500", &entry);
	decide(rs, ms, "/not/here/a-missing-page.html", &miss);
	memcpy(&miss_unhashed, &miss, sizeof(miss));
	miss_unhashed.match.path_hash = 0;
	if (hit.status != 307 || entry.status != 307 || miss.status != 404) {
		fprintf(stderr, "bench-stats: unexpected answers %d %d %d\n",
		    hit.status, entry.status, miss.status);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	count_hit(s);
	count_entry(s);
	count_miss(s);
	count_miss_unhashed(s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("bench-stats: %d counts each of a rule hit, a map entry hit, "
	    "a miss and an unhashed miss: %.1f ns a count\n", BENCH_STATS_N,
	    ((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
	    (double)(t1.tv_nsec - t0.tv_nsec)) / (4.0 * BENCH_STATS_N));
	stats_close(s);
	match_scratch_free(ms);
	ruleset_free(rs);
	return 0;
}
