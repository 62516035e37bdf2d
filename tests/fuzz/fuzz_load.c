/*
 * fuzz_load.c: libFuzzer harness for the rule-file loader.
 *
 * Any bytes are a rule file: ini_load_buffer() must never crash, leak
 * or run into undefined behaviour, and must keep its contract: a rule set
 * comes back exactly when no error was counted (a file that fails without
 * a message, or loads despite one, is a bug).  The input is handed over in
 * a heap block of its exact size, without a terminating NUL, so that
 * AddressSanitizer sees any read past the end.
 *
 * When the file loads, a few fixed requests (short paths, so that a
 * pathological regex cannot stall the run) go through handle_decide and
 * handle_respond, and fuzz_check.c checks each answer: whatever the rule
 * file says, a Location never carries CR, LF or NUL, never starts with
 * "//" and never names user information.
 *
 * Seeds: tests/fuzz/corpus/load/ (small fixtures from tests/rules/).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi-redirect.h"
#include "fuzz.h"

/* The requests tried against a rule set that loads. */
static char *req_news[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/news.html",
	"HTTP_HOST=www.example.re", NULL };
static char *req_query[] = { "REQUEST_METHOD=GET",
	"REQUEST_URI=/a/b/c?x=1&y=%22", "HTTP_HOST=Shop.Example.RE:8080",
	"HTTPS=on", NULL };
static char *req_head[] = { "REQUEST_METHOD=HEAD",
	"REQUEST_URI=/old/a.html", "HTTP_HOST=www.example.re", NULL };
static char *req_evil[] = { "REQUEST_METHOD=POST",
	"REQUEST_URI=//evil.example/%5Cx?q=%0d%0aX:1", "SERVER_NAME=localhost",
	NULL };
static char *req_go[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/go//evil",
	NULL };
static char *req_item[] = { "REQUEST_METHOD=PUT",
	"REQUEST_URI=http://x.example.re/item/42/x%20y#frag",
	"HTTP_HOST=x.example.re", NULL };

static char **const requests[] = {
	req_news, req_query, req_head, req_evil, req_go, req_item
};

static struct match_scratch	*scratch;
static struct decision		 decision;	/* 72 KiB */
static char			 response[RESPONSE_MAX];

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if ((scratch = match_scratch_new()) == NULL)
		abort();
	return 0;
}

static void
try_requests(const struct ruleset *rs)
{
	struct fuzz_expect	 e;
	struct buf		 out;
	size_t			 i;

	for (i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		handle_decide(rs, requests[i], 1700000000, scratch, &decision);
		buf_init(&out, response, sizeof(response));
		handle_respond(&decision, &out);
		if (out.overflow)
			fuzz_fail("the answer overflowed RESPONSE_MAX",
			    out.data, out.len);
		memset(&e, 0, sizeof(e));
		e.head = strcmp(requests[i][0], "REQUEST_METHOD=HEAD") == 0;
		e.hosts = NULL;		/* any host the file names */
		fuzz_check_response(out.data, out.len, &e);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ruleset	*rs;
	struct diag	 d;
	char		*text;

	/* malloc(0) may return NULL; keep one byte, never read. */
	if ((text = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(text, data, size);
	diag_init(&d, NULL, "fuzz.ini");
	rs = ini_load_buffer("fuzz.ini", text, size, &d);
	if (rs == NULL && d.errors == 0) {
		fprintf(stderr, "fuzz_load: no rule set and no error\n");
		abort();
	}
	if (rs != NULL && d.errors != 0) {
		fprintf(stderr, "fuzz_load: a rule set despite %u errors\n",
		    d.errors);
		abort();
	}
	if (rs != NULL) {
		try_requests(rs);
		ruleset_free(rs);
	}
	free(text);
	return 0;
}
