/*
 * test_request.c: unit tests of request.c (CGI variables to a request).
 *
 * Each row is an environment, as a server hands it to a CGI program
 * (RFC 3875), and what request_parse() must make of it: the return code
 * and, on success, the method, normalized path, query (absent, empty or a
 * value), host and scheme.  A failing row is printed to stderr before the
 * assertion.  Variables longer than a literal can hold (URIs at and past
 * URI_MAX) are filled in by the test before the table is walked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "fcgi-redirect.h"

/* The most variables a row sets, plus the terminating NULL. */
#define ENV_MAX		24

static void
print_env(const char *const *env)
{
	for (; *env != NULL; env++) {
		fputc(' ', stderr);
		unit_print_str(*env, 80);
	}
}

/*
 * Long variables: a REQUEST_URI of exactly URI_MAX bytes and of one more,
 * SCRIPT_NAME and QUERY_STRING fallbacks past the limit, and the paths
 * expected from them.
 */
#define URI_VAR		"REQUEST_URI="
static char	uri_max[sizeof(URI_VAR) + URI_MAX];
static char	uri_over[sizeof(URI_VAR) + URI_MAX + 1];
static char	uri_max_query[sizeof(URI_VAR) + URI_MAX];
static char	uri_max_spaces[sizeof(URI_VAR) + URI_MAX];
static char	path_max[URI_MAX + 1];
static char	path_max_query[URI_MAX + 1];
static char	path_max_spaces[PATH_BUF];
static char	script_over[sizeof("SCRIPT_NAME=") + URI_MAX + 1];
static char	qs_over[sizeof("QUERY_STRING=") + URI_MAX + 1];
/* Hosts of HOST_MAX bytes (the longest we take), one more, and its name. */
#define HOST_VAR	"HTTP_HOST="
static char	host_max[sizeof(HOST_VAR) + HOST_MAX];
static char	host_over[sizeof(HOST_VAR) + HOST_MAX + 1];
static char	host_max_name[HOST_MAX + 1];
static char	host_max_port[sizeof(HOST_VAR) + HOST_MAX + 3];

static void
fill_long_vars(void)
{
	size_t	 v = strlen(URI_VAR), i;

	/* "Aaa...a.re": HOST_MAX bytes, lowercased; one more is refused. */
	i = strlen(HOST_VAR);
	memcpy(host_max, HOST_VAR, i);
	host_max[i] = 'A';
	memset(host_max + i + 1, 'a', HOST_MAX - 4);
	memcpy(host_max + i + HOST_MAX - 3, ".re", 4);
	memcpy(host_max_name, host_max + i, HOST_MAX + 1);
	host_max_name[0] = 'a';
	memcpy(host_over, host_max, i + HOST_MAX);
	memcpy(host_over + i + HOST_MAX, "e", 2);
	memcpy(host_max_port, host_max, i + HOST_MAX);
	memcpy(host_max_port + i + HOST_MAX, ":80", 4);

	/* "/aaa...": URI_MAX bytes, then URI_MAX + 1. */
	memcpy(uri_max, URI_VAR, v);
	uri_max[v] = '/';
	memset(uri_max + v + 1, 'a', URI_MAX - 1);
	uri_max[v + URI_MAX] = '\0';
	memcpy(path_max, uri_max + v, URI_MAX + 1);
	memcpy(uri_over, uri_max, v + URI_MAX);
	uri_over[v + URI_MAX] = 'a';
	uri_over[v + URI_MAX + 1] = '\0';

	/* "/p?qqq...": the limit counts the query too. */
	memcpy(uri_max_query, URI_VAR, v);
	memcpy(uri_max_query + v, "/p?", 3);
	memset(uri_max_query + v + 3, 'q', URI_MAX - 3);
	uri_max_query[v + URI_MAX] = '\0';
	memcpy(path_max_query, uri_max_query + v + 3, URI_MAX - 3 + 1);

	/* "/   ...": every byte grows threefold and still fits. */
	memcpy(uri_max_spaces, URI_VAR, v);
	uri_max_spaces[v] = '/';
	memset(uri_max_spaces + v + 1, ' ', URI_MAX - 1);
	uri_max_spaces[v + URI_MAX] = '\0';
	path_max_spaces[0] = '/';
	for (i = 0; i < URI_MAX - 1; i++)
		memcpy(path_max_spaces + 1 + 3 * i, "%20", 3);
	path_max_spaces[1 + 3 * (URI_MAX - 1)] = '\0';

	v = strlen("SCRIPT_NAME=");
	memcpy(script_over, "SCRIPT_NAME=", v);
	script_over[v] = '/';
	memset(script_over + v + 1, 's', URI_MAX);
	script_over[v + URI_MAX + 1] = '\0';

	v = strlen("QUERY_STRING=");
	memcpy(qs_over, "QUERY_STRING=", v);
	memset(qs_over + v, 'q', URI_MAX + 1);
	qs_over[v + URI_MAX + 1] = '\0';
}

/* ---- request_parse ---- */

struct parse_row {
	const char	*env[ENV_MAX];
	int		 ret;		/* 0, 400 or 414 */
	const char	*method;	/* the rest only when ret is 0 */
	const char	*path;
	const char	*query;		/* NULL: no query at all */
	const char	*host;
	int		 https;
};

/* Rows: env..., then expectations. */
#define OK(m, p, q, h, s)	0, m, p, q, h, s
#define FAIL(code)		code, NULL, NULL, NULL, NULL, 0

#define M	"REQUEST_METHOD=GET"
#define H	"HTTP_HOST=example.re"

static const struct parse_row parse_rows[] = {
	/* REQUEST_URI: path and query as the client sent them. */
	{ { M, H, "REQUEST_URI=/", NULL },
	    OK("GET", "/", NULL, "example.re", 0) },
	{ { M, H, "REQUEST_URI=/a/b.html", NULL },
	    OK("GET", "/a/b.html", NULL, "example.re", 0) },
	{ { M, H, "REQUEST_URI=/a?x=1&y=2", NULL },
	    OK("GET", "/a", "x=1&y=2", "example.re", 0) },
	/* An empty query is there, but empty; no '?' is no query. */
	{ { M, H, "REQUEST_URI=/a?", NULL },
	    OK("GET", "/a", "", "example.re", 0) },
	{ { M, H, "REQUEST_URI=/a??b", NULL },
	    OK("GET", "/a", "?b", "example.re", 0) },
	/* The query is raw: not decoded, not checked. */
	{ { M, H, "REQUEST_URI=/a?q=%zz%00 x", NULL },
	    OK("GET", "/a", "q=%zz%00 x", "example.re", 0) },
	/* A '#' and what follows is dropped. */
	{ { M, H, "REQUEST_URI=/a#frag", NULL },
	    OK("GET", "/a", NULL, "example.re", 0) },
	{ { M, H, "REQUEST_URI=/a?q=1#frag", NULL },
	    OK("GET", "/a", "q=1", "example.re", 0) },
	{ { M, H, "REQUEST_URI=/a#f?q=1", NULL },
	    OK("GET", "/a", NULL, "example.re", 0) },
	{ { M, H, "REQUEST_URI=/a?#", NULL },
	    OK("GET", "/a", "", "example.re", 0) },
	/* The path is normalized. */
	{ { M, H, "REQUEST_URI=/a/./b/../c", NULL },
	    OK("GET", "/a/c", NULL, "example.re", 0) },
	{ { M, H, "REQUEST_URI=/%7euser/%2e%2e/x%2fy", NULL },
	    OK("GET", "/x%2Fy", NULL, "example.re", 0) },
	{ { M, H, "REQUEST_URI=/a b/caf\xc3\xa9?q", NULL },
	    OK("GET", "/a%20b/caf%C3%A9", "q", "example.re", 0) },
	{ { M, H, "REQUEST_URI=/../../etc", NULL },
	    OK("GET", "/etc", NULL, "example.re", 0) },
	/* Absolute form (RFC 9112 §3.2.2): scheme and authority skipped. */
	{ { M, H, "REQUEST_URI=http://other.example/x/y?q=1", NULL },
	    OK("GET", "/x/y", "q=1", "example.re", 0) },
	{ { M, H, "REQUEST_URI=HTTPS://Other.Example:8443/x", NULL },
	    OK("GET", "/x", NULL, "example.re", 0) },
	{ { M, H, "REQUEST_URI=http://other.example", NULL },
	    OK("GET", "/", NULL, "example.re", 0) },
	{ { M, H, "REQUEST_URI=http://other.example?q", NULL },
	    OK("GET", "/", "q", "example.re", 0) },
	{ { M, H, "REQUEST_URI=http://other.example#f", NULL },
	    OK("GET", "/", NULL, "example.re", 0) },
	/* Not a path. */
	{ { M, H, "REQUEST_URI=a/b", NULL }, FAIL(400) },
	{ { M, H, "REQUEST_URI=*", NULL }, FAIL(400) },
	{ { M, H, "REQUEST_URI=ftp://x/y", NULL }, FAIL(400) },
	/* Malformed escapes and %00. */
	{ { M, H, "REQUEST_URI=/%", NULL }, FAIL(400) },
	{ { M, H, "REQUEST_URI=/a%2", NULL }, FAIL(400) },
	{ { M, H, "REQUEST_URI=/a%zz", NULL }, FAIL(400) },
	{ { M, H, "REQUEST_URI=/a%g0?q", NULL }, FAIL(400) },
	{ { M, H, "REQUEST_URI=/a%00b", NULL }, FAIL(400) },
	{ { M, H, "REQUEST_URI=http://h/%zz", NULL }, FAIL(400) },
	/* At and past URI_MAX. */
	{ { M, H, uri_max, NULL },
	    OK("GET", path_max, NULL, "example.re", 0) },
	{ { M, H, uri_max_query, NULL },
	    OK("GET", "/p", path_max_query, "example.re", 0) },
	{ { M, H, uri_max_spaces, NULL },
	    OK("GET", path_max_spaces, NULL, "example.re", 0) },
	{ { M, H, uri_over, NULL }, FAIL(414) },

	/* Fallback: SCRIPT_NAME + PATH_INFO + QUERY_STRING. */
	{ { M, H, "SCRIPT_NAME=/cgi", "PATH_INFO=/x/y", "QUERY_STRING=a=b",
	    NULL }, OK("GET", "/cgi/x/y", "a=b", "example.re", 0) },
	{ { M, H, "SCRIPT_NAME=/only", NULL },
	    OK("GET", "/only", NULL, "example.re", 0) },
	{ { M, H, "PATH_INFO=/only", "QUERY_STRING=", NULL },
	    OK("GET", "/only", NULL, "example.re", 0) },
	{ { M, H, "REQUEST_URI=", "SCRIPT_NAME=/s", "PATH_INFO=/p", NULL },
	    OK("GET", "/s/p", NULL, "example.re", 0) },
	{ { M, H, NULL }, OK("GET", "/", NULL, "example.re", 0) },
	{ { M, H, "QUERY_STRING=q=1", NULL },
	    OK("GET", "/", "q=1", "example.re", 0) },
	/* Decoded by the server: normalizing encodes again. */
	{ { M, H, "SCRIPT_NAME=/a b", "PATH_INFO=/caf\xc3\xa9", NULL },
	    OK("GET", "/a%20b/caf%C3%A9", NULL, "example.re", 0) },
	{ { M, H, "SCRIPT_NAME=/a", "PATH_INFO=/../b", NULL },
	    OK("GET", "/b", NULL, "example.re", 0) },
	/*
	 * A literal '%' in a decoded PATH_INFO ("/100%25" as sent) is a
	 * percent sign, encoded again, never read as the start of an escape.
	 */
	{ { M, H, "SCRIPT_NAME=/s", "PATH_INFO=/100%", NULL },
	    OK("GET", "/s/100%25", NULL, "example.re", 0) },
	{ { M, H, "SCRIPT_NAME=/s", "PATH_INFO=/%41%00", NULL },
	    OK("GET", "/s/%2541%2500", NULL, "example.re", 0) },
	/* REQUEST_URI is preferred when set. */
	{ { M, H, "SCRIPT_NAME=/s", "REQUEST_URI=/r?rq", "QUERY_STRING=sq",
	    NULL }, OK("GET", "/r", "rq", "example.re", 0) },
	{ { M, H, script_over, NULL }, FAIL(414) },
	{ { M, H, "SCRIPT_NAME=/s", qs_over, NULL }, FAIL(414) },

	/* The method. */
	{ { "REQUEST_METHOD=POST", H, "REQUEST_URI=/", NULL },
	    OK("POST", "/", NULL, "example.re", 0) },
	{ { "REQUEST_METHOD=HEAD", H, "REQUEST_URI=/", NULL },
	    OK("HEAD", "/", NULL, "example.re", 0) },
	{ { "REQUEST_METHOD=M-SEARCH", H, "REQUEST_URI=/", NULL },
	    OK("M-SEARCH", "/", NULL, "example.re", 0) },
	/* Apache's ErrorDocument: the original method wins. */
	{ { "REQUEST_METHOD=GET", "REDIRECT_REQUEST_METHOD=POST", H,
	    "REQUEST_URI=/", NULL }, OK("POST", "/", NULL, "example.re", 0) },
	{ { "REDIRECT_REQUEST_METHOD=PUT", "REQUEST_METHOD=GET", H,
	    "REQUEST_URI=/", NULL }, OK("PUT", "/", NULL, "example.re", 0) },
	{ { "REDIRECT_REQUEST_METHOD=", "REQUEST_METHOD=DELETE", H,
	    "REQUEST_URI=/", NULL }, OK("DELETE", "/", NULL, "example.re", 0) },
	/* XXX: no method at all is taken as GET (the spec is silent). */
	{ { H, "REQUEST_URI=/", NULL }, OK("GET", "/", NULL, "example.re", 0) },
	/* Not a token (RFC 9110 §5.6.2). */
	{ { "REQUEST_METHOD=GE T", H, "REQUEST_URI=/", NULL }, FAIL(400) },
	{ { "REQUEST_METHOD=GET\r\n", H, "REQUEST_URI=/", NULL }, FAIL(400) },
	{ { "REQUEST_METHOD=G(E)T", H, "REQUEST_URI=/", NULL }, FAIL(400) },
	{ { "REQUEST_METHOD=G\xc3\x89T", H, "REQUEST_URI=/", NULL },
	    FAIL(400) },
	{ { "REQUEST_METHOD=GET", "REDIRECT_REQUEST_METHOD=PO/ST", H,
	    "REQUEST_URI=/", NULL }, FAIL(400) },

	/* The scheme. */
	{ { M, H, "REQUEST_URI=/", "HTTPS=on", NULL },
	    OK("GET", "/", NULL, "example.re", 1) },
	{ { M, H, "REQUEST_URI=/", "HTTPS=ON", NULL },
	    OK("GET", "/", NULL, "example.re", 1) },
	{ { M, H, "REQUEST_URI=/", "HTTPS=1", NULL },
	    OK("GET", "/", NULL, "example.re", 1) },
	{ { M, H, "REQUEST_URI=/", "HTTPS=off", NULL },
	    OK("GET", "/", NULL, "example.re", 0) },
	{ { M, H, "REQUEST_URI=/", "HTTPS=", NULL },
	    OK("GET", "/", NULL, "example.re", 0) },
	{ { M, H, "REQUEST_URI=/", "HTTPS=0", NULL },
	    OK("GET", "/", NULL, "example.re", 0) },
	{ { M, H, "REQUEST_URI=/", "REQUEST_SCHEME=https", NULL },
	    OK("GET", "/", NULL, "example.re", 1) },
	{ { M, H, "REQUEST_URI=/", "REQUEST_SCHEME=HTTPS", NULL },
	    OK("GET", "/", NULL, "example.re", 1) },
	{ { M, H, "REQUEST_URI=/", "REQUEST_SCHEME=http", NULL },
	    OK("GET", "/", NULL, "example.re", 0) },
	{ { M, H, "REQUEST_URI=/", "HTTPS=off", "REQUEST_SCHEME=https",
	    NULL }, OK("GET", "/", NULL, "example.re", 1) },
	/* The absolute-form scheme is not the connection's. */
	{ { M, H, "REQUEST_URI=https://example.re/", NULL },
	    OK("GET", "/", NULL, "example.re", 0) },
	/* Names that only start like the variable do not count. */
	{ { M, H, "REQUEST_URI=/", "HTTPSX=on", "HTTPS_X=on", NULL },
	    OK("GET", "/", NULL, "example.re", 0) },

	/* The host: lowercased, port and trailing dot removed. */
	{ { M, "HTTP_HOST=Example.RE", "REQUEST_URI=/", NULL },
	    OK("GET", "/", NULL, "example.re", 0) },
	{ { M, "HTTP_HOST=example.re:8080", "REQUEST_URI=/", NULL },
	    OK("GET", "/", NULL, "example.re", 0) },
	{ { M, "HTTP_HOST=WWW.Example.re.", "REQUEST_URI=/", NULL },
	    OK("GET", "/", NULL, "www.example.re", 0) },
	{ { M, "HTTP_HOST=example.re.:443", "REQUEST_URI=/", NULL },
	    OK("GET", "/", NULL, "example.re", 0) },
	{ { M, "HTTP_HOST=192.0.2.1:80", "REQUEST_URI=/", NULL },
	    OK("GET", "/", NULL, "192.0.2.1", 0) },
	{ { M, "HTTP_HOST=[2001:DB8::1]:8443", "REQUEST_URI=/", NULL },
	    OK("GET", "/", NULL, "[2001:db8::1]", 0) },
	{ { M, "HTTP_HOST=example.re:", "REQUEST_URI=/", NULL },
	    OK("GET", "/", NULL, "example.re", 0) },
	/* An invalid Host is refused. */
	{ { M, "HTTP_HOST=exa mple.re", "REQUEST_URI=/", NULL }, FAIL(400) },
	{ { M, "HTTP_HOST=user@example.re", "REQUEST_URI=/", NULL },
	    FAIL(400) },
	{ { M, "HTTP_HOST=example.re/x", "REQUEST_URI=/", NULL }, FAIL(400) },
	{ { M, "HTTP_HOST=example.re:99999", "REQUEST_URI=/", NULL },
	    FAIL(400) },
	{ { M, "HTTP_HOST=example.re\r\nX-Evil: 1", "REQUEST_URI=/", NULL },
	    FAIL(400) },
	{ { M, "HTTP_HOST=:80", "REQUEST_URI=/", NULL }, FAIL(400) },
	{ { M, "HTTP_HOST=[::1", "REQUEST_URI=/", NULL }, FAIL(400) },
	/* The Host is checked even when the URI would be fine. */
	{ { M, "HTTP_HOST=a b", uri_max, NULL }, FAIL(400) },
	/* No Host: SERVER_NAME, lowercased. */
	{ { M, "SERVER_NAME=Srv.Example.RE", "REQUEST_URI=/", NULL },
	    OK("GET", "/", NULL, "srv.example.re", 0) },
	{ { M, "HTTP_HOST=", "SERVER_NAME=srv.example.re", "REQUEST_URI=/",
	    NULL }, OK("GET", "/", NULL, "srv.example.re", 0) },
	{ { M, "SERVER_NAME=srv.example.re.", "REQUEST_URI=/", NULL },
	    OK("GET", "/", NULL, "srv.example.re", 0) },
	/* HTTP_HOST wins over SERVER_NAME. */
	{ { M, "SERVER_NAME=srv.example.re", "HTTP_HOST=example.re",
	    "REQUEST_URI=/", NULL }, OK("GET", "/", NULL, "example.re", 0) },
	/* A bad SERVER_NAME (the server's, not the client's): no host. */
	{ { M, "SERVER_NAME=bad name", "REQUEST_URI=/", NULL },
	    OK("GET", "/", NULL, "", 0) },
	{ { M, "SERVER_NAME=", "REQUEST_URI=/", NULL },
	    OK("GET", "/", NULL, "", 0) },
	{ { M, "REQUEST_URI=/", NULL }, OK("GET", "/", NULL, "", 0) },
	/* HTTP_HOSTX is not HTTP_HOST. */
	{ { M, "HTTP_HOSTX=evil.example", "SERVER_NAME=srv.example.re",
	    "REQUEST_URI=/", NULL },
	    OK("GET", "/", NULL, "srv.example.re", 0) },
	{ { M, "HTTP_HOSTX=bad host", "REQUEST_URI=/", NULL },
	    OK("GET", "/", NULL, "", 0) },
	/* The longest Host we take, with and without a port; one more. */
	{ { M, host_max, "REQUEST_URI=/", NULL },
	    OK("GET", "/", NULL, host_max_name, 0) },
	{ { M, host_max_port, "REQUEST_URI=/", NULL },
	    OK("GET", "/", NULL, host_max_name, 0) },
	{ { M, host_over, "REQUEST_URI=/", NULL }, FAIL(400) },
	{ { M, "HTTP_HOST=.", "REQUEST_URI=/", NULL },
	    OK("GET", "/", NULL, ".", 0) },
	{ { M, "HTTP_HOST=A_b-C.", "REQUEST_URI=/", NULL },
	    OK("GET", "/", NULL, "a_b-c", 0) },
	/* Entries that end inside a name we look for (read in order). */
	{ { "R", "RE", "REQ", "REQUEST", "REQUEST_", "REQUEST_U", "S",
	    "SE", "SERVER_", "H", "HTTP", "HTTP_", "HTTP_H", "HTTPS", "P",
	    "Q", "REDIRECT_", "", M, H, "REQUEST_URI=/z", NULL },
	    OK("GET", "/z", NULL, "example.re", 0) },
	/* Likewise for the URI and method variables. */
	{ { "REQUEST_METHODX=POST", "REQUEST_METHOD=PUT", H,
	    "REQUEST_URIX=/x", "REQUEST_URI=/y", NULL },
	    OK("PUT", "/y", NULL, "example.re", 0) },
};

static struct request	req;	/* about 48 KiB: not on the stack */

static int
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
test_request_parse(void)
{
	const struct parse_row	*r;
	size_t			 i;
	int			 ret, ok;
	char			 query[URI_MAX + 1];

	fill_long_vars();
	for (i = 0; i < nitems(parse_rows); i++) {
		r = &parse_rows[i];
		memset(&req, 'X', sizeof(req));
		ret = request_parse(&req, (char **)r->env, 1000);
		ok = ret == r->ret;
		if (ok && ret == 0) {
			/* The query is a pointer and a length into envp. */
			int	 qfits = req.query != NULL &&
			    req.query_len < sizeof(query);

			if (qfits) {
				memcpy(query, req.query, req.query_len);
				query[req.query_len] = '\0';
			}
			ok = str_eq(req.method, r->method) &&
			    strcmp(req.path, r->path) == 0 &&
			    req.path_len == strlen(r->path) &&
			    (r->query == NULL ? req.query == NULL :
			    qfits && strcmp(query, r->query) == 0) &&
			    strcmp(req.host, r->host) == 0 &&
			    req.host_len == strlen(r->host) &&
			    (req.https != 0) == r->https && req.now == 1000;
		}
		if (!ok) {
			fprintf(stderr, "\nrequest_parse row %zu:", i);
			print_env(r->env);
			fprintf(stderr, "\n  got %d", ret);
			if (ret == 0) {
				fputs(" method ", stderr);
				unit_print_str(req.method, 40);
				fputs(" path ", stderr);
				unit_print_str(req.path, 80);
				fputs(" query ", stderr);
				if (req.query == NULL)
					fputs("NULL", stderr);
				else
					fprintf(stderr, "\"%.*s\"",
					    (int)(req.query_len > 80 ? 80 :
					    req.query_len), req.query);
				fputs(" host ", stderr);
				unit_print_str(req.host, 80);
				fprintf(stderr, " https %d", req.https);
			}
			fprintf(stderr, "\n  want %d", r->ret);
			if (r->ret == 0) {
				fprintf(stderr, " method %s path ", r->method);
				unit_print_str(r->path, 80);
				fputs(" query ", stderr);
				unit_print_str(r->query, 80);
				fprintf(stderr, " host %s https %d", r->host,
				    r->https);
			}
			fputc('\n', stderr);
		}
		CU_ASSERT_TRUE(ok);
	}
}

/* ---- request_param ---- */

struct param_row {
	const char	*env[ENV_MAX];
	const char	*name;
	const char	*value;		/* NULL: not found */
};

static const struct param_row param_rows[] = {
	{ { "HTTP_HOST=a", NULL }, "HTTP_HOST", "a" },
	{ { "X=1", "HTTP_HOST=b", "Y=2", NULL }, "HTTP_HOST", "b" },
	{ { "HTTP_HOST=", NULL }, "HTTP_HOST", "" },
	/* A longer name that starts with the one asked for. */
	{ { "HTTP_HOSTX=a", NULL }, "HTTP_HOST", NULL },
	{ { "HTTP_HOSTX=a", "HTTP_HOST=b", NULL }, "HTTP_HOST", "b" },
	{ { "HTTP_HOST_X=a", NULL }, "HTTP_HOST", NULL },
	/* A shorter name, or the name without '='. */
	{ { "HTTP_HOS=a", NULL }, "HTTP_HOST", NULL },
	{ { "HTTP_HOST", NULL }, "HTTP_HOST", NULL },
	{ { "HTTP_HOST", "HTTP_HOST=c", NULL }, "HTTP_HOST", "c" },
	/* Names are case-sensitive (RFC 3875 §4.1). */
	{ { "http_host=a", NULL }, "HTTP_HOST", NULL },
	/* The value may hold '='; the first occurrence wins. */
	{ { "QUERY_STRING=a=b=c", NULL }, "QUERY_STRING", "a=b=c" },
	{ { "A=1", "A=2", NULL }, "A", "1" },
	{ { "AA=1", "A=2", NULL }, "A", "2" },
	{ { "A=1", NULL }, "AA", NULL },
	{ { NULL }, "A", NULL },
};

static void
test_request_param(void)
{
	const struct param_row	*r;
	const char		*v;
	size_t			 i;

	for (i = 0; i < nitems(param_rows); i++) {
		r = &param_rows[i];
		v = request_param((char **)r->env, r->name);
		if (!str_eq(v, r->value)) {
			fprintf(stderr, "\nrequest_param row %zu: %s in",
			    i, r->name);
			print_env(r->env);
			fputs(": got ", stderr);
			unit_print_str(v, 80);
			fputs(", want ", stderr);
			unit_print_str(r->value, 80);
			fputc('\n', stderr);
		}
		CU_ASSERT_TRUE(str_eq(v, r->value));
	}
	/* No environment at all. */
	CU_ASSERT_PTR_NULL(request_param(NULL, "HTTP_HOST"));
	/* The value points into envp, not at a copy. */
	{
		char	 var[] = "REQUEST_URI=/x";
		char	*env[] = { var, NULL };

		CU_ASSERT_PTR_EQUAL(request_param(env, "REQUEST_URI"),
		    var + strlen("REQUEST_URI="));
	}
}

int
test_request_register(void)
{
	static const struct unit_test tests[] = {
		{ "request_parse", test_request_parse },
		{ "request_param", test_request_param },
	};

	return unit_add_suite("request", tests, nitems(tests));
}
