/*
 * date_test - unit tests for date.c: month names, RFC 5322 dates with
 * the obsolete and broken forms seen in real mail, IMAP date-times both
 * ways, and the boundaries (leap days, out-of-range fields, zones).
 */
#include <errno.h>
#include <string.h>

#include "date.h"
#include "test.h"

static void
test_months(void **state)
{
	(void)state;
	assert_string_equal(date_month_name(1), "Jan");
	assert_string_equal(date_month_name(12), "Dec");
	assert_null(date_month_name(0));
	assert_null(date_month_name(13));
	assert_int_equal(date_month_parse("jul", 3), 7);
	assert_int_equal(date_month_parse("JUL", 3), 7);
	assert_int_equal(date_month_parse("September", 9), 9);
	assert_int_equal(date_month_parse("Sept", 4), 0);
	assert_int_equal(date_month_parse("Ju", 2), 0);
	assert_int_equal(date_month_parse("", 0), 0);
}

static const struct {
	const char *in;
	long long t;	/* -1: invalid */
	int	 tz;
} parse_cases[] = {
	{ "Tue, 1 Jul 2003 10:52:37 +0200", 1057049557, 120 },
	{ "Tue, 01 Jul 2003 10:52:37 +0200", 1057049557, 120 },
	{ "1 Jul 2003 10:52:37 +0200", 1057049557, 120 },
	{ "Tue, 1 Jul 2003 10:52:37 +0200 (CEST)", 1057049557, 120 },
	{ " Tue,\n 1 Jul 2003\r\n 10:52:37 +0200", 1057049557, 120 },
	{ "Tue, 1 Jul 03 08:52:37 GMT", 1057049557, 0 },
	{ "Tue, 1 Jul 103 08:52:37 UT", 1057049557, 0 },
	{ "Thu, 1 Jan 70 00:00:00 +0000", 0, 0 },
	{ "1 Jul 2003 04:52:37 EDT", 1057049557, -240 },
	{ "1 Jul 2003 01:52:37 PDT", 1057049557, -420 },
	{ "1 Jul 2003 08:52:37 A", 1057049557, 0 },	/* military: -0000 */
	{ "1 Jul 2003 08:52 +0000", 1057049520, 0 },	/* no seconds */
	{ "1 Jul 2003 08:52:37", 1057049557, 0 },	/* no zone */
	{ "1 Jul 2003 10:52:37 +02:00", 1057049557, 120 },
	{ "1 Jul 2003 (c) 08:52:37 (d) +0000 (e)", 1057049557, 0 },
	{ "Tue Jul  1 08:52:37 2003", 1057049557, 0 },	/* asctime */
	{ "2003-07-01 08:52:37", 1057049557, 0 },	/* ISO */
	{ "2003-07-01T10:52:37+0200", 1057049557, 120 },
	{ "2003-07-01T08:52:37.123Z", 1057049557, 0 },
	{ "29 Feb 2004 00:00:00 +0000", 1078012800, 0 },
	{ "29 Feb 2003 00:00:00 +0000", -1, 0 },	/* not a leap year */
	{ "31 Apr 2003 00:00:00 +0000", -1, 0 },
	{ "1 Jul 2003 24:00:00 +0000", -1, 0 },
	{ "1 Jul 2003 10:60:00 +0000", -1, 0 },
	{ "1 Jul 2003 10:52:37 +2400", -1, 0 },
	{ "1 Foo 2003 10:52:37 +0000", -1, 0 },
	{ "", -1, 0 },
	{ "Tue,", -1, 0 },
	{ "yesterday", -1, 0 },
	{ "1 Jul 20031 10:52:37 +0000", -1, 0 },
	{ "123 Jul 2003 10:52:37 +0000", -1, 0 },
	{ "1 Jul 2003 10:52:37 +0200 junk", 1057049557, 120 },
};

static void
test_rfc5322_parse(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		time_t	 t = 42;
		int	 tz = 42, r;

		r = date_rfc5322_parse(parse_cases[i].in,
		    strlen(parse_cases[i].in), &t, &tz);
		if (parse_cases[i].t == -1) {
			if (r != -1)
				fail_msg("case %zu \"%s\" parsed", i,
				    parse_cases[i].in);
			assert_int_equal(errno, EINVAL);
			continue;
		}
		if (r != 0)
			fail_msg("case %zu \"%s\" refused", i,
			    parse_cases[i].in);
		assert_int_equal((long long)t, parse_cases[i].t);
		assert_int_equal(tz, parse_cases[i].tz);
	}
}

static void
test_parse_bounded(void **state)
{
	const char *s = "1 Jul 2003 10:52:37 +0200";
	time_t	 t;
	int	 tz;

	(void)state;
	/* a length that cuts the zone: no read past n, no zone */
	assert_int_equal(date_rfc5322_parse(s, 19, &t, &tz), 0);
	assert_int_equal((long long)t, 1057056757);
	assert_int_equal(tz, 0);
	/* cut in the middle of the time */
	assert_int_equal(date_rfc5322_parse(s, 13, &t, &tz), -1);
}

static void
test_rfc5322_write(void **state)
{
	char	 buf[DATE_MAX];

	(void)state;
	assert_int_equal(date_rfc5322(buf, sizeof(buf), 1057049557, 120),
	    strlen("Tue, 1 Jul 2003 10:52:37 +0200"));
	assert_string_equal(buf, "Tue, 1 Jul 2003 10:52:37 +0200");
	date_rfc5322(buf, sizeof(buf), 0, 0);
	assert_string_equal(buf, "Thu, 1 Jan 1970 00:00:00 +0000");
	date_rfc5322(buf, sizeof(buf), 0, -330);
	assert_string_equal(buf, "Wed, 31 Dec 1969 18:30:00 -0530");
	date_rfc5322(buf, sizeof(buf), 1078012800, 0);
	assert_string_equal(buf, "Sun, 29 Feb 2004 00:00:00 +0000");
	/* too small a buffer: 0 and an empty string */
	assert_int_equal(date_rfc5322(buf, 10, 0, 0), 0);
	assert_string_equal(buf, "");
	/* exactly fits (30 + NUL), one byte short */
	assert_int_equal(date_rfc5322(buf, 31, 0, 0), 30);
	assert_int_equal(date_rfc5322(buf, 30, 0, 0), 0);
	/* a zone of a day or more is refused */
	assert_int_equal(date_rfc5322(buf, sizeof(buf), 0, 24 * 60), 0);
}

static void
test_round_trip(void **state)
{
	static const long long times[] = {
		0, 1, 86399, 951782400, 1057049557, 1700000000, 4102444800LL,
		253402200000LL
	};
	static const int zones[] = { 0, 120, -300, 345, -720, 840 };
	char	 buf[DATE_MAX];
	size_t	 i, j;

	(void)state;
	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++)
		for (j = 0; j < sizeof(zones) / sizeof(zones[0]); j++) {
			time_t	 t;
			int	 tz;
			size_t	 n;

			n = date_rfc5322(buf, sizeof(buf), (time_t)times[i],
			    zones[j]);
			assert_true(n > 0);
			assert_int_equal(date_rfc5322_parse(buf, n, &t, &tz), 0);
			assert_int_equal((long long)t, times[i]);
			assert_int_equal(tz, zones[j]);
			n = date_imap(buf, sizeof(buf), (time_t)times[i],
			    zones[j]);
			assert_true(n > 0);
			assert_int_equal(date_imap_parse(buf, n, &t, &tz), 0);
			assert_int_equal((long long)t, times[i]);
			assert_int_equal(tz, zones[j]);
		}
}

static void
test_imap(void **state)
{
	char	 buf[DATE_MAX];
	time_t	 t;
	int	 tz, y, m, d;

	(void)state;
	date_imap(buf, sizeof(buf), 1057049557, 120);
	assert_string_equal(buf, "01-Jul-2003 10:52:37 +0200");
	assert_int_equal(date_imap_parse(" 1-Jul-2003 10:52:37 +0200", 26,
	    &t, &tz), 0);
	assert_int_equal((long long)t, 1057049557);
	assert_int_equal(date_imap_parse("1-jul-2003 10:52:37 -0000", 25,
	    &t, &tz), 0);
	assert_int_equal(tz, 0);
	assert_int_equal((long long)t, 1057056757);
	/* strict form: no missing seconds, no missing zone, no junk */
	assert_int_equal(date_imap_parse("01-Jul-2003 10:52 +0200", 23, &t,
	    &tz), -1);
	assert_int_equal(date_imap_parse("01-Jul-2003 10:52:37", 20, &t,
	    &tz), -1);
	assert_int_equal(date_imap_parse("01-Jul-2003 10:52:37 +0200 ", 27,
	    &t, &tz), -1);
	assert_int_equal(date_imap_parse("01-Jul-03 10:52:37 +0200", 24, &t,
	    &tz), -1);
	assert_int_equal(date_imap_parse("32-Jul-2003 10:52:37 +0200", 26,
	    &t, &tz), -1);
	assert_int_equal(date_imap_parse_day("1-Jul-2003", 10, &y, &m, &d), 0);
	assert_int_equal(y, 2003);
	assert_int_equal(m, 7);
	assert_int_equal(d, 1);
	assert_int_equal(date_imap_parse_day("29-Feb-2000", 11, &y, &m, &d),
	    0);
	assert_int_equal(date_imap_parse_day("29-Feb-1900", 11, &y, &m, &d),
	    -1);
	assert_int_equal(date_imap_parse_day("1-July-2003", 11, &y, &m, &d),
	    -1);
	assert_int_equal(date_imap_parse_day("1-Jul-2003x", 11, &y, &m, &d),
	    -1);
	assert_int_equal(date_imap_parse_day("", 0, &y, &m, &d), -1);
}

static void
test_days(void **state)
{
	time_t	 t;

	(void)state;
	assert_int_equal(date_days(1970, 1, 1), 0);
	assert_int_equal(date_days(2000, 3, 1), 11017);
	assert_int_equal(date_days(1969, 12, 31), -1);
	assert_int_equal(date_mktime(2003, 7, 1, 8, 52, 60, &t), 0);
	assert_int_equal((long long)t, 1057049579);
	assert_int_equal(date_mktime(2003, 13, 1, 0, 0, 0, &t), -1);
	assert_int_equal(date_mktime(0, 1, 1, 0, 0, 0, &t), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_months),
		cmocka_unit_test(test_rfc5322_parse),
		cmocka_unit_test(test_parse_bounded),
		cmocka_unit_test(test_rfc5322_write),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_imap),
		cmocka_unit_test(test_days),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
