/*
 * floor.c: the floor of `make bench`, the cheapest FastCGI responder there
 * is.  It answers every request with one fixed 307 and no rules, through
 * libfcgi's fcgiapp as fcgi-redirect does, so what it costs is FastCGI
 * itself (the server's side and libfcgi's): no responder that sends the
 * same answer can be faster behind the same server.  The answer has the
 * shape of fcgi-redirect's (src/request/response.c): the same headers and an HTML
 * note of the same length for a Location of the same length as the
 * benchmark's (/new/N), so that the two differ only in the work of
 * deciding it.  It listens on fd 0, as lighttpd (bin-path), mod_fcgid and
 * spawn-fcgi hand it, and never reads the request body.
 */
#include <stdio.h>
#include <string.h>

#include <fcgiapp.h>

#define FLOOR_LOCATION	"/new/floor"
#define FLOOR_NOTE \
	"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">" \
	"<title>307 Temporary Redirect</title></head>\n" \
	"<body><h1>Temporary Redirect</h1>\n" \
	"<p>This page has moved <a href=\"" FLOOR_LOCATION "\">here</a>.</p>\n" \
	"</body></html>\n"

int
main(void)
{
	FCGX_Request	 req;
	char		 answer[1024];
	int		 n;

	/* Made once: the answer is the same for every request. */
	n = snprintf(answer, sizeof(answer),
	    "Status: 307 Temporary Redirect\r\n"
	    "Location: " FLOOR_LOCATION "\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: %zu\r\n"
	    "\r\n%s", strlen(FLOOR_NOTE), FLOOR_NOTE);
	if (n < 0 || (size_t)n >= sizeof(answer) || FCGX_Init() != 0 ||
	    FCGX_InitRequest(&req, 0, 0) != 0) {
		fprintf(stderr, "floor: cannot initialise libfcgi\n");
		return 1;
	}
	while (FCGX_Accept_r(&req) >= 0) {
		FCGX_PutStr(answer, n, req.out);
		FCGX_Finish_r(&req);
	}
	return 0;
}
