/*
 * compile.c: a draft rule set to an image, and an image to a file.
 *
 * compile_draft() lays out what load/rules.c built (struct draft, with
 * pointers) as one position-independent block (image.c's head has the
 * format): the strings once each, the option sets once each (a million
 * prefix rules with the same options share one), the rules in file order
 * and the hash indexes of their keys (index.c).  It then reads the block
 * back through image_open(), exactly as a process that maps the file
 * would, runs the analysis on it (load/analysis.c) and frees the draft.
 * The load-time facts about keys live here: how a key is folded, where a
 * regex is anchored, which rules can never be used.
 *
 * compile_write() writes an image to a file the way a reader can never
 * see half of: a temporary file in the same directory, fsync, rename.
 * Two processes writing the same image at once are harmless: each renames
 * a whole file into place, the last one wins, and both are the same.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fcgi-redirect.h"

/*
 * A growing array of bytes.  The image is one: room for its header, the
 * strings (whose offsets count from `base`, where they start), then each
 * other part in turn, so that the largest part is never copied.
 */
struct grow {
	char	*data;
	size_t	 len, cap;
	size_t	 base;
	int	 oom;
};

/* Room for n more bytes; a pointer to them, or NULL (oom set). */
static void *
grow_room(struct grow *g, size_t n)
{
	size_t	 cap = g->cap ? g->cap : 4096;
	char	*p;

	if (g->oom)
		return NULL;
	while (cap - g->len < n) {
		if (cap > SIZE_MAX / 2) {
			g->oom = 1;
			return NULL;
		}
		cap *= 2;
	}
	if (cap != g->cap) {
		if ((p = realloc(g->data, cap)) == NULL) {
			g->oom = 1;
			return NULL;
		}
		g->data = p;
		g->cap = cap;
	}
	p = g->data + g->len;
	g->len += n;
	return p;
}

/* Add s[0..n) and a NUL to the strings; its offset (IMAGE_NONE: full). */
static uint32_t
string_add(struct grow *g, const char *s, size_t n)
{
	size_t	 off = g->len - g->base;
	char	*p;

	if (off + n >= IMAGE_NONE || (p = grow_room(g, n + 1)) == NULL) {
		g->oom = 1;
		return IMAGE_NONE;
	}
	memcpy(p, s, n);
	p[n] = '\0';
	return (uint32_t)off;
}

/*
 * Add a[0..an), then "?" and b[0..bn) when bn > 0, and a NUL; its offset
 * (IMAGE_NONE: full).
 */
static uint32_t
string_add2(struct grow *g, const char *a, size_t an, const char *b,
    size_t bn)
{
	size_t	 off = g->len - g->base, n = an + (bn > 0 ? 1 + bn : 0);
	char	*p;

	if (off + n >= IMAGE_NONE || (p = grow_room(g, n + 1)) == NULL) {
		g->oom = 1;
		return IMAGE_NONE;
	}
	memcpy(p, a, an);
	if (bn > 0) {
		p[an] = '?';
		memcpy(p + an + 1, b, bn);
	}
	p[n] = '\0';
	return (uint32_t)off;
}

/* The option sets, each once: an open-addressing set of their numbers. */
struct optset {
	const struct rule_opts	**opts;	/* by number */
	uint32_t		 *table; /* numbers, IMAGE_NONE: empty */
	size_t			  n, cap, mask;
	const struct rule_opts	 *last;	/* map entries share their map's */
	uint32_t		  last_no;
};

static uint64_t
list_hash(uint64_t h, const char **l, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		h = index_hash_step(h, l[i], strlen(l[i]) + 1);
	return index_hash_step(h, "\n", 1);
}

static uint64_t
opts_hash(const struct rule_opts *o)
{
	uint64_t	 h = INDEX_HASH_INIT;
	int64_t		 v[6] = { o->status, o->flags, o->scheme,
			    o->has_from ? o->from : -1,
			    o->has_until ? o->until : -1,
			    o->has_from | o->has_until << 1 };

	h = index_hash_step(h, (const char *)v, sizeof(v));
	h = index_hash_step(h, o->cache ? o->cache : "", o->cache ?
	    strlen(o->cache) + 1 : 0);
	h = list_hash(h, o->hosts, o->nhosts);
	h = list_hash(h, o->methods, o->nmethods);
	h = index_hash_step(h, o->params ? o->params : "", o->params ?
	    strlen(o->params) + 1 : 0);
	return list_hash(h, o->headers, o->nheaders);
}

static int
list_equal(const char **a, size_t na, const char **b, size_t nb)
{
	size_t	 i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return 1;
}

static int
opts_equal(const struct rule_opts *a, const struct rule_opts *b)
{
	return a->status == b->status && a->flags == b->flags &&
	    a->scheme == b->scheme && a->has_from == b->has_from &&
	    a->has_until == b->has_until &&
	    (!a->has_from || a->from == b->from) &&
	    (!a->has_until || a->until == b->until) &&
	    (a->cache == NULL) == (b->cache == NULL) &&
	    (a->cache == NULL || strcmp(a->cache, b->cache) == 0) &&
	    (a->params == NULL) == (b->params == NULL) &&
	    (a->params == NULL || strcmp(a->params, b->params) == 0) &&
	    list_equal(a->hosts, a->nhosts, b->hosts, b->nhosts) &&
	    list_equal(a->methods, a->nmethods, b->methods, b->nmethods) &&
	    list_equal(a->headers, a->nheaders, b->headers, b->nheaders);
}

/* The number of o's option set, added when new; IMAGE_NONE: no memory. */
static uint32_t
optset_add(struct optset *s, const struct rule_opts *o)
{
	size_t		 i, j;
	uint32_t	*t;
	const struct rule_opts **v;

	if (o == s->last)
		return s->last_no;
	if (2 * (s->n + 1) > s->mask) {
		size_t	 size = s->mask ? 2 * (s->mask + 1) : 64;

		if ((t = malloc(size * sizeof(*t))) == NULL)
			return IMAGE_NONE;
		memset(t, 0xff, size * sizeof(*t));
		for (i = 0; i < s->n; i++) {
			for (j = opts_hash(s->opts[i]) & (size - 1);
			    t[j] != IMAGE_NONE; j = (j + 1) & (size - 1))
				continue;
			t[j] = (uint32_t)i;
		}
		free(s->table);
		s->table = t;
		s->mask = size - 1;
	}
	for (j = opts_hash(o) & s->mask; s->table[j] != IMAGE_NONE;
	    j = (j + 1) & s->mask)
		if (opts_equal(s->opts[s->table[j]], o))
			goto found;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		if ((v = realloc(s->opts, s->cap * sizeof(*v))) == NULL)
			return IMAGE_NONE;
		s->opts = v;
	}
	s->opts[s->n] = o;
	s->table[j] = (uint32_t)s->n++;
found:
	s->last = o;
	s->last_no = s->table[j];
	return s->last_no;
}

/*
 * The literal text that every match of the regex `pattern` starts with,
 * as a length into pattern + 1; 0 when there is none we can be sure of.
 * Only the plain case: a pattern anchored with '^', then letters, digits
 * and / - _ ~ , ; = : @ % & ' ! which stand for themselves, up to the first
 * other byte; a byte a quantifier applies to is not part of it, and a
 * pattern with '|' anywhere (an alternative might not be anchored) has
 * none.  Conservative by design: a wrong prefix would lose matches.
 */
static size_t
regex_literal_prefix(const char *pattern)
{
	size_t	 n = 0;

	if (pattern[0] != '^' || strchr(pattern, '|') != NULL)
		return 0;
	while (pattern[1 + n] != '\0' &&
	    (isalnum((unsigned char)pattern[1 + n]) ||
	    strchr("/-_~,;=:@%&'!", pattern[1 + n]) != NULL))
		n++;
	/* "^/ab?" and "^/ab{2}": the last literal may not be there once. */
	if (n > 0 && strchr("?*+{", pattern[1 + n]) != NULL &&
	    pattern[1 + n] != '\0')
		n--;
	return n;
}

/*
 * The anchor of a regex rule: the length of its literal prefix up to the
 * last '/' in it.  A path the regex matches starts with the literal, so
 * the path has a '/' there and its cut at that '/' (match.c looks up every
 * cut) is the anchor: "^/r/17/([a-z]+)$" is found under "/r/17", and only
 * requests under /r/17/ try it.  A regex without a literal prefix we can
 * be sure of, or one that ignores case, is anchored at "" (the cut every
 * path has), so it is tried for every request.
 */
static size_t
regex_anchor_len(const struct rule *r, size_t lit)
{
	size_t	 n = lit;

	if (r->opts->flags & OPT_CASE_IGNORE)
		return 0;
	while (n > 0 && r->pattern[1 + n - 1] != '/')
		n--;
	return n > 0 ? n - 1 : 0;
}

/* A rule's key, found while the rules are laid, added to an index after. */
struct key {
	uint64_t	 hash;
	uint32_t	 off;		/* in the strings */
	uint32_t	 len;
	uint8_t		 variant;
	uint8_t		 which;		/* 0 exact, 1 prefix, 2 anchor */
	uint8_t		 always;	/* the rule has no condition */
};

/* Everything compile_draft() builds before laying it out. */
struct layout {
	struct key		*keys;		/* per rule */
	uint32_t		*sigs;		/* query signatures: strings */
	size_t			 nsigs, sig_cap;
	uint32_t		*sig_table;	/* numbers of sigs, by hash */
	size_t			 sig_mask;
	struct grow		 strings;
	struct optset		 optset;
	struct grow		 refs;		/* uint32_t */
	struct image_rule	*rules;
	uint32_t		*next;
	uint32_t		*regex;
	struct index_builder	*ix[3];		/* exact, prefix, anchor */
	struct image_header	 h;
};

/*
 * The key rule r (with its pattern at strings offset `pat`) is indexed
 * under: its offset and length in the strings (a folded copy added when
 * it ignores case), and its variant.  IMAGE_NONE when out of memory.
 */
static uint32_t
rule_key(struct layout *l, const struct rule *r, uint32_t pat, size_t *n,
    unsigned *variant)
{
	char	*p;
	size_t	 i, qn = r->query != NULL ? strlen(r->query) : 0;
	uint32_t off;

	*n = r->pattern_len;
	*variant = r->opts->flags & (OPT_CASE_IGNORE | OPT_SLASH_EITHER);
	if (r->kind == RULE_PREFIX)
		*variant &= OPT_CASE_IGNORE;
	else if ((*variant & OPT_SLASH_EITHER) && *n > 1 &&
	    r->pattern[*n - 1] == '/')
		(*n)--;
	/*
	 * The pattern as stored: "path" or "path?query" (rule_lay()), or
	 * its start when slash = either took a '/' off a path alone.
	 */
	if (!(*variant & OPT_CASE_IGNORE) && (qn == 0 ||
	    *n == r->pattern_len)) {
		*n += qn > 0 ? 1 + qn : 0;
		return pat;
	}
	/* The path folded, then "?query" as it is: case is the path's. */
	if ((off = string_add2(&l->strings, r->pattern, *n, r->query, qn)) ==
	    IMAGE_NONE)
		return IMAGE_NONE;
	p = l->strings.data + l->strings.base + off;
	if (*variant & OPT_CASE_IGNORE)
		for (i = 0; i < *n; i++)
			p[i] = (char)tolower((unsigned char)p[i]);
	*n += qn > 0 ? 1 + qn : 0;
	return off;
}

/* Add the signature of r's query to the set, once; 0, or -1 no memory. */
static int
sig_add(struct layout *l, const struct rule *r)
{
	char		*sig, *s = l->strings.data + l->strings.base;
	size_t		 i, n, size;
	uint32_t	*t, off;
	uint64_t	 h;

	if ((sig = malloc(strlen(r->query) + 2)) == NULL)
		return -1;
	query_signature(r->query, sig);
	n = strlen(sig);
	h = index_hash(sig, n, 0);
	if (2 * (l->nsigs + 1) > l->sig_mask) {
		size = l->sig_mask ? 2 * (l->sig_mask + 1) : 16;
		if ((t = malloc(size * sizeof(*t))) == NULL) {
			free(sig);
			return -1;
		}
		memset(t, 0xff, size * sizeof(*t));
		for (i = 0; i < l->nsigs; i++) {
			off = l->sigs[i];
			for (size_t j = index_hash(s + off, strlen(s + off), 0) &
			    (size - 1); ; j = (j + 1) & (size - 1))
				if (t[j] == IMAGE_NONE) {
					t[j] = (uint32_t)i;
					break;
				}
		}
		free(l->sig_table);
		l->sig_table = t;
		l->sig_mask = size - 1;
	}
	for (i = h & l->sig_mask; l->sig_table[i] != IMAGE_NONE;
	    i = (i + 1) & l->sig_mask)
		if (strcmp(s + l->sigs[l->sig_table[i]], sig) == 0) {
			free(sig);
			return 0;
		}
	if (l->nsigs == l->sig_cap) {
		l->sig_cap = l->sig_cap ? 2 * l->sig_cap : 16;
		if ((t = realloc(l->sigs, l->sig_cap * sizeof(*t))) == NULL) {
			free(sig);
			return -1;
		}
		l->sigs = t;
	}
	off = string_add(&l->strings, sig, n);
	free(sig);
	if (off == IMAGE_NONE)
		return -1;
	l->sig_table[i] = (uint32_t)l->nsigs;
	l->sigs[l->nsigs++] = off;
	return 0;
}

/* The option set of o as a number, its lists added to the refs. */
static void
opts_lay(struct layout *l, const struct rule_opts *o, struct image_opts *io)
{
	const char	**lists[3] = { o->hosts, o->methods, o->headers };
	size_t		  counts[3] = { o->nhosts, o->nmethods, o->nheaders };
	uint32_t	  first[3], *ref;
	size_t		  k, i;

	memset(io, 0, sizeof(*io));
	io->status = (uint32_t)o->status;
	io->flags = o->flags;
	io->scheme = (uint32_t)o->scheme;
	io->has = (o->has_from ? IMAGE_HAS_FROM : 0) |
	    (o->has_until ? IMAGE_HAS_UNTIL : 0);
	io->from = o->has_from ? (int64_t)o->from : 0;
	io->until = o->has_until ? (int64_t)o->until : 0;
	io->cache = o->cache == NULL ? IMAGE_NONE :
	    string_add(&l->strings, o->cache, strlen(o->cache));
	io->params = o->params == NULL ? IMAGE_NONE :
	    string_add(&l->strings, o->params, strlen(o->params));
	for (k = 0; k < 3; k++) {
		first[k] = (uint32_t)(l->refs.len / sizeof(uint32_t));
		for (i = 0; i < counts[k]; i++)
			if ((ref = grow_room(&l->refs, sizeof(*ref))) != NULL)
				*ref = string_add(&l->strings, lists[k][i],
				    strlen(lists[k][i]));
	}
	io->hosts = first[0];
	io->nhosts = (uint32_t)o->nhosts;
	io->methods = first[1];
	io->nmethods = (uint32_t)o->nmethods;
	io->headers = first[2];
	io->nheaders = (uint32_t)o->nheaders;
}

/*
 * Rule r (number no, or the fallback) as an image record, and its key in
 * l->keys[no].  Returns 0, or -1 when out of memory.
 */
static int
rule_lay(struct layout *l, const struct rule *r, uint32_t no,
    struct image_rule *ir, const char **last_name, uint32_t *name_off)
{
	struct key	*k;
	size_t		 n;
	unsigned	 variant;

	memset(ir, 0, sizeof(*ir));
	if (r->name != *last_name) {
		*last_name = r->name;
		*name_off = string_add(&l->strings, r->name, strlen(r->name));
	}
	ir->name = *name_off;
	ir->line = r->line;
	ir->kind = (uint8_t)r->kind;
	/* "path?query": ruleset_rule() finds the query after the path. */
	ir->pattern = string_add2(&l->strings, r->pattern ? r->pattern : "",
	    r->pattern_len, r->query, r->query != NULL ? strlen(r->query) : 0);
	ir->pattern_len = (uint32_t)r->pattern_len;
	n = r->target ? r->target_len : 0;
	ir->target = string_add(&l->strings, r->target ? r->target : "", n);
	ir->target_len = (uint32_t)n;
	ir->target_split = (uint32_t)(r->target_split < n ? r->target_split :
	    n);
	ir->target_flags = (uint8_t)r->target_flags;
	if ((ir->opts = optset_add(&l->optset, r->opts)) == IMAGE_NONE ||
	    l->strings.oom)
		return -1;
	if (no == RULE_FALLBACK)
		return 0;
	k = &l->keys[no];
	k->always = (uint8_t)!analysis_conditional(r->opts);
	if (r->kind == RULE_REGEX) {
		ir->regex_lit = (uint32_t)regex_literal_prefix(r->pattern);
		ir->regex_no = l->h.nregex;
		l->regex[l->h.nregex++] = no;
		k->off = ir->pattern + 1;
		n = regex_anchor_len(r, ir->regex_lit);
		variant = 0;
		k->which = 2;
	} else {
		if ((k->off = rule_key(l, r, ir->pattern, &n, &variant)) ==
		    IMAGE_NONE)
			return -1;
		k->which = r->kind == RULE_PREFIX;
		if (k->which)
			l->h.prefix_variants |= 1u << variant;
		else if (r->query != NULL) {
			l->h.query_variants |= 1u << variant;
			if (sig_add(l, r) != 0)
				return -1;
		} else
			l->h.exact_variants |= 1u << variant;
	}
	if (n > INDEX_KEY_MAX)
		return -1;
	k->len = (uint32_t)n;
	k->variant = (uint8_t)variant;
	return 0;
}

/* How far ahead keys_add() prefetches the slots it will write. */
#define PREFETCH_AHEAD	8

/*
 * Add every rule's key to its index, in file order, warning on d about a
 * rule that an earlier one under the same key always answers first (not
 * for regexes: they can overlap).  Returns 0, or -1 out of memory.
 */
static int
keys_add(struct layout *l, const struct draft *dr, struct diag *d)
{
	const char	*s = l->strings.data + l->strings.base;
	struct key	*k;
	size_t		 i, n = dr->nrules;
	uint32_t	 shadow;

	for (i = 0; i < n; i++) {
		k = &l->keys[i];
		/* Exact keys are hashed whole, cuts of a path in steps. */
		k->hash = k->which == 0 ? index_hash(s + k->off, k->len,
		    k->variant) : index_hash_fnv(s + k->off, k->len,
		    k->variant);
	}
	for (i = 0; i < n; i++) {
		if (i + PREFETCH_AHEAD < n)
			index_builder_prefetch(l->ix[l->keys[i +
			    PREFETCH_AHEAD].which], l->keys[i +
			    PREFETCH_AHEAD].hash);
		k = &l->keys[i];
		if (index_builder_add(l->ix[k->which], s, k->off, k->len,
		    k->variant, k->hash, (uint32_t)i, k->always, l->next,
		    &shadow) != 0)
			return -1;
		if (shadow != INDEX_NONE && dr->rules[i].kind != RULE_REGEX)
			diag_warning(d, dr->rules[i].line, "never used: [%s] "
			    "at line %u already answers %s%s%s",
			    dr->rules[shadow].name, dr->rules[shadow].line,
			    dr->rules[i].pattern_len ? dr->rules[i].pattern :
			    "/", dr->rules[i].query ? "?" : "",
			    dr->rules[i].query ? dr->rules[i].query : "");
	}
	return 0;
}

/* Append part k (n bytes of p) to the image, aligned to 8. */
static void
part_put(struct grow *img, struct image_header *h, enum image_part k,
    const void *p, size_t n)
{
	char	*to;
	size_t	 pad = (8 - img->len % 8) % 8;

	if (grow_room(img, pad) != NULL)
		memset(img->data + img->len - pad, 0, pad);
	h->part[k].off = img->len;
	h->part[k].len = n;
	if (n > 0 && (to = grow_room(img, n)) != NULL)
		memcpy(to, p, n);
}

static void
layout_free(struct layout *l)
{
	size_t	 k;

	free(l->strings.data);
	free(l->optset.opts);
	free(l->optset.table);
	free(l->refs.data);
	free(l->rules);
	free(l->next);
	free(l->regex);
	for (k = 0; k < 3; k++)
		index_builder_free(l->ix[k]);
	free(l->keys);
	free(l->sigs);
	free(l->sig_table);
}

/* Lay out draft dr as image bytes; NULL when out of memory (reported). */
static unsigned char *
compile_bytes(const struct draft *dr, size_t *size, struct diag *d)
{
	struct layout		 l;
	struct grow		*img = &l.strings;
	struct image_opts	*io = NULL;
	const struct index_slot	*slots;
	const char		*last_name = NULL;
	unsigned char		*p;
	uint32_t		 name_off = IMAGE_NONE;
	size_t			 i, counts[3] = { 0, 0, 0 }, nslots;
	struct image_header	*h = &l.h;
	enum image_part		 parts[3] = { IMAGE_EXACT, IMAGE_PREFIX,
				    IMAGE_ANCHOR };

	memset(&l, 0, sizeof(l));
	for (i = 0; i < dr->nrules; i++)
		counts[dr->rules[i].kind == RULE_REGEX ? 2 :
		    dr->rules[i].kind == RULE_PREFIX]++;
	l.rules = calloc(dr->nrules + 1, sizeof(*l.rules));
	l.keys = calloc(dr->nrules + 1, sizeof(*l.keys));
	l.next = calloc(dr->nrules + 1, sizeof(*l.next));
	l.regex = calloc(counts[2] + 1, sizeof(*l.regex));
	for (i = 0; i < 3; i++)
		l.ix[i] = index_builder_new(counts[i], dr->nrules);
	if (dr->nrules >= INDEX_NONE - 1 || l.rules == NULL || l.keys == NULL ||
	    l.next == NULL || l.regex == NULL || l.ix[0] == NULL ||
	    l.ix[1] == NULL || l.ix[2] == NULL)
		goto oom;
	if (grow_room(img, sizeof(*h)) == NULL)
		goto oom;
	img->base = sizeof(*h);
	h->file = string_add(&l.strings, dr->file, strlen(dr->file));
	h->base = dr->base == NULL ? IMAGE_NONE :
	    string_add(&l.strings, dr->base, strlen(dr->base));
	h->defaults = optset_add(&l.optset, &dr->defaults);
	for (i = 0; i < dr->nrules; i++)
		if (rule_lay(&l, &dr->rules[i], (uint32_t)i, &l.rules[i],
		    &last_name, &name_off) != 0)
			goto oom;
	if (keys_add(&l, dr, d) != 0)
		goto oom;
	free(l.keys);
	l.keys = NULL;
	if (rule_lay(&l, &dr->fallback, RULE_FALLBACK,
	    &l.rules[dr->nrules], &last_name, &name_off) != 0 ||
	    (io = calloc(l.optset.n + 1, sizeof(*io))) == NULL)
		goto oom;
	for (i = 0; i < l.optset.n; i++)
		opts_lay(&l, l.optset.opts[i], &io[i]);
	if (l.strings.oom || l.refs.oom ||
	    string_add(&l.strings, "", 0) == IMAGE_NONE)
		goto oom;

	memcpy(h->magic, IMAGE_MAGIC, IMAGE_MAGIC_LEN);
	h->version = IMAGE_VERSION;
	h->byte_order = IMAGE_BYTE_ORDER;
	h->word_size = sizeof(void *);
	h->header_size = sizeof(*h);
	(void)strncpy(h->build, image_build_id, IMAGE_BUILD_MAX - 1);
	h->nrules = (uint32_t)dr->nrules;
	h->nopts = (uint32_t)l.optset.n;
	h->nrefs = (uint32_t)(l.refs.len / sizeof(uint32_t));
	h->nmaps = (uint32_t)dr->nmaps;
	h->nentries = (uint32_t)dr->nentries;
	h->fallback_status = dr->fallback_status;
	h->flags = dr->stats_off ? IMAGE_FLAG_STATS_OFF : 0;
	/* The strings are in place; each other part is freed once copied. */
	h->part[IMAGE_STRINGS].off = img->base;
	h->part[IMAGE_STRINGS].len = img->len - img->base;
	part_put(img, h, IMAGE_OPTS, io, l.optset.n * sizeof(*io));
	part_put(img, h, IMAGE_REFS, l.refs.data, l.refs.len);
	part_put(img, h, IMAGE_RULES, l.rules,
	    (dr->nrules + 1) * sizeof(*l.rules));
	free(l.rules);
	l.rules = NULL;
	part_put(img, h, IMAGE_NEXT, l.next, dr->nrules * sizeof(*l.next));
	part_put(img, h, IMAGE_REGEX, l.regex, h->nregex * sizeof(*l.regex));
	h->nsigs = (uint32_t)l.nsigs;
	part_put(img, h, IMAGE_SIGS, l.sigs, l.nsigs * sizeof(*l.sigs));
	for (i = 0; i < 3; i++) {
		nslots = index_builder_slots(l.ix[i], &slots, &h->lens[i]);
		part_put(img, h, parts[i], slots, nslots * sizeof(*slots));
		index_builder_free(l.ix[i]);
		l.ix[i] = NULL;
	}
	if (img->oom)
		goto oom;
	h->size = img->len;
	h->checksum = image_checksum(h);
	memcpy(img->data, h, sizeof(*h));
	*size = img->len;
	p = (unsigned char *)img->data;
	img->data = NULL;	/* the caller's now */
	free(io);
	layout_free(&l);
	return p;
oom:
	free(io);
	layout_free(&l);
	diag_error(d, 0, "out of memory (or over 4 GiB of strings)");
	return NULL;
}

/*
 * The rule set of a complete, valid draft: laid out as an image, opened
 * as any process opens one, its redirects followed (load/analysis.c: a
 * loop is an error).  Frees the draft.  NULL when out of memory or the
 * analysis found an error (reported on d).
 */
struct ruleset *
compile_draft(struct draft *dr, struct diag *d)
{
	struct ruleset	*rs = NULL;
	unsigned char	*img;
	size_t		 size;
	const char	*why;
	unsigned	 errors = d->errors;

	if ((img = compile_bytes(dr, &size, d)) != NULL &&
	    (rs = image_open(img, size, 0, NULL, &why)) == NULL) {
		/* XXX never: what we just built is an image we read. */
		diag_error(d, 0, "internal error: %s", why);
		free(img);
	}
	if (rs != NULL && analysis_run(dr, rs, d) != 0) {
		ruleset_free(rs);
		rs = NULL;
	}
	draft_free(dr);
	if (rs == NULL && d->errors == errors)
		diag_error(d, 0, "out of memory");
	return rs;
}

/* Write all of p[0..n) to fd; 0, or -1 with errno (EIO for no progress). */
static int
write_all(int fd, const void *p, size_t n)
{
	const unsigned char	*b = p;
	ssize_t			 w;

	while (n > 0) {
		if ((w = write(fd, b, n)) == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Write rule set rs's image to path, recording `src` as what it was
 * compiled from: a temporary file beside path, fsync, rename, so that a
 * reader finds the old image or the new one, whole.  Returns 0, or -1
 * with a message in err.
 */
int
compile_write(const struct ruleset *rs, const struct image_source *src,
    const char *path, char *err, size_t errlen)
{
	struct image_header	 h;
	char			 tmp[4096];
	int			 fd, e;

	memcpy(&h, rs->image, sizeof(h));
	h.source = *src;
	h.checksum = image_checksum(&h);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >=
	    sizeof(tmp)) {
		snprintf(err, errlen, "%s: name too long", path);
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	/* Readable by whoever reads the rule file: the web server's user. */
	if (fchmod(fd, 0644) == -1)
		goto fail;
	if (write_all(fd, &h, sizeof(h)) == -1 ||
	    write_all(fd, rs->image + sizeof(h), rs->size - sizeof(h)) == -1)
		goto fail;
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) == -1) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	e = errno;
	if (fd != -1)
		(void)close(fd);
	(void)unlink(tmp);
	snprintf(err, errlen, "%s: %s", path, e ? strerror(e) : "short write");
	return -1;
}
