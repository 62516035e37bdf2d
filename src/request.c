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

/*
 * The request's method: REDIRECT_REQUEST_METHOD (the original request's,
 * under Apache's ErrorDocument) when set, else REQUEST_METHOD, else GET.
 */
const char *
request_method(char **envp)
{
	const char	*v;

	if ((v = request_param(envp, "REDIRECT_REQUEST_METHOD")) == NULL ||
	    *v == '\0')
		v = request_param(envp, "REQUEST_METHOD");
	return v != NULL && *v != '\0' ? v : "GET";
}

/* Set req->host from a Host value; 0, or 400 when it is not host[:port]. */
static int
request_host(struct request *req, const char *h, int from_client)
{
	size_t	 len = strlen(h), hostlen, i;

	if (len > HOST_MAX + 6 || url_host_valid(h, len, &hostlen) != 0) {
		if (from_client)
			return 400;
		hostlen = 0;	/* a bad SERVER_NAME: no host */
	}
	/* "example.re." names the same host as "example.re". */
	if (hostlen > 1 && h[hostlen - 1] == '.' && h[0] != '[')
		hostlen--;
	for (i = 0; i < hostlen; i++)
		req->host[i] = (char)tolower((unsigned char)h[i]);
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
	const char	*uri, *v, *q, *end, *path;
	size_t		 uri_len, path_len;
	int		 n, rc;

	req->now = now;
	req->query = NULL;
	req->query_len = 0;
	req->host[0] = '\0';
	req->host_len = 0;
	req->path[0] = '\0';
	req->path_len = 0;

	req->method = request_method(envp);
	if (value_token(req->method, strlen(req->method)) != 0)
		return 400;

	v = request_param(envp, "HTTPS");
	req->https = v != NULL && (strcasecmp(v, "on") == 0 ||
	    strcmp(v, "1") == 0);
	v = request_param(envp, "REQUEST_SCHEME");
	if (v != NULL && strcasecmp(v, "https") == 0)
		req->https = 1;

	if ((v = request_param(envp, "HTTP_HOST")) != NULL && *v != '\0') {
		if ((rc = request_host(req, v, 1)) != 0)
			return rc;
	} else if ((v = request_param(envp, "SERVER_NAME")) != NULL)
		(void)request_host(req, v, 0);

	uri = request_param(envp, "REQUEST_URI");
	if (uri != NULL && *uri != '\0') {
		uri_len = strlen(uri);
		if (uri_len > URI_MAX)
			return 414;
		/* Absolute form (RFC 9112 §3.2.2): skip scheme and authority. */
		if (strncasecmp(uri, "http://", 7) == 0 ||
		    strncasecmp(uri, "https://", 8) == 0) {
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
		const char	*sn = request_param(envp, "SCRIPT_NAME");
		const char	*pi = request_param(envp, "PATH_INFO");
		size_t		 a = sn ? strlen(sn) : 0, b = pi ? strlen(pi) : 0;

		q = request_param(envp, "QUERY_STRING");
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
