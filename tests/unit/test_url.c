/*
 * test_url.c: unit tests of url.c (normalization, encoding, Host checks).
 *
 * Each function under test has a table of rows, input and expected result,
 * walked by one test; a failing row is printed (bytes escaped) to stderr
 * before the assertion, so a report names the row and not just the line.
 * A few properties (idempotence, every byte value, long inputs) are checked
 * by loops beside the tables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "fcgi-redirect.h"

/* In a row, a length or capacity of DEF means strlen(in) or a large one. */
#define DEF		((size_t)-1)

/* ---- url_normalize_path ---- */

struct norm_row {
	const char	*in;
	size_t		 len;	/* DEF: strlen(in) */
	size_t		 cap;	/* DEF: PATH_BUF */
	int		 ret;	/* 0: success with out; else URL_BAD... */
	const char	*out;
};

#define N_OK(in, out)		{ in, DEF, DEF, 0, out }
#define N_BAD(in)		{ in, DEF, DEF, URL_BAD, NULL }
#define N_CAP(in, cap, out)	{ in, DEF, cap, 0, out }
#define N_LONG(in, cap)		{ in, DEF, cap, URL_TOO_LONG, NULL }

static const struct norm_row norm_rows[] = {
	/* Plain paths stay as they are. */
	N_OK("/", "/"),
	N_OK("/a", "/a"),
	N_OK("/a/b/c.html", "/a/b/c.html"),
	N_OK("/a/b/", "/a/b/"),
	N_OK("/Index.HTML", "/Index.HTML"),

	/* Not a path. */
	{ "", 0, DEF, URL_BAD, NULL },
	N_BAD("a/b"),
	N_BAD("%2Fa"),
	N_BAD("?q"),
	N_BAD("http://example.com/"),
	N_BAD("*"),

	/* pchar bytes stand literally (RFC 3986 §3.3). */
	N_OK("/ABCXYZabcxyz0189", "/ABCXYZabcxyz0189"),
	N_OK("/-._~", "/-._~"),
	N_OK("/!$&'()*+,;=", "/!$&'()*+,;="),
	N_OK("/:@", "/:@"),
	N_OK("/a:b@c;d=e", "/a:b@c;d=e"),

	/* Escapes of pchar bytes are decoded, in either case. */
	N_OK("/%41%5a%61%7A%30%39", "/AZaz09"),
	N_OK("/%2d%2E%5f%7e", "/-._~"),
	N_OK("/%21%24%26%27%28%29%2a%2B%2c%3b%3D", "/!$&'()*+,;="),
	N_OK("/%3a%40", "/:@"),
	N_OK("/%7euser/%7Eother", "/~user/~other"),

	/* Other escapes stay, with uppercase hex. */
	N_OK("/a%2fb", "/a%2Fb"),
	N_OK("/a%2Fb", "/a%2Fb"),
	N_OK("/%3f", "/%3F"),
	N_OK("/%23", "/%23"),
	N_OK("/%25", "/%25"),
	N_OK("/100%25", "/100%25"),
	N_OK("/%20", "/%20"),
	N_OK("/%5b%5d", "/%5B%5D"),
	N_OK("/%c3%a9", "/%C3%A9"),
	N_OK("/%C3%A9", "/%C3%A9"),
	N_OK("/%01%0d%0a%1f%7f", "/%01%0D%0A%1F%7F"),
	N_OK("/%22%3c%3e%5c%5e%60%7b%7c%7d",
	    "/%22%3C%3E%5C%5E%60%7B%7C%7D"),
	N_OK("/%ff%80", "/%FF%80"),

	/* Literal bytes that may not stand in a segment are encoded. */
	N_OK("/a b", "/a%20b"),
	N_OK("/\"<>\\^`{|}", "/%22%3C%3E%5C%5E%60%7B%7C%7D"),
	N_OK("/[]", "/%5B%5D"),
	N_OK("/#?", "/%23%3F"),
	N_OK("/\x01\x1f\x7f", "/%01%1F%7F"),
	N_OK("/\t\r\n", "/%09%0D%0A"),
	N_OK("/caf\xc3\xa9", "/caf%C3%A9"),
	N_OK("/\xff\x80", "/%FF%80"),
	/* Literal and escaped spellings end the same. */
	N_OK("/caf%c3\xa9 x", "/caf%C3%A9%20x"),

	/* Malformed escapes, %00 and NUL bytes. */
	N_BAD("/%"),
	N_BAD("/%4"),
	N_BAD("/%zz"),
	N_BAD("/%g0"),
	N_BAD("/%0g"),
	N_BAD("/a%"),
	N_BAD("/a%2"),
	N_BAD("/%%41"),
	N_BAD("/% 41"),
	N_BAD("/%00"),
	N_BAD("/a%00b"),
	{ "/a\0b", 4, DEF, URL_BAD, NULL },
	{ "/\0", 2, DEF, URL_BAD, NULL },
	/* The length is obeyed, not the NUL. */
	{ "/%41", 3, DEF, URL_BAD, NULL },
	{ "/abc", 2, DEF, 0, "/a" },
	{ "/a/..", 4, DEF, 0, "/a/" },

	/* Dot segments (RFC 3986 §5.2.4). */
	N_OK("/a/./b", "/a/b"),
	N_OK("/a/../b", "/b"),
	N_OK("/../a", "/a"),
	N_OK("/a/..", "/"),
	N_OK("/a/b/..", "/a/"),
	N_OK("/a/.", "/a/"),
	N_OK("/a/./", "/a/"),
	N_OK("/.", "/"),
	N_OK("/..", "/"),
	N_OK("/./", "/"),
	N_OK("/../", "/"),
	N_OK("/../../..", "/"),
	N_OK("/a/b/../../c", "/c"),
	N_OK("/a/b/../../../c", "/c"),
	N_OK("/a/b/c/./../../g", "/a/g"),
	N_OK("/mid/content=5/../6", "/mid/6"),
	N_OK("/a/./../b/./c/.", "/b/c/"),
	N_OK("/a/%2e%2E/b", "/b"),
	N_OK("/a/%2e/b", "/a/b"),
	N_OK("/a/.%2e/b", "/b"),
	N_OK("/a/%2E%2E", "/"),
	/* Not dot segments. */
	N_OK("/a%2F../b", "/a%2F../b"),
	N_OK("/a/..%2F/b", "/a/..%2F/b"),
	N_OK("/a/.../b", "/a/.../b"),
	N_OK("/a/..b/c", "/a/..b/c"),
	N_OK("/a/b../c", "/a/b../c"),
	N_OK("/.a", "/.a"),
	N_OK("/a/.b/..", "/a/"),
	N_OK("/a/%20../b", "/a/%20../b"),

	/* Empty segments are kept (RFC 3986 §3.3). */
	N_OK("/a//b", "/a//b"),
	N_OK("//", "//"),
	N_OK("//a", "//a"),
	N_OK("/a//../b", "/a/b"),
	N_OK("/a/b/..//c", "/a//c"),
	N_OK("//..", "/"),

	/* The capacity counts the NUL. */
	N_CAP("/a/b", 5, "/a/b"),
	N_LONG("/a/b", 4),
	N_CAP("/", 2, "/"),
	N_LONG("/", 1),
	N_LONG("/", 0),
	N_CAP("/ ", 5, "/%20"),
	N_LONG("/ ", 4),
	N_LONG("/ ", 3),
	N_CAP("/%c3%a9", 8, "/%C3%A9"),
	N_LONG("/%c3%a9", 7),
	N_CAP("/%41%42", 4, "/AB"),
	/* What counts is the result, not what is written on the way. */
	N_CAP("/aaaaaaaa/..", 2, "/"),
	N_CAP("/aaaaaaaa/.", 11, "/aaaaaaaa/"),
	N_LONG("/aaaaaaaa/.", 10),
	N_LONG("/aaaaaaaa/.", 4),
	N_CAP("/a/bbbbbbbb/../c", 5, "/a/c"),
	N_CAP("/a/bbbb/cccc/../../d", 5, "/a/d"),
	N_LONG("/a/bbbb/cccc/..", 5),
	N_CAP("/a/bbbb/cccc/..", 9, "/a/bbbb/"),
	N_CAP("/a/bbbbbbbb/./..", 4, "/a/"),
	N_CAP("/a/b%20b/..", 4, "/a/"),
	N_LONG("/a/bb/.", 6),
	N_CAP("/a/bb/.", 7, "/a/bb/"),
	N_LONG("/..", 1),
	N_LONG("/..", 0),
	N_LONG("/a/..", 1),
	N_CAP("/..", 2, "/"),
	N_CAP("/a/..", 2, "/"),
	N_CAP("/a/.", 4, "/a/"),
	N_LONG("/a/.", 3),
	/* Bad input is bad whatever the capacity. */
	{ "/aaaaaaaa%zz", DEF, 2, URL_BAD, NULL },
	{ "/aaaaaaaa%00", DEF, 0, URL_BAD, NULL },
};

static char	norm_out[PATH_BUF];
static char	norm_again[PATH_BUF];

static void
test_url_normalize_path(void)
{
	const struct norm_row	*r;
	size_t			 i, len, cap;
	int			 ret, ok;

	for (i = 0; i < nitems(norm_rows); i++) {
		r = &norm_rows[i];
		len = r->len == DEF ? strlen(r->in) : r->len;
		cap = r->cap == DEF ? sizeof(norm_out) : r->cap;
		memset(norm_out, 'X', sizeof(norm_out));
		ret = url_normalize_path(r->in, len, norm_out, cap);
		if (r->ret == 0)
			ok = ret >= 0 && (size_t)ret == strlen(r->out) &&
			    strcmp(norm_out, r->out) == 0;
		else
			ok = ret == r->ret;
		/* Nothing is written past the capacity. */
		if (cap < sizeof(norm_out) && norm_out[cap] != 'X')
			ok = 0;
		if (!ok) {
			fprintf(stderr, "\nurl_normalize_path row %zu: ", i);
			unit_print_bytes(r->in, len, 0);
			fprintf(stderr, " cap %zu: got %d", cap, ret);
			if (ret >= 0) {
				fputc(' ', stderr);
				unit_print_bytes(norm_out, (size_t)ret, 0);
			}
			fprintf(stderr, ", want %d %s\n", r->ret,
			    r->out != NULL ? r->out : "");
		}
		CU_ASSERT_TRUE(ok);
	}
}

/*
 * A normalized path normalizes to itself: a rule file path written in
 * normalized form and a request path meet whichever is normalized twice.
 */
static void
test_url_normalize_idempotent(void)
{
	const struct norm_row	*r;
	size_t			 i;
	int			 ret, again;

	for (i = 0; i < nitems(norm_rows); i++) {
		r = &norm_rows[i];
		if (r->ret != 0)
			continue;
		ret = url_normalize_path(r->out, strlen(r->out), norm_out,
		    sizeof(norm_out));
		again = url_normalize_path(norm_out, ret < 0 ? 0 : (size_t)ret,
		    norm_again, sizeof(norm_again));
		if (ret < 0 || ret != again ||
		    strcmp(norm_out, r->out) != 0 ||
		    strcmp(norm_again, norm_out) != 0) {
			fprintf(stderr, "\nidempotence row %zu: %s -> %d %s\n",
			    i, r->out, ret, ret >= 0 ? norm_out : "");
			CU_FAIL("normalized path changes when normalized");
		}
	}
}

/* Inputs of URI_MAX bytes: growth by three, deep dot segments. */
static void
test_url_normalize_long(void)
{
	static char	 in[URI_MAX + 1], want[PATH_BUF];
	size_t		 i, n;
	int		 ret;

	/* Every byte encoded: the result fits PATH_BUF. */
	in[0] = '/';
	memset(in + 1, ' ', URI_MAX - 1);
	want[0] = '/';
	for (i = 1; i < URI_MAX; i++)
		memcpy(want + 1 + 3 * (i - 1), "%20", 3);
	n = 1 + 3 * (URI_MAX - 1);
	want[n] = '\0';
	ret = url_normalize_path(in, URI_MAX, norm_out, sizeof(norm_out));
	CU_ASSERT_EQUAL_FATAL(ret, (int)n);
	CU_ASSERT_STRING_EQUAL(norm_out, want);
	/* Exactly fits, and one byte short. */
	CU_ASSERT_EQUAL(url_normalize_path(in, URI_MAX, norm_out, n + 1),
	    (int)n);
	CU_ASSERT_EQUAL(url_normalize_path(in, URI_MAX, norm_out, n),
	    URL_TOO_LONG);

	/* "/a" times k, then "/.." times k: back to "/". */
	n = URI_MAX / 5;
	for (i = 0; i < n; i++)
		memcpy(in + 2 * i, "/a", 2);
	for (i = 0; i < n; i++)
		memcpy(in + 2 * n + 3 * i, "/..", 3);
	ret = url_normalize_path(in, 5 * n, norm_out, sizeof(norm_out));
	CU_ASSERT_EQUAL(ret, 1);
	CU_ASSERT_STRING_EQUAL(norm_out, "/");
	/* The same in a buffer far too small for what is written first. */
	ret = url_normalize_path(in, 5 * n, norm_out, 2);
	CU_ASSERT_EQUAL(ret, 1);
	CU_ASSERT_STRING_EQUAL(norm_out, "/");
	/* One "/.." fewer leaves "/a/". */
	ret = url_normalize_path(in, 5 * n - 3, norm_out, 4);
	CU_ASSERT_EQUAL(ret, 3);
	CU_ASSERT_STRING_EQUAL(norm_out, "/a/");

	/* A long segment, kept whole. */
	in[0] = '/';
	memset(in + 1, 'a', URI_MAX - 1);
	in[URI_MAX] = '\0';
	ret = url_normalize_path(in, URI_MAX, norm_out, sizeof(norm_out));
	CU_ASSERT_EQUAL(ret, URI_MAX);
	CU_ASSERT_STRING_EQUAL(norm_out, in);
}

/* ---- url_encode_uri ---- */

struct enc_row {
	const char	*in;
	size_t		 len;	/* DEF: strlen(in) */
	size_t		 cap;	/* DEF: 256 */
	const char	*out;	/* NULL: the buffer overflows */
};

#define E_OK(in, out)		{ in, DEF, DEF, out }

static const struct enc_row enc_rows[] = {
	E_OK("", ""),
	E_OK("abc", "abc"),
	E_OK("AZaz09", "AZaz09"),
	/* Reserved and unreserved characters are kept. */
	E_OK("-._~!$&'()*+,;=:@/?#[]", "-._~!$&'()*+,;=:@/?#[]"),
	E_OK("a=1&b=2", "a=1&b=2"),
	/* Bytes that may not appear in a URI. */
	E_OK("a b", "a%20b"),
	E_OK("a\r\nb", "a%0D%0Ab"),
	E_OK("\r\nLocation: x", "%0D%0ALocation:%20x"),
	{ "a\0b", 3, DEF, "a%00b" },
	{ "\0", 1, DEF, "%00" },
	E_OK("\t\x01\x1f", "%09%01%1F"),
	E_OK("\x7f", "%7F"),
	E_OK("\"<>\\^`{|}", "%22%3C%3E%5C%5E%60%7B%7C%7D"),
	E_OK("caf\xc3\xa9", "caf%C3%A9"),
	E_OK("\xff\x80", "%FF%80"),
	/* Valid escapes are kept as written; a lone '%' is encoded. */
	E_OK("%41", "%41"),
	E_OK("%2f%2F", "%2f%2F"),
	E_OK("%0D%0A", "%0D%0A"),
	E_OK("%c3%a9", "%c3%a9"),
	E_OK("%", "%25"),
	E_OK("%4", "%254"),
	E_OK("%zz", "%25zz"),
	E_OK("%4g", "%254g"),
	E_OK("a%", "a%25"),
	E_OK("100%", "100%25"),
	E_OK("%%41", "%25%41"),
	E_OK("%25", "%25"),
	/* The length is obeyed: an escape cut by it is not an escape. */
	{ "%41", 2, DEF, "%254" },
	{ "abc\r\n", 3, DEF, "abc" },
	/* A whole URI. */
	E_OK("http://example.com/a b?q=\xc3\xa9&r=%20#top",
	    "http://example.com/a%20b?q=%C3%A9&r=%20#top"),
	/* The capacity counts the NUL; an overflow is marked. */
	{ "abcd", DEF, 5, "abcd" },
	{ "abcd", DEF, 4, NULL },
	{ " ", DEF, 4, "%20" },
	{ " ", DEF, 3, NULL },
	{ "ab ", DEF, 6, "ab%20" },
	{ "ab ", DEF, 5, NULL },
	{ "a%zz", DEF, 7, "a%25zz" },
	{ "a%zz", DEF, 6, NULL },
	{ "", DEF, 1, "" },
};

static void
test_url_encode_uri(void)
{
	const struct enc_row	*r;
	struct buf		 b;
	char			 mem[256];
	size_t			 i, len, cap;
	int			 ok;

	for (i = 0; i < nitems(enc_rows); i++) {
		r = &enc_rows[i];
		len = r->len == DEF ? strlen(r->in) : r->len;
		cap = r->cap == DEF ? sizeof(mem) : r->cap;
		buf_init(&b, mem, cap);
		url_encode_uri(&b, r->in, len);
		if (r->out == NULL)
			ok = b.overflow;
		else
			ok = !b.overflow && b.len == strlen(r->out) &&
			    strcmp(b.data, r->out) == 0;
		if (!ok) {
			fprintf(stderr, "\nurl_encode_uri row %zu: ", i);
			unit_print_bytes(r->in, len, 0);
			fprintf(stderr, " cap %zu: got overflow %d ", cap,
			    b.overflow);
			unit_print_bytes(b.data, b.len, 0);
			fprintf(stderr, ", want %s\n",
			    r->out != NULL ? r->out : "overflow");
		}
		CU_ASSERT_TRUE(ok);
	}

	/* Appends after what the buffer holds. */
	buf_init(&b, mem, sizeof(mem));
	buf_adds(&b, "/p?");
	url_encode_uri(&b, "a b", 3);
	CU_ASSERT_FALSE(b.overflow);
	CU_ASSERT_STRING_EQUAL(b.data, "/p?a%20b");
	/* An overflowed buffer stays overflowed. */
	buf_init(&b, mem, 4);
	url_encode_uri(&b, "abcdef", 6);
	url_encode_uri(&b, "a", 1);
	CU_ASSERT_TRUE(b.overflow);
}

/* Every byte value: kept when it may appear in a URI, else %XX. */
static void
test_url_encode_every_byte(void)
{
	static const char	 keep[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?#[]";
	struct buf		 b;
	char			 mem[16], in, want[4];
	unsigned		 c;

	for (c = 0; c < 256; c++) {
		in = (char)c;
		if (c != 0 && strchr(keep, (int)c) != NULL)
			snprintf(want, sizeof(want), "%c", (int)c);
		else
			snprintf(want, sizeof(want), "%%%02X", c);
		buf_init(&b, mem, sizeof(mem));
		url_encode_uri(&b, &in, 1);
		if (b.overflow || strcmp(b.data, want) != 0) {
			fprintf(stderr, "\nurl_encode_uri byte 0x%02x: got ",
			    c);
			unit_print_bytes(b.data, b.len, 0);
			fprintf(stderr, ", want %s\n", want);
			CU_FAIL("byte not encoded as it should be");
		}
	}
}

/* ---- url_is_pchar ---- */

static void
test_url_is_pchar(void)
{
	/* RFC 3986 §3.3: unreserved, sub-delims, ':' and '@'. */
	static const char	 pchar[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@";
	unsigned		 c, n = 0;
	int			 want;

	for (c = 0; c < 256; c++) {
		want = c != 0 && strchr(pchar, (int)c) != NULL;
		if (url_is_pchar((unsigned char)c) != want) {
			fprintf(stderr, "\nurl_is_pchar(0x%02x) != %d\n", c,
			    want);
			CU_FAIL("url_is_pchar wrong");
		}
		n += want;
	}
	CU_ASSERT_EQUAL(n, 79);
	CU_ASSERT_FALSE(url_is_pchar('%'));
	CU_ASSERT_FALSE(url_is_pchar('/'));
	CU_ASSERT_FALSE(url_is_pchar('?'));
	CU_ASSERT_FALSE(url_is_pchar('#'));
	CU_ASSERT_FALSE(url_is_pchar(0xe9));
}

/* ---- url_host_valid ---- */

struct host_row {
	const char	*in;
	size_t		 len;	/* DEF: strlen(in) */
	int		 ret;
	size_t		 hostlen;
};

#define H_OK(in, hl)	{ in, DEF, 0, hl }
#define H_BAD(in)	{ in, DEF, -1, 0 }

/* Names of exactly HOST_MAX and HOST_MAX + 1 bytes, filled in by the test. */
static char	host_max[HOST_MAX + 1];
static char	host_max_port[HOST_MAX + 7];
static char	host_over[HOST_MAX + 2];

static const struct host_row host_rows[] = {
	/* reg-names */
	H_OK("example.com", 11),
	H_OK("EXAMPLE.Com", 11),
	H_OK("a", 1),
	H_OK("localhost", 9),
	H_OK("a-b_c.d", 7),
	H_OK("example.com.", 12),
	H_OK("xn--caf-dma.fr", 14),
	H_OK("1.2.3.4", 7),
	/* ports */
	H_OK("www.example.com:8080", 15),
	H_OK("1.2.3.4:80", 7),
	H_OK("example.com:", 11),
	H_OK("example.com:0", 11),
	H_OK("example.com:65535", 11),
	H_OK("example.com:00080", 11),
	H_BAD("example.com:65536"),
	H_BAD("example.com:99999"),
	H_BAD("example.com:000080"),
	H_BAD("example.com:123456"),
	H_BAD("example.com:80:80"),
	H_BAD("example.com:8a"),
	H_BAD("example.com: 80"),
	H_BAD("example.com:-1"),
	H_BAD("example.com:+80"),
	H_BAD("a:b"),
	H_BAD("a::1"),
	/* IP-literals */
	H_OK("[::1]", 5),
	H_OK("[::1]:8080", 5),
	H_OK("[::1]:", 5),
	H_OK("[::]", 4),
	H_OK("[2001:db8::1]", 13),
	H_OK("[2001:DB8::A]:443", 13),
	H_OK("[::ffff:192.0.2.1]:443", 18),
	H_OK("[:]", 3),
	H_OK("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]", 47),
	H_BAD("[]"),
	H_BAD("[]:80"),
	H_BAD("["),
	H_BAD("[::1"),
	H_BAD("[::1]x"),
	H_BAD("[::1]]"),
	H_BAD("[::1]:65536"),
	H_BAD("[::1]:80:80"),
	H_BAD("[g::1]"),
	H_BAD("[::1%25eth0]"),
	H_BAD("[v1.fe]"),
	H_BAD("[::1 ]"),
	H_BAD("::1"),
	H_BAD("::1]"),
	H_BAD("a[::1]"),
	/* empty hosts */
	{ "", 0, -1, 0 },
	H_BAD(":80"),
	H_BAD(":"),
	/* bytes that are not in a host name */
	H_BAD("exa mple.com"),
	H_BAD(" example.com"),
	H_BAD("example.com "),
	H_BAD("example.com/"),
	H_BAD("example.com/path"),
	H_BAD("user@example.com"),
	H_BAD("ex%41mple.com"),
	H_BAD("exa!mple.com"),
	H_BAD("exa~mple.com"),
	H_BAD("exa+mple.com"),
	H_BAD("example.com\r\n"),
	H_BAD("example.com\r\nX-Evil: 1"),
	H_BAD("example.com\t"),
	{ "example.com\0", 12, -1, 0 },
	{ "\0", 1, -1, 0 },
	H_BAD("caf\xc3\xa9.fr"),
	H_BAD("example.com\x7f"),
	H_BAD("example.com?"),
	H_BAD("example.com#"),
	/* The length is obeyed. */
	{ "example.com:8x", 12, 0, 11 },
	{ "example.com:65536", 16, 0, 11 },
	/* Lengths at and past HOST_MAX. */
	{ host_max, HOST_MAX, 0, HOST_MAX },
	{ host_max_port, HOST_MAX + 6, 0, HOST_MAX },
	{ host_over, HOST_MAX + 1, -1, 0 },
};

static void
test_url_host_valid(void)
{
	const struct host_row	*r;
	size_t			 i, len, hostlen;
	int			 ret, ok;

	memset(host_max, 'a', HOST_MAX);
	memcpy(host_max_port, host_max, HOST_MAX);
	memcpy(host_max_port + HOST_MAX, ":65535", 6);
	memset(host_over, 'a', HOST_MAX + 1);

	for (i = 0; i < nitems(host_rows); i++) {
		r = &host_rows[i];
		len = r->len == DEF ? strlen(r->in) : r->len;
		hostlen = (size_t)-1;
		ret = url_host_valid(r->in, len, &hostlen);
		ok = ret == r->ret && (ret != 0 || hostlen == r->hostlen);
		if (!ok) {
			fprintf(stderr, "\nurl_host_valid row %zu: ", i);
			unit_print_bytes(r->in, len, 0);
			fprintf(stderr, ": got %d hostlen %zu, want %d %zu\n",
			    ret, ret == 0 ? hostlen : 0, r->ret, r->hostlen);
		}
		CU_ASSERT_TRUE(ok);
	}
}

/* IP-literal length limit, and a 64 KiB Host. */
static void
test_url_host_long(void)
{
	static char	 lit[70], big[65536];
	size_t		 hostlen;

	/* "[" 62 colons "]" is 64 bytes: the longest accepted. */
	lit[0] = '[';
	memset(lit + 1, ':', 62);
	lit[63] = ']';
	CU_ASSERT_EQUAL(url_host_valid(lit, 64, &hostlen), 0);
	CU_ASSERT_EQUAL(hostlen, 64);
	memcpy(lit + 64, ":443", 4);
	CU_ASSERT_EQUAL(url_host_valid(lit, 68, &hostlen), 0);
	CU_ASSERT_EQUAL(hostlen, 64);
	/* 65 bytes. */
	memset(lit + 1, ':', 63);
	lit[64] = ']';
	CU_ASSERT_EQUAL(url_host_valid(lit, 65, &hostlen), -1);

	memset(big, 'a', sizeof(big));
	CU_ASSERT_EQUAL(url_host_valid(big, sizeof(big), &hostlen), -1);
	memcpy(big + sizeof(big) - 3, ":80", 3);
	CU_ASSERT_EQUAL(url_host_valid(big, sizeof(big), &hostlen), -1);
	/* Too long with the port, although the name alone would do. */
	memcpy(big + HOST_MAX, ":655351", 7);
	CU_ASSERT_EQUAL(url_host_valid(big, HOST_MAX + 7, &hostlen), -1);
}

int
test_url_register(void)
{
	static const struct unit_test tests[] = {
		{ "url_normalize_path", test_url_normalize_path },
		{ "url_normalize_path idempotent",
		    test_url_normalize_idempotent },
		{ "url_normalize_path long", test_url_normalize_long },
		{ "url_encode_uri", test_url_encode_uri },
		{ "url_encode_uri every byte", test_url_encode_every_byte },
		{ "url_is_pchar", test_url_is_pchar },
		{ "url_host_valid", test_url_host_valid },
		{ "url_host_valid long", test_url_host_long },
	};

	return unit_add_suite("url", tests, nitems(tests));
}
