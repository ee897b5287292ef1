/*
 * qmail-lspawn - run local deliveries for qmail-send.  Started by
 * qmail-start as root (so that it can become each user); reads spawn
 * commands on fd 0 (slot byte, "<split>/<id>\0", sender\0, recipient\0),
 * looks the local part up in users/cdb (assign.h), and has
 *   qmail-local -- user home local dash ext domain sender defaultdelivery
 * done under the entry's uid/gid, never uid 0, with the message on fd 0.
 * When not started as root everything runs as itself.
 *
 * When bin/qmail-local is hsmail's (child.h), the delivery goes to a
 * long-lived delivery worker (lworker.h) of that (uid, gid): a copy of
 * this program, started with the user's ids and executed afresh (new
 * address-space layout and stack canary), that runs qmail-local's
 * delivery message after message.  A worker runs one delivery at a time,
 * so there are as many of one (uid, gid) as its deliveries running at
 * once; one is replaced after WORKER_USES deliveries, after any delivery
 * that did not succeed, and when it dies; an idle one ends after
 * WORKER_IDLE seconds.  Any other bin/qmail-local (a wrapper, a script)
 * is executed per delivery, as qmail does.  A worker that dies during a
 * delivery makes it a temporary failure ("qmail-local crashed"): qmail-send
 * tries again, as after a crash of qmail-local.
 *
 * Each result goes back on fd 1: the slot byte, a report starting with K
 * (delivered), Z (try again later) or D (give up), and a NUL.  Trusts
 * qmail-send's commands to come from qmail-send; checks them anyway.
 * A worker runs this program as "qmail-lworker -W", its socket on fd 3.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "assign.h"
#include "child.h"
#include "err.h"
#include "file.h"
#include "log.h"
#include "priv.h"
#include "queue.h"
#include "root.h"
#include "sendq.h"
#include "str.h"
#include "../local/lworker.h"

/* Exit codes of a forked child before qmail-local runs. */
#define LX_ROOT		120	/* would deliver as root */
#define LX_PRIV		121	/* could not change ids */
#define LX_EXECSOFT	122
#define LX_EXECHARD	123
#define LX_SYS		124

#define WORKER_USES	100	/* deliveries of one worker (Postfix's max_use) */
#define WORKER_IDLE	60	/* seconds an idle worker is kept */
#define WORKER_IDLE_MAX	32	/* idle workers kept at most */
#define WORKERS_MAX	(SENDQ_SPAWN_MAX + WORKER_IDLE_MAX + 1)
#define WORKER_FD	3	/* a worker's socket */

struct del {
	int	 used;
	int	 running;	/* no exit status yet */
	pid_t	 pid;		/* an executed qmail-local, 0 if none */
	int	 w;		/* the worker running it, or -1 */
	int	 fd;		/* report pipe, -1 at end of file */
	int	 wstat;
	int	 cut;		/* report already truncated */
	struct str out;
};

struct worker {
	pid_t	 pid;		/* 0: a free entry */
	int	 sock;		/* -1 once let go (it ends at end of file) */
	uid_t	 uid;
	gid_t	 gid;
	int	 slot;		/* the delivery it runs, or -1 when idle */
	unsigned int uses;
	time_t	 idle;		/* idle since */
};

/* What decides how a delivery runs: bin/qmail-local as last checked. */
struct qlcheck {
	int	 valid;
	int	 builtin;
	struct stat st;
};

static struct del d[SENDQ_SPAWN_MAX];
static struct worker wk[WORKERS_MAX];
static struct qlcheck qlc;
static char *aliasempty;
static char dashdash[] = "--";
static char empty[] = "";
static struct str qmaildir = STR_INIT(4096);
static struct str qlocal = STR_INIT(4096);
static int	 asroot;

static void	sigchld(int);
static void	answer(int, const char *, size_t);
static void	report(int, int, const struct str *);
static int	local_builtin(void);
static void	finished(int, int);
static int	worker_start(uid_t, gid_t);
static void	worker_child(int, uid_t, gid_t) __attribute__((__noreturn__));
static void	worker_letgo(int);
static void	worker_gone(int, int);
static void	worker_read(int);
static int	worker_get(uid_t, gid_t);
static time_t	worker_idle(time_t);
static int	worker_main(void);
static int	to_worker(int, const struct assign_entry *, char *, char *,
		    char *, int, int);
static pid_t	spawn(int, int, const struct assign_entry *, char *, char *,
		    char *);
static void	docmd(int, const struct str *, const struct str *,
		    const struct str *);
static void	reap(void);
static void	readpipe(int);

static void
sigchld(int sig)
{
	(void)sig;
}

/* The answer for slot: slot byte, text, NUL. */
static void
answer(int slot, const char *s, size_t n)
{
	struct str a = STR_INIT(SENDQ_REPORT_MAX + 64);
	char	 c = (char)slot;

	if (str_catc(&a, c) == 0 && str_catb(&a, s, n) == 0 &&
	    str_catc(&a, '\0') == 0)
		(void)file_writeall(1, a.s, a.len);
	str_free(&a);
}

/* Turn qmail-local's exit status and output into K/Z/D (qmail's map). */
static void
report(int slot, int wstat, const struct str *out)
{
	struct str r = STR_INIT(SENDQ_REPORT_MAX + 64);
	const char *fixed = NULL;
	const char *z;
	size_t	 n;
	char	 k;

	if (!WIFEXITED(wstat))
		fixed = "Zqmail-local crashed.\n";
	else {
		switch (WEXITSTATUS(wstat)) {
		case LX_ROOT:
			fixed = "ZNot allowed to perform deliveries as root.\n";
			break;
		case LX_PRIV:
			fixed = "ZInternal qmail-lspawn bug.\n";
			break;
		case LX_EXECSOFT:
			fixed = "ZUnable to run qmail-local.\n";
			break;
		case LX_EXECHARD:
			fixed = "DUnable to run qmail-local.\n";
			break;
		case LX_SYS:
			fixed = "ZTemporary failure in qmail-lspawn.\n";
			break;
		}
	}
	if (fixed != NULL) {
		answer(slot, fixed, strlen(fixed));
		return;
	}
	switch (WEXITSTATUS(wstat)) {
	case 0:
		k = 'K';
		break;
	case 111: case 71: case 74: case 75:
		k = 'Z';
		break;
	default:
		k = 'D';
		break;
	}
	n = out->len;
	if (out->s != NULL && (z = memchr(out->s, '\0', n)) != NULL)
		n = (size_t)(z - out->s);
	if (str_catc(&r, k) == 0 && str_catb(&r, out->s, n) == 0)
		answer(slot, r.s, r.len);
	else
		answer(slot, "Zqmail-lspawn out of memory.\n", 29);
	str_free(&r);
}

/*
 * 1 when bin/qmail-local is hsmail's: its code, linked here, may run in a
 * worker.  The file is read again only when its identity or times change.
 */
static int
local_builtin(void)
{
	struct stat st;

	if (stat(qlocal.s, &st) == -1) {
		qlc.valid = 0;
		return 0;	/* executing it will say what is wrong */
	}
	if (qlc.valid && st.st_dev == qlc.st.st_dev &&
	    st.st_ino == qlc.st.st_ino && st.st_size == qlc.st.st_size &&
	    st.st_mode == qlc.st.st_mode && st.st_uid == qlc.st.st_uid &&
	    st.st_mtim.tv_sec == qlc.st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == qlc.st.st_mtim.tv_nsec &&
	    st.st_ctim.tv_sec == qlc.st.st_ctim.tv_sec &&
	    st.st_ctim.tv_nsec == qlc.st.st_ctim.tv_nsec)
		return qlc.builtin;
	qlc.builtin = child_is_builtin(qlocal.s, "qmail-local");
	qlc.st = st;
	qlc.valid = 1;
	return qlc.builtin;
}

/* The delivery in slot has its exit status. */
static void
finished(int slot, int wstat)
{
	d[slot].running = 0;
	d[slot].pid = 0;
	d[slot].w = -1;
	d[slot].wstat = wstat;
}

/*
 * In the child of worker_start: descriptors 0 and 1 on /dev/null (never
 * qmail-send's pipes), the socket on WORKER_FD, nothing else open but
 * the log on 2; the user's ids; then this program afresh as a worker.
 */
static void
worker_child(int s, uid_t uid, gid_t gid)
{
	char	*argv[3];
	int	 i, nul;

	nul = open("/dev/null", O_RDWR);
	if (nul == -1 || dup2(nul, 0) == -1 || dup2(nul, 1) == -1)
		_exit(LX_SYS);
	if (s != WORKER_FD && dup2(s, WORKER_FD) == -1)
		_exit(LX_SYS);
	if (fcntl(WORKER_FD, F_SETFD, 0) == -1)
		_exit(LX_SYS);
	if (close_range(WORKER_FD + 1, ~0U, 0) == -1)
		for (i = WORKER_FD + 1; i < 1024; i++)
			(void)close(i);
	/* Nothing of other deliveries goes with it. */
	for (i = 0; i < SENDQ_SPAWN_MAX; i++)
		str_free(&d[i].out);
	if (asroot) {
		if (uid == 0)
			_exit(LX_ROOT);
		if (priv_drop(uid, gid) == -1)
			_exit(LX_PRIV);
	}
	if (getuid() == 0 || geteuid() == 0)
		_exit(LX_ROOT);
	argv[0] = (char *)"qmail-lworker";
	argv[1] = (char *)"-W";
	argv[2] = NULL;
	execv("/proc/self/exe", argv);
	/* Without /proc (or the right to execute this file as the user),
	 * the worker runs in this copy. */
	_exit(worker_main());
}

/* A new worker for uid/gid: its entry, or -1 (logged). */
static int
worker_start(uid_t uid, gid_t gid)
{
	int	 sv[2], w;
	pid_t	 pid;

	for (w = 0; w < WORKERS_MAX && wk[w].pid != 0; w++)
		;
	if (w == WORKERS_MAX) {
		errno = EAGAIN;
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	pid = child_fork();
	if (pid == 0) {
		close(sv[0]);
		worker_child(sv[1], uid, gid);
	}
	close(sv[1]);
	if (pid == -1) {
		close(sv[0]);
		return -1;
	}
	wk[w].pid = pid;
	wk[w].sock = sv[0];
	wk[w].uid = uid;
	wk[w].gid = gid;
	wk[w].slot = -1;
	wk[w].uses = 0;
	wk[w].idle = time(NULL);
	return w;
}

/* Let worker w go: it ends at end of file (after its delivery, if any);
 * its entry stays until it is reaped. */
static void
worker_letgo(int w)
{
	if (wk[w].sock != -1) {
		close(wk[w].sock);
		wk[w].sock = -1;
	}
}

/* Worker w has ended with wait status st. */
static void
worker_gone(int w, int st)
{
	int	 code, s = wk[w].slot;

	if (s >= 0) {
		/* An answer sent just before the end still counts. */
		if (wk[w].sock != -1 && lworker_answer(wk[w].sock, &code) == 1)
			finished(s, W_EXITCODE(code, 0));
		else
			finished(s, st);
	}
	worker_letgo(w);
	memset(&wk[w], 0, sizeof(wk[w]));
	wk[w].sock = -1;
	wk[w].slot = -1;
}

/* Worker w's socket is readable: its answer, or its end. */
static void
worker_read(int w)
{
	int	 code, s = wk[w].slot, r;

	r = lworker_answer(wk[w].sock, &code);
	if (r == 0)
		return;
	if (r == -1) {
		/* Gone or broken: its wait status decides (worker_gone). */
		if (errno == EPROTO)
			(void)kill(wk[w].pid, SIGKILL);
		worker_letgo(w);
		return;
	}
	if (s >= 0)
		finished(s, W_EXITCODE(code, 0));
	wk[w].slot = -1;
	wk[w].idle = time(NULL);
	if (code != 0 || ++wk[w].uses >= WORKER_USES)
		worker_letgo(w);
}

/* An idle worker of uid/gid, a new one if there is none; -1 (errno). */
static int
worker_get(uid_t uid, gid_t gid)
{
	int	 w, oldest = -1, idle = 0;

	for (w = 0; w < WORKERS_MAX; w++) {
		if (wk[w].pid == 0 || wk[w].sock == -1 || wk[w].slot != -1)
			continue;
		if (wk[w].uid == uid && wk[w].gid == gid)
			return w;
		idle++;
		if (oldest == -1 || wk[w].idle < wk[oldest].idle)
			oldest = w;
	}
	/* Room for the new one: the longest idle of another user goes. */
	if (idle >= WORKER_IDLE_MAX && oldest != -1)
		worker_letgo(oldest);
	return worker_start(uid, gid);
}

/* Let go of workers idle since before now - WORKER_IDLE, and of the
 * longest idle beyond WORKER_IDLE_MAX.  When to look again (0: never). */
static time_t
worker_idle(time_t now)
{
	time_t	 next = 0;
	int	 w;

	for (w = 0; w < WORKERS_MAX; w++) {
		if (wk[w].pid == 0 || wk[w].sock == -1 || wk[w].slot != -1)
			continue;
		if (wk[w].idle + WORKER_IDLE <= now) {
			worker_letgo(w);
			continue;
		}
		if (next == 0 || wk[w].idle + WORKER_IDLE < next)
			next = wk[w].idle + WORKER_IDLE;
	}
	return next;
}

/* "qmail-lworker -W": a worker, as a new program with its socket on fd 3. */
static int
worker_main(void)
{
	(void)prctl(PR_SET_NAME, "qmail-lworker");
	if (getuid() == 0 || geteuid() == 0)
		return LX_ROOT;
	return lworker_serve(WORKER_FD) == 0 ? 0 : LX_SYS;
}

/* Hand one delivery to a worker of the entry's ids.  0, or -1 (errno). */
static int
to_worker(int slot, const struct assign_entry *e, char *local, char *domain,
    char *sender, int fdmess, int fdout)
{
	struct local_params p;
	int	 w, tries;

	memset(&p, 0, sizeof(p));
	p.user = e->user.s;
	p.homedir = e->home.s;
	p.local = local;
	p.dash = e->dash.s;
	p.ext = e->ext.s;
	p.host = domain;
	p.sender = sender;
	p.aliasempty = aliasempty;
	p.doit = 1;
	p.msgfd = fdmess;
	p.outfd = p.errfd = fdout;
	/* An idle worker may have died since its last answer: then once
	 * more with a new one. */
	for (tries = 0; tries < 2; tries++) {
		if ((w = worker_get((uid_t)e->uid, (gid_t)e->gid)) == -1)
			return -1;
		if (lworker_send(wk[w].sock, &p) == 0) {
			wk[w].slot = slot;
			d[slot].w = w;
			return 0;
		}
		worker_letgo(w);
		if (errno == E2BIG)
			break;
	}
	return -1;
}

/* Fork and exec qmail-local for one delivery; pid or -1. */
static pid_t
spawn(int fdmess, int fdout, const struct assign_entry *e, char *local,
    char *domain, char *sender)
{
	char	*args[11];
	pid_t	 pid;

	args[0] = qlocal.s;
	args[1] = dashdash;
	args[2] = e->user.s;
	args[3] = e->home.s;
	args[4] = local;
	args[5] = e->dash.s;
	args[6] = e->ext.s;
	args[7] = domain;
	args[8] = sender;
	args[9] = aliasempty;
	args[10] = NULL;
	pid = child_fork();	/* signals as a new program has them */
	if (pid != 0)
		return pid;
	if (dup2(fdmess, 0) == -1 || dup2(fdout, 1) == -1 ||
	    dup2(fdout, 2) == -1)
		_exit(LX_SYS);
	if (asroot) {
		if (e->uid == 0)
			_exit(LX_ROOT);
		if (priv_drop((uid_t)e->uid, (gid_t)e->gid) == -1)
			_exit(LX_PRIV);
		if (getuid() == 0)
			_exit(LX_ROOT);
	}
	execv(args[0], args);
	_exit(err_is_temp(errno) ? LX_EXECSOFT : LX_EXECHARD);
}

/* Start one delivery, or answer at once when it cannot start. */
static void
docmd(int slot, const struct str *messid, const struct str *sender,
    const struct str *recip)
{
	struct assign_entry e;
	struct str path = STR_INIT(8192), local = STR_INIT(8192);
	struct passwd *pw;
	struct stat st;
	char	*at, *domain, *snd;
	size_t	 i;
	int	 fdmess, pi[2], r;
	pid_t	 pid = 0;

#define ERR(s)	do { answer(slot, s, strlen(s)); goto out; } while (0)
	assign_entry_init(&e);
	if (slot >= SENDQ_SPAWN_MAX)
		ERR("ZInternal error: delnum too big. (#4.3.5)\n");
	if (d[slot].used)
		ERR("ZInternal error: delnum in use. (#4.3.5)\n");
	if (messid->len == 0 || messid->len > 100)
		ERR("DInternal error: messid has bad length. (#5.3.5)\n");
	for (i = 0; i < messid->len; i++)
		if (!(messid->s[i] >= '0' && messid->s[i] <= '9') &&
		    !(i > 0 && messid->s[i] == '/'))
			ERR("DInternal error: messid has nonnumerics. (#5.3.5)\n");
	at = recip->s != NULL ? strrchr(recip->s, '@') : NULL;
	if (at == NULL)
		ERR("DSorry, address must include host name. (#5.1.3)\n");
	if (str_copyb(&local, recip->s, (size_t)(at - recip->s)) == -1)
		ERR("Zqmail-lspawn out of memory. (#4.3.0)\n");
	domain = at + 1;
	if (local.len == 0) {	/* qmail: "<>" delivers nowhere */
		answer(slot, "K", 1);
		goto out;
	}
	if (str_copys(&path, "users/cdb") == -1)
		ERR("Zqmail-lspawn out of memory. (#4.3.0)\n");
	r = assign_lookup(path.s, local.s, &e);
	if (r == -1)
		ERR("ZTrouble reading users/cdb in qmail-lspawn.\n");
	if (r == 0) {
		/* No assignment: the alias user, as qmail-getpw falls back
		 * to ~alias with the whole local part as extension. */
		pw = getpwnam("alias");
		if (pw == NULL && asroot)
			ERR("ZUnable to find alias user!\n");
		str_clear(&path);
		if (str_copys(&e.user, "alias") == -1 ||
		    str_printf(&path, "%s/alias", qmaildir.s) == -1 ||
		    str_copys(&e.home, pw != NULL ? pw->pw_dir : path.s) ==
		    -1 || str_copys(&e.dash, "-") == -1 ||
		    str_copyb(&e.ext, local.s, local.len) == -1)
			ERR("Zqmail-lspawn out of memory. (#4.3.0)\n");
		e.uid = pw != NULL ? pw->pw_uid : getuid();
		e.gid = pw != NULL ? pw->pw_gid : getgid();
	}
	if (asroot && e.uid == 0)
		ERR("ZNot allowed to perform deliveries as root.\n");
	str_clear(&path);
	if (str_printf(&path, "queue/mess/%s", messid->s) == -1)
		ERR("Zqmail-lspawn out of memory. (#4.3.0)\n");
	fdmess = open(path.s, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fdmess == -1)
		ERR("Zqmail-spawn unable to open message. (#4.3.0)\n");
	if (fstat(fdmess, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fdmess);
		ERR("ZSorry, message has wrong type. (#4.3.5)\n");
	}
	if (pipe2(pi, O_CLOEXEC) == -1) {
		close(fdmess);
		ERR("Zqmail-spawn unable to create pipe. (#4.3.0)\n");
	}
	snd = sender->s != NULL ? sender->s : empty;
	d[slot].w = -1;
	if (e.home.s == NULL || e.home.s[0] != '/')
		pid = spawn(fdmess, pi[1], &e, local.s, domain, snd);
	else if (local_builtin()) {
		if (to_worker(slot, &e, local.s, domain, snd, fdmess,
		    pi[1]) == -1) {
			log_warn("cannot start a delivery worker: %s",
			    strerror(errno));
			close(fdmess);
			close(pi[0]);
			close(pi[1]);
			ERR("Zqmail-lspawn unable to start a delivery worker. "
			    "(#4.3.0)\n");
		}
	} else
		pid = spawn(fdmess, pi[1], &e, local.s, domain, snd);
	close(fdmess);
	close(pi[1]);
	if (pid == -1) {
		close(pi[0]);
		ERR("Zqmail-spawn unable to fork. (#4.3.0)\n");
	}
	d[slot].used = 1;
	d[slot].running = 1;
	d[slot].pid = pid;
	d[slot].fd = pi[0];
	d[slot].wstat = 0;
	d[slot].cut = 0;
	str_clear(&d[slot].out);
out:
#undef ERR
	assign_entry_free(&e);
	str_free(&path);
	str_free(&local);
}

/* Collect exit statuses of finished children and workers. */
static void
reap(void)
{
	pid_t	 pid;
	int	 st, i;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < SENDQ_SPAWN_MAX; i++)
			if (d[i].used && d[i].running && d[i].pid == pid)
				finished(i, st);
		for (i = 0; i < WORKERS_MAX; i++)
			if (wk[i].pid == pid)
				worker_gone(i, st);
	}
}

/* Read a delivery's output; cap it like qmail's truncreport. */
static void
readpipe(int i)
{
	static const char trunc[] = "\nError report too long, sorry.\n";
	char	 buf[1024];
	ssize_t	 r;

	r = read(d[i].fd, buf, sizeof(buf));
	if (r == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		close(d[i].fd);
		d[i].fd = -1;
		return;
	}
	if (d[i].cut)
		return;
	if (d[i].out.len + (size_t)r > SENDQ_REPORT_MAX) {
		/* What fits, then the mark; a piece that does not fit
		 * (E2BIG, ENOMEM) is left out before the mark. */
		if (str_catb(&d[i].out, buf, (size_t)r) == 0)
			str_truncate(&d[i].out, SENDQ_REPORT_MAX -
			    sizeof(trunc));
		str_note(&d[i].out, trunc);
		d[i].cut = 1;
		return;
	}
	if (str_catb(&d[i].out, buf, (size_t)r) == -1)
		d[i].cut = 1;	/* out of memory: the report stops here */
}

int
main(int argc, char **argv)
{
	struct pollfd pfd[SENDQ_SPAWN_MAX * 2 + 1];
	int	 map[SENDQ_SPAWN_MAX * 2 + 1];
	struct str messid = STR_INIT(200), sender = STR_INIT(SENDQ_ADDR_MAX + 8);
	struct str recip = STR_INIT(SENDQ_ADDR_MAX + 8);
	struct sigaction sa;
	struct timespec ts;
	sigset_t block, old;
	time_t	 now, next;
	char	 buf[1024], c;
	ssize_t	 r, k;
	int	 i, n, reading = 1, stage = 0, slot = 0, bad = 0, busy;

	if (argc == 2 && strcmp(argv[1], "-W") == 0)
		return worker_main();
	log_init("qmail-lspawn");
	if (argc < 2)
		log_die(EXIT_PERM, "usage: qmail-lspawn defaultdelivery");
	aliasempty = argv[1];
	asroot = geteuid() == 0;
	if (str_copys(&qmaildir, root_dir(ROOT_QMAIL)) == -1 ||
	    str_printf(&qlocal, "%s/bin/qmail-local", qmaildir.s) == -1)
		log_die(EXIT_TEMP, "out of memory");
	if (chdir(qmaildir.s) == -1)
		log_die(EXIT_TEMP, "unable to chdir to %s", qmaildir.s);
	for (i = 0; i < SENDQ_SPAWN_MAX; i++) {
		d[i].fd = -1;
		d[i].w = -1;
		d[i].out = (struct str)STR_INIT(SENDQ_REPORT_MAX + 64);
	}
	for (i = 0; i < WORKERS_MAX; i++) {
		wk[i].sock = -1;
		wk[i].slot = -1;
	}
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sigchld;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	c = (char)SENDQ_SPAWN_MAX;
	if (file_writeall(1, &c, 1) == -1)
		return EXIT_TEMP;
	for (;;) {
		busy = 0;
		n = 0;
		if (reading) {
			pfd[n].fd = 0;
			pfd[n].events = POLLIN;
			map[n++] = -1;
		}
		for (i = 0; i < SENDQ_SPAWN_MAX; i++) {
			if (!d[i].used)
				continue;
			busy = 1;
			if (d[i].fd != -1) {
				pfd[n].fd = d[i].fd;
				pfd[n].events = POLLIN;
				map[n++] = i;
			}
			if (d[i].running && d[i].w != -1 &&
			    wk[d[i].w].sock != -1) {
				pfd[n].fd = wk[d[i].w].sock;
				pfd[n].events = POLLIN;
				map[n++] = SENDQ_SPAWN_MAX + d[i].w;
			}
		}
		if (!reading && !busy)
			return 0;
		now = time(NULL);
		next = worker_idle(now);
		ts.tv_sec = next > now ? next - now : 1;
		ts.tv_nsec = 0;
		r = ppoll(pfd, (nfds_t)n, next != 0 ? &ts : NULL, &old);
		reap();
		if (r > 0) {
			for (k = 0; k < n; k++) {
				if (pfd[k].revents == 0)
					continue;
				if (map[k] >= SENDQ_SPAWN_MAX) {
					if (wk[map[k] - SENDQ_SPAWN_MAX].sock
					    == pfd[k].fd)
						worker_read(map[k] -
						    SENDQ_SPAWN_MAX);
					continue;
				}
				if (map[k] >= 0) {
					readpipe(map[k]);
					continue;
				}
				r = read(0, buf, sizeof(buf));
				if (r == -1 && errno == EINTR)
					continue;
				if (r <= 0) {
					reading = 0;
					continue;
				}
				for (i = 0; i < r; i++) {
					c = buf[i];
					switch (stage) {
					case 0:
						slot = (unsigned char)c;
						str_clear(&messid);
						bad = 0;
						stage = 1;
						continue;
					case 1:
						if (c == '\0') {
							str_clear(&sender);
							stage = 2;
						} else if (str_catc(&messid, c))
							bad = 1;
						continue;
					case 2:
						if (c == '\0') {
							str_clear(&recip);
							stage = 3;
						} else if (str_catc(&sender, c))
							bad = 1;
						continue;
					default:
						if (c != '\0') {
							if (str_catc(&recip, c))
								bad = 1;
							continue;
						}
						stage = 0;
						if (bad)
							answer(slot, "DInternal error: command too long. (#5.3.5)\n", 44);
						else
							docmd(slot, &messid,
							    &sender, &recip);
					}
				}
			}
		}
		for (i = 0; i < SENDQ_SPAWN_MAX; i++)
			if (d[i].used && !d[i].running && d[i].fd == -1) {
				report(i, d[i].wstat, &d[i].out);
				d[i].used = 0;
			}
	}
}
