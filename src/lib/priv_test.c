/*
 * priv_test - unit tests for priv.c: priv_fds_sane fills closed standard
 * descriptors with /dev/null and leaves open ones alone.  (priv_drop
 * needs root and is exercised by the programs' end-to-end tests.)
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <unistd.h>

#include "priv.h"
#include "test.h"

/* 1 if fd is open on /dev/null. */
static int
is_null(int fd)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat("/dev/null", &b) == 0 &&
	    S_ISCHR(a.st_mode) && a.st_rdev == b.st_rdev;
}

static void
test_fds_sane(void **state)
{
	int	 p[2], status;
	pid_t	 pid;

	(void)state;
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		/* 0 stays the pipe, 1 and 2 closed. */
		if (dup2(p[0], 0) == -1)
			_exit(10);
		close(1);
		close(2);
		if (priv_fds_sane() != 0)
			_exit(11);
		if (!is_null(1) || !is_null(2))
			_exit(12);
		if (is_null(0) || fcntl(0, F_GETFD) == -1)
			_exit(13);
		if (priv_fds_sane() != 0 || open("/dev/null", O_RDONLY) < 3)
			_exit(14);
		_exit(0);
	}
	close(p[0]);
	close(p[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fds_sane),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
