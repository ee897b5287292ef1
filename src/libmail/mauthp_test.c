/*
 * mauthp_test - netstrings at their limits (exactly the maximum, one
 * byte over, leading zeros, no comma, fed byte by byte), requests and
 * results made and parsed back, results that could inject a header.
 */
#include <errno.h>
#include <string.h>

#include "mauthp.h"
#include "test.h"

static int
feed_all(const char *b, size_t n, size_t max, struct str *out, size_t step)
{
	struct mauthp_ns ns;
	size_t	 i = 0, used, k;
	int	 r = 0;

	mauthp_ns_init(&ns, max, out);
	while (i < n && r == 0) {
		k = n - i < step ? n - i : step;
		r = mauthp_ns_feed(&ns, b + i, k, &used);
		i += used;
	}
	return r;
}

static void
test_ns(void **state)
{
	static const struct {
		const char *in;
		size_t	 max;
		int	 r;
		const char *out;
	} t[] = {
		{ "3:abc,", 3, 1, "abc" },
		{ "4:abcd,", 3, -1, "" },
		{ "0:,", 3, 1, "" },
		{ "03:abc,", 3, -1, "" },
		{ "3:abc;", 3, -1, "" },
		{ ":abc,", 3, -1, "" },
		{ "3x:abc,", 3, -1, "" },
		{ "3:ab", 3, 0, "ab" },
		{ "99999999:", 1UL << 30, -1, "" },
	};
	struct str out = STR_INIT(STR_UNBOUNDED);
	size_t	 i, step;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		for (step = 1; step <= 8; step++) {
			assert_int_equal(feed_all(t[i].in, strlen(t[i].in),
			    t[i].max, &out, step), t[i].r);
			if (t[i].r == 1)
				assert_int_equal(out.len, strlen(t[i].out));
		}
	str_free(&out);
}

static void
test_req(void **state)
{
	struct mauthp_req r, back;
	struct str b = STR_INIT(MAUTHP_REQ_MAX);

	(void)state;
	memset(&r, 0, sizeof(r));
	r.sign = 0;
	r.ip = "192.0.2.1";
	r.helo = "h.example";
	r.mailfrom = "";
	r.authservid = "mx.example";
	r.reject = 1;
	r.dns_ms = 20000;
	assert_int_equal(mauthp_req_make(&r, &b), 0);
	assert_int_equal(mauthp_req_parse(b.s, b.len, &back), 0);
	assert_string_equal(back.ip, "192.0.2.1");
	assert_string_equal(back.mailfrom, "");
	assert_int_equal(back.reject, 1);
	assert_int_equal(back.dns_ms, 20000);
	assert_int_equal(back.sign, 0);
	/* One field short, a bad mode, an empty authserv-id. */
	assert_int_equal(mauthp_req_parse(b.s, b.len - 1, &back), -1);
	b.s[15] = 'X';
	assert_int_equal(mauthp_req_parse(b.s, b.len, &back), -1);
	r.authservid = "";
	assert_int_equal(mauthp_req_make(&r, &b), 0);
	assert_int_equal(mauthp_req_parse(b.s, b.len, &back), -1);
	assert_int_equal(mauthp_req_parse(NULL, 0, &back), -1);
	str_free(&b);
}

static void
test_res(void **state)
{
	struct str b = STR_INIT(MAUTHP_RES_MAX), h = STR_INIT(1024);
	struct mauthp_res r;

	(void)state;
	mauthp_res_init(&r);
	assert_int_equal(str_cats(&h, "X-A: 1\n\tfolded\n"), 0);
	assert_int_equal(mauthp_res_make('A', "", "log", &h, &b), 0);
	assert_int_equal(mauthp_res_parse(b.s, b.len, &r), 0);
	assert_int_equal(r.verdict, 'A');
	assert_string_equal(str_c(&r.headers), "X-A: 1\n\tfolded\n");
	assert_string_equal(str_c(&r.log), "log");
	/* Headers that do not end a line, hold a CR or a NUL: refused. */
	assert_int_equal(str_copys(&h, "X-A: 1"), 0);
	assert_int_equal(mauthp_res_make('A', "", "", &h, &b), 0);
	assert_int_equal(mauthp_res_parse(b.s, b.len, &r), -1);
	assert_int_equal(str_copys(&h, "X-A: 1\r\n"), 0);
	assert_int_equal(mauthp_res_make('A', "", "", &h, &b), 0);
	assert_int_equal(mauthp_res_parse(b.s, b.len, &r), -1);
	/* A refusal must carry a 5xx reply. */
	assert_int_equal(mauthp_res_make('R', "250 ok", "", NULL, &b), 0);
	assert_int_equal(mauthp_res_parse(b.s, b.len, &r), -1);
	assert_int_equal(mauthp_res_make('R', "550 5.7.1 no", "", NULL, &b), 0);
	assert_int_equal(mauthp_res_parse(b.s, b.len, &r), 0);
	assert_int_equal(mauthp_res_parse("Q", 1, &r), -1);
	mauthp_res_free(&r);
	str_free(&b);
	str_free(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ns),
		cmocka_unit_test(test_req),
		cmocka_unit_test(test_res),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
