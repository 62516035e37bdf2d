/*
 * match.c: finding the rule for a request.
 *
 * A pure function of (rule set, request): the first rule in file order
 * whose path, prefix or regex matches and whose conditions (host, methods,
 * scheme, active window) hold.  Exact paths and prefixes are found through
 * the hash indexes (index.c), a bounded number of lookups per request
 * whatever the number of rules: one per case/slash variant for the path,
 * one per '/' in the path for prefixes.  Regex rules are then tried in file
 * order, but only those that stand before the best candidate found so far,
 * so a large table of exact rules costs nothing extra to a request that a
 * late regex would have matched.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "fcgi-redirect.h"

/*
 * The literal text that every match of the regex `pattern` starts with,
 * as a length into pattern + 1; 0 when there is none we can be sure of.
 * Only the plain case: a pattern anchored with '^', then letters, digits
 * and / - _ ~ , ; = : @ % & ' ! which stand for themselves, up to the first
 * other byte; a byte a quantifier applies to is not part of it, and a
 * pattern with '|' anywhere (an alternative might not be anchored) has
 * none.  Conservative by design: a wrong prefix would lose matches.
 */
size_t
match_regex_prefix(const char *pattern)
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

/* Every way an exact key may be folded: the OPT_ flags that fold it. */
static const unsigned exact_variants[] = {
	0, OPT_CASE_IGNORE, OPT_SLASH_EITHER, OPT_CASE_IGNORE | OPT_SLASH_EITHER
};

/* Per-process scratch for matching: never shared between threads. */
struct match_scratch {
	pcre2_match_data	*md;
	char			 lower[PATH_BUF];
};

struct match_scratch *
match_scratch_new(void)
{
	struct match_scratch	*s;

	if ((s = malloc(sizeof(*s))) == NULL)
		return NULL;
	if ((s->md = pcre2_match_data_create(CAPTURES_MAX + 1, NULL)) == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

void
match_scratch_free(struct match_scratch *s)
{
	if (s == NULL)
		return;
	pcre2_match_data_free(s->md);
	free(s);
}

/* Does host (lowercase, no port) match one of the patterns? */
static int
host_matches(const struct rule_opts *o, const char *host, size_t len)
{
	size_t	 i, n;

	for (i = 0; i < o->nhosts; i++) {
		const char	*p = o->hosts[i];

		n = strlen(p);
		if (p[0] == '*' && p[1] == '.') {
			/* "*.x" matches "a.x", "b.a.x", not "x" itself. */
			if (len > n - 1 && memcmp(host + len - (n - 1), p + 1,
			    n - 1) == 0)
				return 1;
		} else if (n == len && memcmp(host, p, n) == 0)
			return 1;
	}
	return 0;
}

/* Do the rule's conditions hold for this request? */
static int
rule_applies(const struct rule_opts *o, const struct request *req)
{
	size_t	 i;

	if (o->scheme != SCHEME_ANY &&
	    (o->scheme == SCHEME_HTTPS) != (req->https != 0))
		return 0;
	if (o->has_from && req->now < o->from)
		return 0;
	if (o->has_until && req->now >= o->until)
		return 0;
	if (o->nmethods > 0) {
		for (i = 0; i < o->nmethods; i++)
			if (strcmp(o->methods[i], req->method) == 0)
				break;
		if (i == o->nmethods)
			return 0;
	}
	if (o->nhosts > 0 && !host_matches(o, req->host, req->host_len))
		return 0;
	return 1;
}

/*
 * The first rule of a chain that applies, if it comes before *best: then
 * *best becomes it and 1 is returned.
 */
static int
chain_first(const struct ruleset *rs, const struct index *ix, uint32_t r,
    const struct request *req, uint32_t *best)
{
	for (; r != INDEX_NONE && r < *best; r = index_next(ix, r))
		if (rule_applies(rs->rules[r].opts, req)) {
			*best = r;
			return 1;
		}
	return 0;
}

/*
 * Fill m with the rule that decides req (m->rule is NULL when none does).
 * Returns 0; a regex that fails to run (PCRE2's match limit) counts as not
 * matching.
 */
int
match_lookup(const struct ruleset *rs, const struct request *req,
    struct match_scratch *scratch, struct match *m)
{
	const char	*path = req->path, *key;
	size_t		 len = req->path_len, n, i, j;
	uint32_t	 best = INDEX_NONE, r;
	unsigned	 v;
	uint64_t	 h;
	int		 rc;

	memset(m, 0, sizeof(*m));
	if ((rs->exact_variants | rs->prefix_variants) &
	    (1u << OPT_CASE_IGNORE | 1u << (OPT_CASE_IGNORE | OPT_SLASH_EITHER)))
		for (i = 0; i <= len; i++)
			scratch->lower[i] = (char)tolower((unsigned char)path[i]);

	/* Exact paths: one lookup per variant (case/slash folding) in use. */
	for (i = 0; i < sizeof(exact_variants) / sizeof(exact_variants[0]);
	    i++) {
		v = exact_variants[i];
		if (!(rs->exact_variants & (1u << v)))
			continue;
		key = v & OPT_CASE_IGNORE ? scratch->lower : path;
		n = len;
		if ((v & OPT_SLASH_EITHER) && n > 1 && key[n - 1] == '/')
			n--;
		r = index_find(rs->exact, rs->rules, key, n, v,
		    index_hash(key, n, v));
		chain_first(rs, rs->exact, r, req, &best);
	}

	/* Prefixes: every cut of the path at a '/' or its end. */
	for (v = 0; v <= OPT_CASE_IGNORE; v += OPT_CASE_IGNORE) {
		if (!(rs->prefix_variants & (1u << v)))
			continue;
		key = v ? scratch->lower : path;
		h = INDEX_HASH_INIT;
		for (i = 0, j = 0;; i = j + 1) {
			/* The next cut j: a '/' at or after i, or the end. */
			const char *sl = memchr(key + i, '/', len - i);
			size_t	 cut = sl != NULL ? (size_t)(sl - key) : len;

			h = index_hash_step(h, key + j, cut - j);
			j = cut;
			r = index_find(rs->prefix, rs->rules, key, j, v,
			    index_hash_end(h, v));
			if (chain_first(rs, rs->prefix, r, req, &best))
				m->rest_off = j;
			if (j == len)
				break;
		}
	}

	/* Regexes standing before the best candidate, in file order. */
	for (i = 0; i < rs->nregex && rs->regex[i].rule < best; i++) {
		const struct regex_entry *re = &rs->regex[i];
		const struct rule	*rule = &rs->rules[re->rule];
		PCRE2_SIZE		*ov;

		if (re->prefix_len > 0 && (re->prefix_len > len ||
		    ((rule->opts->flags & OPT_CASE_IGNORE) ?
		    strncasecmp(path, re->prefix, re->prefix_len) :
		    memcmp(path, re->prefix, re->prefix_len)) != 0))
			continue;
		if (!rule_applies(rule->opts, req))
			continue;
		rc = pcre2_match(rule->re, (PCRE2_SPTR)path, len, 0, 0,
		    scratch->md, NULL);
		if (rc < 0)
			continue;
		best = re->rule;
		ov = pcre2_get_ovector_pointer(scratch->md);
		/* rc is the highest group set plus one; 0: more than fit. */
		m->ncaptures = rc == 0 || rc - 1 > CAPTURES_MAX ? CAPTURES_MAX :
		    (size_t)rc - 1;
		for (j = 0; j <= m->ncaptures; j++) {
			/* An unset group is empty. */
			if (ov[2 * j] == PCRE2_UNSET) {
				m->cap_off[j] = 0;
				m->cap_len[j] = 0;
				continue;
			}
			m->cap_off[j] = ov[2 * j];
			m->cap_len[j] = ov[2 * j + 1] - ov[2 * j];
		}
		break;
	}
	if (best != INDEX_NONE)
		m->rule = &rs->rules[best];
	if (m->rule == NULL || m->rule->kind != RULE_PREFIX)
		m->rest_off = len;
	return 0;
}
