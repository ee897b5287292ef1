/*
 * qmail-start - start the delivery daemons, wired together.  Run once by
 * the rc script (as root in production):
 *   qmail-start defaultdelivery [logger arg ...]
 * It creates the pipes, starts qmail-lspawn (root), qmail-rspawn
 * (qmailr), qmail-clean twice (qmailq), qmail-todo (qmails), the
 * optional logger (qmaill) and qmail-queued (qmailq, with the listening
 * socket <qmail>/qmail-queued.sock on its fd 0 and the log on 1 and 2,
 * under a small keeper of ours, with our privileges, that makes the socket
 * again and restarts it when it dies, logged, and stops it when
 * qmail-send ends), then becomes qmail-send (qmails) with
 *   fd 0 log, 1/2 lspawn, 3/4 rspawn, 5/6 clean, 7/8 todo;
 * qmail-todo gets 0/1 from/to qmail-send and 2/3 to/from its qmail-clean.
 * Started by root without the qmail users (an instance under
 * HSMAIL_ROOT), or not as root, everything runs as the invoking user.
 * Trusts its command line.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "priv.h"
#include "queue.h"
#include "root.h"
#include "str.h"

enum { P_LSPAWN_IN, P_LSPAWN_OUT, P_RSPAWN_IN, P_RSPAWN_OUT, P_CLEAN_IN,
    P_CLEAN_OUT, P_TODO_IN, P_TODO_OUT, P_TCLEAN_IN, P_TCLEAN_OUT, P_LOG,
    NPIPES };

struct ids {
	uid_t	 uid;
	gid_t	 gid;
	int	 drop;
};

static int	 pi[NPIPES][2];
static struct str bindir = STR_INIT(4096);

static void	closepipes(void);
static int	queued_socket(const struct ids *);
static void	user(const char *, struct ids *, int);
static void	run(const char *, const struct ids *, const int *, int,
		    char *const *, int);
static void	keep_queued(const struct ids *, int, int, char *const *);
static void	keeper_term(int);

static void
closepipes(void)
{
	int	 i;

	for (i = 0; i < NPIPES; i++) {
		if (pi[i][0] > 8)
			close(pi[i][0]);
		if (pi[i][1] > 8)
			close(pi[i][1]);
	}
}

/*
 * <qmail>/qmail-queued.sock, listening, writable by everybody (as
 * qmail-queue is executable by everybody).  The fd, or -1 (logged):
 * then there is no qmail-queued and clients run qmail-queue.
 */
static int
queued_socket(const struct ids *id)
{
	struct sockaddr_un sun;
	struct str path = STR_INIT(sizeof(sun.sun_path) - 1);
	int	 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (root_path(&path, ROOT_QMAIL, QUEUE_SOCK) == -1) {
		log_warn("%s/%s: path too long; running without "
		    "qmail-queued", root_dir(ROOT_QMAIL), QUEUE_SOCK);
		str_free(&path);
		return -1;
	}
	memcpy(sun.sun_path, path.s, path.len);
	(void)unlink(path.s);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path.s, 0666) == -1 ||
	    (id->drop && chown(path.s, id->uid, id->gid) == -1) ||
	    listen(fd, 128) == -1) {
		log_warn("cannot listen on %s: %s; running without "
		    "qmail-queued", path.s, strerror(errno));
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	str_free(&path);
	return fd;
}

/* The ids of a qmail user; with privileges and without the user in an
 * instance, the current ids. */
static void
user(const char *name, struct ids *id, int asroot)
{
	struct passwd *pw;
	struct group *gr;

	id->uid = getuid();
	id->gid = getgid();
	id->drop = 0;
	if (!asroot)
		return;
	pw = getpwnam(name);
	gr = getgrnam("qmail");
	if (pw == NULL || gr == NULL) {
		if (root_is_instance())
			return;
		log_die(EXIT_TEMP, "user %s or group qmail is missing", name);
	}
	id->uid = pw->pw_uid;
	id->gid = strcmp(name, "qmaill") == 0 ? pw->pw_gid : gr->gr_gid;
	id->drop = 1;
}

/*
 * Fork (unless last: then in this process) a program with fds 0..n-1
 * taken from fds[]; the rest of the pipes closed.
 */
static void
run(const char *what, const struct ids *id, const int *fds, int n,
    char *const *argv, int last)
{
	int	 i, tmp[10];

	if (!last) {
		switch (fork()) {
		case -1:
			log_die(EXIT_TEMP, "unable to fork");
		case 0:
			break;
		default:
			return;
		}
	}
	/* Move the sources out of the way of the targets first. */
	for (i = 0; i < n; i++)
		if ((tmp[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 20)) == -1)
			_exit(EXIT_TEMP);
	for (i = 0; i < n; i++)
		if (dup2(tmp[i], i) == -1)
			_exit(EXIT_TEMP);
	for (i = 0; i < n; i++)
		close(tmp[i]);
	for (i = n; i < 20; i++)
		if (i > 2 || n > 2)
			close(i);
	closepipes();
	if (id->drop && priv_drop(id->uid, id->gid) == -1)
		_exit(EXIT_TEMP);
	execvp(argv[0], argv);
	log_die(EXIT_TEMP, "unable to run %s: %s", what, strerror(errno));
}

static volatile sig_atomic_t keeper_stop;
static volatile pid_t keeper_kid;

/* The keeper's TERM (qmail-send ended, or asked): pass it on, stop. */
static void
keeper_term(int sig)
{
	(void)sig;
	keeper_stop = 1;
	if (keeper_kid > 0)
		(void)kill(keeper_kid, SIGTERM);
}

/*
 * Fork the keeper of qmail-queued: it runs qmail-queued (as id, with the
 * socket lfd and the log) and, when it dies, makes the socket again and
 * runs it again a second later (logged), until its own parent (qmail-send,
 * after our exec) is gone.  The keeper keeps no socket open while no
 * qmail-queued runs, so clients are refused then (and run qmail-queue),
 * and it keeps our privileges, which making the socket needs.
 */
static void
keep_queued(const struct ids *id, int lfd, int logfd, char *const *argv)
{
	struct sigaction sa;
	sigset_t mask, old;
	pid_t	 pid, r, parent = getpid();
	int	 st, fd;

	switch (fork()) {
	case -1:
		log_warn("unable to fork for qmail-queued: running without it");
		return;
	case 0:
		break;
	default:
		return;
	}
	/* The log is fd 2 from here on: closepipes() closes logfd when it
	 * is the logger's pipe. */
	if (dup2(logfd, 2) == -1)
		_exit(EXIT_TEMP);
	for (fd = 3; fd < 20; fd++)
		if (fd != lfd)
			close(fd);
	closepipes();
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = keeper_term;
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, &old);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != parent)
		_exit(0);
	while (!keeper_stop) {
		if (lfd == -1 && (lfd = queued_socket(id)) == -1) {
			sleep(5);
			continue;
		}
		pid = fork();
		if (pid == 0) {
			int	 fds[3] = { lfd, 2, 2 };

			sigprocmask(SIG_SETMASK, &old, NULL);
			sa.sa_handler = SIG_DFL;
			sigaction(SIGTERM, &sa, NULL);
			run("qmail-queued", id, fds, 3, argv, 1);
		}
		if (pid == -1) {
			log_warn("unable to fork for qmail-queued");
			sleep(5);
			continue;
		}
		close(lfd);
		lfd = -1;
		keeper_kid = pid;
		sigprocmask(SIG_SETMASK, &old, NULL);
		/* Poll too: the parent's death signal is the rule, a look at
		 * getppid() each second the safety net. */
		while ((r = waitpid(pid, &st, WNOHANG)) == 0 ||
		    (r == -1 && errno == EINTR)) {
			if (getppid() != parent)
				keeper_term(SIGTERM);
			sleep(1);
		}
		sigprocmask(SIG_BLOCK, &mask, NULL);
		keeper_kid = 0;
		if (keeper_stop || r == -1)
			break;
		if (WIFSIGNALED(st))
			log_warn("qmail-queued killed by signal %d; restarting",
			    WTERMSIG(st));
		else
			log_warn("qmail-queued exited with status %d; "
			    "restarting", WEXITSTATUS(st));
		sleep(1);
	}
	_exit(0);
}

static char *prog(const char *);
static char *
prog(const char *name)
{
	struct str p = STR_INIT(4096);

	if (str_printf(&p, "%s/%s", bindir.s, name) == -1)
		log_die(EXIT_TEMP, "out of memory");
	return p.s;
}

int
main(int argc, char **argv)
{
	struct ids root, qs, qr, qq, ql;
	char	*a_lspawn[3], *a_rspawn[2], *a_clean[2], *a_todo[2];
	char	*a_send[2], *a_queued[2];
	int	 fds[9], logfd, lfd, i, asroot;

	log_init("qmail-start");
	if (argc < 2)
		log_die(EXIT_PERM, "usage: qmail-start defaultdelivery "
		    "[logger arg ...]");
	asroot = geteuid() == 0;
	if (str_copys(&bindir, root_dir(ROOT_QMAIL)) == -1 ||
	    str_cats(&bindir, "/bin") == -1)
		log_die(EXIT_TEMP, "out of memory");
	if (chdir("/") == -1)
		log_die(EXIT_TEMP, "unable to chdir to /");
	umask(077);
	user("root", &root, 0);
	user("qmails", &qs, asroot);
	user("qmailr", &qr, asroot);
	user("qmailq", &qq, asroot);
	user("qmaill", &ql, asroot);
	/* Keep the pipes above the descriptors we are about to fill. */
	for (i = 0; i < NPIPES; i++)
		pi[i][0] = pi[i][1] = -1;
	for (i = 0; i < NPIPES; i++) {
		if (i == P_LOG && argc < 3)
			continue;
		if (pipe(pi[i]) == -1)
			log_die(EXIT_TEMP, "unable to create pipes");
	}
	signal(SIGPIPE, SIG_IGN);
	logfd = 1;
	if (argc >= 3) {
		fds[0] = pi[P_LOG][0];
		fds[1] = 1;
		fds[2] = 2;
		run(argv[2], &ql, fds, 3, argv + 2, 0);
		logfd = pi[P_LOG][1];
	}
	a_lspawn[0] = prog("qmail-lspawn");
	a_lspawn[1] = argv[1];
	a_lspawn[2] = NULL;
	fds[0] = pi[P_LSPAWN_IN][0];
	fds[1] = pi[P_LSPAWN_OUT][1];
	fds[2] = logfd;
	run("qmail-lspawn", &root, fds, 3, a_lspawn, 0);
	a_rspawn[0] = prog("qmail-rspawn");
	a_rspawn[1] = NULL;
	fds[0] = pi[P_RSPAWN_IN][0];
	fds[1] = pi[P_RSPAWN_OUT][1];
	run("qmail-rspawn", &qr, fds, 3, a_rspawn, 0);
	a_clean[0] = prog("qmail-clean");
	a_clean[1] = NULL;
	fds[0] = pi[P_CLEAN_IN][0];
	fds[1] = pi[P_CLEAN_OUT][1];
	run("qmail-clean", &qq, fds, 3, a_clean, 0);
	fds[0] = pi[P_TCLEAN_IN][0];
	fds[1] = pi[P_TCLEAN_OUT][1];
	run("qmail-clean", &qq, fds, 3, a_clean, 0);
	if ((lfd = queued_socket(&qq)) != -1) {
		a_queued[0] = prog("qmail-queued");
		a_queued[1] = NULL;
		keep_queued(&qq, lfd, logfd, a_queued);
		close(lfd);
	}
	a_todo[0] = prog("qmail-todo");
	a_todo[1] = NULL;
	fds[0] = pi[P_TODO_IN][0];
	fds[1] = pi[P_TODO_OUT][1];
	fds[2] = pi[P_TCLEAN_IN][1];
	fds[3] = pi[P_TCLEAN_OUT][0];
	run("qmail-todo", &qs, fds, 4, a_todo, 0);
	a_send[0] = prog("qmail-send");
	a_send[1] = NULL;
	fds[0] = logfd;
	fds[1] = pi[P_LSPAWN_IN][1];
	fds[2] = pi[P_LSPAWN_OUT][0];
	fds[3] = pi[P_RSPAWN_IN][1];
	fds[4] = pi[P_RSPAWN_OUT][0];
	fds[5] = pi[P_CLEAN_IN][1];
	fds[6] = pi[P_CLEAN_OUT][0];
	fds[7] = pi[P_TODO_IN][1];
	fds[8] = pi[P_TODO_OUT][0];
	run("qmail-send", &qs, fds, 9, a_send, 1);
	return EXIT_TEMP;
}
