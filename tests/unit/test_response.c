/* test_response.c: placeholder until the suite is written. */
#include "unit.h"

int
test_response_register(void)
{
	return CU_add_suite("response", NULL, NULL) == NULL ? -1 : 0;
}
