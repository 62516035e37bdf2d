/*
 * import.c: --import FORMAT [FILE...], the driver of the importers.
 *
 * Each importer (import/FORMAT.c) reads one source file a line at a time
 * through import_getline(), writes the rules it can express through emit.c,
 * and reports every line it cannot with import_skip(), as
 * "FILE:LINE: warning: not imported: why".  The rule file goes to standard
 * output as it is made.  An importer holds, in its own memory, only the
 * rules it must reorder before it writes them (nginx's locations, Apache's
 * mod_rewrite before mod_alias, Cloudflare's specificity); bulk entries
 * wait in a temporary file per map (emit.c), so a million-line map imports
 * in bounded memory.
 *
 * Exit status: 0 when every line was imported, 1 when some were reported,
 * 2 on a usage error or a source or output that could not be read or
 * written.  The report is not capped, unlike a rule file's diagnostics: it
 * is the list of what the user still has to do by hand.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi-redirect.h"

static const struct import_format {
	const char	*name;
	void		(*run)(struct import_src *);
	const char	*what;
} import_formats[] = {
	{ "apache", apache_import,
	    "Apache Redirect, RedirectMatch and RewriteRule (.htaccess or a "
	    "server configuration)" },
	{ "nginx", nginx_import,
	    "nginx server blocks: location, return, rewrite and map" },
	{ "netlify", netlify_import, "a Netlify _redirects file" },
	{ "csv", csv_import,
	    "Cloudflare Bulk Redirects lists and from,to[,status] spreadsheets" },
	{ "redirection", redirection_import,
	    "the WordPress Redirection plugin's CSV or JSON export" },
};
#define IMPORT_NFORMATS	(sizeof(import_formats) / sizeof(import_formats[0]))

static void import_vreport(struct import_src *, unsigned, const char *,
    const char *, va_list) __attribute__((format(printf, 4, 0)));

static void
import_vreport(struct import_src *src, unsigned line, const char *what,
    const char *fmt, va_list ap)
{
	fprintf(src->imp->report, "%s:%u: warning: %s", src->name, line,
	    what);
	vfprintf(src->imp->report, fmt, ap);
	fputc('\n', src->imp->report);
}

/*
 * Report that the source's line `line` (or the lines it stands for) was not
 * imported, and why; the run then exits 1.
 */
void
import_skip(struct import_src *src, unsigned line, const char *fmt, ...)
{
	va_list	 ap;

	src->imp->skipped++;
	va_start(ap, fmt);
	import_vreport(src, line, "not imported: ", fmt, ap);
	va_end(ap);
}

/*
 * Report something the user should know about a line that was imported:
 * where fcgi-redirect's answer will differ from the original tool's.
 */
void
import_note(struct import_src *src, unsigned line, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	import_vreport(src, line, "", fmt, ap);
	va_end(ap);
}

/*
 * Read the source's next line into *line (NUL-terminated, without its LF or
 * CR LF, in a buffer that the next call reuses) and its length into *len;
 * src->line is its number.  A UTF-8 byte order mark at the start of the
 * file is dropped.  A line with a NUL byte or longer than IMPORT_LINE_MAX
 * bytes is reported and skipped.  Returns 1, 0 at the end of the file, or
 * -1 after reporting a read error (the run then exits 2).
 */
int
import_getline(struct import_src *src, char **line, size_t *len)
{
	ssize_t	 n;
	char	*p;

	for (;;) {
		errno = 0;
		if ((n = getline(&src->buf, &src->cap, src->f)) < 0) {
			if (ferror(src->f)) {
				fprintf(stderr, "fcgi-redirect: %s: %s\n",
				    src->name, strerror(errno ? errno : EIO));
				src->imp->failed = 1;
				return -1;
			}
			return 0;
		}
		src->line++;
		p = src->buf;
		if (src->line == 1 && n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
			p += 3;
			n -= 3;
		}
		if (n > 0 && p[n - 1] == '\n')
			n--;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		p[n] = '\0';
		if (memchr(p, '\0', (size_t)n) != NULL) {
			import_skip(src, src->line, "a NUL byte in the line");
			continue;
		}
		if ((size_t)n > IMPORT_LINE_MAX) {
			import_skip(src, src->line, "a line of %zd bytes "
			    "(at most %d)", n, IMPORT_LINE_MAX);
			continue;
		}
		*line = p;
		*len = (size_t)n;
		return 1;
	}
}

/*
 * Append literal target text s[0..n) to b as a target of fcgi-redirect.ini(5)
 * says it: '$' doubled, so that nothing in it is a placeholder.
 */
void
import_literal(struct buf *b, const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (s[i] == '$')
			buf_addc(b, '$');
		buf_addc(b, s[i]);
	}
}

/*
 * Does a literal byte c of a pattern that the original tool matched against
 * the decoded path stand percent-encoded in fcgi-redirect's normalized path
 * (fcgi-redirect.ini(5), Request paths)?  '/' and the bytes a path segment
 * may hold literally do not; '%' itself (which came decoded from %25),
 * '?', '#', the bytes outside the URI set and non-ASCII bytes do.
 */
static int
encoded_in_path(unsigned char c)
{
	return c != '/' && !url_is_pchar(c);
}

/*
 * Append s[0..n), a path as the original tool compares it (decoded: Apache's
 * Redirect and RewriteRule, nginx's location and map keys), to b in URL form
 * as the rule file takes it: every byte that the normalized path carries
 * percent-encoded ('%', '?', '#', blanks, non-ASCII...) written "%XX".
 */
void
import_path_encode(struct buf *b, const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (encoded_in_path((unsigned char)s[i]))
			buf_printf(b, "%%%02X", (unsigned char)s[i]);
		else
			buf_addc(b, s[i]);
	}
}

/*
 * Translate a regex written against the decoded request path (Apache's
 * RewriteRule and RedirectMatch, nginx's location ~ and rewrite) into one
 * against fcgi-redirect's normalized path, where those bytes are
 * percent-encoded: a literal ' ' becomes "%20", 'é' "%C3%A9", '%' "%25".
 * Escapes of letters and digits (\d, \x20, \1) are kept as they are.  A
 * character class that holds such a byte cannot be translated.  Writes
 * out (cap bytes, NUL-terminated).  Returns 0, or -1 with *why a phrase.
 */
int
import_regex_path(const char *re, size_t n, char *out, size_t cap,
    const char **why)
{
	struct buf	 b;
	size_t		 i;
	int		 in_class = 0;
	unsigned char	 c, e;

	buf_init(&b, out, cap);
	for (i = 0; i < n; i++) {
		c = (unsigned char)re[i];
		if (in_class) {
			if (c == '\\' && i + 1 < n) {
				e = (unsigned char)re[++i];
				if (!isalnum(e) && encoded_in_path(e) &&
				    strchr("^[]\\-", e) == NULL)
					goto class_byte;
				buf_addc(&b, (char)c);
				buf_addc(&b, (char)e);
				continue;
			}
			if (c == ']') {
				in_class = 0;
			} else if (encoded_in_path(c) && c != '^' && c != '[' &&
			    c != '-') {
class_byte:
				*why = "a character class holding a byte that "
				    "the path carries percent-encoded";
				return -1;
			}
			buf_addc(&b, (char)c);
			continue;
		}
		if (c == '\\' && i + 1 < n) {
			e = (unsigned char)re[++i];
			if (!isalnum(e) && encoded_in_path(e))
				buf_printf(&b, "%%%02X", e);
			else {
				buf_addc(&b, (char)c);
				buf_addc(&b, (char)e);
			}
			continue;
		}
		if (c == '[') {
			/* "[]...]" and "[^]...]" hold a literal ']'. */
			buf_addc(&b, '[');
			in_class = 1;
			if (i + 1 < n && re[i + 1] == '^')
				buf_addc(&b, re[++i]);
			if (i + 1 < n && re[i + 1] == ']')
				buf_addc(&b, re[++i]);
			continue;
		}
		if (c >= 0x80 || c <= 0x20 || c == 0x7f || c == '"' ||
		    c == '<' || c == '>' || c == '`' || c == '%' || c == '#')
			buf_printf(&b, "%%%02X", c);
		else
			buf_addc(&b, (char)c);
	}
	if (in_class) {
		*why = "a character class without its ']'";
		return -1;
	}
	if (b.overflow) {
		*why = "the pattern is too long";
		return -1;
	}
	return 0;
}

/* The format named s, or NULL. */
static const struct import_format *
import_format(const char *s)
{
	size_t	 i;

	for (i = 0; i < IMPORT_NFORMATS; i++)
		if (strcmp(import_formats[i].name, s) == 0)
			return &import_formats[i];
	return NULL;
}

/*
 * Start an import run in `format`, writing the rule file to out and the
 * report to report.  NULL (after saying why on report) for an unknown
 * format or when out of memory.
 */
struct import *
import_new(const char *format, FILE *out, FILE *report)
{
	const struct import_format	*fmt;
	struct import			*imp;
	size_t				 i;

	if ((fmt = import_format(format)) == NULL) {
		fprintf(report, "fcgi-redirect: --import: unknown format '%s'; "
		    "the formats are:\n", format);
		for (i = 0; i < IMPORT_NFORMATS; i++)
			fprintf(report, "  %-12s %s\n", import_formats[i].name,
			    import_formats[i].what);
		return NULL;
	}
	if ((imp = calloc(1, sizeof(*imp))) == NULL) {
		fprintf(report, "fcgi-redirect: --import: out of memory\n");
		return NULL;
	}
	imp->out = out;
	imp->report = report;
	imp->format = fmt->name;
	arena_init(&imp->arena);
	fprintf(imp->out, "; Imported by fcgi-redirect --import %s: check it "
	    "with\n; fcgi-redirect --check -c FILE before a server reads it.  "
	    "Each rule\n; names the source line it comes from.\n\n", fmt->name);
	return imp;
}

/*
 * Import one source, f, named `name` in comments and reports, and write
 * its maps; the caller opens and closes f.
 */
void
import_read(struct import *imp, const char *name, FILE *f)
{
	struct import_src	 src;
	const char		*base;

	memset(&src, 0, sizeof(src));
	src.imp = imp;
	src.name = name;
	src.f = f;
	base = f == stdin ? "stdin" : strrchr(name, '/') != NULL &&
	    strrchr(name, '/')[1] != '\0' ? strrchr(name, '/') + 1 : name;
	(void)snprintf(src.base, sizeof(src.base), "%s", base);
	fprintf(imp->out, "; From %s, by fcgi-redirect --import %s.\n\n",
	    name, imp->format);
	import_format(imp->format)->run(&src);
	emit_flush_all(imp);
	free(src.buf);
}

/*
 * End the run: flush the output, free everything.  Returns the exit
 * status: 0 all imported, 1 some lines reported, 2 a source or the output
 * failed.
 */
int
import_end(struct import *imp)
{
	int	 rc;

	emit_free(imp);
	if (fflush(imp->out) != 0 || ferror(imp->out)) {
		fprintf(imp->report, "fcgi-redirect: --import: writing the "
		    "rule file: %s\n", strerror(errno));
		imp->failed = 1;
	}
	names_free(&imp->names);
	arena_free(&imp->arena);
	rc = imp->failed ? 2 : imp->skipped > 0 ? 1 : 0;
	free(imp);
	return rc;
}

/*
 * --import FORMAT FILE...: write the rule file made of the files (standard
 * input when there are none, or for "-") to standard output.  Returns the
 * exit status.
 */
int
import_main(const char *format, char **files, int nfiles)
{
	struct import	*imp;
	FILE		*f;
	int		 k;

	if ((imp = import_new(format, stdout, stderr)) == NULL)
		return 2;
	if (nfiles == 0)
		import_read(imp, "(stdin)", stdin);
	for (k = 0; k < nfiles; k++) {
		if (strcmp(files[k], "-") == 0) {
			import_read(imp, "(stdin)", stdin);
			continue;
		}
		if ((f = fopen(files[k], "r")) == NULL) {
			fprintf(stderr, "fcgi-redirect: --import: %s: %s\n",
			    files[k], strerror(errno));
			imp->failed = 1;
			continue;
		}
		import_read(imp, files[k], f);
		fclose(f);
	}
	return import_end(imp);
}
