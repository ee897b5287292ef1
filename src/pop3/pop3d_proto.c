/*
 * pop3d_proto - qmail-pop3d's command loop body (see pop3d_proto.h).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "num.h"
#include "pop3_cmd.h"
#include "pop3d_proto.h"

#define COPY_CHUNK	(64 * 1024)

static int	err(struct pop3d *, const char *);
static int	msgarg(struct pop3d *, const char *, size_t, size_t *);
static int	do_list(struct pop3d *, const struct pop3_cmd *, int);
static int	do_retr(struct pop3d *, const struct pop3_cmd *, int);
static int	do_quit(struct pop3d *);
static int	put_uid(struct wbuf *, const struct maildrop_msg *);

/* pop3d_init - TRANSACTION state on a scanned maildrop. */
void
pop3d_init(struct pop3d *s, struct maildrop *md, struct wbuf *out)
{
	memset(s, 0, sizeof(*s));
	s->md = md;
	s->out = out;
}

/* err - "-ERR <text>". */
static int
err(struct pop3d *s, const char *text)
{
	return wbuf_printf(s->out, "-ERR %s\r\n", text);
}

/* msgarg - a message number that exists and is not deleted: 1, else
 * the -ERR was sent and 0 (or -1 on a write error). */
static int
msgarg(struct pop3d *s, const char *b, size_t n, size_t *i_r)
{
	enum pop3_num_err e = pop3_msgnum(b, n, s->md->n, i_r);

	if (e != POP3_NUM_OK)
		return err(s, pop3_num_errtext(e)) == -1 ? -1 : 0;
	if (s->md->m[*i_r].deleted)
		return err(s, "already deleted") == -1 ? -1 : 0;
	return 1;
}

/* put_uid - the UIDL: the base name without ":2,<flags>". */
static int
put_uid(struct wbuf *w, const struct maildrop_msg *m)
{
	return wbuf_put(w, m->name + 4, m->uidlen);
}

/* do_list - LIST and UIDL, with or without a message number. */
static int
do_list(struct pop3d *s, const struct pop3_cmd *c, int uidl)
{
	const struct maildrop_msg *m;
	size_t	 i;
	int	 r;

	if (c->arglen != 0) {
		if ((r = msgarg(s, c->arg, c->arglen, &i)) != 1)
			return r;
		m = &s->md->m[i];
		if (wbuf_printf(s->out, "+OK %zu ", i + 1) == -1)
			return -1;
		if (uidl)
			r = put_uid(s->out, m);
		else
			r = wbuf_printf(s->out, "%lld",
			    (long long)maildrop_vsize(s->md, i));
		return r == -1 ? -1 : wbuf_put(s->out, "\r\n", 2);
	}
	if (wbuf_puts(s->out, "+OK \r\n") == -1)
		return -1;
	for (i = 0; i < s->md->n; i++) {
		m = &s->md->m[i];
		if (m->deleted)
			continue;
		if (wbuf_printf(s->out, "%zu ", i + 1) == -1)
			return -1;
		if (uidl)
			r = put_uid(s->out, m);
		else
			r = wbuf_printf(s->out, "%lld",
			    (long long)maildrop_vsize(s->md, i));
		if (r == -1 || wbuf_put(s->out, "\r\n", 2) == -1)
			return -1;
	}
	return wbuf_puts(s->out, ".\r\n");
}

/* pop3d_send_msg - the message, stuffed and with CRLF line ends.  Each
 * chunk read is converted into obuf (at most twice its size: every byte
 * a bare LF or every line a lone dot) and handed to the wbuf in one
 * piece, which writes big pieces straight through and keeps small
 * ones together with the next replies. */
int
pop3d_send_msg(struct wbuf *w, int fd, long toplines,
    unsigned long long *bytes_r)
{
	static char buf[COPY_CHUNK], obuf[2 * COPY_CHUNK + 4];
	int	 bol = 1, inhdr = 1, lastcr = 0, stop = 0;
	size_t	 linelen = 0, o;
	ssize_t	 r;

	*bytes_r = 0;
	while (!stop) {
		const char *p, *end, *nl;

		r = read(fd, buf, sizeof(buf));
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		p = buf;
		end = buf + r;
		o = 0;
		while (p < end) {
			size_t	 seg;

			if (bol) {
				if (toplines >= 0 && !inhdr) {
					if (toplines == 0) {
						stop = 1;
						break;
					}
					toplines--;
				}
				if (*p == '.')
					obuf[o++] = '.';
				bol = 0;
			}
			nl = memchr(p, '\n', (size_t)(end - p));
			seg = (size_t)((nl != NULL ? nl : end) - p);
			if (seg > 0) {
				memcpy(obuf + o, p, seg);
				o += seg;
				lastcr = p[seg - 1] == '\r';
				linelen += seg;
			}
			*bytes_r += seg;
			if (nl == NULL)
				break;
			if (!lastcr)
				obuf[o++] = '\r';
			obuf[o++] = '\n';
			(*bytes_r)++;
			if (inhdr && (linelen == 0 || (linelen == 1 && lastcr)))
				inhdr = 0;
			bol = 1;
			lastcr = 0;
			linelen = 0;
			p = nl + 1;
		}
		if (o > 0 && wbuf_put(w, obuf, o) == -1)
			return -1;
	}
	if (!bol && wbuf_put(w, "\r\n", 2) == -1)
		return -1;
	return wbuf_put(w, ".\r\n", 3);
}

/* do_retr - RETR n, and TOP n l (l absent or bad: the whole message). */
static int
do_retr(struct pop3d *s, const struct pop3_cmd *c, int top)
{
	const char *w1, *w2;
	size_t	 n1, n2, i;
	unsigned long l;
	unsigned long long bytes;
	long	 lines = -1;
	int	 fd, r;

	pop3_split2(c->arg, c->arglen, &w1, &n1, &w2, &n2);
	if ((r = msgarg(s, w1, n1, &i)) != 1)
		return r;
	if (top && w2 != NULL && num_parseb(w2, n2, 1UL << 30, &l) == 0)
		lines = (long)l;
	fd = maildrop_openmsg(s->md, i);
	if (fd == -1)
		return err(s, "unable to open that message");
	if (wbuf_puts(s->out, "+OK \r\n") == -1) {
		close(fd);
		return -1;
	}
	r = pop3d_send_msg(s->out, fd, lines, &bytes);
	close(fd);
	s->retr++;
	s->bytes += bytes;
	return r;
}

/* do_quit - UPDATE state, then "+OK ". */
static int
do_quit(struct pop3d *s)
{
	if (maildrop_commit(s->md, &s->deleted) == -1 &&
	    err(s, "unable to unlink all deleted messages") == -1)
		return -1;
	maildrop_unlock(s->md);
	if (wbuf_puts(s->out, "+OK \r\n") == -1)
		return -1;
	return 1;
}

/* pop3d_line - one TRANSACTION-state command. */
int
pop3d_line(struct pop3d *s, const char *line, size_t n)
{
	struct pop3_cmd c;
	size_t	 i, count;
	int	 r;

	pop3_cmd_parse(line, n, &c);
	switch (c.verb) {
	case POP3_QUIT:
		return do_quit(s);
	case POP3_NOOP:
		return wbuf_puts(s->out, "+OK \r\n");
	case POP3_STAT:
		count = s->stat_rfc ? s->md->n - s->md->ndel : s->md->n;
		return wbuf_printf(s->out, "+OK %zu %lld\r\n", count,
		    (long long)maildrop_vtotal(s->md));
	case POP3_LIST:
		return do_list(s, &c, 0);
	case POP3_UIDL:
		return do_list(s, &c, 1);
	case POP3_RETR:
		return do_retr(s, &c, 0);
	case POP3_TOP:
		return do_retr(s, &c, 1);
	case POP3_DELE:
		if ((r = msgarg(s, c.arg, c.arglen, &i)) != 1)
			return r;
		maildrop_dele(s->md, i);
		if (i + 1 > s->last)
			s->last = i + 1;
		return wbuf_puts(s->out, "+OK \r\n");
	case POP3_RSET:
		maildrop_rset(s->md);
		s->last = 0;
		return wbuf_puts(s->out, "+OK \r\n");
	case POP3_LAST:
		return wbuf_printf(s->out, "+OK %zu\r\n", s->last);
	case POP3_CAPA:
		return wbuf_puts(s->out, "+OK capability list follows\r\n"
		    "TOP\r\nUIDL\r\nPIPELINING\r\nRESP-CODES\r\n"
		    "IMPLEMENTATION hsmail\r\n.\r\n");
	default:
		return err(s, "unimplemented");
	}
}
