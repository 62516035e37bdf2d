/*
 * spawn.c: how long a program takes from its start to its exit.
 *
 *   bench-spawn RUNS PROGRAM [ARG...]
 *
 * Runs PROGRAM RUNS times, one after the other, with this process's
 * environment, stdin from /dev/null and stdout and stderr to /dev/null,
 * and times each run from just before posix_spawn() to the return of
 * wait4(): the process's whole life, exec, dynamic linking and exit
 * included, as a web server running it as CGI sees it (less the pipes).
 * CLOCK_MONOTONIC, so a run of 1 ms is timed to the microsecond, which
 * /usr/bin/time (10 ms) and a shell's `time` around a loop (fork of the
 * shell included) do not give.  Prints one line, tab-separated:
 *
 *   runs N  median_ms M  p10_ms A  p90_ms B  min_ms C  max_ms D  max_rss_kib R
 *
 * R is the median of the runs' ru_maxrss.  Exit 1 if a run failed to
 * start or exited with a status other than 0.
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RUNS_MAX	100000

extern char **environ;

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_long(const void *a, const void *b)
{
	long	 x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int
main(int argc, char *argv[])
{
	posix_spawn_file_actions_t	 fa;
	struct rusage			 ru;
	double				*ms, t0;
	long				*rss, runs, i;
	char				*end;
	pid_t				 pid;
	int				 status, rc;

	if (argc < 3) {
		fprintf(stderr, "usage: bench-spawn RUNS PROGRAM [ARG...]\n");
		return 2;
	}
	errno = 0;
	runs = strtol(argv[1], &end, 10);
	if (errno != 0 || *end != '\0' || runs < 1 || runs > RUNS_MAX) {
		fprintf(stderr, "bench-spawn: RUNS must be 1 to %d\n", RUNS_MAX);
		return 2;
	}
	ms = calloc((size_t)runs, sizeof(*ms));
	rss = calloc((size_t)runs, sizeof(*rss));
	if (ms == NULL || rss == NULL) {
		perror("bench-spawn");
		return 1;
	}
	if (posix_spawn_file_actions_init(&fa) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY,
	    0) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY,
	    0) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, 1, 2) != 0) {
		perror("bench-spawn");
		return 1;
	}
	for (i = 0; i < runs; i++) {
		t0 = now_ms();
		rc = posix_spawn(&pid, argv[2], &fa, NULL, argv + 2, environ);
		if (rc != 0) {
			fprintf(stderr, "bench-spawn: %s: %s\n", argv[2],
			    strerror(rc));
			return 1;
		}
		while (wait4(pid, &status, 0, &ru) == -1)
			if (errno != EINTR) {
				perror("bench-spawn: wait4");
				return 1;
			}
		ms[i] = now_ms() - t0;
		rss[i] = ru.ru_maxrss;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "bench-spawn: %s: run %ld: status %d\n",
			    argv[2], i + 1, status);
			return 1;
		}
	}
	qsort(ms, (size_t)runs, sizeof(*ms), cmp_double);
	qsort(rss, (size_t)runs, sizeof(*rss), cmp_long);
	printf("runs\t%ld\tmedian_ms\t%.3f\tp10_ms\t%.3f\tp90_ms\t%.3f\t"
	    "min_ms\t%.3f\tmax_ms\t%.3f\tmax_rss_kib\t%ld\n", runs,
	    ms[runs / 2], ms[runs / 10], ms[runs * 9 / 10], ms[0],
	    ms[runs - 1], rss[runs / 2]);
	posix_spawn_file_actions_destroy(&fa);
	free(ms);
	free(rss);
	return 0;
}
