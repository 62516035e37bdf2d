/*
 * match.c: finding the rule for a request.
 *
 * A pure function of (rule set, request): the first rule in file order
 * whose path, prefix or regex matches and whose conditions (host, methods,
 * scheme, active window, parameters) hold.  Exact paths and prefixes are
 * found through the hash indexes (index.c), a bounded number of lookups
 * per request whatever the number of rules: one per case/slash variant
 * for the path, one per '/' in the path for prefixes.  Regex rules are
 * found the same way, by the cut their literal prefix anchors them at
 * ("^/r/17/(.*)$" at "/r/17"), so a request tries only the regexes it
 * could match, in file order, and only those that stand before the best
 * candidate found so far: a thousand regexes under other paths cost
 * nothing, and a large table of exact rules costs nothing extra to a
 * request that a late regex matches.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "fcgi-redirect.h"

/* Every way an exact key may be folded: the OPT_ flags that fold it. */
static const unsigned exact_variants[] = {
	0, OPT_CASE_IGNORE, OPT_SLASH_EITHER, OPT_CASE_IGNORE | OPT_SLASH_EITHER
};

/*
 * PCRE2's limits on one run of a regex, chosen for the paths we accept (a
 * request URI of URI_MAX bytes, a normalized path of up to PATH_BUF - 1 =
 * 49,152 bytes when every byte is percent-encoded).  Measured with PCRE2
 * 10.42 on x86-64, JIT on:
 *
 * JIT_STACK_MAX: a repeated group keeps a backtracking frame per byte it
 * takes.  ^/z/([a-z]|-)*$ needs 33 KiB of JIT stack on a 1,027-byte path
 * (PCRE2's default 32 KiB machine stack fails there), 505 KiB on 16,384
 * bytes and 1,528 KiB on 49,152 bytes (^/z/(.|-)*$ on a path of %-escapes);
 * with three groups in the repetition, ^/z/((a)|(b)|(c)|-)*$, 2,297 KiB.
 * So 4 MiB: twice the longest path's need.  It is mapped, not touched:
 * a process's memory grows only as far as its deepest match went.
 *
 * MATCH_LIMIT: a catastrophic pattern, ^/x/(.*a){12}$ on "/x/aaa...ab",
 * reaches any limit, so the limit is the time it may cost: about 3 ns a
 * step with the JIT (PCRE2's default 10,000,000 took 21 to 28 ms a request
 * on paths of 44 to 16,004 bytes; 1,000,000 takes 2 to 3.5 ms) and 30 to
 * 40 ns without (40 ms).  Linear patterns stay far below it on the longest
 * path: the JIT needs a handful of steps for ^/z/([a-z]|-)*$ on 49,152
 * bytes, the interpreter 98,303 (540,661 with nine groups in the
 * repetition).  Quadratic ones such as ^/(.*)/(.*)\.html$ reach it on paths
 * of some 2,000 '/' (4 KiB; PCRE2's default on 16 KiB): those requests get
 * 500, which is the point.  The limit holds per regex run; a request stops
 * at the first regex that reaches it.
 *
 * HEAP_LIMIT_KIB: only the interpreter (no JIT on this platform) uses it,
 * for its backtracking frames, kept in the match data between requests:
 * ^/z/([a-z]|-)*$ needs 13.5 MiB on 49,152 bytes.  PCRE2's default is
 * 20 GB; 32 MiB is twice our need.
 */
#define JIT_STACK_MIN	(32 * 1024)
#define JIT_STACK_MAX	(4 * 1024 * 1024)
#define MATCH_LIMIT	1000000
#define HEAP_LIMIT_KIB	(32 * 1024)

/* Per-process scratch for matching: never shared between threads. */
struct match_scratch {
	pcre2_match_data	*md;
	pcre2_match_context	*mc;	/* the limits above */
	pcre2_jit_stack		*jit;	/* NULL when PCRE2 has no JIT */
	char			 lower[PATH_BUF];
	struct query		 query;	/* the request's, parsed on demand */
	/* A path key, '?', and a canonical query made from the request. */
	char			 qkey[PATH_BUF + 1 + sizeof(((struct query *)0)->buf)];
};

/*
 * A scratch with the limits above, or NULL when out of memory.  Free it
 * with match_scratch_free().
 */
struct match_scratch *
match_scratch_new(void)
{
	struct match_scratch	*s;
	uint32_t		 jit = 0;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	(void)pcre2_config(PCRE2_CONFIG_JIT, &jit);
	if ((s->md = pcre2_match_data_create(CAPTURES_MAX + 1, NULL)) == NULL ||
	    (s->mc = pcre2_match_context_create(NULL)) == NULL ||
	    (jit && (s->jit = pcre2_jit_stack_create(JIT_STACK_MIN,
	    JIT_STACK_MAX, NULL)) == NULL)) {
		match_scratch_free(s);
		return NULL;
	}
	pcre2_jit_stack_assign(s->mc, NULL, s->jit);
	pcre2_set_match_limit(s->mc, MATCH_LIMIT);
	pcre2_set_heap_limit(s->mc, HEAP_LIMIT_KIB);
	return s;
}

void
match_scratch_free(struct match_scratch *s)
{
	if (s == NULL)
		return;
	pcre2_match_data_free(s->md);
	pcre2_match_context_free(s->mc);
	pcre2_jit_stack_free(s->jit);
	free(s);
}

/*
 * Run the regex of rule r (RULE_REGEX) on subject[0..len) with the limits
 * of the scratch; its match data holds the captures.  Returns what
 * pcre2_match() returns: > 0 or 0 on a match, PCRE2_ERROR_NOMATCH, or
 * another (negative) PCRE2 error, such as PCRE2_ERROR_MATCHLIMIT.
 */
int
match_regex_run(const struct ruleset *rs, const struct rule *r,
    const char *subject, size_t len, struct match_scratch *scratch)
{
	pcre2_code	*re = r->re != NULL ? r->re : ruleset_regex(rs, r);

	/* Not compilable in this process: an error, never "no match". */
	if (re == NULL)
		return PCRE2_ERROR_NULL;
	return pcre2_match(re, (PCRE2_SPTR)subject, len, 0, 0, scratch->md,
	    scratch->mc);
}

/* The options of rule number r (< rs->nrules), or NULL when damaged. */
static inline const struct rule_opts *
rule_opts_of(const struct ruleset *rs, uint32_t r)
{
	uint32_t	 o = ((const struct image_rule *)rs->rules)[r].opts;

	return o < rs->nopts ? &rs->opts[o] : NULL;
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

/*
 * Do the conditions of rule number r, whose options are o, hold for this
 * request?  Those on what req->assume marks unknown (analysis.c) are
 * taken to hold.
 */
static int
rule_applies(const struct ruleset *rs, uint32_t r, const struct rule_opts *o,
    const struct request *req, struct query *q)
{
	size_t	 i;

	if (o == NULL)
		return 0;

	if (o->scheme != SCHEME_ANY && !(req->assume & REQ_ASSUME_SCHEME) &&
	    (o->scheme == SCHEME_HTTPS) != (req->https != 0))
		return 0;
	if (!(req->assume & REQ_ASSUME_TIME) && ((o->has_from &&
	    req->now < o->from) || (o->has_until && req->now >= o->until)))
		return 0;
	if (o->nmethods > 0 && !(req->assume & REQ_ASSUME_METHOD)) {
		for (i = 0; i < o->nmethods; i++)
			if (strcmp(o->methods[i], req->method) == 0)
				break;
		if (i == o->nmethods)
			return 0;
	}
	if (o->nhosts > 0 && !(req->assume & REQ_ASSUME_HOST) &&
	    !host_matches(o, req->host, req->host_len))
		return 0;
	/* Always known: analysis.c's requests carry their target's query. */
	if (o->params != NULL && !query_matches(q, o->params))
		return 0;
	/* other-params = refuse: the names of its key and params only. */
	if ((o->flags & OPT_PARAMS_ONLY) &&
	    !query_only(q, ruleset_query(rs, r), o->params))
		return 0;
	return 1;
}

/*
 * The first rule of a chain that applies, if it comes before *best: then
 * *best becomes it and 1 is returned.
 */
static inline int
chain_first(const struct ruleset *rs, const struct index *ix, uint32_t r,
    const struct request *req, struct query *q, uint32_t *best)
{
	for (; r != INDEX_NONE && r < *best; r = index_next(ix, r))
		if (rule_applies(rs, r, rule_opts_of(rs, r), req, q)) {
			*best = r;
			return 1;
		}
	return 0;
}

/*
 * Try regex rule number r on req: its literal prefix, its conditions, then
 * PCRE2.  On a match, fill m's captures and return 1; 0 when it does not
 * match.  When PCRE2 fails (a limit above) we cannot tell whether the rule
 * matches, and a later rule must not answer in its place: m->regex_error
 * gets the error and 1 is returned, so that this rule decides (500).
 */
static int
regex_try(const struct ruleset *rs, uint32_t r, const struct request *req,
    struct match_scratch *scratch, struct match *m)
{
	const struct rule	*rule;
	const char		*path = req->path;
	size_t			 len = req->path_len, n, j;
	PCRE2_SIZE		*ov;
	int			 rc;

	if ((rule = ruleset_rule(rs, r, &m->found)) == NULL)
		return 0;
	n = rule->regex_lit;
	if (n > 0 && (n > len || ((rule->opts->flags & OPT_CASE_IGNORE) ?
	    strncasecmp(path, rule->pattern + 1, n) :
	    memcmp(path, rule->pattern + 1, n)) != 0))
		return 0;
	if (!rule_applies(rs, r, rule->opts, req, m->query))
		return 0;
	rc = match_regex_run(rs, rule, path, len, scratch);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0) {
		m->regex_error = rc;
		return 1;
	}
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
	return 1;
}

/*
 * Ask for the memory that match_lookup(rs, req) will read first: the
 * exact index's slots of req's path, for the variants that do not fold
 * case.  For many lookups in a row (analysis.c), so that they wait for
 * memory together rather than one after the other.
 */
void
match_prefetch(const struct ruleset *rs, const struct request *req)
{
	size_t		 i, n;
	unsigned	 v;

	for (i = 0; i < sizeof(exact_variants) / sizeof(exact_variants[0]);
	    i++) {
		v = exact_variants[i];
		if (!(rs->exact_variants & (1u << v)) || (v & OPT_CASE_IGNORE))
			continue;
		n = req->path_len;
		if ((v & OPT_SLASH_EITHER) && n > 1 && req->path[n - 1] == '/')
			n--;
		index_prefetch(&rs->exact, req->path, n, v);
	}
}

/*
 * Exact keys with a query ("/index.php?id=42"): for each fold of the path
 * in use and each query signature of the rule set (query.c), the path,
 * '?' and the request's own canonical query for those names, looked up
 * like a path: a bounded number of lookups, whatever the number of keys
 * and whatever other parameters the request carries.
 */
static void
query_lookup(const struct ruleset *rs, const struct request *req,
    struct match_scratch *scratch, uint32_t *best)
{
	const char	*key, *sig;
	size_t		 i, j, n;
	unsigned	 v;
	uint32_t	 r;
	int		 k;

	for (i = 0; i < sizeof(exact_variants) / sizeof(exact_variants[0]);
	    i++) {
		v = exact_variants[i];
		if (!(rs->query_variants & (1u << v)))
			continue;
		key = v & OPT_CASE_IGNORE ? scratch->lower : req->path;
		n = req->path_len;
		if ((v & OPT_SLASH_EITHER) && n > 1 && key[n - 1] == '/')
			n--;
		memcpy(scratch->qkey, key, n);
		scratch->qkey[n] = '?';
		for (j = 0; (sig = ruleset_sig(rs, j)) != NULL; j++) {
			if ((k = query_key(&scratch->query, sig,
			    scratch->qkey + n + 1, sizeof(scratch->qkey) - n -
			    1)) < 0)
				continue;
			r = index_find(&rs->exact, scratch->qkey, n + 1 +
			    (size_t)k, v, index_hash(scratch->qkey, n + 1 +
			    (size_t)k, v));
			chain_first(rs, &rs->exact, r, req, &scratch->query,
			    best);
		}
	}
}

/* At most this many regex anchor chains are merged; more: every regex. */
#define ANCHORS_MAX	32

/*
 * Fill m with the rule that decides req (m->rule is NULL when none does;
 * m->regex_error is set when it is a regex rule PCRE2 failed to run).
 * Returns 0.
 */
int
match_lookup(const struct ruleset *rs, const struct request *req,
    struct match_scratch *scratch, struct match *m)
{
	const char	*path = req->path, *key;
	size_t		 len = req->path_len, n, i, j, k, nanchors = 0;
	uint32_t	 best = INDEX_NONE, r, anchors[ANCHORS_MAX];
	unsigned	 v;
	uint64_t	 h, hv;
	int		 all_regexes = 0;

	/* Not m->found, nor the captures past ncaptures: never read. */
	m->rule = NULL;
	m->regex_error = 0;
	m->damaged = 0;
	m->rest_off = 0;
	m->ncaptures = 0;
	m->path_hash = 0;
	m->query = &scratch->query;
	query_init(m->query, req);
	if ((rs->exact_variants | rs->prefix_variants | rs->query_variants) &
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
		h = index_hash(key, n, v);
		if (v == 0)
			m->path_hash = h;	/* for stats.c's missed paths */
		r = index_find(&rs->exact, key, n, v, h);
		chain_first(rs, &rs->exact, r, req, m->query, &best);
	}
	if (rs->nsigs > 0 && req->query_len > 0)
		query_lookup(rs, req, scratch, &best);

	/*
	 * Every cut of the path at a '/' or its end: prefixes are looked up
	 * there, and so are the regexes anchored there (index.c), whose
	 * chains are merged below.
	 */
	for (v = 0; v <= OPT_CASE_IGNORE; v += OPT_CASE_IGNORE) {
		int	 prefixes = (rs->prefix_variants & (1u << v)) != 0;
		int	 regexes = v == 0 && rs->nregex > 0;

		if (!prefixes && !regexes)
			continue;
		key = v ? scratch->lower : path;
		h = INDEX_HASH_INIT;
		for (i = 0, j = 0;; i = j + 1) {
			/* The next cut j: a '/' at or after i, or the end. */
			const char *sl = memchr(key + i, '/', len - i);
			size_t	 cut = sl != NULL ? (size_t)(sl - key) : len;

			h = index_hash_step(h, key + j, cut - j);
			j = cut;
			hv = index_hash_end(h, v);
			if (prefixes) {
				r = index_find(&rs->prefix, key, j, v, hv);
				if (chain_first(rs, &rs->prefix, r, req,
				    m->query, &best))
					m->rest_off = j;
			}
			if (regexes && (r = index_find(&rs->regex_anchor,
			    key, j, 0, hv)) != INDEX_NONE) {
				if (nanchors < ANCHORS_MAX)
					anchors[nanchors++] = r;
				else
					all_regexes = 1;
			}
			if (j == len)
				break;
		}
	}

	/*
	 * Regexes standing before the best candidate, in file order: the
	 * anchored chains (each in file order) merged, or, for a path with
	 * more anchors than that, every regex.
	 */
	if (all_regexes) {
		for (i = 0; (r = ruleset_regex_rule(rs, i)) != INDEX_NONE &&
		    r < best; i++)
			if (regex_try(rs, r, req, scratch, m)) {
				best = r;
				break;
			}
	} else
		while (nanchors > 0) {
			for (k = 0, i = 1; i < nanchors; i++)
				if (anchors[i] < anchors[k])
					k = i;
			if ((r = anchors[k]) >= best)
				break;
			if ((anchors[k] = index_next(&rs->regex_anchor, r)) ==
			    INDEX_NONE)
				anchors[k] = anchors[--nanchors];
			if (regex_try(rs, r, req, scratch, m)) {
				best = r;
				break;
			}
		}
	if (best != INDEX_NONE && (m->rule = ruleset_rule(rs, best,
	    &m->found)) == NULL)
		m->damaged = 1;
	if (m->rule == NULL || m->rule->kind != RULE_PREFIX)
		m->rest_off = len;
	return 0;
}
