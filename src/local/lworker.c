/*
 * lworker - the request and answer records of qmail-lspawn's delivery
 * workers, and the worker's loop; see lworker.h.  The loop runs in a
 * worker process (an unprivileged copy of qmail-lspawn); the other two
 * functions in qmail-lspawn.
 */
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdpass.h"
#include "lworker.h"
#include "str.h"

#define NARGS		8
#define DELIVERY_TIME	86400	/* qmail-local's own alarm */

/* The report descriptor of the running delivery, for the alarm. */
static volatile sig_atomic_t alarmfd = -1;

static void	sigalrm(int);
static int	decode(char *, size_t, struct local_params *);

/* 24 hours are up: say so where qmail-local would, and end. */
static void
sigalrm(int sig)
{
	static const char msg[] = "Timeout on delivery. (#4.3.0)\n";

	(void)sig;
	if (alarmfd != -1)
		(void)!write(alarmfd, msg, sizeof(msg) - 1);
	_exit(111);
}

int
lworker_send(int s, const struct local_params *p)
{
	const char *a[NARGS];
	struct str rec = STR_INIT(LWORKER_REQ_MAX);
	int	 fds[2], r, i;

	a[0] = p->user;
	a[1] = p->homedir;
	a[2] = p->local;
	a[3] = p->dash;
	a[4] = p->ext;
	a[5] = p->host;
	a[6] = p->sender;
	a[7] = p->aliasempty;
	for (i = 0; i < NARGS; i++)
		if (str_cats(&rec, a[i]) == -1 || str_catc(&rec, '\0') == -1) {
			str_free(&rec);
			return -1;
		}
	fds[0] = p->msgfd;
	fds[1] = p->outfd;
	r = fdpass_sendb(s, rec.s, rec.len, fds, 2);
	str_free(&rec);
	return r;
}

int
lworker_answer(int s, int *code_r)
{
	int32_t	 code;
	ssize_t	 r;

	do
		r = recv(s, &code, sizeof(code), MSG_DONTWAIT | MSG_TRUNC);
	while (r == -1 && errno == EINTR);
	if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (r != (ssize_t)sizeof(code) ||
	    (code != 0 && code != 100 && code != 111)) {
		if (r >= 0)
			errno = r == 0 ? EPIPE : EPROTO;
		return -1;
	}
	*code_r = code;
	return 1;
}

/* The eight NUL-terminated arguments of a request, exactly filling it. */
static int
decode(char *b, size_t n, struct local_params *p)
{
	const char **a[NARGS];
	char	*z, *end = b + n;
	int	 i;

	a[0] = &p->user;
	a[1] = &p->homedir;
	a[2] = &p->local;
	a[3] = &p->dash;
	a[4] = &p->ext;
	a[5] = &p->host;
	a[6] = &p->sender;
	a[7] = &p->aliasempty;
	for (i = 0; i < NARGS; i++) {
		if (b >= end || (z = memchr(b, '\0', (size_t)(end - b))) == NULL)
			return -1;
		*a[i] = b;
		b = z + 1;
	}
	return b == end && p->homedir[0] == '/' ? 0 : -1;
}

int
lworker_serve(int s)
{
	struct local_params p;
	struct local_result res;
	struct sigaction sa;
	char	*buf;
	size_t	 n;
	int32_t	 code;
	int	 fds[2], r = -1;

	if ((buf = malloc(LWORKER_REQ_MAX)) == NULL)
		return -1;
	umask(077);
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sigalrm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	for (;;) {
		if (fdpass_recvb(s, buf, LWORKER_REQ_MAX, &n, fds, 2) == -1) {
			if (errno == EPIPE)	/* end of file */
				r = 0;
			break;
		}
		memset(&p, 0, sizeof(p));
		if (decode(buf, n, &p) == -1) {
			close(fds[0]);
			close(fds[1]);
			errno = EPROTO;
			break;
		}
		p.doit = 1;
		p.msgfd = fds[0];
		p.outfd = p.errfd = fds[1];
		alarmfd = fds[1];
		alarm(DELIVERY_TIME);
		code = (int32_t)local_deliver(&p, &res);
		alarm(0);
		alarmfd = -1;
		close(fds[0]);
		close(fds[1]);
		(void)!chdir("/");
		if (send(s, &code, sizeof(code), MSG_NOSIGNAL) !=
		    (ssize_t)sizeof(code))
			break;
	}
	free(buf);
	return r;
}
