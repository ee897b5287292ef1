/*
 * smtpd_sender_test - the From: fields collected from stored message
 * bytes (folded, several, in pieces, too long, in the body) and the
 * addresses found in a value.
 */
#include <string.h>

#include "smtpd_sender.h"
#include "test.h"

static void
feed_all(struct sender_from *f, const char *msg, size_t step)
{
	size_t	 n = strlen(msg), i;

	for (i = 0; i < n; i += step)
		assert_int_equal(sender_from_feed(f, msg + i,
		    n - i < step ? n - i : step), 0);
}

static void
test_fields(void **state)
{
	static const char msg[] =
	    "Received: from x\n  by y\n"
	    "FROM: Ann <ann@Example.TEST>\n"
	    "Subject: from: nobody@else.test\n"
	    "From: \"Bob, B.\"\n <bob@example.test>\n"
	    "\n"
	    "From: body@else.test\n";
	size_t	 step;

	(void)state;
	for (step = 1; step <= sizeof(msg); step += 7) {
		struct sender_from f;

		sender_from_init(&f);
		feed_all(&f, msg, step);
		assert_int_equal(f.fields.n, 2);
		assert_string_equal(f.fields.v[0], " Ann <ann@Example.TEST> ");
		assert_false(f.toolong);
		sender_from_free(&f);
	}
}

static void
test_toolong(void **state)
{
	struct sender_from f;
	char	 big[SENDER_FROM_MAX + 100];

	(void)state;
	memset(big, 'a', sizeof(big));
	memcpy(big, "From: ", 6);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	sender_from_init(&f);
	feed_all(&f, big, 100);
	feed_all(&f, "\n", 1);
	assert_true(f.toolong);
	sender_from_free(&f);
}

static void
test_addrs(void **state)
{
	static const struct {
		const char *in;
		int	 r;
		const char *a[3];
	} t[] = {
		{ " Ann <ann@Example.TEST> ", 0, { "ann@example.test" } },
		{ "ann@x.test", 0, { "ann@x.test" } },
		{ "\"Bob, B.\" <Bob@x.test>, c@y.test (C, <d@z>)", 0,
		  { "Bob@x.test", "c@y.test" } },
		{ "Group: a@x.test, b@x.test;", 0, { "a@x.test", "b@x.test" } },
		{ "undisclosed", -1, { NULL } },
		{ "", -1, { NULL } },
		{ "<>", -1, { NULL } },
	};
	size_t	 i, j;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct strlist l = STRLIST_INIT;

		assert_int_equal(sender_from_addrs(t[i].in, &l), t[i].r);
		for (j = 0; t[i].r == 0 && t[i].a[j] != NULL; j++) {
			assert_true(j < l.n);
			assert_string_equal(l.v[j], t[i].a[j]);
		}
		if (t[i].r == 0)
			assert_int_equal(l.n, j);
		strlist_free(&l);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_toolong),
		cmocka_unit_test(test_addrs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
