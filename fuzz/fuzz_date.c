/*
 * fuzz_date - the date parsers on untrusted text: RFC 5322 Date: fields
 * (obsolete forms, comments, fallbacks), IMAP date-times (APPEND) and
 * dates (SEARCH); a parsed time is written back and parsed again.
 */
#include <stdint.h>
#include <string.h>

#include "date.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char	 buf[DATE_MAX];
	time_t	 t, t2;
	int	 tz, tz2, y, mo, d;
	size_t	 n;

	if (date_rfc5322_parse(s, size, &t, &tz) == 0 &&
	    (n = date_rfc5322(buf, sizeof(buf), t, tz)) > 0 &&
	    (date_rfc5322_parse(buf, n, &t2, &tz2) != 0 || t2 != t ||
	    tz2 != tz))
		__builtin_trap();
	if (date_imap_parse(s, size, &t, &tz) == 0 &&
	    (n = date_imap(buf, sizeof(buf), t, tz)) > 0 &&
	    (date_imap_parse(buf, n, &t2, &tz2) != 0 || t2 != t))
		__builtin_trap();
	(void)date_imap_parse_day(s, size, &y, &mo, &d);
	(void)date_month_parse(s, size);
	return 0;
}
