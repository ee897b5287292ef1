/*
 * imapd_proto_test - the session after login on a scratch Maildir: the
 * Roundcube and Horde opening sequences, FETCH, STORE, SEARCH, COPY and
 * MOVE with UIDPLUS, two sessions seeing each other's changes at the
 * next command, and bad input (deep nesting, huge search programs,
 * names that climb out of the Maildir) answered BAD or NO.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imapd_proto.h"
#include "maildir.h"
#include "test.h"

static char md[4096];

struct sess {
	struct imapd s;
	struct mstore *st;
	struct io io;
	struct wbuf wb;
	int	 fd;
	char	*last;
};

static void
put(const char *rel, const char *text)
{
	char	 p[8192];
	FILE	*f;

	snprintf(p, sizeof(p), "%s/%s", md, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
sess_open(struct sess *x)
{
	memset(x, 0, sizeof(*x));
	x->fd = memfd_create("out", 0);
	assert_true(x->fd >= 0);
	io_init(&x->io, -1, x->fd, 10);
	wbuf_init(&x->wb, &x->io);
	assert_int_equal(mstore_open(&x->st, md), 0);
	assert_int_equal(mstore_ensure_special(x->st), 0);
	imapd_init(&x->s, x->st, &x->wb);
}

static void
sess_close(struct sess *x)
{
	imapd_free(&x->s);
	mstore_close(x->st);
	close(x->fd);
	free(x->last);
}

/* run - one command; the responses as text (valid until the next). */
static const char *
run(struct sess *x, const char *c, enum imapd_act want)
{
	off_t	 n;

	assert_int_equal(ftruncate(x->fd, 0), 0);
	assert_int_equal(lseek(x->fd, 0, SEEK_SET), 0);
	assert_int_equal(imapd_command(&x->s, c, strlen(c)), want);
	assert_int_equal(wbuf_flush(&x->wb), 0);
	n = lseek(x->fd, 0, SEEK_CUR);
	free(x->last);
	x->last = calloc(1, (size_t)n + 1);
	assert_int_equal(pread(x->fd, x->last, (size_t)n, 0), n);
	return x->last;
}

static int
setup(void **state)
{
	int	 i;

	(void)state;
	snprintf(md, sizeof(md), "%s/Maildir", test_tmpdir());
	assert_int_equal(maildir_make(md, 0700), 0);
	for (i = 1; i <= 3; i++) {
		char	 n[64], t[256];

		snprintf(n, sizeof(n), "cur/170000000%d.M1P1.h,S=80:2,%s", i,
		    i == 1 ? "S" : "");
		snprintf(t, sizeof(t), "From: a@example.com\nSubject: msg %d\n"
		    "Date: Mon, %d Jan 2024 10:00:00 +0000\n\nbody %s\n", i, i,
		    i == 2 ? "needle" : "hay");
		put(n, t);
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	test_rmrf(md);
	return 0;
}

static void
test_roundcube(void **state)
{
	struct sess a;
	const char *o;

	(void)state;
	sess_open(&a);
	o = run(&a, "1 ID (\"name\" \"Roundcube\" \"version\" \"1.6.5\")",
	    IMAPD_NEXT);
	assert_non_null(strstr(o, "1 OK"));
	o = run(&a, "2 NAMESPACE", IMAPD_NEXT);
	assert_non_null(strstr(o, "* NAMESPACE ((\"INBOX.\" \".\")) NIL NIL"));
	o = run(&a, "3 LIST (SUBSCRIBED) \"\" \"*\"", IMAPD_NEXT);
	assert_non_null(strstr(o, "\\Subscribed \\Sent) \".\" \"INBOX.Sent\""));
	o = run(&a, "4 LIST (SPECIAL-USE) \"\" \"*\" RETURN (SUBSCRIBED)",
	    IMAPD_NEXT);
	assert_non_null(strstr(o, "\\Trash) \".\" \"INBOX.Trash\""));
	assert_null(strstr(o, "\"INBOX\"\r\n"));
	o = run(&a, "5 SELECT INBOX", IMAPD_NEXT);
	assert_non_null(strstr(o, "* 3 EXISTS"));
	assert_non_null(strstr(o, "[UIDVALIDITY "));
	assert_non_null(strstr(o, "5 OK [READ-WRITE]"));
	o = run(&a, "6 STATUS INBOX (HIGHESTMODSEQ MESSAGES UNSEEN)",
	    IMAPD_NEXT);
	assert_non_null(strstr(o, "MESSAGES 3 UNSEEN 2 HIGHESTMODSEQ "));
	o = run(&a, "7 UID SEARCH ALL", IMAPD_NEXT);
	assert_non_null(strstr(o, "* SEARCH 1 2 3\r\n"));
	o = run(&a, "8 UID FETCH 1:3 (UID RFC822.SIZE FLAGS INTERNALDATE "
	    "BODY.PEEK[HEADER.FIELDS (DATE FROM TO SUBJECT CONTENT-TYPE CC "
	    "REPLY-TO LIST-POST DISPOSITION-NOTIFICATION-TO X-PRIORITY)])",
	    IMAPD_NEXT);
	assert_non_null(strstr(o, "* 2 FETCH (UID 2 RFC822.SIZE"));
	assert_non_null(strstr(o, "BODY[HEADER.FIELDS (DATE FROM TO SUBJECT "));
	assert_non_null(strstr(o, "Subject: msg 2\r\n"));
	assert_null(strstr(o, "body needle"));
	o = run(&a, "9 UID FETCH 2 (UID RFC822.SIZE FLAGS BODYSTRUCTURE)",
	    IMAPD_NEXT);
	assert_non_null(strstr(o, "BODYSTRUCTURE ("));
	o = run(&a, "10 UID FETCH 2 (BODY.PEEK[1])", IMAPD_NEXT);
	assert_non_null(strstr(o, "body needle"));
	assert_null(strstr(o, "\\Seen"));
	o = run(&a, "11 UID STORE 2 +FLAGS.SILENT (\\Seen)", IMAPD_NEXT);
	assert_non_null(strstr(o, "11 OK"));
	assert_null(strstr(o, "FETCH"));
	o = run(&a, "12 LOGOUT", IMAPD_LOGOUT);
	assert_non_null(strstr(o, "* BYE"));
	sess_close(&a);
}

static void
test_horde(void **state)
{
	struct sess a;
	const char *o;

	(void)state;
	sess_open(&a);
	o = run(&a, "1 ENABLE QRESYNC", IMAPD_NEXT);
	assert_non_null(strstr(o, "* ENABLED QRESYNC"));
	o = run(&a, "2 LIST () \"\" (*)", IMAPD_NEXT);
	assert_non_null(strstr(o, "\"INBOX.Drafts\""));
	o = run(&a, "3 LIST (SUBSCRIBED) \"\" (*) RETURN (SUBSCRIBED)",
	    IMAPD_NEXT);
	assert_non_null(strstr(o, "3 OK"));
	o = run(&a, "4 LIST \"\" INBOX RETURN (SUBSCRIBED)", IMAPD_NEXT);
	assert_non_null(strstr(o, "\"INBOX\"\r\n"));
	o = run(&a, "5 SELECT INBOX", IMAPD_NEXT);
	assert_non_null(strstr(o, "[HIGHESTMODSEQ "));
	o = run(&a, "6 SEARCH RETURN (MIN COUNT) UNSEEN", IMAPD_NEXT);
	assert_non_null(strstr(o, "* ESEARCH (TAG \"6\") MIN 2 COUNT 2\r\n"));
	o = run(&a, "7 UID SEARCH RETURN (ALL COUNT) ALL", IMAPD_NEXT);
	assert_non_null(strstr(o, "* ESEARCH (TAG \"7\") UID ALL 1:3 COUNT 3"));
	o = run(&a, "8 UID FETCH 1:3 (ENVELOPE FLAGS RFC822.SIZE "
	    "BODY.PEEK[HEADER.FIELDS (IMPORTANCE LIST-POST X-PRIORITY)])",
	    IMAPD_NEXT);
	assert_non_null(strstr(o, "ENVELOPE ("));
	assert_non_null(strstr(o, "MODSEQ ("));
	o = run(&a, "9 UID FETCH 3 (BINARY.PEEK[1])", IMAPD_NEXT);
	assert_non_null(strstr(o, "BINARY[1] {"));
	o = run(&a, "10 UID SEARCH BODY needle", IMAPD_NEXT);
	assert_non_null(strstr(o, "* SEARCH 2\r\n"));
	o = run(&a, "11 UID SEARCH OR SUBJECT \"msg 1\" NOT (UNSEEN)",
	    IMAPD_NEXT);
	assert_non_null(strstr(o, "* SEARCH 1\r\n"));
	o = run(&a, "12 UID SORT (REVERSE DATE) UTF-8 ALL", IMAPD_NEXT);
	assert_non_null(strstr(o, "* SORT 3 2 1\r\n"));
	o = run(&a, "13 UID MOVE 3 INBOX.Trash", IMAPD_NEXT);
	assert_non_null(strstr(o, "[COPYUID "));
	assert_non_null(strstr(o, "* VANISHED 3\r\n"));
	o = run(&a, "14 GETQUOTAROOT INBOX", IMAPD_NEXT);
	assert_non_null(strstr(o, "* QUOTAROOT \"INBOX\" \"\""));
	sess_close(&a);
}

static void
test_two_sessions(void **state)
{
	struct sess a, b;
	const char *o;

	(void)state;
	sess_open(&a);
	sess_open(&b);
	run(&a, "1 SELECT INBOX", IMAPD_NEXT);
	run(&b, "1 SELECT INBOX", IMAPD_NEXT);
	o = run(&a, "2 STORE 2 +FLAGS (\\Deleted)", IMAPD_NEXT);
	assert_non_null(strstr(o, "* 2 FETCH (FLAGS (\\Deleted))"));
	o = run(&b, "2 NOOP", IMAPD_NEXT);
	assert_non_null(strstr(o, "* 2 FETCH (FLAGS (\\Deleted))"));
	o = run(&a, "3 EXPUNGE", IMAPD_NEXT);
	assert_non_null(strstr(o, "* 2 EXPUNGE"));
	/* during FETCH no EXPUNGE; at the next NOOP it comes */
	o = run(&b, "3 FETCH 1 FLAGS", IMAPD_NEXT);
	assert_null(strstr(o, "EXPUNGE"));
	o = run(&b, "4 NOOP", IMAPD_NEXT);
	assert_non_null(strstr(o, "* 2 EXPUNGE"));
	put("new/1700000009.M9P9.h,S=20", "Subject: new\n\nx\n");
	o = run(&b, "5 NOOP", IMAPD_NEXT);
	assert_non_null(strstr(o, "* 3 EXISTS"));
	o = run(&a, "6 UID FETCH 4 UID", IMAPD_NEXT);
	assert_non_null(strstr(o, "* 3 EXISTS"));
	assert_non_null(strstr(o, "* 3 FETCH (UID 4)"));
	sess_close(&a);
	sess_close(&b);
}

static void
test_bad(void **state)
{
	struct sess a;
	const char *o;
	char	 big[16384];
	int	 i;

	(void)state;
	sess_open(&a);
	o = run(&a, "1 FETCH 1 FLAGS", IMAPD_NEXT);
	assert_non_null(strstr(o, "1 BAD"));
	o = run(&a, "2 SELECT \"INBOX.../../..\"", IMAPD_NEXT);
	assert_non_null(strstr(o, "2 NO"));
	o = run(&a, "3 CREATE INBOX.a/../../b", IMAPD_NEXT);
	assert_non_null(strstr(o, "3 NO"));
	o = run(&a, "4 CREATE ../x", IMAPD_NEXT);
	assert_non_null(strstr(o, "4 NO"));
	o = run(&a, "5 CREATE .hidden", IMAPD_NEXT);
	assert_non_null(strstr(o, "5 NO"));
	run(&a, "6 SELECT INBOX", IMAPD_NEXT);
	strcpy(big, "7 SEARCH ");
	for (i = 0; i < 200; i++)
		strcat(big, "(");
	strcat(big, "ALL");
	for (i = 0; i < 200; i++)
		strcat(big, ")");
	o = run(&a, big, IMAPD_NEXT);
	assert_non_null(strstr(o, "7 BAD"));
	strcpy(big, "8 SEARCH");
	for (i = 0; i < 1000; i++)
		strcat(big, " NOT");
	strcat(big, " ALL");
	o = run(&a, big, IMAPD_NEXT);
	assert_non_null(strstr(o, "8 BAD"));
	strcpy(big, "9 SEARCH");
	for (i = 0; i < 2100; i++)
		strcat(big, " ALL");
	o = run(&a, big, IMAPD_NEXT);
	assert_non_null(strstr(o, "9 BAD"));
	o = run(&a, "10 FETCH 1:* (FLAGS", IMAPD_NEXT);
	assert_non_null(strstr(o, "10 BAD"));
	o = run(&a, "11 FETCH 4294967296 FLAGS", IMAPD_NEXT);
	assert_non_null(strstr(o, "11 BAD"));
	o = run(&a, "12 FETCH 1 BODY[1.2.3.4.5.6.7.8.9.10.11]", IMAPD_NEXT);
	assert_non_null(strstr(o, "12 "));
	o = run(&a, "13 STORE 1 +FLAGS (\\Bogus)", IMAPD_NEXT);
	assert_non_null(strstr(o, "13 BAD"));
	o = run(&a, "14 SEARCH CHARSET X-NOPE TEXT x", IMAPD_NEXT);
	assert_non_null(strstr(o, "14 NO [BADCHARSET"));
	o = run(&a, "15 XYZZY", IMAPD_NEXT);
	assert_non_null(strstr(o, "15 BAD"));
	o = run(&a, "16 FETCH 1 BODY[]<0.0>", IMAPD_NEXT);
	assert_non_null(strstr(o, "16 BAD"));
	o = run(&a, "17 LOGIN a b", IMAPD_NEXT);
	assert_non_null(strstr(o, "17 BAD"));
	sess_close(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundcube, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_horde, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_sessions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
