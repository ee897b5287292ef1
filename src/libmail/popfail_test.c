/*
 * popfail_test - unit tests for popfail.c: an address locked out in the
 * shared table (by the checkpassword program's counting) is blocked for
 * the front ends; popfail_note counts nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loginfail.h"
#include "popfail.h"
#include "root.h"
#include "test.h"

static void
test_blocked_from_shared_table(void **state)
{
	const char *dir = test_tmpdir();
	struct loginfail_conf c;
	struct loginfail_event ev;
	char	 path[4096];
	time_t	 t = 1800000000;
	int	 fd, i;

	(void)state;
	assert_int_equal(setenv("HSMAIL_ROOT", dir, 1), 0);
	root_reset();
	snprintf(path, sizeof(path), "mkdir -p %s/vpopmail/etc "
	    "%s/qmail/control", dir, dir);
	assert_int_equal(system(path), 0);
	assert_true((fd = popfail_open("ignored")) >= 0);
	assert_int_equal(popfail_blocked(fd, "192.0.2.1", t, 3, 600), 0);
	for (i = 0; i < 50; i++)
		assert_int_equal(popfail_note(fd, "192.0.2.1", t, 600), 0);
	assert_int_equal(popfail_blocked(fd, "192.0.2.1", t, 3, 600), 0);
	loginfail_conf_default(&c);
	for (i = 0; i < (int)c.ipmax; i++) {
		char	 pw[16];

		snprintf(pw, sizeof(pw), "guess%d", i);
		assert_int_equal(loginfail_failed(fd, &c, "192.0.2.1",
		    "a@example.test", pw, strlen(pw), t + i, &ev), 0);
	}
	assert_true(ev.addr_locked);
	assert_int_equal(popfail_blocked(fd, "192.0.2.1", t + 30, 3, 600), 1);
	assert_int_equal(popfail_blocked(fd, "192.0.2.2", t + 30, 3, 600), 0);
	close(fd);
	unsetenv("HSMAIL_ROOT");
	root_reset();
	test_rmrf(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocked_from_shared_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
