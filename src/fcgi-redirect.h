/*
 * fcgi-redirect.h: the one internal header.
 *
 * Each file's external functions are listed under a comment naming the file;
 * everything else in a file is static.  The directories of src/ are the
 * phases:
 *
 *   load/     load time: load/ini.c reads an INI rule file (through inih,
 *             with a line reader of our own) and hands each section and
 *             key to load/rules.c, the builder, which validates it (each
 *             key by its parser in load/keys.c's table, values by
 *             load/values.c, names by load/names.c, targets compiled by
 *             load/target.c) and, only when the whole file is valid, has
 *             the index built and load/analysis.c follow its redirects
 *             (loops are errors).
 *   request/  request time, no I/O: request.c turns the CGI variables into
 *             a struct request, match.c finds the rule (a pure function of
 *             rule set and request), location.c builds the Location,
 *             response.c formats the answer, handle.c ties them together.
 *   serve/    the process: fastcgi.c reads and writes FastCGI records,
 *             serve.c serves CGI and FastCGI, reload.c notices a changed
 *             rule file, prefork.c and listen.c run --listen, peer.c says
 *             who may connect, log.c logs what went wrong with a request,
 *             stats.c counts the answers in a file every process shares.
 *
 * At the top: main.c (the command line), report.c (--stats, what the
 * counters say) and what every phase uses: the
 * arena, bounded buffers, diagnostics, URL normalization and the hash
 * index (built at load time, read at request time).
 *
 * Struct types are never typedef'd.
 */
#ifndef FCGI_REDIRECT_H
#define FCGI_REDIRECT_H

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define FR_VERSION "0.1.0"

/* Request limits.  A request URI longer than URI_MAX gets 414. */
#define URI_MAX		16384
/* A normalized path may grow threefold (every byte percent-encoded). */
#define PATH_BUF	(3 * URI_MAX + 1)
/* The longest Location we send; a longer one gets 414. */
#define LOCATION_MAX	(4 * URI_MAX + 8192)
/* A host name (RFC 1035 allows 253) plus a port; longer Hosts get 400. */
#define HOST_MAX	255
/* The longest physical line of a rule file (values of 8 KiB work whole). */
#define LINE_MAX_LEN	32768
/* Regex captures usable in a target: $1..$9. */
#define CAPTURES_MAX	9

/* ---- buf.c: bounded output buffers ---- */

/*
 * A byte buffer with a fixed capacity.  Appends past the capacity are
 * dropped and set `overflow`, so a caller checks once at the end.  The
 * content is always NUL-terminated (cap includes room for the NUL).
 */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	int	 overflow;
};

void	 buf_init(struct buf *, char *, size_t);

/*
 * Append n bytes of s, or mark the buffer overflowed.  Inline: a response
 * is a dozen appends, and a call each was a tenth of a request's cost.
 */
static inline void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->overflow || n >= b->cap - b->len) {
		b->overflow = 1;
		return;
	}
	__builtin_memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static inline void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, __builtin_strlen(s));
}

static inline void
buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void	 buf_add_uint(struct buf *, unsigned long);
void	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* ---- url.c: URL normalization and percent-encoding (RFC 3986) ---- */

#define URL_BAD		(-1)	/* malformed escape, %00, not a path */
#define URL_TOO_LONG	(-2)	/* does not fit the output */

int	 url_normalize_path(const char *, size_t, char *, size_t);
void	 url_encode_uri(struct buf *, const char *, size_t);
int	 url_is_pchar(unsigned char);
int	 url_hexval(unsigned char);
extern const char url_hexdigits[];
int	 url_host_valid(const char *, size_t, size_t *);
extern const unsigned char url_host_table[256];

/* ---- diag.c: FILE:LINE diagnostics for rule files ---- */

struct diag {
	FILE		*out;		/* where messages go; NULL: count only */
	const char	*file;		/* name used in messages */
	unsigned	 errors;
	unsigned	 warnings;
	unsigned	 printed;	/* capped at DIAG_PRINT_MAX */
};
#define DIAG_PRINT_MAX	200

void	 diag_init(struct diag *, FILE *, const char *);
void	 diag_error(struct diag *, unsigned, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	 diag_warning(struct diag *, unsigned, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	 diag_finish(struct diag *);

/* ---- arena.c: the memory of one rule set ---- */

struct arena_block;
struct arena {
	struct arena_block	*head;
};

void	 arena_init(struct arena *);
void	*arena_alloc(struct arena *, size_t);
char	*arena_strndup(struct arena *, const char *, size_t);
void	 arena_free(struct arena *);

/* ---- rule set (load/rules.c builds it, index.c indexes it) ---- */

enum rule_kind {
	RULE_PATH,		/* path = : exact */
	RULE_PREFIX,		/* prefix = */
	RULE_REGEX,		/* regex = */
	RULE_MAP_ENTRY		/* /key = target in a [map NAME] */
};

#define OPT_QUERY_DROP		0x01	/* query = drop */
#define OPT_CASE_IGNORE		0x02	/* case = ignore */
#define OPT_SLASH_EITHER	0x04	/* slash = either */
#define OPT_PARAMS_ONLY		0x08	/* other-params = refuse */

enum scheme {
	SCHEME_ANY = 0,
	SCHEME_HTTP,
	SCHEME_HTTPS
};

/*
 * The options a rule inherits from [defaults] and may set itself; a map's
 * options are shared by all its entries.  All strings live in the arena.
 */
struct rule_opts {
	int		 status;	/* 301 302 303 307 308 */
	unsigned	 flags;		/* OPT_* */
	const char	*cache;		/* Cache-Control value or NULL */
	const char	**hosts;	/* lowercase patterns, "*.x" for subdomains */
	size_t		 nhosts;
	const char	**methods;
	size_t		 nmethods;
	enum scheme	 scheme;
	int		 has_from, has_until;
	time_t		 from, until;	/* active when from <= now < until */
	const char	**headers;	/* "Name: value", already validated */
	size_t		 nheaders;
	const char	*params;	/* `params =`: a canonical query that
					   the request must have (query.c),
					   or NULL */
};

struct rule {
	const char		*name;	  /* section name (map name for entries) */
	unsigned		 line;	  /* line of the section or map entry */
	enum rule_kind		 kind;
	const char		*pattern; /* normalized path or prefix, or regex */
	size_t			 pattern_len;
	const char		*query;	  /* a path rule's or map key's
					     parameters: a canonical query
					     (query.c), or NULL */
	void			*re;	  /* the draft's pcre2_code *, for --check
					     (NULL in a rule read from an image:
					     ruleset_regex()) */
	const char		*target;  /* validated, URI-encoded, base applied */
	size_t			 target_len;
	size_t			 target_split; /* where its '?' or '#' starts */
	unsigned		 target_flags; /* TARGET_* */
	uint32_t		 regex_lit; /* RULE_REGEX: its literal prefix's
					    length, regex_literal_prefix() */
	uint32_t		 no;	  /* its number in file order, or
					     RULE_FALLBACK */
	const struct rule_opts	*opts;
};
#define RULE_FALLBACK	(UINT32_MAX - 1)

/* What a target uses, found when it is compiled. */
#define TARGET_USES_PATH	0x01	/* ${path}: no prefix rest appended */
#define TARGET_USES_QUERY	0x02	/* ${query}: the query is not appended */
#define TARGET_USES_HOST	0x04

/*
 * A rule file as load/rules.c builds it: rules with pointers into its
 * arena, in file order.  load/compile.c turns it into an image and frees
 * it; nothing at request time sees it.
 */
struct draft {
	struct arena		 arena;
	const char		*file;
	struct rule		*rules;		/* in file order: index = order */
	size_t			 nrules;
	size_t			 nmaps, nentries, nregex;
	/* When nothing matches: 404, 410, or a redirect to fallback_target. */
	int			 fallback_status;
	struct rule		 fallback;	/* a rule whose target is the fallback */
	const char		*base;		/* [defaults] base without a final
						   '/', or NULL */
	struct rule_opts	 defaults;
	int			 stats_off;	/* [defaults] stats = off */
};

/* ---- index.c: hash indexes of exact paths, prefixes and anchors ---- */

/*
 * One key in an image: 16 bytes, so that a probe costs one cache line.
 * The key's bytes are in the image's strings; its items (rule numbers)
 * form a chain in file order through the image's next[] array.
 */
struct index_slot {
	uint32_t	 head;	/* first item of the chain; INDEX_NONE: empty */
	uint32_t	 hash;	/* low bits of the key's hash */
	uint32_t	 key;	/* offset of the key in the strings */
	uint32_t	 keylen; /* its length, and the variant in the top byte */
};
#define INDEX_NONE	UINT32_MAX
#define INDEX_KEY_MAX	0xffffff	/* the longest key (PATH_BUF fits) */

/* A read-only view of one index in an image (image.c sets it up). */
struct index {
	const struct index_slot	*slots;
	size_t			 mask;	 /* slots - 1; a power of two - 1 */
	uint64_t		 lens;	 /* bit min(n, 63): a key of length n */
	const uint32_t		*next;	 /* the chains, shared by the indexes */
	uint32_t		 nitems; /* length of next[] */
	const char		*strings;
	size_t			 strings_len;
};

struct index_builder;

struct index_builder	*index_builder_new(size_t, size_t);
int			 index_builder_add(struct index_builder *,
			    const char *, uint32_t, size_t, unsigned,
			    uint64_t, uint32_t, int, uint32_t *, uint32_t *);
void			 index_builder_prefetch(const struct index_builder *,
			    uint64_t);
size_t			 index_builder_slots(const struct index_builder *,
			    const struct index_slot **, uint64_t *);
void			 index_builder_free(struct index_builder *);
uint32_t		 index_find(const struct index *, const char *, size_t,
			    unsigned, uint64_t);
uint32_t		 index_next(const struct index *, uint32_t);
void			 index_prefetch(const struct index *, const char *,
			    size_t, unsigned);
uint64_t		 index_hash(const char *, size_t, unsigned);
uint64_t		 index_hash_fnv(const char *, size_t, unsigned);
uint64_t		 index_hash_step(uint64_t, const char *, size_t);
uint64_t		 index_hash_end(uint64_t, unsigned);
#define INDEX_HASH_INIT	14695981039346656037ULL

/* ---- image.c: the compiled rule set, one position-independent block ---- */

/*
 * An image: every rule, string, option and index of a rule set in one
 * block of bytes addressed by offsets, the same in memory and in a file
 * (mapped read-only and shared by every process that serves it).  The
 * format is in image.c's head.
 */
#define IMAGE_MAGIC		"\177FRIMG\r\n"	/* 8 bytes */
#define IMAGE_MAGIC_LEN		8

/* What an image was compiled from: the rule file's stat(2). */
struct image_source {
	uint64_t	 dev, ino, size;
	int64_t		 mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
};

/*
 * The image's records.  Every number is in the byte order and width of
 * the machine that wrote it (the header says which; another is refused
 * and the image rebuilt, never converted).  Offsets into the strings are
 * 32-bit: an image holds at most 4 GiB of strings.
 */
#define IMAGE_VERSION		4
#define IMAGE_BYTE_ORDER	0x01020304u
#define IMAGE_NONE		UINT32_MAX	/* no string */
#define IMAGE_BUILD_MAX		48

/* One rule or map entry: 44 bytes. */
struct image_rule {
	uint32_t	 name;		/* strings offsets and lengths */
	uint32_t	 line;
	uint32_t	 pattern;
	uint32_t	 pattern_len;
	uint32_t	 target;
	uint32_t	 target_len;
	uint32_t	 target_split;
	uint32_t	 opts;		/* number in the options table */
	uint32_t	 regex_lit;	/* RULE_REGEX: literal prefix length */
	uint32_t	 regex_no;	/* RULE_REGEX: its number among them */
	uint8_t		 kind;		/* enum rule_kind */
	uint8_t		 target_flags;
	uint16_t	 pad;
};

/* One set of options, shared by every rule that has the same. */
struct image_opts {
	int64_t		 from, until;
	uint32_t	 status, flags, scheme;
	uint32_t	 has;		/* IMAGE_HAS_* */
	uint32_t	 cache;		/* strings offset, or IMAGE_NONE */
	uint32_t	 hosts, nhosts;	/* ranges of the refs */
	uint32_t	 methods, nmethods;
	uint32_t	 headers, nheaders;
	uint32_t	 params;	/* strings offset, or IMAGE_NONE */
};
/* The image header's flags: what [defaults] says of the whole set. */
#define IMAGE_FLAG_STATS_OFF	0x01	/* stats = off */

#define IMAGE_HAS_FROM		0x01
#define IMAGE_HAS_UNTIL		0x02

enum image_part {
	IMAGE_STRINGS,		/* bytes; the last is NUL */
	IMAGE_OPTS,		/* struct image_opts[nopts] */
	IMAGE_REFS,		/* uint32_t[nrefs]: strings offsets */
	IMAGE_RULES,		/* struct image_rule[nrules + 1] */
	IMAGE_NEXT,		/* uint32_t[nrules]: the indexes' chains */
	IMAGE_REGEX,		/* uint32_t[nregex]: regex rules in order */
	IMAGE_SIGS,		/* uint32_t[nsigs]: strings offsets of the
				   query signatures in use (query.c) */
	IMAGE_EXACT,		/* struct index_slot[], a power of two */
	IMAGE_PREFIX,
	IMAGE_ANCHOR,
	IMAGE_NPARTS
};

struct image_part_pos {
	uint64_t	 off, len;
};

/* The first bytes of an image: 392. */
struct image_header {
	char			 magic[IMAGE_MAGIC_LEN];
	uint32_t		 version;	/* IMAGE_VERSION */
	uint32_t		 byte_order;	/* IMAGE_BYTE_ORDER */
	uint32_t		 word_size;	/* sizeof(void *) */
	uint32_t		 header_size;	/* sizeof(struct image_header) */
	uint64_t		 size;		/* the whole image */
	char			 build[IMAGE_BUILD_MAX]; /* image_build_id */
	struct image_source	 source;
	uint32_t		 file;		/* strings: the rule file's name */
	uint32_t		 nrules, nopts, nrefs, nregex, nmaps, nentries;
	uint32_t		 exact_variants, prefix_variants;
	uint32_t		 query_variants, nsigs;
	int32_t			 fallback_status;
	uint32_t		 base;		/* strings, or IMAGE_NONE */
	uint32_t		 defaults;	/* options number */
	uint32_t		 flags;		/* IMAGE_FLAG_* */
	uint32_t		 pad;
	uint64_t		 lens[3];	/* exact, prefix, anchor */
	struct image_part_pos	 part[IMAGE_NPARTS];
	uint64_t		 checksum;	/* FNV-1a of the bytes above */
};

struct regex_cache;

/*
 * The compiled rule set that requests read: a view of an image.  Built
 * once, then read-only, but for `regexes`: each process compiles (and
 * JIT-compiles) a regex rule's pattern the first time a request tries it,
 * so that a CGI process pays only for the regexes its request reaches.
 */
struct ruleset {
	const unsigned char	*image;		/* the whole image */
	size_t			 size;
	int			 mapped;	/* munmap() it, else free() */
	const char		*file;		/* the rule file, for messages */
	const char		*strings;
	size_t			 strings_len;
	const void		*rules;		/* struct image_rule[nrules + 1] */
	size_t			 nrules;	/* the fallback is rule nrules */
	size_t			 nmaps, nentries, nregex;
	struct rule_opts	*opts;		/* decoded for this process */
	size_t			 nopts;
	const char		**refs;		/* the opts' string lists */
	struct index		 exact;		/* path rules and map entries */
	struct index		 prefix;	/* prefix rules */
	/*
	 * The regex rules: by the '/'-cut of their literal prefix, which is
	 * what match.c looks up, and all their numbers in file order, for a
	 * path with more anchors than it merges.
	 */
	struct index		 regex_anchor;
	const uint32_t		*regex;
	unsigned		 exact_variants; /* OPT_ flag sets in use */
	unsigned		 prefix_variants;
	unsigned		 query_variants; /* of exact keys with a query */
	const uint32_t		*sigs;		/* query signatures in use */
	size_t			 nsigs;
	/* When nothing matches: 404, 410, or a redirect to the fallback. */
	int			 fallback_status;
	const char		*base;		/* [defaults] base, or NULL */
	const struct rule_opts	*defaults;
	int			 stats_off;	/* [defaults] stats = off */
	struct image_source	 source;	/* what it was compiled from */
	const char		*build;		/* the binary that compiled it */
	struct regex_cache	*regexes;	/* per process, see above */
};

/* Why an image was not used (image_open()'s *why): a static phrase. */
struct ruleset	*image_open(const unsigned char *, size_t, int, const char *,
		    const char **);
const struct rule *ruleset_rule(const struct ruleset *, uint32_t,
		    struct rule *);
void		*ruleset_regex(const struct ruleset *, const struct rule *);
uint32_t	 ruleset_regex_rule(const struct ruleset *, size_t);
const char	*ruleset_sig(const struct ruleset *, size_t);
const char	*ruleset_query(const struct ruleset *, uint32_t);
int		 image_source_equal(const struct image_source *,
		    const struct image_source *);
void		 image_source_stat(struct image_source *, const struct stat *);
int		 image_is(const unsigned char *, size_t);
uint64_t	 image_checksum(const struct image_header *);
void		*image_regex_compile(const char *, size_t, unsigned, int *,
		    size_t *);
void		 ruleset_free(struct ruleset *);
extern const char image_build_id[];

/* ---- load/ini.c: reading a rule file through inih ---- */

/* What an '=' in a map key's query is handed to inih as (ini.c). */
#define KEY_EQ	'\x1f'

struct ruleset	*ini_load_file(const char *, struct diag *);
int		 ini_read_file(const char *, struct diag *, char **,
		    size_t *);
struct ruleset	*ini_load_file_text(const char *, const char *, size_t,
		    struct diag *);
struct ruleset	*ini_load_buffer(const char *, const char *, size_t,
		    struct diag *);

/* ---- load/rules.c: the builder: sections, [defaults], the set ---- */

struct builder;

struct builder	*rules_new(const char *, struct diag *);
void		 rules_section(struct builder *, const char *, unsigned);
void		 rules_key(struct builder *, const char *, const char *,
		    unsigned);
struct ruleset	*rules_finish(struct builder *);
void		 draft_free(struct draft *);

/* ---- load/compile.c: a draft to an image, and an image to a file ---- */

struct ruleset	*compile_draft(struct draft *, struct diag *);
int		 compile_write(const struct ruleset *,
		    const struct image_source *, const char *, char *, size_t);

/* ---- load/names.c: rule and map names: their syntax, duplicates ---- */

/* A hash set of names (not owned) with the line of each; start zeroed. */
struct names {
	const char	**name;
	unsigned	 *line;
	size_t		  cap, n;
};

int	 names_valid(const char *);
int	 names_add(struct names *, const char *, unsigned, unsigned *);
void	 names_free(struct names *);

/* ---- load/analysis.c: loops, chains, self-redirects and dead rules ---- */

int	 analysis_run(const struct draft *, const struct ruleset *,
	    struct diag *);
int	 analysis_host_internal(const struct ruleset *, const char *, size_t);
int	 analysis_conditional(const struct rule_opts *);
size_t	 analysis_conditions(const struct rule_opts *, char *, size_t);

/* ---- load/probe.c: --check's test runs of the regex rules ---- */

void	 probe_regexes(const struct ruleset *, struct diag *);

/* ---- load/target.c: checking and compiling redirect targets ---- */

int	 target_compile(struct arena *, struct diag *, const char *,
	    struct rule *, const char *, unsigned, int, const char *);

/* ---- load/keys.c: the keys of a section, declared in one table ---- */

/* The keys, as indexes of keys_table[] and as KEY_BIT()s in sets. */
enum key_id {
	KEY_STATUS, KEY_QUERY, KEY_CASE, KEY_SLASH, KEY_CACHE, KEY_HEADER,
	KEY_HOST, KEY_METHODS, KEY_SCHEME, KEY_FROM, KEY_UNTIL, KEY_PARAMS,
	KEY_OTHER_PARAMS, KEY_FALLBACK, KEY_BASE, KEY_STATS, KEY_PATH,
	KEY_PREFIX, KEY_REGEX, KEY_TO,
	KEY_N
};
#define KEY_BIT(k)	(1u << (k))

/* The sections a key is allowed in: struct key_def's `where`. */
#define KEY_IN_DEFAULTS	0x01
#define KEY_IN_RULE	0x02
#define KEY_IN_MAP	0x04

/*
 * What a key's parser works with (rules.c keeps one for the section being
 * read): where to report, where to allocate, the section's options, and
 * its own header lines (malloc'd; the builder frees them).
 */
struct key_ctx {
	struct diag		*diag;
	struct arena		*arena;
	struct rule_opts	*opts;
	const char		**headers;
	size_t			 nheaders;
};

/*
 * A key, as nginx declares a directive.  parse checks a value (in the
 * arena: it may keep it) found at a line and stores it in ctx->opts; it
 * returns 0, -1 after reporting the error on ctx->diag at that line, or -2
 * when out of memory (not reported).  A NULL parse: the value is checked
 * when its section is complete (rules.c).
 */
struct key_def {
	const char	*name;
	unsigned	 where;		/* KEY_IN_*: the sections taking it */
	int		 repeats;	/* may be given more than once */
	int		(*parse)(struct key_ctx *, const struct key_def *,
			    const char *, unsigned);
	const void	*post;		/* the parser's own data */
};

extern const struct key_def keys_table[KEY_N];

enum key_id	 keys_lookup(const char *);
unsigned	 keys_allowed(unsigned);

/* ---- load/values.c: the syntax of option values ---- */

int	 values_status(const char *);
int	 values_time(const char *, time_t *);
int	 values_host_pattern(const char *, size_t);
int	 values_token(const char *, size_t);
int	 values_field(const char *);

/* ---- query.c: query parameters, as rules name them and requests carry them ---- */

/* A request has at most this many parameters (a query of URI_MAX bytes). */
#define QUERY_PARAMS_MAX	(URI_MAX / 2 + 1)
/* The longest parameter name of a ${param:NAME} placeholder. */
#define PARAM_NAME_MAX		256
/* A rule may ask for at most this many. */
#define QUERY_RULE_PARAMS_MAX	32
#define QUERY_RULE_PARAMS_MAX_S	"32"

/*
 * One parameter of a request.  Its canonical name and value point into
 * the raw query when it is canonical already (only unreserved bytes: the
 * usual case costs no copy), else into the query's buf.
 */
struct query_param {
	const char	*raw;		/* "name=value" as sent */
	size_t		 raw_len;
	const char	*value_raw;
	size_t		 value_raw_len;
	const char	*name;		/* canonical */
	size_t		 name_len;
	const char	*value;		/* canonical; NULL: not made yet */
	size_t		 value_len;
	int		 has_value;
};

/* A request's query, parsed the first time a rule asks (per process). */
struct query {
	const char		*raw;
	size_t			 raw_len;
	int			 parsed;
	size_t			 n;
	size_t			 used;	/* of buf */
	struct query_param	 p[QUERY_PARAMS_MAX];
	char			 buf[3 * URI_MAX + 2 * QUERY_PARAMS_MAX + 16];
};

struct request;

int			 query_canon(const char *, size_t, char *, size_t);
int			 query_rule(const char *, size_t, char, char *,
			    const char **);
void			 query_signature(const char *, char *);
void			 query_init(struct query *, const struct request *);
size_t			 query_count(struct query *);
struct query_param	*query_param(struct query *, const char *, size_t);
const char		*query_value(struct query *, struct query_param *,
			    size_t *);
int			 query_key(struct query *, const char *, char *,
			    size_t);
int			 query_matches(struct query *, const char *);
int			 query_only(struct query *, const char *, const char *);
void			 query_matched(struct query *, const char *,
			    struct buf *, char, size_t *);
size_t			 query_kept(struct query *, const char *, const char *,
			    struct buf *, char);

/* ---- request/request.c: the request, from CGI variables (RFC 3875) ---- */

struct request {
	const char	*method;
	char		 path[PATH_BUF];	/* normalized */
	size_t		 path_len;
	const char	*query;		/* raw, after '?'; NULL when absent */
	size_t		 query_len;
	char		 host[HOST_MAX + 1];	/* lowercase, no port; may be "" */
	size_t		 host_len;
	int		 https;
	time_t		 now;
	unsigned	 assume;	/* REQ_ASSUME_*: 0 for real requests */
};

/*
 * For analysis.c, which follows targets without a real request: the
 * conditions on what it does not know are taken to hold.
 */
#define REQ_ASSUME_HOST		0x01
#define REQ_ASSUME_SCHEME	0x02
#define REQ_ASSUME_METHOD	0x04
#define REQ_ASSUME_TIME		0x08

const char	*request_param(char **, const char *);
const char	*request_method(char **);
int		 request_parse(struct request *, char **, time_t);

/* ---- request/match.c: finding the rule for a request ---- */

struct match {
	const struct rule	*rule;	/* NULL: nothing matched; else `found` */
	struct rule		 found;	/* the rule, read from the image */
	int			 regex_error; /* < 0: PCRE2's error running
					    rule's regex (no captures) */
	int			 damaged; /* the image's rule is unreadable */
	struct query		*query;	/* the request's (match_scratch's) */
	uint64_t		 path_hash; /* index_hash(path, path_len, 0)
					    when the lookup made it, else 0 */
	size_t			 rest_off; /* prefix rules: where the rest starts */
	size_t			 ncaptures;
	size_t			 cap_off[CAPTURES_MAX + 1];
	size_t			 cap_len[CAPTURES_MAX + 1];
};

struct match_scratch;

struct match_scratch	*match_scratch_new(void);
void			 match_scratch_free(struct match_scratch *);
int			 match_lookup(const struct ruleset *,
			    const struct request *, struct match_scratch *,
			    struct match *);
int			 match_regex_run(const struct ruleset *,
			    const struct rule *, const char *, size_t,
			    struct match_scratch *);
void			 match_prefetch(const struct ruleset *,
			    const struct request *);

/* ---- request/location.c: building the Location ---- */

int	 location_build(const struct request *, const struct match *,
	    struct buf *);

/* ---- request/response.c: status lines, headers and the HTML note ---- */

const char	*response_reason(int);
void		 response_redirect(struct buf *, int, const char *,
		    const struct rule_opts *, int);
void		 response_error(struct buf *, int, int);

/* ---- request/handle.c: one request, from variables to response bytes ---- */

/*
 * What was decided for a request, for the response, for --explain and for
 * the log (log.c): a rule that could not be answered is kept in `rule`
 * with status 500 and what went wrong.
 */
struct decision {
	int			 status;
	const struct rule	*rule;	/* NULL when no rule decided; else
					   match.found (a decision is not
					   copied) */
	struct match		 match;
	int			 head;	/* HEAD: no body */
	int			 regex_error; /* < 0: PCRE2's error on rule's
					    regex (match.c): 500 */
	int			 too_large; /* the answer did not fit
					    RESPONSE_MAX: 500 instead */
	int			 miss;	/* no rule matched: the fallback (404,
					   410 or its redirect) answered */
	char			 location[LOCATION_MAX];
	size_t			 location_len;
	struct request		 req;	/* the request it was decided for */
};

/* The response buffer: headers and the HTML note of the longest Location. */
#define RESPONSE_MAX	(7 * LOCATION_MAX)

void	 handle_decide(const struct ruleset *, char **, time_t,
	    struct match_scratch *, struct decision *);
void	 handle_respond(struct decision *, struct buf *);

/* ---- import/import.c: --import, the driver, source lines, the report ---- */

/*
 * --import turns another tool's redirects into a rule file on standard
 * output (fcgi-redirect(8), IMPORT in README.md).  A format's importer reads
 * its sources through import_getline(), writes what it can express through
 * emit.c, and reports everything else with import_skip(): nothing is
 * dropped without a FILE:LINE line on standard error.
 */
#define IMPORT_LINE_MAX	65536	/* a longer source line is reported */

struct emit_map;

/* One --import run: where the rule file goes, what it holds, the counts. */
struct import {
	FILE		*out;		/* the rule file: standard output */
	FILE		*report;	/* the report: standard error */
	const char	*format;
	unsigned	 skipped;	/* source lines reported not imported */
	int		 failed;	/* a source or the output failed */
	struct arena	 arena;		/* names, map options */
	struct names	 names;		/* the names given so far */
	struct emit_map	*maps;
	size_t		 nmaps;
};

/* One source file, read a line at a time (import_getline()). */
struct import_src {
	struct import	*imp;
	const char	*name;		/* as given; "(stdin)": standard input */
	char		 base[65];	/* what section names are made of: the
					   name's last component, at most 64
					   bytes, or "stdin" */
	FILE		*f;
	unsigned	 line;		/* of the line last read, from 1 */
	char		*buf;
	size_t		 cap;
};

int	 import_main(const char *, char **, int);
struct import	*import_new(const char *, FILE *, FILE *);
void	 import_read(struct import *, const char *, FILE *);
int	 import_end(struct import *);
int	 import_getline(struct import_src *, char **, size_t *);
void	 import_skip(struct import_src *, unsigned, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	 import_note(struct import_src *, unsigned, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
int	 import_regex_path(const char *, size_t, char *, size_t,
	    const char **);
void	 import_literal(struct buf *, const char *, size_t);
void	 import_path_encode(struct buf *, const char *, size_t);

/* ---- import/emit.c: writing imported rules and maps as a rule file ---- */

/* The options of an imported rule or map; zeroed means the defaults. */
struct emit_opts {
	int		 status;	/* 301 302 303 307 308; 0: 307 */
	unsigned	 flags;		/* OPT_QUERY_DROP, OPT_CASE_IGNORE,
					   OPT_SLASH_EITHER, OPT_PARAMS_ONLY */
	const char	*hosts;		/* `host =`: patterns, blank-separated */
	const char	*params;	/* `params =`, or NULL */
	const char	*methods;	/* `methods =`, or NULL */
	const char	*scheme;	/* "http", "https" or NULL */
};

/* A rule: one of path, prefix or regex, a target, its options. */
struct emit_rule {
	enum rule_kind	 kind;		/* RULE_PATH, RULE_PREFIX, RULE_REGEX */
	const char	*match;		/* the path[?query], prefix or regex */
	const char	*to;		/* a target as fcgi-redirect.ini(5) has
					   it: placeholders, "$$" for '$' */
	struct emit_opts opts;
};

int	 emit_rule(struct import_src *, unsigned, const char *,
	    const struct emit_rule *);
int	 emit_map_open(struct import *, const char *,
	    const struct emit_opts *);
void	 emit_map_opts(struct import *, int, const struct emit_opts *);
int	 emit_map_entry(struct import_src *, unsigned, int, const char *,
	    const char *);
void	 emit_map_flush(struct import *, int);
int	 emit_map_again(struct import *, int, const struct emit_opts *,
	    const char **);
void	 emit_map_drop(struct import *, int, struct import_src *, unsigned,
	    const char *);
size_t	 emit_map_size(struct import *, int);
void	 emit_flush_all(struct import *);
void	 emit_free(struct import *);

/* ---- import/csvread.c: CSV records (RFC 4180) for the importers ---- */

/*
 * How a record splits into fields.  Both take RFC 4180's quoting: a field
 * that starts with '"' is quoted, "" in it is a '"', and it may hold the
 * separator and line breaks.
 */
enum csvread_dialect {
	CSVREAD_STRICT,		/* RFC 4180: blanks around a field trimmed;
				   text after a closing quote, or a '"' in
				   a field not quoted whole, is an error */
	CSVREAD_LENIENT,	/* PHP's fgetcsv(): a '"' opens a quote only
				   as a field's first byte, text after the
				   closing quote is kept, nothing trimmed */
};

/*
 * A CSV reader over one source.  The caller zeroes it and sets the fields
 * up to `keep`; csvread_record() fills the rest; csvread_free() frees it.
 */
struct csvread {
	struct import_src *src;
	enum csvread_dialect dialect;
	char		 sep;		/* the separator; 0: detect decides */
	char		(*detect)(const char *, size_t);
					/* while sep is 0, called with each
					   record's first line: the separator,
					   or 0 (',' for this record) */
	size_t		 max;		/* a record's bytes, at most */
	char		**field;	/* room for `keep` field pointers */
	size_t		 keep;
	/* The record last read. */
	char		*rec;		/* its lines joined by '\n', NUL-ended */
	size_t		 len;
	unsigned	 first, last;	/* its source lines */
	size_t		 nfields;	/* all of them, kept or not */
	size_t		 nused;		/* up to the last non-empty one */
	/* The reader's own. */
	char		*out;		/* the fields, NUL-ended */
	size_t		 cap;		/* of rec and of out */
	size_t		 scanned;	/* of rec, by the quote scan */
	int		 inquote, fieldstart;
};

int	 csvread_record(struct csvread *);
void	 csvread_skip(const struct csvread *, const char *);
void	 csvread_free(struct csvread *);

/* ---- import/FORMAT.c: the importers, one source file each call ---- */

void	 apache_import(struct import_src *);
void	 nginx_import(struct import_src *);
void	 netlify_import(struct import_src *);
void	 csv_import(struct import_src *);
void	 redirection_import(struct import_src *);

/* ---- serve/log.c: rate-limited request-time log lines ---- */

void	 log_fault(FILE *, const char *, const struct decision *,
	    const struct ruleset *);
void	 log_decision(const struct decision *, const struct ruleset *);
void	 log_connection(const char *, ...)
	    __attribute__((format(printf, 1, 2)));

/* ---- serve/reload.c: noticing a changed rule file, loading it beside ---- */

struct reload;

/*
 * How long a changed file must be left alone before it is read, in ms.
 * Two seconds: longer than the pauses of an upload or of an editor on a
 * slow disk (0.25 s pauses were seen to give partial loads with the 200 ms
 * of old) and than TCP's first retransmission timeout (1 s, RFC 6298),
 * short enough that an edit by hand shows within about three seconds.
 */
#define SETTLE_DEFAULT_MS	2000
#define SETTLE_MAX_MS		600000
/*
 * A reload to fewer than half the rules and map entries in use waits for
 * SIGHUP when at least this many are in use (reload_drops_most()): files
 * this small are edited by hand, and halving one is no sign of a cut.
 */
#define RELOAD_DROP_MIN		100

struct reload		*reload_new(const char *, const char *, long);
const struct ruleset	*reload_rules(const struct reload *);
unsigned long		 reload_generation(const struct reload *);
int			 reload_poll(struct reload *, int);
int			 reload_loading(const struct reload *);
void			 reload_free(struct reload *);
int			 reload_settled(const struct timespec *,
			    const struct timespec *, long);
int			 reload_drops_most(size_t, size_t);

/* ---- serve/peer.c: who may talk to the FastCGI socket ---- */

struct peer_rule;
struct peer_list {
	struct peer_rule	*rules;
	size_t			 n;
	size_t			 nets;	/* address rules (TCP peers) */
	size_t			 creds;	/* uid: and gid: rules (Unix peers) */
};
#define PEER_NAME_MAX	80	/* a refused peer, as the log names it */

int	 peer_list_add(struct peer_list *, const char *, char *, size_t);
void	 peer_list_free(struct peer_list *);
int	 peer_allowed(const struct peer_list *, int, const struct sockaddr *,
	    char *);
int	 peer_addr_loopback(const struct sockaddr *);

/* ---- serve/fastcgi.c: the FastCGI responder role, read and written ---- */

/* The parameters (CGI variables) of a request, all names and values. */
#define FASTCGI_PARAMS_MAX	(128 * 1024)
/* The bytes up to the end of the parameters, record headers included. */
#define FASTCGI_HEAD_MAX	(FASTCGI_PARAMS_MAX + 8192)
/* How many parameters a request may have (lighttpd sends about 25). */
#define FASTCGI_VARS_MAX	4096
/* How long an answered connection may linger while the peer sends. */
#define FASTCGI_LINGER_MS	1000

enum fastcgi_verdict {
	FASTCGI_NEED_MORE,
	FASTCGI_OK,
	FASTCGI_TOO_LARGE,
	FASTCGI_BAD,
	FASTCGI_CLOSED,
	FASTCGI_TIMEOUT
};

struct fastcgi_head {
	size_t		 len;		/* OK: bytes up to the body */
	size_t		 params_start;	/* OK: the FCGI_PARAMS records */
	size_t		 params_end;
	unsigned	 request_id;
	unsigned	 type;		/* BAD: the offending record, or 0 */
	const char	*why;		/* BAD: a static noun phrase */
};

/* A request's parameters as an environment ("name=value", NULL-ended). */
struct fastcgi_env {
	char		*vars[FASTCGI_VARS_MAX + 1];
	char		 buf[FASTCGI_PARAMS_MAX + 2 * FASTCGI_VARS_MAX];
};

/* One request read from a connection: some 400 KiB, never on a stack. */
struct fastcgi_request {
	unsigned		 id;
	struct fastcgi_head	 h;
	struct fastcgi_env	 env;
	unsigned char		 head[FASTCGI_HEAD_MAX];
	unsigned char		 scratch[FASTCGI_PARAMS_MAX];
};

int		 fastcgi_check(const unsigned char *, size_t,
		    struct fastcgi_head *, unsigned char *,
		    struct fastcgi_env *);
const char	*fastcgi_record_name(unsigned);
long long	 fastcgi_now_ms(void);
int		 fastcgi_read(int, long long, const sigset_t *,
		    volatile sig_atomic_t *, struct fastcgi_request *);
int		 fastcgi_write(int, unsigned, const char *, size_t);
void		 fastcgi_close(int);

/* ---- serve/cache.c: the rule set, from an up-to-date image or the file ---- */

const char	*cache_path(const char *, const char *, char *, size_t);
int		 cache_dir_writable(const char *);
int		 cache_lock_wait(int, long);
int		 cache_is_image(const char *);
void		*cache_map_file(const char *, int, size_t, const char *,
		    size_t *, const char **);
struct ruleset	*cache_map(const char *, const char *, const char **);
struct ruleset	*cache_load(const char *, const char *, int, struct diag *,
		    int *);
#define CACHE_HELD_CUT		1	/* no newline at its end */
#define CACHE_HELD_EMPTY	2

/* ---- serve/stats.c: hit counters shared by every serving process ---- */

/*
 * The counters file, FILE.stats beside the rule file: a header, one slot
 * per rule and map entry in image order and one for the fallback, the
 * answers by status, and the top missed paths.  The format is in stats.c's
 * head.  Every number is in the byte order and width of the machine that
 * wrote it (another is refused and the file rebuilt).
 */
#define STATS_MAGIC		"\177FRSTAT\n"	/* 8 bytes */
#define STATS_MAGIC_LEN		8
#define STATS_VERSION		1
#define STATS_BYTE_ORDER	0x01020304u
#define STATS_TOP_N		1024	/* the top missed paths table */
#define STATS_TOP_WAYS		8	/* entries a path may take: a bucket */
#define STATS_PATH_MAX		100	/* a missed path's bytes kept, NUL
					   included */
#define STATS_STATUS_N		12	/* stats_status_codes[], "other" first */

/* The first bytes of a counters file: 176. */
struct stats_header {
	char			 magic[STATS_MAGIC_LEN];
	uint32_t		 version;	/* STATS_VERSION */
	uint32_t		 byte_order;	/* STATS_BYTE_ORDER */
	uint32_t		 word_size;	/* sizeof(void *) */
	uint32_t		 header_size;	/* sizeof(struct stats_header) */
	uint64_t		 size;		/* the whole file */
	/* The identity of the image it counts. */
	char			 build[IMAGE_BUILD_MAX];
	struct image_source	 source;
	uint64_t		 ids;		/* a digest of the slots' ids */
	uint32_t		 nslots;	/* rules and map entries + 1 */
	uint32_t		 nstatus;	/* STATS_STATUS_N */
	uint32_t		 ntop;		/* STATS_TOP_N */
	uint32_t		 pad;
	uint64_t		 checksum;	/* FNV-1a of the bytes above */
	int64_t			 since;		/* counting began (or --reset);
					   written in place, so not summed */
};

/* A rule's, a map entry's or the fallback's counters: 32 bytes. */
struct stats_slot {
	uint64_t	 id;		/* stats_rule_id(): kind, name, key */
	uint64_t	 hits;
	int64_t		 first, last;	/* time(2) of the first, last hit; 0 */
};

/* The answers of one status: 16 bytes. */
struct stats_status {
	uint32_t	 code;		/* stats_status_codes[i] */
	uint32_t	 pad;
	uint64_t	 hits;
};

/* One entry of the top missed paths (space-saving, stats.c): 128 bytes. */
struct stats_miss {
	uint64_t	 claim;		/* 0 empty, STATS_CLAIM_BUSY being
					   written, else the path's hash | 2 */
	uint64_t	 count;		/* an overestimate, see stats.c */
	int64_t		 last;
	uint32_t	 len;		/* the path's whole length */
	char		 path[STATS_PATH_MAX]; /* its start, NUL-terminated */
};
#define STATS_CLAIM_BUSY	1

/* An open counters file: its mapping and where its parts are. */
struct stats {
	unsigned char		*map;
	size_t			 size;
	int			 writable;
	struct stats_header	*h;
	struct stats_slot	*slots;
	size_t			 nslots;
	struct stats_status	*status;
	struct stats_miss	*top;
	uint32_t		*idpos;	/* stats_find()'s index of the slots
					   by id (slot + 1; 0 empty), built
					   at its first miss, or NULL */
	size_t			 idmask;
};

#define STATS_OPEN_SERVE	0	/* read-write; rebuilt when stale */
#define STATS_OPEN_READ		1	/* read-only, as it is (--stats) */
#define STATS_OPEN_WRITE	2	/* read-write, as it is (--reset) */

extern const int stats_status_codes[STATS_STATUS_N];

const char	*stats_path(const char *, char *, size_t);
uint64_t	 stats_rule_id(const struct rule *);
struct stats	*stats_open(const struct ruleset *, const char *, const char *,
		    int, char *, size_t);
void		 stats_close(struct stats *);
void		 stats_count(struct stats *, const struct decision *);
void		 stats_count_miss(struct stats *, const char *, size_t,
		    uint64_t, int64_t);
/* The index in stats_status_codes[] of a status: a table lookup. */
extern const unsigned char stats_status_table[600];
static inline size_t
stats_status_index(int code)
{
	return code >= 0 && code < 600 ? stats_status_table[code] : 0;
}
const struct stats_slot *stats_find(struct stats *, uint64_t, size_t);
int		 stats_check(const unsigned char *, size_t, const char **);
void		 stats_reset(struct stats *, const struct stats_slot *,
		    int64_t);

/* ---- report.c: --stats, what the counters file says ---- */

enum report_format {
	REPORT_TEXT, REPORT_CSV, REPORT_JSON, REPORT_PROMETHEUS
};

struct report_opts {
	const char		*stats;		/* the counters file */
	enum report_format	 format;
	size_t			 top;		/* --top: rows of each list */
	long			 unused_days;	/* --unused */
	int			 reset_given;	/* --reset */
	const char		*reset;		/* its RULE, or NULL: all */
};
#define REPORT_TOP_DEFAULT	10
#define REPORT_UNUSED_DEFAULT	30

int	 report_stats(const struct ruleset *, const struct report_opts *);

/* ---- serve/serve.c: CGI and FastCGI serving, signals ---- */

/* What serving needs besides the rule file; main.c fills it. */
struct serve_opts {
	const char		*rules;		/* the rule file */
	const char		*image_opt;	/* --image, FCGI_REDIRECT_IMAGE */
	const char		*image;		/* its image (cache_path()), or
						   NULL: images off */
	const char		*stats;		/* its counters file
						   (stats_path()), or NULL */
	struct peer_list	 allow;		/* --allow and the environment */
	long			 timeout_ms;	/* for a whole request head */
	long			 settle_ms;	/* see reload_new() */
};
#define TIMEOUT_DEFAULT_MS	5000

int	 serve(const struct serve_opts *, int);
int	 serve_is_fastcgi(int);
int	 serve_fastcgi(int, struct reload *, int, const struct serve_opts *);
void	 serve_signals(int);

/* ---- serve/listen.c: the listening socket of --listen ---- */

struct listen_addr {
	union {
		struct sockaddr_un	 un;
		struct sockaddr_in	 in;
		struct sockaddr_in6	 in6;
	};
	socklen_t	 len;
	const char	*spec;		/* as given, for messages */
	const char	*path;		/* a Unix socket's path, else NULL */
	int		 wildcard;	/* TCP on every address */
};
#define LISTEN_BACKLOG	128

int	 listen_parse(const char *, struct listen_addr *, char *, size_t);
int	 listen_open(const struct listen_addr *, long, char *, size_t);

/* ---- serve/prefork.c: the standalone mode (--listen) ---- */

#define WORKERS_MAX	256
int	 prefork_run(const struct listen_addr *, long, int,
	    const struct serve_opts *);

#endif /* FCGI_REDIRECT_H */
