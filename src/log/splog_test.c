/*
 * splog_test - splogger's line handling: stamps, priorities, folding at
 * 799 bytes with '+', '?' for unprintable bytes, blank lines dropped, a
 * last line without newline kept.
 */
#include <string.h>
#include <syslog.h>

#include "splog.h"
#include "str.h"
#include "test.h"

static struct str got = STR_INIT(STR_UNBOUNDED);

static int
fixed_clock(long *sec, long *usec)
{
	*sec = 1186048801;
	*usec = 1234;
	return 0;
}

/* Record "<prio>|<msg>\n" for each piece. */
static void
record(void *arg, int prio, const char *msg, size_t len)
{
	(void)arg;
	assert_int_equal(str_printf(&got, "%d|%.*s\n", prio, (int)len, msg), 0);
}

static const char *
run(const char *in, size_t n, int end)
{
	struct splog sp;

	str_clear(&got);
	splog_clock = fixed_clock;
	splog_init(&sp, record, NULL);
	splog_feed(&sp, in, n);
	if (end)
		splog_end(&sp);
	return str_c(&got);
}

static void
test_lines(void **state)
{
	(void)state;
	assert_string_equal(run("new msg 4567\n", 13, 0),
	    "6|1186048801.001234 new msg 4567\n");
	assert_string_equal(run("warning: trouble\nalert: oh no\n", 30, 0),
	    "4|1186048801.001234 warning: trouble\n"
	    "1|1186048801.001234 alert: oh no\n");
	/* Blank lines dropped; controls and 8-bit bytes become '?'. */
	assert_string_equal(run("\n\na\tb\x80\x01\n", 9, 0),
	    "6|1186048801.001234 a?b??\n");
	/* No newline at the end: logged at end of input. */
	assert_string_equal(run("tail", 4, 0), "");
	assert_string_equal(run("tail", 4, 1), "6|1186048801.001234 tail\n");
}

static void
test_fold(void **state)
{
	char	 in[2000];
	struct str want = STR_INIT(STR_UNBOUNDED);

	(void)state;
	/* Exactly 799 bytes: one piece. */
	memset(in, 'a', 799);
	in[799] = '\n';
	assert_int_equal(str_printf(&want, "6|1186048801.001234 %.*s\n", 799,
	    in), 0);
	assert_string_equal(run(in, 800, 0), want.s);
	/* 800 bytes: a second piece with '+'; it keeps the priority. */
	memcpy(in, "warning:", 8);
	in[799] = 'b';
	in[800] = '\n';
	str_clear(&want);
	assert_int_equal(str_printf(&want, "4|1186048801.001234 %.*s\n"
	    "4|1186048801.001234+b\n", 799, in), 0);
	assert_string_equal(run(in, 801, 0), want.s);
	str_free(&want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_fold),
	};
	int	 r = cmocka_run_group_tests(tests, NULL, NULL);

	str_free(&got);
	return r;
}
