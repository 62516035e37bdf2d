/*
 * rules.c: the builder, which turns a rule file's sections and keys into a
 * read-only rule set.
 *
 * ini.c feeds the builder one section or key at a time, in file order.
 * rules_key() hands each value to its parser in keys.c's table, which
 * checks it as it arrives; each section is checked when the next one
 * starts (a rule needs exactly one of path, prefix, regex, and a `to`):
 * it inherits from [defaults] what it did not set itself, and its
 * targets are checked and compiled (target.c), its regex too.  Map entries
 * are finished one by one.  rules_finish() builds the indexes only when no
 * error was reported, then has analysis.c follow the redirects (a loop is
 * an error), and otherwise frees everything: a rule set is complete and
 * valid, or it is not used at all.  names.c keeps the names seen.
 *
 * [defaults] must come before the first rule or map, so that every rule
 * inherits what stands above it; a rule's own header lines are sent after
 * the inherited ones.
 */
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "fcgi-redirect.h"

enum section_kind {
	SEC_NONE,	/* before the first section */
	SEC_BAD,	/* a section already reported as wrong: keys ignored */
	SEC_DEFAULTS,
	SEC_RULE,
	SEC_MAP
};

/*
 * What web servers pass of the header lines a rule adds (`header` and
 * `cache`; [defaults]' lines and its own add up; keys.c checks each line
 * against what Apache takes).  lighttpd refuses some 64 KiB of response
 * headers.  nginx reads them into one fastcgi_buffer_size buffer, a page
 * (4 or 8 KiB) by default, which also holds our Status, Location and
 * Content-* lines.  So: a rule whose lines add up to more than HEADERS_MAX
 * (half of lighttpd's limit, leaving the rest to the Location; answers
 * always fit RESPONSE_MAX then) is an error, and more than HEADERS_NGINX is
 * a warning.
 */
#define HEADERS_MAX	(32 * 1024)
#define HEADERS_NGINX	3072

/*
 * The section being read.  keys.opts are its options (in the arena, or
 * the builder's scratch), keys.headers its own header lines.
 */
struct section {
	enum section_kind	 kind;
	unsigned		 line;
	const char		*name;		/* in the arena */
	struct key_ctx		 keys;		/* what the key parsers fill */
	unsigned		 key_line[KEY_N]; /* 0: not set */
	unsigned		 set;		/* KEY_BIT()s of the keys it set
						   itself, for inheritance */
	const char		*value[KEY_N];	/* in the arena */
	size_t			 first_entry;	/* maps: rule number */
};

struct builder {
	struct diag		*diag;
	struct draft		*rs;
	struct section		 sec;
	int			 seen_rule;	/* a rule or map so far */
	unsigned		 defaults_line;
	size_t			 cap;		/* of rs->rules */
	struct names		 names;		/* of rules and maps so far */
	const char		*base;		/* from [defaults], no '/' at end */
	/*
	 * A section's options are gathered in `scratch`; at its end they are
	 * copied to the arena, unless the section set none of them: then its
	 * rules share `plain` (what [defaults] gives), one copy for a file of
	 * a million one-line rules instead of a million.
	 */
	struct rule_opts	 scratch;
	struct rule_opts	*plain;
	unsigned		 map_keys;	/* KEY_BIT()s of map options */
	unsigned		 errors_at_start;
	int			 oom;
};

/* ---- allocation ---- */

static char *
builder_strdup(struct builder *b, const char *s, size_t n)
{
	char	*p;

	if ((p = arena_strndup(&b->rs->arena, s, n)) == NULL)
		b->oom = 1;
	return p;
}

/* Append a rule; returns it (zeroed) or NULL when out of memory. */
static struct rule *
builder_rule_add(struct builder *b)
{
	struct rule	*r;

	if (b->rs->nrules == b->cap) {
		size_t	 ncap = b->cap ? b->cap * 2 : 256;

		if (ncap >= INDEX_NONE ||
		    (r = realloc(b->rs->rules, ncap * sizeof(*r))) == NULL) {
			b->oom = 1;
			return NULL;
		}
		b->rs->rules = r;
		b->cap = ncap;
	}
	r = &b->rs->rules[b->rs->nrules++];
	memset(r, 0, sizeof(*r));
	return r;
}

/*
 * Start a builder for the file called `file` in messages.  Returns NULL
 * when out of memory.
 */
struct builder *
rules_new(const char *file, struct diag *d)
{
	struct builder	*b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	if ((b->rs = calloc(1, sizeof(*b->rs))) == NULL) {
		free(b);
		return NULL;
	}
	b->diag = d;
	b->errors_at_start = d->errors;
	b->map_keys = keys_allowed(KEY_IN_MAP);
	arena_init(&b->rs->arena);
	b->rs->file = builder_strdup(b, file, strlen(file));
	b->rs->defaults.status = 307;
	b->rs->fallback_status = 404;
	b->rs->fallback.name = "(fallback)";
	b->rs->fallback.opts = &b->rs->defaults;
	return b;
}

/* Compile a target in the builder's arena with its base; 0 or -1. */
static int
builder_target(struct builder *b, struct rule *r, const char *t,
    unsigned line, int ncaptures, const char *what)
{
	int	 rc;

	rc = target_compile(&b->rs->arena, b->diag, b->base, r, t, line,
	    ncaptures, what);
	if (rc == -2)
		b->oom = 1;
	return rc == 0 ? 0 : -1;
}

/* ---- sections ---- */

/* What [defaults] inherits from: nothing. */
static const struct rule_opts no_defaults = { .status = 307 };

/* Give the section, and the rules it has made, their final options o. */
static void
section_opts_place(struct builder *b, struct section *s, struct rule_opts *o)
{
	size_t	 i;

	for (i = s->first_entry; i < b->rs->nrules; i++)
		b->rs->rules[i].opts = o;
	s->keys.opts = o;
}

/*
 * The header lines a section's rules send, [defaults]' and its own, as a
 * whole: an error past HEADERS_MAX, a warning past HEADERS_NGINX (see
 * there), at the section's line.
 */
static void
headers_check(struct builder *b, const struct section *s,
    const struct rule_opts *o)
{
	size_t	 n = 0, i;

	for (i = 0; i < o->nheaders; i++)
		n += strlen(o->headers[i]) + 2;
	if (o->cache != NULL)
		n += strlen("Cache-Control: \r\n") + strlen(o->cache);
	if (n > HEADERS_MAX)
		diag_error(b->diag, s->line, "[%s%s]: its header lines add up "
		    "to %zu bytes ([defaults]' and its own); at most %d are "
		    "sent (lighttpd refuses some 64 KiB, nginx passes 4 or 8 "
		    "KiB by default)", s->kind == SEC_MAP ? "map " : "",
		    s->name, n, HEADERS_MAX);
	else if (n > HEADERS_NGINX)
		diag_warning(b->diag, s->line, "[%s%s]: its header lines add "
		    "up to %zu bytes ([defaults]' and its own), more than the "
		    "%d that nginx passes with its default "
		    "fastcgi_buffer_size (4k or 8k for all the response "
		    "headers, the Location among them): raise "
		    "fastcgi_buffer_size", s->kind == SEC_MAP ? "map " : "",
		    s->name, n, HEADERS_NGINX);
}

/*
 * A section's options are complete: check the time window and inherit from
 * [defaults] what the section did not set itself; then put them in the
 * arena, or share the plain ones (see struct builder).
 */
static void
builder_section_opts_done(struct builder *b, struct section *s)
{
	struct rule_opts	*o = s->keys.opts;
	const struct rule_opts	*def = &b->rs->defaults;
	size_t			 i;

	if (o == &b->scratch && !(s->set & b->map_keys) && b->plain != NULL) {
		section_opts_place(b, s, b->plain);
		return;
	}
	if (o->has_from && o->has_until && o->from >= o->until)
		diag_error(b->diag, s->key_line[KEY_UNTIL], "'from' (line %u) "
		    "must be before 'until'", s->key_line[KEY_FROM]);
	/* [defaults] itself inherits nothing: it only has its own headers. */
	if (o == def)
		def = &no_defaults;
	/* Inherit what the section did not set itself. */
	if (!(s->set & KEY_BIT(KEY_STATUS)))
		o->status = def->status;
	if (!(s->set & KEY_BIT(KEY_QUERY)))
		o->flags = (o->flags & ~OPT_QUERY_DROP) |
		    (def->flags & OPT_QUERY_DROP);
	if (!(s->set & KEY_BIT(KEY_CASE)))
		o->flags = (o->flags & ~OPT_CASE_IGNORE) |
		    (def->flags & OPT_CASE_IGNORE);
	if (!(s->set & KEY_BIT(KEY_SLASH)))
		o->flags = (o->flags & ~OPT_SLASH_EITHER) |
		    (def->flags & OPT_SLASH_EITHER);
	if (!(s->set & KEY_BIT(KEY_OTHER_PARAMS)))
		o->flags = (o->flags & ~OPT_PARAMS_ONLY) |
		    (def->flags & OPT_PARAMS_ONLY);
	if (!(s->set & KEY_BIT(KEY_CACHE)))
		o->cache = def->cache;
	/* Headers: the inherited ones, then the section's own. */
	o->nheaders = def->nheaders + s->keys.nheaders;
	if (o->nheaders > 0) {
		o->headers = arena_alloc(&b->rs->arena,
		    o->nheaders * sizeof(*o->headers));
		if (o->headers == NULL) {
			b->oom = 1;
			o->nheaders = 0;
			return;
		}
		for (i = 0; i < def->nheaders; i++)
			o->headers[i] = def->headers[i];
		for (i = 0; i < s->keys.nheaders; i++)
			o->headers[def->nheaders + i] = s->keys.headers[i];
	}
	if (o == &b->rs->defaults ||
	    (s->set & (KEY_BIT(KEY_HEADER) | KEY_BIT(KEY_CACHE))))
		headers_check(b, s, o);
	if (o != &b->scratch)
		return;		/* [defaults]: in the rule set already */
	if ((o = arena_alloc(&b->rs->arena, sizeof(*o))) == NULL) {
		b->oom = 1;
		return;
	}
	*o = b->scratch;
	if (!(s->set & b->map_keys))
		b->plain = o;
	section_opts_place(b, s, o);
}

/* Compile a regex rule's pattern; returns its capture count or -1. */
static int
builder_regex(struct builder *b, struct rule *r, unsigned line)
{
	pcre2_code	*re;
	PCRE2_UCHAR	 msg[256];
	size_t		 off;
	uint32_t	 groups;
	int		 err;

	re = image_regex_compile(r->pattern, r->pattern_len, r->opts->flags,
	    &err, &off);
	if (re == NULL) {
		pcre2_get_error_message(err, msg, sizeof(msg));
		diag_error(b->diag, line, "regex: %s at offset %zu", msg,
		    (size_t)off);
		return -1;
	}
	pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &groups);
	r->re = re;
	return groups > CAPTURES_MAX ? CAPTURES_MAX : (int)groups;
}

/* Finish a rule section: exactly one matcher, a target, its options. */
/*
 * Split the path key *v ("/index.php?id=42") at its '?': *v becomes the
 * path alone (in the arena) and r->query the canonical query of the rest
 * (query.c), or NULL when there is no '?'.  A prefix takes no query (its
 * parameters go in `params =`).  Returns 0, or -1 after a FILE:LINE error
 * at `line`.
 */
static int
builder_key_query(struct builder *b, struct rule *r, const char **v,
    unsigned line)
{
	const char	*q = strchr(*v, '?'), *why;
	char		*canon;
	size_t		 n;

	r->query = NULL;
	if (q == NULL)
		return 0;
	if (r->kind == RULE_PREFIX) {
		diag_error(b->diag, line, "prefix: '%s' has a query; a prefix "
		    "matches paths only (ask for parameters with 'params =')",
		    *v);
		return -1;
	}
	n = strlen(q + 1);
	if ((canon = malloc(4 * n + 8)) == NULL) {
		b->oom = 1;
		return -1;
	}
	if (query_rule(q + 1, n, '&', canon, &why) != 0) {
		diag_error(b->diag, line, "the query of '%s': %s", *v, why);
		free(canon);
		return -1;
	}
	r->query = builder_strdup(b, canon, strlen(canon));
	free(canon);
	*v = builder_strdup(b, *v, (size_t)(q - *v));
	return r->query != NULL && *v != NULL ? 0 : -1;
}

static void
builder_rule_done(struct builder *b, struct section *s)
{
	struct rule	*r = &b->rs->rules[s->first_entry];
	enum key_id	 which = KEY_N, k;
	int		 n = 0, groups = 0;
	char		 norm[PATH_BUF];
	const char	*v;
	int		 len;

	for (k = KEY_PATH; k <= KEY_REGEX; k++)
		if (s->key_line[k] != 0) {
			n++;
			which = k;
		}
	if (n != 1) {
		diag_error(b->diag, s->line, "rule [%s] needs exactly one of "
		    "path, prefix and regex (it has %d)", s->name, n);
		return;
	}
	if (s->key_line[KEY_TO] == 0) {
		diag_error(b->diag, s->line, "rule [%s] has no 'to'", s->name);
		return;
	}
	v = s->value[which];
	if (which == KEY_REGEX) {
		r->kind = RULE_REGEX;
		r->pattern = v;
		r->pattern_len = strlen(v);
		if ((groups = builder_regex(b, r, s->key_line[KEY_REGEX])) < 0)
			return;
	} else {
		r->kind = which == KEY_PATH ? RULE_PATH : RULE_PREFIX;
		if (builder_key_query(b, r, &v, s->key_line[which]) != 0)
			return;
		len = url_normalize_path(v, strlen(v), norm, sizeof(norm));
		if (len < 0) {
			diag_error(b->diag, s->key_line[which], "%s: '%s' is "
			    "not a valid path (it must start with '/' and "
			    "have no bad %%-escape)", keys_table[which].name,
			    v);
			return;
		}
		/* A prefix matches at a '/': its own trailing '/' is moot. */
		if (r->kind == RULE_PREFIX && len > 0 && norm[len - 1] == '/')
			len--;
		if ((r->pattern = builder_strdup(b, norm, (size_t)len)) == NULL)
			return;
		r->pattern_len = (size_t)len;
		groups = -1;
	}
	builder_target(b, r, s->value[KEY_TO], s->key_line[KEY_TO], groups,
	    "to");
}

/*
 * [defaults] base: an absolute http(s) URL with no query, fragment or
 * placeholder, kept compiled and without a trailing '/'.
 */
static void
builder_base(struct builder *b, const char *v, unsigned line)
{
	struct rule	 tmp;
	size_t		 n;

	if ((strncasecmp(v, "http://", 7) != 0 &&
	    strncasecmp(v, "https://", 8) != 0) || strpbrk(v, "?#$") != NULL) {
		diag_error(b->diag, line, "base must be an absolute http(s) "
		    "URL without query, fragment or placeholders");
		return;
	}
	memset(&tmp, 0, sizeof(tmp));
	if (builder_target(b, &tmp, v, line, -1, "base") != 0)
		return;
	for (n = strlen(tmp.target); n > 0 && tmp.target[n - 1] == '/'; n--)
		continue;
	b->base = builder_strdup(b, tmp.target, n);
}

/* Close the current section, checking what it needs as a whole. */
static void
builder_section_done(struct builder *b)
{
	struct section	*s = &b->sec;
	const char	*v;

	switch (s->kind) {
	case SEC_DEFAULTS:
		if ((v = s->value[KEY_BASE]) != NULL)
			builder_base(b, v, s->key_line[KEY_BASE]);
		if ((v = s->value[KEY_STATS]) != NULL) {
			if (strcmp(v, "on") == 0 || strcmp(v, "off") == 0)
				b->rs->stats_off = v[1] == 'f';
			else
				diag_error(b->diag, s->key_line[KEY_STATS],
				    "stats must be on or off, not '%s'", v);
		}
		builder_section_opts_done(b, s);
		if ((v = s->value[KEY_FALLBACK]) != NULL) {
			if (strcmp(v, "404") == 0 || strcmp(v, "410") == 0)
				b->rs->fallback_status = v[1] == '0' ? 404 :
				    410;
			else if (builder_target(b, &b->rs->fallback, v,
			    s->key_line[KEY_FALLBACK], -1, "fallback") == 0)
				b->rs->fallback_status = 0;
			b->rs->fallback.line = s->key_line[KEY_FALLBACK];
		}
		break;
	case SEC_RULE:
		builder_section_opts_done(b, s);
		builder_rule_done(b, s);
		break;
	case SEC_MAP:
		builder_section_opts_done(b, s);
		if (b->rs->nrules == s->first_entry)
			diag_warning(b->diag, s->line, "map [map %s] has no "
			    "entries", s->name);
		break;
	default:
		break;
	}
	free(s->keys.headers);
	memset(s, 0, sizeof(*s));
	s->keys.diag = b->diag;
	s->keys.arena = &b->rs->arena;
}

/*
 * A new [section] at `line`; `name` is whole (the reader's copy), or NULL
 * for a section line already reported as broken: its keys are ignored
 * rather than added to the section above it.
 */
void
rules_section(struct builder *b, const char *name, unsigned line)
{
	struct section	*s = &b->sec;
	unsigned	 prev;
	int		 rc;
	struct rule	*r;

	builder_section_done(b);
	s->line = line;
	s->kind = SEC_BAD;
	if (name == NULL)
		return;
	if (strcmp(name, "defaults") == 0) {
		if (b->defaults_line != 0) {
			diag_error(b->diag, line, "[defaults] again (first at "
			    "line %u)", b->defaults_line);
			return;
		}
		b->defaults_line = line;
		if (b->seen_rule) {
			diag_error(b->diag, line, "[defaults] must come before "
			    "the first rule or map");
			return;
		}
		s->kind = SEC_DEFAULTS;
		s->name = "defaults";
		s->keys.opts = &b->rs->defaults;
		return;
	}
	b->seen_rule = 1;
	if (strncmp(name, "map", 3) == 0 && (name[3] == ' ' ||
	    name[3] == '\t' || name[3] == '\0')) {
		name += 3;
		name += strspn(name, " \t");
		if (!names_valid(name)) {
			diag_error(b->diag, line, "[map NAME] needs a name of "
			    "letters, digits, '-', '_' and '.'");
			return;
		}
		s->kind = SEC_MAP;
	} else if (!names_valid(name)) {
		diag_error(b->diag, line, "unknown section [%s]: a section is "
		    "[defaults], [map NAME] or a rule name of letters, digits, "
		    "'-', '_' and '.'", name);
		return;
	} else
		s->kind = SEC_RULE;
	if ((s->name = builder_strdup(b, name, strlen(name))) == NULL) {
		b->oom = 1;
		s->kind = SEC_BAD;
		return;
	}
	s->keys.opts = &b->scratch;
	memset(s->keys.opts, 0, sizeof(*s->keys.opts));
	rc = names_add(&b->names, s->name, line, &prev);
	if (rc == -1)
		b->oom = 1;
	else if (rc == 1) {
		diag_error(b->diag, line, "duplicate rule name '%s' (first at "
		    "line %u)", s->name, prev);
		s->kind = SEC_BAD;
		return;
	}
	s->first_entry = b->rs->nrules;
	if (s->kind == SEC_RULE) {
		if ((r = builder_rule_add(b)) == NULL) {
			s->kind = SEC_BAD;
			return;
		}
		r->name = s->name;
		r->line = line;
		r->opts = s->keys.opts;
	} else
		b->rs->nmaps++;
}

/* A map entry: `/old/path = target`. */
static void
builder_map_entry(struct builder *b, const char *key, const char *value,
    unsigned line)
{
	struct section	*s = &b->sec;
	struct rule	*r;
	char		 norm[PATH_BUF];
	int		 len;

	struct rule	 q;
	const char	*path;
	char		*k, *p;

	/* The '=' of a query, which ini.c hands over as KEY_EQ. */
	if ((k = builder_strdup(b, key, strlen(key))) == NULL)
		return;
	for (p = k; (p = strchr(p, KEY_EQ)) != NULL; p++)
		*p = '=';
	path = k;
	q.kind = RULE_MAP_ENTRY;
	if (builder_key_query(b, &q, &path, line) != 0)
		return;
	len = url_normalize_path(path, strlen(path), norm, sizeof(norm));
	if (len < 0) {
		diag_error(b->diag, line, "'%s' is not a valid path (a bad "
		    "%%-escape?)", path);
		return;
	}
	if ((r = builder_rule_add(b)) == NULL)
		return;
	r->name = s->name;
	r->line = line;
	r->kind = RULE_MAP_ENTRY;
	r->query = q.query;
	r->opts = s->keys.opts;
	if ((r->pattern = builder_strdup(b, norm, (size_t)len)) == NULL)
		return;
	r->pattern_len = (size_t)len;
	if (builder_target(b, r, value, line, -1, "target") != 0)
		b->rs->nrules--;	/* reported; keep no half entry */
	else
		b->rs->nentries++;
}

/*
 * A key = value of the current section, at `line`: a map entry, or a key
 * of keys_table[] that the section takes, given once (unless it repeats),
 * with a value.  The value is copied to the arena and handed to the key's
 * parser, which reports what is wrong with it; keys without a parser wait
 * for the end of the section (builder_section_done()).
 */
void
rules_key(struct builder *b, const char *key, const char *value,
    unsigned line)
{
	struct section		*s = &b->sec;
	const struct key_def	*def;
	enum key_id		 k;
	unsigned		 where;
	char			*v;

	switch (s->kind) {
	case SEC_NONE:
		diag_error(b->diag, line, "'%s' outside a section", key);
		return;
	case SEC_BAD:
		return;
	case SEC_DEFAULTS:
		where = KEY_IN_DEFAULTS;
		break;
	case SEC_MAP:
		if (key[0] == '/') {
			builder_map_entry(b, key, value, line);
			return;
		}
		where = KEY_IN_MAP;
		break;
	default:
		where = KEY_IN_RULE;
		break;
	}
	if ((k = keys_lookup(key)) == KEY_N || !(keys_table[k].where & where)) {
		diag_error(b->diag, line, "unknown key '%s' in %s", key,
		    s->kind == SEC_DEFAULTS ? "[defaults]" :
		    s->kind == SEC_MAP ? "a map (entries start with '/')" :
		    "a rule");
		return;
	}
	def = &keys_table[k];
	if (*value == '\0') {
		diag_error(b->diag, line, "'%s' needs a value", key);
		return;
	}
	if (s->key_line[k] != 0 && !def->repeats) {
		diag_error(b->diag, line, "'%s' set twice in this section "
		    "(first at line %u)", key, s->key_line[k]);
		return;
	}
	if ((v = builder_strdup(b, value, strlen(value))) == NULL)
		return;
	s->key_line[k] = line;
	s->value[k] = v;
	s->set |= KEY_BIT(k);
	if (def->parse != NULL && def->parse(&s->keys, def, v, line) == -2)
		b->oom = 1;
}

/* ---- finishing ---- */

/*
 * End of file: close the last section and, if nothing was wrong, build the
 * indexes.  Frees the builder.  Returns the rule set, or NULL when any
 * error was reported (everything is freed then).
 */
struct ruleset *
rules_finish(struct builder *b)
{
	struct draft	*rs = b->rs;
	struct diag	*d = b->diag;
	unsigned	 errors;

	builder_section_done(b);
	rs->base = b->base;
	if (b->oom)
		diag_error(b->diag, 0, "out of memory");
	errors = b->diag->errors - b->errors_at_start;
	if (errors == 0 && rs->nrules == 0 &&
	    rs->fallback_status != 0)
		diag_warning(b->diag, 0, "no rules: every request gets the "
		    "fallback %d", rs->fallback_status);
	names_free(&b->names);
	free(b);
	if (errors != 0) {
		draft_free(rs);
		return NULL;
	}
	/* The image, read back, and the analysis of it (a loop is an error). */
	return compile_draft(rs, d);
}

/* Free a draft and everything it owns; NULL is fine. */
void
draft_free(struct draft *rs)
{
	size_t	 i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->nrules; i++)
		if (rs->rules[i].kind == RULE_REGEX && rs->rules[i].re != NULL)
			pcre2_code_free(rs->rules[i].re);
	free(rs->rules);
	arena_free(&rs->arena);
	free(rs);
}
