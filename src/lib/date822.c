/*
 * date822 - qmail's RFC 822 date (see date822.h).  No locale, no time
 * zone file.
 */
#include <errno.h>

#include "date.h"
#include "date822.h"

int
date822_cat(struct str *out, time_t t)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL) {
		errno = EOVERFLOW;
		return -1;
	}
	return str_printf(out, "%d %s %d %02d:%02d:%02d -0000", tm.tm_mday,
	    date_month_name(tm.tm_mon + 1), tm.tm_year + 1900, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
}
