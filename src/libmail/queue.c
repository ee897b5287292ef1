/*
 * queue - queue layout, paths, envelope records and the trigger shared by
 * the queue programs.  Reads untrusted envelopes with hard limits.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "queue.h"
#include "root.h"

static int	rd_fill(struct queue_rd *);

int
queue_exit_perm(int code)
{
	return code >= 11 && code <= 40;
}

const char *
queue_exit_text(int code)
{
	switch (code) {
	case 115:
	case QQ_ADDRLONG:
		return "Denvelope address too long for qq (#5.1.3)";
	case QQ_PERM:
		return "Dmail server permanently rejected message (#5.3.0)";
	case QQ_NOMEM:
		return "Zqq out of memory (#4.3.0)";
	case QQ_TIMEOUT:
		return "Zqq timeout (#4.3.0)";
	case QQ_WRITE:
		return "Zqq write error or disk full (#4.3.0)";
	case QQ_READ:
		return "Zqq read error (#4.3.0)";
	case QQ_CONFIG:
		return "Zqq unable to read configuration (#4.3.0)";
	case 56:
		return "Zqq trouble making network connection (#4.3.0)";
	case QQ_HOME:
		return "Zqq trouble in home directory (#4.3.0)";
	case QQ_QUEUEDIR:
	case QQ_PIDDIR:
	case QQ_MESSDIR:
	case QQ_INTDDIR:
	case QQ_TODODIR:
		return "Zqq trouble creating files in queue (#4.3.0)";
	case 71:
		return "Zmail server temporarily rejected message (#4.3.0)";
	case 72:
		return "Zconnection to mail server timed out (#4.4.1)";
	case 73:
		return "Zconnection to mail server rejected (#4.4.1)";
	case 74:
		return "Zcommunication with mail server failed (#4.4.2)";
	case QQ_FORMAT:
	case QQ_BUG:
		return "Zqq internal bug (#4.3.0)";
	case 120:
		return "Zunable to exec qq (#4.3.0)";
	default:
		if (queue_exit_perm(code))
			return "Dqq permanent problem (#5.3.0)";
		return "Zqq temporary problem (#4.3.0)";
	}
}

int
queue_dir_is_split(const char *dir)
{
	return strcmp(dir, QUEUE_MESS) == 0 || strcmp(dir, QUEUE_INFO) == 0 ||
	    strcmp(dir, QUEUE_LOCAL) == 0 || strcmp(dir, QUEUE_REMOTE) == 0;
}

int
queue_dir(struct str *out)
{
	return root_path(out, ROOT_QMAIL, "queue");
}

int
queue_path_dir(struct str *out, const char *dir, unsigned long id)
{
	if (str_copys(out, dir) == -1)
		return -1;
	if (!queue_dir_is_split(dir))
		return 0;
	return str_printf(out, "/%lu", id % QUEUE_SPLIT);
}

int
queue_path(struct str *out, const char *dir, unsigned long id)
{
	if (queue_path_dir(out, dir, id) == -1)
		return -1;
	return str_printf(out, "/%lu", id);
}

void
queue_rd_fd(struct queue_rd *rd, int fd)
{
	rd->fd = fd;
	rd->mem = NULL;
	rd->memlen = 0;
	rd->pos = rd->len = 0;
}

void
queue_rd_mem(struct queue_rd *rd, const void *b, size_t n)
{
	rd->fd = -1;
	rd->mem = b;
	rd->memlen = n;
	rd->pos = rd->len = 0;
}

/* Refill the buffer.  Bytes read, 0 at end of input, -1 (errno). */
static int
rd_fill(struct queue_rd *rd)
{
	ssize_t	 r;
	size_t	 n;

	rd->pos = rd->len = 0;
	if (rd->fd == -1) {
		n = rd->memlen < sizeof(rd->buf) ? rd->memlen : sizeof(rd->buf);
		if (n > 0)
			memcpy(rd->buf, rd->mem, n);
		rd->mem += n;
		rd->memlen -= n;
		rd->len = n;
		return (int)n;
	}
	for (;;) {
		r = read(rd->fd, rd->buf, sizeof(rd->buf));
		if (r >= 0)
			break;
		if (errno != EINTR)
			return -1;
	}
	rd->len = (size_t)r;
	return (int)r;
}

int
queue_rd_rec(struct queue_rd *rd, struct str *rec)
{
	const char *nul;
	size_t	 n, max = 1 + QUEUE_ADDR_MAX;
	int	 r, any = 0;

	str_clear(rec);
	for (;;) {
		if (rd->pos == rd->len) {
			r = rd_fill(rd);
			if (r == -1)
				return -1;
			if (r == 0) {
				if (!any)
					return 0;
				errno = EPIPE;
				return -1;
			}
		}
		any = 1;
		n = rd->len - rd->pos;
		nul = memchr(rd->buf + rd->pos, '\0', n);
		if (nul != NULL)
			n = (size_t)(nul - (rd->buf + rd->pos));
		if (rec->len + n > max) {
			errno = E2BIG;
			return -1;
		}
		if (str_catb(rec, rd->buf + rd->pos, n) == -1)
			return -1;
		rd->pos += n;
		if (nul != NULL) {
			rd->pos++;
			return 1;
		}
	}
}

int
queue_env_next(struct queue_rd *rd, struct str *rec, int first)
{
	int	 r;

	r = queue_rd_rec(rd, rec);
	if (r == 0) {
		errno = EPIPE;
		return -1;
	}
	if (r == -1)
		return -1;
	if (first) {
		/* The sender comes first and may be empty ("F\0"). */
		if (rec->len == 0 || rec->s[0] != 'F') {
			errno = EPROTO;
			return -1;
		}
		return 1;
	}
	if (rec->len == 0)
		return 0;
	if (rec->s[0] != 'T') {
		errno = EPROTO;
		return -1;
	}
	return 1;
}

int
queue_env_exitcode(int err)
{
	switch (err) {
	case EPROTO:
		return QQ_FORMAT;
	case E2BIG:
		return QQ_ADDRLONG;
	case ENOMEM:
		return QQ_NOMEM;
	default:
		return QQ_READ;
	}
}

int
queue_rec_cat(struct str *out, char type, const void *addr, size_t n)
{
	size_t	 len = out->len;

	if (n > QUEUE_ADDR_MAX) {
		errno = E2BIG;
		return -1;
	}
	if (n > 0 && memchr(addr, '\0', n) != NULL) {
		errno = EINVAL;
		return -1;
	}
	if (str_catc(out, type) == -1)
		return -1;
	if (str_catb(out, addr, n) == -1 || str_catc(out, '\0') == -1) {
		str_truncate(out, len);
		return -1;
	}
	return 0;
}

void
queue_trigger_pull(const char *path)
{
	int	 fd, saved = errno;

	fd = open(path != NULL ? path : QUEUE_TRIGGER,
	    O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd != -1) {
		(void)!write(fd, "", 1);
		close(fd);
	}
	errno = saved;
}
