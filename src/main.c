/*
 * main.c: the command line.
 *
 *   fcgi-redirect [-c FILE] [--allow PEERS] [--timeout S] [--settle MS]
 *                                              serve (FastCGI or CGI)
 *   fcgi-redirect --listen ADDR [--socket-mode MODE] [--workers N]
 *                 [--allow PEERS] [--timeout S] [--settle MS] [-c FILE]
 *   fcgi-redirect --check [-c FILE]            validate a rule file
 *   fcgi-redirect --compile [-c FILE] [-o IMAGE]  validate, write its image
 *   fcgi-redirect --explain [--follow] [-c FILE] [-X METHOD] [--at TIME] URL
 *   fcgi-redirect --stats [-c FILE] [--format F] [--top N] [--unused DAYS]
 *                 [--reset [RULE]]           the counters (report.c)
 *   fcgi-redirect --import FORMAT [FILE...]   another tool's redirects as a
 *                                             rule file (import/)
 *   fcgi-redirect --help | --version
 *
 * Only main decides to exit.  Under CGI, Apache may pass the words of an
 * ISINDEX query string as arguments (RFC 3875 §4.4), so when the
 * environment has GATEWAY_INTERFACE the arguments are never read as
 * options: a query like "?--check" cannot change what the program does.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <gnu/libc-version.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <pcre2.h>

#include "fcgi-redirect.h"

#ifndef RULES_DEFAULT
#define RULES_DEFAULT "/usr/local/etc/fcgi-redirect/redirects.ini"
#endif

/* inih has no run-time version; the Makefile passes the one built against. */
#ifndef INIH_VERSION
#define INIH_VERSION "unknown (not given at build time)"
#endif

/* What uid: and gid: take (peer.c: the static binary looks no names up). */
#ifdef FR_STATIC
#define ALLOW_ID	"NUMBER"
#else
#define ALLOW_ID	"NAME"
#endif

/* --explain --follow stops after this many answers, as curl -L may. */
#define FOLLOW_MAX	10

enum exit_code {
	EXIT_OK = 0,
	EXIT_INVALID = 1,
	EXIT_USAGE = 2
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: fcgi-redirect [-c FILE] [--allow PEERS] [--timeout SECONDS]\n"
	    "                     [--settle MS]\n"
	    "       fcgi-redirect --listen PATH|HOST:PORT [--socket-mode MODE]\n"
	    "                     [--workers N] [--allow PEERS] [--timeout SECONDS]\n"
	    "                     [--settle MS] [-c FILE]\n"
	    "       fcgi-redirect --check [-c FILE]\n"
	    "       fcgi-redirect --compile [-c FILE] [-o IMAGE]\n"
	    "       fcgi-redirect --explain [--follow] [-c FILE] [-X METHOD]\n"
	    "                     [--at TIME] URL\n"
	    "       fcgi-redirect --stats [-c FILE] [--format text|csv|json|prometheus]\n"
	    "                     [--top N] [--unused DAYS] [--reset [RULE]]\n"
	    "       fcgi-redirect --import apache|nginx|netlify|csv|redirection\n"
	    "                     [FILE...]\n"
	    "       fcgi-redirect --help | --version\n"
	    "\n"
	    "Answers web requests with redirects decided by an INI rule file,\n"
	    "as a FastCGI program (fd 0 a listening socket) or a CGI program.\n"
	    "\n"
	    "  -c, --config FILE   the rule file (default: $FCGI_REDIRECT_RULES,\n"
	    "                      else %s)\n"
	    "  --check             report every problem of the rule file as\n"
	    "                      FILE:LINE; exit 0 valid, 1 invalid\n"
	    "  --compile           check as --check does, then write the rule\n"
	    "                      file's image (a compiled copy that every process\n"
	    "                      maps instead of parsing the file)\n"
	    "  -o, --output IMAGE  where --compile writes (default: the --image path)\n"
	    "  --image PATH|off    where the image of the rule file is kept and\n"
	    "                      looked for (default: FILE.img), or off\n"
	    "  --explain URL       print the answer to a request for URL and the\n"
	    "                      rule that decided it\n"
	    "  --follow            with --explain: follow the redirects, as a browser\n"
	    "                      does, to the end, another site, a loop or %d\n"
	    "                      redirects\n"
	    "  --listen ADDR       standalone: open a FastCGI socket (a path or\n"
	    "                      HOST:PORT) and pre-fork workers\n"
	    "  --socket-mode MODE  the socket file's permissions (octal, e.g. 0660)\n"
	    "  --workers N         how many workers (default: the CPUs this process\n"
	    "                      may run on, at most %d)\n"
	    "  --allow PEERS       who may connect: addresses (127.0.0.1,\n"
	    "                      10.0.0.0/8, ::1) for TCP, uid:" ALLOW_ID " and\n"
	    "                      gid:" ALLOW_ID " for Unix sockets; may repeat\n"
	    "                      (default: loopback only for TCP)\n"
	    "  --timeout SECONDS   how long a connection may take to send its\n"
	    "                      request (default %d)\n"
	    "  --settle MS         read a changed rule file once it has been left\n"
	    "                      alone for MS milliseconds (default %d)\n"
	    "  -X, --method METHOD the method for --explain (default GET)\n"
	    "  --at TIME           --explain as at an RFC 3339 time, such as\n"
	    "                      2026-12-25T12:00:00Z (default now)\n"
	    "  --stats             report what serving counted in FILE.stats: hits\n"
	    "                      of each rule and map entry, misses, statuses\n"
	    "  --format FORMAT     with --stats: text (default), csv, json or\n"
	    "                      prometheus\n"
	    "  --top N             with --stats: rows of each list (default %d)\n"
	    "  --unused DAYS       with --stats: list rules unused for DAYS\n"
	    "                      (default %d)\n"
	    "  --reset [RULE]      with --stats: zero every counter, or those of\n"
	    "                      the rule or map named RULE\n"
	    "  --import FORMAT     write the redirects of FILEs (or standard input)\n"
	    "                      in another tool's format as a rule file on\n"
	    "                      standard output; report what cannot be\n"
	    "                      imported as FILE:LINE; exit 0 all imported,\n"
	    "                      1 some not\n"
	    "\n"
	    "Environment (for servers that pass no arguments): FCGI_REDIRECT_RULES,\n"
	    "FCGI_REDIRECT_IMAGE, FCGI_REDIRECT_ALLOW, FCGI_WEB_SERVER_ADDRS,\n"
	    "FCGI_REDIRECT_TIMEOUT, FCGI_REDIRECT_SETTLE_MS.\n",
	    RULES_DEFAULT, FOLLOW_MAX, WORKERS_MAX, TIMEOUT_DEFAULT_MS / 1000,
	    SETTLE_DEFAULT_MS, REPORT_TOP_DEFAULT, REPORT_UNUSED_DEFAULT);
}

/*
 * --version: the program, then one line per library it runs with and one
 * for the build, so that a bug report carries them.  PCRE2's version is
 * the library's own (a shared one may be newer than its headers), and its
 * JIT is tried on a one-byte pattern: a JIT built in may still be refused
 * at run time (no executable memory under some security policies), and
 * then regexes run interpreted.
 */
static int
cmd_version(void)
{
	char		 pcre[64], target[128];
	uint32_t	 jit = 0;
	pcre2_code	*re;
	PCRE2_SIZE	 erroff;
	int		 err, jit_works = 0;

	if (pcre2_config(PCRE2_CONFIG_VERSION, pcre) < 0)
		snprintf(pcre, sizeof(pcre), "unknown");
	(void)pcre2_config(PCRE2_CONFIG_JIT, &jit);
	if (jit) {
		if (pcre2_config(PCRE2_CONFIG_JITTARGET, target) < 0)
			snprintf(target, sizeof(target), "unknown target");
		if ((re = pcre2_compile((PCRE2_SPTR)"a", 1, 0, &err, &erroff,
		    NULL)) != NULL) {
			jit_works = pcre2_jit_compile(re,
			    PCRE2_JIT_COMPLETE) == 0;
			pcre2_code_free(re);
		}
	}
	printf("fcgi-redirect %s\n", FR_VERSION);
	if (!jit)
		printf("PCRE2: %s; JIT not built in\n", pcre);
	else
		printf("PCRE2: %s; JIT %s (%s)\n", pcre, jit_works ?
		    "available" : "built in but refused here", target);
	printf("inih: %s (built against)\n", INIH_VERSION);
	printf("FastCGI: built in (responder role, FastCGI 1.0; libfcgi not "
	    "used)\n");
	printf("Images: format %d, build %s (a cached image is used only "
	    "when this build wrote it)\n", IMAGE_VERSION, image_build_id);
#ifdef FR_STATIC
	printf("Build: static, glibc %s linked in (uid:NAME and gid:NAME are "
	    "not looked up)\n", gnu_get_libc_version());
#else
	printf("Build: dynamic, glibc %s\n", gnu_get_libc_version());
#endif
	return EXIT_OK;
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


/* The summary line of a valid rule set, as --check prints it. */
static void
check_summary(const char *path, const struct ruleset *rs, unsigned warnings)
{
	printf("%s: ok: %zu rule%s (%zu regex), %zu map%s with %zu "
	    "entr%s; %u warning%s\n", path, rs->nrules - rs->nentries,
	    rs->nrules - rs->nentries == 1 ? "" : "s", rs->nregex, rs->nmaps,
	    rs->nmaps == 1 ? "" : "s", rs->nentries,
	    rs->nentries == 1 ? "y" : "ies", warnings,
	    warnings == 1 ? "" : "s");
}

/*
 * --check of an image named as the rule file: whether this binary can
 * use it, and what it holds.
 */
static int
check_image(const char *path)
{
	struct ruleset	*rs;
	const char	*why;

	if ((rs = cache_map(path, NULL, &why)) == NULL) {
		printf("%s: invalid: not a usable image: %s\n", path, why);
		return EXIT_INVALID;
	}
	printf("%s: an image of %s, compiled by fcgi-redirect %s\n", path,
	    rs->file, rs->build);
	check_summary(path, rs, 0);
	ruleset_free(rs);
	return EXIT_OK;
}

/*
 * --check and --compile: all problems, then one summary line; --compile
 * (`out` not NULL) then writes the image to out.
 */
static int
cmd_check(const char *path, const char *out)
{
	struct diag		 d;
	struct ruleset		*rs;
	struct stat		 st;
	struct image_source	 src;
	char			 err[512];
	int			 have_st;

	if (cache_is_image(path)) {
		if (out == NULL)
			return check_image(path);
		fprintf(stderr, "fcgi-redirect: --compile: %s is an image "
		    "already\n", path);
		return EXIT_USAGE;
	}
	/* What the image records: the file as it was before it was read. */
	have_st = stat(path, &st) == 0;
	diag_init(&d, stdout, path);
	rs = ini_load_file(path, &d);
	if (rs != NULL)
		probe_regexes(rs, &d);
	diag_finish(&d);
	if (rs == NULL) {
		printf("%s: invalid: %u error%s, %u warning%s\n", path,
		    d.errors, d.errors == 1 ? "" : "s", d.warnings,
		    d.warnings == 1 ? "" : "s");
		return EXIT_INVALID;
	}
	check_summary(path, rs, d.warnings);
	if (out != NULL) {
		if (have_st)
			image_source_stat(&src, &st);
		else
			memset(&src, 0, sizeof(src));
		if (compile_write(rs, &src, out, err, sizeof(err)) != 0) {
			printf("%s: not written: %s\n", out, err);
			ruleset_free(rs);
			return EXIT_INVALID;
		}
		printf("%s: written: %zu bytes, %.1f a rule or map entry\n",
		    out, rs->size, rs->nrules ? (double)rs->size /
		    (double)rs->nrules : (double)rs->size);
	}
	ruleset_free(rs);
	return EXIT_OK;
}

/* The CGI variables of one --explain request. */
struct explain_env {
	char	 uri[URI_MAX + 64];
	char	 host[HOST_MAX + 64];
	char	 method[128];
	char	*envp[8];
	int	 https;
	size_t	 hostlen;	/* of the host in url, 0: none given */
};

/*
 * Fill e with the variables of a request for METHOD URL: URL is
 * "http(s)://host[:port]/path?query" or "/path?query" (host
 * "localhost").  Returns 0, or -1 after a message.
 */
static int
explain_env(struct explain_env *e, const char *method, const char *url)
{
	const char	*host = "localhost", *p = url;
	size_t		 hostlen = strlen(host);
	int		 n = 0;

	e->https = 0;
	e->hostlen = 0;
	if (strncasecmp(url, "https://", 8) == 0 ||
	    strncasecmp(url, "http://", 7) == 0) {
		e->https = url[4] == 's' || url[4] == 'S';
		host = strstr(url, "://") + 3;
		hostlen = e->hostlen = strcspn(host, "/?#");
		p = host + hostlen;
	} else if (url[0] != '/') {
		fprintf(stderr, "fcgi-redirect: --explain needs an http(s) "
		    "URL or a /path, not '%s'\n", url);
		return -1;
	}
	if (hostlen > HOST_MAX + 32 || strlen(p) > URI_MAX + 32 ||
	    strlen(method) > 64) {
		fprintf(stderr, "fcgi-redirect: --explain: URL too long\n");
		return -1;
	}
	snprintf(e->method, sizeof(e->method), "REQUEST_METHOD=%s", method);
	snprintf(e->uri, sizeof(e->uri), "REQUEST_URI=%s", *p != '\0' ? p :
	    "/");
	snprintf(e->host, sizeof(e->host), "HTTP_HOST=%.*s", (int)hostlen,
	    host);
	e->envp[n++] = e->method;
	e->envp[n++] = e->uri;
	e->envp[n++] = e->host;
	e->envp[n++] = e->https ? "HTTPS=on" : "HTTPS=off";
	e->envp[n++] = "SERVER_NAME=localhost";
	e->envp[n] = NULL;
	return 0;
}

/*
 * The "Parameters:" line of --explain, for a rule that matched on
 * parameters (its key's query, `params =`, `other-params = refuse`):
 * those it matched, with the values they counted with, and what the
 * Location carries of the others (location.c), of which a rule with
 * other-params = refuse had none.
 */
static void
explain_params(struct decision *d)
{
	const struct rule	*r = d->rule;
	struct query		*q = d->match.query;
	char			 mem[URI_MAX + 64];
	struct buf		 b;
	size_t			 n = 0;

	if (r == NULL || q == NULL || (r->query == NULL &&
	    r->opts->params == NULL && !(r->opts->flags & OPT_PARAMS_ONLY)))
		return;
	buf_init(&b, mem, sizeof(mem));
	query_matched(q, r->query, &b, ' ', &n);
	query_matched(q, r->opts->params, &b, ' ', &n);
	printf("Parameters: matched %s; ", b.overflow ? "(too long to show)" :
	    n > 0 ? mem : "none");
	buf_init(&b, mem, sizeof(mem));
	if (r->opts->flags & OPT_PARAMS_ONLY)
		printf("no others (other-params = refuse)\n");
	else if (r->opts->flags & OPT_QUERY_DROP)
		printf("dropped (query = drop)\n");
	else if (r->target_flags & TARGET_USES_QUERY)
		printf("the whole query in ${query}\n");
	else if (query_kept(q, r->query, r->opts->params, &b, '\0') == 0)
		printf("none kept\n");
	else
		printf("kept %s\n", b.overflow ? "(too long to show)" : mem);
}

/* Print a decided answer as --explain does. */
static void
explain_print(const struct ruleset *rs, struct decision *d)
{
	printf("%d %s\n", d->status, response_reason(d->status));
	if (d->location_len > 0)
		printf("Location: %s\n", d->location);
	if (d->rule != NULL && d->rule->no == RULE_FALLBACK)
		printf("Rule: none matched; the fallback of [defaults]\n");
	else if (d->rule != NULL)
		printf("Rule: [%s%s] %s:%u\n", d->rule->kind == RULE_MAP_ENTRY ?
		    "map " : "", d->rule->name, rs->file, d->rule->line);
	else if (d->status == 404 || d->status == 410)
		printf("Rule: none matched; the fallback is %d\n", d->status);
	else
		printf("Rule: none; the request itself is refused\n");
	if (d->rule != NULL && d->status != 500)
		explain_params(d);
	log_fault(stdout, "Error: ", d, rs);
}

/*
 * The URL a browser asks for after Location loc, answered to a request
 * for url, into out (of URI_MAX + HOST_MAX + 64 bytes): an absolute
 * Location as it is, a /path on url's scheme and host (RFC 9110 §10.2.2:
 * a relative reference, resolved against the request's URL).  Returns 0,
 * or -1 when it does not fit.
 */
static int
follow_resolve(const char *url, const char *loc, char *out, size_t n)
{
	size_t	 base;
	int	 rc;

	if (strncasecmp(loc, "http://", 7) == 0 ||
	    strncasecmp(loc, "https://", 8) == 0)
		rc = snprintf(out, n, "%s", loc);
	else {
		if (strncasecmp(url, "http://", 7) == 0 ||
		    strncasecmp(url, "https://", 8) == 0) {
			base = (size_t)(strstr(url, "://") + 3 - url);
			base += strcspn(url + base, "/?#");
			rc = snprintf(out, n, "%.*s%s", (int)base, url, loc);
		} else
			rc = snprintf(out, n, "http://localhost%s", loc);
	}
	if (rc < 0 || (size_t)rc >= n)
		return -1;
	/* The fragment stays in the browser. */
	out[strcspn(out, "#")] = '\0';
	return 0;
}

/*
 * --explain --follow: answer METHOD URL, then each Location as a browser
 * (or curl -L) would ask for it, until an answer that is no redirect,
 * another site, a URL already asked for (a loop), or FOLLOW_MAX answers.
 * 303, and 301 and 302 to a POST, turn the method into GET (RFC 9110
 * §15.4).
 */
static int
explain_follow(const struct ruleset *rs, struct match_scratch *scratch,
    const char *method, const char *url, time_t now)
{
	static struct decision		 d;
	static struct explain_env	 e;
	static char			 seen[FOLLOW_MAX + 1][URI_MAX +
					    HOST_MAX + 64];
	const char			*host;
	size_t				 hop, k, hl;
	int				 own;

	if (snprintf(seen[0], sizeof(seen[0]), "%s", url) >=
	    (int)sizeof(seen[0]))
		return EXIT_USAGE;
	for (hop = 0; hop < FOLLOW_MAX; hop++) {
		if (explain_env(&e, method, seen[hop]) != 0)
			return EXIT_USAGE;
		printf("%s%zu. %s %s\n", hop > 0 ? "\n" : "", hop + 1, method,
		    seen[hop]);
		handle_decide(rs, e.envp, now, scratch, &d);
		explain_print(rs, &d);
		if (d.location_len == 0) {
			printf("End: %s is not redirected\n", seen[hop]);
			return EXIT_OK;
		}
		if (follow_resolve(seen[hop], d.location, seen[hop + 1],
		    sizeof(seen[hop + 1])) != 0) {
			printf("End: the Location is too long to follow\n");
			return EXIT_OK;
		}
		host = strstr(seen[hop + 1], "://") + 3;
		hl = strcspn(host, "/?#");
		if (d.location[0] != '/' &&
		    (own = analysis_host_internal(rs, host, hl)) <= 0) {
			printf("End: %s is %s\n", seen[hop + 1], own < 0 ?
			    "not followed (out of memory)" :
			    "on another site");
			return EXIT_OK;
		}
		for (k = 0; k <= hop; k++)
			if (strcmp(seen[k], seen[hop + 1]) == 0) {
				printf("Loop: %s was asked for at hop %zu\n",
				    seen[hop + 1], k + 1);
				return EXIT_OK;
			}
		if (d.status == 303 || ((d.status == 301 || d.status == 302) &&
		    strcmp(method, "POST") == 0))
			method = strcmp(method, "HEAD") == 0 ? "HEAD" : "GET";
	}
	printf("\nStop: %d redirects; %s is not asked for\n", FOLLOW_MAX,
	    seen[hop]);
	return EXIT_OK;
}

/*
 * --explain: the answer to METHOD URL, through the same code as a real
 * request (explain_env() says what URL may be); with --follow, the
 * answers to its redirects as well.
 */
static int
cmd_explain(const char *path, const char *image, const char *method,
    const char *url, time_t now, int follow)
{
	static struct decision		 d;
	static struct explain_env	 e;
	struct match_scratch		*scratch;
	struct ruleset			*rs;
	struct diag			 diag;
	int				 rc = EXIT_OK, held;

	if (explain_env(&e, method, url) != 0)
		return EXIT_USAGE;
	diag_init(&diag, stderr, path);
	rs = cache_load(path, image, 0, &diag, &held);
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
	if (follow)
		rc = explain_follow(rs, scratch, method, url, now);
	else {
		handle_decide(rs, e.envp, now, scratch, &d);
		explain_print(rs, &d);
	}
	match_scratch_free(scratch);
	ruleset_free(rs);
	return rc;
}

/*
 * --stats: the report of the counters of the rule file at path (loaded
 * as --explain loads it), or --reset.
 */
static int
cmd_stats(const char *path, const char *image, const struct report_opts *ro)
{
	struct ruleset	*rs;
	struct diag	 diag;
	int		 rc, held;

	if (ro->stats == NULL) {
		fprintf(stderr, "fcgi-redirect: --stats: %s: name too long\n",
		    path);
		return EXIT_USAGE;
	}
	diag_init(&diag, stderr, path);
	rs = cache_load(path, image, 0, &diag, &held);
	diag_finish(&diag);
	if (rs == NULL) {
		fprintf(stderr, "%s: invalid; its counters cannot be matched "
		    "to its rules\n", path);
		return EXIT_INVALID;
	}
	rc = report_stats(rs, ro) == 0 ? EXIT_OK : EXIT_INVALID;
	ruleset_free(rs);
	return rc;
}

/* --format: text, csv, json or prometheus; 0, or -1 after a message. */
static int
opt_format(struct report_opts *ro, const char *v)
{
	static const char *const names[] = { "text", "csv", "json",
	    "prometheus" };
	size_t			 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(v, names[i]) == 0) {
			ro->format = (enum report_format)i;
			return 0;
		}
	fprintf(stderr, "fcgi-redirect: --format: '%s' is not text, csv, "
	    "json or prometheus\n", v);
	return -1;
}

/*
 * A number of options and variables: digits only (no sign, no blank) in
 * `base`, from min to max, into *out.  0, or -1 when it is not one.
 */
static int
number_in(const char *v, int base, long min, long max, long *out)
{
	char	*end;

	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	*out = strtol(v, &end, base);
	return errno != 0 || *end != '\0' || *out < min || *out > max ? -1 : 0;
}

/*
 * --timeout and FCGI_REDIRECT_TIMEOUT: whole seconds, 1 to 3600, into
 * o->timeout_ms.  0, or -1 after a message naming `what`.
 */
static int
opt_timeout(struct serve_opts *o, const char *what, const char *v)
{
	long	 n;

	if (number_in(v, 10, 1, 3600, &n) == -1) {
		fprintf(stderr, "fcgi-redirect: %s: '%s' is not a number of "
		    "seconds from 1 to 3600\n", what, v);
		return -1;
	}
	o->timeout_ms = n * 1000;
	return 0;
}

/*
 * --settle and FCGI_REDIRECT_SETTLE_MS: milliseconds, 0 to SETTLE_MAX_MS,
 * into o->settle_ms.  0, or -1 after a message naming `what`.
 */
static int
opt_settle(struct serve_opts *o, const char *what, const char *v)
{
	if (number_in(v, 10, 0, SETTLE_MAX_MS, &o->settle_ms) == -1) {
		fprintf(stderr, "fcgi-redirect: %s: '%s' is not a number of "
		    "milliseconds from 0 to %d\n", what, v, SETTLE_MAX_MS);
		return -1;
	}
	return 0;
}

/* --image and FCGI_REDIRECT_IMAGE: a path, or "off"; always 0. */
static int
opt_image(struct serve_opts *o, const char *what, const char *v)
{
	(void)what;
	o->image_opt = v;
	return 0;
}

/* --allow, FCGI_REDIRECT_ALLOW, FCGI_WEB_SERVER_ADDRS; 0 or -1. */
static int
opt_allow(struct serve_opts *o, const char *what, const char *v)
{
	char	 err[512];

	if (peer_list_add(&o->allow, v, err, sizeof(err)) == -1) {
		fprintf(stderr, "fcgi-redirect: %s: %s\n", what, err);
		return -1;
	}
	return 0;
}

/*
 * The serving settings that the environment may give, for the servers
 * that start us without arguments (mod_fcgid's FcgidInitialEnv,
 * lighttpd's bin-environment, spawn-fcgi's environment).  An option on
 * the command line is added to (--allow) or overrides (--timeout) them.
 * FCGI_WEB_SERVER_ADDRS is libfcgi's own allow-list (exact IPv4
 * addresses, comma-separated): it is read here, as part of ours.
 */
static const struct env_setting {
	const char	*name;
	int		(*set)(struct serve_opts *, const char *, const char *);
} env_settings[] = {
	{ "FCGI_REDIRECT_ALLOW",	opt_allow },
	{ "FCGI_WEB_SERVER_ADDRS",	opt_allow },
	{ "FCGI_REDIRECT_TIMEOUT",	opt_timeout },
	{ "FCGI_REDIRECT_SETTLE_MS",	opt_settle },
	{ "FCGI_REDIRECT_IMAGE",	opt_image },
};

/* Read env_settings into o; 0, or -1 after a message. */
static int
serve_opts_from_env(struct serve_opts *o)
{
	const char	*v;
	size_t		 i;

	for (i = 0; i < sizeof(env_settings) / sizeof(env_settings[0]); i++)
		if ((v = getenv(env_settings[i].name)) != NULL && *v != '\0' &&
		    env_settings[i].set(o, env_settings[i].name, v) == -1)
			return -1;
	return 0;
}

/*
 * The default number of workers: the CPUs this process may run on (its
 * affinity mask, which cpusets and taskset narrow), at most WORKERS_MAX.
 */
static long
workers_default(void)
{
	cpu_set_t	 set;
	long		 n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	else
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	if (n > WORKERS_MAX) {
		fprintf(stderr, "fcgi-redirect: %ld CPUs: starting %d workers "
		    "(the most there may be; see --workers)\n", n,
		    WORKERS_MAX);
		n = WORKERS_MAX;
	}
	return n;
}

/*
 * --listen: parse the address, and refuse TCP that peers other than the
 * web server could reach without an allow-list.  Then run.
 */
static int
cmd_listen(const char *spec, long mode, long workers,
    const struct serve_opts *o)
{
	struct listen_addr	 la;
	char			 err[256];

	if (listen_parse(spec, &la, err, sizeof(err)) == -1) {
		fprintf(stderr, "fcgi-redirect: --listen: %s\n", err);
		return EXIT_USAGE;
	}
	if (la.path == NULL && o->allow.nets == 0 &&
	    (la.wildcard || !peer_addr_loopback((const struct sockaddr *)
	    &la.un))) {
		fprintf(stderr, "fcgi-redirect: --listen %s: %s needs an "
		    "allow-list: name the web server's addresses with --allow "
		    "(or FCGI_REDIRECT_ALLOW), or listen on 127.0.0.1 or a "
		    "Unix socket\n", spec, la.wildcard ?
		    "listening on every address" :
		    "listening on an address that is not loopback");
		return EXIT_USAGE;
	}
	if (mode >= 0 && la.path == NULL) {
		fprintf(stderr, "fcgi-redirect: --socket-mode is for a Unix "
		    "socket, and %s is TCP\n", spec);
		return EXIT_USAGE;
	}
	if (workers == 0)
		workers = workers_default();
	return prefork_run(&la, mode, (int)workers, o);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config",	required_argument, NULL, 'c' },
		{ "check",	no_argument,	   NULL, 'k' },
		{ "compile",	no_argument,	   NULL, 'C' },
		{ "output",	required_argument, NULL, 'o' },
		{ "image",	required_argument, NULL, 'i' },
		{ "explain",	no_argument,	   NULL, 'e' },
		{ "follow",	no_argument,	   NULL, 'f' },
		{ "method",	required_argument, NULL, 'X' },
		{ "at",		required_argument, NULL, 'a' },
		{ "listen",	required_argument, NULL, 'l' },
		{ "socket-mode", required_argument, NULL, 'm' },
		{ "workers",	required_argument, NULL, 'w' },
		{ "allow",	required_argument, NULL, 'A' },
		{ "timeout",	required_argument, NULL, 'T' },
		{ "settle",	required_argument, NULL, 's' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ "version",	no_argument,	   NULL, 'V' },
		{ "stats",	no_argument,	   NULL, 'S' },
		{ "format",	required_argument, NULL, 'F' },
		{ "top",	required_argument, NULL, 'N' },
		{ "unused",	required_argument, NULL, 'U' },
		{ "reset",	no_argument,	   NULL, 'R' },
		{ "import",	required_argument, NULL, 'I' },
		{ NULL,		0,		   NULL, 0 }
	};
	static char	 image_buf[4096];
	static char	 stats_buf[4096];
	const char	*config = NULL, *method = "GET", *listen_on = NULL;
	const char	*output = NULL, *import = NULL;
	long		 mode = -1, workers = 0;
	int		 ch, check = 0, explain = 0, serve_opts_given = 0;
	int		 compile = 0, image_given = 0;
	int		 follow = 0, stats = 0, report_given = 0, nopts = 0;
	long		 n;
	struct report_opts ro = { .top = REPORT_TOP_DEFAULT,
	    .unused_days = REPORT_UNUSED_DEFAULT };
	time_t		 now = time(NULL);
	struct serve_opts o = { .timeout_ms = TIMEOUT_DEFAULT_MS,
	    .settle_ms = SETTLE_DEFAULT_MS };

	if (serve_opts_from_env(&o) == -1)
		return EXIT_USAGE;
	/* Started by a web server: arguments may be query words. */
	if (getenv("GATEWAY_INTERFACE") != NULL) {
		o.rules = rules_path(NULL);
		o.image = cache_path(o.rules, o.image_opt, image_buf,
		    sizeof(image_buf));
		o.stats = stats_path(o.rules, stats_buf, sizeof(stats_buf));
		return serve(&o, serve_is_fastcgi(0));
	}

	while ((ch = getopt_long(argc, argv, "c:o:X:hV", longopts, NULL)) !=
	    -1) {
		nopts++;
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'k':
			check = 1;
			break;
		case 'C':
			compile = 1;
			break;
		case 'o':
			output = optarg;
			break;
		case 'i':
			o.image_opt = optarg;
			image_given = 1;
			break;
		case 'e':
			explain = 1;
			break;
		case 'f':
			follow = 1;
			break;
		case 'X':
			method = optarg;
			break;
		case 'l':
			listen_on = optarg;
			break;
		case 'm':
			if (number_in(optarg, 8, 0, 0777, &mode) == -1) {
				fprintf(stderr, "fcgi-redirect: --socket-mode: "
				    "'%s' is not an octal mode such as 0660\n",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case 'w':
			if (number_in(optarg, 10, 1, WORKERS_MAX,
			    &workers) == -1) {
				fprintf(stderr, "fcgi-redirect: --workers: a "
				    "number from 1 to %d\n", WORKERS_MAX);
				return EXIT_USAGE;
			}
			break;
		case 'A':
			if (opt_allow(&o, "--allow", optarg) == -1)
				return EXIT_USAGE;
			serve_opts_given = 1;
			break;
		case 'T':
			if (opt_timeout(&o, "--timeout", optarg) == -1)
				return EXIT_USAGE;
			serve_opts_given = 1;
			break;
		case 's':
			if (opt_settle(&o, "--settle", optarg) == -1)
				return EXIT_USAGE;
			serve_opts_given = 1;
			break;
		case 'a':
			if (values_time(optarg, &now) != 0) {
				fprintf(stderr, "fcgi-redirect: --at: '%s' is "
				    "not an RFC 3339 time\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'S':
			stats = 1;
			break;
		case 'F':
			if (opt_format(&ro, optarg) == -1)
				return EXIT_USAGE;
			report_given = 1;
			break;
		case 'N':
		case 'U':
			if (number_in(optarg, 10, ch == 'N' ? 1 : 0, 100000000,
			    &n) == -1) {
				fprintf(stderr, "fcgi-redirect: --%s: '%s' is not "
				    "a number from %d to 100000000\n", ch == 'N' ?
				    "top" : "unused", optarg, ch == 'N');
				return EXIT_USAGE;
			}
			if (ch == 'N')
				ro.top = (size_t)n;
			else
				ro.unused_days = n;
			report_given = 1;
			break;
		case 'R':
			ro.reset_given = 1;
			report_given = 1;
			break;
		case 'I':
			import = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			return cmd_version();
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;

	/* --import takes no other option: whatever it is, it is a mistake. */
	if (import != NULL) {
		if (nopts != 1) {
			fprintf(stderr, "fcgi-redirect: --import takes only "
			    "the files to read\n");
			return EXIT_USAGE;
		}
		return import_main(import, argv, argc);
	}

	if (check + compile + explain + stats + (listen_on != NULL) > 1 ||
	    ((check || compile) && argc != 0) || (explain && argc != 1) ||
	    (stats && argc > (ro.reset_given ? 1 : 0)) ||
	    (!check && !compile && !explain && !stats && argc != 0)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* An option that would change nothing is a mistake to point out. */
	if (listen_on == NULL && (mode >= 0 || workers != 0)) {
		fprintf(stderr, "fcgi-redirect: --socket-mode and --workers "
		    "go with --listen\n");
		return EXIT_USAGE;
	}
	if (output != NULL && !compile) {
		fprintf(stderr, "fcgi-redirect: -o goes with --compile\n");
		return EXIT_USAGE;
	}
	if (image_given && check) {
		fprintf(stderr, "fcgi-redirect: --check reads the rule file "
		    "itself; --image goes with serving, --explain and "
		    "--compile\n");
		return EXIT_USAGE;
	}
	if (report_given && !stats) {
		fprintf(stderr, "fcgi-redirect: --format, --top, --unused and "
		    "--reset go with --stats\n");
		return EXIT_USAGE;
	}
	if (follow && !explain) {
		fprintf(stderr, "fcgi-redirect: --follow goes with --explain\n");
		return EXIT_USAGE;
	}
	if ((check || compile || explain || stats) && serve_opts_given) {
		fprintf(stderr, "fcgi-redirect: --allow, --timeout and --settle "
		    "are for serving, not for --check, --compile, --explain or "
		    "--stats\n");
		return EXIT_USAGE;
	}
	o.rules = rules_path(config);
	o.image = cache_path(o.rules, o.image_opt, image_buf,
	    sizeof(image_buf));
	o.stats = stats_path(o.rules, stats_buf, sizeof(stats_buf));
	if (check)
		return cmd_check(o.rules, NULL);
	if (compile) {
		if ((output = output != NULL ? output : o.image) == NULL) {
			fprintf(stderr, "fcgi-redirect: --compile: images are "
			    "off (--image or FCGI_REDIRECT_IMAGE); name the "
			    "output with -o\n");
			return EXIT_USAGE;
		}
		return cmd_check(o.rules, output);
	}
	if (explain)
		return cmd_explain(o.rules, o.image, method, argv[0], now,
		    follow);
	if (stats) {
		ro.stats = o.stats;
		ro.reset = argc == 1 ? argv[0] : NULL;
		return cmd_stats(o.rules, o.image, &ro);
	}
	if (listen_on != NULL)
		return cmd_listen(listen_on, mode, workers, &o);
	if (!serve_is_fastcgi(0) && getenv("REQUEST_METHOD") == NULL) {
		fprintf(stderr, "fcgi-redirect: not started by a web server "
		    "(no FastCGI socket on fd 0, no CGI request); see --help\n");
		return EXIT_USAGE;
	}
	return serve(&o, serve_is_fastcgi(0));
}
