/*
 * netlify.c: --import netlify, a Netlify _redirects file.
 *
 * A line is "from [name=value ...] to [status[!]] [conditions]", fields
 * separated by blanks, as Netlify's own parser reads it (netlify/build,
 * packages/redirect-parser/src/line_parser.js): the line is trimmed, a
 * line or a field starting with '#' starts a comment, `to` is the first
 * field after `from` that starts with '/', "http://" or "https://", the
 * fields between are query conditions, and a status followed by fields of
 * conditions ends it.  The first rule that matches wins, in file order.
 *
 * How each becomes a rule (docs.netlify.com, "Redirects and rewrites" and
 * "Redirect options"):
 *   - an exact from path is a [map] entry; its query conditions go in the
 *     key (/store?id=42); the entries of a run of lines with the same
 *     status and host share one map, written before the next rule that
 *     could match one of their paths (nf_map_flush()), so that every line
 *     keeps its place in the first-match order;
 *   - "/a/\*" with a target ending in "/:splat" is a prefix rule (which
 *     matches /a, /a/ and /a/..., as Netlify's splat does, and appends the
 *     rest as :splat did); any other splat or :placeholder is a regex whose
 *     groups are $1..$9 in the target, a placeholder one segment, a splat
 *     the rest of the path;
 *   - name=:placeholder asks for the parameter with any value, and the
 *     placeholder in the target is ${param:name}; name=value asks for
 *     that value;
 *   - "https://host/path" in from sets host and scheme;
 *   - a trailing slash is optional (slash = either on maps, "/?" at the
 *     end of a regex): Netlify normalizes it before its rules see the
 *     path, so /a and /a/ match each other ("Trailing slash");
 *   - case = exact ("Paths are case-sensitive"), query = keep (Netlify
 *     passes the request's query on to the target).
 * Reported, not imported: statuses other than 301, 302 and 303 (200
 * rewrites and proxies, 404 custom pages; Netlify renders the target with
 * any status but those three), conditions (Country, Language, Role,
 * Cookie, Sign), what Netlify does not document the meaning of (a bare
 * query name, a ':' inside a segment, a '*' before the end), a rule that
 * would redirect its own target again (--check refuses the file), and
 * every line that does not parse.  Said once a file (import_note()): a
 * rule without '!' is shadowed on Netlify by an existing file, and the
 * parameters a rule matched on are not passed on.
 *
 * XXX A loop through two or more lines (/a -> /b, /b -> /a) is left to
 * --check, which refuses it: finding it here would hold every rule in
 * memory.  Netlify loops on it too when the rules are forced.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "fcgi-redirect.h"

#define NF_PARAMS_MAX	32	/* as a rule of the rule file */
#define NF_NAMES_MAX	(CAPTURES_MAX + NF_PARAMS_MAX)
#define NF_OUT_MAX	(LINE_MAX_LEN * 2)
/*
 * The from URL hosts remembered for the self-redirect check, which scans
 * them for each line: a real file names a few.  XXX Past this many, a
 * target to a host first named after them is not followed, and --check,
 * which follows it, may find a self-redirect this check let through.
 */
#define NF_HOSTS_MAX	1024

/* Notes said once for each source file. */
#define NF_NOTED_SHADOW	0x01
#define NF_NOTED_PARAMS	0x02
#define NF_NOTED_BLOCKS	0x04

/* A field of the line: s[0..n), not NUL-terminated. */
struct nf_tok {
	const char	*s;
	size_t		 n;
};

/* A name that the target may use: a placeholder, the splat, a parameter. */
struct nf_name {
	struct nf_tok	 name;		/* without the ':' */
	int		 group;		/* its $N, or 0 for a parameter */
	struct nf_tok	 param;		/* the parameter it stands for */
};

/* One line, parsed. */
struct nf_line {
	unsigned	 line;
	struct nf_tok	 from, to;
	char		 scheme[6];	/* "http", "https" or "" */
	char		 host[HOST_MAX + 1];
	struct nf_tok	 path;		/* of from */
	int		 status;
	int		 force;
	struct nf_name	 names[NF_NAMES_MAX + 1];
	size_t		 nnames;
	int		 ngroups;
	int		 splat;		/* its group, or 0 */
	int		 placeholders;	/* segments that are placeholders */
	size_t		 nparams;
	int		 blocks;	/* not imported, yet a rule on Netlify
					   that answers first: 1, or 2 when
					   only under conditions */
	char		 query[NF_OUT_MAX];	/* "a=1&b", the conditions;
						   last: not cleared whole */
};

/*
 * A line that is not imported (a 200 rewrite, a proxy, a custom 404, a
 * condition on the country...) but is a rule on Netlify: the requests it
 * matches are answered there, and never reach the lines after it.
 */
struct nf_block {
	unsigned	 line;
	pcre2_code	*re;		/* its from path, as the regex of a rule */
	char		 host[HOST_MAX + 1];	/* or "" */
	int		 partial;	/* only with parameters or conditions */
	char		 what[64];	/* what it is ("a rewrite (status 200)") */
};
#define NF_BLOCKS_MAX	256

/* What one source file's import carries from line to line. */
struct nf_state {
	struct import_src *src;
	int		 map;		/* its map, or -1 */
	int		 map_status;
	char		 map_host[HOST_MAX + 1];
	char		 map_scheme[6];
	unsigned	 noted;
	char		**hosts;	/* the hosts of from URLs so far */
	size_t		 nhosts;
	struct nf_block	 blocks[NF_BLOCKS_MAX];
	size_t		 nblocks;
	/* The least and the greatest path among the map's waiting entries. */
	char		 key_min[NF_OUT_MAX], key_max[NF_OUT_MAX];
};

/* Is c a character of a JavaScript \w, which Netlify's names are made of? */
static int
nf_word(unsigned char c)
{
	return isalnum(c) || c == '_';
}

/* Blanks that separate fields (JavaScript's \s, its ASCII part). */
static int
nf_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

/*
 * The next field of *pp (up to end) into t, *pp past it.  Returns 0 at the
 * end of the line or at a field that starts with '#' (a comment).
 */
static int
nf_field(const char **pp, const char *end, struct nf_tok *t)
{
	const char	*p = *pp;

	while (p < end && nf_blank((unsigned char)*p))
		p++;
	if (p == end || *p == '#')
		return 0;
	t->s = p;
	while (p < end && !nf_blank((unsigned char)*p))
		p++;
	t->n = (size_t)(p - t->s);
	*pp = p;
	return 1;
}

/* Does t start with the NUL-terminated s? */
static int
nf_starts(const struct nf_tok *t, const char *s)
{
	size_t	 n = strlen(s);

	return t->n >= n && memcmp(t->s, s, n) == 0;
}

/* Is t a URL as Netlify's parser knows them (url.js: isUrl)? */
static int
nf_is_url(const struct nf_tok *t)
{
	return nf_starts(t, "http://") || nf_starts(t, "https://");
}

/*
 * Parse t as a status: digits and an optional '!'.  Sets l->status and
 * l->force; returns 0, or -1 when t is something else.
 */
static int
nf_status(const struct nf_tok *t, struct nf_line *l)
{
	char	 num[4], *end;
	size_t	 n = t->n;
	long	 v;

	if (n > 0 && t->s[n - 1] == '!') {
		l->force = 1;
		n--;
	}
	/* Three digits: strtol() would also take blanks and a sign. */
	if (n != 3 || !isdigit((unsigned char)t->s[0]))
		return -1;
	memcpy(num, t->s, n);
	num[n] = '\0';
	v = strtol(num, &end, 10);
	if (*end != '\0' || v < 100 || v > 999)
		return -1;
	l->status = (int)v;
	return 0;
}

/* The name n of the line, or NULL. */
static const struct nf_name *
nf_lookup(const struct nf_line *l, const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < l->nnames; i++)
		if (l->names[i].name.n == n &&
		    memcmp(l->names[i].name.s, s, n) == 0)
			return &l->names[i];
	return NULL;
}

/*
 * Add a name to the line: a placeholder (group > 0) or a parameter's.
 * Returns 0, or -1 with *why.
 */
static int
nf_add_name(struct nf_line *l, const char *s, size_t n, int group,
    const struct nf_tok *param, const char **why)
{
	struct nf_name	*nm;

	if (nf_lookup(l, s, n) != NULL) {
		*why = "a placeholder named twice in the line";
		return -1;
	}
	if (l->nnames >= NF_NAMES_MAX) {
		*why = "more placeholders than a rule holds";
		return -1;
	}
	nm = &l->names[l->nnames++];
	nm->name.s = s;
	nm->name.n = n;
	nm->group = group;
	if (param != NULL)
		nm->param = *param;
	return 0;
}

/*
 * Is s[0..n) a placeholder, ':' and a name of JavaScript \w characters?
 */
static int
nf_is_placeholder(const char *s, size_t n)
{
	size_t	 i;

	if (n < 2 || s[0] != ':')
		return 0;
	for (i = 1; i < n; i++)
		if (!nf_word((unsigned char)s[i]))
			return 0;
	return 1;
}

/*
 * One query condition, "name=value" or "name=:placeholder", added to
 * l->query (joined with '&') and, for a placeholder, to the names.
 * Returns 0, or -1 with *why.
 */
static int
nf_param(struct nf_line *l, const struct nf_tok *t, const char **why)
{
	struct buf	 b;
	const char	*eq = memchr(t->s, '=', t->n);
	struct nf_tok	 name, value;
	size_t		 i, k;

	if (eq == NULL) {
		/* line_parser.js makes it a name without a value. */
		*why = "a query condition without '=' (Netlify's matching of "
		    "a bare name is not documented)";
		return -1;
	}
	name.s = t->s;
	name.n = (size_t)(eq - t->s);
	value.s = eq + 1;
	value.n = t->n - name.n - 1;
	if (name.n == 0) {
		*why = "a query condition without a name";
		return -1;
	}
	if (value.n == 0) {
		*why = "a query condition with an empty value (Netlify's "
		    "matching of it is not documented)";
		return -1;
	}
	if (memchr(value.s, '=', value.n) != NULL) {
		/* line_parser.js drops what follows a second '='. */
		*why = "a query condition with a second '='";
		return -1;
	}
	for (i = 0; i < t->n; i++)
		if (strchr("&#}$", t->s[i]) != NULL) {
			*why = "a query condition holding '&', '#', '}' or '$'";
			return -1;
		}
	/* Object.assign() keeps the last value of a name given twice. */
	for (k = 0, i = 0; k < l->nparams; k++) {
		size_t	 n = strcspn(l->query + i, "=&");

		if (n == name.n && memcmp(l->query + i, name.s, n) == 0) {
			*why = "a query parameter named twice";
			return -1;
		}
		i += strcspn(l->query + i, "&") + 1;
	}
	if (l->nparams >= NF_PARAMS_MAX) {
		*why = "more than 32 query conditions";
		return -1;
	}
	buf_init(&b, l->query + strlen(l->query),
	    sizeof(l->query) - strlen(l->query));
	if (l->nparams > 0)
		buf_addc(&b, '&');
	buf_add(&b, name.s, name.n);
	if (nf_is_placeholder(value.s, value.n)) {
		if (nf_add_name(l, value.s + 1, value.n - 1, 0, &name,
		    why) != 0)
			return -1;
	} else {
		buf_addc(&b, '=');
		buf_add(&b, value.s, value.n);
	}
	if (b.overflow) {
		*why = "the query conditions are too long";
		return -1;
	}
	l->nparams++;
	return 0;
}

/* Is h[0..n) a host name, and one that a rule's host = takes? */
static int
nf_host_name(const char *h, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)h[i]) && h[i] != '-' &&
		    h[i] != '.')
			return 0;
	return values_host_pattern(h, n) == 0;
}

/*
 * Split from into scheme, host and path ("http://host/path" or a path).
 * Returns 0, or -1 with *why.
 */
static int
nf_from(struct nf_line *l, const char **why)
{
	const struct nf_tok *f = &l->from;
	const char	*h, *end = f->s + f->n, *slash;
	size_t		 n;

	l->path = *f;
	if (nf_is_url(f)) {
		h = (const char *)memchr(f->s, ':', f->n) + 3;
		snprintf(l->scheme, sizeof(l->scheme), "%.*s",
		    (int)(h - 3 - f->s), f->s);
		slash = memchr(h, '/', (size_t)(end - h));
		if (slash == NULL)
			slash = end;
		if ((n = (size_t)(slash - h)) == 0) {
			*why = "a from URL without a host";
			return -1;
		}
		if (n >= sizeof(l->host) || !nf_host_name(h, n)) {
			*why = "a from URL whose host is not a plain name "
			    "(letters, digits, '-' and '.': no port, user "
			    "information or pattern)";
			return -1;
		}
		memcpy(l->host, h, n);
		l->host[n] = '\0';
		/* new URL() gives "/" for "https://host". */
		l->path.s = slash == end ? "/" : slash;
		l->path.n = slash == end ? 1 : (size_t)(end - slash);
	} else if (f->n == 0 || f->s[0] != '/') {
		*why = "a from that is neither a /path nor an http:// or "
		    "https:// URL";
		return -1;
	}
	if (nf_starts(&l->path, "/.netlify")) {
		*why = "a path under /.netlify (Netlify refuses it)";
		return -1;
	}
	if (memchr(l->path.s, '?', l->path.n) != NULL ||
	    memchr(l->path.s, '#', l->path.n) != NULL) {
		*why = "a '?' or '#' in the from path (Netlify matches the "
		    "path alone; query conditions are name=value fields)";
		return -1;
	}
	return 0;
}

/* Append the normalized path's bytes to a regex, metacharacters escaped. */
static void
nf_regex_literal(struct buf *b, const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (strchr("\\^$.|?*+()[]{}", s[i]) != NULL)
			buf_addc(b, '\\');
		buf_addc(b, s[i]);
	}
}

/*
 * Make the from path into either the normalized exact path (without its
 * trailing slash) in path, or a regex in re (*is_regex set), numbering the
 * placeholders' and the splat's groups in l.  lit gets the literal part
 * before the splat, for a prefix rule.  Returns 0, or -1 with *why.
 */
static int
nf_pattern(struct nf_line *l, struct buf *path, struct buf *re,
    struct buf *lit, const char **why)
{
	char		 norm[LINE_MAX_LEN], seg[LINE_MAX_LEN];
	const char	*p = l->path.s + 1, *end = l->path.s + l->path.n, *e;
	size_t		 n;
	int		 rc;

	buf_adds(re, "^");
	while (p <= end) {
		e = memchr(p, '/', (size_t)(end - p));
		if (e == NULL)
			e = end;
		n = (size_t)(e - p);
		if (n == 0 && e == end) {
			/* A trailing slash: optional, as Netlify has it. */
			break;
		}
		if (n == 1 && *p == '*' && e == end) {
			l->splat = ++l->ngroups;
			if (nf_add_name(l, "splat", 5, l->splat, NULL,
			    why) != 0)
				return -1;
			buf_adds(re, re->len == 1 ? "/(.*)" : "(?:/(.*))?");
			break;
		}
		if (memchr(p, '*', n) != NULL) {
			*why = "a '*' that is not the whole last segment (a "
			    "splat is \"/*\" at the end)";
			return -1;
		}
		if (nf_is_placeholder(p, n)) {
			l->placeholders++;
			if (nf_add_name(l, p + 1, n - 1, ++l->ngroups, NULL,
			    why) != 0)
				return -1;
			buf_adds(re, "/([^/]+)");
		} else {
			const char	*c = memchr(p, ':', n);

			if (c != NULL && c + 1 < e &&
			    nf_word((unsigned char)c[1])) {
				*why = "a ':' and a name inside a segment "
				    "(a placeholder or literal text: Netlify "
				    "does not document which)";
				return -1;
			}
			if ((n == 1 && *p == '.') ||
			    (n == 2 && p[0] == '.' && p[1] == '.')) {
				*why = "a '.' or '..' segment in the from path";
				return -1;
			}
			if (n + 1 >= sizeof(seg)) {
				*why = "the from path is too long";
				return -1;
			}
			seg[0] = '/';
			memcpy(seg + 1, p, n);
			rc = url_normalize_path(seg, n + 1, norm, sizeof(norm));
			if (rc < 0) {
				*why = rc == URL_TOO_LONG ? "the from path is "
				    "too long" : "a malformed percent-escape "
				    "(or %00) in the from path";
				return -1;
			}
			nf_regex_literal(re, norm, (size_t)rc);
			buf_add(path, norm, (size_t)rc);
			if (l->ngroups == 0)
				buf_add(lit, norm, (size_t)rc);
		}
		p = e + 1;
	}
	if (l->ngroups > CAPTURES_MAX) {
		*why = "more than 9 placeholders and splats (a target has "
		    "$1..$9)";
		return -1;
	}
	if (!l->splat)
		buf_adds(re, "/?");
	buf_adds(re, "$");
	if (path->len == 0)
		buf_addc(path, '/');
	if (lit->len == 0)
		buf_addc(lit, '/');
	if (path->overflow || re->overflow || lit->overflow) {
		*why = "the from path is too long";
		return -1;
	}
	return 0;
}

/*
 * Write l->to into out as a target of the rule file: :name replaced by
 * the line's $N or ${param:name}, everything else literal.  Counts in
 * *used the names replaced, and sets *splat_last when the only one is the
 * splat, at the very end.  Returns 0, or -1 with *why.
 */
static int
nf_target(const struct nf_line *l, struct buf *out, int *used,
    int *splat_last, const char **why)
{
	const char	*p = l->to.s, *end = l->to.s + l->to.n, *lit = p, *q;
	const struct nf_name *nm;

	*used = 0;
	*splat_last = 0;
	while (p < end) {
		if (*p != ':' || p + 1 == end ||
		    !nf_word((unsigned char)p[1])) {
			p++;
			continue;
		}
		for (q = p + 1; q < end && nf_word((unsigned char)*q); q++)
			;
		if ((nm = nf_lookup(l, p + 1, (size_t)(q - p - 1))) == NULL) {
			p = q;
			continue;
		}
		import_literal(out, lit, (size_t)(p - lit));
		if (nm->group > 0)
			buf_printf(out, "$%d", nm->group);
		else {
			buf_adds(out, "${param:");
			buf_add(out, nm->param.s, nm->param.n);
			buf_addc(out, '}');
		}
		(*used)++;
		*splat_last = nm->group > 0 && nm->group == l->splat &&
		    q == end && *used == 1;
		lit = p = q;
	}
	import_literal(out, lit, (size_t)(end - lit));
	if (out->overflow) {
		*why = "the target is too long";
		return -1;
	}
	return 0;
}

/*
 * Is h[0..n) a host that the file's rules name (st->hosts), so that
 * --check follows a target there as a /path?
 */
static int
nf_own_host(const struct nf_state *st, const char *h, size_t n)
{
	size_t	 i;

	for (i = 0; i < st->nhosts; i++)
		if (strlen(st->hosts[i]) == n &&
		    strncasecmp(st->hosts[i], h, n) == 0)
			return 1;
	return 0;
}

/* Remember the host of a from URL (st->hosts); -1 when out of memory. */
static int
nf_add_host(struct nf_state *st, const char *h)
{
	char	**v;

	if (h[0] == '\0' || st->nhosts >= NF_HOSTS_MAX ||
	    nf_own_host(st, h, strlen(h)))
		return 0;
	if ((v = realloc(st->hosts, (st->nhosts + 1) * sizeof(*v))) == NULL)
		return -1;
	st->hosts = v;
	if ((v[st->nhosts] = strdup(h)) == NULL)
		return -1;
	st->nhosts++;
	return 0;
}

/*
 * The path part of the target t when the next request would come back to
 * this rule's site (a /path, or a URL to the rule's own host or, for a
 * rule without one, to a host the file's rules name), normalized into out
 * without a trailing slash; NULL otherwise, and when the target takes
 * anything from the request (then --check does not follow it).
 */
static const char *
nf_target_path(const struct nf_state *st, const struct nf_line *l,
    const char *t, char *out, size_t cap)
{
	const char	*h, *p;
	size_t		 n;
	int		 rc;

	if (strchr(t, '$') != NULL)
		return NULL;
	if (t[0] != '/') {
		if ((h = strstr(t, "://")) == NULL)
			return NULL;
		h += 3;
		n = strcspn(h, "/?#");
		if (l->host[0] != '\0' ? n != strlen(l->host) ||
		    strncasecmp(h, l->host, n) != 0 : !nf_own_host(st, h, n))
			return NULL;
		t = h[n] == '/' ? h + n : "/";
	}
	n = strcspn(t, "?#");
	if ((rc = url_normalize_path(t, n, out, cap)) < 0)
		return NULL;
	while (rc > 1 && out[rc - 1] == '/')
		out[--rc] = '\0';
	p = out;
	return p;
}

/*
 * Would the rule answer its own target again (--check's self-redirect,
 * an error)?  Netlify loops on such a rule too when it is forced; without
 * '!' it serves the file the target names instead.
 */
static int
nf_self_redirect(const struct nf_state *st, const struct nf_line *l,
    enum rule_kind kind, const char *match, const char *to)
{
	char		 tp[LINE_MAX_LEN];
	const char	*t;
	size_t		 n, off;
	pcre2_code	*re;
	pcre2_match_data *md;
	int		 err, rc;

	if (l->nparams > 0 ||
	    (t = nf_target_path(st, l, to, tp, sizeof(tp))) == NULL)
		return 0;
	if (kind == RULE_PATH)
		return strcmp(t, match) == 0;
	if (kind == RULE_PREFIX) {
		n = strlen(match);
		return strcmp(match, "/") == 0 || (strncmp(t, match, n) == 0 &&
		    (t[n] == '\0' || t[n] == '/'));
	}
	re = image_regex_compile(match, strlen(match), 0, &err, &off);
	if (re == NULL)
		return 0;
	rc = -1;
	if ((md = pcre2_match_data_create_from_pattern(re, NULL)) != NULL) {
		rc = pcre2_match(re, (PCRE2_SPTR)t, strlen(t), 0, 0, md, NULL);
		pcre2_match_data_free(md);
	}
	pcre2_code_free(re);
	return rc >= 0;
}

/*
 * Say once for each source what differs from Netlify for every rule of
 * a kind: shadowing, and the parameters a rule matched on.
 */
static void
nf_notes(struct nf_state *st, const struct nf_line *l)
{
	if (!l->force && !(st->noted & NF_NOTED_SHADOW)) {
		st->noted |= NF_NOTED_SHADOW;
		import_note(st->src, l->line, "a rule without '!' is shadowed "
		    "on Netlify by a file that exists at its path; "
		    "fcgi-redirect serves no files and always redirects "
		    "(said once for this file)");
	}
	if (l->nparams > 0 && !(st->noted & NF_NOTED_PARAMS)) {
		st->noted |= NF_NOTED_PARAMS;
		import_note(st->src, l->line, "the query parameters a rule "
		    "matched on are left out of the query passed on, which "
		    "Netlify passes on whole (said once for this file)");
	}
}

/*
 * Write the map's waiting entries now, when the rule about to be written
 * (whose paths all start with lit) could match a path of one of them:
 * then the rule must come after them, as it does in the source.  When no
 * waiting entry's path starts with lit, the two match no request in
 * common, and the rule may stand before them: no answer changes (a path
 * matched by an entry is its key, or the key and a '/', and all keys lie
 * between key_min and key_max).  NULL lit: write them in any case.
 */
static void
nf_map_flush(struct nf_state *st, const char *lit)
{
	size_t	 n;

	if (st->map < 0 || emit_map_size(st->src->imp, st->map) == 0)
		return;
	if (lit != NULL) {
		n = strlen(lit);
		if (n > 1 && lit[n - 1] == '/')
			n--;
		/* The keys that start with lit[0..n) are an interval. */
		if (strncmp(st->key_max, lit, n) < 0 ||
		    (strncmp(st->key_min, lit, n) > 0))
			return;
	}
	emit_map_flush(st->src->imp, st->map);
}

/* Count path (a key's path) among the map's waiting entries' range. */
static void
nf_map_range(struct nf_state *st, const char *path)
{
	if (emit_map_size(st->src->imp, st->map) == 0) {
		snprintf(st->key_min, sizeof(st->key_min), "%s", path);
		snprintf(st->key_max, sizeof(st->key_max), "%s", path);
		return;
	}
	if (strcmp(path, st->key_min) < 0)
		snprintf(st->key_min, sizeof(st->key_min), "%s", path);
	if (strcmp(path, st->key_max) > 0)
		snprintf(st->key_max, sizeof(st->key_max), "%s", path);
}

/*
 * Add an exact path (key with its query) to the map for the line's
 * status and host, flushing the map first when they change.
 */
static void
nf_map_entry(struct nf_state *st, const struct nf_line *l, const char *path,
    const char *key, const char *to)
{
	struct import	*imp = st->src->imp;
	struct emit_opts o;

	memset(&o, 0, sizeof(o));
	o.status = l->status;
	o.flags = OPT_SLASH_EITHER;
	o.hosts = l->host[0] != '\0' ? l->host : NULL;
	o.scheme = l->scheme[0] != '\0' ? l->scheme : NULL;
	if (st->map < 0) {
		if ((st->map = emit_map_open(imp, st->src->base,
		    &o)) < 0) {
			import_skip(st->src, l->line, "out of memory");
			return;
		}
	} else if (st->map_status != l->status ||
	    strcmp(st->map_host, l->host) != 0 ||
	    strcmp(st->map_scheme, l->scheme) != 0) {
		emit_map_flush(imp, st->map);
		emit_map_opts(imp, st->map, &o);
	}
	st->map_status = l->status;
	memcpy(st->map_host, l->host, sizeof(st->map_host));
	memcpy(st->map_scheme, l->scheme, sizeof(st->map_scheme));
	nf_map_range(st, path);
	if (emit_map_entry(st->src, l->line, st->map, key, to) == 0)
		nf_notes(st, l);
}

/*
 * Parse the fields after from: the query conditions, to, the status and
 * the conditions.  Returns 0, or -1 with *why.
 */
static int
nf_fields(struct nf_line *l, const char *p, const char *end,
    const char **why)
{
	struct nf_tok	 t;
	int		 first = 1;

	for (;;) {
		if (!nf_field(&p, end, &t)) {
			*why = first ? "no destination after the from path" :
			    "no destination (a field starting with '/', "
			    "\"http://\" or \"https://\")";
			return -1;
		}
		if (first && (isdigit((unsigned char)t.s[0]) ||
		    ((t.s[0] == '-' || t.s[0] == '+') && t.n > 1 &&
		    isdigit((unsigned char)t.s[1])))) {
			/* parseInt() takes it: a forward rule, "from 200". */
			*why = "a status where the destination should be (a "
			    "rewrite of the path to itself on Netlify)";
			return -1;
		}
		first = 0;
		if (t.s[0] == '/' || nf_is_url(&t))
			break;
		if (nf_param(l, &t, why) != 0)
			return -1;
	}
	l->to = t;
	l->status = 301;
	if (nf_field(&p, end, &t) && nf_status(&t, l) != 0) {
		*why = "a status that is not a number of three digits (with "
		    "an optional '!')";
		return -1;
	}
	l->blocks = 1;
	if (nf_field(&p, end, &t)) {
		l->blocks = 2;
		*why = "a condition (Country, Language, Role, Cookie, Sign): "
		    "fcgi-redirect does not know the visitor's country, "
		    "language, role or cookies";
		return -1;
	}
	if (l->status == 200) {
		*why = nf_is_url(&l->to) ? "a proxy (status 200 to another "
		    "site): fcgi-redirect only redirects" : "a rewrite "
		    "(status 200): fcgi-redirect only redirects";
		return -1;
	}
	if (l->status == 404 || l->status == 410) {
		*why = "a custom error page (status 404 or 410): "
		    "fcgi-redirect only redirects";
		return -1;
	}
	if (l->status != 301 && l->status != 302 && l->status != 303) {
		*why = "a status that Netlify does not redirect with (only "
		    "301, 302 and 303; it serves the target with any other)";
		return -1;
	}
	l->blocks = 0;
	return 0;
}

/*
 * Remember line l, not imported for why, as a rule that Netlify runs
 * before the lines after it; re is its from path as a rule's regex.
 */
static void
nf_block_add(struct nf_state *st, const struct nf_line *l, const char *re,
    const char *why)
{
	struct nf_block	*b;
	size_t		 off;
	int		 err;

	if (st->nblocks == NF_BLOCKS_MAX) {
		if (!(st->noted & NF_NOTED_BLOCKS)) {
			st->noted |= NF_NOTED_BLOCKS;
			import_note(st->src, l->line, "more than %d lines "
			    "that are not imported but answer on Netlify: "
			    "the lines after them are not checked against "
			    "this one and those after it", NF_BLOCKS_MAX);
		}
		return;
	}
	b = &st->blocks[st->nblocks];
	if ((b->re = image_regex_compile(re, strlen(re), 0, &err,
	    &off)) == NULL)
		return;
	b->line = l->line;
	memcpy(b->host, l->host, sizeof(b->host));
	b->partial = l->blocks == 2 || l->nparams > 0;
	/* The reason's first part names the kind of rule. */
	snprintf(b->what, sizeof(b->what), "%.*s", (int)strcspn(why, ":"),
	    why);
	st->nblocks++;
}

/*
 * The first line not imported that Netlify runs before line l and that
 * takes a request for path (l's exact path, or the literal start of its
 * pattern), or NULL.  *whole is set when it takes every such request of
 * l's (no parameters or conditions of its own, the same or any host).
 */
static const struct nf_block *
nf_blocked(const struct nf_state *st, const struct nf_line *l,
    const char *path, int *whole)
{
	const struct nf_block	*b;
	pcre2_match_data	*md;
	size_t			 i;
	int			 rc;

	for (i = 0; i < st->nblocks; i++) {
		b = &st->blocks[i];
		if (b->host[0] != '\0' && l->host[0] != '\0' &&
		    strcasecmp(b->host, l->host) != 0)
			continue;
		if ((md = pcre2_match_data_create_from_pattern(b->re,
		    NULL)) == NULL)
			continue;
		rc = pcre2_match(b->re, (PCRE2_SPTR)path, strlen(path), 0, 0,
		    md, NULL);
		pcre2_match_data_free(md);
		if (rc < 0)
			continue;
		*whole = !b->partial && (b->host[0] == '\0' ||
		    l->host[0] != '\0');
		return b;
	}
	return NULL;
}

/* Import one line that is not blank or a comment. */
static void
nf_line(struct nf_state *st, const char *text, size_t len)
{
	static struct nf_line l;
	static char	 pathm[NF_OUT_MAX], rem[NF_OUT_MAX], litm[NF_OUT_MAX];
	static char	 tom[NF_OUT_MAX], keym[NF_OUT_MAX];
	struct buf	 path, re, lit, to, key;
	struct emit_rule r;
	const char	*p = text, *end = text + len, *why = NULL, *ignored;
	const struct nf_block *b;
	int		 used, splat_last, whole;

	memset(&l, 0, offsetof(struct nf_line, query));
	l.query[0] = '\0';
	l.line = st->src->line;
	if (!nf_field(&p, end, &l.from))
		return;
	buf_init(&path, pathm, sizeof(pathm));
	buf_init(&re, rem, sizeof(rem));
	buf_init(&lit, litm, sizeof(litm));
	buf_init(&to, tom, sizeof(tom));
	if (nf_from(&l, &why) != 0 || nf_fields(&l, p, end, &why) != 0) {
		/* A rule on Netlify all the same: it answers first. */
		if (l.blocks && nf_pattern(&l, &path, &re, &lit, &ignored) == 0)
			nf_block_add(st, &l, re.data, why);
		import_skip(st->src, l.line, "%s", why);
		return;
	}
	if (nf_pattern(&l, &path, &re, &lit, &why) != 0 ||
	    nf_target(&l, &to, &used, &splat_last, &why) != 0) {
		import_skip(st->src, l.line, "%s", why);
		return;
	}
	if ((b = nf_blocked(st, &l, l.ngroups == 0 ? path.data : lit.data,
	    &whole)) != NULL) {
		if (l.ngroups == 0 && whole) {
			import_skip(st->src, l.line, "never reached on Netlify: "
			    "line %u (%s, not imported) answers its requests "
			    "first", b->line, b->what);
			return;
		}
		import_note(st->src, l.line, "on Netlify, line %u (%s, not "
		    "imported) answers some of this rule's requests first; "
		    "here this rule answers them", b->line, b->what);
	}
	if (nf_add_host(st, l.host) != 0) {
		import_skip(st->src, l.line, "out of memory");
		st->src->imp->failed = 1;
		return;
	}
	memset(&r, 0, sizeof(r));
	r.opts.status = l.status;
	/* slash = either is for exact paths: the regex ends in "/?", a
	   prefix matches both. */
	r.opts.hosts = l.host[0] != '\0' ? l.host : NULL;
	r.opts.scheme = l.scheme[0] != '\0' ? l.scheme : NULL;
	r.to = to.data;
	if (l.ngroups == 0) {
		buf_init(&key, keym, sizeof(keym));
		buf_adds(&key, path.data);
		if (l.nparams > 0)
			buf_printf(&key, "?%s", l.query);
		if (key.overflow) {
			import_skip(st->src, l.line, "the from path is too "
			    "long");
			return;
		}
		if (nf_self_redirect(st, &l, RULE_PATH, path.data, to.data)) {
			import_skip(st->src, l.line, "the target is the path "
			    "itself (Netlify ignores a trailing slash): a "
			    "redirect loop");
			return;
		}
		nf_map_entry(st, &l, path.data, key.data, to.data);
		return;
	}
	if (l.splat && l.placeholders == 0 && l.nparams == 0 && splat_last &&
	    to.len >= 3 && to.data[to.len - 3] == '/' &&
	    strchr(to.data, '?') == NULL && strchr(to.data, '#') == NULL) {
		/* "/a/\* /b/:splat": a prefix, which appends the rest. */
		to.data[to.len - 2] = '\0';
		r.kind = RULE_PREFIX;
		r.match = lit.data;
	} else {
		r.kind = RULE_REGEX;
		r.match = re.data;
		if (l.nparams > 0)
			r.opts.params = l.query;
	}
	if (nf_self_redirect(st, &l, r.kind, r.match, r.to)) {
		import_skip(st->src, l.line, "the target matches the rule's "
		    "own from: a redirect loop (Netlify, without '!', would "
		    "serve the file there instead)");
		return;
	}
	if (l.nparams > 0 && r.kind == RULE_REGEX) {
		/* params = takes blank-separated conditions. */
		char	*c;

		for (c = l.query; (c = strchr(c, '&')) != NULL; c++)
			*c = ' ';
	}
	nf_map_flush(st, lit.data);
	if (emit_rule(st->src, l.line, text, &r) == 0)
		nf_notes(st, &l);
}

/*
 * Import one _redirects file: every line a rule, a map entry, a comment or
 * a blank, or reported.
 */
void
netlify_import(struct import_src *src)
{
	static struct nf_state st;
	char		*line;
	size_t		 len;
	size_t		 i;

	memset(&st, 0, offsetof(struct nf_state, key_min));
	st.src = src;
	st.map = -1;
	while (import_getline(src, &line, &len) > 0)
		nf_line(&st, line, len);
	nf_map_flush(&st, NULL);
	for (i = 0; i < st.nhosts; i++)
		free(st.hosts[i]);
	free(st.hosts);
	for (i = 0; i < st.nblocks; i++)
		pcre2_code_free(st.blocks[i].re);
}
