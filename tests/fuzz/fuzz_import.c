/*
 * fuzz_import.c: libFuzzer harness for the importers (--import).
 *
 * The first byte chooses the format (apache, nginx, netlify, csv,
 * redirection); the rest is the source file.  Importing must never crash,
 * leak or run into undefined behaviour, whatever the bytes, and must keep
 * its contract: the rule file it writes loads (ini_load_buffer(), what
 * --check runs), unless the source itself describes a redirect loop, which
 * the analysis rightly refuses ("browsers give up", "self-redirect": the
 * importers report the plain cases, a path sent to itself); and it never
 * exits 2 (a failure) on a readable source.
 *
 * Seeds: tests/fuzz/corpus/import/ (a byte for the format, then a sample of
 * tests/import/FORMAT/).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi-redirect.h"
#include "fuzz.h"

static const char *const formats[] = {
	"apache", "nginx", "netlify", "csv", "redirection"
};

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Does every error line of the loader's report name a redirect loop? */
static int
only_loops(const char *report)
{
	const char	*line, *end;

	for (line = report; *line != '\0'; line = end + (*end != '\0')) {
		end = line + strcspn(line, "\n");
		if (memmem(line, (size_t)(end - line), ": error: ", 9) != NULL &&
		    memmem(line, (size_t)(end - line), "browsers give up",
		    16) == NULL &&
		    memmem(line, (size_t)(end - line), ": error: self-redirect",
		    22) == NULL)
			return 0;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import	*imp;
	struct ruleset	*rs;
	struct diag	 d;
	FILE		*in, *out, *report, *null, *loadrep;
	char		*text = NULL, *rep = NULL;
	size_t		 len = 0, replen = 0;
	int		 rc;

	if (size < 1)
		return 0;
	if ((null = fopen("/dev/null", "w")) == NULL)
		abort();
	/* fmemopen() takes no empty buffer: an empty source is /dev/null. */
	in = size > 1 ? fmemopen((void *)(data + 1), size - 1, "r") :
	    fopen("/dev/null", "r");
	out = open_memstream(&text, &len);
	report = null;
	if (in == NULL || out == NULL)
		abort();
	imp = import_new(formats[data[0] % 5], out, report);
	if (imp == NULL)
		abort();
	import_read(imp, "fuzz", in);
	rc = import_end(imp);
	fclose(in);
	fclose(out);
	if (rc == 2)
		fuzz_fail("--import failed on a readable source", text, len);
	loadrep = open_memstream(&rep, &replen);
	if (loadrep == NULL)
		abort();
	diag_init(&d, loadrep, "imported.ini");
	rs = ini_load_buffer("imported.ini", text, len, &d);
	fclose(loadrep);
	if (rs == NULL && !only_loops(rep)) {
		fprintf(stderr, "%s", rep);
		fuzz_fail("the imported rule file does not load", text, len);
	}
	ruleset_free(rs);
	free(rep);
	free(text);
	fclose(null);
	return 0;
}
