/*
 * dtscan_test - the Delivered-To loop checks: our line in the header (in
 * one piece or byte by byte), only in the body, a longer or shorter line,
 * vdelivermail's loose field match (case, blanks, CR).
 */
#include <string.h>

#include "dtscan.h"
#include "test.h"

static const char line[] = "Delivered-To: demo@example.test\n";

static int
scan(const char *msg, size_t step)
{
	struct dtscan d;
	size_t	 i, n = strlen(msg);
	int	 r = DTSCAN_MORE;

	dtscan_init(&d, line, strlen(line));
	for (i = 0; i < n && r == DTSCAN_MORE; i += step)
		r = dtscan_feed(&d, msg + i, n - i < step ? n - i : step);
	return r;
}

static void
test_stream(void **state)
{
	size_t	 step;

	(void)state;
	for (step = 1; step < 40; step++) {
		assert_int_equal(scan("Received: x\nDelivered-To: "
		    "demo@example.test\nSubject: y\n\nbody\n", step),
		    DTSCAN_FOUND);
		assert_int_equal(scan("Subject: y\n\nDelivered-To: "
		    "demo@example.test\n", step), DTSCAN_END);
		assert_int_equal(scan("Delivered-To: demo@example.test.x\n\n",
		    step), DTSCAN_END);
		assert_int_equal(scan("Delivered-To: demo@example.tes\n\n",
		    step), DTSCAN_END);
		assert_int_equal(scan("delivered-to: demo@example.test\n\n",
		    step), DTSCAN_END);	/* qmail: byte for byte */
		assert_int_equal(scan("\nDelivered-To: demo@example.test\n",
		    step), DTSCAN_END);
		assert_int_equal(scan("Subject: no end", step), DTSCAN_MORE);
	}
}

static void
test_header(void **state)
{
	static const char m1[] = "X: y\ndelivered-to:\t DEMO@Example.TEST\r\n"
	    "\nz";
	static const char m2[] = "X: y\n\nDelivered-To: demo@example.test\n";
	static const char m3[] = "Delivered-To: demo@example.test";

	(void)state;
	assert_int_equal(dtscan_header(m1, sizeof(m1) - 1,
	    "demo@example.test"), 1);
	assert_int_equal(dtscan_header(m2, sizeof(m2) - 1,
	    "demo@example.test"), 0);
	assert_int_equal(dtscan_header(m3, sizeof(m3) - 1,
	    "demo@example.test"), 0);	/* cut by the limit */
	assert_int_equal(dtscan_header(m1, sizeof(m1) - 1,
	    "emo@example.test"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
