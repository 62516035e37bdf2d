/*
 * csvread.c: CSV records (RFC 4180) for the importers that read CSV
 * (csv.c: Cloudflare lists and spreadsheets; redirection.c: the WordPress
 * Redirection plugin's export).
 *
 * A record is a source line, plus the lines after it while a quoted field
 * is open (RFC 4180, 2.6: a quoted field may hold line breaks), read
 * through import_getline() (which drops a byte order mark and CR LF, and
 * reports NUL bytes and overlong lines).  Its bytes are bounded by the
 * caller's `max`: a record still open past it, or at the end of the file,
 * is reported on every source line it spans, and reading goes on after it.
 *
 * It is split into fields, unquoted, into one buffer reused from record to
 * record: every field is counted, the first `keep` are handed back.  Two
 * dialects: strict RFC 4180, which refuses what it does not define, and
 * PHP's fgetcsv(), which keeps it (enum csvread_dialect).  The separator is
 * the caller's (each format has its own rule to find it).
 *
 * Every byte is the source's, and hostile: no field is longer than its
 * record, and the record is bounded before it is stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi-redirect.h"

/* The separator of the record being read: ',' until one is chosen. */
static char
csvread_sep(const struct csvread *r)
{
	return r->sep != 0 ? r->sep : ',';
}

/*
 * Is c a blank that the strict dialect trims around an unquoted field and
 * a quoted one: a space, or a tab unless the tab is the separator?  The
 * lenient dialect trims nothing.
 */
static int
csvread_blank(const struct csvread *r, char c)
{
	if (r->dialect != CSVREAD_STRICT)
		return 0;
	return c == ' ' || (c == '\t' && csvread_sep(r) != '\t');
}

/*
 * Report every source line of the record as not imported, for why (the
 * report's text; "%s" is not a format here).
 */
void
csvread_skip(const struct csvread *r, const char *why)
{
	unsigned	 k;

	for (k = r->first; ; k++) {
		import_skip(r->src, k, "%s", why);
		if (k >= r->last)
			break;		/* and k++ cannot wrap */
	}
}

/*
 * Append s[0..n) to the record, keeping room for the fields: they take at
 * most the record's bytes, a NUL each (one more field than separators,
 * which they replace) and one NUL for the fields that are not there.
 * Returns 0, or -1 when out of memory.
 */
static int
csvread_append(struct csvread *r, const char *s, size_t n)
{
	char	*p;
	size_t	 need = r->len + n + 2, cap;

	if (need > r->cap) {
		cap = r->cap * 2 > need ? r->cap * 2 : need;
		if ((p = realloc(r->rec, cap)) == NULL)
			return -1;
		r->rec = p;
		if ((p = realloc(r->out, cap)) == NULL)
			return -1;
		r->out = p;
		r->cap = cap;
	}
	memcpy(r->rec + r->len, s, n);
	r->len += n;
	r->rec[r->len] = '\0';
	return 0;
}

/*
 * Is a quoted field still open at the end of the record?  The scan goes on
 * from where the last call stopped, as lines are appended: a '"' that ends
 * the text read so far closes the quote whatever follows, since the next
 * byte appended is a '\n'.  A '"' opens a quote only at a field's start,
 * after blanks in the strict dialect, and in the strict dialect again after
 * a closing quote and blanks (text there is csvread_split()'s error, which
 * it reports for the record whole); stray quotes elsewhere are left to
 * csvread_split().
 */
static int
csvread_open(struct csvread *r)
{
	const char	*s = r->rec;
	size_t		 i, n = r->len;
	char		 sep = csvread_sep(r);

	for (i = r->scanned; i < n; i++) {
		if (r->inquote) {
			if (s[i] == '"') {
				if (i + 1 < n && s[i + 1] == '"')
					i++;
				else {
					r->inquote = 0;
					if (r->dialect != CSVREAD_STRICT)
						r->fieldstart = 0;
				}
			}
		} else if (s[i] == sep)
			r->fieldstart = 1;
		else if (r->fieldstart && s[i] == '"')
			r->inquote = 1;
		else if (!csvread_blank(r, s[i]))
			r->fieldstart = 0;
	}
	r->scanned = n;
	return r->inquote;
}

/*
 * Split the record into fields at the separator, unquoted, into r->out:
 * r->field[] the first r->keep of them (the missing ones ""), r->nfields
 * all of them, r->nused those up to the last non-empty one.  Returns 0, or
 * -1 with *why a phrase: the strict dialect's errors, or a quote open at
 * the end (which csvread_open() has ruled out).
 */
static int
csvread_split(struct csvread *r, const char **why)
{
	const char	*s = r->rec, *end = r->rec + r->len;
	char		*o = r->out, *f;
	char		 sep = csvread_sep(r);
	int		 strict = r->dialect == CSVREAD_STRICT, quoted;
	size_t		 k;

	r->nfields = r->nused = 0;
	for (;;) {
		f = o;
		while (s < end && csvread_blank(r, *s))
			s++;
		if ((quoted = s < end && *s == '"')) {
			for (s++; ; s++) {
				if (s == end) {
					*why = "a quoted field without its "
					    "closing quote";
					return -1;
				}
				if (*s == '"' && s + 1 < end && s[1] == '"')
					s++;
				else if (*s == '"')
					break;
				*o++ = *s;
			}
			for (s++; s < end && csvread_blank(r, *s); s++)
				;
			if (strict && s < end && *s != sep) {
				*why = "text after a quoted field's closing "
				    "quote";
				return -1;
			}
		}
		/* An unquoted field; in fgetcsv(), what follows a quote. */
		for (; s < end && *s != sep; s++) {
			if (strict && *s == '"') {
				*why = "a quote in a field that is not quoted "
				    "whole (RFC 4180)";
				return -1;
			}
			*o++ = *s;
		}
		if (!quoted)
			while (o > f && csvread_blank(r, o[-1]))
				o--;
		*o++ = '\0';
		if (r->nfields < r->keep)
			r->field[r->nfields] = f;
		r->nfields++;
		if (*f != '\0')
			r->nused = r->nfields;
		if (s == end)
			break;
		s++;			/* the separator */
	}
	*o = '\0';
	for (k = r->nfields; k < r->keep; k++)
		r->field[k] = o;
	return 0;
}

/*
 * Read the next record and split it.  While r->sep is 0, r->detect (if
 * any) chooses it from the record's first line.  Returns 1 with the record
 * in r->rec and its fields; 2 after reporting a record that cannot be
 * split (the strict dialect's errors: every line of it, as csvread_skip()
 * does); 0 at the end of the file; -1 after a read error, or out of memory
 * (said on standard error; the run fails).  A record open at the end of
 * the file, or past r->max bytes, is reported on every line and skipped:
 * the end of the file is then 0, a record past the bound is followed by
 * the next one.
 */
int
csvread_record(struct csvread *r)
{
	char		 why[128];
	const char	*err;
	char		*line;
	size_t		 n;
	int		 rc, whole;

	for (;;) {
		if ((rc = import_getline(r->src, &line, &n)) <= 0)
			return rc;
		if (r->sep == 0 && r->detect != NULL)
			r->sep = r->detect(line, n);
		r->len = r->scanned = 0;
		r->inquote = 0;
		r->fieldstart = 1;
		r->first = r->last = r->src->line;
		if (csvread_append(r, line, n) != 0)
			goto nomem;
		whole = 1;
		while (csvread_open(r)) {
			if ((rc = import_getline(r->src, &line, &n)) < 0)
				return rc;
			if (rc == 0) {
				csvread_skip(r, "a quoted field without its "
				    "closing quote");
				return 0;
			}
			r->last = r->src->line;
			if (n >= r->max || r->len + 1 > r->max - n) {
				rc = snprintf(why, sizeof(why), "a quoted "
				    "field without its closing quote in %zu "
				    "bytes", r->max);
				csvread_skip(r, rc > 0 && (size_t)rc <
				    sizeof(why) ? why : "a quoted field "
				    "without its closing quote");
				whole = 0;
				break;
			}
			if (csvread_append(r, "\n", 1) != 0 ||
			    csvread_append(r, line, n) != 0)
				goto nomem;
		}
		if (!whole)
			continue;
		if (csvread_split(r, &err) == 0)
			return 1;
		csvread_skip(r, err);
		return 2;
	}
nomem:
	fprintf(stderr, "fcgi-redirect: --import: out of memory\n");
	r->src->imp->failed = 1;
	return -1;
}

/* Free what the reader holds; it may read again after csvread_free(). */
void
csvread_free(struct csvread *r)
{
	free(r->rec);
	free(r->out);
	r->rec = r->out = NULL;
	r->len = r->cap = 0;
}
