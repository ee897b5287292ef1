/*
 * qpool_test - spare queue files: put, take by path and by inode name,
 * nothing to take without pool/ or with it empty, a full pool removes,
 * a second name of a file in use is never handed out, two takers never
 * get one file.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "qpool.h"

static char	 top[256];
static char	 namebuf[256];

static int
setup(void **state)
{
	(void)state;
	snprintf(top, sizeof(top), "%s", test_tmpdir());
	assert_int_equal(chdir(top), 0);
	assert_int_equal(mkdir("pool", 0700), 0);
	assert_int_equal(mkdir("mess", 0700), 0);
	assert_int_equal(mkdir("intd", 0700), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	assert_int_equal(chdir("/"), 0);
	test_rmrf(top);
	return 0;
}

/* A file at path holding s; its inode. */
static unsigned long
mkfile(const char *path, const char *s)
{
	struct stat st;
	int	 fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	return (unsigned long)st.st_ino;
}

static const char *
byino(unsigned long ino, void *arg)
{
	(void)arg;
	snprintf(namebuf, sizeof(namebuf), "mess/%lu", ino);
	return namebuf;
}

static void
test_put_take(void **state)
{
	struct qpool p = QPOOL_INIT(QPOOL_DIR);
	struct stat st;
	unsigned long ino, got;
	size_t	 count = 0;
	char	 want[64], buf[64];
	int	 fd;

	(void)state;
	ino = mkfile("done", "old message");
	assert_int_equal(qpool_put(QPOOL_DIR, "done", &count), 0);
	assert_int_equal(count, 1);
	assert_int_equal(qpool_count(QPOOL_DIR), 1);
	assert_int_equal(access("done", F_OK), -1);
	snprintf(want, sizeof(want), "pool/%lu", ino);
	assert_int_equal(stat(want, &st), 0);
	/* Taken under a name made of its inode. */
	assert_int_equal(qpool_take(&p, NULL, byino, NULL, &fd, &got), 1);
	assert_int_equal(got, ino);
	snprintf(want, sizeof(want), "mess/%lu", ino);
	assert_string_equal(namebuf, want);
	assert_int_equal(write(fd, "new", 3), 3);
	assert_int_equal(ftruncate(fd, 3), 0);
	close(fd);
	fd = open(want, O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof(buf)), 3);
	close(fd);
	assert_int_equal(qpool_count(QPOOL_DIR), 0);
	/* Nothing left: 0, the caller makes a new file. */
	assert_int_equal(qpool_take(&p, "intd/1", NULL, NULL, &fd, &got), 0);
	/* Back, and taken by path. */
	assert_int_equal(qpool_put(QPOOL_DIR, want, &count), 0);
	p = (struct qpool)QPOOL_INIT(QPOOL_DIR);
	assert_int_equal(qpool_take(&p, "intd/7", NULL, NULL, &fd, &got), 1);
	assert_int_equal(got, ino);
	close(fd);
	assert_int_equal(stat("intd/7", &st), 0);
	/* A missing file: ENOENT, nothing done. */
	assert_int_equal(qpool_put(QPOOL_DIR, "nosuch", &count), -1);
	assert_int_equal(errno, ENOENT);
}

static void
test_full_and_links(void **state)
{
	size_t	 count = QPOOL_MAX;

	(void)state;
	mkfile("a", "x");
	assert_int_equal(qpool_put(QPOOL_DIR, "a", &count), 0);	/* full: removed */
	assert_int_equal(access("a", F_OK), -1);
	assert_int_equal(qpool_count(QPOOL_DIR), 0);
	count = 0;
	mkfile("b", "x");
	assert_int_equal(link("b", "c"), 0);		/* two names */
	assert_int_equal(qpool_put(QPOOL_DIR, "b", &count), 0);
	assert_int_equal(access("b", F_OK), -1);
	assert_int_equal(access("c", F_OK), 0);
	assert_int_equal(qpool_count(QPOOL_DIR), 0);
}

static void
test_no_pool(void **state)
{
	struct qpool p = QPOOL_INIT(QPOOL_DIR);
	unsigned long got;
	size_t	 count = 0;
	int	 fd;

	(void)state;
	assert_int_equal(rmdir("pool"), 0);
	mkfile("a", "x");
	assert_int_equal(qpool_put(QPOOL_DIR, "a", &count), 0);
	assert_int_equal(access("a", F_OK), -1);
	assert_int_equal(qpool_take(&p, "intd/1", NULL, NULL, &fd, &got), 0);
	assert_int_equal(qpool_count(QPOOL_DIR), 0);
}

/* The pool has a name for a file that is a message in use (a crash left
 * both): it is not handed out, and the pool forgets it. */
static void
test_second_name(void **state)
{
	struct qpool p = QPOOL_INIT(QPOOL_DIR);
	unsigned long ino, got;
	char	 m[64], pl[64];
	int	 fd;

	(void)state;
	ino = mkfile("tmpf", "live message");
	snprintf(m, sizeof(m), "mess/%lu", ino);
	snprintf(pl, sizeof(pl), "pool/%lu", ino);
	assert_int_equal(rename("tmpf", m), 0);
	assert_int_equal(link(m, pl), 0);
	assert_int_equal(qpool_take(&p, NULL, byino, NULL, &fd, &got), 0);
	assert_int_equal(access(pl, F_OK), -1);
	assert_int_equal(access(m, F_OK), 0);
}

/* Two takers with the same view of the pool: one file, one taker. */
static void
test_race(void **state)
{
	struct qpool a = QPOOL_INIT(QPOOL_DIR), b = QPOOL_INIT(QPOOL_DIR);
	unsigned long ga, gb;
	size_t	 count = 0;
	int	 fa, fb;

	(void)state;
	mkfile("x", "1");
	assert_int_equal(qpool_put(QPOOL_DIR, "x", &count), 0);
	a.n = b.n = 0;
	/* Both read pool/ before either takes. */
	assert_int_equal(qpool_take(&a, "intd/a", NULL, NULL, &fa, &ga), 1);
	b.ino[0] = ga;
	b.n = 1;
	assert_int_equal(qpool_take(&b, "intd/b", NULL, NULL, &fb, &gb), 0);
	assert_int_equal(access("intd/b", F_OK), -1);
	close(fa);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_take, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_and_links, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_pool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_name, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_race, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
