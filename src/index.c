/*
 * index.c: hash indexes of exact paths and of prefixes.
 *
 * A million map entries must cost a lookup no more than ten do, so exact
 * paths and prefixes are found by hashing, never by scanning the rules
 * (nginx's map module does the same with its hash).  Each key carries a
 * variant: the OPT_CASE_IGNORE and OPT_SLASH_EITHER flags its rules were
 * folded with, so that "/A" under case=ignore and "/A" under case=exact are
 * different keys.  Rules with the same key and variant form a chain in
 * file order (next[]), so the first rule that applies is the first in its
 * chain that passes its conditions.
 *
 * Open addressing with linear probing over a power-of-two table at most
 * half full.  Keys are compared through the rules they came from, so the
 * index stores only rule numbers and hashes: 16 bytes a slot plus 8 bytes
 * a rule.  Built once at load time, then only read.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi-redirect.h"

/* One key: 16 bytes, so that a probe costs one cache line. */
struct slot {
	uint32_t	 head;	/* first rule of the chain, INDEX_NONE: empty */
	uint32_t	 hash;	/* low bits of the key's hash */
	uint32_t	 tail;	/* last rule of the chain, to append in order */
	uint32_t	 always; /* first rule without conditions, or NONE */
};

struct index {
	struct slot	*slots;
	uint32_t	*next;	/* next rule with the same key, per rule */
	uint32_t	*keylen; /* folded key length, per rule */
	size_t		 mask;
	size_t		 nrules_cap;
	size_t		 count;
	uint64_t	 lens;	/* bit min(n, 63) set: a key of length n */
};

/* The bit of key length n in struct index's lens. */
#define LEN_BIT(n)	(1ULL << ((n) < 63 ? (n) : 63))

/*
 * FNV-1a over the key, then the variant.  Request-controlled keys cannot
 * grow the table, so a flooding-resistant hash is not needed here.  The
 * hash is built in steps so that match.c can hash every prefix of a path
 * ("", "/a", "/a/b") in one pass: index_hash_step() over more bytes, then
 * index_hash_end() for each key.
 */
uint64_t
index_hash_step(uint64_t h, const char *s, size_t n)
{
	size_t	 i;

#pragma GCC unroll 4
	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

uint64_t
index_hash_end(uint64_t h, unsigned variant)
{
	h = (h ^ (variant + 1)) * 1099511628211ULL;
	return h ^ (h >> 29);
}

uint64_t
index_hash(const char *s, size_t n, unsigned variant)
{
	return index_hash_end(index_hash_step(INDEX_HASH_INIT, s, n), variant);
}

/* An empty index for up to n keys; NULL when out of memory. */
struct index *
index_new(size_t n)
{
	struct index	*ix;
	size_t		 size = 16, i;

	while (size < 2 * n + 2)
		size *= 2;
	if ((ix = calloc(1, sizeof(*ix))) == NULL)
		return NULL;
	if ((ix->slots = malloc(size * sizeof(*ix->slots))) == NULL) {
		index_free(ix);
		return NULL;
	}
	for (i = 0; i < size; i++)
		ix->slots[i].head = INDEX_NONE;
	ix->mask = size - 1;
	return ix;
}

/* Make room for per-rule arrays up to rule number `rule`. */
static int
index_grow_rules(struct index *ix, uint32_t rule)
{
	size_t		 cap = ix->nrules_cap ? ix->nrules_cap : 64;
	uint32_t	*next, *klen;

	if (rule < ix->nrules_cap)
		return 0;
	while (cap <= rule)
		cap *= 2;
	if ((next = realloc(ix->next, cap * sizeof(*next))) == NULL)
		return -1;
	ix->next = next;
	if ((klen = realloc(ix->keylen, cap * sizeof(*klen))) == NULL)
		return -1;
	ix->keylen = klen;
	ix->nrules_cap = cap;
	return 0;
}

/*
 * Key comparison: the rule's pattern folded as its variant says is the
 * key; folding only lowercases and drops one trailing '/', so comparing
 * the first keylen bytes case-insensitively (for case=ignore) suffices.
 */
static int
index_key_equal(const struct index *ix, const struct rule *rules,
    uint32_t r, const char *key, size_t n, unsigned variant)
{
	const struct rule	*rule = &rules[r];
	unsigned		 rv;

	if (rule->kind == RULE_REGEX)	/* an anchor: see index_build() */
		return ix->keylen[r] == n && variant == 0 &&
		    memcmp(rule->pattern + 1, key, n) == 0;
	rv = rule->opts->flags & (OPT_CASE_IGNORE | OPT_SLASH_EITHER);
	if (rule->kind == RULE_PREFIX)
		rv &= OPT_CASE_IGNORE;
	if (rv != variant || ix->keylen[r] != n)
		return 0;
	if (variant & OPT_CASE_IGNORE)
		return strncasecmp(rule->pattern, key, n) == 0;
	return memcmp(rule->pattern, key, n) == 0;
}

/* True when a rule has no condition: it matches whenever its path does. */
static int
rule_unconditional(const struct rule *r)
{
	const struct rule_opts	*o = r->opts;

	return o->nhosts == 0 && o->nmethods == 0 && o->scheme == SCHEME_ANY &&
	    !o->has_from && !o->has_until;
}

/*
 * Add rule number `rule` (of rules[]) under key[0..n) and variant; rules
 * are added in file order and at most the n given to index_new() keys.
 * Sets *shadow to the first rule already under that key that has no
 * conditions (so `rule` can never be used), else INDEX_NONE.  Returns 0,
 * or -1 when out of memory.
 */
int
index_add(struct index *ix, const struct rule *rules, uint32_t rule,
    const char *key, size_t n, unsigned variant, uint32_t *shadow)
{
	uint64_t	 h = index_hash(key, n, variant);
	struct slot	*sl;
	uint32_t	 always;
	size_t		 i;

	if (index_grow_rules(ix, rule) != 0)
		return -1;
	ix->keylen[rule] = (uint32_t)n;
	ix->next[rule] = INDEX_NONE;
	ix->lens |= LEN_BIT(n);
	always = rule_unconditional(&rules[rule]) ? rule : INDEX_NONE;
	for (i = h & ix->mask; (sl = &ix->slots[i])->head != INDEX_NONE;
	    i = (i + 1) & ix->mask)
		if (sl->hash == (uint32_t)h && index_key_equal(ix, rules,
		    sl->head, key, n, variant)) {
			*shadow = sl->always;
			if (sl->always == INDEX_NONE)
				sl->always = always;
			ix->next[sl->tail] = rule;
			sl->tail = rule;
			return 0;
		}
	sl->head = rule;
	sl->tail = rule;
	sl->hash = (uint32_t)h;
	sl->always = always;
	ix->count++;
	*shadow = INDEX_NONE;
	return 0;
}

/*
 * The first rule (in file order) under key[0..n) and variant, whose hash
 * index_hash() gave as h; INDEX_NONE when there is none.  Follow the chain
 * with index_next().
 */
uint32_t
index_find(const struct index *ix, const struct rule *rules, const char *key,
    size_t n, unsigned variant, uint64_t h)
{
	const struct slot	*sl;
	size_t			 i;

	/* No key of this length: nothing to probe (most cuts of a path). */
	if (!(ix->lens & LEN_BIT(n)))
		return INDEX_NONE;
	for (i = h & ix->mask; (sl = &ix->slots[i])->head != INDEX_NONE;
	    i = (i + 1) & ix->mask)
		if (sl->hash == (uint32_t)h && index_key_equal(ix, rules,
		    sl->head, key, n, variant))
			return sl->head;
	return INDEX_NONE;
}

/* Prefetch the slot where index_find() starts for key[0..n), variant. */
void
index_prefetch(const struct index *ix, const char *key, size_t n,
    unsigned variant)
{
	if (ix->lens & LEN_BIT(n))
		__builtin_prefetch(&ix->slots[index_hash(key, n, variant) &
		    ix->mask]);
}

/* The rule after `rule` under the same key, or INDEX_NONE. */
uint32_t
index_next(const struct index *ix, uint32_t rule)
{
	return ix->next[rule];
}

/* The index key of an exact rule: case and slash folded per its options. */
static size_t
exact_key(const struct rule *r, char *out)
{
	size_t	 n = r->pattern_len, i;

	memcpy(out, r->pattern, n);
	if ((r->opts->flags & OPT_SLASH_EITHER) && n > 1 && out[n - 1] == '/')
		n--;
	if (r->opts->flags & OPT_CASE_IGNORE)
		for (i = 0; i < n; i++)
			out[i] = (char)tolower((unsigned char)out[i]);
	out[n] = '\0';
	return n;
}

/*
 * The anchor of a regex rule: the length of its literal prefix up to the
 * last '/' in it.  A path the regex matches starts with the literal, so
 * the path has a '/' there and its cut at that '/' (match.c looks up every
 * cut) is the anchor: "^/r/17/([a-z]+)$" is found under "/r/17", and only
 * requests under /r/17/ try it.  A regex without a literal prefix we can
 * be sure of, or one that ignores case, is anchored at "" (the cut every
 * path has), so it is tried for every request, as all regexes once were.
 */
static size_t
regex_anchor_len(const struct rule *r)
{
	size_t	 n = r->regex_lit;

	if (r->opts->flags & OPT_CASE_IGNORE)
		return 0;
	while (n > 0 && r->pattern[1 + n - 1] != '/')
		n--;
	return n > 0 ? n - 1 : 0;
}

/*
 * Build the indexes of a complete, valid rule set, in file order, warning
 * on d about exact keys that an earlier unconditional rule already
 * answers.  Returns 0, or -1 when out of memory (reported).
 */
int
index_build(struct ruleset *rs, struct diag *d)
{
	size_t		 i, nexact = 0, nprefix = 0, nregex = 0, n;
	struct rule	*r;
	char		*key;
	uint32_t	 first;
	unsigned	 variant;
	int		 rc;

	for (i = 0; i < rs->nrules; i++) {
		r = &rs->rules[i];
		if (r->kind == RULE_REGEX)
			nregex++;
		else if (r->kind == RULE_PREFIX)
			nprefix++;
		else
			nexact++;
	}
	rs->exact = index_new(nexact);
	rs->prefix = index_new(nprefix);
	rs->regex = malloc((nregex + 1) * sizeof(*rs->regex));
	rs->regex_anchor = index_new(nregex);
	key = malloc(PATH_BUF);
	if (rs->exact == NULL || rs->prefix == NULL || rs->regex == NULL ||
	    rs->regex_anchor == NULL || key == NULL) {
		free(key);
		diag_error(d, 0, "out of memory");
		return -1;
	}
	for (i = 0; i < rs->nrules; i++) {
		r = &rs->rules[i];
		if (r->kind == RULE_REGEX) {
			r->regex_lit = (uint32_t)match_regex_prefix(r->pattern);
			rs->regex[rs->nregex++] = (uint32_t)i;
			/* (No "never used" warning: regexes can overlap.) */
			if (index_add(rs->regex_anchor, rs->rules, (uint32_t)i,
			    r->pattern + 1, regex_anchor_len(r), 0,
			    &first) != 0) {
				free(key);
				diag_error(d, 0, "out of memory");
				return -1;
			}
			continue;
		}
		if (r->kind == RULE_PREFIX) {
			variant = r->opts->flags & OPT_CASE_IGNORE;
			n = r->pattern_len;
			memcpy(key, r->pattern, n);
			if (variant)
				for (size_t j = 0; j < n; j++)
					key[j] = (char)tolower(
					    (unsigned char)key[j]);
			rc = index_add(rs->prefix, rs->rules, (uint32_t)i,
			    key, n, variant, &first);
			rs->prefix_variants |= 1u << variant;
		} else {
			variant = r->opts->flags &
			    (OPT_CASE_IGNORE | OPT_SLASH_EITHER);
			n = exact_key(r, key);
			rc = index_add(rs->exact, rs->rules, (uint32_t)i,
			    key, n, variant, &first);
			rs->exact_variants |= 1u << variant;
		}
		if (rc != 0) {
			free(key);
			diag_error(d, 0, "out of memory");
			return -1;
		}
		if (first != INDEX_NONE)
			diag_warning(d, r->line, "never used: [%s] at "
			    "line %u already answers %s", rs->rules[first].name,
			    rs->rules[first].line, r->pattern_len ? r->pattern :
			    "/");
	}
	free(key);
	return 0;
}

void
index_free(struct index *ix)
{
	if (ix == NULL)
		return;
	free(ix->slots);
	free(ix->next);
	free(ix->keylen);
	free(ix);
}
