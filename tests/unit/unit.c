/*
 * unit.c: what the suites share: registering a suite from a table, and
 * printing bytes for a failing row's diagnostics, temporary directories.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fcgi-redirect.h"
#include "unit.h"

/* Add suite `name` with its n tests; 0, or -1 when CUnit fails. */
int
unit_add_suite(const char *name, const struct unit_test *tests, size_t n)
{
	CU_pSuite	 s;
	size_t		 i;

	if ((s = CU_add_suite(name, NULL, NULL)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (CU_add_test(s, tests[i].name, tests[i].fn) == NULL)
			return -1;
	return 0;
}

/*
 * Print s[0..len) quoted to stderr, with CR, LF, quotes, backslashes and
 * other non-printing bytes escaped.  `lines`: break the quoted text after
 * each LF (for responses) and end with a newline.
 */
void
unit_print_bytes(const char *s, size_t len, int lines)
{
	size_t	 i;

	fputc('"', stderr);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r')
			fputs("\\r", stderr);
		else if (c == '\n')
			fputs(lines ? "\\n\"\n  \"" : "\\n", stderr);
		else if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			fprintf(stderr, "\\x%02x", c);
		else
			fputc(c, stderr);
	}
	fputs(lines ? "\"\n" : "\"", stderr);
}

/* Print the string s (NULL as such) like unit_print_bytes, cut at max. */
void
unit_print_str(const char *s, size_t max)
{
	size_t	 n;

	if (s == NULL) {
		fputs("NULL", stderr);
		return;
	}
	n = strlen(s);
	unit_print_bytes(s, n < max ? n : max, 0);
	if (n > max)
		fputs("...", stderr);
}

const struct rule *
unit_rule(const struct ruleset *rs, size_t i)
{
	static struct rule		 ring[16], damaged;
	static struct rule_opts		 none;
	static unsigned			 next;
	struct rule			*r = &ring[next++ % 16];

	if (ruleset_rule(rs, (uint32_t)i, r) != NULL)
		return r;
	CU_FAIL("a rule the image cannot give");
	damaged.name = damaged.pattern = damaged.target = "";
	damaged.opts = &none;
	return &damaged;
}

/* ---- temporary directories and files ---- */

/* A fresh directory under TMPDIR into dir[n]; 0, or -1. */
int
unit_tmp_dir(char *dir, size_t n)
{
	const char	*t = getenv("TMPDIR");
	int		 rc;

	rc = snprintf(dir, n, "%s/fcgi-redirect-unit.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	return rc < 0 || (size_t)rc >= n || mkdtemp(dir) == NULL ? -1 : 0;
}

/* dir + "/" + name into out[n]; 0, or -1 when it does not fit. */
int
unit_path_join(char *out, size_t n, const char *dir, const char *name)
{
	int	 rc = snprintf(out, n, "%s/%s", dir, name);

	return rc < 0 || (size_t)rc >= n ? -1 : 0;
}

/* Remove dir and the files in it (it has no subdirectories). */
void
unit_tmp_remove(const char *dir)
{
	char		 path[4096];
	DIR		*dp;
	struct dirent	*e;

	if ((dp = opendir(dir)) != NULL) {
		while ((e = readdir(dp)) != NULL)
			if (strcmp(e->d_name, ".") != 0 &&
			    strcmp(e->d_name, "..") != 0 &&
			    unit_path_join(path, sizeof(path), dir,
			    e->d_name) == 0)
				(void)unlink(path);
		closedir(dp);
	}
	(void)rmdir(dir);
}

/* Write text to path; 0, or -1. */
int
unit_write_file(const char *path, const char *text)
{
	FILE	*f;
	int	 rc;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	rc = fputs(text, f) < 0 ? -1 : 0;
	return fclose(f) != 0 ? -1 : rc;
}
