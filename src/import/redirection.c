/*
 * redirection.c: --import redirection, the WordPress Redirection plugin's
 * exports (johngodley/redirection, fileio/csv.php and fileio/json.php).
 *
 * A file whose first significant byte is '{' is the JSON export
 * ({"plugin": ..., "groups": [...], "redirects": [...]}); anything else is
 * the CSV export (source,target,regex,code,type,hits,title,status, RFC 4180
 * quoting, a header row).  Both come down to one struct red_entry per
 * redirect, imported by red_entry_import() with the plugin's matching rules
 * (models/url/url-path.php, url-query.php, url-flags.php, models/regex.php):
 *
 *  - A plain source is an exact path, decoded as the plugin stores it, with
 *    or without a query: a [map] entry, in maps grouped by their options
 *    (status, query, case, slash), spooled by emit.c, so a site of 50,000
 *    redirects imports in bounded memory.  flag_case is `case = ignore`,
 *    flag_trailing `slash = either`, flag_query "ignore" `query = drop`,
 *    "pass" `query = keep`, "exact" (the plugin's default: no parameter
 *    but the source's own, in any order) `other-params = refuse` and
 *    `query = drop`.  "exactorder" asks for the source's order as well,
 *    which fcgi-redirect does not compare (noted once per file).
 *  - A regex source is run by the plugin with preg_replace('@PATTERN@[i]',
 *    TARGET, URL): unanchored, on the decoded path WITH its query string,
 *    and the text around the match is kept.  It becomes
 *    ^(.*?)(?:PATTERN)(.*)$ with the target "/$1TARGET$N" (groups
 *    renumbered; leading slashes of a Location collapse to one), matched
 *    against the path only, the query kept.
 *  - A "server" match (or a CSV source that is an absolute URL) is a rule
 *    with `host =`; any other match_type (login, referrer, agent, cookie,
 *    ...), any action but "url" (error, pass, random, nothing), a disabled
 *    entry or group, and code 304 are reported.
 *
 * Order: fcgi-redirect takes the first rule in file order; the maps are
 * written before each regex rule, so that an exact entry still stands
 * before the regexes that follow it in the export, and maps with a query
 * before those without.  XXX The plugin tries its candidates by position,
 * then id (models/redirect/redirect.php sort_urls()); an export of one
 * module lists them so, but the export of "all" is in the database's order
 * (Red_Item::get_all()), and a stream cannot be sorted in bounded memory:
 * entries are taken in the file's order.
 *
 * The JSON is read as a stream (json-c has no incremental object reader
 * that keeps line numbers): a small scanner finds each element of the
 * top-level "groups" and "redirects" arrays, notes the line it starts on,
 * and hands its text alone to json-c.  A report names the entry's own line
 * and its index in the array.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>
#include <pcre2.h>

#include "fcgi-redirect.h"

/* A JSON entry (or a CSV record) longer than this is reported, not read. */
#define RED_ENTRY_MAX	(1024 * 1024)
/* json-c's nesting limit for one entry: an export nests 4 deep. */
#define RED_JSON_DEPTH	16
/* CSV columns the export has; more are ignored, as the plugin does. */
#define RED_CSV_FIELDS	8

enum red_query {
	RED_QUERY_EXACT,		/* the default */
	RED_QUERY_EXACT_ORDER,		/* "exactorder" */
	RED_QUERY_IGNORE,
	RED_QUERY_PASS,
};

/* One redirect of the export, as the plugin would run it. */
struct red_entry {
	unsigned	 line;
	long		 idx;		/* JSON: its index in "redirects";
					   CSV: -1 */
	const char	*url;		/* the source, as stored (decoded) */
	const char	*to;		/* the target */
	const char	*host;		/* a "server" match's host, or NULL */
	int		 regex;
	int		 code;		/* 301 302 303 307 308 */
	enum red_query	 query;
	int		 icase;		/* flag_case */
	int		 trailing;	/* flag_trailing */
	const char	*text;		/* quoted in the rule's comment */
};

/* The status codes a map may have, in the order of the map table. */
static const int red_codes[] = { 301, 302, 303, 307, 308 };
#define RED_NCODES	(sizeof(red_codes) / sizeof(red_codes[0]))
/*
 * A map for each code, other parameters refused or not, query drop/keep,
 * case, slash, with/without query.
 */
#define RED_NMAPS	(RED_NCODES * 32)

/* One source file being imported. */
struct red_file {
	struct import_src *src;
	int		 maps[RED_NMAPS];	/* emit.c's number, or -1 */
	int		 noted_order;		/* the notes given once a file */
	int		 noted_regex;
	long		*off_groups;		/* JSON: disabled group ids */
	size_t		 noff, offcap;
	int		 seen_redirects;	/* JSON: "redirects" was read */
};

/* ---- The entries, whatever the format ---- */

static void red_report(struct red_file *, const struct red_entry *, int,
    const char *, ...) __attribute__((format(printf, 4, 5)));

/*
 * Report entry e: not imported (skip set) or a note; a JSON entry's report
 * names its index too, as a one-line export has every entry on line 1.
 */
static void
red_report(struct red_file *rf, const struct red_entry *e, int skip,
    const char *fmt, ...)
{
	char	 msg[512], idx[32] = "";
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (e->idx >= 0)
		snprintf(idx, sizeof(idx), "redirect %ld: ", e->idx);
	if (skip)
		import_skip(rf->src, e->line, "%s%s", idx, msg);
	else
		import_note(rf->src, e->line, "%s%s", idx, msg);
}

/*
 * Decode %XX escapes of s[0..n) into b, as PHP's rawurldecode() does (the
 * plugin stores sources decoded); a '%' without two hex digits stays.
 */
static void
red_decode(struct buf *b, const char *s, size_t n)
{
	size_t	 i;
	int	 hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n &&
		    (hi = url_hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = url_hexval((unsigned char)s[i + 2])) >= 0) {
			buf_addc(b, (char)(hi * 16 + lo));
			i += 2;
		} else
			buf_addc(b, s[i]);
	}
}

/* Write the maps that hold entries: those with a query first. */
static void
red_flush(struct red_file *rf)
{
	size_t	 k;
	int	 q;

	for (q = 1; q >= 0; q--)
		for (k = 0; k < RED_NMAPS; k++)
			if ((int)(k & 1) == q && rf->maps[k] >= 0)
				emit_map_flush(rf->src->imp, rf->maps[k]);
}

/* The options of an entry in fcgi-redirect's terms. */
static void
red_opts(const struct red_entry *e, struct emit_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->status = e->code;
	if (e->icase)
		o->flags |= OPT_CASE_IGNORE;
	if (!e->regex) {
		if (e->query != RED_QUERY_PASS)
			o->flags |= OPT_QUERY_DROP;
		if (e->query == RED_QUERY_EXACT ||
		    e->query == RED_QUERY_EXACT_ORDER)
			o->flags |= OPT_PARAMS_ONLY;
		if (e->trailing)
			o->flags |= OPT_SLASH_EITHER;
	}
}

/*
 * Say once a file what flag_query "exactorder" becomes here: "exact", the
 * parameters in any order (other-params = refuse).
 */
static void
red_note_order(struct red_file *rf, const struct red_entry *e)
{
	if (e->query != RED_QUERY_EXACT_ORDER || rf->noted_order++)
		return;
	red_report(rf, e, 0, "flag_query \"exactorder\" asks for the "
	    "source's parameters in the source's order; fcgi-redirect does "
	    "not compare their order: this entry and every later one with "
	    "\"exactorder\" in this file match them in any order, as "
	    "\"exact\" does");
}

/*
 * Append the host of url ("http://host[:port]/..." or "https://...") to b,
 * lowercase, without its port; returns what follows it, or url itself when
 * it does not start with a scheme (then b is left as it was).
 */
static const char *
red_host(struct buf *b, const char *url)
{
	const char	*p;

	if (strncasecmp(url, "http://", 7) != 0 &&
	    strncasecmp(url, "https://", 8) != 0)
		return url;
	for (p = strstr(url, "://") + 3; *p != '\0' && strchr("/?#", *p) ==
	    NULL; p++)
		if (*p != ':' || b->len == 0)
			buf_addc(b, (char)tolower((unsigned char)*p));
		else
			while (p[1] != '\0' && strchr("/?#", p[1]) == NULL)
				p++;
	return p;
}

/*
 * Import a plain (non-regex) entry as a map entry, or as a rule with a
 * host condition: for a "server" match, and when its source is an absolute
 * URL (redirect-sanitizer.php set_server() makes that a "server" match on
 * the URL's host).
 */
static void
red_plain(struct red_file *rf, const struct red_entry *e)
{
	static char	 kmem[LINE_MAX_LEN], dmem[LINE_MAX_LEN],
			 tmem[LINE_MAX_LEN], hmem[256];
	struct import	*imp = rf->src->imp;
	struct emit_opts o;
	struct emit_rule r;
	struct buf	 key, dec, to, host;
	const char	*url = e->url, *q;
	char		 hint[160];
	size_t		 k;

	buf_init(&host, hmem, sizeof(hmem));
	if (e->host != NULL)
		buf_adds(&host, e->host);
	else
		url = red_host(&host, url);
	/* The plugin puts a '/' in front of a source without one. */
	buf_init(&key, kmem, sizeof(kmem));
	buf_init(&dec, dmem, sizeof(dmem));
	q = strchr(url, '?');
	if (url[0] != '/')
		buf_addc(&dec, '/');
	red_decode(&dec, url, q != NULL ? (size_t)(q - url) : strlen(url));
	import_path_encode(&key, dec.data, dec.len);
	if (q != NULL && q[1] != '\0') {
		buf_addc(&key, '?');
		buf_adds(&key, q + 1);
	}
	buf_addc(&key, '\0');
	buf_init(&to, tmem, sizeof(tmem));
	/* An empty target is '/' (matches/url.php, save()). */
	import_literal(&to, e->to[0] != '\0' ? e->to : "/",
	    e->to[0] != '\0' ? strlen(e->to) : 1);
	buf_addc(&to, '\0');
	if (key.overflow || dec.overflow || to.overflow || host.overflow) {
		red_report(rf, e, 1, "the source or the target is too "
		    "long for a rule file line");
		return;
	}
	red_opts(e, &o);
	if (host.len > 0) {
		buf_addc(&host, '\0');
		o.hosts = hmem;
		memset(&r, 0, sizeof(r));
		r.kind = RULE_PATH;
		r.match = kmem;
		r.to = tmem;
		r.opts = o;
		red_flush(rf);
		if (emit_rule(rf->src, e->line, e->text, &r) == 0)
			red_note_order(rf, e);
		return;
	}
	for (k = 0; k < RED_NCODES && red_codes[k] != e->code; k++)
		;
	k = k * 32 + ((o.flags & OPT_PARAMS_ONLY) ? 16 : 0) +
	    ((o.flags & OPT_QUERY_DROP) ? 8 : 0) +
	    ((o.flags & OPT_CASE_IGNORE) ? 4 : 0) +
	    ((o.flags & OPT_SLASH_EITHER) ? 2 : 0) + (q != NULL && q[1] != '\0');
	if (rf->maps[k] < 0) {
		snprintf(hint, sizeof(hint), "%s-%d%s%s%s%s%s",
		    rf->src->base, e->code,
		    (o.flags & OPT_PARAMS_ONLY) ? "-exact" : "",
		    (o.flags & OPT_QUERY_DROP) ? "-drop" : "",
		    (o.flags & OPT_CASE_IGNORE) ? "-case" : "",
		    (o.flags & OPT_SLASH_EITHER) ? "-slash" : "",
		    (k & 1) ? "-query" : "");
		if ((rf->maps[k] = emit_map_open(imp, hint, &o)) < 0) {
			red_report(rf, e, 1, "out of memory");
			return;
		}
	}
	if (emit_map_entry(rf->src, e->line, rf->maps[k], kmem, tmem) == 0)
		red_note_order(rf, e);
}

/*
 * Does the pattern (as the plugin has it) look at the query string: a
 * literal '?' (escaped, or in a class)?  fcgi-redirect's regex never sees
 * the query.
 */
static int
red_regex_query(const char *p)
{
	int	 in_class = 0;

	for (; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			if (*p == '?' || (tolower((unsigned char)*p) == 'x' &&
			    (strncasecmp(p + 1, "3f", 2) == 0 ||
			    strncasecmp(p + 1, "{3f}", 4) == 0)))
				return 1;
			continue;
		}
		if (*p == '[')
			in_class = 1;
		else if (*p == ']')
			in_class = 0;
		else if (*p == '?' && in_class)
			return 1;
	}
	return 0;
}

/*
 * Does the pattern have a '|' outside any group and class?  Then a '^' at
 * its start or a '$' at its end anchors one alternative only.
 */
static int
red_regex_alt(const char *p)
{
	int	 depth = 0, in_class = 0;

	for (; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (in_class)
			in_class = *p != ']';
		else if (*p == '[') {
			in_class = 1;
			if (p[1] == '^')
				p++;
			if (p[1] == ']')
				p++;
		} else if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		else if (*p == '|' && depth == 0)
			return 1;
	}
	return 0;
}

/* Does the pattern end in ".*" or ".+", maybe inside a group's ')'? */
static int
red_regex_greedy_end(const char *p)
{
	size_t	 n = strlen(p);

	while (n > 0 && p[n - 1] == ')')
		n--;
	return n >= 2 && p[n - 2] == '.' && (p[n - 1] == '*' ||
	    p[n - 1] == '+') && (n < 3 || p[n - 3] != '\\');
}

/*
 * Read a group reference of a preg_replace() replacement at *pp ("$N",
 * "${N}" or "\N", N of one or two digits, as PHP reads it): returns N and
 * moves *pp past it, or -1 when there is none.
 */
static int
red_target_ref(const char **pp)
{
	const char	*p = *pp;
	int		 n, brace = 0;

	if (p[0] != '$' && p[0] != '\\')
		return -1;
	p++;
	if (p[-1] == '$' && p[0] == '{') {
		brace = 1;
		p++;
	}
	if (!isdigit((unsigned char)p[0]))
		return -1;
	n = p[0] - '0';
	p++;
	if (isdigit((unsigned char)p[0])) {
		n = n * 10 + (p[0] - '0');
		p++;
	}
	if (brace) {
		if (p[0] != '}')
			return -1;
		p++;
	}
	*pp = p;
	return n;
}

/*
 * Import a regex entry (see the comment at the top).  The plugin's group N
 * becomes N + shift; $0 (the whole match) needs the pattern in a group of
 * its own.
 */
static void
red_regex(struct red_file *rf, const struct red_entry *e)
{
	static char	 pmem[LINE_MAX_LEN], rmem[LINE_MAX_LEN + 64],
			 tmem[LINE_MAX_LEN];
	struct emit_rule r;
	struct buf	 re, to;
	const char	*why = NULL, *p;
	pcre2_code	*code;
	uint32_t	 groups = 0;
	PCRE2_SIZE	 off;
	int		 err, n, whole = 0, maxref = 0, anchored, ends, alt,
			 before, shift, rest, absolute;

	if (red_regex_query(e->url)) {
		red_report(rf, e, 1, "the regex matches the query "
		    "string ('?'); fcgi-redirect's regex sees the path only");
		return;
	}
	if (import_regex_path(e->url, strlen(e->url), pmem, sizeof(pmem),
	    &why) != 0) {
		red_report(rf, e, 1, "regex: %s", why);
		return;
	}
	code = pcre2_compile((PCRE2_SPTR)pmem, PCRE2_ZERO_TERMINATED,
	    PCRE2_NEVER_UTF, &err, &off, NULL);
	if (code == NULL) {
		PCRE2_UCHAR	 msg[160];

		pcre2_get_error_message(err, msg, sizeof(msg));
		red_report(rf, e, 1, "regex: %s at offset %zu (the "
		    "plugin never matches it either)", (char *)msg, (size_t)off);
		return;
	}
	pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &groups);
	pcre2_code_free(code);
	for (p = e->to; *p != '\0'; )
		if ((n = red_target_ref(&p)) < 0)
			p++;
		else if (n == 0)
			whole = 1;
		else if (n <= (int)groups && n > maxref)
			maxref = n;
	alt = red_regex_alt(pmem);
	anchored = pmem[0] == '^' && !alt;
	n = (int)strlen(pmem);
	ends = n > 0 && pmem[n - 1] == '$' && (n < 2 || pmem[n - 2] != '\\') &&
	    !alt;
	absolute = strncasecmp(e->to, "http://", 7) == 0 ||
	    strncasecmp(e->to, "https://", 8) == 0;
	if (!absolute && e->to[0] != '/') {
		red_report(rf, e, 1, "a target that is neither a "
		    "/path nor an http(s):// URL");
		return;
	}
	/*
	 * Before the match: "(.*?)", unless the pattern is anchored, or the
	 * target is absolute (then the plugin's result would be the text
	 * before the match glued to "https://...": the rule is anchored).
	 */
	before = !anchored && !absolute;
	shift = before + whole;
	/* The rest of the path: empty after a final '$', but kept if it can. */
	rest = (int)groups + shift + 1;
	if (rest > CAPTURES_MAX && ends)
		rest = 0;
	if (maxref + shift > CAPTURES_MAX || rest > CAPTURES_MAX) {
		red_report(rf, e, 1, "the regex has %u groups; with "
		    "the text before and after the match that is more than "
		    "fcgi-redirect's $1..$9", groups);
		return;
	}
	buf_init(&re, rmem, sizeof(rmem));
	buf_printf(&re, "^%s%s%s%s%s", before ? "(.*?)" : "",
	    whole ? "(" : "(?:", pmem, ")", rest ? "(.*)$" : "");
	buf_addc(&re, '\0');
	buf_init(&to, tmem, sizeof(tmem));
	if (before)
		buf_adds(&to, "/$1");
	for (p = e->to; *p != '\0'; ) {
		const char	*q = p;

		if ((n = red_target_ref(&q)) >= 0) {
			/* PHP puts nothing for a group the pattern lacks. */
			if (n == 0 || n <= (int)groups)
				buf_printf(&to, "$%d", n + shift);
			p = q;
			continue;
		}
		import_literal(&to, p, 1);
		p++;
	}
	if (rest)
		buf_printf(&to, "$%d", rest);
	buf_addc(&to, '\0');
	if (re.overflow || to.overflow) {
		red_report(rf, e, 1, "the regex or the target is too "
		    "long for a rule file line");
		return;
	}
	memset(&r, 0, sizeof(r));
	r.kind = RULE_REGEX;
	r.match = rmem;
	r.to = tmem;
	red_opts(e, &r.opts);
	r.opts.hosts = e->host;
	red_flush(rf);
	if (emit_rule(rf->src, e->line, e->text, &r) != 0)
		return;
	if (!rf->noted_regex++)
		red_report(rf, e, 0, "the plugin matches a regex "
		    "against the path and its query string; fcgi-redirect "
		    "against the path only, and keeps the request's query "
		    "(this and every later regex in this file)");
	if (absolute && !anchored)
		red_report(rf, e, 0, "anchored at the start of the "
		    "path: the plugin would put the text before the match "
		    "in front of the absolute target");
	/* A pattern that ends in ".*" takes the rest: no second match. */
	if (!anchored && !ends && !red_regex_greedy_end(pmem))
		red_report(rf, e, 0, "the plugin replaces every "
		    "match of the regex in the URL (preg_replace); "
		    "fcgi-redirect the first only");
}

/* Import one entry whose fields the format's reader has checked. */
static void
red_entry_import(struct red_file *rf, const struct red_entry *e)
{
	if (e->url[0] == '\0') {
		red_report(rf, e, 1, "an empty source URL");
		return;
	}
	/* wp_redirect() sends nothing for an empty location. */
	if (e->to == NULL || e->to[strspn(e->to, " \t")] == '\0') {
		red_report(rf, e, 1, "an empty target: the plugin sends no "
		    "redirect (wp_redirect() refuses an empty location)");
		return;
	}
	if (e->regex)
		red_regex(rf, e);
	else
		red_plain(rf, e);
}

/*
 * The status of an action_code the plugin takes as a redirect, or 0 when
 * it is not one fcgi-redirect can send (*why says why).  As
 * models/redirect/redirect-sanitizer.php get_code(): a code that is not a
 * redirect becomes 301 (*note set).
 */
static int
red_code(long code, const char **why, int *note)
{
	*note = 0;
	switch (code) {
	case 301: case 302: case 303: case 307: case 308:
		return (int)code;
	case 304:
		*why = "304 Not Modified is not a redirect fcgi-redirect sends";
		return 0;
	default:
		*note = 1;
		return 301;
	}
}

/* ---- The CSV export ---- */

/* Is s only blanks (or empty)? */
static int
red_blank(const char *s)
{
	return s[strspn(s, " \t\n\r\v")] == '\0';
}

/* Trim blanks at both ends of s in place, as PHP's trim(); returns s. */
static char *
red_trim(char *s)
{
	size_t	 n;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' ||
	    *s == '\v')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == '\v'))
		s[--n] = '\0';
	return s;
}

/*
 * The separator of the export, csvread's detect: the first of ',' ';' '|'
 * in the first line that is not blank, or ','; 0 for a blank line.
 * (fileio/csv.php load() tries ',', ';' then '|', each on the whole file,
 * until one imports something.)
 */
static char
red_csv_sep(const char *line, size_t n)
{
	size_t	 i;

	if (red_blank(line))
		return 0;
	for (i = 0; i < n; i++)
		if (line[i] == ',' || line[i] == ';' || line[i] == '|')
			return line[i];
	return ',';
}

/*
 * One CSV record as fileio/csv.php csv_as_item() reads it, with the columns
 * the export adds (type, status) that its own import ignores: a disabled
 * entry, or an action that is not a redirect, was not one on the site.
 */
static void
red_csv_record(struct red_file *rf, struct csvread *c)
{
	struct red_entry e;
	const char	*why = NULL, *s;
	char		*end;
	long		 code = 301;
	int		 note = 0;

	memset(&e, 0, sizeof(e));
	e.line = c->first;
	e.idx = -1;
	e.text = c->rec;
	if (c->nfields < 2) {
		red_report(rf, &e, 1, "not a record of the export "
		    "(source,target,regex,code,...)");
		return;
	}
	e.url = red_trim(c->field[0]);
	e.to = red_trim(c->field[1]);
	if (strcmp(e.url, "source") == 0 && strcmp(e.to, "target") == 0)
		return;				/* the header */
	/* csv_as_item() takes either word for a header. */
	if (strcmp(e.url, "source") == 0 || strcmp(e.to, "target") == 0) {
		red_report(rf, &e, 1, "the plugin takes a record whose source "
		    "is 'source' or whose target is 'target' for the header");
		return;
	}
	if (c->nfields > 7 && strcmp(red_trim(c->field[7]), "disabled") == 0) {
		red_report(rf, &e, 1, "disabled in the plugin");
		return;
	}
	if (c->nfields > 4 && (s = red_trim(c->field[4]))[0] != '\0' &&
	    strcmp(s, "url") != 0) {
		red_report(rf, &e, 1, "action type \"%.40s\" is not a "
		    "redirect to a URL", s);
		return;
	}
	if (c->nfields > 2) {
		/* intval($regex) === 1 */
		errno = 0;
		e.regex = strtol(red_trim(c->field[2]), NULL, 10) == 1 &&
		    errno == 0;
	} else
		e.regex = strpbrk(e.url, "()[]$^*") != NULL;
	if (c->nfields > 3) {
		s = red_trim(c->field[3]);
		errno = 0;
		code = strtol(s, &end, 10);
		if (end == s || errno != 0)
			code = 0;
		if (code > 400 && code < 500) {
			red_report(rf, &e, 1, "code %ld is an error "
			    "action, not a redirect", code);
			return;
		}
	}
	if ((e.code = red_code(code, &why, &note)) == 0) {
		red_report(rf, &e, 1, "%s", why);
		return;
	}
	if (strcmp(e.url, e.to) == 0) {
		red_report(rf, &e, 1, "the source is its own target (the "
		    "plugin refuses it)");
		return;
	}
	if (note)
		red_report(rf, &e, 0, "code '%.20s' is not a redirect "
		    "code: 301, as the plugin takes it", c->field[3]);
	/* fileio/csv.php item_as_csv(): a match without a URL target. */
	if (strcmp(e.to, "/unknown") == 0)
		red_report(rf, &e, 0, "the target /unknown is what the "
		    "CSV export writes for a redirect that is not a plain URL "
		    "match (login, referrer...): check it in the plugin");
	red_entry_import(rf, &e);
}

/*
 * Import the CSV export: its records through csvread.c, split as PHP's
 * fgetcsv() does.
 */
static void
red_csv_import(struct red_file *rf)
{
	struct csvread	 c;
	char		*field[RED_CSV_FIELDS];
	int		 rc;

	memset(&c, 0, sizeof(c));
	c.src = rf->src;
	c.dialect = CSVREAD_LENIENT;
	c.detect = red_csv_sep;
	c.max = RED_ENTRY_MAX;
	c.field = field;
	c.keep = RED_CSV_FIELDS;
	while ((rc = csvread_record(&c)) > 0) {
		if (rc == 2 || red_blank(c.rec))
			continue;	/* reported; fgetcsv()'s blank line */
		red_csv_record(rf, &c);
	}
	csvread_free(&c);
}

/* ---- The JSON export ---- */

/* The scanner's state: where it reads, the entry it holds. */
struct red_json {
	struct red_file	*rf;
	FILE		*f;
	unsigned	 line;		/* of the last byte read */
	int		 back;		/* a byte put back, or -1 */
	char		*text;		/* the element being read */
	size_t		 len, cap;
	int		 toolong;
	int		 failed;	/* the structure broke: stop */
	struct json_tokener *tok;	/* reset for each element */
};

/* The next byte, or EOF; lines counted. */
static int
rj_getc(struct red_json *j)
{
	int	 c;

	if (j->back >= 0) {
		c = j->back;
		j->back = -1;
		return c;
	}
	if ((c = getc_unlocked(j->f)) == '\n')
		j->line++;
	return c;
}

/* The next byte that is not JSON white space, or EOF. */
static int
rj_ws(struct red_json *j)
{
	int	 c;

	while ((c = rj_getc(j)) == ' ' || c == '\t' || c == '\n' || c == '\r')
		;
	return c;
}

/* Keep c in the element's text (unless it is over RED_ENTRY_MAX). */
static void
rj_keep(struct red_json *j, int c)
{
	char	*p;

	if (j->toolong || j->text == NULL)
		return;
	if (j->len + 2 > j->cap) {
		if (j->len + 2 > RED_ENTRY_MAX ||
		    (p = realloc(j->text, j->cap * 2)) == NULL) {
			j->toolong = 1;
			return;
		}
		j->text = p;
		j->cap *= 2;
	}
	j->text[j->len++] = (char)c;
	j->text[j->len] = '\0';
}

/* Report that the structure broke at the current line, and stop reading. */
static void
rj_fail(struct red_json *j, const char *what)
{
	import_skip(j->rf->src, j->line, "malformed JSON: %s; the rest of the "
	    "file is not read", what);
	j->failed = 1;
}

/*
 * Read one JSON value that starts with byte c, into j->text when keep is
 * set: objects and arrays to their matching end (strings skipped whole),
 * a string to its closing quote, a scalar to the byte before ',', ']',
 * '}' or white space.  json-c checks what it holds afterwards.  Returns 0,
 * or -1 at the end of the file.
 */
static int
rj_value(struct red_json *j, int c, int keep)
{
	long	 depth = 0;
	int	 in_str = 0;

	j->len = 0;
	j->toolong = 0;
	if (j->text != NULL)
		j->text[0] = '\0';
	if (c != '{' && c != '[' && c != '"') {
		while (c != EOF && c != ',' && c != ']' && c != '}' &&
		    c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			if (keep)
				rj_keep(j, c);
			c = rj_getc(j);
		}
		if (c == EOF)
			return -1;
		j->back = c;		/* its line is counted already */
		return 0;
	}
	for (;;) {
		if (c == EOF)
			return -1;
		if (keep)
			rj_keep(j, c);
		if (in_str) {
			if (c == '\\') {
				if ((c = rj_getc(j)) == EOF)
					return -1;
				if (keep)
					rj_keep(j, c);
			} else if (c == '"') {
				in_str = 0;
				if (depth == 0)
					return 0;
			}
		} else if (c == '"')
			in_str = 1;
		else if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && --depth == 0)
			return 0;
		c = rj_getc(j);
	}
}

/*
 * The member named name of object o when it has type t; NULL when it is
 * missing (or null); *bad set when it has another type.
 */
static struct json_object *
rj_member(struct json_object *o, const char *name, enum json_type t,
    int *bad)
{
	struct json_object	*v;

	*bad = 0;
	if (o == NULL || !json_object_object_get_ex(o, name, &v) || v == NULL)
		return NULL;
	if (!json_object_is_type(v, t)) {
		*bad = 1;
		return NULL;
	}
	return v;
}

/* A string member: its text, NULL when missing, *bad when not a string
 * or holding a NUL. */
static const char *
rj_string(struct json_object *o, const char *name, int *bad)
{
	struct json_object	*v;
	const char		*s;

	if ((v = rj_member(o, name, json_type_string, bad)) == NULL)
		return NULL;
	s = json_object_get_string(v);
	if (memchr(s, '\0', (size_t)json_object_get_string_len(v)) != NULL) {
		*bad = 1;
		return NULL;
	}
	return s;
}

/*
 * A boolean member: 1 or 0, def when missing, -1 when of another type.
 * The plugin takes a flag only when is_bool() (url-flags.php).
 */
static int
rj_bool(struct json_object *o, const char *name, int def)
{
	struct json_object	*v;
	int			 bad;

	if ((v = rj_member(o, name, json_type_boolean, &bad)) == NULL)
		return bad ? -1 : def;
	return json_object_get_boolean(v) ? 1 : 0;
}

/*
 * An integer member (or a string of digits, as PHP's intval() reads it),
 * in *n: 1, 0 when missing, -1 when of another type or out of range.
 */
static int
rj_int(struct json_object *o, const char *name, long *n)
{
	struct json_object	*v;
	const char		*s;
	char			*end;
	int64_t			 i;

	if (o == NULL || !json_object_object_get_ex(o, name, &v) || v == NULL)
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		errno = 0;
		i = json_object_get_int64(v);
		if (errno != 0 || i < LONG_MIN / 2 || i > LONG_MAX / 2)
			return -1;
		*n = (long)i;
		return 1;
	}
	if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		errno = 0;
		*n = strtol(s, &end, 10);
		if (end == s || *end != '\0' || errno != 0)
			return -1;
		return 1;
	}
	return -1;
}

/* Is group id one the "groups" array said is disabled? */
static int
rj_group_off(const struct red_file *rf, long id)
{
	size_t	 i;

	for (i = 0; i < rf->noff; i++)
		if (rf->off_groups[i] == id)
			return 1;
	return 0;
}

/* Parse the element text of entry idx (at line) into an object, or report. */
static struct json_object *
rj_parse(struct red_json *j, const char *what, size_t idx, unsigned line)
{
	struct json_tokener	*tok = j->tok;
	struct json_object	*o;
	enum json_tokener_error	 err;

	if (j->toolong) {
		import_skip(j->rf->src, line, "%s %zu: over %d bytes", what,
		    idx, RED_ENTRY_MAX);
		return NULL;
	}
	if (j->text[0] != '{') {
		import_skip(j->rf->src, line, "%s %zu: not a JSON object",
		    what, idx);
		return NULL;
	}
	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, j->text, (int)j->len);
	err = json_tokener_get_error(tok);
	if (o != NULL && (err != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != j->len)) {
		json_object_put(o);
		o = NULL;
	}
	if (o == NULL)
		import_skip(j->rf->src, line, "%s %zu: malformed JSON: %s",
		    what, idx, err == json_tokener_continue ?
		    "it ends too early" : json_tokener_error_desc(err));
	return o;
}

/* An element of "groups": remember it when it is disabled. */
static void
rj_group(struct red_json *j, size_t idx, unsigned line)
{
	struct red_file		*rf = j->rf;
	struct json_object	*o;
	long			*p, id;

	if ((o = rj_parse(j, "group", idx, line)) == NULL)
		return;
	if (rj_int(o, "id", &id) == 1 && rj_bool(o, "enabled", 1) == 0) {
		/* XXX the export writes "groups" first; a file that does not
		   is read in one pass all the same. */
		if (rf->seen_redirects)
			import_note(rf->src, line, "group %zu (id %ld) is "
			    "disabled, but comes after the redirects: those of "
			    "its redirects that are enabled were imported",
			    idx, id);
		if (rf->noff == rf->offcap) {
			p = realloc(rf->off_groups, (rf->offcap * 2 + 8) *
			    sizeof(*p));
			if (p == NULL) {
				import_skip(rf->src, line, "out of memory");
				json_object_put(o);
				return;
			}
			rf->off_groups = p;
			rf->offcap = rf->offcap * 2 + 8;
		}
		rf->off_groups[rf->noff++] = id;
	}
	json_object_put(o);
}

/*
 * The flags of an entry from its match_data.source, the plugin's defaults
 * (url-flags.php) for those it lacks.  0, or -1 with *why.
 */
static int
rj_flags(struct json_object *o, struct red_entry *e, const char **why)
{
	struct json_object	*md, *src;
	const char		*q;
	int			 bad, r;
	long			 n;

	/* "regex": the old column, true or 1 (redirect-sanitizer.php). */
	e->regex = rj_bool(o, "regex", 0);
	if (e->regex < 0)
		e->regex = rj_int(o, "regex", &n) == 1 && n == 1;
	md = rj_member(o, "match_data", json_type_object, &bad);
	if (bad) {
		*why = "\"match_data\" is not an object";
		return -1;
	}
	src = rj_member(md, "source", json_type_object, &bad);
	if (bad) {
		*why = "\"match_data.source\" is not an object";
		return -1;
	}
	if (src == NULL)
		return 0;
	q = rj_string(src, "flag_query", &bad);
	if (bad) {
		*why = "\"flag_query\" is not a string";
		return -1;
	}
	if (q == NULL || strcmp(q, "exact") == 0)
		e->query = RED_QUERY_EXACT;
	else if (strcmp(q, "exactorder") == 0)
		e->query = RED_QUERY_EXACT_ORDER;
	else if (strcmp(q, "ignore") == 0)
		e->query = RED_QUERY_IGNORE;
	else if (strcmp(q, "pass") == 0)
		e->query = RED_QUERY_PASS;
	else {
		*why = "\"flag_query\" is none of exact, exactorder, ignore, "
		    "pass";
		return -1;
	}
	if ((e->icase = rj_bool(src, "flag_case", 0)) < 0 ||
	    (e->trailing = rj_bool(src, "flag_trailing", 0)) < 0) {
		*why = "a flag_case or flag_trailing that is not true or false";
		return -1;
	}
	/* Given, flag_regex decides (the sanitizer migrates it). */
	if ((r = rj_bool(src, "flag_regex", 2)) == -1) {
		*why = "\"flag_regex\" is not true or false";
		return -1;
	}
	if (r != 2)
		e->regex = r;
	return 0;
}

/*
 * The rest of an entry whose match_type is url, from the action_code on:
 * its status, flags and target (action_data.url, or key when not NULL).
 * 0, or -1 with *why.
 */
static int
rj_action(struct red_file *rf, struct json_object *o, struct red_entry *e,
    const char *key, const char **why)
{
	struct json_object	*ad;
	long			 n;
	int			 bad, note, rc;

	if ((rc = rj_int(o, "action_code", &n)) < 0 ||
	    (rc == 1 && (n < 100 || n > 999))) {
		*why = "\"action_code\" is not an HTTP status";
		return -1;
	}
	if (rc == 0)
		n = 0;
	if ((e->code = red_code(n, why, &note)) == 0)
		return -1;
	/* action_data: {"url": ...}, or the URL alone (fileio/json.php). */
	if ((ad = rj_member(o, "action_data", json_type_object, &bad)) != NULL)
		e->to = rj_string(ad, key != NULL ? key : "url", &bad);
	else if (bad && key == NULL)
		e->to = rj_string(o, "action_data", &bad);
	if (e->to == NULL) {
		*why = "no target (\"action_data\": {\"url\": ...})";
		return -1;
	}
	if (rj_flags(o, e, why) != 0)
		return -1;
	if (note)
		red_report(rf, e, 0, "action_code %ld is not a redirect "
		    "code: 301, as the plugin takes it", n);
	return 0;
}

/*
 * A "server" match (matches/server.php): to url_from when the request's
 * host is the one of action_data.server, else to url_notfrom when it is
 * not empty.  Two rules: the first with a host condition.
 */
static void
rj_server(struct red_file *rf, struct json_object *o, struct red_entry *e)
{
	static char	 hmem[256];
	struct json_object *ad;
	struct buf	 host;
	const char	*why = NULL, *server, *notfrom = NULL;
	int		 bad;

	ad = rj_member(o, "action_data", json_type_object, &bad);
	if ((server = rj_string(ad, "server", &bad)) == NULL) {
		red_report(rf, e, 1, "a server match without "
		    "\"action_data.server\"");
		return;
	}
	buf_init(&host, hmem, sizeof(hmem));
	if (red_host(&host, server) == server || host.len == 0 ||
	    host.overflow) {
		red_report(rf, e, 1, "server \"%.80s\" is not an "
		    "http(s):// URL", server);
		return;
	}
	buf_addc(&host, '\0');
	e->host = hmem;
	if (rj_action(rf, o, e, "url_from", &why) != 0) {
		red_report(rf, e, 1, "%s", why);
		return;
	}
	notfrom = rj_string(ad, "url_notfrom", &bad);
	if (e->to[0] != '\0')
		red_entry_import(rf, e);
	if (notfrom != NULL && notfrom[0] != '\0') {
		e->host = NULL;
		e->to = notfrom;
		red_entry_import(rf, e);
	}
}

/* An element of "redirects": a redirect, imported or reported. */
static void
rj_redirect(struct red_json *j, size_t idx, unsigned line)
{
	struct red_file		*rf = j->rf;
	struct json_object	*o;
	struct red_entry	 e;
	const char		*why = NULL, *s;
	long			 n;
	int			 bad;

	if ((o = rj_parse(j, "redirect", idx, line)) == NULL)
		return;
	memset(&e, 0, sizeof(e));
	e.line = line;
	e.idx = (long)idx;
	if ((e.url = rj_string(o, "url", &bad)) == NULL) {
		why = bad ? "\"url\" is not a string (or holds a NUL)" :
		    "no \"url\"";
		goto skip;
	}
	e.text = e.url;
	s = rj_string(o, "match_type", &bad);
	if (bad) {
		why = "\"match_type\" is not a string";
		goto skip;
	}
	if (s == NULL) {
		why = "no \"match_type\" (the plugin refuses it)";
		goto skip;
	}
	if (strcmp(s, "server") == 0) {
		rj_server(rf, o, &e);
		goto done;
	}
	if (strcmp(s, "url") != 0) {
		red_report(rf, &e, 1, "match_type \"%.40s\" (a condition on "
		    "the visitor) cannot be expressed", s);
		goto done;
	}
	s = rj_string(o, "action_type", &bad);
	if (bad || s == NULL || strcmp(s, "url") != 0) {
		red_report(rf, &e, 1, "action_type \"%.40s\" is not a "
		    "redirect to a URL", s != NULL ? s : "(none)");
		goto done;
	}
	if (rj_bool(o, "enabled", 1) == 0 ||
	    ((s = rj_string(o, "enabled", &bad)) != NULL &&
	    strcmp(s, "disabled") == 0) ||
	    ((s = rj_string(o, "status", &bad)) != NULL &&
	    strcmp(s, "disabled") == 0)) {
		red_report(rf, &e, 1, "disabled in the plugin");
		goto done;
	}
	if (rj_int(o, "group_id", &n) == 1 && rj_group_off(rf, n)) {
		red_report(rf, &e, 1, "its group %ld is disabled in the "
		    "plugin", n);
		goto done;
	}
	if (rj_action(rf, o, &e, NULL, &why) != 0)
		goto skip;
	red_entry_import(rf, &e);
	goto done;
skip:
	red_report(rf, &e, 1, "%s", why);
done:
	json_object_put(o);
}

/*
 * Read the elements of an array whose '[' was read, each with fn (at the
 * line it starts on, with its index).  Returns 0, or -1 after reporting.
 */
static int
rj_array(struct red_json *j, void (*fn)(struct red_json *, size_t,
    unsigned))
{
	size_t		 idx;
	unsigned	 line;
	int		 c;

	if ((c = rj_ws(j)) == ']')
		return 0;
	for (idx = 0; ; idx++) {
		line = j->line;
		if (rj_value(j, c, 1) != 0) {
			import_skip(j->rf->src, line, "entry %zu: the file "
			    "ends inside it", idx);
			j->failed = 1;
			return -1;
		}
		fn(j, idx, line);
		if ((c = rj_ws(j)) == ']')
			return 0;
		if (c != ',') {
			rj_fail(j, "expected ',' or ']' after an entry");
			return -1;
		}
		c = rj_ws(j);
	}
}

/* Import the JSON export; c is its first byte ('{'), at line. */
static void
red_json_import(struct red_file *rf, int c, unsigned line)
{
	struct red_json	 j;
	char		 key[16];
	size_t		 n;

	memset(&j, 0, sizeof(j));
	j.rf = rf;
	j.f = rf->src->f;
	j.line = line;
	j.back = -1;
	j.cap = 4096;
	if ((j.text = malloc(j.cap)) == NULL ||
	    (j.tok = json_tokener_new_ex(RED_JSON_DEPTH)) == NULL) {
		fprintf(stderr, "fcgi-redirect: --import: out of memory\n");
		rf->src->imp->failed = 1;
		free(j.text);
		return;
	}
	json_tokener_set_flags(j.tok, JSON_TOKENER_STRICT);
	if (c != '{') {
		rj_fail(&j, "the export is an object ({\"redirects\": ...})");
		goto out;
	}
	if ((c = rj_ws(&j)) == '}')
		goto end;
	for (;;) {
		if (c != '"') {
			rj_fail(&j, "expected a member name");
			goto out;
		}
		/* The name; only short ones matter. */
		if (rj_value(&j, c, 1) != 0) {
			rj_fail(&j, "the file ends in a member name");
			goto out;
		}
		n = j.len >= 2 && !j.toolong ? j.len - 2 : 0;
		snprintf(key, sizeof(key), "%.*s", (int)(n < sizeof(key) - 1 ?
		    n : sizeof(key) - 1), j.text + 1);
		if (n >= sizeof(key))
			key[0] = '\0';
		if (rj_ws(&j) != ':') {
			rj_fail(&j, "expected ':' after a member name");
			goto out;
		}
		c = rj_ws(&j);
		if (c == '[' && strcmp(key, "redirects") == 0) {
			rf->seen_redirects = 1;
			if (rj_array(&j, rj_redirect) != 0)
				goto out;
		} else if (c == '[' && strcmp(key, "groups") == 0) {
			if (rj_array(&j, rj_group) != 0)
				goto out;
		} else {
			if (strcmp(key, "redirects") == 0)
				import_skip(rf->src, j.line, "\"redirects\" "
				    "is not an array");
			if (rj_value(&j, c, 0) != 0) {
				rj_fail(&j, "the file ends inside a value");
				goto out;
			}
		}
		if ((c = rj_ws(&j)) == '}')
			break;
		if (c != ',') {
			rj_fail(&j, "expected ',' or '}' after a member");
			goto out;
		}
		c = rj_ws(&j);
	}
end:
	if ((c = rj_ws(&j)) != EOF)
		rj_fail(&j, "text after the end of the export");
out:
	if (ferror(j.f)) {
		fprintf(stderr, "fcgi-redirect: %s: %s\n", rf->src->name,
		    strerror(errno ? errno : EIO));
		rf->src->imp->failed = 1;
	}
	json_tokener_free(j.tok);
	free(j.text);
}

/*
 * Import one export: JSON when its first byte after a byte order mark and
 * white space is '{' or '[', the CSV export otherwise.
 */
void
redirection_import(struct import_src *src)
{
	struct red_file	 rf;
	unsigned	 nl = 0;
	size_t		 k;
	int		 c;

	memset(&rf, 0, sizeof(rf));
	rf.src = src;
	for (k = 0; k < RED_NMAPS; k++)
		rf.maps[k] = -1;
	if ((c = getc(src->f)) == 0xef) {
		if ((c = getc(src->f)) == 0xbb && (c = getc(src->f)) == 0xbf)
			c = getc(src->f);
	}
	while (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
		if (c == '\n')
			nl++;
		c = getc(src->f);
	}
	if (c == '{' || c == '[')
		red_json_import(&rf, c, nl + 1);
	else if (c != EOF) {
		ungetc(c, src->f);
		src->line = nl;
		red_csv_import(&rf);
	}
	red_flush(&rf);
	free(rf.off_groups);
}
