/*
 * main.c: runs every CUnit suite; exits non-zero when any test fails.
 * Usage: unit-tests [FIXTURE_DIR]  (default tests/rules)
 */
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>

#include "unit.h"

const char *unit_fixture_dir = "tests/rules";

int
main(int argc, char *argv[])
{
	int	(*suites[])(void) = {
		test_url_register,
		test_load_register,
		test_match_register,
		test_location_register,
		test_request_register,
		test_response_register,
		test_reload_register,
		test_fastcgi_register,
		test_analysis_register,
		test_image_register,
		test_query_register,
		test_stats_register,
		test_import_register,
	};
	size_t	 i;
	int	 failed;

	if (argc > 1)
		unit_fixture_dir = argv[1];
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i]() != 0) {
			fprintf(stderr, "cannot register suite %zu\n", i);
			CU_cleanup_registry();
			return 2;
		}
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	failed = (int)(CU_get_number_of_tests_failed() +
	    CU_get_number_of_failures());
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
