/*
 * fuzz_image.c: libFuzzer harness for reading an image (image.c).
 *
 * image.c promises that any bytes at all give either NULL and a reason
 * or a rule set whose every read stays inside the image, never crashes,
 * never loops and never puts a CR, LF, NUL or other control byte into a
 * Location or a header line.  A damaged image may give wrong redirects:
 * that is allowed, so the answers are not held to fuzz_check.c's rules
 * about hosts, only to their shape (check_answer below).
 *
 * Random bytes rarely get past the magic and the header checksum, so the
 * input mostly edits a valid image, built at start from a small rule file
 * that uses every kind of rule, option and index (fuzz_rules.c).  Input
 * format (tests/fuzz/corpus/image/ has examples):
 *   byte 0 == 0x7f (the magic's first byte): the whole input is an image,
 *               as `fcgi-redirect --compile` writes it (most seeds);
 *   else byte 0 is flags, below, and the rest is
 *     with F_WHOLE  an image, its header checksum recomputed when
 *                   F_CHECKSUM is set;
 *     else          patches applied to a copy of the valid image: 3 bytes
 *                   each (offset, little-endian 16 bits, modulo the size;
 *                   then a byte to store), or with F_WIDE 6 bytes each
 *                   (offset; then a 32-bit value, for offsets and
 *                   lengths); with F_CHECKSUM the header checksum is then
 *                   recomputed, so that edits reach past the header check.
 * Either way the image is handed over in a heap block of its exact size,
 * so that AddressSanitizer sees any read past its end.
 *
 * For every image that opens: fixed requests through handle_decide and
 * handle_respond, every rule read with ruleset_rule (and a few numbers out
 * of range), every regex rule's number, and every string read whole.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi-redirect.h"
#include "fuzz.h"

#define F_CHECKSUM	0x01	/* recompute the header checksum */
#define F_WIDE		0x02	/* 32-bit patch values */
#define F_WHOLE		0x04	/* the rest is an image, not patches */

/* The requests tried against every image that opens. */
static char *req_news[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/news.html",
	"HTTP_HOST=www.example.re", NULL };
static char *req_blog[] = { "REQUEST_METHOD=HEAD",
	"REQUEST_URI=/BLOG/2019/a?x=1", "HTTP_HOST=www.example.re", NULL };
static char *req_item[] = { "REQUEST_METHOD=GET",
	"REQUEST_URI=/item/42/x%20y", "HTTP_HOST=www.example.re", NULL };
static char *req_sale[] = { "REQUEST_METHOD=GET",
	"REQUEST_URI=/sale/shoes?size=9", "HTTP_HOST=a.shop.example.re",
	NULL };
static char *req_secure[] = { "REQUEST_METHOD=GET",
	"REQUEST_URI=/secure/x", "HTTP_HOST=www.example.re", "HTTPS=on",
	NULL };
static char *req_api[] = { "REQUEST_METHOD=PUT", "REQUEST_URI=/api/v1/x",
	"HTTP_HOST=api.example.re", NULL };
static char *req_same[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/same/",
	"HTTP_HOST=www.example.re", NULL };
static char *req_contact[] = { "REQUEST_METHOD=POST",
	"REQUEST_URI=/contact/send?a=1", "HTTP_HOST=www.example.re", NULL };
static char *req_map[] = { "REQUEST_METHOD=GET",
	"REQUEST_URI=/OLD/B.html/?q=1", "HTTP_HOST=www.example.re", NULL };
static char *req_query[] = { "REQUEST_METHOD=GET",
	"REQUEST_URI=/index.php?utm_source=x&p=%31%323&lang=en&p=123",
	"HTTP_HOST=www.example.re", NULL };
static char *req_params[] = { "REQUEST_METHOD=GET",
	"REQUEST_URI=/tag/x?t=a%26b&utm_source=news&gclid=1",
	"HTTP_HOST=www.example.re", NULL };
static char *req_map_query[] = { "REQUEST_METHOD=GET",
	"REQUEST_URI=/ViewTopic.php/?sid=1&t=1", "HTTP_HOST=www.example.re",
	NULL };
static char *req_refuse[] = { "REQUEST_METHOD=GET",
	"REQUEST_URI=/feed.php?id=7&id=8", "HTTP_HOST=www.example.re", NULL };
static char *req_miss[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/nothing",
	"SERVER_NAME=localhost", NULL };

/* Each with the status the undamaged image answers it with. */
static const struct {
	char	**env;
	int	  status;
} requests[] = {
	{ req_news, 307 }, { req_blog, 307 }, { req_item, 308 },
	{ req_sale, 307 }, { req_secure, 307 }, { req_same, 307 },
	{ req_api, 301 }, { req_contact, 303 }, { req_map, 308 },
	{ req_query, 307 }, { req_params, 307 }, { req_map_query, 308 },
	{ req_refuse, 307 }, { req_miss, 307 },
};

/* Inside the [sale] window. */
#define FUZZ_NOW	1798200000

static unsigned char		*valid;		/* fuzz_rules_absolute's image */
static size_t			 valid_size;
static struct match_scratch	*scratch;
static struct decision		 decision;	/* 72 KiB */
static char			 response[RESPONSE_MAX];

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Is every byte of s[0..n) visible ASCII (what a Location is made of)? */
static int
visible(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/*
 * The shape of any answer: header lines ending in CRLF with no control
 * byte but HTAB (RFC 9110 5.5) before it, an empty line, and a body with
 * no control byte but LF; a Location of visible ASCII only, exactly when
 * the status is a redirect.
 */
static void
check_answer(const struct decision *d, const char *r, size_t len)
{
	size_t	 i, start;
	int	 in_head = 1;

	if (!visible(d->location, d->location_len))
		fuzz_fail("a Location with a byte that is not visible ASCII",
		    d->location, d->location_len);
	if ((d->status / 100 == 3) != (d->location_len > 0))
		fuzz_fail("a redirect without a Location, or a Location "
		    "without a redirect", r, len);
	for (i = start = 0; i < len && in_head; i++) {
		unsigned char	 c = (unsigned char)r[i];

		if (c == '\r' && i + 1 < len && r[i + 1] == '\n') {
			in_head = i > start;
			start = ++i + 1;
		} else if ((c < 0x20 && c != '\t') || c == 0x7f)
			fuzz_fail("a control byte in a header line", r, len);
	}
	if (in_head)
		fuzz_fail("no empty line after the headers", r, len);
	for (; i < len; i++)
		if (((unsigned char)r[i] < 0x20 && r[i] != '\n') ||
		    r[i] == 0x7f)
			fuzz_fail("a control byte in the body", r, len);
}

/*
 * The fixed requests against rs, each answer checked; with `expect`, the
 * statuses must be those of the undamaged image.
 */
static void
try_requests(const struct ruleset *rs, int expect)
{
	struct buf	 out;
	size_t		 i;

	for (i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		handle_decide(rs, requests[i].env, FUZZ_NOW, scratch,
		    &decision);
		buf_init(&out, response, sizeof(response));
		handle_respond(&decision, &out);
		if (out.overflow)
			fuzz_fail("the answer overflowed RESPONSE_MAX",
			    out.data, out.len);
		check_answer(&decision, out.data, out.len);
		if (expect && decision.status != requests[i].status)
			fuzz_fail("the valid image answers a fixed request "
			    "with another status", out.data, out.len);
	}
}

/* Read a list of n strings whole (ASan sees a read outside). */
static size_t
read_list(const char **l, size_t n)
{
	size_t	 i, sum = 0;

	for (i = 0; i < n; i++)
		sum += strlen(l[i]);
	return sum;
}

/* Every rule, its strings and options, and the regex rules' numbers. */
static void
read_rules(const struct ruleset *rs)
{
	static const uint32_t	 beyond[] = { RULE_FALLBACK, INDEX_NONE };
	const struct rule	*r;
	struct rule		 rule;
	volatile size_t		 sum = 0;
	size_t			 i;

	for (i = 0; i <= rs->nrules; i++) {
		if ((r = ruleset_rule(rs, (uint32_t)i, &rule)) == NULL)
			continue;
		if (!visible(r->target, r->target_len) ||
		    r->target_split > r->target_len)
			fuzz_fail("a rule's target that is not visible ASCII",
			    r->target, r->target_len);
		sum += strlen(r->name) + r->line;
		sum += index_hash(r->pattern, r->pattern_len, 0);
		sum += r->opts->status + (r->opts->cache != NULL ?
		    strlen(r->opts->cache) : 0);
		sum += read_list(r->opts->hosts, r->opts->nhosts);
		sum += read_list(r->opts->methods, r->opts->nmethods);
		sum += read_list(r->opts->headers, r->opts->nheaders);
		if (r->query != NULL)
			sum += strlen(r->query);
		if (r->opts->params != NULL)
			sum += strlen(r->opts->params);
		if (r->kind == RULE_REGEX)
			sum += ruleset_regex(rs, r) != NULL;
	}
	for (i = 0; i < sizeof(beyond) / sizeof(beyond[0]); i++)
		if (ruleset_rule(rs, beyond[i], &rule) != NULL ||
		    ruleset_rule(rs, (uint32_t)rs->nrules + 1 + (uint32_t)i,
		    &rule) != NULL)
			fuzz_fail("a rule out of range was read", "", 0);
	for (i = 0; i <= rs->nregex + 1; i++)
		if ((r = ruleset_rule(rs, ruleset_regex_rule(rs, i),
		    &rule)) != NULL)
			sum += r->pattern_len;
	for (i = 0; ruleset_sig(rs, i) != NULL; i++)
		sum += strlen(ruleset_sig(rs, i));
	if (rs->base != NULL)
		sum += strlen(rs->base);
	sum += strlen(rs->file) + strlen(rs->build);
	(void)sum;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ruleset	*rs;
	struct diag	 d;

	(void)argc;
	(void)argv;
	diag_init(&d, stderr, "absolute.ini");
	if ((rs = ini_load_buffer("absolute.ini", fuzz_rules_absolute,
	    strlen(fuzz_rules_absolute), &d)) == NULL) {
		fprintf(stderr, "fuzz_image: the fixed rule set does not "
		    "load\n");
		abort();
	}
	valid_size = rs->size;
	if ((valid = malloc(valid_size)) == NULL ||
	    (scratch = match_scratch_new()) == NULL)
		abort();
	memcpy(valid, rs->image, valid_size);
	/* The requests reach every rule of the undamaged image. */
	try_requests(rs, 1);
	ruleset_free(rs);
	return 0;
}

/* The image the input describes, in a heap block of its exact size. */
static unsigned char *
image_of(const uint8_t *data, size_t size, size_t *len)
{
	unsigned	 flags = data[0];
	unsigned char	*p;
	size_t		 step = flags & F_WIDE ? 6 : 3, off, i;
	uint32_t	 v;

	if (flags == IMAGE_MAGIC[0] || flags & F_WHOLE) {
		if (flags != IMAGE_MAGIC[0]) {
			data++;
			size--;
		}
		*len = size;
		/* malloc(0) may return NULL; keep one byte, never read. */
		if ((p = malloc(size > 0 ? size : 1)) == NULL)
			abort();
		if (size > 0)
			memcpy(p, data, size);
	} else {
		*len = valid_size;
		if ((p = malloc(valid_size)) == NULL)
			abort();
		memcpy(p, valid, valid_size);
		for (i = 1; i + step <= size; i += step) {
			off = (data[i] | (size_t)data[i + 1] << 8) % valid_size;
			if (!(flags & F_WIDE)) {
				p[off] = data[i + 2];
				continue;
			}
			v = (uint32_t)data[i + 2] | (uint32_t)data[i + 3] << 8 |
			    (uint32_t)data[i + 4] << 16 |
			    (uint32_t)data[i + 5] << 24;
			off = off > valid_size - 4 ? valid_size - 4 : off;
			memcpy(p + off, &v, sizeof(v));
		}
	}
	if (flags != IMAGE_MAGIC[0] && flags & F_CHECKSUM &&
	    *len >= sizeof(struct image_header)) {
		struct image_header	 h;

		memcpy(&h, p, sizeof(h));
		h.checksum = image_checksum(&h);
		memcpy(p, &h, sizeof(h));
	}
	return p;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ruleset	*rs;
	unsigned char	*img;
	const char	*why = NULL;
	size_t		 len;

	if (size == 0)
		return 0;
	img = image_of(data, size, &len);
	if ((rs = image_open(img, len, 0, NULL, &why)) == NULL) {
		if (why == NULL || *why == '\0')
			fuzz_fail("image_open failed without a reason", "", 0);
		free(img);
		return 0;
	}
	try_requests(rs, 0);
	read_rules(rs);
	ruleset_free(rs);	/* and img with it */
	return 0;
}
