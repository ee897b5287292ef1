/*
 * session_test - session ids, the session file format, timeouts, the
 * client-address binding and logout.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "../webmail/session.h"

static void
fill(struct session *s)
{
	session_init(s);
	assert_int_equal(str_copys(&s->user, "demo@example.test"), 0);
	assert_int_equal(str_copys(&s->home, "/home/demo"), 0);
	assert_int_equal(str_copys(&s->ip, "192.0.2.1"), 0);
	s->uid = 1000;
	s->gid = 1001;
	s->bind_ip = 1;
}

static void
test_random(void **state)
{
	char	 a[SESSION_ID_LEN + 1], b[SESSION_ID_LEN + 1];

	(void)state;
	assert_int_equal(session_random(a, sizeof(a), SESSION_ID_BYTES), 0);
	assert_int_equal(session_random(b, sizeof(b), SESSION_ID_BYTES), 0);
	assert_int_equal(strlen(a), SESSION_ID_LEN);
	assert_true(session_id_valid(a));
	assert_string_not_equal(a, b);
	assert_int_equal(session_random(a, SESSION_ID_LEN, SESSION_ID_BYTES),
	    -1);		/* no room for the NUL */
	assert_false(session_id_valid("short"));
	assert_false(session_id_valid("../../../../../../../../../../etc/passwd"
	    "xxx"));
	assert_true(session_token_eq("abc", "abc"));
	assert_false(session_token_eq("abc", "abd"));
	assert_false(session_token_eq("abc", "ab"));
	assert_false(session_token_eq("", ""));
}

static void
test_format(void **state)
{
	struct session s, t;
	struct str out = STR_INIT(SESSION_FILE_MAX);

	(void)state;
	fill(&s);
	session_random(s.csrf, sizeof(s.csrf), SESSION_ID_BYTES);
	s.created = 1700000000;
	assert_int_equal(session_format(&s, &out), 0);
	session_init(&t);
	assert_int_equal(session_parse(&t, out.s, out.len), 0);
	assert_string_equal(t.user.s, "demo@example.test");
	assert_int_equal(t.uid, 1000);
	assert_int_equal(t.gid, 1001);
	assert_int_equal(t.created, 1700000000);
	assert_string_equal(t.csrf, s.csrf);
	session_free(&t);
	/* Each line missing, doubled, or damaged is refused. */
	session_init(&t);
	assert_int_equal(session_parse(&t, out.s, out.len - 1), -1);
	assert_int_equal(session_parse(&t, "v1\nuser a\n", 10), -1);
	assert_int_equal(session_parse(&t, "v2\n", 3), -1);
	session_free(&t);
	assert_int_equal(str_copys(&s.user, "a\nuid 0"), 0);
	str_clear(&out);
	assert_int_equal(session_format(&s, &out), -1);
	session_free(&s);
	str_free(&out);
}

static void
test_lifecycle(void **state)
{
	const char *dir = test_tmpdir();
	struct session s, t;
	char	 id[SESSION_ID_LEN + 1];

	(void)state;
	fill(&s);
	assert_int_equal(session_create(dir, &s, time(NULL)), 0);
	memcpy(id, s.id, sizeof(id));
	session_init(&t);
	assert_int_equal(session_load(dir, id, "192.0.2.1", time(NULL), 1200,
	    7200, &t), 1);
	assert_string_equal(t.csrf, s.csrf);
	session_free(&t);
	/* Another client address: refused, the session stays. */
	session_init(&t);
	assert_int_equal(session_load(dir, id, "192.0.2.2", time(NULL), 1200,
	    7200, &t), 0);
	session_free(&t);
	/* Idle too long: refused and removed. */
	session_init(&t);
	assert_int_equal(session_load(dir, id, "192.0.2.1", time(NULL) + 1300,
	    1200, 7200, &t), 0);
	session_free(&t);
	session_init(&t);
	assert_int_equal(session_load(dir, id, "192.0.2.1", time(NULL), 1200,
	    7200, &t), 0);
	session_free(&t);
	/* Hard limit, and logout. */
	assert_int_equal(session_create(dir, &s, time(NULL) - 8000), 0);
	session_init(&t);
	assert_int_equal(session_load(dir, s.id, "192.0.2.1", time(NULL),
	    99999, 7200, &t), 0);
	session_free(&t);
	assert_int_equal(session_create(dir, &s, time(NULL)), 0);
	assert_int_equal(session_remove(dir, s.id), 0);
	session_init(&t);
	assert_int_equal(session_load(dir, s.id, "192.0.2.1", time(NULL),
	    1200, 7200, &t), 0);
	session_free(&t);
	/* An id that is not one never reaches the file system. */
	session_init(&t);
	assert_int_equal(session_load(dir, "../x", "192.0.2.1", time(NULL),
	    1200, 7200, &t), 0);
	session_free(&t);
	assert_int_equal(session_create(dir, &s, time(NULL)), 0);
	assert_int_equal(session_sweep(dir, time(NULL) + 5000, 1200, 7200), 1);
	session_free(&s);
	test_rmrf(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_lifecycle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
