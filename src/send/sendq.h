/*
 * sendq - what the qmail-send family (qmail-send, qmail-todo,
 * qmail-clean, qmail-lspawn) shares beyond queue.h: the retry schedule, and a log writer on an arbitrary fd
 * (qmail-send logs on fd 0, its other fds are pipes).
 */
#ifndef HSMAIL_SENDQ_H
#define HSMAIL_SENDQ_H

#include <stdarg.h>
#include <time.h>

#include "str.h"

/* The most deliveries a spawn runs at once: the slot is one byte of the
 * spawn protocol, so 255 (stock conf-spawn is 120; H-Sphere offered more). */
#define SENDQ_SPAWN_MAX	255
/* A spawn report is cut to this many bytes (qmail's truncreport). */
#define SENDQ_REPORT_MAX	3000
/* Longest queued address the family accepts (qmail-queue's limit). */
#define SENDQ_ADDR_MAX	1003
/* qmail-send's timers (seconds). */
#define SENDQ_SLEEP_SYSFAIL	123
#define SENDQ_SLEEP_TODO	1500
#define SENDQ_OSSIFIED	129600
#define SENDQ_SLEEP_CLEANUP	76431

/* "<dir>/<id mod 23>/<id>" into *out (replaced).  0 or -1 (errno). */
int	sendq_split(struct str *out, const char *dir, unsigned long id);
/* "<dir>/<id>" into *out (replaced).  0 or -1 (errno). */
int	sendq_flat(struct str *out, const char *dir, unsigned long id);

/*
 * qmail's retry schedule: the next attempt after now for a message born
 * at birth, skip 10 (local) or 20 (remote):
 * birth + (floor(sqrt(now - birth)) + skip)^2.
 */
time_t	sendq_nextretry(time_t birth, time_t now, unsigned skip);

/* Integer square root (floor). */
unsigned long sendq_isqrt(unsigned long);

/* Parse a decimal queue id from a file name.  0 or -1 (not an id). */
int	sendq_parseid(const char *name, unsigned long *id_r);

/*
 * Write one line (newline added, cut at 8 KiB) to fd in one piece: a
 * line of up to PIPE_BUF bytes never interleaves with other writers'.
 * The text is written as given.
 */
void	sendq_logfd(int fd, const char *fmt, ...)
	    __attribute__((__format__ (printf, 2, 3)));
void	sendq_vlogfd(int fd, const char *fmt, va_list ap)
	    __attribute__((__format__ (printf, 2, 0)));

/* RFC 822 date of t in UTC, qmail's form: "24 Nov 2026 18:00:01 -0000".
 * The name qmail-send uses for date822_cat (date822.h). */
int	sendq_date822(struct str *out, time_t t);

#endif
