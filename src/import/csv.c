/*
 * csv.c: --import csv, Cloudflare Bulk Redirects lists and spreadsheets.
 *
 * Two kinds of rows, told apart one row at a time where the row says it:
 *
 * - A Cloudflare Bulk Redirects list (developers.cloudflare.com, "CSV file
 *   format for Bulk Redirects"): source,target[,status,preserve_query_string,
 *   include_subdomains,subpath_matching,preserve_path_suffix], no header,
 *   ',' only.  The source is host/path, with an optional http:// or
 *   https:// that then is the only scheme it matches.  A row with more than
 *   three fields is one, and so is a row whose source is host/path without
 *   a scheme in a file that is not a spreadsheet's (below).
 *
 * - A spreadsheet: from,to[,status], perhaps a header row, ',' ';' or tab
 *   separated as Excel writes them.  A row whose `from` is a /path is one,
 *   and every row of at most three fields in a file whose first line is a
 *   header or whose separator is not ',' (Cloudflare has neither).
 *
 * A row of at most three fields whose source is a full URL, in a comma
 * file without a header, could be either: it is a spreadsheet's after a
 * /path row, else Cloudflare's, the documented format.  The two readings
 * differ in the scheme only: a Cloudflare source URL matches its scheme
 * alone, a spreadsheet's either (and a spreadsheet may say 303).
 *
 * Fields are RFC 4180, read by csvread.c in its strict dialect: a field
 * may be quoted, "" is a quote in it, and a quoted field may hold a
 * separator or run onto the next line (the record is then read whole, and
 * reported, since no URL holds a newline).
 *
 * Cloudflare decides by specificity, not by list order ("How Bulk
 * Redirects work", Determining the URL redirect to apply), and
 * fcgi-redirect by file order.  So exact rows go to [map] sections as they
 * come (streamed, emit.c spools them), grouped by their options and
 * written at the end of the file in Cloudflare's order: an exact host
 * before include_subdomains, a longer domain before a shorter one, a
 * scheme before both schemes, any host (spreadsheets) last.  Subpath rows
 * are held in memory (their path, host and target and some 100 bytes
 * each: 170 MB for a million rows of 60 bytes; exact rows cost none) and
 * written after the maps, the longest path first, then by host as above.
 *
 * XXX An exact row with include_subdomains comes before a subpath row of
 * the same path with an exact host, which Cloudflare would prefer for
 * that host: the maps are written before any subpath rule.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fcgi-redirect.h"

#define CSV_FIELDS	7	/* Cloudflare's columns; a spreadsheet has 3 */
#define CSV_SHEET_FIELDS 3
/*
 * Option groups (maps) open at once: each spools to a temporary file.
 * Past it the single-host maps are written, and new ones begun.
 */
#define CSV_GROUPS_MAX	256
/* Cloudflare refuses a subpath source with more '/' than this. */
#define CSV_SUBPATH_SLASHES_MAX	16

enum csv_kind { CSV_CLOUDFLARE, CSV_SHEET };

/* Where a rule's host condition ranks in Cloudflare's order, first first. */
enum csv_tier { CSV_HOST_EXACT, CSV_HOST_SUBDOMAINS, CSV_HOST_ANY };

struct csv_rank {
	enum csv_tier	 tier;
	int		 labels;	/* of an include_subdomains domain */
	int		 any_scheme;	/* the source names no scheme */
};

/* One source file being read: its records, its kind, its groups, held rows. */
struct csv_reader {
	struct import_src *src;
	struct csvread	 rd;		/* the record, its lines, its fields */
	int		 sheet;		/* a header, or a ';' or tab separator */
	int		 seen_path;	/* a /path row was seen */
	char		*fields[CSV_FIELDS];
	size_t		 used;		/* fields up to the last non-empty,
					   CSV_FIELDS + 1 past them */
	int		 noted_batch;
	struct csv_group *groups;
	size_t		 ngroups;
	struct csv_held	**held;
	size_t		 nheld, heldcap;
};

/* The options of a [map]: the group of exact rows that share them. */
struct csv_group {
	int		 map;		/* emit_map_open()'s number */
	struct emit_opts opts;
	char		*hosts;
	struct csv_rank	 rank;
};

/* A subpath row, held until the end of the file. */
struct csv_held {
	unsigned	 line;
	struct emit_opts opts;
	struct csv_rank	 rank;
	int		 suffix;	/* preserve_path_suffix */
	size_t		 pathlen;	/* normalized */
	char		*hosts;		/* these three in the same block */
	char		*path;		/* normalized */
	char		*to;
};

/* A row's source, split. */
struct csv_source {
	const char	*scheme;	/* "http", "https" or NULL */
	char		 host[HOST_MAX + 1];	/* lowercase; "" for none */
	char		*path;		/* in the record; "/" when empty */
	char		*query;		/* after '?', or NULL */
};

/*
 * The separator of a file, from its first line that is not empty (0 for an
 * empty one): a tab when it has one outside quotes, else ';' when it has
 * more of them than ',' (Excel in locales whose decimal mark is ','), else
 * ','.  csvread's detect.
 */
static char
csv_separator(const char *s, size_t n)
{
	size_t	 i, comma = 0, semi = 0, tab = 0;
	int	 inq = 0;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			inq = !inq;
		else if (!inq && s[i] == ',')
			comma++;
		else if (!inq && s[i] == ';')
			semi++;
		else if (!inq && s[i] == '\t')
			tab++;
	}
	if (tab > 0)
		return '\t';
	return semi > comma ? ';' : ',';
}

/*
 * Is the first record a header row: its first two fields name columns
 * ("from", "Old URL", "source") rather than hold a path or URL, and a
 * third, if any, is not a number?
 */
static int
csv_is_header(const struct csv_reader *r)
{
	size_t	 i;

	if (r->used < 2)
		return 0;
	for (i = 0; i < 2; i++)
		if (r->fields[i][0] == '\0' ||
		    strpbrk(r->fields[i], "/.") != NULL)
			return 0;
	return r->used < 3 || strspn(r->fields[2], "0123456789") !=
	    strlen(r->fields[2]);
}

/* A status field: empty is 301.  0, or -1 when it is not a number. */
static int
csv_status(const char *s, int *status)
{
	char	*end;
	long	 v;

	if (*s == '\0') {
		*status = 301;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 100 || v > 999)
		return -1;
	*status = (int)v;
	return 0;
}

/* A Cloudflare boolean: TRUE or true, FALSE, false or empty (def). */
static int
csv_bool(const char *s, int def, int *v)
{
	if (*s == '\0')
		*v = def;
	else if (strcasecmp(s, "true") == 0)
		*v = 1;
	else if (strcasecmp(s, "false") == 0)
		*v = 0;
	else
		return -1;
	return 0;
}

/*
 * Split a source: /path[?query], or [http[s]://]host[/path[?query]].  The
 * host is checked and lowercased.  Returns 0, or -1 with *why.
 */
static int
csv_source(char *s, struct csv_source *cs, const char **why)
{
	char	*p, *q;
	size_t	 n, i;

	memset(cs, 0, sizeof(*cs));
	if (*s != '/') {
		if (strncasecmp(s, "http://", 7) == 0) {
			cs->scheme = "http";
			s += 7;
		} else if (strncasecmp(s, "https://", 8) == 0) {
			cs->scheme = "https";
			s += 8;
		} else if ((p = strstr(s, "://")) != NULL &&
		    p < s + strcspn(s, "/")) {
			*why = "a source URL whose scheme is not http or https";
			return -1;
		}
		n = strcspn(s, "/?#");
		if (memchr(s, '@', n) != NULL) {
			*why = "user information in the source URL";
			return -1;
		}
		if (memchr(s, ':', n) != NULL) {
			*why = "a port in the source URL (Cloudflare takes "
			    "none, and fcgi-redirect's host ignores ports)";
			return -1;
		}
		/* Without a scheme, a one-label host is a word, not a URL. */
		if (n == 0 || n > HOST_MAX || values_host_pattern(s, n) != 0 ||
		    s[0] == '*' || (cs->scheme == NULL && memchr(s, '.', n) ==
		    NULL)) {
			*why = "the source is neither a /path nor a URL with "
			    "a host name";
			return -1;
		}
		for (i = 0; i < n; i++)
			cs->host[i] = (char)tolower((unsigned char)s[i]);
		cs->host[n] = '\0';
		s += n;
	}
	if (strchr(s, '#') != NULL) {
		*why = "a fragment ('#') in the source, which a request "
		    "never carries";
		return -1;
	}
	if ((q = strchr(s, '?')) != NULL) {
		*q++ = '\0';
		cs->query = *q != '\0' ? q : NULL;
	}
	cs->path = *s == '\0' ? "/" : s;
	return 0;
}

/* Order of Cloudflare's precedence for the host and scheme: <0 a first. */
static int
csv_rank_cmp(const struct csv_rank *a, const struct csv_rank *b)
{
	if (a->tier != b->tier)
		return a->tier < b->tier ? -1 : 1;
	if (a->labels != b->labels)
		return a->labels > b->labels ? -1 : 1;
	return a->any_scheme - b->any_scheme;
}

/* The rank and `host =` of a row's host, scheme and include_subdomains. */
static void
csv_host(const struct csv_source *cs, int subdomains, char *hosts,
    size_t cap, struct csv_rank *rank)
{
	const char	*p;

	rank->any_scheme = cs->scheme == NULL;
	rank->labels = 0;
	hosts[0] = '\0';
	if (cs->host[0] == '\0') {
		rank->tier = CSV_HOST_ANY;
		return;
	}
	if (!subdomains) {
		rank->tier = CSV_HOST_EXACT;
		snprintf(hosts, cap, "%s", cs->host);
		return;
	}
	rank->tier = CSV_HOST_SUBDOMAINS;
	rank->labels = 1;
	for (p = cs->host; (p = strchr(p, '.')) != NULL; p++)
		rank->labels++;
	snprintf(hosts, cap, "%s *.%s", cs->host, cs->host);
}

static int
csv_group_cmp(const void *a, const void *b)
{
	const struct csv_group	*ga = a, *gb = b;
	int			 c;

	if ((c = csv_rank_cmp(&ga->rank, &gb->rank)) != 0)
		return c;
	return ga->map - gb->map;
}

/*
 * Write the maps of the groups whose host tier is at most `tier`, in
 * Cloudflare's precedence, and forget them (a later row opens a new map);
 * the others stay open.
 */
static void
csv_flush_groups(struct csv_reader *r, enum csv_tier tier)
{
	size_t	 i, kept = 0;

	if (r->ngroups > 1)
		qsort(r->groups, r->ngroups, sizeof(*r->groups),
		    csv_group_cmp);
	for (i = 0; i < r->ngroups; i++) {
		if (r->groups[i].rank.tier > tier) {
			r->groups[kept++] = r->groups[i];
			continue;
		}
		emit_map_flush(r->src->imp, r->groups[i].map);
		free(r->groups[i].hosts);
	}
	r->ngroups = kept;
}

/*
 * The map for the options o (hosts, rank as csv_host() made them),
 * opened when it is new.  -1 when out of memory.
 */
static int
csv_group(struct csv_reader *r, const struct emit_opts *o, const char *hosts,
    const struct csv_rank *rank)
{
	struct csv_group	*g;
	char			 hint[128];
	const char		*base;
	size_t			 i;

	for (i = r->ngroups; i-- > 0; ) {
		g = &r->groups[i];
		if (g->opts.status == o->status && g->opts.flags == o->flags &&
		    g->opts.scheme == o->scheme && strcmp(g->hosts, hosts) == 0)
			return g->map;
	}
	/*
	 * Too many maps open: write those of single hosts, which only an
	 * entry for the same host and path in another scheme would need to
	 * follow, and if that frees none, all of them.
	 */
	if (r->ngroups == CSV_GROUPS_MAX) {
		csv_flush_groups(r, CSV_HOST_EXACT);
		if (!r->noted_batch)
			import_note(r->src, r->rd.first, "more than %d host and "
			    "option groups: the maps so far are written now; "
			    "an entry from here on comes after one for the "
			    "same path %s above it", CSV_GROUPS_MAX,
			    r->ngroups == CSV_GROUPS_MAX ? "and any host" :
			    "and host in another scheme");
		r->noted_batch = 1;
		if (r->ngroups == CSV_GROUPS_MAX)
			csv_flush_groups(r, CSV_HOST_ANY);
	}
	if (r->groups == NULL && (r->groups = calloc(CSV_GROUPS_MAX,
	    sizeof(*r->groups))) == NULL)
		return -1;
	g = &r->groups[r->ngroups];
	if ((g->hosts = strdup(hosts)) == NULL)
		return -1;
	g->opts = *o;
	g->opts.hosts = g->hosts[0] != '\0' ? g->hosts : NULL;
	g->rank = *rank;
	base = r->src->base;
	/* A name's hint: cut to fit, emit_name() makes it unique. */
	(void)snprintf(hint, sizeof(hint), "%.60s-%.58s%s%.5s", base,
	    hosts[0] != '\0' ? hosts : "any", o->scheme != NULL ? "-" : "",
	    o->scheme != NULL ? o->scheme : "");
	if ((g->map = emit_map_open(r->src->imp, hint, &g->opts)) < 0) {
		free(g->hosts);
		return -1;
	}
	r->ngroups++;
	return g->map;
}

/*
 * Hold a subpath row for the end of the file: path is its source path in
 * URL form, to its target.  Returns 0, or -1 after reporting it.
 */
static int
csv_hold(struct csv_reader *r, const char *path, const char *to,
    const struct emit_opts *o, const char *hosts,
    const struct csv_rank *rank, int suffix)
{
	char		 norm[LINE_MAX_LEN];
	struct csv_held	*h, **v;
	size_t		 nh, nt, np, cap;
	int		 rc;

	if ((rc = url_normalize_path(path, strlen(path), norm,
	    sizeof(norm))) < 0) {
		import_skip(r->src, r->rd.first, "%s", rc == URL_TOO_LONG ?
		    "the path is too long" : "a malformed percent-escape "
		    "(or %00) in the path");
		return -1;
	}
	if (r->nheld == r->heldcap) {
		cap = r->heldcap ? r->heldcap * 2 : 64;
		if ((v = realloc(r->held, cap * sizeof(*v))) == NULL)
			goto nomem;
		r->held = v;
		r->heldcap = cap;
	}
	nh = strlen(hosts) + 1;
	np = strlen(norm) + 1;
	nt = strlen(to) + 1;
	if ((h = malloc(sizeof(*h) + nh + np + nt)) == NULL)
		goto nomem;
	h->line = r->rd.first;
	h->opts = *o;
	h->rank = *rank;
	h->suffix = suffix;
	h->pathlen = np - 1;
	h->hosts = (char *)(h + 1);
	h->path = h->hosts + nh;
	h->to = h->path + np;
	memcpy(h->hosts, hosts, nh);
	memcpy(h->path, norm, np);
	memcpy(h->to, to, nt);
	r->held[r->nheld++] = h;
	return 0;
nomem:
	import_skip(r->src, r->rd.first, "out of memory");
	r->src->imp->failed = 1;
	return -1;
}

/*
 * Cloudflare's order among subpath rows: the longest (most specific) path
 * first, then the host and scheme, then the file's order.
 */
static int
csv_held_cmp(const void *a, const void *b)
{
	const struct csv_held	*ha = *(const struct csv_held *const *)a;
	const struct csv_held	*hb = *(const struct csv_held *const *)b;
	int			 c;

	if (ha->pathlen != hb->pathlen)
		return ha->pathlen > hb->pathlen ? -1 : 1;
	if ((c = csv_rank_cmp(&ha->rank, &hb->rank)) != 0)
		return c;
	return ha->line < hb->line ? -1 : ha->line > hb->line;
}

/* Append s to b with PCRE2's metacharacters escaped. */
static void
csv_regex_literal(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (strchr("\\^$.|?*+()[]{}", *s) != NULL)
			buf_addc(b, '\\');
		buf_addc(b, *s);
	}
}

/*
 * Write a held subpath row as a rule.  Subpath matching is at segment
 * boundaries: /a matches /a, /a/ and /a/b, not /ab; a source /a/ matches
 * /a/ and /a/b, not /a.  With preserve_path_suffix the rest is joined to
 * the target: a prefix rule, or for a source ending in '/' a regex whose
 * rest goes after the target's path (a '/' put between them).  Without
 * it, a regex to the fixed target.
 */
static void
csv_write_held(struct import_src *src, const struct csv_held *h)
{
	static char	 re[LINE_MAX_LEN], to[LINE_MAX_LEN];
	struct emit_rule rule;
	struct buf	 b, t;
	size_t		 n, auth;
	int		 slash = h->path[h->pathlen - 1] == '/';

	memset(&rule, 0, sizeof(rule));
	rule.opts = h->opts;
	rule.opts.hosts = h->hosts[0] != '\0' ? h->hosts : NULL;
	rule.match = h->path;
	rule.to = h->to;
	if (h->suffix && (!slash || h->pathlen == 1)) {
		rule.kind = RULE_PREFIX;
		emit_rule(src, h->line, NULL, &rule);
		return;
	}
	buf_init(&b, re, sizeof(re));
	buf_addc(&b, '^');
	csv_regex_literal(&b, h->path);
	rule.kind = RULE_REGEX;
	rule.match = re;
	if (!h->suffix) {
		if (!slash)
			buf_adds(&b, "(/|$)");
	} else {
		buf_adds(&b, "(.*)$");
		/* The target's path ends where its query or fragment starts. */
		auth = strncmp(h->to, "http", 4) == 0 && strstr(h->to, "://") !=
		    NULL ? (size_t)(strstr(h->to, "://") - h->to) + 3 : 0;
		n = auth + strcspn(h->to + auth, "?#");
		buf_init(&t, to, sizeof(to));
		buf_add(&t, h->to, n);
		if (n == 0 || h->to[n - 1] != '/' || n == auth)
			buf_addc(&t, '/');
		buf_adds(&t, "$1");
		buf_adds(&t, h->to + n);
		if (t.overflow) {
			import_skip(src, h->line, "the target is too long");
			return;
		}
		rule.to = to;
	}
	if (b.overflow) {
		import_skip(src, h->line, "the path is too long");
		return;
	}
	emit_rule(src, h->line, NULL, &rule);
}

/* A Cloudflare row's parameters. */
struct csv_params {
	int	 status;
	int	 keep_query;		/* preserve_query_string */
	int	 subdomains;		/* include_subdomains */
	int	 subpath;		/* subpath_matching */
	int	 suffix;		/* preserve_path_suffix */
};

/*
 * Which kind a row is (see the head of the file), from its fields and
 * source and what the file said before it.  CSV_SHEET rows of more than
 * three fields are the caller's to report.
 */
static enum csv_kind
csv_kind(struct csv_reader *r, const struct csv_source *cs)
{
	if (cs->host[0] == '\0') {
		r->seen_path = 1;
		return CSV_SHEET;
	}
	if (r->used > CSV_SHEET_FIELDS)
		return CSV_CLOUDFLARE;
	if (r->sheet)
		return CSV_SHEET;
	if (cs->scheme == NULL)
		return CSV_CLOUDFLARE;
	return r->seen_path ? CSV_SHEET : CSV_CLOUDFLARE;
}

/*
 * Read a row's status and, for a Cloudflare row, its parameters into *p,
 * checked against what Cloudflare takes.  NULL, or why the row is not
 * imported.
 */
static const char *
csv_params(const struct csv_reader *r, const struct csv_source *cs,
    enum csv_kind kind, struct csv_params *p)
{
	const char	*s;
	int		 k, st;

	memset(p, 0, sizeof(*p));
	if (kind == CSV_SHEET && r->used > CSV_SHEET_FIELDS)
		return "more than 3 fields in a from,to[,status] row (a "
		    "Cloudflare row's source has a host)";
	if (r->used > CSV_FIELDS)
		return "more than 7 fields in a Cloudflare row";
	if (csv_status(r->fields[2], &p->status) != 0)
		return "the status is not a number";
	st = p->status;
	if (kind == CSV_SHEET)
		return st != 301 && st != 302 && st != 303 && st != 307 &&
		    st != 308 ? "a status that is not a redirect (301, 302, "
		    "303, 307, 308)" : NULL;
	if (st != 301 && st != 302 && st != 307 && st != 308)
		return "a status Cloudflare does not take (301, 302, 307, 308)";
	/*
	 * Every boolean is FALSE when empty ("CSV file format for Bulk
	 * Redirects") except preserve_path_suffix, TRUE ("URL redirect
	 * parameters", "How Bulk Redirects work").
	 */
	if (csv_bool(r->fields[3], 0, &p->keep_query) != 0 ||
	    csv_bool(r->fields[4], 0, &p->subdomains) != 0 ||
	    csv_bool(r->fields[5], 0, &p->subpath) != 0 ||
	    csv_bool(r->fields[6], 1, &p->suffix) != 0)
		return "a parameter that is not TRUE, FALSE or empty";
	if (cs->query != NULL)
		return "a query in the source URL, which Cloudflare does not "
		    "take";
	if (p->keep_query && strchr(r->fields[1], '?') != NULL)
		return "a target with a query and preserve_query_string TRUE, "
		    "which Cloudflare does not take";
	for (k = 0, s = cs->path; p->subpath && *s != '\0'; s++)
		k += *s == '/';
	if (k > CSV_SUBPATH_SLASHES_MAX)
		return "a subpath source with more than 16 '/', which "
		    "Cloudflare does not take";
	return NULL;
}

/*
 * Import one record: a Cloudflare row or a spreadsheet row (see the head
 * of the file).  Everything it cannot express is reported.
 */
static void
csv_row(struct csv_reader *r)
{
	static char	 tobuf[IMPORT_LINE_MAX * 2 + 16];
	static char	 key[IMPORT_LINE_MAX + 16];
	char		 hosts[2 * HOST_MAX + 8];
	struct csv_source cs;
	struct csv_params p;
	struct emit_opts o;
	struct csv_rank	 rank;
	struct buf	 b;
	enum csv_kind	 kind = CSV_CLOUDFLARE;
	const char	*why;
	int		 k;

	if (r->used == 0)
		return;			/* an empty row, as Excel writes them */
	if (r->used < 2)
		why = "a row without a target (at least source,target)";
	else if (r->rd.first != r->rd.last)
		why = "a field holding a line break, which no URL does";
	else if (r->fields[1][0] == '\0')
		why = "an empty target";
	else if (csv_source(r->fields[0], &cs, &why) == 0) {
		kind = csv_kind(r, &cs);
		why = csv_params(r, &cs, kind, &p);
	}
	if (why != NULL) {
		csvread_skip(&r->rd, why);
		return;
	}
	memset(&o, 0, sizeof(o));
	o.status = p.status;
	o.flags = p.keep_query ? 0 : OPT_QUERY_DROP;
	if (kind == CSV_SHEET)
		cs.scheme = NULL;
	o.scheme = cs.scheme;
	csv_host(&cs, p.subdomains, hosts, sizeof(hosts), &rank);
	buf_init(&b, tobuf, sizeof(tobuf));
	import_literal(&b, r->fields[1], strlen(r->fields[1]));
	if (b.overflow || snprintf(key, sizeof(key), "%s%s%s", cs.path,
	    cs.query != NULL ? "?" : "", cs.query != NULL ? cs.query : "") >=
	    (int)sizeof(key)) {
		csvread_skip(&r->rd, "the row is too long");
		return;
	}
	if (p.subpath) {
		csv_hold(r, cs.path, tobuf, &o, hosts, &rank, p.suffix);
		return;
	}
	if ((k = csv_group(r, &o, hosts, &rank)) < 0) {
		import_skip(r->src, r->rd.first, "out of memory");
		r->src->imp->failed = 1;
		return;
	}
	emit_map_entry(r->src, r->rd.first, k, key, tobuf);
}

/*
 * Import one source: its records through csvread.c in the strict dialect,
 * the separator chosen by csv_separator(), a record not quoted as RFC 4180
 * says reported whole.
 */
void
csv_import(struct import_src *src)
{
	struct csv_reader	 r;
	size_t			 i;
	int			 first = 1, rc;

	memset(&r, 0, sizeof(r));
	r.src = src;
	r.rd.src = src;
	r.rd.dialect = CSVREAD_STRICT;
	r.rd.detect = csv_separator;
	r.rd.max = IMPORT_LINE_MAX;
	r.rd.field = r.fields;
	r.rd.keep = CSV_FIELDS;
	while ((rc = csvread_record(&r.rd)) > 0) {
		/* Cloudflare writes ',' only, whatever the first row holds. */
		if (first)
			r.sheet = r.rd.sep != ',';
		if (rc == 2) {
			first = 0;	/* reported */
			continue;
		}
		r.used = r.rd.nused > CSV_FIELDS ? CSV_FIELDS + 1 :
		    r.rd.nused;
		if (first && r.used > 0) {
			first = 0;
			if (csv_is_header(&r)) {
				/* Column names: said here, not reported. */
				fprintf(src->imp->out, "; %s:%u: a header row "
				    "(column names), skipped.\n\n", src->name,
				    r.rd.first);
				r.sheet = 1;
				continue;
			}
		}
		csv_row(&r);
	}
	csv_flush_groups(&r, CSV_HOST_ANY);
	if (r.nheld > 1)
		qsort(r.held, r.nheld, sizeof(*r.held), csv_held_cmp);
	for (i = 0; i < r.nheld; i++) {
		csv_write_held(src, r.held[i]);
		free(r.held[i]);
	}
	free(r.held);
	free(r.groups);
	csvread_free(&r.rd);
}
