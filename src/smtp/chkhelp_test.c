/*
 * chkhelp_test - qmail-smtpd's side of vchkuser against fake helpers
 * (shell scripts): answers passed on, one helper for many questions,
 * and every way a helper can fail (missing, exits, garbage, silence)
 * gives a temporary failure for that question and the rest of the
 * session, never an answer.
 */
#include <sys/stat.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "chkhelp.h"
#include "log.h"
#include "test.h"

static char	 dir[4096];

/* Write an executable script dir/name; returns its path (static). */
static const char *
script(const char *name, const char *body)
{
	static char path[4200];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0755), 0);
	return path;
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s", test_tmpdir());
	signal(SIGPIPE, SIG_IGN);
	log_init("chkhelp_test");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	test_rmrf(dir);
	return 0;
}

static void
test_answers(void **state)
{
	struct chkhelp h;
	enum vpop_rcpt res;

	(void)state;
	/* Answers "user" for joe, "nouser" for anyone else; logs requests. */
	chkhelp_init(&h, script("ok", "while read u d p; do\n"
	    "echo \"$u $d $p\" >> \"$0.log\"\n"
	    "if [ \"$u\" = joe ]; then echo user; else echo nouser; fi\n"
	    "done"));
	assert_false(chkhelp_up(&h));
	assert_int_equal(chkhelp_ask(&h, "joe", "ex.test", 90, &res), 0);
	assert_int_equal(res, VPOP_RCPT_USER);
	assert_true(chkhelp_up(&h));
	assert_int_equal(chkhelp_ask(&h, "ann", "ex.test", 0, &res), 0);
	assert_int_equal(res, VPOP_RCPT_NOUSER);
	/* A name no mailbox can have is not sent at all. */
	res = VPOP_RCPT_USER;
	assert_int_equal(chkhelp_ask(&h, "a/b", "ex.test", 0, &res), 0);
	assert_int_equal(res, VPOP_RCPT_NOUSER);
	chkhelp_close(&h);
	assert_false(chkhelp_up(&h));
}

/* "a..b" and 8-bit names are asked: a domain's catch-all takes them,
 * as it does when qmail-smtpd reads the store itself. */
static void
test_catchall_names(void **state)
{
	struct chkhelp h;
	enum vpop_rcpt res;

	(void)state;
	chkhelp_init(&h, script("all", "while read u d p; do\n"
	    "echo catchall\n"
	    "done"));
	res = VPOP_RCPT_NOUSER;
	assert_int_equal(chkhelp_ask(&h, "a..b", "ex.test", 0, &res), 0);
	assert_int_equal(res, VPOP_RCPT_CATCHALL);
	res = VPOP_RCPT_NOUSER;
	assert_int_equal(chkhelp_ask(&h, "jos\xc3\xa9", "ex.test", 0, &res),
	    0);
	assert_int_equal(res, VPOP_RCPT_CATCHALL);
	chkhelp_close(&h);
}

/* The helper's log: one line per request it got, one helper in all. */
static void
test_one_helper(void **state)
{
	char	 path[4200], buf[256];
	FILE	*f;
	size_t	 n;

	(void)state;
	snprintf(path, sizeof(path), "%s/ok.log", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_string_equal(buf, "joe ex.test 90\nann ex.test 0\n");
}

/* Each helper fails at the first question; so do all later ones. */
static void
test_failures(void **state)
{
	static const struct {
		const char *name, *body;
	} t[] = {
		{ "exits", "exit 0" },
		{ "crashes", "kill -SEGV $$" },
		{ "garbage", "read x; echo 250 ok; cat >/dev/null" },
		{ "empty", "read x; echo; cat > /dev/null" },
		{ "long", "read x; head -c 5000 /dev/zero | tr '\\\\0' u; echo;"
		    " cat >/dev/null" },
		{ "nolf", "read x; printf user; exec sleep 5" },
		{ "silent", "exec sleep 5" },
		{ "temp", "while read x; do echo temp; done" },
	};
	struct chkhelp h;
	enum vpop_rcpt res;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		chkhelp_init(&h, script(t[i].name, t[i].body));
		h.timeout = 1;
		res = VPOP_RCPT_USER;
		assert_int_equal(chkhelp_ask(&h, "joe", "ex.test", 0, &res),
		    -1);
		assert_int_equal(chkhelp_ask(&h, "ann", "ex.test", 0, &res),
		    -1);
		/* "temp" is the helper's own answer: it stays up. */
		assert_int_equal(chkhelp_up(&h), strcmp(t[i].name, "temp") ==
		    0);
		chkhelp_close(&h);
	}
}

/* A helper that says more than it was asked is not believed again. */
static void
test_out_of_turn(void **state)
{
	struct chkhelp h;
	enum vpop_rcpt res;

	(void)state;
	chkhelp_init(&h, script("double", "while read x; do echo user; "
	    "echo user; done"));
	assert_int_equal(chkhelp_ask(&h, "joe", "ex.test", 0, &res), 0);
	assert_int_equal(res, VPOP_RCPT_USER);
	/* Give it time to write the second line (not an assertion on
	 * time: either way the next question must not be answered). */
	usleep(100000);
	assert_int_equal(chkhelp_ask(&h, "ann", "ex.test", 0, &res), -1);
	assert_false(chkhelp_up(&h));
	chkhelp_close(&h);
}

static void
test_missing(void **state)
{
	struct chkhelp h;
	enum vpop_rcpt res;
	char	 path[4200];

	(void)state;
	snprintf(path, sizeof(path), "%s/none", dir);
	chkhelp_init(&h, path);
	assert_int_equal(chkhelp_ask(&h, "joe", "ex.test", 0, &res), -1);
	assert_int_equal(chkhelp_ask(&h, "joe", "ex.test", 0, &res), -1);
	assert_false(chkhelp_up(&h));
	chkhelp_close(&h);
	/* Not executable. */
	chmod(script("noexec", "echo user"), 0644);
	snprintf(path, sizeof(path), "%s/noexec", dir);
	chkhelp_init(&h, path);
	assert_int_equal(chkhelp_ask(&h, "joe", "ex.test", 0, &res), -1);
	chkhelp_close(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_one_helper),
		cmocka_unit_test(test_catchall_names),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_out_of_turn),
		cmocka_unit_test(test_missing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
