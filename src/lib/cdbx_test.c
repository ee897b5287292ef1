/*
 * cdbx_test - building and reading cdb files: atomic replacement, a
 * missing file, a corrupt file, an abort that leaves the old cdb, many
 * keys, binary keys.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cdbx.h"
#include "file.h"
#include "test.h"

static void
test_build_and_find(void **state)
{
	struct cdbx_make mk;
	struct cdbx x;
	struct str d = STR_INIT(1024), path = STR_INIT(512);
	const char *dir = test_tmpdir();
	char	 key[32];
	int	 i;

	(void)state;
	assert_int_equal(str_printf(&path, "%s/users.cdb", dir), 0);
	assert_int_equal(cdbx_lookup(path.s, "k", 1, &d), 0);	/* missing */
	assert_int_equal(cdbx_make_start(&mk, path.s, NULL, 0644), 0);
	assert_int_equal(cdbx_make_add(&mk, "!joe\0", 5, "a\0b\0", 4), 0);
	assert_int_equal(cdbx_make_add(&mk, "", 0, "-", 1), 0);
	for (i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "key%d", i);
		assert_int_equal(cdbx_make_add(&mk, key, strlen(key), key,
		    strlen(key)), 0);
	}
	assert_int_equal(cdbx_make_finish(&mk), 0);

	assert_int_equal(cdbx_open(&x, path.s), 1);
	assert_int_equal(cdbx_find(&x, "!joe\0", 5, &d), 1);
	assert_int_equal(d.len, 4);
	assert_memory_equal(d.s, "a\0b\0", 4);
	assert_int_equal(cdbx_find(&x, "!joe", 4, &d), 0);
	assert_int_equal(cdbx_find(&x, "", 0, &d), 1);
	assert_string_equal(d.s, "-");
	assert_int_equal(cdbx_find(&x, "key9999", 7, &d), 1);
	assert_string_equal(d.s, "key9999");
	assert_int_equal(cdbx_find(&x, "key10000", 8, NULL), 0);
	cdbx_close(&x);

	/* Data longer than the caller's limit. */
	d.max = 2;
	assert_int_equal(cdbx_lookup(path.s, "key1234", 7, &d), -1);
	assert_int_equal(errno, E2BIG);
	str_free(&d);
	str_free(&path);
	test_rmrf(dir);
}

static void
test_replace_and_abort(void **state)
{
	struct cdbx_make mk;
	struct str d = STR_INIT(64), path = STR_INIT(512), tmp = STR_INIT(512);
	const char *dir = test_tmpdir();
	struct stat st;

	(void)state;
	assert_int_equal(str_printf(&path, "%s/rules.cdb", dir), 0);
	assert_int_equal(str_printf(&tmp, "%s/rules.tmp", dir), 0);
	assert_int_equal(cdbx_make_start(&mk, path.s, tmp.s, 0644), 0);
	assert_int_equal(cdbx_make_add(&mk, "1.2.3.4", 7, "old", 3), 0);
	assert_int_equal(cdbx_make_finish(&mk), 0);
	assert_int_equal(stat(tmp.s, &st), -1);		/* renamed away */

	/* An aborted rebuild leaves the old database in place. */
	assert_int_equal(cdbx_make_start(&mk, path.s, tmp.s, 0644), 0);
	assert_int_equal(cdbx_make_add(&mk, "1.2.3.4", 7, "new", 3), 0);
	cdbx_make_abort(&mk);
	assert_int_equal(stat(tmp.s, &st), -1);
	assert_int_equal(cdbx_lookup(path.s, "1.2.3.4", 7, &d), 1);
	assert_string_equal(d.s, "old");

	/* A completed rebuild replaces it. */
	assert_int_equal(cdbx_make_start(&mk, path.s, tmp.s, 0644), 0);
	assert_int_equal(cdbx_make_add(&mk, "1.2.3.4", 7, "new", 3), 0);
	assert_int_equal(cdbx_make_finish(&mk), 0);
	assert_int_equal(cdbx_lookup(path.s, "1.2.3.4", 7, &d), 1);
	assert_string_equal(d.s, "new");

	/* A rebuild into a directory that does not exist fails cleanly. */
	assert_int_equal(cdbx_make_start(&mk, "/nonexistent/x.cdb", NULL,
	    0644), -1);
	str_free(&d);
	str_free(&path);
	str_free(&tmp);
	test_rmrf(dir);
}

static void
test_corrupt(void **state)
{
	struct str path = STR_INIT(512);
	const char *dir = test_tmpdir();
	struct cdbx x;

	(void)state;
	assert_int_equal(str_printf(&path, "%s/bad.cdb", dir), 0);
	assert_int_equal(file_replace(path.s, "short", 5, 0644), 0);
	assert_int_equal(cdbx_open(&x, path.s), -1);
	str_free(&path);
	test_rmrf(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_and_find),
		cmocka_unit_test(test_replace_and_abort),
		cmocka_unit_test(test_corrupt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
