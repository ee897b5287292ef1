/*
 * sendq - shared helpers of qmail-send, qmail-todo, qmail-clean and
 * qmail-lspawn: queue names, the retry schedule, one-write log lines.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "date822.h"
#include "file.h"
#include "num.h"
#include "sendq.h"

unsigned long
sendq_isqrt(unsigned long n)
{
	unsigned long x = 0, bit = 1UL << (sizeof(long) * 8 - 2);

	while (bit > n)
		bit >>= 2;
	while (bit != 0) {
		if (n >= x + bit) {
			n -= x + bit;
			x = (x >> 1) + bit;
		} else
			x >>= 1;
		bit >>= 2;
	}
	return x;
}

time_t
sendq_nextretry(time_t birth, time_t now, unsigned skip)
{
	unsigned long n;

	n = now > birth ? (unsigned long)(now - birth) : 0;
	n = sendq_isqrt(n) + skip;
	return birth + (time_t)(n * n);
}

int
sendq_parseid(const char *name, unsigned long *id_r)
{
	if (name[0] == '\0' || name[0] == '0')
		return -1;
	return num_parses(name, (unsigned long)-1 / 2, id_r);
}

void
sendq_vlogfd(int fd, const char *fmt, va_list ap)
{
	char	 buf[8192];
	int	 r;
	size_t	 n;

	r = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	if (r < 0)
		return;
	n = (size_t)r < sizeof(buf) - 2 ? (size_t)r : sizeof(buf) - 2;
	buf[n++] = '\n';
	(void)file_writeall(fd, buf, n);
}

void
sendq_logfd(int fd, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	sendq_vlogfd(fd, fmt, ap);
	va_end(ap);
}

int
sendq_date822(struct str *out, time_t t)
{
	return date822_cat(out, t);
}
