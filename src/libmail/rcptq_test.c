/*
 * rcptq_test - the qmail-smtpd <-> vchkuser lines: requests formatted
 * and parsed back, every refusal the helper makes, the limits on both
 * sides, and every answer word.
 */
#include <errno.h>
#include <string.h>

#include "rcptq.h"
#include "test.h"

/* A string of n copies of c. */
static const char *
rep(char c, size_t n)
{
	static char buf[1024];

	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

static void
test_format_roundtrip(void **state)
{
	struct str s = STR_INIT(RCPTQ_LINE_MAX + 1);
	struct rcptq_req q;

	(void)state;
	assert_int_equal(rcptq_req_format(&s, "joe-ext", "ex.test", 90), 0);
	assert_string_equal(str_c(&s), "joe-ext ex.test 90\n");
	assert_int_equal(rcptq_req_parse(s.s, s.len - 1, &q), 0);
	assert_string_equal(q.user, "joe-ext");
	assert_string_equal(q.domain, "ex.test");
	assert_int_equal(q.percent, 90);
	str_free(&s);
}

/* Names a catch-all or a .qmail-x-default accepts: sent and parsed back
 * (the helper's lookup never uses a user name as a path of its own). */
static void
test_user_chars(void **state)
{
	static const char *const t[] = {
		"a..b", "..", "jos\xc3\xa9", "a.", "~x!#$%&'*+=?^`{|}",
	};
	struct str s = STR_INIT(RCPTQ_LINE_MAX + 1);
	struct rcptq_req q;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		str_clear(&s);
		assert_int_equal(rcptq_req_format(&s, t[i], "ex.test", 0), 0);
		assert_int_equal(rcptq_req_parse(s.s, s.len - 1, &q), 0);
		assert_string_equal(q.user, t[i]);
	}
	str_free(&s);
}

static void
test_format_refuses(void **state)
{
	static const struct {
		const char *user, *domain;
		int	 percent;
	} t[] = {
		{ "", "ex.test", 0 },
		{ "a/b", "ex.test", 0 },
		{ "a b", "ex.test", 0 },
		{ "a\tb", "ex.test", 0 },
		{ "a\x7f", "ex.test", 0 },
		{ "joe", "", 0 },
		{ "joe", "../etc", 0 },
		{ "joe", "ex/test", 0 },
		{ "joe", "ex.test", -1 },
		{ "joe", "ex.test", 101 },
	};
	struct str s = STR_INIT(RCPTQ_LINE_MAX + 1);
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		errno = 0;
		assert_int_equal(rcptq_req_format(&s, t[i].user, t[i].domain,
		    t[i].percent), -1);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(s.len, 0);
	}
	str_free(&s);
}

static void
test_limits(void **state)
{
	struct str s = STR_INIT(RCPTQ_LINE_MAX + 1), u = STR_INIT(1024);
	struct rcptq_req q;

	(void)state;
	/* Exactly the longest user and domain: fits, and parses back. */
	assert_int_equal(str_copys(&u, rep('u', RCPTQ_USER_MAX)), 0);
	assert_int_equal(rcptq_req_format(&s, u.s,
	    rep('d', VPOP_DOMAIN_MAX), 100), 0);
	assert_true(s.len - 1 <= RCPTQ_LINE_MAX);
	assert_int_equal(rcptq_req_parse(s.s, s.len - 1, &q), 0);
	assert_int_equal(strlen(q.user), RCPTQ_USER_MAX);
	assert_int_equal(strlen(q.domain), VPOP_DOMAIN_MAX);
	assert_int_equal(q.percent, 100);
	/* One byte over, each. */
	str_clear(&s);
	assert_int_equal(str_catc(&u, 'u'), 0);
	assert_int_equal(rcptq_req_format(&s, u.s, "ex.test", 0), -1);
	assert_int_equal(rcptq_req_format(&s, "joe",
	    rep('d', VPOP_DOMAIN_MAX + 1), 0), -1);
	assert_int_equal(s.len, 0);
	str_free(&s);
	str_free(&u);
}

static void
test_parse_refuses(void **state)
{
	static const char *const t[] = {
		"",
		"joe",
		"joe ex.test",
		"joe ex.test ",
		"joe ex.test 0 ",
		"joe ex.test 0 1",
		" joe ex.test 0",
		"joe  ex.test 0",
		"joe ex.test 101",
		"joe ex.test -1",
		"joe ex.test +1",
		"joe ex.test x",
		"joe ex.test 99999999999999999999999",
		"jo/e ex.test 0",
		"joe ..ex.test 0",
		"joe ex.test/.. 0",
		"joe\r ex.test 0",
	};
	struct rcptq_req q;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		errno = 0;
		assert_int_equal(rcptq_req_parse(t[i], strlen(t[i]), &q), -1);
		assert_int_equal(errno, EINVAL);
		assert_string_equal(q.user, "");
	}
	/* A NUL inside a field. */
	assert_int_equal(rcptq_req_parse("jo\0e ex.test 0", 14, &q), -1);
}

static void
test_parse_lowercases(void **state)
{
	struct rcptq_req q;
	const char *l = "Joe.Doe EX.Test 007";

	(void)state;
	assert_int_equal(rcptq_req_parse(l, strlen(l), &q), 0);
	assert_string_equal(q.user, "joe.doe");
	assert_string_equal(q.domain, "ex.test");
	assert_int_equal(q.percent, 7);
}

static void
test_answers(void **state)
{
	static const enum vpop_rcpt all[] = {
		VPOP_RCPT_NODOMAIN, VPOP_RCPT_NOUSER, VPOP_RCPT_USER,
		VPOP_RCPT_ALIAS, VPOP_RCPT_EXT, VPOP_RCPT_CATCHALL,
		VPOP_RCPT_FULL,
	};
	static const char *const bad[] = {
		"", "users", "use", "USER", "user ", " user", "nouser\r",
		"invalid", "451",
	};
	enum vpop_rcpt res;
	const char *w;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		w = rcptq_ans_word((int)all[i]);
		res = VPOP_RCPT_FULL + 1;
		assert_int_equal(rcptq_ans_parse(w, strlen(w), &res), 0);
		assert_int_equal(res, all[i]);
	}
	assert_string_equal(rcptq_ans_word(VPOP_RCPT_NOUSER), "nouser");
	assert_string_equal(rcptq_ans_word(RCPTQ_TEMP), "temp");
	assert_string_equal(rcptq_ans_word(RCPTQ_INVALID), "invalid");
	assert_string_equal(rcptq_ans_word(VPOP_RCPT_FULL + 1), "temp");
	assert_string_equal(rcptq_ans_word(-99), "temp");
	errno = 0;
	assert_int_equal(rcptq_ans_parse("temp", 4, &res), -1);
	assert_int_equal(errno, EAGAIN);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_int_equal(rcptq_ans_parse(bad[i], strlen(bad[i]), &res),
		    -1);
		assert_int_equal(errno, EINVAL);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_roundtrip),
		cmocka_unit_test(test_user_chars),
		cmocka_unit_test(test_format_refuses),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_parse_lowercases),
		cmocka_unit_test(test_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
