/*
 * dotqmail_test - .qmail line types, file-name search with DEFAULT, and
 * the direct-exec splitting of program lines.
 */
#include <errno.h>
#include <string.h>

#include "dotqmail.h"
#include "test.h"

static void
test_lines(void **state)
{
	static const struct {
		const char *line;
		enum dq_type type;
		const char *arg;
	} cases[] = {
		{ "", DQ_BLANK, "" },
		{ "# comment", DQ_COMMENT, "# comment" },
		{ "./Maildir/", DQ_MAILDIR, "./Maildir/" },
		{ "/home/joe/Maildir/", DQ_MAILDIR, "/home/joe/Maildir/" },
		{ "./mbox", DQ_MBOX, "./mbox" },
		{ "/var/mail/joe", DQ_MBOX, "/var/mail/joe" },
		{ "|vdelivermail '' bounce-no-mailbox", DQ_PROGRAM,
		  "vdelivermail '' bounce-no-mailbox" },
		{ "&joe@example.com", DQ_FORWARD, "joe@example.com" },
		{ "joe@example.com", DQ_FORWARD, "joe@example.com" },
		{ "+list", DQ_LIST, "+list" },
		{ "+lists", DQ_PLUS, "+lists" },
		{ "-weird", DQ_FORWARD, "-weird" },
	};
	const char *arg;
	size_t	 i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(dq_line(cases[i].line, strlen(cases[i].line),
		    &arg, &n), cases[i].type);
		assert_int_equal(n, strlen(cases[i].arg));
		assert_memory_equal(arg, cases[i].arg, n);
	}
	assert_int_equal(dq_trim("abc \t ", 6), 3);
	assert_int_equal(dq_trim(" \t", 2), 0);
	assert_int_equal(dq_trim("", 0), 0);
}

static void
check_names(const char *dash, const char *ext, const char **want,
    const long *wantdef)
{
	struct strlist names = STRLIST_INIT;
	long	 def[16];
	size_t	 i;

	assert_true(dq_names_max(ext) <= 16);
	assert_int_equal(dq_names(dash, ext, &names, def), 0);
	for (i = 0; want[i] != NULL; i++) {
		assert_true(i < names.n);
		assert_string_equal(names.v[i], want[i]);
		assert_int_equal(def[i], wantdef[i]);
	}
	assert_int_equal(names.n, i);
	assert_true(names.n <= dq_names_max(ext));
	strlist_free(&names);
}

static void
test_names(void **state)
{
	const char *w1[] = { ".qmail-foo-bar", ".qmail-foo-default",
	    ".qmail-default", NULL };
	const long d1[] = { -1, 4, 0 };
	const char *w2[] = { ".qmail-a-b-", ".qmail-a-b-default",
	    ".qmail-a-default", ".qmail-default", NULL };
	const long d2[] = { -1, 4, 2, 0 };
	const char *w3[] = { ".qmail", ".qmaildefault", NULL };
	const long d3[] = { -1, 0 };
	const char *w4[] = { ".qmail-j:o:e", ".qmail-default", NULL };
	const long d4[] = { -1, 0 };
	const char *w5[] = { ".qmail-x-default", ".qmail-x-default",
	    ".qmail-default", NULL };
	const long d5[] = { 2, 2, 0 };

	(void)state;
	check_names("-", "foo-bar", w1, d1);
	check_names("-", "a-b-", w2, d2);
	check_names("", "", w3, d3);
	check_names("-", "J.O.e", w4, d4);	/* lower case, '.' -> ':' */
	check_names("-", "x-default", w5, d5);
}

static int
split(const char *cmd, struct strlist *argv)
{
	return dq_argv(cmd, strlen(cmd), argv);
}

static void
test_argv(void **state)
{
	struct strlist v = STRLIST_INIT;
	static const char *shell[] = {
		"echo $HOME", "a | b", "a; b", "a > f", "a < f", "a && b",
		"`x`", "a \"b\"", "a\\ b", "exec foo", "cd /tmp", "X=1 foo",
		"a 'unterminated", "foo *", "foo ?", "foo [ab]", "~/bin/x",
		"foo # comment", "(a)", "a & b", "if true", "", "   ",
		"'' foo", ". /etc/profile", "a\nb",
	};
	size_t	 i;

	(void)state;
	assert_int_equal(split("vdelivermail '' bounce-no-mailbox", &v), 1);
	assert_int_equal(v.n, 3);
	assert_string_equal(v.v[0], "vdelivermail");
	assert_string_equal(v.v[1], "");
	assert_string_equal(v.v[2], "bounce-no-mailbox");
	strlist_free(&v);
	assert_int_equal(split(" /usr/bin/prog --opt=1\t'a b'c  x@y.z ", &v),
	    1);
	assert_int_equal(v.n, 4);
	assert_string_equal(v.v[0], "/usr/bin/prog");
	assert_string_equal(v.v[1], "--opt=1");
	assert_string_equal(v.v[2], "a bc");
	assert_string_equal(v.v[3], "x@y.z");
	strlist_free(&v);
	for (i = 0; i < sizeof(shell) / sizeof(shell[0]); i++) {
		assert_int_equal(split(shell[i], &v), 0);
		assert_int_equal(v.n, 0);
	}
}

static void
test_gfrom(void **state)
{
	(void)state;
	assert_true(dq_gfrom("From x\n", 7));
	assert_true(dq_gfrom(">>From x\n", 9));
	assert_false(dq_gfrom("From", 4));
	assert_false(dq_gfrom("from x", 6));
	assert_false(dq_gfrom(" From x", 7));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_gfrom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
