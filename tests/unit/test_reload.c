/*
 * test_reload.c: unit tests of reload.c's decisions, which are pure
 * functions: whether a changed file has settled (its age against the
 * settle time), and whether a reload would drop most of the rules in use
 * (then it waits for SIGHUP).  The loading, the thread and the signals
 * are tested on the running binary by tests/ops.sh.
 */
#include <stdio.h>

#include "unit.h"
#include "fcgi-redirect.h"

static void
test_reload_settled(void)
{
	static const struct {
		long	 age_ms;	/* now - mtime; negative: in the future */
		long	 settle_ms;
		int	 settled;
	} rows[] = {
		{ 0,		SETTLE_DEFAULT_MS,	0 },
		{ 250,		SETTLE_DEFAULT_MS,	0 },	/* an upload's pause */
		{ 1999,		SETTLE_DEFAULT_MS,	0 },
		{ 2000,		SETTLE_DEFAULT_MS,	1 },
		{ 86400000,	SETTLE_DEFAULT_MS,	1 },
		{ 250,		200,			1 },	/* the old 200 ms */
		{ 0,		0,			1 },	/* --settle 0 */
		{ 199,		200,			0 },
		{ -500,		200,			0 },	/* a skewed clock */
		{ -1000,	200,			0 },
		{ -1001,	200,			1 },	/* ...far: not for ever */
		{ 599999,	SETTLE_MAX_MS,		0 },
		{ 600000,	SETTLE_MAX_MS,		1 },
	};
	struct timespec	 mtime = { .tv_sec = 1700000000, .tv_nsec = 900000000 };
	struct timespec	 now;
	long long	 ns;
	size_t		 i;
	int		 got;

	for (i = 0; i < nitems(rows); i++) {
		ns = (long long)mtime.tv_sec * 1000000000 + mtime.tv_nsec +
		    (long long)rows[i].age_ms * 1000000;
		now.tv_sec = (time_t)(ns / 1000000000);
		now.tv_nsec = (long)(ns % 1000000000);
		got = reload_settled(&mtime, &now, rows[i].settle_ms);
		if (got != rows[i].settled)
			fprintf(stderr, "\nsettled(age %ld ms, settle %ld ms): "
			    "%d, expected %d\n", rows[i].age_ms,
			    rows[i].settle_ms, got, rows[i].settled);
		CU_ASSERT_EQUAL(got, rows[i].settled);
	}
}

static void
test_reload_drops_most(void)
{
	static const struct {
		size_t	 current;	/* rules and map entries in use */
		size_t	 next;		/* in the file just loaded */
		int	 held;
	} rows[] = {
		{ 0,		0,	0 },	/* nothing in use (503) */
		{ 0,		5,	0 },
		{ 99,		0,	0 },	/* a small file: never held */
		{ 99,		1,	0 },
		{ 2,		1,	0 },
		{ 100,		49,	1 },
		{ 100,		50,	0 },	/* half: not fewer */
		{ 100,		51,	0 },
		{ 100,		0,	1 },
		{ 101,		50,	1 },
		{ 101,		51,	0 },
		{ 2000,		701,	1 },	/* a partial load that was seen */
		{ 2000,		1000,	0 },
		{ 2000,		5000,	0 },	/* growing */
		{ 1000000,	499999,	1 },
		{ 1000000,	500000,	0 },
		{ (size_t)-1,	0,	1 },
		{ (size_t)-1,	(size_t)-1 / 2, 1 },
		{ (size_t)-1,	(size_t)-1 / 2 + 1, 0 },
		{ 100,		(size_t)-1, 0 },
	};
	size_t		 i;
	int		 got;

	for (i = 0; i < nitems(rows); i++) {
		got = reload_drops_most(rows[i].current, rows[i].next);
		if (got != rows[i].held)
			fprintf(stderr, "\ndrops_most(%zu, %zu): %d, expected "
			    "%d\n", rows[i].current, rows[i].next, got,
			    rows[i].held);
		CU_ASSERT_EQUAL(got, rows[i].held);
	}
}

int
test_reload_register(void)
{
	static const struct unit_test tests[] = {
		{ "settle time", test_reload_settled },
		{ "drop threshold", test_reload_drops_most },
	};

	return unit_add_suite("reload", tests, nitems(tests));
}
