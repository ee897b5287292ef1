/*
 * msglist_test - the list's sort orders (each key both ways, ties by
 * date and UID) and threads (replies under their parent, a thread's
 * place by its newest message, broken and looping references), and the
 * base subject.
 */
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "../webmail/msglist.h"

static struct ml_item
item(uint32_t uid, int64_t date, uint64_t size, const char *from,
    const char *subj, const char *id, const char *refs)
{
	struct ml_item x;

	memset(&x, 0, sizeof(x));
	x.idx = uid - 1;
	x.uid = uid;
	x.date = date;
	x.size = size;
	x.from = from;
	x.subject = subj;
	x.msgid = id;
	x.refs = refs;
	return x;
}

static void
uids(const struct ml_item *v, size_t n, const char *want)
{
	char	 got[256] = "";
	size_t	 i, l = 0;

	for (i = 0; i < n; i++)
		l += (size_t)snprintf(got + l, sizeof(got) - l, "%s%u:%u",
		    i ? " " : "", v[i].uid, v[i].depth);
	assert_string_equal(got, want);
}

static void
test_sort(void **state)
{
	struct ml_item v[4];

	(void)state;
	v[0] = item(1, 100, 500, "bob", "lunch", "", "");
	v[1] = item(2, 300, 20, "ann", "zebra", "", "");
	v[2] = item(3, 200, 500, "carl", "apples", "", "");
	v[3] = item(4, 200, 9000, "ann", "lunch", "", "");
	ml_sort(v, 4, ML_DATE, 1);
	uids(v, 4, "2:0 4:0 3:0 1:0");
	ml_sort(v, 4, ML_DATE, 0);
	uids(v, 4, "1:0 3:0 4:0 2:0");
	ml_sort(v, 4, ML_FROM, 0);
	uids(v, 4, "4:0 2:0 1:0 3:0");
	ml_sort(v, 4, ML_FROM, 1);
	uids(v, 4, "3:0 1:0 2:0 4:0");
	ml_sort(v, 4, ML_SUBJECT, 0);
	uids(v, 4, "3:0 1:0 4:0 2:0");
	ml_sort(v, 4, ML_SIZE, 1);
	uids(v, 4, "4:0 3:0 1:0 2:0");
	ml_sort(v, 4, ML_SIZE, 0);
	uids(v, 4, "2:0 1:0 3:0 4:0");
	ml_sort(v, 0, ML_SIZE, 0);
	assert_int_equal(ml_sort_parse("subject"), ML_SUBJECT);
	assert_int_equal(ml_sort_parse("../x"), ML_DATE);
	assert_string_equal(ml_sort_name(ML_SIZE), "size");
}

static void
test_thread(void **state)
{
	struct ml_item v[8];

	(void)state;
	/* A thread: 1 <- 3 <- 5, and 1 <- 4; an unrelated 2; 6 answers a
	 * message that is not here (a root); 7 names itself; 8 answers 5
	 * through a References list that ends with an absent id. */
	v[0] = item(1, 100, 1, "", "", "a@x", "");
	v[1] = item(2, 150, 1, "", "", "b@x", "");
	v[2] = item(3, 200, 1, "", "", "c@x", "<a@x>");
	v[3] = item(4, 250, 1, "", "", "d@x", "<a@x>");
	v[4] = item(5, 300, 1, "", "", "e@x", "<a@x> <c@x>");
	v[5] = item(6, 120, 1, "", "", "f@x", "<gone@x>");
	v[6] = item(7, 130, 1, "", "", "g@x", "<g@x>");
	v[7] = item(8, 50, 1, "", "", "h@x", "<a@x> <c@x> <e@x> <gone2@x>");
	assert_int_equal(ml_thread(v, 8, 1), 0);
	/* Newest thread first (its newest is 300); 8 is older than its
	 * parent (a clock) but stays under it. */
	uids(v, 8, "1:0 3:1 5:2 8:3 4:1 2:0 7:0 6:0");
	assert_int_equal(ml_thread(v, 8, 0), 0);
	uids(v, 8, "6:0 7:0 2:0 1:0 3:1 5:2 8:3 4:1");
}

static void
test_thread_loops(void **state)
{
	struct ml_item v[4];

	(void)state;
	/* 1 and 2 name each other: one of them (1, looked at first) stays
	 * under the other; 3 and 4 share an id (the first wins). */
	v[0] = item(1, 100, 1, "", "", "a@x", "<b@x>");
	v[1] = item(2, 200, 1, "", "", "b@x", "<a@x>");
	v[2] = item(3, 300, 1, "", "", "c@x", "");
	v[3] = item(4, 400, 1, "", "", "c@x", "<c@x>");
	assert_int_equal(ml_thread(v, 4, 1), 0);
	uids(v, 4, "3:0 4:1 2:0 1:1");
	assert_int_equal(ml_thread(v, 1, 1), 0);
	assert_int_equal(ml_thread(v, 0, 1), 0);
}

static void
test_base_subject(void **state)
{
	static const char *const t[][2] = {
		{ "Lunch", "lunch" },
		{ "Re: Lunch", "lunch" },
		{ "RE: Fwd: re:Lunch (fwd)", "lunch" },
		{ "[list] Re: [other] Lunch  ", "lunch" },
		{ "Re[2]: Lunch", "lunch" },
		{ "Aw: Sv: Lunch", "lunch" },
		{ "Reply: Lunch", "reply: lunch" },
		{ "[only a tag]", "[only a tag]" },
		{ "", "" },
		{ "Re:", "" },
	};
	struct str out = STR_INIT(1024);
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		str_clear(&out);
		assert_int_equal(ml_base_subject(t[i][0], &out), 0);
		assert_string_equal(str_c(&out), t[i][1]);
	}
	str_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_thread),
		cmocka_unit_test(test_thread_loops),
		cmocka_unit_test(test_base_subject),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
