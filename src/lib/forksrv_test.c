/*
 * forksrv_test - the fork server's program side against a fake
 * tcpserver (this test): records parsed strictly; a start without the
 * variable, or with one that names no socket of our parent, is a normal
 * start; a served session is our child with exactly the environment
 * sent, the connection on fds 0 and 1 and no descriptor of the server's;
 * a bad record is refused and the server serves on; the server exits
 * when its socket is closed.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forksrv.h"
#include "test.h"

extern char **environ;

struct rec_case {
	const char *b;
	size_t	 n;
	int	 want;		/* count, or -1 */
};

static void
test_rec_parse(void **state)
{
	static const struct rec_case cases[] = {
		{ "C", 1, 0 },
		{ "CA=1\0", 5, 1 },
		{ "CA=1\0B=\0C==x\0", 13, 3 },
		{ "", 0, -1 },
		{ "XA=1\0", 5, -1 },
		{ "CA=1", 4, -1 },		/* no final NUL */
		{ "CA=1\0\0", 6, -1 },		/* an empty item */
		{ "CA\0", 3, -1 },		/* no '=' */
		{ "C=x\0", 4, -1 },		/* no name */
		{ "CA=1\0B=2\0C=3\0D=4\0", 17, -1 },	/* over max (3) */
	};
	char	 b[64], *env[4];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(b, cases[i].b, cases[i].n);
		errno = 0;
		assert_int_equal(forksrv_rec_parse(b, cases[i].n, env, 3),
		    cases[i].want);
		if (cases[i].want == -1)
			assert_int_equal(errno, EPROTO);
		else
			assert_null(env[cases[i].want]);
	}
	memcpy(b, "CA=1\0B=\0", 8);
	assert_int_equal(forksrv_rec_parse(b, 8, env, 3), 2);
	assert_string_equal(env[0], "A=1");
	assert_string_equal(env[1], "B=");
}

static void
test_reply_make(void **state)
{
	char	 b[FORKSRV_REPLY];
	int32_t	 v;

	(void)state;
	assert_int_equal(forksrv_reply_make(b, 'R', 0), 1);
	assert_int_equal(b[0], 'R');
	assert_int_equal(forksrv_reply_make(b, 'P', 4242), FORKSRV_REPLY);
	memcpy(&v, b + 1, sizeof(v));
	assert_int_equal(b[0], 'P');
	assert_int_equal(v, 4242);
}

/* In a forked child: forksrv_serve with FORKSRV_ENV=val, then report
 * on fd 1 "normal" (a plain start) with whether the variable is gone. */
static void
plain_start(const char *val)
{
	pid_t	 pid;
	int	 st, p[2];
	char	 buf[64];
	ssize_t	 n;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		if (val != NULL)
			setenv(FORKSRV_ENV, val, 1);
		(void)forksrv_serve();
		n = snprintf(buf, sizeof(buf), "normal %s",
		    getenv(FORKSRV_ENV) == NULL ? "unset" : "set");
		(void)!write(p[1], buf, (size_t)n);
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "normal unset");
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(p[0]);
}

static void
test_plain_starts(void **state)
{
	int	 sp[2], pp[2];
	char	 num[16];

	(void)state;
	plain_start(NULL);
	plain_start("x");
	plain_start("1");		/* fds 0..2 are never it */
	plain_start("999");		/* not open */
	assert_int_equal(pipe(pp), 0);	/* not a socket */
	snprintf(num, sizeof(num), "%d", pp[0]);
	plain_start(num);
	close(pp[0]);
	close(pp[1]);
	/* A stream socket, not SOCK_SEQPACKET. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	snprintf(num, sizeof(num), "%d", sp[1]);
	plain_start(num);
	close(sp[0]);
	close(sp[1]);
}

/*
 * A fake tcpserver: start the server (a child of ours running
 * forksrv_serve on one end of a SOCK_SEQPACKET pair); in each session it
 * forks, the child writes on fd 1 its parent, environment and whether
 * the server's socket is open, then exits 7.
 */
static pid_t
start_server(int *ctl_r)
{
	char	 num[16], line[4096];
	int	 sp[2], ctl, k;
	size_t	 len, i;
	pid_t	 pid;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
	    sp), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sp[0]);
		ctl = fcntl(sp[1], F_DUPFD, 20);	/* not close-on-exec */
		close(sp[1]);
		snprintf(num, sizeof(num), "%d", ctl);
		setenv(FORKSRV_ENV, num, 1);
		if (forksrv_serve() != 0)
			_exit(1);
		if (environ == NULL)
			_exit(2);
		len = (size_t)snprintf(line, sizeof(line), "ppid %ld ctl %s",
		    (long)getppid(), fcntl(ctl, F_GETFD) == -1 ? "closed" :
		    "open");
		for (i = 0; environ[i] != NULL; i++) {
			k = snprintf(line + len, sizeof(line) - len, " %s",
			    environ[i]);
			if (k < 0 || (size_t)k >= sizeof(line) - len)
				_exit(3);
			len += (size_t)k;
		}
		(void)!write(1, line, len);
		_exit(7);
	}
	close(sp[1]);
	*ctl_r = sp[0];
	return pid;
}

/* Send a record with the connection c; the reply. */
static char
send_rec(int ctl, const void *rec, size_t n, int c, int32_t *val)
{
	struct msghdr mh;
	struct cmsghdr *cm;
	struct iovec iov;
	union {
		struct cmsghdr h;
		char	 b[CMSG_SPACE(sizeof(int))];
	} u;
	char	 r[FORKSRV_REPLY];

	memset(&mh, 0, sizeof(mh));
	memset(&u, 0, sizeof(u));
	iov.iov_base = (void *)(uintptr_t)rec;
	iov.iov_len = n;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.b;
	mh.msg_controllen = sizeof(u.b);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &c, sizeof(int));
	assert_int_equal(sendmsg(ctl, &mh, 0), (ssize_t)n);
	assert_int_equal(recv(ctl, r, sizeof(r), 0), FORKSRV_REPLY);
	memcpy(val, r + 1, sizeof(*val));
	return r[0];
}

static void
test_sessions(void **state)
{
	static const char good[] = "CTCPREMOTEIP=10.0.0.1\0RELAYCLIENT=\0";
	char	 r[8], out[4096], want[256];
	int	 ctl, conn[2], st, round;
	int32_t	 val;
	ssize_t	 n;
	pid_t	 srv;

	(void)state;
	srv = start_server(&ctl);
	assert_int_equal(recv(ctl, r, sizeof(r), 0), 1);
	assert_int_equal(r[0], 'R');
	for (round = 0; round < 3; round++) {
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, conn), 0);
		if (round == 1) {
			/* A bad record: refused, the descriptor closed. */
			assert_int_equal(send_rec(ctl, "CNOEQUALS\0", 10,
			    conn[1], &val), 'F');
			assert_int_equal(val, EPROTO);
			close(conn[1]);
			assert_int_equal(read(conn[0], out, 1), 0);
			close(conn[0]);
			continue;
		}
		assert_int_equal(send_rec(ctl, good, sizeof(good) - 1,
		    conn[1], &val), 'P');
		close(conn[1]);
		assert_true(val > 0);
		/* The session is our child, not the server's. */
		assert_int_equal(waitpid(val, &st, 0), val);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 7);
		n = read(conn[0], out, sizeof(out) - 1);
		assert_true(n > 0);
		out[n] = '\0';
		snprintf(want, sizeof(want), "ppid %ld ctl closed "
		    "TCPREMOTEIP=10.0.0.1 RELAYCLIENT=", (long)getpid());
		assert_string_equal(out, want);
		close(conn[0]);
	}
	close(ctl);
	assert_int_equal(waitpid(srv, &st, 0), srv);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rec_parse),
		cmocka_unit_test(test_reply_make),
		cmocka_unit_test(test_plain_starts),
		cmocka_unit_test(test_sessions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
