/*
 * location.c: building the Location of a redirect.
 *
 * The Location is the rule's compiled target (rules.c has already
 * URI-encoded its literal text and put [defaults] base before a /path) with
 * its placeholders expanded, then, for prefix rules, the rest of the path
 * joined to the target's path before the target's own query or fragment,
 * then the request's query (joined with '&' when the target has a query of
 * its own, always before a #fragment).  Nothing but URI characters can come
 * out: every expanded value is a normalized path, a checked host, or passed
 * through url_encode_uri(), so no CR, LF or NUL reaches a header, and a
 * relative Location never starts with "//" (another site) or "/\".
 */
#include <string.h>

#include "fcgi-redirect.h"

/*
 * Append t[0..n) with placeholders expanded.  Returns 0, or 400 when the
 * target needs a host the request does not have.
 */
static int
expand(struct buf *out, const char *t, size_t n, const struct request *req,
    const struct match *m)
{
	const char	*end = t + n, *lit = t;
	size_t		 k;

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
				buf_add(out, req->path + m->cap_off[k],
				    m->cap_len[k]);
			t++;
		} else if (strncmp(t, "${host}", 7) == 0) {
			if (req->host_len == 0)
				return 400;
			buf_add(out, req->host, req->host_len);
			t += 6;
		} else if (strncmp(t, "${path}", 7) == 0) {
			buf_add(out, req->path, req->path_len);
			t += 6;
		} else if (strncmp(t, "${query}", 8) == 0) {
			if (req->query != NULL)
				url_encode_uri(out, req->query, req->query_len);
			t += 7;
		} else if (strncmp(t, "${scheme}", 9) == 0) {
			buf_adds(out, req->https ? "https" : "http");
			t += 8;
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
	size_t			 tlen = r->target_len, qlen, rest_len, lead;
	int			 rc;

	/* The target's scheme, authority and path. */
	if ((rc = expand(out, t, r->target_split, req, m)) != 0)
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
	if ((rc = expand(out, tail, qlen, req, m)) != 0)
		return rc;
	if (!(r->opts->flags & OPT_QUERY_DROP) &&
	    !(r->target_flags & TARGET_USES_QUERY) &&
	    req->query != NULL && req->query_len > 0) {
		if (qlen == 0)
			buf_addc(out, '?');
		else if (tail[qlen - 1] != '?' && tail[qlen - 1] != '&')
			buf_addc(out, '&');
		url_encode_uri(out, req->query, req->query_len);
	}
	if (frag != NULL && (rc = expand(out, frag,
	    tlen - (size_t)(frag - t), req, m)) != 0)
		return rc;

	if (out->overflow)
		return 414;
	/* "//evil.example" would be another site: keep one leading '/'. */
	for (lead = 0; lead < out->len && out->data[lead] == '/'; lead++)
		continue;
	if (lead > 1) {
		memmove(out->data + 1, out->data + lead, out->len - lead + 1);
		out->len -= lead - 1;
	}
	return 0;
}
