/*
 * report.c: fcgi-redirect --stats, what the counters file says.
 *
 * Reads the counters file (serve/stats.c) read-only, as it is, and the
 * rule set it counts, and matches them by id (stats_rule_id()): a counters
 * file of an older image of the rule file still reports the rules that are
 * still there, which is what serving would carry over.  Never writes but
 * for --reset, so an operator may run it as any user who can read both.
 *
 *   text        a summary (requests, redirects by status, misses), the
 *               top rules and entries, the top missed paths, the rules and
 *               entries not used for DAYS with their FILE:LINE, and the
 *               temporary redirects (302, 307) that have answered for more
 *               than TEMPORARY_DAYS, with the 308 (or 301) suggestion;
 *   csv, json   every rule and map entry, and the fallback: name,
 *               FILE:LINE, key, status, hits, first and last hit (RFC
 *               3339), for spreadsheets and scripts;
 *   prometheus  the text exposition format (version 0.0.4), labelled by
 *               rule or map name and status only: never by map entry or
 *               path, which would make a series of each.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fcgi-redirect.h"

/* A temporary redirect answering for longer than this may be permanent. */
#define TEMPORARY_DAYS	90
#define DAY		86400

/* One rule or map entry, or the fallback, with its counters. */
struct report_row {
	struct rule		 r;	/* read from the image */
	int			 ok;	/* r could be read */
	int			 status; /* its answer: 3xx, or the fallback's */
	uint64_t		 hits;
	int64_t			 first, last;
};

/* One entry of the top missed paths, copied while nobody wrote it. */
struct report_miss {
	char		 path[STATS_PATH_MAX];
	uint32_t	 len;
	uint64_t	 count;
	int64_t		 last;
};

struct report {
	const struct report_opts *o;
	const struct ruleset	*rs;
	struct stats		*s;	/* stats_find() indexes it */
	struct report_row	*rows;	/* nrules + 1, the fallback last */
	size_t			 nrows;
	struct report_miss	*miss;
	size_t			 nmiss;
	time_t			 now;
};

/* t as RFC 3339 in UTC into buf, or `none` for 0. */
static const char *
rfc3339(int64_t t, char *buf, size_t n, const char *none)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return none;
	return buf;
}

/* The rows of rs, their counters found by id in s.  0, or -1. */
static int
report_rows(struct report *rp)
{
	const struct ruleset	*rs = rp->rs;
	const struct stats_slot	*sl;
	struct report_row	*w;
	size_t			 i;

	rp->nrows = rs->nrules + 1;
	if ((rp->rows = calloc(rp->nrows, sizeof(*rp->rows))) == NULL)
		return -1;
	for (i = 0; i < rp->nrows; i++) {
		w = &rp->rows[i];
		if (i == rs->nrules) {
			w->r.no = RULE_FALLBACK;
			w->r.name = "(fallback)";
			w->r.pattern = "";
			w->r.line = 0;
			w->ok = 1;
			w->status = rs->fallback_status != 0 ?
			    rs->fallback_status : rs->defaults->status;
		} else if (ruleset_rule(rs, (uint32_t)i, &w->r) != NULL) {
			w->ok = 1;
			w->status = w->r.opts->status;
		} else
			continue;
		if ((sl = stats_find(rp->s, stats_rule_id(&w->r), i)) ==
		    NULL)
			continue;
		w->hits = __atomic_load_n(&sl->hits, __ATOMIC_RELAXED);
		w->first = __atomic_load_n(&sl->first, __ATOMIC_RELAXED);
		w->last = __atomic_load_n(&sl->last, __ATOMIC_RELAXED);
	}
	return 0;
}

static int
miss_cmp(const void *a, const void *b)
{
	const struct report_miss	*x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->path, y->path);
}

/*
 * The top missed paths, most first: each entry copied between two reads
 * of its claim word, and left out when it was being written.
 */
static int
report_misses(struct report *rp)
{
	const struct stats_miss	*m;
	struct report_miss	*w;
	uint64_t		 c1, c2;
	size_t			 i;

	if ((rp->miss = calloc(STATS_TOP_N, sizeof(*rp->miss))) == NULL)
		return -1;
	for (i = 0; i < STATS_TOP_N; i++) {
		m = &rp->s->top[i];
		c1 = __atomic_load_n(&m->claim, __ATOMIC_ACQUIRE);
		if (c1 <= STATS_CLAIM_BUSY)
			continue;
		w = &rp->miss[rp->nmiss];
		memcpy(w->path, m->path, sizeof(w->path));
		w->path[sizeof(w->path) - 1] = '\0';
		w->len = m->len;
		w->count = __atomic_load_n(&m->count, __ATOMIC_RELAXED);
		w->last = __atomic_load_n(&m->last, __ATOMIC_RELAXED);
		c2 = __atomic_load_n(&m->claim, __ATOMIC_ACQUIRE);
		if (c1 == c2 && w->count > 0)
			rp->nmiss++;
	}
	qsort(rp->miss, rp->nmiss, sizeof(*rp->miss), miss_cmp);
	return 0;
}

/* What a row is called in the text report: "[name]" or "[map m] /key". */
static void
row_label(const struct report_row *w, char *buf, size_t n)
{
	if (w->r.no == RULE_FALLBACK)
		snprintf(buf, n, "(no rule: the fallback)");
	else if (w->r.kind == RULE_MAP_ENTRY)
		snprintf(buf, n, "[map %s] %.*s%s%s", w->r.name,
		    (int)w->r.pattern_len, w->r.pattern,
		    w->r.query != NULL ? "?" : "",
		    w->r.query != NULL ? w->r.query : "");
	else
		snprintf(buf, n, "[%s]", w->r.name);
}

static int
row_hits_cmp(const void *a, const void *b)
{
	const struct report_row	*x = *(const struct report_row *const *)a;
	const struct report_row	*y = *(const struct report_row *const *)b;

	if (x->hits != y->hits)
		return x->hits > y->hits ? -1 : 1;
	return x->r.no < y->r.no ? -1 : x->r.no > y->r.no;
}

/* The sum of the status counters whose code is in [lo, hi]. */
static uint64_t
status_sum(const struct stats *s, int lo, int hi)
{
	uint64_t	 n = 0;
	size_t		 i;

	for (i = 0; i < STATS_STATUS_N; i++)
		if (stats_status_codes[i] >= lo && stats_status_codes[i] <= hi)
			n += __atomic_load_n(&s->status[i].hits,
			    __ATOMIC_RELAXED);
	return n;
}

/* "301: 5, 307: 2" of the nonzero statuses in [lo, hi] (0: other). */
static void
print_statuses(const struct stats *s, int lo, int hi)
{
	const char	*sep = "";
	uint64_t	 n;
	size_t		 i;

	for (i = 0; i < STATS_STATUS_N; i++) {
		if (stats_status_codes[i] < lo || stats_status_codes[i] > hi ||
		    (n = s->status[i].hits) == 0)
			continue;
		if (stats_status_codes[i] == 0)
			printf("%sother: %llu", sep, (unsigned long long)n);
		else
			printf("%s%d: %llu", sep, stats_status_codes[i],
			    (unsigned long long)n);
		sep = ", ";
	}
}

static void
report_text(struct report *rp)
{
	const struct report_opts *o = rp->o;
	struct report_row	**by;
	const struct report_row	*w;
	char			 t1[32], t2[32], label[512];
	int64_t			 unused_before, since = rp->s->h->since;
	size_t			 i, shown, more;
	uint64_t		 redirects = status_sum(rp->s, 300, 399);

	printf("Counters of %s since %s (%s)\n", rp->rs->file,
	    rfc3339(since, t1, sizeof(t1), "an unknown time"), o->stats);
	printf("Requests: %llu; redirects: %llu",
	    (unsigned long long)(status_sum(rp->s, 0, 999)),
	    (unsigned long long)redirects);
	if (redirects > 0) {
		printf(" (");
		print_statuses(rp->s, 300, 399);
		printf(")");
	}
	printf("; misses: %llu", (unsigned long long)rp->rows[rp->nrows -
	    1].hits);
	if (status_sum(rp->s, 400, 599) + status_sum(rp->s, 0, 0) > 0) {
		printf("; other answers: ");
		print_statuses(rp->s, 400, 599);
		if (status_sum(rp->s, 0, 0) > 0) {
			printf(", ");
			print_statuses(rp->s, 0, 0);
		}
	}
	printf("\n");

	if ((by = calloc(rp->nrows, sizeof(*by))) == NULL)
		return;
	for (i = 0; i < rp->nrows - 1; i++)
		by[i] = &rp->rows[i];
	qsort(by, rp->nrows - 1, sizeof(*by), row_hits_cmp);
	printf("\nTop rules and map entries:\n");
	for (i = 0, shown = 0; i < rp->nrows - 1 && shown < o->top; i++) {
		if ((w = by[i])->hits == 0 || !w->ok)
			break;
		row_label(w, label, sizeof(label));
		printf("  %10llu  %s %s:%u, last %s\n",
		    (unsigned long long)w->hits, label, rp->rs->file,
		    w->r.line, rfc3339(w->last, t1, sizeof(t1), "never"));
		shown++;
	}
	if (shown == 0)
		printf("  (none has answered yet)\n");
	free(by);

	printf("\nTop missed paths (approximate counts: at most the count "
	    "shown, at least it less the count it took over):\n");
	for (i = 0; i < rp->nmiss && i < o->top; i++)
		printf("  %10llu  %s%s, last %s\n",
		    (unsigned long long)rp->miss[i].count, rp->miss[i].path,
		    rp->miss[i].len >= STATS_PATH_MAX ? "..." : "",
		    rfc3339(rp->miss[i].last, t1, sizeof(t1), "never"));
	if (rp->nmiss == 0)
		printf("  (none)\n");

	unused_before = (int64_t)rp->now - (int64_t)o->unused_days * DAY;
	printf("\nNot used for %ld days (safe to retire?):\n", o->unused_days);
	if (since > unused_before)
		printf("  (counting began %s, less than %ld days ago: ask "
		    "again after %s)\n", rfc3339(since, t1, sizeof(t1), "?"),
		    o->unused_days, rfc3339(since + (int64_t)o->unused_days *
		    DAY, t2, sizeof(t2), "?"));
	else {
		for (i = 0, shown = 0, more = 0; i < rp->nrows - 1; i++) {
			w = &rp->rows[i];
			if (!w->ok || w->last > unused_before)
				continue;
			if (shown++ >= o->top) {
				more++;
				continue;
			}
			row_label(w, label, sizeof(label));
			printf("  %s:%u: %s, %s%s\n", rp->rs->file, w->r.line,
			    label, w->last == 0 ? "never used" : "last used ",
			    rfc3339(w->last, t1, sizeof(t1), ""));
		}
		if (shown == 0)
			printf("  (none)\n");
		if (more > 0)
			printf("  and %zu more (--top, or --format csv lists "
			    "them all)\n", more);
	}

	printf("\nTemporary redirects answering for more than %d days:\n",
	    TEMPORARY_DAYS);
	for (i = 0, shown = 0; i < rp->nrows - 1; i++) {
		w = &rp->rows[i];
		if (!w->ok || (w->status != 302 && w->status != 307) ||
		    w->first == 0 || w->first > (int64_t)rp->now -
		    TEMPORARY_DAYS * DAY || w->last < unused_before)
			continue;
		row_label(w, label, sizeof(label));
		printf("  %s:%u: %s answers %d since %s (last %s): if the "
		    "move is permanent, say status = %d\n", rp->rs->file,
		    w->r.line, label, w->status, rfc3339(w->first, t1,
		    sizeof(t1), "?"), rfc3339(w->last, t2, sizeof(t2), "?"),
		    w->status == 307 ? 308 : 301);
		shown++;
	}
	if (shown == 0)
		printf("  (none)\n");
	else
		printf("  Why: a temporary redirect left in place is in time "
		    "treated as permanent by search engines, while clients "
		    "keep asking the old URL; %s says what is meant.\n",
		    "a permanent status");
}

/* s as a CSV field (RFC 4180): quoted when it holds , \" CR or LF. */
static void
csv_field(const char *s, size_t n)
{
	size_t	 i;

	if (strcspn(s, ",\"\r\n") >= n) {
		printf("%.*s", (int)n, s);
		return;
	}
	putchar('"');
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			putchar('"');
		putchar(s[i]);
	}
	putchar('"');
}

/* s as a JSON string (RFC 8259); bytes above 0x7e as \u00XX. */
static void
json_string(const char *s, size_t n)
{
	size_t	 i;

	putchar('"');
	for (i = 0; i < n; i++) {
		unsigned char	 c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* What a row's kind is called in csv and json. */
static const char *
row_kind(const struct report_row *w)
{
	static const char *const names[] = { "path", "prefix", "regex",
	    "map" };

	if (w->r.no == RULE_FALLBACK)
		return "fallback";
	return (size_t)w->r.kind < 4 ? names[w->r.kind] : "?";
}

/* A row's key: its pattern, and "?query" for a key with one. */
static void
row_key(const struct report_row *w, char *buf, size_t n)
{
	/* A prefix of "/" is kept empty (load/rules.c). */
	if (w->r.kind == RULE_PREFIX && w->r.pattern_len == 0 &&
	    w->r.no != RULE_FALLBACK) {
		snprintf(buf, n, "/");
		return;
	}
	snprintf(buf, n, "%.*s%s%s", (int)w->r.pattern_len, w->r.pattern,
	    w->r.query != NULL ? "?" : "", w->r.query != NULL ? w->r.query :
	    "");
}

static void
report_csv(struct report *rp)
{
	const struct report_row	*w;
	char			 t1[32], t2[32], key[PATH_BUF];
	size_t			 i;

	printf("kind,name,file,line,key,status,hits,first,last\n");
	for (i = 0; i < rp->nrows; i++) {
		if (!(w = &rp->rows[i])->ok)
			continue;
		row_key(w, key, sizeof(key));
		printf("%s,%s,", row_kind(w), w->r.name);
		csv_field(rp->rs->file, strlen(rp->rs->file));
		printf(",%u,", w->r.line);
		csv_field(key, strlen(key));
		printf(",%d,%llu,%s,%s\n", w->status,
		    (unsigned long long)w->hits,
		    rfc3339(w->first, t1, sizeof(t1), ""),
		    rfc3339(w->last, t2, sizeof(t2), ""));
	}
}

static void
report_json(struct report *rp)
{
	const struct report_row	*w;
	char			 t1[32], key[PATH_BUF];
	const char		*sep = "";
	size_t			 i;

	printf("{\"file\": ");
	json_string(rp->rs->file, strlen(rp->rs->file));
	printf(", \"since\": \"%s\", \"statuses\": {",
	    rfc3339(rp->s->h->since, t1, sizeof(t1), ""));
	for (i = 0; i < STATS_STATUS_N; i++) {
		if (stats_status_codes[i] == 0)
			printf("%s\"other\": %llu", sep,
			    (unsigned long long)rp->s->status[i].hits);
		else
			printf("%s\"%d\": %llu", sep, stats_status_codes[i],
			    (unsigned long long)rp->s->status[i].hits);
		sep = ", ";
	}
	printf("},\n \"rules\": [");
	for (i = 0, sep = "\n  "; i < rp->nrows; i++) {
		if (!(w = &rp->rows[i])->ok)
			continue;
		row_key(w, key, sizeof(key));
		printf("%s{\"kind\": \"%s\", \"name\": \"%s\", \"file\": ", sep,
		    row_kind(w), w->r.name);
		json_string(rp->rs->file, strlen(rp->rs->file));
		printf(", \"line\": %u, \"key\": ", w->r.line);
		json_string(key, strlen(key));
		printf(", \"status\": %d, \"hits\": %llu, \"first\": ",
		    w->status, (unsigned long long)w->hits);
		if (w->first == 0)
			printf("null");
		else
			printf("\"%s\"", rfc3339(w->first, t1, sizeof(t1),
			    ""));
		printf(", \"last\": ");
		if (w->last == 0)
			printf("null}");
		else
			printf("\"%s\"}", rfc3339(w->last, t1, sizeof(t1),
			    ""));
		sep = ",\n  ";
	}
	printf("],\n \"misses\": [");
	for (i = 0, sep = "\n  "; i < rp->nmiss; i++) {
		printf("%s{\"path\": ", sep);
		json_string(rp->miss[i].path, strlen(rp->miss[i].path));
		printf(", \"cut\": %s, \"count\": %llu, \"last\": \"%s\"}",
		    rp->miss[i].len >= STATS_PATH_MAX ? "true" : "false",
		    (unsigned long long)rp->miss[i].count,
		    rfc3339(rp->miss[i].last, t1, sizeof(t1), ""));
		sep = ",\n  ";
	}
	printf("]}\n");
}

/*
 * Prometheus' text exposition format: per rule, per map (its entries
 * summed: one series per map, never per entry) and per status.  Names are
 * [A-Za-z0-9._-] (load/names.c), so label values need no escaping.
 */
static void
report_prometheus(struct report *rp)
{
	const struct report_row	*w, *v;
	uint64_t		 sum;
	size_t			 i, j;

	printf("# HELP fcgi_redirect_responses_total Answers by status.\n"
	    "# TYPE fcgi_redirect_responses_total counter\n");
	for (i = 0; i < STATS_STATUS_N; i++)
		printf("fcgi_redirect_responses_total{status=\"%s%.0d\"} "
		    "%llu\n", stats_status_codes[i] == 0 ? "other" : "",
		    stats_status_codes[i],
		    (unsigned long long)rp->s->status[i].hits);
	printf("# HELP fcgi_redirect_rule_hits_total Redirects answered by "
	    "each rule.\n# TYPE fcgi_redirect_rule_hits_total counter\n");
	for (i = 0; i < rp->nrows - 1; i++)
		if ((w = &rp->rows[i])->ok && w->r.kind != RULE_MAP_ENTRY)
			printf("fcgi_redirect_rule_hits_total{rule=\"%s\","
			    "status=\"%d\"} %llu\n", w->r.name, w->status,
			    (unsigned long long)w->hits);
	printf("# HELP fcgi_redirect_map_hits_total Redirects answered by "
	    "the entries of each map, summed.\n"
	    "# TYPE fcgi_redirect_map_hits_total counter\n");
	/* A map's entries are consecutive, in the order of its section. */
	for (i = 0; i < rp->nrows - 1; i = j) {
		w = &rp->rows[i];
		for (j = i + 1, sum = w->hits; j < rp->nrows - 1; j++) {
			v = &rp->rows[j];
			if (!w->ok || !v->ok || v->r.kind != RULE_MAP_ENTRY ||
			    strcmp(v->r.name, w->r.name) != 0)
				break;
			sum += v->hits;
		}
		if (w->ok && w->r.kind == RULE_MAP_ENTRY)
			printf("fcgi_redirect_map_hits_total{map=\"%s\","
			    "status=\"%d\"} %llu\n", w->r.name, w->status,
			    (unsigned long long)sum);
	}
	w = &rp->rows[rp->nrows - 1];
	printf("# HELP fcgi_redirect_misses_total Requests no rule matched "
	    "(the fallback answered).\n"
	    "# TYPE fcgi_redirect_misses_total counter\n"
	    "fcgi_redirect_misses_total{status=\"%d\"} %llu\n", w->status,
	    (unsigned long long)w->hits);
	printf("# HELP fcgi_redirect_stats_since_seconds When counting "
	    "began, or was last reset.\n"
	    "# TYPE fcgi_redirect_stats_since_seconds gauge\n"
	    "fcgi_redirect_stats_since_seconds %lld\n",
	    (long long)rp->s->h->since);
}

/*
 * --reset: every counter, or those of the rule or map named o->reset.
 * Returns 0, or -1 after a message when no rule or map has that name.
 */
static int
report_reset(struct report *rp, struct stats *s)
{
	const struct stats_slot	*sl;
	size_t			 i, n = 0;

	if (rp->o->reset == NULL) {
		stats_reset(s, NULL, (int64_t)rp->now);
		printf("%s: every counter reset\n", rp->o->stats);
		return 0;
	}
	for (i = 0; i < rp->nrows - 1; i++)
		if (rp->rows[i].ok && strcmp(rp->rows[i].r.name,
		    rp->o->reset) == 0 && (sl = stats_find(s,
		    stats_rule_id(&rp->rows[i].r), i)) != NULL) {
			stats_reset(s, sl, (int64_t)rp->now);
			n++;
		}
	if (n == 0) {
		fprintf(stderr, "fcgi-redirect: --reset: no rule or map "
		    "named '%s' in %s\n", rp->o->reset, rp->rs->file);
		return -1;
	}
	printf("%s: the counters of %zu rule%s or map entr%s of '%s' reset\n",
	    rp->o->stats, n, n == 1 ? "" : "s", n == 1 ? "y" : "ies",
	    rp->o->reset);
	return 0;
}

/*
 * --stats: report on the counters of rule set rs as o says, or reset
 * them.  Returns 0, 1 when the counters file cannot be read (or a rule to
 * reset is not there).
 */
int
report_stats(const struct ruleset *rs, const struct report_opts *o)
{
	struct report	 rp;
	struct stats	*s;
	char		 err[1024];
	int		 rc = 0;

	memset(&rp, 0, sizeof(rp));
	rp.o = o;
	rp.rs = rs;
	rp.now = time(NULL);
	if ((s = stats_open(rs, o->stats, rs->file, o->reset_given ?
	    STATS_OPEN_WRITE : STATS_OPEN_READ, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fcgi-redirect: --stats: %s%s\n", err,
		    rs->stats_off ? " ([defaults] says stats = off)" :
		    " (serving creates it at its first answer)");
		return 1;
	}
	rp.s = s;
	if (report_rows(&rp) != 0 || report_misses(&rp) != 0) {
		fprintf(stderr, "fcgi-redirect: out of memory\n");
		rc = 1;
	} else if (o->reset_given)
		rc = report_reset(&rp, s) == 0 ? 0 : 1;
	else if (o->format == REPORT_CSV)
		report_csv(&rp);
	else if (o->format == REPORT_JSON)
		report_json(&rp);
	else if (o->format == REPORT_PROMETHEUS)
		report_prometheus(&rp);
	else
		report_text(&rp);
	free(rp.rows);
	free(rp.miss);
	stats_close(s);
	return rc;
}
