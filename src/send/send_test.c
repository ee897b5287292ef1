/*
 * send_test - unit tests of the qmail-send family's modules: recipient
 * rewriting (rewrite.c, cmap.c), the retry schedule and queue names
 * (sendq.c), and the users/cdb lookup (users.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "cdbx.h"
#include "rewrite.h"
#include "queue.h"
#include "sendq.h"
#include "assign.h"

static struct strlist
list(const char *const *v)
{
	struct strlist l = STRLIST_INIT;

	for (; *v != NULL; v++)
		assert_int_equal(strlist_adds(&l, *v), 0);
	return l;
}

static void
test_rewrite(void **state)
{
	static const char *locals[] = { "me.example", "Local.Example", NULL };
	static const char *vd[] = { "example.com:example.com",
	    "joe@other.com:joe-box", ".sub.net:subs", "except.sub.net:",
	    NULL };
	static const char *pct[] = { "me.example", NULL };
	static const struct { const char *in, *out; int kind; } t[] = {
		{ "joe@me.example", "joe@me.example", 'L' },
		{ "joe@LOCAL.example", "joe@LOCAL.example", 'L' },
		{ "joe", "joe@envhost", 'R' },
		{ "a%b.org@me.example", "a@b.org", 'R' },
		{ "a%me.example@me.example", "a@me.example", 'L' },
		{ "joe@example.com", "example.com-joe@example.com", 'L' },
		{ "joe@EXAMPLE.com", "example.com-joe@EXAMPLE.com", 'L' },
		{ "joe@other.com", "joe-box-joe@other.com", 'L' },
		{ "ann@other.com", "ann@other.com", 'R' },
		{ "x@a.sub.net", "subs-x@a.sub.net", 'L' },
		{ "x@except.sub.net", "x@except.sub.net", 'R' },
		{ "x@remote.org", "x@remote.org", 'R' },
		{ "", "@envhost", 'R' },
	};
	struct strlist l = list(locals), v = list(vd), p = list(pct);
	struct rewrite rw;
	struct str out = STR_INIT(4096);
	size_t	 i;

	(void)state;
	rewrite_init(&rw);
	assert_int_equal(rewrite_set(&rw, &l, &v, &p, "envhost"), 0);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(rewrite_addr(&rw, t[i].in, strlen(t[i].in),
		    &out), t[i].kind);
		assert_string_equal(str_c(&out), t[i].out);
	}
	str_free(&out);
	rewrite_free(&rw);
	strlist_free(&l);
	strlist_free(&v);
	strlist_free(&p);
}

static void
test_catchall(void **state)
{
	static const char *vd[] = { ":alias-catch", NULL };
	static const char *none[] = { NULL };
	struct strlist v = list(vd), n = list(none);
	struct rewrite rw;
	struct str out = STR_INIT(4096);

	(void)state;
	rewrite_init(&rw);
	assert_int_equal(rewrite_set(&rw, &n, &v, &n, "h"), 0);
	assert_int_equal(rewrite_addr(&rw, "a@b.c", 5, &out), 'L');
	assert_string_equal(str_c(&out), "alias-catch-a@b.c");
	str_free(&out);
	rewrite_free(&rw);
	strlist_free(&v);
	strlist_free(&n);
}

static void
test_retry(void **state)
{
	(void)state;
	assert_int_equal(sendq_isqrt(0), 0);
	assert_int_equal(sendq_isqrt(99), 9);
	assert_int_equal(sendq_isqrt(100), 10);
	assert_int_equal(sendq_isqrt(4294967296UL), 65536);
	/* local: 0, 100, 400, 900 s after birth */
	assert_int_equal(sendq_nextretry(1000, 1000, 10), 1100);
	assert_int_equal(sendq_nextretry(1000, 1100, 10), 1400);
	assert_int_equal(sendq_nextretry(1000, 1399, 10), 1000 + 29 * 29);
	assert_int_equal(sendq_nextretry(1000, 1400, 10), 1900);
	/* remote: 400, 1600 */
	assert_int_equal(sendq_nextretry(0, 0, 20), 400);
	assert_int_equal(sendq_nextretry(0, 400, 20), 1600);
	/* clock went backwards: still in the future of birth */
	assert_int_equal(sendq_nextretry(500, 100, 10), 600);
}

static void
test_names(void **state)
{
	struct str s = STR_INIT(64);
	unsigned long id;

	(void)state;
	assert_int_equal(queue_path(&s, "mess", 47), 0);
	assert_string_equal(s.s, "mess/1/47");
	assert_int_equal(queue_path(&s, "todo", 47), 0);
	assert_string_equal(s.s, "todo/47");
	assert_int_equal(sendq_parseid("12345", &id), 0);
	assert_int_equal(id, 12345);
	assert_int_equal(sendq_parseid("012", &id), -1);
	assert_int_equal(sendq_parseid("", &id), -1);
	assert_int_equal(sendq_parseid("1x", &id), -1);
	assert_int_equal(sendq_parseid(".", &id), -1);
	str_free(&s);
}

static void
add(struct cdbx_make *m, const char *k, size_t kl, const char *d, size_t dl)
{
	assert_int_equal(cdbx_make_add(m, k, kl, d, dl), 0);
}

static void
test_users(void **state)
{
	static const char joe[] = "joe\0" "1001\0" "1002\0" "/home/joe\0" "\0";
	static const char vd[] = "example.com\0" "89\0" "89\0" "/d/ex\0" "-\0";
	static const char sh[] = "short\0" "7\0" "8\0" "/s\0" "-\0" "pre";
	struct cdbx_make m;
	struct assign_entry e;
	char	 path[1024];

	(void)state;
	snprintf(path, sizeof(path), "%s/cdb", test_tmpdir());
	assert_int_equal(cdbx_make_start(&m, path, NULL, 0644), 0);
	add(&m, "!joe\0", 5, joe, sizeof(joe) - 1);
	add(&m, "!example.com-", 13, vd, sizeof(vd) - 1);
	add(&m, "!ex", 3, sh, sizeof(sh) - 1);
	add(&m, "", 0, "-x", 2);
	assert_int_equal(cdbx_make_finish(&m), 0);
	assign_entry_init(&e);
	assert_int_equal(assign_lookup(path, "JOE", &e), 1);
	assert_string_equal(e.user.s, "joe");
	assert_int_equal(e.uid, 1001);
	assert_int_equal(e.gid, 1002);
	assert_string_equal(e.home.s, "/home/joe");
	assert_string_equal(str_c(&e.dash), "");
	assert_string_equal(str_c(&e.ext), "");
	/* the longest wildcard prefix wins; the tail goes to ext */
	assert_int_equal(assign_lookup(path, "example.com-Ann", &e), 1);
	assert_string_equal(e.user.s, "example.com");
	assert_string_equal(e.ext.s, "Ann");	/* as given: qmail-local lowercases */
	assert_int_equal(assign_lookup(path, "exo", &e), 1);
	assert_string_equal(e.user.s, "short");
	assert_string_equal(e.ext.s, "preo");
	/* "joex": exact fails, no wildcard "!joe" */
	assert_int_equal(assign_lookup(path, "joex", &e), 0);
	assert_int_equal(assign_lookup(path, "nobody", &e), 0);
	assign_entry_free(&e);
	snprintf(path, sizeof(path), "%s/none", test_tmpdir());
	assert_int_equal(assign_lookup(path, "joe", &e), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rewrite),
		cmocka_unit_test(test_catchall),
		cmocka_unit_test(test_retry),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_users),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
