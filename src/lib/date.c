/*
 * date - RFC 822 dates and month names (see date.h).  Pure functions of
 * their arguments; no locale, no time zone file.
 */
#include <errno.h>

#include "date.h"

const char *
date_month(int mon)
{
	static const char *const name[12] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

	return mon >= 0 && mon < 12 ? name[mon] : "???";
}

int
date_rfc822(struct str *out, time_t t)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL) {
		errno = EOVERFLOW;
		return -1;
	}
	return str_printf(out, "%d %s %d %02d:%02d:%02d -0000", tm.tm_mday,
	    date_month(tm.tm_mon), tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	    tm.tm_sec);
}
