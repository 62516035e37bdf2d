/*
 * listen.c: the listening socket of the standalone mode (--listen).
 *
 * A listen spec is read strictly, and a mistake is an error, never a
 * guess:
 *
 *   /run/fcgi-redirect/sock, ./sock, sock   a Unix socket (anything with a
 *                                           '/', or with no ':' at all)
 *   127.0.0.1:9000, localhost:9000          TCP on an IPv4 address
 *   [::1]:9000                              TCP on an IPv6 address
 *
 * A port is 1 to 65535.  Host names other than localhost are not looked
 * up: write the address.  TCP on every address (":9000", "*:9000",
 * "0.0.0.0:9000", "[::]:9000") or on any address that is not loopback
 * needs an allow-list (--allow), so that only the web server is answered
 * (peer.c).
 *
 * A Unix socket file is created with the requested mode from the start
 * (umask around bind(), so there is no moment with wider permissions).  A
 * socket file left by a process that died is replaced; a live one (it
 * accepts a connection) or a file that is not a socket is an error.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fcgi-redirect.h"

/*
 * Parse spec into la.  Returns 0, or -1 with a sentence in err.  Does not
 * look at the file system or the network.
 */
int
listen_parse(const char *spec, struct listen_addr *la, char *err,
    size_t errlen)
{
	const char	*colon, *host;
	char		 addr[INET6_ADDRSTRLEN];
	char		*end;
	unsigned long	 port;
	size_t		 hostlen;

	memset(la, 0, sizeof(*la));
	la->spec = spec;
	if (*spec == '\0') {
		snprintf(err, errlen, "an empty address");
		return -1;
	}
	if (spec[0] == '[' && strchr(spec, '/') == NULL)
		colon = (colon = strchr(spec, ']')) != NULL && colon[1] == ':' ?
		    colon + 1 : NULL;
	else
		colon = strrchr(spec, ':');
	if (strchr(spec, '/') != NULL || (colon == NULL && spec[0] != '[')) {
		if (strlen(spec) >= sizeof(la->un.sun_path)) {
			snprintf(err, errlen, "the socket path is longer than "
			    "%zu bytes", sizeof(la->un.sun_path) - 1);
			return -1;
		}
		la->un.sun_family = AF_UNIX;
		memcpy(la->un.sun_path, spec, strlen(spec) + 1);
		la->len = sizeof(la->un);
		la->path = spec;
		return 0;
	}
	if (colon == NULL) {
		snprintf(err, errlen, "'%s': an IPv6 address is written in "
		    "brackets, then the port: [::1]:9000", spec);
		return -1;
	}
	if (colon[1] < '0' || colon[1] > '9') {
		snprintf(err, errlen, "'%s' is neither a socket path nor "
		    "HOST:PORT", spec);
		return -1;
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || port < 1 || port > 65535) {
		snprintf(err, errlen, "the port of '%s' is not a number from 1 "
		    "to 65535", spec);
		return -1;
	}
	host = spec;
	hostlen = (size_t)(colon - spec);
	if (spec[0] == '[') {
		if (hostlen < 2 || spec[hostlen - 1] != ']') {
			snprintf(err, errlen, "'%s': an IPv6 address is written "
			    "in brackets, as [::1]:9000", spec);
			return -1;
		}
		host++;
		hostlen -= 2;
	} else if (memchr(spec, ':', hostlen) != NULL) {
		snprintf(err, errlen, "'%s': write an IPv6 address in brackets, "
		    "as [::1]:9000", spec);
		return -1;
	}
	if (hostlen >= sizeof(addr)) {
		snprintf(err, errlen, "'%s' is not a numeric address", spec);
		return -1;
	}
	memcpy(addr, host, hostlen);
	addr[hostlen] = '\0';
	if (spec[0] == '[') {
		la->in6.sin6_family = AF_INET6;
		la->in6.sin6_port = htons((uint16_t)port);
		la->len = sizeof(la->in6);
		if (inet_pton(AF_INET6, addr, &la->in6.sin6_addr) != 1) {
			snprintf(err, errlen, "'%s' is not a numeric IPv6 "
			    "address", addr);
			return -1;
		}
		la->wildcard = IN6_IS_ADDR_UNSPECIFIED(&la->in6.sin6_addr);
		return 0;
	}
	la->in.sin_family = AF_INET;
	la->in.sin_port = htons((uint16_t)port);
	la->len = sizeof(la->in);
	if (hostlen == 0 || strcmp(addr, "*") == 0)
		strcpy(addr, "0.0.0.0");
	else if (strcmp(addr, "localhost") == 0)
		strcpy(addr, "127.0.0.1");
	if (inet_pton(AF_INET, addr, &la->in.sin_addr) != 1) {
		snprintf(err, errlen, "'%s' is not a numeric IPv4 address (host "
		    "names other than localhost are not looked up)", addr);
		return -1;
	}
	la->wildcard = la->in.sin_addr.s_addr == htonl(INADDR_ANY);
	return 0;
}

/*
 * Make room for a Unix socket at path: nothing there, or a socket file
 * that nothing listens on any more (removed).  0, or -1 with err.
 */
static int
unix_clear(const struct listen_addr *la, char *err, size_t errlen)
{
	struct stat	 st;
	int		 fd, rc;

	if (lstat(la->path, &st) == -1)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", la->path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)&la->un, la->len);
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "another process listens on %s", la->path);
		return -1;
	}
	if (errno != ECONNREFUSED) {
		snprintf(err, errlen, "%s: %s", la->path, strerror(errno));
		return -1;
	}
	if (unlink(la->path) == -1) {
		snprintf(err, errlen, "cannot remove the stale socket %s: %s",
		    la->path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Open the listening socket of la with the given backlog; a Unix socket
 * file gets `mode` (-1: what the umask gives).  Returns the descriptor, or
 * -1 with a sentence in err.
 */
int
listen_open(const struct listen_addr *la, long mode, char *err, size_t errlen)
{
	int	 fd, on = 1, rc;
	mode_t	 old;

	if (la->path != NULL && unix_clear(la, err, errlen) == -1)
		return -1;
	if ((fd = socket(la->un.sun_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) ==
	    -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (la->path == NULL) {
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
		    sizeof(on)) == -1 ||
		    (la->in6.sin6_family == AF_INET6 &&
		    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
		    sizeof(on)) == -1)) {
			snprintf(err, errlen, "setsockopt: %s", strerror(errno));
			close(fd);
			return -1;
		}
	}
	if (la->path != NULL && mode >= 0) {
		old = umask(~(mode_t)mode & 0777);
		rc = bind(fd, (const struct sockaddr *)&la->un, la->len);
		umask(old);
	} else
		rc = bind(fd, (const struct sockaddr *)&la->un, la->len);
	if (rc == -1 || listen(fd, LISTEN_BACKLOG) == -1) {
		snprintf(err, errlen, "%s: %s", rc == -1 ? "bind" : "listen",
		    strerror(errno));
		if (rc == 0 && la->path != NULL)
			unlink(la->path);
		close(fd);
		return -1;
	}
	return fd;
}
