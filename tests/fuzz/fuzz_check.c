/*
 * fuzz_check.c: what every answer must look like, checked byte by byte.
 *
 * An answer is a CGI response (RFC 3875 §6): header lines "Name: value"
 * ending in CRLF, an empty line, then the body.  Checked here:
 *  - the first line is "Status: NNN Reason";
 *  - every header line is "Name: value" (the space is optional, RFC 9110
 *    §5.2; a rule file's `header = X-A:b` is sent as written), its name an
 *    RFC 9110 token and its value free of CR, LF, NUL and other control
 *    bytes (HTAB aside): no header injection;
 *  - the headers end with "\r\n\r\n" and there is no NUL anywhere;
 *  - exactly one Content-Type and one Content-Length; Content-Length is the
 *    body's length, or for HEAD the length of a body that is not sent;
 *  - a Location exactly for 301, 302, 303, 307 and 308, made of URI
 *    characters with well-formed %XX escapes; a relative one starts with a
 *    single '/' (never "//" or "/\", another site), an absolute one is
 *    http(s) to an authority the harness allows, never with user
 *    information; the body links it HTML-escaped;
 *  - without a Location, the status is one of the error answers.
 * Any violation ends in fuzz_fail(), that is abort().
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"

void
fuzz_fail(const char *why, const char *resp, size_t len)
{
	size_t	 i;

	fprintf(stderr, "fuzz: malformed answer: %s\n--- answer (%zu bytes):\n",
	    why, len);
	for (i = 0; i < len && i < 4096; i++) {
		unsigned char c = (unsigned char)resp[i];

		if (c == '\n')
			fputs("\\n\n", stderr);
		else if (c == '\r')
			fputs("\\r", stderr);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(stderr, "\\x%02x", c);
		else
			fputc(c, stderr);
	}
	fputs("\n---\n", stderr);
	abort();
}

/* RFC 9110 §5.6.2 tchar. */
static int
is_tchar(unsigned char c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* RFC 3986 characters: unreserved, reserved and '%'. */
static int
is_uri_char(unsigned char c)
{
	return isalnum(c) ||
	    (c != '\0' && strchr("-._~:/?#[]@!$&'()*+,;=%", c) != NULL);
}

/* The host part of a Host value: no port, no trailing dot. */
static size_t
host_part(const char *h)
{
	size_t	 n;

	if (h[0] == '[') {
		const char *close = strchr(h, ']');

		return close != NULL ? (size_t)(close - h) + 1 : strlen(h);
	}
	n = strcspn(h, ":");
	if (n > 1 && h[n - 1] == '.')
		n--;
	return n;
}

/* Does the authority a[0..n) match the allowed entry `allow`? */
static int
authority_allowed(const char *a, size_t n, const char *allow,
    const struct fuzz_expect *e)
{
	const char	*suffix, *h;
	size_t		 hn, sn, k;

	if (strncmp(allow, "${host}", 7) != 0)
		return strlen(allow) == n && memcmp(allow, a, n) == 0;
	suffix = allow + 7;
	sn = strlen(suffix);
	if (n < sn || memcmp(a + n - sn, suffix, sn) != 0)
		return 0;
	n -= sn;
	for (k = 0; k < 2; k++) {
		if ((h = e->req_host[k]) == NULL)
			continue;
		hn = host_part(h);
		if (hn == n && n > 0 && strncasecmp(h, a, n) == 0)
			return 1;
	}
	return 0;
}

static void
check_location(const char *loc, size_t n, const struct fuzz_expect *e,
    const char *resp, size_t len)
{
	const char	*auth;
	size_t		 i, an;

	if (n == 0)
		fuzz_fail("empty Location", resp, len);
	for (i = 0; i < n; i++) {
		if (!is_uri_char((unsigned char)loc[i]))
			fuzz_fail("Location has a byte outside the URI set",
			    resp, len);
		if (loc[i] == '%' && (i + 2 >= n ||
		    !isxdigit((unsigned char)loc[i + 1]) ||
		    !isxdigit((unsigned char)loc[i + 2])))
			fuzz_fail("Location has a bare '%'", resp, len);
	}
	if (loc[0] == '/') {
		if (n > 1 && (loc[1] == '/' || loc[1] == '\\'))
			fuzz_fail("relative Location starts with // or /\\",
			    resp, len);
		return;
	}
	if (n > 7 && strncmp(loc, "http://", 7) == 0)
		auth = loc + 7;
	else if (n > 8 && strncmp(loc, "https://", 8) == 0)
		auth = loc + 8;
	else
		fuzz_fail("Location is neither /path nor http(s)://", resp, len);
	for (an = 0; auth + an < loc + n && strchr("/?#", auth[an]) == NULL;
	    an++)
		continue;
	if (an == 0)
		fuzz_fail("absolute Location without a host", resp, len);
	if (memchr(auth, '@', an) != NULL)
		fuzz_fail("Location has user information", resp, len);
	if (e->hosts == NULL)
		return;
	for (i = 0; e->hosts[i] != NULL; i++)
		if (authority_allowed(auth, an, e->hosts[i], e))
			return;
	fuzz_fail("Location names a host the rules do not", resp, len);
}

/* Does the body contain href="LOCATION", HTML-escaped? */
static int
body_links(const char *body, size_t blen, const char *loc, size_t n)
{
	char	*want, *w;
	size_t	 i;
	int	 found;

	if ((want = malloc(6 * n + 16)) == NULL)
		abort();
	w = want;
	w += sprintf(w, "href=\"");
	for (i = 0; i < n; i++)
		switch (loc[i]) {
		case '&':  w += sprintf(w, "&amp;"); break;
		case '<':  w += sprintf(w, "&lt;"); break;
		case '>':  w += sprintf(w, "&gt;"); break;
		case '"':  w += sprintf(w, "&quot;"); break;
		case '\'': w += sprintf(w, "&#39;"); break;
		default:   *w++ = loc[i]; break;
		}
	*w++ = '"';
	found = memmem(body, blen, want, (size_t)(w - want)) != NULL;
	free(want);
	return found;
}

void
fuzz_check_response(const char *resp, size_t len, const struct fuzz_expect *e)
{
	const char	*p = resp, *end = resp + len, *eol, *colon, *v;
	const char	*loc = NULL, *body;
	size_t		 loc_len = 0, blen, i;
	unsigned long	 clen = 0;
	int		 status = 0, nstatus = 0, nloc = 0, ntype = 0, nlen = 0;

	if (len == 0)
		fuzz_fail("empty answer", resp, len);
	if (memchr(resp, '\0', len) != NULL)
		fuzz_fail("NUL byte in the answer", resp, len);
	if (len < 13 || strncmp(resp, "Status: ", 8) != 0 ||
	    !isdigit((unsigned char)resp[8]) ||
	    !isdigit((unsigned char)resp[9]) ||
	    !isdigit((unsigned char)resp[10]) || resp[11] != ' ' ||
	    resp[12] == '\r')
		fuzz_fail("does not start with \"Status: NNN Reason\"", resp,
		    len);

	for (;;) {
		if (p >= end)
			fuzz_fail("headers do not end with an empty line",
			    resp, len);
		eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (eol == NULL)
			fuzz_fail("header line without CRLF", resp, len);
		if (eol == p)
			break;
		for (colon = p; colon < eol && is_tchar((unsigned char)*colon);
		    colon++)
			continue;
		if (colon == p || colon == eol || *colon != ':')
			fuzz_fail("not a \"Name: value\" line", resp, len);
		for (v = colon + 1; v < eol; v++)
			if (((unsigned char)*v < 0x20 && *v != '\t') ||
			    *v == 0x7f)
				fuzz_fail("control byte (CR, LF...) in a "
				    "header value", resp, len);
		/* RFC 9110 §5.2: the space after ':' is optional (OWS). */
		for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
			continue;
		if ((size_t)(colon - p) == 6 &&
		    strncasecmp(p, "Status", 6) == 0) {
			nstatus++;
			status = atoi(v);
		} else if ((size_t)(colon - p) == 8 &&
		    strncasecmp(p, "Location", 8) == 0) {
			nloc++;
			loc = v;
			loc_len = (size_t)(eol - v);
		} else if ((size_t)(colon - p) == 12 &&
		    strncasecmp(p, "Content-Type", 12) == 0)
			ntype++;
		else if ((size_t)(colon - p) == 14 &&
		    strncasecmp(p, "Content-Length", 14) == 0) {
			nlen++;
			for (clen = 0, i = 0; v + i < eol; i++) {
				if (!isdigit((unsigned char)v[i]) || i > 9)
					fuzz_fail("Content-Length is not a "
					    "number", resp, len);
				clen = clen * 10 + (unsigned long)(v[i] - '0');
			}
		}
		p = eol + 2;
	}
	body = p + 2;
	blen = (size_t)(end - body);

	if (nstatus != 1 || ntype != 1 || nlen != 1 || nloc > 1)
		fuzz_fail("Status, Content-Type or Content-Length missing or "
		    "repeated, or two Locations", resp, len);
	if (e->head) {
		if (blen != 0)
			fuzz_fail("HEAD answered with a body", resp, len);
		if (clen == 0)
			fuzz_fail("HEAD with Content-Length 0", resp, len);
	} else if (clen != blen)
		fuzz_fail("Content-Length is not the body's length", resp, len);

	switch (status) {
	case 301: case 302: case 303: case 307: case 308:
		if (loc == NULL)
			fuzz_fail("redirect without a Location", resp, len);
		check_location(loc, loc_len, e, resp, len);
		if (!e->head && !body_links(body, blen, loc, loc_len))
			fuzz_fail("the body does not link the Location",
			    resp, len);
		break;
	case 400: case 404: case 410: case 414: case 500: case 503:
		if (loc != NULL)
			fuzz_fail("a Location on an error answer", resp, len);
		break;
	default:
		fuzz_fail("unexpected status code", resp, len);
	}
}
