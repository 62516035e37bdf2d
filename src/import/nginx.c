/*
 * nginx.c: --import nginx, the redirects of an nginx configuration.
 *
 * A configuration (nginx.conf with http { server { ... } }, or a bare
 * sites-available snippet of server blocks) is read as nginx reads it
 * (ngx_conf_read_token() in src/core/ngx_conf_file.c): words, quoted
 * strings with their escapes, '#' comments, blocks and statements over
 * several lines.  What answers a request with a redirect is imported:
 *
 *   - return CODE URL and rewrite REGEX REPLACEMENT permanent|redirect, at
 *     server level (run first, in order) and in locations;
 *   - locations "= /x", "/x", "^~ /x", "~ re" and "~* re", written in an
 *     order in which the first matching rule is the location nginx picks
 *     (ngx_http_core_find_location(): "=" first, then the longest prefix if
 *     it is "^~", then the first matching regex in file order, then the
 *     longest prefix); a location that does not always redirect (content:
 *     proxy_pass, root, try_files...) keeps the requests nginx gives it
 *     away from the rules below it by negative lookaheads;
 *   - server_name as `host =`, listen ... ssl / 443 as `scheme =`;
 *   - server-level if ($host = name), if ($scheme = http), if ($uri ~ re)
 *     around a return;
 *   - the bulk idiom map $uri $new { ... } with if ($new) { return 301
 *     $new; } at server level: the exact keys as a [map] section written
 *     where the if stands, the regex keys and a default after it; a map
 *     of $request_uri (the URI as sent, compared whole) with
 *     `other-params = refuse`, its keys' parameters then in any order.
 *
 * Everything else is reported with its line, and every line of a block
 * that is not imported.  Held in memory: the current server's locations
 * and rules, servers without names (written last) and maps' regex keys; a
 * map's exact entries stream to emit.c's spool.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "fcgi-redirect.h"

/* ---- the tokenizer ---- */

/* A word of a statement: text[off..off+len), NUL-terminated. */
struct nword {
	size_t		 off, len;
	unsigned	 line;
	int		 quoted;
};

/* A statement: its words and what ended it. */
struct nstmt {
	char		*text;
	size_t		 tlen, tcap;
	struct nword	*w;
	size_t		 n, cap;
	int		 end;		/* ';', '{', '}', NSTMT_EOF, NSTMT_ERR */
	const char	*err;		/* NSTMT_ERR: what is wrong */
	unsigned	 line, last;	/* the lines it spans */
};
#define NSTMT_EOF	(-1)
#define NSTMT_ERR	(-2)
#define WORD(st, i)	((st)->text + (st)->w[(i)].off)

/* The source as a stream of bytes, lines ended by '\n'. */
struct nlex {
	struct import_src *src;
	char		*p;		/* the rest of the current line */
	size_t		 left;
	int		 nl;		/* the '\n' of the line is still due */
	int		 eof;
	int		 close_due;	/* a '}' that ended a broken statement */
	int		 failed;	/* out of memory, or a read error */
};

/* The next byte of the source, '\n' between lines, or -1 at the end. */
static int
lex_getc(struct nlex *lx)
{
	size_t	 len;

	for (;;) {
		if (lx->left > 0) {
			lx->left--;
			return (unsigned char)*lx->p++;
		}
		if (lx->nl) {
			lx->nl = 0;
			return '\n';
		}
		if (lx->eof)
			return -1;
		if (import_getline(lx->src, &lx->p, &len) <= 0) {
			lx->eof = 1;
			return -1;
		}
		lx->left = len;
		lx->nl = 1;
	}
}

/* Append byte c to the statement's text; -1 when out of memory. */
static int
stmt_addc(struct nstmt *st, char c)
{
	char	*t;
	size_t	 cap;

	if (st->tlen + 1 >= st->tcap) {
		cap = st->tcap < 256 ? 256 : st->tcap * 2;
		if ((t = realloc(st->text, cap)) == NULL)
			return -1;
		st->text = t;
		st->tcap = cap;
	}
	st->text[st->tlen++] = c;
	return 0;
}

/* Start a word at the end of the text; -1 when out of memory. */
static int
stmt_word(struct nstmt *st, unsigned line, int quoted)
{
	struct nword	*w;
	size_t		 cap;

	if (st->n == st->cap) {
		cap = st->cap < 8 ? 8 : st->cap * 2;
		if ((w = realloc(st->w, cap * sizeof(*w))) == NULL)
			return -1;
		st->w = w;
		st->cap = cap;
	}
	w = &st->w[st->n++];
	w->off = st->tlen;
	w->len = 0;
	w->line = line;
	w->quoted = quoted;
	if (st->n == 1)
		st->line = line;
	return 0;
}

/*
 * End the last word: its escapes replaced as nginx does (\" \' \\ become
 * the character, \t \r \n the control, any other \x stays as it is), and a
 * NUL after it.  -1 when out of memory.
 */
static int
stmt_word_end(struct nstmt *st)
{
	struct nword	*w = &st->w[st->n - 1];
	char		*s, *d, *e;

	/* An empty first word ("" at the start): nothing is held yet. */
	if (st->text == NULL)
		return stmt_addc(st, '\0');
	s = d = st->text + w->off;
	e = st->text + st->tlen;
	while (s < e) {
		if (*s == '\\' && s + 1 < e) {
			switch (s[1]) {
			case '"': case '\'': case '\\':
				s++;
				break;
			case 't': *d++ = '\t'; s += 2; continue;
			case 'r': *d++ = '\r'; s += 2; continue;
			case 'n': *d++ = '\n'; s += 2; continue;
			}
		}
		*d++ = *s++;
	}
	w->len = (size_t)(d - (st->text + w->off));
	st->tlen = w->off + w->len;
	return stmt_addc(st, '\0');
}

/*
 * Read the next statement: the words up to ';' or '{', or a lone '}'.  A
 * statement nginx would refuse ("unexpected ..." and an end of file inside
 * one) comes back with end NSTMT_ERR and err set; reading goes on after it.
 * Returns 0, or -1 when out of memory or on a read error.
 */
static int
lex_stmt(struct nlex *lx, struct nstmt *st)
{
	int	 c, last_space = 1, need_space = 0, sharp = 0, quoted = 0;
	int	 dq = 0, sq = 0, variable = 0, found;

	st->tlen = st->n = 0;
	st->err = NULL;
	st->line = st->last = lx->src->line;
	if (lx->close_due) {
		lx->close_due = 0;
		st->end = '}';
		return 0;
	}
	for (;;) {
		if ((c = lex_getc(lx)) < 0) {
			if (lx->src->imp->failed)
				return -1;
			st->last = lx->src->line;
			if (st->n > 0 || !last_space) {
				if (!last_space && stmt_word_end(st) != 0)
					return -1;
				st->end = NSTMT_ERR;
				st->err = dq || sq ? "a quoted string without "
				    "its end" : "a statement without ';' at the "
				    "end of the file";
			} else
				st->end = NSTMT_EOF;
			return 0;
		}
		st->last = lx->src->line;
		if (c == '\n')
			sharp = 0;
		if (sharp)
			continue;
		if (quoted) {
			quoted = 0;
			if (stmt_addc(st, (char)c) != 0)
				return -1;
			continue;
		}
		if (need_space) {
			if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
				last_space = 1;
				need_space = 0;
				continue;
			}
			if (c == ';' || c == '{') {
				st->end = c;
				return 0;
			}
			if (c != ')') {
				st->end = NSTMT_ERR;
				st->err = "a quoted string not followed by a "
				    "blank, ';' or '{'";
				return 0;
			}
			last_space = 1;
			need_space = 0;
		}
		if (last_space) {
			if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
				continue;
			switch (c) {
			case ';':
			case '{':
				if (st->n == 0) {
					st->line = lx->src->line;
					st->end = NSTMT_ERR;
					st->err = c == ';' ? "a ';' without a "
					    "directive" : "a '{' without a "
					    "directive";
					return 0;
				}
				st->end = c;
				return 0;
			case '}':
				if (st->n != 0) {
					/* The '}' still closes its block. */
					lx->close_due = 1;
					st->end = NSTMT_ERR;
					st->err = "a statement without ';' "
					    "before '}'";
					return 0;
				}
				st->line = lx->src->line;
				st->end = '}';
				return 0;
			case '#':
				sharp = 1;
				continue;
			}
			if (stmt_word(st, lx->src->line, c == '"' ||
			    c == '\'') != 0)
				return -1;
			last_space = 0;
			if (c == '"')
				dq = 1;
			else if (c == '\'')
				sq = 1;
			else {
				if (c == '\\')
					quoted = 1;
				else if (c == '$')
					variable = 1;
				if (stmt_addc(st, (char)c) != 0)
					return -1;
			}
			continue;
		}
		if (c == '{' && variable) {
			if (stmt_addc(st, (char)c) != 0)
				return -1;
			continue;
		}
		variable = 0;
		if (c == '\\' || c == '$') {
			quoted = c == '\\';
			variable = c == '$';
			if (stmt_addc(st, (char)c) != 0)
				return -1;
			continue;
		}
		found = 0;
		if (dq) {
			if (c == '"') {
				dq = 0;
				need_space = found = 1;
			}
		} else if (sq) {
			if (c == '\'') {
				sq = 0;
				need_space = found = 1;
			}
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
		    c == ';' || c == '{') {
			last_space = found = 1;
		}
		if (!found) {
			if (stmt_addc(st, (char)c) != 0)
				return -1;
			continue;
		}
		if (stmt_word_end(st) != 0)
			return -1;
		if (c == ';' || c == '{') {
			st->end = c;
			return 0;
		}
	}
}

/* ---- what a configuration holds ---- */

/* A redirect, or a rewrite that may be one, of a server or a location. */
struct nrule {
	unsigned	 line;
	const char	*text;		/* the statement, for the comment */
	const char	*main;		/* a regex (fcgi-redirect's form) whose
					   groups the target uses, or NULL */
	int		 main_ci;
	int		 ncap;		/* groups the target may use, -1 none */
	const char	*to;		/* the target, fcgi-redirect's form */
	int		 status;
	unsigned	 flags;		/* OPT_QUERY_DROP */
	const char	*hosts;		/* an if ($host = ...) */
	const char	*scheme;	/* an if ($scheme = ...) */
	struct nmap	*map;		/* if ($map) { return CODE $map; } */
};

enum nloc_kind { L_EXACT, L_NOREGEX, L_REGEX, L_PREFIX };

struct nloc {
	enum nloc_kind	 kind;
	const char	*match;		/* a path in URL form, or a regex in
					   fcgi-redirect's form */
	int		 ci;		/* ~* */
	unsigned	 line;
	int		 answers;	/* every request it takes is redirected */
	int		 leaks;		/* an internal rewrite before that */
	int		 bad;		/* the location itself is not imported */
	struct nrule	*rules;
	size_t		 nrules;
};

/* A regex key of a map, kept until the map is used. */
struct nmapre {
	unsigned	 line;
	const char	*re;
	int		 ci;
	const char	*value;		/* as written */
};

enum nmap_src { M_URI, M_REQUEST_URI };

struct nmap {
	char		 var[128];	/* "new" for $new */
	enum nmap_src	 src;
	int		 k;		/* emit.c's map, -1 when not spooled */
	unsigned	 line;
	int		 bad;		/* reported as a whole */
	unsigned	 used;		/* the line of the if that writes it */
	const char	*dflt;
	unsigned	 dflt_line;
	struct nmapre	*re;
	size_t		 nre;
	struct nmap	*next;
};

struct nserver {
	unsigned	 line;
	struct arena	 a;
	char		*hosts;		/* blank-separated, or NULL: any */
	int		 hosts_bad;	/* names that cannot be expressed */
	int		 plain, tls;	/* listens seen */
	int		 ssl_on;
	const char	*first_name;	/* $server_name */
	struct nrule	*pre;		/* server-level rewrite, return, if */
	size_t		 npre;
	struct nloc	*locs;
	size_t		 nlocs;
	unsigned	 return_all;	/* the line of an unconditional
					   server-level return */
	struct nserver	*next;		/* held until the end (no names) */
};

enum nctx { C_MAIN, C_HTTP, C_SERVER, C_LOCATION, C_IF, C_MAP, C_QUIET,
	C_SKIP };

struct nframe {
	enum nctx	 ctx;
	unsigned	 line;
	const char	*what;		/* C_SKIP: why its statements are not */
	struct nloc	*loc;		/* C_LOCATION */
	struct nmap	*map;		/* C_MAP */
	struct nrule	 cond;		/* C_IF: the condition */
	int		 done;		/* C_LOCATION, C_IF: returned already */
};

/* One source file being imported. */
struct ngx {
	struct import_src *src;
	struct arena	 a;		/* maps, for the whole file */
	struct nframe	*stack;
	size_t		 depth, cap;
	struct nserver	*server;	/* the one being read */
	struct nmap	*maps;
	struct nserver	*held, **held_tail;
	char		 text[512];	/* the current statement, quoted */
};

/* ---- small helpers ---- */

/* Is word i of the statement s? */
static int
word_is(const struct nstmt *st, size_t i, const char *s)
{
	return i < st->n && strcmp(WORD(st, i), s) == 0;
}

/* The statement's words joined by blanks, in nx->text, for comments. */
static const char *
stmt_text(struct ngx *nx, const struct nstmt *st)
{
	struct buf	 b;
	size_t		 i;

	buf_init(&b, nx->text, sizeof(nx->text) - 4);
	for (i = 0; i < st->n; i++) {
		if (i > 0)
			buf_addc(&b, ' ');
		if (st->w[i].quoted)
			buf_addc(&b, '"');
		buf_adds(&b, WORD(st, i));
		if (st->w[i].quoted)
			buf_addc(&b, '"');
	}
	buf_adds(&b, st->end == '{' ? " {" : ";");
	if (b.overflow)
		b.len = b.cap;
	nx->text[b.len] = '\0';
	return nx->text;
}

/*
 * Report the statement not imported, at its first line, and each further
 * line it spans as part of it: every source line is accounted for.
 */
static void
skip_stmt(struct ngx *nx, const struct nstmt *st, const char *why)
{
	unsigned	 l;

	if (st->n > 0 && strstr(why, "not a redirect") == why)
		import_skip(nx->src, st->line, "'%.80s': %s", WORD(st, 0),
		    why);
	else
		import_skip(nx->src, st->line, "%s", why);
	for (l = st->line + 1; l <= st->last; l++)
		import_skip(nx->src, l, "part of the statement at line %u",
		    st->line);
}

/* A copy of s[0..n) in arena a; NULL when out of memory. */
static char *
keep(struct arena *a, const char *s, size_t n)
{
	return arena_strndup(a, s, n);
}

/* Append s[0..n) to b, quoted for a regex: metacharacters escaped. */
static void
re_quote(struct buf *b, const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (strchr("\\^$.|?*+()[]{}", s[i]) != NULL && s[i] != '\0')
			buf_addc(b, '\\');
		buf_addc(b, s[i]);
	}
}

/* A decoded path (a location's) in URL form, kept in a; NULL: no memory. */
static char *
path_url(struct arena *a, const char *s)
{
	char		 mem[LINE_MAX_LEN];
	struct buf	 b;

	buf_init(&b, mem, sizeof(mem));
	import_path_encode(&b, s, strlen(s));
	if (b.overflow)
		return NULL;
	return keep(a, b.data, b.len);
}

/*
 * The literal text that a regex (fcgi-redirect's form) requires at the
 * start of the path, into out: -1 when it is not anchored, else the length.
 */
static int
re_literal(const char *re, char *out, size_t cap)
{
	size_t	 n = 0, i = 1;
	char	 c;

	if (re[0] != '^' || strchr(re, '|') != NULL)
		return -1;
	while (re[i] != '\0' && n + 1 < cap) {
		c = re[i];
		if (c == '\\' && re[i + 1] != '\0' &&
		    !isalnum((unsigned char)re[i + 1])) {
			c = re[i + 1];
			i += 2;
		} else if (isalnum((unsigned char)c) || strchr("/-_%~,=:@!&'",
		    c) != NULL)
			i++;
		else
			break;
		if (re[i] == '?' || re[i] == '*' || re[i] == '{')
			break;
		out[n++] = c;
	}
	out[n] = '\0';
	return (int)n;
}

/*
 * Could two regions, each known by the literal text every path in it
 * starts with (or -1: unknown), share a path?  ci: compare ignoring case.
 */
static int
overlap(const char *l1, int n1, const char *l2, int n2, int ci)
{
	int	 n;

	if (n1 < 0 || n2 < 0)
		return 1;
	n = n1 < n2 ? n1 : n2;
	return ci ? strncasecmp(l1, l2, (size_t)n) == 0 :
	    strncmp(l1, l2, (size_t)n) == 0;
}

/* Does regex re (fcgi-redirect's form) match path?  1, 0; 1 when unsure. */
static int
re_matches(const char *re, int ci, const char *path)
{
	pcre2_code		*code;
	pcre2_match_data	*md;
	size_t			 off;
	int			 err, rc;

	code = image_regex_compile(re, strlen(re), ci ? OPT_CASE_IGNORE : 0,
	    &err, &off);
	if (code == NULL)
		return 1;
	if ((md = pcre2_match_data_create_from_pattern(code, NULL)) == NULL) {
		pcre2_code_free(code);
		return 1;
	}
	rc = pcre2_match(code, (PCRE2_SPTR)path, strlen(path), 0, 0, md, NULL);
	pcre2_match_data_free(md);
	pcre2_code_free(code);
	return rc >= 0 || rc != PCRE2_ERROR_NOMATCH;
}

/* ---- targets ---- */

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct ntarget;
static int	 ngx_target_whole(const char *, int, int,
		    const struct nserver *, struct buf *, struct ntarget *);

/* What translating an nginx URL into a target found. */
struct ntarget {
	int		 keep_query;	/* $request_uri, $is_args$args at the
					   end: the request's query follows */
	int		 uses_query;	/* ${query} in the target */
	const char	*why;		/* when it fails */
};

/* A variable's name at s (after '$', or in "${...}"); its length. */
static size_t
var_name(const char *s, int *braced, size_t *skip)
{
	size_t	 n = 0;

	*braced = s[0] == '{';
	if (*braced) {
		while (s[1 + n] != '\0' && s[1 + n] != '}')
			n++;
		*skip = s[1 + n] == '}' ? n + 2 : 0;
		return s[1 + n] == '}' ? n : 0;
	}
	while (isalnum((unsigned char)s[n]) || s[n] == '_')
		n++;
	*skip = n;
	return n;
}

/*
 * Translate an nginx URL with variables (return's URL, a rewrite's
 * replacement, a map's value) into a target of fcgi-redirect.ini(5) in b:
 * $host, $scheme, $uri, $args, $arg_NAME, $server_name, $1..$ncap;
 * $request_uri and $is_args$args at its end become the kept query.
 * Returns 0, or -1 with t->why.
 */
static int
ngx_target(const char *s, int ncap, const struct nserver *sv, struct buf *b,
    struct ntarget *t)
{
	return ngx_target_whole(s, ncap, 0, sv, b, t);
}

/*
 * Is group 1 of regex re (as nginx has it) the whole path, as in the idiom
 * rewrite ^(.*)$ https://new.example$1?  Then $1 is ${path}, which may
 * follow a URL's host where a capture may not.
 */
static int
whole_group(const char *re)
{
	static const char *const whole[] = {
		"^(.*)$", "^(.*)", "(.*)", "^(.+)$", "^(.+)", "(.+)",
		"^(/.*)$", "^(/.*)",
	};
	size_t	 i;

	for (i = 0; i < NELEM(whole); i++)
		if (strcmp(re, whole[i]) == 0)
			return 1;
	return 0;
}

/* ngx_target(), where $whole (when not 0) is the whole path. */
static int
ngx_target_whole(const char *s, int ncap, int whole, const struct nserver *sv,
    struct buf *b, struct ntarget *t)
{
	const char	*p, *v;
	size_t		 n, skip;
	int		 braced;

	memset(t, 0, sizeof(*t));
	for (p = s; *p != '\0'; ) {
		if (*p != '$') {
			n = strcspn(p, "$");
			import_literal(b, p, n);
			p += n;
			continue;
		}
		v = p + 1;
		n = var_name(v, &braced, &skip);
		if (n == 0 || skip == 0) {
			t->why = "a '$' that starts no variable";
			return -1;
		}
		p = v + skip;
		if (braced)
			v++;
#define VAR(s) (n == sizeof(s) - 1 && strncmp(v, s, n) == 0)
		if (n == 1 && v[0] - '0' == whole && whole > 0)
			buf_adds(b, "${path}");
		else if (n == 1 && v[0] >= '1' && v[0] <= '9') {
			if (v[0] - '0' > ncap) {
				t->why = ncap < 0 ? "a $N without a regex" :
				    "a $N beyond the regex's groups";
				return -1;
			}
			buf_printf(b, "$%c", v[0]);
		} else if (VAR("host"))
			buf_adds(b, "${host}");
		else if (VAR("scheme"))
			buf_adds(b, "${scheme}");
		else if (VAR("uri") || VAR("document_uri"))
			buf_adds(b, "${path}");
		else if (VAR("request_uri")) {
			if (*p != '\0') {
				t->why = "$request_uri before the end of the "
				    "URL";
				return -1;
			}
			buf_adds(b, "${path}");
			t->keep_query = 1;
		} else if (VAR("is_args")) {
			if (strcmp(p, "$args") != 0 &&
			    strcmp(p, "${args}") != 0 &&
			    strcmp(p, "$query_string") != 0) {
				t->why = "$is_args without $args after it";
				return -1;
			}
			t->keep_query = 1;
			break;
		} else if (VAR("args") || VAR("query_string")) {
			if (*p == '\0' && b->len > 0 &&
			    b->data[b->len - 1] == '?' &&
			    memchr(b->data, '?', b->len - 1) == NULL) {
				/* "...?$args": the query, after a '?'. */
				b->len--;
				t->keep_query = 1;
			} else {
				buf_adds(b, "${query}");
				t->uses_query = 1;
			}
		} else if (n > 4 && strncmp(v, "arg_", 4) == 0) {
			buf_adds(b, "${param:");
			buf_add(b, v + 4, n - 4);
			buf_addc(b, '}');
		} else if (VAR("server_name") && sv != NULL &&
		    sv->first_name != NULL)
			import_literal(b, sv->first_name,
			    strlen(sv->first_name));
		else {
			t->why = "a variable fcgi-redirect does not have "
			    "(or a named capture)";
			return -1;
		}
#undef VAR
	}
	if (b->overflow) {
		t->why = "the URL is too long";
		return -1;
	}
	return 0;
}

/* Does an nginx URL start a redirect of its own (http://, https://, $scheme)? */
static int
is_absolute(const char *s)
{
	return strncmp(s, "http://", 7) == 0 ||
	    strncmp(s, "https://", 8) == 0 || strncmp(s, "$scheme", 7) == 0;
}

/* A status word: the number, or -1 when it is not one. */
static int
status_of(const char *s)
{
	char	*end;
	long	 v;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > 999)
		return -1;
	return (int)v;
}

/* Is code a redirect status that fcgi-redirect sends? */
static int
is_redirect(int code)
{
	return code == 301 || code == 302 || code == 303 || code == 307 ||
	    code == 308;
}

/* ---- directives that make no answer of their own ---- */

/*
 * Directives that decide nothing about which answer a request gets: logs,
 * TLS, timeouts, buffers, workers.  They are passed over silently; any
 * other directive is reported.
 */
static const char *const quiet_names[] = {
	"access_log", "error_log", "log_format", "log_not_found",
	"log_subrequest", "open_log_file_cache", "pid", "user",
	"worker_processes", "worker_connections", "worker_rlimit_nofile",
	"worker_cpu_affinity", "worker_priority", "worker_shutdown_timeout",
	"daemon", "master_process", "pcre_jit", "thread_pool", "load_module",
	"lock_file", "use", "multi_accept", "accept_mutex",
	"accept_mutex_delay", "sendfile", "tcp_nopush", "tcp_nodelay",
	"keepalive_timeout", "keepalive_requests", "send_timeout",
	"reset_timedout_connection", "server_tokens", "resolver",
	"resolver_timeout", "absolute_redirect", "server_name_in_redirect",
	"port_in_redirect", "http2", "env", "ignore_invalid_headers",
	"underscores_in_headers", "large_client_header_buffers",
	"lingering_close", "lingering_time", "lingering_timeout",
	"default_type", "charset", "source_charset", "etag",
};
static const char *const quiet_prefixes[] = {
	"ssl_", "gzip", "client_", "proxy_temp", "fastcgi_temp", "scgi_temp",
	"uwsgi_temp", "types_hash", "server_names_hash", "variables_hash",
	"map_hash", "proxy_headers_hash", "worker_",
};
/* Blocks whose contents make no answer: passed over silently. */
static const char *const quiet_blocks[] = {
	"events", "upstream", "types", "stream", "mail", "geo",
	"split_clients", "limit_req_zone", "js_import",
};

/* Is directive name one of the names, or does it start with a prefix? */
static int
name_in(const char *name, const char *const *names, size_t n,
    const char *const *prefixes, size_t np)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(name, names[i]) == 0)
			return 1;
	for (i = 0; i < np; i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

static int
quiet(const char *name)
{
	return name_in(name, quiet_names, NELEM(quiet_names), quiet_prefixes,
	    NELEM(quiet_prefixes));
}

/* ---- the context stack ---- */

/* Push a block; NULL when out of memory (the run fails). */
static struct nframe *
push(struct ngx *nx, enum nctx ctx, unsigned line, const char *what)
{
	struct nframe	*f;
	size_t		 cap;

	if (nx->depth == nx->cap) {
		cap = nx->cap < 8 ? 8 : nx->cap * 2;
		if ((f = realloc(nx->stack, cap * sizeof(*f))) == NULL) {
			nx->src->imp->failed = 1;
			return NULL;
		}
		nx->stack = f;
		nx->cap = cap;
	}
	f = &nx->stack[nx->depth++];
	memset(f, 0, sizeof(*f));
	f->ctx = ctx;
	f->line = line;
	f->what = what;
	return f;
}

/* Push a block whose statements are each reported, with why. */
static void
push_skip(struct ngx *nx, const struct nstmt *st, const char *why)
{
	const char	*what;
	char		 msg[160];

	snprintf(msg, sizeof(msg), "inside the %s block at line %u, which is "
	    "not imported", WORD(st, 0), st->line);
	skip_stmt(nx, st, why);
	what = keep(&nx->a, msg, strlen(msg));
	(void)push(nx, C_SKIP, st->line, what != NULL ? what :
	    "inside a block that is not imported");
}

/* ---- servers: collecting ---- */

/*
 * Make room for element n of array arr (of elements of size bytes) in
 * arena a: the array doubles when n is a power of two, by a copy (what it
 * holds is small: a server's locations and rules, a map's regex keys).
 * Returns the array, perhaps moved, or NULL when out of memory.
 */
static void *
grow(struct arena *a, void *arr, size_t n, size_t size)
{
	void	*p;

	if (n != 0 && (n & (n - 1)) != 0)
		return arr;
	if (n > SIZE_MAX / 2 / size ||
	    (p = arena_alloc(a, (n == 0 ? 1 : n * 2) * size)) == NULL)
		return NULL;
	if (n > 0)
		memcpy(p, arr, n * size);
	return p;
}

/* Append a zeroed rule to an array in arena a; NULL when out of memory. */
static struct nrule *
rule_add(struct arena *a, struct nrule **rules, size_t *n)
{
	struct nrule	*r;

	if ((r = grow(a, *rules, *n, sizeof(*r))) == NULL)
		return NULL;
	*rules = r;
	r = &r[(*n)++];
	memset(r, 0, sizeof(*r));
	return r;
}

/* server_name: the names as `host =` patterns. */
static void
server_names(struct ngx *nx, struct nserver *sv, const struct nstmt *st)
{
	char		 mem[LINE_MAX_LEN];
	struct buf	 b;
	const char	*w;
	size_t		 i, j;
	int		 bad = 0;

	buf_init(&b, mem, sizeof(mem));
	if (sv->hosts != NULL)
		buf_adds(&b, sv->hosts);
	for (i = 1; i < st->n; i++) {
		w = WORD(st, i);
		if (w[0] == '\0' || strcmp(w, "_") == 0)
			continue;
		if (w[0] == '~' || strchr(w, '$') != NULL ||
		    (strchr(w, '*') != NULL && strncmp(w, "*.", 2) != 0) ||
		    strchr(w + 1, '*') != NULL ||
		    values_host_pattern(w[0] == '.' ? w + 1 : w,
		    strlen(w[0] == '.' ? w + 1 : w)) != 0) {
			import_skip(nx->src, st->w[i].line, "the server name "
			    "'%.200s' (a regex, a trailing wildcard, a "
			    "variable or not a host name): the server's rules "
			    "are for its other names", w);
			bad = 1;
			continue;
		}
		if (b.len > 0)
			buf_addc(&b, ' ');
		j = b.len;
		if (w[0] == '.') {
			buf_adds(&b, w + 1);
			buf_adds(&b, " *");
		}
		buf_adds(&b, w);
		for (; j < b.len; j++)
			b.data[j] = (char)tolower((unsigned char)b.data[j]);
		if (sv->first_name == NULL && w[0] != '*' && w[0] != '.')
			sv->first_name = keep(&sv->a, w, strlen(w));
	}
	sv->hosts_bad |= bad;
	if (b.overflow)
		import_skip(nx->src, st->line, "too many server names");
	else if (b.len > 0)
		sv->hosts = keep(&sv->a, b.data, b.len);
}

/* listen: whether the server takes http, https or both. */
static void
server_listen(struct nserver *sv, const struct nstmt *st)
{
	const char	*w, *port;
	size_t		 i;
	int		 tls = 0;

	for (i = 1; i < st->n; i++) {
		w = WORD(st, i);
		if (strcmp(w, "ssl") == 0 || strcmp(w, "quic") == 0)
			tls = 1;
	}
	if (st->n > 1) {
		w = WORD(st, 1);
		port = strrchr(w, ':');
		port = port != NULL && w[0] != '[' ? port + 1 :
		    port != NULL && port > strchr(w, ']') ? port + 1 : w;
		if (strcmp(port, "443") == 0)
			tls = 1;
	}
	if (tls)
		sv->tls = 1;
	else
		sv->plain = 1;
}

/*
 * return CODE URL; return URL; into r (in a location, at server level, or
 * in an if): 0, or -1 after reporting it.  main/ncap: the regex whose
 * groups $1..$9 name.
 */
static int
parse_return(struct ngx *nx, struct nserver *sv, const struct nstmt *st,
    struct nrule *r, int ncap)
{
	char		 mem[LINE_MAX_LEN];
	struct buf	 b;
	struct ntarget	 t;
	const char	*url, *text;
	int		 code;

	if (st->n == 2 && is_absolute(WORD(st, 1))) {
		code = 302;
		url = WORD(st, 1);
	} else if (st->n == 3 && (code = status_of(WORD(st, 1))) >= 0)
		url = WORD(st, 2);
	else {
		skip_stmt(nx, st, st->n == 2 && status_of(WORD(st, 1)) >= 0 ?
		    "a return that is not a redirect" :
		    "a return that is not 'return CODE URL'");
		return -1;
	}
	if (!is_redirect(code)) {
		skip_stmt(nx, st, code >= 300 && code < 400 ?
		    "a redirect status that fcgi-redirect does not send" :
		    "a return that is not a redirect");
		return -1;
	}
	buf_init(&b, mem, sizeof(mem));
	if (ngx_target(url, ncap, sv, &b, &t) != 0) {
		skip_stmt(nx, st, t.why);
		return -1;
	}
	text = stmt_text(nx, st);
	r->line = st->line;
	r->text = keep(&sv->a, text, strlen(text));
	r->to = keep(&sv->a, b.data, b.len);
	r->status = code;
	r->ncap = ncap;
	/* return never carries the request's query by itself. */
	r->flags = t.keep_query ? 0 : OPT_QUERY_DROP;
	return r->to == NULL ? -1 : 0;
}

/*
 * Translate a regex written against nginx's decoded $uri into fcgi-redirect's
 * form, kept in a.  NULL after reporting the statement.
 */
static const char *
regex_of(struct ngx *nx, struct arena *a, const struct nstmt *st,
    const char *re)
{
	char		 mem[LINE_MAX_LEN];
	const char	*why;
	char		*r;

	if (import_regex_path(re, strlen(re), mem, sizeof(mem), &why) != 0) {
		skip_stmt(nx, st, why);
		return NULL;
	}
	if ((r = keep(a, mem, strlen(mem))) == NULL)
		skip_stmt(nx, st, "out of memory");
	return r;
}

/* The number of groups of a regex, capped at 9; -1 when it fails. */
static int
re_groups(const char *re, int ci)
{
	pcre2_code	*code;
	uint32_t	 n = 0;
	size_t		 off;
	int		 err;

	code = image_regex_compile(re, strlen(re), ci ? OPT_CASE_IGNORE : 0,
	    &err, &off);
	if (code == NULL)
		return -1;
	pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &n);
	pcre2_code_free(code);
	return n > 9 ? 9 : (int)n;
}

/*
 * rewrite REGEX REPLACEMENT [flag]: a redirect into r, 0; -1 after
 * reporting it (an internal rewrite is not a redirect).
 */
static int
parse_rewrite(struct ngx *nx, struct nserver *sv, const struct nstmt *st,
    struct nrule *r)
{
	char		 mem[LINE_MAX_LEN], *repl;
	struct buf	 b;
	struct ntarget	 t;
	const char	*flag, *re, *text;
	size_t		 n;
	int		 code, ncap, drop = 0;

	if (st->n != 3 && st->n != 4) {
		skip_stmt(nx, st, "a rewrite that is not 'rewrite REGEX "
		    "REPLACEMENT [flag]'");
		return -1;
	}
	flag = st->n == 4 ? WORD(st, 3) : "";
	if (strcmp(flag, "permanent") == 0)
		code = 301;
	else if (strcmp(flag, "redirect") == 0 ||
	    (flag[0] == '\0' && is_absolute(WORD(st, 2))))
		code = 302;
	else if (strcmp(flag, "last") == 0 || strcmp(flag, "break") == 0 ||
	    flag[0] == '\0') {
		skip_stmt(nx, st, "an internal rewrite (last, break or no "
		    "flag to a local path), not a redirect: nginx goes on "
		    "with the rewritten URL, so a request it matches may be "
		    "answered here by a rule that nginx does not reach");
		return -1;
	} else {
		skip_stmt(nx, st, "a rewrite with an unknown flag");
		return -1;
	}
	if ((re = regex_of(nx, &sv->a, st, WORD(st, 1))) == NULL)
		return -1;
	if ((ncap = re_groups(re, 0)) < 0) {
		skip_stmt(nx, st, "a regex that does not compile");
		return -1;
	}
	repl = WORD(st, 2);
	n = strlen(repl);
	/* A replacement ending in '?' drops the request's arguments. */
	if (n > 0 && repl[n - 1] == '?') {
		repl[n - 1] = '\0';
		drop = 1;
	}
	buf_init(&b, mem, sizeof(mem));
	if (ngx_target_whole(repl, ncap, whole_group(WORD(st, 1)), sv, &b,
	    &t) != 0) {
		skip_stmt(nx, st, t.why);
		return -1;
	}
	if (t.uses_query && !drop)
		import_note(nx->src, st->line, "nginx appends the request's "
		    "arguments once more after $args; fcgi-redirect does not");
	text = stmt_text(nx, st);
	r->line = st->line;
	r->text = keep(&sv->a, text, strlen(text));
	r->main = re;
	r->ncap = ncap;
	r->to = keep(&sv->a, b.data, b.len);
	r->status = code;
	r->flags = drop ? OPT_QUERY_DROP : 0;
	return r->to == NULL ? -1 : 0;
}

/* location [=|~|~*|^~] URI {: a new location of the server. */
static void
open_location(struct ngx *nx, struct nserver *sv, const struct nstmt *st)
{
	struct nloc	*l, *ls;
	struct nframe	*f;
	const char	*mod = "", *arg;

	if (st->n == 3) {
		mod = WORD(st, 1);
		arg = WORD(st, 2);
	} else if (st->n == 2) {
		arg = WORD(st, 1);
		if (arg[0] == '=') {
			mod = "=";
			arg++;
		} else if (strncmp(arg, "^~", 2) == 0) {
			mod = "^~";
			arg += 2;
		} else if (strncmp(arg, "~*", 2) == 0) {
			mod = "~*";
			arg += 2;
		} else if (arg[0] == '~') {
			mod = "~";
			arg++;
		}
	} else {
		push_skip(nx, st, "a location that is not 'location [=|~|~*|"
		    "^~] URI'");
		return;
	}
	if (arg[0] == '@') {
		push_skip(nx, st, "a named location (reached only by "
		    "try_files, error_page...)");
		return;
	}
	if (nx->depth > 0 && nx->stack[nx->depth - 1].ctx == C_LOCATION) {
		push_skip(nx, st, "a nested location");
		return;
	}
	if ((ls = grow(&sv->a, sv->locs, sv->nlocs, sizeof(*ls))) == NULL) {
		nx->src->imp->failed = 1;
		return;
	}
	sv->locs = ls;
	l = &sv->locs[sv->nlocs++];
	memset(l, 0, sizeof(*l));
	l->line = st->line;
	if (strcmp(mod, "=") == 0)
		l->kind = L_EXACT;
	else if (strcmp(mod, "^~") == 0)
		l->kind = L_NOREGEX;
	else if (strcmp(mod, "~") == 0 || strcmp(mod, "~*") == 0) {
		l->kind = L_REGEX;
		l->ci = mod[1] == '*';
	} else if (mod[0] == '\0')
		l->kind = L_PREFIX;
	else {
		l->bad = 1;
		skip_stmt(nx, st, "an unknown location modifier");
	}
	if (l->bad)
		;
	else if (l->kind == L_REGEX) {
		if ((l->match = regex_of(nx, &sv->a, st, arg)) == NULL ||
		    re_groups(l->match, l->ci) < 0) {
			if (l->match != NULL)
				skip_stmt(nx, st, "a regex that does not "
				    "compile");
			l->bad = 1;
		}
	} else if (arg[0] != '/') {
		skip_stmt(nx, st, "a location that does not start with '/' "
		    "(it never matches a request)");
		l->bad = 1;
	} else if ((l->match = path_url(&sv->a, arg)) == NULL) {
		skip_stmt(nx, st, "the location is too long");
		l->bad = 1;
	}
	if ((f = push(nx, C_LOCATION, st->line, NULL)) != NULL)
		f->loc = l;
}

/* ---- maps ---- */

static struct nmap *
map_find(struct ngx *nx, const char *var)
{
	struct nmap	*m;

	for (m = nx->maps; m != NULL; m = m->next)
		if (strcmp(m->var, var) == 0)
			return m;
	return NULL;
}

/* map $uri|$request_uri $var {: a new map, spooled to emit.c. */
static void
open_map(struct ngx *nx, const struct nstmt *st)
{
	struct emit_opts	 o;
	struct nmap		*m;
	char			 hint[160];
	const char		*var;
	struct nframe		*f;

	if (st->n != 3 || WORD(st, 2)[0] != '$' || WORD(st, 2)[1] == '\0' ||
	    strlen(WORD(st, 2)) >= sizeof(m->var)) {
		push_skip(nx, st, "a map that is not 'map $uri $variable'");
		return;
	}
	var = WORD(st, 2) + 1;
	if (strcmp(WORD(st, 1), "$uri") != 0 &&
	    strcmp(WORD(st, 1), "$request_uri") != 0) {
		push_skip(nx, st, "a map of something else than $uri or "
		    "$request_uri");
		return;
	}
	if ((m = arena_alloc(&nx->a, sizeof(*m))) == NULL) {
		nx->src->imp->failed = 1;
		return;
	}
	memset(m, 0, sizeof(*m));
	snprintf(m->var, sizeof(m->var), "%s", var);
	m->src = strcmp(WORD(st, 1), "$uri") == 0 ? M_URI : M_REQUEST_URI;
	m->line = st->line;
	snprintf(hint, sizeof(hint), "%s-%u-%s", nx->src->base, st->line,
	    var);
	memset(&o, 0, sizeof(o));
	m->k = emit_map_open(nx->src->imp, hint, &o);
	if (m->k < 0)
		return;
	m->next = nx->maps;
	nx->maps = m;
	if (m->src == M_REQUEST_URI)
		import_note(nx->src, st->line, "a map of $request_uri: nginx "
		    "compares the URI as sent, query included, as a string; "
		    "fcgi-redirect compares the normalized path and the key's "
		    "parameters decoded and in any order, and refuses others "
		    "(other-params = refuse)");
	if ((f = push(nx, C_MAP, st->line, NULL)) != NULL)
		f->map = m;
}

/* Is a map value one that makes `if ($var)` false ("" or "0")? */
static int
value_false(const char *v)
{
	return v[0] == '\0' || strcmp(v, "0") == 0;
}

/* A statement inside a map: KEY VALUE; default; hostnames; include. */
static void
map_stmt(struct ngx *nx, const struct nstmt *st)
{
	struct nmap	*m = nx->stack[nx->depth - 1].map;
	struct nmapre	*re;
	struct ntarget	 t;
	struct buf	 b;
	char		 mem[LINE_MAX_LEN], key[LINE_MAX_LEN];
	const char	*k, *why;
	int		 ci;

	if (m->bad)
		return;
	if (st->n == 1 && word_is(st, 0, "volatile"))
		return;
	if (st->n == 1 && word_is(st, 0, "hostnames")) {
		skip_stmt(nx, st, "hostnames: a map of host names is not one "
		    "of paths");
		emit_map_drop(nx->src->imp, m->k, nx->src, st->line,
		    "the map's entries, with hostnames");
		m->bad = 1;
		return;
	}
	if (st->n == 2 && word_is(st, 0, "include") && !st->w[0].quoted) {
		skip_stmt(nx, st, "include is not followed: import the "
		    "included file too (its entries are not in this map)");
		return;
	}
	if (st->n != 2) {
		skip_stmt(nx, st, "a map entry that is not 'KEY VALUE;'");
		return;
	}
	k = WORD(st, 0);
	if (!st->w[0].quoted && strcmp(k, "default") == 0) {
		m->dflt = keep(&nx->a, WORD(st, 1), strlen(WORD(st, 1)));
		m->dflt_line = st->line;
		return;
	}
	if (k[0] == '\\' && !st->w[0].quoted)
		k++;
	if (k[0] == '~') {
		ci = k[1] == '*';
		k += ci ? 2 : 1;
		if (m->src == M_URI) {
			if (import_regex_path(k, strlen(k), mem, sizeof(mem),
			    &why) != 0) {
				skip_stmt(nx, st, why);
				return;
			}
			k = mem;
		}
		if ((re = grow(&nx->a, m->re, m->nre, sizeof(*re))) == NULL) {
			nx->src->imp->failed = 1;
			return;
		}
		m->re = re;
		re = &m->re[m->nre++];
		re->line = st->line;
		re->re = keep(&nx->a, k, strlen(k));
		re->ci = ci;
		re->value = keep(&nx->a, WORD(st, 1), strlen(WORD(st, 1)));
		return;
	}
	if (value_false(WORD(st, 1)))
		return;		/* the if is false: no redirect, as nginx */
	if (k[0] != '/') {
		skip_stmt(nx, st, "a map key that is not a path (it never "
		    "matches a request)");
		return;
	}
	buf_init(&b, key, sizeof(key) - 1);
	if (m->src == M_URI)
		import_path_encode(&b, k, strlen(k));
	else
		buf_adds(&b, k);
	if (b.overflow) {
		skip_stmt(nx, st, "the key is too long");
		return;
	}
	b.data[b.len] = '\0';
	buf_init(&b, mem, sizeof(mem) - 1);
	if (ngx_target(WORD(st, 1), -1, NULL, &b, &t) != 0 || t.keep_query ||
	    t.uses_query) {
		skip_stmt(nx, st, t.why != NULL ? t.why : "a value with the "
		    "request's query in a map");
		return;
	}
	b.data[b.len] = '\0';
	(void)emit_map_entry(nx->src, st->line, m->k, key, b.data);
}

/* ---- servers: writing ---- */

/* The regex of an exclusion or region, wrapped for case when ci. */
static void
re_part(struct buf *b, const char *head, const char *re, int ci,
    const char *tail)
{
	buf_adds(b, head);
	if (ci)
		buf_adds(b, "(?i:");
	buf_adds(b, re);
	if (ci)
		buf_addc(b, ')');
	buf_adds(b, tail);
}

/*
 * Write to b "(?!rest|...)": the rests of the prefixes longer than ^~
 * location h that extend it, for h wins only as the longest prefix.
 */
static void
longest(struct buf *b, const struct nserver *sv, const struct nloc *h)
{
	const struct nloc	*o;
	size_t			 i, k = 0, n = strlen(h->match);

	for (i = 0; i < sv->nlocs; i++) {
		o = &sv->locs[i];
		if (o->bad || (o->kind != L_PREFIX && o->kind != L_NOREGEX) ||
		    strlen(o->match) <= n || strncmp(o->match, h->match, n) != 0)
			continue;
		buf_adds(b, k++ == 0 ? "(?!" : "|");
		re_quote(b, o->match + n, strlen(o->match + n));
	}
	if (k > 0)
		buf_addc(b, ')');
}

/*
 * The region of the paths that location h (of sv) takes, as a regex that
 * starts at the start of the path, written to b as "(?!region)".
 */
static void
exclude(struct buf *b, const struct nserver *sv, const struct nloc *h)
{
	switch (h->kind) {
	case L_EXACT:
		buf_adds(b, "(?!");
		re_quote(b, h->match, strlen(h->match));
		buf_adds(b, "$)");
		break;
	case L_REGEX:
		re_part(b, "(?!.*?(?:", h->match, h->ci, "))");
		break;
	case L_NOREGEX:
	case L_PREFIX:
		buf_adds(b, "(?!");
		re_quote(b, h->match, strlen(h->match));
		if (h->kind == L_NOREGEX)
			longest(b, sv, h);
		buf_addc(b, ')');
		break;
	}
}

/* The literal start of location l's paths, in lit: its length or -1. */
static int
loc_literal(const struct nloc *l, char *lit, size_t cap)
{
	if (l->kind == L_REGEX)
		return re_literal(l->match, lit, cap);
	snprintf(lit, cap, "%s", l->match);
	return (int)strlen(lit);
}

/*
 * Write to b the exclusions that rule-writing for location l needs: the
 * regions of the locations nginx prefers to l for some path that do not
 * always redirect (their own rules stand before l's and take the rest).
 */
static void
exclusions(struct buf *b, const struct nserver *sv, const struct nloc *l)
{
	char			 ll[LINE_MAX_LEN], hl[LINE_MAX_LEN];
	const struct nloc	*h;
	size_t			 i, n = strlen(l->match);
	int			 lln, hln, before;

	lln = loc_literal(l, ll, sizeof(ll));
	for (i = 0; i < sv->nlocs; i++) {
		h = &sv->locs[i];
		if (h == l || h->bad || h->answers)
			continue;
		hln = loc_literal(h, hl, sizeof(hl));
		before = h < l;
		switch (h->kind) {
		case L_EXACT:
			if (l->kind == L_EXACT)
				continue;
			if (l->kind == L_REGEX ? !re_matches(l->match, l->ci,
			    h->match) : strncmp(h->match, l->match, n) != 0)
				continue;
			break;
		case L_NOREGEX:
			/* It beats regexes and shorter prefixes. */
			if (l->kind == L_EXACT || l->kind == L_NOREGEX)
				continue;
			if (l->kind == L_PREFIX && (strlen(h->match) <= n ||
			    strncmp(h->match, l->match, n) != 0))
				continue;
			if (!overlap(ll, lln, hl, hln, l->ci))
				continue;
			break;
		case L_REGEX:
			/* It beats later regexes and the plain prefixes. */
			if (l->kind == L_EXACT || l->kind == L_NOREGEX ||
			    (l->kind == L_REGEX && !before) ||
			    !overlap(ll, lln, hl, hln, l->ci || h->ci))
				continue;
			break;
		case L_PREFIX:
			/* A longer prefix beats a shorter plain one. */
			if (l->kind != L_PREFIX || strlen(h->match) <= n ||
			    strncmp(h->match, l->match, n) != 0)
				continue;
			break;
		}
		exclude(b, sv, h);
	}
}

/* The host and scheme conditions of the server's rules. */
static void
server_opts(const struct nserver *sv, struct emit_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->hosts = sv->hosts;
	if (sv->ssl_on || (sv->tls && !sv->plain))
		o->scheme = "https";
	else if (!sv->tls)
		o->scheme = "http";
}

/* Write one rule: its regex (or path) made by the caller. */
static void
write_rule(struct ngx *nx, const struct nserver *sv, const struct nrule *r,
    enum rule_kind kind, const char *match, int ci)
{
	struct emit_rule	 er;

	memset(&er, 0, sizeof(er));
	server_opts(sv, &er.opts);
	er.kind = kind;
	er.match = match;
	er.to = r->to;
	er.opts.status = r->status;
	er.opts.flags = r->flags | (ci ? OPT_CASE_IGNORE : 0);
	if (r->hosts != NULL)
		er.opts.hosts = r->hosts;
	if (r->scheme != NULL)
		er.opts.scheme = r->scheme;
	(void)emit_rule(nx->src, r->line, r->text, &er);
}

/*
 * Does every path that regex re matches lie in prefix location l (or is l
 * "/")?  Then re alone says both.
 */
static int
within(const char *re, const struct nloc *l)
{
	char	 lit[LINE_MAX_LEN];
	int	 n;
	size_t	 pn = strlen(l->match);

	if (l->kind == L_PREFIX && strcmp(l->match, "/") == 0)
		return 1;
	/* A ^~ location needs its longest-prefix test written out. */
	if (l->kind != L_PREFIX || (n = re_literal(re, lit, sizeof(lit))) < 0)
		return 0;
	return (size_t)n >= pn && strncmp(lit, l->match, pn) == 0;
}

/*
 * Append regex re (case-insensitive when ci) to b as a part that matches
 * where re would match in the path, after a '^' and lookaheads: an
 * anchored re without alternatives keeps its start, another is searched.
 */
static void
re_main(struct buf *b, const char *re, int ci)
{
	if (re[0] == '^' && strchr(re, '|') == NULL)
		re_part(b, ci ? "" : "(?:", re + 1, ci, ci ? "" : ")");
	else
		re_part(b, ".*?", re, ci, "");
}

/* Append the region of prefix or exact location l to b, as it consumes. */
static void
loc_region(struct buf *b, const struct nserver *sv, const struct nloc *l)
{
	re_quote(b, l->match, strlen(l->match));
	if (l->kind == L_EXACT)
		buf_addc(b, '$');
	if (l->kind == L_NOREGEX)
		longest(b, sv, l);
}

/*
 * Write rule r of location l (NULL: of the server) so that it is the first
 * match for the requests nginx gives it: the location's region, the regex
 * r runs (its groups numbered first, as $1..$9 name them), and the
 * exclusions of the locations nginx prefers that do not always redirect.
 */
static void
write_loc_rule(struct ngx *nx, const struct nserver *sv, const struct nloc *l,
    const struct nrule *r)
{
	static char	 mem[LINE_MAX_LEN], exmem[LINE_MAX_LEN];
	struct buf	 b, ex;
	const char	*main = r->main;
	int		 ci = r->main_ci, region = l != NULL;

	buf_init(&ex, exmem, sizeof(exmem) - 1);
	if (l != NULL)
		exclusions(&ex, sv, l);
	ex.data[ex.overflow ? 0 : ex.len] = '\0';
	if (l != NULL && l->kind == L_REGEX && main == NULL) {
		/* A return in a regex location: its groups. */
		main = l->match;
		ci = l->ci;
		region = 0;
	} else if (l != NULL && main != NULL && l->kind != L_REGEX &&
	    within(main, l))
		region = 0;	/* the rewrite's regex says the location */
	buf_init(&b, mem, sizeof(mem) - 1);
	if (!region && main == NULL) {
		buf_adds(&b, "^/");	/* the server's return */
		ci = 0;
	} else if (!region && ex.len == 0) {
		buf_adds(&b, main);
	} else if (main == NULL && ex.len == 0 && l->kind == L_EXACT) {
		write_rule(nx, sv, r, RULE_PATH, l->match, 0);
		return;
	} else if (ex.len == 0 || re_groups(ex.data, 0) == 0) {
		/* The exclusions first: they hold no group. */
		buf_addc(&b, '^');
		buf_add(&b, ex.data, ex.len);
		if (region && l->kind == L_REGEX)
			re_part(&b, "(?=.*?(?:", l->match, l->ci, "))");
		else if (region && main == NULL)
			loc_region(&b, sv, l);
		else if (region) {
			buf_adds(&b, "(?=");
			loc_region(&b, sv, l);
			buf_addc(&b, ')');
		}
		if (main != NULL)
			re_main(&b, main, ci);
		ci = 0;
	} else {
		/* The groups of main first, in a lookahead. */
		buf_addc(&b, '^');
		if (main != NULL)
			re_part(&b, "(?=.*?(?:", main, ci, "))");
		buf_add(&b, ex.data, ex.len);
		if (region && l->kind == L_REGEX)
			re_part(&b, "(?=.*?(?:", l->match, l->ci, "))");
		else if (region)
			loc_region(&b, sv, l);
		ci = 0;
	}
	if (ex.overflow || b.overflow) {
		import_skip(nx->src, r->line, "the rule is too long");
		return;
	}
	b.data[b.len] = '\0';
	write_rule(nx, sv, r, RULE_REGEX, b.data, ci);
}

/*
 * Write the map that an if ($var) { return CODE $var; } writes, where the
 * if stands: its exact keys as a [map], then its regex keys and default as
 * rules, all with the server's conditions.
 */
static void
write_map(struct ngx *nx, const struct nserver *sv, const struct nrule *r)
{
	struct nmap		*m = r->map;
	struct emit_opts	 o;
	struct nrule		 er;
	struct ntarget		 t;
	struct buf		 b;
	char			 mem[LINE_MAX_LEN], text[160];
	const char		*why;
	size_t			 i;
	int			 ncap;

	server_opts(sv, &o);
	o.status = r->status;
	o.flags = OPT_QUERY_DROP | OPT_CASE_IGNORE;
	/* $request_uri is the whole URI: no parameter but the key's. */
	if (m->src == M_REQUEST_URI)
		o.flags |= OPT_PARAMS_ONLY;
	if (m->used) {
		/* Another server's if: the same entries, its conditions. */
		if (emit_map_again(nx->src->imp, m->k, &o, &why) != 0) {
			import_skip(nx->src, r->line, "the map of line %u for "
			    "this if too: %s", m->line, why);
			return;
		}
	} else {
		m->used = r->line;
		emit_map_opts(nx->src->imp, m->k, &o);
		emit_map_flush(nx->src->imp, m->k);
	}
	for (i = 0; i < m->nre + (m->dflt != NULL); i++) {
		struct nmapre	 d, *re = i < m->nre ? &m->re[i] : &d;

		if (i == m->nre) {
			if (value_false(m->dflt))
				break;
			d.line = m->dflt_line;
			d.re = "^/";
			d.ci = 0;
			d.value = m->dflt;
		}
		memset(&er, 0, sizeof(er));
		snprintf(text, sizeof(text), "map key %s%s, for the if at line "
		    "%u", i < m->nre ? "~" : "default", i < m->nre ? re->re :
		    "", r->line);
		if (value_false(re->value))
			continue;
		if ((ncap = re_groups(re->re, re->ci)) < 0) {
			import_skip(nx->src, re->line, "a regex that does not "
			    "compile");
			continue;
		}
		buf_init(&b, mem, sizeof(mem) - 1);
		if (ngx_target(re->value, ncap, sv, &b, &t) != 0 ||
		    t.keep_query || t.uses_query) {
			import_skip(nx->src, re->line, "%s", t.why != NULL ?
			    t.why : "a value with the request's query");
			continue;
		}
		b.data[b.len] = '\0';
		er.line = re->line;
		er.text = text;
		er.to = b.data;
		er.status = r->status;
		er.flags = OPT_QUERY_DROP;
		write_rule(nx, sv, &er, RULE_REGEX, re->re, re->ci);
	}
}

/* The order nginx prefers locations in, for qsort: see the file's head. */
static int
loc_cmp(const void *a, const void *b)
{
	const struct nloc *const *x = a, *const *y = b;
	size_t	 lx, ly;
	int	 rx, ry;

	/* = first, ^~ (longest first), regexes in file order, prefixes. */
	rx = (*x)->kind;
	ry = (*y)->kind;
	if (rx != ry)
		return rx - ry;
	if (rx == L_NOREGEX || rx == L_PREFIX) {
		lx = (*x)->match != NULL ? strlen((*x)->match) : 0;
		ly = (*y)->match != NULL ? strlen((*y)->match) : 0;
		if (lx != ly)
			return lx > ly ? -1 : 1;
	}
	return (*x)->line < (*y)->line ? -1 : (*x)->line > (*y)->line;
}

/* Report every rule of the server not imported, with why. */
static void
server_skip_all(struct ngx *nx, const struct nserver *sv, const char *why)
{
	size_t	 i, j;

	for (i = 0; i < sv->npre; i++)
		import_skip(nx->src, sv->pre[i].line, "%s", why);
	for (i = 0; i < sv->nlocs; i++)
		for (j = 0; j < sv->locs[i].nrules; j++)
			import_skip(nx->src, sv->locs[i].rules[j].line, "%s",
			    why);
}

/* Write a server's rules, in the order nginx runs them. */
static void
server_write(struct ngx *nx, struct nserver *sv)
{
	struct nloc	**order;
	size_t		 i, j;

	if (sv->hosts == NULL && sv->hosts_bad) {
		server_skip_all(nx, sv, "the server's names cannot be "
		    "expressed as hosts");
		return;
	}
	for (i = 0; i < sv->npre; i++) {
		if (sv->pre[i].map != NULL)
			write_map(nx, sv, &sv->pre[i]);
		else
			write_loc_rule(nx, sv, NULL, &sv->pre[i]);
	}
	if (sv->nlocs == 0)
		return;
	if ((order = calloc(sv->nlocs, sizeof(*order))) == NULL) {
		nx->src->imp->failed = 1;
		return;
	}
	for (i = 0; i < sv->nlocs; i++)
		order[i] = &sv->locs[i];
	qsort(order, sv->nlocs, sizeof(*order), loc_cmp);
	for (i = 0; i < sv->nlocs; i++) {
		if (order[i]->bad)
			continue;
		for (j = 0; j < order[i]->nrules; j++) {
			if (sv->return_all)
				import_skip(nx->src, order[i]->rules[j].line,
				    "never reached: the server's return at "
				    "line %u answers every request",
				    sv->return_all);
			else
				write_loc_rule(nx, sv, order[i],
				    &order[i]->rules[j]);
		}
	}
	free(order);
}

/* A server's block ended: write it now, or at the end when it has no names. */
static void
server_end(struct ngx *nx)
{
	struct nserver	*sv = nx->server;

	nx->server = NULL;
	if (sv->hosts == NULL && !sv->hosts_bad) {
		/* nginx gives it the hosts no other server names. */
		*nx->held_tail = sv;
		nx->held_tail = &sv->next;
		return;
	}
	server_write(nx, sv);
	arena_free(&sv->a);
	free(sv);
}

/* ---- statements by context ---- */

/*
 * The words of an if's condition, without its parentheses (nginx leaves
 * them attached to the words, or alone): up to 3 into w[], their number,
 * or -1 when they are not "(...)".
 */
static int
if_words(const struct nstmt *st, char *scratch, size_t cap, const char **w)
{
	struct buf	 b;
	size_t		 i, first = 1, last = st->n - 1, n;
	int		 k = 0;

	if (st->n < 2)
		return -1;
	if (word_is(st, 1, "(") && !st->w[1].quoted)
		first = 2;
	else if (WORD(st, 1)[0] != '(' || st->w[1].quoted)
		return -1;
	if (word_is(st, last, ")") && !st->w[last].quoted && last > first)
		last--;
	else if (st->w[last].quoted || (n = strlen(WORD(st, last))) == 0 ||
	    WORD(st, last)[n - 1] != ')')
		return -1;
	if (last - first + 1 > 3)
		return -1;
	buf_init(&b, scratch, cap);
	for (i = first; i <= last; i++) {
		const char *s = WORD(st, i);

		n = strlen(s);
		if (i == 1 && first == 1) {
			s++;
			n--;
		}
		if (i == last && i == st->n - 1 && !st->w[i].quoted && n > 0)
			n--;	/* the attached ')' */
		w[k++] = b.data + b.len;
		buf_add(&b, s, n);
		buf_addc(&b, '\0');
	}
	return b.overflow ? -1 : k;
}

/* if (...) { at server level: the conditions fcgi-redirect has. */
static void
open_if(struct ngx *nx, const struct nstmt *st)
{
	struct nserver	*sv = nx->server;
	struct nframe	*f;
	struct nrule	 c;
	const char	*w[3], *var = "", *op = "", *val = "";
	char		 scratch[LINE_MAX_LEN];
	int		 n;

	memset(&c, 0, sizeof(c));
	c.ncap = -1;
	n = if_words(st, scratch, sizeof(scratch), w);
	if (n == 1 || n == 3) {
		var = w[0];
		if (n == 3) {
			op = w[1];
			val = w[2];
		}
	}
	if (var[0] == '$' && (n == 1 || (strcmp(op, "!=") == 0 &&
	    val[0] == '\0')) && map_find(nx, var + 1) != NULL) {
		c.map = map_find(nx, var + 1);
	} else if (strcmp(var, "$host") == 0 && strcmp(op, "=") == 0 &&
	    values_host_pattern(val, strlen(val)) == 0 &&
	    strchr(val, '*') == NULL) {
		c.hosts = keep(&sv->a, val, strlen(val));
	} else if (strcmp(var, "$scheme") == 0 && strcmp(op, "=") == 0 &&
	    (strcmp(val, "http") == 0 || strcmp(val, "https") == 0)) {
		c.scheme = strcmp(val, "http") == 0 ? "http" : "https";
	} else if (strcmp(var, "$uri") == 0 && (strcmp(op, "~") == 0 ||
	    strcmp(op, "~*") == 0)) {
		c.main_ci = op[1] == '*';
		if ((c.main = regex_of(nx, &sv->a, st, val)) == NULL) {
			(void)push(nx, C_SKIP, st->line, "inside an if that "
			    "is not imported");
			return;
		}
		if ((c.ncap = re_groups(c.main, c.main_ci)) < 0) {
			push_skip(nx, st, "a regex that does not compile");
			return;
		}
	} else {
		push_skip(nx, st, n == 1 && var[0] == '$' ?
		    "an if on a variable that is not a map of $uri or "
		    "$request_uri defined before it" : "an if whose condition "
		    "fcgi-redirect cannot express (it takes if ($map), "
		    "$host =, $scheme = and $uri ~)");
		return;
	}
	if ((f = push(nx, C_IF, st->line, NULL)) != NULL)
		f->cond = c;
}

/* A statement inside a server-level if. */
static void
if_stmt(struct ngx *nx, struct nframe *f, const struct nstmt *st)
{
	struct nserver	*sv = nx->server;
	struct nrule	*r, tmp;
	char		 want[160];

	if (f->done) {
		skip_stmt(nx, st, "never reached: after a return");
		return;
	}
	if (word_is(st, 0, "return")) {
		memset(&tmp, 0, sizeof(tmp));
		if (f->cond.map != NULL) {
			snprintf(want, sizeof(want), "$%s", f->cond.map->var);
			if (st->n != 3 || !word_is(st, 2, want)) {
				skip_stmt(nx, st, "a return in if ($map) "
				    "that is not 'return CODE $map'");
				return;
			}
			tmp.status = status_of(WORD(st, 1));
			if (!is_redirect(tmp.status)) {
				skip_stmt(nx, st, "a return that is not a "
				    "redirect fcgi-redirect sends");
				return;
			}
			tmp.line = st->line;
		} else if (parse_return(nx, sv, st, &tmp, f->cond.ncap) != 0)
			return;
		if ((r = rule_add(&sv->a, &sv->pre, &sv->npre)) == NULL) {
			nx->src->imp->failed = 1;
			return;
		}
		*r = tmp;
		r->map = f->cond.map;
		r->hosts = f->cond.hosts;
		r->scheme = f->cond.scheme;
		r->main = f->cond.main;
		r->main_ci = f->cond.main_ci;
		f->done = 1;
		return;
	}
	skip_stmt(nx, st, "an if holding something else than return is not "
	    "imported");
}

/* A statement inside a location. */
static void
location_stmt(struct ngx *nx, struct nframe *f, const struct nstmt *st)
{
	struct nserver	*sv = nx->server;
	struct nloc	*l = f->loc;
	struct nrule	 tmp, *r;
	const char	*name = WORD(st, 0);
	int		 rc;

	if (quiet(name))
		return;
	if (l->bad) {
		skip_stmt(nx, st, "in a location that is not imported");
		return;
	}
	if (f->done && (strcmp(name, "return") == 0 ||
	    strcmp(name, "rewrite") == 0)) {
		skip_stmt(nx, st, "never reached: after the location's return");
		return;
	}
	memset(&tmp, 0, sizeof(tmp));
	if (strcmp(name, "return") == 0) {
		rc = parse_return(nx, sv, st, &tmp, l->kind == L_REGEX ?
		    re_groups(l->match, l->ci) : -1);
		f->done = 1;	/* a return ends the location, redirect or not */
		if (rc == 0 && !l->leaks)
			l->answers = 1;
	} else if (strcmp(name, "rewrite") == 0) {
		if ((rc = parse_rewrite(nx, sv, st, &tmp)) != 0)
			l->leaks = 1;
	} else {
		skip_stmt(nx, st, "not a redirect (the location's content, "
		    "which fcgi-redirect does not serve)");
		return;
	}
	if (rc != 0)
		return;
	if ((r = rule_add(&sv->a, &l->rules, &l->nrules)) == NULL) {
		nx->src->imp->failed = 1;
		return;
	}
	*r = tmp;
}

/* A statement directly in a server. */
static void
server_stmt(struct ngx *nx, const struct nstmt *st)
{
	struct nserver	*sv = nx->server;
	struct nrule	 tmp, *r;
	const char	*name = WORD(st, 0);
	int		 rc;

	if (st->end == '{') {
		if (strcmp(name, "location") == 0)
			open_location(nx, sv, st);
		else if (strcmp(name, "if") == 0)
			open_if(nx, st);
		else
			push_skip(nx, st, "a block that is not a redirect");
		return;
	}
	if (strcmp(name, "listen") == 0) {
		server_listen(sv, st);
		return;
	}
	if (strcmp(name, "server_name") == 0) {
		server_names(nx, sv, st);
		return;
	}
	if (strcmp(name, "ssl") == 0 && word_is(st, 1, "on")) {
		sv->ssl_on = 1;
		return;
	}
	if (quiet(name))
		return;
	memset(&tmp, 0, sizeof(tmp));
	if (sv->return_all && (strcmp(name, "return") == 0 ||
	    strcmp(name, "rewrite") == 0)) {
		skip_stmt(nx, st, "never reached: after the server's return");
		return;
	}
	if (strcmp(name, "return") == 0) {
		rc = parse_return(nx, sv, st, &tmp, -1);
		sv->return_all = st->line;
	} else if (strcmp(name, "rewrite") == 0)
		rc = parse_rewrite(nx, sv, st, &tmp);
	else {
		skip_stmt(nx, st, strcmp(name, "include") == 0 ?
		    "include is not followed: import the included file too" :
		    "not a redirect (the server's content or settings)");
		return;
	}
	if (rc != 0)
		return;
	if ((r = rule_add(&sv->a, &sv->pre, &sv->npre)) == NULL) {
		nx->src->imp->failed = 1;
		return;
	}
	*r = tmp;
}

/* A statement at the top, or in http. */
static void
main_stmt(struct ngx *nx, enum nctx ctx, const struct nstmt *st)
{
	const char	*name = WORD(st, 0);
	struct nserver	*sv;
	size_t		 i;

	if (st->end == '{') {
		if (strcmp(name, "http") == 0 && ctx == C_MAIN && st->n == 1) {
			(void)push(nx, C_HTTP, st->line, NULL);
			return;
		}
		if (strcmp(name, "server") == 0 && st->n == 1) {
			if ((sv = calloc(1, sizeof(*sv))) == NULL) {
				nx->src->imp->failed = 1;
				return;
			}
			arena_init(&sv->a);
			sv->line = st->line;
			nx->server = sv;
			(void)push(nx, C_SERVER, st->line, NULL);
			return;
		}
		if (strcmp(name, "map") == 0) {
			open_map(nx, st);
			return;
		}
		for (i = 0; i < NELEM(quiet_blocks); i++)
			if (strcmp(name, quiet_blocks[i]) == 0) {
				(void)push(nx, C_QUIET, st->line, NULL);
				return;
			}
		push_skip(nx, st, "a block that is not a redirect");
		return;
	}
	if (quiet(name))
		return;
	skip_stmt(nx, st, strcmp(name, "include") == 0 ?
	    "include is not followed: import the included file too" :
	    "not a redirect");
}

/* Close the innermost block at a '}'. */
static void
close_block(struct ngx *nx, const struct nstmt *st)
{
	struct nframe	*f;

	if (nx->depth == 0) {
		skip_stmt(nx, st, "a '}' without its '{'");
		return;
	}
	f = &nx->stack[nx->depth - 1];
	if (f->ctx == C_SKIP)
		import_skip(nx->src, st->line, "the end of the block at line "
		    "%u, which is not imported", f->line);
	if (f->ctx == C_SERVER && nx->server != NULL)
		server_end(nx);
	nx->depth--;
}

/* Dispatch one statement to its context. */
static void
statement(struct ngx *nx, const struct nstmt *st)
{
	struct nframe	*f = nx->depth > 0 ? &nx->stack[nx->depth - 1] : NULL;
	enum nctx	 ctx = f != NULL ? f->ctx : C_MAIN;

	if (st->end == '}') {
		close_block(nx, st);
		return;
	}
	switch (ctx) {
	case C_MAIN:
	case C_HTTP:
		main_stmt(nx, ctx, st);
		return;
	case C_SERVER:
		server_stmt(nx, st);
		return;
	case C_LOCATION:
		if (st->end == '{') {
			if (strcmp(WORD(st, 0), "location") == 0)
				push_skip(nx, st, "a nested location");
			else {
				push_skip(nx, st, "a block in a location");
				f->loc->answers = 0;
			}
			return;
		}
		location_stmt(nx, f, st);
		return;
	case C_IF:
		if (st->end == '{') {
			push_skip(nx, st, "a block in an if");
			return;
		}
		if_stmt(nx, f, st);
		return;
	case C_MAP:
		if (st->end == '{') {
			push_skip(nx, st, "a block in a map");
			return;
		}
		map_stmt(nx, st);
		return;
	case C_QUIET:
		if (st->end == '{')
			(void)push(nx, C_QUIET, st->line, NULL);
		return;
	case C_SKIP:
		if (st->end == '{')
			push_skip(nx, st, f->what);
		else
			skip_stmt(nx, st, f->what);
		return;
	}
}

/* The end of the source: blocks left open, held servers, unused maps. */
static void
finish(struct ngx *nx)
{
	struct nserver	*sv, *next;
	struct nmap	*m;
	size_t		 i;
	int		 broken = nx->depth > 0;

	while (nx->depth > 0) {
		struct nframe *f = &nx->stack[--nx->depth];

		import_skip(nx->src, f->line, "the block opened here is not "
		    "closed by the end of the file");
	}
	if (nx->server != NULL) {
		server_skip_all(nx, nx->server, "in a server block that is "
		    "not closed");
		arena_free(&nx->server->a);
		free(nx->server);
		nx->server = NULL;
	}
	for (sv = nx->held; sv != NULL; sv = next) {
		next = sv->next;
		server_write(nx, sv);
		arena_free(&sv->a);
		free(sv);
	}
	nx->held = NULL;
	for (m = nx->maps; m != NULL; m = m->next) {
		if (m->used || m->bad)
			continue;
		emit_map_drop(nx->src->imp, m->k, nx->src, m->line, broken ?
		    "the map, in a file with a block not closed" :
		    "the map is used by no 'if ($var) { return CODE $var; }' "
		    "in a server");
		for (i = 0; i < m->nre; i++)
			import_skip(nx->src, m->re[i].line, "a regex key of "
			    "the map of line %u, which is not used", m->line);
		if (m->dflt != NULL && !value_false(m->dflt))
			import_skip(nx->src, m->dflt_line, "the default of "
			    "the map of line %u, which is not used", m->line);
	}
}

/*
 * Import one nginx configuration file: see the head of this file.
 */
void
nginx_import(struct import_src *src)
{
	struct ngx	 nx;
	struct nlex	 lx;
	struct nstmt	 st;

	memset(&nx, 0, sizeof(nx));
	memset(&lx, 0, sizeof(lx));
	memset(&st, 0, sizeof(st));
	nx.src = src;
	nx.held_tail = &nx.held;
	arena_init(&nx.a);
	lx.src = src;
	for (;;) {
		if (lex_stmt(&lx, &st) != 0) {
			if (!src->imp->failed)
				fprintf(stderr, "fcgi-redirect: --import: "
				    "out of memory\n");
			src->imp->failed = 1;
			break;
		}
		if (st.end == NSTMT_EOF)
			break;
		if (st.end == NSTMT_ERR) {
			skip_stmt(&nx, &st, st.err);
			continue;
		}
		statement(&nx, &st);
	}
	finish(&nx);
	free(st.text);
	free(st.w);
	free(nx.stack);
	arena_free(&nx.a);
}
