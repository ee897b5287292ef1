/*
 * b64_test - unit tests for b64.c: RFC 4648 test vectors both ways and
 * the malformed inputs a client may send.
 */
#include <errno.h>
#include <string.h>

#include "b64.h"
#include "test.h"

static const struct {
	const char *plain, *enc;
} vectors[] = {
	{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

static void
test_vectors(void **state)
{
	struct str s = STR_INIT(100);
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		str_clear(&s);
		assert_int_equal(b64_encode(&s, vectors[i].plain,
		    strlen(vectors[i].plain)), 0);
		assert_string_equal(str_c(&s), vectors[i].enc);
		str_clear(&s);
		assert_int_equal(b64_decode(&s, vectors[i].enc,
		    strlen(vectors[i].enc)), 0);
		assert_int_equal(s.len, strlen(vectors[i].plain));
		assert_memory_equal(s.s, vectors[i].plain, s.len);
	}
	str_free(&s);
}

static void
test_binary(void **state)
{
	struct str s = STR_INIT(100);

	(void)state;
	/* "\0user\0pass" as AUTH PLAIN sends it */
	assert_int_equal(b64_decode(&s, "AHVzZXIAcGFzcw==", 16), 0);
	assert_int_equal(s.len, 10);
	assert_memory_equal(s.s, "\0user\0pass", 10);
	str_free(&s);
}

static void
test_bad(void **state)
{
	static const char *bad[] = {
		"Zg", "Zg=", "Z===", "====", "Zm9v\r\n", "Zm 9v", "Zh==",
		"Zm9=Zm9v", "Zg==Zg==", "*", "Zm9v!AAA",
	};
	struct str s = STR_INIT(100);
	size_t	 i;

	(void)state;
	assert_int_equal(str_copys(&s, "keep"), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(b64_decode(&s, bad[i], strlen(bad[i])), -1);
		assert_int_equal(errno, EINVAL);
		assert_string_equal(str_c(&s), "keep");
	}
	str_free(&s);
}

static void
test_cap(void **state)
{
	struct str s = STR_INIT(2);

	(void)state;
	assert_int_equal(b64_decode(&s, "Zm9v", 4), -1);
	assert_int_equal(errno, E2BIG);
	assert_int_equal(s.len, 0);
	str_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
