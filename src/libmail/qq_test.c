/*
 * qq_test - the qmail-queue client: message and envelope reach the
 * program named by $QMAILQUEUE, exit codes become qmail's texts.
 */
#include <sys/stat.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "qq.h"
#include "queue.h"
#include "test.h"

static char	dir[512], script[600], msgf[600], envf[600];

/* A fake qmail-queue that saves fd 0 and fd 1 and exits with code. */
static void
fake(int code)
{
	char	 text[2048];

	snprintf(text, sizeof(text), "#!/bin/sh\ncat > %s\ncat <&1 > %s\n"
	    "exit %d\n", msgf, envf, code);
	assert_int_equal(file_replace(script, text, strlen(text), 0755), 0);
	assert_int_equal(setenv("QMAILQUEUE", script, 1), 0);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s", test_tmpdir());
	snprintf(script, sizeof(script), "%s/qq", dir);
	snprintf(msgf, sizeof(msgf), "%s/msg", dir);
	snprintf(envf, sizeof(envf), "%s/env", dir);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	test_rmrf(dir);
	unsetenv("QMAILQUEUE");
	return 0;
}

static void
test_ok(void **state)
{
	struct str got = STR_INIT(1 << 20);
	struct qq q;

	(void)state;
	fake(0);
	assert_int_equal(qq_open(&q), 0);
	assert_true(qq_qp(&q) > 0);
	qq_puts(&q, "Subject: x\n\n");
	qq_put(&q, "body\n", 5);
	qq_from(&q, "a@b");
	qq_to(&q, "c@d");
	qq_to(&q, "e@f");
	assert_string_equal(qq_close(&q), "");
	assert_int_equal(file_read(msgf, &got), 1);
	assert_int_equal(got.len, 17);
	assert_memory_equal(got.s, "Subject: x\n\nbody\n", 17);
	assert_int_equal(file_read(envf, &got), 1);
	assert_int_equal(got.len, 16);
	assert_memory_equal(got.s, "Fa@b\0Tc@d\0Te@f\0\0", 16);
	str_free(&got);
}

static void
test_codes(void **state)
{
	struct qq q;

	(void)state;
	fake(53);
	assert_int_equal(qq_open(&q), 0);
	qq_from(&q, "");
	qq_to(&q, "x");
	assert_string_equal(qq_close(&q),
	    "Zqq write error or disk full (#4.3.0)");
	fake(31);
	assert_int_equal(qq_open(&q), 0);
	qq_from(&q, "");
	assert_string_equal(qq_close(&q),
	    "Dmail server permanently rejected message (#5.3.0)");
}

static void
test_fail_and_long(void **state)
{
	char	 big[QUEUE_ADDR_MAX + 2];
	struct qq q;

	(void)state;
	/* A message the caller could not read completely: never queued. */
	fake(0);
	assert_int_equal(qq_open(&q), 0);
	qq_puts(&q, "partial");
	qq_fail(&q);
	qq_from(&q, "a");
	assert_string_equal(qq_close(&q), "Zqq read error (#4.3.0)");
	/* An address over the limit: qq says so, as qmail-queue would. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	fake(54);
	assert_int_equal(qq_open(&q), 0);
	qq_from(&q, "a");
	qq_to(&q, big);
	assert_string_equal(qq_close(&q),
	    "Denvelope address too long for qq (#5.1.3)");
}

static void
test_no_program(void **state)
{
	struct qq q;

	(void)state;
	assert_int_equal(setenv("QMAILQUEUE", "/nonexistent/qq", 1), 0);
	assert_int_equal(qq_open(&q), -1);
	assert_int_equal(errno, ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_fail_and_long),
		cmocka_unit_test(test_no_program),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
