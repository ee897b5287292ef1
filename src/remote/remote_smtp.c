/*
 * remote_smtp - qmail-remote's SMTP client session.  The texts of the
 * report are qmail's (qmail-remote.c in netqmail 1.06) so that bounces
 * and logs read the same; qmail.md section 11 lists them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "rbuf.h"
#include "remote_reply.h"
#include "remote_smtp.h"
#include "tls.h"
#include "wbuf.h"

struct sess {
	const struct smtp_job *job;
	struct io io;
	struct rbuf rb;
	struct wbuf wb;
	struct str line;
	struct reply rep;
	struct str *out;
	unsigned caps;
	unsigned long maxsize;	/* the server's SIZE limit, 0: none */
	int	 intxn;		/* MAIL sent */
	int	 sent;		/* the message went out: failures are final */
	int	 critical;	/* message sent, reply pending */
	int	 nomem;
};

#define GOT_REPLY	0
#define GOT_DROPPED	(-1)
#define GOT_TOOLONG	(-2)

static int	getreply(struct sess *);
static void	said(struct sess *);
static int	say(struct sess *, const char *);
static int	fin(struct sess *);
static int	pre(struct sess *, const char *, const char *);
static int	quit(struct sess *, const char *, const char *);
static int	gave_up(struct sess *, const char *);
static int	dropped(struct sess *);
static int	lost(struct sess *, int);
static int	send(struct sess *, const char *, const char *);
static int	ehlo(struct sess *, int);
static int	starttls(struct sess *);
static int	transaction(struct sess *);
static int	data(struct sess *, int);

/* Read one complete reply into s->rep. */
static int
getreply(struct sess *s)
{
	int	 r;

	reply_reset(&s->rep);
	for (;;) {
		r = rbuf_line(&s->rb, &s->line, 0);
		if (r == 0)
			return GOT_DROPPED;
		if (r == -1 && errno != E2BIG)
			return GOT_DROPPED;
		/* An over-long line is kept cut at REPLY_LINE_MAX. */
		r = reply_addline(&s->rep, s->line.s, s->line.len);
		if (r == -1)
			return GOT_TOOLONG;
		if (r == 1)
			return GOT_REPLY;
	}
}

static int
say(struct sess *s, const char *t)
{
	if (str_cats(s->out, t) == -1)
		s->nomem = 1;
	return 0;
}

/* "Remote host said: <reply>" when there is a reply. */
static void
said(struct sess *s)
{
	if (s->rep.text.len == 0)
		return;
	say(s, "Remote host said: ");
	if (str_cat(s->out, &s->rep.text) == -1)
		s->nomem = 1;
	reply_reset(&s->rep);
}

/* End a record. */
static int
fin(struct sess *s)
{
	if (str_catc(s->out, '\0') == -1)
		s->nomem = 1;
	return 0;
}

/* A failure before the transaction: the next host may do better. */
static int
pre(struct sess *s, const char *why, const char *code)
{
	(void)wbuf_puts(&s->wb, "QUIT\r\n");
	(void)wbuf_flush(&s->wb);
	str_clear(s->out);
	say(s, "ZConnected to ");
	say(s, s->job->ip);
	say(s, " but ");
	say(s, why);
	say(s, ".");
	if (code != NULL) {
		say(s, " ");
		say(s, code);
	}
	say(s, "\n");
	said(s);
	fin(s);
	return SMTP_NEXT;
}

/* qmail's quit(): QUIT without waiting, then the final record. */
static int
quit(struct sess *s, const char *prepend, const char *append)
{
	(void)wbuf_puts(&s->wb, "QUIT\r\n");
	(void)wbuf_flush(&s->wb);
	say(s, prepend);
	say(s, s->job->ip);
	say(s, append);
	say(s, ".\n");
	said(s);
	fin(s);
	return SMTP_DONE;
}

/* The session ended without a reply: a deferral naming why. */
static int
gave_up(struct sess *s, const char *why)
{
	if (!s->intxn)
		str_clear(s->out);
	say(s, "ZConnected to ");
	say(s, s->job->ip);
	say(s, why);
	if (s->critical)
		say(s, "Possible duplicate! ");
	say(s, "(#4.4.2)\n");
	fin(s);
	return s->sent ? SMTP_DONE : SMTP_NEXT;
}

static int
dropped(struct sess *s)
{
	return gave_up(s, " but connection died. ");
}

/* A reply could not be had: the connection died or the reply was huge. */
static int
lost(struct sess *s, int got)
{
	if (got == GOT_DROPPED)
		return dropped(s);
	reply_reset(&s->rep);
	return gave_up(s, " but its reply was too long. ");
}

/* Send "verb arg\r\n" and flush.  0 or -1. */
static int
send(struct sess *s, const char *verb, const char *arg)
{
	if (wbuf_puts(&s->wb, verb) == -1 ||
	    (arg != NULL && wbuf_puts(&s->wb, arg) == -1) ||
	    wbuf_puts(&s->wb, "\r\n") == -1)
		return -1;
	return wbuf_flush(&s->wb);
}

/*
 * EHLO, falling back to HELO.  Returns -2 on success (caps set), else the
 * session's result.
 */
static int
ehlo(struct sess *s, int tlsdone)
{
	unsigned long size;
	int	 got;

	if (send(s, "EHLO ", s->job->helo) == -1)
		return dropped(s);
	if ((got = getreply(s)) != GOT_REPLY)
		return lost(s, got);
	if (s->rep.code == 250) {
		s->caps = reply_ehlo(&s->rep, &size);
		s->maxsize = size;
		return -2;
	}
	if (tlsdone)
		return pre(s, "my name was rejected", NULL);
	if (send(s, "HELO ", s->job->helo) == -1)
		return dropped(s);
	if ((got = getreply(s)) != GOT_REPLY)
		return lost(s, got);
	if (s->rep.code != 250)
		return pre(s, "my name was rejected", NULL);
	s->caps = 0;
	return -2;
}

/* STARTTLS when offered (RFC 3207).  -2 go on, else the result. */
static int
starttls(struct sess *s)
{
	struct str err = STR_INIT(1024);
	SSL_CTX	*ctx;
	int	 got, r;

	if (s->job->tls == NULL)
		return -2;
	if (!(s->caps & EHLO_STARTTLS)) {
		if (s->job->tlsrequire) {
			reply_reset(&s->rep);
			return pre(s, "it does not offer STARTTLS", "(#4.7.5)");
		}
		return -2;
	}
	ctx = s->job->tls();
	if (ctx == NULL) {
		if (s->job->tlsrequire)
			return pre(s, "TLS could not be set up", "(#4.3.0)");
		return -2;
	}
	if (send(s, "STARTTLS", NULL) == -1)
		return dropped(s);
	if ((got = getreply(s)) != GOT_REPLY)
		return lost(s, got);
	if (s->rep.code != 220) {
		if (s->job->tlsrequire)
			return pre(s, "STARTTLS was refused", "(#4.7.5)");
		return -2;
	}
	reply_reset(&s->rep);
	/* RFC 3207 4.2: nothing sent before the handshake is kept. */
	rbuf_discard(&s->rb);
	if (tls_connect(&s->io, ctx, s->job->name, s->job->timeout,
	    &err) == -1) {
		str_clear(s->out);
		say(s, "ZConnected to ");
		say(s, s->job->ip);
		say(s, " but ");
		if (str_cat(s->out, &err) == -1)
			s->nomem = 1;
		say(s, ". (#4.7.5)\n");
		fin(s);
		str_free(&err);
		return SMTP_TLSFAIL;
	}
	str_free(&err);
	r = ehlo(s, 1);
	return r;
}

/* DATA and the message; pipelined says DATA was sent already. */
static int
data(struct sess *s, int pipelined)
{
	int	 got;

	if (!pipelined && send(s, "DATA", NULL) == -1)
		return dropped(s);
	if ((got = getreply(s)) != GOT_REPLY)
		return lost(s, got);
	if (s->rep.code >= 500 && s->rep.code < 600)
		return quit(s, "D", " failed on DATA command");
	if (s->rep.code != 354) {
		quit(s, "Z", " failed on DATA command");
		return SMTP_NEXT;
	}
	reply_reset(&s->rep);
	s->sent = 1;
	if (smtp_blast(s->job->msgfd, &s->wb) == -1) {
		if (errno == EPROTO) {
			say(s, "DSMTP cannot transfer messages with partial "
			    "final lines. (#5.6.2)\n");
			fin(s);
			return SMTP_DONE;
		}
		if (errno == EIO) {
			say(s, "ZUnable to read message. (#4.3.0)\n");
			fin(s);
			return SMTP_DONE;
		}
		return dropped(s);
	}
	if (wbuf_puts(&s->wb, ".\r\n") == -1 || wbuf_flush(&s->wb) == -1)
		return dropped(s);
	s->critical = 1;
	if ((got = getreply(s)) != GOT_REPLY)
		return lost(s, got);
	s->critical = 0;
	if (s->rep.code >= 200 && s->rep.code < 300)
		return quit(s, "K", " accepted message");
	if (s->rep.code >= 500 && s->rep.code < 600)
		return quit(s, "D", " failed after I sent the message");
	return quit(s, "Z", " failed after I sent the message");
}

/* MAIL, RCPTs, DATA: pipelined (RFC 2920) when the server offers it. */
static int
transaction(struct sess *s)
{
	const struct smtp_job *j = s->job;
	int	 pipe = (s->caps & EHLO_PIPELINING) != 0, got, any = 0, hard = 0;
	size_t	 i;

	/* RFC 1870: a message over the server's declared SIZE is not sent. */
	if ((s->caps & EHLO_SIZE) && s->maxsize > 0 && j->msgsize >= 0 &&
	    (unsigned long long)j->msgsize > s->maxsize) {
		reply_reset(&s->rep);
		say(s, "DConnected to ");
		say(s, j->ip);
		say(s, " but the message is larger than it accepts (SIZE ");
		if (str_printf(s->out, "%lu", s->maxsize) == -1)
			s->nomem = 1;
		say(s, "). (#5.3.4)\n");
		fin(s);
		(void)wbuf_puts(&s->wb, "QUIT\r\n");
		(void)wbuf_flush(&s->wb);
		return SMTP_DONE;
	}
	s->intxn = 1;
	if (wbuf_printf(&s->wb, "MAIL FROM:<%s>", j->sender) == -1 ||
	    (j->msgsize >= 0 && (s->caps & EHLO_SIZE) &&
	    wbuf_printf(&s->wb, " SIZE=%lld", (long long)j->msgsize) == -1) ||
	    ((s->caps & EHLO_8BITMIME) &&
	    wbuf_puts(&s->wb, " BODY=8BITMIME") == -1) ||
	    wbuf_puts(&s->wb, "\r\n") == -1)
		return dropped(s);
	if (pipe) {
		for (i = 0; i < j->nrcpt; i++)
			if (wbuf_printf(&s->wb, "RCPT TO:<%s>\r\n",
			    j->rcpt[i]) == -1)
				return dropped(s);
		if (wbuf_puts(&s->wb, "DATA\r\n") == -1)
			return dropped(s);
	}
	if (wbuf_flush(&s->wb) == -1)
		return dropped(s);
	if ((got = getreply(s)) != GOT_REPLY)
		return lost(s, got);
	if (s->rep.code >= 500 && s->rep.code < 600)
		return quit(s, "DConnected to ", " but sender was rejected");
	if (s->rep.code < 200 || s->rep.code >= 300) {
		quit(s, "ZConnected to ", " but sender was rejected");
		return SMTP_NEXT;
	}
	reply_reset(&s->rep);
	for (i = 0; i < j->nrcpt; i++) {
		if (!pipe && (wbuf_printf(&s->wb, "RCPT TO:<%s>\r\n",
		    j->rcpt[i]) == -1 || wbuf_flush(&s->wb) == -1))
			return dropped(s);
		if ((got = getreply(s)) != GOT_REPLY)
			return lost(s, got);
		if (s->rep.code >= 200 && s->rep.code < 300) {
			say(s, "r");
			fin(s);
			any = 1;
			reply_reset(&s->rep);
			continue;
		}
		if (s->rep.code >= 500 && s->rep.code < 600)
			hard = 1;
		say(s, s->rep.code >= 500 && s->rep.code < 600 ? "h" : "s");
		say(s, j->ip);
		say(s, " does not like recipient.\n");
		said(s);
		fin(s);
	}
	if (!any) {
		if (pipe && getreply(s) == GOT_REPLY && s->rep.code == 354) {
			(void)wbuf_puts(&s->wb, ".\r\n");
			(void)wbuf_flush(&s->wb);
			(void)getreply(s);
		}
		reply_reset(&s->rep);
		quit(s, "DGiving up on ", "");
		/* Every recipient deferred: another MX may take them. */
		return hard ? SMTP_DONE : SMTP_NEXT;
	}
	return data(s, pipe);
}

int
smtp_session(int fd, const struct smtp_job *job, struct str *report)
{
	struct sess *s;
	struct str line = STR_INIT(REPLY_LINE_MAX);
	int	 r, got;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -1;
	s->job = job;
	s->out = report;
	s->line = line;
	reply_init(&s->rep);
	io_init(&s->io, fd, fd, job->timeout);
	rbuf_init(&s->rb, &s->io);
	wbuf_init(&s->wb, &s->io);
	str_clear(report);

	if ((got = getreply(s)) != GOT_REPLY)
		r = lost(s, got);
	else if (s->rep.code != 220)
		r = pre(s, "greeting failed", NULL);
	else if ((r = ehlo(s, 0)) == -2 && (r = starttls(s)) == -2) {
		if (job->tlsrequire && !tls_active(&s->io))
			r = pre(s, "it does not offer STARTTLS", "(#4.7.5)");
		else
			r = transaction(s);
	}
	if (tls_active(&s->io))
		tls_close(&s->io);
	reply_free(&s->rep);
	str_free(&s->line);
	if (s->nomem)
		r = -1;
	free(s);
	return r;
}

/* Copy the message, LF to CRLF, dot-stuffed. */
int
smtp_blast(int fd, struct wbuf *wb)
{
	static char buf[65536];
	ssize_t	 n;
	size_t	 i, start;
	int	 bol = 1, cr = 0;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n == -1) {
			if (errno == EINTR)
				continue;
			errno = EIO;
			return -1;
		}
		if (n == 0)
			break;
		start = 0;
		for (i = 0; i < (size_t)n; i++) {
			char	 c = buf[i];

			if (cr) {
				/* A CR held back: CRLF is one line end. */
				cr = 0;
				if (c != '\n' && wbuf_put(wb, "\r", 1) == -1)
					return -1;
			}
			if (bol && c == '.' && wbuf_put(wb, ".", 1) == -1)
				return -1;
			bol = 0;
			if (c != '\n' && c != '\r') {
				start = i;
				while (i + 1 < (size_t)n && buf[i + 1] != '\n'
				    && buf[i + 1] != '\r')
					i++;
				if (wbuf_put(wb, buf + start, i - start + 1)
				    == -1)
					return -1;
				continue;
			}
			if (c == '\r') {
				cr = 1;
				continue;
			}
			if (wbuf_put(wb, "\r\n", 2) == -1)
				return -1;
			bol = 1;
		}
	}
	if (!bol || cr) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}
