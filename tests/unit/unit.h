/*
 * unit.h: registration of the CUnit suites (one file per module).
 * Each test_MODULE.c defines test_MODULE_register(), which adds its suite
 * and returns 0, or -1 when CUnit fails to register it.
 */
#ifndef UNIT_H
#define UNIT_H

#include <CUnit/CUnit.h>

int	test_url_register(void);
int	test_load_register(void);
int	test_match_register(void);
int	test_location_register(void);
int	test_request_register(void);
int	test_response_register(void);

/* The directory holding the rule-file fixtures (tests/rules). */
extern const char *unit_fixture_dir;

#endif
