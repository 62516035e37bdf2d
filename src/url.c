/*
 * url.c: URL normalization and percent-encoding (RFC 3986).
 *
 * A request path and a path written in the rule file go through the same
 * url_normalize_path(), so that two spellings of one resource compare
 * equal byte for byte: escapes of characters that may stand literally are
 * decoded, every other escape is written with uppercase hex, bytes that may
 * not stand literally are encoded, and dot segments are removed.
 * url_encode_uri() makes a query or a Location safe to send: after it no
 * byte that may not appear in a URI (in particular no CR, LF or NUL) is
 * left.  url_host_valid() checks a Host header before it is used to match.
 *
 * Nothing here allocates; all output goes to buffers the caller owns.
 */
#include <limits.h>
#include <string.h>
#include <stddef.h>

#include "fcgi-redirect.h"

/* Uppercase hex digits: escapes are written with them (RFC 3986 §6.2.2.1). */
const char	url_hexdigits[] = "0123456789ABCDEF";

/* The value of the hex digit c, or -1.  Independent of the locale. */
int
url_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/*
 * The bytes that may stand literally in a path segment.  RFC 3986 §3.3:
 * pchar = unreserved / pct-encoded / sub-delims / ":" / "@", with
 * unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~" and sub-delims =
 * "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "=".
 * A table: normalization asks once per byte of every request path.
 */
static const unsigned char pchar_table[256] = {
	['A' ... 'Z'] = 1, ['a' ... 'z'] = 1, ['0' ... '9'] = 1,
	['-'] = 1, ['.'] = 1, ['_'] = 1, ['~'] = 1,
	['!'] = 1, ['$'] = 1, ['&'] = 1, ['\''] = 1, ['('] = 1, [')'] = 1,
	['*'] = 1, ['+'] = 1, [','] = 1, [';'] = 1, ['='] = 1,
	[':'] = 1, ['@'] = 1,
};

/*
 * The bytes of a reg-name host we accept, letters, digits, - . _, each
 * mapped to its lowercase; 0 for every other byte.  request.c checks and
 * lowercases a plain Host with it in one pass.
 */
const unsigned char url_host_table[256] = {
	['A'] = 'a', ['B'] = 'b', ['C'] = 'c', ['D'] = 'd', ['E'] = 'e',
	['F'] = 'f', ['G'] = 'g', ['H'] = 'h', ['I'] = 'i', ['J'] = 'j',
	['K'] = 'k', ['L'] = 'l', ['M'] = 'm', ['N'] = 'n', ['O'] = 'o',
	['P'] = 'p', ['Q'] = 'q', ['R'] = 'r', ['S'] = 's', ['T'] = 't',
	['U'] = 'u', ['V'] = 'v', ['W'] = 'w', ['X'] = 'x', ['Y'] = 'y',
	['Z'] = 'z',
	['a'] = 'a', ['b'] = 'b', ['c'] = 'c', ['d'] = 'd', ['e'] = 'e',
	['f'] = 'f', ['g'] = 'g', ['h'] = 'h', ['i'] = 'i', ['j'] = 'j',
	['k'] = 'k', ['l'] = 'l', ['m'] = 'm', ['n'] = 'n', ['o'] = 'o',
	['p'] = 'p', ['q'] = 'q', ['r'] = 'r', ['s'] = 's', ['t'] = 't',
	['u'] = 'u', ['v'] = 'v', ['w'] = 'w', ['x'] = 'x', ['y'] = 'y',
	['z'] = 'z',
	['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
	['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
	['-'] = '-', ['.'] = '.', ['_'] = '_',
};

/* Return 1 if c may stand literally in a path segment, else 0. */
int
url_is_pchar(unsigned char c)
{
	return pchar_table[c];
}

/*
 * The bytes url_encode_uri() keeps as they are: visible ASCII but '%'
 * (looked at apart) and the ones RFC 3986 leaves out of URIs: '"', '<',
 * '>', '\\', '^', '`', '{', '|', '}' (browsers encode them too).
 */
static const unsigned char uri_plain[256] = {
	['!'] = 1, ['#' ... '$'] = 1, ['&' ... ';'] = 1, ['='] = 1,
	['?' ... '['] = 1, [']'] = 1, ['_'] = 1, ['a' ... 'z'] = 1,
	['~'] = 1,
};

/*
 * The output of url_normalize_path().  The output itself is the stack of
 * RFC 3986 §5.2.4 remove_dot_segments: a ".." segment backs up to the
 * previous '/' written.
 *
 * The output may be longer while it is built than when it is done (a
 * segment written before a ".." removes it), so running out of room is
 * not yet an error.  Bytes past the room are counted, not stored: `over`
 * says the output extends past the room, and `nvslash` counts the
 * segments (their '/') that begin there.  Those can only be removed by
 * ".." or ".", which needs to know where segments begin, not what they
 * hold; once they are all removed the output is back in the buffer.
 */
struct npath {
	char	*out;
	size_t	 room;		/* bytes of content out can hold */
	size_t	 len;		/* bytes stored; == room while over */
	size_t	 slash;		/* last '/' stored: start of a segment */
	int	 over;		/* the output extends past room */
	size_t	 nvslash;	/* '/' written past room */
	size_t	 seglen;	/* bytes of the current segment */
	int	 segdots;	/* the current segment is all '.' so far */
};

static void
npath_put(struct npath *np, unsigned char c)
{
	if (!np->over && np->len < np->room) {
		if (c == '/')
			np->slash = np->len;
		np->out[np->len++] = (char)c;
		return;
	}
	np->over = 1;
	if (c == '/')
		np->nvslash++;
}

/* Write a segment byte, literally or as %XX. */
static void
npath_seg_byte(struct npath *np, unsigned char c, int literal)
{
	if (literal) {
		npath_put(np, c);
		np->seglen++;
		if (c != '.')
			np->segdots = 0;
	} else {
		npath_put(np, '%');
		npath_put(np, (unsigned char)url_hexdigits[c >> 4]);
		npath_put(np, (unsigned char)url_hexdigits[c & 0x0f]);
		np->seglen += 3;
		np->segdots = 0;
	}
}

/*
 * End the current segment, at a '/' or at the end of the input.  Return
 * 1 when the segment was "." or ".." and has been removed, leaving the
 * output ending in '/' (the caller then writes no '/' for the input's),
 * or 0 when it stays.  RFC 3986 §5.2.4 steps 2B to 2D.
 */
static int
npath_end_segment(struct npath *np)
{
	size_t	 p;
	int	 dotdot;

	if (!np->segdots || np->seglen == 0 || np->seglen > 2)
		return 0;
	dotdot = np->seglen == 2;
	np->seglen = 0;
	np->segdots = 1;

	if (np->nvslash > (dotdot ? 1 : 0)) {
		/* What is left still ends past the room. */
		if (dotdot)
			np->nvslash--;
		return 1;
	}
	if (np->nvslash == 1) {
		/* ".." began past the room, the segment it removes did not. */
		np->nvslash = 0;
		np->over = 0;
		np->len = np->slash + 1;
		return 1;
	}
	/* The segment's '/' is np->slash, in the buffer. */
	np->over = 0;
	if (dotdot && np->slash > 0) {
		/* Remove the previous segment too, but keep its '/'. */
		for (p = np->slash - 1; np->out[p] != '/'; p--)
			;
		np->slash = p;
	}
	np->len = np->slash + 1;
	return 1;
}

/*
 * Normalize the path src[0..len) (the part of a request URI before '?',
 * not NUL-terminated) into out, which holds cap bytes with the NUL.
 *
 * Returns the length of the result, which starts with '/' and is
 * NUL-terminated in out; URL_BAD when src does not start with '/',
 * contains a '%' not followed by two hex digits, an escaped %00 or a NUL
 * byte; URL_TOO_LONG when the result does not fit in cap (cap >=
 * 3 * len + 1 always suffices).  Input errors are found whatever cap is.
 * On error the content of out is unspecified.
 *
 * RFC 3986 §6.2.2: an escape of a pchar is decoded (§6.2.2.2), every other
 * escape gets uppercase hex (§6.2.2.1), a literal byte that may not stand
 * in a segment is encoded, and dot segments are removed (§5.2.4, after
 * decoding, so %2E%2E is ".." too).  %2F is data, not a separator, and
 * "//" is kept: §3.3 gives empty segments no special meaning.
 * One pass, O(len), no allocation.
 */
/*
 * True when s[0..len) (starting with '/') is already normalized: only
 * pchar bytes and '/' (so no escape to decode or byte to encode) and no
 * "." or ".." segment.  That is most request paths, and this check is a
 * fraction of what the general pass costs.
 */
static int
path_is_normal(const unsigned char *s, size_t len)
{
	size_t	 i = 1, seg;

	for (;;) {
		seg = i;
		while (i < len && pchar_table[s[i]])
			i++;
		if ((i - seg == 1 && s[seg] == '.') ||
		    (i - seg == 2 && s[seg] == '.' && s[seg + 1] == '.'))
			return 0;
		if (i == len)
			return 1;
		if (s[i++] != '/')
			return 0;
	}
}

int
url_normalize_path(const char *src, size_t len, char *out, size_t cap)
{
	struct npath	 np;
	const unsigned char *s = (const unsigned char *)src;
	size_t		 i;
	int		 hi, lo, ret;
	unsigned char	 c;
	char		 scratch[2];

	if (len == 0 || s[0] != '/')
		return URL_BAD;
	if (path_is_normal(s, len)) {
		if (len >= cap || len > INT_MAX)
			return URL_TOO_LONG;
		memcpy(out, src, len);
		out[len] = '\0';
		return (int)len;
	}

	/*
	 * The leading '/' must be stored: ".." backs up to it.  When even
	 * that does not fit, run in a scratch buffer only to find input
	 * errors; the result, at least "/", cannot fit.
	 */
	if (cap < sizeof(scratch)) {
		ret = url_normalize_path(src, len, scratch, sizeof(scratch));
		return ret == URL_BAD ? URL_BAD : URL_TOO_LONG;
	}

	np.out = out;
	np.room = cap - 1;
	np.len = 0;
	np.slash = 0;
	np.over = 0;
	np.nvslash = 0;
	np.seglen = 0;
	np.segdots = 1;
	npath_put(&np, '/');

	for (i = 1; i < len; i++) {
		c = s[i];
		if (c == '\0')
			return URL_BAD;
		if (c == '/') {
			if (!npath_end_segment(&np)) {
				npath_put(&np, '/');
				np.seglen = 0;
				np.segdots = 1;
			}
			continue;
		}
		if (c == '%') {
			if (len - i < 3 ||
			    (hi = url_hexval(s[i + 1])) == -1 ||
			    (lo = url_hexval(s[i + 2])) == -1)
				return URL_BAD;
			c = (unsigned char)(hi << 4 | lo);
			if (c == '\0')
				return URL_BAD;
			i += 2;
		}
		npath_seg_byte(&np, c, pchar_table[c]);
	}
	(void)npath_end_segment(&np);

	if (np.over || np.len > INT_MAX)
		return URL_TOO_LONG;
	out[np.len] = '\0';
	return (int)np.len;
}

/*
 * Append s[0..len) to b with every byte that may not appear in a URI
 * percent-encoded (uppercase hex): controls, space, DEL, non-ASCII and
 * " < > \ ^ ` { | }.  A '%' that begins a valid escape is kept with its
 * digits as they are; any other '%' becomes %25.  Reserved characters
 * (RFC 3986 §2.2) are kept: their meaning is the writer's.  The result
 * holds no CR, LF or NUL, so it is safe in a header.  When b overflows,
 * b->overflow is set (see buf.c) and the caller must not use b.
 */
void
url_encode_uri(struct buf *b, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t		 i, run;
	char		 esc[3];

	run = 0;
	for (i = 0; i < len; i++) {
		/* The usual byte stands as it is: one table look a byte. */
		if (uri_plain[u[i]])
			continue;
		if (u[i] == '%' && len - i >= 3 &&
		    url_hexval(u[i + 1]) != -1 && url_hexval(u[i + 2]) != -1) {
			i += 2;
			continue;
		}
		/* Flush the bytes that stand as they are, then encode. */
		buf_add(b, s + run, i - run);
		esc[0] = '%';
		esc[1] = url_hexdigits[u[i] >> 4];
		esc[2] = url_hexdigits[u[i] & 0x0f];
		buf_add(b, esc, sizeof(esc));
		run = i + 1;
	}
	buf_add(b, s + run, len - run);
}

/*
 * Check the port after a Host's ':' (s[0..len)): RFC 3986 §3.2.3 port =
 * *DIGIT, so an empty port is valid; otherwise 1 to 5 digits up to 65535.
 */
static int
host_port_valid(const char *s, size_t len)
{
	size_t		 i;
	unsigned long	 port = 0;

	if (len > 5)
		return 0;
	for (i = 0; i < len; i++) {
		if (!is_digit((unsigned char)s[i]))
			return 0;
		port = port * 10 + (unsigned long)(s[i] - '0');
	}
	return port <= 65535;
}

/*
 * Validate the Host header value s[0..len), host [ ":" port ] (RFC 9110
 * §7.2, RFC 3986 §3.2.2).  The host is a reg-name of letters, digits,
 * '-', '.' and '_' (1 to HOST_MAX bytes; escapes and the other sub-delims
 * that §3.2.2 allows are refused, no real name uses them) or an
 * IP-literal "[...]" of hex digits, ':' and '.' (3 to 64 bytes with the
 * brackets).
 *
 * Returns 0 and sets *hostlen to the length of the host without the port
 * when valid, -1 otherwise.  Case is kept; the caller lowercases.
 * XXX IP-literal contents are not checked to be an IPv6address.
 */
int
url_host_valid(const char *s, size_t len, size_t *hostlen)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t		 i;

	if (len == 0 || len > HOST_MAX + 6)
		return -1;

	if (u[0] == '[') {
		for (i = 1; i < len && u[i] != ']'; i++)
			if (url_hexval(u[i]) == -1 && u[i] != ':' && u[i] != '.')
				return -1;
		if (i == len)
			return -1;
		i++;
		if (i < 3 || i > 64)
			return -1;
	} else {
		for (i = 0; i < len && u[i] != ':'; i++)
			if (!url_host_table[u[i]])
				return -1;
		if (i == 0 || i > HOST_MAX)
			return -1;
	}

	if (i < len) {
		if (u[i] != ':' || !host_port_valid(s + i + 1, len - i - 1))
			return -1;
	}
	*hostlen = i;
	return 0;
}
