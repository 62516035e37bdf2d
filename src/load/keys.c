/*
 * keys.c: the keys a rule file's sections may hold, declared in one table.
 *
 * keys_table[] says of each key, as nginx's ngx_command_t arrays say of a
 * directive: its name, the sections that take it ([defaults], a rule, a
 * [map NAME]), whether it may be given more than once, and its parser.  A
 * parser checks a value as it arrives, reports what is wrong with it at its
 * FILE:LINE on the diag, and stores it in the options of the section being
 * read.  rules.c dispatches to the parsers (rules_key()) and keeps what
 * concerns the section as a whole: keys unknown there or set twice, the
 * values that can only be checked when the section is complete (a rule's
 * path, prefix or regex and its `to`; [defaults]' base, fallback and
 * stats: their parser is NULL), and what [defaults] passes on.
 *
 * The syntax of the values themselves (times, host patterns, tokens) is in
 * values.c.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi-redirect.h"

/*
 * The longest header line a rule may add (`header` and `cache`).  Apache
 * reads each CGI/FastCGI response header line into MAX_STRING_LEN, 8,192
 * bytes (ap_scan_script_header_err_core), and answers 500 to a longer one:
 * a line over HEADER_LINE_MAX (Apache's buffer less CR LF and a margin) is
 * an error.  What all the lines of a rule add up to is checked by rules.c.
 */
#define HEADER_LINE_MAX	8000

/* The keys that are one of two words, each clearing or setting a flag. */
struct key_words {
	const char	*off, *on;
	unsigned	 flag;
};

/*
 * A space- or comma-separated list of words, each passing check, into an
 * array in the arena (lowercased when `lower`): *out and its length *n.
 * Returns 0, -1 after reporting an empty list or a bad word (as a `what`),
 * or -2 when out of memory.
 */
static int
key_words(struct key_ctx *c, const char *v, const char ***out, size_t *n,
    int (*check)(const char *, size_t), int lower, unsigned line,
    const char *what)
{
	const char	*p, *w;
	size_t		 count = 0, i = 0, k;

	for (p = v; *p != '\0'; ) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			break;
		count++;
		p += strcspn(p, " \t,");
	}
	if (count == 0) {
		diag_error(c->diag, line, "%s: empty list", what);
		return -1;
	}
	if ((*out = arena_alloc(c->arena, count * sizeof(**out))) == NULL)
		return -2;
	for (p = v; *p != '\0'; ) {
		char	*s;

		p += strspn(p, " \t,");
		if (*p == '\0')
			break;
		w = p;
		p += strcspn(p, " \t,");
		if (check(w, (size_t)(p - w)) != 0) {
			diag_error(c->diag, line, "%s: bad %s '%.*s'", what,
			    what, (int)(p - w), w);
			return -1;
		}
		if ((s = arena_strndup(c->arena, w, (size_t)(p - w))) == NULL)
			return -2;
		for (k = 0; lower && s[k] != '\0'; k++)
			s[k] = (char)tolower((unsigned char)s[k]);
		(*out)[i++] = s;
	}
	*n = count;
	return 0;
}

/* Is a header line of n bytes longer than Apache takes?  Then say so. */
static int
header_line_long(struct diag *d, unsigned line, const char *key, size_t n)
{
	if (n <= HEADER_LINE_MAX)
		return 0;
	diag_error(d, line, "%s: the header line is %zu bytes; at most %d "
	    "pass (Apache reads a response header line into 8,192 bytes and "
	    "answers 500 to a longer one)", key, n, HEADER_LINE_MAX);
	return 1;
}

/*
 * The parsers of keys_table[], one contract (struct key_def): check the
 * value v (in the arena, kept as long as the rule set), found at line, and
 * store it in c->opts.  Each returns 0, -1 after reporting on c->diag, or
 * -2 when out of memory (not reported: rules_finish() says it once).
 */

/* status: a redirect code. */
static int
key_status(struct key_ctx *c, const struct key_def *k, const char *v,
    unsigned line)
{
	(void)k;
	if ((c->opts->status = values_status(v)) < 0) {
		diag_error(c->diag, line, "status must be 301, 302, 303, 307 "
		    "or 308, not '%s'", v);
		return -1;
	}
	return 0;
}

/*
 * query, case, slash, other-params: one of two words (k->post), clearing
 * or setting.
 */
static int
key_flag(struct key_ctx *c, const struct key_def *k, const char *v,
    unsigned line)
{
	const struct key_words	*w = k->post;

	if (strcmp(v, w->off) == 0)
		c->opts->flags &= ~w->flag;
	else if (strcmp(v, w->on) == 0)
		c->opts->flags |= w->flag;
	else {
		diag_error(c->diag, line, "%s must be %s or %s, not '%s'",
		    k->name, w->off, w->on, v);
		return -1;
	}
	return 0;
}

/* cache: the Cache-Control value, as it is sent. */
static int
key_cache(struct key_ctx *c, const struct key_def *k, const char *v,
    unsigned line)
{
	if (*v == '\0' || values_field(v) != 0) {
		diag_error(c->diag, line, "cache: a Cache-Control value of "
		    "printable text is needed");
		return -1;
	}
	if (header_line_long(c->diag, line, k->name,
	    strlen("Cache-Control: ") + strlen(v)))
		return -1;
	c->opts->cache = v;
	return 0;
}

/* host: the host patterns a request must match one of. */
static int
key_host(struct key_ctx *c, const struct key_def *k, const char *v,
    unsigned line)
{
	return key_words(c, v, &c->opts->hosts, &c->opts->nhosts,
	    values_host_pattern, 1, line, k->name);
}

/* methods: the request methods a rule answers. */
static int
key_methods(struct key_ctx *c, const struct key_def *k, const char *v,
    unsigned line)
{
	(void)k;
	return key_words(c, v, &c->opts->methods, &c->opts->nmethods,
	    values_token, 0, line, "method");
}

/*
 * params: the query parameters a request must have, "name=value" or
 * "name" (there, with any value), separated by blanks (query.c).
 */
static int
key_params(struct key_ctx *c, const struct key_def *k, const char *v,
    unsigned line)
{
	const char	*why;
	char		*canon;
	size_t		 n = strlen(v);
	int		 rc = 0;

	if ((canon = malloc(4 * n + 8)) == NULL)
		rc = -2;
	else if (query_rule(v, n, ' ', canon, &why) != 0) {
		diag_error(c->diag, line, "%s: %s", k->name, why);
		rc = -1;
	} else if ((c->opts->params = arena_strndup(c->arena, canon,
	    strlen(canon))) == NULL)
		rc = -2;
	free(canon);
	return rc;
}

/* scheme: http or https. */
static int
key_scheme(struct key_ctx *c, const struct key_def *k, const char *v,
    unsigned line)
{
	(void)k;
	if (strcmp(v, "http") == 0)
		c->opts->scheme = SCHEME_HTTP;
	else if (strcmp(v, "https") == 0)
		c->opts->scheme = SCHEME_HTTPS;
	else {
		diag_error(c->diag, line, "scheme must be http or https, not "
		    "'%s'", v);
		return -1;
	}
	return 0;
}

/* from, until: an RFC 3339 time into *t, and *has set. */
static int
key_time(struct key_ctx *c, const struct key_def *k, const char *v,
    unsigned line, time_t *t, int *has)
{
	if (values_time(v, t) != 0) {
		diag_error(c->diag, line, "%s: '%s' is not an RFC 3339 time "
		    "such as 2026-12-24T00:00:00Z", k->name, v);
		return -1;
	}
	*has = 1;
	return 0;
}

static int
key_from(struct key_ctx *c, const struct key_def *k, const char *v,
    unsigned line)
{
	return key_time(c, k, v, line, &c->opts->from, &c->opts->has_from);
}

static int
key_until(struct key_ctx *c, const struct key_def *k, const char *v,
    unsigned line)
{
	return key_time(c, k, v, line, &c->opts->until, &c->opts->has_until);
}

/*
 * header: "Name: value", a header line sent with the redirect: a token for
 * a name (RFC 9110 §5.6.2), not one of those fcgi-redirect sends itself,
 * and a value that is not empty and has no control bytes (RFC 9110 §5.5).
 * The line is added to the section's own, c->headers (malloc'd, the
 * builder's to free).
 */
static int
key_header(struct key_ctx *c, const struct key_def *k, const char *v,
    unsigned line)
{
	static const char *const own[] = { "Status", "Location",
	    "Content-Type", "Content-Length", "Cache-Control" };
	const char	*colon = strchr(v, ':'), *fv, **nh;
	size_t		 i, n;

	n = colon != NULL ? (size_t)(colon - v) : 0;
	if (colon == NULL || values_token(v, n) != 0) {
		diag_error(c->diag, line, "header: expected 'Name: value' "
		    "with a valid header name");
		return -1;
	}
	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (strlen(own[i]) == n && strncasecmp(v, own[i], n) == 0) {
			diag_error(c->diag, line, "header: %.*s is set by "
			    "fcgi-redirect itself%s", (int)n, v,
			    strcmp(own[i], "Cache-Control") == 0 ?
			    " (use cache =)" : "");
			return -1;
		}
	for (fv = colon + 1; *fv == ' ' || *fv == '\t'; fv++)
		continue;
	if (*fv == '\0' || values_field(fv) != 0) {
		diag_error(c->diag, line, "header: the value is empty or has "
		    "control characters");
		return -1;
	}
	if (header_line_long(c->diag, line, k->name, strlen(v)))
		return -1;
	nh = realloc(c->headers, (c->nheaders + 1) * sizeof(*nh));
	if (nh == NULL)
		return -2;
	c->headers = nh;
	c->headers[c->nheaders++] = v;
	return 0;
}

static const struct key_words
    query_words = { "keep", "drop", OPT_QUERY_DROP },
    case_words = { "exact", "ignore", OPT_CASE_IGNORE },
    slash_words = { "exact", "either", OPT_SLASH_EITHER },
    other_params_words = { "allow", "refuse", OPT_PARAMS_ONLY };

/* Where a key is allowed. */
#define EVERYWHERE	(KEY_IN_DEFAULTS | KEY_IN_RULE | KEY_IN_MAP)
#define RULES_MAPS	(KEY_IN_RULE | KEY_IN_MAP)

/*
 * Every key: name, sections, repeats, parser, the parser's data.  The
 * options any section sets, then the conditions of rules and maps, then
 * [defaults]' own and a rule's own, which are checked when their section
 * is complete (rules.c).
 */
const struct key_def keys_table[KEY_N] = {
	[KEY_STATUS]	= { "status",	EVERYWHERE, 0, key_status, NULL },
	[KEY_QUERY]	= { "query",	EVERYWHERE, 0, key_flag, &query_words },
	[KEY_CASE]	= { "case",	EVERYWHERE, 0, key_flag, &case_words },
	[KEY_SLASH]	= { "slash",	EVERYWHERE, 0, key_flag, &slash_words },
	[KEY_OTHER_PARAMS] = { "other-params", EVERYWHERE, 0, key_flag,
			    &other_params_words },
	[KEY_CACHE]	= { "cache",	EVERYWHERE, 0, key_cache, NULL },
	[KEY_HEADER]	= { "header",	EVERYWHERE, 1, key_header, NULL },
	[KEY_HOST]	= { "host",	RULES_MAPS, 0, key_host, NULL },
	[KEY_METHODS]	= { "methods",	RULES_MAPS, 0, key_methods, NULL },
	[KEY_SCHEME]	= { "scheme",	RULES_MAPS, 0, key_scheme, NULL },
	[KEY_FROM]	= { "from",	RULES_MAPS, 0, key_from, NULL },
	[KEY_UNTIL]	= { "until",	RULES_MAPS, 0, key_until, NULL },
	[KEY_PARAMS]	= { "params",	RULES_MAPS, 0, key_params, NULL },
	[KEY_FALLBACK]	= { "fallback",	KEY_IN_DEFAULTS, 0, NULL, NULL },
	[KEY_BASE]	= { "base",	KEY_IN_DEFAULTS, 0, NULL, NULL },
	[KEY_STATS]	= { "stats",	KEY_IN_DEFAULTS, 0, NULL, NULL },
	[KEY_PATH]	= { "path",	KEY_IN_RULE, 0, NULL, NULL },
	[KEY_PREFIX]	= { "prefix",	KEY_IN_RULE, 0, NULL, NULL },
	[KEY_REGEX]	= { "regex",	KEY_IN_RULE, 0, NULL, NULL },
	[KEY_TO]	= { "to",	KEY_IN_RULE, 0, NULL, NULL },
};

/* The key called `name`, or KEY_N when there is none. */
enum key_id
keys_lookup(const char *name)
{
	enum key_id	 k;

	for (k = 0; k < KEY_N; k++)
		if (strcmp(name, keys_table[k].name) == 0)
			return k;
	return KEY_N;
}

/* The KEY_BIT()s of the keys allowed in any of the sections `where`. */
unsigned
keys_allowed(unsigned where)
{
	enum key_id	 k;
	unsigned	 bits = 0;

	for (k = 0; k < KEY_N; k++)
		if (keys_table[k].where & where)
			bits |= KEY_BIT(k);
	return bits;
}
