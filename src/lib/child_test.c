/*
 * child_test - spawning: exit codes classified 0 / 100 / 111 / crash,
 * fd mapping, working directory, a program that does not exist; and the
 * log line formats.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "log.h"
#include "test.h"

static enum child_result
sh(const char *script, int *status)
{
	char	*argv[] = { "/bin/sh", "-c", (char *)(uintptr_t)script, NULL };
	struct child_spec cs;

	child_spec_init(&cs, argv);
	return child_run(&cs, status);
}

static void
test_results(void **state)
{
	int	 st;

	(void)state;
	assert_int_equal(sh("exit 0", &st), CHILD_OK);
	assert_int_equal(sh("exit 100", &st), CHILD_PERM);
	assert_int_equal(sh("exit 111", &st), CHILD_TEMP);
	assert_int_equal(sh("exit 99", &st), CHILD_TEMP);
	assert_int_equal(WEXITSTATUS(st), 99);
	assert_int_equal(sh("kill -SEGV $$", &st), CHILD_TEMP);
	assert_true(WIFSIGNALED(st));
}

static void
test_fds_and_dir(void **state)
{
	char	*argv[] = { "sh", "-c", "pwd; cat <&3; echo err >&2", NULL };
	struct child_spec cs;
	int	 in[2], out[2], st;
	char	 buf[256];
	ssize_t	 n, total = 0;

	(void)state;
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(write(in[1], "from3\n", 6), 6);
	close(in[1]);
	child_spec_init(&cs, argv);
	cs.fd[1] = out[1];
	cs.fd[2] = out[1];
	cs.fd[3] = in[0];
	cs.dir = "/";
	assert_int_equal(child_run(&cs, &st), CHILD_OK);
	close(out[1]);
	close(in[0]);
	while ((n = read(out[0], buf + total, sizeof(buf) - 1 - (size_t)total)) > 0)
		total += n;
	buf[total] = '\0';
	assert_string_equal(buf, "/\nfrom3\nerr\n");
	close(out[0]);
}

static void
test_missing(void **state)
{
	char	*argv[] = { "/nonexistent/prog", NULL };
	struct child_spec cs;
	int	 st;

	(void)state;
	child_spec_init(&cs, argv);
	assert_int_equal(child_run(&cs, &st), CHILD_TEMP);
}

static void
test_log_safe(void **state)
{
	struct str s = STR_INIT(100);

	(void)state;
	assert_int_equal(log_safe_cat(&s, "a b%c\nd\x7f\xff", 9), 0);
	assert_string_equal(s.s, "a_b_c/d__");
	str_clear(&s);
	assert_int_equal(log_print_cat(&s, "ok \t\x01\x80~", 7), 0);
	assert_string_equal(s.s, "ok ???~");
	str_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_results),
		cmocka_unit_test(test_fds_and_dir),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_log_safe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
