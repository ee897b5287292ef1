/*
 * date822 - the date as qmail writes it in Received lines, bounces and
 * the Date: it adds: "1 Jul 2003 10:52:37 -0000", UTC, without a day
 * name ("-0000": no claim about the local zone, RFC 5322 3.3).  Built on
 * date.h (one month-name table).  Used by qmail-smtpd, qmail-queue,
 * qmail-inject and qmail-send's bounces; a new Date: of the webmail uses
 * date_rfc5322 instead.
 */
#ifndef HSMAIL_DATE822_H
#define HSMAIL_DATE822_H

#include <time.h>

#include "str.h"

/*
 * Append t in qmail's form to *out.  0, or -1 with errno EOVERFLOW (a
 * time gmtime cannot break down) or the str errors.
 */
int	date822_cat(struct str *out, time_t t) STR_WUR;

#endif
