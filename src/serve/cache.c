/*
 * cache.c: the rule set of a rule file, from its image when one is up to
 * date, else from the file itself, leaving the image for the next process.
 *
 * A CGI process serves one request, and a FastCGI process started by
 * mod_fcgid or lighttpd lives until the server stops it: neither should
 * parse a million-line rule file, and eight of them should not each keep
 * a copy.  So the first process that loads a rule file writes its image
 * (load/compile.c) beside it, by default FILE.img (--image, and
 * FCGI_REDIRECT_IMAGE, choose another path or `off`), and every process
 * after it maps that image read-only: one copy in the page cache, shared.
 *
 * An image is used only when it was compiled by this very build from the
 * rule file as it is now: same device, inode, size, and modification and
 * change times to the nanosecond (an editor that restores the mtime still
 * changes the ctime).  Anything else (no image, a stale one, a damaged
 * one, another build's) and the rule file is loaded, and its image
 * rewritten when the directory can be written.  A directory that cannot
 * be written (shared hosts that run CGI as another user) costs one line on
 * stderr and nothing else: the answer comes from the rule file.
 *
 * One process compiles at a time: the writer holds flock(2) on the rule
 * file (opened read-only, so no write permission is needed for the lock),
 * and a process that finds it held waits, for at most about as long as
 * its own load would take, then maps the fresh image, or loads the file
 * itself if there is none yet.  Twenty CGI requests arriving together
 * against a fresh million-line file make one image, not twenty.
 *
 * A rule file that is itself an image (its first bytes are the magic) is
 * mapped as it is: a fleet compiles once with --compile and ships the
 * image; a damaged or foreign image named so is an error (503), since
 * there is no rule file to fall back to.
 */
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fcgi-redirect.h"

/*
 * How long a process waits for another one's compile: a fixed part, and
 * as long per byte of rule file as a load takes (about 30 ns a byte on
 * the 2-core machine of the README's figures, so twice that).
 */
#define LOCK_WAIT_BASE_MS	500
#define LOCK_WAIT_NS_PER_BYTE	60
#define LOCK_POLL_MS		10

/*
 * The image path for the rule file `rules` into out: `opt` (--image or
 * FCGI_REDIRECT_IMAGE) when given, else rules + ".img".  Returns out, or
 * NULL when images are off (opt "off") or the path does not fit.
 */
const char *
cache_path(const char *rules, const char *opt, char *out, size_t n)
{
	int	 rc;

	if (opt != NULL && strcmp(opt, "off") == 0)
		return NULL;
	if (opt != NULL && *opt != '\0')
		rc = snprintf(out, n, "%s", opt);
	else
		rc = snprintf(out, n, "%s.img", rules);
	return rc < 0 || (size_t)rc >= n ? NULL : out;
}

/* Does the file at path start with an image's magic bytes? */
int
cache_is_image(const char *path)
{
	unsigned char	 magic[IMAGE_MAGIC_LEN];
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return 0;
	n = read(fd, magic, sizeof(magic));
	close(fd);
	return n == (ssize_t)sizeof(magic) && image_is(magic, sizeof(magic));
}

/*
 * Map the regular file at path whole and shared, read-only or (writable)
 * read-write, into *size bytes; NULL with *why (strerror's, "not a
 * regular file", or `short` for a file under min bytes).  The image and
 * the counters file (stats.c) are mapped this way.
 */
void *
cache_map_file(const char *path, int writable, size_t min, const char *short_,
    size_t *size, const char **why)
{
	struct stat	 st;
	void		*p;
	int		 fd;

	if ((fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC |
	    O_NONBLOCK)) == -1) {
		*why = strerror(errno);
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		*why = strerror(errno);
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size < min) {
		*why = !S_ISREG(st.st_mode) ? "not a regular file" : short_;
		close(fd);
		return NULL;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ | (writable ?
	    PROT_WRITE : 0), MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		*why = strerror(errno);
		return NULL;
	}
	*size = (size_t)st.st_size;
	return p;
}

/*
 * Map the image file at path read-only and shared, and read it (image.c
 * checks it).  `file` names the rule file in messages (NULL: the name the
 * image records).  A rule set, or NULL with *why: a static phrase, or
 * strerror's.
 */
struct ruleset *
cache_map(const char *path, const char *file, const char **why)
{
	struct ruleset	*rs;
	void		*p;
	size_t		 size;

	if ((p = cache_map_file(path, 0, sizeof(struct image_header),
	    "too short for an image", &size, why)) == NULL)
		return NULL;
	if ((rs = image_open(p, size, 1, file, why)) == NULL)
		(void)munmap(p, size);
	return rs;
}

/*
 * The image at img when it was compiled by this build from the rule file
 * `rules` as `st` says it is now; else NULL, and a damaged one (not a
 * missing or stale one: those are routine) is reported on stderr unless
 * `quiet` (a second look, after it was reported).
 */
static struct ruleset *
cache_fresh(const char *img, const char *rules, const struct stat *st,
    int quiet)
{
	struct image_source	 now;
	struct ruleset		*rs;
	const char		*why;

	if (access(img, F_OK) == -1)
		return NULL;
	if ((rs = cache_map(img, rules, &why)) == NULL) {
		if (!quiet)
			fprintf(stderr, "fcgi-redirect: %s: %s; loading %s "
			    "instead\n", img, why, rules);
		return NULL;
	}
	image_source_stat(&now, st);
	if (strcmp(rs->build, image_build_id) != 0 ||
	    !image_source_equal(&rs->source, &now)) {
		ruleset_free(rs);
		return NULL;
	}
	return rs;
}

/* Wait for flock(fd), up to ms milliseconds; 0 locked, -1 not. */
int
cache_lock_wait(int fd, long ms)
{
	struct timespec	 tick = { 0, LOCK_POLL_MS * 1000000L };
	long		 waited;

	for (waited = 0;; waited += LOCK_POLL_MS) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		if (waited >= ms)
			return -1;
		(void)nanosleep(&tick, NULL);
	}
}

/* Is the directory of path writable by us? */
int
cache_dir_writable(const char *path)
{
	char		 dir[4096];
	const char	*slash = strrchr(path, '/');
	int		 n;

	if (slash == NULL)
		return access(".", W_OK) == 0;
	n = snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 :
	    (int)(slash - path), path);
	return n > 0 && (size_t)n < sizeof(dir) && access(dir, W_OK) == 0;
}

/*
 * The rule set of the rule file `rules`: the image it names itself, else
 * the up-to-date image at img (NULL: images off), else the file, loaded
 * (its FILE:LINE messages on d) and, when it ends with a newline, did not
 * change while it was read and img's directory can be written, its image
 * written to img for the next process.  When `hold_cut`, a file whose
 * last byte is not a newline is not loaded but held back (reload.c's
 * rule): *held is then CACHE_HELD_CUT, or CACHE_HELD_EMPTY for an empty
 * file, else 0.  Returns the rule set, or NULL.
 */
struct ruleset *
cache_load(const char *rules, const char *img, int hold_cut, struct diag *d,
    int *held)
{
	struct stat		 st, after;
	struct image_source	 src, now;
	struct ruleset		*rs = NULL;
	const char		*why;
	char			*text, err[512];
	size_t			 len;
	int			 lockfd = -1, writable = 0, busy = 0, whole;

	*held = 0;
	if (cache_is_image(rules)) {
		if ((rs = cache_map(rules, NULL, &why)) == NULL)
			diag_error(d, 0, "not a usable image: %s", why);
		return rs;
	}
	if (img != NULL && stat(rules, &st) == 0 && S_ISREG(st.st_mode)) {
		if ((rs = cache_fresh(img, rules, &st, 0)) != NULL)
			return rs;
		writable = cache_dir_writable(img);
		if (writable && (lockfd = open(rules, O_RDONLY | O_CLOEXEC |
		    O_NONBLOCK)) != -1 && cache_lock_wait(lockfd, LOCK_WAIT_BASE_MS +
		    (long)((st.st_size * LOCK_WAIT_NS_PER_BYTE) / 1000000)) ==
		    -1) {
			/* Another process is compiling it still: not us. */
			close(lockfd);
			lockfd = -1;
			busy = 1;
		}
		/* Someone else may have compiled it meanwhile. */
		if ((rs = cache_fresh(img, rules, &st, 1)) != NULL)
			goto done;
	}
	if (ini_read_file(rules, d, &text, &len) != 0)
		goto done;
	whole = len > 0 && text[len - 1] == '\n';
	if (hold_cut && !whole)
		*held = len == 0 ? CACHE_HELD_EMPTY : CACHE_HELD_CUT;
	else
		rs = ini_load_file_text(rules, text, len, d);
	free(text);
	/* A file that may be cut short is not kept as an image. */
	if (rs == NULL || img == NULL || !whole || busy)
		goto done;
	if (!writable) {
		fprintf(stderr, "fcgi-redirect: %s: its image %s cannot be "
		    "written here (the directory is not writable); answering "
		    "from the rule file, which costs every process a full "
		    "load: write it with fcgi-redirect --compile where you "
		    "can, and put it there\n", rules, img);
		goto done;
	}
	/* Only when the file that was read is the file that is there. */
	image_source_stat(&src, &st);
	if (stat(rules, &after) == -1 || (size_t)st.st_size != len)
		goto done;
	image_source_stat(&now, &after);
	if (image_source_equal(&src, &now) &&
	    compile_write(rs, &src, img, err, sizeof(err)) != 0)
		fprintf(stderr, "fcgi-redirect: cannot write the image: %s; "
		    "answering from the rule file\n", err);
done:
	if (lockfd != -1)
		close(lockfd);	/* and the lock with it */
	return rs;
}
