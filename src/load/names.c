/*
 * names.c: the names of a rule file's rules and maps: what one may be
 * made of, and which were seen already.
 *
 * names_add() keeps a set of strings, each with the line where it was
 * first seen, in an open-addressing hash table.  rules.c adds every rule
 * and map name as its section starts; a name seen before is a duplicate,
 * reported with the line of the first.  The table keeps pointers only: the
 * names belong to the caller (the rule set's arena) and must outlive it.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi-redirect.h"

/* A rule or map name: letters, digits, '-', '_', '.'.  1 or 0. */
int
names_valid(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("-_.", *s) == NULL)
			return 0;
	return 1;
}

/* FNV-1a. */
static uint64_t
names_hash(const char *s)
{
	uint64_t	 h = 14695981039346656037ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Double the table (or make its first 64 slots); 0, or -1 out of memory. */
static int
names_grow(struct names *t)
{
	const char	**n;
	unsigned	 *nl;
	size_t		  i, j, ncap;

	ncap = t->cap ? t->cap * 2 : 64;
	n = calloc(ncap, sizeof(*n));
	nl = calloc(ncap, sizeof(*nl));
	if (n == NULL || nl == NULL) {
		free(n);
		free(nl);
		return -1;
	}
	for (i = 0; i < t->cap; i++) {
		if (t->name[i] == NULL)
			continue;
		for (j = names_hash(t->name[i]) & (ncap - 1); n[j] != NULL;
		    j = (j + 1) & (ncap - 1))
			continue;
		n[j] = t->name[i];
		nl[j] = t->line[i];
	}
	free(t->name);
	free(t->line);
	t->name = n;
	t->line = nl;
	t->cap = ncap;
	return 0;
}

/*
 * Remember `name`, seen at `line`.  Returns 0 when it is new; 1 when it was
 * seen before, with that line in *first (the table is unchanged); -1 when
 * out of memory.  t starts zeroed; names_free() frees it.
 */
int
names_add(struct names *t, const char *name, unsigned line, unsigned *first)
{
	size_t	 i;

	if (t->n * 2 >= t->cap && names_grow(t) != 0)
		return -1;
	for (i = names_hash(name) & (t->cap - 1); t->name[i] != NULL;
	    i = (i + 1) & (t->cap - 1))
		if (strcmp(t->name[i], name) == 0) {
			*first = t->line[i];
			return 1;
		}
	t->name[i] = name;
	t->line[i] = line;
	t->n++;
	return 0;
}

/* Free the table (not the names); it may be used again, empty. */
void
names_free(struct names *t)
{
	free(t->name);
	free(t->line);
	memset(t, 0, sizeof(*t));
}
