/*
 * response.c: the status line, headers and HTML note of an answer.
 *
 * The status is always explicit (a bare Location would make Apache turn the
 * request into an internal GET redirect or a 302).  The HTML note names the
 * Location, HTML-escaped, so a client that does not follow redirects can;
 * no other request data is ever echoed.  HEAD gets the same headers and no
 * body (RFC 9110 §9.3.2).  Header lines end in CRLF, which RFC 3875 allows.
 */
#include <string.h>

#include "fcgi-redirect.h"

/* The reason phrase of the codes we send (RFC 9110 §15). */
const char *
response_reason(int status)
{
	switch (status) {
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 410: return "Gone";
	case 414: return "URI Too Long";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default:  return "Unknown";
	}
}

/* What each code says to a person, in the HTML note. */
static const char *
response_text(int status)
{
	switch (status) {
	case 400: return "The request is malformed.";
	case 404: return "There is nothing at this address.";
	case 410: return "This address is gone for good.";
	case 414: return "The request address is too long.";
	case 503: return "The redirect rules are unavailable; try again later.";
	default:  return "The server cannot answer this request.";
	}
}

static const char *
html_entity(char c)
{
	switch (c) {
	case '&':  return "&amp;";
	case '<':  return "&lt;";
	case '>':  return "&gt;";
	case '"':  return "&quot;";
	case '\'': return "&#39;";
	default:   return NULL;
	}
}

/* Append s HTML-escaped; with out NULL, only return the escaped length. */
static size_t
html_escape(struct buf *out, const char *s)
{
	const char	*e;
	size_t		 n = 0;

	for (; *s != '\0'; s++) {
		e = html_entity(*s);
		n += e != NULL ? strlen(e) : 1;
		if (out == NULL)
			continue;
		if (e != NULL)
			buf_adds(out, e);
		else
			buf_addc(out, *s);
	}
	return n;
}

#define NOTE_HEAD	"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">" \
			"<title>%d %s</title></head>\n<body><h1>%s</h1>\n"
#define NOTE_MOVED	"<p>This page has moved <a href=\""
#define NOTE_MOVED_END	"\">here</a>.</p>\n"
#define NOTE_END	"</body></html>\n"

/*
 * A redirect: status (301..308) to location, with the options' Cache-Control
 * and extra headers.  `head`: no body.  Overflow is marked on out.
 */
void
response_redirect(struct buf *out, int status, const char *location,
    const struct rule_opts *o, int head)
{
	const char	*reason = response_reason(status);
	char		 top[256];
	size_t		 i, body;
	int		 n;

	n = snprintf(top, sizeof(top), NOTE_HEAD, status, reason, reason);
	if (n < 0 || (size_t)n >= sizeof(top)) {
		out->overflow = 1;
		return;
	}
	body = (size_t)n + strlen(NOTE_MOVED) + html_escape(NULL, location) +
	    strlen(NOTE_MOVED_END) + strlen(NOTE_END);

	buf_printf(out, "Status: %d %s\r\nLocation: ", status, reason);
	buf_adds(out, location);
	buf_adds(out, "\r\n");
	if (o->cache != NULL)
		buf_printf(out, "Cache-Control: %s\r\n", o->cache);
	for (i = 0; i < o->nheaders; i++)
		buf_printf(out, "%s\r\n", o->headers[i]);
	buf_printf(out, "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: %zu\r\n\r\n", body);
	if (head)
		return;
	buf_adds(out, top);
	buf_adds(out, NOTE_MOVED);
	html_escape(out, location);
	buf_adds(out, NOTE_MOVED_END);
	buf_adds(out, NOTE_END);
}

/* An error or fallback answer: 400, 404, 410, 414, 503.  `head`: no body. */
void
response_error(struct buf *out, int status, int head)
{
	const char	*reason = response_reason(status);
	char		 body[512];
	int		 n;

	n = snprintf(body, sizeof(body), NOTE_HEAD "<p>%s</p>\n" NOTE_END,
	    status, reason, reason, response_text(status));
	if (n < 0 || (size_t)n >= sizeof(body)) {
		out->overflow = 1;
		return;
	}
	buf_printf(out, "Status: %d %s\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: %d\r\n\r\n", status, reason, n);
	if (!head)
		buf_add(out, body, (size_t)n);
}
