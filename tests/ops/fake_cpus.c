/*
 * tests/ops/fake_cpus.c: an LD_PRELOAD shim for tests/ops.sh that shows a
 * process FAKE_CPUS CPUs, to test the default number of workers without
 * a machine of 300 CPUs.
 *
 * sched_getaffinity() reports the first FAKE_CPUS CPUs (as many as the
 * caller's set can hold: CPU_SETSIZE, 1024, for a cpu_set_t), and
 * sysconf(_SC_NPROCESSORS_ONLN) and sysconf(_SC_NPROCESSORS_CONF) return
 * FAKE_CPUS: fcgi-redirect reads the affinity mask, its versions up to
 * d695ed6 only sysconf.  Without FAKE_CPUS, or with a value
 * that is not a number from 1 to 65536, both are the real ones.
 *
 *   cc -shared -fPIC -o fake_cpus.so fake_cpus.c -ldl
 *   LD_PRELOAD=./fake_cpus.so FAKE_CPUS=300 fcgi-redirect --listen ...
 */
#define _GNU_SOURCE		/* sched_getaffinity, CPU_SET_S, RTLD_NEXT */
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* FAKE_CPUS, or 0 when it is not set to a number from 1 to 65536. */
static long
fake_cpus(void)
{
	const char	*v = getenv("FAKE_CPUS");
	char		*end;
	long		 n;

	if (v == NULL || *v < '0' || *v > '9')
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < 1 || n > 65536)
		return 0;
	return n;
}

int
sched_getaffinity(pid_t pid, size_t size, cpu_set_t *mask)
{
	int	(*real)(pid_t, size_t, cpu_set_t *);
	long	 n = fake_cpus();
	size_t	 i;

	if (n == 0) {
		*(void **)&real = dlsym(RTLD_NEXT, "sched_getaffinity");
		if (real == NULL) {
			errno = ENOSYS;
			return -1;
		}
		return real(pid, size, mask);
	}
	memset(mask, 0, size);
	for (i = 0; i < (size_t)n && i < size * 8; i++)
		CPU_SET_S(i, size, mask);
	return 0;
}

long
sysconf(int name)
{
	long	(*real)(int);
	long	 n = fake_cpus();

	if (n != 0 && (name == _SC_NPROCESSORS_ONLN ||
	    name == _SC_NPROCESSORS_CONF))
		return n;
	*(void **)&real = dlsym(RTLD_NEXT, "sysconf");
	if (real == NULL) {
		errno = ENOSYS;
		return -1;
	}
	return real(name);
}
