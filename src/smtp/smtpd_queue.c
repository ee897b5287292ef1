/*
 * smtpd_queue - qmail-queue child of qmail-smtpd, or qmail-queue's pipes
 * handed to qmail-queued when it runs.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "esc.h"
#include "fdpass.h"
#include "file.h"
#include "queue.h"
#include "smtpd_queue.h"

/* Seconds to wait for qmail-queued's go-ahead before running qmail-queue. */
#define QUEUED_GO	10

static int	queued_connect(const char *, const char *);
static int	queued_give(int, int, int);
static int	queued_status(int, unsigned long *, int *);

/*
 * A connection to qmail-queued at path, if it listens there now (without
 * waiting: a full backlog is no) and runs as the owner of queuedir (or
 * root), so that nobody else can pose as the queue.  The fd, or -1.
 */
static int
queued_connect(const char *path, const char *queuedir)
{
	struct sockaddr_un sun;
	struct ucred cr;
	struct stat st;
	socklen_t len = sizeof(cr);
	int	 s;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s == -1)
		return -1;
	if (connect(s, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1 ||
	    stat(queuedir, &st) == -1 ||
	    (cr.uid != st.st_uid && cr.uid != 0) ||
	    fcntl(s, F_SETFL, 0) == -1) {
		close(s);
		return -1;
	}
	return s;
}

/*
 * Wait (at most QUEUED_GO seconds) for qmail-queued's go-ahead, then
 * send the read ends m and e (qmail-queue's fds 0 and 1).  0 or -1.
 */
static int
queued_give(int s, int m, int e)
{
	struct pollfd pfd = { s, POLLIN, 0 };
	int	 fds[2] = { m, e };
	char	 byte;
	ssize_t	 r;

	do
		r = poll(&pfd, 1, QUEUED_GO * 1000);
	while (r == -1 && errno == EINTR);
	if (r != 1)
		return -1;
	do
		r = read(s, &byte, 1);
	while (r == -1 && errno == EINTR);
	if (r != 1 || byte != 'g')
		return -1;
	return fdpass_send(s, 'q', fds, 2);
}

/* qmail-queued's answer: the message's qp and wait status.  0 or -1. */
static int
queued_status(int s, unsigned long *qp, int *status)
{
	long	 a[2];
	size_t	 got = 0;
	ssize_t	 r;

	while (got < sizeof(a)) {
		r = read(s, (char *)a + got, sizeof(a) - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	*qp = (unsigned long)a[0];
	*status = (int)a[1];
	return 0;
}

int
smtpd_qq_open(struct smtpd_qq *qq, const char *prog, const char *sock,
    const char *queuedir, unsigned timeout_sec)
{
	struct child_spec cs;
	char	*argv[2];
	int	 m[2], e[2], err;

	qq->pid = -1;
	qq->sock = -1;
	qq->msgfd = qq->envfd = -1;
	if (pipe2(m, O_CLOEXEC) == -1)
		return -1;
	if (pipe2(e, O_CLOEXEC) == -1) {
		err = errno;
		close(m[0]);
		close(m[1]);
		errno = err;
		return -1;
	}
	if (sock != NULL && (qq->sock = queued_connect(sock, queuedir)) >= 0) {
		if (queued_give(qq->sock, m[0], e[0]) == 0) {
			qq->pid = 0;
			goto started;
		}
		close(qq->sock);
		qq->sock = -1;
	}
	m[0] = child_fd_high(m[0]);
	e[0] = child_fd_high(e[0]);
	argv[0] = (char *)(uintptr_t)prog;
	argv[1] = NULL;
	child_spec_init(&cs, argv);
	cs.fd[0] = m[0];
	cs.fd[1] = e[0];
	qq->pid = m[0] < 0 || e[0] < 0 ? -1 : child_start(&cs);
started:
	err = errno;
	if (m[0] >= 0)
		close(m[0]);
	if (e[0] >= 0)
		close(e[0]);
	if (qq->pid == -1) {
		close(m[1]);
		close(e[1]);
		errno = err;
		return -1;
	}
	qq->msgfd = m[1];
	qq->envfd = e[1];
	(void)fcntl(qq->msgfd, F_SETFL, O_NONBLOCK);
	io_init(&qq->io, -1, qq->msgfd, timeout_sec);
	return 0;
}

int
smtpd_qq_write(struct smtpd_qq *qq, const char *b, size_t n)
{
	if (qq->msgfd < 0) {
		errno = EPIPE;
		return -1;
	}
	return io_writeall(&qq->io, b, n);
}

int
smtpd_qq_close(struct smtpd_qq *qq, const struct str *env, long long now,
    struct str *reply)
{
	unsigned long qp = 0;
	int	 status, werr = 0, r;

	if (qq->pid == -1) {
		(void)esc_reply(reply, 451, ESC_SYSTEM, "qqt failure");
		return -1;
	}
	if (close(qq->msgfd) == -1)
		werr = 1;
	qq->msgfd = -1;
	if (env != NULL && file_writeall(qq->envfd, env->s, env->len) == -1)
		werr = 1;
	close(qq->envfd);
	qq->envfd = -1;
	if (qq->sock >= 0) {
		r = queued_status(qq->sock, &qp, &status);
		close(qq->sock);
		qq->sock = -1;
	} else {
		r = child_wait(qq->pid, &status);
		qp = (unsigned long)qq->pid;
	}
	if (r == -1) {
		qq->pid = -1;
		(void)esc_reply(reply, 451, ESC_SYSTEM, "qq crashed");
		return -1;
	}
	str_clear(reply);
	if (env != NULL && !werr && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0) {
		if (str_printf(reply, "ok %lld qp %lu", now, qp) == -1)
			str_note(reply, "ok");	/* queued all the same */
		qq->pid = -1;
		return 0;
	}
	qq->pid = -1;
	if (env != NULL && werr && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0)
		status = QQ_READ << 8;	/* it cannot have had everything */
	(void)smtpd_qq_reply(status, reply);
	return -1;
}

int
smtpd_qq_reply(int status, struct str *reply)
{
	const struct queue_exit *e;

	if (!WIFEXITED(status))
		return esc_reply(reply, 451, ESC_SYSTEM, "qq crashed");
	e = queue_exit_info(WEXITSTATUS(status));
	return esc_reply(reply, e->perm ? 554 : 451, e->esc, e->text);
}
