/*
 * mhold_test - a message held under, at and over the memory bound, in
 * pieces of every size, copied back intact; the spill has no name in
 * the directory; a directory that cannot be written fails the write.
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>

#include "mhold.h"
#include "test.h"

static int
collect(void *arg, const char *b, size_t n)
{
	return str_catb(arg, b, n);
}

static size_t
entries(const char *dir)
{
	DIR	*d = opendir(dir);
	struct dirent *e;
	size_t	 n = 0;

	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void
test_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 99, 100, 101, 1000, 70000 };
	const char *dir = test_tmpdir();
	struct str out = STR_INIT(STR_UNBOUNDED), in = STR_INIT(STR_UNBOUNDED);
	struct mhold h;
	size_t	 i, j, step;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (step = 1; step <= 4096; step *= 8) {
			str_clear(&in);
			for (j = 0; j < sizes[i]; j++)
				assert_int_equal(str_catc(&in, (char)('a' + j % 26)), 0);
			mhold_init(&h, 100, dir);
			for (j = 0; j < in.len; j += step)
				assert_int_equal(mhold_write(&h, in.s + j,
				    in.len - j < step ? in.len - j : step), 0);
			assert_int_equal(h.size, in.len);
			assert_int_equal(h.fd != -1, in.len > 100);
			assert_int_equal(entries(dir), 0);
			str_clear(&out);
			assert_int_equal(mhold_copy(&h, collect, &out), 0);
			assert_int_equal(out.len, in.len);
			assert_true(in.len == 0 || memcmp(out.s, in.s, in.len)
			    == 0);
			mhold_free(&h);
		}
	str_free(&out);
	str_free(&in);
	test_rmrf(dir);
}

static void
test_no_dir(void **state)
{
	struct mhold h;

	(void)state;
	mhold_init(&h, 4, "/nonexistent/dir");
	assert_int_equal(mhold_write(&h, "abcd", 4), 0);
	assert_int_equal(mhold_write(&h, "e", 1), -1);
	mhold_free(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_no_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
