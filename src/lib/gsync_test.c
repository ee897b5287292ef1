/*
 * gsync_test - group commit of directory fsyncs: without a table, a
 * plain fsync; with one, processes calling at once all get their answer,
 * every call is either an fsync or answered by another's, and a missing
 * directory is an error for the caller.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "test.h"
#include "gsync.h"

#define KIDS	6
#define CALLS	40

static void
test_gsync(void **state)
{
	const char *top = test_tmpdir();
	struct gsync *g;
	char	 p[512];
	pid_t	 pid[KIDS];
	int	 i, k, st, fd;

	(void)state;
	assert_int_equal(gsync_dir(NULL, 0, top), 0);
	assert_non_null(g = gsync_new(2));
	assert_int_equal(gsync_dir(g, 0, top), 0);
	assert_int_equal(gsync_fsyncs(g), 1);
	for (k = 0; k < KIDS; k++) {
		pid[k] = fork();
		if (pid[k] == 0) {
			for (i = 0; i < CALLS; i++) {
				snprintf(p, sizeof(p), "%s/f%d.%d", top, k, i);
				fd = open(p, O_WRONLY | O_CREAT, 0600);
				if (fd == -1)
					_exit(2);
				close(fd);
				if (gsync_dir(g, 1, top) == -1)
					_exit(1);
			}
			_exit(0);
		}
	}
	for (k = 0; k < KIDS; k++) {
		assert_int_equal(waitpid(pid[k], &st, 0), pid[k]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	assert_int_equal(gsync_fsyncs(g) - 1 + gsync_shared(g), KIDS * CALLS);
	snprintf(p, sizeof(p), "%s/nosuch", top);
	assert_int_equal(gsync_dir(g, 1, p), -1);
	assert_int_equal(errno, ENOENT);
	/* Slots beyond the table: a plain fsync. */
	assert_int_equal(gsync_dir(g, 7, top), 0);
	test_rmrf(top);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gsync),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
