/*
 * prefork.c: the standalone mode, for nginx and systemd.
 *
 *   fcgi-redirect --listen /run/fcgi-redirect.sock [--socket-mode 0660]
 *                 [--workers N] [-c FILE]
 *
 * The parent opens the listening socket itself (listen.c), loads the
 * rules once and pre-forks N workers that share the loaded rule set
 * copy-on-write and answer requests (serve.c).  The parent answers nothing
 * and writes nothing but logs.  It:
 *  - restarts a worker that dies (after a pause when they die in a burst);
 *  - reloads on SIGHUP and when the file changes (checked once a second,
 *    loaded beside the old set by reload.c): new workers get the new set,
 *    and the old ones finish the request in hand and exit; an invalid file
 *    changes nothing;
 *  - on SIGTERM or SIGINT stops every worker (each finishes the request in
 *    hand), removes the socket file and exits 0.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fcgi-redirect.h"

struct worker {
	pid_t		 pid;		/* 0: free slot */
	unsigned	 generation;	/* of the rule set it serves */
	long long	 stop_sent;	/* when asked to stop (ms), else 0 */
};

/*
 * A worker asked to stop finishes the request in hand: at most the
 * request timeout, then FASTCGI_LINGER_MS to close.  One that is still there
 * a second after that is stuck, and gets SIGKILL.
 */
#define GRACE_MS(o)	((o)->timeout_ms + FASTCGI_LINGER_MS + 1000)

#define LOADING_POLL_MS	10

/* Send sig to worker w; never to a pid that is not a worker's. */
static void
worker_signal(struct worker *w, int sig)
{
	if (w->pid <= 0)
		return;		/* kill(0) or kill(-1) would hit others */
	if (sig == SIGTERM && w->stop_sent == 0)
		w->stop_sent = fastcgi_now_ms();
	(void)kill(w->pid, sig);
}

static volatile sig_atomic_t parent_stop, parent_hup;

static void
parent_on_stop(int sig)
{
	(void)sig;
	parent_stop = 1;
}

static void
parent_on_hup(int sig)
{
	(void)sig;
	parent_hup = 1;
}

static void
parent_on_chld(int sig)
{
	(void)sig;	/* only to interrupt poll() */
}

static void
parent_signals(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = parent_on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = parent_on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = parent_on_chld;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
}

/* Start a worker in slot w serving the current rule set; 0 or -1. */
static int
worker_start(struct worker *w, int fd, struct reload *r, unsigned gen,
    const struct serve_opts *o)
{
	sigset_t all, old;
	pid_t	 pid;

	/*
	 * No signal between fork and the worker's own handlers: a SIGTERM
	 * sent to a new worker at once (a reload) stays pending until the
	 * worker waits for a connection.
	 */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if ((pid = fork()) == -1) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		fprintf(stderr, "fcgi-redirect: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		signal(SIGCHLD, SIG_DFL);
		serve_signals(0);
		_exit(serve_fastcgi(fd, r, 0, o));
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	w->pid = pid;
	w->generation = gen;
	w->stop_sent = 0;
	return 0;
}

/* Ask every worker of a generation older than gen (all: gen 0) to stop. */
static void
workers_stop(struct worker *ws, size_t n, unsigned gen)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (ws[i].pid != 0 && (gen == 0 || ws[i].generation < gen))
			worker_signal(&ws[i], SIGTERM);
}

/* SIGKILL the workers asked to stop more than `grace_ms` ago. */
static void
workers_kill_stuck(struct worker *ws, size_t n, long long grace_ms)
{
	long long	 now = fastcgi_now_ms();
	size_t		 i;

	for (i = 0; i < n; i++)
		if (ws[i].pid != 0 && ws[i].stop_sent != 0 &&
		    now - ws[i].stop_sent > grace_ms) {
			fprintf(stderr, "fcgi-redirect: worker %ld did not stop "
			    "within %lld ms; killing it\n", (long)ws[i].pid,
			    grace_ms);
			worker_signal(&ws[i], SIGKILL);
			ws[i].stop_sent = now;	/* no new line at once */
		}
}

/* Collect exited workers; returns how many of generation gen died. */
static unsigned
workers_reap(struct worker *ws, size_t n, unsigned gen)
{
	unsigned	 died = 0;
	size_t		 i;
	pid_t		 pid;
	int		 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (i = 0; i < n; i++) {
			if (ws[i].pid != pid)
				continue;
			ws[i].pid = 0;
			if (ws[i].generation == gen && !parent_stop) {
				died++;
				if (WIFSIGNALED(status))
					fprintf(stderr, "fcgi-redirect: worker "
					    "%ld killed by signal %d; starting "
					    "another\n", (long)pid,
					    WTERMSIG(status));
				else
					fprintf(stderr, "fcgi-redirect: worker "
					    "%ld exited with %d; starting "
					    "another\n", (long)pid,
					    WEXITSTATUS(status));
			}
		}
	return died;
}

static size_t
workers_alive(const struct worker *ws, size_t n)
{
	size_t	 i, alive = 0;

	for (i = 0; i < n; i++)
		alive += ws[i].pid != 0;
	return alive;
}

/*
 * Run the standalone server on la (listen.c has parsed it; a Unix socket
 * file gets `mode`, -1: what the umask gives) with nworkers workers
 * (1 to WORKERS_MAX).  Returns the process exit status.
 */
int
prefork_run(const struct listen_addr *la, long mode, int nworkers,
    const struct serve_opts *o)
{
	struct worker	*ws;
	struct reload	*r;
	size_t		 nslots = (size_t)nworkers * 2, i, started;
	unsigned	 gen = 1;
	char		 err[256];
	int		 fd, hup;
	time_t		 burst_start = 0;
	unsigned	 burst = 0;

	if ((fd = listen_open(la, mode, err, sizeof(err))) == -1) {
		fprintf(stderr, "fcgi-redirect: --listen: %s\n", err);
		return 1;
	}
	/* A current and an old generation, while the old one finishes. */
	if ((ws = calloc(nslots, sizeof(*ws))) == NULL) {
		fprintf(stderr, "fcgi-redirect: out of memory\n");
		close(fd);
		if (la->path != NULL)
			unlink(la->path);
		return 1;
	}
	parent_signals();
	if ((r = reload_new(o->rules, o->image, o->settle_ms)) == NULL) {
		fprintf(stderr, "fcgi-redirect: out of memory\n");
		return 1;
	}
	fprintf(stderr, "fcgi-redirect: listening on %s with %d workers\n",
	    la->spec, nworkers);

	while (!parent_stop) {
		/* Keep nworkers workers of the current generation. */
		for (i = 0, started = 0; i < nslots; i++)
			started += ws[i].pid != 0 && ws[i].generation == gen;
		for (i = 0; i < nslots && started < (size_t)nworkers; i++)
			if (ws[i].pid == 0 &&
			    worker_start(&ws[i], fd, r, gen, o) == 0)
				started++;
		/*
		 * A signal ends the wait early.  While a load runs, its end
		 * is looked for every LOADING_POLL_MS, so that the new
		 * workers start as soon as it is done, not a second later.
		 */
		poll(NULL, 0, reload_loading(r) ? LOADING_POLL_MS : 1000);
		if (workers_reap(ws, nslots, gen) > 0) {
			/* Dying in a burst: do not fork in a tight loop. */
			if (time(NULL) - burst_start > 1) {
				burst_start = time(NULL);
				burst = 0;
			}
			if (++burst > (unsigned)nworkers * 2)
				poll(NULL, 0, 1000);
		}
		if (parent_stop)
			break;
		workers_kill_stuck(ws, nslots, GRACE_MS(o));
		hup = parent_hup;
		parent_hup = 0;
		if (reload_poll(r, hup)) {
			/* New workers get the new set; old ones finish. */
			gen++;
			workers_stop(ws, nslots, gen);
		}
	}

	fprintf(stderr, "fcgi-redirect: stopping\n");
	workers_stop(ws, nslots, 0);
	while (workers_alive(ws, nslots) > 0) {
		poll(NULL, 0, 50);
		workers_reap(ws, nslots, gen);
		workers_kill_stuck(ws, nslots, GRACE_MS(o));
	}
	close(fd);
	if (la->path != NULL)
		unlink(la->path);
	reload_free(r);
	free(ws);
	return 0;
}
