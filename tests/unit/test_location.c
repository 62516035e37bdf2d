/* test_location.c: placeholder until the suite is written. */
#include "unit.h"

int
test_location_register(void)
{
	return CU_add_suite("location", NULL, NULL) == NULL ? -1 : 0;
}
