/*
 * tacc_test - traffic aggregation: log lines in, statistics lines out;
 * the counting rule of mail-traffic(8) case by case, the year of
 * syslog headers, and the state surviving a save and load.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlog.h"
#include "tacc.h"
#include "test.h"

/* 2026-11-24 12:00:00 UTC; the tests run with TZ=UTC. */
#define T0 "1795521600"

static void
feed_text(struct tacc *t, const char *text)
{
	const char *p = text, *nl;
	struct mlog_ev ev;

	while ((nl = strchr(p, '\n')) != NULL) {
		if (mlog_scan(p, (size_t)(nl - p), &ev) != MLOG_OTHER)
			assert_int_equal(tacc_feed(t, &ev), 0);
		p = nl + 1;
	}
}

static void
setup_hosts(struct tacc *t)
{
	tacc_init(t);
	assert_int_equal(tacc_host(t, "example.com", 11, NULL, 0), 0);
	assert_int_equal(tacc_host(t, "Other.ORG", 9, NULL, 0), 0);
	assert_int_equal(tacc_host(t, "alias.net", 9, "example.com", 11), 0);
	assert_int_equal(tacc_host(t, "bad|name", 8, NULL, 0), -1);
}

static char *
day_text(struct tacc *t, int ymd)
{
	struct str s = STR_INIT(STR_UNBOUNDED);
	size_t	 i;

	for (i = 0; i < t->ndays; i++)
		if (t->days[i].ymd == ymd)
			assert_int_equal(tacc_day_text(t, &t->days[i], &s), 0);
	return s.s != NULL ? s.s : strdup("");
}

#define L(text) "Nov 24 12:00:00 mail qmail: " T0 ".000001 " text "\n"

static const char log1[] =
    /* Incoming: one message, two local recipients (one via an alias
     * domain), one deferral then success on the next try. */
    L("new msg 100")
    L("info msg 100: bytes 2048 from <someone@far.example> qp 1 uid 2")
    L("starting delivery 1: msg 100 to local example.com-joe@example.com")
    L("starting delivery 2: msg 100 to local example.com-ann@alias.net")
    L("starting delivery 3: msg 100 to local other.org-bob@OTHER.org")
    L("delivery 1: success: did_0+0+1/")
    L("delivery 2: success: did_0+0+1/")
    L("delivery 3: deferral: Sorry,_no_mailbox_here_by_that_name./")
    L("starting delivery 4: msg 100 to local other.org-bob@other.org")
    L("delivery 4: failure: No_such_user/")
    L("end msg 100")
    /* Outgoing from a hosted sender: remote successes count. */
    L("info msg 101: bytes 1000 from <joe@example.com> qp 3 uid 89")
    L("starting delivery 5: msg 101 to remote x@far.example")
    L("starting delivery 6: msg 101 to remote y@far.example")
    L("delivery 5: success: 192.0.2.7_accepted_message./")
    L("delivery 6: failure: 192.0.2.7_does_not_like_recipient./")
    L("end msg 101")
    /* A bounce (empty sender) to a remote: nobody's traffic. */
    L("info msg 102: bytes 500 from <> qp 4 uid 81")
    L("starting delivery 7: msg 102 to remote z@far.example")
    L("delivery 7: success: ok/")
    /* A delivery whose info line was never seen: ignored. */
    L("starting delivery 8: msg 999 to local example.com-joe@example.com")
    L("delivery 8: success: did_0+0+1/")
    /* Retrieval. */
    L("logout pop3 joe@example.com ip 192.0.2.1 retr 2 bytes 3072 dele 2")
    /* Other programs and garbage. */
    "Nov 24 12:00:01 mail sshd[1]: delivery 1: success: x\n"
    L("delivery 1: success: did_0+0+1/")
    L("info msg 103: bytes x from <joe@example.com> qp 3 uid 89");

static void
test_rules(void **state)
{
	struct tacc t;
	char	*s;

	(void)state;
	setup_hosts(&t);
	feed_text(&t, log1);
	s = day_text(&t, 20261124);
	/* example.com: in 2048*2, out 1000, retr 3072 (hits 2+1+2). */
	assert_string_equal(s,
	    "|example.com|7.98|5|0|4.00|3.98|\n");
	free(s);
	assert_int_equal(t.msgs.n, 1);		/* 102 still queued */
	tacc_free(&t);
}

/* imapd's logout line counts as retrieval exactly as qmail-pop3d's. */
static void
test_imap_retrieval(void **state)
{
	struct tacc a, b;
	char	*sa, *sb;

	(void)state;
	setup_hosts(&a);
	setup_hosts(&b);
	feed_text(&a, L("logout pop3 joe@example.com ip 192.0.2.1 retr 2 "
	    "bytes 3072 dele 2"));
	feed_text(&b, L("logout imap joe@example.com ip 192.0.2.1 retr 2 "
	    "bytes 3072 dele 0"));
	sa = day_text(&a, 20261124);
	sb = day_text(&b, 20261124);
	assert_string_equal(sa, sb);
	assert_non_null(strstr(sb, "|example.com|"));
	free(sa);
	free(sb);
	tacc_free(&a);
	tacc_free(&b);
}

/* Restarted qmail-send: delivery numbers begin again. */
static void
test_restart(void **state)
{
	struct tacc t;
	char	*s;

	(void)state;
	setup_hosts(&t);
	feed_text(&t,
	    L("info msg 1: bytes 1024 from <a@far.example> qp 1 uid 2")
	    L("starting delivery 1: msg 1 to local example.com-a@example.com")
	    L("status: exiting")
	    L("delivery 1: success: did_0+0+1/")
	    L("starting delivery 1: msg 1 to local example.com-a@example.com")
	    L("delivery 1: success: did_0+0+1/"));
	s = day_text(&t, 20261124);
	assert_string_equal(s, "|example.com|1.00|1|0|1.00|0.00|\n");
	free(s);
	tacc_free(&t);
}

/* A log spanning New Year: by stamp, and by header when there is none. */
static void
test_new_year(void **state)
{
	struct tacc t;
	char	*s;

	(void)state;
	setup_hosts(&t);
	/* 2026-12-31 23:59:59 and 2027-01-01 00:00:01 UTC */
	feed_text(&t,
	    "Dec 31 23:59:59 m qmail: 1798761599.0 info msg 1: bytes 1024 "
	    "from <a@far.example> qp 1 uid 2\n"
	    "Dec 31 23:59:59 m qmail: 1798761599.0 starting delivery 1: "
	    "msg 1 to local example.com-a@example.com\n"
	    "Dec 31 23:59:59 m qmail: 1798761599.5 delivery 1: success: x\n"
	    "Dec 31 23:59:59 m qmail: 1798761599.5 starting delivery 2: "
	    "msg 1 to local example.com-b@example.com\n"
	    "Jan  1 00:00:01 m qmail: 1798761601.0 delivery 2: success: x\n"
	    /* no stamps: the header's year follows the last known time */
	    "Jan  1 00:00:05 m qmail: starting delivery 3: "
	    "msg 1 to local example.com-c@example.com\n"
	    "Jan  1 00:00:06 m qmail: delivery 3: success: x\n");
	s = day_text(&t, 20261231);
	assert_string_equal(s, "|example.com|1.00|1|0|1.00|0.00|\n");
	free(s);
	s = day_text(&t, 20270101);
	assert_string_equal(s, "|example.com|2.00|2|0|2.00|0.00|\n");
	free(s);
	tacc_free(&t);
}

/* Saving and loading the state in the middle of a message. */
static void
test_state(void **state)
{
	struct tacc t, u;
	struct str a = STR_INIT(STR_UNBOUNDED), b = STR_INIT(STR_UNBOUNDED);
	char	*s;

	(void)state;
	setup_hosts(&t);
	feed_text(&t,
	    L("info msg 7: bytes 2048 from <joe@example.com> qp 1 uid 2")
	    L("starting delivery 9: msg 7 to remote x@far.example")
	    L("starting delivery 10: msg 7 to local other.org-b@other.org")
	    L("delivery 10: success: x"));
	assert_int_equal(tacc_save(&t, &a), 0);
	setup_hosts(&u);
	assert_int_equal(tacc_load(&u, a.s, a.len), 0);
	assert_int_equal(tacc_save(&u, &b), 0);
	assert_int_equal(a.len, b.len);
	feed_text(&u, L("delivery 9: success: x"));
	s = day_text(&u, 20261124);
	assert_string_equal(s, "|example.com|2.00|1|0|0.00|2.00|\n"
	    "|other.org|2.00|1|0|2.00|0.00|\n");
	free(s);
	assert_int_equal(tacc_load(&u, "day 1\n", 6), -1);
	assert_int_equal(tacc_load(&u, "cnt 1 2 3 4 a|b\n", 16), -1);
	assert_int_equal(tacc_load(&u, "ref 1", 5), -1);	/* no newline */
	str_free(&a);
	str_free(&b);
	tacc_free(&t);
	tacc_free(&u);
}

/* Many messages in flight: the tables grow and shrink exactly. */
static void
test_many(void **state)
{
	struct tacc t;
	struct mlog_ev ev;
	char	 line[256];
	int	 i, n;
	char	*s;

	(void)state;
	setup_hosts(&t);
	for (i = 1; i <= 20000; i++) {
		n = snprintf(line, sizeof(line), L("info msg %d: bytes 1 from "
		    "<a@far.example> qp 1 uid 2"), i);
		assert_int_equal(mlog_scan(line, (size_t)n - 1, &ev),
		    MLOG_INFO);
		assert_int_equal(tacc_feed(&t, &ev), 0);
		n = snprintf(line, sizeof(line), L("starting delivery %d: msg "
		    "%d to local example.com-a@example.com"), i, i);
		(void)mlog_scan(line, (size_t)n - 1, &ev);
		assert_int_equal(tacc_feed(&t, &ev), 0);
	}
	for (i = 1; i <= 20000; i += 2) {
		n = snprintf(line, sizeof(line), L("delivery %d: success: x"),
		    i);
		(void)mlog_scan(line, (size_t)n - 1, &ev);
		assert_int_equal(tacc_feed(&t, &ev), 0);
		n = snprintf(line, sizeof(line), L("end msg %d"), i);
		(void)mlog_scan(line, (size_t)n - 1, &ev);
		assert_int_equal(tacc_feed(&t, &ev), 0);
	}
	assert_int_equal(t.msgs.n, 10000);
	assert_int_equal(t.dlvs.n, 10000);
	s = day_text(&t, 20261124);
	assert_string_equal(s, "|example.com|9.77|10000|0|9.77|0.00|\n");
	free(s);
	tacc_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_imap_retrieval),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_new_year),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_many),
	};

	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
