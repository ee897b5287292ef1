/*
 * mstore_test - the Maildir++ store: folder names (what may never leave
 * the Maildir), modified UTF-7, UIDs kept from Courier-IMAP and Dovecot
 * trees, flags in file names, keywords, expunge, append, copy and move,
 * special-use folders, a second session seeing the first one's changes,
 * and an index rebuilt without a UID changing.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maildir.h"
#include "mstore.h"
#include "test.h"

static char md[4096];

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

static int
exists(const char *rel)
{
	char	 p[8192];

	snprintf(p, sizeof(p), "%s/%s", md, rel);
	return access(p, F_OK) == 0;
}

static int
setup(void **state)
{
	(void)state;
	snprintf(md, sizeof(md), "%s/Maildir", test_tmpdir());
	assert_int_equal(maildir_make(md, 0700), 0);
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
test_names(void **state)
{
	struct str c = STR_INIT(1100);
	char	 big[1200];

	(void)state;
	assert_true(mstore_name_ok("INBOX", NULL));
	assert_true(mstore_name_ok("inbox", &c));
	assert_string_equal(c.s, "INBOX");
	assert_true(mstore_name_ok("InBox.Sent", &c));
	assert_string_equal(c.s, "INBOX.Sent");
	assert_true(mstore_name_ok("INBOX.Sent.2007", NULL));
	assert_true(mstore_name_ok("INBOX.Dossiers \xc3\xa9t\xc3\xa9", NULL));
	assert_false(mstore_name_ok("", NULL));
	assert_false(mstore_name_ok("Sent", NULL));
	assert_false(mstore_name_ok("INBOX.", NULL));
	assert_false(mstore_name_ok("INBOX..", NULL));
	assert_false(mstore_name_ok("INBOX...", NULL));
	assert_false(mstore_name_ok("INBOX..x", NULL));
	assert_false(mstore_name_ok("INBOX./x", NULL));
	assert_false(mstore_name_ok("INBOX.a/../../b", NULL));
	assert_false(mstore_name_ok("INBOX.a\nb", NULL));
	assert_false(mstore_name_ok("INBOX.\xff", NULL));
	assert_false(mstore_name_ok("INBOXx", NULL));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "INBOX.", 6);
	assert_false(mstore_name_ok(big, NULL));
	str_free(&c);
}

static void
test_mutf7(void **state)
{
	struct str o = STR_INIT(1000);

	(void)state;
	assert_int_equal(mutf7_decode(&o, "Entw&APw-rfe", 12), 0);
	assert_string_equal(o.s, "Entw\xc3\xbcrfe");
	str_clear(&o);
	assert_int_equal(mutf7_encode(&o, "Entw\xc3\xbcrfe", 9), 0);
	assert_string_equal(o.s, "Entw&APw-rfe");
	str_clear(&o);
	assert_int_equal(mutf7_decode(&o, "A&-B", 4), 0);
	assert_string_equal(o.s, "A&B");
	str_clear(&o);
	assert_int_equal(mutf7_encode(&o, "A&B", 3), 0);
	assert_string_equal(o.s, "A&-B");
	str_clear(&o);
	/* a 4-byte character through a surrogate pair */
	assert_int_equal(mutf7_encode(&o, "\xf0\x9f\x98\x80", 4), 0);
	assert_string_equal(o.s, "&2D3eAA-");
	str_clear(&o);
	assert_int_equal(mutf7_decode(&o, "&2D3eAA-", 8), 0);
	assert_string_equal(o.s, "\xf0\x9f\x98\x80");
	str_clear(&o);
	assert_int_equal(mutf7_decode(&o, "&AEE-", 5), -1);	/* 'A' */
	assert_int_equal(mutf7_decode(&o, "&APw", 4), -1);
	assert_int_equal(mutf7_decode(&o, "&2D0-", 5), -1);
	assert_int_equal(mutf7_decode(&o, "a\x80", 2), -1);
	assert_int_equal(mutf7_encode(&o, "\xc0\x80", 2), -1);
	assert_true(mstore_utf8_ok("abc\xc3\xa9", 5));
	assert_false(mstore_utf8_ok("\xed\xa0\x80", 3));
	str_free(&o);
}

static void
test_courier_import(void **state)
{
	struct mstore *st;
	struct mbox *mb;
	ssize_t	 i;

	(void)state;
	put("cur/1000.M1P1.h,S=10:2,S", "Subject: a\n\nbody\n");
	put("cur/1001.M1P1.h,S=10:2,", "Subject: b\n\nbody\n");
	put("new/1002.M1P1.h,S=10", "Subject: c\n\nbody\n");
	put("courierimapuiddb", "1 796604852 42\n"
	    "17 1000.M1P1.h,S=10\n"
	    "40 1001.M1P1.h,S=10\n");
	mkdir("x", 0700);
	{
		char p[8192];

		snprintf(p, sizeof(p), "%s/courierimapkeywords", md);
		mkdir(p, 0700);
	}
	put("courierimapkeywords/:list", "$Label1\nJunk\n\n"
	    "1001.M1P1.h,S=10:1\n");
	assert_int_equal(mstore_open(&st, md), 0);
	assert_int_equal(mbox_open(st, "INBOX", 0, &mb), 0);
	assert_int_equal(mb->uidvalidity, 796604852);
	assert_int_equal(mb->n, 3);
	assert_int_equal(mb->m[0].uid, 17);
	assert_int_equal(mb->m[1].uid, 40);
	assert_int_equal(mb->m[2].uid, 42);	/* new: the next UID */
	assert_int_equal(mb->uidnext, 43);
	assert_true(mb->m[0].flags & MF_SEEN);
	assert_false(mb->m[1].flags & MF_SEEN);
	assert_true(mb->m[2].flags & MF_RECENT);
	assert_string_equal(mb->m[2].name, "cur/1002.M1P1.h,S=10:2,");
	assert_true(exists("cur/1002.M1P1.h,S=10:2,"));
	i = mbox_keyword(mb, "junk", 4, 0);
	assert_true(i >= 0);
	assert_true(mb->m[1].kw & (1ULL << i));
	/* flags go to the name; the base name never changes */
	assert_int_equal(mbox_store(mb, 1, MF_SEEN | MF_FLAGGED,
	    mb->m[1].kw), 0);
	assert_true(exists("cur/1001.M1P1.h,S=10:2,FS"));
	mbox_close(mb);
	/* a new session: same UIDs; index gone: still the same UIDs */
	assert_int_equal(mbox_open(st, "INBOX", 0, &mb), 0);
	assert_int_equal(mb->m[2].uid, 42);
	assert_true(mb->m[1].flags & MF_FLAGGED);
	mbox_close(mb);
	{
		char p[8192];

		snprintf(p, sizeof(p), "%s/hsmail-index", md);
		assert_int_equal(unlink(p), 0);
	}
	assert_int_equal(mbox_open(st, "INBOX", 0, &mb), 0);
	assert_int_equal(mb->uidvalidity, 796604852);
	assert_int_equal(mb->m[0].uid, 17);
	assert_int_equal(mb->m[2].uid, 42);
	assert_int_equal(mb->uidnext, 43);
	i = mbox_keyword(mb, "Junk", 4, 0);
	assert_true(i >= 0 && (mb->m[1].kw & (1ULL << i)));
	mbox_close(mb);
	mstore_close(st);
}

static void
test_dovecot_import(void **state)
{
	struct mstore *st;
	struct mbox *mb;
	int	 k;

	(void)state;
	put("cur/1796604784.M538318P10911.vm,S=37:2,Sa", "Subject: x\n\nb\n");
	put("cur/1796604785.M1P1.vm,S=37:2,", "Subject: y\n\nb\n");
	put("dovecot-uidlist", "3 V1796604781 N9 G8046d3296d03166b9429000083ecc375\n"
	    "5 W38 :1796604784.M538318P10911.vm,S=37\n"
	    "8 :1796604785.M1P1.vm,S=37\n");
	put("dovecot-keywords", "0 $Forwarded\n");
	assert_int_equal(mstore_open(&st, md), 0);
	assert_int_equal(mbox_open(st, "INBOX", 0, &mb), 0);
	assert_int_equal(mb->uidvalidity, 1796604781);
	assert_int_equal(mb->n, 2);
	assert_int_equal(mb->m[0].uid, 5);
	assert_int_equal(mb->m[1].uid, 8);
	assert_int_equal(mb->uidnext, 9);
	k = mbox_keyword(mb, "$Forwarded", 10, 0);
	assert_true(k >= 0 && (mb->m[0].kw & (1ULL << k)));
	mbox_close(mb);
	/* a delivery: UID 9, written in Dovecot's format */
	put("new/1796609999.M2P2.vm,S=37", "Subject: z\n\nb\n");
	assert_int_equal(mbox_open(st, "INBOX", MBOX_NORECENT, &mb), 0);
	assert_int_equal(mb->n, 3);
	assert_int_equal(mb->m[2].uid, 9);
	mbox_close(mb);
	{
		char	 p[8192], buf[4096];
		FILE	*f;
		size_t	 n;

		snprintf(p, sizeof(p), "%s/dovecot-uidlist", md);
		f = fopen(p, "r");
		assert_non_null(f);
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		fclose(f);
		assert_non_null(strstr(buf, "3 V1796604781 N10 G8046d3296d"));
		assert_non_null(strstr(buf, "9 :1796609999.M2P2.vm,S=37\n"));
	}
	mstore_close(st);
}

static void
test_folders(void **state)
{
	struct mstore *st;
	struct mstore_folder *v;
	size_t	 n, i;
	int	 sent = 0, trash = 0;

	(void)state;
	assert_int_equal(maildir_make(md, 0700), 0);
	{
		char	 p[8192];

		snprintf(p, sizeof(p), "%s/.Sent Items", md);
		assert_int_equal(maildir_make(p, 0700), 0);
		snprintf(p, sizeof(p), "%s/.Trash", md);
		assert_int_equal(maildir_make(p, 0700), 0);
	}
	assert_int_equal(mstore_open(&st, md), 0);
	assert_int_equal(mstore_create(st, "INBOX..evil", MS_NONE), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(mstore_create(st, "INBOX.a/../../x", MS_NONE), -1);
	assert_int_equal(mstore_create(st, "INBOX.Work.2026", MS_NONE), 0);
	assert_int_equal(mstore_create(st, "INBOX.Work.2026", MS_NONE), -1);
	assert_int_equal(errno, EEXIST);
	assert_true(exists(".Work.2026/maildirfolder"));
	assert_true(exists(".Work.2026/cur"));
	assert_int_equal(mstore_ensure_special(st), 0);
	assert_false(exists(".Sent"));		/* "Sent Items" reused */
	assert_true(exists(".Drafts/cur"));
	assert_true(exists(".Junk/cur"));
	assert_true(exists(".Archive/cur"));
	assert_int_equal(mstore_list(st, &v, &n), 0);
	assert_string_equal(v[0].name, "INBOX");
	for (i = 0; i < n; i++) {
		if (v[i].special == MS_SENT) {
			assert_string_equal(v[i].name, "INBOX.Sent Items");
			sent++;
		}
		if (v[i].special == MS_TRASH) {
			assert_string_equal(v[i].name, "INBOX.Trash");
			trash++;
		}
		if (strcmp(v[i].name, "INBOX.Work") == 0)
			assert_true((v[i].flags & MSF_NOSELECT) &&
			    (v[i].flags & MSF_CHILDREN));
		if (strcmp(v[i].name, "INBOX.Drafts") == 0)
			assert_true(v[i].flags & MSF_SUBSCRIBED);
	}
	assert_int_equal(sent, 1);
	assert_int_equal(trash, 1);
	mstore_list_free(v, n);
	assert_int_equal(mstore_rename(st, "INBOX.Work", "INBOX.Job"), 0);
	assert_true(exists(".Job.2026/cur"));
	assert_int_equal(mstore_delete(st, "INBOX.Job.2026"), 0);
	assert_false(exists(".Job.2026"));
	assert_int_equal(mstore_delete(st, "INBOX"), -1);
	mstore_close(st);
}

static void
test_sessions(void **state)
{
	struct mstore *st;
	struct mbox *a, *b;
	uint32_t uidv, uid, uids[2];
	size_t	 idx[1];
	int	 fd;
	char	 p[8192];

	(void)state;
	assert_int_equal(mstore_open(&st, md), 0);
	assert_int_equal(mstore_create(st, "INBOX.Other", MS_NONE), 0);
	put("new/2000.M1P1.h,S=5", "Subject: one\n\nhello\n");
	assert_int_equal(mbox_open(st, "INBOX", 0, &a), 0);
	assert_int_equal(mbox_open(st, "INBOX", 0, &b), 0);
	assert_int_equal(a->n, 1);
	assert_true(a->m[0].flags & MF_RECENT);
	assert_false(b->m[0].flags & MF_RECENT);
	/* a sets \Deleted, b sees it with a higher MODSEQ */
	assert_int_equal(mbox_store(a, 0, MF_DELETED, 0), 0);
	assert_int_equal(mbox_sync(b, 0), 1);
	assert_true(b->m[0].flags & MF_DELETED);
	assert_int_equal(b->m[0].modseq, a->m[0].modseq);
	/* APPEND lands in cur/ with its flags and date */
	snprintf(p, sizeof(p), "%s/cur/../tmp/in", md);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(write(fd, "Subject: two\r\n\r\nx\r\n", 19), 19);
	lseek(fd, 0, SEEK_SET);
	{
		const char *kw[1] = { "$Important" };

		assert_int_equal(mstore_append(st, "INBOX", fd, 19,
		    MF_SEEN | MF_DRAFT, kw, 1, 1234567890, &uidv, &uid), 0);
	}
	close(fd);
	unlink(p);
	assert_int_equal(uidv, a->uidvalidity);
	assert_int_equal(uid, 2);
	assert_int_equal(mbox_sync(a, 0), 1);
	assert_int_equal(a->n, 2);
	assert_int_equal(mbox_msg_idate(a, 1), 1234567890);
	assert_true((a->m[1].flags & (MF_SEEN | MF_DRAFT)) ==
	    (MF_SEEN | MF_DRAFT));
	assert_true(a->m[1].kw != 0);
	{
		uint64_t sz;

		assert_int_equal(mbox_msg_size(a, 0, &sz), 0);
		assert_int_equal(sz, 23);	/* CRLF octets */
	}
	/* copy and move */
	idx[0] = 1;
	assert_int_equal(mbox_copy(a, idx, 1, "INBOX.Other", 0, &uidv, uids,
	    NULL, NULL), 0);
	assert_int_equal(uids[0], 1);
	assert_int_equal(mbox_copy(a, idx, 1, "INBOX.Other", 1, &uidv, uids,
	    NULL, NULL), 0);
	assert_int_equal(uids[0], 2);
	assert_int_equal(a->n, 1);
	assert_int_equal(mbox_copy(a, idx, 1, "INBOX.Nope", 0, &uidv, uids,
	    NULL, NULL), -1);
	/* expunge: b sees the message go */
	assert_int_equal(mbox_expunge(a, NULL, 0, NULL, NULL), 0);
	assert_int_equal(a->n, 0);
	assert_int_equal(mbox_sync(b, 0), 1);
	assert_int_equal(b->n, 0);
	assert_true(b->nx >= 1);
	mbox_close(a);
	mbox_close(b);
	{
		struct mstore_status s;

		assert_int_equal(mstore_status(st, "INBOX.Other", &s), 0);
		assert_int_equal(s.messages, 2);
		assert_int_equal(s.uidnext, 3);
		assert_int_equal(s.size, 38);
	}
	mstore_close(st);
}

/* An index of version 1 (before the Date: column) is read as it is:
 * the UIDs are its own; what a reader learned is kept by version 2. */
static void
test_index_v1(void **state)
{
	struct mstore *st;
	struct mbox *mb;
	uint64_t size;
	char	 p[8192], buf[4096];
	FILE	*f;
	size_t	 n;

	(void)state;
	put("cur/1000.M1P1.h,S=14,W=17:2,S", "Subject: a\n\nb\n");
	put("cur/1001.M1P1.h,S=14:2,", "Subject: b\n\nc\n");
	put("hsmail-index", "hsmail-index 1 123456 90 40 0 0 - 0 0 0 0 0\n"
	    "K $Label1\n"
	    "70 30 1 1000 0 cur/1000.M1P1.h,S=14,W=17:2,S\n"
	    "80 31 0 1001 0 cur/1001.M1P1.h,S=14:2,\n");
	assert_int_equal(mstore_open(&st, md), 0);
	assert_int_equal(mbox_open(st, "INBOX", 0, &mb), 0);
	assert_int_equal(mb->uidvalidity, 123456);
	assert_int_equal(mb->uidnext, 90);
	assert_int_equal(mb->n, 2);
	assert_int_equal(mb->m[0].uid, 70);
	assert_int_equal(mb->m[1].uid, 80);
	assert_true(mb->m[0].kw & 1);
	/* the W= of the name is the size; the other is counted */
	assert_int_equal(mbox_msg_size(mb, 0, &size), 0);
	assert_int_equal(size, 17);
	assert_int_equal(mbox_msg_size(mb, 1, &size), 0);
	assert_int_equal(size, 17);
	mbox_msg_learn(mb, 0, 0, MSD_VALID, 1700000000, -300);
	mbox_msg_learn(mb, 1, 0, MSD_NONE, 0, 0);
	mbox_close(mb);
	snprintf(p, sizeof(p), "%s/hsmail-index", md);
	assert_non_null(f = fopen(p, "r"));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_true(strncmp(buf, "hsmail-index 3 123456 90 ", 25) == 0);
	assert_non_null(strstr(buf, " 1700000000,-300 cur/1000."));
	assert_non_null(strstr(buf, " n cur/1001."));
	/* the next session has them without reading a message */
	assert_int_equal(mbox_open(st, "INBOX", 0, &mb), 0);
	assert_int_equal(mb->m[0].uid, 70);
	assert_int_equal(mb->m[1].uid, 80);
	assert_int_equal(mb->m[0].sdstate, MSD_VALID);
	assert_int_equal(mb->m[0].sdate, 1700000000);
	assert_int_equal(mb->m[0].stz, -300);
	assert_int_equal(mb->m[1].sdstate, MSD_NONE);
	assert_int_equal(mb->m[1].size, 17);
	/* version 1 had INTERNALDATEs: kept */
	assert_int_equal(mbox_msg_idate(mb, 0), 1000);
	mbox_close(mb);
	mstore_close(st);
}

static void
read_index(char *buf, size_t size)
{
	char	 p[8192];
	FILE	*f;
	size_t	 n;

	snprintf(p, sizeof(p), "%s/hsmail-index", md);
	assert_non_null(f = fopen(p, "r"));
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* A folder's first scan does not stat its files: INTERNALDATE is the
 * file's mtime, looked at on first use and then kept by the index. */
static void
test_index_idate(void **state)
{
	struct mstore *st;
	struct mbox *mb;
	struct timespec ts[2] = { { 1234500000, 0 }, { 1234500000, 0 } };
	char	 p[8192], buf[4096];

	(void)state;
	put("cur/1600000000.M1P1.h,S=14:2,S", "Subject: a\n\nb\n");
	snprintf(p, sizeof(p), "%s/cur/1600000000.M1P1.h,S=14:2,S", md);
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	assert_int_equal(mstore_open(&st, md), 0);
	assert_int_equal(mbox_open(st, "INBOX", 0, &mb), 0);
	assert_int_equal(mb->n, 1);
	assert_true(mb->m[0].idate == MSTORE_IDATE_UNKNOWN);
	mbox_close(mb);
	read_index(buf, sizeof(buf));
	assert_non_null(strstr(buf, " 0 ? 0 ? cur/1600000000."));
	/* the next session looks once, and the index keeps it */
	assert_int_equal(mbox_open(st, "INBOX", 0, &mb), 0);
	assert_int_equal(mbox_msg_idate(mb, 0), 1234500000);
	mbox_close(mb);
	read_index(buf, sizeof(buf));
	assert_non_null(strstr(buf, " 0 1234500000 0 ? cur/1600000000."));
	assert_int_equal(mbox_open(st, "INBOX", 0, &mb), 0);
	assert_int_equal(mb->m[0].idate, 1234500000);
	mbox_close(mb);
	/* a file gone from under the session: the time in its name */
	assert_int_equal(mbox_open(st, "INBOX", 0, &mb), 0);
	mb->m[0].idate = MSTORE_IDATE_UNKNOWN;
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mbox_msg_idate(mb, 0), 1600000000);
	mbox_close(mb);
	/* "?" in a version 2 index is damage: the index is rebuilt */
	put("cur/1600000001.M1P1.h,S=14:2,", "Subject: b\n\nc\n");
	put("hsmail-index", "hsmail-index 2 4242 60 40 0 0 - 0 0 0 0 0\n"
	    "K\n"
	    "50 30 0 ? 0 ? cur/1600000001.M1P1.h,S=14:2,\n");
	assert_int_equal(mbox_open(st, "INBOX", 0, &mb), 0);
	assert_int_equal(mb->n, 1);
	assert_true(mbox_msg_idate(mb, 0) > 1600000000);
	mbox_close(mb);
	mstore_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_mutf7),
		cmocka_unit_test_setup_teardown(test_courier_import, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dovecot_import, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_folders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sessions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_index_v1, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_index_idate, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
