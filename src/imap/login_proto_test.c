/*
 * login_proto_test - imaplogin's state before login: capabilities with
 * and without TLS (LOGINDISABLED), LOGIN and every AUTHENTICATE
 * mechanism with and without SASL-IR, the checkpassword record they
 * make, refusals, cancellation and bad base64.
 */
#include <string.h>

#include "login_proto.h"
#include "test.h"

struct io_ {
	struct str out, auth, user;
};

static enum ilogin_act
cmd(struct ilogin *l, struct io_ *x, const char *c)
{
	str_clear(&x->out);
	return ilogin_command(l, c, strlen(c), &x->out, &x->auth, &x->user);
}

static enum ilogin_act
sasl(struct ilogin *l, struct io_ *x, const char *c)
{
	str_clear(&x->out);
	return ilogin_sasl(l, c, strlen(c), &x->out, &x->auth, &x->user);
}

static void
x_init(struct io_ *x)
{
	x->out = (struct str)STR_INIT(4096);
	x->auth = (struct str)STR_INIT(ILOGIN_AUTH_MAX);
	x->user = (struct str)STR_INIT(1024);
}

static void
x_free(struct io_ *x)
{
	str_free(&x->out);
	str_free(&x->auth);
	str_free(&x->user);
}

static void
test_caps(void **state)
{
	struct ilogin l;
	struct io_ x;

	(void)state;
	x_init(&x);
	ilogin_init(&l, "mail.example.com", 1, 0, 0);
	assert_int_equal(cmd(&l, &x, "a CAPABILITY"), IL_REPLY);
	assert_non_null(strstr(x.out.s, " STARTTLS"));
	assert_non_null(strstr(x.out.s, "LOGINDISABLED"));
	assert_null(strstr(x.out.s, "AUTH=PLAIN"));
	assert_non_null(strstr(x.out.s, "a OK"));
	assert_int_equal(cmd(&l, &x, "b LOGIN joe secret"), IL_REPLY);
	assert_non_null(strstr(x.out.s, "b NO [PRIVACYREQUIRED]"));
	assert_int_equal(cmd(&l, &x, "c AUTHENTICATE PLAIN AGpvZQBzZWNyZXQ="),
	    IL_REPLY);
	assert_non_null(strstr(x.out.s, "c NO [PRIVACYREQUIRED]"));
	assert_int_equal(cmd(&l, &x, "d STARTTLS"), IL_STARTTLS);
	assert_int_equal(cmd(&l, &x, "e CAPABILITY"), IL_REPLY);
	assert_null(strstr(x.out.s, "STARTTLS"));
	assert_non_null(strstr(x.out.s, "AUTH=PLAIN"));
	assert_int_equal(cmd(&l, &x, "f STARTTLS"), IL_REPLY);
	assert_non_null(strstr(x.out.s, "f BAD"));
	assert_int_equal(cmd(&l, &x, "g SELECT INBOX"), IL_REPLY);
	assert_non_null(strstr(x.out.s, "g BAD"));
	assert_int_equal(cmd(&l, &x, "h LOGOUT"), IL_LOGOUT);
	assert_int_equal(cmd(&l, &x, "garbage"), IL_REPLY);
	assert_non_null(strstr(x.out.s, "* BAD"));
	ilogin_free(&l);
	x_free(&x);
}

static void
test_login(void **state)
{
	struct ilogin l;
	struct io_ x;

	(void)state;
	x_init(&x);
	ilogin_init(&l, "h", 0, 1, 1);
	assert_int_equal(cmd(&l, &x, "a1 LOGIN joe@example.com \"pa ss\""),
	    IL_LOGIN);
	assert_string_equal(l.tag, "a1");
	assert_int_equal(x.auth.len, 15 + 1 + 5 + 1 + 1);
	assert_memory_equal(x.auth.s, "joe@example.com\0pa ss\0\0", 23);
	assert_string_equal(x.user.s, "joe@example.com");
	assert_int_equal(cmd(&l, &x, "a2 LOGIN {3}\r\njoe {2}\r\npw"), IL_LOGIN);
	assert_memory_equal(x.auth.s, "joe\0pw\0\0", 8);
	/* SASL-IR PLAIN */
	assert_int_equal(cmd(&l, &x, "a3 AUTHENTICATE PLAIN AGpvZQBzZWNyZXQ="),
	    IL_LOGIN);
	assert_memory_equal(x.auth.s, "joe\0secret\0\0", 12);
	/* PLAIN with an authzid that is someone else: refused */
	assert_int_equal(cmd(&l, &x, "a4 AUTHENTICATE PLAIN "
	    "Ym9iAGpvZQBzZWNyZXQ="), IL_REPLY);
	assert_non_null(strstr(x.out.s, "a4 NO"));
	/* PLAIN in two steps, cancelled */
	assert_int_equal(cmd(&l, &x, "a5 AUTHENTICATE PLAIN"), IL_SASL);
	assert_string_equal(x.out.s, "+ \r\n");
	assert_int_equal(sasl(&l, &x, "*"), IL_REPLY);
	assert_non_null(strstr(x.out.s, "a5 BAD"));
	/* LOGIN: Username:, Password: */
	assert_int_equal(cmd(&l, &x, "a6 AUTHENTICATE LOGIN"), IL_SASL);
	assert_string_equal(x.out.s, "+ VXNlcm5hbWU6\r\n");
	assert_int_equal(sasl(&l, &x, "am9l"), IL_SASL);
	assert_string_equal(x.out.s, "+ UGFzc3dvcmQ6\r\n");
	assert_int_equal(sasl(&l, &x, "c2VjcmV0"), IL_LOGIN);
	assert_memory_equal(x.auth.s, "joe\0secret\0\0", 12);
	/* bad base64 */
	assert_int_equal(cmd(&l, &x, "a7 AUTHENTICATE PLAIN"), IL_SASL);
	assert_int_equal(sasl(&l, &x, "!!!"), IL_REPLY);
	assert_non_null(strstr(x.out.s, "a7 BAD"));
	/* CRAM-MD5: the challenge goes as the stamp */
	assert_int_equal(cmd(&l, &x, "a8 AUTHENTICATE CRAM-MD5"), IL_SASL);
	assert_true(strncmp(x.out.s, "+ PD", 4) == 0);
	assert_int_equal(sasl(&l, &x, "am9lIDAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5"
	    "YWJjZGVm"), IL_LOGIN);
	assert_memory_equal(x.auth.s, "joe\0" "0123456789abcdef0123456789abcdef"
	    "\0<", 38);
	/* empty user or password: no checkpassword run */
	assert_int_equal(cmd(&l, &x, "a9 LOGIN \"\" x"), IL_REPLY);
	assert_non_null(strstr(x.out.s, "a9 NO"));
	/* an empty initial response (found by fuzzing) */
	assert_int_equal(cmd(&l, &x, "a11 AUTHENTICATE PLAIN ="), IL_REPLY);
	assert_non_null(strstr(x.out.s, "a11 NO"));
	assert_int_equal(cmd(&l, &x, "a12 AUTHENTICATE LOGIN ="), IL_SASL);
	assert_int_equal(sasl(&l, &x, ""), IL_REPLY);
	assert_int_equal(cmd(&l, &x, "a10 AUTHENTICATE GSSAPI"), IL_REPLY);
	assert_non_null(strstr(x.out.s, "a10 NO"));
	ilogin_free(&l);
	x_free(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_login),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
