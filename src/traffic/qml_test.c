/*
 * qml_test - statistics file names and lines as trafficloader reads them:
 * a table of inputs and results, H-Sphere's shapes and the broken ones.
 */
#include <string.h>

#include "qml.h"
#include "test.h"

static void
test_lines(void **state)
{
	static const struct {
		const char *in;
		int	 ok;
		const char *name;
		double	 xfer, in_, out;
		long	 hits;
	} t[] = {
		{ "|example.com|12.34|5|0|", 1, "example.com", 12.34, 0, 0, 5 },
		{ "|example.com|7.98|5|0|4.00|3.98|", 1, "example.com", 7.98,
		    4.0, 3.98, 5 },
		{ "|example.com|12|", 1, "example.com", 12, 0, 0, 0 },
		{ "|a.example|1.5|2.5|", 1, "a.example", 4.0, 1.5, 2.5, 0 },
		{ "example.com|1|2|3", 1, "example.com", 1, 0, 0, 2 },
		{ "|example.com|12.34|5|0|\r", 1, "example.com", 12.34, 0, 0, 5 },
		{ "", 0, NULL, 0, 0, 0, 0 },
		{ "|", 0, NULL, 0, 0, 0, 0 },
		{ "|example.com|", 0, NULL, 0, 0, 0, 0 },
		{ "|example.com|x|", 0, NULL, 0, 0, 0, 0 },
		{ "|example.com|-1|1|0|", 0, NULL, 0, 0, 0, 0 },
		{ "|example.com|1.|1|0|", 0, NULL, 0, 0, 0, 0 },
		{ "|example.com|.5|1|0|", 0, NULL, 0, 0, 0, 0 },
		{ "|example.com|1e9|1|0|", 0, NULL, 0, 0, 0, 0 },
		{ "|example.com|1|1.5|0|", 0, NULL, 0, 0, 0, 0 },
		{ "|example.com|1|1|0|1|", 0, NULL, 0, 0, 0, 0 },
		{ "|exa mple.com|1|1|0|", 0, NULL, 0, 0, 0, 0 },
		{ "|example.com|1234567890123456|1|0|", 0, NULL, 0, 0, 0, 0 },
		{ "|example.com|123456789012345|1|0|", 1, "example.com",
		    123456789012345.0, 0, 0, 1 },
		{ "|a|1|1|0|1|1|1|1|1|", 0, NULL, 0, 0, 0, 0 },
	};
	struct qml_row r;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		print_message("case %zu: %s\n", i, t[i].in);
		assert_int_equal(qml_parse_line(t[i].in, strlen(t[i].in), &r),
		    t[i].ok);
		if (!t[i].ok)
			continue;
		assert_int_equal(r.namelen, strlen(t[i].name));
		assert_memory_equal(r.name, t[i].name, r.namelen);
		assert_float_equal(r.xfer, t[i].xfer, 1e-9);
		assert_float_equal(r.in, t[i].in_, 1e-9);
		assert_float_equal(r.out, t[i].out, 1e-9);
		assert_int_equal(r.hits, t[i].hits);
	}
}

static void
test_names(void **state)
{
	static const struct {
		const char *in;
		int	 ok;
		int	 ymd;
	} t[] = {
		{ "24.11.2026.qml.txt", 1, 20261124 },
		{ "31.12.2026.qml.txt", 1, 20261231 },
		{ "29.02.2028.qml.txt", 1, 20280229 },
		{ "29.02.2027.qml.txt", 0, 0 },
		{ "31.04.2026.qml.txt", 0, 0 },
		{ "00.01.2026.qml.txt", 0, 0 },
		{ "01.13.2026.qml.txt", 0, 0 },
		{ "24.11.2026.qml.txt.gz", 0, 0 },
		{ "24.11.2026.qml", 0, 0 },
		{ "24.11.2026.txt", 0, 0 },
		{ "4.11.2026.qml.txt", 0, 0 },
		{ ".mail-traffic.state", 0, 0 },
		{ "", 0, 0 },
	};
	size_t	 i;
	int	 ymd;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ymd = 0;
		assert_int_equal(qml_name_date(t[i].in, &ymd), t[i].ok);
		assert_int_equal(ymd, t[i].ymd);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
