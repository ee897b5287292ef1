/*
 * chkcram_test - unit tests for chkcram.c: the APOP example of RFC 1939
 * and the CRAM-MD5 example of RFC 2195, upper-case hex accepted, and
 * digests that differ only in bytes that are not hex digits refused.
 */
#include <string.h>

#include "chkcram.h"
#include "test.h"
#include "vpop.h"

static void
with_clear(struct vpop_pw *pw, const char *clear)
{
	vpop_pw_init(pw);
	assert_int_equal(str_copys(&pw->clear, clear), 0);
	pw->has_clear = 1;
}

static void
test_apop(void **state)
{
	static const char stamp[] = "<1896.697170952@dbc.mtview.ca.us>";
	char	 d[] = "c4c9334bac560ecc979e58001b3e22fb";
	struct vpop_pw pw;

	(void)state;
	with_clear(&pw, "tanstaaf");
	assert_true(chkapop_check(&pw, d, stamp));
	assert_true(chkapop_check(&pw, "C4C9334BAC560ECC979E58001B3E22FB",
	    stamp));
	assert_false(chkapop_check(&pw, d, "<other@stamp>"));
	assert_false(chkapop_check(&pw, "c4c9334bac560ecc979e58001b3e22f",
	    stamp));
	d[1] = '4' & ~0x20;	/* a control byte, not the digit 4 */
	assert_false(chkapop_check(&pw, d, stamp));
	vpop_pw_free(&pw);
	with_clear(&pw, "");
	pw.has_clear = 1;
	assert_false(chkapop_check(&pw, "c4c9334bac560ecc979e58001b3e22fb",
	    stamp));
	vpop_pw_free(&pw);
}

static void
test_cram(void **state)
{
	static const char chal[] =
	    "<1896.697170952@postoffice.reston.mci.net>";
	char	 d[] = "b913a602c7eda7a495b4e6e7334d3890";
	struct vpop_pw pw;

	(void)state;
	with_clear(&pw, "tanstaaftanstaaf");
	assert_true(chkcram_check(&pw, d, chal));
	assert_false(chkcram_check(&pw, d, "<1896.697170953@x>"));
	/* '9' with its 0x20 bit off is a control byte, not a digit. */
	d[1] = '9' & ~0x20;
	assert_false(chkcram_check(&pw, d, chal));
	vpop_pw_free(&pw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apop),
		cmocka_unit_test(test_cram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
