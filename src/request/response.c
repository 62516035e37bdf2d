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

/* The HTML note: NOTE_1 status reason NOTE_2 reason NOTE_3 ... NOTE_END. */
#define NOTE_1		"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">" \
			"<title>"
#define NOTE_2		"</title></head>\n<body><h1>"
#define NOTE_3		"</h1>\n"
#define NOTE_MOVED	"<p>This page has moved <a href=\""
#define NOTE_MOVED_END	"\">here</a>.</p>\n"
#define NOTE_END	"</body></html>\n"
#define LIT(s)		s, sizeof(s) - 1

/*
 * The codes we send (RFC 9110 §15), with their status line and the head of
 * their HTML note made at compile time: a response is a few appends.
 */
struct status {
	int		 code;
	const char	*reason;
	const char	*line;		/* "Status: 307 Temporary Redirect\r\n" */
	size_t		 line_len;
	const char	*note;		/* the HTML note up to its text */
	size_t		 note_len;
};

#define STATUS(code, reason) { code, reason,				\
	LIT("Status: " #code " " reason "\r\n"),				\
	LIT(NOTE_1 #code " " reason NOTE_2 reason NOTE_3) }

static const struct status statuses[] = {
	STATUS(301, "Moved Permanently"),
	STATUS(302, "Found"),
	STATUS(303, "See Other"),
	STATUS(307, "Temporary Redirect"),
	STATUS(308, "Permanent Redirect"),
	STATUS(400, "Bad Request"),
	STATUS(404, "Not Found"),
	STATUS(410, "Gone"),
	STATUS(414, "URI Too Long"),
	STATUS(500, "Internal Server Error"),
	STATUS(503, "Service Unavailable"),
};

/* The entry of a code; an unknown code answers as 500. */
static const struct status *
status_of(int code)
{
	size_t	 i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].code == code)
			return &statuses[i];
	return status_of(500);
}

/* The reason phrase of the codes we send (RFC 9110 §15). */
const char *
response_reason(int status)
{
	return status_of(status)->reason;
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

/* The HTML entity of the five bytes that need one, by byte. */
static const char *const html_entities[256] = {
	['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;",
	['\''] = "&#39;",
};

/*
 * Append s HTML-escaped, copying the runs between special bytes whole
 * (strcspn finds them: most Locations are one run); with out NULL, only
 * return the escaped length.
 */
static size_t
html_escape(struct buf *out, const char *s)
{
	const char	*e;
	size_t		 n = 0, run;

	for (;;) {
		run = strcspn(s, "&<>\"'");
		if (out != NULL)
			buf_add(out, s, run);
		n += run;
		s += run;
		if (*s == '\0')
			return n;
		e = html_entities[(unsigned char)*s++];
		if (out != NULL)
			buf_adds(out, e);
		n += strlen(e);
	}
}

/* "Content-Type: ...\r\nContent-Length: N\r\n\r\n" */
static void
content_headers(struct buf *out, size_t length)
{
	buf_add(out, LIT("Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: "));
	buf_add_uint(out, length);
	buf_add(out, LIT("\r\n\r\n"));
}

/*
 * A redirect: status (301..308) to location, with the options' Cache-Control
 * and extra headers.  `head`: no body.  Overflow is marked on out.
 */
void
response_redirect(struct buf *out, int status, const char *location,
    const struct rule_opts *o, int head)
{
	const struct status	*st = status_of(status);
	size_t			 i, body;

	body = st->note_len + sizeof(NOTE_MOVED) - 1 +
	    html_escape(NULL, location) + sizeof(NOTE_MOVED_END NOTE_END) - 1;
	buf_add(out, st->line, st->line_len);
	buf_add(out, LIT("Location: "));
	buf_adds(out, location);
	buf_add(out, LIT("\r\n"));
	if (o->cache != NULL) {
		buf_add(out, LIT("Cache-Control: "));
		buf_adds(out, o->cache);
		buf_add(out, LIT("\r\n"));
	}
	for (i = 0; i < o->nheaders; i++) {
		buf_adds(out, o->headers[i]);
		buf_add(out, LIT("\r\n"));
	}
	content_headers(out, body);
	if (head)
		return;
	buf_add(out, st->note, st->note_len);
	buf_add(out, LIT(NOTE_MOVED));
	html_escape(out, location);
	buf_add(out, LIT(NOTE_MOVED_END NOTE_END));
}

/* An error or fallback answer: 400, 404, 410, 414, 503.  `head`: no body. */
void
response_error(struct buf *out, int status, int head)
{
	const struct status	*st = status_of(status);
	const char		*text = response_text(st->code);
	size_t			 body;

	body = st->note_len + 3 + strlen(text) + 5 + sizeof(NOTE_END) - 1;
	buf_add(out, st->line, st->line_len);
	content_headers(out, body);
	if (head)
		return;
	buf_add(out, st->note, st->note_len);
	buf_add(out, LIT("<p>"));
	buf_adds(out, text);
	buf_add(out, LIT("</p>\n" NOTE_END));
}
