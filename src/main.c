/*
 * main.c: the command line.
 *
 *   fcgi-redirect [--settle MS] [-c FILE]      serve (FastCGI or CGI)
 *   fcgi-redirect --listen ADDR [--socket-mode MODE] [--workers N]
 *                 [--settle MS] [-c FILE]
 *   fcgi-redirect --check [-c FILE]            validate a rule file
 *   fcgi-redirect --explain [-c FILE] [-X METHOD] [--at TIME] URL
 *   fcgi-redirect --help | --version
 *
 * Only main decides to exit.  Under CGI, Apache may pass the words of an
 * ISINDEX query string as arguments (RFC 3875 §4.4), so when the
 * environment has GATEWAY_INTERFACE the arguments are never read as
 * options: a query like "?--check" cannot change what the program does.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "fcgi-redirect.h"

#ifndef RULES_DEFAULT
#define RULES_DEFAULT "/usr/local/etc/fcgi-redirect/redirects.ini"
#endif

enum exit_code {
	EXIT_OK = 0,
	EXIT_INVALID = 1,
	EXIT_USAGE = 2
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: fcgi-redirect [--settle MS] [-c FILE]\n"
	    "       fcgi-redirect --listen PATH|HOST:PORT [--socket-mode MODE]\n"
	    "                     [--workers N] [--settle MS] [-c FILE]\n"
	    "       fcgi-redirect --check [-c FILE]\n"
	    "       fcgi-redirect --explain [-c FILE] [-X METHOD] [--at TIME] URL\n"
	    "       fcgi-redirect --help | --version\n"
	    "\n"
	    "Answers web requests with redirects decided by an INI rule file,\n"
	    "as a FastCGI program (fd 0 a listening socket) or a CGI program.\n"
	    "\n"
	    "  -c, --config FILE   the rule file (default: $FCGI_REDIRECT_RULES,\n"
	    "                      else %s)\n"
	    "  --check             report every problem of the rule file as\n"
	    "                      FILE:LINE; exit 0 valid, 1 invalid\n"
	    "  --explain URL       print the answer to a request for URL and the\n"
	    "                      rule that decided it\n"
	    "  --listen ADDR       standalone: open a FastCGI socket (a path or\n"
	    "                      HOST:PORT) and pre-fork workers\n"
	    "  --socket-mode MODE  the socket file's permissions (octal, e.g. 0660)\n"
	    "  --workers N         how many workers (default: the number of CPUs)\n"
	    "  --settle MS         read a changed rule file once it has been left\n"
	    "                      alone for MS milliseconds (default:\n"
	    "                      $FCGI_REDIRECT_SETTLE_MS, else %d)\n"
	    "  -X, --method METHOD the method for --explain (default GET)\n"
	    "  --at TIME           --explain as at an RFC 3339 time, such as\n"
	    "                      2026-12-25T12:00:00Z (default now)\n",
	    RULES_DEFAULT, SETTLE_DEFAULT_MS);
}

/* The rule file: -c, else $FCGI_REDIRECT_RULES, else the default. */
static const char *
rules_path(const char *opt)
{
	const char	*env;

	if (opt != NULL)
		return opt;
	if ((env = getenv("FCGI_REDIRECT_RULES")) != NULL && *env != '\0')
		return env;
	return RULES_DEFAULT;
}

/*
 * The settle time of a served rule file (see reload_new()): --settle
 * (`opt`), else $FCGI_REDIRECT_SETTLE_MS (under mod_fcgid and lighttpd a
 * FastCGI process gets no arguments of ours), else SETTLE_DEFAULT_MS.
 * Returns it, or -1 after saying on stderr what is wrong with it.
 */
static long
settle_ms(const char *opt)
{
	const char	*s = opt, *what = "--settle";
	char		*end;
	long		 ms;

	if (s == NULL) {
		s = getenv("FCGI_REDIRECT_SETTLE_MS");
		what = "FCGI_REDIRECT_SETTLE_MS";
		if (s == NULL || *s == '\0')
			return SETTLE_DEFAULT_MS;
	}
	errno = 0;
	ms = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || !isdigit((unsigned char)*s) ||
	    ms < 0 || ms > SETTLE_MAX_MS) {
		fprintf(stderr, "fcgi-redirect: %s: '%s' is not a number of "
		    "milliseconds from 0 to %d\n", what, s, SETTLE_MAX_MS);
		return -1;
	}
	return ms;
}

/* --check: all problems, then one summary line. */
static int
cmd_check(const char *path)
{
	struct diag	 d;
	struct ruleset	*rs;

	diag_init(&d, stdout, path);
	rs = ruleset_load_file(path, &d);
	diag_finish(&d);
	if (rs == NULL) {
		printf("%s: invalid: %u error%s, %u warning%s\n", path,
		    d.errors, d.errors == 1 ? "" : "s", d.warnings,
		    d.warnings == 1 ? "" : "s");
		return EXIT_INVALID;
	}
	printf("%s: ok: %zu rule%s (%zu regex), %zu map%s with %zu "
	    "entr%s; %u warning%s\n", path, rs->nrules - rs->nentries,
	    rs->nrules - rs->nentries == 1 ? "" : "s", rs->nregex, rs->nmaps,
	    rs->nmaps == 1 ? "" : "s", rs->nentries,
	    rs->nentries == 1 ? "y" : "ies", d.warnings,
	    d.warnings == 1 ? "" : "s");
	ruleset_free(rs);
	return EXIT_OK;
}

/*
 * --explain: the answer to METHOD URL, through the same code as a real
 * request.  URL is "http(s)://host[:port]/path?query" or "/path?query"
 * (host "localhost").
 */
static int
cmd_explain(const char *path, const char *method, const char *url,
    time_t now)
{
	static struct decision	 d;
	static char		 uri[URI_MAX + 64], hostvar[HOST_MAX + 64];
	char			 mvar[128];
	char			*envp[8];
	const char		*host = "localhost", *p = url;
	size_t			 hostlen = strlen(host);
	struct match_scratch	*scratch;
	struct ruleset		*rs;
	struct diag		 diag;
	int			 https = 0, n = 0;

	if (strncasecmp(url, "https://", 8) == 0 ||
	    strncasecmp(url, "http://", 7) == 0) {
		https = url[4] == 's' || url[4] == 'S';
		host = strstr(url, "://") + 3;
		hostlen = strcspn(host, "/?#");
		p = host + hostlen;
	} else if (url[0] != '/') {
		fprintf(stderr, "fcgi-redirect: --explain needs an http(s) "
		    "URL or a /path, not '%s'\n", url);
		return EXIT_USAGE;
	}
	if (hostlen > HOST_MAX + 32 || strlen(p) > URI_MAX + 32 ||
	    strlen(method) > 64) {
		fprintf(stderr, "fcgi-redirect: --explain: URL too long\n");
		return EXIT_USAGE;
	}
	snprintf(mvar, sizeof(mvar), "REQUEST_METHOD=%s", method);
	snprintf(uri, sizeof(uri), "REQUEST_URI=%s", *p != '\0' ? p : "/");
	snprintf(hostvar, sizeof(hostvar), "HTTP_HOST=%.*s", (int)hostlen,
	    host);
	envp[n++] = mvar;
	envp[n++] = uri;
	envp[n++] = hostvar;
	envp[n++] = https ? "HTTPS=on" : "HTTPS=off";
	envp[n++] = "SERVER_NAME=localhost";
	envp[n] = NULL;

	diag_init(&diag, stderr, path);
	rs = ruleset_load_file(path, &diag);
	diag_finish(&diag);
	if (rs == NULL) {
		fprintf(stderr, "%s: invalid; a server would answer 503\n",
		    path);
		return EXIT_INVALID;
	}
	if ((scratch = match_scratch_new()) == NULL) {
		ruleset_free(rs);
		return EXIT_INVALID;
	}
	handle_decide(rs, envp, now, scratch, &d);
	printf("%d %s\n", d.status, response_reason(d.status));
	if (d.location_len > 0)
		printf("Location: %s\n", d.location);
	if (d.rule == &rs->fallback)
		printf("Rule: none matched; the fallback of [defaults]\n");
	else if (d.rule != NULL)
		printf("Rule: [%s%s] %s:%u\n", d.rule->kind == RULE_MAP_ENTRY ?
		    "map " : "", d.rule->name, rs->file, d.rule->line);
	else if (d.status == 404 || d.status == 410)
		printf("Rule: none matched; the fallback is %d\n", d.status);
	else
		printf("Rule: none; the request itself is refused\n");
	match_scratch_free(scratch);
	ruleset_free(rs);
	return EXIT_OK;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config",	required_argument, NULL, 'c' },
		{ "check",	no_argument,	   NULL, 'k' },
		{ "explain",	no_argument,	   NULL, 'e' },
		{ "method",	required_argument, NULL, 'X' },
		{ "at",		required_argument, NULL, 'a' },
		{ "listen",	required_argument, NULL, 'l' },
		{ "socket-mode", required_argument, NULL, 'm' },
		{ "workers",	required_argument, NULL, 'w' },
		{ "settle",	required_argument, NULL, 's' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ "version",	no_argument,	   NULL, 'V' },
		{ NULL,		0,		   NULL, 0 }
	};
	const char	*config = NULL, *method = "GET", *listen_on = NULL;
	const char	*settle = NULL;
	long		 mode = -1, workers = sysconf(_SC_NPROCESSORS_ONLN), ms;
	char		*end;
	int		 ch, check = 0, explain = 0;
	time_t		 now = time(NULL);

	/* Started by a web server: arguments may be query words. */
	if (getenv("GATEWAY_INTERFACE") != NULL)
		return (ms = settle_ms(NULL)) < 0 ? EXIT_USAGE :
		    serve(rules_path(NULL), !FCGX_IsCGI(), ms);

	while ((ch = getopt_long(argc, argv, "c:X:hV", longopts, NULL)) != -1)
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'k':
			check = 1;
			break;
		case 'e':
			explain = 1;
			break;
		case 'X':
			method = optarg;
			break;
		case 'l':
			listen_on = optarg;
			break;
		case 'm':
			errno = 0;
			mode = strtol(optarg, &end, 8);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    mode < 0 || mode > 0777) {
				fprintf(stderr, "fcgi-redirect: --socket-mode: "
				    "'%s' is not an octal mode such as 0660\n",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case 'w':
			errno = 0;
			workers = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    workers < 1 || workers > WORKERS_MAX) {
				fprintf(stderr, "fcgi-redirect: --workers: a "
				    "number from 1 to %d\n", WORKERS_MAX);
				return EXIT_USAGE;
			}
			break;
		case 's':
			if (settle_ms(optarg) < 0)
				return EXIT_USAGE;
			settle = optarg;
			break;
		case 'a':
			if (value_time(optarg, &now) != 0) {
				fprintf(stderr, "fcgi-redirect: --at: '%s' is "
				    "not an RFC 3339 time\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("fcgi-redirect %s\n", FR_VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	argc -= optind;
	argv += optind;

	if (check + explain + (listen_on != NULL) > 1 ||
	    (check && argc != 0) || (explain && argc != 1) ||
	    (!check && !explain && argc != 0)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (check)
		return cmd_check(rules_path(config));
	if (explain)
		return cmd_explain(rules_path(config), method, argv[0], now);
	if ((ms = settle_ms(settle)) < 0)
		return EXIT_USAGE;
	if (listen_on != NULL)
		return prefork_run(listen_on, mode, workers < 1 ? 1 :
		    (int)workers, rules_path(config), ms);
	if (FCGX_IsCGI() && getenv("REQUEST_METHOD") == NULL) {
		fprintf(stderr, "fcgi-redirect: not started by a web server "
		    "(no FastCGI socket on fd 0, no CGI request); see --help\n");
		return EXIT_USAGE;
	}
	return serve(rules_path(config), !FCGX_IsCGI(), ms);
}
