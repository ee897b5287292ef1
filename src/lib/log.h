/*
 * log - one line per event on fd 2, in the fixed words a script can match
 * (hsmail-log(5)).  splogger or the supervisor adds the time.
 */
#ifndef HSMAIL_LOG_H
#define HSMAIL_LOG_H

#include <stddef.h>

#include "str.h"

/* Name printed before fatal/warning lines ("qmail-queue: fatal: ..."). */
void	log_init(const char *progname);
const char *log_progname(void);

/* The line as given, newline added.  Never pass passwords. */
void	log_line(const char *fmt, ...)
	    __attribute__((__format__ (printf, 1, 2)));
/* "prog: warning: ..." and "prog: alert: ...". */
void	log_warn(const char *fmt, ...)
	    __attribute__((__format__ (printf, 1, 2)));
void	log_alert(const char *fmt, ...)
	    __attribute__((__format__ (printf, 1, 2)));
/* "prog: fatal: ..." then exit(code). */
void	log_die(int code, const char *fmt, ...)
	    __attribute__((__format__ (printf, 2, 3), __noreturn__));

/*
 * qmail's log-safe form of untrusted text (qmail-send): newline -> '/',
 * bytes < 33, > 126 and '%' -> '_'.  Appends to out; 0 or -1 (str errors).
 */
int	log_safe_cat(struct str *out, const void *b, size_t n);
/*
 * splogger's form: bytes outside 32..126 -> '?'.  Appends to out.
 */
int	log_print_cat(struct str *out, const void *b, size_t n);

#endif
