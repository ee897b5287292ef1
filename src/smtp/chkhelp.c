/*
 * chkhelp - start vchkuser on demand and ask it about recipients
 * (chkhelp.h, rcptq.h).
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "chkhelp.h"
#include "log.h"
#include "rcptq.h"
#include "root.h"

static int	chkhelp_start(struct chkhelp *);
static void	chkhelp_fail(struct chkhelp *, const char *, int);

void
chkhelp_init(struct chkhelp *h, const char *prog)
{
	memset(h, 0, sizeof(*h));
	h->state = CHKHELP_IDLE;
	h->prog = prog;
	h->timeout = RCPTQ_ANSWER_SEC;
	h->pid = -1;
	io_init(&h->io, -1, -1, h->timeout);
}

int
chkhelp_up(const struct chkhelp *h)
{
	return h->state == CHKHELP_UP;
}

/* Start the helper with pipes on its fds 0 and 1.  0 or -1 (logged). */
static int
chkhelp_start(struct chkhelp *h)
{
	struct str path = STR_INIT(4096);
	struct child_spec cs;
	char	*argv[2];
	int	 q[2] = { -1, -1 }, a[2] = { -1, -1 }, err;

	if (h->prog != NULL)
		err = str_copys(&path, h->prog);
	else
		err = root_path(&path, ROOT_VPOPMAIL, "bin/vchkuser");
	if (err == -1 || pipe2(q, O_CLOEXEC) == -1 ||
	    pipe2(a, O_CLOEXEC) == -1)
		goto fail;
	q[0] = child_fd_high(q[0]);
	a[1] = child_fd_high(a[1]);
	if (q[0] == -1 || a[1] == -1)
		goto fail;
	argv[0] = (char *)(uintptr_t)str_c(&path);
	argv[1] = NULL;
	child_spec_init(&cs, argv);
	cs.fd[0] = q[0];
	cs.fd[1] = a[1];
	if ((h->pid = child_start(&cs)) == -1)
		goto fail;
	close(q[0]);
	close(a[1]);
	(void)fcntl(q[1], F_SETFL, O_NONBLOCK);
	io_init(&h->io, a[0], q[1], h->timeout);
	rbuf_init(&h->rb, &h->io);
	h->state = CHKHELP_UP;
	h->last = time(NULL);
	str_free(&path);
	return 0;
fail:
	err = errno;
	log_warn("cannot start %s: %s", str_c(&path), strerror(err));
	if (q[0] >= 0)
		close(q[0]);
	if (q[1] >= 0)
		close(q[1]);
	if (a[0] >= 0)
		close(a[0]);
	if (a[1] >= 0)
		close(a[1]);
	h->state = CHKHELP_DOWN;
	str_free(&path);
	errno = err;
	return -1;
}

/* The helper failed: log why, stop it; the session asks it no more. */
static void
chkhelp_fail(struct chkhelp *h, const char *what, int err)
{
	log_warn("vchkuser: %s: %s", what,
	    err == 0 ? "it exited" : strerror(err));
	if (h->pid > 0)
		(void)kill(h->pid, SIGKILL);
	chkhelp_close(h);
	h->state = CHKHELP_DOWN;
	errno = err == 0 ? EPIPE : err;
}

int
chkhelp_ask(struct chkhelp *h, const char *user, const char *domain,
    int percent, enum vpop_rcpt *res)
{
	struct str req = STR_INIT(RCPTQ_LINE_MAX + 1),
	    ans = STR_INIT(RCPTQ_LINE_MAX);
	int	 r = -1;

	if (!rcptq_user_valid(user, strlen(user))) {
		*res = VPOP_RCPT_NOUSER;
		return 0;
	}
	if (rcptq_req_format(&req, user, domain, percent) == -1) {
		log_warn("vchkuser: cannot ask about domain %s",
		    domain);
		goto out;
	}
	/* Started again only once it would have left by its own timeout. */
	if (h->state == CHKHELP_UP &&
	    time(NULL) - h->last >= RCPTQ_IDLE_SEC - 60) {
		chkhelp_close(h);
		h->state = CHKHELP_IDLE;
	}
	if (h->state == CHKHELP_DOWN) {
		errno = EAGAIN;
		goto out;
	}
	/* Nothing may be waiting before we ask: an answer out of turn
	 * would be taken for the next question's (or it has exited). */
	if (h->state == CHKHELP_UP && (rbuf_buffered(&h->rb) > 0 ||
	    io_wait(h->io.rfd, POLLIN, 0) == 0)) {
		chkhelp_fail(h, "not ready for a question", EPROTO);
		goto out;
	}
	if (h->state == CHKHELP_IDLE && chkhelp_start(h) == -1)
		goto out;
	if (io_writeall(&h->io, req.s, req.len) == -1) {
		chkhelp_fail(h, "cannot send request", errno);
		goto out;
	}
	switch (rbuf_line(&h->rb, &ans, 0)) {
	case 1:
		h->last = time(NULL);
		/* Anything but an answer: it and we may be out of step, and
		 * a later answer could belong to another question. */
		if ((r = rcptq_ans_parse(ans.s, ans.len, res)) == -1 &&
		    errno == EINVAL)
			chkhelp_fail(h, "unexpected answer", EPROTO);
		break;
	case 0:
		chkhelp_fail(h, "no answer", 0);
		break;
	default:
		chkhelp_fail(h, "no answer", errno);
		break;
	}
out:
	str_free(&req);
	str_free(&ans);
	return r;
}

void
chkhelp_close(struct chkhelp *h)
{
	int	 status;

	if (h->io.wfd >= 0)
		close(h->io.wfd);
	if (h->io.rfd >= 0)
		close(h->io.rfd);
	h->io.rfd = h->io.wfd = -1;
	/* At end of input it exits at once; one stuck in the store is
	 * killed rather than waited for. */
	if (h->pid > 0 && waitpid(h->pid, &status, WNOHANG) == 0) {
		(void)kill(h->pid, SIGKILL);
		(void)child_wait(h->pid, &status);
	}
	h->pid = -1;
	if (h->state == CHKHELP_UP)
		h->state = CHKHELP_IDLE;
}
