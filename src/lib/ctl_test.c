/*
 * ctl_test - control files under an instance root: a value, a list with
 * comments and blank lines, numbers, defaults for missing files, and the
 * root's own rules (HSMAIL_ROOT, trailing slashes).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "err.h"
#include "root.h"
#include "test.h"

static char root[256];

static void
put(const char *name, const char *text)
{
	char	 path[512];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/qmail/control/%s", root, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
setup(void **state)
{
	char	 d[512];

	(void)state;
	snprintf(root, sizeof(root), "%s", test_tmpdir());
	snprintf(d, sizeof(d), "%s/qmail", root);
	mkdir(d, 0755);
	snprintf(d, sizeof(d), "%s/qmail/control", root);
	mkdir(d, 0755);
	setenv("HSMAIL_ROOT", root, 1);
	root_reset();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	test_rmrf(root);
	unsetenv("HSMAIL_ROOT");
	root_reset();
	return 0;
}

static void
test_root(void **state)
{
	struct str p = STR_INIT(4096);
	char	 want[512];

	(void)state;
	assert_true(root_is_instance());
	snprintf(want, sizeof(want), "%s/vpopmail", root);
	assert_string_equal(root_dir(ROOT_VPOPMAIL), want);
	assert_int_equal(root_path(&p, ROOT_QMAIL, "control/me"), 0);
	snprintf(want, sizeof(want), "%s/qmail/control/me", root);
	assert_string_equal(p.s, want);
	/* A trailing slash on HSMAIL_ROOT does not double. */
	snprintf(want, sizeof(want), "%s//", root);
	setenv("HSMAIL_ROOT", want, 1);
	root_reset();
	snprintf(want, sizeof(want), "%s/statistic", root);
	assert_string_equal(root_dir(ROOT_STATISTIC), want);
	/* A relative root is taken from the working directory, written
	 * out clean (it goes into users/assign and vpasswd). */
	assert_int_equal(chdir(root), 0);
	setenv("HSMAIL_ROOT", "./inst", 1);
	root_reset();
	snprintf(want, sizeof(want), "%s/inst/log", root);
	assert_string_equal(root_dir(ROOT_LOG), want);
	assert_int_equal(chdir("/"), 0);
	assert_string_equal(root_dir(ROOT_LOG), want);	/* cached */
	/* Unset: the H-Sphere layout. */
	unsetenv("HSMAIL_ROOT");
	root_reset();
	assert_false(root_is_instance());
	assert_string_equal(root_dir(ROOT_QMAIL), "/var/qmail");
	assert_string_equal(root_dir(ROOT_VPOPMAIL),
	    "/hsphere/local/var/vpopmail");
	assert_string_equal(root_dir(ROOT_STATISTIC),
	    "/hsphere/local/var/statistic");
	setenv("HSMAIL_ROOT", root, 1);
	root_reset();
	str_free(&p);
}

static void
test_readline(void **state)
{
	struct str v = STR_INIT(1024);

	(void)state;
	put("me", "mail.example.com \t\nsecond line\n");
	assert_int_equal(ctl_readline("me", &v, NULL), 1);
	assert_string_equal(v.s, "mail.example.com");
	assert_int_equal(ctl_readline("missing", &v, "dflt"), 0);
	assert_string_equal(v.s, "dflt");
	assert_int_equal(ctl_readline("missing", &v, NULL), 0);
	assert_string_equal(v.s, "");
	put("empty", "");
	assert_int_equal(ctl_readline("empty", &v, "dflt"), 1);
	assert_string_equal(v.s, "");
	str_free(&v);
}

static void
test_readlist(void **state)
{
	struct strlist l = STRLIST_INIT;

	(void)state;
	put("rcpthosts", "# local domains\nexample.com\n\n  \n.example.net\t \n"
	    "last.org");
	assert_int_equal(ctl_readlist("rcpthosts", &l), 1);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0], "example.com");
	assert_string_equal(l.v[1], ".example.net");
	assert_string_equal(l.v[2], "last.org");
	assert_int_equal(ctl_readlist("nothere", &l), 0);
	assert_int_equal(l.n, 3);
	strlist_free(&l);
}

static void
test_readint(void **state)
{
	long	 v;

	(void)state;
	put("concurrencylocal", "25\n");
	assert_int_equal(ctl_readint("concurrencylocal", 10, &v), 1);
	assert_int_equal(v, 25);
	assert_int_equal(ctl_readint("concurrencyremote", 20, &v), 0);
	assert_int_equal(v, 20);
	put("databytes", "ten\n");
	assert_int_equal(ctl_readint("databytes", 0, &v), -1);
	assert_int_equal(errno, EINVAL);
	assert_false(err_is_temp(errno));
	put("databytes", "99999999999999999999999999\n");
	assert_int_equal(ctl_readint("databytes", 0, &v), -1);
	put("timeoutsmtpd", "-5");
	assert_int_equal(ctl_readint("timeoutsmtpd", 0, &v), 1);
	assert_int_equal(v, -5);
}

static void
test_err(void **state)
{
	(void)state;
	assert_true(err_is_temp(EIO));
	assert_true(err_is_temp(ENOSPC));
	assert_true(err_is_temp(ENOMEM));
	assert_true(err_is_temp(12345));	/* unknown: temporary */
	assert_false(err_is_temp(ENOENT));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_readline),
		cmocka_unit_test(test_readlist),
		cmocka_unit_test(test_readint),
		cmocka_unit_test(test_err),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
