/*
 * test_response.c: unit tests of response.c (status, headers, HTML note)
 * and of handle.c, which ties request, match, Location and response
 * together.
 *
 * Tables of answers with their exact expected bytes, then properties
 * checked over rows: Content-Length is the body's length, HEAD has the same
 * headers and no body, the HTML note escapes what the Location header
 * carries raw, errors carry no Location.  The handle rows run whole
 * requests (CGI variables in, response bytes out), including a rule set
 * that failed to load, each in a child process so that a crash fails its
 * row only.  A failing row is printed to stderr before the
 * assertion.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "fcgi-redirect.h"

/* The largest answer a test makes, and its buffer. */
static char	resp[RESPONSE_MAX];
static char	resp2[RESPONSE_MAX];

/*
 * Split a response at the blank line: *hlen is the length of the headers
 * including the final CRLF CRLF, and the body follows.  Returns 0, or -1
 * when there is no blank line.
 */
static int
split(const char *r, size_t len, size_t *hlen)
{
	const char	*e;

	if ((e = memmem(r, len, "\r\n\r\n", 4)) == NULL)
		return -1;
	*hlen = (size_t)(e - r) + 4;
	return 0;
}

/*
 * The value of header `name` (with ": ") in the header block r[0..hlen),
 * copied into val; returns 0, or -1 when absent.
 */
static int
header_value(const char *r, size_t hlen, const char *name, char *val,
    size_t vlen)
{
	const char	*p = r, *end = r + hlen, *eol;
	size_t		 n = strlen(name), l;

	for (; p < end; p = eol + 2) {
		if ((eol = memmem(p, (size_t)(end - p), "\r\n", 2)) == NULL)
			return -1;
		if ((size_t)(eol - p) > n + 1 && strncasecmp(p, name, n) == 0 &&
		    p[n] == ':' && p[n + 1] == ' ') {
			l = (size_t)(eol - p) - n - 2;
			if (l >= vlen)
				return -1;
			memcpy(val, p + n + 2, l);
			val[l] = '\0';
			return 0;
		}
	}
	return -1;
}

/*
 * The common checks of any response: a status line first, a header block
 * of CRLF lines only, Content-Length equal to the body's length (or, with
 * head, no body at all).  Sets *hlenp to the length of the headers (the
 * blank line included) and *body_len to the Content-Length.  Returns 0, or
 * -1 after printing why.
 */
static int
check_shape(const char *what, size_t row, const char *r, size_t len,
    int status, int head, size_t *hlenp, size_t *body_len)
{
	char		 line[64], val[32];
	size_t		 hlen = 0, i;
	unsigned long	 cl;
	char		*end;
	const char	*why = NULL;

	snprintf(line, sizeof(line), "Status: %d %s\r\n", status,
	    response_reason(status));
	if (strncmp(r, line, strlen(line)) != 0)
		why = "no Status line first";
	else if (split(r, len, &hlen) != 0)
		why = "no blank line after the headers";
	else if (header_value(r, hlen, "Content-Length", val, sizeof(val)) ||
	    (cl = strtoul(val, &end, 10), *end != '\0'))
		why = "no Content-Length";
	else if (head && len != hlen)
		why = "a body after HEAD";
	else if (!head && cl != len - hlen)
		why = "Content-Length is not the body length";
	else if (header_value(r, hlen, "Content-Type", val, sizeof(val)) ||
	    strcmp(val, "text/html; charset=utf-8") != 0)
		why = "no Content-Type: text/html; charset=utf-8";
	else {
		/* Every CR is followed by LF, every LF preceded by CR. */
		for (i = 0; i < hlen; i++)
			if ((r[i] == '\r' && r[i + 1] != '\n') ||
			    (r[i] == '\n' && (i == 0 || r[i - 1] != '\r')))
				why = "a bare CR or LF in the headers";
		if (why == NULL) {
			*hlenp = hlen;
			*body_len = cl;
		}
	}
	if (why != NULL) {
		fprintf(stderr, "\n%s row %zu: %s:\n  ", what, row, why);
		unit_print_bytes(r, len, 1);
		return -1;
	}
	return 0;
}

/* ---- exact bytes ---- */

static const char *const two_headers[] = {
	"X-Robots-Tag: noindex",
	"Link: <https://example.re/>; rel=\"canonical\"",
};
static const struct rule_opts opts_plain = { .status = 307 };
static const struct rule_opts opts_full = {
	.status = 301,
	.cache = "max-age=600",
	.headers = (const char **)two_headers,
	.nheaders = 2,
};

#define NOTE(code, reason, text)					\
	"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"		\
	"<title>" code " " reason "</title></head>\n"			\
	"<body><h1>" reason "</h1>\n" text "</body></html>\n"

struct exact_row {
	int			 status;
	const char		*location;	/* NULL: response_error() */
	const struct rule_opts	*opts;
	int			 head;
	const char		*want;
};

static const struct exact_row exact_rows[] = {
	{ 307, "https://example.re/a", &opts_plain, 0,
	    "Status: 307 Temporary Redirect\r\n"
	    "Location: https://example.re/a\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: 212\r\n"
	    "\r\n"
	    "<!DOCTYPE html>\n"
	    "<html><head><meta charset=\"utf-8\">"
	    "<title>307 Temporary Redirect</title></head>\n"
	    "<body><h1>Temporary Redirect</h1>\n"
	    "<p>This page has moved "
	    "<a href=\"https://example.re/a\">here</a>.</p>\n"
	    "</body></html>\n" },
	/* Cache-Control, then the extra headers in their order. */
	{ 301, "/new?a=1&b=2", &opts_full, 0,
	    "Status: 301 Moved Permanently\r\n"
	    "Location: /new?a=1&b=2\r\n"
	    "Cache-Control: max-age=600\r\n"
	    "X-Robots-Tag: noindex\r\n"
	    "Link: <https://example.re/>; rel=\"canonical\"\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: 206\r\n"
	    "\r\n"
	    NOTE("301", "Moved Permanently",
	    "<p>This page has moved <a href=\"/new?a=1&amp;b=2\">here</a>."
	    "</p>\n") },
	/* HEAD: the same headers, Content-Length included; no body. */
	{ 307, "https://example.re/a", &opts_plain, 1,
	    "Status: 307 Temporary Redirect\r\n"
	    "Location: https://example.re/a\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: 212\r\n"
	    "\r\n" },
	{ 301, "/new?a=1&b=2", &opts_full, 1,
	    "Status: 301 Moved Permanently\r\n"
	    "Location: /new?a=1&b=2\r\n"
	    "Cache-Control: max-age=600\r\n"
	    "X-Robots-Tag: noindex\r\n"
	    "Link: <https://example.re/>; rel=\"canonical\"\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: 206\r\n"
	    "\r\n" },
	/* Errors: no Location. */
	{ 404, NULL, NULL, 0,
	    "Status: 404 Not Found\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: 167\r\n"
	    "\r\n"
	    NOTE("404", "Not Found",
	    "<p>There is nothing at this address.</p>\n") },
	{ 404, NULL, NULL, 1,
	    "Status: 404 Not Found\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: 167\r\n"
	    "\r\n" },
	{ 503, NULL, NULL, 0,
	    "Status: 503 Service Unavailable\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: 206\r\n"
	    "\r\n"
	    NOTE("503", "Service Unavailable",
	    "<p>The redirect rules are unavailable; try again later.</p>\n") },
};

static void
answer(struct buf *b, int status, const char *location,
    const struct rule_opts *o, int head)
{
	if (location != NULL)
		response_redirect(b, status, location, o, head);
	else
		response_error(b, status, head);
}

static void
test_response_exact(void)
{
	const struct exact_row	*r;
	struct buf		 b;
	size_t			 i;
	int			 ok;

	for (i = 0; i < nitems(exact_rows); i++) {
		r = &exact_rows[i];
		buf_init(&b, resp, sizeof(resp));
		answer(&b, r->status, r->location, r->opts, r->head);
		ok = !b.overflow && b.len == strlen(r->want) &&
		    memcmp(b.data, r->want, b.len) == 0;
		if (!ok) {
			fprintf(stderr, "\nexact row %zu (%d %s%s): got\n  ",
			    i, r->status, r->location ? r->location : "error",
			    r->head ? " HEAD" : "");
			unit_print_bytes(b.data, b.len, 1);
			fputs("want\n  ", stderr);
			unit_print_bytes(r->want, strlen(r->want), 1);
		}
		CU_ASSERT_TRUE(ok);
	}
}

/* ---- Content-Length, HEAD, escaping, over many Locations ---- */

struct loc_row {
	int		 status;
	const char	*location;
	const char	*escaped;	/* how the note's href shows it */
};

static const struct loc_row loc_rows[] = {
	{ 301, "/", "/" },
	{ 302, "/a", "/a" },
	{ 303, "https://example.re/", "https://example.re/" },
	{ 307, "http://www.example.re/breaking/news.html",
	    "http://www.example.re/breaking/news.html" },
	{ 308, "/new?a=1&b=2#top", "/new?a=1&amp;b=2#top" },
	/* Every character HTML gives a meaning to. */
	{ 307, "/a?b=1&c=<x>\"y\"'z'", "/a?b=1&amp;c=&lt;x&gt;&quot;y&quot;"
	    "&#39;z&#39;" },
	{ 307, "&<>\"'", "&amp;&lt;&gt;&quot;&#39;" },
	{ 307, "/&amp;", "/&amp;amp;" },
	{ 302, "/%3Cscript%3E", "/%3Cscript%3E" },
	{ 301, "", "" },
};

static void
test_response_locations(void)
{
	const struct loc_row	*r;
	struct buf		 b, h;
	char			 line[512], val[512], href[512];
	size_t			 i, hlen, body_len;

	for (i = 0; i < nitems(loc_rows); i++) {
		r = &loc_rows[i];
		buf_init(&b, resp, sizeof(resp));
		response_redirect(&b, r->status, r->location, &opts_full, 0);
		CU_ASSERT_FALSE(b.overflow);
		if (check_shape("locations", i, b.data, b.len, r->status, 0,
		    &hlen, &body_len) != 0) {
			CU_FAIL("malformed response");
			continue;
		}
		/* The header carries the Location raw. */
		if (header_value(b.data, hlen, "Location", val,
		    sizeof(val)) != 0 || strcmp(val, r->location) != 0) {
			fprintf(stderr, "\nlocations row %zu: Location header "
			    "is not %s\n", i, r->location);
			CU_FAIL("Location header");
		}
		/* The note carries it escaped, and nothing raw. */
		snprintf(href, sizeof(href), "<a href=\"%s\">here</a>",
		    r->escaped);
		if (memmem(b.data + hlen, body_len, href, strlen(href)) ==
		    NULL) {
			fprintf(stderr, "\nlocations row %zu: no %s in the "
			    "body:\n  ", i, href);
			unit_print_bytes(b.data + hlen, body_len, 1);
			CU_FAIL("HTML escaping");
		}
		if (strchr(r->location, '<') != NULL &&
		    memmem(b.data + hlen, body_len, "<x>", 3) != NULL)
			CU_FAIL("raw '<' in the body");

		/* HEAD: the same header block, byte for byte, and no body. */
		buf_init(&h, resp2, sizeof(resp2));
		response_redirect(&h, r->status, r->location, &opts_full, 1);
		if (h.overflow || h.len != hlen ||
		    memcmp(h.data, b.data, hlen) != 0) {
			fprintf(stderr, "\nlocations row %zu: HEAD differs:"
			    "\n  ", i);
			unit_print_bytes(h.data, h.len, 1);
			CU_FAIL("HEAD response");
		}
		/* A status line and a Location line, each once. */
		snprintf(line, sizeof(line), "Location: %s\r\n", r->location);
		CU_ASSERT_PTR_NOT_NULL(strstr(b.data, line));
	}
}

/* ---- reason phrases ---- */

static const struct {
	int		 status;
	const char	*reason;
} reason_rows[] = {
	{ 301, "Moved Permanently" },
	{ 302, "Found" },
	{ 303, "See Other" },
	{ 307, "Temporary Redirect" },
	{ 308, "Permanent Redirect" },
	{ 400, "Bad Request" },
	{ 404, "Not Found" },
	{ 410, "Gone" },
	{ 414, "URI Too Long" },
	{ 503, "Service Unavailable" },
};

static void
test_response_reasons(void)
{
	struct buf	 b;
	char		 want[128], title[128];
	size_t		 i, hlen, body_len;
	int		 status;

	for (i = 0; i < nitems(reason_rows); i++) {
		status = reason_rows[i].status;
		if (strcmp(response_reason(status), reason_rows[i].reason)) {
			fprintf(stderr, "\nresponse_reason(%d) = %s, want %s\n",
			    status, response_reason(status),
			    reason_rows[i].reason);
			CU_FAIL("reason phrase");
		}
		buf_init(&b, resp, sizeof(resp));
		answer(&b, status, status < 400 ? "/x" : NULL, &opts_plain, 0);
		snprintf(want, sizeof(want), "Status: %d %s\r\n", status,
		    reason_rows[i].reason);
		snprintf(title, sizeof(title), "<title>%d %s</title>", status,
		    reason_rows[i].reason);
		if (b.overflow || strncmp(b.data, want, strlen(want)) != 0 ||
		    strstr(b.data, title) == NULL) {
			fprintf(stderr, "\nreason row %zu: ", i);
			unit_print_bytes(b.data, b.len, 1);
			CU_FAIL("status line or title");
		}
		CU_ASSERT_EQUAL(check_shape("reasons", i, b.data, b.len,
		    status, 0, &hlen, &body_len), 0);
	}
}

/* ---- errors: no Location, no request data ---- */

static void
test_response_errors(void)
{
	static const int	 codes[] = { 400, 404, 410, 414, 503 };
	struct buf		 b, h;
	size_t			 i, body_len, hlen;
	int			 head;

	for (i = 0; i < nitems(codes); i++)
		for (head = 0; head <= 1; head++) {
			buf_init(&b, resp, sizeof(resp));
			response_error(&b, codes[i], head);
			CU_ASSERT_FALSE(b.overflow);
			CU_ASSERT_EQUAL(check_shape("errors", i, b.data, b.len,
			    codes[i], head, &hlen, &body_len), 0);
			if (strstr(b.data, "Location") != NULL ||
			    strstr(b.data, "href") != NULL) {
				fprintf(stderr, "\nerror %d: ", codes[i]);
				unit_print_bytes(b.data, b.len, 1);
				CU_FAIL("an error response with a Location");
			}
			if (!head)
				continue;
			/* HEAD: the GET response's headers. */
			buf_init(&h, resp2, sizeof(resp2));
			response_error(&h, codes[i], 0);
			CU_ASSERT_TRUE(split(h.data, h.len, &hlen) == 0 &&
			    hlen == b.len &&
			    memcmp(h.data, b.data, hlen) == 0);
		}
}

/* ---- small buffers overflow, never truncate silently ---- */

static void
test_response_overflow(void)
{
	struct buf	 b;
	size_t		 full[2], caps[5], i, k;
	char		 small[1024];

	/* The whole answers' lengths, from a large buffer. */
	for (k = 0; k < 2; k++) {
		buf_init(&b, resp, sizeof(resp));
		answer(&b, k ? 404 : 307, k ? NULL : "https://example.re/a",
		    &opts_full, 0);
		CU_ASSERT_FATAL(!b.overflow && b.len < sizeof(small));
		full[k] = b.len;
	}
	for (k = 0; k < 2; k++) {
		caps[0] = 1;
		caps[1] = 16;
		caps[2] = full[k] / 2;
		caps[3] = full[k] - 1;
		caps[4] = full[k];	/* no room for the NUL */
		for (i = 0; i < nitems(caps); i++) {
			buf_init(&b, small, caps[i]);
			answer(&b, k ? 404 : 307, k ? NULL :
			    "https://example.re/a", &opts_full, 0);
			if (!b.overflow)
				fprintf(stderr, "\noverflow: %d in %zu bytes "
				    "(of %zu) does not overflow\n", k ? 404 :
				    307, caps[i], full[k]);
			CU_ASSERT_TRUE(b.overflow);
		}
		/* Exactly enough (the NUL counted) is enough. */
		buf_init(&b, small, full[k] + 1);
		answer(&b, k ? 404 : 307, k ? NULL : "https://example.re/a",
		    &opts_full, 0);
		CU_ASSERT_FALSE(b.overflow);
		CU_ASSERT_EQUAL(b.len, full[k]);
	}
}

/* ---- handle_decide + handle_respond, end to end ---- */

#define HANDLE_INI							\
	"[defaults]\n"							\
	"cache = max-age=600\n"						\
	"header = X-From: fcgi-redirect\n"				\
	"[news]\n"			/* 4 */				\
	"path = /news.html\n"						\
	"to = http://www.example.re/breaking/news.html\n"		\
	"[perm]\n"			/* 7 */				\
	"path = /perm\n"						\
	"status = 308\n"						\
	"header = X-Robots-Tag: noindex\n"				\
	"to = /new?a=1&b=2\n"						\
	"[sale]\n"			/* 12 */			\
	"prefix = /\n"							\
	"host = shop.example.re\n"					\
	"to = https://${host}/sale\n"
#define FALLBACK_INI							\
	"[defaults]\n"							\
	"status = 302\n"						\
	"fallback = https://www.example.re/\n"				\
	"[a]\n"								\
	"path = /a\n"							\
	"to = /b\n"
#define GONE_INI	"[defaults]\nfallback = 410\n[a]\npath = /a\nto = /b\n"
#define HEADERS_INI							\
	"[h]\n"								\
	"path = /h\n"							\
	"header = X-One: 1\n"						\
	"cache = no-store\n"						\
	"header = X-Two: two words\n"					\
	"to = /t\n"
/*
 * Regex rules and PCRE2's limits (match.c): a legitimate pattern on the
 * longest paths (past PCRE2's default JIT stack from 1,027 bytes on), a
 * catastrophic one (its match limit: 500, not a miss that [after] would
 * answer), ordinary ones.
 */
#define REGEX_INI							\
	"[z]\n"								\
	"regex = ^/z/([a-z]|-)*$\n"					\
	"to = /zz\n"							\
	"[q]\n"				/* 4 */				\
	"regex = ^/q/(%22|-)*$\n"					\
	"to = /qq\n"							\
	"[x]\n"				/* 7 */				\
	"regex = ^/x/(.*a){12}$\n"					\
	"to = /found\n"							\
	"[item]\n"			/* 10 */			\
	"regex = ^/item/([0-9]+)$\n"					\
	"to = /i/$1\n"							\
	"[r]\n"				/* 13 */			\
	"regex = ^/r/(.*)$\n"						\
	"to = /rr/$1\n"							\
	"[after]\n"			/* 16 */			\
	"prefix = /x\n"							\
	"to = /after\n"
#define NO_RULES	NULL	/* the rule file did not load */

#define ENV_MAX		6

struct handle_row {
	const char	*ini;		/* NULL: rs is NULL */
	const char	*env[ENV_MAX];
	int		 status;
	const char	*location;	/* NULL: none */
	const char	*rule;		/* the deciding rule's name or NULL */
	int		 head;
	const char	*headers;	/* between Location and Content-Type */
};

/* A row of the limits: its response buffer, what must have gone wrong. */
struct limit_row {
	struct handle_row	 row;
	size_t			 cap;		/* 0: RESPONSE_MAX */
	int			 regex_error;	/* PCRE2 fails on the rule */
};

#define HOST_W		"HTTP_HOST=www.example.re"

/* A URI one byte over the limit, filled in by the test. */
static char	uri_over[sizeof("REQUEST_URI=") + URI_MAX + 1];
/*
 * URIs of URI_MAX bytes, filled in by the test: "/z/aaa...", and "/q/"""..."
 * whose '"' become %22 (a normalized path of 49,143 bytes).  "/x/a...ab",
 * short: the catastrophic pattern reaches PCRE2's match limit at once.
 */
static char	uri_z[sizeof("REQUEST_URI=") + URI_MAX];
static char	uri_q[sizeof("REQUEST_URI=") + URI_MAX];
#define URI_X	"REQUEST_URI=/x/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"

static const struct handle_row handle_rows[] = {
	{ HANDLE_INI, { "REQUEST_METHOD=GET", HOST_W,
	    "REQUEST_URI=/news.html", NULL }, 307,
	    "http://www.example.re/breaking/news.html", "news", 0,
	    "Cache-Control: max-age=600\r\nX-From: fcgi-redirect\r\n" },
	{ HANDLE_INI, { "REQUEST_METHOD=POST", HOST_W,
	    "REQUEST_URI=/news.html?id=1", NULL }, 307,
	    "http://www.example.re/breaking/news.html?id=1", "news", 0,
	    "Cache-Control: max-age=600\r\nX-From: fcgi-redirect\r\n" },
	/* HEAD: headers only.  Inherited headers first, then the rule's. */
	{ HANDLE_INI, { "REQUEST_METHOD=HEAD", HOST_W,
	    "REQUEST_URI=/perm?x=1", NULL }, 308, "/new?a=1&b=2&x=1", "perm",
	    1, "Cache-Control: max-age=600\r\nX-From: fcgi-redirect\r\n"
	    "X-Robots-Tag: noindex\r\n" },
	{ HANDLE_INI, { "REQUEST_METHOD=GET", "HTTP_HOST=Shop.Example.RE:80",
	    "REQUEST_URI=/x/y?z", NULL }, 307,
	    "https://shop.example.re/sale/x/y?z", "sale", 0,
	    "Cache-Control: max-age=600\r\nX-From: fcgi-redirect\r\n" },
	/* No match: the fallback. */
	{ HANDLE_INI, { "REQUEST_METHOD=GET", HOST_W, "REQUEST_URI=/missing",
	    NULL }, 404, NULL, NULL, 0, NULL },
	{ HANDLE_INI, { "REQUEST_METHOD=HEAD", HOST_W, "REQUEST_URI=/missing",
	    NULL }, 404, NULL, NULL, 1, NULL },
	{ GONE_INI, { "REQUEST_METHOD=GET", HOST_W, "REQUEST_URI=/x", NULL },
	    410, NULL, NULL, 0, NULL },
	{ FALLBACK_INI, { "REQUEST_METHOD=GET", HOST_W,
	    "REQUEST_URI=/anything?q=1", NULL }, 302,
	    "https://www.example.re/?q=1", "(fallback)", 0, "" },
	{ FALLBACK_INI, { "REQUEST_METHOD=GET", HOST_W,
	    "REQUEST_URI=/a", NULL }, 302, "/b", "a", 0, "" },
	/* A rule's own headers, in file order, after Cache-Control. */
	{ HEADERS_INI, { "REQUEST_METHOD=GET", HOST_W, "REQUEST_URI=/h?q",
	    NULL }, 307, "/t?q", "h", 0, "Cache-Control: no-store\r\n"
	    "X-One: 1\r\nX-Two: two words\r\n" },
	/* The request refused. */
	{ HANDLE_INI, { "REQUEST_METHOD=GET", "HTTP_HOST=bad host",
	    "REQUEST_URI=/news.html", NULL }, 400, NULL, NULL, 0, NULL },
	{ HANDLE_INI, { "REQUEST_METHOD=HEAD", "HTTP_HOST=bad host",
	    "REQUEST_URI=/news.html", NULL }, 400, NULL, NULL, 1, NULL },
	{ HANDLE_INI, { "REQUEST_METHOD=GET", HOST_W,
	    "REQUEST_URI=/news%zz.html", NULL }, 400, NULL, NULL, 0, NULL },
	{ HANDLE_INI, { "REQUEST_METHOD=G(E)T", HOST_W,
	    "REQUEST_URI=/news.html", NULL }, 400, NULL, NULL, 0, NULL },
	{ HANDLE_INI, { "REQUEST_METHOD=GET", HOST_W, uri_over, NULL },
	    414, NULL, NULL, 0, NULL },
	/* No Host: a host condition does not hold. */
	{ HANDLE_INI, { "REQUEST_METHOD=GET", "REQUEST_URI=/x", NULL },
	    404, NULL, NULL, 0, NULL },
	/* No rule set: 503, whatever the request. */
	{ NO_RULES, { "REQUEST_METHOD=GET", HOST_W, "REQUEST_URI=/news.html",
	    NULL }, 503, NULL, NULL, 0, NULL },
	{ NO_RULES, { "REQUEST_METHOD=HEAD", HOST_W, "REQUEST_URI=/", NULL },
	    503, NULL, NULL, 1, NULL },
	{ NO_RULES, { "REQUEST_METHOD=GET", "HTTP_HOST=bad host",
	    "REQUEST_URI=/%zz", NULL }, 503, NULL, NULL, 0, NULL },
	/*
	 * HEAD is the request's method, REDIRECT_REQUEST_METHOD under an
	 * Apache ErrorDocument: no body then, whatever REQUEST_METHOD says.
	 */
	{ HANDLE_INI, { "REQUEST_METHOD=GET", "REDIRECT_REQUEST_METHOD=HEAD",
	    HOST_W, "REQUEST_URI=/perm", NULL }, 308, "/new?a=1&b=2", "perm",
	    1, "Cache-Control: max-age=600\r\nX-From: fcgi-redirect\r\n"
	    "X-Robots-Tag: noindex\r\n" },
	{ HANDLE_INI, { "REQUEST_METHOD=HEAD", "REDIRECT_REQUEST_METHOD=GET",
	    HOST_W, "REQUEST_URI=/missing", NULL }, 404, NULL, NULL, 0, NULL },
};

static const struct limit_row limit_rows[] = {
	/* PCRE2's limits: the longest paths match, a failure is a 500. */
	{ { REGEX_INI, { "REQUEST_METHOD=GET", HOST_W, uri_z, NULL }, 307,
	    "/zz", "z", 0, "" }, 0, 0 },
	{ { REGEX_INI, { "REQUEST_METHOD=GET", HOST_W, uri_q, NULL }, 307,
	    "/qq", "q", 0, "" }, 0, 0 },
	{ { REGEX_INI, { "REQUEST_METHOD=GET", HOST_W, URI_X, NULL }, 500,
	    NULL, "x", 0, NULL }, 0, 1 },
	{ { REGEX_INI, { "REQUEST_METHOD=HEAD", HOST_W, URI_X, NULL }, 500,
	    NULL, "x", 1, NULL }, 0, 1 },
	{ { REGEX_INI, { "REQUEST_METHOD=GET", HOST_W,
	    "REQUEST_URI=/x/aaaaaaaaaaaaa", NULL }, 307, "/found", "x", 0,
	    "" }, 0, 0 },
	{ { REGEX_INI, { "REQUEST_METHOD=GET", HOST_W, "REQUEST_URI=/x/b",
	    NULL }, 307, "/after/b", "after", 0, "" }, 0, 0 },
	{ { REGEX_INI, { "REQUEST_METHOD=GET", HOST_W,
	    "REQUEST_URI=/item/42", NULL }, 307, "/i/42", "item", 0, "" },
	    0, 0 },
	{ { REGEX_INI, { "REQUEST_METHOD=GET", HOST_W,
	    "REQUEST_URI=/item/4a", NULL }, 404, NULL, NULL, 0, NULL }, 0, 0 },
	{ { REGEX_INI, { "REQUEST_METHOD=GET", HOST_W, "REQUEST_URI=/r/a/b",
	    NULL }, 307, "/rr/a/b", "r", 0, "" }, 0, 0 },
	/*
	 * An answer that does not fit its buffer: a whole 500 instead, the
	 * rule kept for the log.  The buffers hold the 500 but not the
	 * redirect.
	 */
	{ { HEADERS_INI, { "REQUEST_METHOD=HEAD", HOST_W, "REQUEST_URI=/h",
	    NULL }, 500, NULL, "h", 1, NULL }, 150, 0 },
	{ { HEADERS_INI, { "REQUEST_METHOD=GET", HOST_W, "REQUEST_URI=/h",
	    NULL }, 500, NULL, "h", 0, NULL }, 340, 0 },
	/* Just enough for the redirect: no 500. */
	{ { HEADERS_INI, { "REQUEST_METHOD=HEAD", HOST_W, "REQUEST_URI=/h",
	    NULL }, 307, "/t", "h", 1, "Cache-Control: no-store\r\n"
	    "X-One: 1\r\nX-Two: two words\r\n" }, 175, 0 },
};

static struct decision	dec;	/* LOCATION_MAX bytes: not on the stack */

/* Load a rule file from text, or NULL for NO_RULES. */
static struct ruleset *
handle_load(const char *ini, int *failed)
{
	struct ruleset	*rs;
	struct diag	 d;
	FILE		*f;
	char		*msgs = NULL;
	size_t		 msgs_len = 0;

	*failed = 0;
	if (ini == NULL)
		return NULL;
	/* Messages go to memory, and to stderr only when the load fails. */
	if ((f = open_memstream(&msgs, &msgs_len)) == NULL) {
		*failed = 1;
		return NULL;
	}
	diag_init(&d, f, "handle.ini");
	rs = ini_load_buffer("handle.ini", ini, strlen(ini), &d);
	fclose(f);
	if (rs == NULL) {
		fprintf(stderr, "\n%s", msgs);
		*failed = 1;
	}
	free(msgs);
	return rs;
}

/* The expected header block of a row, into out; 0 or -1 (too long). */
static int
handle_headers(const struct handle_row *r, size_t body_len, char *out,
    size_t len)
{
	int	 n;

	if (r->location != NULL)
		n = snprintf(out, len, "Status: %d %s\r\nLocation: %s\r\n%s"
		    "Content-Type: text/html; charset=utf-8\r\n"
		    "Content-Length: %zu\r\n\r\n", r->status,
		    response_reason(r->status), r->location, r->headers,
		    body_len);
	else
		n = snprintf(out, len, "Status: %d %s\r\n"
		    "Content-Type: text/html; charset=utf-8\r\n"
		    "Content-Length: %zu\r\n\r\n", r->status,
		    response_reason(r->status), body_len);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/*
 * One row: load, decide, respond, compare.  Returns 1 when the row holds.
 * It runs in a child process (see test_handle), so it reports on stderr
 * and does not assert.
 */
static int
handle_row(const struct handle_row *r, size_t i, size_t cap, int regex_error)
{
	struct match_scratch	*sc;
	struct ruleset		*rs;
	struct buf		 b;
	char			 want[1024];
	size_t			 k, hlen, body_len;
	int			 failed, ok;

	rs = handle_load(r->ini, &failed);
	if (failed) {
		fprintf(stderr, "\nhandle row %zu: rules do not load\n", i);
		return 0;
	}
	if ((sc = match_scratch_new()) == NULL) {
		ruleset_free(rs);
		return 0;
	}
	memset(&dec, 0, sizeof(dec));
	handle_decide(rs, (char **)r->env, 1700000000, sc, &dec);
	buf_init(&b, resp, cap != 0 ? cap : sizeof(resp));
	handle_respond(&dec, &b);

	ok = !b.overflow && dec.status == r->status && dec.head == r->head &&
	    (dec.regex_error != 0) == regex_error &&
	    dec.too_large == (cap != 0 && r->status == 500) &&
	    (r->location == NULL ? dec.location_len == 0 :
	    dec.location_len == strlen(r->location) &&
	    strcmp(dec.location, r->location) == 0) &&
	    (r->rule == NULL ? dec.rule == NULL :
	    dec.rule != NULL && strcmp(dec.rule->name, r->rule) == 0) &&
	    check_shape("handle", i, b.data, b.len, r->status, r->head,
	    &hlen, &body_len) == 0 &&
	    handle_headers(r, body_len, want, sizeof(want)) == 0 &&
	    hlen == strlen(want) && memcmp(b.data, want, hlen) == 0;
	/* A 503 tells the client nothing about files or parsing. */
	if (r->status == 503 && (memmem(b.data, b.len, ".ini", 4) ||
	    memmem(b.data, b.len, "/etc", 4) ||
	    memmem(b.data, b.len, "line", 4) ||
	    memmem(b.data, b.len, "error", 5)))
		ok = 0;
	/* No error echoes request data. */
	if (r->location == NULL && (memmem(b.data, b.len, "bad host", 8) ||
	    memmem(b.data, b.len, "news", 4) ||
	    memmem(b.data, b.len, "missing", 7)))
		ok = 0;
	if (!ok) {
		fprintf(stderr, "\nhandle row %zu:", i);
		for (k = 0; r->env[k] != NULL; k++)
			fprintf(stderr, " %.60s", r->env[k]);
		fprintf(stderr, "\n  got %d head %d regex error %d too large "
		    "%d rule %s location %.60s, want %d head %d rule %s "
		    "location %s\n  ", dec.status, dec.head, dec.regex_error,
		    dec.too_large, dec.rule ? dec.rule->name : "none",
		    dec.location, r->status, r->head,
		    r->rule ? r->rule : "none",
		    r->location ? r->location : "none");
		unit_print_bytes(b.data, b.len, 1);
	}
	match_scratch_free(sc);
	ruleset_free(rs);
	return ok;
}

/* The generated URIs of the tables above. */
static void
handle_uris(void)
{
	size_t	 v = strlen("REQUEST_URI=");

	memcpy(uri_over, "REQUEST_URI=", v);
	uri_over[v] = '/';
	memset(uri_over + v + 1, 'a', URI_MAX);
	uri_over[v + URI_MAX + 1] = '\0';
	memcpy(uri_z, "REQUEST_URI=/z/", v + 3);
	memset(uri_z + v + 3, 'a', URI_MAX - 3);
	uri_z[v + URI_MAX] = '\0';
	memcpy(uri_q, "REQUEST_URI=/q/", v + 3);
	memset(uri_q + v + 3, '"', URI_MAX - 3);
	uri_q[v + URI_MAX] = '\0';
}

/*
 * Run handle_row() in a child process, so that a row that crashes fails
 * itself and not every suite after this one.
 */
static void
handle_row_forked(const struct handle_row *r, size_t i, size_t cap,
    int regex_error)
{
	pid_t	 pid;
	int	 status;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1) {
		CU_FAIL("fork");
		return;
	}
	if (pid == 0)
		_exit(handle_row(r, i, cap, regex_error) ? 0 : 1);
	if (waitpid(pid, &status, 0) == -1) {
		CU_FAIL("waitpid");
		return;
	}
	if (WIFSIGNALED(status))
		fprintf(stderr, "\nhandle row %zu: crashed (signal %d)\n", i,
		    WTERMSIG(status));
	CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void
test_handle(void)
{
	size_t	 i;

	handle_uris();
	for (i = 0; i < nitems(handle_rows); i++)
		handle_row_forked(&handle_rows[i], i, 0, 0);
}

/* The limit rows are numbered after the handle rows in reports. */
static void
test_handle_limits(void)
{
	size_t	 i;

	handle_uris();
	for (i = 0; i < nitems(limit_rows); i++)
		handle_row_forked(&limit_rows[i].row, nitems(handle_rows) + i,
		    limit_rows[i].cap, limit_rows[i].regex_error);
}

int
test_response_register(void)
{
	static const struct unit_test tests[] = {
		{ "exact bytes", test_response_exact },
		{ "locations", test_response_locations },
		{ "reason phrases", test_response_reasons },
		{ "errors", test_response_errors },
		{ "overflow", test_response_overflow },
		{ "handle", test_handle },
		{ "handle: PCRE2 limits, answers too large", test_handle_limits },
	};

	return unit_add_suite("response", tests, nitems(tests));
}
