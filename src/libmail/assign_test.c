/*
 * assign_test - users/assign compiled as qmail-newu does and looked up as
 * qmail-lspawn does: exact entries, the longest wildcard, the wildcard
 * character set, a syntax error that keeps the old cdb.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "assign.h"
#include "cdbx.h"
#include "test.h"

static const char assign_text[] =
    "=joe:joe:1001:1001:/home/joe:::\n"
    "+example.com-:example.com:89:89:/v/domains/example.com:-::\n"
    "+alias.org-:example.com:89:89:/v/domains/example.com:-::\n"
    "+ex:other:7:7:/other:-:pre:\n"
    ".\n";

static void
test_compile_lookup(void **state)
{
	struct assign_entry e;
	struct str path = STR_INIT(512), d = STR_INIT(512);
	const char *dir = test_tmpdir();

	(void)state;
	assert_int_equal(str_printf(&path, "%s/cdb", dir), 0);
	assert_int_equal(assign_compile(assign_text, strlen(assign_text),
	    path.s, NULL), 0);
	/* The key format of qmail-newu, byte for byte. */
	assert_int_equal(cdbx_lookup(path.s, "!joe\0", 5, &d), 1);
	assert_memory_equal(d.s, "joe\0" "1001\0" "1001\0" "/home/joe\0\0\0",
	    d.len);
	assert_int_equal(cdbx_lookup(path.s, "", 0, &d), 1);
	assert_int_equal(d.len, 2);	/* '-' and 'x' */

	assign_entry_init(&e);
	assert_int_equal(assign_lookup(path.s, "JOE", &e), 1);
	assert_string_equal(e.home.s, "/home/joe");
	assert_int_equal(e.uid, 1001);
	assign_entry_free(&e);

	assign_entry_init(&e);
	assert_int_equal(assign_lookup(path.s, "example.com-bob", &e), 1);
	assert_string_equal(e.user.s, "example.com");
	assert_string_equal(e.dash.s, "-");
	assert_string_equal(e.ext.s, "bob");
	assign_entry_free(&e);

	assign_entry_init(&e);
	assert_int_equal(assign_lookup(path.s, "exotic", &e), 1);
	assert_string_equal(e.user.s, "other");
	assert_string_equal(e.ext.s, "preotic");
	assign_entry_free(&e);

	assign_entry_init(&e);
	assert_int_equal(assign_lookup(path.s, "nobody", &e), 0);
	assert_int_equal(assign_lookup_prefix(path.s, "alias.org-", &e), 1);
	assert_string_equal(e.user.s, "example.com");
	assign_entry_free(&e);
	str_free(&path);
	str_free(&d);
	test_rmrf(dir);
}

static void
test_bad_keeps_old(void **state)
{
	static const char *bad[] = {
		"=joe:joe:x:1:/h:::\n.\n",	/* uid not a number */
		"=joe:joe:1:1:/h\n.\n",		/* too few fields */
		"joe:joe:1:1:/h:::\n.\n",	/* no type */
		"=joe:joe:1:1:/h:::\n",		/* no "." line */
		"\n.\n",			/* blank line */
	};
	struct assign_entry e;
	struct str path = STR_INIT(512);
	const char *dir = test_tmpdir();
	unsigned long line;
	size_t	 i;

	(void)state;
	assert_int_equal(str_printf(&path, "%s/cdb", dir), 0);
	assert_int_equal(assign_compile(assign_text, strlen(assign_text),
	    path.s, NULL), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		line = 0;
		assert_int_equal(assign_compile(bad[i], strlen(bad[i]), path.s,
		    &line), -1);
		assert_int_equal(errno, EINVAL);
		assert_true(line >= 1);
	}
	assign_entry_init(&e);
	assert_int_equal(assign_lookup(path.s, "joe", &e), 1);
	assign_entry_free(&e);
	str_free(&path);
	test_rmrf(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compile_lookup),
		cmocka_unit_test(test_bad_keeps_old),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
