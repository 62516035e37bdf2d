/*
 * probe.c: --check's test runs of the regex rules.
 *
 * A pattern that backtracks catastrophically (quantifiers nested or
 * repeated over the same bytes: ^/x/(.*a){12}$) passes every check of the
 * loader, then reaches PCRE2's match limit (match.c) on requests made for
 * it, which are answered 500.  PCRE2 cannot say which patterns do that;
 * running them can.  Each regex rule is run, with the limits of a request,
 * on a few paths made from its pattern: its literal prefix, then a run of
 * one byte of the pattern (each in turn, and 'a' and '0' for the classes),
 * then a byte the pattern lacks, so that the match fails at the very end
 * and backtracks through the whole run.  A short run finds the exponential
 * cases, a run up to URI_MAX bytes the rest.  Only --check does this (it
 * costs some 0.1 ms a regex), not every load.
 *
 * XXX: a heuristic: it finds the usual shapes, not every pattern that can
 * backtrack (runs of several different bytes are not tried).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "fcgi-redirect.h"

/* The lengths of the paths tried, short first. */
static const size_t probe_lengths[] = { 64, URI_MAX };

/* Bytes tried as the last one, the first the pattern lacks. */
#define PROBE_ENDS	"!~@;,="
/* At most this many bytes are run per rule. */
#define PROBE_BYTES	24

/* What PCRE2 ran out of, in a sentence. */
static const char *
probe_limit_name(int rc)
{
	switch (rc) {
	case PCRE2_ERROR_MATCHLIMIT:	return "match limit";
	case PCRE2_ERROR_JIT_STACKLIMIT: return "JIT stack";
	case PCRE2_ERROR_HEAPLIMIT:	return "heap limit";
	case PCRE2_ERROR_DEPTHLIMIT:	return "depth limit";
	default:			return "limits";
	}
}

/*
 * The bytes to run for a pattern into set (NUL-terminated, at most
 * PROBE_BYTES): those of the pattern that may stand in a path, then 'a'
 * and '0'.
 */
static void
probe_bytes(const char *pattern, char *set)
{
	size_t	 n = 0;
	const char *p;

	for (p = pattern; *p != '\0' && n < PROBE_BYTES - 2; p++)
		if ((url_is_pchar((unsigned char)*p) || *p == '/') &&
		    memchr(set, *p, n) == NULL)
			set[n++] = *p;
	if (memchr(set, 'a', n) == NULL)
		set[n++] = 'a';
	if (memchr(set, '0', n) == NULL)
		set[n++] = '0';
	set[n] = '\0';
}

/*
 * Run rule r on its probe paths in subject (URI_MAX + 1 bytes); warn and
 * return at the first that reaches a PCRE2 limit.
 */
static void
probe_rule(const struct ruleset *rs, const struct rule *r,
    struct match_scratch *sc, char *subject, struct diag *d)
{
	char		 set[PROBE_BYTES + 1], end = '!';
	size_t		 lit = r->regex_lit, i, k, len;
	const char	*e, *pre = r->pattern + 1;
	int		 rc;

	/* A path starts with '/', whatever the pattern says. */
	if (lit == 0) {
		pre = "/";
		lit = 1;
	}
	probe_bytes(r->pattern, set);
	for (e = PROBE_ENDS; *e != '\0'; e++)
		if (strchr(r->pattern, *e) == NULL) {
			end = *e;
			break;
		}
	memcpy(subject, pre, lit);
	for (i = 0; i < sizeof(probe_lengths) / sizeof(probe_lengths[0]);
	    i++) {
		len = probe_lengths[i];
		if (len < lit + 2)
			continue;
		for (k = 0; set[k] != '\0'; k++) {
			memset(subject + lit, set[k], len - lit - 1);
			subject[len - 1] = end;
			rc = match_regex_run(rs, r, subject, len, sc);
			if (rc >= 0 || rc == PCRE2_ERROR_NOMATCH)
				continue;
			diag_warning(d, r->line, "[%s]: regex %s exceeds "
			    "PCRE2's %s on a path of %zu bytes: '%.*s' then "
			    "%zu '%c' then '%c' is answered 500 (quantifiers "
			    "nested or repeated over the same bytes backtrack "
			    "catastrophically)", r->name, r->pattern,
			    probe_limit_name(rc), len, (int)lit, pre,
			    len - lit - 1, set[k], end);
			return;
		}
	}
}

/*
 * --check: run every regex rule of rs on its probe paths, with the limits
 * of a request, and warn through d about those that reach a PCRE2 limit.
 */
void
probe_regexes(const struct ruleset *rs, struct diag *d)
{
	struct match_scratch	*sc;
	struct rule		 rule;
	const struct rule	*r;
	char			*subject;
	size_t			 i;

	if (rs->nregex == 0)
		return;
	sc = match_scratch_new();
	subject = malloc(URI_MAX + 1);
	if (sc == NULL || subject == NULL)
		diag_warning(d, 0, "out of memory: the regexes were not "
		    "test-run");
	else
		for (i = 0; i < rs->nregex; i++)
			if ((r = ruleset_rule(rs, ruleset_regex_rule(rs, i),
			    &rule)) != NULL)
				probe_rule(rs, r, sc, subject, d);
	free(subject);
	match_scratch_free(sc);
}
