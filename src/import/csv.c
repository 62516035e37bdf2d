/*
 * csv.c: --import csv (not written yet).
 */
#include "fcgi-redirect.h"

void
csv_import(struct import_src *src)
{
	char	*line;
	size_t	 len;

	while (import_getline(src, &line, &len) > 0)
		import_skip(src, src->line, "the csv importer is not written yet");
}
