/*
 * test_import.c: unit tests of import/import.c and import/emit.c, the
 * framework the importers share (the importers themselves are tested
 * through the binary, tests/import/FORMAT.sh).
 *
 * Tables: import_regex_path (a pattern written against the decoded path,
 * as Apache and nginx run it, against the normalized path), import_path_encode
 * and import_literal; and emit_rule and emit_map_entry, whose rows are
 * written through a run whose output is loaded with ini_load_buffer()
 * (what --check runs): each row is either written, and the whole file must
 * load, or reported, with the reason in the report.  A failing row is
 * printed to stderr before the assertion.
 *
 * And import/csvread.c, the CSV records of --import csv and redirection:
 * each row a source read to its end, the records it gives written out
 * with their lines and fields, and the report it makes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "fcgi-redirect.h"

static void
test_import_regex_path(void)
{
	static const struct {
		const char	*in;
		const char	*want;	/* NULL: refused */
	} rows[] = {
		{ "^/old/(.*)$", "^/old/(.*)$" },
		{ "^/a b$", "^/a%20b$" },
		{ "^/a\\ b$", "^/a%20b$" },
		{ "^/caf\xc3\xa9$", "^/caf%C3%A9$" },
		{ "^/100%$", "^/100%25$" },
		{ "^/a#b", "^/a%23b" },
		{ "^/a\\?b", "^/a%3Fb" },
		{ "^/a\\.b\\d+\\x20", "^/a\\.b\\d+\\x20" },
		{ "^/(a|b){2,3}$", "^/(a|b){2,3}$" },
		{ "^/[^/]+/[a-z0-9_-]+$", "^/[^/]+/[a-z0-9_-]+$" },
		{ "^/[]a]", "^/[]a]" },
		{ "^/[^]a]", "^/[^]a]" },
		{ "^/x[\\]]", "^/x[\\]]" },
		{ "^/[ ]", NULL },
		{ "^/[%]", NULL },
		{ "^/[\xc3\xa9]", NULL },
		{ "^/[a", NULL },
		{ "", "" },
	};
	char		 out[256];
	const char	*why;
	size_t		 i;
	int		 rc;

	for (i = 0; i < nitems(rows); i++) {
		why = NULL;
		rc = import_regex_path(rows[i].in, strlen(rows[i].in), out,
		    sizeof(out), &why);
		if ((rows[i].want == NULL) != (rc != 0) ||
		    (rc == 0 && strcmp(out, rows[i].want) != 0))
			fprintf(stderr, "regex_path row %zu: '%s' gave %d '%s' "
			    "(%s), want '%s'\n", i, rows[i].in, rc,
			    rc == 0 ? out : "", why ? why : "",
			    rows[i].want ? rows[i].want : "(refused)");
		CU_ASSERT_EQUAL(rows[i].want == NULL, rc != 0);
		if (rc == 0 && rows[i].want != NULL)
			CU_ASSERT_STRING_EQUAL(out, rows[i].want);
		if (rc != 0)
			CU_ASSERT_PTR_NOT_NULL(why);
	}
	/* Too long for the output: refused, never cut. */
	rc = import_regex_path("^/aaaaaaaa", 10, out, 8, &why);
	CU_ASSERT_EQUAL(rc, -1);
}

static void
test_import_encode(void)
{
	static const struct {
		const char	*in;
		const char	*path;		/* import_path_encode */
		const char	*literal;	/* import_literal */
	} rows[] = {
		{ "/a/b", "/a/b", "/a/b" },
		{ "/a b", "/a%20b", "/a b" },
		{ "/100%", "/100%25", "/100%" },
		{ "/a?b#c", "/a%3Fb%23c", "/a?b#c" },
		{ "/caf\xc3\xa9", "/caf%C3%A9", "/caf\xc3\xa9" },
		{ "/$1:@!", "/$1:@!", "/$$1:@!" },
		{ "/$$", "/$$", "/$$$$" },
	};
	char		 mem[128];
	struct buf	 b;
	size_t		 i;

	for (i = 0; i < nitems(rows); i++) {
		buf_init(&b, mem, sizeof(mem));
		import_path_encode(&b, rows[i].in, strlen(rows[i].in));
		CU_ASSERT_STRING_EQUAL(b.data, rows[i].path);
		buf_init(&b, mem, sizeof(mem));
		import_literal(&b, rows[i].in, strlen(rows[i].in));
		CU_ASSERT_STRING_EQUAL(b.data, rows[i].literal);
	}
}

/* An import run writing to memory; the importer's source is src. */
struct run {
	struct import		*imp;
	struct import_src	 src;
	char			*out, *rep;
	size_t			 outlen, replen;
	FILE			*outf, *repf;
};

static int
run_start(struct run *r)
{
	memset(r, 0, sizeof(*r));
	r->outf = open_memstream(&r->out, &r->outlen);
	r->repf = open_memstream(&r->rep, &r->replen);
	if (r->outf == NULL || r->repf == NULL ||
	    (r->imp = import_new("csv", r->outf, r->repf)) == NULL) {
		CU_FAIL("cannot start an import run");
		return -1;
	}
	r->src.imp = r->imp;
	r->src.name = "src/.htaccess";
	/* As import_read() sets it: what section names are made of. */
	(void)snprintf(r->src.base, sizeof(r->src.base), ".htaccess");
	return 0;
}

/* End the run; 0 when what it wrote loads as a rule file. */
static int
run_end(struct run *r, int *status)
{
	struct ruleset	*rs;
	struct diag	 d;
	int		 ok;

	emit_flush_all(r->imp);
	*status = import_end(r->imp);
	fclose(r->outf);
	fclose(r->repf);
	diag_init(&d, stderr, "imported.ini");
	rs = ini_load_buffer("imported.ini", r->out, r->outlen, &d);
	ok = rs != NULL && d.errors == 0;
	if (!ok)
		fprintf(stderr, "the imported file does not load:\n%s\n",
		    r->out);
	ruleset_free(rs);
	return ok ? 0 : -1;
}

static void
test_import_emit(void)
{
	static const struct {
		enum rule_kind	 kind;
		const char	*match, *to;
		int		 status;
		const char	*hosts, *params;
		const char	*written;	/* in the output, or NULL */
		const char	*why;		/* in the report, or NULL */
	} rows[] = {
		{ RULE_PATH, "/old", "/new", 301, NULL, NULL,
		    "path = /old\nto = /new\nstatus = 301\n", NULL },
		{ RULE_PATH, "/a b", "https://x.example/c d", 302, NULL,
		    NULL, "path = /a%20b\nto = https://x.example/c%20d\n",
		    NULL },
		{ RULE_PATH, "/index.php?id=42", "/about", 308, NULL, NULL,
		    "path = /index.php?id=42\n", NULL },
		{ RULE_PREFIX, "/docs", "/manual", 0, "a.example *.b.example",
		    NULL, "status = 307\nhost = a.example *.b.example\n",
		    NULL },
		{ RULE_REGEX, "^/p/(\\d+)\t$", "/q/$1", 301, NULL, "id",
		    "regex = ^/p/(\\d+)\\x09$\n", NULL },
		{ RULE_REGEX, "", "https://x.example/all", 302, NULL, NULL,
		    "regex = ^\nto = https://x.example/all\n", NULL },
		{ RULE_REGEX, "^/p/(\\d+)$", "/q/$2", 301, NULL, NULL, NULL,
		    "$2" },
		{ RULE_REGEX, "^/p/(\\d+$", "/q", 301, NULL, NULL, NULL,
		    "regex: missing closing parenthesis" },
		{ RULE_PATH, "/x", "//evil.example", 301, NULL, NULL, NULL,
		    "neither an absolute http(s) URL nor a /path" },
		{ RULE_PATH, "/x", "https://u@evil.example/", 301, NULL,
		    NULL, NULL, "user information" },
		{ RULE_PATH, "/x", "/y", 410, NULL, NULL, NULL,
		    "not a redirect" },
		{ RULE_PATH, "x", "/y", 301, NULL, NULL, NULL,
		    "does not start with '/'" },
		{ RULE_PATH, "/%zz", "/y", 301, NULL, NULL, NULL,
		    "malformed percent-escape" },
		{ RULE_PATH, "/a?x=1&&y", "/y", 301, NULL, NULL, NULL,
		    "empty parameter" },
		{ RULE_PREFIX, "/a?x=1", "/y", 301, NULL, NULL, NULL,
		    "a prefix with a query" },
		{ RULE_PATH, "/x", "/y", 301, "bad_host!", NULL, NULL,
		    "host name" },
		{ RULE_PATH, "/x", "/y", 301, NULL, "=1", NULL,
		    "without a name" },
		{ RULE_PATH, "/same", "/s%61me?x=1", 301, NULL, NULL, NULL,
		    "to itself" },
	};
	struct emit_rule e;
	struct run	 r;
	size_t		 i;
	int		 status;

	if (run_start(&r) != 0)
		return;
	for (i = 0; i < nitems(rows); i++) {
		memset(&e, 0, sizeof(e));
		e.kind = rows[i].kind;
		e.match = rows[i].match;
		e.to = rows[i].to;
		e.opts.status = rows[i].status;
		e.opts.hosts = rows[i].hosts;
		e.opts.params = rows[i].params;
		CU_ASSERT_EQUAL(emit_rule(&r.src, (unsigned)i + 1, "text",
		    &e), rows[i].written != NULL ? 0 : -1);
	}
	CU_ASSERT_EQUAL(run_end(&r, &status), 0);
	CU_ASSERT_EQUAL(status, 1);
	for (i = 0; i < nitems(rows); i++) {
		char	 where[64];

		if (rows[i].written != NULL) {
			if (strstr(r.out, rows[i].written) == NULL)
				fprintf(stderr, "emit row %zu: no '%s' in\n%s",
				    i, rows[i].written, r.out);
			CU_ASSERT_PTR_NOT_NULL(strstr(r.out, rows[i].written));
			continue;
		}
		snprintf(where, sizeof(where), "src/.htaccess:%zu: warning: "
		    "not imported: ", i + 1);
		if (strstr(r.rep, where) == NULL ||
		    strstr(strstr(r.rep, where), rows[i].why) == NULL)
			fprintf(stderr, "emit row %zu: no '%s%s' in\n%s", i,
			    where, rows[i].why, r.rep);
		CU_ASSERT_PTR_NOT_NULL(strstr(r.rep, where));
		if (strstr(r.rep, where) != NULL)
			CU_ASSERT_PTR_NOT_NULL(strstr(strstr(r.rep, where),
			    rows[i].why));
	}
	/* Every rule names its source line, and rule names are unique. */
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "; src/.htaccess:1: text\n"
	    "[.htaccess-1]\n"));
	free(r.out);
	free(r.rep);
}

static void
test_import_maps(void)
{
	struct emit_opts o = { .status = 301 };
	struct run	 r;
	const char	*why;
	int		 m, n, status;

	if (run_start(&r) != 0)
		return;
	m = emit_map_open(r.imp, "bulk", &o);
	n = emit_map_open(r.imp, "never", &o);
	CU_ASSERT_EQUAL(emit_map_entry(&r.src, 1, m, "/a=b:c", "/x"), 0);
	CU_ASSERT_EQUAL(emit_map_entry(&r.src, 2, m, "/p?x=1&y=2", "/y"), 0);
	CU_ASSERT_EQUAL(emit_map_entry(&r.src, 3, m, "/q", "/$1"), -1);
	CU_ASSERT_EQUAL(emit_map_entry(&r.src, 4, m, "/sp ace", "/z z"), 0);
	CU_ASSERT_EQUAL(emit_map_entry(&r.src, 9, m, "/", "/"), -1);
	CU_ASSERT_EQUAL(emit_map_entry(&r.src, 9, m, "/p?x=1", "/p"), 0);
	CU_ASSERT_EQUAL(emit_map_size(r.imp, m), 4);
	CU_ASSERT_EQUAL(emit_map_entry(&r.src, 5, n, "/n", "/n2"), 0);
	/* Options the loader refuses: every entry reported, nothing written. */
	o.status = 410;
	CU_ASSERT_EQUAL(emit_map_entry(&r.src, 8, emit_map_open(r.imp, "gone",
	    &o), "/g", "/h"), -1);
	emit_map_drop(r.imp, n, &r.src, 6, "nothing uses it");
	/* The status can come after the entries (nginx's map). */
	o.status = 308;
	emit_map_opts(r.imp, m, &o);
	emit_map_flush(r.imp, m);
	CU_ASSERT_EQUAL(emit_map_size(r.imp, m), 0);
	/* The entries of the last flush again, under other options. */
	o.status = 302;
	CU_ASSERT_EQUAL(emit_map_again(r.imp, m, &o, &why), 0);
	o.status = 999;
	CU_ASSERT_EQUAL(emit_map_again(r.imp, m, &o, &why), -1);
	/* Entries after a flush make a second section. */
	CU_ASSERT_EQUAL(emit_map_entry(&r.src, 7, m, "/later", "/l"), 0);
	CU_ASSERT_EQUAL(run_end(&r, &status), 0);
	CU_ASSERT_EQUAL(status, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "[map bulk]\nstatus = 308\n"
	    "/a%3Db%3Ac = /x  ; src/.htaccess:1\n"
	    "/p?x=1&y=2 = /y  ; src/.htaccess:2\n"
	    "/sp%20ace = /z%20z  ; src/.htaccess:4\n"
	    "/p?x=1 = /p  ; src/.htaccess:9\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "[map bulk-2]\nstatus = 302\n"
	    "/a%3Db%3Ac = /x  ; src/.htaccess:1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "[map bulk-3]\n"));
	CU_ASSERT_PTR_NULL(strstr(r.out, "/n2"));
	CU_ASSERT_PTR_NULL(strstr(r.out, "[map gone]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.rep, "src/.htaccess:8: warning: "
	    "not imported: a status that is not a redirect"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.rep, "src/.htaccess:3: warning: "
	    "not imported: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.rep, "src/.htaccess:6: warning: "
	    "not imported: nothing uses it (1 entry, from src/.htaccess:5 "
	    "on)"));
	free(r.out);
	free(r.rep);
}

/* A detect for csvread: ';' or ',', whichever comes first; 0 for "". */
static char
csvread_test_sep(const char *line, size_t n)
{
	size_t	 k = strcspn(line, ",;");

	return n == 0 ? 0 : line[k] != '\0' ? line[k] : ',';
}

/*
 * csvread_record() to the end of a source in memory: each record written
 * as "FIRST-LAST nNFIELDS uNUSED [f0][f1][f2]" (3 fields kept), "skip" for
 * one reported (rc 2); the report as import_skip() writes it.
 */
static void
test_import_csvread(void)
{
	static const struct {
		enum csvread_dialect dialect;
		char		 sep;	/* 0: csvread_test_sep() */
		size_t		 max;
		const char	*in;
		const char	*records;
		const char	*report;
	} rows[] = {
		/* Quotes: "" is a quote, a separator and a line break in. */
		{ CSVREAD_STRICT, ',', 64, "a,\"b,c\",\"d\"\"e\"\n",
		    "1-1 n3 u3 [a][b,c][d\"e]\n", "" },
		{ CSVREAD_LENIENT, ',', 64, "a,\"b,c\",\"d\"\"e\"\n",
		    "1-1 n3 u3 [a][b,c][d\"e]\n", "" },
		{ CSVREAD_STRICT, ',', 64, "\"x\ny\",z\nnext\n",
		    "1-2 n2 u2 [x\ny][z][]\n3-3 n1 u1 [next][][]\n", "" },
		{ CSVREAD_LENIENT, ';', 64, "\"x;\n\"\"y\";z\n",
		    "1-2 n2 u2 [x;\n\"y][z][]\n", "" },
		/* Text after a closing quote: an error, or kept. */
		{ CSVREAD_STRICT, ',', 64, "\"a\"b,c\nd\n",
		    "skip\n2-2 n1 u1 [d][][]\n",
		    "t.csv:1: warning: not imported: text after a quoted "
		    "field's closing quote\n" },
		{ CSVREAD_LENIENT, ',', 64, "\"a\"b\"c,d\n",
		    "1-1 n2 u2 [ab\"c][d][]\n", "" },
		/* A quote inside an unquoted field: an error, or kept. */
		{ CSVREAD_STRICT, ',', 64, "a\"b,c\n", "skip\n",
		    "t.csv:1: warning: not imported: a quote in a field that "
		    "is not quoted whole (RFC 4180)\n" },
		{ CSVREAD_LENIENT, ',', 64, "a\"b,c\n",
		    "1-1 n2 u2 [a\"b][c][]\n", "" },
		/* Blanks: trimmed around fields (a tab unless it separates). */
		{ CSVREAD_STRICT, ',', 64, "  a , \" b \" ,c\t\n",
		    "1-1 n3 u3 [a][ b ][c]\n", "" },
		{ CSVREAD_LENIENT, ',', 64, "  a , \" b \" ,c\t\n",
		    "1-1 n3 u3 [  a ][ \" b \" ][c\t]\n", "" },
		{ CSVREAD_STRICT, '\t', 64, "a \t b\t \"c\" \n",
		    "1-1 n3 u3 [a][b][c]\n", "" },
		/* Strict: a quote after a closed one and blanks opens again. */
		{ CSVREAD_STRICT, ',', 64, "\"a\" \"b\nc\"\n", "skip\n",
		    "t.csv:1: warning: not imported: text after a quoted "
		    "field's closing quote\n"
		    "t.csv:2: warning: not imported: text after a quoted "
		    "field's closing quote\n" },
		{ CSVREAD_LENIENT, ',', 64, "\"a\" \"b\nc\"\n",
		    "1-1 n1 u1 [a \"b][][]\n2-2 n1 u1 [c\"][][]\n", "" },
		/* Open at the end of the file: every line reported. */
		{ CSVREAD_STRICT, ',', 64, "ok\n\"open,\nmore\nlast",
		    "1-1 n1 u1 [ok][][]\n",
		    "t.csv:2: warning: not imported: a quoted field without "
		    "its closing quote\n"
		    "t.csv:3: warning: not imported: a quoted field without "
		    "its closing quote\n"
		    "t.csv:4: warning: not imported: a quoted field without "
		    "its closing quote\n" },
		{ CSVREAD_LENIENT, ',', 64, "a,\"b\n\n", "",
		    "t.csv:1: warning: not imported: a quoted field without "
		    "its closing quote\n"
		    "t.csv:2: warning: not imported: a quoted field without "
		    "its closing quote\n" },
		/* The bound: 23 bytes fit, 22 do not; reading goes on. */
		{ CSVREAD_STRICT, ',', 23, "\"0123456789\n0123456789\"\n",
		    "1-2 n1 u1 [0123456789\n0123456789][][]\n", "" },
		{ CSVREAD_LENIENT, ',', 22,
		    "\"0123456789\n0123456789\"\nafter\n",
		    "3-3 n1 u1 [after][][]\n",
		    "t.csv:1: warning: not imported: a quoted field without "
		    "its closing quote in 22 bytes\n"
		    "t.csv:2: warning: not imported: a quoted field without "
		    "its closing quote in 22 bytes\n" },
		/* A byte order mark and CR LF are import_getline()'s. */
		{ CSVREAD_STRICT, ',', 64, "\xef\xbb\xbf" "a,\"b\r\nc\"\r\nd\r\n",
		    "1-2 n2 u2 [a][b\nc][]\n3-3 n1 u1 [d][][]\n", "" },
		/* Empty lines and fields; more fields than kept. */
		{ CSVREAD_STRICT, ',', 64, "\na,,\n",
		    "1-1 n1 u0 [][][]\n2-2 n3 u1 [a][][]\n", "" },
		{ CSVREAD_LENIENT, ',', 64, "a,b,c,d,,\n,,,,,\n",
		    "1-1 n6 u4 [a][b][c]\n2-2 n6 u0 [][][]\n", "" },
		/* The separator from the first line that is not empty. */
		{ CSVREAD_STRICT, 0, 64, "\nq;\"x,\ny\";z\na,b\n",
		    "1-1 n1 u0 [][][]\n2-3 n3 u3 [q][x,\ny][z]\n"
		    "4-4 n1 u1 [a,b][][]\n", "" },
	};
	struct csvread	 c;
	struct run	 r;
	char		*field[3], *got;
	size_t		 i, k, gotlen;
	FILE		*g;
	int		 rc, status;

	for (i = 0; i < nitems(rows); i++) {
		if (run_start(&r) != 0)
			return;
		r.src.name = "t.csv";
		if ((r.src.f = fmemopen((void *)(uintptr_t)rows[i].in,
		    strlen(rows[i].in), "r")) == NULL ||
		    (g = open_memstream(&got, &gotlen)) == NULL) {
			CU_FAIL("cannot open the memory streams");
			return;
		}
		memset(&c, 0, sizeof(c));
		c.src = &r.src;
		c.dialect = rows[i].dialect;
		c.sep = rows[i].sep;
		c.detect = rows[i].sep == 0 ? csvread_test_sep : NULL;
		c.max = rows[i].max;
		c.field = field;
		c.keep = nitems(field);
		while ((rc = csvread_record(&c)) > 0) {
			if (rc == 2) {
				fprintf(g, "skip\n");
				continue;
			}
			fprintf(g, "%u-%u n%zu u%zu ", c.first, c.last,
			    c.nfields, c.nused);
			for (k = 0; k < c.keep; k++)
				fprintf(g, "[%s]", c.field[k]);
			fprintf(g, "\n");
		}
		CU_ASSERT_EQUAL(rc, 0);
		csvread_free(&c);
		fclose(g);
		fclose(r.src.f);
		free(r.src.buf);
		status = import_end(r.imp);
		fclose(r.outf);
		fclose(r.repf);
		CU_ASSERT_EQUAL(status, rows[i].report[0] != '\0' ? 1 : 0);
		if (strcmp(got, rows[i].records) != 0 ||
		    strcmp(r.rep, rows[i].report) != 0)
			fprintf(stderr, "csvread row %zu: records\n%s"
			    "report\n%s", i, got, r.rep);
		CU_ASSERT_STRING_EQUAL(got, rows[i].records);
		CU_ASSERT_STRING_EQUAL(r.rep, rows[i].report);
		free(got);
		free(r.out);
		free(r.rep);
	}
}

/* Sections are named after the file's own name and line, whatever its path. */
static void
test_import_names(void)
{
	static const char src[] = "Redirect 301 /a http://x.example/b\n";
	char		 name[300], *out = NULL;
	size_t		 len = 0;
	struct import	*imp;
	FILE		*in, *o, *null;

	memset(name, 'd', 200);
	(void)snprintf(name + 200, sizeof(name) - 200, "/site.htaccess");
	if ((in = fmemopen((void *)(uintptr_t)src, sizeof(src) - 1, "r")) ==
	    NULL || (o = open_memstream(&out, &len)) == NULL ||
	    (null = fopen("/dev/null", "w")) == NULL ||
	    (imp = import_new("apache", o, null)) == NULL) {
		CU_FAIL("cannot start an import run");
		return;
	}
	import_read(imp, name, in);
	CU_ASSERT_EQUAL(import_end(imp), 0);
	fclose(in);
	fclose(o);
	fclose(null);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n[site.htaccess-1]\n"));
	free(out);
}

int
test_import_register(void)
{
	static const struct unit_test tests[] = {
		{ "import_regex_path", test_import_regex_path },
		{ "import_path_encode, import_literal", test_import_encode },
		{ "emit_rule", test_import_emit },
		{ "emit_map_*", test_import_maps },
		{ "section names", test_import_names },
		{ "csvread_record", test_import_csvread },
	};

	return unit_add_suite("import", tests, nitems(tests));
}
