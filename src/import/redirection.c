/*
 * redirection.c: --import redirection (not written yet).
 */
#include "fcgi-redirect.h"

void
redirection_import(struct import_src *src)
{
	char	*line;
	size_t	 len;

	while (import_getline(src, &line, &len) > 0)
		import_skip(src, src->line, "the redirection importer is not written yet");
}
