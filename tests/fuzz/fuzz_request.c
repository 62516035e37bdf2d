/*
 * fuzz_request.c: libFuzzer harness for the request path.
 *
 * Any method, request URI, Host and query against two fixed rule sets that
 * use every rule kind and placeholder, through the same code a real request
 * takes (handle_decide, then handle_respond); fuzz_check.c then checks that
 * the answer is well formed and that a Location names only a host the
 * rules name (or the request's own host, for ${host} targets), or a
 * relative path that starts with a single '/'.
 *
 * Input format (tests/fuzz/corpus/request/ has examples):
 *   byte 0      flags, below
 *   then up to four fields separated by NUL bytes, in this order:
 *     method      REQUEST_METHOD (REDIRECT_REQUEST_METHOD with F_REDIRECT)
 *     uri         REQUEST_URI (PATH_INFO with F_PATH_INFO)
 *     host        HTTP_HOST (SERVER_NAME with F_SERVER_NAME)
 *     query       QUERY_STRING
 *   A field that is missing leaves its variable unset; an empty field sets
 *   it to "".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi-redirect.h"
#include "fuzz.h"

#define F_RELATIVE	0x01	/* the second rule set */
#define F_HTTPS		0x02	/* HTTPS=on */
#define F_SCHEME	0x04	/* REQUEST_SCHEME=https */
#define F_PATH_INFO	0x08	/* uri as PATH_INFO, no REQUEST_URI */
#define F_REDIRECT	0x10	/* method as REDIRECT_REQUEST_METHOD */
#define F_SERVER_NAME	0x20	/* host as SERVER_NAME, no HTTP_HOST */
#define F_TIME_SHIFT	6	/* bits 6-7 pick the clock, below */

/*
 * Relative targets, no base, a 410 fallback, and captures and ${path} at
 * the start of a target: "//x" must come out as "/x".
 */
static const char rules_relative[] =
	"[defaults]\n"
	"status   = 302\n"
	"fallback = 410\n"
	"slash    = either\n"
	"[go]\n"
	"regex = ^/go(/.*)$\n"
	"to    = /$1\n"
	"[back]\n"
	"regex = ^/back/(.*)$\n"
	"case  = ignore\n"
	"to    = /$1\n"
	"[rel]\n"
	"prefix = /rel\n"
	"to     = /new\n"
	"[echo]\n"
	"prefix = /echo\n"
	"to     = /${path}\n"
	"[hosted]\n"
	"path = /h\n"
	"host = *.example.re example.re\n"
	"to   = http://${host}/h\n"
	"[q]\n"
	"prefix = /q\n"
	"query  = drop\n"
	"to     = /search?x=${query}#r\n"
	"[map m]\n"
	"/m/1 = /one\n"
	"/m/2 = https://two.example.re/\n";

static const char *const hosts_relative[] = {
	"two.example.re", "${host}", NULL
};

/* Before the [sale] window, inside it, and its two edges. */
static const time_t clocks[4] = {
	1700000000,	/* 2023-11-14 */
	1798200000,	/* 2026-12-25T12:00:00Z */
	1798070400,	/* 2026-12-24T00:00:00Z: from */
	1798329600,	/* 2026-12-27T00:00:00Z: until */
};

static struct ruleset		*sets[2];
static struct match_scratch	*scratch;
static struct decision		 decision;	/* 72 KiB */
static char			 response[RESPONSE_MAX];

static struct ruleset *
load(const char *name, const char *text)
{
	struct ruleset	*rs;
	struct diag	 d;

	diag_init(&d, stderr, name);
	if ((rs = ini_load_buffer(name, text, strlen(text), &d)) == NULL) {
		fprintf(stderr, "fuzz_request: the fixed rule set %s does "
		    "not load\n", name);
		abort();
	}
	return rs;
}

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sets[0] = load("absolute.ini", fuzz_rules_absolute);
	sets[1] = load("relative.ini", rules_relative);
	if ((scratch = match_scratch_new()) == NULL)
		abort();
	return 0;
}

/* "NAME=" + value[0..n), in a heap block of its exact size. */
static char *
env_var(const char *name, const char *value, size_t n)
{
	size_t	 k = strlen(name);
	char	*s;

	if ((s = malloc(k + 1 + n + 1)) == NULL)
		abort();
	memcpy(s, name, k);
	s[k] = '=';
	memcpy(s + k + 1, value, n);
	s[k + 1 + n] = '\0';
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*field[4] = { NULL, NULL, NULL, NULL };
	size_t			 flen[4] = { 0, 0, 0, 0 };
	const char		*p, *end, *nul;
	char			*env[16], *host_value[2] = { NULL, NULL };
	struct fuzz_expect	 e;
	struct buf		 out;
	unsigned		 flags;
	size_t			 nf, ne = 0, i;

	if (size == 0)
		return 0;
	flags = data[0];
	p = (const char *)data + 1;
	end = (const char *)data + size;
	for (nf = 0; nf < 4 && p <= end; nf++) {
		nul = memchr(p, '\0', (size_t)(end - p));
		field[nf] = p;
		flen[nf] = nul != NULL ? (size_t)(nul - p) : (size_t)(end - p);
		if (nul == NULL) {
			nf++;
			break;
		}
		p = nul + 1;
	}

	env[ne++] = env_var("GATEWAY_INTERFACE", "CGI/1.1", 7);
	if (field[0] != NULL)
		env[ne++] = env_var(flags & F_REDIRECT ?
		    "REDIRECT_REQUEST_METHOD" : "REQUEST_METHOD",
		    field[0], flen[0]);
	if (flags & F_REDIRECT)
		env[ne++] = env_var("REQUEST_METHOD", "GET", 3);
	if (field[1] != NULL)
		env[ne++] = env_var(flags & F_PATH_INFO ? "PATH_INFO" :
		    "REQUEST_URI", field[1], flen[1]);
	if (flags & F_PATH_INFO)
		env[ne++] = env_var("SCRIPT_NAME", "", 0);
	if (field[2] != NULL) {
		env[ne++] = env_var(flags & F_SERVER_NAME ? "SERVER_NAME" :
		    "HTTP_HOST", field[2], flen[2]);
		host_value[0] = strchr(env[ne - 1], '=') + 1;
	}
	if (!(flags & F_SERVER_NAME)) {
		env[ne++] = env_var("SERVER_NAME", "localhost", 9);
		host_value[1] = strchr(env[ne - 1], '=') + 1;
	}
	if (field[3] != NULL)
		env[ne++] = env_var("QUERY_STRING", field[3], flen[3]);
	if (flags & F_HTTPS)
		env[ne++] = env_var("HTTPS", "on", 2);
	if (flags & F_SCHEME)
		env[ne++] = env_var("REQUEST_SCHEME", "https", 5);
	env[ne] = NULL;

	handle_decide(sets[flags & F_RELATIVE], env,
	    clocks[(flags >> F_TIME_SHIFT) & 3], scratch, &decision);
	buf_init(&out, response, sizeof(response));
	handle_respond(&decision, &out);
	if (out.overflow)
		fuzz_fail("the answer overflowed RESPONSE_MAX", out.data,
		    out.len);

	/*
	 * HEAD exactly when the effective method is: REDIRECT_REQUEST_METHOD
	 * when set and not empty (else REQUEST_METHOD is GET), REQUEST_METHOD.
	 */
	e.head = field[0] != NULL && flen[0] == 4 &&
	    memcmp(field[0], "HEAD", 4) == 0;
	e.hosts = flags & F_RELATIVE ? hosts_relative :
	    fuzz_hosts_absolute;
	e.req_host[0] = host_value[0];
	e.req_host[1] = host_value[1];
	fuzz_check_response(out.data, out.len, &e);

	for (i = 0; i < ne; i++)
		free(env[i]);
	return 0;
}
