/*
 * target.c: checking and compiling redirect targets.
 *
 * A target is checked once, when the rule file is loaded, so that the
 * request path only copies and expands: its literal text is URI-encoded
 * here, the [defaults] base is put in front of a /path, and the places
 * where the request can add text (placeholders) are checked so that the
 * request can never choose the site a Location points to: the authority
 * is a literal host[:port] or ${host}, never a capture, and user
 * information ("user@") is refused.
 */
#include <ctype.h>
#include <string.h>

#include "fcgi-redirect.h"

/*
 * Check a target and compile it into the arena: literal text URI-encoded,
 * placeholders ($1..$9, $$, ${host} ${path} ${query} ${scheme}) kept for
 * location.c, `base` (NULL or an absolute URL without a trailing '/') put
 * before a /path.  `ncaptures` is how many groups the rule's regex has (-1
 * where $N is not allowed at all); `what` names the key in messages.  Sets
 * r->target (in the arena), r->target_flags and r->target_split.  Returns
 * 0, -1 after reporting the problem at `line` on d, or -2 when out of
 * memory.
 */
int
target_compile(struct arena *arena, struct diag *d, const char *base,
    struct rule *r, const char *t, unsigned line, int ncaptures,
    const char *what)
{
	char		 mem[LINE_MAX_LEN * 3 + 1];
	struct buf	 out;
	const char	*p, *auth, *auth_end, *lit, *ph;
	size_t		 hostlen, n;
	int		 absolute = 0;

	buf_init(&out, mem, sizeof(mem));
	r->target_flags = 0;
	if (strncasecmp(t, "http://", 7) == 0 ||
	    strncasecmp(t, "https://", 8) == 0 ||
	    strncmp(t, "${scheme}://", 12) == 0) {
		absolute = 1;
		auth = strstr(t, "://") + 3;
		/*
		 * The authority ends at '/', '?', '#' or ${path} (which
		 * starts with '/'); any other placeholder there could
		 * lengthen the host ("https://${host}$1" with $1 =
		 * ".evil.example") and is refused below.
		 */
		auth_end = auth + strcspn(auth, "/?#");
		if ((ph = strstr(auth, "${path}")) != NULL && ph < auth_end)
			auth_end = ph;
		n = (size_t)(auth_end - auth);
		if (memchr(auth, '@', n) != NULL) {
			diag_error(d, line, "%s: user information "
			    "('@') is not allowed in a target", what);
			return -1;
		}
		if (n >= 7 && strncmp(auth, "${host}", 7) == 0) {
			/* "h:PORT" checks the port the way a Host is checked. */
			char	 hp[16] = "h";

			if (n > 7 && (auth[7] != ':' || n - 7 > 6 ||
			    (memcpy(hp + 1, auth + 7, n - 7), 0) ||
			    url_host_valid(hp, n - 6, &hostlen) != 0)) {
				diag_error(d, line, "%s: only ':PORT' may "
				    "follow ${host} in the host part", what);
				return -1;
			}
		} else if (n == 0) {
			diag_error(d, line, "%s: the target has no host",
			    what);
			return -1;
		} else if (memchr(auth, '$', n) != NULL ||
		    url_host_valid(auth, n, &hostlen) != 0) {
			diag_error(d, line, "%s: bad host in target "
			    "'%.*s' (only ${host} may stand for it)", what,
			    (int)n, auth);
			return -1;
		}
		/* The scheme in lowercase, the host as written. */
		for (p = t; *p != ':'; p++)
			buf_addc(&out, (char)tolower((unsigned char)*p));
		buf_add(&out, p, (size_t)(auth_end - p));
		p = auth_end;
	} else if (t[0] == '/' && t[1] != '/' && t[1] != '\\') {
		if (base != NULL)
			buf_adds(&out, base);
		p = t;
	} else {
		diag_error(d, line, "%s '%s' is neither an absolute "
		    "http(s) URL nor a /path", what, t);
		return -1;
	}
	/* The rest: literal runs encoded, placeholders checked and kept. */
	r->target_split = SIZE_MAX;
	for (lit = p; ; p++) {
		if (*p != '$' && *p != '\0') {
			if ((*p == '?' || *p == '#') &&
			    r->target_split == SIZE_MAX) {
				url_encode_uri(&out, lit, (size_t)(p - lit));
				lit = p;
				r->target_split = out.len;
			}
			continue;
		}
		url_encode_uri(&out, lit, (size_t)(p - lit));
		if (*p == '\0')
			break;
		if (p[1] == '$') {
			buf_add(&out, "$$", 2);
			p++;
		} else if (p[1] >= '1' && p[1] <= '9') {
			if (ncaptures < 0 || p[1] - '0' > ncaptures) {
				diag_error(d, line, "%s uses $%c but the "
				    "%s has %s", what, p[1], ncaptures < 0 ?
				    "rule" : "regex", ncaptures <= 0 ?
				    "no capture groups" : "fewer groups");
				return -1;
			}
			buf_add(&out, p, 2);
			p++;
		} else if (strncmp(p, "${host}", 7) == 0 ||
		    strncmp(p, "${path}", 7) == 0 ||
		    strncmp(p, "${query}", 8) == 0 ||
		    strncmp(p, "${scheme}", 9) == 0) {
			n = strchr(p, '}') - p + 1;
			if (p[2] == 'p')
				r->target_flags |= TARGET_USES_PATH;
			else if (p[2] == 'q')
				r->target_flags |= TARGET_USES_QUERY;
			else if (p[2] == 'h')
				r->target_flags |= TARGET_USES_HOST;
			buf_add(&out, p, n);
			p += n - 1;
		} else if (strncmp(p, "${param:", 8) == 0) {
			/* Kept with the name made canonical (query.c). */
			const char	*end = strchr(p + 8, '}');
			char		 canon[3 * PARAM_NAME_MAX + 1];
			int		 k;

			if (end == NULL || end == p + 8 ||
			    end - (p + 8) > PARAM_NAME_MAX ||
			    strcspn(p + 8, " \t}") != (size_t)(end - (p + 8))) {
				diag_error(d, line, "%s: ${param:NAME} needs a "
				    "name of 1 to %d bytes without blanks, "
				    "then '}'", what, PARAM_NAME_MAX);
				return -1;
			}
			k = query_canon(p + 8, (size_t)(end - (p + 8)), canon,
			    sizeof(canon));
			buf_add(&out, "${param:", 8);
			buf_add(&out, canon, (size_t)k);
			buf_addc(&out, '}');
			p = end;
		} else {
			diag_error(d, line, "%s: unknown placeholder at "
			    "'%.12s' (write $$ for a literal $)", what, p);
			return -1;
		}
		lit = p + 1;
	}
	if (absolute && strstr(t, "${host}") != NULL)
		r->target_flags |= TARGET_USES_HOST;
	if (out.overflow) {
		diag_error(d, line, "%s is too long", what);
		return -1;
	}
	if (r->target_split == SIZE_MAX)
		r->target_split = out.len;
	r->target = arena_strndup(arena, out.data, out.len);
	r->target_len = out.len;
	return r->target != NULL ? 0 : -2;
}
