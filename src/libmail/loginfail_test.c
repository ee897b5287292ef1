/*
 * loginfail_test - unit tests for loginfail.c: growing delays and the
 * lockout per address and per account, the trusted address, repeats of
 * one wrong password, IPv6 by /64, a flood of new addresses that must not
 * reset a lockout, a bounded file, a damaged or foreign file, and the
 * front ends' question (loginfail_locked) on an instance's table.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loginfail.h"
#include "root.h"
#include "test.h"

#define T0	1800000000

static struct loginfail_conf conf = { 1, 8, 100, 5, 3, 1000 };

static int
open_tab(const char *dir)
{
	char	 path[4096];
	int	 fd;

	snprintf(path, sizeof(path), "%s/tab", dir);
	fd = loginfail_open(path);
	assert_true(fd >= 0);
	return fd;
}

static enum loginfail_verdict
verdict(int fd, const char *ip, const char *acct, time_t now)
{
	struct loginfail_state st;

	assert_int_equal(loginfail_check(fd, &conf, ip, acct, now, &st), 0);
	return st.verdict;
}

static void
lf_fail(int fd, const char *ip, const char *acct, const char *pw, time_t now,
    struct loginfail_event *ev)
{
	assert_int_equal(loginfail_failed(fd, &conf, ip, acct, pw,
	    strlen(pw), now, ev), 0);
}

static void
test_addrkey(void **state)
{
	unsigned char a[9], b[9];

	(void)state;
	assert_int_equal(loginfail_addrkey("192.0.2.1", a), 5);
	assert_int_equal(loginfail_addrkey("::ffff:192.0.2.1", b), 5);
	assert_memory_equal(a, b, 5);
	assert_int_equal(loginfail_addrkey("2001:db8:1:2:3::4", a), 9);
	assert_int_equal(loginfail_addrkey("2001:db8:1:2:ffff::9", b), 9);
	assert_memory_equal(a, b, 9);		/* one /64 */
	assert_int_equal(loginfail_addrkey("2001:db8:1:3::4", b), 9);
	assert_memory_not_equal(a, b, 9);
	assert_int_equal(loginfail_addrkey("unknown", a), 0);
	assert_int_equal(loginfail_addrkey(NULL, a), 0);
	assert_int_equal(loginfail_addrkey("", a), 0);
}

static void
test_delays_and_lockout(void **state)
{
	const char *dir = test_tmpdir();
	struct loginfail_event ev;
	struct loginfail_state st;
	char	 pw[16];
	int	 fd = open_tab(dir), i;

	(void)state;
	assert_int_equal(verdict(fd, "192.0.2.1", NULL, T0), LOGINFAIL_OK);
	/* Different accounts: only the address counts up to its limit. */
	for (i = 1; i <= 4; i++) {
		char	 acct[32];

		snprintf(acct, sizeof(acct), "u%d@example.test", i);
		snprintf(pw, sizeof(pw), "pw%d", i);
		lf_fail(fd, "192.0.2.1", acct, pw, T0 + 10 * i, &ev);
		assert_int_equal(ev.addr_count, i);
		assert_int_equal(ev.user_count, 1);
		assert_false(ev.addr_locked);
		/* 1, 2, 4, 8 seconds: too soon, then free */
		assert_int_equal(ev.delay, i == 4 ? 8 : 1UL << (i - 1));
		assert_int_equal(verdict(fd, "192.0.2.1", NULL, T0 + 10 * i),
		    LOGINFAIL_WAIT);
		assert_int_equal(verdict(fd, "192.0.2.1", NULL,
		    T0 + 10 * i + (long)ev.delay), LOGINFAIL_OK);
		/* another address is not touched */
		assert_int_equal(verdict(fd, "192.0.2.2", NULL, T0 + 10 * i),
		    LOGINFAIL_OK);
	}
	lf_fail(fd, "192.0.2.1", "u5@example.test", "x", T0 + 50, &ev);
	assert_true(ev.addr_locked);
	assert_int_equal(loginfail_check(fd, &conf, "192.0.2.1",
	    "u9@example.test", T0 + 60, &st), 0);
	assert_int_equal(st.verdict, LOGINFAIL_LOCKED);
	assert_false(st.by_account);
	assert_int_equal(st.until, T0 + 150);
	/* the lockout ends, and the count with it */
	assert_int_equal(verdict(fd, "192.0.2.1", NULL, T0 + 150),
	    LOGINFAIL_OK);
	lf_fail(fd, "192.0.2.1", "u6@example.test", "x", T0 + 151, &ev);
	assert_int_equal(ev.addr_count, 1);
	close(fd);
	/* the table outlives the process */
	fd = open_tab(dir);
	assert_int_equal(verdict(fd, "192.0.2.1", NULL, T0 + 151),
	    LOGINFAIL_WAIT);
	close(fd);
	test_rmrf(dir);
}

static void
test_account_and_trust(void **state)
{
	const char *dir = test_tmpdir();
	struct loginfail_event ev;
	struct loginfail_state st;
	char	 ip[32];
	int	 fd = open_tab(dir), i;

	(void)state;
	/* The owner logged in from 198.51.100.7 once. */
	assert_int_equal(loginfail_success(fd, &conf, "198.51.100.7",
	    "victim@example.test", T0), 0);
	/* A botnet: one guess from each of many addresses. */
	for (i = 0; i < 3; i++) {
		snprintf(ip, sizeof(ip), "203.0.113.%d", i + 1);
		assert_int_equal(verdict(fd, ip, "victim@example.test",
		    T0 + 950 + 10 * i), LOGINFAIL_OK);
		lf_fail(fd, ip, "victim@example.test", ip, T0 + 950 + 10 * i,
		    &ev);
		assert_int_equal(ev.addr_count, 1);
		assert_int_equal(ev.user_count, i + 1);
	}
	assert_true(ev.user_locked);
	assert_int_equal(loginfail_check(fd, &conf, "203.0.113.99",
	    "victim@example.test", T0 + 980, &st), 0);
	assert_int_equal(st.verdict, LOGINFAIL_LOCKED);
	assert_true(st.by_account);
	/* the trusted address still gets in; other accounts are free */
	assert_int_equal(verdict(fd, "198.51.100.7", "victim@example.test",
	    T0 + 980), LOGINFAIL_OK);
	assert_int_equal(verdict(fd, "203.0.113.99", "other@example.test",
	    T0 + 980), LOGINFAIL_OK);
	/* ... until the trust is over */
	assert_int_equal(verdict(fd, "198.51.100.7", "victim@example.test",
	    T0 + 1001), LOGINFAIL_LOCKED);
	close(fd);
	test_rmrf(dir);
}

static void
test_repeat(void **state)
{
	const char *dir = test_tmpdir();
	struct loginfail_event ev;
	int	 fd = open_tab(dir), i;

	(void)state;
	/* A phone polling with its old password counts once. */
	for (i = 0; i < 10; i++) {
		lf_fail(fd, "192.0.2.9", "al@example.test", "oldpw",
		    T0 + 5 * i, &ev);
		assert_int_equal(ev.repeat, i > 0);
	}
	assert_int_equal(verdict(fd, "192.0.2.9", "al@example.test",
	    T0 + 46), LOGINFAIL_OK);
	lf_fail(fd, "192.0.2.9", "al@example.test", "newguess", T0 + 60, &ev);
	assert_false(ev.repeat);
	assert_int_equal(ev.addr_count, 2);
	assert_int_equal(ev.user_count, 2);
	close(fd);
	test_rmrf(dir);
}

static void
test_flood(void **state)
{
	const char *dir = test_tmpdir();
	struct loginfail_event ev;
	struct stat st;
	char	 ip[64], path[4096];
	int	 fd = open_tab(dir), i;

	(void)state;
	for (i = 0; i < 5; i++)
		lf_fail(fd, "192.0.2.66", NULL, "x", T0 + i, &ev);
	assert_true(ev.addr_locked);
	/* Far more new addresses than slots, each failing once. */
	for (i = 0; i < 3 * LOGINFAIL_SLOTS; i++) {
		snprintf(ip, sizeof(ip), "2001:db8:%x:%x::1", i >> 16,
		    i & 0xffff);
		lf_fail(fd, ip, NULL, "x", T0 + 10, &ev);
	}
	assert_int_equal(verdict(fd, "192.0.2.66", NULL, T0 + 20),
	    LOGINFAIL_LOCKED);
	snprintf(path, sizeof(path), "%s/tab", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size <= LOGINFAIL_SIZE);
	close(fd);
	test_rmrf(dir);
}

static void
test_bad_files(void **state)
{
	const char *dir = test_tmpdir();
	struct loginfail_event ev;
	char	 path[4096], lnk[4096], junk[4096];
	int	 fd, i;

	(void)state;
	snprintf(path, sizeof(path), "%s/tab", dir);
	snprintf(lnk, sizeof(lnk), "%s/link", dir);
	/* garbage: a new table */
	for (i = 0; i < (int)sizeof(junk); i++)
		junk[i] = (char)(i * 7);
	assert_true((fd = open(path, O_WRONLY | O_CREAT, 0600)) >= 0);
	assert_int_equal(write(fd, junk, sizeof(junk)), sizeof(junk));
	close(fd);
	fd = open_tab(dir);
	assert_int_equal(verdict(fd, "192.0.2.1", "a@b.test", T0),
	    LOGINFAIL_OK);
	lf_fail(fd, "192.0.2.1", "a@b.test", "x", T0, &ev);
	assert_int_equal(ev.addr_count, 1);
	close(fd);
	/* a symbolic link or a second hard link: refused */
	assert_int_equal(symlink(path, lnk), 0);
	assert_int_equal(loginfail_open(lnk), -1);
	assert_int_equal(errno, ELOOP);
	assert_int_equal(unlink(lnk), 0);
	assert_int_equal(link(path, lnk) == 0 ? 0 : -1, 0);
	assert_int_equal(loginfail_open(path), -1);
	assert_int_equal(errno, EPERM);
	test_rmrf(dir);
}

static void
test_conf(void **state)
{
	struct loginfail_conf c;

	(void)state;
	loginfail_conf_default(&c);
	assert_int_equal(c.lockout, LOGINFAIL_LOCKOUT);
	assert_int_equal(c.ipmax, LOGINFAIL_IPMAX);
	assert_int_equal(c.usermax, LOGINFAIL_USERMAX);
}

/* The front ends' question: a lockout the checkpassword program's
 * counting started, with the control files' limits; asking counts
 * nothing. */
static void
test_locked(void **state)
{
	const char *dir = test_tmpdir();
	struct loginfail_conf c;
	struct loginfail_event ev;
	char	 path[4096], lnk[4096];
	FILE	*f;
	int	 fd, i;

	(void)state;
	assert_int_equal(setenv("HSMAIL_ROOT", dir, 1), 0);
	root_reset();
	snprintf(path, sizeof(path), "mkdir -p %s/vpopmail/etc "
	    "%s/qmail/control", dir, dir);
	assert_int_equal(system(path), 0);
	snprintf(path, sizeof(path), "%s/qmail/control/loginfail-ipmax", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("3\n", f);
	fclose(f);
	assert_int_equal(loginfail_locked("192.0.2.1", T0), 0);
	for (i = 0; i < 50; i++)
		assert_int_equal(loginfail_locked("192.0.2.1", T0), 0);
	assert_int_equal(loginfail_conf_read(&c), 0);
	assert_int_equal(c.ipmax, 3);
	assert_true((fd = loginfail_open(NULL)) >= 0);
	lf_fail(fd, "192.0.2.1", "a@b.test", "g0", T0, &ev);
	/* a delay after one failure is not a lockout */
	assert_int_equal(verdict(fd, "192.0.2.1", NULL, T0), LOGINFAIL_WAIT);
	assert_int_equal(loginfail_locked("192.0.2.1", T0), 0);
	for (i = 1; i < 3; i++) {
		char	 pw[16];

		snprintf(pw, sizeof(pw), "g%d", i);
		assert_int_equal(loginfail_failed(fd, &c, "192.0.2.1",
		    "a@b.test", pw, strlen(pw), T0 + i, &ev), 0);
	}
	assert_true(ev.addr_locked);
	close(fd);
	assert_int_equal(loginfail_locked("192.0.2.1", T0 + 30), 1);
	assert_int_equal(loginfail_locked("192.0.2.2", T0 + 30), 0);
	assert_int_equal(loginfail_locked("unknown", T0 + 30), 0);
	assert_int_equal(loginfail_locked(NULL, T0 + 30), 0);
	/* over once the lockout has passed */
	assert_int_equal(loginfail_locked("192.0.2.1",
	    T0 + 2 + (time_t)c.lockout), 0);
	/* a table that cannot be opened: an error, not a verdict */
	snprintf(path, sizeof(path), "%s/vpopmail/etc/login-fail.tab", dir);
	snprintf(lnk, sizeof(lnk), "%s/elsewhere", dir);
	assert_int_equal(rename(path, lnk), 0);
	assert_int_equal(symlink(lnk, path), 0);
	assert_int_equal(loginfail_locked("192.0.2.1", T0 + 30), -1);
	assert_int_equal(errno, ELOOP);
	unsetenv("HSMAIL_ROOT");
	root_reset();
	test_rmrf(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addrkey),
		cmocka_unit_test(test_delays_and_lockout),
		cmocka_unit_test(test_account_and_trust),
		cmocka_unit_test(test_repeat),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_locked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
