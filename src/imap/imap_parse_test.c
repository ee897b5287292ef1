/*
 * imap_parse_test - the IMAP grammar readers: atoms, quoted strings
 * (CRLF and NUL refused), literals (lengths that lie, literal8),
 * numbers at their limits, sequence sets with "*" and "$", and the
 * string writer's quoting.
 */
#include <errno.h>
#include <string.h>

#include "imap_parse.h"
#include "test.h"

static void
test_strings(void **state)
{
	struct imap_p p;
	struct str s = STR_INIT(100);
	static const char lit[] = "{5}\r\nab\"cd rest";
	static const char liar[] = "{50}\r\nshort";

	(void)state;
	imap_p_init(&p, "atom \"q\\\"x\" NIL", 15);
	assert_int_equal(imap_p_astring(&p, &s), 0);
	assert_string_equal(s.s, "atom");
	assert_int_equal(imap_p_sp(&p), 0);
	assert_int_equal(imap_p_astring(&p, &s), 0);
	assert_string_equal(s.s, "q\"x");
	assert_int_equal(imap_p_sp(&p), 0);
	assert_int_equal(imap_p_nstring(&p, &s), 0);
	assert_true(imap_p_end(&p));

	imap_p_init(&p, lit, sizeof(lit) - 1);
	assert_int_equal(imap_p_astring(&p, &s), 0);
	assert_int_equal(s.len, 5);
	assert_memory_equal(s.s, "ab\"cd", 5);
	assert_int_equal(imap_p_sp(&p), 0);

	imap_p_init(&p, liar, sizeof(liar) - 1);
	assert_int_equal(imap_p_astring(&p, &s), -1);
	assert_int_equal(p.pos, 0);

	imap_p_init(&p, "\"a\r\nb\"", 6);
	assert_int_equal(imap_p_quoted(&p, &s), -1);
	imap_p_init(&p, "\"a\0b\"", 5);
	assert_int_equal(imap_p_quoted(&p, &s), -1);
	imap_p_init(&p, "\"caf\xc3\xa9\"", 7);
	assert_int_equal(imap_p_quoted(&p, &s), -1);
	p.pos = 0;
	p.utf8 = 1;
	assert_int_equal(imap_p_quoted(&p, &s), 0);
	imap_p_init(&p, "\"unterminated", 13);
	assert_int_equal(imap_p_quoted(&p, &s), -1);

	/* a NUL in a literal only in literal8 */
	imap_p_init(&p, "{3}\r\na\0b", 8);
	assert_int_equal(imap_p_literal(&p, &s), -1);
	imap_p_init(&p, "~{3}\r\na\0b", 9);
	assert_int_equal(imap_p_literal(&p, &s), 0);
	assert_int_equal(p.literal8, 1);
	/* more than the caller's bound */
	{
		struct str small = STR_INIT(3);

		imap_p_init(&p, "abcdef", 6);
		assert_int_equal(imap_p_atom(&p, &small), -1);
		assert_int_equal(p.pos, 0);
		str_free(&small);
	}
	str_free(&s);
}

static void
test_numbers(void **state)
{
	struct imap_p p;
	uint32_t v;
	uint64_t w;

	(void)state;
	imap_p_init(&p, "4294967295", 10);
	assert_int_equal(imap_p_number(&p, &v), 0);
	assert_true(v == 4294967295U);
	imap_p_init(&p, "4294967296", 10);
	assert_int_equal(imap_p_number(&p, &v), -1);
	imap_p_init(&p, "0", 1);
	assert_int_equal(imap_p_nznumber(&p, &v), -1);
	imap_p_init(&p, "9223372036854775807", 19);
	assert_int_equal(imap_p_number64(&p, &w), 0);
	imap_p_init(&p, "9223372036854775808", 19);
	assert_int_equal(imap_p_number64(&p, &w), -1);
	imap_p_init(&p, "fetchx", 6);
	assert_int_equal(imap_p_word(&p, "FETCH"), -1);
	imap_p_init(&p, "fetch ", 6);
	assert_int_equal(imap_p_word(&p, "FETCH"), 0);
	assert_int_equal(p.pos, 5);
}

static void
test_seq(void **state)
{
	struct imap_p p;
	struct imap_seq q = IMAP_SEQ_INIT;
	struct str o = STR_INIT(100);
	uint32_t v[] = { 1, 2, 3, 5, 7, 8 };

	(void)state;
	imap_p_init(&p, "1:3,7,*,5:4", 11);
	assert_int_equal(imap_p_seq(&p, &q), 0);
	assert_true(imap_p_end(&p));
	imap_seq_resolve(&q, 10);
	assert_int_equal(q.n, 3);	/* 1:5,7,10 */
	assert_true(imap_seq_has(&q, 2));
	assert_true(imap_seq_has(&q, 4));
	assert_false(imap_seq_has(&q, 6));
	assert_true(imap_seq_has(&q, 10));
	imap_p_init(&p, "$", 1);
	assert_int_equal(imap_p_seq(&p, &q), 0);
	assert_int_equal(q.dollar, 1);
	imap_p_init(&p, "0:3", 3);
	assert_int_equal(imap_p_seq(&p, &q), -1);
	imap_p_init(&p, "1,", 2);
	assert_int_equal(imap_p_seq(&p, &q), -1);
	assert_int_equal(imap_seq_format(&o, v, 6), 0);
	assert_string_equal(o.s, "1:3,5,7:8");
	imap_seq_free(&q);
	str_free(&o);
}

static void
test_put(void **state)
{
	struct str o = STR_INIT(100);

	(void)state;
	assert_int_equal(imap_str_put(&o, "a\"b\\c", 5, 0), 0);
	assert_string_equal(o.s, "\"a\\\"b\\\\c\"");
	str_clear(&o);
	assert_int_equal(imap_str_put(&o, "a\nb", 3, 0), 0);
	assert_string_equal(o.s, "{3}\r\na\nb");
	str_clear(&o);
	assert_int_equal(imap_str_put(&o, NULL, 0, 0), 0);
	assert_string_equal(o.s, "NIL");
	str_free(&o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_seq),
		cmocka_unit_test(test_put),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
