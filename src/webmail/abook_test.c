/*
 * abook_test - the address book file: parsing (good lines, junk
 * skipped, duplicates, the limits), writing it back, adding, renaming,
 * deleting, sorting, and a load/save round trip.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "../webmail/abook.h"

static void
test_parse(void **state)
{
	struct abook ab = ABOOK_INIT;
	struct str out = STR_INIT(1 << 20);
	const char *f = "# comment\nAnn Example\tann@example.org\r\n"
	    "\tbob@example.org\nno tab here\nEve\tnot-an-address\n"
	    "Eve\teve@example\nDup\tANN@example.org\nNul\x01\tn@x.test\n"
	    "Zoe\tzoe@example.net";

	(void)state;
	assert_int_equal(abook_parse(f, strlen(f), &ab), 0);
	assert_int_equal(ab.n, 3);
	assert_string_equal(ab.v[0].name, "Ann Example");
	assert_string_equal(ab.v[1].name, "");
	assert_string_equal(ab.v[1].addr, "bob@example.org");
	assert_string_equal(ab.v[2].addr, "zoe@example.net");
	assert_int_equal(abook_format(&ab, &out), 0);
	assert_non_null(strstr(out.s, "\nAnn Example\tann@example.org\n"
	    "\tbob@example.org\nZoe\tzoe@example.net\n"));
	abook_free(&ab);
	str_free(&out);
}

static void
test_checks(void **state)
{
	char	 big[ABOOK_ADDR_MAX + 2];

	(void)state;
	assert_true(abook_addr_ok("a@b.test"));
	assert_false(abook_addr_ok("a b@b.test"));
	assert_false(abook_addr_ok("a@b"));
	assert_false(abook_addr_ok("@b.test"));
	assert_false(abook_addr_ok("a\"@b.test"));
	assert_false(abook_addr_ok("a@b.test, c@d.test"));
	assert_false(abook_addr_ok(""));
	memset(big, 'a', sizeof(big));
	memcpy(big + sizeof(big) - 8, "@b.test", 8);
	assert_false(abook_addr_ok(big));	/* one over */
	assert_true(abook_addr_ok(big + 1));	/* exactly the limit */
	assert_true(abook_name_ok("J\xc3\xbcrgen M\xc3\xbcller"));
	assert_false(abook_name_ok("bad\xc3"));
	assert_false(abook_name_ok("tab\there"));
	assert_false(abook_name_ok("line\nbreak"));
}

static void
test_changes(void **state)
{
	struct abook ab = ABOOK_INIT;
	size_t	 i;
	char	 a[64];

	(void)state;
	assert_int_equal(abook_put(&ab, "Zed", "zed@x.test"), 0);
	assert_int_equal(abook_put(&ab, "amy", "amy@x.test"), 0);
	assert_int_equal(abook_put(&ab, "", "bob@x.test"), 0);
	assert_int_equal(abook_put(&ab, "Amy B.", "AMY@x.test"), 0);
	assert_int_equal(ab.n, 3);		/* renamed, not added */
	assert_int_equal(abook_put(&ab, "x\ny", "c@x.test"), -1);
	assert_int_equal(errno, EINVAL);
	abook_sort(&ab);
	assert_string_equal(ab.v[0].name, "Amy B.");
	assert_string_equal(ab.v[1].addr, "bob@x.test");
	assert_string_equal(ab.v[2].name, "Zed");
	assert_int_equal(abook_find(&ab, "ZED@X.TEST"), 2);
	assert_int_equal(abook_del(&ab, 1), 0);
	assert_int_equal(abook_del(&ab, 5), -1);
	assert_int_equal(abook_find(&ab, "bob@x.test"), -1);
	for (i = ab.n; i < ABOOK_MAX; i++) {
		snprintf(a, sizeof(a), "u%zu@x.test", i);
		assert_int_equal(abook_put(&ab, "", a), 0);
	}
	assert_int_equal(abook_put(&ab, "", "one-more@x.test"), -1);
	assert_int_equal(errno, ENOSPC);
	abook_free(&ab);
}

static void
test_file(void **state)
{
	const char *dir = test_tmpdir();
	char	 path[4096];
	struct abook ab = ABOOK_INIT, back = ABOOK_INIT;

	(void)state;
	snprintf(path, sizeof(path), "%s/%s", dir, ABOOK_FILE);
	assert_int_equal(abook_load(path, &ab), 0);	/* none yet */
	assert_int_equal(ab.n, 0);
	assert_int_equal(abook_put(&ab, "Ann", "ann@x.test"), 0);
	assert_int_equal(abook_save(path, &ab), 0);
	assert_int_equal(abook_load(path, &back), 0);
	assert_int_equal(back.n, 1);
	assert_string_equal(back.v[0].name, "Ann");
	abook_free(&ab);
	abook_free(&back);
	test_rmrf(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
