/*
 * qmail-send - the scheduler.  Started by qmail-start as qmails (its
 * process is qmail-start's, after exec).  Descriptors: 0 the activity log
 * (out), 1/2 commands to / reports from qmail-lspawn, 3/4 the same for
 * qmail-rspawn, 5/6 requests to / answers from qmail-clean, 7/8 bytes to
 * / records from qmail-todo (ext-todo: qmail-send never reads todo/).
 *
 * It keeps every preprocessed message (info/<id>) in memory, delivers its
 * local/ and remote/ recipients through the spawns with at most
 * concurrencylocal / concurrencyremote at once, retries temporary failures
 * on qmail's schedule until queuelifetime, marks finished recipients in
 * place, collects permanent failures in bounce/<id> and sends them back
 * in QSBMF (double bounces to doublebounceto, triple bounces discarded),
 * and removes a message once nothing is left.  The decisions are the
 * scheduler module's (sched.h); this file is its files, descriptors,
 * signals and the loop.  HUP: qmail-todo rereads
 * locals and virtualdomains; ALRM: retry everything now; TERM: start
 * nothing new, let running deliveries finish, record retry times, exit.
 * Trusts the queue (written by qmail-queue and qmail-todo) and its
 * helpers' reports only as far as their format is checked.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "ctl.h"
#include "err.h"
#include "file.h"
#include "log.h"
#include "qpool.h"
#include "qq.h"
#include "root.h"
#include "queue.h"
#include "sched.h"
#include "sendq.h"
#include "str.h"

#define CHANNELS	SCHED_CHANNELS
#define FD_LOG		0
#define FD_CLEAN_W	5
#define FD_CLEAN_R	6
#define FD_TODO_W	7
#define FD_TODO_R	8
#define BOUNCE_MAX	(16UL * 1024 * 1024)

static const char *chdir_[CHANNELS] = { QUEUE_LOCAL, QUEUE_REMOTE };
static const int fdw[CHANNELS] = { 1, 3 };
static const int fdr[CHANNELS] = { 2, 4 };

static struct sched sc;
static struct str rbuf_[CHANNELS];
static struct str todobuf = STR_INIT(1 << 20);
static struct str bouncefrom = STR_INIT(1024), bouncehost = STR_INIT(1024);
static struct str dbto = STR_INIT(2048);
static int	 cleanpending;
static size_t	 ispares;		/* files in ipool/, as counted */
static unsigned	 iputs;
static int	 todoup = 1;

static volatile sig_atomic_t sighup, sigalrm, sigterm;

static void	slog(const char *, ...) __attribute__((__format__ (printf, 1, 2)));
static void	die(const char *) __attribute__((__noreturn__));
static void	onsig(int);
static void	op_log(void *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static int	op_job_open(void *, int, unsigned long, struct str *,
		    struct str *, int *);
static void	op_job_close(void *, int);
static int	op_mark(void *, int, size_t);
static int	op_unlink_chan(void *, int, unsigned long);
static int	op_start(void *, int, int, unsigned long, const char *,
		    const char *);
static int	op_bounce_add(void *, unsigned long, const char *,
		    const char *, size_t, const char *);
static int	op_bounce_send(void *, unsigned long);
static void	op_finish(void *, unsigned long);
static int	recycle(const char *);
static void	todo_read(void);
static void	clean_read(void);
static void	spawn_read(int);
static void	scan_info(void);
static void	cleanup_old(void);
static void	keep_retry(void *, int, unsigned long, time_t);
static void	exit_now(void) __attribute__((__noreturn__));
static void	readctl(int *, long *);

static const struct sched_ops ops = {
	NULL, op_job_open, op_job_close, op_mark, op_unlink_chan, op_start,
	op_bounce_add, op_bounce_send, op_finish, op_log
};

/* One line on the log descriptor. */
static void
slog(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	sendq_vlogfd(FD_LOG, fmt, ap);
	va_end(ap);
}

static void
op_log(void *ctx, const char *fmt, ...)
{
	va_list	 ap;

	(void)ctx;
	va_start(ap, fmt);
	sendq_vlogfd(FD_LOG, fmt, ap);
	va_end(ap);
}

static void
die(const char *why)
{
	slog("alert: %s", why);
	_exit(EXIT_TEMP);
}

static void
onsig(int sig)
{
	if (sig == SIGHUP)
		sighup = 1;
	else if (sig == SIGALRM)
		sigalrm = 1;
	else
		sigterm = 1;
}

/* local/<id> or remote/<id>, opened for marking, and info/<id>'s sender. */
static int
op_job_open(void *ctx, int c, unsigned long id, struct str *recs,
    struct str *sender, int *handle_r)
{
	struct str path = STR_INIT(256), info = STR_INIT(SENDQ_ADDR_MAX + 16);
	int	 fd = -1, r = -1;

	(void)ctx;
	if (queue_path(&path, chdir_[c], id) == -1)
		goto out;
	fd = open(path.s, O_RDWR | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ENOENT)
			r = 0;
		else
			slog("warning: unable to open %s", path.s);
		goto out;
	}
	if (file_read(path.s, recs) != 1) {
		slog("warning: unable to read %s", path.s);
		goto out;
	}
	if (queue_path(&path, "info", id) == -1 ||
	    file_read(path.s, &info) != 1 || info.len < 2 ||
	    info.s[0] != 'F') {
		slog("warning: unable to read %s", path.s);
		goto out;
	}
	if (str_copys(sender, info.s + 1) == -1)
		goto out;
	*handle_r = fd;
	fd = -1;
	r = 1;
out:
	if (fd != -1)
		close(fd);
	str_free(&path);
	str_free(&info);
	return r;
}

static void
op_job_close(void *ctx, int fd)
{
	(void)ctx;
	close(fd);
}

/* Done is a 'D' over the record's 'T', in place (qmail's marking). */
static int
op_mark(void *ctx, int fd, size_t pos)
{
	(void)ctx;
	return pwrite(fd, "D", 1, (off_t)pos) == 1 ? 0 : -1;
}

/*
 * A finished info/, local/ or remote/ file goes to ipool/ as a spare for
 * qmail-todo (or is removed).  0, or -1 (a missing file is fine).
 */
static int
recycle(const char *path)
{
	if (++iputs % 64 == 0)
		ispares = qpool_count(QPOOL_IDIR);
	return qpool_put(QPOOL_IDIR, path, &ispares) == -1 && errno != ENOENT ?
	    -1 : 0;
}

static int
op_unlink_chan(void *ctx, int c, unsigned long id)
{
	struct str path = STR_INIT(256);
	int	 r = 0;

	(void)ctx;
	if (queue_path(&path, chdir_[c], id) == 0 && recycle(path.s) == -1) {
		slog("warning: unable to unlink %s; will try again later",
		    path.s);
		r = -1;
	}
	str_free(&path);
	return r;
}

/* The spawn command: slot byte, "<split>/<id>", sender, recipient. */
static int
op_start(void *ctx, int c, int slot, unsigned long id, const char *sender,
    const char *recip)
{
	struct str cmd = STR_INIT(3 * SENDQ_ADDR_MAX + 300);

	(void)ctx;
	if (str_catc(&cmd, (char)slot) == -1 ||
	    str_printf(&cmd, "%lu/%lu", id % QUEUE_SPLIT, id) == -1 ||
	    str_catc(&cmd, '\0') == -1 || str_cats(&cmd, sender) == -1 ||
	    str_catc(&cmd, '\0') == -1 || str_cats(&cmd, recip) == -1 ||
	    str_catc(&cmd, '\0') == -1 ||
	    file_writeall(fdw[c], cmd.s, cmd.len) == -1)
		die("oh no! lost spawn connection! dying...");
	str_free(&cmd);
	return 0;
}

/*
 * Append a failure paragraph for recip to bounce/<id> (qmail's addbounce:
 * "<recip>:", the report, a blank line; a blank line inside the report
 * becomes "/" so the paragraph does not end early).  0 or -1.
 */
static int
op_bounce_add(void *ctx, unsigned long id, const char *recip,
    const char *rep, size_t n, const char *extra)
{
	struct str t = STR_INIT(SENDQ_REPORT_MAX + 4 * SENDQ_ADDR_MAX);
	struct str p = STR_INIT(256);
	struct stat st;
	size_t	 i;
	int	 fd, r = -1;

	(void)ctx;
	if (str_catc(&t, '<') == -1 || str_cats(&t, recip) == -1)
		goto out;
	for (i = 0; i < t.len; i++)
		if (t.s[i] == '\n')
			t.s[i] = '_';
	if (str_cats(&t, ">:\n") == -1 || str_catb(&t, rep, n) == -1 ||
	    (extra != NULL && str_cats(&t, extra) == -1))
		goto out;
	if (t.len > 0 && t.s[t.len - 1] != '\n' && str_catc(&t, '\n') == -1)
		goto out;
	for (i = t.len - 2; i > 0; i--)
		if (t.s[i] == '\n' && t.s[i - 1] == '\n')
			t.s[i] = '/';
	if (str_catc(&t, '\n') == -1 || queue_path(&p, QUEUE_BOUNCE, id) == -1)
		goto out;
	fd = open(p.s, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1)
		goto out;
	/* Durable before the recipient is marked done: else a crash could
	 * keep the mark and lose the paragraph, and the sender would never
	 * hear of the failure.  A new file's name is made durable too. */
	r = fstat(fd, &st) == -1 || file_writeall(fd, t.s, t.len) == -1 ||
	    fsync(fd) == -1 ||
	    (st.st_size == 0 && file_fsync_dir(QUEUE_BOUNCE) == -1) ? -1 : 0;
	if (close(fd) == -1)
		r = -1;
out:
	str_free(&t);
	str_free(&p);
	return r;
}

/* Inject bounce/<id> as a QSBMF message.  1 done (or nothing to do),
 * 0 failed (try again later). */
static int
op_bounce_send(void *ctx, unsigned long id)
{
	struct str p = STR_INIT(256), text = STR_INIT(BOUNCE_MAX);
	struct str info = STR_INIT(SENDQ_ADDR_MAX + 16);
	struct str hdr = STR_INIT(BOUNCE_MAX + 16384);
	struct str sender = STR_INIT(SENDQ_ADDR_MAX + 16);
	struct qq qq;
	const char *res;
	int	 fdm = -1, r, ok = 0, dbl;
	ssize_t	 k;

	(void)ctx;
	if (queue_path(&p, QUEUE_BOUNCE, id) == -1)
		goto out;
	r = file_read(p.s, &text);
	if (r == 0) {
		ok = 1;
		goto out;
	}
	if (r == -1)
		goto out;
	if (queue_path(&p, QUEUE_INFO, id) == -1 ||
	    file_read(p.s, &info) != 1 || info.len < 2 || info.s[0] != 'F')
		goto out;
	if (str_copys(&sender, info.s + 1) == -1)
		goto out;
	if (str_equals(&sender, "#@[]")) {
		slog("triple bounce: discarding bounce/%lu", id);
		goto drop;
	}
	dbl = sender.len == 0;
	if (sender.len >= 4 && memcmp(sender.s + sender.len - 4, "-@[]", 4)
	    == 0)
		str_truncate(&sender, sender.len - 4);
	if (str_cats(&hdr, "Date: ") == -1 ||
	    sendq_date822(&hdr, time(NULL)) == -1 ||
	    str_printf(&hdr, "\nFrom: %s@%s\nTo: %s\nSubject: failure notice"
	    "\n\nHi. This is the qmail-send program at %s.\n", bouncefrom.s,
	    bouncehost.s, dbl ? dbto.s : sender.s, bouncehost.s) == -1 ||
	    str_cats(&hdr, dbl ?
	    "I tried to deliver a bounce message to this address, but the "
	    "bounce bounced!\n\n" :
	    "I'm afraid I wasn't able to deliver your message to the "
	    "following addresses.\nThis is a permanent error; I've given "
	    "up. Sorry it didn't work out.\n\n") == -1 ||
	    str_cat(&hdr, &text) == -1 ||
	    str_cats(&hdr, dbl ?
	    "--- Below this line is the original bounce.\n\n" :
	    "--- Below this line is a copy of the message.\n\n") == -1 ||
	    str_printf(&hdr, "Return-Path: <%s>\n", sender.s) == -1)
		goto out;
	if (queue_path(&p, QUEUE_MESS, id) == -1 ||
	    (fdm = open(p.s, O_RDONLY | O_CLOEXEC)) == -1)
		goto out;
	if (qq_open_as(&qq, QQ_AS_BOUNCE) == -1)
		goto out;
	qq_put(&qq, hdr.s, hdr.len);
	qq_putfd(&qq, fdm);
	qq_from(&qq, dbl ? "#@[]" : "");
	qq_to(&qq, dbl ? dbto.s : sender.s);
	res = qq_close(&qq);
	k = (ssize_t)qq_qp(&qq);
	if (*res != '\0') {
		slog("warning: unable to inject bounce message for msg %lu: "
		    "%s", id, res + 1);
		goto out;
	}
	slog("bounce msg %lu qp %ld", id, (long)k);
drop:
	if (queue_path(&p, QUEUE_BOUNCE, id) == 0 && unlink(p.s) == -1 &&
	    errno != ENOENT) {
		slog("warning: unable to unlink %s", p.s);
		goto out;
	}
	ok = 1;
out:
	if (fdm != -1)
		close(fdm);
	str_free(&p);
	str_free(&text);
	str_free(&info);
	str_free(&hdr);
	str_free(&sender);
	return ok;
}

/* Nothing left to deliver: remove the message. */
static void
op_finish(void *ctx, unsigned long id)
{
	struct str p = STR_INIT(256);
	struct str req = STR_INIT(64);

	(void)ctx;
	if (queue_path(&p, QUEUE_INFO, id) == 0 && recycle(p.s) == -1)
		slog("warning: unable to unlink %s", p.s);
	if (str_printf(&req, "foop/%lu", id) == 0 &&
	    str_catc(&req, '\0') == 0) {
		if (file_writeall(FD_CLEAN_W, req.s, req.len) == -1)
			die("oh no! lost qmail-clean connection! dying...");
		cleanpending++;
	}
	str_free(&p);
	str_free(&req);
}

/* Records from qmail-todo. */
static void
todo_read(void)
{
	char	 buf[16384];
	ssize_t	 r;
	size_t	 i, start = 0, len;
	unsigned long id;
	struct str p = STR_INIT(256);
	struct stat st;
	char	*rec;
	time_t	 now = time(NULL), birth, next[CHANNELS];
	int	 has[CHANNELS];

	r = read(FD_TODO_R, buf, sizeof(buf));
	if (r == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		todoup = 0;
		if (!sc.exitasap)
			die("oh no! lost qmail-todo connection! dying...");
		return;
	}
	if (str_catb(&todobuf, buf, (size_t)r) == -1)
		die("qmail-todo sent a record that is too long! dying...");
	for (i = 0; i < todobuf.len; i++) {
		if (todobuf.s[i] != '\0')
			continue;
		rec = todobuf.s + start;
		len = i - start;
		start = i + 1;
		if (len >= 1 && rec[0] == 'L') {
			(void)file_writeall(FD_LOG, rec + 1, len - 1);
		} else if (len == 1 && rec[0] == 'X') {
			todoup = 0;
			if (!sc.exitasap)
				die("qmail-todo exited! dying...");
		} else if (len >= 4 && rec[0] == 'D' &&
		    sendq_parseid(rec + 3, &id) == 0) {
			if (sched_known(&sc, id))
				continue;	/* known already (startup scan) */
			birth = now;
			if (queue_path(&p, QUEUE_INFO, id) == 0 &&
			    stat(p.s, &st) == 0)
				birth = st.st_mtime;
			has[0] = rec[1] == '1';
			has[1] = rec[2] == '1';
			next[0] = next[1] = now;
			sched_add(&sc, id, birth, has, next, now);
		} else
			slog("warning: qmail-todo sent a bad record");
	}
	if (start > 0) {
		memmove(todobuf.s, todobuf.s + start, todobuf.len - start);
		str_truncate(&todobuf, todobuf.len - start);
	}
	str_free(&p);
}

/* Answers of qmail-clean: one byte each. */
static void
clean_read(void)
{
	char	 buf[256];
	ssize_t	 r, i;

	r = read(FD_CLEAN_R, buf, sizeof(buf));
	if (r == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0)
		die("oh no! lost qmail-clean connection! dying...");
	for (i = 0; i < r; i++) {
		cleanpending--;
		if (buf[i] != '+')
			slog("warning: qmail-clean unable to clean up");
	}
}

/* Reports from a spawn. */
static void
spawn_read(int c)
{
	char	 buf[16384];
	ssize_t	 r;
	size_t	 i, start = 0;

	r = read(fdr[c], buf, sizeof(buf));
	if (r == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0)
		die("oh no! lost spawn connection! dying...");
	if (str_catb(&rbuf_[c], buf, (size_t)r) == -1)
		die("spawn report too long! dying...");
	for (i = 0; i < rbuf_[c].len; i++) {
		if (rbuf_[c].s[i] != '\0' || i == start)
			continue;	/* slot 0 is a NUL byte */
		sched_report(&sc, c, (unsigned char)rbuf_[c].s[start],
		    rbuf_[c].s + start + 1, i - start - 1, time(NULL));
		start = i + 1;
	}
	if (start > 0) {
		memmove(rbuf_[c].s, rbuf_[c].s + start, rbuf_[c].len - start);
		str_truncate(&rbuf_[c], rbuf_[c].len - start);
	}
}

/* Does todo/<id> exist? */
static int
in_todo(unsigned long id)
{
	struct str p = STR_INIT(256);
	struct stat st;
	int	 r;

	r = queue_path(&p, QUEUE_TODO, id) == 0 && stat(p.s, &st) == 0;
	str_free(&p);
	return r;
}

/* Startup: every preprocessed message, with its retry times. */
static void
scan_info(void)
{
	struct str p = STR_INIT(256);
	struct dirent *de;
	struct stat st;
	unsigned long id;
	DIR	*d;
	time_t	 now = time(NULL), birth, next[CHANNELS];
	int	 s, c, has[CHANNELS];

	for (s = 0; s < QUEUE_SPLIT; s++) {
		str_clear(&p);
		if (str_printf(&p, "info/%d", s) == -1 ||
		    (d = opendir(p.s)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			if (sendq_parseid(de->d_name, &id) == -1 ||
			    sched_known(&sc, id) || in_todo(id))
				continue;
			if (queue_path(&p, QUEUE_INFO, id) == -1 ||
			    stat(p.s, &st) == -1)
				continue;
			birth = st.st_mtime;
			for (c = 0; c < CHANNELS; c++) {
				has[c] = queue_path(&p, chdir_[c], id) == 0 &&
				    stat(p.s, &st) == 0;
				next[c] = has[c] ? st.st_mtime : now;
			}
			sched_add(&sc, id, birth, has, next, now);
		}
		closedir(d);
	}
	str_free(&p);
}

/* Remove messages that qmail-queue left behind half-written (mess without
 * info and todo, not accessed for 36 hours). */
static void
cleanup_old(void)
{
	struct str p = STR_INIT(256), req = STR_INIT(64);
	struct dirent *de;
	struct stat st;
	unsigned long id;
	DIR	*d;
	time_t	 now = time(NULL);
	int	 s;

	for (s = 0; s < QUEUE_SPLIT; s++) {
		str_clear(&p);
		if (str_printf(&p, "mess/%d", s) == -1 ||
		    (d = opendir(p.s)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			if (sendq_parseid(de->d_name, &id) == -1 ||
			    sched_known(&sc, id) || in_todo(id))
				continue;
			if (queue_path(&p, QUEUE_INFO, id) == -1 ||
			    stat(p.s, &st) == 0)
				continue;
			if (queue_path(&p, QUEUE_MESS, id) == -1 ||
			    stat(p.s, &st) == -1 ||
			    st.st_atime + QUEUE_OSSIFIED >= now)
				continue;
			str_clear(&req);
			if (str_printf(&req, "foop/%lu", id) == -1 ||
			    str_catc(&req, '\0') == -1)
				continue;
			slog("warning: deleting ossified %s", p.s);
			if (file_writeall(FD_CLEAN_W, req.s, req.len) == -1)
				die("oh no! lost qmail-clean connection! "
				    "dying...");
			cleanpending++;
		}
		closedir(d);
	}
	str_free(&p);
	str_free(&req);
}

/* TERM, once nothing runs: keep retry times in the files' mtimes. */
static void
keep_retry(void *arg, int c, unsigned long id, time_t next)
{
	struct str *p = arg;
	struct utimbuf ut;

	if (queue_path(p, chdir_[c], id) == -1)
		return;
	ut.actime = ut.modtime = next;
	if (utime(p->s, &ut) == -1 && errno != ENOENT)
		slog("warning: unable to utime %s; message will be retried "
		    "too soon", p->s);
}

static void
exit_now(void)
{
	struct str p = STR_INIT(256);
	struct pollfd pf;

	sched_each_pending(&sc, keep_retry, &p);
	if (todoup) {
		(void)file_writeall(FD_TODO_W, "X", 1);
		pf.fd = FD_TODO_R;
		pf.events = POLLIN;
		while (todoup && poll(&pf, 1, 10000) > 0)
			todo_read();
	}
	while (cleanpending > 0) {
		pf.fd = FD_CLEAN_R;
		pf.events = POLLIN;
		if (poll(&pf, 1, 10000) <= 0)
			break;
		clean_read();
	}
	slog("status: exiting");
	_exit(0);
}

/* Control files qmail-send reads at startup. */
static void
readctl(int *conc, long *lifetime_r)
{
	struct str me = STR_INIT(1024), dbhost = STR_INIT(1024);
	long	 v, lifetime;
	int	 c;

	if (ctl_readline("me", &me, "localhost") == -1 ||
	    ctl_readint("queuelifetime", 604800, &lifetime) == -1 ||
	    ctl_readline("bouncefrom", &bouncefrom, "MAILER-DAEMON") == -1 ||
	    ctl_readline("bouncehost", &bouncehost, me.s) == -1 ||
	    ctl_readline("doublebounceto", &dbto, "postmaster") == -1 ||
	    ctl_readline("doublebouncehost", &dbhost, me.s) == -1 ||
	    str_catc(&dbto, '@') == -1 || str_cat(&dbto, &dbhost) == -1)
		die("unable to read controls! dying...");
	for (c = 0; c < CHANNELS; c++) {
		if (ctl_readint(c == 0 ? "concurrencylocal" :
		    "concurrencyremote", c == 0 ? 10 : 20, &v) == -1)
			die("unable to read controls! dying...");
		if (v < 0)
			v = 0;
		if (v > conc[c])	/* conc holds the spawn's limit */
			v = conc[c];
		conc[c] = (int)v;
	}
	*lifetime_r = lifetime;
	str_free(&me);
	str_free(&dbhost);
}

int
main(void)
{
	struct pollfd pf[6];
	struct sigaction sa;
	sigset_t block, old;
	struct timespec ts;
	struct str path = STR_INIT(4096);
	time_t	 now, wake, nextclean;
	unsigned char ch;
	int	 c, n, fd, up[CHANNELS], conc[CHANNELS];
	long	 lifetime;
	ssize_t	 r;

	log_init("qmail-send");
	signal(SIGPIPE, SIG_IGN);
	for (c = 0; c < CHANNELS; c++) {
		/* Each spawn says first how many deliveries it runs. */
		while ((r = read(fdr[c], &ch, 1)) == -1 && errno == EINTR)
			;
		up[c] = r == 1;
		conc[c] = r == 1 ? ch	/* at most 255 = SENDQ_SPAWN_MAX */
		    : 0;
		if (r != 1)
			slog("alert: no %s spawn: %s deliveries are on hold",
			    chdir_[c], chdir_[c]);
		rbuf_[c] = (struct str)STR_INIT(1 << 20);
	}
	if (root_path(&path, ROOT_QMAIL, "") == -1 || chdir(path.s) == -1)
		die("cannot start: unable to switch to home directory");
	readctl(conc, &lifetime);
	if (sched_init(&sc, &ops, up, conc, lifetime) == -1)
		die("cannot start: out of memory");
	if (chdir("queue") == -1)
		die("cannot start: unable to switch to queue directory");
	ispares = qpool_count(QPOOL_IDIR);
	/* One qmail-send at a time: a restarted one waits for the old. */
	fd = open(QUEUE_SENDMUTEX, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1 || flock(fd, LOCK_EX) == -1)
		die("cannot start: unable to acquire lock/sendmutex");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = onsig;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGALRM);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	scan_info();
	cleanup_old();
	nextclean = time(NULL) + SENDQ_SLEEP_CLEANUP;
	sched_status(&sc);
	for (;;) {
		if (sigterm && !sc.exitasap) {
			sched_exitasap(&sc);
			sched_status(&sc);
		}
		if (sighup) {
			sighup = 0;
			if (todoup)
				(void)file_writeall(FD_TODO_W, "H", 1);
		}
		now = time(NULL);
		if (sigalrm) {
			sigalrm = 0;
			sched_retry_all(&sc, now);
		}
		if (sc.exitasap && sched_idle(&sc))
			exit_now();
		if (now >= nextclean) {
			cleanup_old();
			nextclean = now + SENDQ_SLEEP_CLEANUP;
		}
		if (sched_run(&sc, now) == -1)
			die("oh no! lost spawn connection! dying...");
		wake = sched_wake(&sc, now);
		n = 0;
		for (c = 0; c < CHANNELS; c++)
			if (up[c]) {
				pf[n].fd = fdr[c];
				pf[n++].events = POLLIN;
			}
		pf[n].fd = FD_CLEAN_R;
		pf[n++].events = POLLIN;
		if (todoup) {
			pf[n].fd = FD_TODO_R;
			pf[n++].events = POLLIN;
		}
		ts.tv_sec = wake > now ? wake - now : 0;
		ts.tv_nsec = wake > now ? 0 : 1000000;
		r = ppoll(pf, (nfds_t)n, &ts, &old);
		if (r <= 0)
			continue;
		for (c = 0; c < n; c++) {
			if (pf[c].revents == 0)
				continue;
			if (pf[c].fd == FD_TODO_R)
				todo_read();
			else if (pf[c].fd == FD_CLEAN_R)
				clean_read();
			else
				spawn_read(pf[c].fd == fdr[0] ? 0 : 1);
		}
	}
}
