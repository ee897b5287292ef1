/*
 * str_test - bounded strings: growth, caps at and one past the limit,
 * overflow, printf, lists.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "str.h"
#include "test.h"

static void
test_cat_and_nul(void **state)
{
	struct str s = STR_INIT(STR_UNBOUNDED);

	(void)state;
	assert_string_equal(str_c(&s), "");
	assert_int_equal(str_cats(&s, "abc"), 0);
	assert_int_equal(str_catb(&s, "\0d", 2), 0);
	assert_int_equal(s.len, 5);
	assert_int_equal(s.s[5], '\0');
	assert_memory_equal(s.s, "abc\0d", 5);
	assert_int_equal(str_copys(&s, "x"), 0);
	assert_string_equal(s.s, "x");
	str_free(&s);
}

static void
test_cap(void **state)
{
	struct str s = STR_INIT(4);

	(void)state;
	assert_int_equal(str_cats(&s, "abcd"), 0);	/* exactly fits */
	assert_int_equal(str_cats(&s, "e"), -1);	/* one byte over */
	assert_int_equal(errno, E2BIG);
	assert_int_equal(s.len, 4);
	assert_string_equal(s.s, "abcd");
	assert_int_equal(str_copys(&s, "toolong"), -1);
	assert_string_equal(s.s, "abcd");		/* unchanged */
	str_free(&s);
}

static void
test_overflow(void **state)
{
	struct str s = STR_INIT(STR_UNBOUNDED);

	(void)state;
	assert_int_equal(str_cats(&s, "ab"), 0);
	assert_int_equal(str_ready(&s, SIZE_MAX - 1), -1);
	assert_true(errno == ENOMEM || errno == E2BIG);
	assert_int_equal(str_ready(&s, SIZE_MAX), -1);
	assert_int_equal(s.len, 2);
	str_free(&s);
}

static void
test_printf(void **state)
{
	struct str s = STR_INIT(10);

	(void)state;
	assert_int_equal(str_printf(&s, "%d-%s", 42, "ab"), 0);
	assert_string_equal(s.s, "42-ab");
	assert_int_equal(str_printf(&s, "%s", "123456"), -1);
	assert_int_equal(errno, E2BIG);
	assert_string_equal(s.s, "42-ab");
	assert_int_equal(str_catulong(&s, 12345), 0);
	assert_string_equal(s.s, "42-ab12345");
	str_free(&s);
}

static void
test_growth_many(void **state)
{
	struct str s = STR_INIT(STR_UNBOUNDED);
	int	 i;

	(void)state;
	for (i = 0; i < 100000; i++)
		assert_int_equal(str_catc(&s, (char)('a' + i % 26)), 0);
	assert_int_equal(s.len, 100000);
	assert_int_equal(s.s[99999], 'a' + 99999 % 26);
	str_wipe(&s);
	assert_null(s.s);
}

static void
test_helpers(void **state)
{
	struct str s = STR_INIT(64);

	(void)state;
	assert_int_equal(str_copys(&s, "Hello.Example.COM"), 0);
	str_lower(&s);
	assert_true(str_equals(&s, "hello.example.com"));
	assert_true(str_starts(&s, "hello."));
	assert_false(str_starts(&s, "hello.example.com.x"));
	assert_true(mem_caseeq("AbC", "aBc", 3));
	assert_false(mem_caseeq("abd", "abc", 3));
	str_truncate(&s, 5);
	assert_string_equal(s.s, "hello");
	str_clear(&s);
	assert_string_equal(str_c(&s), "");
	str_free(&s);
}

/* Notes are cut to what fits, never refused. */
static void
test_note(void **state)
{
	struct str s = STR_INIT(8);

	(void)state;
	str_note(&s, "abc");
	assert_string_equal(s.s, "abc");
	str_notef(&s, "%d%s", 12, "345678");
	assert_string_equal(s.s, "abc12345");	/* exactly max */
	str_note(&s, "x");
	assert_int_equal(s.len, 8);
	str_clear(&s);
	str_notef(&s, "%s", "");
	assert_int_equal(s.len, 0);
	str_free(&s);
}

static void
test_strlist(void **state)
{
	struct strlist l = STRLIST_INIT;
	int	 i;

	(void)state;
	for (i = 0; i < 20; i++)
		assert_int_equal(strlist_adds(&l, i % 2 ? "odd" : "even"), 0);
	assert_int_equal(strlist_addb(&l, "ab\0c", 2), 0);
	assert_int_equal(l.n, 21);
	assert_string_equal(l.v[0], "even");
	assert_string_equal(l.v[19], "odd");
	assert_string_equal(l.v[20], "ab");
	assert_null(l.v[21]);
	strlist_free(&l);
	assert_int_equal(l.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cat_and_nul),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_growth_many),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_note),
		cmocka_unit_test(test_strlist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
