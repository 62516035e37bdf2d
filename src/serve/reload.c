/*
 * reload.c: noticing a changed rule file and loading it without a stop.
 *
 * A FastCGI process runs for months while people edit its rule file by
 * hand, so the file is checked (device, inode, size, modification and
 * change times: replaced by rename or rewritten in place, even with its
 * mtime restored) at most once a second, between requests, and at once
 * after SIGHUP.  So is its image (cache.c): a new one, compiled by another
 * process or renamed in, is mapped at once, and one damaged in place is
 * rebuilt.  A rule file that is itself an image is watched the same way.  A changed file is read once it has
 * not changed for the settle time (--settle, FCGI_REDIRECT_SETTLE_MS,
 * SETTLE_DEFAULT_MS; SIGHUP: at once), so that a writer is done or at
 * least paused.  A changed file is loaded in a thread
 * while the current rule set keeps answering; only a complete, valid set
 * replaces it, in one step, between two requests.  An invalid file is
 * reported (its FILE:LINE errors, on stderr) once per change, and the old
 * set keeps serving.  A file that changes while it is being read (a writer
 * still at work) is not used: it is read again once it has changed.  A
 * file whose last byte is not a newline (an empty one too) is probably cut
 * short, by a writer that paused longer than the settle time: it is not
 * reloaded until it changes again or SIGHUP asks for it; the first load
 * takes it (a CGI process has no other chance, and a server without rules
 * answers nothing but 503).  Likewise a valid set that would drop most of
 * the rules in use (reload_drops_most()): a file cut short at a line end
 * is valid, and smaller.
 *
 * Only the serving thread calls these functions; the loader thread touches
 * nothing but its own result.
 */
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi-redirect.h"

/* What stat(2) says of a file, as an image records it; or that it is not. */
struct file_id {
	struct image_source	 src;	/* all zero when it does not exist */
	int			 exists;
};

struct reload {
	const char		*path;
	const char		*image;		/* its image, or NULL */
	long			 settle_ms;	/* see reload_settled() */
	struct ruleset		*current;	/* NULL: answer 503 */
	unsigned long		 generation;	/* changes with `current` */
	struct file_id		 seen;		/* the file last loaded or tried */
	struct file_id		 image_seen;	/* its image, after that load */
	int			 held;		/* `seen` was held back, see
						   reload_load(): SIGHUP loads
						   it though unchanged */
	time_t			 last_check;
	int			 force;		/* a SIGHUP not yet acted on */
	/* The loader thread, while `running`. */
	pthread_t		 thread;
	int			 running;
	struct file_id		 loading;	/* what it was asked to load */
	int			 loading_forced; /* first load or SIGHUP */
	size_t			 loading_current; /* rules and map entries in
						    use, see reload_drops_most() */
	struct ruleset		*result;	/* its result, once `done` */
	struct file_id		 result_image;	/* the image after it */
	int			 changed;	/* the file changed meanwhile */
	int			 result_held;	/* held back, see reload_load() */
	volatile int		 done;
	pthread_mutex_t		 lock;
};

/* What stat(2) says of path; all zero when it is missing or NULL. */
static void
file_id_of(const char *path, struct file_id *id)
{
	struct stat	 st;

	memset(id, 0, sizeof(*id));
	if (path == NULL || stat(path, &st) == -1)
		return;
	id->exists = 1;
	image_source_stat(&id->src, &st);
}

/*
 * True when a file last modified at `mtime` has been left alone for
 * settle_ms milliseconds at `now`.  A file rewritten in place ("cat new >
 * rules.ini" truncates it first; an upload writes it piece by piece) can be
 * empty or half written, and still valid, for a while; reading it only once
 * it has been left alone for the settle time means reading what the writer
 * meant.  A writer that pauses longer than that is caught by the other
 * checks of reload_load().  A modification time more than a second in the
 * future (a skewed clock) counts as settled, so that the file is not
 * ignored for ever.
 */
int
reload_settled(const struct timespec *mtime, const struct timespec *now,
    long settle_ms)
{
	long long	 age_ms;

	age_ms = (long long)(now->tv_sec - mtime->tv_sec) * 1000 +
	    (now->tv_nsec - mtime->tv_nsec) / 1000000;
	return age_ms >= settle_ms || age_ms < -1000;
}

static int
file_settled(const struct file_id *id, long settle_ms)
{
	struct timespec	 now, mtime = { .tv_sec = (time_t)id->src.mtime_sec,
			    .tv_nsec = (long)id->src.mtime_nsec };

	clock_gettime(CLOCK_REALTIME, &now);
	return reload_settled(&mtime, &now, settle_ms);
}

/*
 * Whether a reload from a set of `current` rules and map entries to one of
 * `next` would drop most of them: fewer than half, when the set in use has
 * at least RELOAD_DROP_MIN.  Such a set is held back until SIGHUP confirms
 * it: a file cut short (truncated and being rewritten, a partial upload)
 * is often valid, only smaller, and every key it lost would get a 404.
 * Halving a large file is rare and deliberate; a small file edited by hand
 * is never held.
 */
int
reload_drops_most(size_t current, size_t next)
{
	return current >= RELOAD_DROP_MIN && next < current &&
	    current - next > next;
}

static int
file_id_equal(const struct file_id *a, const struct file_id *b)
{
	return a->exists == b->exists && image_source_equal(&a->src, &b->src);
}

/*
 * Load the rule file at path and report on stderr (one line for the
 * outcome, after the file's own FILE:LINE messages).  Unless `forced` (the
 * first load, SIGHUP), a file whose last byte is not a newline is not
 * loaded but held back (*held set): it is probably still being written;
 * and so is a set that drops most of the `current` rules and map entries
 * in use (reload_drops_most()).  *changed is set when the file was not the
 * same before and after reading it.  Returns the rule set (the caller owns
 * it) or NULL.
 */
static struct ruleset *
reload_load(const char *path, const char *image, const struct file_id *before,
    int forced, size_t current, int *changed, int *held)
{
	struct diag	 d;
	struct ruleset	*rs;
	struct file_id	 after;

	diag_init(&d, stderr, path);
	rs = cache_load(path, image, !forced, &d, held);
	diag_finish(&d);
	file_id_of(path, &after);
	*changed = !file_id_equal(before, &after);
	if (*changed) {
		fprintf(stderr, "fcgi-redirect: %s changed while it was read; "
		    "reading it again when it settles\n", path);
		ruleset_free(rs);
		*held = 0;
		return NULL;
	}
	if (!*held && rs != NULL && !forced &&
	    reload_drops_most(current, rs->nrules)) {
		fprintf(stderr, "fcgi-redirect: %s: not reloaded: it has %zu "
		    "rules and map entries, fewer than half of the %zu in use, "
		    "so it may be cut short; the rules in use stay until it "
		    "changes (SIGHUP loads it anyway)\n", path, rs->nrules,
		    current);
		ruleset_free(rs);
		*held = 1;
		return NULL;
	}
	if (*held)
		fprintf(stderr, "fcgi-redirect: %s: not reloaded: %s, so it is "
		    "probably still being written; the rules in use stay until "
		    "it changes (SIGHUP loads it anyway)\n", path, *held ==
		    CACHE_HELD_EMPTY ? "it is empty" :
		    "its last line does not end with a newline");
	else if (rs == NULL)
		fprintf(stderr, "fcgi-redirect: %s: not loaded (%u error%s); "
		    "the rules loaded before, if any, stay in use\n", path,
		    d.errors, d.errors == 1 ? "" : "s");
	else
		fprintf(stderr, "fcgi-redirect: %s: loaded %zu rules and map "
		    "entries (%u warning%s)\n", path, rs->nrules, d.warnings,
		    d.warnings == 1 ? "" : "s");
	return rs;
}

static void *
reload_thread(void *arg)
{
	struct reload	*r = arg;
	struct ruleset	*rs;
	int		 changed, held;

	struct file_id	 image;

	rs = reload_load(r->path, r->image, &r->loading, r->loading_forced,
	    r->loading_current, &changed, &held);
	file_id_of(r->image, &image);
	pthread_mutex_lock(&r->lock);
	r->result = rs;
	r->result_image = image;
	r->changed = changed;
	r->result_held = held;
	r->done = 1;
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static void *
retire_thread(void *arg)
{
	ruleset_free(arg);
	return NULL;
}

/*
 * Free a rule set that is no longer in use, in a thread of its own: a
 * million entries take some 20 ms to free, which a request should not
 * wait for.  Inline when no thread can be had.
 */
static void
retire(struct ruleset *rs)
{
	pthread_attr_t	 attr;
	pthread_t	 t;

	if (rs == NULL)
		return;
	if (pthread_attr_init(&attr) == 0) {
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&t, &attr, retire_thread, rs) == 0) {
			pthread_attr_destroy(&attr);
			return;
		}
		pthread_attr_destroy(&attr);
	}
	ruleset_free(rs);
}

/*
 * Load the rule file at path now (at start-up; through its image at
 * `image`, NULL for none: cache_load()) and watch it from then on; a
 * change is read once the file has been left alone for settle_ms
 * milliseconds (0 to SETTLE_MAX_MS).  Returns NULL only when out of memory;
 * reload_rules() may be NULL when the file could not be loaded.
 */
struct reload *
reload_new(const char *path, const char *image, long settle_ms)
{
	struct reload	*r;
	int		 changed, held, tries = 0;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->path = path;
	r->image = image;
	r->settle_ms = settle_ms;
	pthread_mutex_init(&r->lock, NULL);
	/* A file being written at start-up: a few tries, then the watch. */
	do {
		file_id_of(path, &r->seen);
		r->current = reload_load(path, image, &r->seen, 1, 0,
		    &changed, &held);
	} while (changed && ++tries < 3);
	file_id_of(image, &r->image_seen);
	if (changed)
		memset(&r->seen, 0, sizeof(r->seen));
	r->last_check = time(NULL);
	return r;
}

/* The rule set to answer with now; NULL means 503. */
const struct ruleset *
reload_rules(const struct reload *r)
{
	return r->current;
}

/*
 * A number that changes whenever reload_rules() does: what a process
 * compares to know its rule set is another one (a pointer may be reused).
 */
unsigned long
reload_generation(const struct reload *r)
{
	return r->generation;
}

/*
 * Between requests: take a finished load into use, and start one when the
 * file has changed (checked at most once a second, or now when `force`,
 * after SIGHUP; SIGHUP also loads a file held back unchanged).  Never
 * blocks on a load.  Returns 1 when a new rule set has just been taken
 * into use, else 0.
 */
int
reload_poll(struct reload *r, int force)
{
	struct file_id	 id, image;
	time_t		 now = time(NULL);
	int		 done, swapped = 0, forced, image_changed;

	r->force |= force;	/* kept until a check is made */
	if (r->running) {
		pthread_mutex_lock(&r->lock);
		done = r->done;
		pthread_mutex_unlock(&r->lock);
		if (!done)
			return 0;
		pthread_join(r->thread, NULL);
		r->running = 0;
		if (r->result != NULL) {
			retire(r->current);
			r->current = r->result;
			r->generation++;
			swapped = 1;
		}
		r->result = NULL;
		r->image_seen = r->result_image;
		r->held = r->result_held;
		/* Changed while read: let the next check see it as new. */
		if (r->changed)
			memset(&r->seen, 0, sizeof(r->seen));
	}
	if (!r->force && now - r->last_check < 1)
		return swapped;
	forced = r->force;
	r->force = 0;
	r->last_check = now;
	file_id_of(r->path, &id);
	file_id_of(r->image, &image);
	/*
	 * The image changed under the rule file (another process compiled
	 * it, or it was damaged in place): load at once; cache_load() maps
	 * it if it is fresh, else rebuilds it.
	 */
	image_changed = r->image != NULL && !file_id_equal(&image,
	    &r->image_seen);
	if (file_id_equal(&id, &r->seen) && !(forced && r->held) &&
	    !image_changed)
		return swapped;
	/* A writer may be between two writes: wait until it has paused. */
	if (!forced && !image_changed && id.exists &&
	    !file_settled(&id, r->settle_ms))
		return swapped;
	r->seen = id;
	r->held = 0;
	r->loading = id;
	r->loading_forced = forced;
	r->loading_current = r->current != NULL ? r->current->nrules : 0;
	r->done = 0;
	r->changed = 0;
	if (!id.exists) {
		fprintf(stderr, "fcgi-redirect: %s: %s; the rules loaded "
		    "before, if any, stay in use\n", r->path, strerror(ENOENT));
		return swapped;
	}
	if (pthread_create(&r->thread, NULL, reload_thread, r) != 0) {
		fprintf(stderr, "fcgi-redirect: cannot start a loader thread; "
		    "trying again in a second\n");
		memset(&r->seen, 0, sizeof(r->seen));
		return swapped;
	}
	r->running = 1;
	return swapped;
}

/*
 * Whether a load is in progress: its result is taken by the next
 * reload_poll() once it is done, so a caller with nothing else to do
 * (the --listen parent) polls again soon.
 */
int
reload_loading(const struct reload *r)
{
	return r->running;
}

/* Wait for a load in progress, then free everything. */
void
reload_free(struct reload *r)
{
	if (r == NULL)
		return;
	if (r->running) {
		pthread_join(r->thread, NULL);
		ruleset_free(r->result);
	}
	ruleset_free(r->current);
	pthread_mutex_destroy(&r->lock);
	free(r);
}
