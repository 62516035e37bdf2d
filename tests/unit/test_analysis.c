/*
 * test_analysis.c: unit tests of analysis.c's pure parts.
 *
 * Rows of options and the words that name their conditions in messages
 * (analysis_conditions(), analysis_conditional()), and rows of rule sets
 * and hosts for analysis_host_internal(): which absolute targets count as
 * the site's own.  The findings themselves are checked through --check on
 * the fixtures (tests/check.sh) and tests/ops.sh's million entries.
 */
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "fcgi-redirect.h"

static const char *hosts2[] = { "shop.example.re", "*.shop.example.re" };
static const char *methods2[] = { "GET", "HEAD" };

static const struct cond_row {
	struct rule_opts	 o;
	int			 conditional;
	const char		*text;
} cond_rows[] = {
	{ { .status = 307 }, 0, "" },
	{ { .flags = OPT_CASE_IGNORE | OPT_QUERY_DROP }, 0, "" },
	{ { .hosts = hosts2, .nhosts = 1 }, 1, "host shop.example.re" },
	{ { .hosts = hosts2, .nhosts = 2 }, 1,
	    "host shop.example.re *.shop.example.re" },
	{ { .methods = methods2, .nmethods = 2 }, 1, "methods GET HEAD" },
	{ { .scheme = SCHEME_HTTP }, 1, "scheme http" },
	{ { .scheme = SCHEME_HTTPS, .methods = methods2, .nmethods = 1 }, 1,
	    "methods GET, scheme https" },
	{ { .has_from = 1, .from = 1798070400 }, 1,
	    "from 2026-12-24T00:00:00Z" },
	{ { .has_until = 1, .until = 1798329600, .hosts = hosts2,
	    .nhosts = 1 }, 1,
	    "host shop.example.re, until 2026-12-27T00:00:00Z" },
	{ { .params = "id=7&ref" }, 1, "params id=7&ref" },
	{ { .scheme = SCHEME_HTTPS, .params = "id=7" }, 1,
	    "scheme https, params id=7" },
	{ { .flags = OPT_PARAMS_ONLY }, 1, "other-params refuse" },
	{ { .flags = OPT_PARAMS_ONLY | OPT_QUERY_DROP, .params = "id=7" }, 1,
	    "params id=7, other-params refuse" },
	{ { .hosts = hosts2, .nhosts = 1, .flags = OPT_PARAMS_ONLY }, 1,
	    "host shop.example.re, other-params refuse" },
};

static void
test_analysis_conditions(void)
{
	char	 out[256];
	size_t	 i, n;

	for (i = 0; i < nitems(cond_rows); i++) {
		const struct cond_row	*r = &cond_rows[i];

		n = analysis_conditions(&r->o, out, sizeof(out));
		if (strcmp(out, r->text) != 0 || n != strlen(r->text) ||
		    analysis_conditional(&r->o) != r->conditional)
			fprintf(stderr, "\ncondition row %zu: '%s' (%d), want "
			    "'%s' (%d)\n", i, out, analysis_conditional(&r->o),
			    r->text, r->conditional);
		CU_ASSERT_STRING_EQUAL(out, r->text);
		CU_ASSERT_EQUAL(n, strlen(r->text));
		CU_ASSERT_EQUAL(analysis_conditional(&r->o), r->conditional);
	}
	/* Cut short: ends in "..." within the buffer. */
	n = analysis_conditions(&cond_rows[3].o, out, 12);
	CU_ASSERT_EQUAL(n, strlen(out));
	CU_ASSERT(n < 12);
	CU_ASSERT(n >= 3 && strcmp(out + n - 3, "...") == 0);
}

static const char ini_hosts[] =
	"[defaults]\nbase = https://WWW.Example.RE:8443/\n"
	"[a]\npath = /a\nhost = shop.example.re *.wild.example.re\nto = /b\n";

static const struct host_row {
	const char	*host;
	int		 own;
} host_rows[] = {
	{ "shop.example.re", 1 },
	{ "SHOP.example.re.", 1 },
	{ "shop.example.re:80", 1 },
	{ "a.wild.example.re", 1 },
	{ "wild.example.re", 0 },
	{ "www.example.re", 1 },	/* base's host */
	{ "www.example.re:8443", 1 },
	{ "example.re", 0 },
	{ "elsewhere.example", 0 },
	{ "", 0 },
};

static void
test_analysis_hosts(void)
{
	struct diag	 d;
	struct ruleset	*rs;
	size_t		 i;
	int		 own;

	diag_init(&d, NULL, "hosts.ini");
	rs = ini_load_buffer("hosts.ini", ini_hosts, strlen(ini_hosts),
	    &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	for (i = 0; i < nitems(host_rows); i++) {
		own = analysis_host_internal(rs, host_rows[i].host,
		    strlen(host_rows[i].host));
		if (own != host_rows[i].own)
			fprintf(stderr, "\nhost row %zu: %s: %d, want %d\n", i,
			    host_rows[i].host, own, host_rows[i].own);
		CU_ASSERT_EQUAL(own, host_rows[i].own);
	}
	ruleset_free(rs);
}

int
test_analysis_register(void)
{
	static const struct unit_test tests[] = {
		{ "conditions", test_analysis_conditions },
		{ "own hosts", test_analysis_hosts },
	};

	return unit_add_suite("analysis", tests, nitems(tests));
}
