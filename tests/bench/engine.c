/*
 * engine.c: the engine alone, without a server.
 *
 *   bench-engine RULES URI [URI...]
 *
 * Loads RULES (reporting the load time and the resident memory it added),
 * then answers each URI (GET, Host www.example.re, with the 24 variables
 * lighttpd passes for a request from curl) through the whole request path
 * a server's request takes: handle_decide() (request parsing and
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
	rs = ruleset_load_file(argv[1], &d);
	t = now_seconds() - t0;
	if (rs == NULL) {
		fprintf(stderr, "%s: invalid (%u errors)\n", argv[1], d.errors);
		return 1;
	}
	printf("load\t%s\t%zu rules\t%.3f s\t%ld KiB\n", argv[1], rs->nrules,
	    t, rss_kib() - rss0);
	ms = match_scratch_new();
	for (k = 2; k < argc; k++) {
		snprintf(uri, sizeof(uri), "REQUEST_URI=%s", argv[k]);
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
