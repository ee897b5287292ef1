/*
 * date822_test - qmail's date form (day without a leading zero, UTC as
 * -0000, no day name): the epoch, a leap day, appending, and a time
 * gmtime cannot break down.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "date822.h"
#include "test.h"

static void
test_date822(void **state)
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
		assert_int_equal(date822_cat(&s, cases[i].t), 0);
		assert_string_equal(s.s, cases[i].want);
	}
	str_clear(&s);
	assert_int_equal(str_cats(&s, "Date: "), 0);
	assert_int_equal(date822_cat(&s, 0), 0);
	assert_string_equal(s.s, "Date: 1 Jan 1970 00:00:00 -0000");
	if (sizeof(time_t) > 4) {
		str_clear(&s);
		assert_int_equal(date822_cat(&s, (time_t)LLONG_MAX), -1);
		assert_int_equal(errno, EOVERFLOW);
	}
	str_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_date822),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
