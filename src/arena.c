/*
 * arena.c: the memory of one rule set.
 *
 * A rule set owns every string and option it holds in one arena, so that
 * ruleset_free() releases a whole set, however large, with a walk over a
 * few blocks, and a half-built set is freed the same way when loading
 * fails.  Allocation is a pointer bump; nothing is freed individually.
 */
#include <stdlib.h>
#include <string.h>

#include "fcgi-redirect.h"

#define ARENA_BLOCK	(1024 * 1024)

struct arena_block {
	struct arena_block	*next;
	size_t			 used, size;
	/* Aligned for any object. */
	max_align_t		 mem[];
};

void
arena_init(struct arena *a)
{
	a->head = NULL;
}

/* Return n bytes at a multiple of align (a power of two), or NULL. */
static void *
arena_alloc_aligned(struct arena *a, size_t n, size_t align)
{
	struct arena_block	*b = a->head;
	size_t			 size;
	void			*p;

	if (b != NULL)
		b->used = (b->used + align - 1) & ~(align - 1);
	if (b == NULL || b->used > b->size || b->size - b->used < n) {
		size = n > ARENA_BLOCK / 4 ? n : ARENA_BLOCK;
		if ((b = malloc(sizeof(*b) + size)) == NULL)
			return NULL;
		b->used = 0;
		b->size = size;
		/* A large one-off block goes behind the current one. */
		if (size != ARENA_BLOCK && a->head != NULL) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	p = (char *)b->mem + b->used;
	b->used += n;
	return p;
}

/*
 * Return n bytes aligned for any object, owned by the arena, or NULL when
 * memory is exhausted.
 */
void *
arena_alloc(struct arena *a, size_t n)
{
	return arena_alloc_aligned(a, n, sizeof(max_align_t));
}

/* Copy s[0..n) into the arena as a NUL-terminated string, or NULL. */
char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char	*p;

	/* Strings need no alignment: a million short keys pack tightly. */
	if ((p = arena_alloc_aligned(a, n + 1, 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
arena_free(struct arena *a)
{
	struct arena_block	*b, *next;

	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
}
