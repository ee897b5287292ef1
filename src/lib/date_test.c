/*
 * date_test - RFC 822 dates as qmail writes them (day without a leading
 * zero, UTC as -0000), the month names and their bounds, the epoch, a
 * leap day, and a time gmtime cannot break down.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "date.h"
#include "test.h"

static void
test_rfc822(void **state)
{
	static const struct {
		time_t	 t;
		const char *want;
	} cases[] = {
		{ 0, "1 Jan 1970 00:00:00 -0000" },
		{ 812090814, "26 Sep 1995 04:46:54 -0000" },
		{ 951782400, "29 Feb 2000 00:00:00 -0000" },
		{ 1798135199, "24 Dec 2026 17:59:59 -0000" },
	};
	struct str s = STR_INIT(64);
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		str_clear(&s);
		assert_int_equal(date_rfc822(&s, cases[i].t), 0);
		assert_string_equal(s.s, cases[i].want);
	}
	/* Appends. */
	str_clear(&s);
	assert_int_equal(str_cats(&s, "Date: "), 0);
	assert_int_equal(date_rfc822(&s, 0), 0);
	assert_string_equal(s.s, "Date: 1 Jan 1970 00:00:00 -0000");
	/* Too far out for struct tm's int year. */
	if (sizeof(time_t) > 4) {
		str_clear(&s);
		assert_int_equal(date_rfc822(&s, (time_t)LLONG_MAX), -1);
		assert_int_equal(errno, EOVERFLOW);
	}
	str_free(&s);
}

static void
test_month(void **state)
{
	(void)state;
	assert_string_equal(date_month(0), "Jan");
	assert_string_equal(date_month(11), "Dec");
	assert_string_equal(date_month(-1), "???");
	assert_string_equal(date_month(12), "???");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc822),
		cmocka_unit_test(test_month),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
