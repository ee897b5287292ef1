/*
 * forksrv - the fork server's loop inside an hsmail network program (see
 * forksrv.h).  Runs in the exec'd copy that tcpserver keeps, with the
 * service's ids; trusts only its parent, tcpserver (the peer of its
 * control socket), and keeps nothing of a session: the connection's
 * descriptor is closed and its record wiped once the child is forked.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "err.h"
#include "fdpass.h"
#include "forksrv.h"
#include "num.h"

/* The mark tcpserver looks for: this program speaks the protocol. */
CHILD_PROGRAM_NOTE(FORKSRV_NOTE);

extern char **environ;

static int	ctl_fd(void);
static void	reply(int, char, int32_t);
static pid_t	fork_session(void);

/*
 * The control socket named by FORKSRV_ENV (removed from the environment
 * either way), if it is a SOCK_SEQPACKET socket whose peer is our parent;
 * else -1.  Made close-on-exec, so no program a session runs inherits it.
 */
static int
ctl_fd(void)
{
	const char *v = getenv(FORKSRV_ENV);
	struct ucred cr;
	struct stat st;
	socklen_t len;
	unsigned long fd;
	int	 type;

	if (v == NULL)
		return -1;
	if (num_parses(v, 1 << 20, &fd) == -1 || fd <= 2) {
		(void)unsetenv(FORKSRV_ENV);
		return -1;
	}
	(void)unsetenv(FORKSRV_ENV);
	len = sizeof(type);
	if (fstat((int)fd, &st) == -1 || !S_ISSOCK(st.st_mode) ||
	    getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1 ||
	    type != SOCK_SEQPACKET)
		return -1;
	len = sizeof(cr);
	if (getsockopt((int)fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1 ||
	    cr.pid != getppid())
		return -1;
	if (fcntl((int)fd, F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	return (int)fd;
}

size_t
forksrv_reply_make(char *out, char type, int32_t val)
{
	out[0] = type;
	if (type == 'R')
		return 1;
	memcpy(out + 1, &val, sizeof(val));
	return FORKSRV_REPLY;
}

/* Send a reply; tcpserver gone means there is nothing left to serve. */
static void
reply(int s, char type, int32_t val)
{
	char	 b[FORKSRV_REPLY];
	size_t	 n = forksrv_reply_make(b, type, val);
	ssize_t	 r;

	do
		r = send(s, b, n, MSG_NOSIGNAL);
	while (r == -1 && errno == EINTR);
	if (r != (ssize_t)n)
		_exit(r == -1 && errno == EPIPE ? EXIT_DONE : EXIT_TEMP);
}

int
forksrv_rec_parse(char *b, size_t n, char **env, size_t max)
{
	size_t	 i = 1, k = 0, len;

	if (n == 0 || b[0] != 'C' || (n > 1 && b[n - 1] != '\0')) {
		errno = EPROTO;
		return -1;
	}
	while (i < n) {
		len = strlen(b + i);
		if (k == max || len == 0 || b[i] == '=' ||
		    memchr(b + i, '=', len) == NULL) {
			errno = EPROTO;
			return -1;
		}
		env[k++] = b + i;
		i += len + 1;
	}
	env[k] = NULL;
	return (int)k;
}

/*
 * fork(), but the child's parent is ours (tcpserver): it is reaped,
 * counted and logged there exactly as an exec'd session.  The child runs
 * on in the same state as after fork(): this program is single-threaded
 * and holds no lock here, and it has no fork handlers to run.
 */
static pid_t
fork_session(void)
{
	return (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL,
	    NULL, 0);
}

int
forksrv_serve(void)
{
	static char rec[FORKSRV_REC_MAX];
	static char *env[FORKSRV_ENV_MAX + 1];
	size_t	 len;
	pid_t	 pid;
	int	 s, t, e;

	if ((s = ctl_fd()) == -1)
		return 0;
	reply(s, 'R', 0);
	for (;;) {
		if (fdpass_recvb(s, rec, sizeof(rec), &len, &t, 1) == -1) {
			if (errno == EPIPE)
				_exit(EXIT_DONE);	/* tcpserver closed it */
			if (errno != EPROTO)
				_exit(EXIT_TEMP);
			reply(s, 'F', EPROTO);
			continue;
		}
		if (t <= 2 || forksrv_rec_parse(rec, len, env,
		    FORKSRV_ENV_MAX) == -1) {
			close(t);
			explicit_bzero(rec, len);
			reply(s, 'F', EPROTO);
			continue;
		}
		pid = fork_session();
		if (pid == 0) {
			close(s);
			if (dup2(t, 0) == -1 || dup2(t, 1) == -1)
				_exit(EXIT_TEMP);
			close(t);
			environ = env;
			return 0;
		}
		e = errno;
		close(t);
		explicit_bzero(rec, len);
		memset(env, 0, sizeof(env));
		reply(s, pid == -1 ? 'F' : 'P', pid == -1 ? e : pid);
	}
}
