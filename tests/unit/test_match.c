/*
 * test_match.c: unit tests of match.c (and the indexes of index.c).
 *
 * Each table is a rule file, written inline and loaded with
 * ini_load_buffer(), and rows of requests with the rule that must
 * decide them: its name and line (a map entry's own line), where a prefix
 * rule's rest starts, and a regex rule's captures.  The requests go through
 * request_parse(), as real ones do.  A failing row is printed to stderr
 * before the assertion.  A generated map of 100,000 entries checks that
 * lookups stay exact and fast in a large set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcre2.h>

#include "unit.h"
#include "fcgi-redirect.h"

/* In a row: rest_off DEF is "no rest" (the whole path length). */
#define DEF		((size_t)-1)
/* The time of a request unless a row says otherwise. */
#define NOW		((time_t)1700000000)

/* 2026-12-24T00:00:00Z and 2026-12-27T00:00:00Z. */
#define T_FROM		((time_t)1798070400)
#define T_UNTIL		((time_t)1798329600)

struct match_case {
	const char	*uri;		/* REQUEST_URI */
	const char	*host;		/* HTTP_HOST, NULL: none */
	const char	*method;	/* NULL: GET */
	int		 https;
	time_t		 now;		/* 0: NOW */
	const char	*name;		/* the deciding rule, NULL: none */
	unsigned	 line;
	size_t		 rest_off;	/* DEF: the path length */
	int		 ncaptures;	/* -1: not checked */
	const char	*cap[4];	/* $0..$3 (NULL: not checked) */
};

/* A request by URI only; with a host; with method/scheme/time. */
#define R(uri, name, line) \
	{ uri, NULL, NULL, 0, 0, name, line, DEF, -1, { NULL } }
#define RH(uri, host, name, line) \
	{ uri, host, NULL, 0, 0, name, line, DEF, -1, { NULL } }
#define RX(uri, host, method, https, now, name, line) \
	{ uri, host, method, https, now, name, line, DEF, -1, { NULL } }
/* A prefix rule and where its rest starts. */
#define RP(uri, name, line, rest) \
	{ uri, NULL, NULL, 0, 0, name, line, rest, -1, { NULL } }
/* A regex rule and its captures. */
#define RC(uri, name, line, n, ...) \
	{ uri, NULL, NULL, 0, 0, name, line, DEF, n, { __VA_ARGS__ } }

struct match_set {
	const char		*what;
	const char		*ini;
	const struct match_case	*cases;
	size_t			 ncases;
	unsigned		 warnings;	/* expected when loading */
	const char		*diag_has;	/* in the messages, or NULL */
};

#define SET(what, ini, cases, w, has) \
	{ what, ini, cases, nitems(cases), w, has }

static struct request	req;	/* about 48 KiB: not on the stack */

/*
 * Load a rule file from text; messages go to a memory stream, printed to
 * stderr when the load fails or the warnings differ from what is expected.
 * Returns the rule set or NULL.  *diag_text (malloc) gets the messages.
 */
static struct ruleset *
load(const char *what, const char *ini, size_t len, unsigned *warnings,
    char **diag_text)
{
	struct ruleset	*rs;
	struct diag	 d;
	FILE		*f;
	size_t		 size = 0;

	*diag_text = NULL;
	if ((f = open_memstream(diag_text, &size)) == NULL) {
		CU_FAIL("open_memstream");
		return NULL;
	}
	diag_init(&d, f, what);
	rs = ini_load_buffer(what, ini, len, &d);
	diag_finish(&d);
	fclose(f);
	*warnings = d.warnings;
	if (rs == NULL)
		fprintf(stderr, "\n%s: the rule file does not load:\n%s", what,
		    *diag_text);
	return rs;
}

/*
 * Parse the request of c into req and look it up.  Returns request_parse's
 * code (0 unless the row itself is wrong).
 */
static int
lookup(const struct ruleset *rs, struct match_scratch *sc,
    const struct match_case *c, struct match *m)
{
	char	 method[64], host[300], uri[URI_MAX + 16];
	char	 https[] = "HTTPS=on";
	char	*env[5];
	size_t	 n = 0;
	int	 rc, w;

	w = snprintf(method, sizeof(method), "REQUEST_METHOD=%s",
	    c->method != NULL ? c->method : "GET");
	if (w < 0 || (size_t)w >= sizeof(method))
		return -1;
	env[n++] = method;
	if (c->host != NULL) {
		w = snprintf(host, sizeof(host), "HTTP_HOST=%s", c->host);
		if (w < 0 || (size_t)w >= sizeof(host))
			return -1;
		env[n++] = host;
	}
	w = snprintf(uri, sizeof(uri), "REQUEST_URI=%s", c->uri);
	if (w < 0 || (size_t)w >= sizeof(uri))
		return -1;
	env[n++] = uri;
	if (c->https)
		env[n++] = https;
	env[n] = NULL;
	if ((rc = request_parse(&req, env, c->now != 0 ? c->now : NOW)) != 0)
		return rc;
	return match_lookup(rs, &req, sc, m);
}

/* Does m say what c expects?  Fills why (for the report) when not. */
static int
case_ok(const struct match_case *c, const struct match *m, char *why,
    size_t whylen)
{
	size_t	 k, rest;

	why[0] = '\0';
	if (c->name == NULL) {
		if (m->rule == NULL)
			return 1;
		snprintf(why, whylen, "matched, none expected");
		return 0;
	}
	if (m->rule == NULL) {
		snprintf(why, whylen, "nothing matched");
		return 0;
	}
	if (strcmp(m->rule->name, c->name) != 0 || m->rule->line != c->line) {
		snprintf(why, whylen, "wrong rule");
		return 0;
	}
	rest = c->rest_off == DEF ? req.path_len : c->rest_off;
	if (m->rest_off != rest) {
		snprintf(why, whylen, "rest_off %zu, want %zu", m->rest_off,
		    rest);
		return 0;
	}
	if (c->ncaptures < 0)
		return 1;
	if (m->ncaptures != (size_t)c->ncaptures) {
		snprintf(why, whylen, "ncaptures %zu, want %d", m->ncaptures,
		    c->ncaptures);
		return 0;
	}
	for (k = 0; k < nitems(c->cap); k++) {
		if (c->cap[k] == NULL)
			continue;
		if (k > m->ncaptures || m->cap_len[k] != strlen(c->cap[k]) ||
		    m->cap_off[k] + m->cap_len[k] > req.path_len ||
		    memcmp(req.path + m->cap_off[k], c->cap[k],
		    m->cap_len[k]) != 0) {
			snprintf(why, whylen, "$%zu is \"%.*s\", want \"%s\"",
			    k, k > m->ncaptures ? 0 : (int)m->cap_len[k],
			    k > m->ncaptures ? "" : req.path + m->cap_off[k],
			    c->cap[k]);
			return 0;
		}
	}
	return 1;
}

/* Load a set and walk its rows. */
static void
run_set(const struct match_set *set)
{
	struct ruleset		*rs;
	struct match_scratch	*sc;
	struct match		 m;
	char			*diag_text, why[160];
	const struct match_case	*c;
	unsigned		 warnings;
	size_t			 i;
	int			 rc;

	rs = load(set->what, set->ini, strlen(set->ini), &warnings,
	    &diag_text);
	CU_ASSERT_PTR_NOT_NULL(rs);
	if (rs == NULL) {
		free(diag_text);
		return;
	}
	if (warnings != set->warnings || (set->diag_has != NULL &&
	    strstr(diag_text, set->diag_has) == NULL)) {
		fprintf(stderr, "\n%s: %u warnings, want %u%s%s:\n%s",
		    set->what, warnings, set->warnings,
		    set->diag_has ? " with " : "",
		    set->diag_has ? set->diag_has : "", diag_text);
		CU_FAIL("unexpected diagnostics");
	}
	free(diag_text);
	if ((sc = match_scratch_new()) == NULL) {
		ruleset_free(rs);
		CU_FAIL("match_scratch_new");
		return;
	}
	for (i = 0; i < set->ncases; i++) {
		c = &set->cases[i];
		memset(&m, 0xa5, sizeof(m));
		rc = lookup(rs, sc, c, &m);
		if (rc != 0) {
			fprintf(stderr, "\n%s row %zu: %s: request refused "
			    "(%d)\n", set->what, i, c->uri, rc);
			CU_FAIL("bad row");
			continue;
		}
		if (!case_ok(c, &m, why, sizeof(why))) {
			fprintf(stderr, "\n%s row %zu: %s %s host %s https %d "
			    "at %lld: %s: got ", set->what, i,
			    c->method ? c->method : "GET", c->uri,
			    c->host ? c->host : "(none)", c->https,
			    (long long)(c->now ? c->now : NOW), why);
			if (m.rule != NULL)
				fprintf(stderr, "[%s] line %u", m.rule->name,
				    m.rule->line);
			else
				fputs("none", stderr);
			if (c->name != NULL)
				fprintf(stderr, ", want [%s] line %u\n",
				    c->name, c->line);
			else
				fputs(", want none\n", stderr);
			CU_FAIL("wrong match");
		}
	}
	match_scratch_free(sc);
	ruleset_free(rs);
}

/* ---- file order among exact, prefix and regex rules ---- */

static const char ini_order[] =
	"[re-first]\n"			/* 1 */
	"regex = ^/x/(a)$\n"
	"to = https://t.example/re/$1\n"
	"[exact-x]\n"			/* 4 */
	"path = /x/a\n"
	"to = https://t.example/exact\n"
	"[exact-y]\n"			/* 7 */
	"path = /y\n"
	"to = https://t.example/y\n"
	"[re-late]\n"			/* 10 */
	"regex = ^/y$\n"
	"to = https://t.example/late\n"
	"[pre-z]\n"			/* 13 */
	"prefix = /z\n"
	"to = https://t.example/z\n"
	"[re-z]\n"			/* 16 */
	"regex = ^/z(/.*)?$\n"
	"to = https://t.example/rz/$1\n"
	"[re-w]\n"			/* 19 */
	"regex = ^/w/([0-9]+)(/([a-z]+))?$\n"
	"to = https://t.example/w/$1/$3\n"
	"[pre-w]\n"			/* 22 */
	"prefix = /w\n"
	"to = https://t.example/pw\n"
	"[re-all]\n"			/* 25 */
	"regex = ^/(.*)$\n"
	"to = https://t.example/all/$1\n"
	"[exact-after-all]\n"		/* 28 */
	"path = /e\n"
	"to = https://t.example/e\n";

static const struct match_case order_cases[] = {
	/* A regex before an exact rule wins. */
	RC("/x/a", "re-first", 1, 1, "/x/a", "a"),
	/* One after it does not. */
	R("/y", "exact-y", 7),
	/* A prefix before a regex wins. */
	RP("/z", "pre-z", 13, 2),
	RP("/z/q", "pre-z", 13, 2),
	/* A regex before a prefix wins; unset groups. */
	RC("/w/12", "re-w", 19, 1, "/w/12", "12"),
	RC("/w/12/ab", "re-w", 19, 3, "/w/12/ab", "12", "/ab", "ab"),
	RP("/w/x", "pre-w", 22, 2),
	RP("/w", "pre-w", 22, 2),
	/* The catch-all regex, before an exact rule. */
	RC("/e", "re-all", 25, 1, "/e", "e"),
	RC("/y/", "re-all", 25, 1, "/y/", "y/"),
	RC("/", "re-all", 25, 1, "/", ""),
};

/* ---- map entries count at their own line ---- */

static const char ini_map_order[] =
	"[before]\n"			/* 1 */
	"path = /m/b\n"
	"to = https://t.example/before\n"
	"[pre-before]\n"		/* 4 */
	"prefix = /m/p\n"
	"to = https://t.example/pre-before\n"
	"[map tbl]\n"			/* 7 */
	"/m/a = https://t.example/map-a\n"		/* 8 */
	"/m/b = https://t.example/map-b\n"		/* 9 */
	"/m/c = https://t.example/map-c\n"		/* 10 */
	"/m/p/x = https://t.example/map-px\n"		/* 11 */
	"/m/q/x = https://t.example/map-qx\n"		/* 12 */
	"/m/r = https://t.example/map-r\n"		/* 13 */
	"[after]\n"			/* 14 */
	"path = /m/c\n"
	"to = https://t.example/after\n"
	"[pre-after]\n"			/* 17 */
	"prefix = /m/q\n"
	"to = https://t.example/pre-after\n"
	"[re-after]\n"			/* 20 */
	"regex = ^/m/.*$\n"
	"to = https://t.example/re\n"
	"[map second]\n"		/* 23 */
	"/m/d = https://t.example/second-d\n"		/* 24 */
	"/m/b = https://t.example/second-b\n";		/* 25 */

static const struct match_case map_order_cases[] = {
	R("/m/a", "tbl", 8),
	/* A rule before the map wins over its entry. */
	R("/m/b", "before", 1),
	RP("/m/p/x", "pre-before", 4, 4),
	/* A rule after the map loses to an entry. */
	R("/m/c", "tbl", 10),
	R("/m/q/x", "tbl", 12),
	R("/m/r", "tbl", 13),
	/* Not in the first map: what comes after it, in file order. */
	RP("/m/q/y", "pre-after", 17, 4),
	R("/m/d", "re-after", 20),
	R("/m/zzz", "re-after", 20),
	R("/m", NULL, 0),
	R("/n", NULL, 0),
};

/* ---- prefixes: segment boundaries, the root, first beats longest ---- */

static const char ini_prefix[] =
	"[blog]\n"			/* 1 */
	"prefix = /blog\n"
	"to = https://t.example/b\n"
	"[a]\n"				/* 4 */
	"prefix = /a\n"
	"to = https://t.example/a\n"
	"[ab]\n"			/* 7 */
	"prefix = /a/b\n"
	"to = https://t.example/ab\n"
	"[cd]\n"			/* 10 */
	"prefix = /c/d\n"
	"to = https://t.example/cd\n"
	"[c]\n"				/* 13 */
	"prefix = /c/\n"
	"to = https://t.example/c\n"
	"[enc]\n"			/* 16 */
	"prefix = /%7Ehome/a%20b\n"
	"to = https://t.example/enc\n"
	"[root]\n"			/* 19 */
	"prefix = /\n"
	"to = https://t.example/root\n"
	"[after-root]\n"		/* 22 */
	"prefix = /late\n"
	"to = https://t.example/late\n";

static const struct match_case prefix_cases[] = {
	RP("/blog", "blog", 1, 5),
	RP("/blog/", "blog", 1, 5),
	RP("/blog/x", "blog", 1, 5),
	RP("/blog/2019/a.html", "blog", 1, 5),
	RP("/blog?q=1", "blog", 1, 5),
	/* Not at a segment boundary. */
	RP("/blogger", "root", 19, 0),
	RP("/blo", "root", 19, 0),
	RP("/BLOG", "root", 19, 0),
	/* The first in file order, not the longest. */
	RP("/a", "a", 4, 2),
	RP("/a/b", "a", 4, 2),
	RP("/a/b/c", "a", 4, 2),
	/* Longer first: then it wins for its own paths. */
	RP("/c/d", "cd", 10, 4),
	RP("/c/d/e", "cd", 10, 4),
	RP("/c/de", "c", 13, 2),
	RP("/c", "c", 13, 2),
	RP("/c/", "c", 13, 2),
	/* A prefix is normalized like the request. */
	RP("/~home/a%20b/x", "enc", 16, 12),
	RP("/%7ehome/a b", "enc", 16, 12),
	RP("/~home/a", "root", 19, 0),
	/* "/" matches everything; the whole path is the rest. */
	RP("/", "root", 19, 0),
	RP("/anything/else", "root", 19, 0),
	RP("/late/x", "root", 19, 0),
	RP("//x", "root", 19, 0),
};

/*
 * ---- long keys: the index keeps a bitmap of key lengths, with one bit
 * for 63 and longer; keys on both sides of that bit ----
 */

#define P63	"/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define P64	"/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define E100	"/ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

static const char ini_long[] =
	"[p63]\n"			/* 1 */
	"prefix = " P63 "\n"
	"to = https://t.example/63\n"
	"[p64]\n"			/* 4 */
	"prefix = " P64 "\n"
	"to = https://t.example/64\n"
	"[e100]\n"			/* 7 */
	"path = " E100 "\n"
	"to = https://t.example/100\n";

static const struct match_case long_cases[] = {
	RP(P63, "p63", 1, 63),
	RP(P63 "/x", "p63", 1, 63),
	R(P63 "a", NULL, 0),
	RP(P64, "p64", 4, 64),
	RP(P64 "/x/y", "p64", 4, 64),
	R(P64 "b/x", NULL, 0),
	R(E100, "e100", 7),
	R(E100 "c", NULL, 0),
	R(E100 "/", NULL, 0),
};

/* ---- case = ignore ---- */

static const char ini_case[] =
	"[defaults]\n"			/* 1 */
	"case = ignore\n"
	"[p]\n"				/* 3 */
	"path = /About.HTML\n"
	"to = https://t.example/about\n"
	"[pre]\n"			/* 6 */
	"prefix = /Docs\n"
	"to = https://t.example/docs\n"
	"[re]\n"			/* 9 */
	"regex = ^/item/([a-z]+)$\n"
	"to = https://t.example/i/$1\n"
	"[map m]\n"			/* 12 */
	"/Old/Page = https://t.example/new\n"		/* 13 */
	"[exact-case]\n"		/* 14 */
	"path = /Exact\n"
	"case = exact\n"
	"to = https://t.example/e\n"
	"[exact-pre]\n"			/* 18 */
	"prefix = /Kept\n"
	"case = exact\n"
	"to = https://t.example/k\n"
	"[map exact-map]\n"		/* 22 */
	"case = exact\n"
	"/Map/X = https://t.example/mx\n";		/* 24 */

static const struct match_case case_cases[] = {
	R("/About.HTML", "p", 3),
	R("/about.html", "p", 3),
	R("/ABOUT.HTML", "p", 3),
	R("/about.htm", NULL, 0),
	RP("/docs", "pre", 6, 5),
	RP("/DOCS/X", "pre", 6, 5),
	RP("/dOcS/a/b", "pre", 6, 5),
	RP("/docsx", NULL, 0, DEF),
	/* Captures come from the request's path as it was written. */
	RC("/item/ABC", "re", 9, 1, "/item/ABC", "ABC"),
	RC("/ITEM/abc", "re", 9, 1, "/ITEM/abc", "abc"),
	R("/old/page", "m", 13),
	R("/OLD/PAGE", "m", 13),
	/* An escaped letter is decoded before it is folded. */
	R("/%4fld/page", "m", 13),
	/* case = exact, set by the rule itself. */
	R("/Exact", "exact-case", 14),
	R("/exact", NULL, 0),
	RP("/Kept/a", "exact-pre", 18, 5),
	R("/kept/a", NULL, 0),
	R("/Map/X", "exact-map", 24),
	R("/map/x", NULL, 0),
};

/* Without case = ignore: the case counts. */
static const char ini_case_exact[] =
	"[p]\n"				/* 1 */
	"path = /About.HTML\n"
	"to = https://t.example/about\n"
	"[re]\n"			/* 4 */
	"regex = ^/item/([a-z]+)$\n"
	"to = https://t.example/i/$1\n";

static const struct match_case case_exact_cases[] = {
	R("/About.HTML", "p", 1),
	R("/about.html", NULL, 0),
	RC("/item/abc", "re", 4, 1, "/item/abc", "abc"),
	R("/item/ABC", NULL, 0),
};

/* ---- slash = either ---- */

static const char ini_slash[] =
	"[defaults]\n"			/* 1 */
	"slash = either\n"
	"[a]\n"				/* 3 */
	"path = /a\n"
	"to = https://t.example/a\n"
	"[b]\n"				/* 6 */
	"path = /b/\n"
	"to = https://t.example/b\n"
	"[root]\n"			/* 9 */
	"path = /\n"
	"to = https://t.example/root\n"
	"[map m]\n"			/* 12 */
	"/c = https://t.example/c\n"			/* 13 */
	"/d/ = https://t.example/d\n"			/* 14 */
	"[strict]\n"			/* 15 */
	"path = /s\n"
	"slash = exact\n"
	"to = https://t.example/s\n"
	"[ci]\n"			/* 19 */
	"path = /CI\n"
	"case = ignore\n"
	"to = https://t.example/ci\n";

static const struct match_case slash_cases[] = {
	R("/a", "a", 3),
	R("/a/", "a", 3),
	R("/a//", NULL, 0),
	R("/b", "b", 6),
	R("/b/", "b", 6),
	R("/", "root", 9),
	R("/c", "m", 13),
	R("/c/", "m", 13),
	R("/d", "m", 14),
	R("/d/", "m", 14),
	R("/s", "strict", 15),
	R("/s/", NULL, 0),
	/* Both folds at once. */
	R("/ci", "ci", 19),
	R("/CI/", "ci", 19),
	R("/Ci/", "ci", 19),
};

/* Without slash = either: /a and /a/ differ. */
static const char ini_slash_exact[] =
	"[a]\n"				/* 1 */
	"path = /a\n"
	"to = https://t.example/a\n"
	"[b]\n"				/* 4 */
	"path = /b/\n"
	"to = https://t.example/b\n";

static const struct match_case slash_exact_cases[] = {
	R("/a", "a", 1),
	R("/a/", NULL, 0),
	R("/b/", "b", 4),
	R("/b", NULL, 0),
};

/* ---- conditions: host, methods, scheme, from/until ---- */

static const char ini_cond[] =
	"[host-exact]\n"		/* 1 */
	"path = /h\n"
	"host = example.re\n"
	"to = https://t.example/h1\n"
	"[host-sub]\n"			/* 5 */
	"path = /h\n"
	"host = *.shop.re other.example\n"
	"to = https://t.example/h2\n"
	"[host-any]\n"			/* 9 */
	"path = /h\n"
	"to = https://t.example/h3\n"
	"[meth]\n"			/* 12 */
	"path = /m\n"
	"methods = POST PUT\n"
	"to = https://t.example/m1\n"
	"[meth-any]\n"			/* 16 */
	"path = /m\n"
	"to = https://t.example/m2\n"
	"[https-only]\n"		/* 19 */
	"path = /s\n"
	"scheme = https\n"
	"to = https://t.example/s1\n"
	"[http-only]\n"			/* 23 */
	"path = /s\n"
	"scheme = http\n"
	"to = https://t.example/s2\n"
	"[window]\n"			/* 27 */
	"path = /t\n"
	"from = 2026-12-24T00:00:00Z\n"
	"until = 2026-12-27T00:00:00Z\n"
	"to = https://t.example/t1\n"
	"[outside]\n"			/* 32 */
	"path = /t\n"
	"to = https://t.example/t2\n"
	"[pre-host]\n"			/* 35 */
	"prefix = /p\n"
	"host = Example.RE\n"
	"to = https://t.example/p1\n"
	"[pre-any]\n"			/* 39 */
	"prefix = /p\n"
	"to = https://t.example/p2\n"
	"[re-host]\n"			/* 42 */
	"regex = ^/r$\n"
	"host = example.re\n"
	"to = https://t.example/r1\n"
	"[re-any]\n"			/* 46 */
	"regex = ^/r$\n"
	"to = https://t.example/r2\n"
	"[map cond]\n"			/* 49 */
	"methods = GET\n"
	"/mc = https://t.example/mc\n"			/* 51 */
	"[mc-other]\n"			/* 52 */
	"path = /mc\n"
	"to = https://t.example/mc2\n"
	"[since]\n"			/* 55 */
	"path = /f\n"
	"from = 2026-12-24T01:00:00+01:00\n"
	"to = https://t.example/f1\n"
	"[till]\n"			/* 59 */
	"path = /u\n"
	"until = 2026-12-27T00:00:00Z\n"
	"to = https://t.example/u1\n"
	"[pre-cond]\n"			/* 63 */
	"prefix = /q/r\n"
	"scheme = https\n"
	"to = https://t.example/q1\n"
	"[pre-short]\n"			/* 67 */
	"prefix = /q\n"
	"to = https://t.example/q2\n";

static const struct match_case cond_cases[] = {
	/* host: exact, case-insensitive, port and trailing dot ignored. */
	RH("/h", "example.re", "host-exact", 1),
	RH("/h", "EXAMPLE.RE", "host-exact", 1),
	RH("/h", "Example.Re:8080", "host-exact", 1),
	RH("/h", "example.re.", "host-exact", 1),
	RH("/h", "www.example.re", "host-any", 9),
	RH("/h", "example.rex", "host-any", 9),
	/* *.x: subdomains at any depth, not x, not a name ending in x. */
	RH("/h", "a.shop.re", "host-sub", 5),
	RH("/h", "A.Shop.RE", "host-sub", 5),
	RH("/h", "b.a.shop.re:443", "host-sub", 5),
	RH("/h", "shop.re", "host-any", 9),
	RH("/h", "xshop.re", "host-any", 9),
	RH("/h", "shop.re.evil", "host-any", 9),
	/* The second pattern of a list. */
	RH("/h", "other.example", "host-sub", 5),
	RH("/h", "a.other.example", "host-any", 9),
	/* No host: no host condition holds. */
	R("/h", "host-any", 9),
	/* methods: exact tokens (methods are case-sensitive). */
	RX("/m", NULL, "POST", 0, 0, "meth", 12),
	RX("/m", NULL, "PUT", 0, 0, "meth", 12),
	RX("/m", NULL, "GET", 0, 0, "meth-any", 16),
	RX("/m", NULL, "HEAD", 0, 0, "meth-any", 16),
	RX("/m", NULL, "post", 0, 0, "meth-any", 16),
	RX("/m", NULL, "POSTX", 0, 0, "meth-any", 16),
	/* scheme */
	RX("/s", NULL, NULL, 1, 0, "https-only", 19),
	RX("/s", NULL, NULL, 0, 0, "http-only", 23),
	/* from <= now < until, at and around the edges. */
	RX("/t", NULL, NULL, 0, T_FROM - 1, "outside", 32),
	RX("/t", NULL, NULL, 0, T_FROM, "window", 27),
	RX("/t", NULL, NULL, 0, T_FROM + 1, "window", 27),
	RX("/t", NULL, NULL, 0, T_UNTIL - 1, "window", 27),
	RX("/t", NULL, NULL, 0, T_UNTIL, "outside", 32),
	RX("/t", NULL, NULL, 0, T_UNTIL + 1, "outside", 32),
	RX("/t", NULL, NULL, 0, NOW, "outside", 32),
	/* Only one edge; a time with an offset. */
	RX("/f", NULL, NULL, 0, T_FROM - 1, NULL, 0),
	RX("/f", NULL, NULL, 0, T_FROM, "since", 55),
	RX("/f", NULL, NULL, 0, T_UNTIL * 2, "since", 55),
	RX("/u", NULL, NULL, 0, T_UNTIL - 1, "till", 59),
	RX("/u", NULL, NULL, 0, T_UNTIL, NULL, 0),
	/* Prefix and regex rules and map entries have conditions too. */
	{ "/p/x", "example.re", NULL, 0, 0, "pre-host", 35, 2, -1, { NULL } },
	{ "/p/x", "a.example.re", NULL, 0, 0, "pre-any", 39, 2, -1, { NULL } },
	RH("/r", "example.re", "re-host", 42),
	RH("/r", "www.example.re", "re-any", 46),
	R("/r", "re-any", 46),
	RX("/mc", NULL, "GET", 0, 0, "cond", 51),
	RX("/mc", NULL, "POST", 0, 0, "mc-other", 52),
	/* A longer prefix whose condition fails: the shorter one decides. */
	{ "/q/r/s", NULL, NULL, 1, 0, "pre-cond", 63, 4, -1, { NULL } },
	{ "/q/r/s", NULL, NULL, 0, 0, "pre-short", 67, 2, -1, { NULL } },
};

/* ---- duplicate keys: chains in file order ---- */

static const char ini_dup[] =
	"[first]\n"			/* 1 */
	"path = /dup\n"
	"to = https://t.example/first\n"
	"[second]\n"			/* 4: never used */
	"path = /dup\n"
	"to = https://t.example/second\n"
	"[cond]\n"			/* 7 */
	"path = /c\n"
	"methods = POST\n"
	"to = https://t.example/c1\n"
	"[uncond]\n"			/* 11 */
	"path = /c\n"
	"to = https://t.example/c2\n"
	"[map m]\n"			/* 14 */
	"/dup = https://t.example/d3\n"			/* 15: never used */
	"/x = https://t.example/x1\n"			/* 16 */
	"/x = https://t.example/x2\n"			/* 17: never used */
	"/c = https://t.example/c3\n"			/* 18: never used */
	"[p1]\n"			/* 19 */
	"prefix = /pp\n"
	"host = a.example\n"
	"to = https://t.example/p1\n"
	"[p2]\n"			/* 23 */
	"prefix = /pp/\n"
	"host = b.example\n"
	"to = https://t.example/p2\n"
	"[p3]\n"			/* 27 */
	"prefix = /pp\n"
	"to = https://t.example/p3\n";

static const struct match_case dup_cases[] = {
	R("/dup", "first", 1),
	/* The first of a chain fails its condition: the next one wins. */
	RX("/c", NULL, "POST", 0, 0, "cond", 7),
	RX("/c", NULL, "GET", 0, 0, "uncond", 11),
	R("/x", "m", 16),
	RX("/c", NULL, "PUT", 0, 0, "uncond", 11),
	{ "/pp/q", "a.example", NULL, 0, 0, "p1", 19, 3, -1, { NULL } },
	{ "/pp/q", "b.example", NULL, 0, 0, "p2", 23, 3, -1, { NULL } },
	{ "/pp/q", "c.example", NULL, 0, 0, "p3", 27, 3, -1, { NULL } },
	{ "/pp", NULL, NULL, 0, 0, "p3", 27, 3, -1, { NULL } },
};

/* ---- queries: keys with parameters, params =, file order (issue 11) ---- */

static const char ini_query[] =
	"[qcat]\n"			/* 1 */
	"path = /index.php?cat=3&id=42\n"
	"to = https://t.example/cat\n"
	"[qid]\n"			/* 4 */
	"path = /index.php?id=42\n"
	"to = https://t.example/about\n"
	"[qpres]\n"			/* 7 */
	"path = /index.php?p\n"
	"to = https://t.example/p\n"
	"[qempty]\n"			/* 10 */
	"path = /index.php?e=\n"
	"to = https://t.example/e\n"
	"[qplus]\n"			/* 13 */
	"path = /index.php?s=a+b\n"
	"to = https://t.example/space\n"
	"[qenc]\n"			/* 16 */
	"path = /index.php?s=a%2Bb\n"
	"to = https://t.example/plus\n"
	"[plain]\n"			/* 19 */
	"path = /index.php\n"
	"to = https://t.example/home\n"
	"[qlate]\n"			/* 22 */
	"path = /index.php?late=1\n"
	"to = https://t.example/late\n"
	"[plain2]\n"			/* 25 */
	"path = /view.php\n"
	"to = https://t.example/view\n"
	"[qafter]\n"			/* 28 */
	"path = /view.php?t=1\n"
	"to = https://t.example/never\n"
	"[qhost]\n"			/* 31 */
	"path = /h.php?x=1\n"
	"host = a.example\n"
	"to = https://t.example/ha\n"
	"[qhost2]\n"			/* 35 */
	"path = /h.php?x=1\n"
	"to = https://t.example/hb\n"
	"[ci]\n"			/* 38 */
	"path = /Legacy.PHP?Id=Abc\n"
	"case = ignore\n"
	"to = https://t.example/ci\n"
	"[sl]\n"			/* 42 */
	"path = /dir/?x=1\n"
	"slash = either\n"
	"to = https://t.example/sl\n"
	"[map wp]\n"			/* 46 */
	"/?p=123 = https://t.example/post-123\n" /* 47 */
	"/?page_id=7 = https://t.example/page-7\n" /* 48 */
	"/?p=124&preview = https://t.example/preview-124\n" /* 49 */
	"/?p=124 = https://t.example/post-124\n" /* 50 */
	"/ = https://t.example/root\n"	/* 51 */
	"[map forum]\n"			/* 52 */
	"case = ignore\n"
	"/ViewTopic.php?t=1 = https://t.example/topic-1\n" /* 54 */
	"/ViewTopic.php?t=%32 = https://t.example/topic-2\n" /* 55 */
	"[map en]\n"			/* 56 */
	"params = lang=en\n"
	"/about = https://t.example/en/about\n"	/* 58 */
	"[pre-params]\n"		/* 59 */
	"prefix = /shop\n"
	"params = item ref=x\n"
	"to = https://t.example/shop\n"
	"[re-params]\n"			/* 63 */
	"regex = ^/r/([0-9]+)$\n"
	"params = mode=full\n"
	"to = https://t.example/full/$1\n"
	"[re-plain]\n"			/* 67 */
	"regex = ^/r/([0-9]+)$\n"
	"to = https://t.example/r/$1\n"
	"[pre-plain]\n"			/* 70 */
	"prefix = /shop\n"
	"to = https://t.example/shop-plain\n"
	"[ro]\n"			/* 73 */
	"path = /ro\n"
	"other-params = refuse\n"
	"to = https://t.example/ro-bare\n"
	"[ro-any]\n"			/* 77 */
	"path = /ro\n"
	"to = https://t.example/ro-any\n"
	"[roq]\n"			/* 80 */
	"path = /ro.php?id=42\n"
	"params = lang\n"
	"other-params = refuse\n"
	"to = https://t.example/roq\n"
	"[map rom]\n"			/* 85 */
	"other-params = refuse\n"
	"/rom?p=1 = https://t.example/rom-1\n"	/* 87 */
	"/rom = https://t.example/rom\n"	/* 88 */
	"[ropre]\n"			/* 89 */
	"prefix = /rop\n"
	"other-params = refuse\n"
	"to = https://t.example/rop\n"
	"[rore]\n"			/* 93 */
	"regex = ^/ror/([0-9]+)$\n"
	"params = mode=full\n"
	"other-params = refuse\n"
	"to = https://t.example/ror/$1\n"
	"[roh]\n"			/* 98 */
	"path = /roh?x=1\n"
	"host = a.example\n"
	"other-params = refuse\n"
	"to = https://t.example/roh\n";

static const struct match_case query_cases[] = {
	/* Every parameter of a key, in any order, among any others. */
	R("/index.php?cat=3&id=42", "qcat", 1),
	R("/index.php?id=42&cat=3", "qcat", 1),
	R("/index.php?id=42", "qid", 4),
	R("/index.php?utm_source=x&id=42&gclid=y&_gl=z", "qid", 4),
	R("/index.php?id=42&cat=4", "qid", 4),
	R("/index.php?cat=3&id=43", "plain", 19),
	/* Canonical values; the last of a repeated name. */
	R("/index.php?id=%34%32", "qid", 4),
	R("/index.php?%69d=42", "qid", 4),
	R("/index.php?id=1&id=42", "qid", 4),
	R("/index.php?id=42&id=1", "plain", 19),
	R("/index.php?id=42&id", "plain", 19),
	R("/index.php?ID=42", "plain", 19),
	/* A name alone asks for presence, "e=" for an empty value. */
	R("/index.php?p", "qpres", 7),
	R("/index.php?p=", "qpres", 7),
	R("/index.php?x=1&p=9", "qpres", 7),
	R("/index.php?e=", "qempty", 10),
	R("/index.php?e", "plain", 19),
	R("/index.php?e=0", "plain", 19),
	/* '+' is a space, %2B a plus. */
	R("/index.php?s=a+b", "qplus", 13),
	R("/index.php?s=a%20b", "qplus", 13),
	R("/index.php?s=a%2Bb", "qenc", 16),
	R("/index.php?s=a%2bb", "qenc", 16),
	/* No query, an empty one, none that a key asks for. */
	R("/index.php", "plain", 19),
	R("/index.php?", "plain", 19),
	R("/index.php?&&=&", "plain", 19),
	R("/index.php?s=%zz&id=%", "plain", 19),
	/* File order: a plain key before a query key answers first. */
	R("/index.php?late=1", "plain", 19),
	R("/view.php?t=1", "plain2", 25),
	/* A query key whose condition fails: the next with that key. */
	RH("/h.php?x=1", "a.example", "qhost", 31),
	RH("/h.php?x=1", "b.example", "qhost2", 35),
	R("/h.php", NULL, 0),
	R("/h.php?x=2", NULL, 0),
	/* case = ignore: the path only, not names or values. */
	R("/legacy.php?Id=Abc", "ci", 38),
	R("/LEGACY.PHP?Id=Abc", "ci", 38),
	R("/Legacy.PHP?id=Abc", NULL, 0),
	R("/Legacy.PHP?Id=abc", NULL, 0),
	/* slash = either with a query. */
	R("/dir?x=1", "sl", 42),
	R("/dir/?x=1", "sl", 42),
	R("/dir/", NULL, 0),
	/* Map keys: WordPress's /?p=N, and the plain root after them. */
	R("/?p=123", "wp", 47),
	R("/?utm_source=news&p=123", "wp", 47),
	R("/?page_id=7", "wp", 48),
	R("/?preview&p=124", "wp", 49),
	R("/?p=124", "wp", 50),
	R("/?p=125", "wp", 51),
	R("/", "wp", 51),
	R("/index.php?p=123", "qpres", 7),
	/* A map's case = ignore; a value as %XX in the key. */
	R("/viewtopic.php?t=1", "forum", 54),
	R("/VIEWTOPIC.PHP?t=2", "forum", 55),
	R("/viewtopic.php?t=%31", "forum", 54),
	R("/viewtopic.php?T=1", NULL, 0),
	R("/viewtopic.php", NULL, 0),
	/* params = on a map, a prefix and a regex. */
	R("/about?lang=en", "en", 58),
	R("/about?lang=de", NULL, 0),
	R("/about", NULL, 0),
	RP("/shop/a?item=1&ref=x", "pre-params", 59, 5),
	RP("/shop?ref=x&item", "pre-params", 59, 5),
	RP("/shop/a?item=1", "pre-plain", 70, 5),
	RP("/shop/a?item=1&ref=X", "pre-plain", 70, 5),
	RC("/r/5?mode=full", "re-params", 63, 1, "/r/5", "5"),
	RC("/r/5?x&mode=full", "re-params", 63, 1, "/r/5", "5"),
	RC("/r/5?mode=fullx", "re-plain", 67, 1, "/r/5", "5"),
	RC("/r/5?mode=full&mode=lite", "re-plain", 67, 1, "/r/5", "5"),
	RC("/r/5", "re-plain", 67, 1, "/r/5", "5"),
	/* other-params = refuse: no parameter, or an empty query... */
	R("/ro", "ro", 73),
	R("/ro?", "ro", 73),
	R("/ro?&&", "ro", 73),
	/* ...else the next rule for the path answers. */
	R("/ro?x=1", "ro-any", 77),
	R("/ro?x", "ro-any", 77),
	R("/ro?=", "ro-any", 77),
	/* The names of its key and params =, each value as it must be. */
	R("/ro.php?id=42&lang=de", "roq", 80),
	R("/ro.php?lang&id=%34%32", "roq", 80),
	R("/ro.php?id=1&lang&id=42", "roq", 80),
	R("/ro.php?id=42&lang&x=1", NULL, 0),
	R("/ro.php?id=42&lang&LANG", NULL, 0),
	R("/ro.php?id=42", NULL, 0),
	R("/ro.php?id=41&lang", NULL, 0),
	/* A map's entries: each its own key's names. */
	R("/rom?p=1", "rom", 87),
	R("/rom?p=1&p=1", "rom", 87),
	R("/rom?p=1&utm_source=x", NULL, 0),
	R("/rom", "rom", 88),
	R("/rom?p=2", NULL, 0),
	/* A prefix, a regex. */
	RP("/rop/a", "ropre", 89, 4),
	R("/rop/a?x", NULL, 0),
	RC("/ror/5?mode=full", "rore", 93, 1, "/ror/5", "5"),
	R("/ror/5?mode=full&x", NULL, 0),
	R("/ror/5", NULL, 0),
	/* With another condition: both must hold. */
	RH("/roh?x=1", "a.example", "roh", 98),
	RH("/roh?x=1&y", "a.example", NULL, 0),
	RH("/roh?x=1", "b.example", NULL, 0),
};

/*
 * The sets.  In dup.ini, [map m]'s "/c" (line 18) is never used either:
 * [uncond] at line 11 answers it first, although the first rule of its
 * chain ([cond]) has a condition.  In map-order.ini, [after] (line 14) and
 * [map second]'s "/m/b" (line 25) are never used, and so is [map tbl]'s
 * "/m/b" (line 9); and [map tbl]'s "/m/p/x" (line 11), which the prefix
 * [pre-before] (line 4) takes first (analysis.c).  Targets are on another
 * site, so that no set redirects to itself: here only the match counts.
 */
static const struct match_set sets_order[] = {
	SET("order.ini", ini_order, order_cases, 0, NULL),
	SET("map-order.ini", ini_map_order, map_order_cases, 4,
	    "map-order.ini:11: warning: never used: [pre-before] at line 4"),
};
static const struct match_set sets_prefix[] = {
	SET("prefix.ini", ini_prefix, prefix_cases, 2,
	    "prefix.ini:7: warning: never used: [a] at line 4, a prefix /a"),
	SET("long.ini", ini_long, long_cases, 0, NULL),
};
static const struct match_set sets_case[] = {
	SET("case.ini", ini_case, case_cases, 0, NULL),
	SET("case-exact.ini", ini_case_exact, case_exact_cases, 0, NULL),
};
static const struct match_set sets_slash[] = {
	SET("slash.ini", ini_slash, slash_cases, 0, NULL),
	SET("slash-exact.ini", ini_slash_exact, slash_exact_cases, 0, NULL),
};
static const struct match_set sets_cond[] = {
	SET("cond.ini", ini_cond, cond_cases, 0, NULL),
};
static const struct match_set sets_query[] = {
	/* A query key after a plain key for its path is never used. */
	SET("query.ini", ini_query, query_cases, 2,
	    "query.ini:22: warning: never used: [plain] at line 19"),
};
static const struct match_set sets_dup[] = {
	SET("dup.ini", ini_dup, dup_cases, 4,
	    "dup.ini:18: warning: never used: [uncond] at line 11"),
};

static void
run_sets(const struct match_set *sets, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		run_set(&sets[i]);
}

static void
test_match_order(void)
{
	run_sets(sets_order, nitems(sets_order));
}

static void
test_match_prefix(void)
{
	run_sets(sets_prefix, nitems(sets_prefix));
}

static void
test_match_case(void)
{
	run_sets(sets_case, nitems(sets_case));
}

static void
test_match_slash(void)
{
	run_sets(sets_slash, nitems(sets_slash));
}

static void
test_match_conditions(void)
{
	run_sets(sets_cond, nitems(sets_cond));
}

static void
test_match_query(void)
{
	run_sets(sets_query, nitems(sets_query));
}

static void
test_match_duplicates(void)
{
	run_sets(sets_dup, nitems(sets_dup));
}

/* ---- a map of 100,000 entries ---- */

#define BIG_ENTRIES	100000
/* Lines of the generated file before the map's first entry. */
#define BIG_HEAD	"[re-before]\n"			/* 1 */ \
			"regex = ^/k/7$\n"			\
			"to = https://t.example/re\n"				\
			"[map big]\n"			/* 4 */ \
			"status = 308\n"
#define BIG_FIRST	6	/* the line of entry 0 */
#define BIG_TAIL	"[late]\n"					\
			"prefix = /k\n"					\
			"to = https://t.example/late\n"					\
			"[re-after]\n"					\
			"regex = ^/k/.*$\n"				\
			"to = https://t.example/re-after\n"

static double
seconds_since(const struct timespec *t0)
{
	struct timespec	 t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
test_match_large(void)
{
	struct match_case	 c = R(NULL, "big", 0);
	struct match_scratch	*sc;
	struct ruleset		*rs;
	struct match		 m;
	struct timespec		 t0;
	char			*text, *diag_text, uri[32], why[160];
	size_t			 cap, len, i, bad = 0;
	unsigned		 warnings;
	int			 n;
	static const struct {
		long		 key;	/* /k/KEY; -1: the text given */
		const char	*uri;
		const char	*name;
		unsigned	 line;
	} probes[] = {
		{ 0, NULL, "big", BIG_FIRST },
		{ BIG_ENTRIES / 2, NULL, "big", BIG_FIRST + BIG_ENTRIES / 2 },
		{ BIG_ENTRIES - 1, NULL, "big", BIG_FIRST + BIG_ENTRIES - 1 },
		/* A regex before the map wins over its entry. */
		{ 7, NULL, "re-before", 1 },
		/* Missing keys: rules after the map, in file order. */
		{ BIG_ENTRIES, NULL, "late", BIG_FIRST + BIG_ENTRIES },
		{ -1, "/k/00", "late", BIG_FIRST + BIG_ENTRIES },
		{ -1, "/k/1/", "late", BIG_FIRST + BIG_ENTRIES },
		{ -1, "/k", "late", BIG_FIRST + BIG_ENTRIES },
		{ -1, "/kk/1", NULL, 0 },
	};

	clock_gettime(CLOCK_MONOTONIC, &t0);
	cap = sizeof(BIG_HEAD) + sizeof(BIG_TAIL) + (size_t)BIG_ENTRIES * 32;
	if ((text = malloc(cap)) == NULL) {
		CU_FAIL("out of memory");
		return;
	}
	len = strlen(BIG_HEAD);
	memcpy(text, BIG_HEAD, len);
	for (i = 0; i < BIG_ENTRIES; i++) {
		n = snprintf(text + len, cap - len, "/k/%zu = /v/%zu\n", i, i);
		if (n < 0 || (size_t)n >= cap - len) {
			free(text);
			CU_FAIL("generated text too long");
			return;
		}
		len += (size_t)n;
	}
	memcpy(text + len, BIG_TAIL, strlen(BIG_TAIL));
	len += strlen(BIG_TAIL);

	rs = load("big.ini", text, len, &warnings, &diag_text);
	free(text);
	free(diag_text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_EQUAL(warnings, 0);
	CU_ASSERT_EQUAL(rs->nmaps, 1);
	CU_ASSERT_EQUAL(rs->nentries, BIG_ENTRIES);
	if ((sc = match_scratch_new()) == NULL) {
		ruleset_free(rs);
		CU_FAIL("match_scratch_new");
		return;
	}

	for (i = 0; i < nitems(probes); i++) {
		if (probes[i].key >= 0)
			snprintf(uri, sizeof(uri), "/k/%ld", probes[i].key);
		else
			snprintf(uri, sizeof(uri), "%s", probes[i].uri);
		c.uri = uri;
		c.name = probes[i].name;
		c.line = probes[i].line;
		c.rest_off = c.name != NULL && strcmp(c.name, "late") == 0 ?
		    2 : DEF;
		if (lookup(rs, sc, &c, &m) != 0 ||
		    !case_ok(&c, &m, why, sizeof(why))) {
			fprintf(stderr, "\nbig.ini probe %zu: %s: %s: got "
			    "[%s] line %u, want [%s] line %u\n", i, uri, why,
			    m.rule ? m.rule->name : "none",
			    m.rule ? m.rule->line : 0,
			    c.name ? c.name : "none", c.line);
			CU_FAIL("wrong match in the large map");
		}
	}

	/* Every key finds its own entry (key 7 aside: the regex's). */
	c.name = "big";
	c.rest_off = DEF;
	for (i = 0; i < BIG_ENTRIES; i++) {
		if (i == 7)
			continue;
		snprintf(uri, sizeof(uri), "/k/%zu", i);
		c.uri = uri;
		c.line = BIG_FIRST + (unsigned)i;
		if (lookup(rs, sc, &c, &m) != 0 ||
		    !case_ok(&c, &m, why, sizeof(why))) {
			if (bad++ < 5)
				fprintf(stderr, "\nbig.ini key %s: %s\n", uri,
				    why);
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* The entries share the map's options. */
	CU_ASSERT_EQUAL(UNIT_RULE(rs, rs->nrules - 3).opts->status, 308);

	match_scratch_free(sc);
	ruleset_free(rs);
	/*
	 * About 0.1 s here, 9 s under valgrind.  A scan of the rules per
	 * lookup (or per entry loaded) is some 10^10 steps over this test.
	 */
	if (seconds_since(&t0) > 20.0) {
		fprintf(stderr, "\nbig.ini: %.2f s\n", seconds_since(&t0));
		CU_FAIL("the large map is slow");
	}
}

/*
 * The literal prefix of a regex, checked before PCRE2 runs: too long a
 * prefix would lose matches, so every doubtful case must give less.
 */
static void
test_regex_prefix(void)
{
	static const struct {
		const char	*pattern;
		const char	*prefix;	/* what must be compared first */
	} rows[] = {
		{ "^/r/17/([a-z]+)$",	"/r/17/" },
		{ "^/item/([0-9]+)$",	"/item/" },
		{ "^/old-page\\.html$",	"/old-page" },
		{ "^/ab?c",		"/a" },
		{ "^/ab*",		"/a" },
		{ "^/ab+",		"/a" },
		{ "^/ab{2}",		"/a" },
		{ "^/a.c",		"/a" },
		{ "^/(a|b)",		"" },
		{ "^/a|^/b",		"" },
		{ "/a/b",		"" },	/* not anchored */
		{ "^(?i)/a",		"" },
		{ "^\\Q/a",		"" },
		{ "^[/]a",		"" },
		{ "^/a%2Fb",		"/a%2Fb" },
		{ "^",			"" },
		{ "^/",			"/" },
		{ "^/a?",		"/" },
	};
	size_t		 i, n;
	char		 ini[256];
	struct diag	 d;
	struct ruleset	*rs;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		/* What load/compile.c found, as the image records it. */
		snprintf(ini, sizeof(ini), "[r]\nregex = %s\n"
		    "to = https://elsewhere.example/\n",
		    rows[i].pattern);
		diag_init(&d, stderr, "prefix.ini");
		rs = ini_load_buffer("prefix.ini", ini, strlen(ini), &d);
		CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
		n = UNIT_RULE(rs, 0).regex_lit;
		ruleset_free(rs);
		if (n != strlen(rows[i].prefix) ||
		    strncmp(rows[i].pattern + 1, rows[i].prefix, n) != 0)
			fprintf(stderr, "regex prefix row %zu (%s): got %zu, "
			    "want '%s'\n", i, rows[i].pattern, n,
			    rows[i].prefix);
		CU_ASSERT_EQUAL(n, strlen(rows[i].prefix));
	}
}

/*
 * Regex anchors against the definition: random sets of regex rules
 * (anchored at every depth, unanchored, case = ignore, literal prefixes
 * that do and do not end in '/') and random paths, where the rule that
 * decides must be the first regex in file order whose pattern matches, as
 * a plain scan with PCRE2 finds it.  Paths with more '/' than match.c
 * merges anchors for take its every-regex path too.
 */
#define ANCHOR_SETS	200
#define ANCHOR_PATHS	60

static unsigned long	anchor_seed = 12345;

static unsigned
anchor_rand(unsigned n)
{
	anchor_seed = anchor_seed * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)(anchor_seed >> 33) % n;
}

/* "/a/B/c" style: depth segments of a, b, B, c or ab. */
static void
anchor_path(char *out, size_t cap, unsigned depth)
{
	static const char *const segs[] = { "a", "b", "B", "c", "ab" };
	size_t	 n = 0;
	unsigned i;

	out[0] = '\0';
	for (i = 0; i < depth && n + 4 < cap; i++)
		n += (size_t)snprintf(out + n, cap - n, "/%s",
		    segs[anchor_rand(5)]);
	if (n == 0 || anchor_rand(4) == 0)
		snprintf(out + n, cap - n, "/");
}

static void
test_match_regex_anchors(void)
{
	static const char *const tails[] = { "$", "/(.*)$", "(/.*)?$", "/?$",
	    "/[a-c]+$", "b?$", "/a", "/" };
	struct match_scratch	*sc;
	struct match		 m;
	struct match_case	 c;
	struct ruleset		*rs;
	pcre2_match_data	*md;
	char			 ini[16384], path[URI_MAX], pat[256], *text;
	unsigned		 set, k, nrules, w, p;
	size_t			 n, i;
	const struct rule	*want;

	if ((sc = match_scratch_new()) == NULL ||
	    (md = pcre2_match_data_create(4, NULL)) == NULL) {
		CU_FAIL("out of memory");
		return;
	}
	for (set = 0; set < ANCHOR_SETS; set++) {
		n = 0;
		nrules = 1 + anchor_rand(12);
		/*
		 * Every tenth set: regexes anchored at /a, /a/a, ... 40 deep,
		 * more anchors than match.c merges, plus the random ones.
		 */
		if (set % 10 == 9)
			for (k = 0; k < 40; k++) {
				n += (size_t)snprintf(ini + n, sizeof(ini) - n,
				    "[d%u]\nregex = ^", k);
				for (i = 0; i <= k; i++)
					n += (size_t)snprintf(ini + n,
					    sizeof(ini) - n, "/a");
				n += (size_t)snprintf(ini + n, sizeof(ini) - n,
				    "/%s\nto = /d\n", anchor_rand(2) ?
				    "b$" : "a/a/a/(.*)$");
			}
		for (k = 0; k < nrules; k++) {
			anchor_path(pat, 64, anchor_rand(4));
			if (strcmp(pat, "/") == 0)
				pat[0] = '\0';
			n += (size_t)snprintf(ini + n, sizeof(ini) - n,
			    "[r%u]\nregex = %s%s%s\n"
			    "to = https://t.example/to/%u\n%s", k,
			    anchor_rand(6) == 0 ? "" : "^", pat,
			    tails[anchor_rand(8)], k,
			    anchor_rand(5) == 0 ? "case = ignore\n" : "");
		}
		rs = load("anchors.ini", ini, n, &w, &text);
		free(text);
		if (rs == NULL) {
			CU_FAIL("anchors.ini does not load");
			fprintf(stderr, "%s", ini);
			continue;
		}
		for (p = 0; p < ANCHOR_PATHS; p++) {
			anchor_path(path, sizeof(path), anchor_rand(6));
			/* Deep paths for the deep sets. */
			if (set % 10 == 9 && anchor_rand(2))
				path[0] = '\0';
			if (set % 10 == 9)
				for (i = anchor_rand(45); i > 0; i--)
					strcat(path, "/a");
			memset(&c, 0, sizeof(c));
			c.uri = path;
			c.ncaptures = -1;
			if (lookup(rs, sc, &c, &m) != 0) {
				CU_FAIL("lookup");
				continue;
			}
			want = NULL;
			for (i = 0; i < rs->nrules && want == NULL; i++)
				if (pcre2_match(ruleset_regex(rs,
				    &UNIT_RULE(rs, i)),
				    (PCRE2_SPTR)req.path, req.path_len, 0, 0,
				    md, NULL) >= 0)
					want = &UNIT_RULE(rs, i);
			CU_ASSERT_EQUAL(m.rule ? m.rule->no : INDEX_NONE,
			    want ? want->no : INDEX_NONE);
			if ((m.rule ? m.rule->no : INDEX_NONE) !=
			    (want ? want->no : INDEX_NONE)) {
				fprintf(stderr, "\nanchors: %s: got %s, want %s"
				    " in\n%s", path, m.rule ? m.rule->name :
				    "none", want ? want->name : "none", ini);
				CU_FAIL("regex anchors: wrong rule");
			}
		}
		ruleset_free(rs);
	}
	pcre2_match_data_free(md);
	match_scratch_free(sc);
}

int
test_match_register(void)
{
	static const struct unit_test tests[] = {
		{ "regex literal prefixes", test_regex_prefix },
		{ "file order", test_match_order },
		{ "prefix", test_match_prefix },
		{ "case = ignore", test_match_case },
		{ "slash = either", test_match_slash },
		{ "conditions", test_match_conditions },
		{ "queries", test_match_query },
		{ "duplicate keys", test_match_duplicates },
		{ "large map", test_match_large },
		{ "regex anchors", test_match_regex_anchors },
	};

	return unit_add_suite("match", tests, nitems(tests));
}
