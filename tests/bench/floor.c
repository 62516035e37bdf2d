/*
 * floor.c: the floor of `make bench`, the cheapest FastCGI responder there
 * is.  It answers every request with one fixed 307 and no rules, through
 * libfcgi's fcgiapp as fcgi-redirect does, so what it costs is FastCGI
 * itself (the server's side and libfcgi's): no responder can be faster
 * behind the same server.  It listens on fd 0, as lighttpd (bin-path),
 * mod_fcgid and spawn-fcgi hand it, and never reads the request body.
 */
#include <stdio.h>

#include <fcgiapp.h>

#define FLOOR_ANSWER \
	"Status: 307 Temporary Redirect\r\n" \
	"Location: /new/floor\r\n" \
	"Content-Length: 0\r\n" \
	"\r\n"

int
main(void)
{
	FCGX_Request	 req;

	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0) {
		fprintf(stderr, "floor: cannot initialise libfcgi\n");
		return 1;
	}
	while (FCGX_Accept_r(&req) >= 0) {
		FCGX_PutStr(FLOOR_ANSWER, (int)sizeof(FLOOR_ANSWER) - 1,
		    req.out);
		FCGX_Finish_r(&req);
	}
	return 0;
}
