/*
 * mhdr_test - the header splitter over every way a message can be cut
 * into chunks, folded fields, dropped fields, over-long fields, the end
 * of the header; the From and Authentication-Results parsers on a table
 * of values.
 */
#include <errno.h>
#include <string.h>

#include "mhdr.h"
#include "test.h"

struct sink {
	struct str out;
	struct strlist fields;
	int	 eoh;
	int	 bigs;
};

static int
judge(void *arg, const char *f, size_t n, int flags)
{
	struct sink *k = arg;

	if (flags & MHDR_BIG)
		k->bigs++;
	if (strlist_addb(&k->fields, f, n) == -1)
		return -1;
	return !mhdr_is(f, n, "X-Drop", NULL, NULL);
}

static int
eoh(void *arg)
{
	struct sink *k = arg;

	k->eoh++;
	return 0;
}

static int
out(void *arg, const char *b, size_t n)
{
	struct sink *k = arg;

	return str_catb(&k->out, b, n);
}

/* Feed msg in chunks of step bytes; the output must be want. */
static void
split_check(const char *msg, size_t step, const char *want, size_t nf)
{
	struct sink k = { STR_INIT(STR_UNBOUNDED), STRLIST_INIT, 0, 0 };
	struct mhdr h;
	size_t	 i, n = strlen(msg);

	mhdr_init(&h, &k, judge, eoh, out);
	for (i = 0; i < n; i += step)
		assert_int_equal(mhdr_feed(&h, msg + i, n - i < step ? n - i :
		    step), 0);
	assert_int_equal(mhdr_end(&h), 0);
	assert_int_equal(k.eoh, 1);
	assert_string_equal(k.out.len ? k.out.s : "", want);
	assert_int_equal(k.fields.n, nf);
	mhdr_free(&h);
	str_free(&k.out);
	strlist_free(&k.fields);
}

static void
test_split(void **state)
{
	static const struct {
		const char *in, *out;
		size_t	 nf;
	} t[] = {
		{ "A: 1\nB: 2\n\nbody\n", "A: 1\nB: 2\n\nbody\n", 2 },
		{ "A: 1\nX-Drop: x\n  folded\nB: 2\n\nX-Drop: body\n",
		  "A: 1\nB: 2\n\nX-Drop: body\n", 3 },
		{ "X-drop : y\n\n", "\n", 1 },
		{ "\nbody only\n", "\nbody only\n", 0 },
		{ "", "", 0 },
		{ "A: no end", "A: no end", 1 },
		{ "A: 1\n\tcont\n", "A: 1\n\tcont\n", 1 },
		{ "A: 1\nX-Drop: last", "A: 1\n", 2 },
		{ "no colon line\nA: 1\n\n", "no colon line\nA: 1\n\n", 2 },
	};
	size_t	 i, step;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		for (step = 1; step <= 7; step++)
			split_check(t[i].in, step, t[i].out, t[i].nf);
}

/* A field longer than MHDR_FIELD_MAX: judged on its start, kept whole or
 * dropped whole. */
static void
test_big(void **state)
{
	struct sink k = { STR_INIT(STR_UNBOUNDED), STRLIST_INIT, 0, 0 };
	struct str msg = STR_INIT(STR_UNBOUNDED);
	struct mhdr h;
	size_t	 i;

	(void)state;
	assert_int_equal(str_cats(&msg, "X-Drop: "), 0);
	for (i = 0; i < 3 * MHDR_FIELD_MAX / 70; i++)
		assert_int_equal(str_cats(&msg, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaa\n "), 0);
	assert_int_equal(str_cats(&msg, "end\nKeep: "), 0);
	for (i = 0; i < 2 * MHDR_FIELD_MAX; i++)
		assert_int_equal(str_catc(&msg, 'b'), 0);
	assert_int_equal(str_cats(&msg, "\n\nbody\n"), 0);
	mhdr_init(&h, &k, judge, eoh, out);
	assert_int_equal(mhdr_feed(&h, msg.s, msg.len), 0);
	assert_int_equal(mhdr_end(&h), 0);
	assert_int_equal(k.bigs, 2);
	assert_int_equal(k.out.len, 6 + 2 * MHDR_FIELD_MAX + 7);
	assert_true(memcmp(k.out.s, "Keep: bbb", 9) == 0);
	assert_true(memcmp(k.out.s + k.out.len - 7, "\n\nbody\n", 7) == 0);
	mhdr_free(&h);
	str_free(&k.out);
	str_free(&msg);
	strlist_free(&k.fields);
}

static void
test_from(void **state)
{
	static const struct {
		const char *v;
		int	 r;
		const char *dom;
	} t[] = {
		{ " user@Example.COM", 1, "example.com" },
		{ " John Doe <john@a.example>", 1, "a.example" },
		{ " \"Doe, John\" <john@b.example> (work)", 1, "b.example" },
		{ " john@c.example (John, Doe)", 1, "c.example" },
		{ " \"x@evil.example\" <y@good.example>", 1, "good.example" },
		{ " <@route.example:z@d.example>", 1, "d.example" },
		{ " a@e.example, b@f.example", 2, "e.example" },
		{ " a@e.example.", 1, "e.example" },
		{ " Name Only", 0, "" },
		{ " <a@b.example", 0, "" },
		{ " \"unclosed <a@b.example>", 0, "" },
		{ " (unclosed a@b.example", 0, "" },
		{ " a@b.example <c@d.example>", 1, "d.example" },
		{ " <a@b.example> junk", 0, "" },
		{ " a@-bad..example", 0, "" },
		{ " a@sp ace.example", 1, "space.example" },
		{ "", 0, "" },
		{ " a@[192.0.2.1]", 0, "" },
		{ " a@", 0, "" },
		{ " user@x.example\n (folded comment)", 1, "x.example" },
	};
	struct str d = STR_INIT(1024);
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(mhdr_from_domain(t[i].v, strlen(t[i].v), &d),
		    t[i].r);
		assert_string_equal(d.len ? d.s : "", t[i].dom);
	}
	str_free(&d);
}

static void
test_from_deep(void **state)
{
	struct str v = STR_INIT(STR_UNBOUNDED), d = STR_INIT(1024);
	int	 i;

	(void)state;
	for (i = 0; i < 100; i++)
		assert_int_equal(str_catc(&v, '('), 0);
	for (i = 0; i < 100; i++)
		assert_int_equal(str_catc(&v, ')'), 0);
	assert_int_equal(str_cats(&v, " a@b.example"), 0);
	assert_int_equal(mhdr_from_domain(v.s, v.len, &d), 0);
	str_free(&v);
	str_free(&d);
}

static void
test_authres(void **state)
{
	static const struct {
		const char *v;
		int	 r;
		const char *id;
	} t[] = {
		{ " mx.example.org; spf=pass", 1, "mx.example.org" },
		{ " (comment) mx.example.org 1; none", 1, "mx.example.org" },
		{ "\n\tmx.example.org;dkim=pass", 1, "mx.example.org" },
		{ " \"quoted.example\"; none", 1, "quoted.example" },
		{ " ; none", 0, "" },
		{ "", 0, "" },
		{ " (open", 0, "" },
		{ " \"open", 0, "" },
	};
	struct str id = STR_INIT(1024);
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(mhdr_authres_id(t[i].v, strlen(t[i].v), &id),
		    t[i].r);
		assert_string_equal(id.len ? id.s : "", t[i].id);
	}
	str_free(&id);
}

static void
test_is(void **state)
{
	const char *v;
	size_t	 n;

	(void)state;
	assert_int_equal(mhdr_is("From: a\n", 8, "from", &v, &n), 1);
	assert_int_equal(n, 2);
	assert_int_equal(mhdr_is("From : a\n", 9, "from", &v, &n), 1);
	assert_int_equal(mhdr_is("From-X: a\n", 10, "from", &v, &n), 0);
	assert_int_equal(mhdr_is("From", 4, "from", &v, &n), 0);
	assert_int_equal(mhdr_is("Fro", 3, "from", &v, &n), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_big),
		cmocka_unit_test(test_from),
		cmocka_unit_test(test_from_deep),
		cmocka_unit_test(test_authres),
		cmocka_unit_test(test_is),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
