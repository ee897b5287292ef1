/*
 * qmail-lspawn - run local deliveries for qmail-send.  Started by
 * qmail-start as root (so that it can become each user); reads spawn
 * commands on fd 0 (slot byte, "<split>/<id>\0", sender\0, recipient\0),
 * looks the local part up in users/cdb (users.h), and runs
 *   qmail-local -- user home local dash ext domain sender defaultdelivery
 * under the entry's uid/gid, never uid 0, with the message on fd 0.  When
 * not started as root it runs qmail-local as itself.  qmail-local's code
 * is linked in: when bin/qmail-local is hsmail's qmail-local (child.h)
 * the forked child runs that code without executing the file.  Each result goes
 * back on fd 1: the slot byte, a report starting with K (delivered),
 * Z (try again later) or D (give up), and a NUL.  Trusts qmail-send's
 * commands to come from qmail-send; checks them anyway.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "file.h"
#include "log.h"
#include "priv.h"
#include "root.h"
#include "queue.h"
#include "sendq.h"
#include "str.h"
#include "assign.h"
#include "child.h"
#include "../queue/qlocal.h"

/* Exit codes of the forked child before qmail-local runs. */
#define LX_ROOT		120	/* would deliver as root */
#define LX_PRIV		121	/* could not change ids */
#define LX_EXECSOFT	122
#define LX_EXECHARD	123
#define LX_SYS		124

struct del {
	int	 used;
	pid_t	 pid;		/* 0 once reaped */
	int	 fd;		/* report pipe, -1 at end of file */
	int	 wstat;
	int	 cut;		/* report already truncated */
	struct str out;
};

static struct del d[SENDQ_SPAWN_MAX];
static char *aliasempty;
static char dashdash[] = "--";
static char empty[] = "";
static struct str qmaildir = STR_INIT(4096);
static struct str qlocal = STR_INIT(4096);
static int	 asroot;
static volatile sig_atomic_t gotchld;

static void	sigchld(int);
static void	answer(int, const char *, size_t);
static void	report(int, int, const struct str *);
static void	docmd(int, const struct str *, const struct str *,
		    const struct str *);
static pid_t	spawn(int, int, const struct assign_entry *, char *, char *,
		    char *);
static void	reap(void);
static void	readpipe(int);

static void
sigchld(int sig)
{
	(void)sig;
	gotchld = 1;
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

/* Fork and exec qmail-local for one delivery; pid or -1. */
static pid_t
spawn(int fdmess, int fdout, const struct assign_entry *e, char *local,
    char *domain, char *sender)
{
	char	*args[11];
	pid_t	 pid;
	int	 builtin;

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
	builtin = child_is_builtin(qlocal.s, "qmail-local");
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
	if (builtin)
		qmail_local_main(10, args);
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
	char	*at, *domain;
	size_t	 i;
	int	 fdmess, pi[2], r;
	pid_t	 pid;

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
	pid = spawn(fdmess, pi[1], &e, local.s, domain,
	    sender->s != NULL ? sender->s : empty);
	close(fdmess);
	close(pi[1]);
	if (pid == -1) {
		close(pi[0]);
		ERR("Zqmail-spawn unable to fork. (#4.3.0)\n");
	}
	d[slot].used = 1;
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

/* Collect exit statuses of finished children. */
static void
reap(void)
{
	pid_t	 pid;
	int	 st, i;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		for (i = 0; i < SENDQ_SPAWN_MAX; i++)
			if (d[i].used && d[i].pid == pid) {
				d[i].pid = 0;
				d[i].wstat = st;
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
	struct pollfd pfd[SENDQ_SPAWN_MAX + 1];
	int	 map[SENDQ_SPAWN_MAX + 1];
	struct str messid = STR_INIT(200), sender = STR_INIT(SENDQ_ADDR_MAX + 8);
	struct str recip = STR_INIT(SENDQ_ADDR_MAX + 8);
	struct sigaction sa;
	sigset_t block, old;
	char	 buf[1024], c;
	ssize_t	 r, k;
	int	 i, n, reading = 1, stage = 0, slot = 0, bad = 0, busy;

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
		d[i].out = (struct str)STR_INIT(SENDQ_REPORT_MAX + 64);
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
		}
		if (!reading && !busy)
			return 0;
		gotchld = 0;
		r = ppoll(pfd, (nfds_t)n, NULL, &old);
		reap();
		if (r > 0) {
			for (k = 0; k < n; k++) {
				if (pfd[k].revents == 0)
					continue;
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
			if (d[i].used && d[i].pid == 0 && d[i].fd == -1) {
				report(i, d[i].wstat, &d[i].out);
				d[i].used = 0;
			}
	}
}
