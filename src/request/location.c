/*
 * location.c: building the Location of a redirect.
 *
 * The Location is the rule's compiled target (rules.c has already
 * URI-encoded its literal text and put [defaults] base before a /path) with
 * its placeholders expanded, then, for prefix rules, the rest of the path
 * joined to the target's path before the target's own query or fragment,
 * then the request's query (joined with '&' when the target has a query of
 * its own, always before a #fragment) less the parameters the rule matched
 * on (a key's query, `params =`: query.c).  Nothing but URI characters can
 * come out: every expanded value is a normalized path, a checked host, a
 * canonical parameter value, or passed through url_encode_uri(), so no CR,
 * LF or NUL reaches a header, and a relative Location never starts with
 * "//" (another site) or "/\".  A piece of the path placed in the query
 * keeps its '&', '=', '+' and '#' encoded.  An empty query ("/a?") is
 * carried as no query: nothing follows the '?' to carry.
 */
#include <string.h>

#include "fcgi-redirect.h"

/*
 * Append s[0..n), a piece of the path, where a query is: the bytes that
 * would change the query's meaning there ('&' and '=' between parameters,
 * '+' a space, '#' its end) are encoded, as they were in the path
 * (RFC 3986 §2.2: an encoded reserved character is not the literal one).
 */
static void
add_in_query(struct buf *out, const char *s, size_t n)
{
	const char	*end = s + n, *p;

	for (p = s; p < end; p++) {
		if (*p != '&' && *p != '=' && *p != '+' && *p != '#')
			continue;
		buf_add(out, s, (size_t)(p - s));
		buf_adds(out, *p == '&' ? "%26" : *p == '=' ? "%3D" :
		    *p == '+' ? "%2B" : "%23");
		s = p + 1;
	}
	buf_add(out, s, (size_t)(end - s));
}

/* Append path piece s[0..n) as it goes where `in_query` says. */
static void
add_piece(struct buf *out, const char *s, size_t n, int in_query)
{
	if (in_query)
		add_in_query(out, s, n);
	else
		buf_add(out, s, n);
}

/*
 * Append t[0..n) with placeholders expanded; `in_query`: t is in the
 * target's query or fragment.  Returns 0, or 400 when the target needs a
 * host the request does not have.
 */
static int
expand(struct buf *out, const char *t, size_t n, const struct request *req,
    const struct match *m, int in_query)
{
	const char		*end = t + n, *lit = t, *close, *v;
	struct query_param	*p;
	size_t			 k, vl;

	/* memchr: most targets have no placeholder, or one. */
	for (; t < end && (t = memchr(t, '$', (size_t)(end - t))) != NULL;
	    t++) {
		buf_add(out, lit, (size_t)(t - lit));
		if (t[1] == '$') {
			buf_addc(out, '$');
			t++;
		} else if (t[1] >= '1' && t[1] <= '9') {
			k = (size_t)(t[1] - '0');
			if (k <= m->ncaptures)
				add_piece(out, req->path + m->cap_off[k],
				    m->cap_len[k], in_query);
			t++;
		} else if (strncmp(t, "${host}", 7) == 0) {
			if (req->host_len == 0)
				return 400;
			buf_add(out, req->host, req->host_len);
			t += 6;
		} else if (strncmp(t, "${path}", 7) == 0) {
			add_piece(out, req->path, req->path_len, in_query);
			t += 6;
		} else if (strncmp(t, "${query}", 8) == 0) {
			if (req->query != NULL)
				url_encode_uri(out, req->query, req->query_len);
			t += 7;
		} else if (strncmp(t, "${scheme}", 9) == 0) {
			buf_adds(out, req->https ? "https" : "http");
			t += 8;
		} else if (strncmp(t, "${param:", 8) == 0 &&
		    (close = memchr(t, '}', (size_t)(end - t))) != NULL) {
			/*
			 * The canonical value: only unreserved bytes and
			 * %XX, so it means the same in a path or a query.
			 */
			if (m->query != NULL && (p = query_param(m->query,
			    t + 8, (size_t)(close - (t + 8)))) != NULL) {
				v = query_value(m->query, p, &vl);
				buf_add(out, v, vl);
			}
			t = close;
		}
		lit = t + 1;
	}
	buf_add(out, lit, (size_t)(end - lit));
	return 0;
}

/*
 * Build the Location for request req decided by m->rule into out.
 * Returns 0, 400 (the target needs a host and the request has none) or 414
 * (the Location would be longer than out holds).
 */
int
location_build(const struct request *req, const struct match *m,
    struct buf *out)
{
	const struct rule	*r = m->rule;
	const char		*t = r->target, *tail, *frag;
	size_t			 tlen = r->target_len, qlen, rest_len, nlead;
	char			 lead;
	int			 rc;

	/* The target's scheme, authority and path. */
	if ((rc = expand(out, t, r->target_split, req, m, 0)) != 0)
		return rc;

	/* A prefix rule's rest of the path, without doubling a '/'. */
	if (r->kind == RULE_PREFIX && !(r->target_flags & TARGET_USES_PATH)) {
		const char	*rest = req->path + m->rest_off;

		rest_len = req->path_len - m->rest_off;
		if (rest_len > 0 && rest[0] == '/' && out->len > 0 &&
		    out->data[out->len - 1] == '/') {
			rest++;
			rest_len--;
		}
		buf_add(out, rest, rest_len);
	}

	/* The target's own query, then the request's, then the fragment. */
	tail = t + r->target_split;
	frag = memchr(tail, '#', tlen - r->target_split);
	qlen = frag != NULL ? (size_t)(frag - tail) : tlen - r->target_split;
	if ((rc = expand(out, tail, qlen, req, m, 1)) != 0)
		return rc;
	if (!(r->opts->flags & OPT_QUERY_DROP) &&
	    !(r->target_flags & TARGET_USES_QUERY) &&
	    req->query != NULL && req->query_len > 0) {
		lead = qlen == 0 ? '?' : tail[qlen - 1] != '?' &&
		    tail[qlen - 1] != '&' ? '&' : '\0';
		if (m->query != NULL && (r->query != NULL ||
		    r->opts->params != NULL))
			/* Without the parameters the rule matched on. */
			(void)query_kept(m->query, r->query, r->opts->params,
			    out, lead);
		else {
			if (lead != '\0')
				buf_addc(out, lead);
			url_encode_uri(out, req->query, req->query_len);
		}
	}
	if (frag != NULL && (rc = expand(out, frag,
	    tlen - (size_t)(frag - t), req, m, 1)) != 0)
		return rc;

	if (out->overflow)
		return 414;
	/* "//evil.example" would be another site: keep one leading '/'. */
	for (nlead = 0; nlead < out->len && out->data[nlead] == '/'; nlead++)
		continue;
	if (nlead > 1) {
		memmove(out->data + 1, out->data + nlead, out->len - nlead + 1);
		out->len -= nlead - 1;
	}
	return 0;
}
