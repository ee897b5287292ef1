/*
 * say - one line of a delivery's report (qmail-local's and vdelivermail's
 * reasons): formatted, a newline added, written in one piece to the
 * report descriptor.  For the delivery functions of src/local.
 */
#ifndef HSMAIL_SAY_H
#define HSMAIL_SAY_H

#include <stdarg.h>

/*
 * fmt and a newline to fd; when the line cannot be formatted (out of
 * memory), the line nomem (with its newline) instead.  Write errors are
 * ignored: the reader is gone.
 */
void	say_line(int fd, const char *nomem, const char *fmt, va_list ap)
	    __attribute__((__format__ (printf, 3, 0)));

#endif
