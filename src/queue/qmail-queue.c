/*
 * qmail-queue - put one message and its envelope into the queue.
 * Set-uid qmailq in an install (then HSMAIL_ROOT is ignored, root.h);
 * message on fd 0, envelope on fd 1; writes only below <qmail>/queue.
 * Trusts nothing it reads.  Exit codes: qmail-queue(8).  The same code
 * runs, once per message, in the children of qmail-queued (qqmain.h).
 *
 * Order of events (qmail's INTERNALS, plus the directory fsyncs Linux
 * needs for "exit 0 means on disk"): pid/ file, link to mess/<s>/<ino>,
 * Received line + message, fsync it, fsync mess/<s>/; intd/<ino> with
 * u, p, F, T records, fsync it; link to todo/<ino> (the commit point),
 * fsync todo/; pull the trigger; exit 0.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "date822.h"
#include "file.h"
#include "log.h"
#include "qqmain.h"
#include "queue.h"
#include "root.h"
#include "str.h"

#define OUTBUF	65536

struct out {
	int	 fd;
	size_t	 len;
	char	 buf[OUTBUF];
};

static struct str messfn = STR_INIT(256);
static struct str intdfn = STR_INIT(256);
static struct str todofn = STR_INIT(256);
static struct str pidfn = STR_INIT(256);
static struct str messdir = STR_INIT(256);
static struct str rec = STR_INIT(STR_UNBOUNDED);
static struct str rcv = STR_INIT(512);
static int	 messfd = -1, intdfd = -1;
static int	 mademess, madeintd;
static struct out out;
static jmp_buf	*back;		/* qq_run's, while it runs */
static int	 qp_inode;	/* qq_run's: name the message by its inode */
static unsigned long qp;	/* the number in Received: and the p record */

static void	cleanup(void);
static void	leave(int) __attribute__((__noreturn__));
static void	die(int) __attribute__((__noreturn__));
static void	body(uid_t);
static void	die_env(int) __attribute__((__noreturn__));
static void	die_sys(int, const char *, const char *)
		    __attribute__((__noreturn__));
static void	sigalrm(int);
static int	out_put(struct out *, const void *, size_t);
static int	out_flush(struct out *);
static void	received(struct str *, unsigned long, uid_t, time_t);

/* Remove what this run created, so that nothing half is left. */
static void
cleanup(void)
{
	if (madeintd) {
		(void)!ftruncate(intdfd, 0);
		if (unlink(intdfn.s) == -1)
			return;
	}
	if (mademess) {
		(void)!ftruncate(messfd, 0);
		(void)unlink(messfn.s);
	}
}

/* End this message with code: back to qq_run, or exit. */
static void
leave(int code)
{
	if (back != NULL)
		longjmp(*back, code);
	_exit(code);
}

static void
die(int code)
{
	cleanup();
	leave(code);
}

/* A system failure worth a line in the log, then clean up and exit. */
static void
die_sys(int code, const char *what, const char *fn)
{
	log_warn("trouble %s %s: %s", what, fn, strerror(errno));
	die(code);
}

/* A bad or unreadable envelope: one line saying which, then the code. */
static void
die_env(int e)
{
	int	 code = queue_env_exitcode(e);

	if (code == QQ_FORMAT)
		log_warn("bad envelope: format error");
	else if (code == QQ_ADDRLONG)
		log_warn("bad envelope: address too long");
	else if (code == QQ_NOMEM)
		log_warn("out of memory");
	else if (e == EPIPE)
		log_warn("bad envelope: it ends early");
	else
		log_warn("trouble reading the envelope: %s", strerror(e));
	die(code);
}

/* The 24-hour suicide timer: exit without cleaning up (qmail's rule). */
static void
sigalrm(int sig)
{
	(void)sig;
	_exit(QQ_TIMEOUT);
}

static int
out_flush(struct out *o)
{
	if (o->len > 0 && file_writeall(o->fd, o->buf, o->len) == -1)
		return -1;
	o->len = 0;
	return 0;
}

static int
out_put(struct out *o, const void *b, size_t n)
{
	if (o->len + n > sizeof(o->buf) && out_flush(o) == -1)
		return -1;
	if (n > sizeof(o->buf))
		return file_writeall(o->fd, b, n);
	memcpy(o->buf + o->len, b, n);
	o->len += n;
	return 0;
}


/*
 * "Received: (qmail <pid> invoked by alias); 26 Sep 1995 04:46:54 -0000"
 * naming the invoker as qmail does: alias, network (qmaild), bounce
 * (qmails), else the uid.
 */
static void
received(struct str *r, unsigned long pid, uid_t uid, time_t t)
{
	struct passwd *pw;
	const char *who = "";
	int	 e = 0;

	/* One lookup by uid instead of three by name. */
	pw = getpwuid(uid);
	if (pw != NULL)
		who = pw->pw_name;
	e |= str_printf(r, "Received: (qmail %lu invoked ", pid);
	if (strcmp(who, "alias") == 0)
		e |= str_cats(r, "by alias");
	else if (strcmp(who, "qmaild") == 0)
		e |= str_cats(r, "from network");
	else if (strcmp(who, "qmails") == 0)
		e |= str_cats(r, "for bounce");
	else
		e |= str_printf(r, "by uid %lu", (unsigned long)uid);
	e |= str_cats(r, "); ");
	e |= date822_cat(r, t);
	e |= str_catc(r, '\n');
	if (e != 0)
		leave(QQ_NOMEM);
}

void
qq_main(uid_t uid)
{
	_exit(qq_run(uid, 0, NULL));
}

int
qq_run(uid_t uid, int by_inode, unsigned long *qp_r)
{
	jmp_buf	 jb;
	int	 code;

	qp_inode = by_inode;
	qp = 0;
	messfd = intdfd = -1;
	mademess = madeintd = 0;
	out.len = 0;
	code = setjmp(jb);
	if (code == 0) {
		back = &jb;
		body(uid);
	}
	back = NULL;
	alarm(0);
	if (messfd != -1)
		close(messfd);
	if (intdfd != -1)
		close(intdfd);
	messfd = intdfd = -1;
	if (qp_r != NULL)
		*qp_r = qp;
	return code;
}

/* One message, fds 0 and 1 to the end; returns when it is queued. */
static void
body(uid_t uid)
{
	struct queue_rd rd;
	struct stat st;
	unsigned long pid, ino;
	char	 buf[65536], num[32];
	time_t	 start;
	ssize_t	 r;
	int	 seq, first, n;

	umask(033);
	if (chdir(root_dir(ROOT_QMAIL)) == -1)
		leave(QQ_HOME);
	if (chdir("queue") == -1)
		leave(QQ_QUEUEDIR);
	pid = (unsigned long)getpid();
	qp = pid;
	start = time(NULL);

	signal(SIGPIPE, SIG_IGN);
	/* A file size limit set by the caller: EFBIG and exit 53, not a
	 * kill that leaves the files behind. */
	signal(SIGXFSZ, SIG_IGN);
	signal(SIGALRM, sigalrm);
	alarm(QUEUE_DEATH);

	for (seq = 1; seq < 10; seq++) {
		str_clear(&pidfn);
		if (str_printf(&pidfn, "pid/%lu.%lld.%d", pid,
		    (long long)start, seq) == -1)
			leave(QQ_NOMEM);
		messfd = open(pidfn.s, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0644);
		if (messfd != -1)
			break;
	}
	if (messfd == -1)
		die_sys(QQ_PIDDIR, "creating", "pid file");
	if (fstat(messfd, &st) == -1)
		die_sys(QQ_PIDDIR, "statting", pidfn.s);
	ino = (unsigned long)st.st_ino;
	if (qp_inode)
		qp = ino;
	str_clear(&rcv);
	received(&rcv, qp, uid, start);
	if (queue_path(&messfn, QUEUE_MESS, ino) == -1 ||
	    queue_path_dir(&messdir, QUEUE_MESS, ino) == -1 ||
	    queue_path(&intdfn, QUEUE_INTD, ino) == -1 ||
	    queue_path(&todofn, QUEUE_TODO, ino) == -1)
		leave(QQ_NOMEM);
	if (link(pidfn.s, messfn.s) == -1) {
		log_warn("trouble linking %s: %s", messfn.s, strerror(errno));
		(void)unlink(pidfn.s);
		leave(QQ_MESSDIR);
	}
	mademess = 1;
	if (unlink(pidfn.s) == -1)
		die_sys(QQ_PIDDIR, "removing", pidfn.s);

	/* The message: our Received line, then fd 0 as it comes. */
	if (file_writeall(messfd, rcv.s, rcv.len) == -1)
		die_sys(QQ_WRITE, "writing", messfn.s);
	for (;;) {
		r = read(0, buf, sizeof(buf));
		if (r == 0)
			break;
		if (r == -1) {
			if (errno == EINTR)
				continue;
			die_sys(QQ_READ, "reading", "the message");
		}
		if (file_writeall(messfd, buf, (size_t)r) == -1)
			die_sys(QQ_WRITE, "writing", messfn.s);
	}
	if (fsync(messfd) == -1)
		die_sys(QQ_WRITE, "fsyncing", messfn.s);
	if (file_fsync_dir(messdir.s) == -1)
		die_sys(QQ_WRITE, "fsyncing", messdir.s);

	/* The envelope: u, p, then F and T records checked one by one. */
	intdfd = open(intdfn.s, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (intdfd == -1)
		die_sys(QQ_INTDDIR, "creating", intdfn.s);
	madeintd = 1;
	out.fd = intdfd;
	n = snprintf(num, sizeof(num), "u%lu", (unsigned long)uid);
	if (out_put(&out, num, (size_t)n + 1) == -1)
		die_sys(QQ_WRITE, "writing", intdfn.s);
	n = snprintf(num, sizeof(num), "p%lu", qp);
	if (out_put(&out, num, (size_t)n + 1) == -1)
		die_sys(QQ_WRITE, "writing", intdfn.s);
	queue_rd_fd(&rd, 1);
	for (first = 1;; first = 0) {
		n = queue_env_next(&rd, &rec, first);
		if (n == 0)
			break;
		if (n == -1)
			die_env(errno);
		if (out_put(&out, rec.s, rec.len + 1) == -1)
			die_sys(QQ_WRITE, "writing", intdfn.s);
	}
	if (out_flush(&out) == -1)
		die_sys(QQ_WRITE, "writing", intdfn.s);
	if (fsync(intdfd) == -1)
		die_sys(QQ_WRITE, "fsyncing", intdfn.s);

	/* The commit point. */
	if (link(intdfn.s, todofn.s) == -1)
		die_sys(QQ_TODODIR, "linking", todofn.s);
	if (file_fsync_dir(QUEUE_TODO) == -1) {
		log_warn("trouble fsyncing %s: %s", QUEUE_TODO,
		    strerror(errno));
		/* Take it back unless qmail-send took it already: then it
		 * may be delivered twice, never lost. */
		if (unlink(todofn.s) == 0)
			die(QQ_WRITE);
		leave(QQ_WRITE);
	}
	queue_trigger_pull(NULL);
}
