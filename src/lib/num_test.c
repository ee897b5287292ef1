/*
 * num_test - strict number parsing: a table of inputs and results.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "num.h"
#include "test.h"

static void
test_table(void **state)
{
	static const struct {
		const char *in;
		unsigned long max;
		int	 ret;
		int	 err;
		unsigned long val;
	} t[] = {
		{ "0", 10, 0, 0, 0 },
		{ "10", 10, 0, 0, 10 },		/* exactly max */
		{ "11", 10, -1, ERANGE, 0 },	/* one over */
		{ "", 10, -1, EINVAL, 0 },
		{ "-1", 10, -1, EINVAL, 0 },
		{ "+1", 10, -1, EINVAL, 0 },
		{ " 1", 10, -1, EINVAL, 0 },
		{ "1 ", 10, -1, EINVAL, 0 },
		{ "1x", 10, -1, EINVAL, 0 },
		{ "18446744073709551615", ULONG_MAX, 0, 0, ULONG_MAX },
		{ "18446744073709551616", ULONG_MAX, -1, ERANGE, 0 },
		{ "99999999999999999999999", ULONG_MAX, -1, ERANGE, 0 },
	};
	unsigned long v;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = 12345;
		errno = 0;
		assert_int_equal(num_parses(t[i].in, t[i].max, &v), t[i].ret);
		if (t[i].ret == 0)
			assert_int_equal(v, t[i].val);
		else
			assert_int_equal(errno, t[i].err);
	}
}

static void
test_signed(void **state)
{
	long	 v;

	(void)state;
	assert_int_equal(num_parse_longs("-42", 100, &v), 0);
	assert_int_equal(v, -42);
	assert_int_equal(num_parse_longs("101", 100, &v), -1);
	assert_int_equal(num_parse_longs("--1", 100, &v), -1);
	assert_int_equal(num_parseb("123x", 3, 1000, (unsigned long *)&v), 0);
	assert_int_equal(v, 123);
}

static void
test_env(void **state)
{
	(void)state;
	assert_int_equal(unsetenv("NUM_TEST_V"), 0);
	assert_int_equal(num_env("NUM_TEST_V", 7, 100), 7);
	assert_int_equal(setenv("NUM_TEST_V", "42", 1), 0);
	assert_int_equal(num_env("NUM_TEST_V", 7, 100), 42);
	assert_int_equal(setenv("NUM_TEST_V", "101", 1), 0);
	assert_int_equal(num_env("NUM_TEST_V", 7, 100), 7);
	assert_int_equal(setenv("NUM_TEST_V", "", 1), 0);
	assert_int_equal(num_env("NUM_TEST_V", 7, 100), 7);
	assert_int_equal(setenv("NUM_TEST_V", "4 2", 1), 0);
	assert_int_equal(num_env("NUM_TEST_V", 7, 100), 7);
	assert_int_equal(unsetenv("NUM_TEST_V"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_signed),
		cmocka_unit_test(test_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
