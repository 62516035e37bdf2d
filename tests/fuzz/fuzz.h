/*
 * fuzz.h: what the libFuzzer harnesses under tests/fuzz/ share.
 *
 * fuzz_check.c holds the one description of a well-formed answer that both
 * harnesses hold every response to; a violation ends in abort(), which
 * libFuzzer reports as a crash and saves the input that caused it.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>

/* What a harness knows about the request whose answer is checked. */
struct fuzz_expect {
	int		 head;		/* the effective method is HEAD */
	/*
	 * The authorities an absolute Location may name, NULL-terminated:
	 * literal "host[:port]", or "${host}" and "${host}:PORT" for the
	 * request's own host.  NULL: any authority without user information.
	 */
	const char	*const *hosts;
	/* The Host sources of the request (HTTP_HOST, SERVER_NAME) or NULL. */
	const char	*req_host[2];
};

/* abort() unless resp[0..len) is a well-formed CGI answer (see there). */
void	 fuzz_check_response(const char *, size_t,
	    const struct fuzz_expect *);

/* Print why, the answer (escaped) and abort(). */
void	 fuzz_fail(const char *, const char *, size_t)
	    __attribute__((noreturn));

/* fuzz_rules.c: a rule file with every kind of rule, and its hosts. */
extern const char		 fuzz_rules_absolute[];
extern const char *const	 fuzz_hosts_absolute[];

#endif /* FUZZ_H */
