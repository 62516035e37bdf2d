/*
 * serve.c: CGI and FastCGI serving, and what signals mean to a server.
 *
 * The only file (with prefork.c) that talks to libfcgi.  Under FastCGI (fd
 * 0 is a listening socket: mod_fcgid, lighttpd's bin-path, spawn-fcgi) it
 * accepts requests one at a time and answers each; under CGI (fd 0 is not a
 * socket) it answers the one request in its environment on stdout.  The
 * request body is never used: a 307 or 308 makes the client send it again
 * to the new address (under CGI it is read and thrown away, see
 * drain_body()).
 *
 * Signals, as the process managers use them (mod_fcgid and lighttpd stop
 * their FastCGI processes with SIGTERM; libfcgi's own convention is
 * SIGUSR1): SIGTERM, SIGINT and SIGUSR1 stop the process, at once when it
 * is idle, after the request in hand when it is answering one.  SIGHUP
 * checks the rule file now instead of within a second.  SIGPIPE is ignored
 * (a client that went away is the web server's business).  The signals
 * are blocked except while waiting for a connection, so none can break a
 * request in the middle.
 *
 * When no rule set could be loaded, every request gets 503 and the reasons
 * are on stderr (the web server's error log): clients never see paths or
 * parser messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "fcgi-redirect.h"

extern char **environ;

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t check_requested;

static void
on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void
on_hup(int sig)
{
	(void)sig;
	check_requested = 1;
}

/*
 * Install the serving signals and block them: they are let in only while
 * the process waits for a connection (ppoll in serve_fastcgi), so a
 * signal never interrupts a request being read or answered (libfcgi drops
 * a request whose read fails with EINTR).  `hup`: SIGHUP checks the rule
 * file (else it is ignored: a pre-forked worker leaves reloading to its
 * parent).  Call it before loading the rules, so that a signal during a
 * long first load waits instead of killing the process.
 */
void
serve_signals(int hup)
{
	struct sigaction	 sa;
	sigset_t		 set;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = hup ? on_hup : SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	/* Exactly these blocked (a forked worker inherits "all blocked"). */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_SETMASK, &set, NULL);
}

/*
 * Wait up to a second for a connection on fd with the serving signals let
 * in (`open` is the signal mask to wait with).  Returns when one may be
 * waiting, on a signal, or after the second.
 */
static void
wait_connection(int fd, const sigset_t *open)
{
	struct pollfd	 p = { .fd = fd, .events = POLLIN };
	struct timespec	 ts = { .tv_sec = 1, .tv_nsec = 0 };

	(void)ppoll(&p, 1, &ts, open);
}

/*
 * Answer FastCGI requests on the listening socket `fd` until asked to
 * stop, with the rules of r; `watch`: check the rule file between requests
 * and once a second when idle (a pre-forked worker does not: its parent
 * does).  The signals of serve_signals() must be installed.  Returns the
 * exit status.
 *
 * The listening socket is made non-blocking: when several processes share
 * it (spawn-fcgi -F, --workers) and one connection wakes them all, the
 * ones that lose the race get EAGAIN and wait again, instead of sleeping
 * in accept() where a signal could not reach them.
 */
int
serve_fastcgi(int fd, struct reload *r, int watch)
{
	static char		 mem[RESPONSE_MAX];
	static struct decision	 d;
	struct match_scratch	*scratch;
	struct buf		 out;
	FCGX_Request		 req;
	sigset_t		 open;
	int			 flags, force;

	if ((scratch = match_scratch_new()) == NULL ||
	    FCGX_Init() != 0 ||
	    FCGX_InitRequest(&req, fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		fprintf(stderr, "fcgi-redirect: cannot start FastCGI\n");
		return 1;
	}
	if ((flags = fcntl(fd, F_GETFL)) != -1)
		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	/* While waiting, the serving signals are let in. */
	sigprocmask(SIG_SETMASK, NULL, &open);
	sigdelset(&open, SIGTERM);
	sigdelset(&open, SIGINT);
	sigdelset(&open, SIGUSR1);
	sigdelset(&open, SIGHUP);
	while (!stop_requested) {
		if (watch) {
			force = check_requested;
			check_requested = 0;
			reload_poll(r, force);
		}
		/* Under load a connection is waiting: no poll before accept. */
		if (FCGX_Accept_r(&req) < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR || errno == 0) {
				/* None waiting, or another process took it. */
				wait_connection(fd, &open);
				continue;
			}
			fprintf(stderr, "fcgi-redirect: accept: %s\n",
			    strerror(errno));
			break;
		}
		if (watch)
			reload_poll(r, 0);
		handle_decide(reload_rules(r), req.envp, time(NULL), scratch,
		    &d);
		buf_init(&out, mem, sizeof(mem));
		handle_respond(&d, &out);
		FCGX_PutStr(out.data, (int)out.len, req.out);
		FCGX_Finish_r(&req);
	}
	FCGX_Free(&req, 1);
	match_scratch_free(scratch);
	return 0;
}

/* Write all of p[0..n) to stdout; 0 or -1. */
static int
write_all(const char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(STDOUT_FILENO, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Read and throw away the CGI request body (CONTENT_LENGTH bytes) before
 * answering.  Under mod_cgid stdin and stdout are one Unix socket: closing
 * it with unread data makes Linux reset the connection, and Apache loses
 * the end of the answer.  Done before writing, so a long answer cannot
 * wait on a full socket while the server waits for us to read.
 */
static void
drain_body(void)
{
	static char		 sink[65536];
	const char		*cl;
	char			*end;
	unsigned long long	 left;
	ssize_t			 n;

	if ((cl = request_param(environ, "CONTENT_LENGTH")) == NULL ||
	    *cl == '\0')
		return;
	errno = 0;
	left = strtoull(cl, &end, 10);
	if (errno != 0 || *end != '\0' || cl[0] == '-')
		return;
	while (left > 0) {
		n = read(STDIN_FILENO, sink, left < sizeof(sink) ?
		    (size_t)left : sizeof(sink));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		left -= (unsigned long long)n;
	}
}

/* Answer the one CGI request in the environment.  Returns the exit status. */
static int
serve_cgi(const struct ruleset *rs)
{
	static char		 mem[RESPONSE_MAX];
	static struct decision	 d;
	struct match_scratch	*scratch;
	struct buf		 out;

	if ((scratch = match_scratch_new()) == NULL) {
		fprintf(stderr, "fcgi-redirect: out of memory\n");
		return 1;
	}
	drain_body();
	handle_decide(rs, environ, time(NULL), scratch, &d);
	buf_init(&out, mem, sizeof(mem));
	handle_respond(&d, &out);
	match_scratch_free(scratch);
	return write_all(out.data, out.len) == 0 ? 0 : 1;
}

/*
 * Serve with the rules at `path`: FastCGI on fd 0 when `fastcgi` (a
 * changed file is read once left alone for settle_ms, see reload_new()),
 * else the one CGI request.  Returns the process exit status.
 */
int
serve(const char *path, int fastcgi, long settle_ms)
{
	struct reload	*r;
	struct ruleset	*rs;
	struct diag	 d;
	int		 rc;

	if (!fastcgi) {
		/* One request: errors to the server's log, nothing else. */
		diag_init(&d, stderr, path);
		rs = ruleset_load_file(path, &d);
		diag_finish(&d);
		rc = serve_cgi(rs);
		ruleset_free(rs);
		return rc;
	}
	serve_signals(1);
	if ((r = reload_new(path, settle_ms)) == NULL) {
		fprintf(stderr, "fcgi-redirect: out of memory\n");
		return 1;
	}
	rc = serve_fastcgi(0, r, 1);
	reload_free(r);
	return rc;
}
