/*
 * apache.c: --import apache (not written yet).
 */
#include "fcgi-redirect.h"

void
apache_import(struct import_src *src)
{
	char	*line;
	size_t	 len;

	while (import_getline(src, &line, &len) > 0)
		import_skip(src, src->line, "the apache importer is not written yet");
}
