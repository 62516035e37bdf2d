/*
 * test_stats.c: unit tests of the counters file, serve/stats.c.
 *
 *  - format: a fresh file has the size, header and slot ids it should,
 *    and a second open maps it as it is (no rebuild).
 *  - counting: a known mix of answers (rules, map entries, misses, bad
 *    requests) gives exact hits, statuses, first and last times, and the
 *    missed path in the top table.
 *  - carry-over: after the rule file changes (a rule removed, one added,
 *    the rest moved), each rule that is still there keeps its counts by id,
 *    the new one starts at 0; so do the statuses.
 *  - corruption: rows of a valid file damaged (cut, lengthened, a field
 *    changed with and without its checksum put right, emptied) are refused
 *    by stats_check() with the reason the row names and rebuilt afresh by
 *    stats_open(); random bytes and random edits never crash.
 *  - flood: 100,000 random missed paths and one real one every 50
 *    requests: the real one is still at the top of its table.
 *  - off: `stats = off` and a bad value of `stats`.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "fcgi-redirect.h"

static struct decision	dec;

static const char rules_v1[] =
    "[defaults]\n"
    "status = 307\n"
    "[a]\n"
    "path = /a\n"
    "to = /to-a\n"
    "[b]\n"
    "prefix = /b\n"
    "to = /to-b\n"
    "status = 302\n"
    "[map m]\n"
    "/m1 = /to-m1\n"
    "/m2 = /to-m2\n";

/* v1 with [b] gone, [c] first and the map's entries swapped. */
static const char rules_v2[] =
    "[defaults]\n"
    "status = 307\n"
    "[c]\n"
    "path = /c\n"
    "to = /to-c\n"
    "[a]\n"
    "path = /a\n"
    "to = /to-a\n"
    "[map m]\n"
    "/m2 = /to-m2\n"
    "/m1 = /to-m1\n"
    "/m3 = /to-m3\n";

/* A rule file, its counters file and its rule set in a fresh directory. */
struct files {
	char		 dir[4096], rules[4096], img[4096], stats[4096];
	struct ruleset	*rs;
};

/* Write text as f's rule file (a fresh one) and load it, with its image. */
static int
files_load(struct files *f, const char *text)
{
	struct diag	 d;
	int		 held;

	if (f->dir[0] == '\0' && (unit_tmp_dir(f->dir, sizeof(f->dir)) != 0 ||
	    unit_path_join(f->rules, sizeof(f->rules), f->dir, "r.ini") != 0 ||
	    cache_path(f->rules, NULL, f->img, sizeof(f->img)) == NULL ||
	    stats_path(f->rules, f->stats, sizeof(f->stats)) == NULL))
		return -1;
	ruleset_free(f->rs);
	/* A new file, so that its inode (and the image's identity) differ. */
	(void)unlink(f->rules);
	if (unit_write_file(f->rules, text) != 0)
		return -1;
	diag_init(&d, stderr, f->rules);
	f->rs = cache_load(f->rules, f->img, 0, &d, &held);
	return f->rs == NULL ? -1 : 0;
}

static void
files_free(struct files *f)
{
	ruleset_free(f->rs);
	f->rs = NULL;
	if (f->dir[0] != '\0')
		unit_tmp_remove(f->dir);
}

static struct stats *
files_stats(const struct files *f)
{
	struct stats	*s;
	char		 err[512];

	if ((s = stats_open(f->rs, f->stats, f->rules, STATS_OPEN_SERVE, err,
	    sizeof(err))) == NULL)
		fprintf(stderr, "\nstats_open: %s\n", err);
	return s;
}

/* Answer METHOD URI with rs at now and count it in s; the status. */
static int
count(const struct ruleset *rs, struct stats *s, const char *method,
    const char *uri, time_t now, struct match_scratch *scratch)
{
	char	 m[64], u[512];
	char	*env[] = { m, u, "HTTP_HOST=www.example.re", NULL };

	snprintf(m, sizeof(m), "REQUEST_METHOD=%s", method);
	snprintf(u, sizeof(u), "REQUEST_URI=%s", uri);
	handle_decide(rs, env, now, scratch, &dec);
	stats_count(s, &dec);
	return dec.status;
}

/* The slot of the rule named name with pattern pat (NULL: fallback). */
static const struct stats_slot *
slot_of(const struct ruleset *rs, const struct stats *s, const char *name,
    const char *pat)
{
	struct rule	 r;
	uint32_t	 i;

	if (name == NULL)
		return &s->slots[rs->nrules];
	for (i = 0; i < rs->nrules; i++)
		if (ruleset_rule(rs, i, &r) != NULL &&
		    strcmp(r.name, name) == 0 && strlen(pat) == r.pattern_len &&
		    memcmp(r.pattern, pat, r.pattern_len) == 0)
			return &s->slots[i];
	CU_FAIL("no such rule");
	return &s->slots[rs->nrules];
}

/* The count of path in s's top missed paths, 0 when it is not there. */
static uint64_t
top_count(const struct stats *s, const char *path)
{
	size_t	 i;

	for (i = 0; i < STATS_TOP_N; i++)
		if (s->top[i].claim > STATS_CLAIM_BUSY &&
		    strcmp(s->top[i].path, path) == 0)
			return s->top[i].count;
	return 0;
}

static void
test_stats_format(void)
{
	struct files		 f = { .rs = NULL };
	struct stats		*s, *again;
	struct stat		 st1, st2;
	struct rule		 r;
	const char		*why;
	uint32_t		 i;

	CU_ASSERT_EQUAL_FATAL(files_load(&f, rules_v1), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s = files_stats(&f));
	CU_ASSERT_EQUAL(f.rs->nrules, 4);
	CU_ASSERT_EQUAL(s->nslots, 5);
	CU_ASSERT_EQUAL(s->size, 176 + 5 * 32 + STATS_STATUS_N * 16 +
	    STATS_TOP_N * 128);
	CU_ASSERT_EQUAL(stats_check(s->map, s->size, &why), 0);
	CU_ASSERT_STRING_EQUAL(s->h->build, image_build_id);
	CU_ASSERT(image_source_equal(&s->h->source, &f.rs->source));
	CU_ASSERT(s->h->since > 0);
	for (i = 0; i < f.rs->nrules; i++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(ruleset_rule(f.rs, i, &r));
		CU_ASSERT_EQUAL(s->slots[i].id, stats_rule_id(&r));
		CU_ASSERT_EQUAL(s->slots[i].hits, 0);
	}
	for (i = 0; i < STATS_STATUS_N; i++)
		CU_ASSERT_EQUAL(s->status[i].code,
		    (uint32_t)stats_status_codes[i]);
	CU_ASSERT_EQUAL(stat(f.stats, &st1), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(again = files_stats(&f));
	CU_ASSERT_EQUAL(stat(f.stats, &st2), 0);
	CU_ASSERT_EQUAL(st1.st_ino, st2.st_ino);	/* not rebuilt */
	stats_close(again);
	stats_close(s);
	files_free(&f);
}

/* A known mix: what each request gets, then every count exactly. */
static void
test_stats_counting(void)
{
	struct files		 f = { .rs = NULL };
	struct match_scratch	*scratch;
	struct stats		*s;
	const struct stats_slot	*a, *b, *m1, *fb;
	time_t			 t0 = 1790000000;
	int			 i;

	CU_ASSERT_EQUAL_FATAL(files_load(&f, rules_v1), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s = files_stats(&f));
	CU_ASSERT_PTR_NOT_NULL_FATAL(scratch = match_scratch_new());
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(count(f.rs, s, "GET", "/a", t0 + i, scratch),
		    307);
	CU_ASSERT_EQUAL(count(f.rs, s, "GET", "/b/x", t0 + 5, scratch), 302);
	CU_ASSERT_EQUAL(count(f.rs, s, "HEAD", "/m1", t0 + 6, scratch), 307);
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(count(f.rs, s, "GET", "/nope/../missing",
		    t0 + 10 + i, scratch), 404);
	CU_ASSERT_EQUAL(count(f.rs, s, "GET", "/other", t0 + 20, scratch),
	    404);
	CU_ASSERT_EQUAL(count(f.rs, s, "GET", "/%00", t0 + 21, scratch), 400);

	a = slot_of(f.rs, s, "a", "/a");
	b = slot_of(f.rs, s, "b", "/b");
	m1 = slot_of(f.rs, s, "m", "/m1");
	fb = slot_of(f.rs, s, NULL, NULL);
	CU_ASSERT_EQUAL(a->hits, 3);
	CU_ASSERT_EQUAL(a->first, t0);
	CU_ASSERT_EQUAL(a->last, t0 + 2);
	CU_ASSERT_EQUAL(b->hits, 1);
	CU_ASSERT_EQUAL(m1->hits, 1);
	CU_ASSERT_EQUAL(slot_of(f.rs, s, "m", "/m2")->hits, 0);
	CU_ASSERT_EQUAL(slot_of(f.rs, s, "m", "/m2")->first, 0);
	CU_ASSERT_EQUAL(fb->hits, 5);
	CU_ASSERT_EQUAL(fb->first, t0 + 10);
	CU_ASSERT_EQUAL(fb->last, t0 + 20);
	CU_ASSERT_EQUAL(s->status[stats_status_index(307)].hits, 4);
	CU_ASSERT_EQUAL(s->status[stats_status_index(302)].hits, 1);
	CU_ASSERT_EQUAL(s->status[stats_status_index(404)].hits, 5);
	CU_ASSERT_EQUAL(s->status[stats_status_index(400)].hits, 1);
	CU_ASSERT_EQUAL(s->status[stats_status_index(999)].hits, 0);
	/* The normalized path, as matching saw it. */
	CU_ASSERT_EQUAL(top_count(s, "/missing"), 4);
	CU_ASSERT_EQUAL(top_count(s, "/other"), 1);
	match_scratch_free(scratch);
	stats_close(s);
	files_free(&f);
}

static void
test_stats_carry_over(void)
{
	struct files		 f = { .rs = NULL };
	struct match_scratch	*scratch;
	struct stats		*s;
	time_t			 t0 = 1790000000;
	int			 i;

	CU_ASSERT_EQUAL_FATAL(files_load(&f, rules_v1), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s = files_stats(&f));
	CU_ASSERT_PTR_NOT_NULL_FATAL(scratch = match_scratch_new());
	for (i = 0; i < 3; i++)
		(void)count(f.rs, s, "GET", "/a", t0 + i, scratch);
	for (i = 0; i < 2; i++)
		(void)count(f.rs, s, "GET", "/b", t0 + i, scratch);
	(void)count(f.rs, s, "GET", "/m1", t0, scratch);
	(void)count(f.rs, s, "GET", "/x", t0, scratch);
	stats_close(s);

	CU_ASSERT_EQUAL_FATAL(files_load(&f, rules_v2), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s = files_stats(&f));
	CU_ASSERT_EQUAL(s->nslots, 6);
	CU_ASSERT_EQUAL(slot_of(f.rs, s, "a", "/a")->hits, 3);
	CU_ASSERT_EQUAL(slot_of(f.rs, s, "a", "/a")->first, t0);
	CU_ASSERT_EQUAL(slot_of(f.rs, s, "a", "/a")->last, t0 + 2);
	CU_ASSERT_EQUAL(slot_of(f.rs, s, "c", "/c")->hits, 0);
	CU_ASSERT_EQUAL(slot_of(f.rs, s, "m", "/m1")->hits, 1);
	CU_ASSERT_EQUAL(slot_of(f.rs, s, "m", "/m2")->hits, 0);
	CU_ASSERT_EQUAL(slot_of(f.rs, s, "m", "/m3")->hits, 0);
	CU_ASSERT_EQUAL(slot_of(f.rs, s, NULL, NULL)->hits, 1);
	CU_ASSERT_EQUAL(s->status[stats_status_index(307)].hits, 4);
	CU_ASSERT_EQUAL(s->status[stats_status_index(302)].hits, 2);
	CU_ASSERT_EQUAL(top_count(s, "/x"), 1);
	/* Counting goes on in the new file. */
	(void)count(f.rs, s, "GET", "/a", t0 + 9, scratch);
	CU_ASSERT_EQUAL(slot_of(f.rs, s, "a", "/a")->hits, 4);
	match_scratch_free(scratch);
	stats_close(s);
	files_free(&f);
}

/* ---- corruption ---- */

/*
 * stderr to /dev/null and back: each damaged file costs one expected line
 * ("starting its counts afresh").  quiet() returns the saved descriptor.
 */
static int
quiet(void)
{
	int	 saved, null;

	fflush(stderr);
	if ((saved = dup(STDERR_FILENO)) == -1 ||
	    (null = open("/dev/null", O_WRONLY)) == -1)
		return saved;
	(void)dup2(null, STDERR_FILENO);
	close(null);
	return saved;
}

static void
unquiet(int saved)
{
	if (saved == -1)
		return;
	fflush(stderr);
	(void)dup2(saved, STDERR_FILENO);
	close(saved);
}

enum damage {
	DM_CUT_HALF, DM_CUT_HEADER, DM_CUT_ONE, DM_LONGER, DM_EMPTY, DM_MAGIC, DM_VERSION,
	DM_BYTE_ORDER, DM_WORD_SIZE, DM_CHECKSUM, DM_NSLOTS, DM_NSLOTS_FIXED, DM_NTOP_FIXED,
	DM_STATUS_CODE, DM_SIZE_FIXED
};

struct corrupt_row {
	const char	*name;
	enum damage	 damage;
	const char	*why;	/* stats_check()'s, NULL: not even mapped */
};

static const struct corrupt_row corrupt_rows[] = {
	{ "cut in half",	DM_CUT_HALF,	"a truncated counters file" },
	{ "cut in the header",	DM_CUT_HEADER,	NULL },
	{ "one byte short",	DM_CUT_ONE,	"a truncated counters file" },
	{ "a byte longer",	DM_LONGER,
	    "a counters file with bytes after its end" },
	{ "empty",		DM_EMPTY,		NULL },
	{ "magic",		DM_MAGIC,		"not a counters file" },
	{ "version",		DM_VERSION,
	    "a counters file of another format version" },
	{ "byte order",		DM_BYTE_ORDER,
	    "a counters file of another kind of machine" },
	{ "word size",		DM_WORD_SIZE,
	    "a counters file of another kind of machine" },
	{ "checksum",		DM_CHECKSUM,
	    "a damaged counters file (header checksum)" },
	{ "nslots",		DM_NSLOTS,
	    "a damaged counters file (header checksum)" },
	{ "nslots, summed",	DM_NSLOTS_FIXED,
	    "a damaged counters file (its counts)" },
	{ "ntop, summed",	DM_NTOP_FIXED,
	    "a damaged counters file (its counts)" },
	{ "status code",	DM_STATUS_CODE,
	    "a damaged counters file (its statuses)" },
	{ "size, summed",	DM_SIZE_FIXED,	"a truncated counters file" },
};

/* Damage the file at path (a valid one of `size` bytes) as r says. */
static void
damage(const char *path, size_t size, enum damage dm)
{
	struct stats_header	 h;
	uint32_t		 code = 999;
	int			 fd;

	CU_ASSERT_FATAL((fd = open(path, O_RDWR)) != -1);
	CU_ASSERT_FATAL(pread(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h));
	switch (dm) {
	case DM_CUT_HALF:	CU_ASSERT(ftruncate(fd, (off_t)size / 2) == 0); break;
	case DM_CUT_HEADER: CU_ASSERT(ftruncate(fd, 100) == 0); break;
	case DM_CUT_ONE:	CU_ASSERT(ftruncate(fd, (off_t)size - 1) == 0); break;
	case DM_LONGER:	CU_ASSERT(ftruncate(fd, (off_t)size + 1) == 0); break;
	case DM_EMPTY:	CU_ASSERT(ftruncate(fd, 0) == 0); break;
	case DM_MAGIC:	h.magic[3] ^= 1; break;
	case DM_VERSION:	h.version++; break;
	case DM_BYTE_ORDER: h.byte_order = 0x04030201u; break;
	case DM_WORD_SIZE:	h.word_size = 4; break;
	case DM_CHECKSUM:	h.checksum ^= 0x100; break;
	case DM_NSLOTS:	h.nslots++; break;
	case DM_NSLOTS_FIXED: h.nslots += 1000; break;
	case DM_NTOP_FIXED: h.ntop = 1; break;
	case DM_SIZE_FIXED: h.size += 32; break;
	case DM_STATUS_CODE:
		CU_ASSERT(pwrite(fd, &code, sizeof(code), (off_t)(sizeof(h) +
		    h.nslots * sizeof(struct stats_slot))) ==
		    (ssize_t)sizeof(code));
		break;
	}
	/* The rows named "summed" have their checksum put right. */
	if (dm == DM_MAGIC || dm == DM_VERSION || dm == DM_BYTE_ORDER ||
	    dm == DM_WORD_SIZE || dm == DM_NSLOTS_FIXED || dm == DM_NTOP_FIXED ||
	    dm == DM_SIZE_FIXED)
		h.checksum = index_hash_step(INDEX_HASH_INIT, (const char *)&h,
		    offsetof(struct stats_header, checksum));
	if (dm >= DM_MAGIC && dm != DM_STATUS_CODE)
		CU_ASSERT(pwrite(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h));
	close(fd);
}

/* The bytes of the file at path into a malloc'd buffer, its size in *n. */
static unsigned char *
slurp(const char *path, size_t *n)
{
	struct stat	 st;
	unsigned char	*p;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1)
		return NULL;
	*n = (size_t)st.st_size;
	if ((p = malloc(*n + 1)) != NULL && read(fd, p, *n) != (ssize_t)*n) {
		free(p);
		p = NULL;
	}
	close(fd);
	return p;
}

static void
test_stats_corrupt(void)
{
	struct files		 f = { .rs = NULL };
	struct match_scratch	*scratch;
	struct stats		*s;
	unsigned char		*p;
	const char		*why;
	size_t			 i, n, size;
	int			 saved;

	CU_ASSERT_EQUAL_FATAL(files_load(&f, rules_v1), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(scratch = match_scratch_new());
	saved = quiet();
	for (i = 0; i < nitems(corrupt_rows); i++) {
		const struct corrupt_row *r = &corrupt_rows[i];

		(void)unlink(f.stats);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s = files_stats(&f));
		(void)count(f.rs, s, "GET", "/a", 1790000000, scratch);
		size = s->size;
		stats_close(s);
		damage(f.stats, size, r->damage);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p = slurp(f.stats, &n));
		why = NULL;
		if (stats_check(p, n, &why) != -1 || (r->why != NULL &&
		    (why == NULL || strcmp(why, r->why) != 0))) {
			fprintf(stderr, "\nrow '%s': %s, expected %s\n",
			    r->name, why != NULL ? why : "accepted",
			    r->why != NULL ? r->why : "refused");
			CU_FAIL("corruption row");
		}
		free(p);
		/* Rebuilt afresh: a sound file again, its counts 0. */
		CU_ASSERT_PTR_NOT_NULL_FATAL(s = files_stats(&f));
		CU_ASSERT_EQUAL(s->size, size);
		CU_ASSERT_EQUAL(slot_of(f.rs, s, "a", "/a")->hits, 0);
		stats_close(s);
	}
	unquiet(saved);
	match_scratch_free(scratch);
	files_free(&f);
}

static uint64_t
next_random(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Random bytes, and random edits of a sound file: never a crash. */
static void
test_stats_random(void)
{
	struct files	 f = { .rs = NULL };
	struct stats	*s;
	unsigned char	*p;
	const char	*why;
	uint64_t	 x = 88172645463325252ULL;
	size_t		 round, k, n, size;
	int		 fd, saved;

	CU_ASSERT_EQUAL_FATAL(files_load(&f, rules_v1), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s = files_stats(&f));
	size = s->size;
	stats_close(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p = slurp(f.stats, &n));
	saved = quiet();
	for (round = 0; round < 200; round++) {
		unsigned char	*q = malloc(size);

		CU_ASSERT_PTR_NOT_NULL_FATAL(q);
		memcpy(q, p, size);
		if (round % 2 == 0)
			for (k = 0; k < size; k++)
				q[k] = (unsigned char)next_random(&x);
		else
			for (k = 0; k < 1 + round % 7; k++)
				q[next_random(&x) % 176] ^=
				    (unsigned char)(1 + next_random(&x) % 255);
		n = next_random(&x) % (size + 1);
		if (round % 4 == 1)
			n = size;
		(void)stats_check(q, n, &why);
		CU_ASSERT_FATAL((fd = open(f.stats, O_WRONLY | O_TRUNC)) !=
		    -1);
		CU_ASSERT(write(fd, q, n) == (ssize_t)n);
		close(fd);
		free(q);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s = files_stats(&f));
		CU_ASSERT_EQUAL(stats_check(s->map, s->size, &why), 0);
		stats_close(s);
	}
	unquiet(saved);
	free(p);
	files_free(&f);
}

/*
 * 100,000 random missed paths, and one real miss every 50 requests
 * (2,000 in all): the real one keeps its place and tops the table.
 */
static void
test_stats_flood(void)
{
	struct files	 f = { .rs = NULL };
	struct stats	*s;
	char		 path[64];
	uint64_t	 x = 0x9E3779B97F4A7C15ULL, best = 0, real;
	size_t		 i;
	int		 n;

	CU_ASSERT_EQUAL_FATAL(files_load(&f, rules_v1), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s = files_stats(&f));
	for (i = 1; i <= 100000; i++) {
		n = snprintf(path, sizeof(path), "/scan/%016llx",
		    (unsigned long long)next_random(&x));
		stats_count_miss(s, path, (size_t)n, 0, 1790000000);
		if (i % 50 == 0)
			stats_count_miss(s, "/wp-login.php", 13, 0,
			    1790000000);
	}
	real = top_count(s, "/wp-login.php");
	CU_ASSERT(real >= 2000);
	for (i = 0; i < STATS_TOP_N; i++)
		if (s->top[i].claim > STATS_CLAIM_BUSY &&
		    strcmp(s->top[i].path, "/wp-login.php") != 0 &&
		    s->top[i].count > best)
			best = s->top[i].count;
	CU_ASSERT(real > best);
	if (real <= best || real < 2000)
		fprintf(stderr, "\nflood: the real miss counts %llu, the best "
		    "random one %llu\n", (unsigned long long)real,
		    (unsigned long long)best);
	/* A long path is kept cut, its length whole. */
	memset(path, 'x', sizeof(path));
	path[0] = '/';
	stats_count_miss(s, path, sizeof(path), 0, 1790000000);
	stats_count_miss(s, path, sizeof(path), 0, 1790000000);
	stats_close(s);
	files_free(&f);
}

static void
test_stats_off(void)
{
	struct ruleset	*rs;
	struct diag	 d;
	static const char on[] = "[defaults]\nstats = on\n[a]\npath = /a\n"
	    "to = /b\n";
	static const char off[] = "[defaults]\nstats = off\n[a]\npath = /a\n"
	    "to = /b\n";
	static const char bad[] = "[defaults]\nstats = maybe\n[a]\npath = /a\n"
	    "to = /b\n";
	static const char where[] = "[a]\nstats = off\npath = /a\nto = /b\n";

	diag_init(&d, NULL, "on.ini");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs = ini_load_buffer("on.ini", on,
	    sizeof(on) - 1, &d));
	CU_ASSERT_EQUAL(rs->stats_off, 0);
	ruleset_free(rs);
	diag_init(&d, NULL, "off.ini");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs = ini_load_buffer("off.ini", off,
	    sizeof(off) - 1, &d));
	CU_ASSERT_EQUAL(rs->stats_off, 1);
	ruleset_free(rs);
	diag_init(&d, NULL, "bad.ini");
	CU_ASSERT_PTR_NULL(ini_load_buffer("bad.ini", bad, sizeof(bad) - 1,
	    &d));
	CU_ASSERT_EQUAL(d.errors, 1);
	diag_init(&d, NULL, "where.ini");
	CU_ASSERT_PTR_NULL(ini_load_buffer("where.ini", where,
	    sizeof(where) - 1, &d));
}

int
test_stats_register(void)
{
	static const struct unit_test tests[] = {
		{ "format", test_stats_format },
		{ "counting", test_stats_counting },
		{ "carry-over by id", test_stats_carry_over },
		{ "corruption rows", test_stats_corrupt },
		{ "random bytes", test_stats_random },
		{ "space-saving flood", test_stats_flood },
		{ "stats = off", test_stats_off },
	};

	return unit_add_suite("stats", tests, nitems(tests));
}
