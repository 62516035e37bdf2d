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
 *             who may connect, log.c logs what went wrong with a request.
 *
 * At the top: main.c (the command line) and what every phase uses: the
 * arena, bounded buffers, diagnostics, URL normalization and the hash
 * index (built at load time, read at request time).
 *
 * Struct types are never typedef'd.
 */
#ifndef FCGI_REDIRECT_H
#define FCGI_REDIRECT_H

#include <sys/socket.h>
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
};

struct rule {
	const char		*name;	  /* section name (map name for entries) */
	unsigned		 line;	  /* line of the section or map entry */
	enum rule_kind		 kind;
	const char		*pattern; /* normalized path or prefix, or regex */
	size_t			 pattern_len;
	void			*re;	  /* pcre2_code * for RULE_REGEX */
	const char		*target;  /* validated, URI-encoded, base applied */
	size_t			 target_split; /* where its '?' or '#' starts */
	unsigned		 target_flags; /* TARGET_* */
	uint32_t		 regex_lit; /* RULE_REGEX: its literal prefix's
					    length, match_regex_prefix() */
	const struct rule_opts	*opts;
};

/* What a target uses, found when it is compiled. */
#define TARGET_USES_PATH	0x01	/* ${path}: no prefix rest appended */
#define TARGET_USES_QUERY	0x02	/* ${query}: the query is not appended */
#define TARGET_USES_HOST	0x04

struct index;

struct ruleset {
	struct arena		 arena;
	const char		*file;
	struct rule		*rules;		/* in file order: index = order */
	size_t			 nrules;
	size_t			 nmaps, nentries, nregex;
	struct index		*exact;		/* path rules and map entries */
	struct index		*prefix;	/* prefix rules */
	/*
	 * The regex rules: by the '/'-cut of their literal prefix, which is
	 * what match.c looks up, and all their numbers in file order, for a
	 * path with more anchors than it merges.
	 */
	struct index		*regex_anchor;
	uint32_t		*regex;
	unsigned		 exact_variants; /* OPT_ flag sets in use */
	unsigned		 prefix_variants;
	/* When nothing matches: 404, 410, or a redirect to fallback_target. */
	int			 fallback_status;
	struct rule		 fallback;	/* a rule whose target is the fallback */
	const char		*base;		/* [defaults] base without a final
						   '/', or NULL */
	struct rule_opts	 defaults;
};

/* ---- load/ini.c: reading a rule file through inih ---- */

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
void		 ruleset_free(struct ruleset *);

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

int	 analysis_run(const struct ruleset *, struct diag *);
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
	KEY_HOST, KEY_METHODS, KEY_SCHEME, KEY_FROM, KEY_UNTIL,
	KEY_FALLBACK, KEY_BASE, KEY_PATH, KEY_PREFIX, KEY_REGEX, KEY_TO,
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

/* ---- index.c: hash indexes of exact paths and prefixes ---- */

struct index	*index_new(size_t);
int		 index_add(struct index *, const struct rule *, uint32_t,
		    const char *, size_t, unsigned, uint32_t *);
uint32_t	 index_find(const struct index *, const struct rule *,
		    const char *, size_t, unsigned, uint64_t);
uint32_t	 index_next(const struct index *, uint32_t);
void		 index_prefetch(const struct index *, const char *, size_t,
		    unsigned);
int		 index_build(struct ruleset *, struct diag *);
uint64_t	 index_hash(const char *, size_t, unsigned);
uint64_t	 index_hash_step(uint64_t, const char *, size_t);
uint64_t	 index_hash_end(uint64_t, unsigned);
#define INDEX_HASH_INIT	14695981039346656037ULL
void		 index_free(struct index *);
#define INDEX_NONE	UINT32_MAX

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
	const struct rule	*rule;	/* NULL: nothing matched */
	int			 regex_error; /* < 0: PCRE2's error running
					    rule's regex (no captures) */
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
int			 match_regex_run(const struct rule *, const char *,
			    size_t, struct match_scratch *);
size_t			 match_regex_prefix(const char *);
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
	const struct rule	*rule;	/* NULL when no rule decided */
	int			 head;	/* HEAD: no body */
	int			 regex_error; /* < 0: PCRE2's error on rule's
					    regex (match.c): 500 */
	int			 too_large; /* the answer did not fit
					    RESPONSE_MAX: 500 instead */
	char			 location[LOCATION_MAX];
	size_t			 location_len;
};

/* The response buffer: headers and the HTML note of the longest Location. */
#define RESPONSE_MAX	(7 * LOCATION_MAX)

void	 handle_decide(const struct ruleset *, char **, time_t,
	    struct match_scratch *, struct decision *);
void	 handle_respond(struct decision *, struct buf *);

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

struct reload		*reload_new(const char *, long);
const struct ruleset	*reload_rules(const struct reload *);
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

/* ---- serve/serve.c: CGI and FastCGI serving, signals ---- */

/* What serving needs besides the rule file; main.c fills it. */
struct serve_opts {
	const char		*rules;		/* the rule file */
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
