/*
 * query.c: query parameters, as rules name them and as requests carry them.
 *
 * A rule may ask for parameters: a path or map key "/index.php?id=42", or
 * `params = id=42 ref`.  A request's query is split at '&' into
 * parameters and each at its first '=' into a name and a value, as PHP and
 * every form decoder do (application/x-www-form-urlencoded, HTML 4.01
 * §17.13.4): '+' is a space, %XX is the byte XX, and a '%' not followed by
 * two hex digits is a percent sign.  Names and values are compared in a
 * canonical form: the decoded bytes with everything but RFC 3986's
 * unreserved characters (letters, digits, - . _ ~) percent-encoded in
 * uppercase hex.  So "a+b" and "a%20b" are one value, "%34%32" is "42",
 * "a/b" is "a%2Fb", and "a%2Bb" (a plus sign) is another value.
 *
 * A rule's parameters, sorted by name, make its canonical query
 * ("cat=3&id=42"; a name alone, "id", asks only that the parameter be
 * there) and its signature: the names with what each needs, "=" a value
 * or "&" presence ("cat=id=", "id&").  load/compile.c indexes the rule
 * under its path and canonical query; a request is looked up once per
 * signature in use, with the canonical query made of its own values for
 * those names (query_key()), so a million query-keyed entries cost a
 * lookup what ten do, whatever other parameters the request carries.
 * A name the request carries more than once counts with its last value,
 * as PHP's $_GET has it.  A rule with `other-params = refuse` also asks
 * that the request carry no name but its own (query_only()).
 *
 * Parsing a request's query is bounded by its length (URI_MAX bytes, so
 * at most URI_MAX / 2 + 1 parameters), costs nothing until a rule needs
 * it, makes a value canonical only when it is asked for, and never fails.
 */
#include <stdlib.h>
#include <string.h>

#include "fcgi-redirect.h"


/*
 * The length of s up to its first a or b or its end: strcspn() for the
 * short names of a canonical query, without its set-up.
 */
static inline size_t
span(const char *s, char a, char b)
{
	size_t	 n = 0;

	while (s[n] != '\0' && s[n] != a && s[n] != b)
		n++;
	return n;
}

/* RFC 3986 unreserved: what a canonical name or value keeps literal. */
static const unsigned char unreserved[256] = {
	['A' ... 'Z'] = 1, ['a' ... 'z'] = 1, ['0' ... '9'] = 1,
	['-'] = 1, ['.'] = 1, ['_'] = 1, ['~'] = 1,
};

/*
 * The canonical form of the form-encoded s[0..n) into out (cap bytes;
 * 3 * n + 1 always suffice).  Returns its length, or -1 when it does not
 * fit.  Any bytes have a canonical form.
 */
int
query_canon(const char *s, size_t n, char *out, size_t cap)
{
	size_t		 i, o = 0;
	unsigned char	 c;
	int		 h, l;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%' && i + 2 < n &&
		    (h = url_hexval((unsigned char)s[i + 1])) >= 0 &&
		    (l = url_hexval((unsigned char)s[i + 2])) >= 0) {
			c = (unsigned char)(h << 4 | l);
			i += 2;
		}
		if (unreserved[c]) {
			if (o + 1 >= cap)
				return -1;
			out[o++] = (char)c;
		} else {
			if (o + 3 >= cap)
				return -1;
			out[o++] = '%';
			out[o++] = url_hexdigits[c >> 4];
			out[o++] = url_hexdigits[c & 15];
		}
	}
	if (o >= cap)
		return -1;
	out[o] = '\0';
	return (int)o;
}

/* ---- a rule's parameters (load time) ---- */

/* One parameter of a rule, while its canonical query is made. */
struct rule_param {
	char	*name;		/* canonical, in the caller's buffer */
	char	*value;		/* canonical, or NULL: presence only */
};

static int
param_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rule_param *)a)->name,
	    ((const struct rule_param *)b)->name);
}

/*
 * The parameters a rule asks for, s[0..n), separated by `sep` ('&' in a
 * key's query, ' ' in `params =`): "name=value" or "name" each.  Writes
 * the canonical query (sorted by name, '&'-separated) to canon, of
 * 4 * n + 8 bytes at least.  Returns 0, or -1 with *why a phrase for a
 * FILE:LINE error.
 */
int
query_rule(const char *s, size_t n, char sep, char *canon, const char **why)
{
	struct rule_param	 p[QUERY_RULE_PARAMS_MAX];
	char			*buf, *b;
	size_t			 np = 0, i, len, c = 0;
	const char		*part, *end = s + n, *eq;
	int			 k;

	if (n == 0) {
		*why = "no parameter after '?'";
		return -1;
	}
	if ((buf = malloc(6 * n + 16)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	b = buf;
	for (part = s; part <= end; part += len + 1) {
		const char	*stop = memchr(part, sep, (size_t)(end - part));

		len = stop != NULL ? (size_t)(stop - part) : (size_t)(end - part);
		if (sep == ' ' && len == 0) {
			if (stop == NULL)
				break;
			continue;	/* blanks between items */
		}
		if (len == 0) {
			*why = "an empty parameter (two '&' in a row, or one "
			    "at an end)";
			goto fail;
		}
		if (np == QUERY_RULE_PARAMS_MAX) {
			*why = "more than " QUERY_RULE_PARAMS_MAX_S
			    " parameters";
			goto fail;
		}
		eq = memchr(part, '=', len);
		if (eq == part) {
			*why = "a parameter without a name";
			goto fail;
		}
		p[np].name = b;
		k = query_canon(part, eq ? (size_t)(eq - part) : len, b,
		    3 * len + 1);
		b += k + 1;
		p[np].value = NULL;
		if (eq != NULL) {
			p[np].value = b;
			k = query_canon(eq + 1, len - (size_t)(eq + 1 - part),
			    b, 3 * len + 1);
			b += k + 1;
		}
		np++;
		if (stop == NULL)
			break;
	}
	if (np == 0) {
		*why = "no parameter";
		goto fail;
	}
	qsort(p, np, sizeof(p[0]), param_cmp);
	for (i = 0; i < np; i++) {
		if (i > 0 && strcmp(p[i].name, p[i - 1].name) == 0) {
			*why = "a parameter named twice";
			goto fail;
		}
		if (i > 0)
			canon[c++] = '&';
		len = strlen(p[i].name);
		memcpy(canon + c, p[i].name, len);
		c += len;
		if (p[i].value != NULL) {
			canon[c++] = '=';
			len = strlen(p[i].value);
			memcpy(canon + c, p[i].value, len);
			c += len;
		}
	}
	canon[c] = '\0';
	free(buf);
	return 0;
fail:
	free(buf);
	return -1;
}

/*
 * The signature of the canonical query c ("cat=3&id" gives "cat=id&":
 * see the head) into out, of strlen(c) + 2 bytes at least.
 */
void
query_signature(const char *c, char *out)
{
	size_t	 n, name;

	for (; *c != '\0'; c += n + (c[n] != '\0')) {
		n = span(c, '&', '&');
		name = span(c, '=', '&');
		memcpy(out, c, name);
		out += name;
		*out++ = name < n ? '=' : '&';
	}
	*out = '\0';
}

/* ---- a request's parameters (request time) ---- */

/*
 * The canonical form of s[0..n) for q: s itself when it is canonical
 * already (only unreserved bytes), else a copy made in q's buf.  Sets
 * *len.
 */
static const char *
query_canon_in(struct query *q, const char *s, size_t n, size_t *len)
{
	const char	*out;
	size_t		 i;
	int		 k;

	for (i = 0; i < n && unreserved[(unsigned char)s[i]]; i++)
		continue;
	if (i == n) {
		*len = n;
		return s;
	}
	out = q->buf + q->used;
	k = query_canon(s, n, q->buf + q->used, sizeof(q->buf) - q->used);
	*len = k < 0 ? 0 : (size_t)k;
	q->used += *len + 1;
	return out;
}

/*
 * Split q's raw query into parameters, their names made canonical: one
 * pass over the bytes finds each part's end, its first '=' and whether
 * its name is canonical already (the usual case: no copy).
 */
static void
query_split(struct query *q)
{
	const char		*s = q->raw, *end = s + q->raw_len, *part, *t;
	const char		*eq;
	struct query_param	*p;
	size_t			 len;
	int			 plain;
	int			 k;

	q->n = 0;
	q->used = 0;
	for (part = s; part < end; part = t + 1) {
		/* The name: unreserved bytes, fast; anything else, slower. */
		for (t = part; t < end && unreserved[(unsigned char)*t]; t++)
			continue;
		plain = 1;
		for (; t < end && *t != '=' && *t != '&'; t++)
			plain = 0;
		eq = t < end && *t == '=' ? t : NULL;
		if (eq != NULL)
			for (t = eq + 1; t < end && *t != '&'; t++)
				continue;
		len = (size_t)(t - part);
		if (len == 0)
			continue;	/* "&&": nothing there */
		if (q->n == QUERY_PARAMS_MAX)
			break;		/* not reached: see the header */
		p = &q->p[q->n++];
		p->raw = part;
		p->raw_len = len;
		p->has_value = eq != NULL;
		p->value_raw = eq != NULL ? eq + 1 : t;
		p->value_raw_len = eq != NULL ? (size_t)(t - (eq + 1)) : 0;
		p->value = NULL;
		p->name = part;
		p->name_len = eq != NULL ? (size_t)(eq - part) : len;
		if (!plain) {
			p->name = q->buf + q->used;
			k = query_canon(part, p->name_len, q->buf + q->used,
			    sizeof(q->buf) - q->used);
			p->name_len = k < 0 ? 0 : (size_t)k;
			q->used += p->name_len + 1;
		}
	}
	q->parsed = 1;
}

/*
 * Make q the query of req, unparsed: query_param() and the others parse
 * it the first time they are asked.
 */
void
query_init(struct query *q, const struct request *req)
{
	q->raw = req->query != NULL ? req->query : "";
	q->raw_len = req->query != NULL ? req->query_len : 0;
	q->parsed = 0;
}

/* The number of parameters in q (parsing it if need be). */
size_t
query_count(struct query *q)
{
	if (!q->parsed)
		query_split(q);
	return q->n;
}

/*
 * The last parameter of q named name[0..len) (canonical), or NULL.  Its
 * canonical value: query_value().
 */
struct query_param *
query_param(struct query *q, const char *name, size_t len)
{
	size_t	 i;

	if (!q->parsed)
		query_split(q);
	for (i = q->n; i-- > 0;)
		if (q->p[i].name_len == len &&
		    memcmp(q->p[i].name, name, len) == 0)
			return &q->p[i];
	return NULL;
}

/* The canonical value of parameter p of q ("" for a name alone). */
const char *
query_value(struct query *q, struct query_param *p, size_t *len)
{
	if (p->value == NULL)
		p->value = query_canon_in(q, p->value_raw, p->value_raw_len,
		    &p->value_len);
	*len = p->value_len;
	return p->value;
}

/*
 * The canonical query of q for signature sig ("cat=id=": see the head)
 * into out (cap bytes): the request's values for those names.  Returns its
 * length, or -1 when a name is missing or it does not fit.
 */
int
query_key(struct query *q, const char *sig, char *out, size_t cap)
{
	struct query_param	*p;
	const char		*name, *v;
	size_t			 o = 0, n, vl;

	for (name = sig; *name != '\0'; name += n + 1) {
		n = span(name, '=', '&');
		if ((p = query_param(q, name, n)) == NULL)
			return -1;
		if (o + n + 2 >= cap)
			return -1;
		if (o > 0)
			out[o++] = '&';
		memcpy(out + o, name, n);
		o += n;
		if (name[n] == '=') {
			/* A name alone has no value: "id" is not "id=". */
			if (!p->has_value)
				return -1;
			v = query_value(q, p, &vl);
			if (o + vl + 2 >= cap)
				return -1;
			out[o++] = '=';
			memcpy(out + o, v, vl);
			o += vl;
		}
	}
	out[o] = '\0';
	return (int)o;
}

/*
 * Does q have every parameter of the canonical query canon ("id=42&ref":
 * names with a value must have it, names alone must be there)?
 */
int
query_matches(struct query *q, const char *canon)
{
	struct query_param	*p;
	const char		*item, *eq, *v;
	size_t			 n, vl;

	for (item = canon; *item != '\0'; item += n + (item[n] != '\0')) {
		n = span(item, '&', '&');
		eq = memchr(item, '=', n);
		if ((p = query_param(q, item, eq != NULL ?
		    (size_t)(eq - item) : n)) == NULL)
			return 0;
		if (eq != NULL) {
			if (!p->has_value)
				return 0;
			v = query_value(q, p, &vl);
			if (vl != n - (size_t)(eq + 1 - item) ||
			    memcmp(v, eq + 1, vl) != 0)
				return 0;
		}
	}
	return 1;
}

/*
 * Append to out, for each name of the canonical query canon (NULL: none),
 * q's parameter of that name as it counted: "name=value" with its
 * canonical value, or "name" when sent without '='; `sep` before each but
 * the first of those already in out (`*n` of them).  For --explain.
 */
void
query_matched(struct query *q, const char *canon, struct buf *out, char sep,
    size_t *n)
{
	struct query_param	*p;
	const char		*v;
	size_t			 len, vl;

	for (; canon != NULL && *canon != '\0'; canon += len +
	    (canon[len] != '\0')) {
		len = span(canon, '&', '&');
		if ((p = query_param(q, canon, span(canon, '=', '&'))) == NULL)
			continue;
		if ((*n)++ > 0)
			buf_addc(out, sep);
		buf_add(out, p->name, p->name_len);
		if (p->has_value) {
			v = query_value(q, p, &vl);
			buf_addc(out, '=');
			buf_add(out, v, vl);
		}
	}
}


/* The names of the canonical query c, up to max, into names and lens. */
static size_t
canon_names(const char *c, const char **names, size_t *lens, size_t max)
{
	size_t	 n, k = 0;

	for (; c != NULL && *c != '\0' && k < max; c += n + (c[n] != '\0')) {
		n = span(c, '&', '&');
		names[k] = c;
		lens[k++] = span(c, '=', '&');
	}
	return k;
}

/*
 * Is name[0..len) one of names[0..n), sorted as a canonical query sorts
 * them (strcmp() on the names alone)?  A binary search: the names hold no
 * NUL, so memcmp() and then the length order them as strcmp() does.
 */
static int
names_find(const char **names, const size_t *lens, size_t n,
    const char *name, size_t len)
{
	size_t	 lo = 0, hi = n, mid;
	int	 c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = memcmp(name, names[mid], len < lens[mid] ? len : lens[mid]);
		if (c == 0)
			c = len < lens[mid] ? -1 : len > lens[mid];
		if (c == 0)
			return 1;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

/*
 * Does q carry only parameters named in the canonical queries c1 or c2
 * (either may be NULL)?  1 when every name q carries is one of theirs,
 * and so when q has no parameter ("", "?", "&&"); 0 at the first that is
 * not.  Values are not looked at (query_matches() does).  For
 * `other-params = refuse`: at most QUERY_PARAMS_MAX parameters, each a
 * binary search among at most QUERY_RULE_PARAMS_MAX names of each query,
 * so a hostile query costs its parsing and some 12 short compares a
 * parameter.
 */
int
query_only(struct query *q, const char *c1, const char *c2)
{
	const char	*n1[QUERY_RULE_PARAMS_MAX], *n2[QUERY_RULE_PARAMS_MAX];
	size_t		 l1[QUERY_RULE_PARAMS_MAX], l2[QUERY_RULE_PARAMS_MAX];
	size_t		 k1, k2, i;

	if (!q->parsed)
		query_split(q);
	if (q->n == 0)
		return 1;
	k1 = canon_names(c1, n1, l1, QUERY_RULE_PARAMS_MAX);
	k2 = canon_names(c2, n2, l2, QUERY_RULE_PARAMS_MAX);
	for (i = 0; i < q->n; i++)
		if (!names_find(n1, l1, k1, q->p[i].name, q->p[i].name_len) &&
		    !names_find(n2, l2, k2, q->p[i].name, q->p[i].name_len))
			return 0;
	return 1;
}

/*
 * Append to out the parameters of q whose names are in neither of the
 * canonical queries drop1 and drop2 (either may be NULL), as the request
 * sent them (made safe by url_encode_uri()), '&'-separated, with `lead`
 * (unless NUL) before the first.  Parameters kept one after another go
 * out as one run of the raw query.  Returns how many were appended.
 */
size_t
query_kept(struct query *q, const char *drop1, const char *drop2,
    struct buf *out, char lead)
{
	const char			*names[2 * QUERY_RULE_PARAMS_MAX];
	size_t				 lens[2 * QUERY_RULE_PARAMS_MAX];
	const struct query_param	*p;
	const char			*run = NULL, *run_end = NULL;
	size_t				 i, j, nd, kept = 0, runs = 0;

	nd = canon_names(drop1, names, lens, QUERY_RULE_PARAMS_MAX);
	nd += canon_names(drop2, names + nd, lens + nd,
	    QUERY_RULE_PARAMS_MAX);
	if (!q->parsed)
		query_split(q);
	for (i = 0; i <= q->n; i++) {
		p = &q->p[i];
		for (j = 0; i < q->n && j < nd; j++)
			if (lens[j] == p->name_len &&
			    memcmp(names[j], p->name, lens[j]) == 0)
				break;
		if (i < q->n && j == nd) {
			/* Kept: the run grows to take it. */
			if (run == NULL)
				run = p->raw;
			run_end = p->raw + p->raw_len;
			kept++;
			continue;
		}
		if (run == NULL)
			continue;
		if (runs++ > 0)
			buf_addc(out, '&');
		else if (lead != '\0')
			buf_addc(out, lead);
		url_encode_uri(out, run, (size_t)(run_end - run));
		run = NULL;
	}
	return kept;
}
