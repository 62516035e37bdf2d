/*
 * test_fastcgi.c: the FastCGI record check (fastcgi.c), the --listen parser
 * (listen.c) and the allow-list (peer.c): the pure parts, from tables.
 * fastcgi_read() and fastcgi_write() run on socket pairs; the listening
 * and serving sockets are tested on the running binary by tests/ops.sh.
 *
 * Record heads are written as strings of tokens, so that a row reads like
 * the records it stands for:
 *   B1        FCGI_BEGIN_REQUEST, request id 1, responder role
 *   Bn:R:L    ... id n, role R, content length L (L bytes of content)
 *   Pn "…"    FCGI_PARAMS of id n with that content (\xNN escapes)
 *   Pn        an empty FCGI_PARAMS: the end of the parameters
 *   Tt:n:L:p  a record of type t, id n, L zero bytes of content, p padding
 *   V9        the version byte of the next record is 9
 */
#include <sys/socket.h>

#include <arpa/inet.h>

#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "fcgi-redirect.h"

static unsigned char	 bytes[FASTCGI_HEAD_MAX + 70000];
static unsigned char	 scratch[FASTCGI_PARAMS_MAX];

static size_t
put_header(size_t n, unsigned version, unsigned type, unsigned id,
    size_t clen, unsigned pad)
{
	bytes[n++] = (unsigned char)version;
	bytes[n++] = (unsigned char)type;
	bytes[n++] = (unsigned char)(id >> 8);
	bytes[n++] = (unsigned char)id;
	bytes[n++] = (unsigned char)(clen >> 8);
	bytes[n++] = (unsigned char)clen;
	bytes[n++] = (unsigned char)pad;
	bytes[n++] = 0;
	return n;
}

/* Unescape a "..." token's content (\xNN, \\, \") into out; its length. */
static size_t
unquote(const char **s, unsigned char *out)
{
	size_t	 n = 0;
	unsigned v;

	(*s)++;
	while (**s != '"') {
		if (**s == '\\' && (*s)[1] == 'x' &&
		    sscanf(*s + 2, "%2x", &v) == 1) {
			out[n++] = (unsigned char)v;
			*s += 4;
		} else if (**s == '\\') {
			out[n++] = (unsigned char)(*s)[1];
			*s += 2;
		} else
			out[n++] = (unsigned char)*(*s)++;
	}
	(*s)++;
	return n;
}

/* Build the bytes of a head written as tokens (see the top); its length. */
static size_t
build(const char *s)
{
	unsigned char	 content[4096];
	unsigned	 version = 1, id, role, type, pad;
	size_t		 n = 0, clen;
	char		*end;

	while (*s != '\0') {
		if (*s == ' ') {
			s++;
			continue;
		}
		switch (*s) {
		case 'V':
			version = (unsigned)strtoul(s + 1, &end, 10);
			s = end;
			continue;
		case 'B':
			id = (unsigned)strtoul(s + 1, &end, 10);
			role = 1;
			clen = 8;
			if (*end == ':') {
				role = (unsigned)strtoul(end + 1, &end, 10);
				clen = strtoul(end + 1, &end, 10);
			}
			s = end;
			n = put_header(n, version, 1, id, clen, 0);
			memset(bytes + n, 0, clen);
			if (clen >= 2) {
				bytes[n] = (unsigned char)(role >> 8);
				bytes[n + 1] = (unsigned char)role;
			}
			n += clen;
			break;
		case 'P':
			id = (unsigned)strtoul(s + 1, &end, 10);
			s = end;
			while (*s == ' ')
				s++;
			clen = *s == '"' ? unquote(&s, content) : 0;
			n = put_header(n, version, 4, id, clen, 0);
			memcpy(bytes + n, content, clen);
			n += clen;
			break;
		case 'T':
			type = (unsigned)strtoul(s + 1, &end, 10);
			id = (unsigned)strtoul(end + 1, &end, 10);
			clen = strtoul(end + 1, &end, 10);
			pad = (unsigned)strtoul(end + 1, &end, 10);
			s = end;
			n = put_header(n, version, type, id, clen, pad);
			memset(bytes + n, 0, clen + pad);
			n += clen + pad;
			break;
		default:
			CU_FAIL_FATAL("bad token in a test row");
		}
		version = 1;
	}
	return n;
}

static const char *const verdicts[] = {
	"NEED_MORE", "OK", "TOO_LARGE", "BAD", "CLOSED", "TIMEOUT"
};

static void
test_fastcgi_check(void)
{
	static const struct {
		const char	*head;
		int		 verdict;
		const char	*why;	/* a part of h.why, for FASTCGI_BAD */
	} rows[] = {
		/* What the web servers send. */
		{ "B1 P1 \"\\x0e\\x03REQUEST_METHODGET\" P1", FASTCGI_OK, NULL },
		{ "B1 P1", FASTCGI_OK, NULL },	/* no parameters at all */
		{ "B7 P7 \"\\x01\\x01ab\" P7 \"\\x01\\x00c\" P7", FASTCGI_OK,
		    NULL },
		/* A pair may straddle two records (§3.4: one stream). */
		{ "B1 P1 \"\\x01\" P1 \"\\x02ab\" P1 \"c\" P1", FASTCGI_OK, NULL },
		{ "B1 P1 \"\\x80\\x00\\x00\\x01\\x01ab\" P1", FASTCGI_OK, NULL },
		{ "B65535 P65535", FASTCGI_OK, NULL },
		/* Not yet whole. */
		{ "", FASTCGI_NEED_MORE, NULL },
		{ "B1", FASTCGI_NEED_MORE, NULL },
		{ "B1 P1 \"\\x01\\x01ab\"", FASTCGI_NEED_MORE, NULL },
		/* What no web server sends. */
		{ "V2 B1 P1", FASTCGI_BAD, "version" },
		{ "B1 V0 P1", FASTCGI_BAD, "version" },
		{ "P1", FASTCGI_BAD, "not FCGI_BEGIN_REQUEST" },
		{ "B0 P0", FASTCGI_BAD, "management record" },
		/* FCGI_GET_VALUES and an unknown management type. */
		{ "T9:0:40:0", FASTCGI_BAD, "management record" },
		{ "T200:0:0:0", FASTCGI_BAD, "management record" },
		{ "B1 T9:0:40:0 P1", FASTCGI_BAD, "management record" },
		{ "B1 T200:0:8:0", FASTCGI_BAD, "management record" },
		{ "B1:2:8 P1", FASTCGI_BAD, "role" },	/* authorizer */
		{ "B1:3:8 P1", FASTCGI_BAD, "role" },	/* filter */
		{ "B1:1:9 P1", FASTCGI_BAD, "length" },
		{ "B1:1:0 P1", FASTCGI_BAD, "length" },
		{ "T1:1:8:8 P1", FASTCGI_BAD, "padding" },	/* libfcgi */
		{ "B1 B1 P1", FASTCGI_BAD, "before the parameters end" },
		{ "B1 P2", FASTCGI_BAD, "another request id" },
		{ "B1 T5:1:0:0 P1", FASTCGI_BAD, "FCGI_STDIN" },
		{ "B1 T2:1:0:0", FASTCGI_BAD, "FCGI_ABORT_REQUEST" },
		/* CVE-2025-23016: lengths that run past the parameters. */
		{ "B1 P1 \"\\xc0\\x00\\x00\\x00\\xc0\\x00\\x00\\x00ab\" P1",
		    FASTCGI_BAD, "runs past" },
		{ "B1 P1 \"\\x7f\\x7fab\" P1", FASTCGI_BAD, "runs past" },
		{ "B1 P1 \"\\x01\" P1", FASTCGI_BAD, "runs past" },
		{ "B1 P1 \"\\x01\\x01a\" P1", FASTCGI_BAD, "runs past" },
		{ "B1 P1 \"\\x80\\x00\\x01\" P1", FASTCGI_BAD, "runs past" },
		{ "B1 P1 \"\\xff\\xff\\xff\\xff\\x00\" P1", FASTCGI_BAD,
		    "runs past" },
	};
	struct fastcgi_head	 h;
	size_t			 i, n;
	int			 v;

	for (i = 0; i < nitems(rows); i++) {
		n = build(rows[i].head);
		v = fastcgi_check(bytes, n, &h, scratch, NULL);
		if (v != rows[i].verdict || (rows[i].why != NULL &&
		    (h.why == NULL || strstr(h.why, rows[i].why) == NULL)))
			fprintf(stderr, "\nfastcgi_check(%s): %s (%s), expected "
			    "%s (%s)\n", rows[i].head, verdicts[v],
			    h.why != NULL ? h.why : "", verdicts[rows[i].verdict],
			    rows[i].why != NULL ? rows[i].why : "");
		CU_ASSERT_EQUAL(v, rows[i].verdict);
		if (rows[i].why != NULL)
			CU_ASSERT_PTR_NOT_NULL(h.why != NULL ?
			    strstr(h.why, rows[i].why) : NULL);
		if (v == FASTCGI_OK)
			CU_ASSERT_EQUAL(h.len, n);
	}
}

/*
 * Every prefix of a good head is "need more", never a verdict, and the
 * whole head followed by a body is OK with len at the end of the
 * parameters: the check neither decides early nor reads past them.
 */
static void
test_fastcgi_prefixes(void)
{
	struct fastcgi_head	 h;
	size_t			 n, k, head_len;
	int			 v;

	n = build("B3 P3 \"\\x0b\\x02REQUEST_URI/a\\x09\\x01HTTP_HOSTx\" "
	    "P3 \"\\x05\\x00HTTPS\" P3");
	head_len = n;
	n = put_header(n, 1, 5, 3, 3, 5);	/* FCGI_STDIN: a body */
	for (k = 0; k < head_len; k++) {
		v = fastcgi_check(bytes, k, &h, scratch, NULL);
		if (v != FASTCGI_NEED_MORE)
			fprintf(stderr, "\nprefix of %zu bytes: %s\n", k,
			    verdicts[v]);
		CU_ASSERT_EQUAL(v, FASTCGI_NEED_MORE);
	}
	CU_ASSERT_EQUAL(fastcgi_check(bytes, n, &h, scratch, NULL), FASTCGI_OK);
	CU_ASSERT_EQUAL(h.len, head_len);
	CU_ASSERT_EQUAL(h.request_id, 3);
}

/* Put `len` bytes of parameters at n as FCGI_PARAMS records of id. */
static size_t
put_params(size_t n, unsigned id, const unsigned char *p, size_t len)
{
	size_t	 chunk;

	while (len > 0) {
		chunk = len > 65535 ? 65535 : len;
		n = put_header(n, 1, 4, id, chunk, 0);
		memcpy(bytes + n, p, chunk);
		n += chunk;
		p += chunk;
		len -= chunk;
	}
	return n;
}

/* Parameters past FASTCGI_PARAMS_MAX, and a head of wasted room. */
static void
test_fastcgi_limits(void)
{
	static unsigned char	 params[FASTCGI_PARAMS_MAX + 1];
	struct fastcgi_head	 h;
	size_t			 n, value = FASTCGI_PARAMS_MAX - 6;

	/* One pair: a 1-byte name, a value that fills the limit exactly. */
	memset(params, 'v', sizeof(params));
	params[0] = 1;
	params[1] = 0x80 | (unsigned char)(value >> 24);
	params[2] = (unsigned char)(value >> 16);
	params[3] = (unsigned char)(value >> 8);
	params[4] = (unsigned char)value;
	n = put_params(build("B5"), 5, params, FASTCGI_PARAMS_MAX);
	n = put_header(n, 1, 4, 5, 0, 0);
	CU_ASSERT_EQUAL(fastcgi_check(bytes, n, &h, scratch, NULL), FASTCGI_OK);
	/* A byte more is too large, and the request can be answered. */
	value++;
	params[4] = (unsigned char)value;
	n = put_params(build("B5"), 5, params, FASTCGI_PARAMS_MAX + 1);
	CU_ASSERT_EQUAL(fastcgi_check(bytes, n, &h, scratch, NULL), FASTCGI_TOO_LARGE);
	CU_ASSERT_EQUAL(h.request_id, 5);
	/* Records of one byte and 255 of padding each: the room runs out. */
	n = build("B1");
	while (n < FASTCGI_HEAD_MAX) {
		n = put_header(n, 1, 4, 1, 1, 255);
		memset(bytes + n, 0, 256);
		n += 256;
	}
	CU_ASSERT_EQUAL(fastcgi_check(bytes, n, &h, scratch, NULL), FASTCGI_TOO_LARGE);
}

/* A socket pair holding bytes[0..n) from its other end; the read end. */
static int
socket_holding(size_t n, int shut, int *other)
{
	int	 sv[2];

	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	CU_ASSERT_EQUAL_FATAL(write(sv[0], bytes, n), (ssize_t)n);
	if (shut)
		shutdown(sv[0], SHUT_WR);
	*other = sv[0];
	return sv[1];
}

/* fastcgi_read: the parameters as an environment, and what it refuses. */
static void
test_fastcgi_read(void)
{
	static const struct {
		const char	*head;
		int		 shut;		/* the peer shuts its end */
		int		 verdict;
		const char	*env;		/* the variables, '|' between */
	} rows[] = {
		{ "B1 P1 \"\\x0b\\x02REQUEST_URI/a\\x04\\x00HOST\" P1", 1,
		    FASTCGI_OK, "REQUEST_URI=/a|HOST=" },
		/* A pair straddling records; a body after the head. */
		{ "B9 P9 \"\\x01\" P9 \"\\x03ab\" P9 \"cd\" P9 T5:9:16:0", 1,
		    FASTCGI_OK, "a=bcd" },
		{ "B1 P1", 1, FASTCGI_OK, "" },
		/* A NUL in a value ends it, as in any environment. */
		{ "B1 P1 \"\\x01\\x03ax\\x00y\" P1", 1, FASTCGI_OK, "a=x" },
		{ "B1 P1 \"\\x01\\x01ab\"", 1, FASTCGI_CLOSED, NULL },
		{ "B1 P1 \"\\x01\\x01ab\"", 0, FASTCGI_TIMEOUT, NULL },
		{ "", 0, FASTCGI_TIMEOUT, NULL },
		{ "T9:0:8:0", 0, FASTCGI_BAD, NULL },
	};
	static struct fastcgi_request	 r;
	static volatile sig_atomic_t	 stop;
	char				 env[256];
	sigset_t			 open;
	size_t				 i, k, n;
	int				 fd, other, v;

	sigemptyset(&open);
	for (i = 0; i < nitems(rows); i++) {
		n = build(rows[i].head);
		fd = socket_holding(n, rows[i].shut, &other);
		v = fastcgi_read(fd, fastcgi_now_ms() + 200, &open, &stop, &r);
		close(fd);
		close(other);
		env[0] = '\0';
		for (k = 0; v == FASTCGI_OK && r.env.vars[k] != NULL; k++)
			snprintf(env + strlen(env), sizeof(env) - strlen(env),
			    "%s%s", k > 0 ? "|" : "", r.env.vars[k]);
		if (v != rows[i].verdict || (rows[i].env != NULL &&
		    strcmp(env, rows[i].env) != 0))
			fprintf(stderr, "\nfastcgi_read(%s): %s '%s'\n",
			    rows[i].head, verdicts[v], env);
		CU_ASSERT_EQUAL(v, rows[i].verdict);
		if (rows[i].env != NULL)
			CU_ASSERT_STRING_EQUAL(env, rows[i].env);
	}
}

/* More variables than FASTCGI_VARS_MAX: too large, to be answered 400. */
static void
test_fastcgi_read_vars(void)
{
	static unsigned char		 params[4 * (FASTCGI_VARS_MAX + 1)];
	static struct fastcgi_request	 r;
	static volatile sig_atomic_t	 stop;
	sigset_t			 open;
	size_t				 n, k, count;
	int				 fd, other;

	sigemptyset(&open);
	for (count = FASTCGI_VARS_MAX; count <= FASTCGI_VARS_MAX + 1; count++) {
		for (k = 0; k < count; k++)
			memcpy(params + 4 * k, "\001\001ab", 4);
		n = put_params(build("B2"), 2, params, 4 * count);
		n = put_header(n, 1, 4, 2, 0, 0);
		fd = socket_holding(n, 1, &other);
		CU_ASSERT_EQUAL(fastcgi_read(fd, fastcgi_now_ms() + 1000, &open,
		    &stop, &r), count == FASTCGI_VARS_MAX ? FASTCGI_OK :
		    FASTCGI_TOO_LARGE);
		CU_ASSERT_EQUAL(r.id, 2);
		close(fd);
		close(other);
	}
}

/* fastcgi_write: the records of an answer, read back. */
static void
test_fastcgi_write(void)
{
	static const size_t	 sizes[] = { 0, 1, 65528, 65529, 200000 };
	static char		 data[200000], got[200000];
	static unsigned char	 in[300000];
	size_t			 i, n, off, got_len, clen;
	ssize_t			 r;
	int			 sv[2], ended;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i % 26);
	for (i = 0; i < nitems(sizes); i++) {
		CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		CU_ASSERT_EQUAL(fastcgi_write(sv[0], 258, data, sizes[i]), 0);
		close(sv[0]);
		for (n = 0; (r = read(sv[1], in + n, sizeof(in) - n)) > 0;)
			n += (size_t)r;
		close(sv[1]);
		got_len = 0;
		ended = 0;
		for (off = 0; off + 8 <= n; off += 8 + clen + in[off + 6]) {
			clen = (size_t)in[off + 4] << 8 | in[off + 5];
			CU_ASSERT_EQUAL(in[off], 1);
			CU_ASSERT_EQUAL(in[off + 2] << 8 | in[off + 3], 258);
			CU_ASSERT(!ended);
			if (in[off + 1] == 6 && clen > 0) {
				memcpy(got + got_len, in + off + 8, clen);
				got_len += clen;
			} else if (in[off + 1] == 3) {
				CU_ASSERT_EQUAL(clen, 8);
				ended = 1;
			} else
				CU_ASSERT(in[off + 1] == 6 && clen == 0);
		}
		CU_ASSERT_EQUAL(off, n);
		CU_ASSERT(ended);
		CU_ASSERT_EQUAL(got_len, sizes[i]);
		CU_ASSERT(memcmp(got, data, sizes[i]) == 0);
	}
}

static void
test_listen_parse(void)
{
	static const struct {
		const char	*spec;
		int		 ok;
		int		 family;
		int		 wildcard;
		unsigned	 port;
		const char	*err;	/* a part of the message */
	} rows[] = {
		{ "/run/fcgi-redirect/sock", 1, AF_UNIX, 0, 0, NULL },
		{ "./sock", 1, AF_UNIX, 0, 0, NULL },
		{ "sock", 1, AF_UNIX, 0, 0, NULL },	/* relative: a path */
		{ "dir/a:b", 1, AF_UNIX, 0, 0, NULL },
		{ "127.0.0.1:9000", 1, AF_INET, 0, 9000, NULL },
		{ "localhost:1", 1, AF_INET, 0, 1, NULL },
		{ "10.1.2.3:65535", 1, AF_INET, 0, 65535, NULL },
		{ "[::1]:9000", 1, AF_INET6, 0, 9000, NULL },
		{ "[fe80::1]:80", 1, AF_INET6, 0, 80, NULL },
		{ ":9000", 1, AF_INET, 1, 9000, NULL },
		{ "*:9000", 1, AF_INET, 1, 9000, NULL },
		{ "0.0.0.0:9000", 1, AF_INET, 1, 9000, NULL },
		{ "[::]:9000", 1, AF_INET6, 1, 9000, NULL },
		{ "", 0, 0, 0, 0, "empty" },
		{ "127.0.0.1:70000", 0, 0, 0, 0, "1 to 65535" },
		{ "127.0.0.1:65536", 0, 0, 0, 0, "1 to 65535" },
		{ "127.0.0.1:0", 0, 0, 0, 0, "1 to 65535" },
		{ "127.0.0.1:90x", 0, 0, 0, 0, "1 to 65535" },
		{ "127.0.0.1:99999999999999999999", 0, 0, 0, 0, "1 to 65535" },
		{ "127.0.0.1:", 0, 0, 0, 0, "neither" },
		{ "127.0.0.1:-1", 0, 0, 0, 0, "neither" },
		{ "::1:9000", 0, 0, 0, 0, "brackets" },
		{ "[::1:9000", 0, 0, 0, 0, "brackets" },
		{ "[::1]9000", 0, 0, 0, 0, "brackets" },
		{ "[::1]", 0, 0, 0, 0, "brackets" },
		{ "[127.0.0.1]:9000", 0, 0, 0, 0, "IPv6" },
		{ "example.com:80", 0, 0, 0, 0, "not looked up" },
		{ "127.1:80", 0, 0, 0, 0, "numeric" },
		{ "256.0.0.1:80", 0, 0, 0, 0, "numeric" },
	};
	struct listen_addr	 la;
	char			 err[256];
	size_t			 i;
	int			 rc;

	for (i = 0; i < nitems(rows); i++) {
		err[0] = '\0';
		rc = listen_parse(rows[i].spec, &la, err, sizeof(err));
		if ((rc == 0) != rows[i].ok || (rows[i].err != NULL &&
		    strstr(err, rows[i].err) == NULL))
			fprintf(stderr, "\nlisten_parse(%s): %d '%s'\n",
			    rows[i].spec, rc, err);
		CU_ASSERT_EQUAL(rc == 0, rows[i].ok);
		if (rows[i].err != NULL)
			CU_ASSERT_PTR_NOT_NULL(strstr(err, rows[i].err));
		if (rc != 0 || !rows[i].ok)
			continue;
		CU_ASSERT_EQUAL(la.un.sun_family, rows[i].family);
		CU_ASSERT_EQUAL(la.wildcard, rows[i].wildcard);
		CU_ASSERT_EQUAL(la.path != NULL, rows[i].family == AF_UNIX);
		if (rows[i].family == AF_INET)
			CU_ASSERT_EQUAL(ntohs(la.in.sin_port), rows[i].port);
		if (rows[i].family == AF_INET6)
			CU_ASSERT_EQUAL(ntohs(la.in6.sin6_port), rows[i].port);
	}
}

/* A TCP peer's address as accept() gives it. */
static const struct sockaddr *
tcp_peer(const char *addr, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*in = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (strchr(addr, ':') != NULL) {
		in6->sin6_family = AF_INET6;
		CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET6, addr,
		    &in6->sin6_addr), 1);
	} else {
		in->sin_family = AF_INET;
		CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET, addr, &in->sin_addr),
		    1);
	}
	return (const struct sockaddr *)ss;
}

static void
test_peer_allowed(void)
{
	static const struct {
		const char	*allow;	/* NULL: no list */
		const char	*peer;
		int		 allowed;
	} rows[] = {
		/* No list: loopback only. */
		{ NULL, "127.0.0.1", 1 },
		{ NULL, "127.200.3.4", 1 },
		{ NULL, "::1", 1 },
		{ NULL, "::ffff:127.0.0.1", 1 },
		{ NULL, "10.0.0.1", 0 },
		{ NULL, "::2", 0 },
		{ NULL, "::ffff:10.0.0.1", 0 },
		{ NULL, "128.0.0.1", 0 },
		/* A list replaces the loopback default. */
		{ "10.9.9.9", "10.9.9.9", 1 },
		{ "10.9.9.9", "127.0.0.1", 0 },
		{ "10.9.9.9", "10.9.9.8", 0 },
		{ "10.9.9.9", "::ffff:10.9.9.9", 1 },
		{ "10.0.0.0/8", "10.255.1.2", 1 },
		{ "10.0.0.0/8", "11.0.0.1", 0 },
		{ "192.168.1.128/25", "192.168.1.200", 1 },
		{ "192.168.1.128/25", "192.168.1.127", 0 },
		{ "192.168.1.7/31", "192.168.1.6", 1 },
		{ "0.0.0.0/0", "203.0.113.5", 1 },
		{ "0.0.0.0/0", "2001:db8::1", 0 },
		{ "::/0", "2001:db8::1", 1 },
		{ "::1", "::1", 1 },
		{ "[::1]", "::1", 1 },
		{ "fd00::/8", "fd12:3456::1", 1 },
		{ "fd00::/8", "fe80::1", 0 },
		{ "2001:db8::/33", "2001:db8:7fff::1", 1 },
		{ "2001:db8::/33", "2001:db8:8000::1", 0 },
		{ "10.1.1.1, 10.2.2.2", "10.2.2.2", 1 },
		{ "10.1.1.1,10.2.2.2", "10.1.1.1", 1 },
		{ "10.1.1.1 10.2.2.2", "10.3.3.3", 0 },
		/* Only uid/gid rules: TCP keeps the loopback default. */
		{ "uid:0", "127.0.0.1", 1 },
		{ "uid:0", "10.0.0.1", 0 },
	};
	struct sockaddr_storage	 ss;
	struct peer_list	 pl;
	char			 err[512], who[PEER_NAME_MAX];
	size_t			 i;
	int			 got;

	for (i = 0; i < nitems(rows); i++) {
		memset(&pl, 0, sizeof(pl));
		if (rows[i].allow != NULL)
			CU_ASSERT_EQUAL_FATAL(peer_list_add(&pl, rows[i].allow,
			    err, sizeof(err)), 0);
		got = peer_allowed(&pl, -1, tcp_peer(rows[i].peer, &ss), who);
		if (got != rows[i].allowed)
			fprintf(stderr, "\nallow %s, peer %s: %d\n",
			    rows[i].allow != NULL ? rows[i].allow : "(none)",
			    rows[i].peer, got);
		CU_ASSERT_EQUAL(got, rows[i].allowed);
		if (!got)
			CU_ASSERT_PTR_NOT_NULL(strstr(who, strchr(rows[i].peer,
			    '.') != NULL ? strrchr(rows[i].peer, ':') != NULL ?
			    strrchr(rows[i].peer, ':') + 1 : rows[i].peer :
			    rows[i].peer));
		peer_list_free(&pl);
	}
}

static void
test_peer_list_errors(void)
{
	static const struct {
		const char	*allow;
		const char	*err;
	} rows[] = {
		{ "10.0.0.0/33", "0 to 32" },
		{ "::/129", "0 to 128" },
		{ "10.0.0.0/", "0 to 32" },
		{ "10.0.0.0/8x", "0 to 32" },
		{ "10.0.0.0/-1", "0 to 32" },
		{ "banana", "numeric" },
		{ "10.0.0", "numeric" },
		{ "example.com", "numeric" },
		{ "[]", "not an address" },
		{ "/8", "not an address" },
		{ "uid:no-such-user-here", "no such user" },
		{ "gid:no-such-group-here", "no such group" },
		{ "uid:", "no such user" },
		{ "10.1.1.1, bad", "'bad'" },
	};
	struct peer_list	 pl;
	char			 err[512];
	size_t			 i;
	int			 rc;

	for (i = 0; i < nitems(rows); i++) {
		memset(&pl, 0, sizeof(pl));
		err[0] = '\0';
		rc = peer_list_add(&pl, rows[i].allow, err, sizeof(err));
		if (rc != -1 || strstr(err, rows[i].err) == NULL)
			fprintf(stderr, "\nallow %s: %d '%s'\n", rows[i].allow,
			    rc, err);
		CU_ASSERT_EQUAL(rc, -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, rows[i].err));
		peer_list_free(&pl);
	}
	/* Empty lists and separators alone add nothing. */
	memset(&pl, 0, sizeof(pl));
	CU_ASSERT_EQUAL(peer_list_add(&pl, " , ,", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(pl.n, 0);
	CU_ASSERT_EQUAL(peer_list_add(&pl, "uid:0 gid:0 ::1", err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(pl.n, 3);
	CU_ASSERT_EQUAL(pl.creds, 2);
	CU_ASSERT_EQUAL(pl.nets, 1);
	peer_list_free(&pl);
}

int
test_fastcgi_register(void)
{
	static const struct unit_test tests[] = {
		{ "fastcgi_check: record heads", test_fastcgi_check },
		{ "fastcgi_check: every prefix needs more", test_fastcgi_prefixes },
		{ "fastcgi_check: the size limits", test_fastcgi_limits },
		{ "fastcgi_read: the environment", test_fastcgi_read },
		{ "fastcgi_read: at most FASTCGI_VARS_MAX variables",
		    test_fastcgi_read_vars },
		{ "fastcgi_write: the records", test_fastcgi_write },
		{ "listen_parse", test_listen_parse },
		{ "peer_allowed: TCP addresses", test_peer_allowed },
		{ "peer_list_add: errors", test_peer_list_errors },
	};

	return unit_add_suite("fastcgi, listen, peer", tests, nitems(tests));
}
