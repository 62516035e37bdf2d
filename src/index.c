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
 * index stores only rule numbers and hashes: 12 bytes a slot plus 4 bytes
 * a rule.  Built once at load time, then only read.
 */
#include <stdlib.h>
#include <string.h>

#include "fcgi-redirect.h"

struct index {
	uint32_t	*head;	/* first rule of the chain, INDEX_NONE: empty */
	uint32_t	*tail;	/* last rule of the chain, to append in order */
	uint32_t	*hash;	/* low bits of the key's hash */
	uint32_t	*next;	/* next rule with the same key, per rule */
	uint32_t	*keylen; /* folded key length, per rule */
	size_t		 mask;
	size_t		 nrules_cap;
	size_t		 count;
};

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
	size_t		 size = 16;

	while (size < 2 * n + 2)
		size *= 2;
	if ((ix = calloc(1, sizeof(*ix))) == NULL)
		return NULL;
	ix->head = malloc(size * sizeof(*ix->head));
	ix->tail = malloc(size * sizeof(*ix->tail));
	ix->hash = malloc(size * sizeof(*ix->hash));
	if (ix->head == NULL || ix->tail == NULL || ix->hash == NULL) {
		index_free(ix);
		return NULL;
	}
	memset(ix->head, 0xff, size * sizeof(*ix->head));
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

	rv = rule->opts->flags & (OPT_CASE_IGNORE | OPT_SLASH_EITHER);
	if (rule->kind == RULE_PREFIX)
		rv &= OPT_CASE_IGNORE;
	if (rv != variant || ix->keylen[r] != n)
		return 0;
	if (variant & OPT_CASE_IGNORE)
		return strncasecmp(rule->pattern, key, n) == 0;
	return memcmp(rule->pattern, key, n) == 0;
}

/*
 * Add rule number `rule` (of rules[]) under key[0..n) and variant; rules
 * are added in file order and at most the n given to index_new() keys.
 * Sets *first to the first rule already under that key, INDEX_NONE when
 * the key is new.  Returns 0, or -1 when out of memory.
 */
int
index_add(struct index *ix, const struct rule *rules, uint32_t rule,
    const char *key, size_t n, unsigned variant, uint32_t *first)
{
	uint64_t	 h = index_hash(key, n, variant);
	size_t		 i;

	if (index_grow_rules(ix, rule) != 0)
		return -1;
	ix->keylen[rule] = (uint32_t)n;
	ix->next[rule] = INDEX_NONE;
	for (i = h & ix->mask; ix->head[i] != INDEX_NONE; i = (i + 1) & ix->mask)
		if (ix->hash[i] == (uint32_t)h && index_key_equal(ix, rules,
		    ix->head[i], key, n, variant)) {
			*first = ix->head[i];
			ix->next[ix->tail[i]] = rule;
			ix->tail[i] = rule;
			return 0;
		}
	ix->head[i] = rule;
	ix->tail[i] = rule;
	ix->hash[i] = (uint32_t)h;
	ix->count++;
	*first = INDEX_NONE;
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
	size_t	 i;

	for (i = h & ix->mask; ix->head[i] != INDEX_NONE; i = (i + 1) & ix->mask)
		if (ix->hash[i] == (uint32_t)h && index_key_equal(ix, rules,
		    ix->head[i], key, n, variant))
			return ix->head[i];
	return INDEX_NONE;
}

/* The rule after `rule` under the same key, or INDEX_NONE. */
uint32_t
index_next(const struct index *ix, uint32_t rule)
{
	return ix->next[rule];
}

void
index_free(struct index *ix)
{
	if (ix == NULL)
		return;
	free(ix->head);
	free(ix->tail);
	free(ix->hash);
	free(ix->next);
	free(ix->keylen);
	free(ix);
}
