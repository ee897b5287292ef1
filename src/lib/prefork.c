/*
 * prefork - the pool of accepting children of qmail-queued and msgauthd
 * (prefork.h): slots, spawning, reaping, shedding, the stop.  Runs in
 * the daemon and in each of its children; trusts the caller's functions.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "log.h"
#include "prefork.h"

enum { SLOT_FREE, SLOT_IDLE, SLOT_BUSY };

static struct prefork pool;		/* what prefork_init was given */
static pid_t	 kids[PREFORK_MAX];	/* by slot; 0 free */
static volatile unsigned char *state;	/* by slot, shared with them */
static int	 nkids;
static int	 lfd = -1;		/* the listening socket */
static int	 busyr = -1;		/* parent: "all busy" from children */
static int	 busyw = -1;		/* children: "all busy" to the parent */
static int	 lsock = -1;		/* a child's listening socket */
static sigset_t	 unblocked;		/* the mask before prefork_init */
static volatile sig_atomic_t gotterm;

static void	sigterm(int);
static void	kidterm(int);
static void	sigchld(int);
static int	idle_count(void);
static void	child(int, pid_t) __attribute__((__noreturn__));
static void	shed(void);
static void	spawn(void);
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

	for (i = 0; i < pool.max; i++)
		if (__atomic_load_n(&state[i], __ATOMIC_SEQ_CST) == SLOT_IDLE)
			n++;
	return n;
}

/*
 * A child in slot: clients from the listening socket until told to
 * stop, worn out, ended by serve, or idle while another waits.
 */
static void
child(int slot, pid_t parent)
{
	struct sigaction sa;
	const int *sig;
	int	 c, l = lfd, uses, failed = 0;
	char	 byte = 0;

	lsock = l;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kidterm;	/* no SA_RESTART: accept() returns */
	for (sig = pool.sigs; *sig != 0; sig++)
		sigaction(*sig, &sa, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != parent)
		_exit(0);
	if (pool.start != NULL)
		pool.start(pool.arg);
	for (uses = 0; uses < pool.uses && !gotterm && !failed; uses++) {
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
		/* A child that failed stays busy until it is gone. */
		failed = pool.serve(c, pool.arg) == -1;
		if (!failed)
			__atomic_store_n(&state[slot], SLOT_IDLE,
			    __ATOMIC_SEQ_CST);
	}
	if (pool.end != NULL)
		pool.end(pool.arg);
	_exit(0);
}

/*
 * Every child busy and no more allowed: a waiting client goes to the
 * shed function.  Signals may interrupt the accept (a child may have
 * taken the client first).
 */
static void
shed(void)
{
	sigset_t blocked;
	int	 fd;

	sigprocmask(SIG_SETMASK, &unblocked, &blocked);
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	sigprocmask(SIG_SETMASK, &blocked, NULL);
	if (fd != -1)
		pool.shed(fd, pool.arg);
}

/* Start a child in a free slot. */
static void
spawn(void)
{
	pid_t	 pid, parent = getpid();
	int	 slot;

	for (slot = 0; slot < pool.max && kids[slot] != 0; slot++)
		;
	if (slot == pool.max)
		return;
	__atomic_store_n(&state[slot], SLOT_IDLE, __ATOMIC_SEQ_CST);
	pid = child_fork();
	if (pid == 0) {
		close(busyr);
		child(slot, parent);
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
		for (i = 0; i < pool.max; i++)
			if (kids[i] == pid) {
				kids[i] = 0;
				__atomic_store_n(&state[i], SLOT_FREE,
				    __ATOMIC_SEQ_CST);
				nkids--;
				break;
			}
}

int
prefork_init(const struct prefork *pf, int l, const char **what_r)
{
	struct sigaction sa;
	const int *sig;
	sigset_t block;
	int	 p[2];

	*what_r = "cannot start the children's pool";
	if (pf->max < 1 || pf->max > PREFORK_MAX || pf->uses < 1 ||
	    pf->sigs == NULL || pf->serve == NULL) {
		errno = EINVAL;
		return -1;
	}
	pool = *pf;
	memset(kids, 0, sizeof(kids));
	nkids = 0;
	gotterm = 0;
	state = mmap(NULL, (size_t)pool.max, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (state == MAP_FAILED) {
		state = NULL;
		*what_r = "cannot map the children's states";
		return -1;
	}
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1) {
		(void)munmap((void *)(uintptr_t)state, (size_t)pool.max);
		state = NULL;
		*what_r = "cannot make a pipe";
		return -1;
	}
	lfd = l;
	busyr = p[0];
	busyw = p[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sigterm;
	for (sig = pool.sigs; *sig != 0; sig++)
		sigaction(*sig, &sa, NULL);
	sa.sa_handler = sigchld;
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	for (sig = pool.sigs; *sig != 0; sig++)
		sigaddset(&block, *sig);
	sigprocmask(SIG_BLOCK, &block, &unblocked);
	return 0;
}

void
prefork_run(void)
{
	struct pollfd pfd[2];
	struct timespec pause = { 1, 0 };
	char	 buf[64];
	int	 full;

	for (;;) {
		reap();
		if (gotterm)
			return;
		if (nkids < pool.max && idle_count() == 0)
			spawn();
		full = pool.shed != NULL && nkids >= pool.max &&
		    idle_count() == 0;
		pfd[0].fd = busyr;
		pfd[0].events = POLLIN;
		pfd[1].fd = lfd;
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		/* A failed fork is tried again after a pause. */
		(void)ppoll(pfd, full ? 2 : 1, nkids == 0 ? &pause : NULL,
		    &unblocked);
		while (read(busyr, buf, sizeof(buf)) > 0)
			;
		if (full && (pfd[1].revents & POLLIN) && idle_count() == 0)
			shed();
	}
}

void
prefork_stop(void)
{
	int	 i;

	close(lfd);
	lfd = -1;
	for (i = 0; i < pool.max; i++)
		if (kids[i] != 0)
			(void)kill(kids[i], SIGTERM);
	while (nkids > 0) {
		reap();
		if (nkids > 0)
			(void)sigsuspend(&unblocked);
	}
	(void)munmap((void *)(uintptr_t)state, (size_t)pool.max);
	state = NULL;
	close(busyr);
	close(busyw);
	busyr = busyw = -1;
}
