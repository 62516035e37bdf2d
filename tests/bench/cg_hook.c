/*
 * cg_hook.c: an LD_PRELOAD library that makes callgrind runs of
 * build/bench-engine fast and per URI, without touching tests/bench/engine.c.
 *
 * Under callgrind a program runs some 50 times slower while it is
 * instrumented: loading 1,000,000 rules takes over a minute.  run.sh
 * therefore starts valgrind with --instr-atstart=no, and this library
 * switches instrumentation on when bench-engine prints its "load" line,
 * that is once the rules are loaded and before the first lookup.  It also
 * dumps the counts each time bench-engine formats the next URI
 * ("REQUEST_URI=%s"), so that each dump after the first holds the
 * BENCH_CALLGRIND_N lookups of one URI (--toggle-collect=bench_one counts
 * nothing else).
 *
 * Both hooks depend on how engine.c prints and formats: if it changes,
 * the hooks do not fire, run.sh sees fewer dumps than URIs (or none
 * counted) and falls back to a fully instrumented run.  Neither printf
 * nor snprintf is called inside bench_one(), so the counts are the
 * engine's alone.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <valgrind/callgrind.h>

int
printf(const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (strncmp(fmt, "load\t", 5) == 0)
		CALLGRIND_START_INSTRUMENTATION;
	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int
snprintf(char *s, size_t size, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (strcmp(fmt, "REQUEST_URI=%s") == 0)
		CALLGRIND_DUMP_STATS_AT("uri");
	va_start(ap, fmt);
	n = vsnprintf(s, size, fmt, ap);
	va_end(ap);
	return n;
}
