/*
 * mlog_test - the maillog scanner: a table of lines and what each gives,
 * including truncated, garbled and other programs' lines.
 */
#include <stdlib.h>
#include <string.h>

#include "mlog.h"
#include "test.h"

struct tcase {
	const char *line;
	enum mlog_kind kind;
	int64_t	 unix_t;	/* 0: no stamp */
	uint64_t msg, dlv, bytes;
	const char *addr;
	int	 remote, result;
};

#define H "Nov 24 18:00:01 mail qmail: 1795543201.123456 "

static const struct tcase cases[] = {
	{ H "new msg 4567", MLOG_OTHER, 1795543201, 0, 0, 0, NULL, 0, 0 },
	{ H "info msg 4567: bytes 2048 from <joe@example.com> qp 77 uid 89",
	    MLOG_INFO, 1795543201, 4567, 0, 2048, "joe@example.com", 0, 0 },
	{ H "info msg 1: bytes 10 from <> qp 1 uid 0",
	    MLOG_INFO, 1795543201, 1, 0, 10, "", 0, 0 },
	{ H "info msg 1: bytes 10 from <#@[]> qp 1 uid 0",
	    MLOG_INFO, 1795543201, 1, 0, 10, "#@[]", 0, 0 },
	{ H "info msg 1: bytes 10 from <a@b", MLOG_OTHER, 1795543201, 0, 0,
	    0, NULL, 0, 0 },
	{ H "info msg 1: bytes  from <a@b> qp 1", MLOG_OTHER, 1795543201, 0,
	    0, 0, NULL, 0, 0 },
	{ H "info msg 1: bytes 99999999999999999999 from <a@b> qp 1",
	    MLOG_OTHER, 1795543201, 0, 0, 0, NULL, 0, 0 },
	{ H "starting delivery 12: msg 4567 to local example.com-joe@example.com",
	    MLOG_START, 1795543201, 4567, 12, 0, "example.com-joe@example.com",
	    0, 0 },
	{ H "starting delivery 13: msg 4567 to remote bob@far.example",
	    MLOG_START, 1795543201, 4567, 13, 0, "bob@far.example", 1, 0 },
	{ H "starting delivery 13: msg 4567 to remote ", MLOG_OTHER,
	    1795543201, 0, 0, 0, NULL, 0, 0 },
	{ H "starting delivery 13: msg 4567 to elsewhere a@b", MLOG_OTHER,
	    1795543201, 0, 0, 0, NULL, 0, 0 },
	{ H "starting delivery 13: msg 4567 to local a@b extra", MLOG_OTHER,
	    1795543201, 0, 0, 0, NULL, 0, 0 },
	{ H "delivery 12: success: did_0+0+1/", MLOG_DONE, 1795543201, 0, 12,
	    0, NULL, 0, MLOG_SUCCESS },
	{ H "delivery 12: deferral: Sorry,_no_mailbox/", MLOG_DONE,
	    1795543201, 0, 12, 0, NULL, 0, MLOG_DEFERRAL },
	{ H "delivery 12: failure: No_such_user/", MLOG_DONE, 1795543201, 0,
	    12, 0, NULL, 0, MLOG_FAILURE },
	{ H "delivery 12: report mangled, will defer", MLOG_OTHER, 1795543201,
	    0, 0, 0, NULL, 0, 0 },
	{ H "delivery 12: succ", MLOG_OTHER, 1795543201, 0, 0, 0, NULL, 0, 0 },
	{ H "end msg 4567", MLOG_END, 1795543201, 4567, 0, 0, NULL, 0, 0 },
	{ H "end msg 4567 x", MLOG_OTHER, 1795543201, 0, 0, 0, NULL, 0, 0 },
	{ H "status: exiting", MLOG_EXIT, 1795543201, 0, 0, 0, NULL, 0, 0 },
	{ H "status: local 0/10 remote 0/20", MLOG_OTHER, 1795543201, 0, 0, 0,
	    NULL, 0, 0 },
	{ "Nov 24 18:00:01 mail pop3d: 1795543201.000001 logout pop3 "
	    "joe@example.com ip 192.0.2.1 retr 3 bytes 4096 dele 1",
	    MLOG_LOGOUT, 1795543201, 0, 0, 4096, "joe@example.com", 0, 0 },
	{ "Nov 24 18:00:01 mail imapd: 1795543201.000001 logout imap "
	    "<joe@example.com> ip ::1 retr 0 bytes 0 dele 0",
	    MLOG_LOGOUT, 1795543201, 0, 0, 0, "joe@example.com", 0, 0 },
	{ "Nov 24 18:00:01 mail imapd: 1795543201.000001 logout imap "
	    "joe@example.com ip 192.0.2.1 retr 2 bytes 3072 dele 1",
	    MLOG_LOGOUT, 1795543201, 0, 0, 3072, "joe@example.com", 0, 0 },
	{ "Nov 24 18:00:01 mail pop3d: 1795543201.000001 logout smtp "
	    "joe@example.com ip ::1 retr 0 bytes 0 dele 0", MLOG_OTHER,
	    1795543201, 0, 0, 0, NULL, 0, 0 },
	/* No splogger stamp: the header gives the time (unix_t 0 here). */
	{ "Dec 31 23:59:59 mail qmail: end msg 5", MLOG_END, 0, 5, 0, 0, NULL,
	    0, 0 },
	/* A line straight from splogger, without a syslog header. */
	{ "1795543201.123456 end msg 6", MLOG_END, 1795543201, 6, 0, 0, NULL,
	    0, 0 },
	/* rsyslog's ISO header. */
	{ "2026-11-24T18:00:01.123456+00:00 mail qmail: 1795543201.123456 "
	    "end msg 7", MLOG_END, 1795543201, 7, 0, 0, NULL, 0, 0 },
	/* splogger's continuation of a folded line. */
	{ "Nov 24 18:00:01 mail qmail: 1795543201.123456+end msg 8",
	    MLOG_OTHER, 0, 0, 0, 0, NULL, 0, 0 },
	/* A stamp past 9999-12-31 (found by fuzzing): not a time. */
	{ "Nov 24 18:00:01 mail qmail: 253402214400.000000 end msg 1",
	    MLOG_OTHER, 0, 0, 0, 0, NULL, 0, 0 },
	{ "Nov 24 18:00:01 mail qmail: 253402214399.000000 end msg 1",
	    MLOG_END, 253402214399, 1, 0, 0, NULL, 0, 0 },
	/* Other programs, garbage, truncation. */
	{ "Nov 24 18:00:01 mail sshd[99]: Accepted publickey for root",
	    MLOG_OTHER, 0, 0, 0, 0, NULL, 0, 0 },
	{ "", MLOG_OTHER, 0, 0, 0, 0, NULL, 0, 0 },
	{ "Nov", MLOG_OTHER, 0, 0, 0, 0, NULL, 0, 0 },
	{ "Nov 24 18:00:01 mail", MLOG_OTHER, 0, 0, 0, 0, NULL, 0, 0 },
	{ "Xyz 24 18:00:01 mail qmail: end msg 1", MLOG_OTHER, 0, 0, 0, 0,
	    NULL, 0, 0 },
	{ "Nov 24 25:00:01 mail qmail: end msg 1", MLOG_OTHER, 0, 0, 0, 0,
	    NULL, 0, 0 },
	{ H "info msg", MLOG_OTHER, 1795543201, 0, 0, 0, NULL, 0, 0 },
	{ H "starting delivery 1: msg 2 to", MLOG_OTHER, 1795543201, 0, 0, 0,
	    NULL, 0, 0 },
	{ H "end msg ", MLOG_OTHER, 1795543201, 0, 0, 0, NULL, 0, 0 },
};

static void
test_table(void **state)
{
	struct mlog_ev ev;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *c = &cases[i];

		print_message("case %zu: %s\n", i, c->line);
		assert_int_equal(mlog_scan(c->line, strlen(c->line), &ev),
		    c->kind);
		assert_int_equal(ev.kind, c->kind);
		if (c->unix_t != 0) {
			assert_int_equal(ev.has_unix, 1);
			assert_int_equal(ev.unix_t, c->unix_t);
		} else
			assert_int_equal(ev.has_unix, 0);
		if (c->kind == MLOG_OTHER)
			continue;
		assert_int_equal(ev.msg, c->msg);
		assert_int_equal(ev.dlv, c->dlv);
		assert_int_equal(ev.bytes, c->bytes);
		assert_int_equal(ev.remote, c->remote);
		assert_int_equal(ev.result, c->result);
		if (c->addr != NULL) {
			assert_int_equal(ev.addrlen, strlen(c->addr));
			assert_memory_equal(ev.addr, c->addr, ev.addrlen);
		}
	}
}

static void
test_header(void **state)
{
	struct mlog_ev ev;
	const char *l = "Jan  2 03:04:05 mail qmail: end msg 1";

	(void)state;
	assert_int_equal(mlog_scan(l, strlen(l), &ev), MLOG_END);
	assert_int_equal(ev.has_hdr, 1);
	assert_int_equal(ev.mon, 0);
	assert_int_equal(ev.mday, 2);
	assert_int_equal(ev.hour, 3);
	assert_int_equal(ev.min, 4);
	assert_int_equal(ev.sec, 5);
}

/* Every prefix of a valid line is scanned without reading past it. */
static void
test_prefixes(void **state)
{
	static const char l[] = H "info msg 4567: bytes 2048 from "
	    "<joe@example.com> qp 77 uid 89";
	struct mlog_ev ev;
	size_t	 n;
	char	*b;

	(void)state;
	for (n = 0; n < sizeof(l) - 1; n++) {
		b = malloc(n + 1);	/* exact size: ASan sees overreads */
		memcpy(b, l, n);
		(void)mlog_scan(b, n, &ev);
		free(b);
	}
}

static void
test_long(void **state)
{
	static const char l[] = H "end msg 1";
	char	 buf[MLOG_LINE_MAX + 1];
	struct mlog_ev ev;

	(void)state;
	memset(buf, ' ', sizeof(buf));
	memcpy(buf, l, sizeof(l) - 1);
	/* Exactly the limit is scanned (trailing spaces: not an end line),
	 * one byte over is refused before any scanning. */
	assert_int_equal(mlog_scan(buf, sizeof(buf), &ev), MLOG_OTHER);
	assert_int_equal(ev.has_unix, 0);
	assert_int_equal(mlog_scan(buf, sizeof(buf) - 1, &ev), MLOG_OTHER);
	assert_int_equal(ev.has_unix, 1);
}

static void
test_domain(void **state)
{
	size_t	 n;
	const char *d;

	(void)state;
	d = mlog_domain("a@b@example.com", 15, &n);
	assert_int_equal(n, 11);
	assert_memory_equal(d, "example.com", 11);
	assert_null(mlog_domain("joe", 3, &n));
	assert_null(mlog_domain("joe@", 4, &n));
	assert_null(mlog_domain("", 0, &n));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_domain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
