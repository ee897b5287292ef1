/*
 * pop3_proto_test - unit tests of the POP3 modules: command splitting and
 * message numbers, qmail-popup's AUTHORIZATION replies, the maildrop scan
 * and commit, and qmail-pop3d's replies (captured through a wbuf on a
 * scratch file).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "maildrop.h"
#include "pop3_cmd.h"
#include "pop3d_proto.h"
#include "popup_proto.h"
#include "test.h"
#include "wbuf.h"

static void
test_cmd_parse(void **state)
{
	static const struct {
		const char *line;
		enum pop3_verb verb;
		const char *arg;
	} t[] = {
		{ "USER bob", POP3_USER, "bob" },
		{ "user   bob smith", POP3_USER, "bob smith" },
		{ "PASS a b ", POP3_PASS, "a b " },
		{ "quit\r", POP3_QUIT, "" },
		{ "QuIt", POP3_QUIT, "" },
		{ "QUITX", POP3_UNKNOWN, "" },
		{ "", POP3_UNKNOWN, "" },
		{ " USER x", POP3_UNKNOWN, "USER x" },
		{ "TOP 1 10", POP3_TOP, "1 10" },
		{ "STLS", POP3_STLS, "" },
	};
	struct pop3_cmd c;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		pop3_cmd_parse(t[i].line, strlen(t[i].line), &c);
		assert_int_equal(c.verb, t[i].verb);
		assert_int_equal(c.arglen, strlen(t[i].arg));
		assert_memory_equal(c.arg, t[i].arg, c.arglen);
	}
}

static void
test_msgnum(void **state)
{
	size_t	 i = 99;

	(void)state;
	assert_int_equal(pop3_msgnum("1", 1, 3, &i), POP3_NUM_OK);
	assert_int_equal(i, 0);
	assert_int_equal(pop3_msgnum("3", 1, 3, &i), POP3_NUM_OK);
	assert_int_equal(i, 2);
	assert_int_equal(pop3_msgnum("4", 1, 3, &i), POP3_NUM_BIG);
	assert_int_equal(pop3_msgnum("0", 1, 3, &i), POP3_NUM_ZERO);
	assert_int_equal(pop3_msgnum("", 0, 3, &i), POP3_NUM_SYNTAX);
	assert_int_equal(pop3_msgnum("-1", 2, 3, &i), POP3_NUM_SYNTAX);
	assert_int_equal(pop3_msgnum("1x", 2, 3, &i), POP3_NUM_SYNTAX);
	assert_int_equal(pop3_msgnum("99999999999999999999999", 23, 3, &i),
	    POP3_NUM_BIG);
	assert_string_equal(pop3_num_errtext(POP3_NUM_ZERO),
	    "messages are counted from 1");
}

static enum popup_act
pline(struct popup *p, const char *line, struct str *out, struct str *auth,
    struct str *user)
{
	return popup_line(p, line, strlen(line), out, auth, user);
}

static void
test_popup(void **state)
{
	struct popup p;
	struct str out = STR_INIT(4096), auth = STR_INIT(1024),
	    user = STR_INIT(1024);

	(void)state;
	popup_init(&p, "<1.2@h>", 1);
	assert_int_equal(pline(&p, "STAT", &out, &auth, &user), POPUP_REPLY);
	assert_string_equal(out.s, "-ERR authorization first\r\n");
	assert_int_equal(pline(&p, "PASS x", &out, &auth, &user), POPUP_REPLY);
	assert_string_equal(out.s, "-ERR USER first\r\n");
	assert_int_equal(pline(&p, "USER", &out, &auth, &user), POPUP_REPLY);
	assert_string_equal(out.s, "-ERR syntax error\r\n");
	assert_int_equal(pline(&p, "NOOP", &out, &auth, &user), POPUP_REPLY);
	assert_string_equal(out.s, "+OK \r\n");
	assert_int_equal(pline(&p, "CAPA", &out, &auth, &user), POPUP_REPLY);
	assert_non_null(strstr(out.s, "\r\nSTLS\r\n"));
	assert_non_null(strstr(out.s, "\r\nUSER\r\n"));
	assert_int_equal(pline(&p, "USER bob@example.com", &out, &auth,
	    &user), POPUP_REPLY);
	assert_string_equal(out.s, "+OK \r\n");
	assert_int_equal(pline(&p, "PASS", &out, &auth, &user), POPUP_REPLY);
	assert_string_equal(out.s, "-ERR syntax error\r\n");
	assert_int_equal(pline(&p, "PASS se cret", &out, &auth, &user),
	    POPUP_LOGIN);
	assert_int_equal(auth.len, 15 + 1 + 7 + 1 + 7 + 1);
	assert_memory_equal(auth.s, "bob@example.com\0se cret\0<1.2@h>\0",
	    auth.len);
	assert_string_equal(user.s, "bob@example.com");
	/* One PASS per USER. */
	assert_int_equal(pline(&p, "PASS again", &out, &auth, &user),
	    POPUP_REPLY);
	assert_string_equal(out.s, "-ERR USER first\r\n");
	/* A NUL in the name would forge the checkpassword record. */
	assert_int_equal(popup_line(&p, "USER a\0b", 8, &out, &auth, &user),
	    POPUP_REPLY);
	assert_string_equal(out.s, "-ERR syntax error\r\n");
	assert_int_equal(pline(&p, "APOP bob", &out, &auth, &user),
	    POPUP_REPLY);
	assert_string_equal(out.s, "-ERR syntax error\r\n");
	assert_int_equal(pline(&p, "APOP bob 0123abcd", &out, &auth, &user),
	    POPUP_LOGIN);
	assert_memory_equal(auth.s, "bob\0" "0123abcd\0<1.2@h>\0", auth.len);
	assert_int_equal(pline(&p, "STLS", &out, &auth, &user), POPUP_STLS);
	assert_int_equal(pline(&p, "STLS", &out, &auth, &user), POPUP_REPLY);
	assert_string_equal(out.s, "-ERR TLS already active\r\n");
	assert_int_equal(pline(&p, "CAPA", &out, &auth, &user), POPUP_REPLY);
	assert_null(strstr(out.s, "STLS"));
	assert_int_equal(pline(&p, "QUIT", &out, &auth, &user), POPUP_QUIT);
	assert_string_equal(out.s, "+OK \r\n");
	popup_free(&p);
	popup_init(&p, "<1.2@h>", 0);
	assert_int_equal(pline(&p, "STLS", &out, &auth, &user), POPUP_REPLY);
	assert_string_equal(out.s, "-ERR STLS not available\r\n");
	/* POP3_REQUIRE_TLS without a certificate: ignored. */
	p.tls_required = 1;
	assert_int_equal(pline(&p, "USER a", &out, &auth, &user), POPUP_REPLY);
	assert_string_equal(out.s, "+OK \r\n");
	popup_free(&p);
	/* With one: no login, and no USER in CAPA, until STLS. */
	popup_init(&p, "<1.2@h>", 1);
	p.tls_required = 1;
	assert_int_equal(pline(&p, "CAPA", &out, &auth, &user), POPUP_REPLY);
	assert_null(strstr(out.s, "USER"));
	assert_int_equal(pline(&p, "USER a", &out, &auth, &user), POPUP_REPLY);
	assert_string_equal(out.s,
	    "-ERR [AUTH] TLS required: use STLS first\r\n");
	assert_int_equal(pline(&p, "APOP a b", &out, &auth, &user),
	    POPUP_REPLY);
	assert_string_equal(out.s,
	    "-ERR [AUTH] TLS required: use STLS first\r\n");
	assert_int_equal(pline(&p, "STLS", &out, &auth, &user), POPUP_STLS);
	p.tls_on = 1;
	assert_int_equal(pline(&p, "CAPA", &out, &auth, &user), POPUP_REPLY);
	assert_non_null(strstr(out.s, "USER"));
	assert_int_equal(pline(&p, "USER a", &out, &auth, &user), POPUP_REPLY);
	assert_string_equal(out.s, "+OK \r\n");
	popup_free(&p);
	str_free(&out);
	str_wipe(&auth);
	str_free(&user);
}

static void
put_file(const char *dir, const char *name, const char *text)
{
	char	 p[1024];
	FILE	*f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
exists(const char *dir, const char *name)
{
	char	 p[1024];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

/* A session's output: run lines through pop3d_line into a scratch file. */
static char *
session(struct pop3d *s, struct wbuf *w, int fd, const char *const *lines)
{
	static char got[65536];
	ssize_t	 n;

	assert_int_equal(ftruncate(fd, 0), 0);
	(void)lseek(fd, 0, SEEK_SET);
	for (; *lines != NULL; lines++)
		(void)pop3d_line(s, *lines, strlen(*lines));
	assert_int_equal(wbuf_flush(w), 0);
	n = pread(fd, got, sizeof(got) - 1, 0);
	assert_true(n >= 0);
	got[n] = '\0';
	return got;
}

static void
test_maildrop(void **state)
{
	const char *dir = test_tmpdir();
	char	 md_path[512], out_path[600], *got;
	struct maildrop md, md2;
	struct pop3d s;
	struct wbuf w;
	struct io io;
	size_t	 del;
	int	 fd;

	(void)state;
	snprintf(md_path, sizeof(md_path), "%s/Maildir", dir);
	mkdir(md_path, 0700);
	snprintf(out_path, sizeof(out_path), "%s/new", md_path);
	mkdir(out_path, 0700);
	snprintf(out_path, sizeof(out_path), "%s/cur", md_path);
	mkdir(out_path, 0700);
	snprintf(out_path, sizeof(out_path), "%s/tmp", md_path);
	mkdir(out_path, 0700);
	put_file(md_path, "new/200.A.h,S=19,W=23", "Subject: b\n\n.dot\nx\n");
	put_file(md_path, "cur/100.B.h,S=12:2,S", "Subject: a\n\n");
	put_file(md_path, "new/300.C.h", "H: 1\n\nl1\nl2\nl3");
	put_file(md_path, "new/.hidden", "x");
	put_file(md_path, "new/400.bad name", "x");
	put_file(md_path, "maildirsize", "1000S\n33 3\n");

	assert_int_equal(maildrop_open(&md, md_path), 0);
	assert_int_equal(maildrop_open(&md2, md_path), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	assert_int_equal(maildrop_scan(&md), 0);
	assert_int_equal(md.n, 3);
	assert_string_equal(md.m[0].name, "cur/100.B.h,S=12:2,S");
	assert_string_equal(md.m[1].name, "new/200.A.h,S=19,W=23");
	assert_int_equal(md.m[2].size, 14);	/* stat: no ,S= */
	assert_int_equal(md.total, 45);
	/* Sizes as sent (RFC 1939): ",W=" or counted from the file. */
	assert_int_equal(md.m[1].vsize, 23);
	assert_int_equal(md.m[0].vsize, -1);
	assert_int_equal(maildrop_vsize(&md, 0), 14);
	assert_int_equal(md.m[0].vsize, 14);

	snprintf(out_path, sizeof(out_path), "%s/out", dir);
	fd = open(out_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	io_init(&io, fd, fd, 5);
	wbuf_init(&w, &io);
	pop3d_init(&s, &md, &w);

	got = session(&s, &w, fd, (const char *const[]){ "STAT", "LIST",
	    "UIDL 1", "LIST 4", "LIST 0", "LIST x", NULL });
	assert_string_equal(got, "+OK 3 55\r\n"
	    "+OK \r\n1 14\r\n2 23\r\n3 18\r\n.\r\n"
	    "+OK 1 100.B.h,S=12\r\n"
	    "-ERR not that many messages\r\n"
	    "-ERR messages are counted from 1\r\n"
	    "-ERR syntax error\r\n");
	got = session(&s, &w, fd, (const char *const[]){ "RETR 2", NULL });
	assert_string_equal(got, "+OK \r\nSubject: b\r\n\r\n..dot\r\nx\r\n"
	    ".\r\n");
	got = session(&s, &w, fd, (const char *const[]){ "TOP 3 1", "TOP 3 0",
	    "RETR 3", NULL });
	assert_string_equal(got, "+OK \r\nH: 1\r\n\r\nl1\r\n.\r\n"
	    "+OK \r\nH: 1\r\n\r\n.\r\n"
	    "+OK \r\nH: 1\r\n\r\nl1\r\nl2\r\nl3\r\n.\r\n");
	got = session(&s, &w, fd, (const char *const[]){ "DELE 1", "DELE 1",
	    "RETR 1", "LAST", "STAT", "UIDL", "RSET", "LAST", "DELE 2",
	    "XYZZY", NULL });
	assert_string_equal(got, "+OK \r\n-ERR already deleted\r\n"
	    "-ERR already deleted\r\n+OK 1\r\n+OK 3 41\r\n"
	    "+OK \r\n2 200.A.h,S=19,W=23\r\n3 300.C.h\r\n.\r\n"
	    "+OK \r\n+OK 0\r\n+OK \r\n-ERR unimplemented\r\n");
	assert_int_equal(s.retr, 4);
	/* QUIT: message 2 goes, 3 moves to cur/ with ":2,". */
	got = session(&s, &w, fd, (const char *const[]){ "QUIT", NULL });
	assert_string_equal(got, "+OK \r\n");
	assert_int_equal(s.deleted, 1);
	assert_false(exists(md_path, "new/200.A.h,S=19,W=23"));
	assert_true(exists(md_path, "cur/300.C.h:2,"));
	assert_true(exists(md_path, "cur/100.B.h,S=12:2,S"));
	{
		struct str q = STR_INIT(4096);
		char	 p[600];
		FILE	*f;

		snprintf(p, sizeof(p), "%s/maildirsize", md_path);
		f = fopen(p, "r");
		assert_non_null(f);
		assert_int_equal(fread(p, 1, sizeof(p) - 1, f), 25);
		p[25] = '\0';
		fclose(f);
		assert_string_equal(p, "1000S\n33 3\n     -19   -1\n");
		str_free(&q);
	}
	maildrop_close(&md);
	/* The UIDs survive the move; the lock is gone with the session. */
	assert_int_equal(maildrop_open(&md, md_path), 0);
	assert_int_equal(maildrop_scan(&md), 0);
	assert_int_equal(md.n, 2);
	assert_int_equal(md.m[1].uidlen, strlen("300.C.h"));
	(void)del;
	maildrop_close(&md);
	close(fd);
	test_rmrf(dir);
}

/* pop3d_send_msg on a table of stored messages. */
static void
test_send_msg(void **state)
{
	static const struct {
		const char *in;
		long	 top;
		const char *out;
		unsigned long long bytes;
	} t[] = {
		{ "", -1, ".\r\n", 0 },
		{ "a", -1, "a\r\n.\r\n", 1 },
		{ "a\r\nb\r\n", -1, "a\r\nb\r\n.\r\n", 6 },
		{ ".\n..\n.a\n", -1, "..\r\n...\r\n..a\r\n.\r\n", 8 },
		{ "H: 1\r\n\r\nb1\r\nb2\r\n", 1,
		  "H: 1\r\n\r\nb1\r\n.\r\n", 12 },
		{ "H: 1\n\nb1\n", 0, "H: 1\r\n\r\n.\r\n", 6 },
		{ "H: 1\n", 5, "H: 1\r\n.\r\n", 5 },
		{ "a\0b\n", -1, "a\0b\r\n.\r\n", 4 },
	};
	char	 got[256], path[600];
	const char *dir = test_tmpdir();
	unsigned long long bytes;
	struct wbuf w;
	struct io io;
	size_t	 i, inlen, outlen;
	ssize_t	 n;
	int	 in, out;

	(void)state;
	snprintf(path, sizeof(path), "%s/out", dir);
	out = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	snprintf(path, sizeof(path), "%s/in", dir);
	in = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(in >= 0 && out >= 0);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		inlen = i == 7 ? 4 : strlen(t[i].in);
		outlen = i == 7 ? 8 : strlen(t[i].out);	/* NUL inside */
		assert_int_equal(ftruncate(in, 0), 0);
		assert_int_equal(pwrite(in, t[i].in, inlen, 0), (ssize_t)inlen);
		(void)lseek(in, 0, SEEK_SET);
		assert_int_equal(ftruncate(out, 0), 0);
		(void)lseek(out, 0, SEEK_SET);
		io_init(&io, out, out, 5);
		wbuf_init(&w, &io);
		assert_int_equal(pop3d_send_msg(&w, in, t[i].top, &bytes), 0);
		assert_int_equal(wbuf_flush(&w), 0);
		n = pread(out, got, sizeof(got), 0);
		assert_int_equal(n, (ssize_t)outlen);
		assert_memory_equal(got, t[i].out, outlen);
		assert_int_equal(bytes, t[i].bytes);
	}
	close(in);
	close(out);
	test_rmrf(dir);
}

static void
test_namesize(void **state)
{
	off_t	 v = 0;

	(void)state;
	assert_int_equal(maildrop_namesize("1.2.h,S=123", 11, &v), 1);
	assert_int_equal(v, 123);
	assert_int_equal(maildrop_namesize("1.2.h,S=12,W=14:2,S", 19, &v), 1);
	assert_int_equal(v, 12);
	assert_int_equal(maildrop_namesize("1.2.h,S=", 8, &v), 0);
	assert_int_equal(maildrop_namesize("1.2.h,S=1x", 10, &v), 0);
	assert_int_equal(maildrop_namesize("1.2.h:2,S=5", 11, &v), 0);
	assert_int_equal(maildrop_namesize("1.2.h,S=99999999999999999999", 28,
	    &v), 0);
	/* ",W=" (Dovecot's CRLF size), up to the flags only. */
	assert_int_equal(maildrop_namefield("1.2.h,S=12,W=14:2,S", 19, 'W',
	    &v), 1);
	assert_int_equal(v, 14);
	assert_int_equal(maildrop_namefield("1.2.h,S=12", 10, 'W', &v), 0);
	assert_int_equal(maildrop_namefield("1.2.h:2,W=5", 11, 'W', &v), 0);
	assert_int_equal(maildrop_namefield("1.2.h,W=5x", 10, 'W', &v), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmd_parse),
		cmocka_unit_test(test_msgnum),
		cmocka_unit_test(test_popup),
		cmocka_unit_test(test_maildrop),
		cmocka_unit_test(test_namesize),
		cmocka_unit_test(test_send_msg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
