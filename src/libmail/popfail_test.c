/*
 * popfail_test - unit tests for popfail.c: the count per address, the
 * limit, the window, other addresses, a damaged or foreign table file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "popfail.h"
#include "test.h"

static void
test_limit_and_window(void **state)
{
	char	 path[4096];
	const char *dir = test_tmpdir();
	time_t	 t = 1800000000;
	int	 fd, i;

	(void)state;
	snprintf(path, sizeof(path), "%s/fails", dir);
	assert_true((fd = popfail_open(path)) >= 0);
	assert_int_equal(popfail_blocked(fd, "192.0.2.1", t, 3, 600), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(popfail_note(fd, "192.0.2.1", t + i, 600), 0);
	assert_int_equal(popfail_blocked(fd, "192.0.2.1", t + 2, 3, 600), 0);
	assert_int_equal(popfail_note(fd, "192.0.2.1", t + 2, 600), 0);
	/* three failures: blocked, but not another address */
	assert_int_equal(popfail_blocked(fd, "192.0.2.1", t + 3, 3, 600), 1);
	assert_int_equal(popfail_blocked(fd, "192.0.2.2", t + 3, 3, 600), 0);
	assert_int_equal(popfail_blocked(fd, "192.0.2.1", t + 599, 3, 600), 1);
	/* the window is over: free again, and counting starts afresh */
	assert_int_equal(popfail_blocked(fd, "192.0.2.1", t + 600, 3, 600), 0);
	assert_int_equal(popfail_note(fd, "192.0.2.1", t + 700, 600), 0);
	assert_int_equal(popfail_blocked(fd, "192.0.2.1", t + 701, 3, 600), 0);
	close(fd);
	/* the counts outlive the process (another connection) */
	assert_true((fd = popfail_open(path)) >= 0);
	assert_int_equal(popfail_note(fd, "192.0.2.1", t + 702, 600), 0);
	assert_int_equal(popfail_note(fd, "192.0.2.1", t + 703, 600), 0);
	assert_int_equal(popfail_blocked(fd, "192.0.2.1", t + 704, 3, 600), 1);
	close(fd);
	test_rmrf(dir);
}

static void
test_bad_files(void **state)
{
	char	 path[4096], link[4096];
	const char *dir = test_tmpdir();
	int	 fd, i;

	(void)state;
	snprintf(path, sizeof(path), "%s/fails", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	/* garbage and a short file: read as no failures, then repaired */
	assert_true((fd = open(path, O_WRONLY | O_CREAT, 0600)) >= 0);
	for (i = 0; i < 1000; i++)
		assert_int_equal(write(fd, "\xff\x01garbage", 9), 9);
	close(fd);
	assert_true((fd = popfail_open(path)) >= 0);
	assert_int_equal(popfail_blocked(fd, "198.51.100.7", 1, 1, 600), 0);
	assert_int_equal(popfail_note(fd, "198.51.100.7", 1, 600), 0);
	assert_int_equal(popfail_blocked(fd, "198.51.100.7", 2, 1, 600), 1);
	close(fd);
	/* a symbolic link is refused */
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(popfail_open(link), -1);
	assert_int_equal(errno, ELOOP);
	test_rmrf(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit_and_window),
		cmocka_unit_test(test_bad_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
