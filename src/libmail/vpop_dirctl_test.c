/*
 * vpop_dirctl_test - vpopmail's "big dir" buckets (.dir-control): the
 * sequence of bucket names as vpopmail's bigdir.c makes them, the file
 * written and read back, damaged files refused.
 */
#include <string.h>

#include "test.h"
#include "vpop_dirctl.h"

static void
test_dirctl(void **state)
{
	struct vpop_dirctl d, e;
	const char *dir = test_tmpdir(), *t;
	unsigned long i;

	(void)state;
	vpop_dirctl_init(&d);
	for (i = 1; i <= 99; i++)
		vpop_dirctl_next(&d);
	assert_string_equal(d.the_dir, "");
	vpop_dirctl_next(&d);
	assert_string_equal(d.the_dir, "0");
	for (i = 0; i < 100; i++)
		vpop_dirctl_next(&d);
	assert_string_equal(d.the_dir, "1");
	while (d.cur_users < 6200)
		vpop_dirctl_next(&d);
	assert_string_equal(d.the_dir, "z");
	while (d.cur_users < 6300)
		vpop_dirctl_next(&d);
	assert_string_equal(d.the_dir, "0/0");
	while (d.cur_users < 6400)
		vpop_dirctl_next(&d);
	assert_string_equal(d.the_dir, "0/1");

	assert_int_equal(vpop_dirctl_write(dir, &d), 0);
	assert_int_equal(vpop_dirctl_read(dir, &e), 0);
	assert_memory_equal(&d, &e, sizeof(d));
	assert_int_equal(vpop_dirctl_parse(&e, "1\n0\n3\n", 6), -1);
	t = "5\n0\n3\n0 0 0\n61 61 61\n0 2 4\n0 0 0\n../x\n";
	assert_int_equal(vpop_dirctl_parse(&e, t, strlen(t)), -1);
	t = "5\n0\n3\n0 0 0\n61 61 61\n0 2 4\n0 0 0\n\n";
	assert_int_equal(vpop_dirctl_parse(&e, t, strlen(t)), 0);
	assert_int_equal(e.cur_users, 5);
	test_rmrf(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dirctl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
