/*
 * qmail-queued - qmail-queue without loading a program per message.
 * Started by qmail-start as qmailq with a listening Unix socket
 * (<qmail>/qmail-queued.sock) on fd 0 and its log on fd 2.
 *
 * A client (qmail-smtpd, or any qq.h client: qmail-local, vdelivermail,
 * qmail-inject, qmail-send) connects; a child of qmail-queued accepts and
 * says 'g'; the client sends, with one byte, the two descriptors
 * qmail-queue would get: the read ends of its message and envelope pipes.
 * The byte says who the client is (qq.h: 'q' a user, 'n' qmail-smtpd,
 * 'b' qmail-send's bounces), believed only from root and the queue's
 * owner.  The child runs qmail-queue's code (qqmain.h) on them with the
 * client's uid (SO_PEERCRED), exactly as the set-uid program does but
 * naming the message by its inode instead of a pid (qmail's "qp": one
 * child queues many messages), answers with that number and the wait
 * status qmail-queue would have had (two native longs), closes the
 * connection and accepts the next client.  A client that gets no 'g'
 * runs qmail-queue itself; one whose connection closes after the 'g'
 * without the answer has a temporary failure.
 *
 * The parent keeps at least one child waiting in accept() and starts
 * another when all are busy (up to KIDS_MAX); a child ends after
 * USES_MAX clients or IDLE_WAIT seconds without one (the last one stays).
 * Trusts nobody who connects more than qmail-queue trusts its caller.
 * TERM (or the end of qmail-send, its parent): stop accepting, let the
 * running messages finish and be answered, exit.
 */
#include <sys/mman.h>
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
#include "fdpass.h"
#include "gsync.h"
#include "log.h"
#include "qq.h"
#include "qqmain.h"
#include "queue.h"

#define KIDS_MAX	200	/* children at once */
#define USES_MAX	1000	/* clients one child serves */
#define IDLE_WAIT	30	/* seconds an extra child waits for a client */
#define FDS_WAIT	60	/* seconds a child waits for the descriptors */

enum { SLOT_FREE, SLOT_IDLE, SLOT_BUSY };

static pid_t	 kids[KIDS_MAX];	/* by slot; 0 free */
static volatile unsigned char *state;	/* by slot, shared with them */
static int	 nkids;
static int	 busyw = -1;		/* children: "all busy" to the parent */
static int	 lsock = -1;		/* a child's listening socket */
static struct gsync *gs;		/* the children's shared fsyncs */
static volatile sig_atomic_t gotterm;

static void	sigterm(int);
static void	kidterm(int);
static void	sigchld(int);
static int	idle_count(void);
static void	serve(int, uid_t, int);
static char	invoker(char, uid_t);
static void	child(int, int, pid_t) __attribute__((__noreturn__));
static void	spawn(int, int);
static void	reap(void);

static void
sigterm(int sig)
{
	(void)sig;
	gotterm = 1;
}

/* A child stops accepting at once: TERM means the socket goes away. */
static void
kidterm(int sig)
{
	int	 saved = errno;

	(void)sig;
	gotterm = 1;
	if (lsock != -1) {
		close(lsock);
		lsock = -1;
	}
	errno = saved;
}

static void
sigchld(int sig)
{
	(void)sig;
}

static int
idle_count(void)
{
	int	 i, n = 0;

	for (i = 0; i < KIDS_MAX; i++)
		if (__atomic_load_n(&state[i], __ATOMIC_SEQ_CST) == SLOT_IDLE)
			n++;
	return n;
}

/*
 * Who the client says it is (qq.h's QQ_AS_*), believed only from root
 * or the queue's owner, who could write the queue themselves: in an
 * instance one user runs qmail-smtpd, qmail-send and the queue.  Anyone
 * else is named by uid, as the set-uid qmail-queue names its caller.
 */
static char
invoker(char said, uid_t uid)
{
	if ((said == QQ_AS_NETWORK || said == QQ_AS_BOUNCE) &&
	    (uid == 0 || uid == geteuid()))
		return said;
	return QQ_AS_USER;
}

/*
 * One client on c: the go-ahead, its two descriptors as fds 0 and 1,
 * qmail-queue's code, the answer.  Any failure before the answer just
 * closes the connection (a temporary failure for the client).
 */
static void
serve(int c, uid_t uid, int null)
{
	struct timeval tv = { FDS_WAIT, 0 };
	unsigned long qp = 0;
	long	 a[2];
	int	 fds[2], code;
	char	 byte = 'g';

	(void)setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(c, &byte, 1, MSG_NOSIGNAL) != 1) {
		close(c);
		return;
	}
	/* Exactly two descriptors with the byte (TERM too: it has begun). */
	if (fdpass_recv(c, &byte, fds, 2) == -1) {
		log_warn("a client sent no descriptors");
		close(c);
		return;
	}
	if (dup2(fds[0], 0) == -1 || dup2(fds[1], 1) == -1)
		code = QQ_READ;
	else
		code = qq_run(uid, invoker(byte, uid), 1, gs, &qp);
	close(fds[0]);
	close(fds[1]);
	/* Let go of the client's pipes; fds 0 and 1 stay taken. */
	(void)dup2(null, 0);
	(void)dup2(null, 1);
	a[0] = (long)qp;
	a[1] = W_EXITCODE(code, 0);
	(void)send(c, a, sizeof(a), MSG_NOSIGNAL);
	close(c);
}

/*
 * A child in slot: clients from the listening socket l until told to
 * stop, worn out, or idle while another waits.
 */
static void
child(int slot, int l, pid_t parent)
{
	struct sigaction sa;
	struct ucred cr;
	socklen_t len;
	int	 c, null, uses;
	char	 byte = 0;

	lsock = l;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kidterm;	/* no SA_RESTART: accept() returns */
	sigaction(SIGTERM, &sa, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != parent)
		_exit(0);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null == -1)
		_exit(EXIT_TEMP);
	for (uses = 0; uses < USES_MAX && !gotterm; uses++) {
		c = gotterm ? -1 : accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (c == -1) {
			if (gotterm)
				break;
			if ((errno == EAGAIN || errno == EWOULDBLOCK) &&
			    idle_count() > 1)
				break;		/* idle, and not the last */
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED) {
				log_warn("accept: %s", strerror(errno));
				sleep(1);
			}
			uses--;
			continue;
		}
		__atomic_store_n(&state[slot], SLOT_BUSY, __ATOMIC_SEQ_CST);
		if (idle_count() == 0)
			(void)!write(busyw, &byte, 1);
		len = sizeof(cr);
		if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1)
			close(c);
		else
			serve(c, cr.uid, null);
		__atomic_store_n(&state[slot], SLOT_IDLE, __ATOMIC_SEQ_CST);
	}
	_exit(0);
}

/* Start a child in a free slot. */
static void
spawn(int l, int busyr)
{
	pid_t	 pid, parent = getpid();
	int	 slot;

	for (slot = 0; slot < KIDS_MAX && kids[slot] != 0; slot++)
		;
	if (slot == KIDS_MAX)
		return;
	__atomic_store_n(&state[slot], SLOT_IDLE, __ATOMIC_SEQ_CST);
	pid = child_fork();
	if (pid == 0) {
		close(busyr);
		child(slot, l, parent);
	}
	if (pid == -1) {
		__atomic_store_n(&state[slot], SLOT_FREE, __ATOMIC_SEQ_CST);
		log_warn("cannot fork: %s", strerror(errno));
		return;
	}
	kids[slot] = pid;
	nkids++;
}

/* Forget every child that has exited. */
static void
reap(void)
{
	pid_t	 pid;
	int	 st, i;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		for (i = 0; i < KIDS_MAX; i++)
			if (kids[i] == pid) {
				kids[i] = 0;
				__atomic_store_n(&state[i], SLOT_FREE,
				    __ATOMIC_SEQ_CST);
				nkids--;
				break;
			}
}

int
main(void)
{
	struct sigaction sa;
	struct timeval tv = { IDLE_WAIT, 0 };
	struct pollfd pfd;
	struct timespec pause = { 1, 0 };
	sigset_t block, old;
	char	 buf[64];
	int	 l, p[2], i, stopping = 0;

	log_init("qmail-queued");
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() == 1)
		log_die(EXIT_TEMP, "no parent to stop with");
	/* Children accept() with a timeout (SO_RCVTIMEO): blocking.  A
	 * second listen() makes the credentials clients see (SO_PEERCRED)
	 * ours rather than those of qmail-start, which made the socket. */
	l = fcntl(0, F_DUPFD_CLOEXEC, 3);
	if (l == -1 || fcntl(l, F_SETFL, 0) == -1 ||
	    setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    listen(l, 128) == -1)
		log_die(EXIT_TEMP, "fd 0 is not the listening socket");
	close(0);
	if (open("/dev/null", O_RDONLY) != 0)	/* keep fd 0 taken */
		log_die(EXIT_TEMP, "cannot open /dev/null");
	state = mmap(NULL, KIDS_MAX, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (state == MAP_FAILED)
		log_die(EXIT_TEMP, "cannot map the children's states");
	/* Children that queue at once share their directory fsyncs. */
	if ((gs = gsync_new(QQ_GSYNC_SLOTS)) == NULL)
		log_warn("cannot map the shared fsyncs: each child syncs alone");
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1)
		log_die(EXIT_TEMP, "cannot make a pipe");
	busyw = p[1];
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
		if (gotterm && !stopping) {
			stopping = 1;
			close(l);
			for (i = 0; i < KIDS_MAX; i++)
				if (kids[i] != 0)
					(void)kill(kids[i], SIGTERM);
		}
		if (stopping && nkids == 0)
			return 0;
		if (!stopping && nkids < KIDS_MAX && idle_count() == 0)
			spawn(l, p[0]);
		pfd.fd = p[0];
		pfd.events = POLLIN;
		/* A failed fork is tried again after a pause. */
		(void)ppoll(&pfd, 1, nkids == 0 && !stopping ? &pause : NULL,
		    &old);
		while (read(p[0], buf, sizeof(buf)) > 0)
			;
	}
}
