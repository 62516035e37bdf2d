/*
 * guard.c: a connection's FastCGI records, checked before libfcgi reads
 * them.
 *
 * Debian 12's libfcgi (2.4.2) trusts its peer: a name-value pair with
 * lengths such as 0x40000000 aborts the process (CVE-2025-23016, only
 * partly fixed there), an FCGI_GET_VALUES record with four or more names
 * overflows a 64-byte stack buffer, unknown management records leak
 * memory, and FCGI_PARAMS may be as long as the peer likes.  So a
 * connection's first bytes are read here with MSG_PEEK, which leaves them
 * where libfcgi will read them, and libfcgi is handed the connection only
 * when they are exactly what the web servers send (FastCGI specification
 * 1.0, §3 and §5.1):
 *
 *   FCGI_BEGIN_REQUEST (a request id other than 0, 8 bytes of content,
 *       the responder role), then
 *   FCGI_PARAMS records of that request id, whose content, taken
 *       together, is a sequence of complete name-value pairs (§3.4) of at
 *       most GUARD_PARAMS_MAX bytes, ended by an empty FCGI_PARAMS record.
 *
 * That is a strict subset of what libfcgi accepts, so libfcgi reads the
 * same request and stops at the same byte.  Anything else (a management
 * record, another request id, FCGI_STDIN or FCGI_ABORT_REQUEST before the
 * parameters end, a pair that runs past them) closes the connection
 * before libfcgi sees a byte of it.  What follows the parameters (the
 * body, FCGI_STDIN) is never read by libfcgi here: fcgi-redirect does not
 * read request bodies.
 *
 * guard_check() is a pure function of the bytes (unit-tested and fuzzed);
 * guard_read_head() waits for them with a deadline; guard_reply() sends a
 * whole answer in records of our own, for a request too large to hand on.
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fcgi-redirect.h"

/* Record types and the responder role (FastCGI specification §8). */
#define FCGI_BEGIN_REQUEST	1
#define FCGI_ABORT_REQUEST	2
#define FCGI_END_REQUEST	3
#define FCGI_PARAMS		4
#define FCGI_STDIN		5
#define FCGI_STDOUT		6
#define FCGI_RESPONDER		1
#define FCGI_HEADER_LEN		8
#define FCGI_CONTENT_MAX	65535

/* The name of a record type, for log lines. */
const char *
guard_record_name(unsigned type)
{
	static const char *const names[] = {
		NULL, "FCGI_BEGIN_REQUEST", "FCGI_ABORT_REQUEST",
		"FCGI_END_REQUEST", "FCGI_PARAMS", "FCGI_STDIN", "FCGI_STDOUT",
		"FCGI_STDERR", "FCGI_DATA", "FCGI_GET_VALUES",
		"FCGI_GET_VALUES_RESULT", "FCGI_UNKNOWN_TYPE"
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type] != NULL)
		return names[type];
	return "a record of an unknown type";
}

/*
 * One length of a name-value pair at q[*off..n) (§3.4): 1 byte below 128,
 * else 4 bytes with the top bit set.  0 when the bytes end first.
 */
static inline int
pair_length(const unsigned char *q, size_t n, size_t *off, size_t *len)
{
	size_t	 o = *off;

	if (o < n && q[o] < 0x80) {
		*len = q[o];
		*off = o + 1;
		return 1;
	}
	if (n - o < 4)
		return 0;
	*len = (size_t)(q[o] & 0x7f) << 24 | (size_t)q[o + 1] << 16 |
	    (size_t)q[o + 2] << 8 | q[o + 3];
	*off = o + 4;
	return 1;
}

/* Whether q[0..n) is a sequence of whole name-value pairs. */
static int
pairs_whole(const unsigned char *q, size_t n)
{
	size_t	 off = 0, name, value;

	while (off < n) {
		if (!pair_length(q, n, &off, &name) ||
		    !pair_length(q, n, &off, &value) ||
		    name > n - off || value > n - off - name)
			return 0;
		off += name + value;
	}
	return 1;
}

/*
 * Whether the FCGI_PARAMS content in the records of p[start..end) is a
 * sequence of whole name-value pairs.  The content of consecutive records
 * is one stream, so a pair may straddle records: then the content is
 * gathered into `scratch` (GUARD_PARAMS_MAX bytes) first.  The web servers
 * send one record, which is read where it is.
 */
static int
params_whole(const unsigned char *p, size_t start, size_t end,
    unsigned char *scratch)
{
	size_t	 off, n = 0, clen;

	clen = (size_t)p[start + 4] << 8 | p[start + 5];
	if (start + FCGI_HEADER_LEN + clen + p[start + 6] == end)
		return pairs_whole(p + start + FCGI_HEADER_LEN, clen);
	for (off = start; off < end; off += FCGI_HEADER_LEN + clen + p[off + 6]) {
		clen = (size_t)p[off + 4] << 8 | p[off + 5];
		memcpy(scratch + n, p + off + FCGI_HEADER_LEN, clen);
		n += clen;
	}
	return pairs_whole(scratch, n);
}

/*
 * Check the first n bytes a peer sent on a connection.  Returns
 * GUARD_NEED_MORE while they are a correct but unfinished start,
 * GUARD_OK when they start with a whole, correct request head (h->len: its
 * length up to and with the empty FCGI_PARAMS record; h->request_id),
 * GUARD_TOO_LARGE when the parameters pass GUARD_PARAMS_MAX (h->request_id
 * is set, so the request can be answered), and GUARD_BAD with h->why, a
 * static sentence, for anything the web servers never send.  `scratch`:
 * GUARD_PARAMS_MAX bytes of the caller's.
 */
int
guard_check(const unsigned char *p, size_t n, struct guard_head *h,
    unsigned char *scratch)
{
	size_t		 off, clen, params = 0, first_params = 0;
	unsigned	 type, id;

	memset(h, 0, sizeof(*h));
	for (off = 0; n - off >= FCGI_HEADER_LEN;
	    off += FCGI_HEADER_LEN + clen + p[off + 6]) {
		type = p[off + 1];
		id = (unsigned)p[off + 2] << 8 | p[off + 3];
		clen = (size_t)p[off + 4] << 8 | p[off + 5];
		if (p[off] != 1) {
			h->why = "a record of a FastCGI version other than 1";
			return GUARD_BAD;
		}
		if (off == 0) {
			if (type != FCGI_BEGIN_REQUEST || id == 0) {
				h->why = id == 0 ? "a management record "
				    "(request id 0) instead of "
				    "FCGI_BEGIN_REQUEST" : "the first record "
				    "is not FCGI_BEGIN_REQUEST";
				h->type = type;
				return GUARD_BAD;
			}
			if (clen != 8) {
				h->why = "FCGI_BEGIN_REQUEST of a length "
				    "other than 8";
				return GUARD_BAD;
			}
			/*
			 * Allowed by §3.3, but libfcgi 2.4 reads the padding
			 * of FCGI_BEGIN_REQUEST as the next record (found by
			 * tests/fuzz/fuzz_records.c); 8 bytes need none.
			 */
			if (p[6] != 0) {
				h->why = "FCGI_BEGIN_REQUEST with padding";
				return GUARD_BAD;
			}
			h->request_id = id;
		} else if (type != FCGI_PARAMS || id != h->request_id) {
			h->why = id == 0 ? "a management record (request id "
			    "0) before the parameters end" : id !=
			    h->request_id ? "a record of another request id" :
			    type == FCGI_ABORT_REQUEST ? "FCGI_ABORT_REQUEST "
			    "before the parameters end" : type == FCGI_STDIN ?
			    "FCGI_STDIN before the parameters end" :
			    "a record other than FCGI_PARAMS before the "
			    "parameters end";
			h->type = type;
			return GUARD_BAD;
		}
		if (n - off - FCGI_HEADER_LEN < clen + p[off + 6])
			break;	/* the rest of this record is still to come */
		if (off == 0) {
			/* role (2 bytes), flags, 5 reserved */
			if (((unsigned)p[8] << 8 | p[9]) != FCGI_RESPONDER) {
				h->why = "a role other than the responder";
				return GUARD_BAD;
			}
			continue;
		}
		if (params == 0 && clen > 0)
			first_params = off;
		if (clen == 0) {
			if (params > 0 && !params_whole(p, first_params, off,
			    scratch)) {
				h->why = "a name-value pair runs past the end "
				    "of FCGI_PARAMS";
				return GUARD_BAD;
			}
			h->len = off + FCGI_HEADER_LEN + p[off + 6];
			return GUARD_OK;
		}
		if ((params += clen) > GUARD_PARAMS_MAX)
			return GUARD_TOO_LARGE;
	}
	/* Honest senders fill records; this one wastes the room. */
	if (n >= GUARD_HEAD_MAX)
		return h->request_id != 0 ? GUARD_TOO_LARGE : GUARD_BAD;
	return GUARD_NEED_MORE;
}

/* Milliseconds on the monotonic clock. */
long long
guard_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait up to `us` microseconds for fd to be readable (fd -1: just wait);
 * the signals in `open` may end it early.
 */
static void
wait_us(int fd, long long us, const sigset_t *open)
{
	struct pollfd	 p = { .fd = fd, .events = POLLIN };
	struct timespec	 ts;

	ts.tv_sec = us / 1000000;
	ts.tv_nsec = us % 1000000 * 1000;
	(void)ppoll(fd >= 0 ? &p : NULL, fd >= 0, &ts, open);
}

/*
 * Wait, until `deadline` (guard_now_ms()), for the request head on the
 * connection fd and check it (guard_check).  The bytes are peeked, not
 * read: libfcgi reads them once this says GUARD_OK.  The signals not in
 * `open` stay blocked; when *stop is set meanwhile (SIGTERM), the wait is
 * cut to a second.  Returns a guard_check() verdict other than
 * GUARD_NEED_MORE, or GUARD_CLOSED (the peer closed, or the socket
 * failed) or GUARD_TIMEOUT.
 *
 * A peeked byte stays readable, so poll() cannot tell when more has come:
 * once part of a head is there, the wait is a sleep that starts at 0.1 ms
 * (a web server's second write is that close behind its first) and
 * doubles up to 50 ms, so a peer that trickles bytes costs a few dozen
 * peeks a second, not a busy loop.
 */
int
guard_read_head(int fd, long long deadline, const sigset_t *open,
    volatile sig_atomic_t *stop, struct guard_head *h)
{
	static unsigned char	 head[GUARD_HEAD_MAX];
	static unsigned char	 scratch[GUARD_PARAMS_MAX];
	long long		 left, nap_us = 100;
	ssize_t			 n;
	int			 v;

	for (;;) {
		n = recv(fd, head, sizeof(head), MSG_PEEK | MSG_DONTWAIT);
		if (n > 0 && (v = guard_check(head, (size_t)n, h, scratch)) !=
		    GUARD_NEED_MORE)
			return v;
		if (n == 0 || (n == -1 && errno != EAGAIN &&
		    errno != EWOULDBLOCK && errno != EINTR))
			return GUARD_CLOSED;
		if (*stop && deadline > guard_now_ms() + 1000)
			deadline = guard_now_ms() + 1000;
		if ((left = deadline - guard_now_ms()) <= 0)
			return GUARD_TIMEOUT;
		if (n == -1) {
			wait_us(fd, left * 1000, open);	/* nothing yet */
			continue;
		}
		wait_us(-1, nap_us < left * 1000 ? nap_us : left * 1000, open);
		if (nap_us < 50000)
			nap_us *= 2;
	}
}

/*
 * Send a whole answer (CGI response bytes, at most 65,535) to request id
 * on fd in records of our own: FCGI_STDOUT, the empty FCGI_STDOUT that
 * ends the stream, and FCGI_END_REQUEST (§5.1, §5.5).  For a request
 * that is not handed to libfcgi.  Returns 0 or -1.
 */
int
guard_reply(int fd, unsigned id, const char *data, size_t len)
{
	unsigned char	 rec[FCGI_HEADER_LEN * 3 + 8 + FCGI_CONTENT_MAX];
	unsigned char	*p = rec;
	size_t		 n;
	ssize_t		 w;

	if (len > FCGI_CONTENT_MAX)
		return -1;
#define HEADER(type, clen) do {						\
		*p++ = 1; *p++ = (type);				\
		*p++ = (unsigned char)(id >> 8); *p++ = (unsigned char)id; \
		*p++ = (unsigned char)((clen) >> 8);			\
		*p++ = (unsigned char)(clen); *p++ = 0; *p++ = 0;	\
	} while (0)
	HEADER(FCGI_STDOUT, len);
	memcpy(p, data, len);
	p += len;
	HEADER(FCGI_STDOUT, 0);
	HEADER(FCGI_END_REQUEST, 8);
	memset(p, 0, 8);	/* appStatus 0, FCGI_REQUEST_COMPLETE */
	p += 8;
#undef HEADER
	for (n = 0; n < (size_t)(p - rec); n += (size_t)w)
		while ((w = write(fd, rec + n, (size_t)(p - rec) - n)) <= 0)
			if (w == 0 || errno != EINTR)
				return -1;
	return 0;
}

/*
 * Close an answered connection.  The peer may still be sending (a request
 * body nobody reads): closing a socket with unread bytes resets it, and the
 * web server could lose the end of the answer.  So the write side is shut,
 * and what arrives is read and thrown away until the peer closes too, for
 * at most GUARD_LINGER_MS (libfcgi waits 2 s after every read, for as
 * long as the peer keeps sending).
 */
void
guard_close(int fd)
{
	char		 sink[16384];
	long long	 deadline = guard_now_ms() + GUARD_LINGER_MS, left;
	struct pollfd	 p = { .fd = fd, .events = POLLIN };
	ssize_t		 n;

	if (shutdown(fd, SHUT_WR) == 0)
		while ((left = deadline - guard_now_ms()) > 0 &&
		    poll(&p, 1, (int)left) == 1 &&
		    ((n = read(fd, sink, sizeof(sink))) > 0 ||
		    (n == -1 && errno == EINTR)))
			continue;
	close(fd);
}
