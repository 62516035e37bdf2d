/*
 * apache.c: --import apache, Apache httpd 2.4's redirects.
 *
 * Reads a server configuration (a vhost file) or an .htaccess (a file whose
 * name holds "htaccess": per-directory context, read as the DocumentRoot's)
 * and writes the redirects of mod_alias (Redirect, RedirectPermanent,
 * RedirectTemp, RedirectMatch) and of mod_rewrite (RewriteRule with R, or
 * with an absolute http(s) substitution, and the simple RewriteConds on
 * HTTP_HOST, QUERY_STRING and HTTPS) as rules, keeping Apache's meaning:
 *
 * - mod_rewrite runs before mod_alias whatever their order in the file (in
 *   a server, mod_rewrite's translate_name hook comes first; in a directory,
 *   its fixup hook is APR_HOOK_FIRST), so a context's RewriteRules are
 *   written before its Redirects.  Nothing is written before the end of the
 *   file: a <VirtualHost>'s ServerName may follow its rules, and the main
 *   server's Redirects (which every <VirtualHost> merges after its own) may
 *   follow the <VirtualHost>s.
 * - A <VirtualHost> becomes `host =` its ServerName and ServerAliases; its
 *   rules come first, then the main server's Redirects for its hosts, then
 *   the main server's rules for any host.  The main server's RewriteRules
 *   apply in a <VirtualHost> only with RewriteOptions Inherit.
 * - Redirect compares whole path segments of the decoded path and appends
 *   the rest; RedirectMatch and RewriteRule run on the decoded path; the
 *   request's query is appended unless the target has one (RewriteRule's
 *   QSA appends it to the target's, QSD drops it).
 * - A QUERY_STRING condition is `params =`; one on the whole query
 *   (^name=value$) adds `other-params = refuse`: no other parameter.
 * - <IfModule> is read through; <IfModule !...> and every other container
 *   (<Directory>, <Location>, <Files>, <If>...) is reported line by line,
 *   and so is every directive that is not a redirect.
 *
 * The directives are read as Apache reads them: a line ending in one '\'
 * continues on the next, mod_alias's arguments are ap_getword_conf() words
 * ("..." or '...' quoted, "\\" a backslash) and mod_rewrite's are split by
 * its own parseargline() (quotes, "\ " a blank kept with its backslash).
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "fcgi-redirect.h"

#define AP_HOSTS_MAX	64		/* host names a condition expands to */
#define AP_TEXT_MAX	(4 * IMPORT_LINE_MAX + 256)	/* a built string */
#define AP_DEPTH_MAX	64		/* nested containers */

/* The physical lines a directive spans (continuations). */
struct ap_span {
	unsigned	 first, last;
};

/* A rule held until the end of the file, in fcgi-redirect's terms. */
struct ap_rule {
	struct ap_rule	*next;
	struct ap_span	 span;
	const char	*text;		/* the directive, for the comment */
	struct ap_span	*conds;		/* its RewriteConds' lines */
	size_t		 nconds;
	int		 cond_hosts;	/* opts.hosts came from HTTP_HOST */
	struct emit_rule r;
};

struct ap_list {
	struct ap_rule	*head, **tail;
};

/* The main server or one <VirtualHost>. */
struct ap_server {
	struct ap_server *next;
	unsigned	 line;		/* of <VirtualHost>; 0: main server */
	const char	*name;		/* ServerName, lowercase, no port */
	const char	*aliases;	/* ServerAlias names, blank-separated */
	int		 engine;	/* RewriteEngine: -1 unset, 0, 1 */
	int		 inherit;	/* 1 Inherit, 2 InheritBefore */
	struct ap_list	 rewrite, alias;
	struct ap_stop	*stops;		/* exact-path RewriteRules that end
					   the pass, not imported */
	unsigned	 broad_stop;	/* the first such rule on more than
					   one path; 0: none */
};

/*
 * A RewriteRule that is not imported but still acts in Apache: with L or
 * END it ends mod_rewrite's pass for what it matches, and an internal
 * rewrite hands the rules after it another URL.  The rules after it are
 * reached in Apache only for the other requests.
 */
struct ap_stop {
	struct ap_stop	*next;
	unsigned	 line;
	const char	*path;		/* the one path it matches */
};

/* A RewriteCond waiting for its RewriteRule. */
struct ap_cond {
	struct ap_span	 span;
	char		*test, *pattern;
	int		 nc, or;
};

/* An open container. */
enum ap_block_kind {
	AP_THROUGH,		/* <IfModule>: read through */
	AP_VHOST,		/* <VirtualHost> */
	AP_REFUSED		/* anything else: its lines are reported */
};

struct ap_block {
	enum ap_block_kind kind;
	unsigned	 line;
	char		 name[32];
};

struct ap_state {
	struct import_src *src;
	struct arena	 arena;
	int		 perdir;	/* an .htaccess */
	struct ap_server main, *vhosts, **vtail, *cur;
	unsigned	 nvhosts;
	const char	*base;		/* RewriteBase */
	struct ap_cond	*conds;		/* pending, for the next RewriteRule */
	size_t		 nconds, capconds;
	struct ap_block	 stack[AP_DEPTH_MAX];
	size_t		 depth, refused;	/* open, of them refused */
	char		*dir;		/* the directive being read */
	char		*work;		/* its copy, split into words */
	size_t		 dircap;
	struct ap_span	 span;
};

/* What a rule's RewriteConds say, in fcgi-redirect's terms. */
struct ap_condset {
	char		 hosts[AP_TEXT_MAX / 4];
	int		 nhosts;
	char		 params[AP_TEXT_MAX / 4];
	const char	*scheme;
	char		 group_param[257];	/* %1 of the last condition */
	int		 group_n;	/* its %N; 0: none */
	int		 query;		/* QUERY_STRING conditions */
	int		 exact;		/* of them ^...$: the whole query */
};

static char	 ap_why[512];		/* a reason built with snprintf */

/* A copy of s[0..n) owned by the import's arena; NULL when out of memory. */
static char *
ap_dup(struct ap_state *st, const char *s, size_t n)
{
	char	*p;

	if ((p = arena_strndup(&st->arena, s, n)) == NULL)
		st->src->imp->failed = 1;
	return p;
}

/*
 * Report the lines of span not imported: the first with why, the others
 * as its continuation, so that every line of the source is accounted for.
 */
static void
ap_skip_span(struct ap_state *st, const struct ap_span *sp, const char *why)
{
	unsigned	 l;

	import_skip(st->src, sp->first, "%s", why);
	for (l = sp->first + 1; l <= sp->last && l > sp->first; l++)
		import_skip(st->src, l, "continues line %u", sp->first);
}

/* Report the current directive not imported, printf-style. */
static void ap_skip(struct ap_state *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
ap_skip(struct ap_state *st, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(ap_why, sizeof(ap_why), fmt, ap);
	va_end(ap);
	ap_skip_span(st, &st->span, ap_why);
}

/* Report a held rule and its RewriteConds not imported, with why. */
static void
ap_skip_rule(struct ap_state *st, const struct ap_rule *ru, const char *why)
{
	size_t	 i;

	for (i = 0; i < ru->nconds; i++) {
		char	 w[600];

		snprintf(w, sizeof(w), "a RewriteCond of the RewriteRule at "
		    "line %u: %s", ru->span.first, why);
		ap_skip_span(st, &ru->conds[i], w);
	}
	ap_skip_span(st, &ru->span, why);
}

/* Report the pending RewriteConds, which no RewriteRule follows. */
static void
ap_conds_drop(struct ap_state *st, const char *why)
{
	size_t	 i;

	for (i = 0; i < st->nconds; i++)
		ap_skip_span(st, &st->conds[i].span, why);
	st->nconds = 0;
}

/*
 * Read the next directive into st->dir, as Apache's ap_cfg_getline() joins
 * them: a line that ends with one '\' (not "\\") goes on with the next,
 * the '\' removed.  Leading and trailing blanks are stripped; st->span
 * holds its lines.  Returns 1, or 0 at the end of the file (or an error).
 */
static int
ap_read(struct ap_state *st)
{
	char	*line, *p;
	size_t	 len, have = 0;
	int	 more, rc;

	st->span.first = 0;
	for (;;) {
		if ((rc = import_getline(st->src, &line, &len)) <= 0) {
			if (st->span.first == 0)
				return 0;
			break;
		}
		if (st->span.first == 0)
			st->span.first = st->src->line;
		st->span.last = st->src->line;
		more = len > 0 && line[len - 1] == '\\' &&
		    (len < 2 || line[len - 2] != '\\');
		if (more)
			len--;
		if (have + len + 1 > st->dircap) {
			size_t	 cap = (have + len + 1) * 2;

			if ((p = realloc(st->dir, cap)) == NULL) {
				st->src->imp->failed = 1;
				return 0;
			}
			st->dir = p;
			if ((p = realloc(st->work, cap)) == NULL) {
				st->src->imp->failed = 1;
				return 0;
			}
			st->work = p;
			st->dircap = cap;
		}
		memcpy(st->dir + have, line, len);
		have += len;
		st->dir[have] = '\0';
		if (!more)
			break;
		if (have > IMPORT_LINE_MAX) {
			/* Hostile input: read the rest as its own lines. */
			break;
		}
	}
	while (have > 0 && isspace((unsigned char)st->dir[have - 1]))
		st->dir[--have] = '\0';
	memmove(st->dir, st->dir + strspn(st->dir, " \t"),
	    have + 1 - strspn(st->dir, " \t"));
	memcpy(st->work, st->dir, strlen(st->dir) + 1);
	return 1;
}

/*
 * The next word of *s, NULL when there is none.  As ap_getword_conf()
 * splits mod_alias's arguments (rewrite 0): blank-separated, or quoted
 * with '"' or '\'' (inside which "\q" is the quote and "\\" a backslash;
 * outside, "\\" is a backslash), unescaped in place.  As mod_rewrite's
 * parseargline() splits RewriteRule and RewriteCond (rewrite 1): the same
 * quotes, up to the next quote, and nothing unescaped; "\ " keeps a blank
 * in an unquoted word (and the backslash: the regex's escaped blank).
 */
static char *
ap_word(char **s, int rewrite)
{
	char	*p = *s, *w, *o, q = '\0';

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0') {
		*s = p;
		return NULL;
	}
	if (*p == '"' || *p == '\'')
		q = *p++;
	for (w = o = p; *p != '\0'; p++) {
		if (q != '\0' ? *p == q : isspace((unsigned char)*p))
			break;
		if (*p == '\\' && !rewrite && (p[1] == '\\' ||
		    (q != '\0' && p[1] == q)))
			p++;
		else if (*p == '\\' && rewrite && q == '\0' &&
		    isspace((unsigned char)p[1]))
			*o++ = *p++;
		*o++ = *p;
	}
	if (*p != '\0')
		p++;
	*o = '\0';
	*s = p;
	return w;
}

/* Does pattern (as import_regex_path() wrote it) match one exact path? */
static int
ap_regex_literal(const char *re, char *path, size_t cap)
{
	size_t	 n = strlen(re), i, o = 0;

	if (n < 3 || re[0] != '^' || re[1] != '/' || re[n - 1] != '$' ||
	    re[n - 2] == '\\')
		return 0;
	for (i = 1; i < n - 1; i++) {
		unsigned char	 c = (unsigned char)re[i];

		if (c == '\\') {
			c = (unsigned char)re[++i];
			if (isalnum(c))
				return 0;
		} else if (strchr(".[]()*+?{}|^$", c) != NULL)
			return 0;
		if (o + 2 > cap)
			return 0;
		path[o++] = (char)c;
	}
	path[o] = '\0';
	return 1;
}

/*
 * Turn pattern re (against the decoded path, Apache's) into a rule:
 * translated to fcgi-redirect's normalized path, with, in an .htaccess,
 * the pattern seeing the path without its leading '/', as mod_rewrite's
 * per-directory rules do; an exact literal becomes a path rule.  Returns
 * 0, or -1 with *why.
 */
static int
ap_rule_regex(struct ap_state *st, const char *re, int perdir,
    struct emit_rule *r, const char **why)
{
	static char	 tr[AP_TEXT_MAX], out[AP_TEXT_MAX];
	struct buf	 b;
	size_t		 i, n;
	int		 depth = 0, in_class = 0, simple = 1, carets = 0;

	if (import_regex_path(re, strlen(re), tr, sizeof(tr), why) != 0)
		return -1;
	buf_init(&b, out, sizeof(out));
	n = strlen(tr);
	if (perdir) {
		/* Is it "^..." with no other anchor and no top-level '|'? */
		for (i = 0; i < n; i++) {
			if (tr[i] == '\\' && i + 1 < n) {
				i++;
				continue;
			}
			if (in_class) {
				if (tr[i] == ']')
					in_class = 0;
				continue;
			}
			if (tr[i] == '[') {
				in_class = 1;
				if (tr[i + 1] == '^')
					i++;
				if (tr[i + 1] == ']')
					i++;
			} else if (tr[i] == '(')
				depth++;
			else if (tr[i] == ')')
				depth--;
			else if (tr[i] == '|' && depth == 0)
				simple = 0;
			else if (tr[i] == '^')
				carets++;
		}
		if (simple && carets == 1 && tr[0] == '^') {
			buf_adds(&b, "^/");
			buf_adds(&b, tr + 1);
		} else {
			/*
			 * Never from the leading '/', which the directory's
			 * path does not hold; each '^' is just after it.
			 */
			buf_adds(&b, "(?!^)(?:");
			for (i = 0; i < n; i++) {
				if (tr[i] == '\\' && i + 1 < n) {
					buf_add(&b, tr + i, 2);
					i++;
					continue;
				}
				if (in_class) {
					if (tr[i] == ']')
						in_class = 0;
					buf_addc(&b, tr[i]);
					continue;
				}
				if (tr[i] == '[') {
					in_class = 1;
					buf_addc(&b, tr[i]);
					if (tr[i + 1] == '^')
						buf_addc(&b, tr[++i]);
					if (tr[i + 1] == ']')
						buf_addc(&b, tr[++i]);
				} else if (tr[i] == '^')
					buf_adds(&b, "(?<=^/)");
				else
					buf_addc(&b, tr[i]);
			}
			buf_addc(&b, ')');
		}
	} else
		buf_adds(&b, tr);
	if (b.overflow) {
		*why = "the pattern is too long";
		return -1;
	}
	if (ap_regex_literal(out, tr, sizeof(tr))) {
		r->kind = RULE_PATH;
		r->match = ap_dup(st, tr, strlen(tr));
	} else {
		r->kind = RULE_REGEX;
		r->match = ap_dup(st, out, b.len);
	}
	return r->match == NULL ? (*why = "out of memory", -1) : 0;
}

/* Is s an absolute http(s) URL (or one made of ${scheme})? */
static int
ap_is_url(const char *s)
{
	return strncasecmp(s, "http://", 7) == 0 ||
	    strncasecmp(s, "https://", 8) == 0 ||
	    strncmp(s, "${scheme}://", 12) == 0;
}

/* Hold rule ru (filled) at the end of list l. */
static void
ap_hold(struct ap_list *l, struct ap_rule *ru)
{
	ru->next = NULL;
	*l->tail = ru;
	l->tail = &ru->next;
}

/* A new rule for the current directive, zeroed; NULL when out of memory. */
static struct ap_rule *
ap_rule_new(struct ap_state *st)
{
	struct ap_rule	*ru;

	if ((ru = arena_alloc(&st->arena, sizeof(*ru))) == NULL) {
		st->src->imp->failed = 1;
		return NULL;
	}
	memset(ru, 0, sizeof(*ru));
	ru->span = st->span;
	if ((ru->text = ap_dup(st, st->dir, strlen(st->dir))) == NULL)
		return NULL;
	return ru;
}

/*
 * A status word of Redirect (permanent, temp, seeother, gone or a number)
 * or of RewriteRule's R= (the same without gone): its code, or 0 when it
 * is none of them.
 */
static int
ap_status(const char *s, int gone)
{
	char	*end;
	long	 v;

	if (strcasecmp(s, "permanent") == 0)
		return 301;
	if (strcasecmp(s, "temp") == 0)
		return 302;
	if (strcasecmp(s, "seeother") == 0)
		return 303;
	if (gone && strcasecmp(s, "gone") == 0)
		return 410;
	if (!isdigit((unsigned char)s[0]))
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0' || errno != 0 || v < 100 || v > 599)
		return -1;
	return (int)v;
}

/* Is code a status fcgi-redirect sends? */
static int
ap_status_sent(int code)
{
	return code == 301 || code == 302 || code == 303 || code == 307 ||
	    code == 308;
}

/*
 * Redirect [status] URL-path URL, RedirectPermanent and RedirectTemp
 * (preset: 301, 302), RedirectMatch (regex set): mod_alias's
 * add_redirect_internal().
 */
static void
ap_redirect(struct ap_state *st, char *args, int preset, int regex)
{
	static char	 to[AP_TEXT_MAX], re[AP_TEXT_MAX];
	struct ap_rule	*ru;
	struct buf	 b, br;
	char		*w[4], *path, *url, *p;
	const char	*why, *q;
	size_t		 n = 0, len;
	int		 status = preset, k;

	while (n < 4 && (w[n] = ap_word(&args, 0)) != NULL)
		n++;
	if (n == 4) {
		ap_skip(st, "too many arguments (Apache refuses it)");
		return;
	}
	k = 0;
	if (preset == 0 && n >= 2 && (status = ap_status(w[0], 1)) != 0)
		k = 1;
	if (status < 0) {
		ap_skip(st, "a status that is not a number from 100 to 599 "
		    "(Apache refuses it)");
		return;
	}
	if (status == 0)
		status = 302;
	if (n - k == 0) {
		ap_skip(st, "no URL-path (Apache refuses it)");
		return;
	}
	path = w[k];
	url = n - k > 1 ? w[k + 1] : NULL;
	if (n - k > 2) {
		ap_skip(st, "too many arguments (Apache refuses it)");
		return;
	}
	if (status < 300 || status > 399) {
		if (url != NULL)
			ap_skip(st, "a URL with status %d, which is not a "
			    "redirect (Apache refuses it)", status);
		else
			ap_skip(st, "status %d%s: fcgi-redirect sends only "
			    "301, 302, 303, 307 and 308", status,
			    status == 410 ? " (gone)" : "");
		return;
	}
	if (url == NULL) {
		ap_skip(st, "no URL to redirect to (Apache refuses it outside "
		    "a <Location>)");
		return;
	}
	if (!ap_status_sent(status)) {
		ap_skip(st, "status %d: fcgi-redirect sends only 301, 302, "
		    "303, 307 and 308", status);
		return;
	}
	if (!regex && !ap_is_url(url) && url[0] != '/') {
		ap_skip(st, "a target that is neither an http(s) URL nor a "
		    "/path%s", strchr(url, ':') != NULL ? "" :
		    " (Apache refuses it)");
		return;
	}
	if ((ru = ap_rule_new(st)) == NULL)
		return;
	ru->r.opts.status = status;
	buf_init(&b, to, sizeof(to));
	if (!regex) {
		if (path[0] != '/') {
			ap_skip(st, "a URL-path without a leading '/' never "
			    "matches");
			return;
		}
		/*
		 * "/docs/" matches /docs/x and not /docs, and its rest
		 * ("x") is appended as it is: an anchored regex keeps that;
		 * "/docs" is a prefix, at a segment boundary.
		 */
		len = strlen(path);
		import_literal(&b, url, strlen(url));
		buf_init(&br, re, sizeof(re));
		if (path[len - 1] == '/') {
			buf_adds(&br, "^");
			for (p = path; *p != '\0'; p++) {
				if (strchr("\\^$.|?*+()[]{}", *p) != NULL)
					buf_addc(&br, '\\');
				buf_addc(&br, *p);
			}
			buf_adds(&br, "(.*)$");
			buf_adds(&b, "$1");
			if (br.overflow) {
				ap_skip(st, "the URL-path is too long");
				return;
			}
			if (ap_rule_regex(st, re, 0, &ru->r, &why) != 0) {
				ap_skip(st, "%s", why);
				return;
			}
		} else {
			import_path_encode(&br, path, len);
			if (br.overflow) {
				ap_skip(st, "the URL-path is too long");
				return;
			}
			ru->r.kind = RULE_PREFIX;
			ru->r.match = ap_dup(st, re, br.len);
			if ((q = strchr(url, '?')) != NULL)
				import_note(st->src, st->span.first, "Apache "
				    "puts the rest of the path after the "
				    "target's query; here it goes before it");
			else if (url[strlen(url) - 1] == '/')
				import_note(st->src, st->span.first, "Apache "
				    "doubles the '/' between the target and "
				    "the rest of the path (%s/x goes to %s/x); "
				    "here it is one", path, url);
		}
	} else {
		/* ap_pregsub(): $0..$9 the groups, "\c" the byte c. */
		for (p = url; *p != '\0'; p++) {
			if (*p == '\\' && p[1] != '\0')
				import_literal(&b, ++p, 1);
			else if (*p == '$' && isdigit((unsigned char)p[1])) {
				if (p[1] == '0') {
					ap_skip(st, "$0 (the whole match) in "
					    "the target");
					return;
				}
				buf_add(&b, p, 2);
				p++;
			} else
				import_literal(&b, p, 1);
		}
		if (ap_rule_regex(st, path, 0, &ru->r, &why) != 0) {
			ap_skip(st, "%s", why);
			return;
		}
		q = strchr(url, '?');
		p = strchr(url, '%');
		if (p != NULL && (q == NULL || p < q))
			import_note(st->src, st->span.first, "Apache escapes "
			    "the '%%' of the target's path again (%%20 is "
			    "sent as %%2520); here it is kept");
		if (q != NULL && strchr(q, '$') != NULL)
			import_note(st->src, st->span.first, "Apache puts a "
			    "group in the target's query decoded ('&' and "
			    "'=' of %%26 and %%3D become new parameters); "
			    "here it stays encoded");
	}
	if (b.overflow) {
		ap_skip(st, "the target is too long");
		return;
	}
	if (ru->r.match == NULL || (ru->r.to = ap_dup(st, to,
	    strlen(to))) == NULL)
		return;
	/* The request's query, unless the target has its own. */
	if (strchr(url, '?') != NULL)
		ru->r.opts.flags |= OPT_QUERY_DROP;
	ap_hold(&st->cur->alias, ru);
}

/*
 * Expand a host pattern's alternatives ("(www\.)?example\.(com|org)")
 * into the literal names, blank-separated, in cs->hosts.  pp points into
 * the pattern and ends at end, a ')' or a '|' of this depth.  Returns 0, or
 * -1 when the pattern is not such a simple one.  *dot is set when a bare
 * '.' (any character, in Apache) was taken for a dot.
 */
static int
ap_host_expand(const char **pp, const char *end, char (*set)[256], int *n,
    int *dot, int depth)
{
	char		 cur[AP_HOSTS_MAX][256], alt[AP_HOSTS_MAX][256];
	const char	*p = *pp;
	int		 ncur = 1, nalt, i, j, total = 0;
	size_t		 a, c;

	if (depth > 8)
		return -1;
	cur[0][0] = '\0';
	for (;;) {
		if (p == end || *p == ')' || *p == '|') {
			/* One alternative done: add it to set. */
			for (i = 0; i < ncur; i++) {
				if (total >= AP_HOSTS_MAX)
					return -1;
				memcpy(set[total++], cur[i], 256);
			}
			if (p == end || *p == ')')
				break;
			p++;
			ncur = 1;
			cur[0][0] = '\0';
			continue;
		}
		nalt = 0;
		if (*p == '(') {
			p++;
			if (p + 1 < end && p[0] == '?' && p[1] == ':')
				p += 2;
			if (ap_host_expand(&p, end, alt, &nalt, dot,
			    depth + 1) != 0 || p == end || *p != ')')
				return -1;
			p++;
			if (p < end && *p == '?') {
				if (nalt >= AP_HOSTS_MAX)
					return -1;
				alt[nalt++][0] = '\0';
				p++;
			}
		} else {
			char	 ch = *p;

			if (ch == '\\' && p + 1 < end && (p[1] == '.' ||
			    p[1] == '-'))
				ch = *++p;
			else if (ch == '.')
				*dot = 1;
			else if (!isalnum((unsigned char)ch) && ch != '-' &&
			    ch != '_')
				return -1;
			alt[0][0] = ch;
			alt[0][1] = '\0';
			nalt = 1;
			p++;
		}
		if (ncur * nalt > AP_HOSTS_MAX)
			return -1;
		/* cur := cur x alt */
		for (i = ncur - 1; i >= 0; i--)
			for (j = nalt - 1; j >= 0; j--) {
				char	 t[256];

				c = strlen(cur[i]);
				a = strlen(alt[j]);
				if (c + a >= sizeof(t))
					return -1;
				memcpy(t, cur[i], c);
				memcpy(t + c, alt[j], a + 1);
				memcpy(cur[i * nalt + j], t, c + a + 1);
			}
		ncur *= nalt;
	}
	*pp = p;
	*n = total;
	return 0;
}

/*
 * A RewriteCond %{HTTP_HOST}: "^name$", "^(www\.)?name$", "^(a|b)\.name$"
 * or "=name" become host names.  Returns 0, or -1 with *why.
 */
static int
ap_cond_host(struct ap_state *st, const struct ap_cond *c,
    struct ap_condset *cs, const char **why)
{
	char		 set[AP_HOSTS_MAX][256];
	const char	*p = c->pattern, *end;
	struct buf	 b;
	int		 n = 0, i, dot = 0;
	size_t		 k;

	*why = "a HTTP_HOST condition that is not a simple ^name$ "
	    "(alternatives, a (www\\.)? group, NC) fcgi-redirect can express";
	if (p[0] == '=') {
		if (strlen(p + 1) >= sizeof(set[0]))
			return -1;
		memcpy(set[0], p + 1, strlen(p + 1) + 1);
		n = 1;
	} else {
		if (*p++ != '^')
			return -1;
		end = p + strlen(p);
		if (end > p && end[-1] == '$' && (end - 1 == p ||
		    end[-2] != '\\'))
			end--;
		else
			import_note(st->src, c->span.first, "without '$', "
			    "Apache also takes longer host names (and a "
			    "Host with a port); here only the names");
		if (ap_host_expand(&p, end, set, &n, &dot, 0) != 0 || p != end)
			return -1;
		if (dot)
			import_note(st->src, c->span.first, "a bare '.' "
			    "matches any character in Apache; here it is "
			    "a dot");
	}
	buf_init(&b, cs->hosts + strlen(cs->hosts), sizeof(cs->hosts) -
	    strlen(cs->hosts));
	for (i = 0; i < n; i++) {
		for (k = 0; set[i][k] != '\0'; k++)
			set[i][k] = (char)tolower((unsigned char)set[i][k]);
		if (set[i][0] == '\0')
			return -1;
		buf_printf(&b, "%s%s", cs->nhosts++ > 0 ? " " : "", set[i]);
	}
	if (b.overflow)
		return -1;
	return 0;
}

/*
 * The literal text of a QUERY_STRING pattern piece [p, end): regex escapes
 * of punctuation undone, no other metacharacter.  Returns 0, or -1.
 */
static int
ap_query_literal(const char *p, const char *end, struct buf *b, int name)
{
	for (; p < end; p++) {
		if (*p == '\\' && p + 1 < end &&
		    !isalnum((unsigned char)p[1]))
			p++;
		else if (strchr(".^$|()[]{}*+?\\", *p) != NULL)
			return -1;
		if (*p == '&' || (name && *p == '=') ||
		    isspace((unsigned char)*p))
			return -1;
		buf_addc(b, *p);
	}
	return 0;
}

/*
 * A RewriteCond %{QUERY_STRING}: "^name=value$" or "(^|&)name=value(&|$)"
 * becomes the parameter name=value; a value "([^&]*)" or "([^&]+)" the
 * parameter name with any value, and its %1 (%2 in the second form)
 * ${param:name}.  Returns 0, or
 * -1 with *why.
 */
static int
ap_cond_query(struct ap_state *st, const struct ap_cond *c,
    struct ap_condset *cs, const char **why)
{
	static const char *const groups[] = { "([^&]*)", "([^&]+)" };
	const char	*p = c->pattern, *end, *eq, *v;
	struct buf	 b;
	size_t		 n = strlen(p), at;
	int		 exact, i, g = -1;

	*why = "a QUERY_STRING condition that is not ^name=value$ or "
	    "(^|&)name=value(&|$)";
	if (c->nc)
		return -1;
	if (n > 2 && p[0] == '^' && p[n - 1] == '$' && p[n - 2] != '\\') {
		exact = 1;
		p++;
		end = c->pattern + n - 1;
	} else if (n >= 13 && strncmp(p, "(^|&)", 5) == 0 &&
	    strcmp(p + n - 5, "(&|$)") == 0) {
		exact = 0;
		p += 5;
		end = c->pattern + n - 5;
	} else
		return -1;
	if ((eq = memchr(p, '=', (size_t)(end - p))) == NULL || eq == p)
		return -1;
	at = strlen(cs->params);
	buf_init(&b, cs->params + at, sizeof(cs->params) - at);
	if (at > 0)
		buf_addc(&b, ' ');
	if (ap_query_literal(p, eq, &b, 1) != 0)
		return -1;
	v = eq + 1;
	for (i = 0; i < 2; i++)
		if ((size_t)(end - v) == strlen(groups[i]) &&
		    memcmp(v, groups[i], strlen(groups[i])) == 0)
			g = i;
	cs->group_n = 0;
	if (g >= 0) {
		size_t	 nl = b.len - (at > 0);

		if (nl >= sizeof(cs->group_param))
			return -1;
		memcpy(cs->group_param, cs->params + at + (at > 0), nl);
		cs->group_param[nl] = '\0';
		/* (^|&) is group 1 of the second form. */
		cs->group_n = exact ? 1 : 2;
		if (g == 1)
			import_note(st->src, c->span.first, "Apache asks "
			    "for a value that is not empty; here an empty "
			    "one is taken too");
	} else {
		buf_addc(&b, '=');
		if (ap_query_literal(v, end, &b, 0) != 0)
			return -1;
	}
	if (b.overflow)
		return -1;
	/* The whole query: no other parameter (other-params = refuse). */
	cs->exact += exact;
	cs->query++;
	return 0;
}

/* A RewriteCond %{HTTPS}: on or off, as scheme. */
static int
ap_cond_https(const struct ap_cond *c, struct ap_condset *cs,
    const char **why)
{
	const char	*p = c->pattern;
	int		 neg = 0, on;

	*why = "a HTTPS condition that is not on or off";
	if (*p == '!') {
		neg = 1;
		p++;
	}
	if (*p == '=')
		p++;
	else if (*p == '^') {
		p++;
		if (strcasecmp(p, "on$") != 0 && strcasecmp(p, "off$") != 0)
			return -1;
	}
	if (strncasecmp(p, "on", 2) == 0 && (p[2] == '\0' || p[2] == '$'))
		on = 1;
	else if (strncasecmp(p, "off", 3) == 0 &&
	    (p[3] == '\0' || p[3] == '$'))
		on = 0;
	else
		return -1;
	if (c->nc == 0 && (islower((unsigned char)p[0]) == 0))
		return -1;	/* HTTPS is "on" or "off", lowercase */
	cs->scheme = on != neg ? "https" : "http";
	return 0;
}

/*
 * Read the pending RewriteConds into cs.  [OR] is taken between HTTP_HOST
 * conditions only (their names add up).  Returns 0, or -1 with *why.
 */
static int
ap_conds_read(struct ap_state *st, struct ap_condset *cs, const char **why)
{
	size_t	 i;
	int	 or_prev = 0, hostgroups = 0;

	memset(cs, 0, sizeof(*cs));
	for (i = 0; i < st->nconds; i++) {
		const struct ap_cond	*c = &st->conds[i];
		int			 rc, host;

		cs->group_n = 0;	/* %N: only a QUERY_STRING value's */
		host = strcmp(c->test, "%{HTTP_HOST}") == 0;
		if ((or_prev || c->or) && !host) {
			*why = "[OR] between conditions other than HTTP_HOST";
			return -1;
		}
		if (c->pattern[0] == '!' && !(strcmp(c->test, "%{HTTPS}") ==
		    0)) {
			*why = "a negated condition";
			return -1;
		}
		if (host) {
			if (!or_prev && hostgroups++ > 0) {
				*why = "two HTTP_HOST conditions that must "
				    "both hold";
				return -1;
			}
			rc = ap_cond_host(st, c, cs, why);
		} else if (strcmp(c->test, "%{QUERY_STRING}") == 0)
			rc = ap_cond_query(st, c, cs, why);
		else if (strcmp(c->test, "%{HTTPS}") == 0)
			rc = ap_cond_https(c, cs, why);
		else {
			snprintf(ap_why, sizeof(ap_why), "a condition on %.64s "
			    "(fcgi-redirect has HTTP_HOST, QUERY_STRING and "
			    "HTTPS)", c->test);
			*why = ap_why;
			return -1;
		}
		if (rc != 0)
			return -1;
		or_prev = c->or;
	}
	if (or_prev) {
		*why = "[OR] on the last condition";
		return -1;
	}
	return 0;
}

/* RewriteRule's flags, in fcgi-redirect's terms. */
struct ap_flags {
	int	 status;	/* R: its code; 0 without R */
	int	 last;		/* L or END */
	int	 nc, qsa, qsd, ne;
};

/* The flags without a value, short and long names, and what they set. */
#define AP_FLAG_NONE	((size_t)-1)	/* taken, without effect */
static const struct {
	const char	*name, *longname;
	size_t		 field;		/* in struct ap_flags */
} ap_flag_names[] = {
	{ "L", "last", offsetof(struct ap_flags, last) },
	{ "END", "END", offsetof(struct ap_flags, last) },
	{ "NC", "nocase", offsetof(struct ap_flags, nc) },
	{ "QSA", "qsappend", offsetof(struct ap_flags, qsa) },
	{ "QSD", "qsdiscard", offsetof(struct ap_flags, qsd) },
	{ "NE", "noescape", offsetof(struct ap_flags, ne) },
	{ "NS", "nosubreq", AP_FLAG_NONE },	/* a redirect: no subrequest */
};

/* The index of flag w in ap_flag_names, or -1. */
static int
ap_flag_find(const char *w)
{
	size_t	 i;

	for (i = 0; i < sizeof(ap_flag_names) / sizeof(ap_flag_names[0]); i++)
		if (strcasecmp(w, ap_flag_names[i].name) == 0 ||
		    strcasecmp(w, ap_flag_names[i].longname) == 0)
			return (int)i;
	return -1;
}

/* Parse "[R=301,L,NC]"; 0, or -1 with the reason in ap_why. */
static int
ap_flags_read(char *s, struct ap_flags *f)
{
	char	*w, *v;
	size_t	 n;
	int	 k;

	memset(f, 0, sizeof(*f));
	if (s == NULL)
		return 0;
	n = strlen(s);
	if (n < 2 || s[0] != '[' || s[n - 1] != ']') {
		snprintf(ap_why, sizeof(ap_why), "flags without [...] (Apache "
		    "refuses them)");
		return -1;
	}
	s[n - 1] = '\0';
	for (s++; (w = strsep(&s, ",")) != NULL; ) {
		while (isspace((unsigned char)*w))
			w++;
		if ((v = strchr(w, '=')) != NULL)
			*v++ = '\0';
		if (strcasecmp(w, "R") == 0 || strcasecmp(w, "redirect") == 0) {
			f->status = v == NULL ? 302 : ap_status(v, 0);
			if (f->status <= 0) {
				snprintf(ap_why, sizeof(ap_why), "R=%.32s: not "
				    "a status", v);
				return -1;
			}
			if (!ap_status_sent(f->status)) {
				snprintf(ap_why, sizeof(ap_why), "R=%d: "
				    "fcgi-redirect sends only 301, 302, 303, "
				    "307 and 308", f->status);
				return -1;
			}
		} else if ((k = ap_flag_find(w)) >= 0 && v == NULL) {
			size_t	 off = ap_flag_names[k].field;

			if (off != AP_FLAG_NONE)
				*(int *)((char *)f + off) = 1;
		} else {
			snprintf(ap_why, sizeof(ap_why), "the flag "
			    "%.32s%s%.32s (fcgi-redirect has R, L, END, NC, "
			    "QSA, QSD, NE, NS)", w, v != NULL ? "=" : "",
			    v != NULL ? v : "");
			return -1;
		}
	}
	if (f->qsa && f->qsd) {
		snprintf(ap_why, sizeof(ap_why), "both QSA and QSD");
		return -1;
	}
	return 0;
}

/*
 * The substitution s of a RewriteRule as a target, into b: $1..$9 the
 * pattern's groups, %1 the last condition's (only a QUERY_STRING value),
 * %{HTTP_HOST}, %{REQUEST_URI}, %{QUERY_STRING} and %{REQUEST_SCHEME} as
 * placeholders, "\c" the byte c; without NE, '#' is escaped as Apache
 * escapes the URL.  Returns 0, or -1 with *why.
 */
static int
ap_subst(const char *s, const struct ap_flags *f, const struct ap_condset *cs,
    struct buf *b, const char **why)
{
	static const struct {
		const char	*var, *placeholder;
	} vars[] = {
		{ "%{HTTP_HOST}", "${host}" },
		{ "%{REQUEST_URI}", "${path}" },
		{ "%{QUERY_STRING}", "${query}" },
		{ "%{REQUEST_SCHEME}", "${scheme}" },
	};
	size_t	 i;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0') {
			s++;
			if (*s == '#' && !f->ne)
				buf_adds(b, "%23");
			else
				import_literal(b, s, 1);
		} else if (*s == '$' && isdigit((unsigned char)s[1])) {
			if (s[1] == '0') {
				*why = "$0 (the whole match) in the target";
				return -1;
			}
			buf_add(b, s, 2);
			s++;
		} else if (*s == '$' && s[1] == '{') {
			*why = "a RewriteMap (${...}) in the target";
			return -1;
		} else if (*s == '%' && isdigit((unsigned char)s[1])) {
			if (s[1] - '0' != cs->group_n) {
				*why = "a %N of a condition group "
				    "fcgi-redirect cannot express (a literal "
				    "'%' is \\%)";
				return -1;
			}
			buf_printf(b, "${param:%s}", cs->group_param);
			s++;
		} else if (*s == '%' && s[1] == '{') {
			for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
				if (strncmp(s, vars[i].var,
				    strlen(vars[i].var)) == 0)
					break;
			if (i == sizeof(vars) / sizeof(vars[0])) {
				snprintf(ap_why, sizeof(ap_why), "the variable "
				    "%.*s in the target", (int)strcspn(s, "}") +
				    (s[strcspn(s, "}")] == '}'), s);
				*why = ap_why;
				return -1;
			}
			buf_adds(b, vars[i].placeholder);
			s += strlen(vars[i].var) - 1;
		} else if (*s == '#' && !f->ne)
			buf_adds(b, "%23");
		else
			import_literal(b, s, 1);
	}
	return 0;
}

/*
 * Remember that the RewriteRule with pattern pat and flags f, not
 * imported, ends the pass or rewrites the URL for what it matches: one
 * exact path, or (as far as can be told) more.
 */
static void
ap_stop_add(struct ap_state *st, const char *pat, const struct ap_flags *f)
{
	struct emit_rule r;
	struct ap_stop	*sp;
	const char	*why;

	memset(&r, 0, sizeof(r));
	if (st->cur->broad_stop != 0)
		return;
	if (f->nc || ap_rule_regex(st, pat, st->perdir, &r, &why) != 0 ||
	    r.kind != RULE_PATH ||
	    (sp = arena_alloc(&st->arena, sizeof(*sp))) == NULL) {
		st->cur->broad_stop = st->span.first;
		return;
	}
	sp->line = st->span.first;
	sp->path = r.match;
	sp->next = st->cur->stops;
	st->cur->stops = sp;
}

/* Does rule r match the exact path `path` (decoded, URL form)? */
static int
ap_rule_matches(const struct emit_rule *r, const char *path)
{
	pcre2_code		*re;
	pcre2_match_data	*md;
	size_t			 off;
	int			 err, rc;

	if (r->kind == RULE_PATH)
		return (r->opts.flags & OPT_CASE_IGNORE ? strcasecmp(r->match,
		    path) : strcmp(r->match, path)) == 0;
	if ((re = image_regex_compile(r->match, strlen(r->match),
	    r->opts.flags, &err, &off)) == NULL)
		return 1;
	if ((md = pcre2_match_data_create_from_pattern(re, NULL)) == NULL) {
		pcre2_code_free(re);
		return 1;
	}
	rc = pcre2_match(re, (PCRE2_SPTR)path, strlen(path), 0, 0, md, NULL);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return rc != PCRE2_ERROR_NOMATCH;	/* an error: it may */
}

/*
 * The line of a RewriteRule, not imported, that Apache would run before
 * rule r on a path that r matches, ending the pass or rewriting the URL
 * there; 0 when there is none.
 */
static unsigned
ap_stopped(const struct ap_server *sv, const struct emit_rule *r)
{
	const struct ap_stop	*sp;

	if (sv->broad_stop != 0)
		return sv->broad_stop;
	for (sp = sv->stops; sp != NULL; sp = sp->next)
		if (ap_rule_matches(r, sp->path))
			return sp->line;
	return 0;
}

/* RewriteRule PATTERN SUBSTITUTION [FLAGS], with the pending conditions. */
static void
ap_rewrite_rule(struct ap_state *st, char *args)
{
	static char	 to[AP_TEXT_MAX];
	static struct ap_condset cs;
	struct ap_rule	*ru;
	struct ap_flags	 f;
	struct buf	 b;
	char		*pat, *sub, *flags, *q;
	const char	*why = NULL;
	size_t		 i, len;
	unsigned	 stop;
	int		 relative, flags_read = 0;

	if ((ru = ap_rule_new(st)) == NULL)
		return;
	ru->nconds = st->nconds;
	if (st->nconds > 0) {
		ru->conds = arena_alloc(&st->arena, st->nconds *
		    sizeof(*ru->conds));
		if (ru->conds == NULL) {
			st->src->imp->failed = 1;
			return;
		}
		for (i = 0; i < st->nconds; i++)
			ru->conds[i] = st->conds[i].span;
	}
	pat = ap_word(&args, 1);
	sub = ap_word(&args, 1);
	flags = ap_word(&args, 1);
	if (pat == NULL || sub == NULL) {
		why = "a RewriteRule without a pattern and a substitution "
		    "(Apache refuses it)";
		goto skip;
	}
	if (ap_word(&args, 1) != NULL) {
		why = "too many arguments (Apache refuses it)";
		goto skip;
	}
	if (ap_flags_read(flags, &f) != 0) {
		why = ap_why;
		goto skip;
	}
	flags_read = 1;
	if (pat[0] == '!') {
		why = "a negated pattern";
		goto skip;
	}
	if (strcmp(sub, "-") == 0) {
		why = "no substitution ('-'): not a redirect";
		goto skip;
	}
	if (f.status == 0 && !ap_is_url(sub) &&
	    strncasecmp(sub, "%{REQUEST_SCHEME}://", 20) != 0) {
		why = "an internal rewrite (no R flag, and the substitution "
		    "is not an http(s) URL): not a redirect";
		goto skip;
	}
	if (f.status == 0)
		f.status = 302;
	if (ap_conds_read(st, &cs, &why) != 0)
		goto skip;
	buf_init(&b, to, sizeof(to));
	relative = sub[0] != '/' && !ap_is_url(sub) &&
	    strncasecmp(sub, "%{REQUEST_SCHEME}://", 20) != 0;
	if (relative) {
		/*
		 * In a directory, RewriteBase (else the directory's own
		 * file-system path, which no redirect means); in a server,
		 * mod_rewrite makes it "/sub".
		 */
		if (st->perdir && st->base == NULL) {
			why = "a relative substitution without RewriteBase "
			    "(Apache redirects to the directory's file-system "
			    "path)";
			goto skip;
		}
		import_literal(&b, st->perdir ? st->base : "/",
		    st->perdir ? strlen(st->base) : 1);
		if (b.len > 0 && b.data[b.len - 1] != '/')
			buf_addc(&b, '/');
	}
	if (ap_subst(sub, &f, &cs, &b, &why) != 0)
		goto skip;
	if (b.overflow) {
		why = "the target is too long";
		goto skip;
	}
	/* The query: the target's replaces the request's, but with QSA. */
	len = b.len;
	q = strchr(to, '?');
	if (q != NULL && q[1] == '\0') {
		to[--len] = '\0';
		q = NULL;
		if (!f.qsa)
			f.qsd = 1;
	}
	if (f.qsd || (q != NULL && !f.qsa))
		ru->r.opts.flags |= OPT_QUERY_DROP;
	else if (cs.query) {
		/*
		 * Apache keeps the whole query, the parameters that the
		 * condition asked for with the others; ${query} does.
		 */
		buf_adds(&b, q != NULL ? "&${query}" : "?${query}");
		ru->r.opts.flags |= OPT_QUERY_DROP;
	}
	if (b.overflow) {
		why = "the target is too long";
		goto skip;
	}
	if (ap_rule_regex(st, pat, st->perdir, &ru->r, &why) != 0)
		goto skip;
	if (!st->perdir && pat[0] == '^' && isalnum((unsigned char)pat[1]))
		import_note(st->src, st->span.first, "in a server's "
		    "configuration the pattern sees the path with its '/': "
		    "%.32s never matches (an .htaccess must be named so)", pat);
	if (f.nc)
		ru->r.opts.flags |= OPT_CASE_IGNORE;
	ru->r.opts.status = f.status;
	ru->r.opts.scheme = cs.scheme;
	if (cs.nhosts > 0) {
		ru->r.opts.hosts = ap_dup(st, cs.hosts, strlen(cs.hosts));
		ru->cond_hosts = 1;
	}
	if (cs.params[0] != '\0')
		ru->r.opts.params = ap_dup(st, cs.params, strlen(cs.params));
	if (cs.exact > 0) {
		ru->r.opts.flags |= OPT_PARAMS_ONLY;
		if (cs.query > 1)
			import_note(st->src, st->span.first, "Apache asks "
			    "for a query that is exactly one condition's, "
			    "which no other QUERY_STRING condition can add "
			    "to; here the parameters of all of them may "
			    "come together");
	}
	if ((ru->r.to = ap_dup(st, to, strlen(to))) == NULL)
		return;
	q = strchr(sub, '?');
	for (i = 0; !f.ne && sub[i] != '\0' && (q == NULL || sub + i < q);
	    i++) {
		/* A literal '%': "\%", or one that starts no %N or %{. */
		int	 esc = sub[i] == '\\' && sub[i + 1] != '\0';

		i += esc;
		if (sub[i] == '%' && (esc || (sub[i + 1] != '{' &&
		    !isdigit((unsigned char)sub[i + 1])))) {
			import_note(st->src, st->span.first, "without NE, "
			    "Apache escapes the '%%' of the target again "
			    "(%%20 is sent as %%2520); here it is kept");
			break;
		}
	}
	if (q != NULL && strchr(q, '$') != NULL)
		import_note(st->src, st->span.first, "Apache puts a group in "
		    "the target's query decoded ('&' and '=' of %%26 and %%3D "
		    "become new parameters); here it stays encoded");
	if (!f.last)
		import_note(st->src, st->span.first, "without L, Apache goes "
		    "on with the later RewriteRules on the redirect's URL; "
		    "here this redirect is the answer");
	if ((stop = ap_stopped(st->cur, &ru->r)) != 0)
		import_note(st->src, st->span.first, "Apache reaches this "
		    "rule only for the requests that the RewriteRule at line "
		    "%u (not imported) lets through: where that one matches, "
		    "it ends mod_rewrite's pass or rewrites the URL "
		    "(WordPress's 'RewriteRule . /index.php [L]' takes every "
		    "path that is not a file); here this rule answers them "
		    "all", stop);
	st->nconds = 0;
	ap_hold(&st->cur->rewrite, ru);
	return;
skip:
	/*
	 * A rule that is not imported still acts in Apache: with L or END
	 * it ends the pass for what it matches, and an internal rewrite
	 * hands the rules after it another URL.
	 */
	if (flags_read && pat[0] != '!' &&
	    (f.last || (strcmp(sub, "-") != 0 && f.status == 0)))
		ap_stop_add(st, pat, &f);
	st->nconds = 0;
	ap_skip_rule(st, ru, why);
}

/* RewriteCond TESTSTRING CONDPATTERN [FLAGS]: held for the next rule. */
static void
ap_rewrite_cond(struct ap_state *st, char *args)
{
	struct ap_cond	*c;
	char		*test, *pat, *flags, *w;

	test = ap_word(&args, 1);
	pat = ap_word(&args, 1);
	flags = ap_word(&args, 1);
	if (test == NULL || pat == NULL || ap_word(&args, 1) != NULL) {
		ap_skip(st, "a RewriteCond without a test string and a "
		    "pattern, or with more (Apache refuses it)");
		return;
	}
	if (st->nconds == st->capconds) {
		size_t	 cap = st->capconds ? 2 * st->capconds : 8;

		if ((c = realloc(st->conds, cap * sizeof(*c))) == NULL) {
			st->src->imp->failed = 1;
			return;
		}
		st->conds = c;
		st->capconds = cap;
	}
	c = &st->conds[st->nconds];
	memset(c, 0, sizeof(*c));
	c->span = st->span;
	if ((c->test = ap_dup(st, test, strlen(test))) == NULL ||
	    (c->pattern = ap_dup(st, pat, strlen(pat))) == NULL)
		return;
	if (flags != NULL) {
		size_t	 n = strlen(flags);

		if (n < 2 || flags[0] != '[' || flags[n - 1] != ']') {
			ap_skip(st, "flags without [...] (Apache refuses "
			    "them)");
			return;
		}
		flags[n - 1] = '\0';
		for (flags++; (w = strsep(&flags, ",")) != NULL; ) {
			while (isspace((unsigned char)*w))
				w++;
			if (strcasecmp(w, "NC") == 0 ||
			    strcasecmp(w, "nocase") == 0)
				c->nc = 1;
			else if (strcasecmp(w, "OR") == 0 ||
			    strcasecmp(w, "ornext") == 0)
				c->or = 1;
			else if (strcasecmp(w, "NV") == 0 ||
			    strcasecmp(w, "novary") == 0)
				;	/* a Vary header: not sent here */
			else {
				ap_skip(st, "the condition flag %.32s", w);
				return;
			}
		}
	}
	st->nconds++;
}

/* RewriteEngine on|off: for the whole context, the last one wins. */
static void
ap_rewrite_engine(struct ap_state *st, char *args)
{
	char	*w = ap_word(&args, 0);

	if (w != NULL && ap_word(&args, 0) == NULL &&
	    (strcasecmp(w, "on") == 0 || strcasecmp(w, "off") == 0))
		st->cur->engine = strcasecmp(w, "on") == 0;
	else
		ap_skip(st, "RewriteEngine takes on or off");
}

/* RewriteBase URL-path: a directory's, for relative substitutions. */
static void
ap_rewrite_base(struct ap_state *st, char *args)
{
	char	*w = ap_word(&args, 0);

	if (!st->perdir) {
		ap_skip(st, "RewriteBase outside a directory (Apache refuses "
		    "it)");
		return;
	}
	if (w == NULL || w[0] != '/' || ap_word(&args, 0) != NULL) {
		ap_skip(st, "RewriteBase takes one /path");
		return;
	}
	st->base = ap_dup(st, w, strlen(w));
}

/* RewriteOptions Inherit|InheritBefore in a <VirtualHost>. */
static void
ap_rewrite_options(struct ap_state *st, char *args)
{
	char	*w = ap_word(&args, 0);

	if (st->cur != &st->main && w != NULL && ap_word(&args, 0) == NULL &&
	    (strcasecmp(w, "Inherit") == 0 ||
	    strcasecmp(w, "InheritBefore") == 0))
		st->cur->inherit = strcasecmp(w, "Inherit") == 0 ? 1 : 2;
	else
		ap_skip(st, "RewriteOptions other than Inherit or "
		    "InheritBefore in a <VirtualHost>");
}

/*
 * A ServerName or ServerAlias name as a host of fcgi-redirect: lowercase,
 * without scheme and port, "*.name" kept.  NULL when it is another pattern.
 */
static char *
ap_host_name(char *w)
{
	char	*p;

	if ((p = strstr(w, "://")) != NULL)
		w = p + 3;
	if ((p = strrchr(w, ':')) != NULL && strchr(w, ']') == NULL)
		*p = '\0';
	for (p = w; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	if ((p = strpbrk(w, "*?[")) != NULL && (p != w || w[1] != '.' ||
	    strpbrk(w + 1, "*?[") != NULL))
		return NULL;
	if (values_host_pattern(w, strlen(w)) != 0)
		return NULL;
	return w;
}

/* ServerName and ServerAlias (alias set) in a <VirtualHost>. */
static void
ap_server_name(struct ap_state *st, char *args, int alias)
{
	static char	 names[AP_TEXT_MAX];
	struct ap_server *v = st->cur;
	struct buf	 b;
	char		*w, *h;
	int		 bad = 0;

	if (v == &st->main) {
		ap_skip(st, "%s outside a <VirtualHost>: the main server "
		    "answers every host here", alias ? "ServerAlias" :
		    "ServerName");
		return;
	}
	buf_init(&b, names, sizeof(names));
	if (alias && v->aliases != NULL)
		buf_adds(&b, v->aliases);
	while ((w = ap_word(&args, 0)) != NULL) {
		if ((h = ap_host_name(w)) == NULL) {
			bad++;
			continue;
		}
		if (!alias) {
			v->name = ap_dup(st, h, strlen(h));
			if (ap_word(&args, 0) != NULL)
				bad++;
			break;
		}
		buf_printf(&b, "%s%s", b.len > 0 ? " " : "", h);
	}
	if (b.overflow)
		bad++;
	else if (alias && b.len > 0)
		v->aliases = ap_dup(st, names, b.len);
	if (bad > 0)
		ap_skip(st, "a name that is not a host name or *.name "
		    "fcgi-redirect takes: the rules do not answer it");
}

/* The directives read; any other is reported as not a redirect. */
struct ap_directive {
	const char	*name;
	int		 arg;
	void		(*run)(struct ap_state *, char *, int);
};

static void
ap_run_redirect(struct ap_state *st, char *args, int arg)
{
	ap_redirect(st, args, arg < 0 ? 0 : arg, arg < 0);
}

static void
ap_run_rewrite(struct ap_state *st, char *args, int arg)
{
	static void (*const run[])(struct ap_state *, char *) = {
		ap_rewrite_rule, ap_rewrite_cond, ap_rewrite_engine,
		ap_rewrite_base, ap_rewrite_options
	};

	run[arg](st, args);
}

static void
ap_run_name(struct ap_state *st, char *args, int arg)
{
	ap_server_name(st, args, arg);
}

static const struct ap_directive ap_directives[] = {
	{ "Redirect", 0, ap_run_redirect },
	{ "RedirectPermanent", 301, ap_run_redirect },
	{ "RedirectTemp", 302, ap_run_redirect },
	{ "RedirectMatch", -1, ap_run_redirect },
	{ "RewriteRule", 0, ap_run_rewrite },
	{ "RewriteCond", 1, ap_run_rewrite },
	{ "RewriteEngine", 2, ap_run_rewrite },
	{ "RewriteBase", 3, ap_run_rewrite },
	{ "RewriteOptions", 4, ap_run_rewrite },
	{ "ServerName", 0, ap_run_name },
	{ "ServerAlias", 1, ap_run_name },
};

/*
 * A container line: "<Name args>" opens, "</Name>" closes.  <IfModule>
 * (not negated) is read through, <VirtualHost> starts a server, anything
 * else is refused with the lines inside it.
 */
static void
ap_container(struct ap_state *st, char *s)
{
	struct ap_block	*blk;
	struct ap_server *v;
	size_t		 n = strlen(s), k;
	int		 close = s[1] == '/';
	char		*name = s + 1 + close, *args;

	if (n < 3 || s[n - 1] != '>') {
		ap_skip(st, "a container line without its '>'");
		return;
	}
	s[--n] = '\0';
	k = strcspn(name, " \t");
	args = name + k;
	if (*args != '\0')
		*args++ = '\0';
	while (isspace((unsigned char)*args))
		args++;
	if (close) {
		if (st->depth == 0 || strcasecmp(st->stack[st->depth - 1].name,
		    name) != 0) {
			ap_skip(st, "</%s> closes no open <%s>", name, name);
			return;
		}
		blk = &st->stack[--st->depth];
		if (blk->kind == AP_REFUSED) {
			st->refused--;
			ap_skip(st, "closes the <%s> at line %u", blk->name,
			    blk->line);
		}
		if (blk->kind == AP_VHOST) {
			ap_conds_drop(st, "a RewriteCond that no RewriteRule "
			    "of its <VirtualHost> follows");
			st->cur = &st->main;
		}
		return;
	}
	if (st->depth == AP_DEPTH_MAX) {
		ap_skip(st, "containers nested more than %d deep",
		    AP_DEPTH_MAX);
		return;
	}
	blk = &st->stack[st->depth];
	blk->line = st->span.first;
	snprintf(blk->name, sizeof(blk->name), "%s", name);
	if (st->refused > 0) {
		blk->kind = AP_REFUSED;
		ap_skip(st, "inside the <%s> at line %u",
		    st->stack[st->depth - 1].name,
		    st->stack[st->depth - 1].line);
	} else if (strcasecmp(name, "IfModule") == 0 && args[0] != '!')
		blk->kind = AP_THROUGH;
	else if (strcasecmp(name, "VirtualHost") == 0 && !st->perdir &&
	    st->cur == &st->main) {
		blk->kind = AP_VHOST;
		ap_conds_drop(st, "a RewriteCond that no RewriteRule follows "
		    "before the <VirtualHost>");
		if ((v = arena_alloc(&st->arena, sizeof(*v))) == NULL) {
			st->src->imp->failed = 1;
			return;
		}
		memset(v, 0, sizeof(*v));
		v->line = st->span.first;
		v->engine = -1;
		v->rewrite.tail = &v->rewrite.head;
		v->alias.tail = &v->alias.head;
		*st->vtail = v;
		st->vtail = &v->next;
		st->cur = v;
		st->nvhosts++;
	} else {
		blk->kind = AP_REFUSED;
		if (strcasecmp(name, "IfModule") == 0)
			ap_skip(st, "<IfModule %s>: for a server without the "
			    "module, so not Apache's with it", args);
		else
			ap_skip(st, "a <%s> block: fcgi-redirect cannot "
			    "express its condition; none of its lines is "
			    "imported", name);
	}
	if (blk->kind == AP_REFUSED)
		st->refused++;
	st->depth++;
}

/* One directive (st->work, stripped), in the current context. */
static void
ap_directive(struct ap_state *st)
{
	char	*s = st->work, *name;
	size_t	 i, k;

	if (s[0] == '\0' || s[0] == '#')
		return;
	if (s[0] == '<') {
		ap_container(st, s);
		return;
	}
	if (st->refused > 0) {
		ap_skip(st, "inside the <%s> at line %u",
		    st->stack[st->depth - 1].name,
		    st->stack[st->depth - 1].line);
		return;
	}
	k = strcspn(s, " \t");
	name = s;
	s += k;
	if (*s != '\0')
		*s++ = '\0';
	for (i = 0; i < sizeof(ap_directives) / sizeof(ap_directives[0]); i++)
		if (strcasecmp(ap_directives[i].name, name) == 0)
			break;
	if (i == sizeof(ap_directives) / sizeof(ap_directives[0])) {
		if (strncasecmp(name, "Include", 7) == 0)
			ap_skip(st, "%.64s: import the files it names too",
			    name);
		else
			ap_skip(st, "%.64s: not a redirect directive", name);
		return;
	}
	ap_directives[i].run(st, s, ap_directives[i].arg);
}

/*
 * Is host h (a name) one the server's names (ServerName, ServerAlias with
 * "*.name") answer?
 */
static int
ap_host_of(const char *h, size_t n, const char *names)
{
	size_t	 k;

	for (; names != NULL && *names != '\0'; names += k) {
		names += strspn(names, " ");
		k = strcspn(names, " ");
		if (k == n && strncasecmp(names, h, n) == 0)
			return 1;
		if (k > 2 && names[0] == '*' && n > k - 1 &&
		    strncasecmp(h + n - (k - 1), names + 1, k - 1) == 0)
			return 1;
	}
	return 0;
}

/* Are two rules' options the same (a map holds them once)? */
static int
ap_opts_equal(const struct emit_opts *a, const struct emit_opts *b)
{
	const char	*sa[] = { a->hosts, a->params, a->methods, a->scheme };
	const char	*sb[] = { b->hosts, b->params, b->methods, b->scheme };
	size_t		 i;

	if (a->status != b->status || a->flags != b->flags)
		return 0;
	for (i = 0; i < 4; i++)
		if ((sa[i] == NULL) != (sb[i] == NULL) ||
		    (sa[i] != NULL && strcmp(sa[i], sb[i]) != 0))
			return 0;
	return 1;
}

/* Can rule r stand as a map entry (an exact path, a target without $N)? */
static int
ap_mappable(const struct emit_rule *r)
{
	const char	*p;

	if (r->kind != RULE_PATH)
		return 0;
	for (p = r->to; (p = strchr(p, '$')) != NULL; p += 2)
		if (isdigit((unsigned char)p[1]))
			return 0;
	return 1;
}

/*
 * Write the rules of list l for the server's hosts (NULL: any), in their
 * order; a run of exact paths with the same options becomes a [map].
 * Rewrite rules (rewrite set) are reported instead when the server's
 * RewriteEngine is not on.
 */
static void
ap_emit_list(struct ap_state *st, const struct ap_list *l, const char *hosts,
    int rewrite, int engine)
{
	static char	 kept[AP_TEXT_MAX];
	char		 hint[128];
	struct ap_rule	*ru, *e;
	struct emit_rule r;
	struct buf	 b;
	const char	*h;
	size_t		 n, run;
	int		 k;

	for (ru = l->head; ru != NULL; ru = ru->next) {
		if (rewrite && engine != 1) {
			ap_skip_rule(st, ru, "RewriteEngine is not on here");
			continue;
		}
		r = ru->r;
		if (hosts != NULL && ru->cond_hosts) {
			/* The condition's names that the server answers. */
			buf_init(&b, kept, sizeof(kept));
			for (h = r.opts.hosts; *h != '\0'; h += n) {
				h += strspn(h, " ");
				n = strcspn(h, " ");
				if (n > 0 && ap_host_of(h, n, hosts))
					buf_printf(&b, "%s%.*s", b.len ? " " :
					    "", (int)n, h);
			}
			if (b.len == 0) {
				ap_skip_rule(st, ru, "its HTTP_HOST condition "
				    "names none of its <VirtualHost>'s names");
				continue;
			}
			r.opts.hosts = kept;
		} else if (hosts != NULL)
			r.opts.hosts = hosts;
		run = 0;
		if (ap_mappable(&r))
			for (e = ru->next; e != NULL && ap_mappable(&e->r) &&
			    (!rewrite || e->nconds == 0) && ru->nconds == 0 &&
			    !e->cond_hosts && !ru->cond_hosts &&
			    ap_opts_equal(&e->r.opts, &ru->r.opts); e = e->next)
				run++;
		if (run < 2) {
			emit_rule(st->src, ru->span.first, ru->text, &r);
			continue;
		}
		snprintf(hint, sizeof(hint), "%s-%u", st->src->base,
		    ru->span.first);
		if ((k = emit_map_open(st->src->imp, hint, &r.opts)) < 0)
			return;
		for (n = 0; ; n++) {
			emit_map_entry(st->src, ru->span.first, k, ru->r.match,
			    ru->r.to);
			if (n == run)
				break;
			ru = ru->next;
		}
		emit_map_flush(st->src->imp, k);
	}
}

/*
 * The end of the file: write every server's rules, the <VirtualHost>s
 * first (each with the main server's Redirects after its own), then the
 * main server's, for any host.  With <VirtualHost>s, the main server's
 * RewriteRules apply only where RewriteOptions Inherit takes them: every
 * request goes to a <VirtualHost> (the first when no other names its
 * host), and Apache does not merge them into one without it.
 */
static void
ap_finish(struct ap_state *st)
{
	static char	 hosts[AP_TEXT_MAX];
	struct ap_server *v;
	struct ap_rule	*ru;
	struct buf	 b;
	int		 engine, inherited = 0;

	while (st->depth > 0) {
		struct ap_block	*blk = &st->stack[--st->depth];

		if (blk->kind != AP_REFUSED)
			import_skip(st->src, blk->line, "<%s> is not closed "
			    "(Apache refuses the file)", blk->name);
	}
	ap_conds_drop(st, "a RewriteCond that no RewriteRule follows");
	for (v = st->vhosts; v != NULL; v = v->next) {
		buf_init(&b, hosts, sizeof(hosts));
		if (v->name != NULL)
			buf_adds(&b, v->name);
		if (v->aliases != NULL)
			buf_printf(&b, "%s%s", b.len ? " " : "", v->aliases);
		if (b.len == 0)
			import_note(st->src, v->line, "a <VirtualHost> without "
			    "ServerName: its rules answer every host here");
		else if (v == st->vhosts)
			import_note(st->src, v->line, "Apache gives the first "
			    "<VirtualHost> the requests for hosts that no "
			    "<VirtualHost> names too; here its rules answer "
			    "only its own names");
		engine = v->engine >= 0 ? v->engine : st->main.engine;
		inherited |= v->inherit;
		if (v->inherit == 2)
			ap_emit_list(st, &st->main.rewrite, b.len ? hosts :
			    NULL, 1, engine);
		ap_emit_list(st, &v->rewrite, b.len ? hosts : NULL, 1,
		    engine);
		if (v->inherit == 1)
			ap_emit_list(st, &st->main.rewrite, b.len ? hosts :
			    NULL, 1, engine);
		ap_emit_list(st, &v->alias, b.len ? hosts : NULL, 0, 1);
		ap_emit_list(st, &st->main.alias, b.len ? hosts : NULL, 0, 1);
	}
	if (st->nvhosts == 0)
		ap_emit_list(st, &st->main.rewrite, NULL, 1, st->main.engine);
	else if (!inherited)
		for (ru = st->main.rewrite.head; ru != NULL; ru = ru->next)
			ap_skip_rule(st, ru, "a RewriteRule of the main "
			    "server, which Apache applies in no <VirtualHost> "
			    "without RewriteOptions Inherit");
	ap_emit_list(st, &st->main.alias, NULL, 0, 1);
}

/*
 * Import one Apache configuration file or .htaccess (a name holding
 * "htaccess"): see the comment at the top.
 */
void
apache_import(struct import_src *src)
{
	struct ap_state	 st;
	const char	*base;

	memset(&st, 0, sizeof(st));
	st.src = src;
	arena_init(&st.arena);
	base = strrchr(src->name, '/');
	base = base != NULL ? base + 1 : src->name;
	st.perdir = strstr(base, "htaccess") != NULL;
	st.main.engine = -1;
	st.main.rewrite.tail = &st.main.rewrite.head;
	st.main.alias.tail = &st.main.alias.head;
	st.vtail = &st.vhosts;
	st.cur = &st.main;
	while (ap_read(&st))
		ap_directive(&st);
	ap_finish(&st);
	free(st.dir);
	free(st.work);
	free(st.conds);
	arena_free(&st.arena);
}
