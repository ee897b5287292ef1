/*
 * srs_test - addresses written by Perl's Mail::SRS (Debian's
 * libmail-srs-perl) under a known secret and time, forward and back;
 * expiry, forged hashes, smashed case, malformed addresses, the secret
 * list (an old secret still verifies).
 */
#include <errno.h>
#include <string.h>

#include "srs.h"
#include "test.h"

#define NOW	1796613000LL

static void
test_forward(void **state)
{
	struct strlist sec = STRLIST_INIT;
	struct str out = STR_INIT(1024);

	(void)state;
	assert_int_equal(strlist_adds(&sec, "hsmail-test-secret"), 0);
	assert_int_equal(srs_forward("Alice@Orig.example", "fwd.example",
	    &sec, NOW, &out), 1);
	assert_string_equal(str_c(&out),
	    "SRS0=FCWE=J2=Orig.example=Alice@fwd.example");
	assert_int_equal(srs_forward(str_c(&out), "second.example", &sec, NOW,
	    &out), 1);
	assert_string_equal(str_c(&out),
	    "SRS1=uNbG=fwd.example==FCWE=J2=Orig.example=Alice@second.example");
	assert_int_equal(srs_forward(str_c(&out), "third.example", &sec, NOW,
	    &out), 1);
	assert_string_equal(str_c(&out),
	    "SRS1=uNbG=fwd.example==FCWE=J2=Orig.example=Alice@third.example");
	/* Left alone: the null sender, no domain, our own domain. */
	assert_int_equal(srs_forward("", "fwd.example", &sec, NOW, &out), 0);
	assert_int_equal(srs_forward("nodomain", "fwd.example", &sec, NOW,
	    &out), 0);
	assert_int_equal(srs_forward("a@FWD.example", "u@fwd.example", &sec,
	    NOW, &out), 0);
	strlist_free(&sec);
	assert_int_equal(srs_forward("a@b.example", "fwd.example", &sec, NOW,
	    &out), -1);
	assert_int_equal(errno, EINVAL);
	str_free(&out);
}

static void
test_reverse(void **state)
{
	struct strlist sec = STRLIST_INIT;
	struct str out = STR_INIT(1024);

	(void)state;
	assert_int_equal(strlist_adds(&sec, "new-secret"), 0);
	assert_int_equal(strlist_adds(&sec, "hsmail-test-secret"), 0);
	assert_int_equal(srs_reverse("SRS0=FCWE=J2=Orig.example=Alice"
	    "@fwd.example", &sec, NOW, &out), 1);
	assert_string_equal(str_c(&out), "Alice@Orig.example");
	assert_int_equal(srs_reverse("srs0=fcwe=j2=orig.example=alice"
	    "@fwd.example", &sec, NOW, &out), 1);
	assert_string_equal(str_c(&out), "alice@orig.example");
	assert_int_equal(srs_reverse("SRS1=uNbG=fwd.example==FCWE=J2="
	    "Orig.example=Alice@third.example", &sec, NOW, &out), 1);
	assert_string_equal(str_c(&out),
	    "SRS0=FCWE=J2=Orig.example=Alice@fwd.example");
	/* 21 days on it is still good, 22 days on it has expired. */
	assert_int_equal(srs_reverse("SRS0=FCWE=J2=Orig.example=Alice",
	    &sec, NOW + 21 * 86400, &out), 1);
	assert_int_equal(srs_reverse("SRS0=FCWE=J2=Orig.example=Alice",
	    &sec, NOW + 22 * 86400, &out), -1);
	assert_int_equal(errno, ETIME);
	/* A day in the future is not valid either. */
	assert_int_equal(srs_reverse("SRS0=FCWE=J2=Orig.example=Alice",
	    &sec, NOW - 86400, &out), -1);
	/* Forged or broken. */
	assert_int_equal(srs_reverse("SRS0=AAAA=J2=Orig.example=Alice",
	    &sec, NOW, &out), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(srs_reverse("SRS0=FCWE=J2=Orig.example=Bob",
	    &sec, NOW, &out), -1);
	assert_int_equal(srs_reverse("SRS0=FCWE=J2=Orig.example", &sec, NOW,
	    &out), -1);
	assert_int_equal(srs_reverse("SRS0=FCW=J2=Orig.example=Alice", &sec,
	    NOW, &out), -1);
	assert_int_equal(srs_reverse("SRS0=FCWE=J=Orig.example=Alice", &sec,
	    NOW, &out), -1);
	assert_int_equal(srs_reverse("SRS0=FCWE=J2==Alice", &sec, NOW, &out),
	    -1);
	assert_int_equal(srs_reverse("SRS0=FCWE=J2=Orig.example=", &sec, NOW,
	    &out), -1);
	assert_int_equal(srs_reverse("SRS1=uNbG", &sec, NOW, &out), -1);
	assert_int_equal(srs_reverse("SRS1=uNbG=x", &sec, NOW, &out), -1);
	assert_int_equal(srs_reverse("SRS0=", &sec, NOW, &out), 0);
	assert_int_equal(srs_reverse("alice@fwd.example", &sec, NOW, &out), 0);
	assert_int_equal(srs_reverse("SRS2=a=b", &sec, NOW, &out), 0);
	strlist_free(&sec);
	assert_int_equal(strlist_adds(&sec, "other"), 0);
	assert_int_equal(srs_reverse("SRS0=FCWE=J2=Orig.example=Alice",
	    &sec, NOW, &out), -1);
	strlist_free(&sec);
	str_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forward),
		cmocka_unit_test(test_reverse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
