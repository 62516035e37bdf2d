/*
 * values.c: the syntax of the values of rule-file keys (and of the times
 * of --now and of request methods).
 *
 * Pure functions from a value string to a checked value; keys.c turns a
 * failure into a FILE:LINE error.  Nothing here allocates.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi-redirect.h"

/* The redirect codes of RFC 9110 §15.4 a rule may use, or -1. */
int
values_status(const char *s)
{
	char	*end;
	long	 v;

	if (strlen(s) != 3 || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	switch (v) {
	case 301: case 302: case 303: case 307: case 308:
		return (int)v;
	default:
		return -1;
	}
}

/* Parse exactly `digits` decimal digits at *s into *v, advancing *s. */
static int
parse_digits(const char **s, int digits, int *v)
{
	int	 n = 0;

	while (digits-- > 0) {
		if (!isdigit((unsigned char)**s))
			return -1;
		n = n * 10 + (**s - '0');
		(*s)++;
	}
	*v = n;
	return 0;
}

static int
days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/*
 * An RFC 3339 date-time ("2026-12-24T00:00:00Z", a 't' or space for 'T',
 * optional fraction, 'Z' or a numeric offset) into seconds since the epoch
 * in *t.  Returns 0, or -1 when s is not such a time.
 */
int
values_time(const char *s, time_t *t)
{
	struct tm	 tm;
	int		 y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	time_t		 v;

	if (parse_digits(&s, 4, &y) || *s++ != '-' ||
	    parse_digits(&s, 2, &mo) || *s++ != '-' ||
	    parse_digits(&s, 2, &d) ||
	    (*s != 'T' && *s != 't' && *s != ' ') || !*s++ ||
	    parse_digits(&s, 2, &h) || *s++ != ':' ||
	    parse_digits(&s, 2, &mi) || *s++ != ':' ||
	    parse_digits(&s, 2, &sec))
		return -1;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s))
			s++;
	}
	if (*s == 'Z' || *s == 'z')
		s++;
	else if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (parse_digits(&s, 2, &oh) || *s++ != ':' ||
		    parse_digits(&s, 2, &om) || oh > 23 || om > 59)
			return -1;
	} else
		return -1;
	if (*s != '\0' || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec > 59 ? 59 : sec;	/* a leap second: its minute */
	v = timegm(&tm);
	*t = v - (time_t)sign * (oh * 3600 + om * 60);
	return 0;
}

/*
 * A host pattern of the `host` option: a lowercase or uppercase DNS name
 * ("shop.example.re"), "*." and a name (its subdomains), or an IPv4
 * address.  Labels of letters, digits, '-' and '_', 1 to 63 bytes, not
 * starting or ending with '-'.  Returns 0 or -1.
 */
int
values_host_pattern(const char *s, size_t len)
{
	size_t	 i, label = 0;

	if (len >= 2 && s[0] == '*' && s[1] == '.') {
		s += 2;
		len -= 2;
	}
	if (len == 0 || len > 253)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return -1;
			label = 0;
		} else if (isalnum(c) || c == '_' || (c == '-' && label > 0)) {
			if (++label > 63)
				return -1;
		} else
			return -1;
	}
	return label == 0 || s[len - 1] == '-' ? -1 : 0;
}

/* An HTTP token (RFC 9110 §5.6.2): methods and header names.  0 or -1. */
int
values_token(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && strchr("!#$%&'*+-.^_`|~", c) == NULL)
			return -1;
	}
	return 0;
}

/*
 * A header field value (RFC 9110 §5.5): visible ASCII, space and tab, no
 * control bytes.  0 or -1 (an empty value passes: callers decide).
 */
int
values_field(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return -1;
	}
	return 0;
}
