/*
 * engine.c: the engine alone, without a server.
 *
 *   bench-engine RULES URI [URI...]
 *
 * Loads RULES, a rule file (ini_load_file: parsing, the analysis of loops
 * and chains, compiling the image in memory) or an image that
 * `fcgi-redirect --compile` wrote (cache_map: mapped read-only, as serving
 * does), reporting the load time and the resident memory it added, then
 * answers each URI (GET, Host www.example.re, with the 24 variables
 * lighttpd passes for a request from curl) through the whole request path
 * a server's request takes: fastcgi_check() of the FastCGI records those
 * variables come in (fastcgi.c), handle_decide() (request parsing and
 * normalization, matching, Location building) and handle_respond() (the
 * response bytes).  For each URI it prints the answer, and how many lookups
 * a second one core does.  Under valgrind --tool=callgrind
 * --toggle-collect=bench_one, the instructions counted are those of
 * BENCH_CALLGRIND_N calls of bench_one() for each URI: divide to get
 * instructions per lookup.
 */
#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fcgi-redirect.h"

#define BENCH_SECONDS		0.5
#define BENCH_CALLGRIND_N	1000

static char		 response[RESPONSE_MAX];
static struct decision	 decision;
/* The request's FastCGI head, as lighttpd sends it, for fastcgi_check(). */
static unsigned char	 head[FASTCGI_HEAD_MAX];
static size_t		 head_len;
static unsigned char	 guard_scratch[FASTCGI_PARAMS_MAX];
static struct fastcgi_env guard_env;	/* built as fastcgi_read() does */

/* One name-value length (FastCGI §3.4). */
static size_t
put_len(unsigned char *p, size_t n)
{
	if (n < 128) {
		p[0] = (unsigned char)n;
		return 1;
	}
	p[0] = (unsigned char)(0x80 | n >> 24);
	p[1] = (unsigned char)(n >> 16);
	p[2] = (unsigned char)(n >> 8);
	p[3] = (unsigned char)n;
	return 4;
}

/* head: FCGI_BEGIN_REQUEST, envp as one FCGI_PARAMS record, its end. */
static void
head_make(char **envp)
{
	static const unsigned char begin[16] = {
		1, 1, 0, 1, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0
	};
	size_t	 n = 24, name, value, clen;

	memcpy(head, begin, sizeof(begin));
	for (; *envp != NULL; envp++) {
		name = strcspn(*envp, "=");
		value = strlen(*envp + name + 1);
		n += put_len(head + n, name);
		n += put_len(head + n, value);
		memcpy(head + n, *envp, name);
		memcpy(head + n + name, *envp + name + 1, value);
		n += name + value;
	}
	clen = n - 24;
	memcpy(head + 16, (const unsigned char[]){ 1, 4, 0, 1,
	    (unsigned char)(clen >> 8), (unsigned char)clen, 0, 0 }, 8);
	memcpy(head + n, (const unsigned char[]){ 1, 4, 0, 1, 0, 0, 0, 0 }, 8);
	head_len = n + 8;
}

static double
now_seconds(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long
rss_kib(void)
{
	struct rusage	 ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* One request, start to finish; kept out of line for callgrind. */
__attribute__((noinline)) void bench_one(const struct ruleset *,
    char **, struct match_scratch *, struct buf *);
__attribute__((noinline)) void
bench_one(const struct ruleset *rs, char **envp, struct match_scratch *ms,
    struct buf *out)
{
	struct fastcgi_head	 h;

	if (fastcgi_check(head, head_len, &h, guard_scratch, &guard_env) !=
	    FASTCGI_OK)
		abort();
	handle_decide(rs, envp, 1700000000, ms, &decision);
	buf_init(out, response, sizeof(response));
	handle_respond(&decision, out);
}

int
main(int argc, char *argv[])
{
	struct ruleset		*rs;
	struct match_scratch	*ms;
	struct diag		 d;
	struct buf		 out;
	char			 uri[URI_MAX + 16];
	/* What lighttpd passes for a plain GET from curl: 24 variables. */
	char			*envp[] = { "CONTENT_LENGTH=0",
	    "QUERY_STRING=", uri, "SCRIPT_NAME=/", "SCRIPT_FILENAME=/var/www/",
	    "DOCUMENT_ROOT=/var/www", "REQUEST_METHOD=GET",
	    "SERVER_PROTOCOL=HTTP/1.1", "SERVER_SOFTWARE=lighttpd/1.4.69",
	    "GATEWAY_INTERFACE=CGI/1.1", "REQUEST_SCHEME=http",
	    "SERVER_PORT=80", "SERVER_ADDR=127.0.0.1",
	    "SERVER_NAME=www.example.re", "REMOTE_ADDR=127.0.0.1",
	    "REMOTE_PORT=51234", "REDIRECT_STATUS=200",
	    "HTTP_HOST=www.example.re", "HTTP_USER_AGENT=curl/7.88.1",
	    "HTTP_ACCEPT=*/*", "HTTP_ACCEPT_ENCODING=gzip, deflate",
	    "HTTP_ACCEPT_LANGUAGE=en", "HTTP_CONNECTION=keep-alive",
	    "HTTP_CACHE_CONTROL=no-cache", NULL };
	const char		*why;
	double			 t0, t;
	long			 rss0, n, i;
	int			 k, callgrind = getenv("BENCH_CALLGRIND") != NULL;

	if (argc < 3) {
		fprintf(stderr, "usage: bench-engine RULES URI...\n");
		return 2;
	}
	rss0 = rss_kib();
	diag_init(&d, NULL, argv[1]);
	t0 = now_seconds();
	if (cache_is_image(argv[1])) {
		rs = cache_map(argv[1], NULL, &why);
		if (rs == NULL) {
			fprintf(stderr, "%s: %s\n", argv[1], why);
			return 1;
		}
	} else if ((rs = ini_load_file(argv[1], &d)) == NULL) {
		fprintf(stderr, "%s: invalid (%u errors)\n", argv[1], d.errors);
		return 1;
	}
	t = now_seconds() - t0;
	printf("load\t%s\t%zu rules\t%.3f s\t%ld KiB\n", argv[1], rs->nrules,
	    t, rss_kib() - rss0);
	ms = match_scratch_new();
	for (k = 2; k < argc; k++) {
		snprintf(uri, sizeof(uri), "REQUEST_URI=%s", argv[k]);
		head_make(envp);
		if (callgrind) {
			for (i = 0; i < BENCH_CALLGRIND_N; i++)
				bench_one(rs, envp, ms, &out);
			continue;
		}
		bench_one(rs, envp, ms, &out);
		printf("answer\t%s\t%d\t%s\n", argv[k], decision.status,
		    decision.location_len ? decision.location : "-");
		t0 = now_seconds();
		n = 0;
		do {
			for (i = 0; i < 1000; i++)
				bench_one(rs, envp, ms, &out);
			n += 1000;
		} while ((t = now_seconds() - t0) < BENCH_SECONDS);
		printf("speed\t%s\t%.0f lookups/s\n", argv[k], (double)n / t);
	}
	match_scratch_free(ms);
	ruleset_free(rs);
	return 0;
}
