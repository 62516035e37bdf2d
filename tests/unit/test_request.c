/* test_request.c: placeholder until the suite is written. */
#include "unit.h"

int
test_request_register(void)
{
	return CU_add_suite("request", NULL, NULL) == NULL ? -1 : 0;
}
