/*
 * date - dates as mail writes them: the RFC 822 (RFC 5322 3.3) form qmail
 * uses in Received and Date fields, "24 Nov 2026 18:00:00 -0000" (UTC,
 * "-0000": no claim about the local zone), and the English month names
 * every such form needs.  Locale-free (strftime's %b follows LC_TIME).
 * Used by qmail-smtpd, qmail-queue, qmail-inject, qmail-send's bounces
 * and qmail-qread.
 */
#ifndef HSMAIL_DATE_H
#define HSMAIL_DATE_H

#include <time.h>

#include "str.h"

/* "Jan" .. "Dec" for tm_mon 0..11; "???" for anything else. */
const char *date_month(int mon);

/*
 * Append t as "D Mon YYYY HH:MM:SS -0000" (UTC) to *out.  0, or -1 with
 * errno (EOVERFLOW for a time gmtime cannot break down, or str errors).
 */
int	date_rfc822(struct str *out, time_t t);

#endif
