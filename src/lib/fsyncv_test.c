/*
 * fsyncv_test - several fsyncs at once: all succeed on files and a
 * directory, in this process and again in a forked child (its own
 * ring); one bad descriptor makes the call fail with its errno while the
 * others are done; bad counts are refused.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "test.h"
#include "fsyncv.h"

static void
test_fsyncv(void **state)
{
	char	 p[512];
	const char *top = test_tmpdir();
	int	 fds[4], i, st;
	pid_t	 pid;

	(void)state;
	for (i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/f%d", top, i);
		fds[i] = open(p, O_WRONLY | O_CREAT, 0600);
		assert_true(fds[i] >= 0);
		assert_int_equal(write(fds[i], "abc", 3), 3);
	}
	fds[3] = open(top, O_RDONLY | O_DIRECTORY);
	assert_true(fds[3] >= 0);
	assert_int_equal(fsyncv(fds, 4), 0);
	assert_int_equal(fsyncv(fds, 4), 0);	/* the ring again */
	assert_int_equal(fsyncv(fds, 1), 0);
	pid = fork();
	if (pid == 0)
		_exit(fsyncv(fds, 4) == 0 ? 0 : 1);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	fds[1] = 999;		/* not open */
	assert_int_equal(fsyncv(fds, 4), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(fsyncv(fds, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(fsyncv(fds, FSYNCV_MAX + 1), -1);
	assert_int_equal(errno, EINVAL);
	fds[1] = fds[0];
	assert_int_equal(fsyncv(fds, 4), 0);
	for (i = 0; i < 4; i++)
		if (i != 1)
			close(fds[i]);
	test_rmrf(top);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fsyncv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
