/*
 * serve.c: CGI and FastCGI serving.
 *
 * The only file that talks to libfcgi.  Under FastCGI (fd 0 is a listening
 * socket: mod_fcgid, lighttpd's bin-path, spawn-fcgi) it accepts requests
 * one at a time with FCGX_Accept_r and answers each; under CGI (fd 0 is
 * not a socket) it answers the one request in its environment on stdout.
 * The request body is never read: a 307 or 308 makes the client send it
 * again to the new address.
 *
 * When the rule file cannot be loaded, the reasons go to stderr (the web
 * server's error log) and every request gets 503: clients never see paths
 * or parser messages.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "fcgi-redirect.h"

extern char **environ;

/* Load the rules, logging problems to stderr; NULL when unusable. */
static struct ruleset *
serve_load(const char *path)
{
	struct diag	 d;
	struct ruleset	*rs;

	diag_init(&d, stderr, path);
	rs = ruleset_load_file(path, &d);
	diag_finish(&d);
	if (rs == NULL)
		fprintf(stderr, "fcgi-redirect: %s: not loaded (%u errors); "
		    "answering 503\n", path, d.errors);
	return rs;
}

/* Write all of buf to stdout; 0 or -1. */
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
 * Serve requests with the rules at `path`: FastCGI when `fastcgi`, else
 * one CGI request.  Returns the process exit status.
 */
int
serve(const char *path, int fastcgi)
{
	static char		 mem[RESPONSE_MAX];
	static struct decision	 d;
	struct match_scratch	*scratch;
	struct ruleset		*rs;
	struct buf		 out;
	FCGX_Request		 req;

	if ((scratch = match_scratch_new()) == NULL) {
		fprintf(stderr, "fcgi-redirect: out of memory\n");
		return 1;
	}
	rs = serve_load(path);
	if (!fastcgi) {
		handle_decide(rs, environ, time(NULL), scratch, &d);
		buf_init(&out, mem, sizeof(mem));
		handle_respond(&d, &out);
		ruleset_free(rs);
		match_scratch_free(scratch);
		return write_all(out.data, out.len) == 0 ? 0 : 1;
	}
	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0) {
		fprintf(stderr, "fcgi-redirect: cannot start FastCGI\n");
		return 1;
	}
	while (FCGX_Accept_r(&req) >= 0) {
		handle_decide(rs, req.envp, time(NULL), scratch, &d);
		buf_init(&out, mem, sizeof(mem));
		handle_respond(&d, &out);
		FCGX_PutStr(out.data, (int)out.len, req.out);
		FCGX_Finish_r(&req);
	}
	ruleset_free(rs);
	match_scratch_free(scratch);
	return 0;
}
