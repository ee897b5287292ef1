/*
 * maildir_test - delivery leaves exactly one whole file in new/ with the
 * right name and size, nothing in tmp/; a failed delivery leaves nothing;
 * file_replace, file_read, file_open_safe and file_mkdirs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "maildir.h"
#include "test.h"

static int
count(const char *dir, const char *sub, char *first, size_t n)
{
	char	 p[512];
	DIR	*d;
	struct dirent *e;
	int	 c = 0;

	snprintf(p, sizeof(p), "%s/%s", dir, sub);
	d = opendir(p);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (c++ == 0 && first != NULL)
			snprintf(first, n, "%s", e->d_name);
	}
	closedir(d);
	return c;
}

static void
test_deliver(void **state)
{
	const char *dir = test_tmpdir();
	struct str md = STR_INIT(512), name = STR_INIT(512), got = STR_INIT(4096);
	char	 f[512], p[1024];
	int	 fds[2];
	off_t	 size;

	(void)state;
	assert_int_equal(str_printf(&md, "%s/Maildir", dir), 0);
	assert_int_equal(maildir_make(md.s, 0700), 0);
	assert_int_equal(maildir_make(md.s, 0700), 0);	/* again: fine */
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "Subject: x\n\nbody\n", 17), 17);
	close(fds[1]);
	assert_int_equal(maildir_deliver_fd(md.s, "Return-Path: <a@b>\n", 19,
	    fds[0], &name, &size), 0);
	close(fds[0]);
	assert_int_equal(size, 36);
	assert_int_equal(count(md.s, "tmp", NULL, 0), 0);
	assert_int_equal(count(md.s, "new", f, sizeof(f)), 1);
	assert_true(strncmp(name.s, "new/", 4) == 0);
	assert_string_equal(name.s + 4, f);
	assert_non_null(strstr(f, ",S=36"));
	assert_null(strchr(f, '/'));
	assert_null(strchr(f, ':'));
	snprintf(p, sizeof(p), "%s/%s", md.s, name.s);
	assert_int_equal(file_read(p, &got), 1);
	assert_string_equal(got.s, "Return-Path: <a@b>\nSubject: x\n\nbody\n");

	/* Two deliveries in the same microsecond still get two names. */
	assert_int_equal(pipe(fds), 0);
	close(fds[1]);
	assert_int_equal(maildir_deliver_fd(md.s, "a", 1, fds[0], NULL, NULL), 0);
	assert_int_equal(maildir_deliver_fd(md.s, "b", 1, fds[0], NULL, NULL), 0);
	close(fds[0]);
	assert_int_equal(count(md.s, "new", NULL, 0), 3);
	str_free(&md);
	str_free(&name);
	str_free(&got);
	test_rmrf(dir);
}

static void
test_failures(void **state)
{
	const char *dir = test_tmpdir();
	struct maildir_tmp t;
	struct str md = STR_INIT(512), p = STR_INIT(512);

	(void)state;
	assert_int_equal(str_printf(&md, "%s/Maildir", dir), 0);
	/* No maildir: a clear error, nothing created. */
	assert_int_equal(maildir_tmp_open(&t, md.s), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(maildir_make(md.s, 0700), 0);
	/* An aborted delivery leaves nothing anywhere. */
	assert_int_equal(maildir_tmp_open(&t, md.s), 0);
	assert_int_equal(write(t.fd, "partial", 7), 7);
	maildir_tmp_abort(&t);
	assert_int_equal(count(md.s, "tmp", NULL, 0), 0);
	assert_int_equal(count(md.s, "new", NULL, 0), 0);
	/* new/ missing at commit time: nothing delivered, tmp cleaned. */
	assert_int_equal(maildir_tmp_open(&t, md.s), 0);
	assert_int_equal(str_printf(&p, "%s/new", md.s), 0);
	assert_int_equal(rmdir(p.s), 0);
	assert_int_equal(maildir_tmp_commit(&t, NULL, NULL), -1);
	assert_int_equal(count(md.s, "tmp", NULL, 0), 0);
	str_free(&md);
	str_free(&p);
	test_rmrf(dir);
}

static void
test_file(void **state)
{
	const char *dir = test_tmpdir();
	struct str p = STR_INIT(512), q = STR_INIT(512), got = STR_INIT(16);
	int	 fd;

	(void)state;
	assert_int_equal(str_printf(&p, "%s/a/b/c", dir), 0);
	assert_int_equal(file_mkdirs(p.s, 0755), 0);
	assert_int_equal(file_mkdirs(p.s, 0755), 0);
	assert_int_equal(str_printf(&p, "/f"), 0);
	assert_int_equal(file_replace(p.s, "one", 3, 0600), 0);
	assert_int_equal(file_replace(p.s, "two!", 4, 0600), 0);
	assert_int_equal(file_read(p.s, &got), 1);
	assert_string_equal(got.s, "two!");
	assert_int_equal(file_replace(p.s, "", 0, 0600), 0);
	assert_int_equal(file_read(p.s, &got), 1);
	assert_int_equal(got.len, 0);
	assert_string_equal(str_c(&got), "");
	assert_int_equal(file_replace(p.s, "0123456789abcdefXYZ", 19, 0600), 0);
	assert_int_equal(file_read(p.s, &got), -1);	/* over got.max */
	assert_int_equal(errno, E2BIG);
	assert_int_equal(str_printf(&q, "%s/nothere", dir), 0);
	assert_int_equal(file_read(q.s, &got), 0);
	/* file_open_safe: a regular file opens; a symlink and a file with a
	 * second hard link do not. */
	fd = file_open_safe(p.s, O_RDONLY);
	assert_true(fd >= 0);
	close(fd);
	str_clear(&q);
	assert_int_equal(str_printf(&q, "%s/link", dir), 0);
	assert_int_equal(symlink(p.s, q.s), 0);
	assert_int_equal(file_open_safe(q.s, O_RDONLY), -1);
	assert_int_equal(errno, ELOOP);
	unlink(q.s);
	assert_int_equal(link(p.s, q.s), 0);
	assert_int_equal(file_open_safe(p.s, O_RDONLY), -1);
	assert_int_equal(errno, EPERM);
	/* Run by root, a replaced file belongs to its directory's owner. */
	if (geteuid() == 0) {
		struct stat st;

		str_clear(&q);
		assert_int_equal(str_printf(&q, "%s/svc", dir), 0);
		assert_int_equal(mkdir(q.s, 0700), 0);
		assert_int_equal(chown(q.s, 65534, 65534), 0);
		assert_int_equal(str_cats(&q, "/vpasswd"), 0);
		assert_int_equal(file_replace(q.s, "x", 1, 0600), 0);
		assert_int_equal(stat(q.s, &st), 0);
		assert_int_equal(st.st_uid, 65534);
		assert_int_equal(st.st_gid, 65534);
		assert_int_equal(st.st_mode & 07777, 0600);
	}
	str_free(&p);
	str_free(&q);
	str_free(&got);
	test_rmrf(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deliver),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
