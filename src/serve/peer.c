/*
 * peer.c: who may talk to the FastCGI socket.
 *
 * Only the web server should reach fcgi-redirect.  Every accepted
 * connection is checked here before a byte of it is read:
 *
 *  - TCP: the peer's address must be in the allow-list (--allow,
 *    FCGI_REDIRECT_ALLOW, and libfcgi's FCGI_WEB_SERVER_ADDRS); without
 *    one, only loopback peers (127.0.0.0/8, ::1) are answered.  An
 *    IPv4-mapped IPv6 peer (::ffff:a.b.c.d) counts as its IPv4 address.
 *  - Unix sockets: the socket file's permissions decide who can connect;
 *    when the allow-list names users or groups (uid:, gid:), the peer's
 *    credentials (SO_PEERCRED, taken at connect time by the kernel) must
 *    match one of them as well.
 *
 * The list is built once at start-up (names resolved then) and only read
 * afterwards.  The static binary (FR_STATIC, `make static`) takes numbers
 * only: static glibc cannot use NSS, so getpwnam() there would load the
 * host's NSS modules, built for another glibc, at run time.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#ifndef FR_STATIC
#include <grp.h>
#include <pwd.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "fcgi-redirect.h"

enum peer_kind {
	PEER_UID,
	PEER_GID,
	PEER_NET		/* addr/bits, IPv4 as ::ffff:a.b.c.d */
};

struct peer_rule {
	enum peer_kind	 kind;
	unsigned	 id;		/* PEER_UID, PEER_GID */
	unsigned char	 addr[16];	/* PEER_NET */
	unsigned	 bits;
};

/* ::ffff:0:0/96, the IPv4-mapped prefix (RFC 4291 §2.5.5.2). */
static const unsigned char v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

#ifdef FR_STATIC
#define PEER_ID_HINT	"uid:NUMBER, gid:NUMBER"
#else
#define PEER_ID_HINT	"uid:NAME, gid:NAME"
#endif

/* Parse a decimal number of at most `max`; 0 or -1. */
static int
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char	*end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno != 0 || *end != '\0' || *out > max ? -1 : 0;
}

#ifdef FR_STATIC
/* The static binary looks no names up (see the top); always -1 with why. */
static int
peer_id_lookup(struct peer_rule *r, const char *name, const char **why)
{
	(void)name;
	*why = r->kind == PEER_UID ? "names are not looked up in the static "
	    "binary; write uid:NUMBER" : "names are not looked up in the "
	    "static binary; write gid:NUMBER";
	return -1;
}
#else
/* The id of user or group `name` (r->kind) into r; 0, or -1 with why. */
static int
peer_id_lookup(struct peer_rule *r, const char *name, const char **why)
{
	struct passwd	*pw;
	struct group	*gr;

	if (r->kind == PEER_UID && (pw = getpwnam(name)) != NULL)
		r->id = pw->pw_uid;
	else if (r->kind == PEER_GID && (gr = getgrnam(name)) != NULL)
		r->id = gr->gr_gid;
	else {
		*why = r->kind == PEER_UID ? "no such user" : "no such group";
		return -1;
	}
	return 0;
}
#endif

/* One item of an allow-list into r; 0, or -1 with why. */
static int
peer_rule_parse(const char *item, struct peer_rule *r, const char **why)
{
	char		 host[INET6_ADDRSTRLEN + 2];
	const char	*slash;
	unsigned long	 n;
	size_t		 len;
	int		 v6;

	memset(r, 0, sizeof(*r));
	if (strncmp(item, "uid:", 4) == 0 || strncmp(item, "gid:", 4) == 0) {
		r->kind = item[0] == 'u' ? PEER_UID : PEER_GID;
		item += 4;
		if (parse_uint(item, (unsigned)-2, &n) == 0) {
			r->id = (unsigned)n;
			return 0;
		}
		return peer_id_lookup(r, item, why);
	}
	r->kind = PEER_NET;
	slash = strchr(item, '/');
	len = slash != NULL ? (size_t)(slash - item) : strlen(item);
	if (len >= 2 && item[0] == '[' && item[len - 1] == ']') {
		item++;		/* [::1] as well as ::1 */
		len -= 2;
	}
	if (len == 0 || len >= sizeof(host)) {
		*why = "not an address";
		return -1;
	}
	memcpy(host, item, len);
	host[len] = '\0';
	v6 = strchr(host, ':') != NULL;
	if (v6 ? inet_pton(AF_INET6, host, r->addr) != 1 :
	    inet_pton(AF_INET, host, r->addr + 12) != 1) {
		*why = "not a numeric IPv4 or IPv6 address";
		return -1;
	}
	if (!v6)
		memcpy(r->addr, v4mapped, sizeof(v4mapped));
	r->bits = 128;
	if (slash != NULL) {
		if (parse_uint(slash + 1, v6 ? 128 : 32, &n) == -1) {
			*why = v6 ? "the prefix length is not 0 to 128" :
			    "the prefix length is not 0 to 32";
			return -1;
		}
		r->bits = (unsigned)n + (v6 ? 0 : 96);
	}
	return 0;
}

/*
 * Add the items of `spec` (separated by commas or blanks) to the list.
 * Returns 0, or -1 with a message naming the bad item in err.
 */
int
peer_list_add(struct peer_list *pl, const char *spec, char *err, size_t errlen)
{
	char			 item[256];
	struct peer_rule	*r;
	const char		*why;
	size_t			 len;

	for (;;) {
		spec += strspn(spec, ", \t");
		if ((len = strcspn(spec, ", \t")) == 0)
			return 0;
		if (len >= sizeof(item)) {
			snprintf(err, errlen, "'%.40s...' is too long", spec);
			return -1;
		}
		memcpy(item, spec, len);
		item[len] = '\0';
		spec += len;
		if ((r = realloc(pl->rules, (pl->n + 1) * sizeof(*r))) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		pl->rules = r;
		if (peer_rule_parse(item, &r[pl->n], &why) == -1) {
			snprintf(err, errlen, "'%s': %s (write an address such "
			    "as 127.0.0.1, 10.0.0.0/8 or ::1, or "
			    PEER_ID_HINT ")", item, why);
			return -1;
		}
		if (r[pl->n].kind == PEER_NET)
			pl->nets++;
		else
			pl->creds++;
		pl->n++;
	}
}

void
peer_list_free(struct peer_list *pl)
{
	free(pl->rules);
	memset(pl, 0, sizeof(*pl));
}

/* Whether the first `bits` bits of a and b are equal. */
static int
prefix_equal(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned	 whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, whole) != 0)
		return 0;
	return rest == 0 ||
	    ((a[whole] ^ b[whole]) & (0xff00 >> rest) & 0xff) == 0;
}

/* A TCP peer's address as 16 bytes (IPv4 mapped); -1 when not TCP. */
static int
peer_addr(const struct sockaddr *sa, unsigned char *addr)
{
	if (sa->sa_family == AF_INET) {
		memcpy(addr, v4mapped, sizeof(v4mapped));
		memcpy(addr + 12, &((const struct sockaddr_in *)(const void *)
		    sa)->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(addr, &((const struct sockaddr_in6 *)(const void *)
		    sa)->sin6_addr, 16);
		return 0;
	}
	return -1;
}

/* Whether the 16-byte address is loopback: 127.0.0.0/8 or ::1. */
static int
addr_loopback(const unsigned char *a)
{
	static const unsigned char v6loop[16] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
	};

	return (memcmp(a, v4mapped, 12) == 0 && a[12] == 127) ||
	    memcmp(a, v6loop, 16) == 0;
}

/*
 * Whether the peer of the accepted connection fd, whose address accept()
 * gave as sa, may talk to us.  On refusal, `who` (at least
 * PEER_NAME_MAX bytes) says who it was, for the log.
 */
int
peer_allowed(const struct peer_list *pl, int fd, const struct sockaddr *sa,
    char *who)
{
	unsigned char	 a[16];
	struct ucred	 cred;
	socklen_t	 len = sizeof(cred);
	size_t		 i;

	if (peer_addr(sa, a) == 0) {
		for (i = 0; i < pl->n; i++)
			if (pl->rules[i].kind == PEER_NET &&
			    prefix_equal(a, pl->rules[i].addr,
			    pl->rules[i].bits))
				return 1;
		if (pl->nets == 0 && addr_loopback(a))
			return 1;
		if (memcmp(a, v4mapped, 12) == 0)
			inet_ntop(AF_INET, a + 12, who, PEER_NAME_MAX);
		else
			inet_ntop(AF_INET6, a, who, PEER_NAME_MAX);
		return 0;
	}
	if (sa->sa_family != AF_UNIX) {
		snprintf(who, PEER_NAME_MAX, "a peer of address family %d",
		    sa->sa_family);
		return 0;
	}
	if (pl->creds == 0)
		return 1;	/* the socket file's permissions decide */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		snprintf(who, PEER_NAME_MAX, "a peer whose credentials are "
		    "unknown (%s)", strerror(errno));
		return 0;
	}
	for (i = 0; i < pl->n; i++)
		if ((pl->rules[i].kind == PEER_UID &&
		    pl->rules[i].id == cred.uid) ||
		    (pl->rules[i].kind == PEER_GID &&
		    pl->rules[i].id == cred.gid))
			return 1;
	snprintf(who, PEER_NAME_MAX, "uid %u gid %u (pid %ld)",
	    (unsigned)cred.uid, (unsigned)cred.gid, (long)cred.pid);
	return 0;
}

/* Whether the 16-byte address (IPv4 mapped) is loopback; for listen.c. */
int
peer_addr_loopback(const struct sockaddr *sa)
{
	unsigned char	 a[16];

	return peer_addr(sa, a) == 0 && addr_loopback(a);
}
