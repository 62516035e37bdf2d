/* test_load.c: placeholder until the suite is written. */
#include "unit.h"

int
test_load_register(void)
{
	return CU_add_suite("load", NULL, NULL) == NULL ? -1 : 0;
}
