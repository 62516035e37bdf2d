/*
 * unit.h: registration of the CUnit suites (one file per module).
 * Each test_MODULE.c defines test_MODULE_register(), which adds its suite
 * and returns 0, or -1 when CUnit fails to register it.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stddef.h>

#include <CUnit/CUnit.h>

int	test_url_register(void);
int	test_load_register(void);
int	test_match_register(void);
int	test_location_register(void);
int	test_request_register(void);
int	test_response_register(void);
int	test_reload_register(void);
int	test_fastcgi_register(void);
int	test_analysis_register(void);
int	test_image_register(void);
int	test_query_register(void);
int	test_stats_register(void);
int	test_import_register(void);

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* unit.c: a suite from a table of tests; diagnostics. */
struct unit_test {
	const char	*name;
	CU_TestFunc	 fn;
};

int	unit_add_suite(const char *, const struct unit_test *, size_t);
void	unit_print_bytes(const char *, size_t, int);
void	unit_print_str(const char *, size_t);

/*
 * unit.c: rule number i of a rule set (rs->nrules: the fallback), read
 * from its image; valid until 16 more calls.  A damaged rule fails the
 * test and reads as an empty one.
 */
struct ruleset;
struct rule;
const struct rule *unit_rule(const struct ruleset *, size_t);
#define UNIT_RULE(rs, i)	(*unit_rule((rs), (i)))

/* unit.c: temporary directories (under TMPDIR) and files; 0, or -1. */
int	unit_tmp_dir(char *, size_t);
int	unit_path_join(char *, size_t, const char *, const char *);
void	unit_tmp_remove(const char *);
int	unit_write_file(const char *, const char *);

/* The directory holding the rule-file fixtures (tests/rules). */
extern const char *unit_fixture_dir;

#endif
