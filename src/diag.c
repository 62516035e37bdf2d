/*
 * diag.c: FILE:LINE diagnostics for rule files.
 *
 * Loading reports every problem it finds, not just the first (as nginx's
 * ngx_conf_log_error does), as "FILE:LINE: error: message" or
 * "FILE:LINE: warning: message".  Line 0 means the file as a whole and is
 * printed as "FILE: error: message".  A file with a million bad lines must
 * not flood the log, so at most DIAG_PRINT_MAX messages are printed; all are
 * counted, and diag_finish() says how many were not shown.
 */
#include <stdarg.h>

#include "fcgi-redirect.h"

/* Report to out (NULL: count only) about file. */
void
diag_init(struct diag *d, FILE *out, const char *file)
{
	d->out = out;
	d->file = file;
	d->errors = 0;
	d->warnings = 0;
	d->printed = 0;
}

static void diag_vprint(struct diag *, unsigned, const char *, const char *,
    va_list) __attribute__((format(printf, 4, 0)));

static void
diag_vprint(struct diag *d, unsigned line, const char *level,
    const char *fmt, va_list ap)
{
	if (d->out == NULL || d->printed++ >= DIAG_PRINT_MAX)
		return;
	if (line > 0)
		fprintf(d->out, "%s:%u: %s: ", d->file, line, level);
	else
		fprintf(d->out, "%s: %s: ", d->file, level);
	vfprintf(d->out, fmt, ap);
	fputc('\n', d->out);
}

void
diag_error(struct diag *d, unsigned line, const char *fmt, ...)
{
	va_list	ap;

	d->errors++;
	va_start(ap, fmt);
	diag_vprint(d, line, "error", fmt, ap);
	va_end(ap);
}

void
diag_warning(struct diag *d, unsigned line, const char *fmt, ...)
{
	va_list	ap;

	d->warnings++;
	va_start(ap, fmt);
	diag_vprint(d, line, "warning", fmt, ap);
	va_end(ap);
}

/* Say how many messages were counted but not printed, if any. */
void
diag_finish(struct diag *d)
{
	if (d->out != NULL && d->printed > DIAG_PRINT_MAX)
		fprintf(d->out, "%s: %u more messages not shown\n", d->file,
		    d->printed - DIAG_PRINT_MAX);
	if (d->out != NULL)
		fflush(d->out);
}
