/*
 * child_test - spawning: exit codes classified 0 / 100 / 111 / crash,
 * fd mapping, working directory, a program that does not exist; and the
 * log line formats; recognising an installed program and forking for
 * linked-in code; waiting with a deadline; moving descriptors high.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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

CHILD_PROGRAM_NOTE("child_test");

/* Copy this test program to path with mode. */
static void
copy_self(const char *path, mode_t mode)
{
	char	 buf[65536];
	ssize_t	 n;
	int	 in, out;

	in = open("/proc/self/exe", O_RDONLY);
	assert_true(in >= 0);
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0700);
	assert_true(out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
	assert_int_equal(chmod(path, mode), 0);
}

/* Only an executable, non-set-id ELF file with the program's note. */
static void
test_is_builtin(void **state)
{
	char	 dir[] = "/tmp/child_testXXXXXX", a[64], b[64], c[64];
	int	 fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/prog", dir);
	snprintf(b, sizeof(b), "%s/link", dir);
	snprintf(c, sizeof(c), "%s/script", dir);
	copy_self(a, 0755);
	assert_int_equal(symlink(a, b), 0);
	fd = open(c, O_WRONLY | O_CREAT, 0755);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\nexit 0\n", 17), 17);
	close(fd);
	assert_int_equal(child_is_builtin(a, "child_test"), 1);
	assert_int_equal(child_is_builtin(b, "child_test"), 1);
	assert_int_equal(child_is_builtin(a, "child_tes"), 0);
	assert_int_equal(child_is_builtin(a, "vdelivermail"), 0);
	assert_int_equal(child_is_builtin(c, "child_test"), 0); /* script */
	assert_int_equal(child_is_builtin("prog", "child_test"), 0); /* PATH */
	assert_int_equal(child_is_builtin("/nonexistent/x", "child_test"), 0);
	assert_int_equal(chmod(a, 04755), 0);
	assert_int_equal(child_is_builtin(a, "child_test"), 0); /* set-uid */
	assert_int_equal(chmod(a, 0644), 0);
	assert_int_equal(child_is_builtin(a, "child_test"), 0); /* no x bit */
	unlink(a);
	unlink(b);
	unlink(c);
	rmdir(dir);
}

/* A cut or damaged ELF file never matches and is never read past. */
static void
test_note_has_bounds(void **state)
{
	unsigned char b[4096];
	ssize_t	 n;
	size_t	 i;
	int	 fd, found = 0;

	(void)state;
	fd = open("/proc/self/exe", O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, b, sizeof(b));
	close(fd);
	assert_true(n > 0);
	assert_int_equal(child_note_has(b, (size_t)n, "child_test"), 1);
	for (i = 0; i < (size_t)n; i++)	/* the shortest prefix that has it */
		if (child_note_has(b, i, "child_test")) {
			found = 1;
			break;
		}
	assert_true(found);
	assert_int_equal(child_note_has(b, i - 1, "child_test"), 0);
	b[0] = 0;
	assert_int_equal(child_note_has(b, (size_t)n, "child_test"), 0);
	assert_int_equal(child_note_has(b, 3, "child_test"), 0);
}

static void
usr1(int sig)
{
	(void)sig;
}

/* The child gets default, unblocked signals; the parent keeps its own. */
static void
test_fork(void **state)
{
	struct sigaction sa, old;
	sigset_t block, cur;
	pid_t	 pid;
	int	 st;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = usr1;
	assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	assert_int_equal(sigprocmask(SIG_BLOCK, &block, NULL), 0);
	pid = child_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sigaction now;

		if (sigaction(SIGUSR1, NULL, &now) == -1 ||
		    now.sa_handler != SIG_DFL)
			_exit(1);
		if (sigprocmask(SIG_SETMASK, NULL, &cur) == -1 ||
		    sigismember(&cur, SIGTERM))
			_exit(2);
		kill(getpid(), SIGUSR1);	/* default: terminates */
		_exit(3);
	}
	assert_int_equal(child_wait(pid, &st), 0);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGUSR1);
	assert_int_equal(sigaction(SIGUSR1, NULL, &sa), 0);
	assert_ptr_equal(sa.sa_handler, usr1);
	assert_int_equal(sigprocmask(SIG_UNBLOCK, &block, NULL), 0);
	sigaction(SIGUSR1, &old, NULL);
}

/* A child over its deadline is killed and reaped; one in time is not. */
static void
test_wait_timed(void **state)
{
	char	*sleeper[] = { "/bin/sleep", "30", NULL };
	char	*quick[] = { "/bin/sh", "-c", "exit 7", NULL };
	struct child_spec cs;
	pid_t	 pid;
	int	 st;

	(void)state;
	child_spec_init(&cs, sleeper);
	pid = child_start(&cs);
	assert_true(pid > 0);
	assert_int_equal(child_wait_timed(pid, 1, &st), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_int_equal(waitpid(pid, &st, WNOHANG), -1);	/* reaped */
	child_spec_init(&cs, quick);
	pid = child_start(&cs);
	assert_true(pid > 0);
	assert_int_equal(child_wait_timed(pid, 30, &st), 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 7);
}

/* child_fd_high: low descriptors move up, close-on-exec; high ones and
 * -1 stay as they are. */
static void
test_fd_high(void **state)
{
	int	 p[2], fd;

	(void)state;
	assert_int_equal(child_fd_high(-1), -1);
	assert_int_equal(pipe(p), 0);
	fd = child_fd_high(p[0]);
	assert_true(fd >= CHILD_MAXFD);
	assert_int_equal(fcntl(p[0], F_GETFD), -1);	/* closed */
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(child_fd_high(fd), fd);
	close(fd);
	close(p[1]);
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
		cmocka_unit_test(test_is_builtin),
		cmocka_unit_test(test_note_has_bounds),
		cmocka_unit_test(test_fork),
		cmocka_unit_test(test_wait_timed),
		cmocka_unit_test(test_fd_high),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
