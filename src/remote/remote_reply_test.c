/*
 * remote_reply_test - SMTP reply parsing (single and multi-line, malformed,
 * NUL bytes, the REPLY_MAX cap), EHLO keywords, and control/smtproutes
 * lookups.
 */
#include <errno.h>
#include <string.h>

#include "remote_reply.h"
#include "remote_route.h"
#include "test.h"

static int
feed(struct reply *r, const char *line)
{
	return reply_addline(r, line, strlen(line));
}

static void
test_reply(void **state)
{
	struct reply r;

	(void)state;
	reply_init(&r);
	assert_int_equal(feed(&r, "250-first"), 0);
	assert_int_equal(feed(&r, "250-second"), 0);
	assert_int_equal(feed(&r, "250 last"), 1);
	assert_int_equal(r.code, 250);
	assert_string_equal(str_c(&r.text), "250-first\n250-second\n250 last\n");
	reply_reset(&r);
	assert_int_equal(feed(&r, "354"), 1);
	assert_int_equal(r.code, 354);
	reply_reset(&r);
	assert_int_equal(feed(&r, "hello"), 1);
	assert_int_equal(r.code, 0);
	reply_reset(&r);
	assert_int_equal(feed(&r, "25"), 1);
	assert_int_equal(r.code, 0);
	reply_reset(&r);
	assert_int_equal(feed(&r, "250x"), 1);
	assert_int_equal(r.code, 0);
	reply_reset(&r);
	assert_int_equal(reply_addline(&r, "550 a\0b", 7), 1);
	assert_int_equal(r.code, 550);
	assert_memory_equal(r.text.s, "550 a?b\n", 8);
	reply_free(&r);
}

static void
test_reply_cap(void **state)
{
	static char line[1001];
	struct reply r;
	int	 i, rc = 0;

	(void)state;
	memset(line, 'x', sizeof(line) - 1);
	memcpy(line, "250-", 4);
	reply_init(&r);
	for (i = 0; i < 200 && rc == 0; i++)
		rc = feed(&r, line);
	assert_int_equal(rc, -1);
	assert_int_equal(errno, E2BIG);
	assert_true(r.text.len <= REPLY_MAX);
	assert_int_equal(i, REPLY_MAX / 1001 + 1);
	reply_free(&r);
}

static void
test_ehlo(void **state)
{
	struct reply r;
	unsigned long size;

	(void)state;
	reply_init(&r);
	feed(&r, "250-mx.example.org hello PIPELINING");
	feed(&r, "250-pipelining");
	feed(&r, "250-SIZE 1000000");
	feed(&r, "250-8BITMIMEX");
	feed(&r, "250 STARTTLS");
	assert_int_equal(reply_ehlo(&r, &size),
	    EHLO_PIPELINING | EHLO_SIZE | EHLO_STARTTLS);
	assert_int_equal(size, 1000000);
	reply_reset(&r);
	feed(&r, "250 only a greeting 8BITMIME");
	assert_int_equal(reply_ehlo(&r, &size), 0);
	reply_reset(&r);
	feed(&r, "502 no");
	assert_int_equal(reply_ehlo(&r, &size), 0);
	reply_free(&r);
}

static void
route(const struct strlist *l, const char *host, int want,
    const char *relay, unsigned long port)
{
	struct str r = STR_INIT(1024);
	unsigned long p;

	assert_int_equal(route_find(l, host, &r, &p), want);
	if (want == 1) {
		assert_string_equal(str_c(&r), relay);
		assert_int_equal(p, port);
	}
	str_free(&r);
}

static void
test_routes(void **state)
{
	struct strlist l = STRLIST_INIT;
	struct strlist all = STRLIST_INIT;
	struct strlist bad = STRLIST_INIT;

	(void)state;
	assert_int_equal(strlist_adds(&l, "example.org:relay.example.net"), 0);
	assert_int_equal(strlist_adds(&l, "Example.org:second-is-ignored"), 0);
	assert_int_equal(strlist_adds(&l, ".sub.example.org:10.0.0.1:2525"), 0);
	assert_int_equal(strlist_adds(&l, "exempt.sub.example.org:"), 0);
	assert_int_equal(strlist_adds(&l, "v6.example:[IPv6:2001:db8::1]:26"),
	    0);
	route(&l, "example.org", 1, "relay.example.net", 0);
	route(&l, "EXAMPLE.ORG", 1, "relay.example.net", 0);
	route(&l, "a.b.sub.example.org", 1, "10.0.0.1", 2525);
	route(&l, "sub.example.org", 0, NULL, 0);
	route(&l, "exempt.sub.example.org", 0, NULL, 0);
	route(&l, "v6.example", 1, "[IPv6:2001:db8::1]", 26);
	route(&l, "other.org", 0, NULL, 0);
	assert_int_equal(strlist_adds(&all, "exempt.org:"), 0);
	assert_int_equal(strlist_adds(&all, ":smarthost:587"), 0);
	route(&all, "anything.org", 1, "smarthost", 587);
	route(&all, "exempt.org", 0, NULL, 0);
	assert_int_equal(strlist_adds(&bad, ":smarthost:99999"), 0);
	route(&bad, "x.org", -1, NULL, 0);
	strlist_free(&l);
	strlist_free(&all);
	strlist_free(&bad);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_reply_cap),
		cmocka_unit_test(test_ehlo),
		cmocka_unit_test(test_routes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
