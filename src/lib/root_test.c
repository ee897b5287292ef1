/*
 * root_test - the instance root: a relative HSMAIL_ROOT becomes a clean
 * absolute path (it is written into users/assign and vpasswd).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "root.h"
#include "test.h"

static void
test_clean(void **state)
{
	static const struct {
		const char *base, *in, *out;
	} t[] = {
		{ "/work/x", "./var", "/work/x/var" },
		{ "/work/x", "var", "/work/x/var" },
		{ "/work/x", "var/", "/work/x/var" },
		{ "/work/x", ".//var/./", "/work/x/var" },
		{ "/work/x", "../y/var", "/work/y/var" },
		{ "/work/x", "../../../var", "/var" },	/* never above / */
		{ "/work/x", "var/..", "/work/x" },
		{ "/", "var", "/var" },
		{ "/", ".", "/" },
		{ "/work/x", "/abs//./dir/", "/abs/dir" },
		{ "/work/x", "/", "/" },
		{ "/work/x", "...", "/work/x/..." },	/* a name, not ".." */
	};
	struct str out = STR_INIT(4096);
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(root_clean(&out, t[i].base, t[i].in,
		    strlen(t[i].in)), 0);
		assert_string_equal(str_c(&out), t[i].out);
	}
	str_free(&out);
}

static void
test_relative_root(void **state)
{
	char	 cwd[PATH_MAX], want[PATH_MAX + 32];

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(setenv("HSMAIL_ROOT", "./var/", 1), 0);
	root_reset();
	snprintf(want, sizeof(want), "%s/var/vpopmail",
	    strcmp(cwd, "/") == 0 ? "" : cwd);
	assert_string_equal(root_dir(ROOT_VPOPMAIL), want);
	assert_int_equal(root_is_instance(), 1);
	assert_int_equal(unsetenv("HSMAIL_ROOT"), 0);
	root_reset();
	assert_string_equal(root_dir(ROOT_QMAIL), HSMAIL_QMAIL_DIR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_relative_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
