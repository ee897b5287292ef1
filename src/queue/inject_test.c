/*
 * inject_test - address lists out of headers and qmail-inject's
 * qualification of bare names.
 */
#include <string.h>

#include "inject.h"
#include "test.h"

static void
check_list(const char *v, const char **want)
{
	struct strlist l = STRLIST_INIT;
	size_t	 i;

	assert_int_equal(inject_addrlist(v, strlen(v), &l), 0);
	for (i = 0; want[i] != NULL; i++) {
		assert_true(i < l.n);
		assert_string_equal(l.v[i], want[i]);
	}
	assert_int_equal(l.n, i);
	strlist_free(&l);
}

static void
test_addrlist(void **state)
{
	const char *w1[] = { "a@b.c", NULL };
	const char *w2[] = { "a@b.c", "d@e", "f@g", NULL };
	const char *w3[] = { "x@y", "z@w", NULL };
	const char *w4[] = { "\"joe q\"@x.y", NULL };
	const char *w5[] = { NULL };
	const char *w6[] = { "joe", NULL };

	(void)state;
	check_list(" a@b.c", w1);
	check_list(" \"Doe, John\" <a@b.c>, d@e (Dee, E),\n\tF <f@g>", w2);
	check_list(" friends: x@y, Z <z@w>;", w3);
	check_list(" \"joe q\"@x.y", w4);
	check_list(" undisclosed-recipients:;", w5);
	check_list("", w5);
	check_list(" (only (nested) comment)", w5);
	check_list(" joe", w6);
}

static void
check_q(const char *in, const char *want)
{
	struct str s = STR_INIT(2000);

	assert_int_equal(str_copys(&s, in), 0);
	assert_int_equal(inject_qualify(&s, "host.example.org",
	    "example.org", "plus.example.org"), 0);
	assert_string_equal(str_c(&s), want);
	str_free(&s);
}

static void
test_qualify(void **state)
{
	(void)state;
	check_q("joe", "joe@host.example.org");
	check_q("joe@", "joe@host.example.org");
	check_q("joe@mail", "joe@mail.example.org");
	check_q("joe@mail.other", "joe@mail.other");
	check_q("joe@mail+", "joe@mail.plus.example.org");
	check_q("joe@[192.0.2.1]", "joe@[192.0.2.1]");
	check_q("a@b@c", "a@b@c.example.org");
	check_q("", "");
}

static void
test_hdr_is(void **state)
{
	(void)state;
	assert_true(inject_hdr_is("bcc: x", 6, "Bcc"));
	assert_true(inject_hdr_is("BCC:", 4, "Bcc"));
	assert_false(inject_hdr_is("Bcc", 3, "Bcc"));
	assert_false(inject_hdr_is("Bccx: y", 7, "Bcc"));
	assert_false(inject_hdr_is("Bc: y", 5, "Bcc"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addrlist),
		cmocka_unit_test(test_qualify),
		cmocka_unit_test(test_hdr_is),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
