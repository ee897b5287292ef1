/*
 * ident_test - the RFC 1413 reply parser: USERID answers with and without
 * blanks and CRLF, ERROR answers, short and malformed lines.
 */
#include <string.h>

#include "ident.h"
#include "test.h"

struct ident_case {
	const char *line;
	int	 r;
	const char *user;
};

static const struct ident_case cases[] = {
	{ "6191, 23 : USERID : UNIX : joe\r\n", 1, "joe" },
	{ "6191,23:USERID:UNIX:joe", 1, "joe" },
	{ "6191 , 23 :  USERID\t: OTHER,UTF-8 :  a b:c", 1, "a b:c" },
	{ "6191, 23 : ERROR : NO-USER", 0, NULL },
	{ "6191, 23 : USERID : UNIX :", 0, NULL },
	{ "6191, 23 : USERID : UNIX :   \r\n", 0, NULL },
	{ "6191, 23 : USERIDX : UNIX : joe", 0, NULL },
	{ "garbage", 0, NULL },
	{ "", 0, NULL },
};

static void
test_parse(void **state)
{
	struct str u = STR_INIT(IDENT_REPLY_MAX);
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		str_clear(&u);
		assert_int_equal(ident_parse(cases[i].line,
		    strlen(cases[i].line), &u), cases[i].r);
		if (cases[i].r == 1)
			assert_string_equal(u.s, cases[i].user);
	}
	str_free(&u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
