/*
 * tls_test - unit tests for tls.c: contexts, handshakes over a socket
 * pair (server in a child process), rbuf/wbuf over TLS, the handshake
 * timeout and client-side verification.  Makes a throw-away self-signed
 * certificate with the openssl command.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rbuf.h"
#include "str.h"
#include "test.h"
#include "tls.h"
#include "wbuf.h"

static char	 certfile[4096];
static const char *tmpdir;

/* Make <dir>/cert.pem (key + certificate for CN=localhost). */
static int
make_cert(const char *dir, char *out, size_t outsz)
{
	char	 cmd[8192];

	if ((size_t)snprintf(out, outsz, "%s/cert.pem", dir) >= outsz)
		return -1;
	if ((size_t)snprintf(cmd, sizeof(cmd),
	    "cd '%s' && openssl req -x509 -newkey ec "
	    "-pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=localhost "
	    "-addext subjectAltName=DNS:localhost -days 2 -keyout key.pem "
	    "-out crt.pem >/dev/null 2>&1 && cat key.pem crt.pem > cert.pem",
	    dir) >= sizeof(cmd))
		return -1;
	return system(cmd) == 0 ? 0 : -1;
}

static int
setup(void **state)
{
	(void)state;
	tmpdir = test_tmpdir();
	signal(SIGPIPE, SIG_IGN);
	return make_cert(tmpdir, certfile, sizeof(certfile));
}

static int
teardown(void **state)
{
	(void)state;
	test_rmrf(tmpdir);
	return 0;
}

static void
test_ctx_missing(void **state)
{
	struct str why = STR_INIT(1000);

	(void)state;
	assert_null(tls_server_ctx("/nonexistent/cert.pem", NULL, &why));
	assert_int_equal(errno, ENOENT);
	assert_true(why.len > 0);
	str_free(&why);
}

static void
test_ctx_garbage(void **state)
{
	char	 path[4200];
	FILE	*f;
	struct str why = STR_INIT(1000);

	(void)state;
	snprintf(path, sizeof(path), "%s/garbage.pem", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("not a certificate\n", f);
	fclose(f);
	assert_null(tls_server_ctx(path, NULL, &why));
	assert_int_equal(errno, EPROTO);
	assert_true(str_starts(&why, "cannot load certificate"));
	str_free(&why);
}

static void
test_ctx_ok(void **state)
{
	SSL_CTX	*ctx;

	(void)state;
	ctx = tls_server_ctx(certfile, NULL, NULL);
	assert_non_null(ctx);
	assert_int_equal(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
	SSL_CTX_free(ctx);
}

/* The server: echo each line back upper-cased, "BIG" sends 100 KB. */
static void
server(int fd)
{
	struct io io;
	struct rbuf rb;
	struct wbuf wb;
	struct str line = STR_INIT(200000);
	size_t	 i;

	io_init(&io, fd, fd, 10);
	if (tls_server_start(&io, certfile, 10, NULL) == -1)
		_exit(2);
	rbuf_init(&rb, &io);
	wbuf_init(&wb, &io);
	while (rbuf_line(&rb, &line, 0) == 1) {
		if (str_equals(&line, "BIG")) {
			for (i = 0; i < 100000; i++)
				wbuf_put(&wb, "x", 1);
			wbuf_puts(&wb, "\r\n");
		} else {
			for (i = 0; i < line.len; i++)
				if (line.s[i] >= 'a' && line.s[i] <= 'z')
					line.s[i] -= 32;
			wbuf_put(&wb, line.s, line.len);
			wbuf_puts(&wb, "\r\n");
		}
		if (wbuf_flush(&wb) == -1)
			_exit(3);
	}
	tls_close(&io);
	_exit(0);
}

static pid_t
start_server(int *fd_r)
{
	int	 sv[2];
	pid_t	 pid;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		server(sv[1]);
	}
	close(sv[1]);
	*fd_r = sv[0];
	return pid;
}

static void
test_roundtrip(void **state)
{
	struct io io;
	struct rbuf rb;
	struct wbuf wb;
	struct str line = STR_INIT(200000), info = STR_INIT(200);
	SSL_CTX	*ctx;
	int	 fd, status;
	pid_t	 pid;

	(void)state;
	pid = start_server(&fd);
	ctx = tls_client_ctx(NULL, 0, NULL);
	assert_non_null(ctx);
	io_init(&io, fd, fd, 10);
	assert_int_equal(tls_connect(&io, ctx, "localhost", 10, NULL), 0);
	assert_true(tls_active(&io));
	assert_int_equal(tls_info(&io, &info), 0);
	assert_true(str_starts(&info, "TLSv1."));
	rbuf_init(&rb, &io);
	wbuf_init(&wb, &io);
	/* Two lines in one record: the second comes from SSL_pending. */
	assert_int_equal(wbuf_puts(&wb, "hello\r\nworld\r\nBIG\r\n"), 0);
	assert_int_equal(wbuf_flush(&wb), 0);
	assert_int_equal(rbuf_line(&rb, &line, RBUF_STRICT), 1);
	assert_string_equal(str_c(&line), "HELLO");
	assert_int_equal(rbuf_line(&rb, &line, RBUF_STRICT), 1);
	assert_string_equal(str_c(&line), "WORLD");
	assert_int_equal(rbuf_line(&rb, &line, RBUF_STRICT), 1);
	assert_int_equal(line.len, 100000);
	tls_close(&io);
	assert_false(tls_active(&io));
	close(fd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	SSL_CTX_free(ctx);
	str_free(&line);
	str_free(&info);
}

static void
test_verify(void **state)
{
	struct io io;
	SSL_CTX	*ctx;
	int	 fd, status;
	pid_t	 pid;

	(void)state;
	ctx = tls_client_ctx(certfile, 1, NULL);
	assert_non_null(ctx);

	pid = start_server(&fd);
	io_init(&io, fd, fd, 10);
	assert_int_equal(tls_connect(&io, ctx, "localhost", 10, NULL), 0);
	tls_close(&io);
	close(fd);
	waitpid(pid, &status, 0);

	pid = start_server(&fd);
	io_init(&io, fd, fd, 10);
	assert_int_equal(tls_connect(&io, ctx, "mail.example.org", 10, NULL),
	    -1);
	assert_int_equal(errno, EPROTO);
	assert_false(tls_active(&io));
	close(fd);
	waitpid(pid, &status, 0);
	SSL_CTX_free(ctx);
}

static void
test_timeout(void **state)
{
	struct io io;
	struct str why = STR_INIT(1000);
	SSL_CTX	*ctx;
	int	 sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ctx = tls_server_ctx(certfile, NULL, NULL);
	assert_non_null(ctx);
	io_init(&io, sv[0], sv[0], 1);
	/* The peer says nothing: the handshake gives up after 1 s. */
	assert_int_equal(tls_accept(&io, ctx, 1, &why), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_false(tls_active(&io));
	close(sv[0]);
	close(sv[1]);
	SSL_CTX_free(ctx);
	str_free(&why);
}

static void
test_plaintext_peer(void **state)
{
	struct io io;
	SSL_CTX	*ctx;
	int	 sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ctx = tls_server_ctx(certfile, NULL, NULL);
	assert_non_null(ctx);
	assert_int_equal(write(sv[1], "EHLO x\r\n", 8), 8);
	close(sv[1]);
	io_init(&io, sv[0], sv[0], 5);
	assert_int_equal(tls_accept(&io, ctx, 5, NULL), -1);
	assert_true(errno == EPROTO || errno == ECONNRESET);
	close(sv[0]);
	SSL_CTX_free(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctx_missing),
		cmocka_unit_test(test_ctx_garbage),
		cmocka_unit_test(test_ctx_ok),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_plaintext_peer),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
