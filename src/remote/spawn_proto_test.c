/*
 * spawn_proto_test - the spawn protocol decoder (commands split anywhere,
 * several in one read, over-long fields), the command checks, and the
 * folding of qmail-remote reports into one K/Z/D answer.
 */
#include <sys/wait.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "spawn_proto.h"
#include "test.h"

struct got {
	int	 n;
	unsigned slot[8];
	char	 messid[8][128];
	char	 sender[8][128];
	char	 recip[8][128];
	int	 toolong[8];
};

static void
cb(void *arg, const struct spawn_cmd *c)
{
	struct got *g = arg;

	g->slot[g->n] = c->slot;
	snprintf(g->messid[g->n], 128, "%s", str_c(&c->messid));
	snprintf(g->sender[g->n], 128, "%s", str_c(&c->sender));
	snprintf(g->recip[g->n], 128, "%s", str_c(&c->recip));
	g->toolong[g->n] = c->toolong;
	g->n++;
}

static const char CMDS[] = "\x05" "3/26\0a@b.c\0x@y.z\0"
    "\x07" "4/27\0\0q@r.s\0";

static void
test_decode_split(void **state)
{
	struct spawn_dec d;
	struct got g;
	size_t	 cut, n = sizeof(CMDS) - 1;

	(void)state;
	/* Every split point of the two commands gives the same result. */
	for (cut = 0; cut <= n; cut++) {
		memset(&g, 0, sizeof(g));
		spawn_dec_init(&d);
		assert_int_equal(spawn_dec_feed(&d, CMDS, cut, cb, &g), 0);
		assert_int_equal(spawn_dec_feed(&d, CMDS + cut, n - cut, cb,
		    &g), 0);
		assert_int_equal(g.n, 2);
		assert_int_equal(g.slot[0], 5);
		assert_string_equal(g.messid[0], "3/26");
		assert_string_equal(g.sender[0], "a@b.c");
		assert_string_equal(g.recip[0], "x@y.z");
		assert_int_equal(g.slot[1], 7);
		assert_string_equal(g.sender[1], "");
		assert_string_equal(g.recip[1], "q@r.s");
		spawn_dec_free(&d);
	}
}

static void
test_decode_toolong(void **state)
{
	static char big[SPAWN_ADDR_MAX + 64];
	struct spawn_dec d;
	struct got g = { 0 };
	struct spawn_cmd *c;
	size_t	 at;

	(void)state;
	spawn_dec_init(&d);
	big[0] = 1;
	memcpy(big + 1, "1/2", 4);
	memset(big + 5, 'a', SPAWN_ADDR_MAX + 1);
	big[5 + SPAWN_ADDR_MAX + 1] = '\0';
	assert_int_equal(spawn_dec_feed(&d, big, SPAWN_ADDR_MAX + 7, cb, &g),
	    0);
	assert_int_equal(spawn_dec_feed(&d, "x@y\0", 4, cb, &g), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.toolong[0], 1);
	c = &d.cmd;
	assert_string_equal(spawn_check(c, 255, 0, &at),
	    "DInternal error: address too long. (#5.3.5)\n");
	spawn_dec_free(&d);
}

static void
check(const char *messid, const char *recip, unsigned slot, int busy,
    const char *want)
{
	struct spawn_dec d;
	const char *r;
	size_t	 at = 0;

	spawn_dec_init(&d);
	d.cmd.slot = slot;
	assert_int_equal(str_copys(&d.cmd.messid, messid), 0);
	assert_int_equal(str_copys(&d.cmd.sender, "s@t"), 0);
	assert_int_equal(str_copys(&d.cmd.recip, recip), 0);
	r = spawn_check(&d.cmd, 255, busy, &at);
	if (want == NULL) {
		assert_null(r);
		assert_int_equal(recip[at], '@');
	} else
		assert_string_equal(r, want);
	spawn_dec_free(&d);
}

static void
test_check(void **state)
{
	(void)state;
	check("3/26", "x@y.z", 0, 0, NULL);
	check("3/26", "a@b@y.z", 254, 0, NULL);
	check("3/26", "x@y.z", 255, 0,
	    "ZInternal error: delnum too big. (#4.3.5)\n");
	check("3/26", "x@y.z", 3, 1,
	    "ZInternal error: delnum in use. (#4.3.5)\n");
	check("", "x@y.z", 0, 0,
	    "DInternal error: messid too short. (#5.3.5)\n");
	check("/26", "x@y.z", 0, 0,
	    "DInternal error: messid has nonnumerics. (#5.3.5)\n");
	check("3/../26", "x@y.z", 0, 0,
	    "DInternal error: messid has nonnumerics. (#5.3.5)\n");
	check("3//26", "x@y.z", 0, 0,
	    "DInternal error: messid has nonnumerics. (#5.3.5)\n");
	check("3/", "x@y.z", 0, 0,
	    "DInternal error: messid has nonnumerics. (#5.3.5)\n");
	check("3/26", "nohost", 0, 0,
	    "DSorry, address must include host name. (#5.1.3)\n");
}

static void
fold(int wstat, const char *s, size_t n, const char *want)
{
	struct str r = STR_INIT(SPAWN_REPORT_MAX);

	assert_int_equal(spawn_fold(wstat, s, n, &r), 0);
	assert_string_equal(str_c(&r), want);
	str_free(&r);
}

#define F(s, want) fold(0, s, sizeof(s) - 1, want)

static void
test_fold(void **state)
{
	(void)state;
	F("r\0K1.2.3.4 accepted message.\nRemote host said: 250 ok\n\0",
	    "K1.2.3.4 accepted message.\nRemote host said: 250 ok\n");
	F("h1.2.3.4 does not like recipient.\nRemote host said: 550 no\n\0"
	    "DGiving up on 1.2.3.4.\n\0",
	    "D1.2.3.4 does not like recipient.\nRemote host said: 550 no\n"
	    "Giving up on 1.2.3.4.\n");
	F("s1.2.3.4 does not like recipient.\nRemote host said: 451 later\n\0"
	    "DGiving up on 1.2.3.4.\n\0",
	    "Z1.2.3.4 does not like recipient.\nRemote host said: 451 later\n"
	    "Giving up on 1.2.3.4.\n");
	F("ZSorry, I wasn't able to establish an SMTP connection. (#4.4.1)\n\0",
	    "ZSorry, I wasn't able to establish an SMTP connection. "
	    "(#4.4.1)\n");
	F("r\0ZConnected to 1.2.3.4 but connection died. (#4.4.2)\n\0",
	    "ZConnected to 1.2.3.4 but connection died. (#4.4.2)\n");
	/* Garbage: no K/Z/D record means failure, kept short. */
	F("xyz", "D");
	F("q\0", "D");
	fold(0, "", 0, "Zqmail-remote produced no output.\n");
	fold(111 << 8, "", 0, "ZUnable to run qmail-remote.\n");
	fold(100 << 8, "", 0, "DUnable to run qmail-remote.\n");
	fold(SIGSEGV, "r\0", 2, "Zqmail-remote crashed.\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_split),
		cmocka_unit_test(test_decode_toolong),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_fold),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
