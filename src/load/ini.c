/*
 * ini.c: reading a rule file through inih.
 *
 * The file is read whole into memory and handed to inih's
 * ini_parse_stream() by a line reader of our own, which sees every physical
 * line before inih does.  That reader exists because of three traps in the
 * inih library as Debian ships it (libinih 55):
 *
 *  - a line longer than the line buffer (199 bytes by default) is cut, and
 *    the rest is parsed as if it were a new line: a long target silently
 *    becomes a wrong target plus a bogus key.  We ask Debian's build, which
 *    exports runtime settings, for a heap buffer of LINE_MAX_LEN bytes; and
 *    whatever buffer inih gives us, a line that does not fit whole is
 *    refused with a FILE:LINE error, never split (this is the fallback for
 *    builds of inih without those settings);
 *  - section names are cut at 49 bytes: the reader keeps the whole name
 *    itself and hands the section to rules.c directly;
 *  - an indented line continues the previous value (multi-line values):
 *    the reader strips leading white space, so every line stands alone.
 *
 * So a 300-byte marketing URL stays one target, and nothing is ever
 * silently truncated.  The fixtures are tests/rules/good/long-values.ini
 * (300-byte and 8 KiB targets, a 500-byte map key, checked byte for byte
 * by tests/unit/test_load.c) and tests/rules/good/long-name.ini (80-byte
 * section names).
 *
 * The reader also reports what inih would only count: lines that are
 * neither a section, a comment nor key = value, NUL bytes and invalid
 * UTF-8.  inih processes one line at a time (reader, then handler), so
 * sections (from the reader) and keys (from the handler) reach the builder
 * in file order and the reader's line number is the handler's line number.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fcgi-redirect.h"

/* Debian's libinih exports these; upstream's does not (weak: NULL then). */
#pragma weak ini_use_stack
#pragma weak ini_max_line
#pragma weak ini_initial_alloc
#pragma weak ini_allow_realloc
#pragma weak ini_allow_multiline

/* The largest rule file we read (a million entries is about 60 MiB). */
#define FILE_MAX	((size_t)1 << 30)

struct loader {
	const char	*text;
	size_t		 len;
	size_t		 pos;
	unsigned	 lineno;
	struct builder	*builder;
	struct diag	*diag;
};

/* Ask inih for a line buffer that holds our longest line (Debian only). */
static void
loader_configure_inih(void)
{
	if (&ini_use_stack != NULL && &ini_max_line != NULL &&
	    &ini_initial_alloc != NULL && &ini_allow_realloc != NULL) {
		ini_use_stack = false;
		ini_allow_realloc = false;
		ini_max_line = LINE_MAX_LEN + 3;	/* CR, LF, NUL */
		ini_initial_alloc = LINE_MAX_LEN + 3;
	}
	if (&ini_allow_multiline != NULL)
		ini_allow_multiline = false;
}

/* Length of the valid UTF-8 prefix of s[0..n); n when all of it is. */
static size_t
utf8_valid_prefix(const unsigned char *s, size_t n)
{
	size_t	 i = 0, k, need;
	uint32_t cp, min;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			need = 1; cp = s[i] & 0x1f; min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			need = 2; cp = s[i] & 0x0f; min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			need = 3; cp = s[i] & 0x07; min = 0x10000;
		} else
			return i;
		if (n - i <= need)
			return i;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += need + 1;
	}
	return n;
}

/*
 * Check a section line "[name]" (leading white space already gone) and
 * hand the name to the builder.  Returns 0, or -1 after reporting it.
 */
static int
loader_section(struct loader *l, const char *line, size_t n)
{
	const char	*close = memchr(line, ']', n), *p, *name, *end;
	char		 buf[LINE_MAX_LEN];

	if (close == NULL) {
		diag_error(l->diag, l->lineno, "section line without ']'");
		rules_section(l->builder, NULL, l->lineno);
		return -1;
	}
	for (p = close + 1; p < line + n && (*p == ' ' || *p == '\t'); p++)
		continue;
	if (p < line + n && *p != ';' && *p != '#') {
		diag_error(l->diag, l->lineno, "unexpected text after ']'");
		rules_section(l->builder, NULL, l->lineno);
		return -1;
	}
	for (name = line + 1; name < close && (*name == ' ' || *name == '\t');
	    name++)
		continue;
	for (end = close; end > name && (end[-1] == ' ' || end[-1] == '\t');
	    end--)
		continue;
	memcpy(buf, name, (size_t)(end - name));
	buf[end - name] = '\0';
	rules_section(l->builder, buf, l->lineno);
	return 0;
}

/*
 * A key line: it needs '=' or ':' (inih splits at the first of them).  A
 * map key (a path) with ':' before '=' would be split at the ':', so say
 * how to write it.  Returns 0, or -1 after reporting it.
 */
static int
loader_key_line(struct loader *l, char *line, size_t n)
{
	char	*eq = memchr(line, '=', n), *colon = memchr(line, ':', n);
	char	*q = memchr(line, '?', n), *p;

	if (eq == NULL && colon == NULL) {
		diag_error(l->diag, l->lineno, "expected 'key = value', "
		    "'[section]' or a comment");
		return -1;
	}
	/* KEY_EQ stands for a key's own '=' (below): never a byte of it. */
	if (memchr(line, KEY_EQ, n) != NULL) {
		diag_error(l->diag, l->lineno, "line contains a control "
		    "character");
		return -1;
	}
	/*
	 * A map key with a query ("/index.php?id=42 = /about") has '=' in
	 * it: the key ends at the first '=' after a blank.  inih ends a key
	 * at the first '=', so the key's own are handed over as KEY_EQ and
	 * put back by rules.c.
	 */
	if (line[0] == '/' && q != NULL && eq != NULL && q < eq) {
		for (p = q; p < line + n && !(*p == '=' && (p[-1] == ' ' ||
		    p[-1] == '\t')); p++)
			continue;
		if (p == line + n) {
			diag_error(l->diag, l->lineno, "a map key with a query "
			    "needs a blank before the '=' that ends it, as in "
			    "'/index.php?id=42 = /about'");
			return -1;
		}
		for (eq = q; eq < p; eq++)
			if (*eq == '=')
				*eq = KEY_EQ;
		eq = p;
	}
	if (line[0] == '/' && colon != NULL && (eq == NULL || colon < eq)) {
		diag_error(l->diag, l->lineno, "a ':' in a path key must be "
		    "written %%3A (an INI key ends at the first ':' or '=')");
		return -1;
	}
	if (line[0] == '=' || line[0] == ':') {
		diag_error(l->diag, l->lineno, "a key is missing before '%c'",
		    line[0]);
		return -1;
	}
	return 0;
}

/*
 * inih's reader: copy the next physical line, checked, into str (num bytes,
 * as inih's buffer is).  A line that fails a check is reported and handed
 * to inih as an empty line, so that parsing goes on and every error of the
 * file is reported.  Returns str, or NULL at the end of the text.
 */
static char *
loader_read_line(char *str, int num, void *stream)
{
	struct loader	*l = stream;
	const char	*line, *nl;
	size_t		 n, ok;

	if (l->pos >= l->len)
		return NULL;
	line = l->text + l->pos;
	nl = memchr(line, '\n', l->len - l->pos);
	n = nl != NULL ? (size_t)(nl - line) : l->len - l->pos;
	l->pos += n + (nl != NULL);
	l->lineno++;
	str[0] = '\n';
	str[1] = '\0';
	if (n > 0 && line[n - 1] == '\r')
		n--;
	if (memchr(line, '\0', n) != NULL) {
		diag_error(l->diag, l->lineno, "line contains a NUL byte "
		    "(a rule file is UTF-8 text)");
		return str;
	}
	if ((ok = utf8_valid_prefix((const unsigned char *)line, n)) != n) {
		diag_error(l->diag, l->lineno, "line is not valid UTF-8 "
		    "(byte %zu); a rule file is UTF-8 text", ok + 1);
		return str;
	}
	while (n > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	if (n == 0 || *line == ';' || *line == '#')
		return str;
	/* Our line plus LF and NUL must fit inih's buffer and ours. */
	if (num < 3 || n > (size_t)num - 2 || n >= LINE_MAX_LEN) {
		diag_error(l->diag, l->lineno, "line is %zu bytes long; the "
		    "longest line read whole is %d bytes", n,
		    (num - 2 < LINE_MAX_LEN - 1 ? num - 2 : LINE_MAX_LEN - 1));
		return str;
	}
	if (*line == '[') {
		loader_section(l, line, n);
		return str;
	}
	memcpy(str, line, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	if (loader_key_line(l, str, n) != 0) {
		str[0] = '\n';
		str[1] = '\0';
	}
	return str;
}

/* inih's handler: every key = value, in file order. */
static int
loader_handle_key(void *user, const char *section, const char *name,
    const char *value)
{
	struct loader	*l = user;

	(void)section;		/* inih's copy may be cut; ours is whole */
	rules_key(l->builder, name, value != NULL ? value : "", l->lineno);
	return 1;
}

/*
 * Load a rule set from text[0..len), naming it `name` in messages.  Every
 * problem is reported on d.  Returns the compiled rule set, or NULL when the
 * text has any error: a rule set is complete and valid or not used at all.
 */
struct ruleset *
ini_load_buffer(const char *name, const char *text, size_t len,
    struct diag *d)
{
	struct loader	 l;
	int		 rc;

	memset(&l, 0, sizeof(l));
	l.text = text;
	l.len = len;
	l.diag = d;
	/* A UTF-8 byte order mark is allowed at the start. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		l.pos = 3;
	if ((l.builder = rules_new(name, d)) == NULL) {
		diag_error(d, 0, "out of memory");
		return NULL;
	}
	loader_configure_inih();
	rc = ini_parse_stream(loader_read_line, &l, loader_handle_key, &l);
	if (rc == -2)
		diag_error(d, 0, "out of memory while parsing");
	else if (rc > 0 && d->errors == 0)
		diag_error(d, (unsigned)rc, "cannot parse this line");
	return rules_finish(l.builder);
}

/* What a file that is not a regular file is, for the message. */
static const char *
file_kind(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a FIFO (named pipe)";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	return "something else";
}

/*
 * Read the rule file at path whole into a buffer the caller frees, NUL-ended
 * (*text, its length *len).  Anything but a regular file is refused before a
 * byte is read: the file is opened with O_NONBLOCK, so that opening a FIFO
 * does not wait for a writer (which would stop --check for ever, and a
 * server before its first request), and then looked at with fstat.  Returns
 * 0, or -1 after reporting the problem on d.
 */
int
ini_read_file(const char *path, struct diag *d, char **text,
    size_t *len)
{
	struct stat	 st;
	char		*buf;
	size_t		 n = 0;
	ssize_t		 r;
	int		 fd;

	*text = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		diag_error(d, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		diag_error(d, 0, "cannot stat: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		diag_error(d, 0, "is a directory, not a rule file");
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_error(d, 0, "is %s, not a regular file; refused without "
		    "reading it", file_kind(st.st_mode));
		close(fd);
		return -1;
	}
	if ((size_t)st.st_size > FILE_MAX) {
		diag_error(d, 0, "is larger than the largest rule file read "
		    "(%zu bytes)", FILE_MAX);
		close(fd);
		return -1;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		diag_error(d, 0, "out of memory");
		close(fd);
		return -1;
	}
	/* Read what is there; a file that grows meanwhile is read next time. */
	while (n < (size_t)st.st_size &&
	    (r = read(fd, buf + n, (size_t)st.st_size - n)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			diag_error(d, 0, "cannot read: %s", strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

/*
 * Load text[0..len), read from the rule file at path by
 * ini_read_file(): ini_load_buffer(), then what concerns the file
 * as a whole.  A file whose last byte is not a newline is loaded, with a
 * warning at its last line: it may be cut short, which is why reload.c
 * does not reload it before SIGHUP.  Returns the rule set or NULL.
 */
struct ruleset *
ini_load_file_text(const char *path, const char *text, size_t len,
    struct diag *d)
{
	struct ruleset	*rs;
	const char	*p, *end = text + len;
	unsigned	 line = 1;

	rs = ini_load_buffer(path, text, len, d);
	if (len > 0 && text[len - 1] != '\n') {
		for (p = text; (p = memchr(p, '\n', (size_t)(end - p))) != NULL;
		    p++)
			line++;
		diag_warning(d, line, "the file does not end with a newline; "
		    "a running server will not reload it until SIGHUP");
	}
	return rs;
}

/*
 * Load the rule file at path; problems (including a file that cannot be
 * read) are reported on d.  Returns the rule set or NULL.
 */
struct ruleset *
ini_load_file(const char *path, struct diag *d)
{
	struct ruleset	*rs;
	char		*text;
	size_t		 len;

	if (ini_read_file(path, d, &text, &len) != 0)
		return NULL;
	rs = ini_load_file_text(path, text, len, d);
	free(text);
	return rs;
}
