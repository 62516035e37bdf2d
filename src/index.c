/*
 * index.c: hash indexes from string keys to chains of items.
 *
 * A million map entries must cost a lookup no more than ten do, so exact
 * paths, prefixes and regex anchors are found by hashing, never by
 * scanning the rules (nginx's map module does the same with ngx_hash).
 * The index knows nothing of rules: a key is a string in an image's
 * strings, with a variant (a small number the caller folds into the hash
 * and compares, here the OPT_CASE_IGNORE and OPT_SLASH_EITHER flags the
 * key was folded with), and its items (rule numbers) form a chain in the
 * order they were added through a next[] array the caller owns.
 *
 * Open addressing with linear probing over a power-of-two table at most
 * half full: 16 bytes a slot (struct index_slot).  Built once at load time
 * (index_builder_*), then read in place, in memory or in a mapped file
 * (index_find, index_next).  The reader trusts nothing in the slots: a
 * key outside the strings never compares equal, a probe stops after the
 * whole table, and a chain only goes forward, so a damaged image gives
 * wrong answers at worst, never a read outside it or a loop.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fcgi-redirect.h"

/* The bit of key length n in struct index's lens. */
#define LEN_BIT(n)	(1ULL << ((n) < 63 ? (n) : 63))
#define KEYLEN(s)	((s)->keylen & INDEX_KEY_MAX)
#define VARIANT(s)	((s)->keylen >> 24)

/*
 * Request-controlled keys cannot grow a table, so a flooding-resistant
 * hash is not needed here.  Prefixes and anchors: FNV-1a over the key,
 * then the variant, built in steps so that match.c can hash every prefix of a path
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

/*
 * The hash of a whole key, eight bytes a step (multiply-rotate, then a
 * final mix), for the exact index, whose keys are hashed whole: a quarter
 * of FNV-1a's instructions on a 35-byte path.  Prefixes and regex anchors
 * keep FNV-1a, whose steps match.c can stop at every cut of a path.
 */
uint64_t
index_hash(const char *s, size_t n, unsigned variant)
{
	const uint64_t	 k = 0x9E3779B97F4A7C15ULL;
	uint64_t	 h = INDEX_HASH_INIT ^ (n * k), w;
	size_t		 i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * k;
		h ^= h >> 32;
	}
	if (i < n) {
		/*
		 * The last 1 to 7 bytes: the key's last eight (overlapping
		 * the word before) when it has eight, else byte by byte: a
		 * fixed-size copy, never a call to memcpy().
		 */
		if (n >= 8)
			memcpy(&w, s + n - 8, 8);
		else
			for (w = 0; i < n; i++)
				w = w << 8 | (unsigned char)s[i];
		h = (h ^ w) * k;
		h ^= h >> 32;
	}
	h = (h ^ (variant + 1)) * 0xD6E8FEB86659FD93ULL;
	return h ^ (h >> 29);
}

/* FNV-1a over the key, then the variant: index_hash_step() in one go. */
uint64_t
index_hash_fnv(const char *s, size_t n, unsigned variant)
{
	return index_hash_end(index_hash_step(INDEX_HASH_INIT, s, n), variant);
}

/* Does slot sl hold key[0..n) under variant, in strings[0..len)? */
static inline int
slot_key_equal(const struct index_slot *sl, const char *strings, size_t len,
    const char *key, size_t n, unsigned variant)
{
	return KEYLEN(sl) == n && VARIANT(sl) == variant &&
	    sl->key <= len && n <= len - sl->key &&
	    memcmp(strings + sl->key, key, n) == 0;
}

/* ---- building ---- */

/*
 * While the index is built: the slots as they will be read, and a bit per
 * item saying whether it always applies.  A new key costs one slot (one
 * cache miss); only a key added again walks its chain, in next[], for its
 * tail and for the first item that always applies.
 */
struct index_builder {
	struct index_slot	*slots;
	uint64_t		*always;	/* a bit per item */
	size_t			 nitems;
	size_t			 mask;
	uint64_t		 lens;
};

/*
 * An empty index for up to n keys, of items numbered below nitems; NULL
 * when out of memory.
 */
struct index_builder *
index_builder_new(size_t n, size_t nitems)
{
	struct index_builder	*b;
	size_t			 size = 16, i;

	while (size < 2 * n + 2)
		size *= 2;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->slots = malloc(size * sizeof(*b->slots));
	b->always = calloc(nitems / 64 + 1, sizeof(*b->always));
	if (b->slots == NULL || b->always == NULL) {
		index_builder_free(b);
		return NULL;
	}
	for (i = 0; i < size; i++) {
		memset(&b->slots[i], 0, sizeof(b->slots[i]));
		b->slots[i].head = INDEX_NONE;
	}
	b->nitems = nitems;
	b->mask = size - 1;
	return b;
}

#define ALWAYS(b, i)	((b)->always[(i) / 64] >> ((i) % 64) & 1)

/*
 * Add item (below the builder's nitems) under the key strings[key..key +
 * n) and variant (< 256), whose hash is h (index_hash() for the exact
 * index, index_hash_fnv() for the others: the caller's choice); items are
 * added in increasing order, at most as many keys as index_builder_new()
 * was told, each item once (next[item] is set to INDEX_NONE, and the
 * previous item under the same key gets next[] = item).  `always`: the
 * item applies whenever its key does.  Sets *shadow to the first item
 * already under the key that always applies (so this one is never
 * reached), else INDEX_NONE.  Returns 0, or -1 when n is over
 * INDEX_KEY_MAX or item out of range.
 */
int
index_builder_add(struct index_builder *b, const char *strings, uint32_t key,
    size_t n, unsigned variant, uint64_t h, uint32_t item, int always,
    uint32_t *next, uint32_t *shadow)
{
	struct index_slot	*sl;
	uint32_t		 r, tail;
	size_t			 i;

	if (n > INDEX_KEY_MAX || item >= b->nitems)
		return -1;
	next[item] = INDEX_NONE;
	if (always)
		b->always[item / 64] |= 1ULL << (item % 64);
	b->lens |= LEN_BIT(n);
	for (i = h & b->mask; (sl = &b->slots[i])->head != INDEX_NONE;
	    i = (i + 1) & b->mask)
		if (sl->hash == (uint32_t)h && KEYLEN(sl) == n &&
		    VARIANT(sl) == variant &&
		    memcmp(strings + sl->key, strings + key, n) == 0) {
			*shadow = INDEX_NONE;
			for (r = tail = sl->head; r != INDEX_NONE;
			    tail = r, r = next[r])
				if (*shadow == INDEX_NONE && ALWAYS(b, r))
					*shadow = r;
			next[tail] = item;
			return 0;
		}
	sl->head = item;
	sl->hash = (uint32_t)h;
	sl->key = key;
	sl->keylen = (uint32_t)n | (uint32_t)variant << 24;
	*shadow = INDEX_NONE;
	return 0;
}

/* Prefetch the slot where a key of hash h is added. */
void
index_builder_prefetch(const struct index_builder *b, uint64_t h)
{
	__builtin_prefetch(&b->slots[h & b->mask], 1);
}

/*
 * The built slots and key lengths; returns the number of slots.  The
 * slots stay the builder's.
 */
size_t
index_builder_slots(const struct index_builder *b,
    const struct index_slot **slots, uint64_t *lens)
{
	*slots = b->slots;
	*lens = b->lens;
	return b->mask + 1;
}

void
index_builder_free(struct index_builder *b)
{
	if (b == NULL)
		return;
	free(b->slots);
	free(b->always);
	free(b);
}

/* ---- reading ---- */

/*
 * The first item under key[0..n) and variant, whose hash index_hash()
 * gave as h; INDEX_NONE when there is none.  Follow the chain with
 * index_next().
 */
uint32_t
index_find(const struct index *ix, const char *key, size_t n,
    unsigned variant, uint64_t h)
{
	const struct index_slot	*sl;
	size_t			 i, probes;

	/* No key of this length: nothing to probe (most cuts of a path). */
	if (!(ix->lens & LEN_BIT(n)))
		return INDEX_NONE;
	for (i = h & ix->mask, probes = 0; probes <= ix->mask &&
	    (sl = &ix->slots[i])->head != INDEX_NONE;
	    i = (i + 1) & ix->mask, probes++)
		if (sl->hash == (uint32_t)h && slot_key_equal(sl, ix->strings,
		    ix->strings_len, key, n, variant))
			return sl->head < ix->nitems ? sl->head : INDEX_NONE;
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

/* The item after `item` under the same key, or INDEX_NONE. */
uint32_t
index_next(const struct index *ix, uint32_t item)
{
	uint32_t	 n;

	if (item >= ix->nitems)
		return INDEX_NONE;
	n = ix->next[item];
	/* Chains go forward, in file order: anything else ends one. */
	return n > item && n < ix->nitems ? n : INDEX_NONE;
}
