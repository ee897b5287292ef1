/*
 * relay_test - unit tests for relay.c over socketpairs: bytes buffered
 * before the relay go first, the client's end of file half-closes the
 * session's side, what the session writes reaches the client and its
 * end ends the relay; a silent pair ends it at the idle bound; a client
 * that is gone is an error; the pair's ends are out of the children's
 * way and close-on-exec.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "relay.h"
#include "str.h"
#include "test.h"

/* The test's ends: cl the client's, ss the session's; the relay's ends
 * are rcl and rss. */
struct pairs {
	int	 cl, rcl, ss, rss;
	struct io io;
	struct rbuf rb;
};

static void
pairs_open(struct pairs *p)
{
	int	 a[2], b[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
	p->cl = a[0];
	p->rcl = a[1];
	p->ss = b[0];
	p->rss = b[1];
	io_init(&p->io, p->rcl, p->rcl, 10);
	rbuf_init(&p->rb, &p->io);
}

static void
pairs_close(struct pairs *p)
{
	close(p->cl);
	close(p->rcl);
	close(p->ss);
	close(p->rss);
}

/* readall - everything until end of file on fd, into buf (NUL ended). */
static size_t
readall(int fd, char *buf, size_t max)
{
	size_t	 got = 0;
	ssize_t	 n;

	while (got < max - 1 && (n = read(fd, buf + got, max - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	return got;
}

static void
test_both_ways(void **state)
{
	static const char ahead[] = "LOGIN a b\r\nA2 NOOP\r\n";
	static const char later[] = "A3 LOGOUT\r\n";
	struct pairs p;
	struct str line = STR_INIT(100);
	char	 buf[256];
	size_t	 fwd;
	pid_t	 pid;
	int	 status;

	(void)state;
	pairs_open(&p);
	/* The front end read the login; the next command is buffered. */
	assert_int_equal(write(p.cl, ahead, strlen(ahead)),
	    (ssize_t)strlen(ahead));
	assert_int_equal(rbuf_line(&p.rb, &line, 0), 1);
	assert_string_equal(line.s, "LOGIN a b");
	assert_int_equal(write(p.cl, later, strlen(later)),
	    (ssize_t)strlen(later));
	assert_int_equal(shutdown(p.cl, SHUT_WR), 0);
	/* The session: everything until the half-close, then its answer
	 * and its end. */
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		size_t	 n;

		close(p.cl);
		close(p.rcl);
		close(p.rss);
		n = readall(p.ss, buf, sizeof(buf));
		if (strcmp(buf, "A2 NOOP\r\nA3 LOGOUT\r\n") != 0)
			_exit(1);
		_exit(write(p.ss, "* BYE got it\r\n", 14) == 14 && n > 0 ?
		    0 : 2);
	}
	close(p.ss);
	p.ss = -1;
	assert_int_equal(relay_run(&p.rb, p.rss, 10000, 10, &fwd), 0);
	assert_int_equal(fwd, strlen("A2 NOOP\r\n") + strlen(later));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(p.rcl);
	p.rcl = -1;
	readall(p.cl, buf, sizeof(buf));
	assert_string_equal(buf, "* BYE got it\r\n");
	str_free(&line);
	pairs_close(&p);
}

static void
test_session_ends_first(void **state)
{
	struct pairs p;
	char	 buf[64];
	size_t	 fwd = 99;

	(void)state;
	pairs_open(&p);
	assert_int_equal(write(p.ss, "+OK bye\r\n", 9), 9);
	assert_int_equal(shutdown(p.ss, SHUT_WR), 0);
	assert_int_equal(relay_run(&p.rb, p.rss, 10000, 10, &fwd), 0);
	assert_int_equal(fwd, 0);
	assert_int_equal(read(p.cl, buf, sizeof(buf)), 9);
	pairs_close(&p);
}

static void
test_idle(void **state)
{
	struct pairs p;
	size_t	 fwd;

	(void)state;
	pairs_open(&p);
	assert_int_equal(relay_run(&p.rb, p.rss, 50, 10, &fwd), -1);
	pairs_close(&p);
}

static void
test_client_gone(void **state)
{
	struct pairs p;
	size_t	 fwd;
	char	 c;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	pairs_open(&p);
	close(p.cl);
	p.cl = -1;
	/* the client's end of file half-closes the session's side */
	assert_int_equal(write(p.ss, "data\r\n", 6), 6);
	assert_int_equal(relay_run(&p.rb, p.rss, 10000, 10, &fwd), -1);
	assert_int_equal(read(p.ss, &c, 1), 0);
	pairs_close(&p);
}

static void
test_pair(void **state)
{
	int	 sp[2];
	char	 c = 0;

	(void)state;
	assert_int_equal(relay_pair(sp), 0);
	assert_true(sp[0] >= CHILD_MAXFD && sp[1] >= CHILD_MAXFD);
	assert_true(fcntl(sp[0], F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(sp[1], F_GETFD) & FD_CLOEXEC);
	assert_int_equal(write(sp[1], "x", 1), 1);
	assert_int_equal(read(sp[0], &c, 1), 1);
	assert_int_equal(c, 'x');
	close(sp[0]);
	close(sp[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_ways),
		cmocka_unit_test(test_session_ends_first),
		cmocka_unit_test(test_idle),
		cmocka_unit_test(test_client_gone),
		cmocka_unit_test(test_pair),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
