/*
 * fuzz_records.c: any bytes as what a peer sends on a FastCGI connection.
 *
 * fastcgi.c reads the responder role itself instead of through libfcgi.
 * The harness holds it to what it promises (src/serve/fastcgi.c):
 *
 *  - fastcgi_check() returns a verdict it may return for these bytes: OK
 *    with a head length within them and a request id other than 0, and
 *    "need more" for the head cut by a byte; BAD with a reason;
 *  - a head it passes is read by fastcgi_read() from a real socket, and
 *    by the real libfcgi (2.4, Debian's) from another, and both must see
 *    the same request: the same id and the same parameters, in the same
 *    order.  libfcgi is shut off after the head, so a libfcgi that wanted
 *    more would fail: we stop reading where it does.
 */
#include <sys/socket.h>

#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "fcgi-redirect.h"
#include "fuzz.h"

static unsigned char		 scratch[FASTCGI_PARAMS_MAX];
static struct fastcgi_request	 fr;

/* A socket pair holding bytes[0..n), its write side shut; the read end. */
static int
socket_with(const unsigned char *p, size_t n, int *other)
{
	int	 sv[2];
	ssize_t	 w;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		fuzz_fail("socketpair", NULL, 0);
	for (; n > 0; p += w, n -= (size_t)w)
		if ((w = write(sv[0], p, n)) <= 0)
			fuzz_fail("cannot write to the socket pair", NULL, 0);
	shutdown(sv[0], SHUT_WR);
	*other = sv[0];
	return sv[1];
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 inited;
	static volatile sig_atomic_t stop;
	struct fastcgi_head	 h, h2;
	FCGX_Request		 req;
	sigset_t		 open;
	const char		*role;
	size_t			 i;
	int			 v, ours, theirs, other;

	/* The socket pairs hold some 200 KiB; the fuzzer sends less. */
	if (size > 65536)
		return 0;
	v = fastcgi_check(data, size, &h, scratch, NULL);
	if (v == FASTCGI_BAD && h.why == NULL)
		fuzz_fail("FASTCGI_BAD without a reason", NULL, 0);
	if (v == FASTCGI_TOO_LARGE && h.request_id == 0)
		fuzz_fail("FASTCGI_TOO_LARGE without a request to answer",
		    NULL, 0);
	if (v != FASTCGI_OK)
		return 0;
	if (h.len == 0 || h.len > size || h.request_id == 0)
		fuzz_fail("FASTCGI_OK with a head outside the bytes", NULL, 0);
	if (fastcgi_check(data, h.len - 1, &h2, scratch, NULL) !=
	    FASTCGI_NEED_MORE)
		fuzz_fail("a head cut by a byte is not 'need more'", NULL, 0);

	/* Ours, from a socket holding all the bytes (a body may follow). */
	sigemptyset(&open);
	ours = socket_with(data, size, &other);
	v = fastcgi_read(ours, fastcgi_now_ms() + 1000, &open, &stop, &fr);
	close(ours);
	close(other);
	if (v == FASTCGI_TOO_LARGE)
		return 0;	/* more than FASTCGI_VARS_MAX parameters */
	if (v != FASTCGI_OK || fr.id != h.request_id)
		fuzz_fail("fastcgi_read() disagrees with fastcgi_check()",
		    (const char *)data, size);

	/* libfcgi's, from a socket holding the head alone. */
	if (!inited) {
		if (FCGX_Init() != 0)
			fuzz_fail("FCGX_Init", NULL, 0);
		inited = 1;
	}
	theirs = socket_with(data, h.len, &other);
	FCGX_InitRequest(&req, -1, 0);
	req.ipcFd = theirs;
	req.keepConnection = 1;	/* FCGX_Accept_r must not close it first */
	req.detached = 1;
	if (FCGX_Accept_r(&req) != 0)
		fuzz_fail("libfcgi refused a request fastcgi.c reads",
		    (const char *)data, h.len);
	if ((role = FCGX_GetParam("FCGI_ROLE", req.envp)) == NULL ||
	    strcmp(role, "RESPONDER") != 0 ||
	    req.requestId != (int)h.request_id)
		fuzz_fail("libfcgi read another request", (const char *)data,
		    h.len);
	/* Its first variable is the FCGI_ROLE it adds; then the same. */
	for (i = 0; fr.env.vars[i] != NULL; i++)
		if (req.envp[i + 1] == NULL ||
		    strcmp(req.envp[i + 1], fr.env.vars[i]) != 0)
			fuzz_fail("libfcgi read other parameters",
			    (const char *)data, h.len);
	if (req.envp[i + 1] != NULL)
		fuzz_fail("libfcgi read more parameters", (const char *)data,
		    h.len);
	req.keepConnection = 1;
	FCGX_Finish_r(&req);
	close(theirs);
	close(other);
	return 0;
}
