/*
 * emit.c: writing imported rules and maps as a rule file.
 *
 * The importers hand over rules and map entries in fcgi-redirect's terms
 * (a path in URL form, a target with its placeholders); emit.c checks each
 * with the loader's own checks (url.c, query.c, target.c, PCRE2), so that
 * what it writes passes --check, and reports what fails with the source's
 * FILE:LINE instead of writing it.  It escapes only what the INI syntax
 * needs: bytes outside visible ASCII, and '=' and ':' in map keys.
 *
 * A rule is written at once, as a section named after its source file and
 * line, with a comment naming them.  Map entries go to a temporary file per
 * map, with their options, until emit_map_flush() (or the end of the
 * source) writes the map: the importer chooses where its maps stand among
 * its rules, and may learn a map's status after its entries (nginx's map
 * comes before the `return` that uses it).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "fcgi-redirect.h"

struct emit_map {
	const char	*hint;		/* what its name is made from */
	struct emit_opts opts;		/* strings in the import's arena */
	FILE		*spool;		/* its entries, as rule file lines */
	size_t		 n;		/* entries in the spool */
	const char	*src;		/* the source of its first entry */
	unsigned	 line;
	const char	*bad;		/* why its options are refused, or NULL */
	FILE		*written;	/* the entries of its last flush, for
					   emit_map_again() */
	size_t		 nwritten;
};

/* A string kept for the run (NULL stays NULL); NULL when out of memory. */
static const char *
emit_keep(struct import *imp, const char *s)
{
	return s == NULL ? NULL : arena_strndup(&imp->arena, s, strlen(s));
}

/*
 * A new section name made of hint (letters, digits, '-', '_' and '.' kept,
 * anything else '_') and, when that is taken, "-2", "-3"...: valid and
 * unique in the file.  NULL when out of memory.
 */
static const char *
emit_name(struct import *imp, const char *hint)
{
	char		 base[96], name[112];
	const char	*p, *kept;
	size_t		 i = 0;
	unsigned	 k, first;
	int		 rc;

	if ((p = strrchr(hint, '/')) != NULL && p[1] != '\0')
		hint = p + 1;
	for (p = hint; *p != '\0' && i < sizeof(base) - 1; p++)
		base[i++] = isalnum((unsigned char)*p) || *p == '-' ||
		    *p == '_' || *p == '.' ? *p : '_';
	if (i == 0)
		base[i++] = 'r';
	base[i] = '\0';
	for (k = 1; ; k++) {
		if (k == 1)
			snprintf(name, sizeof(name), "%s", base);
		else
			snprintf(name, sizeof(name), "%s-%u", base, k);
		/* "defaults" and "map ..." are not rule names. */
		if (strcmp(name, "defaults") == 0)
			continue;
		if ((kept = emit_keep(imp, name)) == NULL)
			return NULL;
		if ((rc = names_add(&imp->names, kept, 0, &first)) < 0)
			return NULL;
		if (rc == 0)
			return kept;
	}
}

/* How emit_text() writes s. */
enum emit_as {
	EMIT_URI,		/* a path or target: bytes as "%XX" */
	EMIT_KEY,		/* a map key: also ':', and '=' before '?' */
	EMIT_REGEX		/* a regex: bytes as "\xHH", the same pattern */
};

/*
 * Write s for the rule file: the bytes outside visible ASCII escaped, as
 * loading would percent-encode them (or as PCRE2 reads "\xHH"); in a map
 * key also ':', and '=' before the query, which would end the key.
 */
static void
emit_text(struct buf *b, const char *s, enum emit_as as)
{
	const char	*q = strchr(s, '?');

	for (; *s != '\0'; s++) {
		unsigned char	 c = (unsigned char)*s;

		if (c <= 0x20 || c >= 0x7f || (as == EMIT_KEY && (c == ':' ||
		    (c == '=' && (q == NULL || s < q)))))
			buf_printf(b, as == EMIT_REGEX ? "\\x%02X" : "%%%02X",
			    c);
		else
			buf_addc(b, (char)c);
	}
}

/*
 * Is path (URL form, "/a/b" or "/a?x=1" when query is set) one the loader
 * takes?  0, or -1 with *why.
 */
static int
emit_check_path(const char *path, int query, const char **why)
{
	char		 norm[LINE_MAX_LEN], *canon;
	const char	*q = query ? strchr(path, '?') : NULL;
	size_t		 n = q != NULL ? (size_t)(q - path) : strlen(path);
	int		 rc;

	if (path[0] != '/') {
		*why = "the path does not start with '/'";
		return -1;
	}
	if (!query && strchr(path, '?') != NULL) {
		*why = "a prefix with a query";
		return -1;
	}
	if ((rc = url_normalize_path(path, n, norm, sizeof(norm))) < 0) {
		*why = rc == URL_TOO_LONG ? "the path is too long" :
		    "a malformed percent-escape (or %00) in the path";
		return -1;
	}
	if (q == NULL || q[1] == '\0')
		return 0;
	if ((canon = malloc(4 * strlen(q) + 8)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	rc = query_rule(q + 1, strlen(q + 1), '&', canon, why);
	free(canon);
	return rc;
}

/*
 * Check a target as it will be written (emit_text() of `to`) with
 * target_compile(), the loader's own check; ncaptures as there.  0, or -1
 * with the loader's message in why[cap].
 */
static int
emit_check_target(const char *to, int ncaptures, char *why, size_t cap)
{
	static char	 text[LINE_MAX_LEN];
	struct buf	 b;
	struct arena	 a;
	struct diag	 d;
	struct rule	 r;
	FILE		*f;
	char		*msg = NULL, *p;
	size_t		 len = 0;
	int		 rc;

	buf_init(&b, text, sizeof(text));
	emit_text(&b, to, EMIT_URI);
	if (b.overflow) {
		snprintf(why, cap, "the target is too long for a rule file "
		    "line");
		return -1;
	}
	to = text;
	memset(&r, 0, sizeof(r));
	arena_init(&a);
	diag_init(&d, NULL, "");
	rc = target_compile(&a, &d, NULL, &r, to, 0, ncaptures, "to");
	arena_free(&a);
	if (rc == 0)
		return 0;
	/* Again, to have the message (failures are rare). */
	snprintf(why, cap, "the target is not one fcgi-redirect takes");
	if ((f = open_memstream(&msg, &len)) != NULL) {
		arena_init(&a);
		diag_init(&d, f, "");
		(void)target_compile(&a, &d, NULL, &r, to, 0, ncaptures, "to");
		arena_free(&a);
		fclose(f);
		if (msg != NULL && (p = strstr(msg, "error: ")) != NULL) {
			p[strcspn(p, "\n")] = '\0';
			snprintf(why, cap, "%s", p + 7);
		}
		free(msg);
	}
	return -1;
}

/* Has a rule with options o conditions (as analysis_conditional() says)? */
static int
emit_conditional(const struct emit_opts *o)
{
	return o->hosts != NULL || o->params != NULL || o->methods != NULL ||
	    o->scheme != NULL;
}

/*
 * Is the exact path key (URL form, without a query) sent to itself by the
 * literal /path target `to`: a redirect loop that --check refuses, and
 * that the original tool loops on too?  Only the plain case: a target
 * with placeholders, or any key with a query (whose matched parameters
 * leave the Location), is left to --check, and so is a rule with
 * conditions (emit_conditional()), which --check only warns about.
 */
static int
emit_self(const char *key, const char *to)
{
	char	 a[LINE_MAX_LEN], b[LINE_MAX_LEN];
	size_t	 n = strcspn(to, "?#");
	int	 ka, kb;

	if (to[0] != '/' || strchr(key, '?') != NULL ||
	    memchr(to, '$', n) != NULL)
		return 0;
	ka = url_normalize_path(key, strlen(key), a, sizeof(a));
	kb = url_normalize_path(to, n, b, sizeof(b));
	return ka >= 0 && kb >= 0 && ka == kb && memcmp(a, b, (size_t)ka) == 0;
}

/* Check the options; 0, or -1 with *why. */
static int
emit_check_opts(const struct emit_opts *o, const char **why)
{
	const char	*p;
	char		*canon;
	size_t		 n;
	int		 rc;

	if (o->status != 0 && o->status != 301 && o->status != 302 &&
	    o->status != 303 && o->status != 307 && o->status != 308) {
		*why = "a status that is not a redirect fcgi-redirect sends "
		    "(301, 302, 303, 307, 308)";
		return -1;
	}
	for (p = o->hosts; p != NULL && *p != '\0'; p += n) {
		p += strspn(p, " \t");
		if ((n = strcspn(p, " \t")) > 0 &&
		    values_host_pattern(p, n) != 0) {
			*why = "a host name fcgi-redirect does not take";
			return -1;
		}
	}
	for (p = o->methods; p != NULL && *p != '\0'; p += n) {
		p += strspn(p, " \t");
		if ((n = strcspn(p, " \t")) > 0 && values_token(p, n) != 0) {
			*why = "a method that is not an HTTP token";
			return -1;
		}
	}
	if (o->params != NULL) {
		if ((canon = malloc(4 * strlen(o->params) + 8)) == NULL) {
			*why = "out of memory";
			return -1;
		}
		rc = query_rule(o->params, strlen(o->params), ' ', canon, why);
		free(canon);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* Write the options' keys (those that differ from the defaults). */
static void
emit_opts_text(struct buf *b, const struct emit_opts *o)
{
	buf_printf(b, "status = %d\n", o->status != 0 ? o->status : 307);
	if (o->flags & OPT_QUERY_DROP)
		buf_adds(b, "query = drop\n");
	if (o->flags & OPT_CASE_IGNORE)
		buf_adds(b, "case = ignore\n");
	if (o->flags & OPT_SLASH_EITHER)
		buf_adds(b, "slash = either\n");
	if (o->hosts != NULL)
		buf_printf(b, "host = %s\n", o->hosts);
	if (o->methods != NULL)
		buf_printf(b, "methods = %s\n", o->methods);
	if (o->scheme != NULL)
		buf_printf(b, "scheme = %s\n", o->scheme);
	if (o->params != NULL) {
		buf_adds(b, "params = ");
		emit_text(b, o->params, EMIT_URI);
		buf_addc(b, '\n');
	}
	if (o->flags & OPT_PARAMS_ONLY)
		buf_adds(b, "other-params = refuse\n");
}

/* A comment line quoting source text: visible ASCII, at most 160 bytes. */
static void
emit_quote(struct buf *b, const char *s)
{
	size_t	 i;

	s += strspn(s, " \t");
	for (i = 0; s[i] != '\0' && i < 160; i++)
		buf_addc(b, (unsigned char)s[i] < 0x20 ||
		    (unsigned char)s[i] >= 0x7f ? '?' : s[i]);
	if (s[i] != '\0')
		buf_adds(b, "...");
}

/*
 * Write a rule that the source's line `line` (whose text, or NULL, is
 * quoted in its comment) stands for, or report it not imported and why.
 * Returns 0 when written, -1 when reported.
 */
int
emit_rule(struct import_src *src, unsigned line, const char *text,
    const struct emit_rule *r)
{
	static char	 mem[LINE_MAX_LEN * 4];
	char		 hint[128], why_buf[256];
	struct buf	 b;
	const char	*why = NULL, *name, *key, *match = r->match;
	pcre2_code	*re;
	uint32_t	 groups = 0;
	size_t		 off, keylen;
	int		 err, ncaptures = -1;

	if (r->kind == RULE_REGEX) {
		/* An empty pattern matches every path, as "^" does. */
		if (r->match[0] == '\0')
			match = "^";
		re = image_regex_compile(match, strlen(match),
		    r->opts.flags, &err, &off);
		if (re == NULL) {
			PCRE2_UCHAR	 msg[160];

			pcre2_get_error_message(err, msg, sizeof(msg));
			snprintf(why_buf, sizeof(why_buf), "regex: %s at "
			    "offset %zu", (char *)msg, off);
			import_skip(src, line, "%s", why_buf);
			return -1;
		}
		pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &groups);
		pcre2_code_free(re);
		ncaptures = groups > CAPTURES_MAX ? CAPTURES_MAX : (int)groups;
	} else if (emit_check_path(r->match, r->kind == RULE_PATH, &why) != 0) {
		import_skip(src, line, "%s", why);
		return -1;
	}
	if (emit_check_opts(&r->opts, &why) != 0) {
		import_skip(src, line, "%s", why);
		return -1;
	}
	if (emit_check_target(r->to, ncaptures, why_buf, sizeof(why_buf)) != 0) {
		import_skip(src, line, "%s", why_buf);
		return -1;
	}
	if (r->kind == RULE_PATH && !emit_conditional(&r->opts) &&
	    emit_self(r->match, r->to)) {
		import_skip(src, line, "a redirect of the path to itself (a "
		    "loop)");
		return -1;
	}
	snprintf(hint, sizeof(hint), "%s-%u", src->base, line);
	if ((name = emit_name(src->imp, hint)) == NULL) {
		import_skip(src, line, "out of memory");
		src->imp->failed = 1;
		return -1;
	}
	buf_init(&b, mem, sizeof(mem));
	buf_printf(&b, "; %s:%u", src->name, line);
	if (text != NULL) {
		buf_adds(&b, ": ");
		emit_quote(&b, text);
	}
	buf_printf(&b, "\n[%s]\n", name);
	key = r->kind == RULE_PATH ? "path" : r->kind == RULE_PREFIX ?
	    "prefix" : "regex";
	keylen = b.len;
	buf_printf(&b, "%s = ", key);
	if (r->kind == RULE_REGEX)
		emit_text(&b, match, EMIT_REGEX);
	else
		emit_text(&b, r->match, EMIT_URI);
	if (b.len - keylen >= LINE_MAX_LEN - 1) {
		import_skip(src, line, "the %s is too long for a rule file "
		    "line", key);
		return -1;
	}
	buf_addc(&b, '\n');
	keylen = b.len;
	buf_adds(&b, "to = ");
	emit_text(&b, r->to, EMIT_URI);
	if (b.len - keylen >= LINE_MAX_LEN - 1) {
		import_skip(src, line, "the target is too long for a rule "
		    "file line");
		return -1;
	}
	buf_addc(&b, '\n');
	emit_opts_text(&b, &r->opts);
	buf_addc(&b, '\n');
	if (b.overflow) {
		import_skip(src, line, "the rule is too long");
		return -1;
	}
	fwrite(b.data, 1, b.len, src->imp->out);
	return 0;
}

/*
 * Open a map: entries that share the options o (copied) and whose section
 * name is made from hint.  Returns its number for the other emit_map_*
 * calls, or -1 when out of memory (the run fails).
 */
int
emit_map_open(struct import *imp, const char *hint, const struct emit_opts *o)
{
	struct emit_map	*m;

	m = realloc(imp->maps, (imp->nmaps + 1) * sizeof(*m));
	if (m == NULL) {
		imp->failed = 1;
		return -1;
	}
	imp->maps = m;
	m = &imp->maps[imp->nmaps];
	memset(m, 0, sizeof(*m));
	m->hint = emit_keep(imp, hint);
	emit_map_opts(imp, (int)imp->nmaps, o);
	return (int)imp->nmaps++;
}

/*
 * Set the options of map k, for the entries written at its next flush.
 * Options the loader would refuse make every entry of the map reported,
 * with the reason, when it is added (or, for those already added, when it
 * is flushed).
 */
void
emit_map_opts(struct import *imp, int k, const struct emit_opts *o)
{
	struct emit_map	*m = &imp->maps[k];

	m->bad = NULL;
	(void)emit_check_opts(o, &m->bad);
	m->opts = *o;
	m->opts.hosts = emit_keep(imp, o->hosts);
	m->opts.params = emit_keep(imp, o->params);
	m->opts.methods = emit_keep(imp, o->methods);
	m->opts.scheme = emit_keep(imp, o->scheme);
}

/*
 * Add the entry key = to (a path in URL form, with or without a query, and
 * a target without $N) that the source's line `line` stands for to map k,
 * or report it not imported.  Returns 0 when kept, -1 when reported.
 */
int
emit_map_entry(struct import_src *src, unsigned line, int k, const char *key,
    const char *to)
{
	static char	 mem[LINE_MAX_LEN * 4];
	char		 why_buf[256];
	struct emit_map	*m = &src->imp->maps[k];
	struct buf	 b;
	const char	*why;

	if (m->bad != NULL) {
		import_skip(src, line, "%s", m->bad);
		return -1;
	}
	if (emit_check_path(key, 1, &why) != 0) {
		import_skip(src, line, "%s", why);
		return -1;
	}
	if (emit_check_target(to, -1, why_buf, sizeof(why_buf)) != 0) {
		import_skip(src, line, "%s", why_buf);
		return -1;
	}
	if (!emit_conditional(&m->opts) && emit_self(key, to)) {
		import_skip(src, line, "a redirect of the path to itself (a "
		    "loop)");
		return -1;
	}
	buf_init(&b, mem, sizeof(mem));
	emit_text(&b, key, EMIT_KEY);
	buf_adds(&b, " = ");
	emit_text(&b, to, EMIT_URI);
	buf_printf(&b, "  ; %s:%u\n", src->name, line);
	if (b.overflow || b.len >= LINE_MAX_LEN) {
		import_skip(src, line, "the entry is too long for a rule file "
		    "line");
		return -1;
	}
	if (m->spool == NULL && (m->spool = tmpfile()) == NULL) {
		fprintf(stderr, "fcgi-redirect: --import: a temporary file: "
		    "%s\n", strerror(errno));
		src->imp->failed = 1;
		return -1;
	}
	if (m->n == 0) {
		m->src = emit_keep(src->imp, src->name);
		m->line = line;
	}
	fwrite(b.data, 1, b.len, m->spool);
	m->n++;
	return 0;
}

/* How many entries map k holds now (since its last flush). */
size_t
emit_map_size(struct import *imp, int k)
{
	return imp->maps[k].n;
}

/*
 * Write a [map] section named after map k's hint, with options o and the
 * n entries of spool (read from its start).  0, or -1 when the run failed.
 */
static int
emit_map_section(struct import *imp, struct emit_map *m,
    const struct emit_opts *o, FILE *spool, size_t n)
{
	static char	 mem[LINE_MAX_LEN];
	struct buf	 b;
	const char	*name;
	char		 copy[65536];
	size_t		 got;

	if ((name = emit_name(imp, m->hint)) == NULL) {
		imp->failed = 1;
		return -1;
	}
	buf_init(&b, mem, sizeof(mem));
	buf_printf(&b, "; %zu entr%s, from %s:%u on\n[map %s]\n", n,
	    n == 1 ? "y" : "ies", m->src, m->line, name);
	emit_opts_text(&b, o);
	fwrite(b.data, 1, b.len, imp->out);
	if (fflush(spool) != 0 || fseek(spool, 0, SEEK_SET) != 0) {
		fprintf(stderr, "fcgi-redirect: --import: a temporary file: "
		    "%s\n", strerror(errno));
		imp->failed = 1;
		return -1;
	}
	while ((got = fread(copy, 1, sizeof(copy), spool)) > 0)
		fwrite(copy, 1, got, imp->out);
	if (ferror(spool)) {
		fprintf(stderr, "fcgi-redirect: --import: a temporary file: "
		    "read error\n");
		imp->failed = 1;
		return -1;
	}
	fputc('\n', imp->out);
	return 0;
}

/*
 * Write map k's entries as a [map] section now, where the importer wants
 * them among its rules; it may take more entries, written at the next
 * flush as another section.  An empty map writes nothing.  The entries
 * written are kept for emit_map_again().
 */
void
emit_map_flush(struct import *imp, int k)
{
	struct emit_map	*m = &imp->maps[k];

	if (m->n == 0)
		return;
	if (m->bad != NULL) {
		fprintf(imp->report, "%s:%u: warning: not imported: %s (%zu "
		    "entr%s, from there on)\n", m->src, m->line, m->bad, m->n,
		    m->n == 1 ? "y" : "ies");
		imp->skipped++;
		fclose(m->spool);
		m->spool = NULL;
		m->n = 0;
		return;
	}
	(void)emit_map_section(imp, m, &m->opts, m->spool, m->n);
	if (m->written != NULL)
		fclose(m->written);
	m->written = m->spool;
	m->nwritten = m->n;
	m->spool = NULL;
	m->n = 0;
}

/*
 * Write the entries of map k's last flush once more, as another [map]
 * section with options o, here: one set of entries that two places use
 * (nginx's map, in two servers).  Returns 0, also when the last flush
 * wrote no entry (nothing to write again), or -1 when o is refused or the
 * output failed (*why says why).
 */
int
emit_map_again(struct import *imp, int k, const struct emit_opts *o,
    const char **why)
{
	struct emit_map	*m = &imp->maps[k];

	if (m->written == NULL || m->nwritten == 0)
		return 0;
	if (emit_check_opts(o, why) != 0)
		return -1;
	return emit_map_section(imp, m, o, m->written, m->nwritten) == 0 ?
	    0 : (*why = "the output failed", -1);
}

/*
 * Drop map k's entries, reported as not imported once, at the source's
 * line `line`, with why and their number.
 */
void
emit_map_drop(struct import *imp, int k, struct import_src *src,
    unsigned line, const char *why)
{
	struct emit_map	*m = &imp->maps[k];

	if (m->n == 0)
		return;
	import_skip(src, line, "%s (%zu entr%s, from %s:%u on)", why, m->n,
	    m->n == 1 ? "y" : "ies", m->src, m->line);
	/* The one report stands for every entry. */
	if (m->spool != NULL)
		fclose(m->spool);
	m->spool = NULL;
	m->n = 0;
}

/* Write every map that still holds entries, in the order they were opened. */
void
emit_flush_all(struct import *imp)
{
	size_t	 k;

	for (k = 0; k < imp->nmaps; k++)
		emit_map_flush(imp, (int)k);
}

/* Free the maps (their entries are dropped: flush them first). */
void
emit_free(struct import *imp)
{
	size_t	 k;

	for (k = 0; k < imp->nmaps; k++) {
		if (imp->maps[k].spool != NULL)
			fclose(imp->maps[k].spool);
		if (imp->maps[k].written != NULL)
			fclose(imp->maps[k].written);
	}
	free(imp->maps);
	imp->maps = NULL;
	imp->nmaps = 0;
}
