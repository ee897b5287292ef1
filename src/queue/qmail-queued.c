/*
 * qmail-queued - qmail-queue without loading a program per message.
 * Started by qmail-start as qmailq with a listening Unix socket
 * (<qmail>/qmail-queued.sock) on fd 0 and its log on fd 2.  A client
 * (qmail-smtpd) connects; a forked child says 'g'; the client sends, with
 * one byte, the two descriptors qmail-queue would get: the read ends of
 * its message and envelope pipes.  The child runs qmail-queue's code
 * (qqmain.h) on them with the client's uid, exactly as the set-uid
 * program does; when it exits the client gets the child's pid and wait
 * status (two native ints) and the connection is closed.  Without the
 * 'g' (too many children, or no daemon) the client runs qmail-queue; a
 * connection that closes after it without the answer is a temporary
 * failure.
 * Trusts nobody who connects more than qmail-queue trusts its caller.
 * TERM (or the end of qmail-send, its parent): stop accepting, let the
 * running children finish and answer, exit.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "err.h"
#include "log.h"
#include "qqmain.h"
#include "queue.h"

#define KIDS_MAX	200	/* children at once; more run qmail-queue */
#define FDS_WAIT	60	/* seconds a child waits for the descriptors */

struct kid {
	pid_t	 pid;
	int	 fd;		/* the connection */
};

static struct kid kids[KIDS_MAX];
static int	 nkids;
static volatile sig_atomic_t gotterm;

static void	sigterm(int);
static void	sigchld(int);
static void	serve(int, uid_t) __attribute__((__noreturn__));
static void	reap(void);

static void
sigterm(int sig)
{
	(void)sig;
	gotterm = 1;
}

static void
sigchld(int sig)
{
	(void)sig;
}

/*
 * In the child: take the two descriptors from the connection as fds 0
 * and 1, then be qmail-queue.
 */
static void
serve(int c, uid_t uid)
{
	union {
		struct cmsghdr h;
		char	 b[CMSG_SPACE(2 * sizeof(int))];
	} u;
	struct timeval tv = { FDS_WAIT, 0 };
	struct msghdr mh;
	struct cmsghdr *cm;
	struct iovec iov;
	int	 fds[2];
	char	 byte;
	ssize_t	 r;

	(void)setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	byte = 'g';			/* go ahead: send them */
	if (send(c, &byte, 1, MSG_NOSIGNAL) != 1)
		_exit(QQ_READ);
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = &byte;
	iov.iov_len = 1;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.b;
	mh.msg_controllen = sizeof(u.b);
	do
		r = recvmsg(c, &mh, MSG_CMSG_CLOEXEC);
	while (r == -1 && errno == EINTR);
	cm = r == 1 && (mh.msg_flags & MSG_CTRUNC) == 0 ?
	    CMSG_FIRSTHDR(&mh) : NULL;
	if (cm == NULL || cm->cmsg_level != SOL_SOCKET ||
	    cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(2 * sizeof(int))) {
		log_warn("a client sent no descriptors");
		_exit(QQ_READ);
	}
	memcpy(fds, CMSG_DATA(cm), sizeof(fds));
	close(c);
	/* fds 0..2 are taken (listening socket, log, log), so the two are
	 * above them: the message becomes fd 0 (closing the listening
	 * socket), the envelope fd 1; fd 2 stays the log. */
	if (dup2(fds[0], 0) == -1 || dup2(fds[1], 1) == -1)
		_exit(QQ_READ);
	close(fds[0]);
	close(fds[1]);
	qq_main(uid);
}

/* Answer and forget every child that has exited. */
static void
reap(void)
{
	pid_t	 pid;
	int	 st, i, a[2];

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		for (i = 0; i < nkids; i++) {
			if (kids[i].pid != pid)
				continue;
			a[0] = (int)pid;
			a[1] = st;
			/* The client reads nothing before this: it fits. */
			if (send(kids[i].fd, a, sizeof(a), MSG_NOSIGNAL |
			    MSG_DONTWAIT) != (ssize_t)sizeof(a))
				log_warn("cannot answer for %ld: %s",
				    (long)pid, strerror(errno));
			close(kids[i].fd);
			kids[i] = kids[--nkids];
			break;
		}
}

int
main(void)
{
	struct sigaction sa;
	struct ucred cr;
	struct pollfd pfd;
	socklen_t len;
	sigset_t block, old;
	pid_t	 pid;
	int	 c, r, lfd = 0;

	log_init("qmail-queued");
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() == 1)
		log_die(EXIT_TEMP, "no parent to stop with");
	if (fcntl(lfd, F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(lfd, F_SETFL, O_NONBLOCK) == -1)
		log_die(EXIT_TEMP, "fd 0 is not the listening socket");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sigterm;
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = sigchld;
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	for (;;) {
		reap();
		if (gotterm && lfd >= 0) {
			close(lfd);
			lfd = -1;
		}
		if (lfd < 0 && nkids == 0)
			return 0;
		pfd.fd = lfd;
		pfd.events = POLLIN;
		r = ppoll(&pfd, 1, NULL, &old);
		if (r <= 0 || pfd.fd < 0 || !(pfd.revents & POLLIN))
			continue;
		c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("accept: %s", strerror(errno));
			continue;
		}
		len = sizeof(cr);
		if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1) {
			close(c);
			continue;
		}
		if (nkids >= KIDS_MAX) {	/* the client runs qmail-queue */
			close(c);
			continue;
		}
		pid = child_fork();
		if (pid == 0) {	/* fds 0..2 stay taken until serve's dup2s */
			while (nkids > 0)
				close(kids[--nkids].fd);
			serve(c, cr.uid);
		}
		if (pid == -1) {
			log_warn("cannot fork: %s", strerror(errno));
			close(c);
			continue;
		}
		kids[nkids].pid = pid;
		kids[nkids].fd = c;
		nkids++;
	}
}
