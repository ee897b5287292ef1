/*
 * log - lines to fd 2.  Each line is written with one write(2) so that
 * lines of concurrent processes sharing a log pipe never interleave.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"

static const char *progname = "hsmail";

static void	log_vput(const char *, const char *, va_list)
		    __attribute__((__format__ (printf, 2, 0)));

void
log_init(const char *name)
{
	progname = name;
}

const char *
log_progname(void)
{
	return progname;
}

/* Format one line into a bounded stack buffer and write it at once. */
static void
log_vput(const char *prefix, const char *fmt, va_list ap)
{
	char	 buf[2048];
	size_t	 n = 0;
	int	 r;
	int	 saved = errno;

	if (prefix != NULL) {
		r = snprintf(buf, sizeof(buf), "%s: %s: ", progname, prefix);
		if (r > 0)
			n = (size_t)r < sizeof(buf) ? (size_t)r : sizeof(buf) - 1;
	}
	r = vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	if (r > 0) {
		n += (size_t)r;
		if (n > sizeof(buf) - 2)
			n = sizeof(buf) - 2;
	}
	buf[n++] = '\n';
	while (write(2, buf, n) == -1 && errno == EINTR)
		;
	errno = saved;
}

void
log_line(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vput(NULL, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vput("warning", fmt, ap);
	va_end(ap);
}

void
log_alert(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vput("alert", fmt, ap);
	va_end(ap);
}

void
log_die(int code, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vput("fatal", fmt, ap);
	va_end(ap);
	_exit(code);
}

int
log_safe_cat(struct str *out, const void *b, size_t n)
{
	const unsigned char *p = b;
	size_t	 i;
	char	 c;

	if (str_ready(out, n) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		c = (char)p[i];
		if (p[i] == '\n')
			c = '/';
		else if (p[i] < 33 || p[i] > 126 || p[i] == '%')
			c = '_';
		out->s[out->len++] = c;
	}
	out->s[out->len] = '\0';
	return 0;
}

int
log_print_cat(struct str *out, const void *b, size_t n)
{
	const unsigned char *p = b;
	size_t	 i;

	if (str_ready(out, n) == -1)
		return -1;
	for (i = 0; i < n; i++)
		out->s[out->len++] = (p[i] < 32 || p[i] > 126) ? '?' : (char)p[i];
	out->s[out->len] = '\0';
	return 0;
}
