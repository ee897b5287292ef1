/*
 * wbuf - buffered complete writes with a sticky error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "str.h"
#include "wbuf.h"

void
wbuf_init(struct wbuf *wb, struct io *io)
{
	wb->io = io;
	wb->len = 0;
	wb->err = 0;
}

int
wbuf_flush(struct wbuf *wb)
{
	if (wb->err) {
		errno = wb->err;
		return -1;
	}
	if (wb->len == 0)
		return 0;
	if (io_writeall(wb->io, wb->buf, wb->len) == -1) {
		wb->err = errno ? errno : EIO;
		return -1;
	}
	wb->len = 0;
	return 0;
}

int
wbuf_put(struct wbuf *wb, const void *b, size_t n)
{
	if (wb->err) {
		errno = wb->err;
		return -1;
	}
	if (n == 0)
		return 0;	/* an empty string may have no buffer at all */
	if (n > sizeof(wb->buf) - wb->len) {
		if (wbuf_flush(wb) == -1)
			return -1;
		if (n >= sizeof(wb->buf)) {
			if (io_writeall(wb->io, b, n) == -1) {
				wb->err = errno ? errno : EIO;
				return -1;
			}
			return 0;
		}
	}
	memcpy(wb->buf + wb->len, b, n);
	wb->len += n;
	return 0;
}

int
wbuf_puts(struct wbuf *wb, const char *s)
{
	return wbuf_put(wb, s, strlen(s));
}

int
wbuf_printf(struct wbuf *wb, const char *fmt, ...)
{
	struct str s = STR_INIT(STR_UNBOUNDED);
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	r = str_vprintf(&s, fmt, ap);
	va_end(ap);
	if (r == 0)
		r = wbuf_put(wb, s.s, s.len);
	str_free(&s);
	return r;
}
