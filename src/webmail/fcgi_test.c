/*
 * fcgi_test - FastCGI records: headers both ways, BEGIN_REQUEST, PARAMS
 * with short and long lengths (the variables kept, the others ignored,
 * pairs past the end refused, values over the limit), STDOUT split at
 * the record size, and the end of a request.
 */
#include <errno.h>
#include <string.h>

#include "test.h"
#include "../webmail/fcgi.h"

static void
test_header(void **state)
{
	struct str s = STR_INIT(64);
	struct fcgi_header h;
	unsigned char bad[8] = { 2, 1, 0, 1, 0, 0, 0, 0 };

	(void)state;
	assert_int_equal(fcgi_header_put(&s, FCGI_PARAMS, 0x1234, 300), 0);
	assert_int_equal(s.len, 8);
	assert_int_equal(fcgi_header_parse((unsigned char *)s.s, &h), 0);
	assert_int_equal(h.type, FCGI_PARAMS);
	assert_int_equal(h.id, 0x1234);
	assert_int_equal(h.clen, 300);
	assert_int_equal(h.plen, 0);
	assert_int_equal(fcgi_header_parse(bad, &h), -1);
	assert_int_equal(errno, EPROTO);
	str_free(&s);
}

static void
test_begin(void **state)
{
	unsigned char c[8] = { 0, 1, 1, 0, 0, 0, 0, 0 };
	unsigned role, flags;

	(void)state;
	assert_int_equal(fcgi_begin_parse(c, 8, &role, &flags), 0);
	assert_int_equal(role, FCGI_RESPONDER);
	assert_int_equal(flags, FCGI_KEEP_CONN);
	assert_int_equal(fcgi_begin_parse(c, 7, &role, &flags), -1);
}

/* A pair in FastCGI's form (long lengths when asked). */
static void
pair(struct str *s, const char *n, const char *v, size_t vl, int longlen)
{
	size_t	 nl = strlen(n);

	if (longlen) {
		assert_int_equal(str_catc(s, (char)(0x80 | (nl >> 24))), 0);
		assert_int_equal(str_catc(s, (char)(nl >> 16)), 0);
		assert_int_equal(str_catc(s, (char)(nl >> 8)), 0);
		assert_int_equal(str_catc(s, (char)nl), 0);
	} else
		assert_int_equal(str_catc(s, (char)nl), 0);
	if (vl > 127 || longlen) {
		assert_int_equal(str_catc(s, (char)(0x80 | (vl >> 24))), 0);
		assert_int_equal(str_catc(s, (char)(vl >> 16)), 0);
		assert_int_equal(str_catc(s, (char)(vl >> 8)), 0);
		assert_int_equal(str_catc(s, (char)vl), 0);
	} else
		assert_int_equal(str_catc(s, (char)vl), 0);
	assert_int_equal(str_cats(s, n), 0);
	assert_int_equal(str_catb(s, v, vl), 0);
}

static void
test_params(void **state)
{
	struct str p = STR_INIT(1 << 20), big = STR_INIT(1 << 20);
	struct cgi_env e;

	(void)state;
	cgi_env_init(&e);
	pair(&p, "REQUEST_METHOD", "GET", 3, 0);
	pair(&p, "PATH_INFO", "/list", 5, 1);
	pair(&p, "HTTP_X_OTHER", "ignored", 7, 0);
	pair(&p, "QUERY_STRING", "f=INBOX\0tail", 12, 0);
	assert_int_equal(fcgi_params_parse((unsigned char *)p.s, p.len, &e), 0);
	assert_string_equal(str_c(&e.v[CGI_METHOD]), "GET");
	assert_string_equal(str_c(&e.v[CGI_PATH_INFO]), "/list");
	assert_string_equal(str_c(&e.v[CGI_QUERY]), "f=INBOX");
	assert_false(e.set[CGI_COOKIE]);
	/* Past the end. */
	assert_int_equal(fcgi_params_parse((unsigned char *)p.s, p.len - 1,
	    &e), -1);
	assert_int_equal(errno, EPROTO);
	/* A value of exactly CGI_VAR_MAX, and one byte over. */
	str_clear(&p);
	assert_int_equal(str_ready(&big, CGI_VAR_MAX + 1), 0);
	memset(big.s, 'a', CGI_VAR_MAX + 1);
	pair(&p, "HTTP_COOKIE", big.s, CGI_VAR_MAX, 0);
	assert_int_equal(fcgi_params_parse((unsigned char *)p.s, p.len, &e), 0);
	assert_int_equal(e.v[CGI_COOKIE].len, CGI_VAR_MAX);
	str_clear(&p);
	pair(&p, "HTTP_COOKIE", big.s, CGI_VAR_MAX + 1, 0);
	assert_int_equal(fcgi_params_parse((unsigned char *)p.s, p.len, &e),
	    -1);
	assert_int_equal(errno, E2BIG);
	/* A length that claims more than there is. */
	assert_int_equal(fcgi_params_parse((const unsigned char *)
	    "\x81\xff\xff\xff\x01" "AB", 7, &e), -1);
	cgi_env_free(&e);
	str_free(&p);
	str_free(&big);
}

static void
test_stdout(void **state)
{
	struct str out = STR_INIT(1 << 20), data = STR_INIT(1 << 20);
	struct fcgi_header h;

	(void)state;
	assert_int_equal(str_ready(&data, 70000), 0);
	memset(data.s, 'x', 70000);
	assert_int_equal(fcgi_stdout_put(&out, 1, data.s, 70000), 0);
	assert_int_equal(out.len, 8 + 65535 + 8 + 4465);
	assert_int_equal(fcgi_header_parse((unsigned char *)out.s, &h), 0);
	assert_int_equal(h.clen, 65535);
	str_clear(&out);
	assert_int_equal(fcgi_stdout_put(&out, 1, "", 0), 0);
	assert_int_equal(out.len, 0);
	assert_int_equal(fcgi_end_put(&out, 7, 0, FCGI_REQUEST_COMPLETE), 0);
	assert_int_equal(out.len, 8 + 8 + 8);
	assert_int_equal(fcgi_header_parse((unsigned char *)out.s + 8, &h), 0);
	assert_int_equal(h.type, FCGI_END_REQUEST);
	assert_int_equal(h.id, 7);
	str_free(&out);
	str_free(&data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_begin),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_stdout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
