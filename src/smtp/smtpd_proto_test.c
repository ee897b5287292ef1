/*
 * smtpd_proto_test - unit tests for qmail-smtpd's modules: the address
 * parser (table of paths and flags), the DATA reader (every ending, fed
 * whole and byte by byte), the Received header, qmail-queue exit codes,
 * and whole sessions through smtpd_run with in-memory hooks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "smtpd_addr.h"
#include "smtpd_data.h"
#include "smtpd_proto.h"
#include "smtpd_queue.h"
#include "test.h"

/* ---- address parser ---- */

static const struct {
	const char *in;
	int	 mail;
	int	 ret;		/* 0, or the errno */
	const char *addr;
	int	 flags;
} paths[] = {
	{ "<a@b.c>", 0, 0, "a@b.c", 0 },
	{ " <a@B.C>", 0, 0, "a@b.c", 0 },
	{ "<A@b.c>", 0, 0, "A@b.c", 0 },
	{ "a@b.c", 0, 0, "a@b.c", ADDR_NOBRACKET },
	{ "<>", 1, 0, "", 0 },
	{ "<>", 0, EINVAL, NULL, 0 },
	{ "<a@b.c> SIZE=100 BODY=8BITMIME", 1, 0, "a@b.c", 0 },
	{ "<a@b.c> SIZE=x", 1, ENOTSUP, NULL, 0 },
	{ "<a@b.c> NOTIFY=NEVER", 0, ENOTSUP, NULL, 0 },
	{ "<a%b@c.d>", 0, 0, "a%b@c.d", ADDR_PERCENT },
	{ "<b!a@c.d>", 0, 0, "b!a@c.d", ADDR_BANG },
	{ "<@x.y,@z:a@c.d>", 0, 0, "a@c.d", ADDR_ROUTE },
	{ "<\"a@b\"@c.d>", 0, 0, "a@b@c.d", ADDR_QUOTED | ADDR_ATLOCAL },
	{ "<\"a b\"@c.d>", 0, 0, "a b@c.d", ADDR_QUOTED },
	{ "<a@[1.2.3.4]>", 0, 0, "a@[1.2.3.4]", ADDR_LITERAL },
	{ "<a@c.d.>", 0, 0, "a@c.d.", ADDR_TRAILDOT },
	{ "<postmaster>", 0, 0, "postmaster", ADDR_NOAT },
	{ "<a@b@c.d>", 0, EINVAL, NULL, 0 },
	{ "<a@c..d>", 0, EINVAL, NULL, 0 },
	{ "<a@.c>", 0, EINVAL, NULL, 0 },
	{ "<a@>", 0, EINVAL, NULL, 0 },
	{ "<@c.d>", 0, EINVAL, NULL, 0 },
	{ "<a@c.d", 0, EINVAL, NULL, 0 },
	{ "<a@c.d>x", 0, EINVAL, NULL, 0 },
	{ "<a\\@b@c.d>", 0, EINVAL, NULL, 0 },
	{ "<a@c\rd>", 0, EINVAL, NULL, 0 },
	{ "<\"a\rb\"@c.d>", 0, EINVAL, NULL, 0 },
	{ "<a\xe9@c.d>", 0, EINVAL, NULL, 0 },
	{ "a@b.c SIZE=1", 1, EINVAL, NULL, 0 },
	{ "", 0, EINVAL, NULL, 0 },
	{ "<", 0, EINVAL, NULL, 0 },
	{ "<\"", 0, EINVAL, NULL, 0 },
	{ "<@", 0, EINVAL, NULL, 0 },
};

static void
test_parse_path(void **state)
{
	struct smtpd_path p;
	size_t	 i;
	int	 r;

	(void)state;
	smtpd_path_init(&p);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		r = smtpd_parse_path(paths[i].in, strlen(paths[i].in),
		    paths[i].mail, &p);
		if (paths[i].ret != 0) {
			if (r != -1 || errno != paths[i].ret)
				fail_msg("%s: r %d errno %d", paths[i].in, r,
				    errno);
			continue;
		}
		if (r != 0)
			fail_msg("%s: errno %d", paths[i].in, errno);
		assert_string_equal(str_c(&p.addr), paths[i].addr);
		if (p.flags != paths[i].flags)
			fail_msg("%s: flags %#x", paths[i].in, p.flags);
	}
	smtpd_path_free(&p);
}

static void
test_path_limit(void **state)
{
	struct smtpd_path p;
	char	 buf[400];
	size_t	 n;

	(void)state;
	smtpd_path_init(&p);
	/* 256 bytes exactly fit; 257 do not. */
	buf[0] = '<';
	memset(buf + 1, 'a', 251);
	memcpy(buf + 252, "@b.cd>", 6);
	n = 258;
	assert_int_equal(smtpd_parse_path(buf, n, 0, &p), 0);
	assert_int_equal(p.addr.len, 256);
	buf[0] = '<';
	memset(buf + 1, 'a', 252);
	memcpy(buf + 253, "@b.cd>", 6);
	assert_int_equal(smtpd_parse_path(buf, n + 1, 0, &p), -1);
	assert_int_equal(errno, E2BIG);
	smtpd_path_free(&p);
}

static const char *domains[] = { "example.com", ".sub.example.net", NULL };

static int
list_lookup(void *arg, const char *key)
{
	size_t	 i;

	(void)arg;
	for (i = 0; domains[i] != NULL; i++)
		if (strcmp(domains[i], key) == 0)
			return 1;
	return 0;
}

static void
test_domain_match(void **state)
{
	(void)state;
	assert_int_equal(smtpd_domain_match("example.com", list_lookup, NULL),
	    1);
	assert_int_equal(smtpd_domain_match("a.example.com", list_lookup,
	    NULL), 0);
	assert_int_equal(smtpd_domain_match("a.b.sub.example.net",
	    list_lookup, NULL), 1);
	assert_int_equal(smtpd_domain_match("sub.example.net", list_lookup,
	    NULL), 0);
	assert_int_equal(smtpd_domain_match("xexample.com", list_lookup,
	    NULL), 0);
	assert_int_equal(smtpd_domain_match("", list_lookup, NULL), 0);
}

/* ---- DATA reader ---- */

static int
sink_str(void *arg, const char *b, size_t n)
{
	return str_catb(arg, b, n);
}

/* Run in through the reader in chunks of step bytes. */
static int
run_data(const char *in, size_t n, size_t step, unsigned long long max,
    struct str *out, size_t *used_r)
{
	struct smtpd_data d;
	size_t	 i = 0, k, u;

	str_clear(out);
	smtpd_data_init(&d, max, sink_str, out);
	while (i < n) {
		k = n - i < step ? n - i : step;
		u = smtpd_data_feed(&d, in + i, k);
		i += u;
		if (d.result & (DATA_END | DATA_BARE))
			break;
	}
	*used_r = i;
	return d.result;
}

static const struct {
	const char *in;
	size_t	 len;
	int	 result;
	const char *out;
	size_t	 used;
} datas[] = {
#define D(s) s, sizeof(s) - 1
	{ D(".\r\n"), DATA_END, "", 3 },
	{ D("a\r\n.\r\nQUIT\r\n"), DATA_END, "a\n", 6 },
	{ D("..a\r\n...\r\n.\r\n"), DATA_END, ".a\n..\n", 13 },
	{ D("a\r\n\r\n.\r\n"), DATA_END, "a\n\n", 8 },
	{ D("a\n.\n"), DATA_BARE, "a", 1 },
	{ D("a\r\n.\n"), DATA_BARE, "a\n", 4 },
	{ D("a\r.\r\n"), DATA_BARE, "a", 2 },
	{ D("a\r\n.\rX"), DATA_BARE, "a\n", 5 },
	{ D("a\r\n.a\rb\r\n"), DATA_BARE, "a\na", 6 },
	{ D("a\rb\r\n.\r\n"), DATA_BARE, "a", 2 },
	{ D("a\0b\r\n.\r\n"), DATA_END | DATA_NUL, "a\0b\n", 8 },
	{ D("a\r\n.\r"), 0, "a\n", 5 },
	{ D("\xff\xfe\r\n.\r\n"), DATA_END, "\xff\xfe\n", 7 },
#undef D
};

static void
test_data(void **state)
{
	struct str out = STR_INIT(STR_UNBOUNDED);
	size_t	 i, used, step;
	int	 r;

	(void)state;
	for (i = 0; i < sizeof(datas) / sizeof(datas[0]); i++)
		for (step = 1; step <= datas[i].len; step++) {
			r = run_data(datas[i].in, datas[i].len, step, 0, &out,
			    &used);
			if (r != datas[i].result)
				fail_msg("case %zu step %zu: result %#x", i,
				    step, r);
			if (r & DATA_END) {
				assert_int_equal(out.len,
				    datas[i].result & DATA_NUL ? 4 :
				    strlen(datas[i].out));
				assert_memory_equal(out.s, datas[i].out,
				    out.len);
			}
			if (r & (DATA_END | DATA_BARE))
				assert_int_equal(used, datas[i].used);
		}
	str_free(&out);
}

static void
test_data_limits(void **state)
{
	struct str out = STR_INIT(STR_UNBOUNDED), in = STR_INIT(STR_UNBOUNDED);
	size_t	 used, i;
	int	 r;

	(void)state;
	/* "abcd\r\n" stores 5 bytes: a limit of 5 fits, 4 does not. */
	r = run_data("abcd\r\n.\r\n", 9, 9, 5, &out, &used);
	assert_int_equal(r, DATA_END);
	r = run_data("abcd\r\n.\r\n", 9, 9, 4, &out, &used);
	assert_int_equal(r, DATA_END | DATA_TOOBIG);
	assert_int_equal(used, 9);
	/* 99 hop headers pass, 100 are a loop; only in the header. */
	for (i = 0; i < 99; i++)
		assert_int_equal(str_cats(&in, "Received: x\r\n"), 0);
	assert_int_equal(str_cats(&in, "\r\nDelivered-To: y\r\n.\r\n"), 0);
	r = run_data(in.s, in.len, 7, 0, &out, &used);
	assert_int_equal(r, DATA_END);
	str_clear(&in);
	for (i = 0; i < 99; i++)
		assert_int_equal(str_cats(&in, "Received: x\r\n"), 0);
	assert_int_equal(str_cats(&in, "DELIVERED-TO: y\r\n.\r\n"), 0);
	r = run_data(in.s, in.len, 3, 0, &out, &used);
	assert_int_equal(r, DATA_END | DATA_HOPS);
	str_free(&out);
	str_free(&in);
}

/* ---- Received, qmail-queue replies ---- */

static void
test_received(void **state)
{
	struct str r = STR_INIT(1000);

	(void)state;
	assert_int_equal(smtpd_received(&r, "unknown", "x y<z>", NULL,
	    "1.2.3.4", "mx.example.org", "SMTP", 0), 0);
	assert_string_equal(str_c(&r), "Received: from unknown (HELO x?y?z?) "
	    "(1.2.3.4)\n  by mx.example.org with SMTP; "
	    "1 Jan 1970 00:00:00 -0000\n");
	str_clear(&r);
	assert_int_equal(smtpd_received(&r, "Host.example", "host.EXAMPLE",
	    "joe", "::1", "mx", "ESMTPS", 1795545031), 0);
	assert_string_equal(str_c(&r), "Received: from Host.example "
	    "(joe@::1)\n  by mx with ESMTPS; 24 Nov 2026 18:30:31 -0000\n");
	str_free(&r);
}

static void
test_qq_reply(void **state)
{
	static const struct {
		int	 code;
		const char *start;
	} t[] = {
		{ 11, "554 5.1.3 " }, { 31, "554 5.3.0 " }, { 40, "554 5.3.0 " },
		{ 51, "451 4.3.0 " }, { 53, "451 4.3.0 qq write error" },
		{ 62, "451 4.3.0 qq trouble creating" }, { 91, "451 4.3.0 " },
		{ 100, "451 4.3.0 qq temporary" }, { 0, "451 4.3.0 qq read" },
	};
	struct str r = STR_INIT(1000);
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		str_clear(&r);
		assert_int_equal(smtpd_qq_reply(t[i].code << 8, &r), 0);
		assert_true(str_starts(&r, t[i].start));
	}
	str_clear(&r);
	assert_int_equal(smtpd_qq_reply(11 /* SIGSEGV */, &r), 0);
	assert_string_equal(str_c(&r), "451 4.3.0 qq crashed (#4.3.0)");
	str_free(&r);
}

/* ---- whole sessions with in-memory hooks ---- */

struct fake {
	struct str msg;
	struct str env;
	int	 open;
	int	 queued;
	int	 qfail;		/* queue_close fails */
	int	 authcalls;
	char	 lastuser[100];
};

/*
 * The test is linked with -Wl,--wrap=realloc: once armed, the next
 * growth of a string fails, as when memory runs out.
 */
void	*__real_realloc(void *, size_t);
void	*__wrap_realloc(void *, size_t);
static int fail_next_realloc;

void *
__wrap_realloc(void *p, size_t n)
{
	if (fail_next_realloc) {
		fail_next_realloc = 0;
		errno = ENOMEM;
		return NULL;
	}
	return __real_realloc(p, n);
}

static int arm_in_rcpthosts;

static int
f_rcpthosts(void *arg, const char *key)
{
	if (arm_in_rcpthosts)
		fail_next_realloc = 1;
	return list_lookup(arg, key);
}

static int
f_auth(void *arg, const char *user, const char *secret, const char *chal)
{
	struct fake *f = arg;

	(void)chal;
	f->authcalls++;
	snprintf(f->lastuser, sizeof(f->lastuser), "%s", user);
	if (strcmp(user, "tmp") == 0)
		return -1;
	return strcmp(user, "alice") == 0 && strcmp(secret, "pw") == 0 ? 0 : 1;
}

static int
f_qopen(void *arg)
{
	struct fake *f = arg;

	str_clear(&f->msg);
	f->open = 1;
	return 0;
}

static int
f_qwrite(void *arg, const char *b, size_t n)
{
	struct fake *f = arg;

	return str_catb(&f->msg, b, n);
}

static int
f_qclose(void *arg, const struct str *env, struct str *reply)
{
	struct fake *f = arg;

	f->open = 0;
	if (env == NULL)
		return -1;
	if (f->qfail) {
		str_clear(reply);
		assert_int_equal(str_cats(reply, "451 4.3.0 qq temporary "
		    "problem (#4.3.0)"), 0);
		return -1;
	}
	f->queued++;
	str_clear(&f->env);
	assert_int_equal(str_catb(&f->env, env->s, env->len), 0);
	str_clear(reply);
	return str_cats(reply, "ok 1 qp 2");
}

static long long
f_now(void *arg)
{
	(void)arg;
	return 0;
}

/* Run a session on input; the server's output into *out. */
static enum smtpd_end
session(const char *in, size_t n, struct smtpd_conf *conf, struct fake *f,
    struct str *out)
{
	struct smtpd_hooks h;
	struct smtpd s;
	struct io io;
	struct rbuf rb;
	struct wbuf wb;
	char	 ipath[4200], opath[4200], buf[8192];
	const char *dir = test_tmpdir();
	int	 ifd, ofd;
	ssize_t	 r;
	enum smtpd_end end;

	snprintf(ipath, sizeof(ipath), "%s/in", dir);
	snprintf(opath, sizeof(opath), "%s/out", dir);
	ifd = open(ipath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ofd = open(opath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(ifd >= 0 && ofd >= 0);
	assert_int_equal(write(ifd, in, n), (ssize_t)n);
	lseek(ifd, 0, SEEK_SET);
	memset(&h, 0, sizeof(h));
	h.arg = f;
	h.rcpthosts = f_rcpthosts;
	h.auth = f_auth;
	h.queue_open = f_qopen;
	h.queue_write = f_qwrite;
	h.queue_close = f_qclose;
	h.now = f_now;
	io_init(&io, ifd, ofd, 5);
	rbuf_init(&rb, &io);
	wbuf_init(&wb, &io);
	assert_int_equal(smtpd_init(&s, conf, &h, &rb, &wb), 0);
	end = smtpd_run(&s);
	(void)wbuf_flush(&wb);
	smtpd_free(&s);
	lseek(ofd, 0, SEEK_SET);
	str_clear(out);
	while ((r = read(ofd, buf, sizeof(buf))) > 0)
		assert_int_equal(str_catb(out, buf, (size_t)r), 0);
	close(ifd);
	close(ofd);
	test_rmrf(dir);
	return end;
}

static void
conf_init(struct smtpd_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->greeting = "mx.test";
	c->localhost = "mx.test";
	c->remoteip = "192.0.2.1";
	c->remotehost = "unknown";
	c->maxrcpt = 3;
	c->pid = 42;
}

#define S(x) x, sizeof(x) - 1

static void
test_session_basic(void **state)
{
	struct smtpd_conf c;
	struct fake f = { STR_INIT(100000), STR_INIT(10000), 0, 0, 0, 0, "" };
	struct str out = STR_INIT(STR_UNBOUNDED);

	(void)state;
	conf_init(&c);
	assert_int_equal(session(S("EHLO a\r\nMAIL FROM:<s@x.y>\r\n"
	    "RCPT TO:<u@example.com>\r\nRCPT TO:<v@evil.test>\r\n"
	    "DATA\r\nhi\r\n.\r\nQUIT\r\n"), &c, &f, &out), END_QUIT);
	assert_string_equal(str_c(&out), "220 mx.test ESMTP\r\n"
	    "250-mx.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n250-SIZE\r\n250 HELP\r\n"
	    "250 2.1.0 ok\r\n250 2.1.5 ok\r\n"
	    "553 5.7.1 sorry, that domain isn't in my list of allowed "
	    "rcpthosts (#5.7.1)\r\n354 go ahead\r\n"
	    "250 2.0.0 ok 1 qp 2\r\n221 2.0.0 mx.test\r\n");
	assert_int_equal(f.queued, 1);
	assert_memory_equal(f.env.s, "Fs@x.y\0Tu@example.com\0\0", 24);
	assert_string_equal(str_c(&f.msg), "Received: from unknown (HELO a) "
	    "(192.0.2.1)\n  by mx.test with SMTP; 1 Jan 1970 00:00:00 -0000\n"
	    "hi\n");
	str_free(&out);
	str_free(&f.msg);
	str_free(&f.env);
}

static void
test_session_limits(void **state)
{
	struct smtpd_conf c;
	struct fake f = { STR_INIT(100000), STR_INIT(10000), 0, 0, 0, 0, "" };
	struct str out = STR_INIT(STR_UNBOUNDED);

	(void)state;
	conf_init(&c);
	/* maxrcpt 3, then a bare LF ends the session. */
	assert_int_equal(session(S("MAIL FROM:<>\r\nRCPT TO:<a@example.com>\r\n"
	    "RCPT TO:<b@example.com>\r\nRCPT TO:<c@example.com>\r\n"
	    "RCPT TO:<d@example.com>\r\nDATA\r\nx\n.\nQUIT\r\n"), &c, &f,
	    &out), END_BARE);
	assert_non_null(strstr(str_c(&out), "452 4.5.3 too many recipients"));
	assert_non_null(strstr(str_c(&out), "354 go ahead\r\n451 4.5.0 See "));
	assert_null(strstr(str_c(&out), "221"));
	assert_int_equal(f.queued, 0);
	assert_int_equal(f.open, 0);
	/* End of input in the middle of DATA: nothing queued. */
	assert_int_equal(session(S("MAIL FROM:<>\r\nRCPT TO:<a@example.com>\r\n"
	    "DATA\r\nx\r\n"), &c, &f, &out), END_EOF);
	assert_int_equal(f.queued, 0);
	assert_int_equal(f.open, 0);
	/* The queue refuses: its reply goes to the client. */
	f.qfail = 1;
	assert_int_equal(session(S("MAIL FROM:<>\r\nRCPT TO:<a@example.com>\r\n"
	    "DATA\r\n.\r\nQUIT\r\n"), &c, &f, &out), END_QUIT);
	assert_non_null(strstr(str_c(&out), "\r\n451 4.3.0 qq temporary "));
	str_free(&out);
	str_free(&f.msg);
	str_free(&f.env);
}

static void
test_session_auth(void **state)
{
	struct smtpd_conf c;
	struct fake f = { STR_INIT(100000), STR_INIT(10000), 0, 0, 0, 0, "" };
	struct str out = STR_INIT(STR_UNBOUNDED);

	(void)state;
	conf_init(&c);
	c.auth = 1;
	c.auth_cleartext = 1;
	c.submission = 1;
	/* "\0alice\0pw" = AGFsaWNlAHB3; LOGIN: YWxpY2U= / cHc= */
	assert_int_equal(session(S("EHLO a\r\nMAIL FROM:<s@x.y>\r\n"
	    "AUTH PLAIN AGFsaWNlAHd4\r\nAUTH PLAIN\r\nAGFsaWNlAHB3\r\n"
	    "AUTH LOGIN\r\nMAIL FROM:<alice@x.y>\r\nRCPT TO:<r@far.test>\r\n"
	    "QUIT\r\n"), &c, &f, &out), END_QUIT);
	assert_non_null(strstr(str_c(&out), "250-AUTH LOGIN PLAIN CRAM-MD5\r\n"
	    "250-AUTH=LOGIN PLAIN CRAM-MD5\r\n"));
	assert_non_null(strstr(str_c(&out),
	    "530 5.7.0 authentication required (#5.7.0)\r\n"
	    "535 5.7.8 authorization failed (#5.7.0)\r\n"
	    "334 \r\n235 2.0.0 ok, go ahead (#2.0.0)\r\n"
	    "503 5.5.0 you're already authenticated (#5.5.0)\r\n"
	    "250 2.1.0 ok\r\n250 2.1.5 ok\r\n"));
	assert_int_equal(f.authcalls, 2);
	/* LOGIN with a temporary failure; malformed PLAIN inputs. */
	f.authcalls = 0;
	assert_int_equal(session(S("AUTH LOGIN\r\ndG1w\r\ncHc=\r\n"
	    "AUTH PLAIN AAA=\r\nAUTH PLAIN YQBi\r\nAUTH PLAIN AGEAYgBj\r\n"
	    "AUTH CRAM-MD5\r\nYWxpY2UgMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\r\n"
	    "QUIT\r\n"), &c, &f, &out), END_QUIT);
	assert_non_null(strstr(str_c(&out), "334 VXNlcm5hbWU6\r\n"
	    "334 UGFzc3dvcmQ6\r\n454 4.3.0 "));
	assert_non_null(strstr(str_c(&out), "(#4.3.0)\r\n"
	    "501 5.5.4 malformed auth input (#5.5.4)\r\n"
	    "501 5.5.4 malformed auth input (#5.5.4)\r\n"
	    "501 5.5.4 malformed auth input (#5.5.4)\r\n334 "));
	assert_string_equal(f.lastuser, "alice");
	assert_int_equal(f.authcalls, 2);
	str_free(&out);
	str_free(&f.msg);
	str_free(&f.env);
}

/* Out of memory is answered 421 and ends the session (die_nomem): the
 * commands after it are never read. */
static void
test_session_nomem(void **state)
{
	struct smtpd_conf c;
	struct fake f = { STR_INIT(100000), STR_INIT(10000), 0, 0, 0, 0, "" };
	struct str out = STR_INIT(STR_UNBOUNDED);

	(void)state;
	conf_init(&c);
	arm_in_rcpthosts = 1;
	assert_int_equal(session(S("MAIL FROM:<a@b>\r\n"
	    "RCPT TO:<a-rather-long-local-part-to-grow-the-envelope@"
	    "example.com>\r\nNOOP\r\nQUIT\r\n"), &c, &f, &out), END_NOMEM);
	arm_in_rcpthosts = 0;
	fail_next_realloc = 0;
	assert_non_null(strstr(str_c(&out),
	    "250 2.1.0 ok\r\n421 4.3.0 out of memory (#4.3.0)\r\n"));
	assert_null(strstr(str_c(&out), "250 2.0.0 ok"));	/* NOOP */
	assert_null(strstr(str_c(&out), "221 "));		/* QUIT */
	str_free(&out);
	str_free(&f.msg);
	str_free(&f.env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_path),
		cmocka_unit_test(test_path_limit),
		cmocka_unit_test(test_domain_match),
		cmocka_unit_test(test_data),
		cmocka_unit_test(test_data_limits),
		cmocka_unit_test(test_received),
		cmocka_unit_test(test_qq_reply),
		cmocka_unit_test(test_session_basic),
		cmocka_unit_test(test_session_limits),
		cmocka_unit_test(test_session_auth),
		cmocka_unit_test(test_session_nomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
