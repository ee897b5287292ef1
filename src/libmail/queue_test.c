/*
 * queue_test - queue paths, envelope records at and past the 1003-byte
 * limit, qmail-queue's envelope grammar, exit-code texts, the trigger.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "queue.h"
#include "test.h"

static void
test_paths(void **state)
{
	struct str p = STR_INIT(256);

	(void)state;
	assert_int_equal(queue_path(&p, QUEUE_MESS, 4567), 0);
	assert_string_equal(p.s, "mess/13/4567");	/* 4567 = 198*23+13 */
	assert_int_equal(queue_path(&p, QUEUE_TODO, 4567), 0);
	assert_string_equal(p.s, "todo/4567");
	assert_int_equal(queue_path(&p, QUEUE_INFO, 22), 0);
	assert_string_equal(p.s, "info/22/22");
	assert_int_equal(queue_path(&p, QUEUE_REMOTE, 23), 0);
	assert_string_equal(p.s, "remote/0/23");
	assert_int_equal(queue_path_dir(&p, QUEUE_LOCAL, 24), 0);
	assert_string_equal(p.s, "local/1");
	assert_int_equal(queue_path_dir(&p, QUEUE_BOUNCE, 24), 0);
	assert_string_equal(p.s, "bounce");
	assert_true(queue_dir_is_split("mess"));
	assert_false(queue_dir_is_split("intd"));
	str_free(&p);
}

/* Feed an envelope and collect what queue_env_next says. */
static int
env_run(const char *b, size_t n, struct strlist *recs)
{
	struct queue_rd rd;
	struct str rec = STR_INIT(STR_UNBOUNDED);
	int	 r, first = 1;

	queue_rd_mem(&rd, b, n);
	for (;;) {
		r = queue_env_next(&rd, &rec, first);
		first = 0;
		if (r != 1)
			break;
		assert_int_equal(strlist_addb(recs, rec.s, rec.len), 0);
	}
	str_free(&rec);
	return r == 0 ? 0 : queue_env_exitcode(errno);
}

#define ENV(s)	(s), sizeof(s) - 1

static void
test_env_good(void **state)
{
	struct strlist l = STRLIST_INIT;

	(void)state;
	assert_int_equal(env_run(ENV("Fa@b\0Tc@d\0Te@f\0\0"), &l), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0], "Fa@b");
	assert_string_equal(l.v[2], "Te@f");
	strlist_free(&l);
	/* Empty sender (bounce) and no recipients at all. */
	assert_int_equal(env_run(ENV("F\0\0"), &l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "F");
	strlist_free(&l);
}

static void
test_env_bad(void **state)
{
	struct strlist l = STRLIST_INIT;

	(void)state;
	assert_int_equal(env_run(ENV(""), &l), QQ_READ);	/* nothing */
	assert_int_equal(env_run(ENV("Fa@b\0Tc@d\0"), &l), QQ_READ);
	assert_int_equal(env_run(ENV("Fa@b\0Tc@d"), &l), QQ_READ);
	assert_int_equal(env_run(ENV("Fa@b"), &l), QQ_READ);
	assert_int_equal(env_run(ENV("Ta@b\0\0"), &l), QQ_FORMAT);
	assert_int_equal(env_run(ENV("\0"), &l), QQ_FORMAT);
	assert_int_equal(env_run(ENV("Fa@b\0Xc@d\0\0"), &l), QQ_FORMAT);
	assert_int_equal(env_run(ENV("Fa@b\0Fc@d\0\0"), &l), QQ_FORMAT);
	strlist_free(&l);
}

static void
test_env_limit(void **state)
{
	char	 buf[2 + QUEUE_ADDR_MAX + 1 + 8];
	struct strlist l = STRLIST_INIT;
	size_t	 n;

	(void)state;
	/* Exactly QUEUE_ADDR_MAX bytes: accepted. */
	buf[0] = 'F';
	memset(buf + 1, 'a', QUEUE_ADDR_MAX);
	n = 1 + QUEUE_ADDR_MAX;
	buf[n++] = '\0';
	buf[n++] = '\0';
	assert_int_equal(env_run(buf, n, &l), 0);
	assert_int_equal(strlen(l.v[0]), 1 + QUEUE_ADDR_MAX);
	strlist_free(&l);
	/* One byte more: exit 11, for F and for T. */
	memset(buf + 1, 'a', QUEUE_ADDR_MAX + 1);
	n = 2 + QUEUE_ADDR_MAX;
	buf[n++] = '\0';
	buf[n++] = '\0';
	assert_int_equal(env_run(buf, n, &l), QQ_ADDRLONG);
	memcpy(buf, "F\0T", 3);
	memset(buf + 3, 'b', QUEUE_ADDR_MAX + 1);
	n = 4 + QUEUE_ADDR_MAX;
	buf[n++] = '\0';
	buf[n++] = '\0';
	assert_int_equal(env_run(buf, n, &l), QQ_ADDRLONG);
	strlist_free(&l);
}

static void
test_rec_file(void **state)
{
	struct str out = STR_INIT(STR_UNBOUNDED), rec = STR_INIT(2000);
	char	 big[QUEUE_ADDR_MAX + 1];
	struct queue_rd rd;

	(void)state;
	assert_int_equal(queue_rec_cat(&out, 'u', "1000", 4), 0);
	assert_int_equal(queue_rec_cat(&out, 'F', "", 0), 0);
	assert_int_equal(queue_rec_cat(&out, 'T', "x@y", 3), 0);
	assert_int_equal(out.len, 6 + 2 + 5);
	assert_memory_equal(out.s, "u1000\0F\0Tx@y\0", 13);
	memset(big, 'z', sizeof(big));
	assert_int_equal(queue_rec_cat(&out, 'T', big, sizeof(big)), -1);
	assert_int_equal(errno, E2BIG);
	assert_int_equal(queue_rec_cat(&out, 'T', "a\0b", 3), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(out.len, 13);

	/* Read back as a queue file: records then a clean end. */
	queue_rd_mem(&rd, out.s, out.len);
	assert_int_equal(queue_rd_rec(&rd, &rec), 1);
	assert_string_equal(rec.s, "u1000");
	assert_int_equal(queue_rd_rec(&rd, &rec), 1);
	assert_string_equal(rec.s, "F");
	assert_int_equal(queue_rd_rec(&rd, &rec), 1);
	assert_string_equal(rec.s, "Tx@y");
	assert_int_equal(queue_rd_rec(&rd, &rec), 0);
	str_free(&out);
	str_free(&rec);
}

static void
test_rd_fd(void **state)
{
	const char *dir = test_tmpdir();
	struct str rec = STR_INIT(2000);
	struct queue_rd rd;
	char	 path[512];
	int	 fd, i;

	(void)state;
	snprintf(path, sizeof(path), "%s/env", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd != -1);
	/* Records spanning the 4096-byte buffer boundary. */
	for (i = 0; i < 1000; i++)
		assert_int_equal(write(fd, "Tabcdefgh\0", 10), 10);
	assert_int_equal(write(fd, "Tpartial", 8), 8);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	queue_rd_fd(&rd, fd);
	for (i = 0; i < 1000; i++) {
		assert_int_equal(queue_rd_rec(&rd, &rec), 1);
		assert_string_equal(rec.s, "Tabcdefgh");
	}
	assert_int_equal(queue_rd_rec(&rd, &rec), -1);
	assert_int_equal(errno, EPIPE);
	close(fd);
	str_free(&rec);
	test_rmrf(dir);
}

/* qmail's qmail_close texts, every code of the table and its default. */
static void
test_exit_text(void **state)
{
	static const struct {
		int	 code;
		const char *text;
	} t[] = {
		{ 11, "Denvelope address too long for qq (#5.1.3)" },
		{ 115, "Denvelope address too long for qq (#5.1.3)" },
		{ 31, "Dmail server permanently rejected message (#5.3.0)" },
		{ 51, "Zqq out of memory (#4.3.0)" },
		{ 52, "Zqq timeout (#4.3.0)" },
		{ 53, "Zqq write error or disk full (#4.3.0)" },
		{ 54, "Zqq read error (#4.3.0)" },
		{ 55, "Zqq unable to read configuration (#4.3.0)" },
		{ 56, "Zqq trouble making network connection (#4.3.0)" },
		{ 61, "Zqq trouble in home directory (#4.3.0)" },
		{ 62, "Zqq trouble creating files in queue (#4.3.0)" },
		{ 64, "Zqq trouble creating files in queue (#4.3.0)" },
		{ 66, "Zqq trouble creating files in queue (#4.3.0)" },
		{ 71, "Zmail server temporarily rejected message (#4.3.0)" },
		{ 72, "Zconnection to mail server timed out (#4.4.1)" },
		{ 73, "Zconnection to mail server rejected (#4.4.1)" },
		{ 74, "Zcommunication with mail server failed (#4.4.2)" },
		{ 81, "Zqq internal bug (#4.3.0)" },
		{ 91, "Zqq internal bug (#4.3.0)" },
		{ 120, "Zunable to exec qq (#4.3.0)" },
		{ 25, "Dqq permanent problem (#5.3.0)" },
		{ 40, "Dqq permanent problem (#5.3.0)" },
		{ 99, "Zqq temporary problem (#4.3.0)" },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_string_equal(queue_exit_text(t[i].code), t[i].text);
	assert_true(queue_exit_perm(11));
	assert_true(queue_exit_perm(40));
	assert_false(queue_exit_perm(41));
	assert_false(queue_exit_perm(10));
}

static void
test_trigger(void **state)
{
	const char *dir = test_tmpdir();
	char	 path[512], c;
	int	 rfd, i;

	(void)state;
	snprintf(path, sizeof(path), "%s/trigger", dir);
	queue_trigger_pull(path);		/* missing: silently nothing */
	assert_int_equal(mkfifo(path, 0622), 0);
	queue_trigger_pull(path);		/* no reader: ENXIO, ignored */
	rfd = open(path, O_RDONLY | O_NONBLOCK);
	assert_true(rfd != -1);
	/* A full pipe never blocks the puller. */
	for (i = 0; i < 70000; i++)
		queue_trigger_pull(path);
	assert_int_equal(read(rfd, &c, 1), 1);
	assert_int_equal(c, '\0');
	close(rfd);
	test_rmrf(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_env_good),
		cmocka_unit_test(test_env_bad),
		cmocka_unit_test(test_env_limit),
		cmocka_unit_test(test_rec_file),
		cmocka_unit_test(test_rd_fd),
		cmocka_unit_test(test_exit_text),
		cmocka_unit_test(test_trigger),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
