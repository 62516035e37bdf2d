/*
 * fuzz_records.c: any bytes as what a peer sends on a FastCGI connection.
 *
 * guard.c decides whether libfcgi may read a connection.  Its promise is
 * that what it passes is a strict subset of what libfcgi 2.4 accepts, and
 * reads to the same byte, so that no peer can make libfcgi misbehave.  The
 * harness holds it to that:
 *
 *  - guard_check() returns a verdict it may return for these bytes: OK
 *    with a head length within them and a request id other than 0, and
 *    "need more" for the head cut by a byte;
 *  - a head it passes is then read by the real libfcgi, exactly as
 *    serve.c hands it over (the bytes in a socket, a request with no
 *    listening socket), and libfcgi must accept it as a responder request
 *    without reading past the head: the peer's end is shut after it, so a
 *    libfcgi that wanted more would fail.
 */
#include <sys/socket.h>

#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "fcgi-redirect.h"
#include "fuzz.h"

static unsigned char	 scratch[GUARD_PARAMS_MAX];

/* Write all of p[0..n) to fd, or fail the input. */
static void
write_all(int fd, const unsigned char *p, size_t n)
{
	ssize_t	 w;

	for (; n > 0; p += w, n -= (size_t)w)
		if ((w = write(fd, p, n)) <= 0)
			fuzz_fail("cannot write the head to the socket pair",
			    NULL, 0);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 inited;
	struct guard_head	 h, h2;
	FCGX_Request		 req;
	const char		*role;
	int			 v, sv[2];

	if (size > GUARD_HEAD_MAX)
		return 0;
	v = guard_check(data, size, &h, scratch);
	if (v == GUARD_BAD && h.why == NULL)
		fuzz_fail("GUARD_BAD without a reason", NULL, 0);
	if (v == GUARD_TOO_LARGE && h.request_id == 0)
		fuzz_fail("GUARD_TOO_LARGE without a request to answer", NULL,
		    0);
	if (v != GUARD_OK)
		return 0;
	if (h.len == 0 || h.len > size || h.request_id == 0)
		fuzz_fail("GUARD_OK with a head outside the bytes", NULL, 0);
	if (guard_check(data, h.len - 1, &h2, scratch) != GUARD_NEED_MORE)
		fuzz_fail("a head cut by a byte is not 'need more'", NULL, 0);

	if (!inited) {
		if (FCGX_Init() != 0)
			fuzz_fail("FCGX_Init", NULL, 0);
		inited = 1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		fuzz_fail("socketpair", NULL, 0);
	write_all(sv[0], data, h.len);
	shutdown(sv[0], SHUT_WR);
	FCGX_InitRequest(&req, -1, 0);
	req.ipcFd = sv[1];
	req.keepConnection = 1;
	req.detached = 1;
	if (FCGX_Accept_r(&req) != 0)
		fuzz_fail("libfcgi refused a head that guard.c passed",
		    (const char *)data, h.len);
	if ((role = FCGX_GetParam("FCGI_ROLE", req.envp)) == NULL ||
	    strcmp(role, "RESPONDER") != 0 ||
	    req.requestId != (int)h.request_id)
		fuzz_fail("libfcgi read another request than guard.c",
		    (const char *)data, h.len);
	FCGX_PutStr("Status: 204\r\n\r\n", 15, req.out);
	req.keepConnection = 1;
	req.detached = 1;
	FCGX_Finish_r(&req);
	if (req.ipcFd >= 0)
		close(req.ipcFd);
	close(sv[0]);
	return 0;
}
