/*
 * mdquota_test - Maildir++ quota: spec and vpopmail field forms,
 * maildirsize parsing (boundaries and damage), the over-quota rule, delta
 * lines, and the recalculation rules on a real maildir.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "maildir.h"
#include "mdquota.h"
#include "test.h"

static void
test_spec(void **state)
{
	struct mdquota q;

	(void)state;
	assert_int_equal(mdquota_spec_parse("10000000S,1000C", &q), 0);
	assert_true(q.size_max == 10000000 && q.count_max == 1000);
	assert_int_equal(mdquota_spec_parse("5000S", &q), 0);
	assert_true(q.size_max == 5000 && q.count_max == 0);
	assert_int_equal(mdquota_spec_parse("", &q), 0);
	assert_true(q.size_max == 0 && q.count_max == 0);
	assert_int_equal(mdquota_spec_parse("5000", &q), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(mdquota_spec_parse("S", &q), -1);
	assert_int_equal(mdquota_spec_parse("5X", &q), -1);
	assert_int_equal(mdquota_spec_parse("5S;6C", &q), -1);
	assert_int_equal(mdquota_spec_parse("99999999999999999999999S", &q),
	    -1);
}

static void
test_from_vpop(void **state)
{
	static const struct { const char *in, *out; } ok[] = {
		{ "NOQUOTA", "" }, { "", "" }, { "0", "" },
		{ "5000000", "5000000S" }, { "5000k", "5000000S" },
		{ "5000K", "5000000S" }, { "5M", "5000000S" },
		{ "5m", "5000000S" }, { "5000000S,1000C", "5000000S,1000C" },
		{ "100C", "100C" },
	};
	static const char *bad[] = { "lots", "5G", "-5", "5MB", "S,C", "k" };
	struct str s = STR_INIT(MDQUOTA_SPEC_MAX);
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(mdquota_from_vpop(ok[i].in, &s), 0);
		assert_string_equal(str_c(&s), ok[i].out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(mdquota_from_vpop(bad[i], &s), -1);
	str_free(&s);
}

static void
test_parse(void **state)
{
	static const char good[] =
	    "1000S,10C\n     100    1\n     200    1\n    -100   -1\n";
	static const char *bad[] = {
		"", "1000S", "1000S\n100\n", "1000S\n100 1", "junk\n",
		"1000S\nx 1\n", "1000S\n1 y\n",
	};
	struct mdquota q;
	size_t	 i;

	(void)state;
	assert_int_equal(mdquota_parse(good, strlen(good), &q), 0);
	assert_true(q.size == 200 && q.count == 1 && q.lines == 3);
	assert_true(q.size_max == 1000 && q.count_max == 10);
	assert_int_equal(mdquota_over(&q, 800, 1), 0);	/* exactly fits */
	assert_int_equal(mdquota_over(&q, 801, 1), 1);	/* one byte over */
	assert_int_equal(mdquota_percent(&q), 20);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(mdquota_parse(bad[i], strlen(bad[i]), &q), -1);
		assert_int_equal(errno, EINVAL);
	}
	q.size_max = 0;
	q.count_max = 10;
	q.count = 10;
	assert_int_equal(mdquota_over(&q, 1, 1), 1);
	assert_int_equal(mdquota_over(&q, 1, 0), 0);
}

static void
put(const char *path, const char *text)
{
	assert_int_equal(file_replace(path, text, strlen(text), 0600), 0);
}

static void
test_get_recalc(void **state)
{
	struct mdquota q;
	struct str md = STR_INIT(512), p = STR_INIT(512), t = STR_INIT(65536);
	struct stat st;
	const char *dir = test_tmpdir();
	time_t	 now = time(NULL);
	int	 i;

	(void)state;
	str_clear(&md);
	assert_int_equal(str_printf(&md, "%s/Maildir", dir), 0);
	assert_int_equal(maildir_make(md.s, 0700), 0);
	str_clear(&p);
	assert_int_equal(str_printf(&p, "%s/.Sent", md.s), 0);
	assert_int_equal(maildir_make(p.s, 0700), 0);
	str_clear(&p);
	assert_int_equal(str_printf(&p, "%s/.Trash", md.s), 0);
	assert_int_equal(maildir_make(p.s, 0700), 0);
	str_clear(&p);
	assert_int_equal(str_printf(&p, "%s/new/1.2.host,S=300", md.s), 0);
	put(p.s, "x");
	str_clear(&p);
	assert_int_equal(str_printf(&p, "%s/cur/1.3.host:2,S", md.s), 0);
	put(p.s, "12345");				/* stat: 5 */
	str_clear(&p);
	assert_int_equal(str_printf(&p, "%s/.Sent/cur/1.4.host,S=50:2,",
	    md.s), 0);
	put(p.s, "y");
	str_clear(&p);
	assert_int_equal(str_printf(&p, "%s/.Trash/cur/1.5.host,S=9999:2,",
	    md.s), 0);
	put(p.s, "z");					/* not counted */

	/* Missing file: recalculated and written. */
	assert_int_equal(mdquota_get(md.s, "1000S", &q, now), 0);
	assert_true(q.size == 355 && q.count == 3);
	str_clear(&p);
	assert_int_equal(str_printf(&p, "%s/maildirsize", md.s), 0);
	assert_int_equal(file_read(p.s, &t), 1);
	assert_string_equal(t.s, "1000S\n355 3\n");

	/* Deltas are summed; under quota the file is trusted. */
	assert_int_equal(mdquota_add(md.s, 100, 1), 0);
	assert_int_equal(mdquota_get(md.s, "1000S", &q, now), 0);
	assert_true(q.size == 455 && q.count == 4);

	/* Over quota with more than one delta line: recalculated. */
	assert_int_equal(mdquota_add(md.s, 900, 1), 0);
	assert_int_equal(mdquota_get(md.s, "1000S", &q, now), 0);
	assert_true(q.size == 355 && q.count == 3);

	/* Over quota, one line, fresh: trusted; 15 minutes old: redone. */
	put(p.s, "1000S\n2000 1\n");
	/* The file's own mtime: file times can run a little ahead of
	 * time(2)'s coarse clock. */
	assert_int_equal(stat(p.s, &st), 0);
	now = st.st_mtime;
	assert_int_equal(mdquota_get(md.s, "1000S", &q, now), 0);
	assert_true(q.size == 2000);
	assert_int_equal(mdquota_get(md.s, "1000S", &q,
	    now + MDQUOTA_STALE_SECS), 0);
	assert_true(q.size == 355);

	/* Another quota definition, damage, or 5120 bytes: redone. */
	put(p.s, "2000S\n1 1\n");
	assert_int_equal(mdquota_get(md.s, "1000S", &q, now), 0);
	assert_true(q.size == 355);
	put(p.s, "1000S\n1 x\n");
	assert_int_equal(mdquota_get(md.s, "1000S", &q, now), 0);
	assert_true(q.size == 355);
	str_clear(&t);
	assert_int_equal(str_cats(&t, "1000S\n"), 0);
	for (i = 0; t.len < MDQUOTA_FILE_MAX; i++)
		assert_int_equal(str_cats(&t, "       0    0\n"), 0);
	put(p.s, t.s);
	assert_int_equal(mdquota_get(md.s, "1000S", &q, now), 0);
	assert_true(q.lines == 1 && q.size == 355);

	/* mdquota_add keeps a missing file missing. */
	unlink(p.s);
	assert_int_equal(mdquota_add(md.s, 1, 1), 0);
	assert_int_equal(access(p.s, F_OK), -1);
	str_free(&md);
	str_free(&p);
	str_free(&t);
	test_rmrf(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec),
		cmocka_unit_test(test_from_vpop),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_get_recalc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
