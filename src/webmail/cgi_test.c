/*
 * cgi_test - the request parsers of sqwebmail: env records, urlencoded
 * forms, multipart uploads, cookies, each at and past its limits.
 */
#include <errno.h>
#include <string.h>

#include "test.h"
#include "../webmail/cgi.h"

static void
test_env_roundtrip(void **state)
{
	struct cgi_env a, b;
	struct str rec = STR_INIT(CGI_ENV_MAX);

	(void)state;
	cgi_env_init(&a);
	cgi_env_init(&b);
	assert_int_equal(str_copys(&a.v[CGI_METHOD], "POST"), 0);
	a.set[CGI_METHOD] = 1;
	assert_int_equal(str_copys(&a.v[CGI_QUERY], "a=b=c"), 0);
	a.set[CGI_QUERY] = 1;
	a.set[CGI_COOKIE] = 1;		/* set and empty */
	assert_int_equal(cgi_env_format(&a, &rec), 0);
	assert_int_equal(cgi_env_parse(&b, rec.s, rec.len), 0);
	assert_string_equal(b.v[CGI_METHOD].s, "POST");
	assert_string_equal(b.v[CGI_QUERY].s, "a=b=c");
	assert_true(b.set[CGI_COOKIE]);
	assert_false(b.set[CGI_PATH_INFO]);
	cgi_env_free(&a);
	cgi_env_free(&b);
	str_free(&rec);
}

static void
test_env_bad(void **state)
{
	static const struct { const char *b; size_t n; } bad[] = {
		{ "REQUEST_METHOD=GET", 18 },		/* no NUL */
		{ "NOPE=1\0", 7 },			/* unknown */
		{ "REQUEST_METHOD\0", 15 },		/* no '=' */
		{ "HTTPS=on\0HTTPS=on\0", 18 },		/* twice */
		{ "\0", 1 },				/* empty record */
	};
	struct cgi_env e;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cgi_env_init(&e);
		assert_int_equal(cgi_env_parse(&e, bad[i].b, bad[i].n), -1);
		cgi_env_free(&e);
	}
	cgi_env_init(&e);
	assert_int_equal(cgi_env_parse(&e, "", 0), 0);
	cgi_env_free(&e);
}

static void
test_urlencoded(void **state)
{
	struct cgi_form f;

	(void)state;
	cgi_form_init(&f, 1 << 20);
	assert_int_equal(cgi_urlencoded_parse(&f,
	    "a=1&&b=two+words&c=%41%62&d&e=%00x", 34), 0);
	assert_int_equal(f.n, 5);
	assert_string_equal(cgi_form_gets(&f, "a", NULL), "1");
	assert_string_equal(cgi_form_gets(&f, "b", NULL), "two words");
	assert_string_equal(cgi_form_gets(&f, "c", NULL), "Ab");
	assert_string_equal(cgi_form_gets(&f, "d", NULL), "");
	assert_int_equal(cgi_form_get(&f, "e")->len, 2);
	assert_null(cgi_form_gets(&f, "zz", NULL));
	cgi_form_free(&f);

	cgi_form_init(&f, 1 << 20);
	assert_int_equal(cgi_urlencoded_parse(&f, "a=%4", 4), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(cgi_urlencoded_parse(&f, "a=%zz", 5), -1);
	assert_int_equal(cgi_urlencoded_parse(&f, "=x", 2), -1);
	cgi_form_free(&f);

	/* The byte limit: exactly fits, one byte over. */
	cgi_form_init(&f, 4);
	assert_int_equal(cgi_urlencoded_parse(&f, "ab=cd", 5), 0);
	cgi_form_free(&f);
	cgi_form_init(&f, 3);
	assert_int_equal(cgi_urlencoded_parse(&f, "ab=cd", 5), -1);
	assert_int_equal(errno, E2BIG);
	cgi_form_free(&f);
}

static void
test_fields_max(void **state)
{
	struct cgi_form f;
	struct str q = STR_INIT(STR_UNBOUNDED);
	int	 i;

	(void)state;
	for (i = 0; i < CGI_FIELDS_MAX; i++)
		assert_int_equal(str_cats(&q, "x=1&"), 0);
	cgi_form_init(&f, 1 << 20);
	assert_int_equal(cgi_urlencoded_parse(&f, q.s, q.len), 0);
	cgi_form_free(&f);
	assert_int_equal(str_cats(&q, "y=2"), 0);
	cgi_form_init(&f, 1 << 20);
	assert_int_equal(cgi_urlencoded_parse(&f, q.s, q.len), -1);
	assert_int_equal(errno, E2BIG);
	cgi_form_free(&f);
	str_free(&q);
}

static void
test_boundary(void **state)
{
	struct str b = STR_INIT(256);

	(void)state;
	assert_int_equal(cgi_multipart_boundary(
	    "multipart/form-data; boundary=----abc", &b), 0);
	assert_string_equal(b.s, "----abc");
	assert_int_equal(cgi_multipart_boundary(
	    "multipart/form-data; boundary=\"x y\"", &b), 0);
	assert_string_equal(b.s, "x y");
	assert_int_equal(cgi_multipart_boundary("text/plain; boundary=x", &b),
	    -1);
	assert_int_equal(cgi_multipart_boundary("multipart/form-data", &b),
	    -1);
	assert_int_equal(cgi_multipart_boundary(
	    "multipart/form-data; boundary=", &b), -1);
	assert_int_equal(cgi_multipart_boundary("multipart/form-data; "
	    "boundary=12345678901234567890123456789012345678901234567890"
	    "123456789012345678901", &b), -1);	/* 71 bytes */
	str_free(&b);
}

static void
test_multipart(void **state)
{
	static const char body[] =
	    "--XX\r\n"
	    "Content-Disposition: form-data; name=\"to\"\r\n\r\n"
	    "a@b.test\r\n"
	    "--XX\r\n"
	    "Content-Disposition: form-data; name=\"att\"; "
	    "filename=\"r\\\"e\xc3\xa9.txt\"\r\n"
	    "Content-Type: text/plain\r\n\r\n"
	    "line1\r\n--X not the end\r\n"
	    "--XX\r\n"
	    "Content-Disposition: form-data; name=\"att\"; filename=\"\"\r\n"
	    "Content-Type: application/octet-stream\r\n\r\n"
	    "\r\n--XX--\r\n";
	struct cgi_form f;

	(void)state;
	cgi_form_init(&f, 1 << 20);
	assert_int_equal(cgi_multipart_parse(&f, "XX", body, sizeof(body) - 1),
	    0);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.nfiles, 1);
	assert_string_equal(cgi_form_gets(&f, "to", NULL), "a@b.test");
	assert_string_equal(f.f[1].filename, "r\"e\xc3\xa9.txt");
	assert_string_equal(f.f[1].ctype, "text/plain");
	assert_string_equal(f.f[1].val, "line1\r\n--X not the end");
	cgi_form_free(&f);
}

static void
test_multipart_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv",
		"--XX\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XX--",
		"--XX\r\nContent-Disposition: attachment; name=a\r\n\r\nv\r\n"
		    "--XX--",
		"--XXjunk\r\n\r\n",
		"--XX\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n"
		    "--XX--",
	};
	struct cgi_form f;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cgi_form_init(&f, 1 << 20);
		assert_int_equal(cgi_multipart_parse(&f, "XX", bad[i],
		    strlen(bad[i])), -1);
		cgi_form_free(&f);
	}
}

static void
test_cookie(void **state)
{
	char	 v[64];

	(void)state;
	assert_int_equal(cgi_cookie_get("a=1; sid=abc-_.Z; b=2", 21, "sid", v,
	    sizeof(v)), 1);
	assert_string_equal(v, "abc-_.Z");
	assert_int_equal(cgi_cookie_get("xsid=1", 6, "sid", v, sizeof(v)), 0);
	assert_int_equal(cgi_cookie_get("sid=", 4, "sid", v, sizeof(v)), 0);
	assert_int_equal(cgi_cookie_get("sid=a\"b", 7, "sid", v, sizeof(v)),
	    0);
	assert_int_equal(cgi_cookie_get("sid=abcd", 8, "sid", v, 5), 1);
	assert_int_equal(cgi_cookie_get("sid=abcde", 9, "sid", v, 5), 0);
	assert_int_equal(cgi_cookie_get("", 0, "sid", v, sizeof(v)), 0);
}

static void
test_url_escape(void **state)
{
	struct str o = STR_INIT(256);

	(void)state;
	assert_int_equal(cgi_url_escape(&o, "a b/&\xc3\xa9~", 8), 0);
	assert_string_equal(o.s, "a%20b%2F%26%C3%A9~");
	str_free(&o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_roundtrip),
		cmocka_unit_test(test_env_bad),
		cmocka_unit_test(test_urlencoded),
		cmocka_unit_test(test_fields_max),
		cmocka_unit_test(test_boundary),
		cmocka_unit_test(test_multipart),
		cmocka_unit_test(test_multipart_bad),
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_url_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
