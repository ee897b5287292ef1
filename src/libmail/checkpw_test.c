/*
 * checkpw_test - the checkpassword record built and split (NUL in a
 * field, the size limit exactly and one byte over, missing fields and
 * missing NULs), and real programs run: what they read on fd 3, their
 * exit codes read the checkpassword way, a crash, a program over its
 * time, one that does not exist, the descriptors they are given.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpw.h"
#include "test.h"

static void
test_record(void **state)
{
	struct str rec = STR_INIT(CHECKPW_DATA_MAX);
	char	 big[CHECKPW_DATA_MAX];

	(void)state;
	assert_int_equal(checkpw_record(&rec, "joe", 3, "pw", 2, "<1.2@h>", 7),
	    0);
	assert_int_equal(rec.len, 15);
	assert_memory_equal(rec.s, "joe\0pw\0<1.2@h>\0", 15);
	/* An empty password and stamp are fields too. */
	assert_int_equal(checkpw_record(&rec, "joe", 3, "", 0, "", 0), 0);
	assert_int_equal(rec.len, 6);
	assert_memory_equal(rec.s, "joe\0\0\0", 6);
	/* A NUL would move the fields: refused, nothing left behind. */
	assert_int_equal(checkpw_record(&rec, "jo\0e", 4, "pw", 2, "", 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(rec.len, 0);
	assert_int_equal(checkpw_record(&rec, "joe", 3, "p\0w", 3, "", 0), -1);
	assert_int_equal(checkpw_record(&rec, "joe", 3, "pw", 2, "\0", 1), -1);
	/* Exactly CHECKPW_DATA_MAX bytes fit; one more does not. */
	memset(big, 'a', sizeof(big));
	assert_int_equal(checkpw_record(&rec, big, CHECKPW_DATA_MAX - 3, "",
	    0, "", 0), 0);
	assert_int_equal(rec.len, CHECKPW_DATA_MAX);
	assert_int_equal(checkpw_record(&rec, big, CHECKPW_DATA_MAX - 2, "",
	    0, "", 0), -1);
	assert_int_equal(errno, E2BIG);
	assert_int_equal(rec.len, 0);
	str_wipe(&rec);
}

static void
test_parse(void **state)
{
	static const struct {
		const char *b;
		size_t	 n;
		int	 k;
		const char *login, *pass, *stamp;
	} cases[] = {
		{ "joe\0pw\0<1@h>\0", 14, 3, "joe", "pw", "<1@h>" },
		{ "joe\0pw\0\0", 8, 3, "joe", "pw", "" },
		{ "joe\0pw\0", 7, 2, "joe", "pw", "" },
		{ "joe\0pw", 6, 1, "joe", "pw", "" },
		{ "joe", 3, 0, "joe", "", "" },
		{ "", 0, 0, "", "", "" },
		{ "\0\0\0", 3, 3, "", "", "" },
		/* After the third NUL nothing more is a field. */
		{ "a\0b\0c\0d\0", 8, 3, "a", "b", "c" },
	};
	struct checkpw_fields f;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(checkpw_parse(cases[i].b, cases[i].n, &f),
		    cases[i].k);
		assert_int_equal(f.loginlen, strlen(cases[i].login));
		assert_memory_equal(f.login, cases[i].login, f.loginlen);
		assert_int_equal(f.passlen, strlen(cases[i].pass));
		assert_memory_equal(f.pass, cases[i].pass, f.passlen);
		assert_int_equal(f.stamplen, strlen(cases[i].stamp));
		assert_memory_equal(f.stamp, cases[i].stamp, f.stamplen);
		assert_true(f.stamp + f.stamplen <= cases[i].b + cases[i].n);
	}
}

/* The program side reads what the client side wrote. */
static void
test_read(void **state)
{
	char	 buf[16];
	size_t	 n;
	int	 p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "joe\0pw\0\0", 8), 8);
	close(p[1]);
	assert_int_equal(checkpw_read(p[0], buf, sizeof(buf), &n, 1000), 0);
	assert_int_equal(n, 8);
	close(p[0]);
	/* More than cap: cap bytes, the rest unread. */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "0123456789", 10), 10);
	close(p[1]);
	assert_int_equal(checkpw_read(p[0], buf, 4, &n, 1000), 0);
	assert_int_equal(n, 4);
	close(p[0]);
	/* A writer that never closes: the deadline. */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(checkpw_read(p[0], buf, sizeof(buf), &n, 100), -1);
	assert_int_equal(errno, ETIMEDOUT);
	close(p[0]);
	close(p[1]);
}

/* Run "sh -c script" as the checkpassword program. */
static enum checkpw_result
run(const char *script, const char *login, unsigned timeout, int *st)
{
	char	*argv[] = { "/bin/sh", "-c", (char *)(uintptr_t)script, NULL };
	struct checkpw_spec spec;
	struct str rec = STR_INIT(CHECKPW_DATA_MAX);

	checkpw_spec_init(&spec, argv);
	assert_int_equal(checkpw_record(&rec, login, strlen(login), "secret",
	    6, "<stamp>", 7), 0);
	return checkpw_run(&spec, &rec, timeout, st);
}

static void
test_run(void **state)
{
	char	*none[] = { "/nonexistent/checkpassword", NULL };
	struct checkpw_spec spec;
	struct str rec = STR_INIT(CHECKPW_DATA_MAX);
	int	 st;

	(void)state;
	/* fd 3 holds the record, then end of file. */
	assert_int_equal(run("test \"$(od -An -c <&3 | tr -d ' \\n')\" = "
	    "'joe\\0secret\\0<stamp>\\0'", "joe", 10, &st), CHECKPW_OK);
	assert_int_equal(st, 0);
	assert_int_equal(run("exit 1", "joe", 10, &st), CHECKPW_REFUSED);
	assert_int_equal(WEXITSTATUS(st), 1);
	assert_int_equal(run("exit 2", "joe", 10, NULL), CHECKPW_REFUSED);
	assert_int_equal(run("exit 100", "joe", 10, NULL), CHECKPW_REFUSED);
	assert_int_equal(run("exit 111", "joe", 10, NULL), CHECKPW_TEMP);
	assert_int_equal(run("kill -SEGV $$", "joe", 10, &st),
	    CHECKPW_CRASHED);
	assert_true(WIFSIGNALED(st));
	/* Over its time: killed, temporary. */
	assert_int_equal(run("exec sleep 30", "joe", 1, &st), CHECKPW_TEMP);
	assert_int_equal(errno, ETIMEDOUT);
	assert_int_equal(st, -1);
	/* fds 0 and 1 are /dev/null unless given. */
	assert_int_equal(run("test \"$(readlink /proc/self/fd/0)\" = /dev/null"
	    " && test \"$(readlink /proc/$$/fd/1)\" = /dev/null", "joe", 10,
	    NULL), CHECKPW_OK);
	/* A program that cannot start is temporary trouble. */
	checkpw_spec_init(&spec, none);
	assert_int_equal(checkpw_record(&rec, "joe", 3, "pw", 2, "", 0), 0);
	assert_int_equal(checkpw_run(&spec, &rec, 10, &st), CHECKPW_TEMP);
	assert_int_equal(st, -1);
	assert_int_equal(rec.len, 0);	/* wiped in every case */
}

/* Descriptors given are the program's fds 0 and 1. */
static void
test_fds(void **state)
{
	char	*argv[] = { "/bin/sh", "-c", "read l; echo \"got $l\"", NULL };
	struct checkpw_spec spec;
	struct str rec = STR_INIT(CHECKPW_DATA_MAX);
	char	 buf[64];
	int	 in[2], out[2], st;
	ssize_t	 n;
	pid_t	 pid;

	(void)state;
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	checkpw_spec_init(&spec, argv);
	spec.fd[0] = in[0];
	spec.fd[1] = out[1];
	assert_int_equal(checkpw_record(&rec, "u", 1, "p", 1, "", 0), 0);
	pid = checkpw_start(&spec, &rec);
	assert_true(pid > 0);
	assert_int_equal(rec.len, 0);
	close(in[0]);
	close(out[1]);
	assert_int_equal(write(in[1], "hello\n", 6), 6);
	close(in[1]);
	n = read(out[0], buf, sizeof(buf) - 1);
	assert_int_equal(n, 10);
	buf[n] = '\0';
	assert_string_equal(buf, "got hello\n");
	close(out[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(checkpw_result(st), CHECKPW_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_fds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
