/*
 * esc_test - enhanced status codes written from their names, and the
 * reply form with and without the trailing "(#...)".
 */
#include <string.h>

#include "esc.h"
#include "test.h"

static void
test_fmt(void **state)
{
	char	 b[ESC_BUFSIZE];

	(void)state;
	assert_string_equal(esc_fmt(b, 5, ESC_BAD_MAILBOX), "5.1.1");
	assert_string_equal(esc_fmt(b, 4, ESC_SYSTEM), "4.3.0");
	assert_string_equal(esc_fmt(b, 2, ESC_OTHER), "2.0.0");
	assert_string_equal(esc_fmt(b, 5, ESC_ENCRYPT_NEEDED), "5.7.11");
	assert_string_equal(esc_fmt(b, 5, ESC_AUTH_INVALID), "5.7.8");
}

static void
test_reply(void **state)
{
	struct str r = STR_INIT(512);

	(void)state;
	assert_int_equal(esc_reply(&r, 452, ESC_TOO_MANY_RCPTS,
	    "too many recipients"), 0);
	assert_string_equal(r.s, "452 4.5.3 too many recipients (#4.5.3)");
	assert_int_equal(esc_reply(&r, 250, ESC_DEST_VALID, "ok"), 0);
	assert_string_equal(r.s, "250 2.1.5 ok");
	/* Replaces what was there; the limit holds. */
	r.max = 10;
	assert_int_equal(esc_reply(&r, 554, ESC_MEDIA, "too long a text"), -1);
	str_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fmt),
		cmocka_unit_test(test_reply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
