/*
 * tcpfsrv - tcpserver's side of the fork server (see tcpfsrv.h and
 * forksrv.h).  Runs in the tcpserver parent, after the privilege drop:
 * the copy it starts has exactly the ids, descriptors, signal state and
 * environment a program tcpspawn starts has, and so does each session
 * the copy forks.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "fdpass.h"
#include "forksrv.h"
#include "num.h"
#include "tcpfsrv.h"
#include "tcpspawn.h"

#define RETIRED_MAX	8	/* copies told to go, not yet reaped */
#define BACKOFF_MAX	64	/* seconds between tries of a failing copy */

static struct {
	int	 on;		/* TCPSERVER_NOFORKSRV not set */
	int	 hsmail;	/* the file is hsmail's fork-server program */
	char	**argv;
	sigset_t mask;
	void	(*say)(int, const char *, ...);
	unsigned long maxuse;
	char	 path[PATH_MAX];	/* argv[0] found in PATH */
	struct stat st;		/* the file when it was looked at */
	pid_t	 pid;		/* the copy, 0 none */
	int	 ctl;		/* our end of its socket, -1 none */
	int	 ready;		/* it said "R" */
	unsigned long used;	/* sessions it forked */
	time_t	 next_try;	/* after a copy failed: not before then */
	unsigned backoff;
	volatile sig_atomic_t dead;	/* the copy ended on its own */
	volatile sig_atomic_t deadstat;
	volatile sig_atomic_t replace;	/* a session ended by a signal */
	volatile pid_t retired[RETIRED_MAX];
} fs = { .ctl = -1 };

static int	findprog(const char *, char *, size_t);
static int	same_file(const struct stat *, const struct stat *);
static void	look(void);
static void	retire(int);
static void	failed(void);
static void	launch(void);
static int	check_ready(void);
static pid_t	hand(int, struct strlist *);
static void	seen_deaths(void);

/*
 * The file execvpe would run for name: name itself when it has a '/',
 * else the first executable regular file name in PATH's directories
 * (glibc's default path without PATH).  0, or -1.
 */
static int
findprog(const char *name, char *out, size_t n)
{
	const char *path = getenv("PATH"), *p, *end;
	struct stat st;
	int	 len;

	if (strchr(name, '/') != NULL) {
		if (strlen(name) >= n)
			return -1;
		memcpy(out, name, strlen(name) + 1);
		return 0;
	}
	if (path == NULL)
		path = "/bin:/usr/bin";
	for (p = path; ; p = end + 1) {
		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		len = snprintf(out, n, "%.*s%s%s", (int)(end - p), p,
		    end == p ? "" : "/", name);
		if (len > 0 && (size_t)len < n && stat(out, &st) == 0 &&
		    S_ISREG(st.st_mode) && access(out, X_OK) == 0)
			return 0;
		if (*end == '\0')
			return -1;
	}
}

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_mode == b->st_mode && a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Find the program's file and decide whether it is hsmail's. */
static void
look(void)
{
	fs.hsmail = 0;
	memset(&fs.st, 0, sizeof(fs.st));
	if (findprog(fs.argv[0], fs.path, sizeof(fs.path)) == -1 ||
	    stat(fs.path, &fs.st) == -1)
		return;
	fs.hsmail = child_is_builtin(fs.path, FORKSRV_NOTE);
}

void
tcpfsrv_init(char **argv, const sigset_t *mask,
    void (*say)(int, const char *, ...))
{
	const char *v = getenv("TCPSERVER_MAXUSE");
	unsigned long n;

	fs.argv = argv;
	fs.mask = *mask;
	fs.say = say;
	fs.on = getenv("TCPSERVER_NOFORKSRV") == NULL;
	fs.maxuse = TCPFSRV_MAXUSE;
	if (v != NULL && num_parses(v, 1000000, &n) == 0 && n > 0)
		fs.maxuse = n;
	fs.backoff = 1;
	if (!fs.on)
		return;
	look();
	if (fs.hsmail)
		launch();
}

/*
 * Stop using the copy: closing our end makes it exit (kill: at once,
 * when it may be stuck).  It is reaped by the SIGCHLD handler, which
 * must know it is no session.
 */
static void
retire(int kill_it)
{
	size_t	 i;
	int	 wstat;

	if (fs.ctl >= 0)
		close(fs.ctl);
	fs.ctl = -1;
	if (fs.pid > 0 && !fs.dead) {
		if (kill_it)
			(void)kill(fs.pid, SIGKILL);
		for (i = 0; i < RETIRED_MAX; i++)
			if (fs.retired[i] == 0)
				break;
		if (i < RETIRED_MAX)
			fs.retired[i] = fs.pid;
		else {
			/* Never happens in practice: a told copy exits at
			 * once.  Then wait for this one here. */
			(void)kill(fs.pid, SIGKILL);
			while (waitpid(fs.pid, &wstat, 0) == -1 &&
			    errno == EINTR)
				;
		}
	}
	fs.pid = 0;
	fs.ready = 0;
	fs.used = 0;
	fs.dead = 0;
}

/* A copy that died or never became ready: try again later, later each
 * time, with the exec'd way meanwhile. */
static void
failed(void)
{
	fs.next_try = time(NULL) + fs.backoff;
	if (fs.backoff < BACKOFF_MAX)
		fs.backoff *= 2;
}

/* Start a copy: the program exec'd with FORKSRV_ENV naming its end. */
static void
launch(void)
{
	struct strlist vars = STRLIST_INIT;
	struct str v = STR_INIT(64);
	int	 sv[2];
	pid_t	 pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		failed();
		return;
	}
	if (str_printf(&v, "%s=%d", FORKSRV_ENV, sv[1]) == -1 ||
	    strlist_adds(&vars, v.s) == -1)
		pid = -1;
	else
		pid = tcpspawn_run(-1, sv[1], fs.path, fs.argv, &vars,
		    &fs.mask);
	close(sv[1]);
	str_free(&v);
	strlist_free(&vars);
	if (pid == -1) {
		close(sv[0]);
		failed();
		return;
	}
	fs.pid = pid;
	fs.ctl = sv[0];
	fs.ready = 0;
	fs.used = 0;
	fs.dead = 0;
}

/* 1 once the copy has said "R" (looked at without waiting). */
static int
check_ready(void)
{
	char	 b[FORKSRV_REPLY];
	ssize_t	 r;

	if (fs.ready)
		return 1;
	r = recv(fs.ctl, b, sizeof(b), MSG_DONTWAIT);
	if (r == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r == 1 && b[0] == 'R')
		return fs.ready = 1;
	retire(1);		/* anything else: not our program after all */
	failed();
	return 0;
}

/*
 * Let the SIGCHLD handler run now if a child has ended: a session that
 * crashed must have its copy replaced before the next connection
 * reaches it, even when the client reconnects at once.
 */
static void
seen_deaths(void)
{
	sigset_t pend, chld;

	if (sigpending(&pend) == 0 && sigismember(&pend, SIGCHLD)) {
		sigemptyset(&chld);
		sigaddset(&chld, SIGCHLD);
		sigprocmask(SIG_UNBLOCK, &chld, NULL);
		sigprocmask(SIG_BLOCK, &chld, NULL);
	}
}

/*
 * Hand t to the copy.  The session's pid; 0 when no copy took it (the
 * caller starts it the exec'd way: the copy never had the connection or
 * said it forked nothing); -1 when the connection may have reached a
 * copy that then failed (it is dropped, never started twice).
 */
static pid_t
hand(int t, struct strlist *vars)
{
	static char **env;
	static size_t envcap;
	static struct str rec = STR_INIT(FORKSRV_REC_MAX);
	struct pollfd pfd;
	struct stat st;
	char	 b[FORKSRV_REPLY + 1];
	int32_t	 val;
	size_t	 n, i;
	ssize_t	 r;
	int	 ok;

	seen_deaths();
	if (fs.dead) {
		fs.say(1, "warning: fork server %ld ended, status %d",
		    (long)fs.pid, (int)fs.deadstat);
		retire(0);
		failed();
	}
	if (fs.replace) {
		fs.replace = 0;
		retire(1);
	}
	/* A new file (an upgrade, a wrapper put in its place): look again;
	 * the copy runs the old one. */
	if (stat(fs.path, &st) == -1 || !same_file(&st, &fs.st)) {
		retire(0);
		look();
	}
	if (!fs.hsmail)
		return 0;
	if (fs.pid == 0) {
		if (time(NULL) >= fs.next_try)
			launch();
		return 0;
	}
	if (!check_ready())
		return 0;

	n = tcpspawn_envsize(vars->n);
	if (n > envcap) {
		free(env);
		envcap = 0;
		if ((env = calloc(n, sizeof(*env))) == NULL)
			return 0;
		envcap = n;
	}
	tcpspawn_envfill(env, vars->v, vars->n);
	ok = str_copyb(&rec, "C", 1) == 0;
	for (i = 0; ok && env[i] != NULL; i++)
		ok = i < FORKSRV_ENV_MAX &&
		    str_catb(&rec, env[i], strlen(env[i]) + 1) == 0;
	if (!ok)			/* too big for a record */
		return 0;
	r = fdpass_sendb(fs.ctl, rec.s, rec.len, &t, 1);
	if (r == -1) {			/* it never had the connection */
		retire(1);
		failed();
		return 0;
	}
	pfd.fd = fs.ctl;
	pfd.events = POLLIN;
	do
		r = poll(&pfd, 1, TCPFSRV_WAIT * 1000);
	while (r == -1 && errno == EINTR);
	r = r == 1 ? recv(fs.ctl, b, sizeof(b), MSG_DONTWAIT) : -1;
	if (r == FORKSRV_REPLY && (b[0] == 'P' || b[0] == 'F')) {
		memcpy(&val, b + 1, sizeof(val));
		if (b[0] == 'F')
			return 0;
		if (val > 0) {
			fs.backoff = 1;
			if (++fs.used >= fs.maxuse) {
				retire(0);
				launch();
			}
			return (pid_t)val;
		}
	}
	retire(1);
	failed();
	errno = EPROTO;
	return -1;
}

pid_t
tcpfsrv_start(int t, char **argv, struct strlist *vars,
    const sigset_t *mask)
{
	pid_t	 pid;

	if (fs.on && (pid = hand(t, vars)) != 0) {
		strlist_free(vars);
		return pid;
	}
	return tcpspawn_start(t, argv, vars, mask);
}

int
tcpfsrv_reaped(pid_t pid, int wstat)
{
	size_t	 i;

	if (pid == fs.pid && fs.pid > 0) {
		fs.dead = 1;
		fs.deadstat = wstat;
		return 1;
	}
	for (i = 0; i < RETIRED_MAX; i++)
		if (fs.retired[i] == pid) {
			fs.retired[i] = 0;
			return 1;
		}
	if (WIFSIGNALED(wstat))
		fs.replace = 1;
	return 0;
}
