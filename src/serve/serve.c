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
 *
 * Every answer is counted in the rule set's counters file (stats.c) unless
 * [defaults] says `stats = off`: a FastCGI process opens the file of each
 * rule set it takes into use (counting_follow()), a CGI process opens it
 * for its one request.  A file that cannot be opened or rebuilt costs one
 * line on stderr per rule set and leaves the answers alone.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
 * A mapped image cut short in place (cp over it, not mv) makes reading
 * its lost pages raise SIGBUS.  Every read of the rules happens inside
 * decide(), which SIGBUS leaves through siglongjmp(): the request gets
 * 503 instead of the process dying, and reload.c, seeing the image
 * changed, maps or rebuilds a whole one.  Nothing in decide() holds a lock
 * or half-updates shared state but the regex cache, whose worst case is a
 * leaked compile.
 */
static sigjmp_buf		 bus_jump;
static volatile sig_atomic_t	 bus_armed;
/* Set while counting: a SIGBUS then comes from the counters file. */
static volatile sig_atomic_t	 bus_counting;

static void
on_bus(int sig)
{
	if (bus_armed) {
		bus_armed = 0;
		siglongjmp(bus_jump, 1);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* SIGBUS to on_bus(), not blocked in it (it jumps out). */
static void
bus_install(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_bus;
	sa.sa_flags = SA_NODEFER;
	(void)sigaction(SIGBUS, &sa, NULL);
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
	bus_install();
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
 * Under load a connection is always waiting, so the process would never
 * wait in ppoll() where the signals get in.  Between requests, at most
 * every SIGNAL_CHECK_MS, pending signals are let in: a SIGTERM or a SIGHUP
 * is acted on within that time under any load, for one system call every
 * SIGNAL_CHECK_MS (none per request).
 */
#define SIGNAL_CHECK_MS	100

static void
signals_let_in(const sigset_t *open, long long *checked)
{
	struct timespec	 zero = { 0, 0 };
	long long	 now = fastcgi_now_ms();
	sigset_t	 pending;

	if (now - *checked < SIGNAL_CHECK_MS)
		return;
	*checked = now;
	if (sigpending(&pending) == 0 && (sigismember(&pending, SIGTERM) ||
	    sigismember(&pending, SIGINT) || sigismember(&pending, SIGUSR1) ||
	    sigismember(&pending, SIGHUP)))
		(void)ppoll(NULL, 0, &zero, open);
}

/*
 * Accept a connection on the listening socket fd from a peer that may
 * talk to us (peer.c), or return -1 after waiting (none was there) or
 * after closing a refused one.
 */
static int
accept_peer(int fd, const struct serve_opts *o, const sigset_t *open)
{
	struct sockaddr_storage	 sa;
	socklen_t		 len = sizeof(sa);
	char			 who[PEER_NAME_MAX];
	int			 conn;

	if ((conn = accept4(fd, (struct sockaddr *)&sa, &len,
	    SOCK_CLOEXEC)) == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR && errno != ECONNABORTED)
			log_connection("accept: %s", strerror(errno));
		/* None waiting, or another process took it. */
		wait_connection(fd, open);
		return -1;
	}
	if (len == 0 || !peer_allowed(&o->allow, conn,
	    (struct sockaddr *)&sa, who)) {
		log_connection("refused a connection from %s: not in the "
		    "allow-list (--allow)", len == 0 ? "an unnamed peer" : who);
		close(conn);
		return -1;
	}
	return conn;
}

/*
 * A connection whose request fastcgi.c did not pass: answer 400 when it
 * was too large, else just close it, and say why in the log.
 */
static void
refuse_request(int conn, int verdict, const struct fastcgi_request *fr)
{
	char		 mem[1024];
	struct buf	 out;

	switch (verdict) {
	case FASTCGI_TOO_LARGE:
		buf_init(&out, mem, sizeof(mem));
		response_error(&out, 400, 0);
		(void)fastcgi_write(conn, fr->id, out.data, out.len);
		log_connection("answered 400 to a request of more than %d bytes "
		    "or %d variables of parameters", FASTCGI_PARAMS_MAX,
		    FASTCGI_VARS_MAX);
		fastcgi_close(conn);
		return;
	case FASTCGI_BAD:
		log_connection("closed a connection that sent %s%s%s%s: not "
		    "what a web server sends", fr->h.why, fr->h.type != 0 ?
		    " (" : "", fr->h.type != 0 ?
		    fastcgi_record_name(fr->h.type) : "", fr->h.type != 0 ?
		    ")" : "");
		break;
	case FASTCGI_TIMEOUT:
		log_connection("closed a connection that sent no whole request "
		    "in time (--timeout)");
		break;
	default:
		break;	/* the peer went away: nothing to say */
	}
	close(conn);
}

/*
 * The counters of the rule set in use, in a FastCGI process: the file is
 * opened when a rule set is taken into use, and dropped when it cannot
 * be counted in any more (cut short under us: SIGBUS).
 */
struct counting {
	struct stats	*stats;		/* NULL: not counting */
	unsigned long	 generation;	/* of the rule set it counts */
	int		 opened;	/* tried for that generation */
};

static struct counting	 counting;

/*
 * The counters file of rule set rs (serving with o), or NULL after one
 * line on stderr saying why it is not counted; NULL quietly when rs is
 * NULL, says `stats = off`, or o names no counters file.
 */
static struct stats *
counting_open(const struct ruleset *rs, const struct serve_opts *o)
{
	struct stats	*s;
	char		 err[1024];

	if (rs == NULL || rs->stats_off || o->stats == NULL)
		return NULL;
	if ((s = stats_open(rs, o->stats, o->rules, STATS_OPEN_SERVE, err,
	    sizeof(err))) == NULL)
		fprintf(stderr, "fcgi-redirect: not counting: %s\n", err);
	return s;
}

/* Follow reload.c: the counters of the rule set of generation gen. */
static void
counting_follow(const struct ruleset *rs, unsigned long gen,
    const struct serve_opts *o)
{
	if (counting.opened && counting.generation == gen)
		return;
	stats_close(counting.stats);
	counting.stats = counting_open(rs, o);
	counting.generation = gen;
	counting.opened = 1;
}

/*
 * Decide the request in envp with rs and format the answer into out (an
 * empty buffer), as handle_decide() and handle_respond() do, log it and
 * count it in *stats (NULL: not counted); when the image under rs goes
 * away meanwhile, a 503.  When the counters file goes away (cut short in
 * place), the answer stands and *stats is dropped: closed and NULL.
 */
static void
decide(const struct ruleset *rs, char **envp, struct match_scratch *scratch,
    struct decision *d, struct buf *out, struct stats **stats)
{
	if (sigsetjmp(bus_jump, 0) != 0) {
		if (bus_counting) {
			bus_counting = 0;
			log_connection("the counters file was cut short under "
			    "a request; not counting until the rules are "
			    "reloaded");
			stats_close(*stats);
			*stats = NULL;
			return;
		}
		log_connection("the rules' image changed under a request (it "
		    "was rewritten in place: replace it with mv); answered "
		    "503 and reloading");
		buf_init(out, out->data, out->cap);
		d->rule = NULL;
		handle_decide(NULL, envp, time(NULL), scratch, d);
		handle_respond(d, out);
		return;
	}
	bus_armed = 1;
	handle_decide(rs, envp, time(NULL), scratch, d);
	handle_respond(d, out);
	log_decision(d, rs);
	if (*stats != NULL) {
		bus_counting = 1;
		stats_count(*stats, d);
		bus_counting = 0;
	}
	bus_armed = 0;
}

/*
 * Answer the request fr read from the connection conn, and close the
 * connection.
 */
static void
answer(int conn, struct fastcgi_request *fr, long long deadline,
    struct reload *r, int watch, struct match_scratch *scratch,
    const struct serve_opts *o)
{
	static char		 mem[RESPONSE_MAX];
	static struct decision	 d;
	struct timeval		 tv;
	struct buf		 out;
	long long		 left;

	if (watch)
		reload_poll(r, 0);
	buf_init(&out, mem, sizeof(mem));
	counting_follow(reload_rules(r), reload_generation(r), o);
	decide(reload_rules(r), fr->env.vars, scratch, &d, &out,
	    &counting.stats);
	/*
	 * An answer of a few KiB fits in any socket buffer; a longer one
	 * could wait for ever on a peer that does not read.
	 */
	if (out.len > 16384) {
		left = deadline - fastcgi_now_ms();
		left = left < 1000 ? 1000 : left;
		tv.tv_sec = left / 1000;
		tv.tv_usec = left % 1000 * 1000;
		(void)setsockopt(conn, SOL_SOCKET, SO_SNDTIMEO, &tv,
		    sizeof(tv));
	}
	if (fastcgi_write(conn, fr->id, out.data, out.len) == -1)
		log_connection("could not send an answer of %zu bytes: %s",
		    out.len, strerror(errno));
	fastcgi_close(conn);
}

/*
 * Answer FastCGI requests on the listening socket `fd` until asked to
 * stop, with the rules of r; `watch`: check the rule file between requests
 * and once a second when idle (a pre-forked worker does not: its parent
 * does).  The signals of serve_signals() must be installed.  Returns the
 * exit status.
 *
 * One connection at a time, one request per connection: accepted here,
 * its peer checked (peer.c), its request read until o's timeout and
 * checked (fastcgi.c), answered and closed.  The listening socket is made
 * non-blocking: when several processes share it (spawn-fcgi -F,
 * --workers) and one connection wakes them all, the ones that lose the
 * race get EAGAIN and wait again, instead of sleeping in accept() where a
 * signal could not reach them.
 */
int
serve_fastcgi(int fd, struct reload *r, int watch, const struct serve_opts *o)
{
	static struct fastcgi_request	 fr;
	struct match_scratch		*scratch;
	sigset_t			 open;
	long long			 signals_checked = 0, deadline;
	int				 flags, force, conn, v;

	if ((scratch = match_scratch_new()) == NULL) {
		fprintf(stderr, "fcgi-redirect: out of memory\n");
		return 1;
	}
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1) {
		fprintf(stderr, "fcgi-redirect: the listening socket: %s\n",
		    strerror(errno));
		match_scratch_free(scratch);
		return 1;
	}
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
		if ((conn = accept_peer(fd, o, &open)) == -1)
			continue;
		deadline = fastcgi_now_ms() + o->timeout_ms;
		v = fastcgi_read(conn, deadline, &open, &stop_requested, &fr);
		if (v == FASTCGI_OK)
			answer(conn, &fr, deadline, r, watch, scratch, o);
		else
			refuse_request(conn, v, &fr);
		signals_let_in(&open, &signals_checked);
	}
	match_scratch_free(scratch);
	stats_close(counting.stats);
	counting.stats = NULL;
	counting.opened = 0;
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

/*
 * Answer the one CGI request in the environment with rs, counting it in
 * o's counters file.  Returns the exit status.
 */
static int
serve_cgi(const struct ruleset *rs, const struct serve_opts *o)
{
	static char		 mem[RESPONSE_MAX];
	static struct decision	 d;
	struct match_scratch	*scratch;
	struct stats		*stats;
	struct buf		 out;

	if ((scratch = match_scratch_new()) == NULL) {
		fprintf(stderr, "fcgi-redirect: out of memory\n");
		return 1;
	}
	drain_body();
	buf_init(&out, mem, sizeof(mem));
	stats = counting_open(rs, o);
	decide(rs, environ, scratch, &d, &out, &stats);
	stats_close(stats);
	match_scratch_free(scratch);
	return write_all(out.data, out.len) == 0 ? 0 : 1;
}

/*
 * The listening socket a process manager gave us on fd (spawn-fcgi,
 * mod_fcgid, lighttpd's bin-path).  We cannot refuse it, but a TCP socket
 * on an address other than loopback is answered only for the peers of the
 * allow-list (loopback when there is none): say so at start-up.
 */
static void
inherited_socket(int fd, const struct serve_opts *o)
{
	struct sockaddr_storage	 sa;
	socklen_t		 len = sizeof(sa);

	if (getsockname(fd, (struct sockaddr *)&sa, &len) == -1 ||
	    (sa.ss_family != AF_INET && sa.ss_family != AF_INET6))
		return;
	if (o->allow.nets == 0 && !peer_addr_loopback((struct sockaddr *)&sa))
		fprintf(stderr, "fcgi-redirect: warning: the FastCGI socket is "
		    "on a TCP address that is not loopback, and there is no "
		    "allow-list: only loopback peers will be answered (set "
		    "FCGI_REDIRECT_ALLOW or --allow to the web server's "
		    "address)\n");
}

/*
 * Whether fd is a listening socket: then we were started as a FastCGI
 * program (mod_fcgid, lighttpd's bin-path, spawn-fcgi pass one as fd 0),
 * else as a CGI program.
 */
int
serve_is_fastcgi(int fd)
{
	int		 listening = 0;
	socklen_t	 len = sizeof(listening);

	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening,
	    &len) == 0 && listening;
}

/*
 * Serve with the rules of o: FastCGI on fd 0 when `fastcgi`, else the
 * one CGI request.  Returns the process exit status.
 */
int
serve(const struct serve_opts *o, int fastcgi)
{
	struct reload	*r;
	struct ruleset	*rs;
	struct diag	 d;
	int		 rc, held;

	bus_install();
	if (!fastcgi) {
		/* One request: errors to the server's log, nothing else. */
		diag_init(&d, stderr, o->rules);
		rs = cache_load(o->rules, o->image, 0, &d, &held);
		diag_finish(&d);
		rc = serve_cgi(rs, o);
		ruleset_free(rs);
		return rc;
	}
	serve_signals(1);
	inherited_socket(0, o);
	if ((r = reload_new(o->rules, o->image, o->settle_ms)) == NULL) {
		fprintf(stderr, "fcgi-redirect: out of memory\n");
		return 1;
	}
	rc = serve_fastcgi(0, r, 1, o);
	reload_free(r);
	return rc;
}
