/*
 * analysis.c: where a rule set's redirects lead, found at load time.
 *
 * Runs once, on a complete rule set whose indexes are built (rules.c's
 * rules_finish()), before anything uses it; it only reads the rule set
 * and reports on the struct diag.  Each rule's target is looked up once,
 * through match_lookup() on a request built from the target, as the
 * browser's next request would be: so each rule has at most one next rule,
 * and the hop graph is walked in O(n) with a colour per rule and memoised
 * ends.  What it finds:
 *
 *   loop           a redirect that comes back to a rule already followed;
 *   self-redirect  a rule that answers a request with a URL it answers
 *                  again (a prefix whose target lies under itself);
 *   chain          a target that another rule redirects again;
 *   never used     a rule that an earlier prefix without conditions, or an
 *                  earlier exact rule that folds more or asks for fewer
 *                  parameters, always takes first.
 *
 * A loop or self-redirect is an error when no rule on it has a condition,
 * otherwise a warning naming the conditions.  What the follow-up request
 * does not tell (its host after a relative target, its scheme, its method,
 * the time) is taken to let a rule's conditions hold (struct request's
 * `assume`); what it does tell is used: an https target is not followed
 * into a `scheme = http` rule, and the target's query decides the keys
 * with a query and the `params =` conditions (hop_request()).
 *
 * XXX Not decided, so nothing is said: targets with placeholders in their
 * path ($1, ${path}) or, when rules match on parameters, in their query
 * (${param:id}), a prefix rule's answer for a path below its prefix
 * other than through the rule itself, a hop into a conditional rule that
 * would, when its condition fails, fall through to a later rule.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fcgi-redirect.h"

/* A rule's next rule, when it is not one. */
#define NEXT_END	UINT32_MAX		/* nothing redirects it here */
#define NEXT_AWAY	(UINT32_MAX - 1)	/* another site */
#define NEXT_UNKNOWN	(UINT32_MAX - 2)	/* cannot be told at load time */
#define NEXT_IS_RULE(n)	((n) < NEXT_UNKNOWN)

/* flags[]: the walk's colour, then what the rule's answer leads to. */
#define F_GREY		0x01	/* on the path being followed */
#define F_BLACK		0x02	/* done */
#define F_BELOW		0x04	/* the next rule answers below its prefix */
#define F_LOOP		0x08	/* on a loop, or leads into one */

/* How many hops a message names before "...". */
#define PATH_SHOWN	4
/* How many targets are looked up together (see hop_all()). */
#define BATCH		8
/* Room for a message's list of hops or of conditions. */
#define TEXT_MAX	2048

/* The sites that count as this one: host patterns and base's host. */
struct own_hosts {
	const char	**exact;	/* open addressing, NULL: empty */
	size_t		  mask;
	const char	**wild;		/* "*.x" patterns */
	size_t		  nwild;
	const char	 *base;		/* base's host[:port], or NULL */
	size_t		  base_len;
};

struct analysis {
	const struct ruleset	*rs;	/* what match_lookup() reads */
	const struct draft	*dr;	/* the same rules, with the draft's
					   pointers: m.rule->no indexes it */
	struct diag		*d;
	struct match_scratch	*scratch;
	struct own_hosts	 own;
	uint32_t		*next;
	uint32_t		*hops;	/* redirects until the end; 0: unknown */
	uint32_t		*last;	/* the rule whose target is the end */
	uint32_t		*stack;
	unsigned char		*flags;
	struct request		 req;	/* about 48 KiB: the struct is heap */
	struct request		 batch[BATCH];
	int			 queries; /* rules match on parameters: hops
					    carry their target's query */
	int			 oom;
};

/* ---- pure helpers ---- */

/* A text cut short (b overflowed) ends in "...". */
static void
text_end(struct buf *b)
{
	if (!b->overflow || b->cap < 4)
		return;
	if (b->cap - b->len >= 4)
		memcpy(b->data + b->len, "...", 4);
	else
		memcpy(b->data + b->cap - 4, "...", 4);
}

/*
 * Does the rule_opts o set any condition (host, methods, scheme, from,
 * until, params, other-params = refuse)?  Then it does not apply to every
 * request its path matches.
 */
int
analysis_conditional(const struct rule_opts *o)
{
	return o->nhosts > 0 || o->nmethods > 0 || o->scheme != SCHEME_ANY ||
	    o->has_from || o->has_until || o->params != NULL ||
	    (o->flags & OPT_PARAMS_ONLY);
}

/*
 * Write o's conditions as words ("host a.example b.example, methods GET
 * HEAD, scheme http, from 2026-12-24T00:00:00Z") into out of size n
 * (n > 0).  Returns the length written; a text cut short ends in "...".
 */
size_t
analysis_conditions(const struct rule_opts *o, char *out, size_t n)
{
	struct buf	 b;
	char		 t[32];
	size_t		 i;
	int		 k;

	buf_init(&b, out, n);
	for (i = 0; i < o->nhosts; i++)
		buf_printf(&b, "%s%s", i == 0 ? "host " : " ", o->hosts[i]);
	for (i = 0; i < o->nmethods; i++)
		buf_printf(&b, "%s%s", i > 0 ? " " : b.len > 0 ?
		    ", methods " : "methods ", o->methods[i]);
	if (o->scheme != SCHEME_ANY)
		buf_printf(&b, "%sscheme %s", b.len > 0 ? ", " : "",
		    o->scheme == SCHEME_HTTPS ? "https" : "http");
	for (k = 0; k < 2; k++) {
		time_t		 when = k == 0 ? o->from : o->until;
		struct tm	 tm;

		if (!(k == 0 ? o->has_from : o->has_until))
			continue;
		if (gmtime_r(&when, &tm) == NULL ||
		    strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			snprintf(t, sizeof(t), "%lld", (long long)when);
		buf_printf(&b, "%s%s %s", b.len > 0 ? ", " : "",
		    k == 0 ? "from" : "until", t);
	}
	if (o->params != NULL)
		buf_printf(&b, "%sparams %s", b.len > 0 ? ", " : "",
		    o->params);
	if (o->flags & OPT_PARAMS_ONLY)
		buf_printf(&b, "%sother-params refuse", b.len > 0 ? ", " : "");
	text_end(&b);
	return strlen(out);
}

/* "[name]", or "[map NAME] /key" for a map entry, into b. */
static void
rule_label(struct buf *b, const struct rule *r)
{
	if (r->kind == RULE_MAP_ENTRY)
		buf_printf(b, "[map %s] %s%s%s", r->name, r->pattern_len > 0 ?
		    r->pattern : "/", r->query ? "?" : "",
		    r->query ? r->query : "");
	else
		buf_printf(b, "[%s]", r->name);
}

/* What a rule answers, as a request: "/a", "/a/...", or the regex. */
static void
rule_source(struct buf *b, const struct rule *r)
{
	if (r->kind == RULE_REGEX)
		buf_printf(b, "%s", r->pattern);
	else if (r->kind == RULE_PREFIX)
		buf_printf(b, "%.*s/...", (int)r->pattern_len, r->pattern);
	else
		buf_printf(b, "%s%s%s", r->pattern_len > 0 ? r->pattern : "/",
		    r->query ? "?" : "", r->query ? r->query : "");
}

/* ---- the site's own hosts ---- */

static uint64_t
host_hash(const char *s, size_t n)
{
	return index_hash(s, n, 0);
}

/* Collect the host patterns and base's host; 0, or -1 out of memory. */
static int
own_hosts_init(struct own_hosts *oh, const struct ruleset *rs)
{
	const struct rule_opts	*o;
	size_t			 i, j, k, total = 0, nwild = 0, size = 16;
	const char		*p;

	memset(oh, 0, sizeof(*oh));
	/* The option sets, each once (load/compile.c shares equal ones). */
	for (i = 0; i < rs->nopts; i++) {
		o = &rs->opts[i];
		total += o->nhosts;
		for (j = 0; j < o->nhosts; j++)
			if (o->hosts[j][0] == '*')
				nwild++;
	}
	while (size < 2 * total + 2)
		size *= 2;
	if ((oh->exact = calloc(size, sizeof(*oh->exact))) == NULL ||
	    (oh->wild = calloc(nwild + 1, sizeof(*oh->wild))) == NULL)
		return -1;
	oh->mask = size - 1;
	for (i = 0; i < rs->nopts; i++) {
		o = &rs->opts[i];
		for (j = 0; j < o->nhosts; j++) {
			p = o->hosts[j];
			if (p[0] == '*') {
				oh->wild[oh->nwild++] = p + 1;	/* ".x" */
				continue;
			}
			for (k = host_hash(p, strlen(p)) & oh->mask;
			    oh->exact[k] != NULL && strcmp(oh->exact[k], p) != 0;
			    k = (k + 1) & oh->mask)
				continue;
			oh->exact[k] = p;
		}
	}
	if (rs->base != NULL) {
		oh->base = strstr(rs->base, "://") + 3;
		oh->base_len = strcspn(oh->base, "/");
	}
	return 0;
}

static void
own_hosts_free(struct own_hosts *oh)
{
	free(oh->exact);
	free(oh->wild);
}

/* Is host[0..n) (lowercase, no port) one of the site's own hosts? */
static int
own_hosts_has(const struct own_hosts *oh, const char *host, size_t n)
{
	size_t	 k, bl, wl;

	if (n == 0)
		return 0;
	if (oh->base != NULL) {
		bl = oh->base_len;
		/* base may carry a port and capitals: compare the host. */
		if (memchr(oh->base, ':', bl) != NULL && oh->base[0] != '[')
			bl = (size_t)((const char *)memchr(oh->base, ':', bl) -
			    oh->base);
		if (bl == n && strncasecmp(oh->base, host, n) == 0)
			return 1;
	}
	for (k = host_hash(host, n) & oh->mask; oh->exact[k] != NULL;
	    k = (k + 1) & oh->mask)
		if (strlen(oh->exact[k]) == n &&
		    memcmp(oh->exact[k], host, n) == 0)
			return 1;
	for (k = 0; k < oh->nwild; k++) {
		wl = strlen(oh->wild[k]);
		if (n > wl && memcmp(host + n - wl, oh->wild[k], wl) == 0)
			return 1;
	}
	return 0;
}

/*
 * Is host[0..n) (as in a URL: any case, maybe a port) one of rs's own
 * hosts, a host pattern of a rule or base's?  For --explain --follow.
 * Returns 1, 0, or -1 when out of memory.
 */
int
analysis_host_internal(const struct ruleset *rs, const char *host, size_t n)
{
	struct own_hosts	 oh;
	char			 h[HOST_MAX + 1];
	size_t			 i;
	int			 rc;

	if (host[0] != '[' && memchr(host, ':', n) != NULL)
		n = (size_t)((const char *)memchr(host, ':', n) - host);
	if (n > HOST_MAX)
		return 0;
	for (i = 0; i < n; i++)
		h[i] = (char)tolower((unsigned char)host[i]);
	if (n > 1 && h[n - 1] == '.')
		n--;
	if (own_hosts_init(&oh, rs) != 0) {
		own_hosts_free(&oh);
		return -1;
	}
	rc = own_hosts_has(&oh, h, n);
	own_hosts_free(&oh);
	return rc;
}

/* ---- one hop ---- */

/* Does the authority auth[0..n) ("h:443", "[::1]:80", "${host}:8443")
 * name a port? */
static int
port_given(const char *auth, size_t n)
{
	const char	*c = auth[0] == '[' ? memchr(auth, ']', n) : auth;

	return c != NULL && memchr(c, ':', n - (size_t)(c - auth)) != NULL;
}

/*
 * Fill req with the request a browser sends after rule r's answer to a
 * request for what r matches.  Returns 0, or the
 * NEXT_ value that ends the hop here (another site, or a target whose
 * path depends on the request).
 *
 * When rules match on parameters (a key's query, `params =`), the hop
 * carries the target's query: the request for what r matches has no
 * other parameters, so that query is all the next request has, and it is
 * known, not assumed (no REQ_ASSUME_PARAMS).  A request with other
 * parameters may first go elsewhere, but not for ever: each rule removes
 * from the query it keeps the parameters it matched on, so a loop that
 * lasts is one its targets' own queries keep going.  A placeholder in
 * the target's query ends the hop, unknown.
 */
static uint32_t
hop_request(struct analysis *a, const struct rule *r, struct request *req)
{
	const char	*t = r->target, *path, *auth = NULL, *end;
	size_t		 alen = 0, plen, i;
	int		 scheme = -1, n;

	req->assume = REQ_ASSUME_METHOD | REQ_ASSUME_TIME;
	req->method = "GET";
	req->now = 0;
	req->query = NULL;
	req->query_len = 0;
	req->host_len = 0;
	if (strncmp(t, "http://", 7) == 0)
		scheme = 0;
	else if (strncmp(t, "https://", 8) == 0)
		scheme = 1;
	if (scheme >= 0 || strncmp(t, "${scheme}://", 12) == 0) {
		auth = strstr(t, "://") + 3;
		alen = strcspn(auth, "/?#");
		path = auth + alen;
	} else
		path = t;
	end = t + r->target_split;
	plen = path < end ? (size_t)(end - path) : 0;
	if (memchr(path, '$', plen) != NULL)
		return NEXT_UNKNOWN;	/* $1, ${path}, ${host}... in it */

	/* The scheme: the target's, else the request's, if r fixes it. */
	if (scheme < 0 && r->opts->scheme != SCHEME_ANY)
		scheme = r->opts->scheme == SCHEME_HTTPS;
	req->https = scheme > 0;
	if (scheme < 0)
		req->assume |= REQ_ASSUME_SCHEME;

	/* The host: the target's, else the request's, if r names one. */
	if (auth != NULL && port_given(auth, alen)) {
		/* Another port may be another server: only base's is ours. */
		if (a->own.base == NULL || a->own.base_len != alen ||
		    strncasecmp(a->own.base, auth, alen) != 0)
			return NEXT_AWAY;
		req->assume |= REQ_ASSUME_HOST;
	} else if (auth != NULL && strncmp(auth, "${host}", 7) != 0) {
		size_t	 hl = alen;

		if (hl > 1 && auth[hl - 1] == '.')
			hl--;
		if (hl > HOST_MAX)
			return NEXT_AWAY;
		for (i = 0; i < hl; i++)
			req->host[i] = (char)tolower((unsigned char)auth[i]);
		req->host_len = hl;
		if (!own_hosts_has(&a->own, req->host, hl))
			return NEXT_AWAY;
	} else if (r->opts->nhosts == 1 && r->opts->hosts[0][0] != '*' &&
	    strlen(r->opts->hosts[0]) <= HOST_MAX) {
		req->host_len = strlen(r->opts->hosts[0]);
		memcpy(req->host, r->opts->hosts[0], req->host_len);
	} else
		req->assume |= REQ_ASSUME_HOST;
	req->host[req->host_len] = '\0';

	/* The path as a server hands it to us: normalized (url.c). */
	if (plen == 0) {
		path = "/";
		plen = 1;
	}
	n = url_normalize_path(path, plen, req->path, sizeof(req->path));
	if (n < 0)
		return NEXT_UNKNOWN;
	req->path_len = (size_t)n;

	/* The query: what follows the target's '?', up to its '#'. */
	if (a->queries && *end == '?') {
		req->query = end + 1;
		req->query_len = strcspn(req->query, "#");
		if (memchr(req->query, '$', req->query_len) != NULL)
			return NEXT_UNKNOWN;
		/* "/a?" is carried as "/a" (location.c). */
		if (req->query_len == 0)
			req->query = NULL;
	}
	return 0;
}

/*
 * Rule i's next rule: the one that answers req, the request rule i's
 * answer leads to (hop_request() gave rc for it), or a NEXT_ value.  Sets
 * F_BELOW when that rule is a prefix answering below it (its own answer
 * then differs from its target).
 */
static uint32_t
hop_next(struct analysis *a, size_t i, uint32_t rc, const struct request *req)
{
	struct match	 m;

	if (rc != 0)
		return rc;
	match_lookup(a->rs, req, a->scratch, &m);
	if (m.regex_error != 0)
		return NEXT_UNKNOWN;
	if (m.rule == NULL)
		return NEXT_END;
	if (m.rule->kind == RULE_PREFIX && m.rest_off < req->path_len)
		a->flags[i] |= F_BELOW;
	return m.rule->no;
}

/*
 * Every rule's next rule, BATCH at a time: the requests of a batch are
 * built first and match_prefetch() asks for the index slots they will
 * probe, so that a million lookups do not wait for memory one by one.
 */
static void
hop_all(struct analysis *a)
{
	size_t		 n = a->dr->nrules, i, j, k;
	uint32_t	 rc[BATCH];

	for (i = 0; i < n; i += BATCH) {
		k = n - i < BATCH ? n - i : BATCH;
		for (j = 0; j < k; j++) {
			rc[j] = hop_request(a, &a->dr->rules[i + j],
			    &a->batch[j]);
			if (rc[j] == 0)
				match_prefetch(a->rs, &a->batch[j]);
		}
		for (j = 0; j < k; j++)
			a->next[i + j] = hop_next(a, i + j, rc[j],
			    &a->batch[j]);
	}
}

/* ---- findings ---- */

/* Append " when [x] applies (conditions)" for each conditional rule. */
static void
text_conditions(struct analysis *a, struct buf *b, const uint32_t *rules,
    size_t n)
{
	char		 c[512];
	size_t		 i, named = 0;

	for (i = 0; i < n; i++) {
		const struct rule	*r = &a->dr->rules[rules[i]];

		if (!analysis_conditional(r->opts))
			continue;
		analysis_conditions(r->opts, c, sizeof(c));
		buf_adds(b, named++ == 0 ? ", only while " : " and ");
		rule_label(b, r);
		buf_printf(b, " applies (%s)", c);
	}
}

/*
 * A loop: rules cyc[0..n) in the order followed, each the next of the one
 * before, the last's next the first.  Reported at the first in file order.
 */
static void
report_loop(struct analysis *a, const uint32_t *cyc, size_t n)
{
	const struct draft	*dr = a->dr;
	char			 mem[TEXT_MAX];
	struct buf		 b;
	size_t			 i, k = 0, conditional = 0;
	const struct rule	*first;

	for (i = 0; i < n; i++) {
		if (cyc[i] < cyc[k])
			k = i;
		if (analysis_conditional(dr->rules[cyc[i]].opts))
			conditional++;
	}
	first = &dr->rules[cyc[k]];
	buf_init(&b, mem, sizeof(mem));
	if (n == 1) {
		buf_adds(&b, "self-redirect: ");
		rule_label(&b, first);
		buf_adds(&b, " answers ");
		if (first->kind == RULE_PREFIX && (a->flags[cyc[0]] & F_BELOW)) {
			buf_printf(&b, "%s/... with %s/..., which lies under "
			    "its own prefix, so each answer is redirected again "
			    "without end", first->pattern, first->target);
		} else {
			if (first->kind == RULE_PREFIX)
				buf_printf(&b, "%s", first->pattern_len > 0 ?
				    first->pattern : "/");
			else
				rule_source(&b, first);
			buf_printf(&b, " with %s, itself", first->target);
		}
		text_conditions(a, &b, cyc, n);
		buf_adds(&b, conditional ? ": make sure the conditions "
		    "break it, or change its target" : ": change its target, "
		    "or put a rule for its target before it");
	} else {
		buf_adds(&b, "loop: ");
		rule_source(&b, first);
		for (i = 0; i < n && i < PATH_SHOWN; i++)
			buf_printf(&b, " -> %s",
			    dr->rules[cyc[(k + i) % n]].target);
		if (n > PATH_SHOWN)
			buf_printf(&b, " -> ... (%zu rules)", n);
		buf_adds(&b, " comes back to ");
		rule_label(&b, first);
		buf_adds(&b, " through ");
		for (i = 1; i < n && i < PATH_SHOWN; i++) {
			const struct rule *r = &dr->rules[cyc[(k + i) % n]];

			if (i > 1)
				buf_adds(&b, ", ");
			rule_label(&b, r);
			buf_printf(&b, " at line %u", r->line);
		}
		if (n > PATH_SHOWN)
			buf_adds(&b, ", ...");
		text_conditions(a, &b, cyc, n);
		buf_adds(&b, ": browsers give up after some 20 redirects; "
		    "point one of them at the final URL");
	}
	text_end(&b);
	if (conditional)
		diag_warning(a->d, first->line, "%s", mem);
	else
		diag_error(a->d, first->line, "%s", mem);
}

/*
 * A chain from rule i: its target is answered by another rule.  The end
 * is the target of last[i] after hops[i] redirects.  When that other rule
 * is a prefix answering below it (F_BELOW), its answer is built here
 * (location_build) and must itself be the end.
 */
static void
report_chain(struct analysis *a, size_t i)
{
	const struct ruleset	*rs = a->rs;
	const struct draft	*dr = a->dr;
	const struct rule	*r = &dr->rules[i], *nr;
	uint32_t		 nx = a->next[i], path[PATH_SHOWN], end;
	char			 mem[TEXT_MAX], loc[LOCATION_MAX];
	const char		*final;
	struct buf		 b, lb;
	struct match		 m;
	size_t			 hops, k = 0;

	nr = &dr->rules[nx];
	if (a->flags[i] & F_BELOW) {
		/* Build the prefix rule's real answer, then look it up. */
		if (hop_request(a, r, &a->req) != 0)
			return;
		match_lookup(rs, &a->req, a->scratch, &m);
		if (m.rule == NULL || m.rule->no != nx || m.regex_error != 0)
			return;
		buf_init(&lb, loc, sizeof(loc));
		if (location_build(&a->req, &m, &lb) != 0)
			return;
		{
			struct rule	 tmp = *nr;

			tmp.target = loc;
			tmp.target_split = strcspn(loc, "?#");
			tmp.kind = RULE_PATH;
			if ((end = hop_request(a, &tmp, &a->req)) == 0) {
				match_lookup(rs, &a->req, a->scratch, &m);
				end = m.rule == NULL && m.regex_error == 0 ?
				    NEXT_END : NEXT_UNKNOWN;
			}
			if (end == NEXT_UNKNOWN)
				return;
		}
		final = loc;
		hops = 2;
		path[k++] = nx;
	} else {
		hops = a->hops[i];
		final = dr->rules[a->last[i]].target;
		for (end = nx; k < PATH_SHOWN && NEXT_IS_RULE(end);
		    end = a->next[end])
			path[k++] = end;
	}
	buf_init(&b, mem, sizeof(mem));
	buf_adds(&b, "chain: ");
	rule_source(&b, r);
	buf_printf(&b, " -> %s", r->target);
	if (hops > 2)
		buf_adds(&b, " -> ...");
	buf_printf(&b, " -> %s takes %zu redirects where one would do (",
	    final, hops);
	rule_label(&b, nr);
	buf_printf(&b, " at line %u redirects %s again", nr->line,
	    r->target);
	buf_adds(&b, ")");
	text_conditions(a, &b, path, k);
	buf_adds(&b, ": point ");
	rule_label(&b, r);
	buf_printf(&b, " at %s", final);
	text_end(&b);
	diag_warning(a->d, r->line, "%s", mem);
}

/*
 * Follow every rule's answer, each rule once: a path of unvisited rules
 * is followed (grey) until it ends, meets a rule already done (black),
 * or meets itself (a loop); then it is unwound, each rule learning how
 * many redirects lead from it to the end, and which rule gives the end.
 */
static void
walk(struct analysis *a)
{
	size_t		 n = a->dr->nrules, s, sp, k;
	uint32_t	 v, u, w;

	for (s = 0; s < n; s++) {
		if (a->flags[s] & (F_GREY | F_BLACK))
			continue;
		sp = 0;
		v = (uint32_t)s;
		while (NEXT_IS_RULE(v) && !(a->flags[v] & (F_GREY | F_BLACK))) {
			a->flags[v] |= F_GREY;
			a->stack[sp++] = v;
			if ((a->flags[v] & F_BELOW) && a->next[v] != v) {
				v = NEXT_UNKNOWN;	/* see report_chain() */
				break;
			}
			v = a->next[v];
		}
		if (NEXT_IS_RULE(v) && (a->flags[v] & F_GREY)) {
			for (k = sp; a->stack[k - 1] != v; k--)
				continue;
			report_loop(a, a->stack + k - 1, sp - k + 1);
			for (; sp >= k; sp--)
				a->flags[a->stack[sp - 1]] = (unsigned char)
				    ((a->flags[a->stack[sp - 1]] & ~F_GREY) |
				    F_LOOP | F_BLACK);
		}
		while (sp > 0) {
			u = a->stack[--sp];
			w = a->next[u];
			a->flags[u] = (unsigned char)((a->flags[u] & ~F_GREY) |
			    F_BLACK);
			a->hops[u] = 0;
			if (!NEXT_IS_RULE(w)) {
				if (w != NEXT_UNKNOWN) {
					a->hops[u] = 1;
					a->last[u] = u;
				}
			} else if (a->flags[w] & F_LOOP)
				a->flags[u] |= F_LOOP;
			else if (!(a->flags[u] & F_BELOW) && a->hops[w] > 0 &&
			    a->hops[w] < UINT32_MAX - 1) {
				a->hops[u] = a->hops[w] + 1;
				a->last[u] = a->last[w];
			}
		}
	}
}

/* Do exact rules r and e ask for the same parameters in their keys? */
static int
same_query(const struct rule *r, const struct rule *e)
{
	if (r->query == NULL || e->query == NULL)
		return r->query == e->query;
	return strcmp(r->query, e->query) == 0;
}

/*
 * Rule i never answers: the first rule for its own path (and its key's
 * query) is an earlier prefix without conditions that takes every request
 * i could match (its case folding covers i's), or an earlier exact rule
 * without conditions whose folding covers i's and whose key asks for the
 * same parameters or fewer (the same folding and parameters: index.c
 * warns already).
 */
static void
dead_check(struct analysis *a, size_t i)
{
	const struct ruleset	*rs = a->rs;
	const struct rule	*r = &a->dr->rules[i], *e;
	struct request		*req = &a->req;
	struct match		 m;
	unsigned		 rf = r->opts->flags, ef;

	if (r->kind == RULE_REGEX)
		return;
	memcpy(req->path, r->pattern, r->pattern_len);
	req->path_len = r->pattern_len;
	if (req->path_len == 0)
		req->path[req->path_len++] = '/';
	req->path[req->path_len] = '\0';
	req->assume = REQ_ASSUME_HOST | REQ_ASSUME_SCHEME | REQ_ASSUME_METHOD |
	    REQ_ASSUME_TIME;
	req->method = "GET";
	req->host_len = 0;
	req->host[0] = '\0';
	/* A canonical query is a query as a request may send it. */
	req->query = r->query;
	req->query_len = r->query != NULL ? strlen(r->query) : 0;
	match_lookup(rs, req, a->scratch, &m);
	if (m.rule == NULL || m.rule->no >= i)
		return;
	e = &a->dr->rules[m.rule->no];
	if (analysis_conditional(e->opts))
		return;
	ef = e->opts->flags;
	if ((rf & OPT_CASE_IGNORE) && !(ef & OPT_CASE_IGNORE))
		return;
	if (e->kind == RULE_PREFIX) {
		/* The same prefix and case: index.c has warned already. */
		if (r->kind == RULE_PREFIX && (r->pattern_len <=
		    e->pattern_len) && !((rf ^ ef) & OPT_CASE_IGNORE))
			return;
	} else if (e->kind == RULE_REGEX || r->kind == RULE_PREFIX ||
	    ((rf & OPT_SLASH_EITHER) && !(ef & OPT_SLASH_EITHER)) ||
	    ((rf & (OPT_CASE_IGNORE | OPT_SLASH_EITHER)) ==
	    (ef & (OPT_CASE_IGNORE | OPT_SLASH_EITHER)) && same_query(r, e)))
		return;
	{
		char		 mem[TEXT_MAX];
		struct buf	 b;

		buf_init(&b, mem, sizeof(mem));
		buf_adds(&b, "never used: ");
		rule_label(&b, e);
		buf_printf(&b, " at line %u, ", e->line);
		if (e->kind == RULE_PREFIX)
			buf_printf(&b, "a prefix %s without conditions, takes "
			    "every request for ", e->pattern_len > 0 ?
			    e->pattern : "/");
		else {
			int	 folds = (rf & (OPT_CASE_IGNORE |
				    OPT_SLASH_EITHER)) != (ef &
				    (OPT_CASE_IGNORE | OPT_SLASH_EITHER));

			buf_printf(&b, "without conditions and with %s%s%s, "
			    "already answers ", folds ? "more case or slash "
			    "folding" : "", folds && !same_query(r, e) ?
			    " and " : "", same_query(r, e) ? "" :
			    "fewer parameters");
		}
		rule_source(&b, r);
		buf_adds(&b, " first: move ");
		rule_label(&b, r);
		buf_adds(&b, " before it, or remove it");
		diag_warning(a->d, r->line, "%s", mem);
	}
}

/*
 * Analyse draft dr through rs, the image made of it: report each
 * loop, self-redirect, chain and rule never used on d.  Returns 0, or -1
 * when a loop or self-redirect without conditions (an error) was found or
 * memory ran out (reported).
 */
int
analysis_run(const struct draft *dr, const struct ruleset *rs,
    struct diag *d)
{
	struct analysis	*a;
	size_t		 n = dr->nrules, i;
	unsigned	 errors = d->errors;
	/* Exact rules folded in more than one way may cover each other. */
	int		 any_prefix = (rs->exact_variants &
			    (rs->exact_variants - 1)) != 0;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		diag_error(d, 0, "out of memory");
		return -1;
	}
	a->rs = rs;
	a->dr = dr;
	a->d = d;
	a->queries = rs->nsigs > 0;
	for (i = 0; i < rs->nopts; i++)
		if (rs->opts[i].params != NULL)
			a->queries = 1;
	if (own_hosts_init(&a->own, rs) != 0 ||
	    (a->scratch = match_scratch_new()) == NULL ||
	    (a->next = malloc((n + 1) * sizeof(*a->next))) == NULL ||
	    (a->hops = malloc((n + 1) * sizeof(*a->hops))) == NULL ||
	    (a->last = malloc((n + 1) * sizeof(*a->last))) == NULL ||
	    (a->stack = malloc((n + 1) * sizeof(*a->stack))) == NULL ||
	    (a->flags = calloc(n + 1, 1)) == NULL)
		a->oom = 1;
	if (!a->oom)
		hop_all(a);
	for (i = 0; !a->oom && i < n; i++) {
		if (dr->rules[i].kind == RULE_PREFIX &&
		    !analysis_conditional(dr->rules[i].opts))
			any_prefix = 1;
		/*
		 * Rules after the first unconditional prefix may be dead, and
		 * so may a key with a query after its path alone.
		 */
		if (any_prefix || dr->rules[i].query != NULL)
			dead_check(a, i);
	}
	if (!a->oom) {
		walk(a);
		for (i = 0; i < n; i++)
			if (NEXT_IS_RULE(a->next[i]) && !(a->flags[i] & F_LOOP) &&
			    (a->flags[i] & F_BELOW ? a->next[i] != i :
			    a->hops[i] >= 2))
				report_chain(a, i);
	} else
		diag_error(d, 0, "out of memory");
	own_hosts_free(&a->own);
	match_scratch_free(a->scratch);
	free(a->next);
	free(a->hops);
	free(a->last);
	free(a->stack);
	free(a->flags);
	free(a);
	return d->errors != errors ? -1 : 0;
}
