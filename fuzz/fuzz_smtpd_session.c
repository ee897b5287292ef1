/*
 * fuzz_smtpd_session - libFuzzer target running a whole qmail-smtpd
 * session (commands, AUTH exchanges, DATA) on the input, with in-memory
 * hooks standing in for the queue and the checkpassword program.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <unistd.h>

#include "../src/smtp/smtpd_proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	inq;

static int
f_rcpthosts(void *arg, const char *key)
{
	(void)arg;
	return strcmp(key, "example.com") == 0;
}

static int
f_auth(void *arg, const char *user, const char *secret, const char *chal)
{
	(void)arg;
	(void)chal;
	return strcmp(user, "u") == 0 && strcmp(secret, "p") == 0 ? 0 : 1;
}

static int
f_qopen(void *arg)
{
	(void)arg;
	if (inq)
		__builtin_trap();
	inq = 1;
	return 0;
}

static int
f_qwrite(void *arg, const char *b, size_t n)
{
	(void)arg;
	(void)b;
	(void)n;
	if (!inq)
		__builtin_trap();
	return 0;
}

static int
f_qclose(void *arg, const struct str *env, struct str *reply)
{
	(void)arg;
	if (!inq)
		__builtin_trap();
	inq = 0;
	if (env == NULL)
		return -1;
	/* F...\0 (T...\0)+ \0 */
	if (env->len < 4 || env->s[0] != 'F' || env->s[env->len - 1] != '\0' ||
	    env->s[env->len - 2] != '\0')
		__builtin_trap();
	str_clear(reply);
	return str_cats(reply, "ok 1 qp 1");
}

static long long
f_now(void *arg)
{
	(void)arg;
	return 1700000000;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtpd_conf c;
	struct smtpd_hooks h;
	struct smtpd s;
	struct io io;
	static struct rbuf rb;
	static struct wbuf wb;
	int	 in, out;

	in = memfd_create("in", 0);
	out = open("/dev/null", O_WRONLY);
	if (in < 0 || out < 0 || write(in, data, size) != (ssize_t)size)
		__builtin_trap();
	lseek(in, 0, SEEK_SET);
	memset(&c, 0, sizeof(c));
	c.greeting = c.localhost = "mx.test";
	c.remoteip = "192.0.2.1";
	c.remotehost = "unknown";
	c.maxrcpt = 5;
	c.auth = 1;
	c.auth_cleartext = size > 0 && (data[0] & 1);
	c.submission = size > 0 && (data[0] & 2);
	c.databytes = 2000;
	memset(&h, 0, sizeof(h));
	h.rcpthosts = f_rcpthosts;
	h.auth = f_auth;
	h.queue_open = f_qopen;
	h.queue_write = f_qwrite;
	h.queue_close = f_qclose;
	h.now = f_now;
	io_init(&io, in, out, 5);
	rbuf_init(&rb, &io);
	wbuf_init(&wb, &io);
	(void)smtpd_init(&s, &c, &h, &rb, &wb);
	(void)smtpd_run(&s);
	smtpd_free(&s);
	if (inq)
		__builtin_trap();
	close(in);
	close(out);
	return 0;
}
