/*
 * test_location.c: unit tests of location.c (building the Location).
 *
 * Each row is a rule file (one rule, sometimes with [defaults]), a request
 * (URI, Host, scheme) and the Location it must get, or the error: 400 when
 * the target needs a host the request lacks, 414 when the Location does not
 * fit the buffer.  The request goes through request_parse() and
 * match_lookup() as a real one does, then location_build() into a buffer
 * of LOCATION_MAX bytes unless the row gives a smaller one.  A failing row
 * is printed to stderr before the assertion.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "fcgi-redirect.h"

/* In a row, a capacity of DEF means LOCATION_MAX. */
#define DEF		((size_t)-1)
#define HOST		"example.re"

struct loc_row {
	const char	*ini;
	const char	*uri;
	const char	*host;		/* HTTP_HOST, NULL: none */
	int		 https;
	size_t		 cap;		/* of the Location buffer */
	int		 ret;		/* 0, 400 or 414 */
	const char	*location;	/* when ret is 0 */
};

/* A row with the default host; with a host and scheme; an error. */
#define L(ini, uri, loc)		{ ini, uri, HOST, 0, DEF, 0, loc }
#define LH(ini, uri, host, s, loc)	{ ini, uri, host, s, DEF, 0, loc }
#define LERR(ini, uri, host, code)	{ ini, uri, host, 0, DEF, code, NULL }
#define LCAP(ini, uri, cap, ret, loc)	{ ini, uri, HOST, 0, cap, ret, loc }

/* Prefix rules: the target with and without a trailing slash, the root. */
#define PRE_SLASH	"[r]\nprefix = /blog\nto = https://blog.example.re/\n"
#define PRE_NOSLASH	"[r]\nprefix = /blog/\nto = https://b.example.re/new\n"
#define PRE_ROOT	"[r]\nprefix = /\nto = https://n.example.re/\n"
#define PRE_ROOT_BARE	"[r]\nprefix = /\nto = https://n.example.re\n"
#define PRE_REL		"[r]\nprefix = /old\nto = /new/\n"
#define PRE_TO_ROOT	"[r]\nprefix = /p\nto = /\n"
#define PRE_QF		"[r]\nprefix = /blog\n" \
			"to = https://b.example.re/new?src=old#top\n"
#define PRE_F		"[r]\nprefix = /blog\nto = /n/#f\n"
/* Path rules with the query in every position. */
#define PATH_AB		"[r]\npath = /a\nto = /b\n"
#define PATH_DROP	"[r]\npath = /a\nquery = drop\nto = /b\n"
#define DEF_DROP	"[defaults]\nquery = drop\n[r]\npath = /a\nto = /b\n"
#define DEF_DROP_KEEP	"[defaults]\nquery = drop\n" \
			"[r]\npath = /a\nquery = keep\nto = /b\n"
#define PATH_TQ		"[r]\npath = /a\nto = /b?k=v\n"
#define PATH_TQMARK	"[r]\npath = /a\nto = /b?\n"
#define PATH_TAMP	"[r]\npath = /a\nto = /b?k=v&\n"
#define PATH_TF		"[r]\npath = /a\nto = /b#frag\n"
#define PATH_TQF	"[r]\npath = /a\nto = https://n.example.re/b?k=v#frag\n"
#define PATH_TFQ	"[r]\npath = /a\nto = /b#f?g\n"
/* Regex rules and captures. */
#define RE_ITEM		"[r]\nregex = ^/item/([0-9]+)$\nto = /shop/item/$1\n"
#define RE_NINE		"[r]\nregex = ^/(a)(b)(c)(d)(e)(f)(g)(h)(i)$\n" \
			"to = /$9$8$7$6$5$4$3$2$1\n"
#define RE_OPT		"[r]\nregex = ^/o/(x)?(y)$\nto = /r/$1-$2\n"
#define RE_OPT_LAST	"[r]\nregex = ^/o/(y)(x)?$\nto = /r/$1-$2\n"
#define RE_SEARCH	"[r]\nregex = ^/s/(.*)$\n" \
			"to = https://n.example.re/search?q=$1\n"
#define RE_GO		"[r]\nregex = ^/go(/.*)$\nto = /$1\n"
#define RE_GO2		"[r]\nregex = ^/go/(.*)$\nto = /$1\n"
#define RE_TWICE	"[r]\nregex = ^/(.*)$\nto = /x$1$1\n"
#define RE_ONCE		"[r]\nregex = ^/(.*)$\nto = /x$1\n"
#define PATH_DOLLAR	"[r]\npath = /a\nto = /d$$1?p=$$\n"
/* Named placeholders. */
#define PH_HOST		"[r]\npath = /a\nto = https://${host}/sale\n"
#define PH_HOST_PORT	"[r]\npath = /a\nto = https://${host}:8443/x\n"
#define PH_HOST_QUERY	"[r]\npath = /a\nto = /x?h=${host}\n"
#define PH_SCHEME	"[r]\npath = /a\nto = ${scheme}://${host}/x\n"
#define PH_PATH		"[r]\nprefix = /old\n" \
			"to = https://n.example.re/new${path}\n"
#define PH_PATH_REL	"[r]\npath = /a b\nto = /n${path}\n"
#define PH_PATH_ROOT	"[r]\nprefix = /\nto = /${path}\n"
#define PH_QUERY	"[r]\npath = /a\nto = /s?orig=${query}\n"
#define PH_QUERY_DROP	"[r]\npath = /a\nquery = drop\nto = /s?orig=${query}\n"
/* Queries (issue 11): keys with parameters, params =, ${param:NAME}. */
#define Q_KEY		"[r]\npath = /index.php?id=42\nto = /about\n"
#define Q_KEY_DROP	"[r]\npath = /index.php?id=42\nquery = drop\n" \
			"to = /about\n"
#define Q_KEY_TQ	"[r]\npath = /index.php?id=42\nto = /about?from=old\n"
#define Q_KEY_TQF	"[r]\npath = /index.php?id=42\nto = /about?f=1#top\n"
#define Q_KEY_PARAMS	"[r]\npath = /index.php?cat=3&id=42\n" \
			"params = ref\nto = /c\n"
#define Q_MAP		"[map m]\n/?p=123 = /post/123\n/?p=7&lang = /p7\n"
#define Q_PRE_PARAMS	"[r]\nprefix = /shop\nparams = item\nto = /s/\n"
#define Q_RE_PARAMS	"[r]\nregex = ^/r/([0-9]+)$\nparams = mode=full\n" \
			"to = /full/$1?m=1\n"
#define Q_PARAM_PATH	"[r]\npath = /index.php?id\nto = /p/${param:id}\n"
#define Q_PARAM_QUERY	"[r]\npath = /index.php?id\nto = /q?v=${param:id}\n"
#define Q_PARAM_FRAG	"[r]\npath = /index.php?id\nto = /f#${param:id}\n"
#define Q_PARAM_OTHER	"[r]\npath = /a\nto = /x/${param:ref}\n"
#define Q_PARAM_CANON	"[r]\npath = /a\nto = /x/${param:%69d}-${param:a+b}\n"
#define Q_PARAM_TWO	"[r]\npath = /a?x&y\nto = /x/${param:y}/${param:x}\n"
#define Q_KEY_QUERY	"[r]\npath = /index.php?id=42\nto = /s?orig=${query}\n"
#define Q_EMPTY		"[r]\npath = /a\nto = /b?k=v\n"
/* A piece of the path placed in the target's query. */
#define Q_RE_PATH	"[r]\nregex = ^/t/(.*)$\nto = /t2/$1\n"
#define Q_RE_FRAG	"[r]\nregex = ^/t/(.*)$\nto = /t2#$1\n"
#define Q_PH_PATH_Q	"[r]\nprefix = /old\nto = /x?from=${path}\n"
#define Q_PH_PATH_P	"[r]\nprefix = /old\nto = /x${path}\n"
/* [defaults] base. */
#define BASE		"[defaults]\nbase = https://www.example.re/\n" \
			"[r]\npath = /a\nto = /b\n"
#define BASE_PATH	"[defaults]\nbase = https://www.example.re/root/\n" \
			"[r]\npath = /a\nto = /b\n"
#define BASE_PREFIX	"[defaults]\nbase = https://w.example.re\n" \
			"[r]\nprefix = /p\nto = /\n"
#define BASE_ABS	"[defaults]\nbase = https://www.example.re\n" \
			"[r]\npath = /a\nto = http://other.example.re/b\n"

/* A URI of "/" and 16,000 spaces, and "/x" and its path once, encoded. */
#define SPACES		16000
static char	uri_spaces[SPACES + 2];
static char	loc_spaces_once[3 + 3 * SPACES];

static void
fill_long(void)
{
	size_t	 i;

	uri_spaces[0] = '/';
	memset(uri_spaces + 1, ' ', SPACES);
	uri_spaces[SPACES + 1] = '\0';
	memcpy(loc_spaces_once, "/x", 2);
	for (i = 0; i < SPACES; i++)
		memcpy(loc_spaces_once + 2 + 3 * i, "%20", 3);
	loc_spaces_once[2 + 3 * SPACES] = '\0';
}

static const struct loc_row loc_rows[] = {
	/* The prefix rest, joined without doubling a slash. */
	L(PRE_SLASH, "/blog", "https://blog.example.re/"),
	L(PRE_SLASH, "/blog/", "https://blog.example.re/"),
	L(PRE_SLASH, "/blog/2019/a", "https://blog.example.re/2019/a"),
	L(PRE_SLASH, "/blog/a b", "https://blog.example.re/a%20b"),
	L(PRE_SLASH, "/blog?q=1", "https://blog.example.re/?q=1"),
	L(PRE_NOSLASH, "/blog", "https://b.example.re/new"),
	L(PRE_NOSLASH, "/blog/", "https://b.example.re/new/"),
	L(PRE_NOSLASH, "/blog/x", "https://b.example.re/new/x"),
	L(PRE_NOSLASH, "/blog//x", "https://b.example.re/new//x"),
	L(PRE_ROOT, "/", "https://n.example.re/"),
	L(PRE_ROOT, "/a/b", "https://n.example.re/a/b"),
	L(PRE_ROOT_BARE, "/", "https://n.example.re/"),
	L(PRE_ROOT_BARE, "/a", "https://n.example.re/a"),
	L(PRE_REL, "/old", "/new/"),
	L(PRE_REL, "/old/x/y", "/new/x/y"),
	L(PRE_TO_ROOT, "/p", "/"),
	L(PRE_TO_ROOT, "/p/a", "/a"),
	/* A rest of "//host" must not make a relative "//host". */
	L(PRE_TO_ROOT, "/p//evil.example/x", "/evil.example/x"),
	/* The rest goes before the target's own query and fragment. */
	L(PRE_QF, "/blog", "https://b.example.re/new?src=old#top"),
	L(PRE_QF, "/blog/x", "https://b.example.re/new/x?src=old#top"),
	L(PRE_QF, "/blog/x?q=1", "https://b.example.re/new/x?src=old&q=1#top"),
	L(PRE_F, "/blog/x?q", "/n/x?q#f"),

	/* The query: kept, encoded, joined, before a fragment. */
	L(PATH_AB, "/a", "/b"),
	L(PATH_AB, "/a?x=1", "/b?x=1"),
	L(PATH_AB, "/a?", "/b"),
	L(PATH_AB, "/a?x=1&y=2", "/b?x=1&y=2"),
	L(PATH_AB, "/a?x=1#frag", "/b?x=1"),
	L(PATH_AB, "/a?/?:@!$'()*+,;=", "/b?/?:@!$'()*+,;="),
	L(PATH_AB, "/a?a b", "/b?a%20b"),
	L(PATH_AB, "/a?q=\"x\"", "/b?q=%22x%22"),
	L(PATH_AB, "/a?a\r\nLocation: x", "/b?a%0D%0ALocation:%20x"),
	L(PATH_AB, "/a?caf\xc3\xa9", "/b?caf%C3%A9"),
	L(PATH_AB, "/a?<x>|{}\\^`", "/b?%3Cx%3E%7C%7B%7D%5C%5E%60"),
	L(PATH_AB, "/a?100%", "/b?100%25"),
	L(PATH_AB, "/a?%zz", "/b?%25zz"),
	L(PATH_AB, "/a?%41%2f", "/b?%41%2f"),
	L(PATH_DROP, "/a?x=1", "/b"),
	L(DEF_DROP, "/a?x=1", "/b"),
	L(DEF_DROP_KEEP, "/a?x=1", "/b?x=1"),
	L(PATH_TQ, "/a", "/b?k=v"),
	L(PATH_TQ, "/a?x=1", "/b?k=v&x=1"),
	L(PATH_TQMARK, "/a?x=1", "/b?x=1"),
	L(PATH_TQMARK, "/a", "/b?"),
	L(PATH_TAMP, "/a?x=1", "/b?k=v&x=1"),
	L(PATH_TF, "/a", "/b#frag"),
	L(PATH_TF, "/a?x=1", "/b?x=1#frag"),
	L(PATH_TQF, "/a?x=1", "https://n.example.re/b?k=v&x=1#frag"),
	L(PATH_TFQ, "/a?x=1", "/b?x=1#f?g"),

	/* Captures. */
	L(RE_ITEM, "/item/42", "/shop/item/42"),
	L(RE_ITEM, "/item/42?x", "/shop/item/42?x"),
	L(RE_NINE, "/abcdefghi", "/ihgfedcba"),
	/* An unset optional group is empty. */
	L(RE_OPT, "/o/y", "/r/-y"),
	L(RE_OPT, "/o/xy", "/r/x-y"),
	L(RE_OPT_LAST, "/o/y", "/r/y-"),
	L(RE_OPT_LAST, "/o/yx", "/r/y-x"),
	/* Captures come from the normalized path. */
	L(RE_SEARCH, "/s/a b?x=1", "https://n.example.re/search?q=a%20b&x=1"),
	L(RE_SEARCH, "/s/%7e", "https://n.example.re/search?q=~"),
	/* $$ is a literal $. */
	L(PATH_DOLLAR, "/a", "/d$1?p=$"),
	L(PATH_DOLLAR, "/a?x", "/d$1?p=$&x"),
	/* A relative target whose $1 starts with '/' never gives "//". */
	L(RE_GO, "/go/x", "/x"),
	L(RE_GO, "/go//evil.example/x", "/evil.example/x"),
	L(RE_GO, "/go///evil.example", "/evil.example"),
	L(RE_GO2, "/go//evil.example", "/evil.example"),
	L(RE_GO2, "/go/\\evil.example", "/%5Cevil.example"),

	/* Named placeholders. */
	LH(PH_HOST, "/a", "Shop.Example.RE:8080", 0,
	    "https://shop.example.re/sale"),
	LH(PH_HOST, "/a?x", "shop.example.re.", 0,
	    "https://shop.example.re/sale?x"),
	LH(PH_HOST, "/a", "[::1]:8080", 0, "https://[::1]/sale"),
	LERR(PH_HOST, "/a", NULL, 400),
	LERR(PH_HOST_QUERY, "/a", NULL, 400),
	L(PH_HOST_PORT, "/a", "https://example.re:8443/x"),
	LH(PH_SCHEME, "/a", HOST, 0, "http://example.re/x"),
	LH(PH_SCHEME, "/a", HOST, 1, "https://example.re/x"),
	/* ${path}: the whole path, and no rest appended. */
	L(PH_PATH, "/old/x?q", "https://n.example.re/new/old/x?q"),
	L(PH_PATH, "/old", "https://n.example.re/new/old"),
	L(PH_PATH_REL, "/a b", "/n/a%20b"),
	L(PH_PATH_ROOT, "/x", "/x"),
	L(PH_PATH_ROOT, "//evil.example", "/evil.example"),
	/* ${query}: encoded where it stands, and not appended. */
	L(PH_QUERY, "/a?x=1", "/s?orig=x=1"),
	L(PH_QUERY, "/a", "/s?orig="),
	L(PH_QUERY, "/a?a b\r\n", "/s?orig=a%20b%0D%0A"),
	/* query = drop drops the appended query, not an explicit ${query}. */
	L(PH_QUERY_DROP, "/a?x=1", "/s?orig=x=1"),

	/* Queries: the parameters a rule matched on leave the kept query. */
	L(Q_KEY, "/index.php?id=42", "/about"),
	L(Q_KEY, "/index.php?id=42&utm_source=x", "/about?utm_source=x"),
	L(Q_KEY, "/index.php?utm_source=x&id=42&b=a+b&c=%2B",
	    "/about?utm_source=x&b=a+b&c=%2B"),
	L(Q_KEY, "/index.php?id=%34%32&x=%zz", "/about?x=%25zz"),
	L(Q_KEY, "/index.php?id=1&x&id=42", "/about?x"),
	L(Q_KEY, "/index.php?&&id=42&&x=1&", "/about?x=1"),
	L(Q_KEY, "/index.php?id=42&=v", "/about?=v"),
	L(Q_KEY, "/index.php?id=42#frag", "/about"),
	L(Q_KEY_DROP, "/index.php?id=42&utm_source=x", "/about"),
	L(Q_KEY_TQ, "/index.php?id=42", "/about?from=old"),
	L(Q_KEY_TQ, "/index.php?id=42&u=1", "/about?from=old&u=1"),
	L(Q_KEY_TQF, "/index.php?u=1&id=42", "/about?f=1&u=1#top"),
	L(Q_KEY_PARAMS, "/index.php?ref=9&id=42&z&cat=3", "/c?z"),
	L(Q_MAP, "/?p=123&utm_source=news", "/post/123?utm_source=news"),
	L(Q_MAP, "/?lang=fr&p=7&x", "/p7?x"),
	L(Q_PRE_PARAMS, "/shop/a/b?x=1&item=5&y=2", "/s/a/b?x=1&y=2"),
	L(Q_PRE_PARAMS, "/shop?item", "/s/"),
	L(Q_RE_PARAMS, "/r/9?mode=full&z=1", "/full/9?m=1&z=1"),
	L(Q_RE_PARAMS, "/r/9?mode=full", "/full/9?m=1"),
	/* ${query} is the whole original query, and nothing is appended. */
	L(Q_KEY_QUERY, "/index.php?id=42&u=1", "/s?orig=id=42&u=1"),
	L(Q_KEY_QUERY, "/index.php?u=1&id=%34%32", "/s?orig=u=1&id=%34%32"),
	/* An empty query is carried as none. */
	L(Q_EMPTY, "/a?", "/b?k=v"),
	/* ${param:NAME}: the canonical value, safe in a path or a query. */
	L(Q_PARAM_PATH, "/index.php?id=42", "/p/42"),
	L(Q_PARAM_PATH, "/index.php?id=a/b", "/p/a%2Fb"),
	L(Q_PARAM_PATH, "/index.php?id=a%26b%3Dc", "/p/a%26b%3Dc"),
	L(Q_PARAM_PATH, "/index.php?id=a+b", "/p/a%20b"),
	L(Q_PARAM_PATH, "/index.php?id=a%2Bb", "/p/a%2Bb"),
	L(Q_PARAM_PATH, "/index.php?id=caf%c3%a9", "/p/caf%C3%A9"),
	L(Q_PARAM_PATH, "/index.php?id=..%2F..", "/p/..%2F.."),
	L(Q_PARAM_PATH, "/index.php?id=%0D%0AX:1", "/p/%0D%0AX%3A1"),
	L(Q_PARAM_PATH, "/index.php?id=1&id=2", "/p/2"),
	L(Q_PARAM_PATH, "/index.php?id", "/p/"),
	L(Q_PARAM_PATH, "/index.php?id=%34%32&k=v", "/p/42?k=v"),
	L(Q_PARAM_QUERY, "/index.php?id=a%26b%3Dc", "/q?v=a%26b%3Dc"),
	L(Q_PARAM_QUERY, "/index.php?id=a&b=c", "/q?v=a&b=c"),
	L(Q_PARAM_QUERY, "/index.php?id=%23x%3F", "/q?v=%23x%3F"),
	L(Q_PARAM_QUERY, "/index.php?id=a%2Bb+c", "/q?v=a%2Bb%20c"),
	L(Q_PARAM_FRAG, "/index.php?id=a#b", "/f#a"),
	L(Q_PARAM_FRAG, "/index.php?id=a%23b", "/f#a%23b"),
	/* A parameter no rule asked for: its value, and kept in the query. */
	L(Q_PARAM_OTHER, "/a?ref=z", "/x/z?ref=z"),
	L(Q_PARAM_OTHER, "/a?ref=a/b", "/x/a%2Fb?ref=a/b"),
	L(Q_PARAM_OTHER, "/a", "/x/"),
	L(Q_PARAM_CANON, "/a?a%20b=2&id=1", "/x/1-2?a%20b=2&id=1"),
	L(Q_PARAM_TWO, "/a?y=2&x=1&z=3", "/x/2/1?z=3"),
	/* A piece of the path in a query keeps & = + # encoded... */
	L(RE_SEARCH, "/s/a%26b%3Dc", "https://n.example.re/search?q=a%26b%3Dc"),
	L(RE_SEARCH, "/s/a&b=c", "https://n.example.re/search?q=a%26b%3Dc"),
	L(RE_SEARCH, "/s/a+b", "https://n.example.re/search?q=a%2Bb"),
	L(RE_SEARCH, "/s/a%2Bb", "https://n.example.re/search?q=a%2Bb"),
	L(RE_SEARCH, "/s/a%23b", "https://n.example.re/search?q=a%23b"),
	L(RE_SEARCH, "/s/a%3Fb/c", "https://n.example.re/search?q=a%3Fb/c"),
	L(RE_SEARCH, "/s/a&b=c?d=1",
	    "https://n.example.re/search?q=a%26b%3Dc&d=1"),
	L(Q_PH_PATH_Q, "/old/a&b=c+d", "/x?from=/old/a%26b%3Dc%2Bd"),
	L(Q_RE_FRAG, "/t/a&b=c+d", "/t2#a%26b%3Dc%2Bd"),
	/* ...and as it is in the path. */
	L(Q_RE_PATH, "/t/a&b=c+d", "/t2/a&b=c+d"),
	L(Q_PH_PATH_P, "/old/a&b=c+d", "/x/old/a&b=c+d"),

	/* [defaults] base before /path targets only. */
	L(BASE, "/a?x", "https://www.example.re/b?x"),
	L(BASE_PATH, "/a", "https://www.example.re/root/b"),
	L(BASE_PREFIX, "/p", "https://w.example.re/"),
	L(BASE_PREFIX, "/p/x", "https://w.example.re/x"),
	L(BASE_PREFIX, "/p//evil.example",
	    "https://w.example.re//evil.example"),
	L(BASE_ABS, "/a", "http://other.example.re/b"),

	/* The capacity counts the NUL; what does not fit is 414. */
	LCAP(PATH_AB, "/a", 3, 0, "/b"),
	LCAP(PATH_AB, "/a", 2, 414, NULL),
	LCAP(PATH_AB, "/a?x=1", 7, 0, "/b?x=1"),
	LCAP(PATH_AB, "/a?x=1", 6, 414, NULL),
	LCAP(PATH_AB, "/a? ", 7, 0, "/b?%20"),
	LCAP(PATH_AB, "/a? ", 6, 414, NULL),
	LCAP(PATH_TF, "/a?x=1", 12, 0, "/b?x=1#frag"),
	LCAP(PATH_TF, "/a?x=1", 11, 414, NULL),
	LCAP(PRE_REL, "/old/abc", 9, 0, "/new/abc"),
	LCAP(PRE_REL, "/old/abc", 8, 414, NULL),
	LCAP(PRE_SLASH, "/blog/x", 16, 414, NULL),
	/* What counts is the Location before leading slashes collapse. */
	LCAP(RE_GO, "/go//x", 5, 0, "/x"),
	LCAP(RE_GO, "/go//x", 4, 414, NULL),
	/* A Location over LOCATION_MAX. */
	L(RE_ONCE, uri_spaces, loc_spaces_once),
	LERR(RE_TWICE, uri_spaces, HOST, 414),
};

static struct request	req;	/* about 48 KiB: not on the stack */
static char		loc[LOCATION_MAX];

/*
 * Load r->ini, parse r's request, match it and build the Location into
 * out.  Returns location_build()'s code, or -1 when the row itself fails
 * (the rule file does not load, the request is refused, nothing matches);
 * *why says which.
 */
static int
build(const struct loc_row *r, struct buf *out, const char **why)
{
	struct ruleset		*rs;
	struct match_scratch	*sc;
	struct match		 m;
	struct diag		 d;
	FILE			*f;
	char			*msgs = NULL;
	size_t			 msgs_len = 0;
	char			 host[300], uri[URI_MAX + 16];
	char			 method[] = "REQUEST_METHOD=GET";
	char			 https[] = "HTTPS=on";
	char			*env[5];
	size_t			 n = 0;
	int			 rc = -1, w;

	*why = NULL;
	env[n++] = method;
	if (r->host != NULL) {
		w = snprintf(host, sizeof(host), "HTTP_HOST=%s", r->host);
		if (w < 0 || (size_t)w >= sizeof(host)) {
			*why = "host too long for the test";
			return -1;
		}
		env[n++] = host;
	}
	w = snprintf(uri, sizeof(uri), "REQUEST_URI=%s", r->uri);
	if (w < 0 || (size_t)w >= sizeof(uri)) {
		*why = "URI too long for the test";
		return -1;
	}
	env[n++] = uri;
	if (r->https)
		env[n++] = https;
	env[n] = NULL;

	/* Messages go to memory, and to stderr only when the load fails. */
	if ((f = open_memstream(&msgs, &msgs_len)) == NULL) {
		*why = "open_memstream";
		return -1;
	}
	diag_init(&d, f, "location.ini");
	rs = ini_load_buffer("location.ini", r->ini, strlen(r->ini), &d);
	fclose(f);
	if (rs == NULL)
		fprintf(stderr, "\n%s", msgs);
	free(msgs);
	if (rs == NULL) {
		*why = "the rule file does not load";
		return -1;
	}
	if ((sc = match_scratch_new()) == NULL) {
		ruleset_free(rs);
		*why = "out of memory";
		return -1;
	}
	if (request_parse(&req, env, 0) != 0)
		*why = "the request is refused";
	else if (match_lookup(rs, &req, sc, &m) != 0 || m.rule == NULL)
		*why = "nothing matches";
	else
		rc = location_build(&req, &m, out);
	match_scratch_free(sc);
	ruleset_free(rs);
	return rc;
}

static void
test_location_build(void)
{
	const struct loc_row	*r;
	const char		*why;
	struct buf		 b;
	size_t			 i, cap;
	int			 rc, ok;

	fill_long();
	for (i = 0; i < nitems(loc_rows); i++) {
		r = &loc_rows[i];
		cap = r->cap == DEF ? sizeof(loc) : r->cap;
		memset(loc, 'X', sizeof(loc));
		buf_init(&b, loc, cap);
		rc = build(r, &b, &why);
		if (r->ret == 0)
			ok = rc == 0 && b.len == strlen(r->location) &&
			    strcmp(b.data, r->location) == 0;
		else
			ok = rc == r->ret;
		/* Nothing is written past the capacity. */
		if (cap < sizeof(loc) && loc[cap] != 'X')
			ok = 0;
		if (!ok) {
			fprintf(stderr, "\nlocation row %zu: ", i);
			unit_print_str(r->ini, 120);
			fputs(" request ", stderr);
			unit_print_str(r->uri, 60);
			fprintf(stderr, " host %s https %d cap %zu:\n  got %d ",
			    r->host ? r->host : "(none)", r->https, cap, rc);
			if (why != NULL)
				fprintf(stderr, "(%s)", why);
			else if (rc == 0)
				unit_print_str(b.data, 120);
			fprintf(stderr, ", want %d ", r->ret);
			unit_print_str(r->location, 120);
			fputc('\n', stderr);
		}
		CU_ASSERT_TRUE(ok);
	}
}

/* No Location ever carries a CR, LF, NUL, space or a byte over 0x7e. */
static void
test_location_bytes(void)
{
	const struct loc_row	*r;
	const char		*why;
	struct buf		 b;
	size_t			 i, k;
	unsigned char		 c;

	for (i = 0; i < nitems(loc_rows); i++) {
		r = &loc_rows[i];
		if (r->ret != 0)
			continue;
		buf_init(&b, loc, sizeof(loc));
		if (build(r, &b, &why) != 0)
			continue;	/* reported by test_location_build */
		for (k = 0; k < b.len; k++) {
			c = (unsigned char)b.data[k];
			if (c <= 0x20 || c >= 0x7f || c == '"' || c == '<' ||
			    c == '>' || c == '\\') {
				fprintf(stderr, "\nlocation row %zu: byte "
				    "0x%02x at %zu\n", i, c, k);
				CU_FAIL("a byte not allowed in a URI");
				break;
			}
		}
		if (b.len >= 2 && b.data[0] == '/' &&
		    (b.data[1] == '/' || b.data[1] == '\\')) {
			fprintf(stderr, "\nlocation row %zu: %s\n", i, b.data);
			CU_FAIL("a relative Location names another site");
		}
	}
}

int
test_location_register(void)
{
	static const struct unit_test tests[] = {
		{ "location_build", test_location_build },
		{ "location bytes", test_location_bytes },
	};

	return unit_add_suite("location", tests, nitems(tests));
}
