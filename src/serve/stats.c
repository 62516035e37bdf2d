/*
 * stats.c: hit counters shared by every process that serves a rule set.
 *
 * The counters live in FILE.stats beside the rule file (stats_path()),
 * mapped MAP_SHARED read-write by every serving process: CGI processes,
 * FastCGI processes however started, --listen workers.  Counting a request
 * (stats_count()) is a few atomic operations on that mapping: no lock, no
 * system call.  A crash or SIGKILL loses at most the request in flight.
 *
 * The file, all numbers in the writer's byte order and width:
 *
 *   struct stats_header		magic, version, byte order, word size,
 *					header size, file size, the identity
 *					of the image it counts (its build, the
 *					rule file's stat it was compiled from,
 *					a digest of the slots' ids, the number
 *					of slots), a checksum of all that; then
 *					`since`, the one field written in place
 *   struct stats_slot[nslots]		one per rule and map entry in image
 *					order, the fallback (misses) last:
 *					{ id, hits, first, last }
 *   struct stats_status[STATS_STATUS_N] the answers by status
 *   struct stats_miss[STATS_TOP_N]	the top missed paths
 *
 * A slot's id is a hash of what the rule is (stats_rule_id(): its kind,
 * name, pattern or key, and query), not of where it is: when the rule file
 * changes, the file is rebuilt for the new image and each new slot takes
 * the counts of the old slot with its id, so counts follow rules, new ones
 * start at 0 and removed ones are dropped.
 *
 * The bytes are never trusted.  stats_check() refuses a file whose magic,
 * version, byte order, word size, header size, checksum, recorded size,
 * counts or status codes are not what this code writes, and one whose
 * length is not exactly what its counts make; every part is then inside
 * the mapping, and stats_count() checks a rule number against the slots.
 * A refused file is rebuilt (carrying nothing over), one that is sound but
 * counts another image is rebuilt carrying its counts over by id.  The
 * rebuild writes a temporary file beside it (with the old file's owner
 * and mode when it may) and renames it in, under the
 * flock(2) of the rule file that cache.c takes to compile, so one process
 * rebuilds at a time and nobody maps a half-written file.  Someone who
 * truncates the file in place makes the processes that map it take SIGBUS
 * on their next count: serve.c catches it there and stops counting until
 * the next reload.
 *
 * Top missed paths: a space-saving table (Metwally, Agrawal and El
 * Abbadi, "Efficient computation of frequent and top-k elements in data
 * streams", 2005) cut into buckets of STATS_TOP_WAYS entries: a path is
 * looked for only in the bucket its hash names; a path not there takes the
 * bucket's entry with the smallest count and that count plus one.  So a
 * scanner spraying random paths raises the floor of every bucket slowly
 * (one in STATS_TOP_WAYS of the random paths that land in a bucket lifts
 * its minimum by one) and never evicts a path that misses more often than
 * that floor grows.  Approximations, all documented in tests/STATS-NOTES.md:
 *  - a count is an overestimate by at most the count it took over;
 *  - an entry is taken with a compare-and-swap on its claim word (to
 *    STATS_CLAIM_BUSY, then to the path's hash); a process that loses the
 *    race, or finds every entry of the bucket busy, drops that one
 *    observation rather than wait;
 *  - an increment that races with a take-over may count for the new path;
 *  - a process killed between the two steps leaves its entry busy until the
 *    next rebuild or --reset (one entry of STATS_TOP_N).
 */
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fcgi-redirect.h"

_Static_assert(sizeof(struct stats_header) == 176, "stats header layout");
_Static_assert(sizeof(struct stats_slot) == 32, "stats slot layout");
_Static_assert(sizeof(struct stats_status) == 16, "stats status layout");
_Static_assert(sizeof(struct stats_miss) == 128, "stats miss layout");

/* How long a process waits for another one's rebuild of the file. */
#define STATS_LOCK_WAIT_MS	1000

/* The statuses counted apart; anything else counts as the first, 0. */
const int stats_status_codes[STATS_STATUS_N] = {
	0, 301, 302, 303, 307, 308, 400, 404, 410, 414, 500, 503
};

/* The id of the fallback slot: no rule has kind 0xff. */
#define STATS_FALLBACK_KIND	0xff

/*
 * stats_status_index()'s table: each status's index in
 * stats_status_codes[]; 0, "other", for the rest.
 */
const unsigned char stats_status_table[600] = {
	[301] = 1, [302] = 2, [303] = 3, [307] = 4, [308] = 5,
	[400] = 6, [404] = 7, [410] = 8, [414] = 9, [500] = 10, [503] = 11
};

/*
 * The counters file of the rule file `rules`: rules + ".stats" into out.
 * Returns out, or NULL when it does not fit.
 */
const char *
stats_path(const char *rules, char *out, size_t n)
{
	int	 rc = snprintf(out, n, "%s.stats", rules);

	return rc < 0 || (size_t)rc >= n ? NULL : out;
}

/*
 * A rule's id: a hash of its kind, name, pattern (or map key) and query,
 * each followed by a NUL so that no two splits of the same bytes collide.
 * A rule read from an image (ruleset_rule()) or a draft's give the same.
 */
uint64_t
stats_rule_id(const struct rule *r)
{
	unsigned char	 kind = (unsigned char)r->kind;
	uint64_t	 h = INDEX_HASH_INIT;

	if (r->no == RULE_FALLBACK)
		kind = STATS_FALLBACK_KIND;
	h = index_hash_step(h, (const char *)&kind, 1);
	if (kind == STATS_FALLBACK_KIND)
		return index_hash_end(h, 0);
	h = index_hash_step(h, r->name, strlen(r->name) + 1);
	h = index_hash_step(h, r->pattern, r->pattern_len);
	h = index_hash_step(h, "", 1);
	if (r->query != NULL)
		h = index_hash_step(h, r->query, strlen(r->query));
	return index_hash_end(h, 0);
}

/*
 * The ids of rs's slots into ids[rs->nrules + 1] (NULL: not kept), and
 * their digest.  A damaged rule's id is a hash of its number: it is
 * answered 500 and never counted, but its slot is there.
 */
static uint64_t
stats_ids(const struct ruleset *rs, uint64_t *ids)
{
	struct rule	 r;
	struct rule	 fb = { .no = RULE_FALLBACK };
	uint64_t	 digest = INDEX_HASH_INIT, id;
	uint32_t	 i;

	for (i = 0; i <= rs->nrules; i++) {
		if (i == rs->nrules)
			id = stats_rule_id(&fb);
		else if (ruleset_rule(rs, i, &r) != NULL)
			id = stats_rule_id(&r);
		else
			id = index_hash((const char *)&i, sizeof(i), 1);
		if (ids != NULL)
			ids[i] = id;
		digest = index_hash_step(digest, (const char *)&id,
		    sizeof(id));
	}
	return digest;
}

/* FNV-1a over the header up to its checksum. */
static uint64_t
stats_checksum(const struct stats_header *h)
{
	return index_hash_step(INDEX_HASH_INIT, (const char *)h,
	    offsetof(struct stats_header, checksum));
}

/* The size of a file of n slots, or 0 when it would not fit a size_t. */
static size_t
stats_size(uint64_t n)
{
	uint64_t	 fixed = sizeof(struct stats_header) +
			    STATS_STATUS_N * sizeof(struct stats_status) +
			    STATS_TOP_N * sizeof(struct stats_miss);

	if (n == 0 || n > UINT32_MAX || n * sizeof(struct stats_slot) >
	    SIZE_MAX - fixed)
		return 0;
	return (size_t)(fixed + n * sizeof(struct stats_slot));
}

/*
 * Is p[0..size) a counters file this code can read, of any image?  0, or
 * -1 with *why a static phrase.  Everything stats_view() relies on is
 * checked here.
 */
int
stats_check(const unsigned char *p, size_t size, const char **why)
{
	const struct stats_header	*h = (const void *)p;
	const struct stats_status	*st;
	size_t				 i;

	if (size < sizeof(*h) || memcmp(h->magic, STATS_MAGIC,
	    STATS_MAGIC_LEN) != 0) {
		*why = "not a counters file";
		return -1;
	}
	if (h->byte_order != STATS_BYTE_ORDER ||
	    h->word_size != sizeof(void *)) {
		*why = "a counters file of another kind of machine";
		return -1;
	}
	if (h->version != STATS_VERSION || h->header_size != sizeof(*h)) {
		*why = "a counters file of another format version";
		return -1;
	}
	if (h->checksum != stats_checksum(h)) {
		*why = "a damaged counters file (header checksum)";
		return -1;
	}
	if (h->size != size) {
		*why = size < h->size ? "a truncated counters file" :
		    "a counters file with bytes after its end";
		return -1;
	}
	if (h->nstatus != STATS_STATUS_N || h->ntop != STATS_TOP_N ||
	    stats_size(h->nslots) != size ||
	    h->build[IMAGE_BUILD_MAX - 1] != '\0') {
		*why = "a damaged counters file (its counts)";
		return -1;
	}
	st = (const void *)(p + sizeof(*h) + (size_t)h->nslots *
	    sizeof(struct stats_slot));
	for (i = 0; i < STATS_STATUS_N; i++)
		if (st[i].code != (uint32_t)stats_status_codes[i]) {
			*why = "a damaged counters file (its statuses)";
			return -1;
		}
	return 0;
}

/* s's parts, from a mapping that stats_check() accepted. */
static void
stats_view(struct stats *s, unsigned char *p, size_t size, int writable)
{
	s->map = p;
	s->size = size;
	s->writable = writable;
	s->h = (void *)p;
	s->nslots = s->h->nslots;
	s->slots = (void *)(p + sizeof(*s->h));
	s->status = (void *)(p + sizeof(*s->h) + s->nslots *
	    sizeof(struct stats_slot));
	s->top = (void *)((unsigned char *)s->status +
	    STATS_STATUS_N * sizeof(struct stats_status));
}

/* Does the sound file s count the image of rs? */
static int
stats_counts(const struct stats *s, const struct ruleset *rs)
{
	const struct stats_header	*h = s->h;

	if (h->nslots != rs->nrules + 1 || strcmp(h->build, rs->build) != 0 ||
	    !image_source_equal(&h->source, &rs->source))
		return 0;
	/*
	 * An image mapped from a file is named by its build and source; one
	 * built in memory (images off, or not writable) may have no source:
	 * then its rules are compared, in the time its load took already.
	 */
	return rs->mapped || h->ids == stats_ids(rs, NULL);
}

/*
 * Map the counters file at path, read-only or read-write; a struct stats
 * when it is sound, else NULL with *why (a static phrase, or strerror's;
 * ENOENT's when there is none).
 */
static struct stats *
stats_map(const char *path, int writable, const char **why)
{
	struct stats	*s;
	void		*p;
	size_t		 size;

	if ((p = cache_map_file(path, writable, sizeof(struct stats_header),
	    "a truncated counters file", &size, why)) == NULL)
		return NULL;
	if (stats_check(p, size, why) != 0 ||
	    (s = calloc(1, sizeof(*s))) == NULL) {
		(void)munmap(p, size);
		return NULL;
	}
	stats_view(s, p, size, writable);
	return s;
}

/* Unmap s and free it; NULL is fine. */
void
stats_close(struct stats *s)
{
	if (s == NULL)
		return;
	(void)munmap(s->map, s->size);
	free(s->idpos);
	free(s);
}

/*
 * Index s's slots by id (the first slot of an id wins): 0, or -1 when out
 * of memory.
 */
static int
stats_index(struct stats *s)
{
	size_t	 n = 16, i, k;

	while (n < 2 * s->nslots)
		n *= 2;
	if ((s->idpos = calloc(n, sizeof(*s->idpos))) == NULL)
		return -1;
	s->idmask = n - 1;
	for (i = 0; i < s->nslots; i++) {
		for (k = s->slots[i].id & s->idmask; s->idpos[k] != 0;
		    k = (k + 1) & s->idmask)
			if (s->slots[s->idpos[k] - 1].id == s->slots[i].id)
				break;	/* two rules of one id: the first */
		if (s->idpos[k] == 0)
			s->idpos[k] = (uint32_t)i + 1;
	}
	return 0;
}

/*
 * The slot of s with id, or NULL.  hint: where to look first (the same
 * position, the usual case when a file is rebuilt for a few edits); past
 * it, an index of the slots, built at the first miss, so that matching a
 * whole rule set to a file of another image takes linear time.
 */
const struct stats_slot *
stats_find(struct stats *s, uint64_t id, size_t hint)
{
	size_t	 i, k;

	if (hint < s->nslots && s->slots[hint].id == id)
		return &s->slots[hint];
	if (s->idpos == NULL && stats_index(s) != 0) {
		for (i = 0; i < s->nslots; i++)		/* out of memory */
			if (s->slots[i].id == id)
				return &s->slots[i];
		return NULL;
	}
	for (k = id & s->idmask; s->idpos[k] != 0; k = (k + 1) & s->idmask)
		if (s->slots[s->idpos[k] - 1].id == id)
			return &s->slots[s->idpos[k] - 1];
	return NULL;
}

/*
 * Fill the fresh file s (zeroed, of rs->nrules + 1 slots) for rs: its
 * header, its slots' ids, and, from `old` (a sound file of any image, or
 * NULL), the counts of every slot whose id is still there, the statuses,
 * the top misses and `since`.  0, or -1 when out of memory.
 */
static int
stats_fill(struct stats *s, const struct ruleset *rs, struct stats *old,
    int64_t now)
{
	struct stats_header	*h = s->h;
	const struct stats_slot	*o;
	uint64_t		*ids;
	size_t			 i;

	if ((ids = calloc(s->nslots, sizeof(*ids))) == NULL)
		return -1;
	memcpy(h->magic, STATS_MAGIC, STATS_MAGIC_LEN);
	h->version = STATS_VERSION;
	h->byte_order = STATS_BYTE_ORDER;
	h->word_size = sizeof(void *);
	h->header_size = sizeof(*h);
	h->size = s->size;
	(void)strncpy(h->build, rs->build, IMAGE_BUILD_MAX - 1);
	h->source = rs->source;
	h->ids = stats_ids(rs, ids);
	h->nslots = (uint32_t)s->nslots;
	h->nstatus = STATS_STATUS_N;
	h->ntop = STATS_TOP_N;
	h->checksum = stats_checksum(h);
	h->since = old != NULL ? old->h->since : now;
	for (i = 0; i < s->nslots; i++) {
		s->slots[i].id = ids[i];
		if (old != NULL && (o = stats_find(old, ids[i], i)) != NULL) {
			s->slots[i].hits = o->hits;
			s->slots[i].first = o->first;
			s->slots[i].last = o->last;
		}
	}
	for (i = 0; i < STATS_STATUS_N; i++) {
		s->status[i].code = (uint32_t)stats_status_codes[i];
		s->status[i].hits = old != NULL ? old->status[i].hits : 0;
	}
	if (old != NULL)
		for (i = 0; i < STATS_TOP_N; i++)
			if (old->top[i].claim != STATS_CLAIM_BUSY)
				s->top[i] = old->top[i];
	free(ids);
	return 0;
}

/*
 * Write a fresh counters file for rs at path, carrying over what `old`
 * counted: a temporary file beside it, filled, fsync'd and renamed in.
 * The new file's mapping, or NULL with err.
 */
static struct stats *
stats_rebuild(const struct ruleset *rs, const char *path,
    struct stats *old, char *err, size_t errlen)
{
	struct stats	*s;
	char		 tmp[4096];
	size_t		 size = stats_size((uint64_t)rs->nrules + 1);
	void		*p = MAP_FAILED;
	struct stat	 st;
	mode_t		 mode = 0644;
	int		 fd, e = 0;

	if (size == 0 || (size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX",
	    path) >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: name too long", path);
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		free(s);
		return NULL;
	}
	/*
	 * The old file's owner and mode carry over where we may give them
	 * (root may): a file rebuilt by one user of several that serve the
	 * rules stays writable by the others.  The blocks are reserved now:
	 * a full disk is an error here, not a SIGBUS at the first count.
	 */
	if (stat(path, &st) == 0) {
		mode = st.st_mode & 0666;
		if (st.st_uid != geteuid() || st.st_gid != getegid())
			(void)fchown(fd, st.st_uid, st.st_gid);
	}
	if (fchmod(fd, mode) == -1 || (e = posix_fallocate(fd, 0,
	    (off_t)size)) != 0 || (p = mmap(NULL, size, PROT_READ |
	    PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED)
		goto fail;
	s->size = size;
	s->h = p;
	s->h->nslots = (uint32_t)(rs->nrules + 1);
	stats_view(s, p, size, 1);
	if (stats_fill(s, rs, old, (int64_t)time(NULL)) != 0) {
		e = ENOMEM;
		goto fail;
	}
	if (fsync(fd) == -1 || rename(tmp, path) == -1)
		goto fail;
	close(fd);
	return s;
fail:
	e = e != 0 ? e : errno;
	if (p != MAP_FAILED)
		(void)munmap(p, size);
	close(fd);
	(void)unlink(tmp);
	free(s);
	snprintf(err, errlen, "%s: %s", path, strerror(e));
	return NULL;
}

/*
 * Serving: the counters file at path of the rule set rs, whose rule file
 * (or image named as one) is `lock`.  A sound file of rs's image is mapped
 * as it is; anything else is rebuilt (stats_rebuild()), carrying over the
 * counts of a sound file of another image, under flock(2) of `lock`.
 * NULL with err when it cannot be: serving goes on without counting.
 */
static struct stats *
stats_open_serve(const struct ruleset *rs, const char *path,
    const char *lock, char *err, size_t errlen)
{
	struct stats	*s, *old;
	const char	*why;
	int		 lockfd;

	if ((s = stats_map(path, 1, &why)) != NULL && stats_counts(s, rs))
		return s;
	stats_close(s);
	if (!cache_dir_writable(path)) {
		snprintf(err, errlen, "%s cannot be %s here (the directory is "
		    "not writable); serving without counting", path,
		    access(path, F_OK) == 0 ? "rebuilt" : "created");
		return NULL;
	}
	if ((lockfd = open(lock, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1 ||
	    cache_lock_wait(lockfd, STATS_LOCK_WAIT_MS) != 0) {
		snprintf(err, errlen, "%s: another process is rebuilding it; "
		    "serving without counting until the next reload", path);
		if (lockfd != -1)
			close(lockfd);
		return NULL;
	}
	/* Someone else may have rebuilt it meanwhile. */
	if ((s = stats_map(path, 1, &why)) != NULL && stats_counts(s, rs)) {
		close(lockfd);
		return s;
	}
	stats_close(s);
	/* What to carry over: read-only, in case it is not ours to write. */
	if ((old = stats_map(path, 0, &why)) == NULL &&
	    access(path, F_OK) == 0)
		fprintf(stderr, "fcgi-redirect: %s: %s; starting its counts "
		    "afresh\n", path, why);
	s = stats_rebuild(rs, path, old, err, errlen);
	stats_close(old);
	close(lockfd);	/* and the lock with it */
	return s;
}

/*
 * The counters file at path of rule set rs (its rule file `lock`), as
 * `mode` says: STATS_OPEN_SERVE maps it read-write, rebuilding it when it
 * is missing, unsound or counts another image; STATS_OPEN_READ and
 * STATS_OPEN_WRITE map a sound file as it is, whatever image it counts
 * (the report finds its rules by id), read-only or read-write.  NULL with
 * a sentence in err.
 */
struct stats *
stats_open(const struct ruleset *rs, const char *path, const char *lock,
    int mode, char *err, size_t errlen)
{
	struct stats	*s;
	const char	*why;

	if (mode == STATS_OPEN_SERVE)
		return stats_open_serve(rs, path, lock, err, errlen);
	if ((s = stats_map(path, mode == STATS_OPEN_WRITE, &why)) == NULL)
		snprintf(err, errlen, "%s: %s", path, why);
	return s;
}

/*
 * Count a missed path in the top missed paths (see the head of this
 * file): at most STATS_TOP_WAYS entries looked at, one compare-and-swap
 * when the path takes one over; an observation that would have to wait is
 * dropped.  hash: index_hash(path, len, 0) when the caller has it (the
 * lookup of exact paths makes it, match.c), else 0.
 */
void
stats_count_miss(struct stats *s, const char *path, size_t len,
    uint64_t hash, int64_t now)
{
	uint64_t		 h = (hash != 0 ? hash : index_hash(path, len,
				    0)) | 2;
	uint64_t		 c, n, min = UINT64_MAX, seen = 0;
	struct stats_miss	*b, *victim = NULL;
	size_t			 i, keep;

	b = &s->top[(h >> 32) % (STATS_TOP_N / STATS_TOP_WAYS) *
	    STATS_TOP_WAYS];
	for (i = 0; i < STATS_TOP_WAYS; i++) {
		c = __atomic_load_n(&b[i].claim, __ATOMIC_ACQUIRE);
		if (c == h) {
			__atomic_fetch_add(&b[i].count, 1, __ATOMIC_RELAXED);
			__atomic_store_n(&b[i].last, now, __ATOMIC_RELAXED);
			return;
		}
		if (c == STATS_CLAIM_BUSY)
			continue;
		n = c == 0 ? 0 : __atomic_load_n(&b[i].count,
		    __ATOMIC_RELAXED);
		if (n < min) {
			min = n;
			victim = &b[i];
			seen = c;
		}
	}
	if (victim == NULL || !__atomic_compare_exchange_n(&victim->claim,
	    &seen, STATS_CLAIM_BUSY, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;		/* contention: this observation is dropped */
	keep = len < STATS_PATH_MAX - 1 ? len : STATS_PATH_MAX - 1;
	memcpy(victim->path, path, keep);
	victim->path[keep] = '\0';
	victim->len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	__atomic_store_n(&victim->count, min + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&victim->last, now, __ATOMIC_RELAXED);
	__atomic_store_n(&victim->claim, h, __ATOMIC_RELEASE);
}

/*
 * Count the answer d: its status; the rule or map entry that answered
 * with a redirect, or the fallback slot and the missed path when no rule
 * matched.  Lock-free and without a system call (the time is the
 * request's).  s must be writable (STATS_OPEN_SERVE).
 */
void
stats_count(struct stats *s, const struct decision *d)
{
	struct stats_slot	*sl;
	int64_t			 now = (int64_t)d->req.now, zero = 0;
	size_t			 no;

	__atomic_fetch_add(&s->status[stats_status_index(d->status)].hits, 1,
	    __ATOMIC_RELAXED);
	if (d->miss)
		no = s->nslots - 1;
	else if (d->rule != NULL && d->location_len > 0)
		no = d->rule->no;
	else
		return;
	if (no >= s->nslots)
		return;
	sl = &s->slots[no];
	__atomic_fetch_add(&sl->hits, 1, __ATOMIC_RELAXED);
	if (__atomic_load_n(&sl->first, __ATOMIC_RELAXED) == 0)
		(void)__atomic_compare_exchange_n(&sl->first, &zero, now, 0,
		    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	__atomic_store_n(&sl->last, now, __ATOMIC_RELAXED);
	if (d->miss)
		stats_count_miss(s, d->req.path, d->req.path_len,
		    d->match.path_hash, now);
}

/*
 * --reset: zero one slot (`one`, a slot of s), or with NULL every count,
 * status and missed path, and start `since` again at now.  Serving
 * processes keep counting meanwhile: a count made during the reset may
 * survive it.
 */
void
stats_reset(struct stats *s, const struct stats_slot *one, int64_t now)
{
	struct stats_slot	*sl;
	size_t			 i, from = 0, to = s->nslots;

	if (one != NULL) {
		from = (size_t)(one - s->slots);
		to = from + 1;
	}
	for (i = from; i < to && i < s->nslots; i++) {
		sl = &s->slots[i];
		__atomic_store_n(&sl->hits, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&sl->first, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&sl->last, 0, __ATOMIC_RELAXED);
	}
	if (one != NULL)
		return;
	for (i = 0; i < STATS_STATUS_N; i++)
		__atomic_store_n(&s->status[i].hits, 0, __ATOMIC_RELAXED);
	for (i = 0; i < STATS_TOP_N; i++) {
		__atomic_store_n(&s->top[i].count, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&s->top[i].claim, 0, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&s->h->since, now, __ATOMIC_RELAXED);
}
