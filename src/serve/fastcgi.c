/*
 * fastcgi.c: the FastCGI responder role (FastCGI specification 1.0), read
 * and written here, for every connection a FastCGI process accepts.
 *
 * A request is what the web servers send (§3, §5.1), and nothing else:
 *
 *   FCGI_BEGIN_REQUEST (a request id other than 0, 8 bytes of content and
 *       no padding, the responder role), then
 *   FCGI_PARAMS records of that request id, whose content, taken
 *       together, is a sequence of whole name-value pairs (§3.4) of at
 *       most FASTCGI_PARAMS_MAX bytes, ended by an empty FCGI_PARAMS
 *       record.
 *
 * Anything else (a management record such as FCGI_GET_VALUES, another
 * request id, FCGI_STDIN or FCGI_ABORT_REQUEST before the parameters end,
 * another role, a pair whose lengths run past the parameters) closes the
 * connection, and parameters past the limit get a 400.  What follows the
 * parameters (the body, FCGI_STDIN) is never used: fcgi-redirect does not
 * read request bodies.  The answer goes out as FCGI_STDOUT records, the
 * empty one that ends the stream, and FCGI_END_REQUEST (§5.1, §5.5); then
 * the connection is closed, whatever FCGI_KEEP_CONN says (§5.1 lets the
 * application close).
 *
 * Why not libfcgi: Debian 12's (2.4.2) trusts its peer.  A pair with
 * lengths such as 0x40000000 aborts the process (CVE-2025-23016, only
 * partly fixed there), FCGI_GET_VALUES with four or more names overflows
 * a 64-byte stack buffer, unknown management records leak memory,
 * FCGI_PARAMS may be as long as the peer likes, it reads the padding of
 * FCGI_BEGIN_REQUEST as the next record, and it waits 2 s after every byte
 * a peer sends before closing.  Checking the bytes first and handing them
 * on (MSG_PEEK) cannot work on Unix sockets: a request written in small
 * pieces is held in the sender's buffer until the receiver reads, so a
 * peek never sees more than some 24 KiB of it.  The responder role is
 * small, and every request a server sends is read whole before anything
 * is decided; tests/fuzz/fuzz_records.c holds this reader to libfcgi's
 * reading of the same bytes.
 *
 * fastcgi_check() is a pure function of the bytes; fastcgi_read() reads a
 * request with a deadline and gives its parameters as an environment;
 * fastcgi_write() sends an answer; fastcgi_close() closes without
 * resetting a peer that is still sending.
 */
#include <sys/socket.h>
#include <sys/uio.h>

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
/* The content of one FCGI_STDOUT record we send: 8-byte aligned. */
#define STDOUT_CHUNK		65528

/* The name of a record type, for log lines. */
const char *
fastcgi_record_name(unsigned type)
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

/*
 * Walk the name-value pairs of q[0..n).  Returns 1 when they are whole
 * (every name and value ends within the n bytes), else 0.  With an
 * environment `env`, each pair is also written there as "name=value" and
 * listed in env->vars, NULL-terminated; -1 when there are more than
 * FASTCGI_VARS_MAX (env->buf has room for every pair that fits).
 */
static int
pairs_walk(const unsigned char *q, size_t n, struct fastcgi_env *env)
{
	size_t	 off = 0, name, value, used = 0, nvars = 0;

	while (off < n) {
		if (!pair_length(q, n, &off, &name) ||
		    !pair_length(q, n, &off, &value) ||
		    name > n - off || value > n - off - name)
			return 0;
		if (env != NULL) {
			if (nvars == FASTCGI_VARS_MAX)
				return -1;
			env->vars[nvars++] = env->buf + used;
			memcpy(env->buf + used, q + off, name);
			used += name;
			env->buf[used++] = '=';
			memcpy(env->buf + used, q + off + name, value);
			used += value;
			env->buf[used++] = '\0';
		}
		off += name + value;
	}
	if (env != NULL)
		env->vars[nvars] = NULL;
	return 1;
}

/*
 * The parameters of the records h->params_start..h->params_end of p as
 * one stream of *len bytes: where it is when the web server sent one
 * record (they do), else gathered into `scratch` (FASTCGI_PARAMS_MAX
 * bytes), for a pair may straddle records (§3.4).
 */
static const unsigned char *
params_stream(const unsigned char *p, const struct fastcgi_head *h,
    unsigned char *scratch, size_t *len)
{
	size_t	 off, n = 0, clen;

	off = h->params_start;
	clen = (size_t)p[off + 4] << 8 | p[off + 5];
	if (off + FCGI_HEADER_LEN + clen + p[off + 6] == h->params_end) {
		*len = clen;
		return p + off + FCGI_HEADER_LEN;
	}
	for (; off < h->params_end; off += FCGI_HEADER_LEN + clen + p[off + 6]) {
		clen = (size_t)p[off + 4] << 8 | p[off + 5];
		memcpy(scratch + n, p + off + FCGI_HEADER_LEN, clen);
		n += clen;
	}
	*len = n;
	return scratch;
}

/*
 * Check the first n bytes a peer sent on a connection.  Returns
 * FASTCGI_NEED_MORE while they are a correct but unfinished start,
 * FASTCGI_OK when they start with a whole, correct request head (h->len:
 * its length up to and with the empty FCGI_PARAMS record; h->request_id;
 * h->params_start and h->params_end: the FCGI_PARAMS records),
 * FASTCGI_TOO_LARGE when the parameters pass FASTCGI_PARAMS_MAX or the
 * head FASTCGI_HEAD_MAX (h->request_id is set, so the request can be
 * answered), and FASTCGI_BAD with h->why, a static noun phrase (and
 * h->type, the record's type, when a record is to blame), for anything
 * the web servers never send.  `scratch`: FASTCGI_PARAMS_MAX bytes of the
 * caller's.  With `env` (not NULL), the parameters of a whole head are
 * also written there as an environment in the same pass, and more than
 * FASTCGI_VARS_MAX of them are FASTCGI_TOO_LARGE.
 */
int
fastcgi_check(const unsigned char *p, size_t n, struct fastcgi_head *h,
    unsigned char *scratch, struct fastcgi_env *env)
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
			return FASTCGI_BAD;
		}
		if (off == 0) {
			if (type != FCGI_BEGIN_REQUEST || id == 0) {
				h->why = id == 0 ? "a management record "
				    "(request id 0) instead of "
				    "FCGI_BEGIN_REQUEST" : "the first record "
				    "is not FCGI_BEGIN_REQUEST";
				h->type = type;
				return FASTCGI_BAD;
			}
			if (clen != 8) {
				h->why = "FCGI_BEGIN_REQUEST of a length "
				    "other than 8";
				return FASTCGI_BAD;
			}
			/*
			 * Allowed by §3.3, but libfcgi 2.4 reads the padding
			 * of FCGI_BEGIN_REQUEST as the next record (found by
			 * tests/fuzz/fuzz_records.c); 8 bytes need none.
			 */
			if (p[6] != 0) {
				h->why = "FCGI_BEGIN_REQUEST with padding";
				return FASTCGI_BAD;
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
			return FASTCGI_BAD;
		}
		if (n - off - FCGI_HEADER_LEN < clen + p[off + 6])
			break;	/* the rest of this record is still to come */
		if (off == 0) {
			/* role (2 bytes), flags, 5 reserved */
			if (((unsigned)p[8] << 8 | p[9]) != FCGI_RESPONDER) {
				h->why = "a role other than the responder";
				return FASTCGI_BAD;
			}
			continue;
		}
		if (params == 0 && clen > 0)
			first_params = off;
		if (clen == 0) {
			h->params_start = params > 0 ? first_params : off;
			h->params_end = off;
			h->len = off + FCGI_HEADER_LEN + p[off + 6];
			if (env != NULL)
				env->vars[0] = NULL;
			if (params == 0)
				return FASTCGI_OK;
			switch (pairs_walk(params_stream(p, h, scratch,
			    &params), params, env)) {
			case 1:
				return FASTCGI_OK;
			case -1:
				return FASTCGI_TOO_LARGE;  /* too many variables */
			default:
				h->why = "a name-value pair that runs past the "
				    "end of FCGI_PARAMS";
				return FASTCGI_BAD;
			}
		}
		if ((params += clen) > FASTCGI_PARAMS_MAX)
			return FASTCGI_TOO_LARGE;
	}
	/* Honest senders fill their records; this one wastes the room. */
	if (n >= FASTCGI_HEAD_MAX)
		return h->request_id != 0 ? FASTCGI_TOO_LARGE : FASTCGI_BAD;
	return FASTCGI_NEED_MORE;
}

/* Milliseconds on the monotonic clock, for deadlines. */
long long
fastcgi_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Read a request from the connection fd until `deadline`
 * (fastcgi_now_ms()) into r, and check it (fastcgi_check).  The signals
 * not in `open` stay blocked; when *stop is set meanwhile (SIGTERM), the
 * wait is cut to a second.  Returns a fastcgi_check() verdict other than
 * FASTCGI_NEED_MORE (FASTCGI_OK: r->id and r->env.vars, the request's
 * parameters as an environment; FASTCGI_TOO_LARGE also when there are
 * more than FASTCGI_VARS_MAX of them), or FASTCGI_CLOSED (the peer closed
 * first, or the socket failed) or FASTCGI_TIMEOUT.  Bytes that follow the
 * parameters in the same read (the body) are dropped.
 */
int
fastcgi_read(int fd, long long deadline, const sigset_t *open,
    volatile sig_atomic_t *stop, struct fastcgi_request *r)
{
	struct pollfd		 p = { .fd = fd, .events = POLLIN };
	struct timespec		 ts;
	size_t			 have = 0;
	long long		 left;
	ssize_t			 n;
	int			 v;

	r->id = 0;
	r->env.vars[0] = NULL;
	for (;;) {
		n = recv(fd, r->head + have, sizeof(r->head) - have,
		    MSG_DONTWAIT);
		if (n > 0) {
			have += (size_t)n;
			v = fastcgi_check(r->head, have, &r->h, r->scratch,
			    &r->env);
			if (v != FASTCGI_NEED_MORE)
				break;
			continue;	/* more may be there already */
		}
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR))
			return FASTCGI_CLOSED;
		if (*stop && deadline > fastcgi_now_ms() + 1000)
			deadline = fastcgi_now_ms() + 1000;
		if ((left = deadline - fastcgi_now_ms()) <= 0)
			return FASTCGI_TIMEOUT;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = left % 1000 * 1000000;
		(void)ppoll(&p, 1, &ts, open);
	}
	r->id = r->h.request_id;
	return v;
}

/*
 * Send the answer data[0..len) (CGI response bytes) to request id on fd:
 * FCGI_STDOUT records, the empty FCGI_STDOUT that ends the stream, and
 * FCGI_END_REQUEST with application status 0 and FCGI_REQUEST_COMPLETE
 * (§5.5).  One writev() for all of it unless the socket takes less.
 * Returns 0, or -1 when the peer went away or the socket's send timeout
 * passed.
 */
int
fastcgi_write(int fd, unsigned id, const char *data, size_t len)
{
	unsigned char	 hdr[RESPONSE_MAX / STDOUT_CHUNK + 3][FCGI_HEADER_LEN];
	unsigned char	 end[8] = { 0 };
	struct iovec	 iov[(RESPONSE_MAX / STDOUT_CHUNK + 3) * 2], *v = iov;
	size_t		 off, chunk, k = 0, niov = 0;
	ssize_t		 w;

	if (len > RESPONSE_MAX)
		return -1;
#define RECORD(type, clen, content) do {				\
		hdr[k][0] = 1;						\
		hdr[k][1] = (type);					\
		hdr[k][2] = (unsigned char)(id >> 8);			\
		hdr[k][3] = (unsigned char)id;				\
		hdr[k][4] = (unsigned char)((clen) >> 8);		\
		hdr[k][5] = (unsigned char)(clen);			\
		hdr[k][6] = hdr[k][7] = 0;				\
		iov[niov].iov_base = hdr[k++];				\
		iov[niov++].iov_len = FCGI_HEADER_LEN;			\
		if ((clen) > 0) {					\
			iov[niov].iov_base = (void *)(content);		\
			iov[niov++].iov_len = (clen);			\
		}							\
	} while (0)
	for (off = 0; off < len; off += chunk) {
		chunk = len - off < STDOUT_CHUNK ? len - off : STDOUT_CHUNK;
		RECORD(FCGI_STDOUT, chunk, data + off);
	}
	RECORD(FCGI_STDOUT, 0, NULL);
	RECORD(FCGI_END_REQUEST, 8, end);
#undef RECORD
	while (niov > 0) {
		if ((w = writev(fd, v, (int)niov)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (; niov > 0 && (size_t)w >= v->iov_len; v++, niov--)
			w -= (ssize_t)v->iov_len;
		if (niov > 0) {
			v->iov_base = (char *)v->iov_base + w;
			v->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/*
 * Close an answered connection.  The peer may still be sending (a request
 * body nobody reads): closing a socket with unread bytes resets it, and the
 * web server could lose the end of the answer.  So the write side is shut,
 * and what arrives is read and thrown away until the peer closes too, for
 * at most FASTCGI_LINGER_MS (libfcgi waits 2 s after every read, for as
 * long as the peer keeps sending).
 */
void
fastcgi_close(int fd)
{
	char		 sink[16384];
	long long	 deadline = fastcgi_now_ms() + FASTCGI_LINGER_MS, left;
	struct pollfd	 p = { .fd = fd, .events = POLLIN };
	ssize_t		 n;

	if (shutdown(fd, SHUT_WR) == 0)
		while ((left = deadline - fastcgi_now_ms()) > 0 &&
		    poll(&p, 1, (int)left) == 1 &&
		    ((n = read(fd, sink, sizeof(sink))) > 0 ||
		    (n == -1 && errno == EINTR)))
			continue;
	close(fd);
}
