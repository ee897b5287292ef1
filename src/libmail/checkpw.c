/*
 * checkpw - the checkpassword client and the fd-3 record (see checkpw.h).
 * Runs inside the login front ends (qmail-smtpd, qmail-popup, ...) and
 * vchkpw; holds the secret only as long as it takes to write it into a
 * pipe.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "checkpw.h"
#include "child.h"
#include "file.h"

static int	field(const char *, size_t, size_t *, const char **, size_t *);
static int	spec_fd(int, int *);

int
checkpw_record(struct str *rec, const char *login, size_t loginlen,
    const char *pass, size_t passlen, const char *stamp, size_t stamplen)
{
	str_wipe(rec);
	if (memchr(login, '\0', loginlen) != NULL ||
	    memchr(pass, '\0', passlen) != NULL ||
	    memchr(stamp, '\0', stamplen) != NULL) {
		errno = EINVAL;
		return -1;
	}
	if (str_catb(rec, login, loginlen) == -1 || str_catc(rec, '\0') == -1 ||
	    str_catb(rec, pass, passlen) == -1 || str_catc(rec, '\0') == -1 ||
	    str_catb(rec, stamp, stamplen) == -1 ||
	    str_catc(rec, '\0') == -1) {
		str_wipe(rec);
		return -1;
	}
	return 0;
}

/* The field at *pos of b[0..n): up to a NUL or the end.  1 if it ended
 * in a NUL (then *pos is past it), else 0. */
static int
field(const char *b, size_t n, size_t *pos, const char **f, size_t *len)
{
	const char *nul;

	*f = b + *pos;
	nul = memchr(*f, '\0', n - *pos);
	if (nul == NULL) {
		*len = n - *pos;
		*pos = n;
		return 0;
	}
	*len = (size_t)(nul - *f);
	*pos += *len + 1;
	return 1;
}

int
checkpw_parse(const char *b, size_t n, struct checkpw_fields *f)
{
	size_t	 pos = 0;
	int	 k = 0;

	k += field(b, n, &pos, &f->login, &f->loginlen);
	k += field(b, n, &pos, &f->pass, &f->passlen);
	k += field(b, n, &pos, &f->stamp, &f->stamplen);
	return k;
}

int
checkpw_read(int fd, char *buf, size_t cap, size_t *len_r, int timeout_ms)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	ssize_t	 n;
	int	 r;

	*len_r = 0;
	while (*len_r < cap) {
		r = poll(&pfd, 1, timeout_ms);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = ETIMEDOUT;
			return -1;
		}
		n = read(fd, buf + *len_r, cap - *len_r);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		*len_r += (size_t)n;
	}
	return 0;
}

void
checkpw_spec_init(struct checkpw_spec *spec, char *const *argv)
{
	spec->argv = argv;
	spec->fd[0] = CHECKPW_NULL;
	spec->fd[1] = CHECKPW_NULL;
}

/* The child_spec fd for a checkpw_spec fd; /dev/null opened (high, into
 * *null) on first use.  0 or -1. */
static int
spec_fd(int want, int *null)
{
	if (want != CHECKPW_NULL)
		return want;
	if (*null == -1)
		*null = child_fd_high(open("/dev/null",
		    O_RDWR | O_CLOEXEC));
	return *null;
}

pid_t
checkpw_start(const struct checkpw_spec *spec, struct str *rec)
{
	struct child_spec cs;
	int	 p[2], null = -1, e, i;
	pid_t	 pid = -1;

	if (pipe2(p, O_CLOEXEC) == -1) {
		str_wipe(rec);
		return -1;
	}
	/* At most a few hundred bytes: the pipe holds them, and nobody can
	 * have gone away from its other end yet (no SIGPIPE). */
	if (file_writeall(p[1], rec->s, rec->len) == -1) {
		e = errno;
		close(p[0]);
		close(p[1]);
		str_wipe(rec);
		errno = e;
		return -1;
	}
	str_wipe(rec);
	close(p[1]);
	if ((p[0] = child_fd_high(p[0])) == -1)
		return -1;
	child_spec_init(&cs, spec->argv);
	cs.fd[3] = p[0];
	for (i = 0; i < 2; i++)
		if ((cs.fd[i] = spec_fd(spec->fd[i], &null)) == -1 &&
		    spec->fd[i] != CHECKPW_KEEP)
			goto out;
	pid = child_start(&cs);
out:
	e = errno;
	close(p[0]);
	if (null != -1)
		close(null);
	errno = e;
	return pid;
}

enum checkpw_result
checkpw_result(int status)
{
	if (!WIFEXITED(status))
		return CHECKPW_CRASHED;
	switch (WEXITSTATUS(status)) {
	case 0:
		return CHECKPW_OK;
	case 111:
		return CHECKPW_TEMP;
	default:
		return CHECKPW_REFUSED;
	}
}

enum checkpw_result
checkpw_run(const struct checkpw_spec *spec, struct str *rec,
    unsigned timeout_sec, int *status_r)
{
	pid_t	 pid;
	int	 status, r;

	if (status_r != NULL)
		*status_r = -1;
	if ((pid = checkpw_start(spec, rec)) == -1)
		return CHECKPW_TEMP;
	r = timeout_sec > 0 ? child_wait_timed(pid, timeout_sec, &status) :
	    child_wait(pid, &status);
	if (r == -1)
		return CHECKPW_TEMP;
	if (status_r != NULL)
		*status_r = status;
	return checkpw_result(status);
}
