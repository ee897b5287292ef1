/*
 * arespond_test - the vacation reply's decisions (senders and headers
 * that get no reply), the quote, the reply built from a message file in
 * both forms, and the per-sender record with its period.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "../webmail/arespond.h"

static void
test_sender(void **state)
{
	static const struct {
		const char *sender;
		enum ar_verdict v;
	} t[] = {
		{ "ann@example.org", AR_REPLY },
		{ "", AR_BOUNCE },
		{ "#@[]", AR_BOUNCE },
		{ "MAILER-DAEMON@example.org", AR_BOUNCE },
		{ "mailer-daemon@x.test", AR_BOUNCE },
		{ "nodomain", AR_BOUNCE },
		{ "@example.org", AR_BOUNCE },
		{ "ann@", AR_BOUNCE },
		{ "owner-list@lists.test", AR_LIST },
		{ "list-request@lists.test", AR_LIST },
		{ "list-bounces+ann=example.org@lists.test", AR_LIST },
		{ "bounces@mailer.test", AR_LIST },
		{ "NoReply@shop.test", AR_AUTO },
		{ "do-not-reply@shop.test", AR_AUTO },
		{ "Demo@Example.Test", AR_SELF },
		{ "a\nb@x.test", AR_BADADDR },
		{ "a<b@x.test", AR_BADADDR },
		{ "requester@x.test", AR_REPLY },
		{ "bouncer@x.test", AR_REPLY },
	};
	char	 big[AR_ADDR_MAX + 20];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(ar_sender_check(t[i].sender,
		    "demo@example.test"), t[i].v);
	memset(big, 'a', sizeof(big));
	memcpy(big + sizeof(big) - 8, "@x.test", 8);
	assert_int_equal(ar_sender_check(big, NULL), AR_BADADDR);
	big[sizeof(big) - 8 - 20] = '\0';	/* now short enough */
	assert_int_equal(ar_sender_check(big, NULL), AR_BOUNCE);
}

static enum ar_verdict
verdict(const char *hdr)
{
	struct ar_msg m;
	enum ar_verdict v;

	ar_msg_init(&m);
	assert_int_equal(ar_header_parse(hdr, strlen(hdr), &m), 0);
	v = m.verdict;
	ar_msg_free(&m);
	return v;
}

static void
test_header(void **state)
{
	static const struct {
		const char *hdr;
		enum ar_verdict v;
	} t[] = {
		{ "From: a@b.test\nSubject: hi\n\nbody\n", AR_REPLY },
		{ "List-Id: <x.lists.test>\n\n", AR_LIST },
		{ "list-unsubscribe: <mailto:x@y>\n\n", AR_LIST },
		{ "Mailing-List: contact x@y\n\n", AR_LIST },
		{ "Precedence: bulk\n\n", AR_LIST },
		{ "Precedence:  JUNK \n\n", AR_LIST },
		{ "Precedence: list\r\n\r\n", AR_LIST },
		{ "Precedence: first-class\n\n", AR_REPLY },
		{ "Auto-Submitted: auto-replied\n\n", AR_AUTO },
		{ "Auto-Submitted: auto-generated; x=y\n\n", AR_AUTO },
		{ "Auto-Submitted: no\n\n", AR_REPLY },
		{ "Auto-Submitted: No (a person)\n\n", AR_REPLY },
		{ "Auto-Submitted: nothing\n\n", AR_AUTO },
		{ "X-Auto-Response-Suppress: OOF, DR\n\n", AR_AUTO },
		{ "Delivered-To: Autoresponder\n\n", AR_AUTO },
		{ "Delivered-To: demo@example.test\n\n", AR_REPLY },
		/* After the header, nothing counts. */
		{ "Subject: x\n\nList-Id: <x>\nPrecedence: bulk\n", AR_REPLY },
		/* Folded, and names with blanks before the colon. */
		{ "Precedence\t:\n bulk\n\n", AR_LIST },
		/* Junk lines are skipped, not fatal. */
		{ " orphan\nnot a field\nList-Post: <x>\n\n", AR_LIST },
		{ "", AR_REPLY },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(verdict(t[i].hdr), t[i].v);
}

static void
test_fields(void **state)
{
	struct ar_msg m;
	const char *h = "Subject: Lunch\n  tomorrow?\nMessage-ID: junk "
	    "<m1@x.test> (c)\nIn-Reply-To: <m0@x.test>\nContent-Type: text/plain;"
	    " charset=\"utf-8\"\n\nbody\n";

	(void)state;
	ar_msg_init(&m);
	assert_int_equal(ar_header_parse(h, strlen(h), &m), 0);
	assert_string_equal(m.subject.s, "Lunch  tomorrow?");
	assert_string_equal(m.message_id.s, "<m1@x.test>");
	assert_string_equal(m.references.s, "<m0@x.test>");
	assert_string_equal(m.ctype.s, "text/plain; charset=\"utf-8\"");
	ar_msg_free(&m);
}

static void
quote_of(const char *msg, const char *want)
{
	struct ar_msg m;
	struct str q = STR_INIT(1024 * 1024);
	const char *body = strstr(msg, "\n\n");

	ar_msg_init(&m);
	assert_non_null(body);
	body += 2;
	assert_int_equal(ar_header_parse(msg, (size_t)(body - msg), &m), 0);
	assert_int_equal(ar_quote(&m, body, strlen(body), &q), 0);
	assert_string_equal(str_c(&q), want);
	ar_msg_free(&m);
	str_free(&q);
}

static void
test_quote(void **state)
{
	(void)state;
	quote_of("Subject: x\n\nline one\n\nline three\n",
	    "> line one\n>\n> line three\n");
	quote_of("Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n"
	    "caf=C3=A9 and a very long =\nline\n",
	    "> caf\xc3\xa9 and a very long line\n");
	quote_of("Content-Transfer-Encoding: base64\n\naGVsbG8K\n",
	    "> hello\n");
	/* Latin-1 text is not UTF-8: left out. */
	quote_of("Content-Type: text/plain; charset=iso-8859-1\n\ncaf\xe9\n",
	    "");
	/* HTML only: nothing to quote. */
	quote_of("Content-Type: text/html\n\n<p>x</p>\n", "");
	/* The text part of a multipart/mixed holding an alternative. */
	quote_of("Content-Type: multipart/mixed; boundary=\"o\"\n\n"
	    "preamble\n--o\nContent-Type: multipart/alternative; boundary=i\n"
	    "\n--i\nContent-Type: text/plain\n\nthe text\n--i\n"
	    "Content-Type: text/html\n\n<p>html</p>\n--i--\n--o\n"
	    "Content-Type: application/pdf\n\n%PDF\n--o--\n",
	    "> the text\n");
	/* Broken: no closing delimiter, a boundary that never comes. */
	quote_of("Content-Type: multipart/mixed; boundary=z\n\n--z\n"
	    "Content-Type: text/plain\n\nunclosed\n", "");
	quote_of("Content-Type: multipart/mixed; boundary=q\n\nno parts\n",
	    "");
	quote_of("Content-Type: multipart/mixed\n\nno boundary\n", "");
}

static void
build_of(const char *file, const char *quote, const char *want)
{
	struct ar_msg m;
	struct str out = STR_INIT(1024 * 1024);
	const char *h = "Subject: Lunch\nMessage-ID: <m1@x.test>\n"
	    "References: <m0@x.test>\n\n";

	ar_msg_init(&m);
	assert_int_equal(ar_header_parse(h, strlen(h), &m), 0);
	assert_int_equal(ar_build(&m, file, strlen(file), "ann@x.test",
	    "demo@example.test", quote, strlen(quote), &out), 0);
	assert_string_equal(str_c(&out), want);
	ar_msg_free(&m);
	str_free(&out);
}

static void
test_build(void **state)
{
	(void)state;
	/* Text only. */
	build_of("Away until Monday.", "",
	    "From: demo@example.test\nTo: <ann@x.test>\nSubject: Re: Lunch\n"
	    "In-Reply-To: <m1@x.test>\nReferences: <m0@x.test> <m1@x.test>\n"
	    "Auto-Submitted: auto-replied\n\nAway until Monday.\n");
	/* qmailadmin's form: From and Subject from the file; other fields
	 * kept, the ones the reply sets itself dropped. */
	build_of("From: Demo <demo@example.test>\nSubject: Out of office\n"
	    "Reply-To: desk@example.test\nTo: evil@x.test\nBcc: evil@x.test\n"
	    "\nBack on the 5th.\r\nDemo\r\n", "> hi\n",
	    "From: Demo <demo@example.test>\nTo: <ann@x.test>\n"
	    "Subject: Out of office\nIn-Reply-To: <m1@x.test>\n"
	    "References: <m0@x.test> <m1@x.test>\n"
	    "Auto-Submitted: auto-replied\nReply-To: desk@example.test\n\n"
	    "Back on the 5th.\nDemo\n\n-------- Original Message --------\n"
	    "> hi\n");
	/* Text that looks like a field but is no header block. */
	build_of("Note: I am away.\n\nBack soon.\n", "",
	    "From: demo@example.test\nTo: <ann@x.test>\nSubject: Re: Lunch\n"
	    "In-Reply-To: <m1@x.test>\nReferences: <m0@x.test> <m1@x.test>\n"
	    "Auto-Submitted: auto-replied\n\nNote: I am away.\n\n"
	    "Back soon.\n");
	/* 8-bit text gets its charset. */
	build_of("Je suis absent, d\xc3\xa9sol\xc3\xa9.\n", "",
	    "From: demo@example.test\nTo: <ann@x.test>\nSubject: Re: Lunch\n"
	    "In-Reply-To: <m1@x.test>\nReferences: <m0@x.test> <m1@x.test>\n"
	    "Auto-Submitted: auto-replied\nMIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n\n"
	    "Je suis absent, d\xc3\xa9sol\xc3\xa9.\n");
}

static void
test_record(void **state)
{
	const char *dir = test_tmpdir();
	char	 p[4096];
	unsigned long n;
	int	 dfd, fd;

	(void)state;
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	assert_int_equal(ar_count(dfd, "ann@x.test", 1000000, 86400, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(ar_note(dfd, "ann@x.test", 1000000), 0);
	/* A second reply in the same second by the same process. */
	assert_int_equal(ar_note(dfd, "ann@x.test", 1000000), 0);
	assert_int_equal(ar_count(dfd, "ANN@x.test", 1000000 + 86400, 86400,
	    &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ar_count(dfd, "bob@x.test", 1000100, 86400, &n), 0);
	assert_int_equal(n, 0);
	/* A record of the original autorespond, and the message file. */
	snprintf(p, sizeof(p), "%s/A77.1050000", dir);
	fd = open(p, O_WRONLY | O_CREAT, 0600);
	assert_true(write(fd, "bob@x.test", 10) == 10);
	close(fd);
	snprintf(p, sizeof(p), "%s/message", dir);
	fd = open(p, O_WRONLY | O_CREAT, 0600);
	assert_true(write(fd, "bob@x.test", 10) == 10);
	close(fd);
	assert_int_equal(ar_count(dfd, "bob@x.test", 1050000, 86400, &n), 0);
	assert_int_equal(n, 1);
	/* A period later the old records are gone. */
	assert_int_equal(ar_count(dfd, "ann@x.test", 1000000 + 86401, 86400,
	    &n), 0);
	assert_int_equal(n, 0);
	snprintf(p, sizeof(p), "%s/A%ld.1000000", dir, (long)getpid());
	assert_int_equal(access(p, F_OK), -1);
	snprintf(p, sizeof(p), "%s/message", dir);
	assert_int_equal(access(p, F_OK), 0);
	close(dfd);
	test_rmrf(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sender),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
