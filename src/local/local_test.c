/*
 * local_test - unit tests of qmail-local's delivery function: a Maildir
 * delivery and its report, a refused address, the -n lines, and several
 * deliveries in one process (as qmail-lspawn's workers run them) that
 * leave nothing behind for the next: environment, counts, a stop.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "file.h"
#include "local.h"

static const char msg[] = "Subject: test\n\nhello\n";
static char *const envp[] = { "PATH=/usr/bin:/bin", "DEFAULT=stale",
    "EXT=stale", NULL };

struct run {
	char	 top[256];
	char	 home[1024];
	struct local_params p;
	struct local_result r;
	int	 code;
	struct str out, err;
};

/* A memory file holding s. */
static int
memfile(const char *name, const char *s)
{
	int	 fd = memfd_create(name, MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(file_writeall(fd, s, strlen(s)), 0);
	return fd;
}

/* Everything written to fd. */
static void
slurp(int fd, struct str *s)
{
	char	 buf[4096];
	ssize_t	 n;

	str_clear(s);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		assert_int_equal(str_catb(s, buf, (size_t)n), 0);
	assert_int_equal(str_catb(s, "", 0), 0);
}

/* Write path (under home) with text and mode. */
static void
put(const char *home, const char *name, const char *text, mode_t mode)
{
	char	 p[8192];
	int	 fd;

	snprintf(p, sizeof(p), "%s/%s", home, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(file_writeall(fd, text, strlen(text)), 0);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* Files in <home>/<dir>. */
static int
count(const char *home, const char *dir)
{
	char	 p[8192];
	struct dirent *de;
	DIR	*d;
	int	 n = 0;

	snprintf(p, sizeof(p), "%s/%s", home, dir);
	if ((d = opendir(p)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void
home_make(struct run *x)
{
	static const char *dirs[] = { "", "/Maildir", "/Maildir/tmp",
	    "/Maildir/new", "/Maildir/cur" };
	char	 p[8192];
	size_t	 i;

	snprintf(x->top, sizeof(x->top), "%s", test_tmpdir());
	snprintf(x->home, sizeof(x->home), "%s/home", x->top);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", x->home, dirs[i]);
		assert_int_equal(mkdir(p, 0755), 0);
	}
	x->out = (struct str)STR_INIT(STR_UNBOUNDED);
	x->err = (struct str)STR_INIT(STR_UNBOUNDED);
}

/* One delivery to local-ext@example.com. */
static void
deliver(struct run *x, const char *local, const char *dash, const char *ext,
    int doit)
{
	memset(&x->p, 0, sizeof(x->p));
	x->p.user = "joe";
	x->p.homedir = x->home;
	x->p.local = local;
	x->p.dash = dash;
	x->p.ext = ext;
	x->p.host = "mail.example.com";
	x->p.sender = "s@x.example";
	x->p.aliasempty = "./Maildir/";
	x->p.doit = doit;
	x->p.msgfd = memfile("msg", msg);
	x->p.outfd = memfile("out", "");
	x->p.errfd = memfile("err", "");
	x->p.envp = envp;
	x->code = local_deliver(&x->p, &x->r);
	slurp(x->p.outfd, &x->out);
	slurp(x->p.errfd, &x->err);
	close(x->p.msgfd);
	close(x->p.outfd);
	close(x->p.errfd);
}

static void
done(struct run *x)
{
	str_free(&x->out);
	str_free(&x->err);
	test_rmrf(x->top);
}

static void
test_maildir(void **state)
{
	struct run x;
	char	 p[8192];
	struct str got = STR_INIT(STR_UNBOUNDED);
	struct dirent *de;
	DIR	*d;

	(void)state;
	home_make(&x);
	deliver(&x, "joe", "", "", 1);
	assert_int_equal(x.code, 0);
	assert_int_equal(x.r.code, 0);
	assert_string_equal(x.out.s, "did 1+0+0\n");
	assert_string_equal(x.err.s, "");
	assert_int_equal(x.r.nfile, 1);
	assert_int_equal(count(x.home, "Maildir/new"), 1);
	snprintf(p, sizeof(p), "%s/Maildir/new", x.home);
	assert_non_null(d = opendir(p));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			break;
	assert_non_null(de);
	snprintf(p, sizeof(p), "%s/Maildir/new/%s", x.home, de->d_name);
	closedir(d);
	assert_int_equal(file_read(p, &got), 1);
	assert_string_equal(got.s, "Return-Path: <s@x.example>\n"
	    "Delivered-To: joe@mail.example.com\nSubject: test\n\nhello\n");
	str_free(&got);
	done(&x);
}

static void
test_refused(void **state)
{
	struct run x;

	(void)state;
	home_make(&x);
	deliver(&x, "joe-nosuch", "-", "nosuch", 1);
	assert_int_equal(x.code, 100);
	assert_string_equal(x.out.s, "");
	assert_string_equal(x.err.s, "Sorry, no mailbox here by that name. "
	    "(#5.1.1)\n");
	put(x.home, ".qmail", "./Maildir/\n", 0666);
	deliver(&x, "joe", "", "", 1);
	assert_int_equal(x.code, 111);
	assert_string_equal(x.err.s, "Uh-oh: .qmail file is writable. "
	    "(#4.7.0)\n");
	assert_int_equal(count(x.home, "Maildir/new"), 0);
	done(&x);
}

static void
test_dry_run(void **state)
{
	struct run x;

	(void)state;
	home_make(&x);
	put(x.home, ".qmail", "# c\n./Maildir/\n./mbox\n|prog x\n&f@g\n",
	    0644);
	deliver(&x, "joe", "", "", 0);
	assert_int_equal(x.code, 0);
	assert_string_equal(x.out.s, "maildir ./Maildir/\nmbox ./mbox\n"
	    "program prog x\nforward f@g\ndid 2+1+1\n");
	assert_int_equal(count(x.home, "Maildir/new"), 0);
	done(&x);
}

/* One process, several deliveries: DEFAULT of the first (and a stale one
 * from the caller's environment) never reaches the second; a program's
 * 99 stops only its own delivery; the counts start again. */
static void
test_one_after_another(void **state)
{
	struct run x;
	char	 line[4096], p[2048];
	struct str got = STR_INIT(STR_UNBOUNDED);

	(void)state;
	home_make(&x);
	snprintf(p, sizeof(p), "%s/env.out", x.home);
	snprintf(line, sizeof(line), "|echo \"[$DEFAULT][$EXT][$HOST2]\" >> "
	    "%s; exit 99\n./Maildir/\n", p);
	put(x.home, ".qmail-list-default", line, 0644);
	snprintf(line, sizeof(line), "|echo \"[$DEFAULT][$EXT]\" >> %s\n"
	    "./Maildir/\n", p);
	put(x.home, ".qmail-plain", line, 0644);

	deliver(&x, "joe-list-bob", "-", "list-bob", 1);
	assert_int_equal(x.code, 0);
	assert_string_equal(x.out.s, "did 0+0+1\n");
	assert_int_equal(count(x.home, "Maildir/new"), 0);
	deliver(&x, "joe-plain", "-", "plain", 1);
	assert_int_equal(x.code, 0);
	assert_string_equal(x.out.s, "did 1+0+1\n");
	assert_int_equal(count(x.home, "Maildir/new"), 1);
	deliver(&x, "joe-list-ann", "-", "list-ann", 1);
	assert_string_equal(x.out.s, "did 0+0+1\n");

	assert_int_equal(file_read(p, &got), 1);
	assert_string_equal(got.s, "[bob][list-bob][mail.example]\n"
	    "[][plain]\n[ann][list-ann][mail.example]\n");
	str_free(&got);
	done(&x);
}

static void
test_program_failures(void **state)
{
	static const struct { const char *line; int code; } t[] = {
		{ "|exit 100\n./Maildir/\n", 100 },
		{ "|exit 64\n./Maildir/\n", 100 },
		{ "|exit 3\n./Maildir/\n", 111 },
		{ "|kill -9 $$\n./Maildir/\n", 111 },
		{ "|/nonexistent/prog x\n", 111 },
		{ "\n./Maildir/\n", 111 },
	};
	struct run x;
	size_t	 i;

	(void)state;
	home_make(&x);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		put(x.home, ".qmail", t[i].line, 0644);
		deliver(&x, "joe", "", "", 1);
		assert_int_equal(x.code, t[i].code);
		assert_string_equal(x.out.s, "");
	}
	assert_int_equal(count(x.home, "Maildir/new"), 0);
	done(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maildir),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_dry_run),
		cmocka_unit_test(test_one_after_another),
		cmocka_unit_test(test_program_failures),
	};

	umask(022);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
