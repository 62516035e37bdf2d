/*
 * image.c: the compiled rule set as requests read it, a view of an image.
 *
 * An image is one block of bytes: a header (struct image_header), then
 * the parts it lists, each at an offset aligned to 8: the strings (every
 * name, pattern, key and target, NUL-terminated, the last byte NUL), the
 * option sets, the string lists they use (refs), the rules in file order
 * with the fallback last, the indexes' chains, the regex rules' numbers
 * and three hash indexes (index.c).  Nothing in it is a pointer, so the
 * same bytes work in the memory where load/compile.c built them and in a
 * file that any number of processes map read-only and share.
 *
 * The bytes are not trusted.  image_open() checks, in time independent of
 * the rule count but for the option sets: the magic, format version, byte
 * order, word size and header size; a checksum of the header; that the
 * size the header records is the size there is; that every part lies
 * inside the image with the length its count implies; and that every
 * option set names strings inside the strings part, with a status we send,
 * no control characters in what goes into a header line, and its header
 * lines in the form "Name: value" (an empty one would end the headers).
 * What is read per request is checked where it is read: a rule's strings
 * lie in the strings part and its target starts as a compiled one does
 * and has only visible ASCII (ruleset_rule()), an index's keys and chains stay inside (index.c),
 * option numbers exist.
 * What is not checked: that the rules are the ones the rule file says
 * (no checksum of the whole image, which would cost a CGI request reading
 * every page of it).  A damaged image can give wrong redirects, never a
 * read outside it, a header line of our making, or a crash.
 */
#include <sys/mman.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "fcgi-redirect.h"

_Static_assert(sizeof(struct image_header) == 392, "image header layout");
_Static_assert(sizeof(struct image_rule) == 44, "image rule layout");
_Static_assert(sizeof(struct image_opts) == 64, "image opts layout");
_Static_assert(sizeof(struct index_slot) == 16, "index slot layout");

#ifndef FR_BUILD
#define FR_BUILD	"unknown"
#endif
/* The binary's build: its version and a digest of its sources. */
const char image_build_id[] = FR_VERSION "+" FR_BUILD;

/* Per process: the regex rules' compiled code, made when first used. */
struct regex_cache {
	pcre2_code	**code;
	unsigned char	 *failed;	/* would not compile here */
};

/* FNV-1a over the header up to its checksum. */
uint64_t
image_checksum(const struct image_header *h)
{
	return index_hash_step(INDEX_HASH_INIT, (const char *)h,
	    offsetof(struct image_header, checksum));
}

/* Do p[0..n) start like an image?  (Only the magic bytes.) */
int
image_is(const unsigned char *p, size_t n)
{
	return n >= IMAGE_MAGIC_LEN && memcmp(p, IMAGE_MAGIC,
	    IMAGE_MAGIC_LEN) == 0;
}

/* What a rule file's stat says, as an image records it. */
void
image_source_stat(struct image_source *src, const struct stat *st)
{
	memset(src, 0, sizeof(*src));
	src->dev = (uint64_t)st->st_dev;
	src->ino = (uint64_t)st->st_ino;
	src->size = (uint64_t)st->st_size;
	src->mtime_sec = (int64_t)st->st_mtim.tv_sec;
	src->mtime_nsec = (int64_t)st->st_mtim.tv_nsec;
	src->ctime_sec = (int64_t)st->st_ctim.tv_sec;
	src->ctime_nsec = (int64_t)st->st_ctim.tv_nsec;
}

int
image_source_equal(const struct image_source *a, const struct image_source *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec &&
	    a->ctime_sec == b->ctime_sec && a->ctime_nsec == b->ctime_nsec;
}

/*
 * Compile a regex rule's pattern as every process does, with `flags` its
 * OPT_ flags; the code (pcre2_code *), JIT-compiled where PCRE2 can, or
 * NULL with PCRE2's error number and offset.
 */
void *
image_regex_compile(const char *pattern, size_t len, unsigned flags,
    int *err, size_t *off)
{
	pcre2_code	*re;
	PCRE2_SIZE	 o = 0;

	re = pcre2_compile((PCRE2_SPTR)pattern, len,
	    (flags & OPT_CASE_IGNORE ? PCRE2_CASELESS : 0) |
	    PCRE2_DOLLAR_ENDONLY | PCRE2_NEVER_UTF, err, &o, NULL);
	*off = o;
	/* The JIT is an optimisation: without it (no JIT here) it works. */
	if (re != NULL)
		(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

/* Is part k inside the image, aligned, `count` records of `size` bytes? */
static int
part_ok(const struct image_header *h, size_t total, enum image_part k,
    uint64_t count, size_t size)
{
	const struct image_part_pos	*p = &h->part[k];

	return p->off % 8 == 0 && p->off >= sizeof(*h) && p->off <= total &&
	    p->len <= total - p->off && count <= UINT32_MAX &&
	    p->len == count * size;
}

/*
 * Does s (NUL-terminated, inside the strings) have no control byte but
 * HTAB (RFC 9110 5.5 allows it in a field value)?  What a header line
 * carries must have no CR, LF or NUL.
 */
static int
string_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return 0;
	return 1;
}

/*
 * Is s (checked by string_printable()) a header line a rule may add:
 * "Name:" with a token for a name (RFC 9110 5.6.2), as load/keys.c
 * requires?  An empty string would end the header block early.
 */
static int
header_line(const char *s)
{
	size_t	 n;

	for (n = 0; s[n] != '\0' && s[n] != ':'; n++)
		if (!isalnum((unsigned char)s[n]) &&
		    strchr("!#$%&'*+-.^_`|~", s[n]) == NULL)
			return 0;
	return n > 0 && s[n] == ':';
}

/* The string at off, or NULL when off is not inside the strings. */
static const char *
string_at(const struct ruleset *rs, uint32_t off)
{
	return off < rs->strings_len ? rs->strings + off : NULL;
}

/*
 * A list of n refs from `first`, checked (with `lines`, as header lines);
 * NULL on damage.
 */
static const char **
refs_at(const struct ruleset *rs, size_t nrefs, uint32_t first, uint32_t n,
    int lines)
{
	size_t	 i;

	if (first > nrefs || n > nrefs - first)
		return NULL;
	for (i = first; i < (size_t)first + n; i++)
		if (rs->refs[i] == NULL || !string_printable(rs->refs[i]) ||
		    (lines && !header_line(rs->refs[i])))
			return NULL;
	return &rs->refs[first];
}

/* Decode and check the option sets; 0, or -1 with *why. */
static int
opts_decode(struct ruleset *rs, const struct image_header *h,
    const char **why)
{
	const struct image_opts	*io = (const void *)(rs->image +
				    h->part[IMAGE_OPTS].off);
	const uint32_t		*refs = (const void *)(rs->image +
				    h->part[IMAGE_REFS].off);
	struct rule_opts	*o;
	size_t			 i;

	rs->refs = calloc(h->nrefs + 1, sizeof(*rs->refs));
	rs->opts = calloc(h->nopts + 1, sizeof(*rs->opts));
	if (rs->refs == NULL || rs->opts == NULL) {
		*why = "out of memory";
		return -1;
	}
	for (i = 0; i < h->nrefs; i++)
		rs->refs[i] = string_at(rs, refs[i]);
	*why = "a damaged option set";
	for (i = 0; i < h->nopts; i++, io++) {
		o = &rs->opts[i];
		o->status = (int)io->status;
		if (o->status != 301 && o->status != 302 && o->status != 303 &&
		    o->status != 307 && o->status != 308)
			return -1;
		if ((io->flags & ~(OPT_QUERY_DROP | OPT_CASE_IGNORE |
		    OPT_SLASH_EITHER | OPT_PARAMS_ONLY)) != 0 ||
		    io->scheme > SCHEME_HTTPS)
			return -1;
		o->flags = io->flags;
		o->scheme = (enum scheme)io->scheme;
		o->has_from = (io->has & IMAGE_HAS_FROM) != 0;
		o->has_until = (io->has & IMAGE_HAS_UNTIL) != 0;
		o->from = (time_t)io->from;
		o->until = (time_t)io->until;
		if (io->cache != IMAGE_NONE && ((o->cache = string_at(rs,
		    io->cache)) == NULL || !string_printable(o->cache)))
			return -1;
		if (io->params != IMAGE_NONE && ((o->params = string_at(rs,
		    io->params)) == NULL || !string_printable(o->params)))
			return -1;
		o->nhosts = io->nhosts;
		o->nmethods = io->nmethods;
		o->nheaders = io->nheaders;
		if ((o->hosts = refs_at(rs, h->nrefs, io->hosts,
		    io->nhosts, 0)) == NULL ||
		    (o->methods = refs_at(rs, h->nrefs, io->methods,
		    io->nmethods, 0)) == NULL ||
		    (o->headers = refs_at(rs, h->nrefs, io->headers,
		    io->nheaders, 1)) == NULL)
			return -1;
	}
	return 0;
}

/* An index view over part k with the header's lens[which]. */
static void
index_view(struct ruleset *rs, const struct image_header *h,
    enum image_part k, int which, struct index *ix)
{
	ix->slots = (const void *)(rs->image + h->part[k].off);
	ix->mask = h->part[k].len / sizeof(struct index_slot) - 1;
	ix->lens = h->lens[which];
	ix->next = (const void *)(rs->image + h->part[IMAGE_NEXT].off);
	ix->nitems = h->nrules;
	ix->strings = rs->strings;
	ix->strings_len = rs->strings_len;
}

/* Is part k's length a power of two of index slots? */
static int
slots_ok(const struct image_header *h, enum image_part k)
{
	uint64_t	 n = h->part[k].len / sizeof(struct index_slot);

	return h->part[k].len % sizeof(struct index_slot) == 0 && n > 0 &&
	    (n & (n - 1)) == 0;
}

/*
 * A rule set reading the image p[0..size), which stays where it is: on
 * success the rule set owns it (ruleset_free() unmaps it when `mapped`,
 * else frees it).  `file` names the rule file in messages, or NULL for
 * the name the image records.  NULL when the bytes are no image this
 * binary can read, with *why a static phrase saying what is wrong; p is
 * then still the caller's.
 */
struct ruleset *
image_open(const unsigned char *p, size_t size, int mapped, const char *file,
    const char **why)
{
	const struct image_header	*h = (const void *)p;
	struct ruleset			*rs;
	const char			*name;

	if (size < sizeof(*h) || !image_is(p, size)) {
		*why = "not an image";
		return NULL;
	}
	if (h->byte_order != IMAGE_BYTE_ORDER ||
	    h->word_size != sizeof(void *)) {
		*why = "an image of another kind of machine";
		return NULL;
	}
	if (h->version != IMAGE_VERSION || h->header_size != sizeof(*h)) {
		*why = "an image of another format version";
		return NULL;
	}
	if (h->checksum != image_checksum(h)) {
		*why = "a damaged image (header checksum)";
		return NULL;
	}
	if (h->size != size) {
		*why = size < h->size ? "a truncated image" :
		    "an image with bytes after its end";
		return NULL;
	}
	if (!part_ok(h, size, IMAGE_STRINGS, h->part[IMAGE_STRINGS].len, 1) ||
	    h->part[IMAGE_STRINGS].len == 0 ||
	    p[h->part[IMAGE_STRINGS].off + h->part[IMAGE_STRINGS].len - 1] !=
	    '\0' ||
	    !part_ok(h, size, IMAGE_OPTS, h->nopts, sizeof(struct image_opts)) ||
	    !part_ok(h, size, IMAGE_REFS, h->nrefs, sizeof(uint32_t)) ||
	    h->nrules >= INDEX_NONE - 1 ||
	    !part_ok(h, size, IMAGE_RULES, (uint64_t)h->nrules + 1,
	    sizeof(struct image_rule)) ||
	    !part_ok(h, size, IMAGE_NEXT, h->nrules, sizeof(uint32_t)) ||
	    !part_ok(h, size, IMAGE_REGEX, h->nregex, sizeof(uint32_t)) ||
	    !part_ok(h, size, IMAGE_SIGS, h->nsigs, sizeof(uint32_t)) ||
	    h->nregex > h->nrules || h->nentries > h->nrules ||
	    !slots_ok(h, IMAGE_EXACT) || !slots_ok(h, IMAGE_PREFIX) ||
	    !slots_ok(h, IMAGE_ANCHOR) ||
	    !part_ok(h, size, IMAGE_EXACT, h->part[IMAGE_EXACT].len, 1) ||
	    !part_ok(h, size, IMAGE_PREFIX, h->part[IMAGE_PREFIX].len, 1) ||
	    !part_ok(h, size, IMAGE_ANCHOR, h->part[IMAGE_ANCHOR].len, 1) ||
	    h->nopts == 0 || h->defaults >= h->nopts ||
	    (h->fallback_status != 0 && h->fallback_status != 404 &&
	    h->fallback_status != 410) ||
	    (h->flags & ~IMAGE_FLAG_STATS_OFF) != 0 ||
	    h->build[IMAGE_BUILD_MAX - 1] != '\0') {
		*why = "a damaged image (its table of parts)";
		return NULL;
	}
	if ((rs = calloc(1, sizeof(*rs))) == NULL) {
		*why = "out of memory";
		return NULL;
	}
	rs->image = p;
	rs->size = size;
	rs->strings = (const char *)p + h->part[IMAGE_STRINGS].off;
	rs->strings_len = h->part[IMAGE_STRINGS].len;
	if (opts_decode(rs, h, why) != 0) {
		rs->image = NULL;	/* still the caller's */
		ruleset_free(rs);
		return NULL;
	}
	if ((rs->regexes = calloc(1, sizeof(*rs->regexes))) == NULL ||
	    (rs->regexes->code = calloc(h->nregex + 1,
	    sizeof(*rs->regexes->code))) == NULL ||
	    (rs->regexes->failed = calloc(h->nregex + 1, 1)) == NULL) {
		*why = "out of memory";
		rs->image = NULL;
		ruleset_free(rs);
		return NULL;
	}
	rs->mapped = mapped;
	name = string_at(rs, h->file);
	rs->file = file != NULL ? file : name != NULL ? name : "(image)";
	rs->rules = p + h->part[IMAGE_RULES].off;
	rs->nrules = h->nrules;
	rs->nmaps = h->nmaps;
	rs->nentries = h->nentries;
	rs->nregex = h->nregex;
	rs->nopts = h->nopts;
	rs->regex = (const void *)(p + h->part[IMAGE_REGEX].off);
	rs->sigs = (const void *)(p + h->part[IMAGE_SIGS].off);
	rs->nsigs = h->nsigs;
	rs->query_variants = h->query_variants & 0x55;
	index_view(rs, h, IMAGE_EXACT, 0, &rs->exact);
	index_view(rs, h, IMAGE_PREFIX, 1, &rs->prefix);
	index_view(rs, h, IMAGE_ANCHOR, 2, &rs->regex_anchor);
	rs->exact_variants = h->exact_variants & 0x55;	/* 1 << (0, 2, 4, 6) */
	rs->prefix_variants = h->prefix_variants & 0x05;	/* 1 << (0, 2) */
	rs->fallback_status = h->fallback_status;
	rs->stats_off = (h->flags & IMAGE_FLAG_STATS_OFF) != 0;
	rs->base = h->base == IMAGE_NONE ? NULL : string_at(rs, h->base);
	rs->defaults = &rs->opts[h->defaults];
	rs->source = h->source;
	rs->build = h->build;
	return rs;
}

/*
 * Visible ASCII only (0x21 to 0x7e): what a compiled target is made of.
 * Eight bytes at a time: a byte below 0x21 borrows in x - 0x21.., one
 * above 0x7e carries into its top bit in x + 0x01.., and a byte with its
 * top bit set has it already.
 */
static int
target_clean(const char *t, size_t n)
{
	const uint64_t	 low = 0x2121212121212121ULL, one = 0x0101010101010101ULL;
	const uint64_t	 top = 0x8080808080808080ULL;
	uint64_t	 x;
	size_t		 i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&x, t + i, 8);
		if (((x - low) | (x + one) | x) & top)
			return 0;
	}
	for (; i < n; i++)
		if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f)
			return 0;
	return 1;
}

/*
 * Does t[0..n) start as load/target.c compiles every target: "/",
 * "http://", "https://" or "${scheme}://"?  Then the Location made of it
 * is never empty: an empty target, or one that is only "$1", would give a
 * redirect without a Location.
 */
static int
target_start(const char *t, size_t n)
{
	return (n >= 1 && t[0] == '/') ||
	    (n >= 7 && strncmp(t, "http://", 7) == 0) ||
	    (n >= 8 && strncmp(t, "https://", 8) == 0) ||
	    (n >= 12 && strncmp(t, "${scheme}://", 12) == 0);
}

/*
 * Rule number no (nrules: the fallback) read into *r, whose strings then
 * point into the image; returns r, or NULL when no is out of range or the
 * record is damaged.
 */
const struct rule *
ruleset_rule(const struct ruleset *rs, uint32_t no, struct rule *r)
{
	const struct image_rule	*ir;
	uint64_t		 sl = rs->strings_len;

	if (no > rs->nrules)
		return NULL;
	ir = (const struct image_rule *)rs->rules + no;
	/* 32-bit fields: their 64-bit sums cannot wrap. */
	if (ir->kind > RULE_MAP_ENTRY || ir->opts >= rs->nopts ||
	    ir->name >= sl ||
	    (uint64_t)ir->pattern + ir->pattern_len >= sl ||
	    (uint64_t)ir->target + ir->target_len >= sl ||
	    ir->target_split > ir->target_len ||
	    (ir->kind == RULE_REGEX && (ir->regex_no >= rs->nregex ||
	    ir->regex_lit >= ir->pattern_len)) ||
	    !target_start(rs->strings + ir->target, ir->target_len) ||
	    !target_clean(rs->strings + ir->target, ir->target_len))
		return NULL;
	r->name = rs->strings + ir->name;
	r->line = ir->line;
	r->kind = (enum rule_kind)ir->kind;
	r->pattern = rs->strings + ir->pattern;
	r->pattern_len = ir->pattern_len;
	r->query = ruleset_query(rs, no);
	r->re = NULL;
	r->target = rs->strings + ir->target;
	r->target_len = ir->target_len;
	r->target_split = ir->target_split;
	r->target_flags = ir->target_flags;
	r->regex_lit = ir->regex_lit;
	r->no = no == rs->nrules ? RULE_FALLBACK : no;
	r->opts = &rs->opts[ir->opts];
	return r;
}

/*
 * The canonical query of rule number no's key ("/index.php?id=42" gives
 * "id=42"), or NULL when it has none or no is out of range or damaged.
 * ruleset_rule() without reading the rest: for other-params = refuse.
 */
const char *
ruleset_query(const struct ruleset *rs, uint32_t no)
{
	const struct image_rule	*ir;
	const char		*p;

	if (no >= rs->nrules)
		return NULL;
	ir = (const struct image_rule *)rs->rules + no;
	if ((uint64_t)ir->pattern + ir->pattern_len >= rs->strings_len)
		return NULL;
	/* "path?query" (compile.c); the strings end with a NUL. */
	p = rs->strings + ir->pattern + ir->pattern_len;
	return *p == '?' ? p + 1 : NULL;
}

/* The i-th query signature in use (query.c), or NULL. */
const char *
ruleset_sig(const struct ruleset *rs, size_t i)
{
	return i < rs->nsigs ? string_at(rs, rs->sigs[i]) : NULL;
}

/* The rule number of the i-th regex rule, or INDEX_NONE. */
uint32_t
ruleset_regex_rule(const struct ruleset *rs, size_t i)
{
	return i < rs->nregex && rs->regex[i] < rs->nrules ? rs->regex[i] :
	    INDEX_NONE;
}

/*
 * The compiled code of regex rule r (read by ruleset_rule()), compiled
 * and JIT-compiled the first time; NULL when it does not compile here (a
 * damaged image, or a PCRE2 that differs from the one that checked it).
 */
void *
ruleset_regex(const struct ruleset *rs, const struct rule *r)
{
	const struct image_rule	*ir;
	struct regex_cache	*c = rs->regexes;
	int			 err;
	size_t			 off;

	if (r->kind != RULE_REGEX || r->no >= rs->nrules)
		return NULL;
	ir = (const struct image_rule *)rs->rules + r->no;
	if (ir->regex_no >= rs->nregex)
		return NULL;
	if (c->code[ir->regex_no] == NULL && !c->failed[ir->regex_no]) {
		c->code[ir->regex_no] = image_regex_compile(r->pattern,
		    r->pattern_len, r->opts->flags, &err, &off);
		c->failed[ir->regex_no] = c->code[ir->regex_no] == NULL;
	}
	return c->code[ir->regex_no];
}

/* Free a rule set, its image and its compiled regexes; NULL is fine. */
void
ruleset_free(struct ruleset *rs)
{
	size_t	 i;

	if (rs == NULL)
		return;
	if (rs->regexes != NULL) {
		if (rs->regexes->code != NULL)
			for (i = 0; i < rs->nregex; i++)
				pcre2_code_free(rs->regexes->code[i]);
		free(rs->regexes->code);
		free(rs->regexes->failed);
		free(rs->regexes);
	}
	free(rs->opts);
	free(rs->refs);
	if (rs->image != NULL) {
		if (rs->mapped)
			(void)munmap((void *)(uintptr_t)rs->image, rs->size);
		else
			free((void *)(uintptr_t)rs->image);
	}
	free(rs);
}
