/*
 * log.c: rate-limited request-time log lines.
 *
 * A request whose rule cannot be answered (PCRE2 failed on its regex, or
 * its answer did not fit RESPONSE_MAX) gets 500 from handle.c, which does
 * no I/O; serve.c hands the decision here after answering, and the reason
 * goes to stderr, the web server's error log, naming the rule and its
 * FILE:LINE.  Nothing from the request is written (no path, no header), so
 * a client cannot write into the log.
 *
 * serve.c's lines about connections (a refused peer, records no web
 * server sends, a request head that never came whole) go through here too.
 *
 * One request can be repeated at will, so the lines are rate-limited: at
 * most one every LOG_INTERVAL seconds per process, and the next line says
 * how many were left out.  XXX: the count of lines left out after the last
 * one written is lost when the process ends; under CGI every request is a
 * process of its own, so there the limit does nothing.
 */
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include <pcre2.h>

#include "fcgi-redirect.h"

#define LOG_INTERVAL	1	/* seconds between two lines */
#define PATTERN_SHOWN	200	/* bytes of a regex a line shows */

/* When the last line was written, and how many were left out since. */
static struct {
	int		 written;
	time_t		 last;
	unsigned long	 suppressed;
} log_rate;

/*
 * Write to f: prefix, then what went wrong with d (its rule, FILE:LINE,
 * the reason), then `tail` and a newline.  Nothing when d is no fault.
 */
static void
fault_print(FILE *f, const char *prefix, const struct decision *d,
    const struct ruleset *rs, const char *tail)
{
	const struct rule	*r = d->rule;
	PCRE2_UCHAR		 msg[256];
	size_t			 n;

	if (r == NULL || rs == NULL || (d->regex_error == 0 && !d->too_large))
		return;
	if (r->no == RULE_FALLBACK)
		fprintf(f, "%s%s: [defaults] fallback: ", prefix, rs->file);
	else
		fprintf(f, "%s%s:%u: [%s%s]: ", prefix, rs->file, r->line,
		    r->kind == RULE_MAP_ENTRY ? "map " : "", r->name);
	if (d->regex_error != 0) {
		if (pcre2_get_error_message(d->regex_error, msg,
		    sizeof(msg)) < 0)
			strcpy((char *)msg, "unknown error");
		n = r->pattern_len;
		fprintf(f, "regex %.*s%s: PCRE2 error %d: %s; answered 500%s\n",
		    (int)(n > PATTERN_SHOWN ? PATTERN_SHOWN : n), r->pattern,
		    n > PATTERN_SHOWN ? "..." : "", d->regex_error,
		    (const char *)msg, tail);
	} else
		fprintf(f, "the answer does not fit in %d bytes (its headers "
		    "are too long); answered 500%s\n", RESPONSE_MAX, tail);
}

/*
 * Print what went wrong with the decision d of rule set rs to f, after
 * prefix, every time (--explain).  Nothing when nothing went wrong.
 */
void
log_fault(FILE *f, const char *prefix, const struct decision *d,
    const struct ruleset *rs)
{
	fault_print(f, prefix, d, rs, "");
}

/*
 * Whether a line may be written now (at most one every LOG_INTERVAL
 * seconds).  When it may, `tail` (of `len` bytes) says how many lines were
 * left out before it, or is empty.
 */
static int
log_allowed(char *tail, size_t len)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (log_rate.written && now.tv_sec - log_rate.last < LOG_INTERVAL) {
		log_rate.suppressed++;
		return 0;
	}
	tail[0] = '\0';
	if (log_rate.suppressed > 0)
		snprintf(tail, len, " (and %lu such line%s left out before "
		    "this one)", log_rate.suppressed,
		    log_rate.suppressed == 1 ? "" : "s");
	log_rate.written = 1;
	log_rate.last = now.tv_sec;
	log_rate.suppressed = 0;
	return 1;
}

/*
 * After a request is answered: log what went wrong with it, if anything,
 * to stderr, at most once every LOG_INTERVAL seconds.
 */
void
log_decision(const struct decision *d, const struct ruleset *rs)
{
	char		 tail[80];

	if (d->rule == NULL || (d->regex_error == 0 && !d->too_large))
		return;
	if (!log_allowed(tail, sizeof(tail)))
		return;
	fault_print(stderr, "fcgi-redirect: ", d, rs, tail);
	fflush(stderr);
}

/*
 * A line about a connection (serve.c), rate-limited like log_decision():
 * "fcgi-redirect: " and the formatted message.  The message may name the
 * peer, never what it sent.
 */
void
log_connection(const char *fmt, ...)
{
	char		 tail[80];
	va_list		 ap;

	if (!log_allowed(tail, sizeof(tail)))
		return;
	fputs("fcgi-redirect: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", tail);
	fflush(stderr);
}
