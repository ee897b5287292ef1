/*
 * rules_test - the tcprules text syntax (a table of lines and the cdb data
 * each must give), range expansion, the lookup order of tcpserver, and the
 * walk over a rule's data.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cdbx.h"
#include "rules.h"
#include "test.h"

struct parse_case {
	const char *line;
	int	 r;		/* wanted return */
	const char *addr;
	const char *data;	/* '|' stands for NUL */
};

static const struct parse_case parse_cases[] = {
	{ "", 0, NULL, NULL },
	{ "\n", 0, NULL, NULL },
	{ "# 1.2.3.4:deny", 0, NULL, NULL },
	{ "no colon here", 0, NULL, NULL },
	{ "   \t", 0, NULL, NULL },
	{ "1.2.3.4:deny", 1, "1.2.3.4", "D|" },
	{ "1.2.3.4:deny\n", 1, "1.2.3.4", "D|" },
	{ "1.2.3.4:deny \t\n", 1, "1.2.3.4", "D|" },
	{ "127.:allow,RELAYCLIENT=\"\"", 1, "127.", "+RELAYCLIENT=|" },
	{ ":allow", 1, "", "" },
	{ ":allow,CHKUSER_START=\"DOMAIN\"", 1, "", "+CHKUSER_START=DOMAIN|" },
	{ "=x.org:allow,A=/@x/,B='q\"q'", 1, "=x.org", "+A=@x|+B=q\"q|" },
	{ "joe@=h:deny,X=..", 1, "joe@=h", "D|+X=|" },
	{ "::1:allow,V6=\"y\"", 1, "::1", "+V6=y|" },
	{ "2001:db8::/x:deny", 1, "2001:db8::/x", "D|" },
	{ "1.2.3.4:allowx", -1, NULL, NULL },
	{ "1.2.3.4:accept", -1, NULL, NULL },
	{ "1.2.3.4:", -1, NULL, NULL },
	{ "1.2.3.4:allow,A", -1, NULL, NULL },
	{ "1.2.3.4:allow,A=", -1, NULL, NULL },
	{ "1.2.3.4:allow,A=\"x", -1, NULL, NULL },
	{ "1.2.3.4:allow,A=\"x\"junk", -1, NULL, NULL },
	{ "1.2.3.4:allow\r\n", -1, NULL, NULL },
};

static void
test_parse_table(void **state)
{
	struct str addr = STR_INIT(1024), data = STR_INIT(1024);
	char	 want[128];
	size_t	 i, j;
	int	 r;

	(void)state;
	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];

		errno = 0;
		r = rules_parse_line(c->line, strlen(c->line), &addr, &data);
		if (r != c->r)
			fail_msg("line %zu \"%s\": got %d want %d", i, c->line,
			    r, c->r);
		if (r == -1)
			assert_int_equal(errno, EINVAL);
		if (r != 1)
			continue;
		assert_string_equal(str_c(&addr), c->addr);
		snprintf(want, sizeof(want), "%s", c->data);
		for (j = 0; want[j] != '\0'; j++)
			if (want[j] == '|')
				want[j] = '\0';
		assert_int_equal(data.len, strlen(c->data));
		assert_memory_equal(data.len ? data.s : "", want, data.len);
	}
	str_free(&addr);
	str_free(&data);
}

static int
collect(void *arg, const char *k, size_t n)
{
	struct str *s = arg;

	if (str_catb(s, k, n) == -1 || str_catc(s, ' ') == -1)
		return -1;
	return 0;
}

static void
test_keys(void **state)
{
	struct str s = STR_INIT(STR_UNBOUNDED);

	(void)state;
	assert_int_equal(rules_keys("1.2.3.4", 7, collect, &s), 0);
	assert_string_equal(s.s, "1.2.3.4 ");
	str_clear(&s);
	assert_int_equal(rules_keys("1.2.3.37-40", 11, collect, &s), 0);
	assert_string_equal(s.s, "1.2.3.37 1.2.3.38 1.2.3.39 1.2.3.40 ");
	str_clear(&s);
	assert_int_equal(rules_keys("10.2-3.", 7, collect, &s), 0);
	assert_string_equal(s.s, "10.2. 10.3. ");
	str_clear(&s);
	/* The upper bound is capped at 255; an empty end is 0. */
	assert_int_equal(rules_keys("1.254-999", 9, collect, &s), 0);
	assert_string_equal(s.s, "1.254 1.255 ");
	str_clear(&s);
	assert_int_equal(rules_keys("-1", 2, collect, &s), 0);
	assert_string_equal(s.s, "0 1 ");
	str_clear(&s);
	/* Backwards: no keys at all. */
	assert_int_equal(rules_keys("1.9-3", 5, collect, &s), 0);
	assert_int_equal(s.len, 0);
	/* Not a range when '=' or '@' is in the address. */
	assert_int_equal(rules_keys("=a-b.org", 8, collect, &s), 0);
	assert_string_equal(s.s, "=a-b.org ");
	str_clear(&s);
	assert_int_equal(rules_keys("x-y@1.2.3.4", 11, collect, &s), 0);
	assert_string_equal(s.s, "x-y@1.2.3.4 ");
	str_clear(&s);
	assert_int_equal(rules_keys("1.2.x-3", 7, collect, &s), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(rules_keys("1.2.1-3x.", 9, collect, &s), -1);
	assert_int_equal(errno, EINVAL);
	str_free(&s);
}

/* Build a cdb of the given keys, each rule's data being the key itself. */
static void
make_db(const char *path, const char *const *keys)
{
	struct cdbx_make mk;
	struct str d = STR_INIT(256);

	assert_int_equal(cdbx_make_start(&mk, path, NULL, 0644), 0);
	for (; *keys != NULL; keys++) {
		assert_int_equal(str_copys(&d, "+K="), 0);
		assert_int_equal(str_cats(&d, *keys), 0);
		assert_int_equal(str_catb(&d, "", 1), 0);
		assert_int_equal(cdbx_make_add(&mk, *keys, strlen(*keys),
		    d.s, d.len), 0);
	}
	assert_int_equal(cdbx_make_finish(&mk), 0);
	str_free(&d);
}

/* Which key wins for ip/host/info, or NULL for none. */
static const char *
which(const char *path, const char *ip, const char *host, const char *info)
{
	static struct str key = STR_INIT(256);
	struct str data = STR_INIT(256);
	struct cdbx db;
	int	 r;

	assert_int_equal(cdbx_open(&db, path), 1);
	r = rules_find(&db, ip, host, info, &data, &key);
	cdbx_close(&db);
	assert_int_not_equal(r, -1);
	if (r == 1)
		assert_string_equal(data.s + 3, str_c(&key));
	str_free(&data);
	return r == 1 ? str_c(&key) : NULL;
}

static void
test_order(void **state)
{
	static const char *const all[] = {
		"joe@1.2.3.4", "joe@=a.b.c", "1.2.3.4", "=a.b.c", "1.2.3.",
		"1.2.", "1.", "=.b.c", "=.c", "=", "", NULL
	};
	static const char *const v6[] = { "2001:db8::", "2001:", NULL };
	static const char *const none[] = { "9.9.9.9", NULL };
	const char *dir = test_tmpdir();
	char	 path[512], path6[512], path0[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/all.cdb", dir);
	snprintf(path6, sizeof(path6), "%s/v6.cdb", dir);
	snprintf(path0, sizeof(path0), "%s/none.cdb", dir);
	make_db(path, all);
	make_db(path6, v6);
	make_db(path0, none);
	assert_string_equal(which(path, "1.2.3.4", "a.b.c", "joe"),
	    "joe@1.2.3.4");
	assert_string_equal(which(path, "1.2.3.5", "a.b.c", "joe"),
	    "joe@=a.b.c");
	assert_string_equal(which(path, "1.2.3.4", "a.b.c", "ann"), "1.2.3.4");
	assert_string_equal(which(path, "1.2.3.4", "a.b.c", NULL), "1.2.3.4");
	assert_string_equal(which(path, "1.2.3.5", "a.b.c", NULL), "=a.b.c");
	assert_string_equal(which(path, "1.2.3.5", "x.b.c", NULL), "1.2.3.");
	assert_string_equal(which(path, "1.2.4.5", NULL, NULL), "1.2.");
	assert_string_equal(which(path, "1.3.4.5", NULL, NULL), "1.");
	assert_string_equal(which(path, "2.3.4.5", "x.b.c", NULL), "=.b.c");
	assert_string_equal(which(path, "2.3.4.5", "x.y.c", NULL), "=.c");
	assert_string_equal(which(path, "2.3.4.5", "x.y.z", NULL), "=");
	assert_string_equal(which(path, "2.3.4.5", NULL, NULL), "");
	assert_string_equal(which(path6, "2001:db8::1", NULL, NULL),
	    "2001:db8::");
	assert_string_equal(which(path6, "2001:db9::1", NULL, NULL), "2001:");
	assert_null(which(path6, "::1", NULL, NULL));
	assert_null(which(path0, "1.2.3.4", "a.b", "joe"));
	test_rmrf(dir);
}

static int
gather(void *arg, const char *nv)
{
	return str_cats(arg, nv) == -1 || str_catc(arg, ';') == -1 ? -1 : 0;
}

static void
test_apply(void **state)
{
	struct str s = STR_INIT(256);
	int	 deny = 0;

	(void)state;
	assert_int_equal(rules_apply("D\0+A=1\0+B\0+=x\0+C=2", 18, &deny,
	    gather, &s), 0);
	assert_int_equal(deny, 1);
	/* "+B" has no '=' and "+C=2" no final NUL: both ignored. */
	assert_string_equal(s.s, "A=1;=x;");
	deny = 0;
	str_clear(&s);
	assert_int_equal(rules_apply("", 0, &deny, gather, &s), 0);
	assert_int_equal(deny, 0);
	assert_int_equal(s.len, 0);
	str_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_apply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
