/*
 * date - month names, RFC 5322 dates (the Date: header, written and read
 * with the obsolete forms of RFC 5322 section 4.3 and common breakage),
 * and IMAP dates (INTERNALDATE written; APPEND date-time and SEARCH
 * SINCE/BEFORE/ON dates read, RFC 3501 section 9).
 *
 * Usage: pure functions on caller buffers; no locale, no TZ database
 * (only date_local_offset() asks localtime_r).  A time is a time_t (UTC
 * instant) and a zone offset in minutes east of UTC (+0200 is 120).
 * Writers return the length written (without the NUL), or 0 if the
 * buffer is too small (DATE_MAX is always enough).  Parsers return 0, or
 * -1 (errno EINVAL) for text that is not a date; they read at most n
 * bytes, need no NUL, and never read past n.  Years 1..9999 only.
 */
#ifndef HSMAIL_DATE_H
#define HSMAIL_DATE_H

#include <stddef.h>
#include <time.h>

#define DATE_MAX	64	/* room for any date this module writes */

/* "Jan".."Dec" for 1..12; NULL otherwise. */
const char *date_month_name(int month);
/* 1..12 for a month name (3 letters or the full English name, any
 * case), 0 if it is none. */
int	date_month_parse(const char *s, size_t n);

/* The local zone's offset from UTC at t, in minutes east. */
int	date_local_offset(time_t t);

/* Days since 1970-01-01 of a proleptic Gregorian date (no range check
 * beyond 1 <= m <= 12). */
long long date_days(int y, int m, int d);
/* y-m-d hh:mm:ss as UTC to time_t; -1 with EINVAL if a field is out of
 * range (seconds up to 60 accepted, 60 counted as 59). */
int	date_mktime(int y, int m, int d, int hh, int mm, int ss,
	    time_t *t_r);

/* RFC 5322 "Tue, 1 Jul 2003 10:52:37 +0200" (Date: and Resent-Date:). */
size_t	date_rfc5322(char *buf, size_t size, time_t t, int tzoff);
/*
 * Parse an RFC 5322 date-time: optional day name, 2-, 3- and 4-digit
 * years (obs-year), optional seconds, comments and folding anywhere,
 * numeric zones, the obs-zone names (UT, GMT, EST..PDT) and military
 * letters (as -0000, RFC 5322 4.3), "+hh:mm", a missing zone (as
 * +0000); and as fallbacks the asctime form "Tue Jul  1 10:52:37 2003"
 * and ISO "2003-07-01 10:52:37[Z|+hhmm]".  *t_r is the UTC instant,
 * *tzoff_r the zone written (0 when absent).
 */
int	date_rfc5322_parse(const char *s, size_t n, time_t *t_r,
	    int *tzoff_r);

/* IMAP date-time without the quotes: "01-Jul-2003 10:52:37 +0200". */
size_t	date_imap(char *buf, size_t size, time_t t, int tzoff);
/* Parse an IMAP date-time without its quotes (APPEND): date-day-fixed
 * (" 1" or "01"; "1" accepted), month name, 4-digit year, hh:mm:ss and a
 * +hhmm/-hhmm zone. */
int	date_imap_parse(const char *s, size_t n, time_t *t_r, int *tzoff_r);
/* Parse an IMAP date (SEARCH SINCE/BEFORE/ON, "1-Jul-2003" or
 * "01-Jul-2003"): year, month 1..12, day. */
int	date_imap_parse_day(const char *s, size_t n, int *y_r, int *m_r,
	    int *d_r);

#endif
