/* test_match.c: placeholder until the suite is written. */
#include "unit.h"

int
test_match_register(void)
{
	return CU_add_suite("match", NULL, NULL) == NULL ? -1 : 0;
}
