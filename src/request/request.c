/*
 * request.c: the request, from CGI variables (RFC 3875).
 *
 * Every byte here comes from the client and is treated as hostile: the path
 * is normalized (url.c) before anything compares it, the Host is checked
 * against RFC 3986's grammar before it can reach a Location, and lengths
 * are bounded before anything is copied.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "fcgi-redirect.h"

/* The value of the variable `name` in envp, or NULL. */
const char *
request_param(char **envp, const char *name)
{
	size_t	 n = strlen(name);

	for (; envp != NULL && *envp != NULL; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/* The CGI variables a request is decided by, found in one pass. */
struct cgi_vars {
	const char	*redirect_method, *method, *https, *scheme, *host;
	const char	*server_name, *uri, *script_name, *path_info, *query;
};

/*
 * Set *slot to the value of entry e when e is NAME=... and *slot is unset.
 * The bytes are compared in order and the first difference stops: name has
 * no NUL, so the entry's NUL is a difference and nothing past it is read.
 * The caller has already compared the first `from` bytes.
 */
#define CGI_VAR(e, from, name, slot) \
	cgi_var((e), (from), name, sizeof(name) - 1, (slot))

/* Are the bytes of e from `from` to n those of name?  Read in order. */
static inline int
starts_with(const char *e, size_t from, const char *name, size_t n)
{
	size_t	 i;

	/* name and n are constants here: unrolled, a byte costs a cmp/jne. */
#pragma GCC unroll 24
	for (i = from; i < n; i++)
		if (e[i] != name[i])
			return 0;
	return 1;
}

static inline void
cgi_var(const char *e, size_t from, const char *name, size_t n,
    const char **slot)
{
	if (*slot == NULL && starts_with(e, from, name, n) && e[n] == '=')
		*slot = e + n + 1;
}

/*
 * One pass over envp.  A server passes thirty or so variables; asking for
 * each of ten by name would scan them ten times.  The first bytes of an
 * entry, read in order (so never past its NUL), pick the one name it can
 * be, and only that name is compared.  The first of a name wins, as with
 * request_param().  Out of line so that `make bench` can count it apart
 * from the lookup proper (tests/bench/run.sh).
 */
__attribute__((noinline)) static void
cgi_vars_collect(char **envp, struct cgi_vars *v)
{
	const char	*e;

	memset(v, 0, sizeof(*v));
	for (; envp != NULL && (e = *envp) != NULL; envp++) {
		switch (e[0]) {
		case 'H':	/* HTTP_HOST, HTTPS; not the other HTTP_ */
			if (e[1] != 'T' || e[2] != 'T' || e[3] != 'P')
				break;
			if (e[4] == '_' && e[5] == 'H')
				CGI_VAR(e, 6, "HTTP_HOST", &v->host);
			else if (e[4] == 'S')
				CGI_VAR(e, 5, "HTTPS", &v->https);
			break;
		case 'R':	/* REQUEST_*, REDIRECT_REQUEST_METHOD */
			if (e[1] != 'E')
				break;
			if (e[2] == 'Q') {
				/* "REQUEST_", read in order, then U, M or S. */
				if (!starts_with(e, 3, "REQUEST_", 8))
					break;
				if (e[8] == 'U')
					CGI_VAR(e, 3, "REQUEST_URI", &v->uri);
				else if (e[8] == 'M')
					CGI_VAR(e, 3, "REQUEST_METHOD",
					    &v->method);
				else if (e[8] == 'S')
					CGI_VAR(e, 3, "REQUEST_SCHEME",
					    &v->scheme);
			} else if (e[2] == 'D')
				CGI_VAR(e, 3, "REDIRECT_REQUEST_METHOD",
				    &v->redirect_method);
			break;
		case 'S':	/* SERVER_NAME, SCRIPT_NAME */
			if (e[1] == 'E')
				CGI_VAR(e, 2, "SERVER_NAME", &v->server_name);
			else if (e[1] == 'C')
				CGI_VAR(e, 2, "SCRIPT_NAME", &v->script_name);
			break;
		case 'P':
			CGI_VAR(e, 1, "PATH_INFO", &v->path_info);
			break;
		case 'Q':
			CGI_VAR(e, 1, "QUERY_STRING", &v->query);
			break;
		}
	}
}

/* The method of the variables: see request_method(). */
static const char *
cgi_method(const struct cgi_vars *v)
{
	if (v->redirect_method != NULL && *v->redirect_method != '\0')
		return v->redirect_method;
	return v->method != NULL && *v->method != '\0' ? v->method : "GET";
}

/*
 * The request's method: REDIRECT_REQUEST_METHOD (the original request's,
 * under Apache's ErrorDocument) when set, else REQUEST_METHOD, else GET.
 */
const char *
request_method(char **envp)
{
	struct cgi_vars	 v;

	cgi_vars_collect(envp, &v);
	return cgi_method(&v);
}

/* Set req->host from a Host value; 0, or 400 when it is not host[:port]. */
static int
request_host(struct request *req, const char *h, int from_client)
{
	size_t	 len, hostlen, i;
	char	 c;

	/*
	 * The usual Host, a reg-name without a port, is checked and
	 * lowercased in one pass; anything else takes the general path.
	 */
	for (i = 0; i < HOST_MAX &&
	    (c = (char)url_host_table[(unsigned char)h[i]]) != '\0'; i++)
		req->host[i] = c;
	hostlen = i;
	if (h[i] != '\0' || i == 0) {
		len = strnlen(h, HOST_MAX + 7);
		if (len > HOST_MAX + 6 || url_host_valid(h, len, &hostlen) != 0) {
			if (from_client)
				return 400;
			hostlen = 0;	/* a bad SERVER_NAME: no host */
		}
		for (i = 0; i < hostlen; i++) {
			c = h[i];
			req->host[i] = c >= 'A' && c <= 'Z' ?
			    (char)(c + 'a' - 'A') : c;
		}
	}
	/* "example.re." names the same host as "example.re". */
	if (hostlen > 1 && req->host[hostlen - 1] == '.' && h[0] != '[')
		hostlen--;
	req->host[hostlen] = '\0';
	req->host_len = hostlen;
	return 0;
}

/*
 * Join the decoded SCRIPT_NAME and PATH_INFO (each at most URI_MAX bytes,
 * either may be NULL) into out, of 3 * URI_MAX + 1 bytes, writing each '%'
 * as "%25" so that normalizing cannot decode it again.  Returns the length.
 */
static size_t
join_decoded(char *out, const char *a, const char *b)
{
	size_t	 n = 0;
	int	 k;

	for (k = 0; k < 2; k++)
		for (const char *p = k == 0 ? a : b; p != NULL && *p != '\0';
		    p++) {
			if (*p == '%') {
				memcpy(out + n, "%25", 3);
				n += 3;
			} else
				out[n++] = *p;
		}
	out[n] = '\0';
	return n;
}

/*
 * Fill req from the CGI variables in envp, at time `now`.
 *
 * The path and query come from REQUEST_URI, as the client sent them (an
 * absolute-form target "http://host/path" included; a '#' and what
 * follows is dropped), else from SCRIPT_NAME + PATH_INFO + QUERY_STRING.
 * The method is REDIRECT_REQUEST_METHOD (Apache's ErrorDocument) or
 * REQUEST_METHOD; the host HTTP_HOST, else SERVER_NAME; the scheme is https
 * when HTTPS is "on" or REQUEST_SCHEME is "https".
 *
 * Returns 0, 400 (malformed path, escape or Host) or 414 (a request URI
 * over URI_MAX bytes).  req->query points into envp.
 */
int
request_parse(struct request *req, char **envp, time_t now)
{
	char		 joined[3 * URI_MAX + 1];
	struct cgi_vars	 cv;
	const char	*uri, *v, *q, *end, *path;
	size_t		 uri_len, path_len;
	int		 n, rc;

	cgi_vars_collect(envp, &cv);
	req->now = now;
	req->assume = 0;
	req->query = NULL;
	req->query_len = 0;
	req->host[0] = '\0';
	req->host_len = 0;
	req->path[0] = '\0';
	req->path_len = 0;

	req->method = cgi_method(&cv);
	if (values_token(req->method, strlen(req->method)) != 0)
		return 400;

	v = cv.https;
	req->https = v != NULL && (strcasecmp(v, "on") == 0 ||
	    strcmp(v, "1") == 0);
	v = cv.scheme;
	if (v != NULL && strcasecmp(v, "https") == 0)
		req->https = 1;

	if ((v = cv.host) != NULL && *v != '\0') {
		if ((rc = request_host(req, v, 1)) != 0)
			return rc;
	} else if ((v = cv.server_name) != NULL)
		(void)request_host(req, v, 0);

	uri = cv.uri;
	if (uri != NULL && *uri != '\0') {
		uri_len = strlen(uri);
		if (uri_len > URI_MAX)
			return 414;
		/* Absolute form (RFC 9112 §3.2.2): skip scheme and authority. */
		if ((uri[0] == 'h' || uri[0] == 'H') &&
		    (strncasecmp(uri, "http://", 7) == 0 ||
		    strncasecmp(uri, "https://", 8) == 0)) {
			uri = strstr(uri, "://") + 3;
			uri += strcspn(uri, "/?#");
			uri_len = strlen(uri);
		}
		if ((end = memchr(uri, '#', uri_len)) != NULL)
			uri_len = (size_t)(end - uri);
		if ((q = memchr(uri, '?', uri_len)) != NULL) {
			req->query = q + 1;
			req->query_len = uri_len - (size_t)(q - uri) - 1;
			path_len = (size_t)(q - uri);
		} else
			path_len = uri_len;
		path = uri;
		if (path_len == 0) {	/* "http://host" or "?q" */
			path = "/";
			path_len = 1;
		}
	} else {
		/* These are decoded by the server; normalizing re-encodes. */
		const char	*sn = cv.script_name;
		const char	*pi = cv.path_info;
		size_t		 a = sn ? strlen(sn) : 0, b = pi ? strlen(pi) : 0;

		q = cv.query;
		if (a + b > URI_MAX || (q != NULL && strlen(q) > URI_MAX))
			return 414;
		/* Already decoded: a '%' here is a literal percent sign. */
		path_len = join_decoded(joined, sn, pi);
		path = joined;
		if (path_len == 0) {
			path = "/";
			path_len = 1;
		}
		if (q != NULL && *q != '\0') {
			req->query = q;
			req->query_len = strlen(q);
		}
	}
	n = url_normalize_path(path, path_len, req->path, sizeof(req->path));
	if (n == URL_TOO_LONG)
		return 414;
	if (n < 0)
		return 400;
	req->path_len = (size_t)n;
	return 0;
}
