/*
 * test_query.c: unit tests of query.c (query parameters, issue 11).
 *
 * Each function under test has a table of rows, input and expected
 * result: query_canon (the canonical form of form-encoded bytes),
 * query_rule (a rule's parameters: its canonical query and signature, or
 * the error), and the request side through query_init() on a struct
 * request whose query is set: query_count, query_param and query_value
 * (the last of a repeated name wins), query_key (the canonical query for a
 * signature), query_matches, query_only and query_kept.  A hostile query
 * of 16 KiB with 5,000 parameters, repeated names and malformed escapes
 * must be answered right and at once, alone and through a rule set.  A failing
 * row is printed (bytes escaped) to stderr before the assertion.
 *
 * struct query is some 400 KiB: it lives on the heap (query_new()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "unit.h"
#include "fcgi-redirect.h"

/* In a row, a length of DEF means strlen(in); a capacity, a large one. */
#define DEF		((size_t)-1)

static struct request	req;	/* about 48 KiB: not on the stack */

/* A zeroed struct query on the heap, or NULL (the test fails). */
static struct query *
query_new(void)
{
	struct query	*q;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		CU_FAIL("out of memory");
	return q;
}

/*
 * Make q the parsed-on-demand query of a request whose raw query is
 * raw[0..len) (len DEF: strlen), or which has none (raw NULL).
 */
static void
query_of(struct query *q, const char *raw, size_t len)
{
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	memcpy(req.path, "/", 2);
	req.path_len = 1;
	req.query = raw;
	req.query_len = raw == NULL ? 0 : len == DEF ? strlen(raw) : len;
	query_init(q, &req);
}

/* Report a failing row: what, its input, what came and what was wanted. */
static void
report(const char *what, size_t i, const char *in, size_t inlen,
    const char *got, size_t gotlen, const char *want)
{
	fprintf(stderr, "\n%s row %zu: ", what, i);
	unit_print_bytes(in, inlen, 0);
	fputs(": got ", stderr);
	if (got != NULL)
		unit_print_bytes(got, gotlen, 0);
	else
		fputs("none", stderr);
	fputs(", want ", stderr);
	unit_print_str(want, 200);
	fputc('\n', stderr);
}

/* ---- query_canon ---- */

struct canon_row {
	const char	*in;
	size_t		 len;	/* DEF: strlen(in) */
	size_t		 cap;	/* DEF: 3 * len + 1 */
	const char	*out;	/* NULL: -1 (does not fit) */
};

#define C(in, out)		{ in, DEF, DEF, out }
#define CN(in, len, out)	{ in, len, DEF, out }
#define CCAP(in, cap, out)	{ in, DEF, cap, out }

static const struct canon_row canon_rows[] = {
	C("", ""),
	C("abc", "abc"),
	/* RFC 3986 unreserved bytes stay as they are... */
	C("AZaz09-._~", "AZaz09-._~"),
	/* ...and so do their escapes, decoded, in either case. */
	C("%41%5a%61%7A%30%39%2d%2E%5f%7e", "AZaz09-._~"),
	C("%34%32", "42"),
	/* Everything else is %XX in uppercase. */
	C("a/b", "a%2Fb"),
	C("a%2fb", "a%2Fb"),
	C("a%2Fb", "a%2Fb"),
	C("=&?#", "%3D%26%3F%23"),
	C("%3d%26", "%3D%26"),
	C(":@!$'()*,;", "%3A%40%21%24%27%28%29%2A%2C%3B"),
	C("\"<>\\^`{|}", "%22%3C%3E%5C%5E%60%7B%7C%7D"),
	/* Form decoding: '+' is a space, as %20 and a raw space are. */
	C("a+b", "a%20b"),
	C("a%20b", "a%20b"),
	C("a b", "a%20b"),
	C("++", "%20%20"),
	/* An encoded plus is a plus, another value than a space. */
	C("a%2Bb", "a%2Bb"),
	C("a%2bb", "a%2Bb"),
	C("%2B+", "%2B%20"),
	/* A '%' without two hex digits is a percent sign. */
	C("%", "%25"),
	C("100%", "100%25"),
	C("%4", "%254"),
	C("%zz", "%25zz"),
	C("%4g", "%254g"),
	C("%g4", "%25g4"),
	C("%%41", "%25A"),
	C("%41%", "A%25"),
	C("%4%41", "%254A"),
	C("% 1", "%25%201"),
	C("%+1", "%25%201"),
	/* Decoded once only: %25 is a percent sign, not an escape. */
	C("%25", "%25"),
	C("%2541", "%2541"),
	/* NUL and control bytes, escaped or raw. */
	C("%00", "%00"),
	CN("a\0b", 3, "a%00b"),
	CN("\0", 1, "%00"),
	C("\r\n\t\x7f", "%0D%0A%09%7F"),
	C("%0d%0A", "%0D%0A"),
	/* UTF-8: its bytes, raw or escaped in either case, are one value. */
	C("caf\xc3\xa9", "caf%C3%A9"),
	C("caf%C3%A9", "caf%C3%A9"),
	C("caf%c3%a9", "caf%C3%A9"),
	C("\xe2\x82\xac", "%E2%82%AC"),
	C("\xff\x80", "%FF%80"),
	/* Only n bytes are read. */
	CN("abc%41", 4, "abc%25"),
	CN("a+b", 1, "a"),
	/* The capacity counts the NUL. */
	CCAP("abc", 4, "abc"),
	CCAP("abc", 3, NULL),
	CCAP("a b", 6, "a%20b"),
	CCAP("a b", 5, NULL),
	CCAP("a b", 4, NULL),
	CCAP("", 1, ""),
	CCAP("", 0, NULL),
};

static void
test_query_canon(void)
{
	const struct canon_row	*r;
	char			 out[256], all[256], big[3 * 256 + 1];
	size_t			 i, len, cap;
	int			 k, ok;

	for (i = 0; i < nitems(canon_rows); i++) {
		r = &canon_rows[i];
		len = r->len == DEF ? strlen(r->in) : r->len;
		cap = r->cap == DEF ? 3 * len + 1 : r->cap;
		memset(out, 'X', sizeof(out));
		k = query_canon(r->in, len, out, cap);
		if (r->out == NULL)
			ok = k == -1;
		else
			ok = k >= 0 && (size_t)k == strlen(r->out) &&
			    memcmp(out, r->out, (size_t)k + 1) == 0;
		/* Nothing past the capacity. */
		if (out[cap] != 'X')
			ok = 0;
		if (!ok)
			report("query_canon", i, r->in, len, k < 0 ? NULL :
			    out, k < 0 ? 0 : (size_t)k, r->out ? r->out :
			    "(does not fit)");
		CU_ASSERT_TRUE(ok);
	}

	/* Every byte: 3 * n + 1 suffice, and the form is idempotent. */
	for (i = 0; i < 256; i++)
		all[i] = (char)i;
	k = query_canon(all, 256, big, sizeof(big));
	CU_ASSERT_TRUE(k > 0);
	if (k > 0) {
		char	again[3 * (3 * 256) + 1];
		int	k2 = query_canon(big, (size_t)k, again, sizeof(again));

		/* '+' (0x2B) and '%' (0x25) come out escaped, so stable. */
		CU_ASSERT_EQUAL(k2, k);
		CU_ASSERT_TRUE(k2 == k && memcmp(again, big, (size_t)k) == 0);
		for (i = 0; i < (size_t)k; i++)
			if (!((big[i] >= 'A' && big[i] <= 'Z') ||
			    (big[i] >= 'a' && big[i] <= 'z') ||
			    (big[i] >= '0' && big[i] <= '9') ||
			    strchr("-._~%", big[i]) != NULL)) {
				fprintf(stderr, "\nquery_canon: byte 0x%02x in "
				    "the canonical form\n",
				    (unsigned char)big[i]);
				CU_FAIL("a byte outside the canonical set");
				break;
			}
	}
	/* A '+' is the space, so a space's form does not hold a '+'. */
	CU_ASSERT_EQUAL(query_canon(" ", 1, out, sizeof(out)), 3);
	CU_ASSERT_STRING_EQUAL(out, "%20");
}

/* ---- query_rule ---- */

struct rule_row {
	const char	*in;
	char		 sep;
	const char	*canon;		/* NULL: an error */
	const char	*sig;		/* or the error's phrase */
};

#define QR(in, canon, sig)	{ in, '&', canon, sig }
#define QP(in, canon, sig)	{ in, ' ', canon, sig }
#define QR_ERR(in, why)		{ in, '&', NULL, why }
#define QP_ERR(in, why)		{ in, ' ', NULL, why }

#define E_NONE		"no parameter after '?'"
#define E_EMPTY		"an empty parameter"
#define E_NONAME	"a parameter without a name"
#define E_TWICE		"a parameter named twice"
#define E_MANY		"more than 32 parameters"

/* 32 and 33 parameters. */
#define P8(s)		s "1&" s "2&" s "3&" s "4&" s "5&" s "6&" s "7&" s "8"
#define P32		P8("a") "&" P8("b") "&" P8("c") "&" P8("d")
#define P32_CANON	"a1&a2&a3&a4&a5&a6&a7&a8&b1&b2&b3&b4&b5&b6&b7&b8&" \
			"c1&c2&c3&c4&c5&c6&c7&c8&d1&d2&d3&d4&d5&d6&d7&d8"

static const struct rule_row rule_rows[] = {
	/* A name and a value; a name alone; an empty value. */
	QR("id=42", "id=42", "id="),
	QR("id", "id", "id&"),
	QR("id=", "id=", "id="),
	/* Sorted by canonical name, whatever the order written. */
	QR("cat=3&id=42", "cat=3&id=42", "cat=id="),
	QR("id=42&cat=3", "cat=3&id=42", "cat=id="),
	QR("b&a=1", "a=1&b", "a=b&"),
	QR("z&y=&x=1", "x=1&y=&z", "x=y=z&"),
	QR("b=1&B=2&a=3", "B=2&a=3&b=1", "B=a=b="),
	QR("%7A=1&y=2", "y=2&z=1", "y=z="),
	QR("ab=1&a=2", "a=2&ab=1", "a=ab="),
	/* Names and values canonical. */
	QR("id=%34%32", "id=42", "id="),
	QR("%69%64=42", "id=42", "id="),
	QR("q=a+b", "q=a%20b", "q="),
	QR("q=a%20b", "q=a%20b", "q="),
	QR("q=a%2Bb", "q=a%2Bb", "q="),
	QR("q=a%2bb", "q=a%2Bb", "q="),
	QR("a+b=1", "a%20b=1", "a%20b="),
	QR("q=%zz", "q=%25zz", "q="),
	QR("q=100%", "q=100%25", "q="),
	QR("q=%00", "q=%00", "q="),
	QR("q=caf\xc3\xa9", "q=caf%C3%A9", "q="),
	QR("q=a/b", "q=a%2Fb", "q="),
	/* The value runs from the first '='. */
	QR("a=b=c", "a=b%3Dc", "a="),
	QR("a==", "a=%3D", "a="),
	QR(P32, P32_CANON, "a1&a2&a3&a4&a5&a6&a7&a8&b1&b2&b3&b4&b5&b6&b7&b8&"
	    "c1&c2&c3&c4&c5&c6&c7&c8&d1&d2&d3&d4&d5&d6&d7&d8&"),
	/* params =: blank-separated, blanks at either end or doubled. */
	QP("id=42 cat=3", "cat=3&id=42", "cat=id="),
	QP("  id  ref=x  ", "id&ref=x", "id&ref="),
	QP("ref", "ref", "ref&"),
	/* There, '&' is a byte of the value. */
	QP("a=1&b=2", "a=1%26b%3D2", "a="),

	/* The errors. */
	QR_ERR("", E_NONE),
	QR_ERR("&", E_EMPTY),
	QR_ERR("a&&b", E_EMPTY),
	QR_ERR("a&", E_EMPTY),
	QR_ERR("&a", E_EMPTY),
	QR_ERR("=1", E_NONAME),
	QR_ERR("=", E_NONAME),
	QR_ERR("a=1&=2", E_NONAME),
	QR_ERR("x=1&x=2", E_TWICE),
	QR_ERR("x&x=1", E_TWICE),
	QR_ERR("x&x", E_TWICE),
	QR_ERR("x=1&%78=2", E_TWICE),
	QR_ERR("a+b=1&a%20b=2", E_TWICE),
	QR_ERR(P32 "&e", E_MANY),
	QP_ERR("", "no parameter"),
	QP_ERR("   ", "no parameter"),
	QP_ERR("=1", E_NONAME),
	QP_ERR("x =1", E_NONAME),
	QP_ERR("x x=1", E_TWICE),
};

static void
test_query_rule(void)
{
	const struct rule_row	*r;
	const char		*why;
	char			*canon, *sig;
	size_t			 i, n;
	int			 rc, ok;

	for (i = 0; i < nitems(rule_rows); i++) {
		r = &rule_rows[i];
		n = strlen(r->in);
		canon = malloc(4 * n + 8);
		sig = malloc(4 * n + 8);
		if (canon == NULL || sig == NULL) {
			free(canon);
			free(sig);
			CU_FAIL("out of memory");
			return;
		}
		why = NULL;
		sig[0] = '\0';
		rc = query_rule(r->in, n, r->sep, canon, &why);
		if (rc == 0)
			query_signature(canon, sig);
		if (r->canon != NULL)
			ok = rc == 0 && strcmp(canon, r->canon) == 0 &&
			    strcmp(sig, r->sig) == 0;
		else
			ok = rc == -1 && why != NULL &&
			    strstr(why, r->sig) != NULL;
		if (!ok) {
			fprintf(stderr, "\nquery_rule row %zu (sep '%c'): ", i,
			    r->sep);
			unit_print_str(r->in, 120);
			if (rc == 0) {
				fputs(": got ", stderr);
				unit_print_str(canon, 200);
				fputs(" sig ", stderr);
				unit_print_str(sig, 200);
			} else
				fprintf(stderr, ": got the error \"%s\"",
				    why ? why : "(none)");
			fputs(", want ", stderr);
			unit_print_str(r->canon ? r->canon : "the error", 200);
			fputs(" / ", stderr);
			unit_print_str(r->sig, 200);
			fputc('\n', stderr);
		}
		CU_ASSERT_TRUE(ok);
		free(canon);
		free(sig);
	}
}

/* ---- a request's query: query_count, query_param, query_value ---- */

struct param_row {
	const char	*query;		/* NULL: the request has none */
	const char	*name;		/* canonical */
	int		 has;		/* -1: absent; else has_value */
	const char	*value;		/* canonical, when present */
};

#define PV(q, name, v)		{ q, name, 1, v }
#define PN(q, name)		{ q, name, 0, "" }
#define PA(q, name)		{ q, name, -1, NULL }

static const struct param_row param_rows[] = {
	PV("id=42", "id", "42"),
	/* Wherever it stands, whatever else is there. */
	PV("x=1&id=42&utm_source=y", "id", "42"),
	PV("id=42&x=1", "id", "42"),
	PV("utm_source=a&gclid=b&fbclid=c&_gl=d&id=42", "id", "42"),
	/* A name twice: its last value, as PHP's $_GET. */
	PV("id=1&id=42", "id", "42"),
	PV("id=42&id=1", "id", "1"),
	PV("id=1&x=2&id=3&y=4", "id", "3"),
	PN("id=1&id", "id"),
	PV("id&id=3", "id", "3"),
	PV("id=5&id=", "id", ""),
	/* An empty value is not a name alone. */
	PV("id=", "id", ""),
	PN("id", "id"),
	PN("x=1&id&y=2", "id"),
	/* Names and values canonical. */
	PV("%69d=7", "id", "7"),
	PV("i+d=1", "i%20d", "1"),
	PV("i%20d=1", "i%20d", "1"),
	PV("id=%34%32", "id", "42"),
	PV("id=a+b", "id", "a%20b"),
	PV("id=a%20b", "id", "a%20b"),
	PV("id=a%2Bb", "id", "a%2Bb"),
	PV("id=a%2bb", "id", "a%2Bb"),
	PV("id=a/b", "id", "a%2Fb"),
	PV("id=a%26b%3Dc", "id", "a%26b%3Dc"),
	PV("q=caf%C3%A9", "q", "caf%C3%A9"),
	PV("q=caf%c3%a9", "q", "caf%C3%A9"),
	PV("q=caf\xc3\xa9", "q", "caf%C3%A9"),
	/* The value runs from the first '='; ';' separates nothing. */
	PV("a=b=c", "a", "b%3Dc"),
	PV("id=1;id=2", "id", "1%3Bid%3D2"),
	/* Malformed escapes are percent signs, and never fail. */
	PV("id=%zz", "id", "%25zz"),
	PV("id=%", "id", "%25"),
	PV("id=%4", "id", "%254"),
	PV("%zz=1&id=2", "%25zz", "1"),
	PV("id=%00", "id", "%00"),
	/* Empty parts and parts without a name are skipped over. */
	PV("&&&id=5&&&", "id", "5"),
	PV("=&=x&id=5&=", "id", "5"),
	PV("===&id==&", "id", "%3D"),
	/* Names are compared whole and with their case. */
	PA("ID=1", "id"),
	PA("idx=1", "id"),
	PA("i=1", "id"),
	PA("xid=1", "id"),
	PA("id%3D1", "id"),
	PA("", "id"),
	PA("&&&", "id"),
	PA("=id", "id"),
	PA(NULL, "id"),
};

static void
test_query_param(void)
{
	const struct param_row	*r;
	struct query		*q;
	struct query_param	*p;
	const char		*v = NULL;
	size_t			 i, vl = 0;
	int			 ok;

	if ((q = query_new()) == NULL)
		return;
	for (i = 0; i < nitems(param_rows); i++) {
		r = &param_rows[i];
		query_of(q, r->query, DEF);
		p = query_param(q, r->name, strlen(r->name));
		if (r->has < 0)
			ok = p == NULL;
		else if (p == NULL)
			ok = 0;
		else {
			v = query_value(q, p, &vl);
			ok = p->has_value == r->has && vl == strlen(r->value) &&
			    memcmp(v, r->value, vl) == 0;
			/* Asked again: the same value. */
			if (ok) {
				size_t	 vl2;

				v = query_value(q, p, &vl2);
				ok = vl2 == vl && memcmp(v, r->value, vl) == 0;
			}
		}
		if (!ok) {
			fprintf(stderr, "\nquery_param row %zu: name %s in ", i,
			    r->name);
			unit_print_str(r->query, 120);
			fprintf(stderr, ": got %s", p == NULL ? "none" :
			    p->has_value ? "a value " : "a name alone ");
			if (p != NULL && p->has_value)
				unit_print_bytes(v, vl, 0);
			fprintf(stderr, ", want %s", r->has < 0 ? "none" :
			    r->has ? "a value " : "a name alone");
			if (r->has > 0)
				unit_print_str(r->value, 120);
			fputc('\n', stderr);
		}
		CU_ASSERT_TRUE(ok);
	}
	free(q);
}

struct count_row {
	const char	*query;
	size_t		 n;
};

static const struct count_row count_rows[] = {
	{ NULL, 0 },
	{ "", 0 },
	{ "a", 1 },
	{ "a=1", 1 },
	{ "a&b", 2 },
	{ "a=1&a=2", 2 },
	{ "&", 0 },
	{ "&&&", 0 },
	{ "a&&b&", 2 },
	{ "&a", 1 },
	{ "=", 1 },
	{ "=&=", 2 },
	{ "%&%", 2 },
	{ "a=1;b=2", 1 },
};

static void
test_query_count(void)
{
	struct query	*q;
	size_t		 i, n;

	if ((q = query_new()) == NULL)
		return;
	for (i = 0; i < nitems(count_rows); i++) {
		query_of(q, count_rows[i].query, DEF);
		n = query_count(q);
		if (n != count_rows[i].n) {
			fprintf(stderr, "\nquery_count row %zu: ", i);
			unit_print_str(count_rows[i].query, 80);
			fprintf(stderr, ": got %zu, want %zu\n", n,
			    count_rows[i].n);
		}
		CU_ASSERT_EQUAL(n, count_rows[i].n);
	}
	/* Only len bytes of the query are its own. */
	query_of(q, "a&b&c", 3);
	CU_ASSERT_EQUAL(query_count(q), 2);
	CU_ASSERT_PTR_NULL(query_param(q, "c", 1));
	free(q);
}

/* ---- query_key: the request's canonical query for a signature ---- */

struct key_row {
	const char	*query;
	const char	*sig;
	size_t		 cap;	/* DEF: a large one */
	const char	*key;	/* NULL: -1 */
};

#define K(q, sig, key)		{ q, sig, DEF, key }
#define KCAP(q, sig, cap, key)	{ q, sig, cap, key }

static const struct key_row key_rows[] = {
	K("id=42", "id=", "id=42"),
	K("x=1&id=%34%32&utm=1", "id=", "id=42"),
	K("id=42&cat=3", "cat=id=", "cat=3&id=42"),
	K("cat=3&x&id=42", "cat=id=", "cat=3&id=42"),
	K("cat=3", "cat=id=", NULL),
	K("id=42", "cat=id=", NULL),
	K("", "id=", NULL),
	K(NULL, "id=", NULL),
	/* A name alone has no value: "id" is not "id=". */
	K("id", "id=", NULL),
	K("id", "id&", "id"),
	K("id=5", "id&", "id"),
	K("id=", "id&", "id"),
	K("id=", "id=", "id="),
	/* The last of a repeated name. */
	K("id=1&id=2", "id=", "id=2"),
	K("id=1&id", "id=", NULL),
	K("id&id=1", "id=", "id=1"),
	/* A mix of values and names alone, in the signature's order. */
	K("b&a=1", "a=b&", "a=1&b"),
	K("b=7&a=a+b", "a=b&", "a=a%20b&b"),
	K("a=1", "a=b&", NULL),
	K("q=a%2Bb", "q=", "q=a%2Bb"),
	K("q=a+b", "q=", "q=a%20b"),
	/* What does not fit is -1. */
	KCAP("id=42", "id=", 64, "id=42"),
	KCAP("id=42", "id=", 3, NULL),
	KCAP("id=4242424242", "id=", 8, NULL),
};

static void
test_query_key(void)
{
	const struct key_row	*r;
	struct query		*q;
	char			 out[256];
	size_t			 i, cap;
	int			 k, ok;

	if ((q = query_new()) == NULL)
		return;
	for (i = 0; i < nitems(key_rows); i++) {
		r = &key_rows[i];
		query_of(q, r->query, DEF);
		cap = r->cap == DEF ? sizeof(out) - 1 : r->cap;
		memset(out, 'X', sizeof(out));
		k = query_key(q, r->sig, out, cap);
		if (r->key == NULL)
			ok = k == -1;
		else
			ok = k >= 0 && (size_t)k == strlen(r->key) &&
			    memcmp(out, r->key, (size_t)k + 1) == 0;
		if (out[cap] != 'X')
			ok = 0;
		if (!ok) {
			fprintf(stderr, "\nquery_key: sig %s cap %zu:", r->sig,
			    cap);
			report("query_key", i, r->query ? r->query : "(none)",
			    r->query ? strlen(r->query) : 6, k < 0 ? NULL :
			    out, k < 0 ? 0 : (size_t)k, r->key ? r->key :
			    "-1");
		}
		CU_ASSERT_TRUE(ok);
	}
	free(q);
}

/* ---- query_matches: has the request a rule's parameters? ---- */

struct matches_row {
	const char	*query;
	const char	*canon;		/* a rule's canonical query */
	int		 want;
};

static const struct matches_row matches_rows[] = {
	{ "id=42", "id=42", 1 },
	{ "id=42&x=1", "id=42", 1 },
	{ "utm_source=x&id=42&gclid=y", "id=42", 1 },
	{ "id=43", "id=42", 0 },
	{ "id=4", "id=42", 0 },
	{ "id=420", "id=42", 0 },
	{ "", "id=42", 0 },
	{ NULL, "id=42", 0 },
	/* Every parameter, in any order. */
	{ "cat=3&id=42", "cat=3&id=42", 1 },
	{ "id=42&cat=3", "cat=3&id=42", 1 },
	{ "id=42", "cat=3&id=42", 0 },
	{ "cat=3", "cat=3&id=42", 0 },
	{ "cat=4&id=42", "cat=3&id=42", 0 },
	/* A name alone asks for presence; a value, for that value. */
	{ "id", "id", 1 },
	{ "id=", "id", 1 },
	{ "id=5", "id", 1 },
	{ "idx=5", "id", 0 },
	{ "id", "id=", 0 },
	{ "id=", "id=", 1 },
	{ "id=0", "id=", 0 },
	{ "id=1&ref", "id=1&ref", 1 },
	{ "ref=1&id=1", "id=1&ref", 1 },
	{ "id=1", "id=1&ref", 0 },
	/* The last of a repeated name counts. */
	{ "id=1&id=42", "id=42", 1 },
	{ "id=42&id=1", "id=42", 0 },
	{ "id=42&id", "id=42", 0 },
	{ "id=42&id", "id", 1 },
	/* Canonical comparison: %XX, '+' and a space. */
	{ "id=%34%32", "id=42", 1 },
	{ "%69%64=42", "id=42", 1 },
	{ "q=a+b", "q=a%20b", 1 },
	{ "q=a%20b", "q=a%20b", 1 },
	{ "q=a%2Bb", "q=a%20b", 0 },
	{ "q=a%2Bb", "q=a%2Bb", 1 },
	{ "q=a%2bb", "q=a%2Bb", 1 },
	{ "q=a+b", "q=a%2Bb", 0 },
	{ "q=caf\xc3\xa9", "q=caf%C3%A9", 1 },
	{ "q=%zz", "q=%25zz", 1 },
	{ "q=a/b", "q=a%2Fb", 1 },
	/* Parameter values keep their case. */
	{ "q=ABC", "q=abc", 0 },
	{ "Q=abc", "q=abc", 0 },
	/* Empty and nameless parts are nothing. */
	{ "&&&id=42&&=&=42", "id=42", 1 },
	{ "=42", "id=42", 0 },
};

static void
test_query_matches(void)
{
	const struct matches_row	*r;
	struct query			*q;
	size_t				 i;
	int				 got;

	if ((q = query_new()) == NULL)
		return;
	for (i = 0; i < nitems(matches_rows); i++) {
		r = &matches_rows[i];
		query_of(q, r->query, DEF);
		got = query_matches(q, r->canon);
		if (got != r->want) {
			fprintf(stderr, "\nquery_matches row %zu: ", i);
			unit_print_str(r->query, 120);
			fprintf(stderr, " against %s: got %d, want %d\n",
			    r->canon, got, r->want);
		}
		CU_ASSERT_EQUAL(got, r->want);
	}
	free(q);
}

/* ---- query_only: has the request no parameter but a rule's? ---- */

/* The parameters of query_only()'s longest query: some 16,000 bytes. */
#define HOSTILE_PARAMS_ONLY	4000

struct only_row {
	const char	*query;
	const char	*c1, *c2;	/* canonical queries, or NULL */
	int		 want;
};

static const struct only_row only_rows[] = {
	/* No parameter: none asked for, or some. */
	{ NULL, NULL, NULL, 1 },
	{ "", NULL, NULL, 1 },
	{ "&&&", NULL, NULL, 1 },
	{ "", "id=42", NULL, 1 },
	{ "x", NULL, NULL, 0 },
	{ "x=1", NULL, NULL, 0 },
	{ "=", NULL, NULL, 0 },
	{ "=1", "id", NULL, 0 },
	/* Names only: values are query_matches()'s. */
	{ "id=42", "id=42", NULL, 1 },
	{ "id=1", "id=42", NULL, 1 },
	{ "id", "id=42", NULL, 1 },
	{ "id=42&x=1", "id=42", NULL, 0 },
	{ "x=1&id=42", "id=42", NULL, 0 },
	{ "id=42&id=1&id", "id=42", NULL, 1 },
	{ "cat=3&z&id=42", "cat=3&id=42", NULL, 0 },
	{ "id=42&cat=3", "cat=3&id=42", NULL, 1 },
	/* Both queries: a key's and `params =`. */
	{ "ref=1&id=42", "id=42", "ref", 1 },
	{ "lang=de&ref&id=42", "id=42", "lang&ref", 1 },
	{ "lang=de&ref&id=42&z", "id=42", "lang&ref", 0 },
	{ "ref", NULL, "ref", 1 },
	{ "ref&id", NULL, "ref", 0 },
	/* Canonical names; their case counts. */
	{ "%69d=42", "id=42", NULL, 1 },
	{ "a+b=1", "a%20b=1", NULL, 1 },
	{ "a%2Bb=1", "a%20b=1", NULL, 0 },
	{ "ID=42", "id=42", NULL, 0 },
	/* Prefixes and neighbours of a name are other names. */
	{ "i", "id", NULL, 0 },
	{ "idx", "id", NULL, 0 },
	{ "e&a&c", "a&b&c&d&e", NULL, 1 },
	{ "0", "a&b&c&d&e", NULL, 0 },
	{ "f", "a&b&c&d&e", NULL, 0 },
	{ "bb", "a&b&c&d&e", NULL, 0 },
	{ "%25", "%25&a", NULL, 1 },
	{ "%", "%25&a", NULL, 1 },
};

static void
test_query_only(void)
{
	static char		 raw[URI_MAX + 1];
	const struct only_row	*r;
	struct query		*q;
	size_t			 i, len = 0;
	int			 got, w;

	if ((q = query_new()) == NULL)
		return;
	for (i = 0; i < nitems(only_rows); i++) {
		r = &only_rows[i];
		query_of(q, r->query, DEF);
		got = query_only(q, r->c1, r->c2);
		if (got != r->want) {
			fprintf(stderr, "\nquery_only row %zu: ", i);
			unit_print_str(r->query, 120);
			fprintf(stderr, " against %s and %s: got %d, want %d\n",
			    r->c1 ? r->c1 : "-", r->c2 ? r->c2 : "-", got,
			    r->want);
		}
		CU_ASSERT_EQUAL(got, r->want);
	}
	/* 4,000 parameters, every one a name asked for: each is looked at. */
	for (i = 0; i < HOSTILE_PARAMS_ONLY; i++) {
		w = snprintf(raw + len, sizeof(raw) - len, "%s%c=%zu",
		    i > 0 ? "&" : "", (int)('a' + i % 26), i % 10);
		CU_ASSERT_FATAL(w > 0 && (size_t)w < sizeof(raw) - len);
		len += (size_t)w;
	}
	query_of(q, raw, len);
	CU_ASSERT_EQUAL(query_only(q, "a&b&c&d&e&f&g&h&i&j&k&l&m", "n&o&p&q&r&"
	    "s&t&u&v&w&x&y&z"), 1);
	CU_ASSERT_EQUAL(query_only(q, "a&b&c&d&e&f&g&h&i&j&k&l&m", "n&o&p&q&r&"
	    "s&t&u&v&w&x&y"), 0);
	free(q);
}

/* ---- query_kept: the request's query less what a rule matched on ---- */

struct kept_row {
	const char	*query;
	const char	*drop1, *drop2;	/* canonical queries, or NULL */
	char		 lead;
	const char	*out;
	size_t		 n;		/* how many kept */
};

static const struct kept_row kept_rows[] = {
	{ "id=42&utm_source=x", "id=42", NULL, '?', "?utm_source=x", 1 },
	{ "utm_source=x&id=42&b=2", "id=42", NULL, '?', "?utm_source=x&b=2",
	    2 },
	{ "id=42", "id=42", NULL, '?', "", 0 },
	{ "", "id=42", NULL, '?', "", 0 },
	{ NULL, "id=42", NULL, '?', "", 0 },
	/* Every occurrence of a matched name goes. */
	{ "id=1&x&id=42", "id=42", NULL, '?', "?x", 1 },
	{ "id&id=42&id=", "id=42", NULL, '?', "", 0 },
	/* By canonical name, whatever the value. */
	{ "%69d=42&x=1", "id=42", NULL, '?', "?x=1", 1 },
	{ "id=7&x=1", "id", NULL, '?', "?x=1", 1 },
	{ "a+b=1&c=2", "a%20b=1", NULL, '?', "?c=2", 1 },
	{ "a%2Bb=1&c=2", "a%20b=1", NULL, '?', "?a%2Bb=1&c=2", 2 },
	/* The others in their order and encoding, made safe to send. */
	{ "z=%2B&id=42&y=a+b&x=%zz", "id=42", NULL, '?',
	    "?z=%2B&y=a+b&x=%25zz", 3 },
	{ "a b=\"1\"&id=42", "id=42", NULL, '?', "?a%20b=%221%22", 1 },
	{ "q=caf\xc3\xa9&id=42", "id=42", NULL, '?', "?q=caf%C3%A9", 1 },
	{ "q=\r\nX: y&id=42", "id=42", NULL, '?', "?q=%0D%0AX:%20y", 1 },
	/* Empty parts go; nameless ones stay. */
	{ "a=1&&&id=42&&b=2&", "id=42", NULL, '?', "?a=1&b=2", 2 },
	{ "=x&id=42&=", "id=42", NULL, '?', "?=x&=", 2 },
	/* Both canonical queries: a key's and `params =`. */
	{ "ref=1&id=42&z", "id=42", "ref", '?', "?z", 1 },
	{ "ref=1&id=42&z", NULL, "ref", '?', "?id=42&z", 2 },
	{ "cat=3&z=9&id=42", "cat=3&id=42", NULL, '?', "?z=9", 1 },
	{ "a=1&b=2", NULL, NULL, '?', "?a=1&b=2", 2 },
	/* The lead: '&' after a target's own query, or none. */
	{ "id=42&z", "id=42", NULL, '&', "&z", 1 },
	{ "id=42&z&y", "id=42", NULL, '\0', "z&y", 2 },
	{ "id=42", "id=42", NULL, '&', "", 0 },
};

static void
test_query_kept(void)
{
	const struct kept_row	*r;
	struct query		*q;
	struct buf		 b;
	char			 out[512];
	size_t			 i, n;
	int			 ok;

	if ((q = query_new()) == NULL)
		return;
	for (i = 0; i < nitems(kept_rows); i++) {
		r = &kept_rows[i];
		query_of(q, r->query, DEF);
		buf_init(&b, out, sizeof(out));
		n = query_kept(q, r->drop1, r->drop2, &b, r->lead);
		ok = !b.overflow && n == r->n && strcmp(b.data, r->out) == 0;
		if (!ok) {
			fprintf(stderr, "\nquery_kept row %zu: less %s and %s "
			    "lead '%c' from ", i, r->drop1 ? r->drop1 : "-",
			    r->drop2 ? r->drop2 : "-", r->lead ? r->lead : '0');
			unit_print_str(r->query, 120);
			fprintf(stderr, ": got %zu ", n);
			unit_print_bytes(b.data, b.len, 0);
			fprintf(stderr, ", want %zu ", r->n);
			unit_print_str(r->out, 120);
			fputc('\n', stderr);
		}
		CU_ASSERT_TRUE(ok);
	}
	free(q);
}

/* ---- a hostile query ---- */

/*
 * A query of at most cap - 1 bytes: nparams parameters, every 7th of them
 * an "id" (the last with value 42), the others bare names, '=' alone,
 * malformed escapes and "b=%", with runs of '&' between; a tracking
 * parameter at the very end.  *nid gets the number of "id"s, *n the
 * number of parameters (empty parts are none).  Returns the length, or 0.
 */
#define HOSTILE_PARAMS	5000

static size_t
hostile_query(char *s, size_t cap, size_t nparams, size_t *n, size_t *nid)
{
	static const char *const junk[] = { "a", "=", "%", "%z", "b=%",
	    "=%4", "c", "%%" };
	size_t	 len = 0, i;
	int	 w;

	*n = 0;
	*nid = 0;
	for (i = 0; i < nparams - 2; i++) {
		if (i % 7 == 3) {
			w = snprintf(s + len, cap - len, "id=%zu&",
			    i % 10);
			(*nid)++;
		} else
			w = snprintf(s + len, cap - len, "%s&%s",
			    junk[i % nitems(junk)], i % 50 == 0 ? "&&" : "");
		if (w < 0 || (size_t)w >= cap - len)
			return 0;
		len += (size_t)w;
		(*n)++;
	}
	w = snprintf(s + len, cap - len, "id=%%34%%32&utm_source=x");
	if (w < 0 || (size_t)w >= cap - len)
		return 0;
	(*nid)++;
	*n += 2;
	return len + (size_t)w;
}

/*
 * What a request's matching and Location ask of query.c, on raw[0..len)
 * with n parameters, nid of them "id": checked when `check`.  Returns the
 * number of failed checks.
 */
static int
hostile_round(struct query *q, const char *raw, size_t len, size_t n,
    size_t nid, struct buf *b, int check)
{
	struct query_param	*p;
	const char		*v = "";
	char			 key[64];
	size_t			 vl = 0, kept;
	int			 bad = 0, k, m1, m2, m3, m4, o1, o2;

	query_of(q, raw, len);
	bad += query_count(q) != n;
	if ((p = query_param(q, "id", 2)) != NULL)
		v = query_value(q, p, &vl);
	m1 = query_matches(q, "id=42");
	m2 = query_matches(q, "id=3");
	m3 = query_matches(q, "id=42&nope");
	m4 = query_matches(q, "a&b=%25&c&utm_source=x");
	o1 = query_only(q, "a&b&c&id&utm_source", "%25&%25%25&%25z");
	o2 = query_only(q, "id=42", NULL);
	k = query_key(q, "id=utm_source=", key, sizeof(key));
	b->len = 0;
	b->overflow = 0;
	kept = query_kept(q, "id=42", NULL, b, '?');
	if (!check)
		return 0;
	bad += p == NULL || vl != 2 || memcmp(v, "42", 2) != 0;
	bad += !m1 + m2 + m3 + !m4;
	/* Nameless parameters ("=", "=%4") are ones no rule asks for. */
	bad += o1 + o2;
	bad += k <= 0 || strcmp(key, "id=42&utm_source=x") != 0;
	bad += kept != n - nid || b->overflow;
	bad += strstr(b->data, "id=") != NULL;
	bad += b->len <= 13 || strcmp(b->data + b->len - 13,
	    "&utm_source=x") != 0;
	return bad;
}

/* CPU seconds of `rounds` rounds on raw[0..len). */
static double
hostile_time(struct query *q, const char *raw, size_t len, struct buf *b,
    unsigned rounds)
{
	clock_t		 t0 = clock();
	unsigned	 i;

	for (i = 0; i < rounds; i++)
		(void)hostile_round(q, raw, len, 0, 0, b, 0);
	return (double)(clock() - t0) / CLOCKS_PER_SEC;
}

static void
test_query_hostile(void)
{
	static char		 raw[URI_MAX + 1], small[URI_MAX / 10 + 1];
	static char		 uri[URI_MAX + 64], loc[LOCATION_MAX];
	static const char	 ini[] =
		"[first]\npath = /index.php?id=43\nto = /first\n"
		"[q]\npath = /index.php?id=42\nto = /about\n"
		"[map m]\n/index.php?id=42&nope = /never\n";
	struct query		*q;
	struct ruleset		*rs;
	struct match_scratch	*sc;
	struct match		 m;
	struct diag		 d;
	struct buf		 b;
	char			 uri_var[URI_MAX + 80];
	char			 method[] = "REQUEST_METHOD=GET";
	char			*env[3] = { method, uri_var, NULL };
	size_t			 len, slen, n, nid, sn, snid;
	double			 big_s, small_s;

	if ((q = query_new()) == NULL)
		return;
	len = hostile_query(raw, sizeof(raw), HOSTILE_PARAMS, &n, &nid);
	slen = hostile_query(small, sizeof(small), HOSTILE_PARAMS / 10, &sn,
	    &snid);
	CU_ASSERT_TRUE(len > 12000 && len <= URI_MAX && slen > 0);
	if (len == 0 || slen == 0) {
		free(q);
		return;
	}
	buf_init(&b, loc, sizeof(loc));
	CU_ASSERT_EQUAL(hostile_round(q, raw, len, n, nid, &b, 1), 0);
	/* Kept as sent: runs of the raw query, empty parts ("&&") too. */
	CU_ASSERT_TRUE(strncmp(b.data, "?a&&&=&%25&b=%25&", 17) == 0);
	CU_ASSERT_EQUAL(hostile_round(q, small, slen, sn, snid, &b, 1), 0);

	/*
	 * Bounded: the cost grows with the query's length, not its square.
	 * 100 rounds of 5,000 parameters take some 0.02 s (0.6 s under
	 * valgrind), as do 1,000 of 500; a pass quadratic in the parameters
	 * makes the first ten times the second.
	 */
	big_s = hostile_time(q, raw, len, &b, 100);
	small_s = hostile_time(q, small, slen, &b, 1000);
	if (big_s > 4.0 || big_s > 4 * small_s + 0.05) {
		fprintf(stderr, "\nhostile query: 100 rounds of %zu "
		    "parameters took %.3f s, 1000 of %zu %.3f s\n", n, big_s,
		    sn, small_s);
		CU_FAIL("a hostile query is slow");
	}
	free(q);

	/* Through a rule set, as a request: the right rule, the rest kept. */
	diag_init(&d, NULL, "hostile.ini");
	rs = ini_load_buffer("hostile.ini", ini, strlen(ini), &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	if ((sc = match_scratch_new()) == NULL) {
		ruleset_free(rs);
		CU_FAIL("match_scratch_new");
		return;
	}
	snprintf(uri, sizeof(uri), "/index.php?%s", raw);
	snprintf(uri_var, sizeof(uri_var), "REQUEST_URI=%s", uri);
	CU_ASSERT_EQUAL(request_parse(&req, env, 0), 0);
	CU_ASSERT_EQUAL(match_lookup(rs, &req, sc, &m), 0);
	CU_ASSERT_TRUE(m.rule != NULL && strcmp(m.rule->name, "q") == 0);
	if (m.rule != NULL && strcmp(m.rule->name, "q") == 0) {
		buf_init(&b, loc, sizeof(loc));
		CU_ASSERT_EQUAL(location_build(&req, &m, &b), 0);
		CU_ASSERT_TRUE(strncmp(b.data, "/about?a&&&=&%25&", 17) == 0);
		CU_ASSERT_PTR_NULL(strstr(b.data, "id="));
	}
	match_scratch_free(sc);
	ruleset_free(rs);
}

int
test_query_register(void)
{
	static const struct unit_test tests[] = {
		{ "query_canon", test_query_canon },
		{ "query_rule", test_query_rule },
		{ "query_param and query_value", test_query_param },
		{ "query_count", test_query_count },
		{ "query_key", test_query_key },
		{ "query_matches", test_query_matches },
		{ "query_only", test_query_only },
		{ "query_kept", test_query_kept },
		{ "a hostile query", test_query_hostile },
	};

	return unit_add_suite("query", tests, nitems(tests));
}
