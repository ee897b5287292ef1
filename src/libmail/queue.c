/*
 * queue - queue layout, paths, envelope records and the trigger shared by
 * the queue programs.  Reads untrusted envelopes with hard limits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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

/*
 * qmail's qmail_close table (qmail.md section 4).  Exit 0 is here for a
 * qmail-queue that exited 0 without having had the whole message, which
 * qmail calls a read error; 120 and 127 are "could not run it" (qmail's
 * and the shell's).
 */
static const struct {
	int	 code;
	struct queue_exit e;
} queue_exits[] = {
	{ 0,		{ 0, ESC_SYSTEM, "qq read error" } },
	{ QQ_ADDRLONG,	{ 1, ESC_BAD_DEST_SYNTAX,
	    "envelope address too long for qq" } },
	{ 115,		{ 1, ESC_BAD_DEST_SYNTAX,
	    "envelope address too long for qq" } },
	{ QQ_PERM,	{ 1, ESC_SYSTEM,
	    "mail server permanently rejected message" } },
	{ QQ_NOMEM,	{ 0, ESC_SYSTEM, "qq out of memory" } },
	{ QQ_TIMEOUT,	{ 0, ESC_SYSTEM, "qq timeout" } },
	{ QQ_WRITE,	{ 0, ESC_SYSTEM, "qq write error or disk full" } },
	{ QQ_READ,	{ 0, ESC_SYSTEM, "qq read error" } },
	{ QQ_CONFIG,	{ 0, ESC_SYSTEM, "qq unable to read configuration" } },
	{ 56,		{ 0, ESC_SYSTEM,
	    "qq trouble making network connection" } },
	{ QQ_HOME,	{ 0, ESC_SYSTEM, "qq trouble in home directory" } },
	{ QQ_QUEUEDIR,	{ 0, ESC_SYSTEM,
	    "qq trouble creating files in queue" } },
	{ QQ_PIDDIR,	{ 0, ESC_SYSTEM,
	    "qq trouble creating files in queue" } },
	{ QQ_MESSDIR,	{ 0, ESC_SYSTEM,
	    "qq trouble creating files in queue" } },
	{ QQ_INTDDIR,	{ 0, ESC_SYSTEM,
	    "qq trouble creating files in queue" } },
	{ QQ_TODODIR,	{ 0, ESC_SYSTEM,
	    "qq trouble creating files in queue" } },
	{ 71,		{ 0, ESC_SYSTEM,
	    "mail server temporarily rejected message" } },
	{ 72,		{ 0, ESC_NO_ANSWER,
	    "connection to mail server timed out" } },
	{ 73,		{ 0, ESC_NO_ANSWER,
	    "connection to mail server rejected" } },
	{ 74,		{ 0, ESC_BAD_CONNECTION,
	    "communication with mail server failed" } },
	{ QQ_BUG,	{ 0, ESC_SYSTEM, "qq internal bug" } },
	{ QQ_FORMAT,	{ 0, ESC_SYSTEM, "qq internal bug" } },
	{ 120,		{ 0, ESC_SYSTEM, "unable to exec qq" } },
	{ 127,		{ 0, ESC_SYSTEM, "unable to exec qq" } },
};

const struct queue_exit *
queue_exit_info(int code)
{
	static const struct queue_exit perm = { 1, ESC_SYSTEM,
	    "qq permanent problem" };
	static const struct queue_exit temp = { 0, ESC_SYSTEM,
	    "qq temporary problem" };
	size_t	 i;

	for (i = 0; i < sizeof(queue_exits) / sizeof(queue_exits[0]); i++)
		if (queue_exits[i].code == code)
			return &queue_exits[i].e;
	return queue_exit_perm(code) ? &perm : &temp;
}

const char *
queue_exit_text(int code)
{
	static char buf[128];
	const struct queue_exit *e = queue_exit_info(code);
	char	 esc[ESC_BUFSIZE];

	(void)snprintf(buf, sizeof(buf), "%c%s (#%s)", e->perm ? 'D' : 'Z',
	    e->text, esc_fmt(esc, e->perm ? 5 : 4, e->esc));
	return buf;
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
