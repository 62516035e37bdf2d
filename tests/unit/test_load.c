/*
 * test_load.c: unit tests of loading rule files (load/ini.c, load/rules.c,
 * load/keys.c, load/names.c and load/values.c through them).
 *
 * Most tests are rows of {rule-file text, valid or not, the diagnostics
 * expected}, loaded with ini_load_buffer() and a struct diag writing to
 * an open_memstream, so every message can be checked.  An expected
 * diagnostic is written "LINE: error: SUBSTRING" or "LINE: warning:
 * SUBSTRING" (LINE 0: the file as a whole), as in the fixtures'
 * "; expect:" lines; a row must get exactly those, no more.  Then: the
 * inih trap (long lines, long names, indented lines), the compiled values
 * (inheritance from [defaults], headers, targets, times, fallback), and the
 * committed fixtures under unit_fixture_dir (tests/rules).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcre2.h>

#include "unit.h"
#include "fcgi-redirect.h"

/* The name loaded texts go by in messages. */
#define TNAME		"t.ini"

/* ---- loading and looking at diagnostics ---- */

struct loaded {
	struct ruleset	*rs;
	struct diag	 d;
	char		*msgs;		/* every message printed, NUL-ended */
	size_t		 msglen;
};

/* Load text[0..len) as `name`; the caller frees with loaded_free(). */
static void
load_text(struct loaded *l, const char *name, const char *text, size_t len)
{
	FILE	*f;

	memset(l, 0, sizeof(*l));
	f = open_memstream(&l->msgs, &l->msglen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	diag_init(&l->d, f, name);
	l->rs = ini_load_buffer(name, text, len, &l->d);
	diag_finish(&l->d);
	fclose(f);
}

/*
 * Load the file at path, its path the name in messages, and test-run its
 * regexes as --check does (probe.c).
 */
static void
load_path(struct loaded *l, const char *path)
{
	FILE	*f;

	memset(l, 0, sizeof(*l));
	f = open_memstream(&l->msgs, &l->msglen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	diag_init(&l->d, f, path);
	l->rs = ini_load_file(path, &l->d);
	if (l->rs != NULL)
		probe_regexes(l->rs, &l->d);
	diag_finish(&l->d);
	fclose(f);
}

static void
loaded_free(struct loaded *l)
{
	ruleset_free(l->rs);
	free(l->msgs);
	l->rs = NULL;
	l->msgs = NULL;
}

/*
 * Load a NUL-terminated text; it must be valid with no error and exactly
 * `warnings` warnings.
 */
static struct ruleset *
load_warned(const char *text, unsigned warnings)
{
	struct loaded	 l;
	struct ruleset	*rs;

	load_text(&l, TNAME, text, strlen(text));
	if (l.rs == NULL || l.d.errors != 0 || l.d.warnings != warnings)
		fprintf(stderr, "\nload_valid: unexpected messages for\n%s\n"
		    "---\n%s---\n", text, l.msgs);
	CU_ASSERT_PTR_NOT_NULL(l.rs);
	CU_ASSERT_EQUAL(l.d.errors, 0);
	CU_ASSERT_EQUAL(l.d.warnings, warnings);
	rs = l.rs;
	l.rs = NULL;
	loaded_free(&l);
	return rs;
}

/* Load a NUL-terminated text; it must be valid without any diagnostic. */
static struct ruleset *
load_valid(const char *text)
{
	return load_warned(text, 0);
}

/*
 * Does msgs have a line for `spec` ("LINE: LEVEL: SUBSTRING") about file,
 * that is "FILE:LINE: LEVEL: ...SUBSTRING..." ("FILE: LEVEL: ..." for line
 * 0)?  A malformed spec never matches.
 */
static int
diag_has(const char *msgs, const char *file, const char *spec)
{
	char		 prefix[1024];
	const char	*p, *level, *sub, *line, *end;
	char		*num_end;
	unsigned long	 n;
	size_t		 plen, levlen;
	int		 w;

	n = strtoul(spec, &num_end, 10);
	if (num_end == spec || strncmp(num_end, ": ", 2) != 0)
		return 0;
	level = num_end + 2;
	if ((p = strstr(level, ": ")) == NULL)
		return 0;
	levlen = (size_t)(p - level);
	sub = p + 2;
	if (n == 0)
		w = snprintf(prefix, sizeof(prefix), "%s: %.*s: ", file,
		    (int)levlen, level);
	else
		w = snprintf(prefix, sizeof(prefix), "%s:%lu: %.*s: ", file, n,
		    (int)levlen, level);
	if (w < 0 || (size_t)w >= sizeof(prefix))
		return 0;
	plen = (size_t)w;
	for (line = msgs; *line != '\0'; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		if ((size_t)(end - line) >= plen &&
		    memcmp(line, prefix, plen) == 0 &&
		    memmem(line + plen, (size_t)(end - line) - plen, sub,
		    strlen(sub)) != NULL)
			return 1;
	}
	return 0;
}

/* How many "FILE[:LINE]: LEVEL: " lines msgs has. */
static unsigned
diag_count(const char *msgs, const char *file, const char *level)
{
	const char	*line, *end, *p;
	size_t		 flen = strlen(file), llen = strlen(level);
	unsigned	 count = 0;

	for (line = msgs; *line != '\0'; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		if ((size_t)(end - line) < flen ||
		    memcmp(line, file, flen) != 0)
			continue;
		p = line + flen;
		if (*p == ':' && p[1] >= '0' && p[1] <= '9') {
			for (p++; *p >= '0' && *p <= '9'; p++)
				continue;
		}
		if (p + 4 + llen <= end && p[0] == ':' && p[1] == ' ' &&
		    memcmp(p + 2, level, llen) == 0 && p[2 + llen] == ':' &&
		    p[3 + llen] == ' ')
			count++;
	}
	return count;
}

/* Is spec about an error (else a warning)? */
static int
spec_is_error(const char *spec)
{
	const char	*p = strchr(spec, ':');

	return p != NULL && strncmp(p, ": error: ", 9) == 0;
}

/*
 * Check l against specs[0..n): each is there, and there are no more
 * errors and warnings than specs say.  `what` names the case in reports.
 */
static void
check_diags(const struct loaded *l, const char *file, const char *what,
    const char *const *specs, size_t n)
{
	unsigned	 errors = 0, warnings = 0;
	size_t		 i;
	int		 ok = 1;

	for (i = 0; i < n; i++) {
		if (spec_is_error(specs[i]))
			errors++;
		else
			warnings++;
		if (!diag_has(l->msgs, file, specs[i])) {
			fprintf(stderr, "\n%s: no message '%s'", what,
			    specs[i]);
			ok = 0;
		}
		CU_ASSERT_TRUE(diag_has(l->msgs, file, specs[i]));
	}
	if (l->d.errors != errors || l->d.warnings != warnings ||
	    diag_count(l->msgs, file, "error") != errors ||
	    diag_count(l->msgs, file, "warning") != warnings) {
		fprintf(stderr, "\n%s: %u errors and %u warnings, expected "
		    "%u and %u", what, l->d.errors, l->d.warnings, errors,
		    warnings);
		ok = 0;
	}
	CU_ASSERT_EQUAL(l->d.errors, errors);
	CU_ASSERT_EQUAL(l->d.warnings, warnings);
	CU_ASSERT_EQUAL(diag_count(l->msgs, file, "error"), errors);
	CU_ASSERT_EQUAL(diag_count(l->msgs, file, "warning"), warnings);
	if (!ok)
		fprintf(stderr, "; the messages were:\n%s", l->msgs);
}

/*
 * Is p the string want?  Checked without trusting p: a header pointer
 * left uninitialised by a bug must fail the test, not crash the whole
 * run, so the bytes are copied through a pipe (a bad address gives
 * EFAULT instead of SIGSEGV).  For short strings (headers).
 */
static int
str_is(const char *p, const char *want)
{
	static int	 fds[2] = { -1, -1 };
	char		 buf[256];
	size_t		 n = strlen(want) + 1;
	ssize_t		 w, r;

	if (p == NULL || n > sizeof(buf))
		return 0;
	if (fds[0] == -1 && pipe(fds) != 0)
		return strcmp(p, want) == 0;
	if ((w = write(fds[1], p, n)) <= 0)
		return 0;
	r = read(fds[0], buf, (size_t)w);
	return w == (ssize_t)n && r == w && memcmp(buf, want, n) == 0;
}

/* ---- rows: text, valid or not, every diagnostic ---- */

#define DIAGS_MAX	10

struct load_row {
	const char	*label;
	const char	*text;
	size_t		 len;		/* 0: strlen(text) */
	int		 valid;
	const char	*diags[DIAGS_MAX];
};

#define GOOD(label, text, ...)	{ label, text, 0, 1, { __VA_ARGS__ } }
#define BAD(label, text, ...)	{ label, text, 0, 0, { __VA_ARGS__ } }
/* A text with NUL bytes in it: its length from the literal. */
#define BADN(label, text, ...)	\
	{ label, text, sizeof(text) - 1, 0, { __VA_ARGS__ } }

/* A valid rule to stand beside the line under test. */
#define RULE	"[r]\npath = /r\nto = /s\n"

static const struct load_row load_rows[] = {
	/* Valid files. */
	GOOD("minimal", "[a]\npath = /a\nto = /b\n", NULL),
	GOOD("no newline at the end", "[a]\npath = /a\nto = /b", NULL),
	GOOD("empty file", "", "0: warning: no rules: every request gets "
	    "the fallback 404"),
	GOOD("comments only", "; one\n# two\n\n   \n\t\n",
	    "0: warning: no rules"),
	GOOD("no rules but a fallback redirect",
	    "[defaults]\nfallback = /elsewhere\n", NULL),
	GOOD("410 fallback, no rules", "[defaults]\nfallback = 410\n",
	    "0: warning: no rules: every request gets the fallback 410"),
	GOOD("BOM and CRLF", "\xef\xbb\xbf[a]\r\npath = /a\r\nto = /b\r\n",
	    NULL),
	GOOD("inline comments", "[a] ; c\npath = /a ; c\nto = /b ; c\n",
	    NULL),
	GOOD("tabs", "[a]\n\tpath\t=\t/a\n\tto\t=\t/b\n", NULL),
	GOOD("':' separates like '='", "[a]\npath: /a\nto: /b\n", NULL),
	GOOD("header repeats", RULE "header = X-A: 1\nheader = X-A: 2\n",
	    NULL),
	GOOD("%3A and %3D in map keys",
	    "[map m]\n/wiki/Special%3ASearch = /s\n/a%3Db = /c\n", NULL),
	GOOD("names of letters, digits, '-', '_', '.'",
	    "[a.b-c_D9]\npath = /a\nto = /b\n[map x.Y-z_0]\n/c = /d\n",
	    NULL),
	GOOD("section name with spaces inside the brackets",
	    "[ a ]\npath = /a\nto = /b\n", NULL),
	GOOD("rule called mapping", "[mapping]\npath = /a\nto = /b\n", NULL),
	GOOD("regex with ten groups and $9",
	    "[a]\nregex = ^/(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)$\nto = /$9/$1\n",
	    NULL),
	GOOD("${host} and a port", "[a]\npath = /a\n"
	    "to = https://${host}:8443/b?h=${host}\n", NULL),
	GOOD("IPv4 host and IPv6 target",
	    "[a]\npath = /a\nhost = 192.0.2.1\nto = http://[2001:db8::1]/b\n",
	    NULL),
	/*
	 * The canonical "same place, on https" rule: ${path} starts with '/',
	 * so the authority is ${host} alone.
	 */
	GOOD("https://${host}${path}", "[a]\nprefix = /\nscheme = http\n"
	    "to = https://${host}${path}\n", NULL),
	GOOD("${scheme}://${host}${path}", "[a]\nprefix = /old\n"
	    "to = ${scheme}://${host}${path}\n", NULL),
	GOOD("duplicate map entry: a warning",
	    "[map m]\n/a = /b\n/a = /c\n",
	    "3: warning: never used: [m] at line 2"),
	GOOD("duplicate prefix: a warning",
	    "[a]\nprefix = /x/\nto = /b\n[b]\nprefix = /x\nto = /c\n",
	    "4: warning: never used: [a] at line 1"),
	GOOD("a rule after an equal map entry: a warning",
	    "[map m]\n/x = /y\n[b]\npath = /x\nto = /c\n",
	    "3: warning: never used: [m] at line 2"),
	GOOD("duplicate after a conditional rule: no warning",
	    "[a]\npath = /x\nmethods = GET\nto = /b\n[b]\npath = /x\n"
	    "to = /c\n", NULL),
	GOOD("duplicate after other-params = refuse: no warning",
	    "[a]\npath = /x?id=1\nother-params = refuse\nto = /b\n"
	    "[b]\npath = /x?id=1\nto = /c\n", NULL),
	GOOD("a map entry after one with other-params = refuse: no warning",
	    "[map m]\nother-params = refuse\n/x = /y\n[b]\npath = /x\n"
	    "to = /c\n", NULL),
	GOOD("other-params = refuse from [defaults]: no warning",
	    "[defaults]\nother-params = refuse\n[map m]\n/x = /y\n"
	    "[b]\npath = /x\nother-params = allow\nto = /c\n", NULL),
	GOOD("other-params = allow is no condition",
	    "[a]\npath = /x\nother-params = allow\nto = /b\n[b]\n"
	    "path = /x\nto = /c\n",
	    "5: warning: never used: [a] at line 1"),
	GOOD("case variants differ without case = ignore",
	    "[map m]\n/a = /b\n/A = /c\n", NULL),
	GOOD("case variants are duplicates with case = ignore",
	    "[map m]\ncase = ignore\n/a = /b\n/A = /c\n",
	    "4: warning: never used: [m] at line 3"),
	GOOD("slash variants are duplicates with slash = either",
	    "[map m]\nslash = either\n/a = /b\n/a/ = /c\n",
	    "4: warning: never used: [m] at line 3"),
	GOOD("a map without entries: a warning",
	    "[map m]\nstatus = 301\n" RULE,
	    "1: warning: map [map m] has no entries"),

	/* Sections. */
	BAD("unknown section", "[what ever]\npath = /a\nto = /b\n",
	    "1: error: unknown section [what ever]"),
	BAD("keys of an unknown section are not reported again",
	    RULE "[b c]\npath = /x\nbogus = /y\n",
	    "4: error: unknown section [b c]"),
	BAD("empty section name", "[]\n" RULE, "1: error: unknown section []"),
	BAD("[map] without a name", "[map]\n/a = /b\n",
	    "1: error: [map NAME] needs a name"),
	BAD("[map NAME] with a bad name", "[map a/b]\n/a = /b\n",
	    "1: error: [map NAME] needs a name"),
	BAD("section without ']'", RULE "[b\n",
	    "4: error: section line without ']'"),
	BAD("text after ']'", RULE "[b] c\n",
	    "4: error: unexpected text after ']'"),
	BAD("duplicate rule name", RULE "[r]\npath = /c\nto = /d\n",
	    "4: error: duplicate rule name 'r' (first at line 1)"),
	BAD("rules and maps share names", "[map a]\n/x = /y\n[a]\n"
	    "path = /c\nto = /d\n",
	    "3: error: duplicate rule name 'a' (first at line 1)"),
	BAD("[defaults] after a rule", RULE "[defaults]\nstatus = 301\n",
	    "4: error: [defaults] must come before the first rule or map"),
	BAD("[defaults] after a map", "[map m]\n/a = /b\n[defaults]\n",
	    "3: error: [defaults] must come before"),
	BAD("[defaults] twice", "[defaults]\n[defaults]\n" RULE,
	    "2: error: [defaults] again (first at line 1)"),

	/* Keys. */
	BAD("unknown key in a rule", RULE "foo = 1\n",
	    "4: error: unknown key 'foo' in a rule"),
	BAD("keys are case-sensitive", RULE "Status = 301\n",
	    "4: error: unknown key 'Status' in a rule"),
	BAD("fallback in a rule", RULE "fallback = 404\n",
	    "4: error: unknown key 'fallback' in a rule"),
	BAD("unknown key in [defaults]", "[defaults]\nhost = x.example\n",
	    "2: error: unknown key 'host' in [defaults]"),
	BAD("to in [defaults]", "[defaults]\nto = /x\n",
	    "2: error: unknown key 'to' in [defaults]"),
	BAD("to in a map", "[map m]\nto = /x\n/a = /b\n",
	    "2: error: unknown key 'to' in a map"),
	BAD("map key without '/'", "[map m]\nold.html = /x\n/a = /b\n",
	    "2: error: unknown key 'old.html' in a map"),
	BAD("key before any section", "to = /b\n" RULE,
	    "1: error: 'to' outside a section"),
	BAD("key set twice", RULE "to = /t\n",
	    "4: error: 'to' set twice in this section (first at line 3)"),
	BAD("key set twice in [defaults]", "[defaults]\nstatus = 301\n"
	    "status = 302\n",
	    "3: error: 'status' set twice in this section (first at line 2)"),
	BAD("key set twice in a map", "[map m]\nhost = a.example\n"
	    "host = b.example\n/a = /b\n",
	    "3: error: 'host' set twice in this section (first at line 2)"),
	BAD("empty value", RULE "cache =\n",
	    "4: error: 'cache' needs a value"),
	BAD("empty to", "[a]\npath = /a\nto =\n",
	    "3: error: 'to' needs a value", "1: error: rule [a] has no 'to'"),
	BAD("empty map target", "[map m]\n/a =\n/b = /c\n",
	    "2: error: target '' is neither"),
	BAD("line without '='", RULE "redirect all\n",
	    "4: error: expected 'key = value', '[section]' or a comment"),
	BAD("key missing before '='", RULE "= /x\n",
	    "4: error: a key is missing before '='"),
	BAD("':' in a map key", "[map m]\n/wiki/Special:Search = /x\n"
	    "/y = /z\n",
	    "2: error: a ':' in a path key must be written %3A"),

	/* Rules. */
	BAD("missing to", "[a]\npath = /a\n",
	    "1: error: rule [a] has no 'to'"),
	BAD("no path, prefix or regex", "[a]\nto = /b\n",
	    "1: error: rule [a] needs exactly one of path, prefix and regex "
	    "(it has 0)"),
	BAD("path and regex", "[a]\npath = /a\nregex = ^/a$\nto = /b\n",
	    "1: error: rule [a] needs exactly one of path, prefix and regex "
	    "(it has 2)"),
	BAD("path, prefix and regex",
	    "[a]\npath = /a\nprefix = /a\nregex = ^/a$\nto = /b\n",
	    "1: error: rule [a] needs exactly one of path, prefix and regex "
	    "(it has 3)"),
	BAD("path not starting with '/'", "[a]\npath = a/b\nto = /b\n",
	    "2: error: path: 'a/b' is not a valid path"),
	BAD("prefix with a bad escape", "[a]\nprefix = /a%zz\nto = /b\n",
	    "2: error: prefix: '/a%zz' is not a valid path"),
	BAD("path with %00", "[a]\npath = /a%00\nto = /b\n",
	    "2: error: path: '/a%00' is not a valid path"),
	/* 0x1f stands for a key's own '=' inside the loader, never itself. */
	BAD("map key with a 0x1f byte", "[map m]\n/a\x1f" "b = /c\n/d = /e\n",
	    "2: error: line contains a control character"),
	BAD("map key with a bad escape", "[map m]\n/a%4 = /b\n/c = /d\n",
	    "2: error: '/a%4' is not a valid path"),
	BAD("bad regex: PCRE2's message and offset",
	    "[a]\nregex = ^/(a\nto = /b\n",
	    "2: error: regex: missing closing parenthesis at offset 4"),
	BAD("bad regex: offset 0", "[a]\nregex = +a\nto = /b\n",
	    "2: error: regex: quantifier does not follow a repeatable item "
	    "at offset 0"),
	BAD("$N beyond the groups", "[a]\nregex = ^/(a)(b)$\nto = /$3\n",
	    "3: error: to uses $3 but the regex has fewer groups"),
	BAD("$1 without groups", "[a]\nregex = ^/a$\nto = /$1\n",
	    "3: error: to uses $1 but the regex has no capture groups"),
	BAD("$1 in a path rule", "[a]\npath = /a\nto = /$1\n",
	    "3: error: to uses $1 but the rule has no capture groups"),
	BAD("$1 in a prefix rule", "[a]\nprefix = /a\nto = /$1\n",
	    "3: error: to uses $1 but the rule has no capture groups"),
	BAD("$1 in a map entry", "[map m]\n/a = /$1\n/b = /c\n",
	    "2: error: target uses $1 but the rule has no capture groups"),

	/* Option values. */
	BAD("status 200", RULE "status = 200\n",
	    "4: error: status must be 301, 302, 303, 307 or 308, not '200'"),
	BAD("status 304", RULE "status = 304\n", "4: error: not '304'"),
	BAD("status 307x", RULE "status = 307x\n", "4: error: not '307x'"),
	BAD("status -307", RULE "status = -307\n", "4: error: not '-307'"),
	BAD("status in words", "[defaults]\nstatus = permanent\n",
	    "2: error: not 'permanent'"),
	BAD("query", RULE "query = maybe\n",
	    "4: error: query must be keep or drop, not 'maybe'"),
	BAD("case", RULE "case = upper\n",
	    "4: error: case must be exact or ignore, not 'upper'"),
	BAD("slash", RULE "slash = no\n",
	    "4: error: slash must be exact or either, not 'no'"),
	BAD("other-params", RULE "other-params = deny\n",
	    "4: error: other-params must be allow or refuse, not 'deny'"),
	BAD("other-params empty", RULE "other-params =\n",
	    "4: error: 'other-params' needs a value"),
	BAD("other-params in capitals", RULE "other-params = Refuse\n",
	    "4: error: other-params must be allow or refuse, not 'Refuse'"),
	BAD("other-params twice", RULE "other-params = refuse\n"
	    "other-params = allow\n", "5: error: "),
	BAD("scheme", RULE "scheme = ftp\n",
	    "4: error: scheme must be http or https, not 'ftp'"),
	BAD("bad host", RULE "host = x.example bad!host\n",
	    "4: error: host: bad host 'bad!host'"),
	BAD("host with a port", RULE "host = x.example:80\n",
	    "4: error: host: bad host 'x.example:80'"),
	BAD("host '*.'", RULE "host = *.\n", "4: error: host: bad host '*.'"),
	BAD("host label over 63", RULE "host = "
	    "a123456789b123456789c123456789d123456789e123456789f123456789"
	    "1234.example\n", "4: error: host: bad host"),
	BAD("bad method", RULE "methods = GET G(T\n",
	    "4: error: method: bad method 'G(T'"),
	BAD("cache with a control byte", RULE "cache = a\x01z\n",
	    "4: error: cache: a Cache-Control value of printable text"),
	BAD("time without seconds", RULE "from = 2026-12-24T00:00Z\n",
	    "4: error: from: '2026-12-24T00:00Z' is not an RFC 3339 time"),
	BAD("time without zone", RULE "until = 2026-12-24T00:00:00\n",
	    "4: error: until: '2026-12-24T00:00:00' is not an RFC 3339 time"),
	BAD("April 31", RULE "until = 2026-04-31T00:00:00Z\n",
	    "4: error: until: '2026-04-31T00:00:00Z' is not"),
	BAD("February 29 of 2026", RULE "from = 2026-02-29T00:00:00Z\n",
	    "4: error: from: '2026-02-29T00:00:00Z' is not"),
	BAD("hour 24", RULE "from = 2026-12-24T24:00:00Z\n",
	    "4: error: from: '2026-12-24T24:00:00Z' is not"),
	BAD("time with trailing text", RULE "from = 2026-12-24T00:00:00Zx\n",
	    "4: error: from: '2026-12-24T00:00:00Zx' is not"),
	BAD("from equal to until", RULE "from = 2026-12-24T00:00:00Z\n"
	    "until = 2026-12-24T01:00:00+01:00\n",
	    "5: error: 'from' (line 4) must be before 'until'"),
	BAD("from after until", RULE "until = 2026-12-24T00:00:00Z\n"
	    "from = 2026-12-25T00:00:00Z\n",
	    "4: error: 'from' (line 5) must be before 'until'"),

	/* Targets. */
	BAD("ftp target", "[a]\npath = /a\nto = ftp://x.example/\n",
	    "3: error: to 'ftp://x.example/' is neither an absolute http(s) "
	    "URL nor a /path"),
	BAD("bare host target", "[a]\npath = /a\nto = evil.com\n",
	    "3: error: to 'evil.com' is neither"),
	BAD("// target", "[a]\npath = /a\nto = //evil.com\n",
	    "3: error: to '//evil.com' is neither"),
	BAD("/\\ target", "[a]\npath = /a\nto = /\\evil.com\n",
	    "3: error: to '/\\evil.com' is neither"),
	BAD("javascript: target", "[a]\npath = /a\nto = javascript:x\n",
	    "3: error: to 'javascript:x' is neither"),
	BAD("user info", "[a]\npath = /a\nto = https://u@evil.com/\n",
	    "3: error: to: user information ('@') is not allowed"),
	BAD("user info and password",
	    "[a]\npath = /a\nto = https://good.example:x@evil.com/\n",
	    "3: error: to: user information ('@') is not allowed"),
	BAD("$1 in the host", "[a]\nregex = ^/(a)$\nto = https://$1.x/\n",
	    "3: error: to: bad host in target '$1.x'"),
	BAD("${path} as the host", "[a]\npath = /a\nto = https://${path}\n",
	    "3: error: to: the target has no host"),
	BAD("empty host", "[a]\npath = /a\nto = https:///a\n",
	    "3: error: to: the target has no host"),
	BAD("bad port", "[a]\npath = /a\nto = https://x.example:123456/\n",
	    "3: error: to: bad host in target 'x.example:123456'"),
	BAD("bad port after ${host}",
	    "[a]\npath = /a\nto = https://${host}:abc/\n",
	    "3: error: to: only ':PORT' may follow ${host}"),
	BAD("unknown placeholder", "[a]\npath = /a\nto = /x/${foo}\n",
	    "3: error: to: unknown placeholder at '${foo}'"),
	BAD("placeholders are lowercase", "[a]\npath = /a\nto = /x/${Path}\n",
	    "3: error: to: unknown placeholder at '${Path}'"),
	BAD("lone $ at the end", "[a]\npath = /a\nto = /x$\n",
	    "3: error: to: unknown placeholder at '$'"),
	BAD("$0", "[a]\nregex = ^/(a)$\nto = /x/$0\n",
	    "3: error: to: unknown placeholder at '$0'"),
	BAD("bad map target", "[map m]\n/a = evil.com\n/b = /c\n",
	    "2: error: target 'evil.com' is neither"),

	/* Headers. */
	BAD("header name with a space", RULE "header = X A: b\n",
	    "4: error: header: expected 'Name: value' with a valid header "
	    "name"),
	BAD("header without ':'", RULE "header = X-A\n",
	    "4: error: header: expected 'Name: value'"),
	BAD("header with an empty name", RULE "header = : b\n",
	    "4: error: header: expected 'Name: value'"),
	BAD("header with a CR", RULE "header = X-A: a\rSet-Cookie: b\n",
	    "4: error: header: the value is empty or has control characters"),
	BAD("header with a control byte", RULE "header = X-A: a\x1b[0m\n",
	    "4: error: header: the value is empty or has control characters"),
	BAD("header with an empty value", RULE "header = X-A:\n",
	    "4: error: header: the value is empty or has control characters"),
	BAD("header Location", RULE "header = Location: /x\n",
	    "4: error: header: Location is set by fcgi-redirect itself"),
	BAD("header Status", RULE "header = Status: 200\n",
	    "4: error: header: Status is set by fcgi-redirect itself"),
	BAD("header Cache-Control", RULE "header = Cache-Control: no-store\n",
	    "4: error: header: Cache-Control is set by fcgi-redirect itself "
	    "(use cache =)"),
	BAD("header names are case-insensitive",
	    "[defaults]\nheader = location: /x\n",
	    "2: error: header: location is set by fcgi-redirect itself"),
	BAD("header Content-Length", RULE "header = Content-Length: 1\n",
	    "4: error: header: Content-Length is set by"),

	/* [defaults] base and fallback. */
	BAD("relative base", "[defaults]\nbase = /x\n" RULE,
	    "2: error: base must be an absolute http(s) URL without query, "
	    "fragment or placeholders"),
	BAD("ftp base", "[defaults]\nbase = ftp://x.example\n" RULE,
	    "2: error: base must be an absolute http(s) URL"),
	BAD("base with a query", "[defaults]\nbase = https://x.example/?a\n"
	    RULE, "2: error: base must be an absolute http(s) URL"),
	BAD("base with a fragment", "[defaults]\nbase = https://x.example#a\n"
	    RULE, "2: error: base must be an absolute http(s) URL"),
	BAD("base with a placeholder", "[defaults]\nbase = https://${host}\n"
	    RULE, "2: error: base must be an absolute http(s) URL"),
	BAD("base with user info", "[defaults]\nbase = https://u@x.example\n"
	    RULE, "2: error: base: user information ('@') is not allowed"),
	BAD("fallback 500", "[defaults]\nfallback = 500\n" RULE,
	    "2: error: fallback '500' is neither an absolute http(s) URL nor "
	    "a /path"),
	BAD("fallback //", "[defaults]\nfallback = //evil.com\n" RULE,
	    "2: error: fallback '//evil.com' is neither"),
	BAD("fallback with $1", "[defaults]\nfallback = /x/$1\n" RULE,
	    "2: error: fallback uses $1"),

	/* Bytes. */
	BADN("NUL byte", RULE "cache = a\0b\n",
	    "4: error: line contains a NUL byte"),
	BADN("NUL byte in a comment", RULE "; a\0b\n",
	    "4: error: line contains a NUL byte"),
	BAD("Latin-1 byte", RULE "header = X-A: \xff\n",
	    "4: error: line is not valid UTF-8 (byte 15)"),
	BAD("overlong UTF-8", RULE "header = X-A: \xc0\xaf\n",
	    "4: error: line is not valid UTF-8 (byte 15)"),
	BAD("UTF-8 surrogate", RULE "header = X-A: \xed\xa0\x80\n",
	    "4: error: line is not valid UTF-8 (byte 15)"),
	BAD("UTF-8 beyond U+10FFFF", RULE "header = X-A: \xf4\x90\x80\x80\n",
	    "4: error: line is not valid UTF-8 (byte 15)"),
	BAD("cut UTF-8 sequence", RULE "header = X-A: a\xe2\x82\n",
	    "4: error: line is not valid UTF-8 (byte 16)"),
	GOOD("valid UTF-8", RULE "header = X-A: caf\xc3\xa9 \xe2\x82\xac "
	    "\xf0\x9f\x98\x80\n", NULL),

	/* Indented lines are never continuations. */
	BAD("indented text after a key", RULE "header = X-A: one\n"
	    "    two\n",
	    "5: error: expected 'key = value', '[section]' or a comment"),
	BAD("indented key after a header", RULE "header = X-A: one\n"
	    "    X-B: two\n",
	    "5: error: unknown key 'X-B' in a rule"),

	/* Several errors: every one is reported with its line. */
	BAD("several errors",
	    "status = 301\n"				/* 1 */
	    "[defaults]\n"				/* 2 */
	    "status = 399\n"				/* 3 */
	    "[a]\n"					/* 4 */
	    "path = /a\n"				/* 5 */
	    "to = /b\n"					/* 6 */
	    "colour = blue\n"				/* 7 */
	    "[a]\n"					/* 8 */
	    "[b]\n"					/* 9 */
	    "regex = ^/(b\n"				/* 10 */
	    "to = //evil\n"				/* 11 */
	    "[c]\n"					/* 12 */
	    "prefix = /c\n"				/* 13 */
	    "junk\n"					/* 14 */
	    "[map m]\n"					/* 15 */
	    "/d:e = /f\n"				/* 16 */
	    "/g = ftp://h\n",				/* 17 */
	    "1: error: 'status' outside a section",
	    "3: error: status must be 301",
	    "7: error: unknown key 'colour'",
	    "8: error: duplicate rule name 'a' (first at line 4)",
	    "10: error: regex: missing closing parenthesis",
	    "12: error: rule [c] has no 'to'",
	    "14: error: expected 'key = value'",
	    "16: error: a ':' in a path key",
	    "17: error: target 'ftp://h' is neither",
	    "15: warning: map [map m] has no entries"),
};

static void
test_load_rows(void)
{
	const struct load_row	*row;
	struct loaded		 l;
	size_t			 i, n;

	for (i = 0; i < nitems(load_rows); i++) {
		row = &load_rows[i];
		load_text(&l, TNAME, row->text, row->len ? row->len :
		    strlen(row->text));
		if ((l.rs != NULL) != row->valid)
			fprintf(stderr, "\nrow '%s': %s, expected %s\n%s",
			    row->label, l.rs ? "valid" : "invalid",
			    row->valid ? "valid" : "invalid", l.msgs);
		CU_ASSERT_EQUAL(l.rs != NULL, row->valid);
		for (n = 0; n < DIAGS_MAX && row->diags[n] != NULL; n++)
			continue;
		check_diags(&l, TNAME, row->label, row->diags, n);
		loaded_free(&l);
	}
}

/* ---- the inih trap: long lines and names, indentation ---- */

/* A string of n bytes: start, then "&pN=vvvv..." pieces (malloc'd). */
static char *
long_url(const char *start, size_t n)
{
	char	*s;
	size_t	 len;
	int	 i;

	if ((s = malloc(n + 64)) == NULL)
		return NULL;
	len = (size_t)snprintf(s, n + 64, "%s", start);
	for (i = 0; len < n; i++)
		len += (size_t)snprintf(s + len, n + 64 - len,
		    "&utm_p%d=%s", i, "vvvvvvvvvvvvvvvvvvvv");
	s[n] = '\0';
	return s;
}

/* Target lengths that inih 55 would cut (199) and far beyond. */
static void
test_load_long_target(void)
{
	static const size_t	 lens[] = { 198, 199, 200, 300, 1024, 8192,
	    16384, 32762 };
	struct loaded		 l;
	char			*url, *text;
	size_t			 i, tlen, n;

	for (i = 0; i < nitems(lens); i++) {
		url = long_url("https://www.example.re/landing?utm_source=x",
		    lens[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(url);
		n = lens[i] + 128;
		text = malloc(n);
		CU_ASSERT_PTR_NOT_NULL_FATAL(text);
		/* "to=" and the URL: the longest line is 32765 bytes. */
		tlen = (size_t)snprintf(text, n, "[long]\npath = /a\nto=%s\n"
		    "status = 301\n[next]\npath = /b\nto = /c\n", url);
		load_text(&l, TNAME, text, tlen);
		if (l.rs == NULL || l.d.errors || l.d.warnings)
			fprintf(stderr, "\ntarget of %zu bytes:\n%s", lens[i],
			    l.msgs);
		CU_ASSERT_PTR_NOT_NULL_FATAL(l.rs);
		CU_ASSERT_EQUAL(l.d.errors, 0);
		CU_ASSERT_EQUAL(l.d.warnings, 0);
		/* Whole, and no bogus key made of its tail. */
		CU_ASSERT_EQUAL(l.rs->nrules, 2);
		CU_ASSERT_EQUAL(strlen(UNIT_RULE(l.rs, 0).target), lens[i]);
		CU_ASSERT_STRING_EQUAL(UNIT_RULE(l.rs, 0).target, url);
		CU_ASSERT_EQUAL(UNIT_RULE(l.rs, 0).target_split,
		    (size_t)(strchr(url, '?') - url));
		CU_ASSERT_EQUAL(UNIT_RULE(l.rs, 0).opts->status, 301);
		CU_ASSERT_STRING_EQUAL(UNIT_RULE(l.rs, 1).name, "next");
		CU_ASSERT_EQUAL(UNIT_RULE(l.rs, 1).line, 5);
		loaded_free(&l);

		/* The same as a map entry. */
		tlen = (size_t)snprintf(text, n, "[map m]\n/a = %s\n/b = /c\n",
		    url);
		load_text(&l, TNAME, text, tlen);
		CU_ASSERT_PTR_NOT_NULL_FATAL(l.rs);
		CU_ASSERT_EQUAL(l.d.errors + l.d.warnings, 0);
		CU_ASSERT_EQUAL(l.rs->nentries, 2);
		CU_ASSERT_STRING_EQUAL(UNIT_RULE(l.rs, 0).target, url);
		CU_ASSERT_STRING_EQUAL(UNIT_RULE(l.rs, 1).target, "/c");
		CU_ASSERT_EQUAL(UNIT_RULE(l.rs, 1).line, 3);
		loaded_free(&l);
		free(text);
		free(url);
	}
}

/* The longest line read whole is 32767 bytes; 32768 is an error. */
static void
test_load_line_limit(void)
{
	struct loaded	 l;
	char		*text;
	size_t		 n, len;

	text = malloc(LINE_MAX_LEN + 128);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	for (n = 32766; n <= 32768; n++) {
		/* "[map m]\n", then a line of n bytes: "/", x..., " = /y". */
		len = (size_t)sprintf(text, "[map m]\n/ok = /fine\n/");
		memset(text + len, 'x', n - 6);
		len += n - 6;
		len += (size_t)sprintf(text + len, " = /y\n");
		load_text(&l, TNAME, text, len);
		if (n <= 32767) {
			CU_ASSERT_PTR_NOT_NULL(l.rs);
			CU_ASSERT_EQUAL(l.d.errors, 0);
			if (l.rs != NULL) {
				CU_ASSERT_EQUAL(l.rs->nentries, 2);
				CU_ASSERT_EQUAL(UNIT_RULE(l.rs, 1).pattern_len,
				    n - 5);
				CU_ASSERT_STRING_EQUAL(UNIT_RULE(l.rs, 1).target,
				    "/y");
			}
		} else {
			const char *spec = "3: error: line is 32768 bytes "
			    "long; the longest line read whole is 32767 bytes";

			CU_ASSERT_PTR_NULL(l.rs);
			check_diags(&l, TNAME, "line of 32768 bytes", &spec,
			    1);
		}
		loaded_free(&l);
	}
	free(text);
}

/* A line of 40000 bytes: an error at its line, and nothing is loaded. */
static void
test_load_overlong_line(void)
{
	static const char *const specs[] = {
		"6: error: line is 40004 bytes long",
		"4: error: rule [b] has no 'to'",
	};
	static const char *const spec_long =
	    "2: error: line is 40005 bytes long";
	struct loaded	 l;
	char		*text;
	size_t		 len;

	text = malloc(40100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	len = (size_t)sprintf(text, "[a]\npath = /a\nto = /b\n[b]\n"
	    "path = /c\nto=/");
	memset(text + len, 'y', 40000);
	len += 40000;
	len += (size_t)sprintf(text + len, "\n[c]\npath = /d\nto = /e\n");
	load_text(&l, TNAME, text, len);
	CU_ASSERT_PTR_NULL(l.rs);
	check_diags(&l, TNAME, "line of 40004 bytes", specs, nitems(specs));
	loaded_free(&l);

	/* CRLF and leading blanks do not count; the rest of the line does. */
	len = (size_t)sprintf(text, "[map m]\n\t /");
	memset(text + len, 'z', 39999);
	len += 39999;
	len += (size_t)sprintf(text + len, " = /x\r\n/ok = /y\r\n");
	load_text(&l, TNAME, text, len);
	CU_ASSERT_PTR_NULL(l.rs);
	check_diags(&l, TNAME, "map entry of 40005 bytes", &spec_long, 1);
	loaded_free(&l);
	free(text);
}

/* Map keys (source paths) of 500 bytes and 8 KiB work whole. */
static void
test_load_long_map_key(void)
{
	static const size_t	 lens[] = { 500, 8192 };
	struct loaded		 l;
	char			*key, *text;
	size_t			 i, k, len;

	for (i = 0; i < nitems(lens); i++) {
		key = malloc(lens[i] + 1);
		text = malloc(lens[i] + 64);
		CU_ASSERT_PTR_NOT_NULL_FATAL(key);
		CU_ASSERT_PTR_NOT_NULL_FATAL(text);
		key[0] = '/';
		for (k = 1; k < lens[i]; k++)
			key[k] = "archive/2019-"[k % 13];
		key[lens[i]] = '\0';
		len = (size_t)sprintf(text, "[map m]\n%s = /new\n/b = /c\n",
		    key);
		load_text(&l, TNAME, text, len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(l.rs);
		CU_ASSERT_EQUAL(l.d.errors + l.d.warnings, 0);
		CU_ASSERT_EQUAL(l.rs->nentries, 2);
		CU_ASSERT_EQUAL(UNIT_RULE(l.rs, 0).pattern_len, lens[i]);
		CU_ASSERT_STRING_EQUAL(UNIT_RULE(l.rs, 0).pattern, key);
		CU_ASSERT_STRING_EQUAL(UNIT_RULE(l.rs, 0).target, "/new");
		CU_ASSERT_STRING_EQUAL(UNIT_RULE(l.rs, 1).pattern, "/b");
		loaded_free(&l);
		free(key);
		free(text);
	}
}

/* Rule and map names longer than inih's 49 bytes work whole. */
static void
test_load_long_names(void)
{
	static const size_t	 lens[] = { 49, 50, 60, 80, 300, 8192 };
	struct loaded		 l;
	char			*name, *text;
	size_t			 i, k, len;

	for (i = 0; i < nitems(lens); i++) {
		name = malloc(lens[i] + 1);
		text = malloc(2 * lens[i] + 128);
		CU_ASSERT_PTR_NOT_NULL_FATAL(name);
		CU_ASSERT_PTR_NOT_NULL_FATAL(text);
		for (k = 0; k < lens[i]; k++)
			name[k] = "rule-name_0123.x"[k % 16];
		name[lens[i]] = '\0';
		/* The rule, a map of the same name with one more byte. */
		len = (size_t)sprintf(text, "[%s]\npath = /a\nto = /b\n"
		    "[map %sM]\n/c = /d\n", name, name);
		load_text(&l, TNAME, text, len);
		if (l.rs == NULL)
			fprintf(stderr, "\nname of %zu bytes:\n%s", lens[i],
			    l.msgs);
		CU_ASSERT_PTR_NOT_NULL_FATAL(l.rs);
		CU_ASSERT_EQUAL(l.d.errors + l.d.warnings, 0);
		CU_ASSERT_EQUAL(l.rs->nrules, 2);
		CU_ASSERT_EQUAL(strlen(UNIT_RULE(l.rs, 0).name), lens[i]);
		CU_ASSERT_STRING_EQUAL(UNIT_RULE(l.rs, 0).name, name);
		CU_ASSERT_EQUAL(strlen(UNIT_RULE(l.rs, 1).name), lens[i] + 1);
		CU_ASSERT_EQUAL(strncmp(UNIT_RULE(l.rs, 1).name, name, lens[i]), 0);
		CU_ASSERT_EQUAL(UNIT_RULE(l.rs, 1).line, 5);
		loaded_free(&l);

		/* Two names equal in their first 49 bytes are not equal. */
		if (lens[i] > 49) {
			len = (size_t)sprintf(text, "[%s]\npath = /a\nto = /b\n"
			    "[%.49s]\npath = /c\nto = /d\n", name, name);
			load_text(&l, TNAME, text, len);
			CU_ASSERT_PTR_NOT_NULL(l.rs);
			CU_ASSERT_EQUAL(l.d.errors, 0);
			loaded_free(&l);
		}
		free(name);
		free(text);
	}
}

/* An indented line is a key of its own, not a continuation. */
static void
test_load_indented(void)
{
	struct ruleset	*rs;

	rs = load_valid("[a]\npath = /a\nto = /b\n    status = 301\n"
	    "\theader = X-A: one\n  header = X-B: two\n"
	    "  [map m]\n    /c = /d\n\t/e = /f\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_EQUAL(rs->nrules, 3);
	CU_ASSERT_STRING_EQUAL(UNIT_RULE(rs, 0).target, "/b");
	CU_ASSERT_EQUAL(UNIT_RULE(rs, 0).opts->status, 301);
	CU_ASSERT_EQUAL_FATAL(UNIT_RULE(rs, 0).opts->nheaders, 2);
	CU_ASSERT_TRUE(str_is(UNIT_RULE(rs, 0).opts->headers[0], "X-A: one"));
	CU_ASSERT_TRUE(str_is(UNIT_RULE(rs, 0).opts->headers[1], "X-B: two"));
	CU_ASSERT_STRING_EQUAL(UNIT_RULE(rs, 1).pattern, "/c");
	CU_ASSERT_EQUAL(UNIT_RULE(rs, 1).line, 8);
	CU_ASSERT_STRING_EQUAL(UNIT_RULE(rs, 2).pattern, "/e");
	CU_ASSERT_STRING_EQUAL(UNIT_RULE(rs, 2).target, "/f");
	ruleset_free(rs);
}

/* ---- compiled values ---- */

/* Status, flags, cache and headers: from [defaults] unless set. */
static void
test_load_inherit(void)
{
	struct ruleset		*rs;
	const struct rule_opts	*o;
	const unsigned		 all = OPT_QUERY_DROP | OPT_CASE_IGNORE |
	    OPT_SLASH_EITHER | OPT_PARAMS_ONLY;

	rs = load_valid(
	    "[defaults]\n"
	    "status = 301\nquery = drop\ncase = ignore\nslash = either\n"
	    "other-params = refuse\n"
	    "cache = max-age=60\nheader = X-A: 1\nheader = X-B: 2\n"
	    "[plain]\npath = /plain\nto = /p\n"
	    "[own]\npath = /own\nto = /o\nstatus = 308\nquery = keep\n"
	    "case = exact\nslash = exact\nother-params = allow\n"
	    "cache = no-store\n"
	    "header = X-C: 3\nheader = X-D: 4\n"
	    "[part]\nregex = ^/part$\nto = /q\nquery = keep\n"
	    "[map m]\nstatus = 302\nheader = X-E: 5\n/m = /n\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_EQUAL_FATAL(rs->nrules, 4);

	/* [defaults] itself. */
	CU_ASSERT_EQUAL(rs->defaults->status, 301);
	CU_ASSERT_EQUAL(rs->defaults->flags, all);
	CU_ASSERT_STRING_EQUAL(rs->defaults->cache, "max-age=60");
	CU_ASSERT_EQUAL(rs->defaults->nheaders, 2);

	o = UNIT_RULE(rs, 0).opts;
	CU_ASSERT_EQUAL(o->status, 301);
	CU_ASSERT_EQUAL(o->flags, all);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o->cache);
	CU_ASSERT_STRING_EQUAL(o->cache, "max-age=60");
	CU_ASSERT_EQUAL_FATAL(o->nheaders, 2);
	CU_ASSERT_TRUE(str_is(o->headers[0], "X-A: 1"));
	CU_ASSERT_TRUE(str_is(o->headers[1], "X-B: 2"));

	o = UNIT_RULE(rs, 1).opts;
	CU_ASSERT_EQUAL(o->status, 308);
	CU_ASSERT_EQUAL(o->flags, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o->cache);
	CU_ASSERT_STRING_EQUAL(o->cache, "no-store");
	/* Inherited headers first, then the rule's own, in file order. */
	CU_ASSERT_EQUAL_FATAL(o->nheaders, 4);
	CU_ASSERT_TRUE(str_is(o->headers[0], "X-A: 1"));
	CU_ASSERT_TRUE(str_is(o->headers[1], "X-B: 2"));
	CU_ASSERT_TRUE(str_is(o->headers[2], "X-C: 3"));
	CU_ASSERT_TRUE(str_is(o->headers[3], "X-D: 4"));

	o = UNIT_RULE(rs, 2).opts;
	CU_ASSERT_EQUAL(o->status, 301);
	CU_ASSERT_EQUAL(o->flags, OPT_CASE_IGNORE | OPT_SLASH_EITHER |
	    OPT_PARAMS_ONLY);
	/* case = ignore reaches the regex too. */
	{
		uint32_t	 opts = 0;

		void	*re = ruleset_regex(rs, &UNIT_RULE(rs, 2));

		CU_ASSERT_PTR_NOT_NULL_FATAL(re);
		pcre2_pattern_info(re, PCRE2_INFO_ARGOPTIONS, &opts);
		CU_ASSERT_TRUE(opts & PCRE2_CASELESS);
		CU_ASSERT_TRUE(opts & PCRE2_DOLLAR_ENDONLY);
		CU_ASSERT_TRUE(opts & PCRE2_NEVER_UTF);
	}

	o = UNIT_RULE(rs, 3).opts;
	CU_ASSERT_EQUAL(UNIT_RULE(rs, 3).kind, RULE_MAP_ENTRY);
	CU_ASSERT_EQUAL(o->status, 302);
	CU_ASSERT_EQUAL(o->flags, all);
	CU_ASSERT_EQUAL_FATAL(o->nheaders, 3);
	CU_ASSERT_TRUE(str_is(o->headers[0], "X-A: 1"));
	CU_ASSERT_TRUE(str_is(o->headers[2], "X-E: 5"));
	ruleset_free(rs);

	/* Without [defaults]: 307, keep, exact, exact, no cache. */
	rs = load_valid("[a]\nregex = ^/a$\nto = /b\n[map m]\n/c = /d\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_EQUAL(rs->defaults->status, 307);
	CU_ASSERT_EQUAL(rs->fallback_status, 404);
	o = UNIT_RULE(rs, 0).opts;
	CU_ASSERT_EQUAL(o->status, 307);
	CU_ASSERT_EQUAL(o->flags, 0);
	CU_ASSERT_PTR_NULL(o->cache);
	CU_ASSERT_EQUAL(o->nheaders, 0);
	CU_ASSERT_EQUAL(o->nhosts, 0);
	CU_ASSERT_EQUAL(o->nmethods, 0);
	CU_ASSERT_EQUAL(o->scheme, SCHEME_ANY);
	CU_ASSERT_FALSE(o->has_from || o->has_until);
	{
		uint32_t	 opts = 0;

		pcre2_pattern_info(UNIT_RULE(rs, 0).re, PCRE2_INFO_ARGOPTIONS,
		    &opts);
		CU_ASSERT_FALSE(opts & PCRE2_CASELESS);
	}
	CU_ASSERT_EQUAL(UNIT_RULE(rs, 1).opts->status, 307);
	ruleset_free(rs);
}

struct target_row {
	const char	*base;		/* [defaults] base, or NULL */
	const char	*to;
	const char	*want;		/* the compiled target */
	size_t		 split;		/* where '?' or '#' starts */
	unsigned	 flags;		/* TARGET_* */
};

#define WWW	"https://www.example.re"

static const struct target_row target_rows[] = {
	{ NULL, "/a/b", "/a/b", 4, 0 },
	{ NULL, "/", "/", 1, 0 },
	{ NULL, "http://www.example.re/breaking/news.html",
	    "http://www.example.re/breaking/news.html", 40, 0 },
	{ NULL, "https://x.example", "https://x.example", 17, 0 },
	{ NULL, "https://x.example?q", "https://x.example?q", 17, 0 },
	/* base: in front of /path targets only, without doubling '/'. */
	{ WWW, "/a/b", WWW "/a/b", 26, 0 },
	{ WWW "/", "/a/b", WWW "/a/b", 26, 0 },
	{ WWW "//", "/", WWW "/", 23, 0 },
	{ WWW "/sub/", "/a", WWW "/sub/a", 28, 0 },
	{ WWW, "/a?x=1", WWW "/a?x=1", 24, 0 },
	{ WWW, "https://other.example/a", "https://other.example/a", 23, 0 },
	{ WWW, "http://other.example/a", "http://other.example/a", 22, 0 },
	/* The query or fragment, whichever comes first. */
	{ NULL, "/x?q=1#f", "/x?q=1#f", 2, 0 },
	{ NULL, "/x#f?g", "/x#f?g", 2, 0 },
	{ NULL, "/x?a?b", "/x?a?b", 2, 0 },
	/* Bytes not allowed in a URI are %-encoded; escapes stay. */
	{ NULL, "/a b\"c", "/a%20b%22c", 10, 0 },
	{ NULL, "/<a>|{b}^`\\", "/%3Ca%3E%7C%7Bb%7D%5E%60%5C", 27, 0 },
	{ NULL, "/caf\xc3\xa9", "/caf%C3%A9", 10, 0 },
	{ NULL, "/100%", "/100%25", 7, 0 },
	{ NULL, "/a%2Fb%20c", "/a%2Fb%20c", 10, 0 },
	{ NULL, "/a?b c&d=\"e\"", "/a?b%20c&d=%22e%22", 2, 0 },
	{ WWW, "/a b?c d", WWW "/a%20b?c%20d", 28, 0 },
	/* The scheme is lowercased, the rest kept as written. */
	{ NULL, "HTTPS://WWW.Example.RE/A", "https://WWW.Example.RE/A", 24,
	    0 },
	/* Placeholders are kept for location.c. */
	{ NULL, "/p/$1/$2/$$", "/p/$1/$2/$$", 11, 0 },
	{ NULL, "/x/${path}", "/x/${path}", 10, TARGET_USES_PATH },
	{ NULL, "/x?q=${query}", "/x?q=${query}", 2, TARGET_USES_QUERY },
	{ NULL, "https://${host}/a", "https://${host}/a", 17,
	    TARGET_USES_HOST },
	{ NULL, "https://${host}:8443/a", "https://${host}:8443/a", 22,
	    TARGET_USES_HOST },
	{ NULL, "${scheme}://www.example.re/a",
	    "${scheme}://www.example.re/a", 28, 0 },
	{ NULL, "https://x.example/${host}/${path}?${query}&s=${scheme}",
	    "https://x.example/${host}/${path}?${query}&s=${scheme}", 33,
	    TARGET_USES_HOST | TARGET_USES_PATH | TARGET_USES_QUERY },
	{ WWW, "/${path}", WWW "/${path}", 30, TARGET_USES_PATH },
	/* ${path} starts with '/': it ends the authority. */
	{ NULL, "https://${host}${path}", "https://${host}${path}", 22,
	    TARGET_USES_HOST | TARGET_USES_PATH },
	{ NULL, "https://${host}:8443${path}", "https://${host}:8443${path}",
	    27, TARGET_USES_HOST | TARGET_USES_PATH },
	{ NULL, "https://www.example.re${path}?a=1",
	    "https://www.example.re${path}?a=1", 29, TARGET_USES_PATH },
};

static void
test_load_targets(void)
{
	const struct target_row	*row;
	struct ruleset		*rs;
	char			 text[1024];
	size_t			 i;

	for (i = 0; i < nitems(target_rows); i++) {
		row = &target_rows[i];
		if (row->base != NULL)
			snprintf(text, sizeof(text), "[defaults]\nbase = %s\n"
			    "[r]\nregex = ^/(a)(b)$\nto = %s\n", row->base,
			    row->to);
		else
			snprintf(text, sizeof(text), "[r]\nregex = ^/(a)(b)$\n"
			    "to = %s\n", row->to);
		rs = load_valid(text);
		if (rs == NULL) {
			fprintf(stderr, "\ntarget row %zu (%s) refused\n", i,
			    row->to);
			continue;
		}
		CU_ASSERT_EQUAL_FATAL(rs->nrules, 1);
		if (strcmp(UNIT_RULE(rs, 0).target, row->want) != 0 ||
		    UNIT_RULE(rs, 0).target_split != row->split ||
		    UNIT_RULE(rs, 0).target_flags != row->flags)
			fprintf(stderr, "\ntarget row %zu: '%s' -> '%s' split "
			    "%zu flags %u; expected '%s' %zu %u\n", i, row->to,
			    UNIT_RULE(rs, 0).target, UNIT_RULE(rs, 0).target_split,
			    UNIT_RULE(rs, 0).target_flags, row->want, row->split,
			    row->flags);
		CU_ASSERT_STRING_EQUAL(UNIT_RULE(rs, 0).target, row->want);
		CU_ASSERT_EQUAL(UNIT_RULE(rs, 0).target_split, row->split);
		CU_ASSERT_EQUAL(UNIT_RULE(rs, 0).target_flags, row->flags);
		ruleset_free(rs);
	}
}

/* Kinds, patterns, names, lines and counts. */
static void
test_load_rules(void)
{
	struct ruleset	*rs;
	const struct rule *r;

	/*
	 * [all] (a catch-all with a condition) redirects the targets of [p],
	 * [q], [y] and the map's again: five chain warnings (analysis.c).
	 */
	rs = load_warned(
	    "[p]\npath = /a/./b/../c/%7euser\nto = /1\n"	/* 1 */
	    "[q]\nprefix = /blog/\nto = /2\n"			/* 4 */
	    "[all]\nprefix = /\nto = https://t.example/3\n"	/* 7 */
	    "host = all.example\n"
	    "[x]\nregex = ^/item/([0-9]+)$\nto = /4/$1\n"	/* 11 */
	    "[map legacy]\nstatus = 308\n"			/* 14 */
	    "/old/a.html = /new/a\n"				/* 16 */
	    "/wiki/Special%3ASearch = /search\n"		/* 17 */
	    "[y]\nregex = ^/y$\nto = /5\n", 5);			/* 18 */
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_EQUAL_FATAL(rs->nrules, 7);
	CU_ASSERT_EQUAL(rs->nmaps, 1);
	CU_ASSERT_EQUAL(rs->nentries, 2);
	CU_ASSERT_EQUAL(rs->nregex, 2);
	CU_ASSERT_STRING_EQUAL(rs->file, TNAME);

	r = &UNIT_RULE(rs, 0);
	CU_ASSERT_EQUAL(r->kind, RULE_PATH);
	CU_ASSERT_STRING_EQUAL(r->name, "p");
	CU_ASSERT_EQUAL(r->line, 1);
	CU_ASSERT_STRING_EQUAL(r->pattern, "/a/c/~user");
	CU_ASSERT_EQUAL(r->pattern_len, 10);

	r = &UNIT_RULE(rs, 1);
	CU_ASSERT_EQUAL(r->kind, RULE_PREFIX);
	CU_ASSERT_EQUAL(r->line, 4);
	CU_ASSERT_STRING_EQUAL(r->pattern, "/blog");
	CU_ASSERT_EQUAL(r->pattern_len, 5);

	r = &UNIT_RULE(rs, 2);
	CU_ASSERT_EQUAL(r->kind, RULE_PREFIX);
	CU_ASSERT_EQUAL(r->pattern_len, 0);

	r = &UNIT_RULE(rs, 3);
	CU_ASSERT_EQUAL(r->kind, RULE_REGEX);
	CU_ASSERT_STRING_EQUAL(r->pattern, "^/item/([0-9]+)$");
	CU_ASSERT_PTR_NOT_NULL(ruleset_regex(rs, r));
	CU_ASSERT_STRING_EQUAL(r->target, "/4/$1");

	r = &UNIT_RULE(rs, 4);
	CU_ASSERT_EQUAL(r->kind, RULE_MAP_ENTRY);
	CU_ASSERT_STRING_EQUAL(r->name, "legacy");
	CU_ASSERT_EQUAL(r->line, 16);
	CU_ASSERT_STRING_EQUAL(r->pattern, "/old/a.html");
	CU_ASSERT_STRING_EQUAL(r->target, "/new/a");
	CU_ASSERT_EQUAL(r->opts->status, 308);

	r = &UNIT_RULE(rs, 5);
	CU_ASSERT_EQUAL(r->kind, RULE_MAP_ENTRY);
	CU_ASSERT_EQUAL(r->line, 17);
	CU_ASSERT_STRING_EQUAL(r->pattern, "/wiki/Special:Search");
	CU_ASSERT_PTR_EQUAL(r->opts, UNIT_RULE(rs, 4).opts);

	/* File order is kept: the regex after the map is last. */
	r = &UNIT_RULE(rs, 6);
	CU_ASSERT_EQUAL(r->kind, RULE_REGEX);
	CU_ASSERT_STRING_EQUAL(r->name, "y");
	CU_ASSERT_EQUAL(r->line, 18);
	CU_ASSERT_EQUAL(rs->regex[0], 3);
	CU_ASSERT_EQUAL(rs->regex[1], 6);
	ruleset_free(rs);
}

/*
 * Sections that set no option share one copy of what [defaults] gives; a
 * section with an option of its own has its own copy, and later plain
 * sections still get the defaults (not the options of the one before).
 */
static void
test_load_shared_opts(void)
{
	struct ruleset	*rs;

	rs = load_valid("[defaults]\nstatus = 308\nheader = X-A: 1\n"
	    "[a]\npath = /a\nto = /to-b\n"
	    "[b]\nprefix = /b\nto = /to-c\n"
	    "[c]\npath = /c\nto = /to-d\nstatus = 301\nheader = X-B: 2\n"
	    "[map m]\n/e = /to-f\n/g = /to-h\n"
	    "[d]\nregex = ^/d$\nto = /to-e\ncase = ignore\n"
	    "[e]\npath = /z\nto = /to-f\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_EQUAL_FATAL(rs->nrules, 7);
	/* a, b, the map's entries and e: one shared copy. */
	CU_ASSERT_PTR_EQUAL(UNIT_RULE(rs, 1).opts, UNIT_RULE(rs, 0).opts);
	CU_ASSERT_PTR_EQUAL(UNIT_RULE(rs, 3).opts, UNIT_RULE(rs, 0).opts);
	CU_ASSERT_PTR_EQUAL(UNIT_RULE(rs, 4).opts, UNIT_RULE(rs, 0).opts);
	CU_ASSERT_PTR_EQUAL(UNIT_RULE(rs, 6).opts, UNIT_RULE(rs, 0).opts);
	CU_ASSERT_EQUAL(UNIT_RULE(rs, 0).opts->status, 308);
	CU_ASSERT_EQUAL_FATAL(UNIT_RULE(rs, 0).opts->nheaders, 1);
	CU_ASSERT_STRING_EQUAL(UNIT_RULE(rs, 0).opts->headers[0], "X-A: 1");
	/* c and d: their own. */
	CU_ASSERT_PTR_NOT_EQUAL(UNIT_RULE(rs, 2).opts, UNIT_RULE(rs, 0).opts);
	CU_ASSERT_EQUAL(UNIT_RULE(rs, 2).opts->status, 301);
	CU_ASSERT_EQUAL_FATAL(UNIT_RULE(rs, 2).opts->nheaders, 2);
	CU_ASSERT_STRING_EQUAL(UNIT_RULE(rs, 2).opts->headers[1], "X-B: 2");
	CU_ASSERT_PTR_NOT_EQUAL(UNIT_RULE(rs, 5).opts, UNIT_RULE(rs, 0).opts);
	CU_ASSERT_PTR_NOT_EQUAL(UNIT_RULE(rs, 5).opts, UNIT_RULE(rs, 2).opts);
	CU_ASSERT_EQUAL(UNIT_RULE(rs, 5).opts->status, 308);
	CU_ASSERT(UNIT_RULE(rs, 5).opts->flags & OPT_CASE_IGNORE);
	CU_ASSERT(!(UNIT_RULE(rs, 6).opts->flags & OPT_CASE_IGNORE));
	ruleset_free(rs);
}

/* Hosts lowercased, methods kept as written, scheme. */
static void
test_load_conditions(void)
{
	struct ruleset		*rs;
	const struct rule_opts	*o;

	rs = load_valid("[a]\nprefix = /\nto = https://t.example/b\n"
	    "host = Shop.Example.RE *.SHOP.example.re,192.0.2.1\n"
	    "methods = GET post,PURGE\tHEAD\nscheme = https\n"
	    "[map m]\nscheme = http\nhost = x.example\n/c = /d\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	o = UNIT_RULE(rs, 0).opts;
	CU_ASSERT_EQUAL_FATAL(o->nhosts, 3);
	CU_ASSERT_STRING_EQUAL(o->hosts[0], "shop.example.re");
	CU_ASSERT_STRING_EQUAL(o->hosts[1], "*.shop.example.re");
	CU_ASSERT_STRING_EQUAL(o->hosts[2], "192.0.2.1");
	CU_ASSERT_EQUAL_FATAL(o->nmethods, 4);
	CU_ASSERT_STRING_EQUAL(o->methods[0], "GET");
	CU_ASSERT_STRING_EQUAL(o->methods[1], "post");
	CU_ASSERT_STRING_EQUAL(o->methods[2], "PURGE");
	CU_ASSERT_STRING_EQUAL(o->methods[3], "HEAD");
	CU_ASSERT_EQUAL(o->scheme, SCHEME_HTTPS);
	o = UNIT_RULE(rs, 1).opts;
	CU_ASSERT_EQUAL(o->scheme, SCHEME_HTTP);
	CU_ASSERT_EQUAL_FATAL(o->nhosts, 1);
	CU_ASSERT_STRING_EQUAL(o->hosts[0], "x.example");
	ruleset_free(rs);
}

struct time_row {
	const char	*text;
	long long	 epoch;
};

static const struct time_row time_rows[] = {
	{ "2026-12-24T00:00:00Z", 1798070400LL },
	{ "2026-12-27T00:00:00Z", 1798329600LL },
	{ "2026-12-24t00:00:00z", 1798070400LL },
	{ "2026-12-24 00:00:00Z", 1798070400LL },
	{ "2026-12-24T02:00:00+02:00", 1798070400LL },
	{ "2026-12-23T19:00:00-05:00", 1798070400LL },
	{ "2026-12-24T00:00:00.999Z", 1798070400LL },
	{ "2024-02-29T12:34:56Z", 1709210096LL },
	{ "1970-01-01T00:00:00Z", 0LL },
	{ "2016-12-31T23:59:60Z", 1483228799LL },	/* leap second */
	{ "2038-01-19T03:14:08Z", 2147483648LL },	/* past 32 bits */
};

/* from and until: RFC 3339 times into seconds since the epoch. */
static void
test_load_times(void)
{
	const struct time_row	*row;
	struct ruleset		*rs;
	char			 text[256];
	size_t			 i;

	for (i = 0; i < nitems(time_rows); i++) {
		row = &time_rows[i];
		if (sizeof(time_t) < 8 && row->epoch > 2147483647LL)
			continue;
		snprintf(text, sizeof(text), "[a]\npath = /a\nto = /b\n"
		    "from = %s\n[m]\npath = /c\nto = /d\nuntil = %s\n",
		    row->text, row->text);
		rs = load_valid(text);
		if (rs == NULL)
			continue;
		if ((long long)UNIT_RULE(rs, 0).opts->from != row->epoch)
			fprintf(stderr, "\ntime '%s': %lld, expected %lld\n",
			    row->text, (long long)UNIT_RULE(rs, 0).opts->from,
			    row->epoch);
		CU_ASSERT_TRUE(UNIT_RULE(rs, 0).opts->has_from);
		CU_ASSERT_FALSE(UNIT_RULE(rs, 0).opts->has_until);
		CU_ASSERT_EQUAL((long long)UNIT_RULE(rs, 0).opts->from, row->epoch);
		CU_ASSERT_TRUE(UNIT_RULE(rs, 1).opts->has_until);
		CU_ASSERT_FALSE(UNIT_RULE(rs, 1).opts->has_from);
		CU_ASSERT_EQUAL((long long)UNIT_RULE(rs, 1).opts->until,
		    row->epoch);
		ruleset_free(rs);
	}
	/* A window of one second is fine. */
	rs = load_valid("[a]\npath = /a\nto = /b\n"
	    "from = 2026-12-24T00:00:00Z\nuntil = 2026-12-24T00:00:01Z\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_EQUAL((long long)UNIT_RULE(rs, 0).opts->from, 1798070400LL);
	CU_ASSERT_EQUAL((long long)UNIT_RULE(rs, 0).opts->until, 1798070401LL);
	ruleset_free(rs);
}

/* fallback: 404 (default), 410, or a redirect with the defaults. */
static void
test_load_fallback(void)
{
	struct ruleset	*rs;

	rs = load_valid(RULE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_EQUAL(rs->fallback_status, 404);
	ruleset_free(rs);

	rs = load_valid("[defaults]\nfallback = 404\n" RULE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_EQUAL(rs->fallback_status, 404);
	ruleset_free(rs);

	rs = load_valid("[defaults]\nfallback = 410\n" RULE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_EQUAL(rs->fallback_status, 410);
	ruleset_free(rs);

	rs = load_valid("[defaults]\nfallback = /gone?x=1\nstatus = 301\n"
	    RULE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_EQUAL(rs->fallback_status, 0);
	CU_ASSERT_STRING_EQUAL(UNIT_RULE(rs, rs->nrules).target, "/gone?x=1");
	CU_ASSERT_EQUAL(UNIT_RULE(rs, rs->nrules).target_split, 5);
	CU_ASSERT_PTR_EQUAL(UNIT_RULE(rs, rs->nrules).opts, rs->defaults);
	CU_ASSERT_EQUAL(UNIT_RULE(rs, rs->nrules).opts->status, 301);
	ruleset_free(rs);

	/* base applies to a /path fallback too. */
	rs = load_valid("[defaults]\nbase = " WWW "/\nfallback = /gone\n" RULE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_EQUAL(rs->fallback_status, 0);
	CU_ASSERT_STRING_EQUAL(UNIT_RULE(rs, rs->nrules).target, WWW "/gone");
	CU_ASSERT_STRING_EQUAL(UNIT_RULE(rs, 0).target, WWW "/s");
	ruleset_free(rs);

	rs = load_valid("[defaults]\nfallback = https://x.example/${path}\n"
	    RULE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_EQUAL(rs->fallback_status, 0);
	CU_ASSERT_STRING_EQUAL(UNIT_RULE(rs, rs->nrules).target,
	    "https://x.example/${path}");
	CU_ASSERT_EQUAL(UNIT_RULE(rs, rs->nrules).target_flags, TARGET_USES_PATH);
	ruleset_free(rs);
}

/* At most DIAG_PRINT_MAX messages are printed; all are counted. */
static void
test_load_many_errors(void)
{
	struct loaded	 l;
	char		*text;
	size_t		 len = 0, i;
	unsigned	 nl = 0;

	text = malloc(250 * 16 + 32);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	len += (size_t)sprintf(text, RULE);
	for (i = 0; i < 250; i++)
		len += (size_t)sprintf(text + len, "junk %zu\n", i);
	load_text(&l, TNAME, text, len);
	CU_ASSERT_PTR_NULL(l.rs);
	CU_ASSERT_EQUAL(l.d.errors, 250);
	CU_ASSERT_EQUAL(diag_count(l.msgs, TNAME, "error"), DIAG_PRINT_MAX);
	CU_ASSERT_TRUE(diag_has(l.msgs, TNAME, "4: error: expected"));
	CU_ASSERT_TRUE(diag_has(l.msgs, TNAME, "203: error: expected"));
	CU_ASSERT_FALSE(diag_has(l.msgs, TNAME, "204: error: expected"));
	CU_ASSERT_PTR_NOT_NULL(strstr(l.msgs, TNAME ": 50 more messages "
	    "not shown"));
	for (i = 0; i < l.msglen; i++)
		nl += l.msgs[i] == '\n';
	CU_ASSERT_EQUAL(nl, DIAG_PRINT_MAX + 1);
	loaded_free(&l);
	free(text);
}

/* ---- the committed fixtures ---- */

/* Read a whole file into a NUL-ended buffer; NULL when it cannot. */
static char *
read_all(const char *path, size_t *len)
{
	FILE	*f;
	char	*s;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (s = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	*len = fread(s, 1, (size_t)n, f);
	s[*len] = '\0';
	fclose(f);
	return s;
}

/*
 * Load the fixture at path; it must load (valid) or not, with exactly
 * the diagnostics of its "; expect: " lines.  Returns the rule set of a
 * valid fixture (the caller frees it), else NULL.
 */
static struct ruleset *
check_fixture(const char *path, int valid)
{
	const char	*specs[64];
	char		*text, *p, *end, *spec;
	size_t		 len = 0, n = 0, i, errors;
	struct loaded	 l;
	struct ruleset	*rs;

	text = read_all(path, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	for (p = text; p < text + len; p = end + 1) {
		if ((end = memchr(p, '\n', (size_t)(text + len - p))) == NULL)
			end = text + len;
		if (strncmp(p, "; expect: ", 10) != 0)
			continue;
		spec = p + 10;
		*end = '\0';
		if (end > spec && end[-1] == '\r')
			end[-1] = '\0';
		CU_ASSERT_FATAL(n < nitems(specs));
		specs[n++] = spec;
	}
	load_path(&l, path);
	if ((l.rs != NULL) != valid)
		fprintf(stderr, "\n%s: %s, expected %s\n%s", path,
		    l.rs ? "valid" : "invalid", valid ? "valid" : "invalid",
		    l.msgs);
	CU_ASSERT_EQUAL(l.rs != NULL, valid);
	/* A bad fixture says which errors it is about. */
	for (i = 0, errors = 0; i < n; i++)
		errors += spec_is_error(specs[i]);
	CU_ASSERT_EQUAL(errors > 0, !valid);
	check_diags(&l, path, path, specs, n);
	rs = l.rs;
	l.rs = NULL;
	loaded_free(&l);
	free(text);
	return rs;
}

/* Every *.ini of dir/sub; returns how many there were. */
static size_t
check_fixture_dir(const char *sub, int valid)
{
	char		 path[4096];
	DIR		*dir;
	struct dirent	*e;
	size_t		 n = 0, len;

	snprintf(path, sizeof(path), "%s/%s", unit_fixture_dir, sub);
	if ((dir = opendir(path)) == NULL) {
		fprintf(stderr, "\ncannot open %s\n", path);
		return 0;
	}
	while ((e = readdir(dir)) != NULL) {
		len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".ini") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", unit_fixture_dir, sub,
		    e->d_name);
		ruleset_free(check_fixture(path, valid));
		n++;
	}
	closedir(dir);
	return n;
}

static void
test_load_fixtures(void)
{
	CU_ASSERT_TRUE(check_fixture_dir("good", 1) >= 5);
	CU_ASSERT_TRUE(check_fixture_dir("bad", 0) >= 30);
}

static struct ruleset *
fixture(const char *name)
{
	char	 path[4096];

	snprintf(path, sizeof(path), "%s/good/%s", unit_fixture_dir, name);
	return check_fixture(path, 1);
}

/* What the good fixtures load to. */
static void
test_load_fixture_values(void)
{
	struct ruleset	*rs;
	const struct rule *r;
	size_t		 i;

	rs = fixture("all-features.ini");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_EQUAL(rs->nrules - rs->nentries, 6);
	CU_ASSERT_EQUAL(rs->nentries, 4);
	CU_ASSERT_EQUAL(rs->nmaps, 1);
	CU_ASSERT_EQUAL(rs->nregex, 1);
	CU_ASSERT_EQUAL(rs->fallback_status, 0);
	CU_ASSERT_STRING_EQUAL(UNIT_RULE(rs, rs->nrules).target, WWW "/not-found");
	r = &UNIT_RULE(rs, 0);
	CU_ASSERT_STRING_EQUAL(r->name, "news");
	CU_ASSERT_STRING_EQUAL(r->target,
	    "http://www.example.re/breaking/news.html");
	CU_ASSERT_EQUAL(r->opts->status, 302);
	r = &UNIT_RULE(rs, 1);
	CU_ASSERT_STRING_EQUAL(r->pattern, "/blog");
	CU_ASSERT_EQUAL(r->opts->status, 301);
	CU_ASSERT_EQUAL(r->opts->flags, 0);
	CU_ASSERT_STRING_EQUAL(r->opts->cache, "no-cache");
	r = &UNIT_RULE(rs, 2);
	CU_ASSERT_STRING_EQUAL(r->target, WWW "/shop/item/$1?tab=$2&price=$$5");
	CU_ASSERT_EQUAL(r->target_split, strlen(WWW "/shop/item/$1"));
	r = &UNIT_RULE(rs, 3);
	CU_ASSERT_STRING_EQUAL(r->name, "sale");
	CU_ASSERT_EQUAL(r->opts->nhosts, 3);
	CU_ASSERT_STRING_EQUAL(r->opts->hosts[0], "shop.example.re");
	CU_ASSERT_EQUAL((long long)r->opts->from, 1798070400LL);
	CU_ASSERT_EQUAL((long long)r->opts->until, 1798329600LL);
	CU_ASSERT_EQUAL_FATAL(r->opts->nheaders, 4);
	CU_ASSERT_TRUE(str_is(r->opts->headers[0],
	    "X-Served-By: fcgi-redirect"));
	CU_ASSERT_TRUE(str_is(r->opts->headers[3], "X-Note: caf\xc3\xa9"));
	CU_ASSERT_EQUAL(r->target_flags, TARGET_USES_HOST | TARGET_USES_PATH |
	    TARGET_USES_QUERY);
	for (i = 0; i < rs->nrules; i++)
		if (UNIT_RULE(rs, i).kind == RULE_MAP_ENTRY)
			break;
	CU_ASSERT_FATAL(i + 4 == rs->nrules);
	CU_ASSERT_STRING_EQUAL(UNIT_RULE(rs, i).name, "legacy");
	CU_ASSERT_EQUAL(UNIT_RULE(rs, i).opts->status, 308);
	CU_ASSERT_EQUAL(UNIT_RULE(rs, i).opts->flags, OPT_PARAMS_ONLY);
	CU_ASSERT_STRING_EQUAL(UNIT_RULE(rs, i + 2).pattern,
	    "/wiki/Special:Search");
	CU_ASSERT_STRING_EQUAL(UNIT_RULE(rs, i + 3).pattern, "/a=b");
	CU_ASSERT_STRING_EQUAL(UNIT_RULE(rs, i + 3).target, WWW "/equals");
	ruleset_free(rs);

	rs = fixture("long-values.ini");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_EQUAL_FATAL(rs->nrules, 3);
	CU_ASSERT_EQUAL(strlen(UNIT_RULE(rs, 0).target), 300);
	CU_ASSERT_EQUAL(strlen(UNIT_RULE(rs, 1).target), 8192);
	CU_ASSERT_EQUAL(strncmp(UNIT_RULE(rs, 1).target,
	    "https://www.example.re/campaign/landing?utm_source=partner&", 59),
	    0);
	CU_ASSERT_EQUAL(UNIT_RULE(rs, 1).opts->status, 301);
	CU_ASSERT_EQUAL(UNIT_RULE(rs, 2).pattern_len, 500);
	CU_ASSERT_STRING_EQUAL(UNIT_RULE(rs, 2).target, "/short");
	ruleset_free(rs);

	rs = fixture("long-name.ini");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_EQUAL_FATAL(rs->nrules, 2);
	CU_ASSERT_EQUAL(strlen(UNIT_RULE(rs, 0).name), 80);
	CU_ASSERT_EQUAL(strlen(UNIT_RULE(rs, 1).name), 80);
	ruleset_free(rs);

	rs = fixture("crlf-bom.ini");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_EQUAL_FATAL(rs->nrules, 2);
	CU_ASSERT_STRING_EQUAL(UNIT_RULE(rs, 0).name, "news");
	CU_ASSERT_STRING_EQUAL(UNIT_RULE(rs, 0).target,
	    "https://www.example.re/news");
	CU_ASSERT_EQUAL(UNIT_RULE(rs, 0).opts->status, 301);
	CU_ASSERT_STRING_EQUAL(UNIT_RULE(rs, 1).target, "/new");
	ruleset_free(rs);

	rs = fixture("indented.ini");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_EQUAL_FATAL(rs->nrules, 3);
	CU_ASSERT_STRING_EQUAL(UNIT_RULE(rs, 0).target, "/breaking/news.html");
	CU_ASSERT_EQUAL(UNIT_RULE(rs, 0).opts->status, 301);
	CU_ASSERT_STRING_EQUAL(UNIT_RULE(rs, 2).pattern, "/older");
	ruleset_free(rs);
}

/* Files that cannot be read. */
static void
test_load_file_errors(void)
{
	static const char *const missing[] = {
		"0: error: cannot open: No such file or directory" };
	static const char *const dir[] = {
		"0: error: is a directory, not a rule file" };
	static const char *const dev[] = {
		"0: error: is a character device, not a regular file" };
	static const char *const fifo[] = {
		"0: error: is a FIFO (named pipe), not a regular file" };
	struct loaded	 l;
	char		 path[4096], tmp[] = "/tmp/unit-fifo.XXXXXX";

	snprintf(path, sizeof(path), "%s/no-such-file.ini", unit_fixture_dir);
	load_path(&l, path);
	CU_ASSERT_PTR_NULL(l.rs);
	check_diags(&l, path, "missing file", missing, 1);
	loaded_free(&l);

	load_path(&l, unit_fixture_dir);
	CU_ASSERT_PTR_NULL(l.rs);
	check_diags(&l, unit_fixture_dir, "directory", dir, 1);
	loaded_free(&l);

	load_path(&l, "/dev/null");
	CU_ASSERT_PTR_NULL(l.rs);
	check_diags(&l, "/dev/null", "device", dev, 1);
	loaded_free(&l);

	/* Refused before it is opened for reading: no wait for a writer. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmp));
	snprintf(path, sizeof(path), "%s/rules.ini", tmp);
	CU_ASSERT_EQUAL_FATAL(mkfifo(path, 0600), 0);
	load_path(&l, path);
	CU_ASSERT_PTR_NULL(l.rs);
	check_diags(&l, path, "FIFO", fifo, 1);
	loaded_free(&l);
	unlink(path);
	rmdir(tmp);
}

/*
 * --check's test runs of regexes (probe.c): the patterns that backtrack
 * catastrophically are warned about, ordinary ones (those of
 * etc/redirects.ini and tests/rules among them) are not.
 */
static void
test_load_regex_probes(void)
{
	static const struct {
		const char	*pattern;
		int		 warns;
	} rows[] = {
		{ "^/x/(.*a){12}$",			1 },
		{ "^/(a+)+$",				1 },
		{ "^/(a|aa)+$",				1 },
		{ "^/(\\w+\\s?)*$",			1 },
		{ "^/([a-z]+)*x$",			1 },
		{ "^/(.+)+\\.x$",			1 },
		{ "^/item/([0-9]+)$",			0 },
		{ "^/item/([0-9]+)/([a-z]+)$",		0 },
		{ "^/r/(.*)$",				0 },
		{ "^/(\\w+)/(.*)$",			0 },
		{ "^/go(/.*)$",				0 },
		{ "^/(/.*)$",				0 },
		{ "^/z/([a-z]|-)*$",			0 },
		{ "^/(.*)/(.*)\\.html$",		0 },
		{ "^/blog/(\\d{4})/(\\d{2})/(.*)$",	0 },
		{ "^/([^/]+)/([^/]+)/?$",		0 },
		{ "/old$",				0 },
	};
	struct loaded	 l;
	char		 ini[256];
	size_t		 i;
	int		 n;

	for (i = 0; i < nitems(rows); i++) {
		n = snprintf(ini, sizeof(ini),
		    "[r]\nregex = %s\nto = https://t.example/t\n",
		    rows[i].pattern);
		CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(ini));
		load_text(&l, "probe.ini", ini, (size_t)n);
		CU_ASSERT_PTR_NOT_NULL_FATAL(l.rs);
		l.d.out = NULL;		/* its stream is closed: count only */
		probe_regexes(l.rs, &l.d);
		if (l.d.warnings != (unsigned)rows[i].warns)
			fprintf(stderr, "\nprobe row %zu: %s: %u warnings, want "
			    "%d\n", i, rows[i].pattern, l.d.warnings,
			    rows[i].warns);
		CU_ASSERT_EQUAL(l.d.warnings, (unsigned)rows[i].warns);
		loaded_free(&l);
	}
}

int
test_load_register(void)
{
	static const struct unit_test tests[] = {
		{ "rows of rule files", test_load_rows },
		{ "long targets", test_load_long_target },
		{ "line limit", test_load_line_limit },
		{ "over-long line", test_load_overlong_line },
		{ "long map keys", test_load_long_map_key },
		{ "long names", test_load_long_names },
		{ "indented lines", test_load_indented },
		{ "inheritance", test_load_inherit },
		{ "targets", test_load_targets },
		{ "rules", test_load_rules },
		{ "conditions", test_load_conditions },
		{ "shared options", test_load_shared_opts },
		{ "times", test_load_times },
		{ "fallback", test_load_fallback },
		{ "many errors", test_load_many_errors },
		{ "fixtures", test_load_fixtures },
		{ "fixture values", test_load_fixture_values },
		{ "files", test_load_file_errors },
		{ "regex probes", test_load_regex_probes },
	};

	return unit_add_suite("load", tests, nitems(tests));
}
