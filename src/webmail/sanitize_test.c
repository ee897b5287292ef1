/*
 * sanitize_test - the HTML and CSS allow-lists: each case an input and
 * what must (or must not) come out.
 */
#include <string.h>

#include "test.h"
#include "../webmail/html.h"
#include "../webmail/sanitize.h"

struct hcase {
	const char *in;
	const char *want;	/* exact output, or NULL */
	const char *absent;	/* must not appear (case-insensitive) */
};

static const struct hcase cases[] = {
	{ "<p>Hello <b>you</b></p>", "<p>Hello <b>you</b></p>", NULL },
	{ "<script>alert(1)</script>x", "x", "script" },
	{ "<img src=x onerror=alert(1)>", NULL, "onerror" },
	{ "<a href=\"javascript:alert(1)\">x</a>", NULL, "javascript" },
	{ "<a href=\"java\tscript:alert(1)\">x</a>", NULL, "script:" },
	{ "<a href=\" &#14; javascript:alert(1)\">x</a>", NULL, "alert" },
	{ "<a href=\"https://e.test/\">x</a>",
	  "<a href=\"https://e.test/\" target=\"_blank\" "
	  "rel=\"noopener noreferrer\">x</a>", NULL },
	{ "<iframe src=//e.test></iframe>y", "y", "iframe" },
	{ "<svg><script>alert(1)</script></svg>", "", "script" },
	{ "<svg><filter><feImage href=//e.test/x></feImage></filter></svg>",
	  "", "feimage" },
	{ "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>", "",
	  "javascript" },
	{ "<form action=//e.test><input name=a></form>t", "t", "form" },
	{ "<meta http-equiv=refresh content=\"0;url=//e.test\">", "",
	  "refresh" },
	{ "<base href=//e.test/>", "", "base" },
	{ "<object data=x></object><embed src=x>", "", "object" },
	{ "<div style=\"color: red; background: url(//e.test/x)\">a</div>",
	  "<div style=\"color: red;\">a</div>", NULL },
	{ "<div style=\"width: expression(alert(1))\">a</div>",
	  "<div>a</div>", NULL },
	{ "<div style=\"color: var(--x)\">a</div>", "<div>a</div>", NULL },
	{ "<div style=\"color: re\\64\">a</div>", "<div>a</div>", NULL },
	{ "<div style=\"position: fixed; top: 0\">a</div>", "<div>a</div>",
	  NULL },
	{ "<style>@import url(//e.test/x.css);</style>z", "z", "import" },
	{ "<img src=\"https://e.test/pixel.gif\">", NULL, "e.test" },
	{ "<img src=\"data:image/svg+xml;base64,PHN2Zz4=\">", NULL, "svg" },
	{ "<img src=\"data:image/png;base64,iVBORw0KGgo=\">",
	  "<img src=\"data:image/png;base64,iVBORw0KGgo=\" loading=\"lazy\">",
	  NULL },
	{ "<img src=\"cid:a@b\">",
	  "<img src=\"part?cid=a%40b\" loading=\"lazy\">", NULL },
	{ "<p title='\"><script>alert(1)</script>'>x</p>", NULL, "<script" },
	{ "<unknown-el onclick=x>t</unknown-el>", "t", "onclick" },
	{ "<noscript><img src=x onerror=alert(1)></noscript>", NULL, "onerror" },
	{ "<a href=\"https://e.test/\" onmouseover=\"alert(1)\">x</a>", NULL,
	  "onmouseover" },
	{ "x<!-- <script>alert(1)</script> -->y", "xy", "script" },
	{ "<table background=\"https://e.test/bg\"><tr><td>c</td></tr>"
	  "</table>", NULL, "background" },
	{ "<p>&lt;b&gt;</p>", "<p>&lt;b&gt;</p>", NULL },
	{ "<template><script>alert(1)</script></template>", "", "script" },
	{ "a\xff" "b", "a\xef\xbf\xbd" "b", NULL },
};

static int
has_ci(const char *hay, const char *needle)
{
	size_t	 n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

static void
test_cases(void **state)
{
	struct san_opts o = { 0, "part?cid=" };
	struct san_result res;
	struct str out = STR_INIT(1 << 20);
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		str_clear(&out);
		assert_int_equal(san_html(cases[i].in, strlen(cases[i].in), &o,
		    &out, &res), 0);
		if (cases[i].want != NULL && strcmp(str_c(&out),
		    cases[i].want) != 0)
			fail_msg("case %zu: got [%s] want [%s]", i, str_c(&out),
			    cases[i].want);
		if (cases[i].absent != NULL && has_ci(str_c(&out),
		    cases[i].absent))
			fail_msg("case %zu: [%s] in [%s]", i, cases[i].absent,
			    str_c(&out));
	}
	str_free(&out);
}

static void
test_remote(void **state)
{
	static const char in[] = "<img src=\"https://e.test/p.gif\">";
	struct san_opts o = { 0, NULL };
	struct san_result res;
	struct str out = STR_INIT(4096);

	(void)state;
	assert_int_equal(san_html(in, strlen(in), &o, &out, &res), 0);
	assert_true(res.remote_blocked);
	assert_null(strstr(out.s, "e.test"));
	str_clear(&out);
	o.remote_images = 1;
	assert_int_equal(san_html(in, strlen(in), &o, &out, &res), 0);
	assert_false(res.remote_blocked);
	assert_non_null(strstr(out.s, "https://e.test/p.gif"));
	str_free(&out);
}

static void
test_deep(void **state)
{
	struct str in = STR_INIT(STR_UNBOUNDED), out = STR_INIT(1 << 24);
	struct san_opts o = { 0, NULL };
	struct san_result res;
	int	 i;

	(void)state;
	for (i = 0; i < 20000; i++)
		assert_int_equal(str_cats(&in, "<div>"), 0);
	assert_int_equal(str_cats(&in, "deep"), 0);
	assert_int_equal(san_html(in.s, in.len, &o, &out, &res), 0);
	assert_non_null(strstr(out.s, "deep"));
	str_free(&in);
	str_free(&out);
}

static void
test_css(void **state)
{
	static const struct { const char *in, *want; } c[] = {
		{ "color:red", "color: red;" },
		{ "COLOR : Red ; font-weight:bold", "color: Red; font-weight: "
		  "bold;" },
		{ "color: rgb(1,2,3)", "color: rgb(1,2,3);" },
		{ "background-image: url(x)", "" },
		{ "font-family: \"a;b\"; color: red", "color: red;" },
		{ "color: red /* x */", "" },
		{ "behavior: url(x.htc)", "" },
		{ "-moz-binding: url(x)", "" },
		{ "", "" },
		{ ";;;:", "" },
	};
	struct str out = STR_INIT(4096);
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		str_clear(&out);
		assert_int_equal(san_css(c[i].in, strlen(c[i].in), &out), 0);
		if (strcmp(str_c(&out), c[i].want) != 0)
			fail_msg("css %zu: got [%s] want [%s]", i, str_c(&out),
			    c[i].want);
	}
	str_free(&out);
}

static void
test_esc(void **state)
{
	struct str out = STR_INIT(4096);

	(void)state;
	assert_int_equal(html_esc(&out, "<a href='x'>&\"\x01\xc2\x85\xe2\x82",
	    19), 0);
	assert_string_equal(out.s, "&lt;a href=&#39;x&#39;&gt;&amp;&quot;"
	    "\xef\xbf\xbd\xef\xbf\xbd");
	str_clear(&out);
	assert_int_equal(html_fmt(&out, "<a href=\"?f={u}\">{}</a>{!}{{", "a b",
	    "<i>", "<b>"), 0);
	assert_string_equal(out.s, "<a href=\"?f=a%20b\">&lt;i&gt;</a><b>{");
	str_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_remote),
		cmocka_unit_test(test_deep),
		cmocka_unit_test(test_css),
		cmocka_unit_test(test_esc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
