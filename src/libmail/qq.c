/*
 * qq - hand one message to qmail-queued or qmail-queue for a client
 * program; see qq.h.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "fdpass.h"
#include "file.h"
#include "qq.h"
#include "queue.h"
#include "root.h"

static void	flush(struct qq *);
static int	start_queued(struct qq *, int, int, char);
static int	start_program(struct qq *, const char *, int, int);

int
qq_queued_connect(const char *sock, const char *queuedir)
{
	struct sockaddr_un sun;
	struct ucred cr;
	struct stat st;
	socklen_t len = sizeof(cr);
	size_t	 n = strlen(sock);
	int	 s;

	if (n >= sizeof(sun.sun_path))
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, sock, n);
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

int
qq_queued_give(int s, int m, int e, char as)
{
	struct pollfd pfd = { s, POLLIN, 0 };
	int	 fds[2] = { m, e };
	char	 byte;
	ssize_t	 r;

	do
		r = poll(&pfd, 1, QQ_QUEUED_GO * 1000);
	while (r == -1 && errno == EINTR);
	if (r != 1)
		return -1;
	do
		r = read(s, &byte, 1);
	while (r == -1 && errno == EINTR);
	if (r != 1 || byte != 'g')
		return -1;
	return fdpass_send(s, as, fds, 2);
}

int
qq_queued_status(int s, unsigned long *qp_r, int *status_r)
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
	*qp_r = (unsigned long)a[0];
	*status_r = (int)a[1];
	return 0;
}

/* qmail-queued, if it is there: 1 it has the read ends, 0 not there. */
static int
start_queued(struct qq *q, int m, int e, char as)
{
	struct str sock = STR_INIT(4096), qdir = STR_INIT(4096);
	int	 s = -1;

	if (root_path(&sock, ROOT_QMAIL, QUEUE_SOCK) == 0 &&
	    root_path(&qdir, ROOT_QMAIL, "queue") == 0)
		s = qq_queued_connect(sock.s, qdir.s);
	str_free(&sock);
	str_free(&qdir);
	if (s == -1)
		return 0;
	if (qq_queued_give(s, m, e, as) == -1) {
		close(s);
		return 0;
	}
	q->sock = s;
	q->pid = 0;
	return 1;
}

/* The program at path with m and e as its fds 0 and 1.  0 or -1. */
static int
start_program(struct qq *q, const char *path, int m, int e)
{
	struct child_spec cs;
	char	*argv[2];

	argv[0] = (char *)(uintptr_t)path;
	argv[1] = NULL;
	child_spec_init(&cs, argv);
	cs.fd[0] = m;
	cs.fd[1] = e;
	q->pid = child_start(&cs);
	q->qp = q->pid == -1 ? 0 : (unsigned long)q->pid;
	return q->pid == -1 ? -1 : 0;
}

int
qq_open(struct qq *q)
{
	return qq_open_as(q, QQ_AS_USER);
}

int
qq_open_as(struct qq *q, char as)
{
	struct str path = STR_INIT(4096);
	const char *e;
	int	 m[2], v[2], saved, r;

	memset(q, 0, sizeof(*q));
	q->env.max = STR_UNBOUNDED;
	q->pid = -1;
	q->sock = -1;
	e = getenv("QMAILQUEUE");
	if (e != NULL && *e != '\0') {
		if (str_copys(&path, e) == -1)
			return -1;
	} else if (root_path(&path, ROOT_QMAIL, "bin/qmail-queue") == -1)
		return -1;
	if (pipe2(m, O_CLOEXEC) == -1)
		goto fail0;
	if (pipe2(v, O_CLOEXEC) == -1)
		goto fail1;
	/* $QMAILQUEUE is a filter the administrator put in the way: it
	 * runs even when qmail-queued would take the message. */
	if ((e != NULL && *e != '\0') || !start_queued(q, m[0], v[0], as))
		r = start_program(q, path.s, m[0], v[0]);
	else
		r = 0;
	if (r == -1)
		goto fail2;
	close(m[0]);
	close(v[0]);
	q->msgfd = m[1];
	q->envfd = v[1];
	str_free(&path);
	return 0;
fail2:
	saved = errno;
	close(v[0]);
	close(v[1]);
	errno = saved;
fail1:
	saved = errno;
	close(m[0]);
	close(m[1]);
	errno = saved;
fail0:
	str_free(&path);
	return -1;
}

static void
flush(struct qq *q)
{
	if (q->buflen > 0 && !q->fail &&
	    file_writeall(q->msgfd, q->buf, q->buflen) == -1)
		q->fail = 1;
	q->buflen = 0;
}

void
qq_put(struct qq *q, const void *b, size_t n)
{
	if (q->fail)
		return;
	if (q->buflen + n > sizeof(q->buf))
		flush(q);
	if (n > sizeof(q->buf)) {
		if (!q->fail && file_writeall(q->msgfd, b, n) == -1)
			q->fail = 1;
		return;
	}
	memcpy(q->buf + q->buflen, b, n);
	q->buflen += n;
}

void
qq_puts(struct qq *q, const char *s)
{
	qq_put(q, s, strlen(s));
}

void
qq_fail(struct qq *q)
{
	q->fail = 1;
}

void
qq_from(struct qq *q, const char *s)
{
	if (queue_rec_cat(&q->env, 'F', s, strlen(s)) == -1)
		q->fail = 2;
}

void
qq_to(struct qq *q, const char *s)
{
	if (queue_rec_cat(&q->env, 'T', s, strlen(s)) == -1)
		q->fail = 2;
}

unsigned long
qq_qp(const struct qq *q)
{
	return q->qp;
}

const char *
qq_close(struct qq *q)
{
	unsigned long qp = 0;
	int	 status, code, fail, r;

	flush(q);
	close(q->msgfd);
	fail = q->fail;
	if (!fail && (str_catc(&q->env, '\0') == -1 ||
	    file_writeall(q->envfd, q->env.s, q->env.len) == -1))
		fail = 1;
	close(q->envfd);
	str_free(&q->env);
	if (q->sock != -1) {
		/* qmail-queued's child gone before answering: it may have
		 * died at any point, so nothing is known to be queued. */
		r = qq_queued_status(q->sock, &qp, &status);
		close(q->sock);
		q->sock = -1;
		if (r == -1)
			return "Zqq crashed (#4.3.0)";
	} else if (child_wait(q->pid, &status) == -1)
		return "Zqq waitpid surprise (#4.3.0)";
	if (!WIFEXITED(status))
		return "Zqq crashed (#4.3.0)";
	code = WEXITSTATUS(status);
	if (fail == 2 && code != 0)
		return queue_exit_text(QQ_ADDRLONG);
	if (code == 0 && fail)
		return "Zqq read error (#4.3.0)";
	if (code == 0) {
		if (q->pid == 0)
			q->qp = qp;
		return "";
	}
	return queue_exit_text(code);
}
