/*
 * buf.c: bounded output buffers.
 *
 * Request-time code builds Locations and responses in fixed buffers whose
 * size does not depend on the request.  An append that does not fit is
 * dropped whole and marks the buffer overflowed; the caller checks
 * `overflow` once when it is done and answers 414 (or logs) instead of
 * sending a truncated value.
 */
#include <stdarg.h>
#include <string.h>

#include "fcgi-redirect.h"

/* Use mem[0..cap) as an empty buffer; cap must be at least 1. */
void
buf_init(struct buf *b, char *mem, size_t cap)
{
	b->data = mem;
	b->len = 0;
	b->cap = cap;
	b->overflow = 0;
	mem[0] = '\0';
}

/* Append formatted text; a truncated result marks the buffer overflowed. */
void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;
	size_t	room;

	if (b->overflow)
		return;
	room = b->cap - b->len;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		b->overflow = 1;
		b->data[b->len] = '\0';
		return;
	}
	b->len += (size_t)n;
}

/* Append n in decimal (responses are built without printf: it is slow). */
void
buf_add_uint(struct buf *b, unsigned long n)
{
	char	 digits[24];
	size_t	 i = sizeof(digits);

	do {
		digits[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	buf_add(b, digits + i, sizeof(digits) - i);
}
