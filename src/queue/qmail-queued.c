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
 * another when all are busy (up to KIDS_MAX; over that a client waits in
 * the listen backlog); a child ends after USES_MAX clients or IDLE_WAIT
 * seconds without one (the last one stays).  The pool is prefork.h's,
 * shared with msgauthd.
 * Trusts nobody who connects more than qmail-queue trusts its caller.
 * TERM (or the end of qmail-send, its parent): stop accepting, let the
 * running messages finish and be answered, exit.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "err.h"
#include "fdpass.h"
#include "gsync.h"
#include "log.h"
#include "prefork.h"
#include "qq.h"
#include "qqmain.h"
#include "queue.h"

#define KIDS_MAX	200	/* children at once */
#define USES_MAX	1000	/* clients one child serves */
#define IDLE_WAIT	30	/* seconds an extra child waits for a client */
#define FDS_WAIT	60	/* seconds a child waits for the descriptors */

static int	 null = -1;		/* a child's /dev/null */
static struct gsync *gs;		/* the children's shared fsyncs */

static char	invoker(char, uid_t);
static void	kid_start(void *);
static int	serve(int, void *);

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

/* A new child: /dev/null, to let go of each client's pipes with. */
static void
kid_start(void *arg)
{
	(void)arg;
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null == -1)
		_exit(EXIT_TEMP);
}

/*
 * One client on c, from the pool: its uid, the go-ahead, its two
 * descriptors as fds 0 and 1, qmail-queue's code, the answer.  Any
 * failure before the answer just closes the connection (a temporary
 * failure for the client).  The child always goes on to the next.
 */
static int
serve(int c, void *arg)
{
	struct timeval tv = { FDS_WAIT, 0 };
	struct ucred cr;
	socklen_t len = sizeof(cr);
	unsigned long qp = 0;
	long	 a[2];
	int	 fds[2], code;
	char	 byte = 'g';

	(void)arg;
	if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1) {
		close(c);
		return 0;
	}
	(void)setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(c, &byte, 1, MSG_NOSIGNAL) != 1) {
		close(c);
		return 0;
	}
	/* Exactly two descriptors with the byte (TERM too: it has begun). */
	if (fdpass_recv(c, &byte, fds, 2) == -1) {
		log_warn("a client sent no descriptors");
		close(c);
		return 0;
	}
	if (dup2(fds[0], 0) == -1 || dup2(fds[1], 1) == -1)
		code = QQ_READ;
	else
		code = qq_run(cr.uid, invoker(byte, cr.uid), 1, gs, &qp);
	close(fds[0]);
	close(fds[1]);
	/* Let go of the client's pipes; fds 0 and 1 stay taken. */
	(void)dup2(null, 0);
	(void)dup2(null, 1);
	a[0] = (long)qp;
	a[1] = W_EXITCODE(code, 0);
	(void)send(c, a, sizeof(a), MSG_NOSIGNAL);
	close(c);
	return 0;
}

int
main(void)
{
	static const int stopsigs[] = { SIGTERM, 0 };
	struct prefork pf = {
		.max = KIDS_MAX, .uses = USES_MAX, .sigs = stopsigs,
		.start = kid_start, .serve = serve,
	};
	struct timeval tv = { IDLE_WAIT, 0 };
	const char *what;
	int	 l;

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
	/* Children that queue at once share their directory fsyncs. */
	if ((gs = gsync_new(QQ_GSYNC_SLOTS)) == NULL)
		log_warn("cannot map the shared fsyncs: each child syncs alone");
	if (prefork_init(&pf, l, &what) == -1)
		log_die(EXIT_TEMP, "%s", what);
	prefork_run();
	prefork_stop();
	return 0;
}
