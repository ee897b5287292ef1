/*
 * smtpd_proto - qmail-smtpd's protocol state machine.  Reads commands
 * through rbuf (length limit, deadline), answers through wbuf, decides
 * relaying, runs the AUTH exchanges and the DATA phase, and reaches the
 * outside world only through struct smtpd_hooks.  Untrusted input.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "b64.h"
#include "log.h"
#include "smtpd_data.h"
#include "smtpd_proto.h"

#define SMUGGLE_REPLY \
    "451 4.5.0 See http://pobox.com/~djb/docs/smtplf.html."

enum verb {
	V_UNKNOWN, V_HELO, V_EHLO, V_MAIL, V_RCPT, V_DATA, V_RSET, V_NOOP,
	V_VRFY, V_QUIT, V_HELP, V_STARTTLS, V_AUTH,
};

static const struct {
	const char *name;
	enum verb v;
} verbs[] = {
	{ "helo", V_HELO }, { "ehlo", V_EHLO }, { "mail", V_MAIL },
	{ "rcpt", V_RCPT }, { "data", V_DATA }, { "rset", V_RSET },
	{ "noop", V_NOOP }, { "vrfy", V_VRFY }, { "quit", V_QUIT },
	{ "help", V_HELP }, { "starttls", V_STARTTLS }, { "auth", V_AUTH },
};

static int	out(struct smtpd *, const char *);
static int	outf(struct smtpd *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static void	tx_reset(struct smtpd *);
static void	logf_(struct smtpd *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static const char *safe(struct smtpd *, const char *, size_t);
static int	relay_ok(const struct smtpd *);
static int	do_helo(struct smtpd *, const char *, size_t, int);
static int	path_refuse(struct smtpd *, const char *);
static int	do_mail(struct smtpd *, const char *, size_t);
static int	do_rcpt(struct smtpd *, const char *, size_t);
static int	do_data(struct smtpd *, enum smtpd_end *);
static int	do_starttls(struct smtpd *, enum smtpd_end *);
static int	do_auth(struct smtpd *, const char *, size_t,
		    enum smtpd_end *);
static int	read_line(struct smtpd *, size_t, enum smtpd_end *);
static int	auth_read(struct smtpd *, const char *, struct str *,
		    enum smtpd_end *);
static int	rcpthosts_lookup(void *, const char *);
static int	badmailfrom(const struct smtpd *, const char *);
static const char *proto_name(const struct smtpd *);

/* Append a reply line (CRLF added). 0 or -1. */
static int
out(struct smtpd *s, const char *line)
{
	if (wbuf_puts(s->wb, line) == -1 || wbuf_put(s->wb, "\r\n", 2) == -1)
		return -1;
	return 0;
}

static int
outf(struct smtpd *s, const char *fmt, ...)
{
	struct str l = STR_INIT(4096);
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	r = str_vprintf(&l, fmt, ap);
	va_end(ap);
	r = r == -1 ? out(s, "421 4.3.0 out of memory (#4.3.0)") :
	    out(s, str_c(&l));
	str_free(&l);
	return r;
}

/* One log line, prefixed "smtpd <pid> ". */
static void
logf_(struct smtpd *s, const char *fmt, ...)
{
	struct str l = STR_INIT(4096);
	va_list	 ap;

	if (str_printf(&l, "smtpd %ld ", s->conf->pid) == -1)
		return;
	va_start(ap, fmt);
	(void)str_vprintf(&l, fmt, ap);
	va_end(ap);
	log_line("%s", str_c(&l));
	str_free(&l);
}

/* Log-safe copy of untrusted text (valid until the next call). */
static const char *
safe(struct smtpd *s, const char *b, size_t n)
{
	str_clear(&s->tmp);
	if (n == 0)
		return "<>";
	if (log_safe_cat(&s->tmp, b, n > 300 ? 300 : n) == -1)
		return "?";
	return str_c(&s->tmp);
}

int
smtpd_init(struct smtpd *s, const struct smtpd_conf *conf,
    const struct smtpd_hooks *hooks, struct rbuf *rb, struct wbuf *wb)
{
	struct str helo = STR_INIT(SMTPD_HELO_MAX);
	struct str user = STR_INIT(SMTPD_AUTH_MAX);
	struct str sender = STR_INIT(SMTPD_ADDR_MAX);
	struct str env = STR_INIT(STR_UNBOUNDED);
	struct str line = STR_INIT(SMTPD_CMD_MAX);
	struct str tmp = STR_INIT(STR_UNBOUNDED);
	struct str reply = STR_INIT(2048);

	memset(s, 0, sizeof(*s));
	s->conf = conf;
	s->hooks = hooks;
	s->rb = rb;
	s->wb = wb;
	s->helo = helo;
	s->authuser = user;
	s->sender = sender;
	s->env = env;
	s->line = line;
	s->tmp = tmp;
	s->reply = reply;
	s->tls = conf->tls;
	smtpd_path_init(&s->path);
	return 0;
}

void
smtpd_free(struct smtpd *s)
{
	str_free(&s->helo);
	str_wipe(&s->authuser);
	str_free(&s->sender);
	str_free(&s->env);
	str_wipe(&s->line);
	str_free(&s->tmp);
	str_free(&s->reply);
	smtpd_path_free(&s->path);
}

/* Forget the mail transaction (RSET, after DATA, EHLO, STARTTLS). */
static void
tx_reset(struct smtpd *s)
{
	s->seenmail = 0;
	s->badfrom = 0;
	s->nrcpt = 0;
	str_clear(&s->sender);
	str_clear(&s->env);
}

/* May this client relay: RELAYCLIENT set, or authenticated. */
static int
relay_ok(const struct smtpd *s)
{
	return s->conf->relayclient != NULL || s->authuser.len > 0;
}

static const char *
proto_name(const struct smtpd *s)
{
	/* qmail writes SMTP; the TLS/AUTH patches' RFC 3848 names otherwise. */
	if (s->authuser.len > 0)
		return s->tls ? "ESMTPSA" : "ESMTPA";
	if (s->tls)
		return "ESMTPS";
	return "SMTP";
}

/*
 * Read one line of at most max bytes into s->line.  1 a line, 0 the
 * session is over (*end set; a timeout was answered).  A line too long is
 * answered and skipped: returns 2.
 */
static int
read_line(struct smtpd *s, size_t max, enum smtpd_end *end)
{
	int	 r;

	if (rbuf_buffered(s->rb) == 0 && wbuf_flush(s->wb) == -1) {
		*end = END_IOERR;
		return 0;
	}
	s->line.max = max;
	r = rbuf_line(s->rb, &s->line, 0);
	if (r == 1)
		return 1;
	if (r == 0) {
		*end = END_EOF;
		return 0;
	}
	if (errno == E2BIG) {
		if (out(s, "500 5.5.2 line too long (#5.5.2)") == -1) {
			*end = END_IOERR;
			return 0;
		}
		return 2;
	}
	if (errno == ETIMEDOUT) {
		(void)out(s, "451 4.4.2 timeout (#4.4.2)");
		(void)wbuf_flush(s->wb);
		*end = END_TIMEOUT;
		return 0;
	}
	*end = errno == ENOMEM ? END_NOMEM : END_IOERR;
	return 0;
}

enum smtpd_end
smtpd_run(struct smtpd *s)
{
	enum smtpd_end end = END_EOF;
	const char *arg;
	size_t	 i, vlen, alen;
	enum verb v;
	int	 r;

	if (!s->conf->greeted &&
	    outf(s, "220 %s ESMTP", s->conf->greeting) == -1)
		return END_IOERR;
	for (;;) {
		r = read_line(s, SMTPD_CMD_MAX, &end);
		if (r == 0)
			break;
		if (r == 2)
			continue;
		/* A command never holds NUL or a CR (stray CRs are an attack). */
		if (memchr(s->line.s, '\0', s->line.len) != NULL ||
		    memchr(s->line.s, '\r', s->line.len) != NULL) {
			if (out(s, "501 5.5.2 bad characters in command "
			    "(#5.5.2)") == -1)
				return END_IOERR;
			continue;
		}
		for (vlen = 0; vlen < s->line.len && s->line.s[vlen] != ' ';
		    vlen++)
			;
		arg = s->line.s + vlen;
		alen = s->line.len - vlen;
		if (alen > 0) {
			arg++;
			alen--;
		}
		v = V_UNKNOWN;
		for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
			if (strlen(verbs[i].name) == vlen &&
			    mem_caseeq(s->line.s, verbs[i].name, vlen)) {
				v = verbs[i].v;
				break;
			}
		r = 0;
		switch (v) {
		case V_HELO:
		case V_EHLO:
			r = do_helo(s, arg, alen, v == V_EHLO);
			break;
		case V_MAIL:
			r = do_mail(s, arg, alen);
			break;
		case V_RCPT:
			r = do_rcpt(s, arg, alen);
			break;
		case V_DATA:
			r = do_data(s, &end);
			if (r == 1)
				goto done;
			break;
		case V_RSET:
			tx_reset(s);
			r = out(s, "250 2.0.0 flushed");
			break;
		case V_NOOP:
			r = out(s, "250 2.0.0 ok");
			break;
		case V_VRFY:
			r = out(s, "252 2.5.2 send some mail, i'll try my best");
			break;
		case V_HELP:
			r = out(s, "214 2.0.0 qmail home page: "
			    "http://pobox.com/~djb/qmail.html");
			break;
		case V_QUIT:
			(void)outf(s, "221 2.0.0 %s", s->conf->greeting);
			(void)wbuf_flush(s->wb);
			end = END_QUIT;
			goto done;
		case V_STARTTLS:
			r = do_starttls(s, &end);
			if (r == 1)
				goto done;
			break;
		case V_AUTH:
			r = do_auth(s, arg, alen, &end);
			if (r == 1)
				goto done;
			break;
		default:
			r = out(s, "502 5.5.1 unimplemented (#5.5.1)");
			break;
		}
		if (r == -1) {
			end = END_IOERR;
			break;
		}
	}
done:
	logf_(s, "end ip %s msgs %lu reason %s", s->conf->remoteip, s->msgs,
	    end == END_QUIT ? "quit" : end == END_EOF ? "eof" :
	    end == END_TIMEOUT ? "timeout" : end == END_BARE ? "bare-newline" :
	    end == END_TLS ? "tls-failed" : end == END_NOMEM ? "no-memory" :
	    "io-error");
	return end;
}

static int
do_helo(struct smtpd *s, const char *arg, size_t n, int ehlo)
{
	const char *c = s->conf->greeting;
	int	 plain;

	str_clear(&s->helo);
	if (str_catb(&s->helo, arg, n > SMTPD_HELO_MAX ? SMTPD_HELO_MAX :
	    n) == -1)
		return out(s, "421 4.3.0 out of memory (#4.3.0)");
	s->seenhelo = 1;
	s->ehlo = ehlo;
	tx_reset(s);
	if (!ehlo)
		return outf(s, "250 %s", c);
	if (outf(s, "250-%s", c) == -1 || out(s, "250-PIPELINING") == -1 ||
	    out(s, "250-8BITMIME") == -1 ||
	    out(s, "250-ENHANCEDSTATUSCODES") == -1)
		return -1;
	if (s->conf->databytes > 0 ? outf(s, "250-SIZE %llu",
	    s->conf->databytes) == -1 : out(s, "250-SIZE") == -1)
		return -1;
	if (s->conf->starttls && !s->tls && out(s, "250-STARTTLS") == -1)
		return -1;
	if (s->conf->auth && s->authuser.len == 0) {
		plain = s->tls || s->conf->auth_cleartext;
		if (outf(s, "250-AUTH %sCRAM-MD5", plain ? "LOGIN PLAIN " :
		    "") == -1 ||
		    outf(s, "250-AUTH=%sCRAM-MD5", plain ? "LOGIN PLAIN " :
		    "") == -1)
			return -1;
	}
	return out(s, "250 HELP");
}

/* 1 if sender is listed in badmailfrom (address, or "@domain"). */
static int
badmailfrom(const struct smtpd *s, const char *sender)
{
	const char *at;
	size_t	 i, n = strlen(sender);

	if (s->conf->badmailfrom == NULL || n == 0)
		return 0;
	at = strrchr(sender, '@');
	for (i = 0; i < s->conf->badmailfrom->n; i++) {
		const char *b = s->conf->badmailfrom->v[i];
		size_t	 bn = strlen(b);

		if (bn == n && mem_caseeq(b, sender, n))
			return 1;
		if (at != NULL && b[0] == '@' && bn == strlen(at) &&
		    mem_caseeq(b, at, bn))
			return 1;
	}
	return 0;
}

/* The reply to a MAIL or RCPT path smtpd_parse_path refused (errno). */
static int
path_refuse(struct smtpd *s, const char *toolong)
{
	if (errno == E2BIG)
		return out(s, toolong);
	if (errno == ENOTSUP)
		return out(s, "555 5.5.4 unsupported parameter (#5.5.4)");
	if (errno == ENOMEM)
		return out(s, "421 4.3.0 out of memory (#4.3.0)");
	return out(s, "555 5.5.4 syntax error (#5.5.4)");
}

static int
do_mail(struct smtpd *s, const char *arg, size_t n)
{
	if (s->conf->submission && s->authuser.len == 0)
		return out(s, "530 5.7.0 authentication required (#5.7.0)");
	if (s->seenmail)
		return out(s, "503 5.5.1 nested MAIL command (#5.5.1)");
	if (n < 5 || !mem_caseeq(arg, "from:", 5))
		return out(s, "555 5.5.4 syntax error (#5.5.4)");
	if (smtpd_parse_path(arg + 5, n - 5, 1, &s->path) == -1)
		return path_refuse(s, "553 5.1.7 address too long (#5.1.7)");
	if (s->conf->databytes > 0 && s->path.size > s->conf->databytes)
		return out(s, "552 5.3.4 sorry, that message size exceeds my "
		    "databytes limit (#5.3.4)");
	if (str_copyb(&s->sender, s->path.addr.s, s->path.addr.len) == -1)
		return out(s, "421 4.3.0 out of memory (#4.3.0)");
	str_clear(&s->env);
	if (str_catc(&s->env, 'F') == -1 ||
	    str_catb(&s->env, s->sender.s, s->sender.len + 1) == -1)
		return out(s, "421 4.3.0 out of memory (#4.3.0)");
	s->badfrom = badmailfrom(s, str_c(&s->sender));
	s->seenmail = 1;
	s->nrcpt = 0;
	return out(s, "250 2.1.0 ok");
}

static int
rcpthosts_lookup(void *arg, const char *key)
{
	const struct smtpd_hooks *h = arg;

	return h->rcpthosts(h->arg, key);
}

/* Log a refused recipient and send the reply. */
static int
rcpt_refuse(struct smtpd *s, const char *reply)
{
	struct str r = STR_INIT(4096);

	(void)str_printf(&r, "%s", safe(s, s->path.addr.s, s->path.addr.len));
	logf_(s, "reject ip %s mail %s rcpt %s: %.3s", s->conf->remoteip,
	    s->sender.len ? str_c(&s->sender) : "<>", str_c(&r), reply);
	str_free(&r);
	return out(s, reply);
}

static int
do_rcpt(struct smtpd *s, const char *arg, size_t n)
{
	const int tricks = ADDR_ROUTE | ADDR_PERCENT | ADDR_BANG |
	    ADDR_ATLOCAL;
	int	 r;

	if (!s->seenmail)
		return out(s, "503 5.5.1 MAIL first (#5.5.1)");
	if (n < 3 || !mem_caseeq(arg, "to:", 3))
		return out(s, "555 5.5.4 syntax error (#5.5.4)");
	if (smtpd_parse_path(arg + 3, n - 3, 0, &s->path) == -1)
		return path_refuse(s, "553 5.1.3 address too long (#5.1.3)");
	if (s->nrcpt >= s->conf->maxrcpt)
		return out(s, "452 4.5.3 too many recipients (#4.5.3)");
	if (s->badfrom)
		return rcpt_refuse(s, "553 5.7.1 sorry, your envelope sender "
		    "is in my badmailfrom list (#5.7.1)");
	if (relay_ok(s)) {
		if (s->conf->relayclient != NULL && s->authuser.len == 0 &&
		    str_cats(&s->path.addr, s->conf->relayclient) == -1)
			return out(s, "553 5.1.3 address too long (#5.1.3)");
	} else if (s->path.flags & tricks) {
		/* user%host@here, host!user@here, @a:b@c, "a@b"@here: a
		 * relay through a later rewrite.  Never for strangers. */
		return rcpt_refuse(s, "553 5.7.1 sorry, that address syntax "
		    "is not accepted here (#5.7.1)");
	} else if (s->path.flags & ADDR_NOAT) {
		/* RFC 5321 4.5.1: <postmaster> is always accepted. */
		if (!(s->path.addr.len == 10 &&
		    mem_caseeq(s->path.addr.s, "postmaster", 10)))
			return rcpt_refuse(s, "553 5.7.1 sorry, that domain "
			    "isn't in my list of allowed rcpthosts (#5.7.1)");
	} else if (s->path.flags & (ADDR_LITERAL | ADDR_TRAILDOT)) {
		return rcpt_refuse(s, "553 5.7.1 sorry, that domain isn't in "
		    "my list of allowed rcpthosts (#5.7.1)");
	} else {
		r = smtpd_domain_match(s->path.addr.s + s->path.domain,
		    rcpthosts_lookup, (void *)(uintptr_t)s->hooks);
		if (r == -1)
			return out(s, "451 4.3.0 unable to read controls "
			    "(#4.3.0)");
		if (r == 0)
			return rcpt_refuse(s, "553 5.7.1 sorry, that domain "
			    "isn't in my list of allowed rcpthosts (#5.7.1)");
		str_clear(&s->reply);
		r = s->hooks->rcptsrs != NULL ? s->hooks->rcptsrs(
		    s->hooks->arg, &s->path, &s->reply) : 0;
		if (r == -1)
			return rcpt_refuse(s, str_c(&s->reply));
		if (r == 0 && s->hooks->rcptcheck != NULL) {
			str_clear(&s->reply);
			r = s->hooks->rcptcheck(s->hooks->arg, &s->path,
			    s->sender.len ? str_c(&s->sender) : "",
			    str_c(&s->helo), &s->reply);
			if (r != RCPT_ACCEPT)
				return out(s, str_c(&s->reply));
		}
	}
	if (str_catc(&s->env, 'T') == -1 ||
	    str_catb(&s->env, s->path.addr.s, s->path.addr.len + 1) == -1)
		return out(s, "421 4.3.0 out of memory (#4.3.0)");
	s->nrcpt++;
	return out(s, "250 2.1.5 ok");
}

static int
data_sink(void *arg, const char *b, size_t n)
{
	const struct smtpd_hooks *h = arg;

	return h->queue_write(h->arg, b, n);
}

/*
 * DATA.  0 or -1 as the other commands; 1 when the session must end
 * (*end set): a bare CR/LF, a timeout, a lost connection.
 */
static int
do_data(struct smtpd *s, enum smtpd_end *end)
{
	const struct smtpd_hooks *h = s->hooks;
	struct smtpd_data d;
	struct rbuf *rb = s->rb;
	ssize_t	 r;
	size_t	 used;
	long long now;
	const char *why;
	int	 held = 0;

	if (!s->seenmail)
		return out(s, "503 5.5.1 MAIL first (#5.5.1)");
	if (s->nrcpt == 0)
		return out(s, "503 5.5.1 RCPT first (#5.5.1)");
	if (h->queue_open(h->arg) == -1)
		return out(s, "451 4.3.0 qqt failure (#4.3.0)");
	now = h->now(h->arg);
	str_clear(&s->tmp);
	if (smtpd_received(&s->tmp, s->conf->remotehost,
	    s->seenhelo ? str_c(&s->helo) : NULL,
	    s->authuser.len ? str_c(&s->authuser) : s->conf->remoteinfo,
	    s->conf->remoteip, s->conf->localhost, proto_name(s), now) == -1 ||
	    (held = h->msg_start != NULL ? h->msg_start(h->arg, &s->tmp,
	    relay_ok(s), str_c(&s->helo), str_c(&s->sender)) : 0) == -1 ||
	    (!held && h->queue_write(h->arg, s->tmp.s, s->tmp.len) == -1)) {
		(void)h->queue_close(h->arg, NULL, &s->reply);
		return out(s, "451 4.3.0 qqt failure (#4.3.0)");
	}
	if (out(s, "354 go ahead") == -1 || wbuf_flush(s->wb) == -1) {
		(void)h->queue_close(h->arg, NULL, &s->reply);
		*end = END_IOERR;
		return 1;
	}
	smtpd_data_init(&d, s->conf->databytes, data_sink, (void *)(uintptr_t)h);
	for (;;) {
		if (rbuf_buffered(rb) == 0) {
			/* Read straight into rbuf's buffer, so that what
			 * follows the final dot stays there for the next
			 * command (pipelining). */
			r = io_read(rb->io, rb->buf, sizeof(rb->buf));
			if (r <= 0) {
				(void)h->queue_close(h->arg, NULL, &s->reply);
				if (r == -1 && errno == ETIMEDOUT) {
					(void)out(s, "451 4.4.2 timeout (#4.4.2)");
					(void)wbuf_flush(s->wb);
					*end = END_TIMEOUT;
				} else
					*end = r == 0 ? END_EOF : END_IOERR;
				return 1;
			}
			rb->pos = 0;
			rb->len = (size_t)r;
		}
		used = smtpd_data_feed(&d, rb->buf + rb->pos,
		    rb->len - rb->pos);
		rb->pos += used;
		if (d.result & (DATA_END | DATA_BARE))
			break;
	}
	if (d.result & DATA_BARE) {
		(void)h->queue_close(h->arg, NULL, &s->reply);
		logf_(s, "reject ip %s mail %s data: bare CR or LF",
		    s->conf->remoteip, safe(s, s->sender.s, s->sender.len));
		(void)out(s, SMUGGLE_REPLY);
		(void)wbuf_flush(s->wb);
		rbuf_discard(rb);
		*end = END_BARE;
		return 1;
	}
	why = NULL;
	if (d.result & DATA_TOOBIG)
		why = "552 5.3.4 sorry, that message size exceeds my "
		    "databytes limit (#5.3.4)";
	else if (d.result & DATA_HOPS)
		why = "554 5.4.6 too many hops, this message is looping "
		    "(#5.4.6)";
	else if (d.result & DATA_NUL)
		why = "554 5.6.0 sorry, this message contains NUL characters "
		    "(#5.6.0)";
	else if (d.result & DATA_SINKERR)
		why = "451 4.3.0 qq write error or disk full (#4.3.0)";
	if (why != NULL) {
		(void)h->queue_close(h->arg, NULL, &s->reply);
		logf_(s, "reject ip %s mail %s data: %.3s",
		    s->conf->remoteip, safe(s, s->sender.s, s->sender.len), why);
		tx_reset(s);
		return out(s, why);
	}
	if (str_catc(&s->env, '\0') == -1) {
		(void)h->queue_close(h->arg, NULL, &s->reply);
		tx_reset(s);
		return out(s, "421 4.3.0 out of memory (#4.3.0)");
	}
	str_clear(&s->reply);
	if (h->msg_end != NULL && h->msg_end(h->arg, &s->reply) != 0) {
		(void)h->queue_close(h->arg, NULL, &s->tmp);
		logf_(s, "reject ip %s mail %s data: %s", s->conf->remoteip,
		    safe(s, s->sender.s, s->sender.len), str_c(&s->reply));
		tx_reset(s);
		return out(s, str_c(&s->reply));
	}
	if (h->queue_close(h->arg, &s->env, &s->reply) == -1) {
		logf_(s, "reject ip %s mail %s data: %s", s->conf->remoteip,
		    safe(s, s->sender.s, s->sender.len), str_c(&s->reply));
		tx_reset(s);
		return out(s, str_c(&s->reply));
	}
	s->msgs++;
	logf_(s, "accept ip %s mail %s rcpts %lu bytes %llu %s auth %s tls %s",
	    s->conf->remoteip, safe(s, s->sender.s, s->sender.len), s->nrcpt,
	    d.size, str_c(&s->reply),
	    s->authuser.len ? "yes" : "no", s->tls ? "yes" : "no");
	tx_reset(s);
	return outf(s, "250 2.0.0 %s", str_c(&s->reply));
}

static int
do_starttls(struct smtpd *s, enum smtpd_end *end)
{
	struct str why = STR_INIT(1024), info = STR_INIT(256);

	if (!s->conf->starttls || s->hooks->starttls == NULL)
		return out(s, "502 5.5.1 unimplemented (#5.5.1)");
	if (s->tls)
		return out(s, "503 5.5.1 TLS already active (#5.5.1)");
	if (s->line.len != 8)
		return out(s, "501 5.5.4 syntax error (#5.5.4)");
	if (out(s, "220 2.0.0 ready to start TLS") == -1 ||
	    wbuf_flush(s->wb) == -1) {
		*end = END_IOERR;
		return 1;
	}
	/* RFC 3207 4.2: nothing the client sent before the handshake
	 * counts (the STARTTLS command injection). */
	rbuf_discard(s->rb);
	if (s->hooks->starttls(s->hooks->arg, &why) == -1) {
		logf_(s, "tls failed ip %s: %s", s->conf->remoteip,
		    str_c(&why));
		str_free(&why);
		*end = END_TLS;
		return 1;
	}
	s->tls = 1;
	if (s->hooks->tlsinfo != NULL)
		(void)s->hooks->tlsinfo(s->hooks->arg, &info);
	logf_(s, "tls ip %s %s", s->conf->remoteip, str_c(&info));
	/* RFC 3207 4.2: forget everything learnt before. */
	s->seenhelo = 0;
	s->ehlo = 0;
	str_clear(&s->helo);
	str_wipe(&s->authuser);
	tx_reset(s);
	str_free(&why);
	str_free(&info);
	return 0;
}

/*
 * Send a 334 challenge (base64 of text, or "" for an empty one) and read
 * the answer into *resp decoded.  1 ok, 0 the exchange failed and was
 * answered, -1 the session is over (*end).
 */
static int
auth_read(struct smtpd *s, const char *text, struct str *resp,
    enum smtpd_end *end)
{
	int	 r;

	str_clear(&s->tmp);
	if (b64_encode(&s->tmp, text, strlen(text)) == -1 ||
	    outf(s, "334 %s", str_c(&s->tmp)) == -1) {
		*end = END_IOERR;
		return -1;
	}
	r = read_line(s, SMTPD_AUTH_MAX, end);
	if (r == 0)
		return -1;
	if (r == 2)
		return 0;
	if (s->line.len == 1 && s->line.s[0] == '*') {
		(void)out(s, "501 5.0.0 auth exchange canceled (#5.0.0)");
		return 0;
	}
	str_clear(resp);
	if (b64_decode(resp, s->line.s, s->line.len) == -1) {
		(void)out(s, "501 5.5.4 malformed auth input (#5.5.4)");
		return 0;
	}
	return 1;
}

/* AUTH PLAIN / LOGIN / CRAM-MD5 (RFC 4954, 4616, 2195). */
static int
do_auth(struct smtpd *s, const char *arg, size_t n, enum smtpd_end *end)
{
	struct str user = STR_INIT(SMTPD_AUTH_MAX),
	    pass = STR_INIT(SMTPD_AUTH_MAX), chal = STR_INIT(512),
	    resp = STR_INIT(SMTPD_AUTH_MAX);
	const char *mech, *init = NULL, *p, *q;
	size_t	 mlen, ilen = 0;
	int	 r, ret = 0;

	if (!s->conf->auth || s->hooks->auth == NULL)
		return out(s, "502 5.5.1 unimplemented (#5.5.1)");
	if (s->authuser.len > 0)
		return out(s, "503 5.5.0 you're already authenticated "
		    "(#5.5.0)");
	if (s->seenmail)
		return out(s, "503 5.5.0 no auth during mail transaction "
		    "(#5.5.0)");
	mech = arg;
	for (mlen = 0; mlen < n && arg[mlen] != ' '; mlen++)
		;
	if (mlen < n) {
		init = arg + mlen + 1;
		ilen = n - mlen - 1;
	}
	if (mlen == 5 && mem_caseeq(mech, "PLAIN", 5)) {
		s->authmech = "PLAIN";
	} else if (mlen == 5 && mem_caseeq(mech, "LOGIN", 5)) {
		s->authmech = "LOGIN";
	} else if (mlen == 8 && mem_caseeq(mech, "CRAM-MD5", 8)) {
		s->authmech = "CRAM-MD5";
		init = NULL;
	} else
		return out(s, "504 5.5.1 auth type unimplemented (#5.5.1)");
	if (s->authmech[0] != 'C' && !s->tls && !s->conf->auth_cleartext)
		return out(s, "538 5.7.11 encryption required for requested "
		    "authentication mechanism (#5.7.11)");

	if (s->authmech[0] == 'P') {
		if (init != NULL && !(ilen == 1 && init[0] == '=')) {
			if (b64_decode(&resp, init, ilen) == -1) {
				ret = out(s, "501 5.5.4 malformed auth input "
				    "(#5.5.4)");
				goto done;
			}
		} else if (init == NULL) {
			r = auth_read(s, "", &resp, end);
			if (r != 1) {
				ret = r == -1 ? 1 : 0;
				goto done;
			}
		}
		/* authzid \0 authcid \0 password */
		p = memchr(resp.s != NULL ? resp.s : "", '\0', resp.len);
		q = p != NULL ? memchr(p + 1, '\0',
		    resp.len - (size_t)(p + 1 - resp.s)) : NULL;
		if (q == NULL || q == p + 1 || memchr(q + 1, '\0',
		    resp.len - (size_t)(q + 1 - resp.s)) != NULL) {
			ret = out(s, "501 5.5.4 malformed auth input (#5.5.4)");
			goto done;
		}
		if (str_copyb(&user, p + 1, (size_t)(q - p - 1)) == -1 ||
		    str_copyb(&pass, q + 1, resp.len -
		    (size_t)(q + 1 - resp.s)) == -1)
			goto nomem;
	} else if (s->authmech[0] == 'L') {
		if (init != NULL) {
			if (b64_decode(&user, init, ilen) == -1) {
				ret = out(s, "501 5.5.4 malformed auth input "
				    "(#5.5.4)");
				goto done;
			}
		} else {
			r = auth_read(s, "Username:", &user, end);
			if (r != 1) {
				ret = r == -1 ? 1 : 0;
				goto done;
			}
		}
		r = auth_read(s, "Password:", &pass, end);
		if (r != 1) {
			ret = r == -1 ? 1 : 0;
			goto done;
		}
	} else {
		if (str_printf(&chal, "<%ld.%lld@%s>", s->conf->pid,
		    s->hooks->now(s->hooks->arg), s->conf->localhost) == -1)
			goto nomem;
		r = auth_read(s, str_c(&chal), &resp, end);
		if (r != 1) {
			ret = r == -1 ? 1 : 0;
			goto done;
		}
		/* "user<SP>hexdigest" */
		p = resp.len > 0 ? memchr(resp.s, ' ', resp.len) : NULL;
		if (p == NULL || p == resp.s ||
		    resp.len - (size_t)(p + 1 - resp.s) != 32) {
			ret = out(s, "501 5.5.4 malformed auth input (#5.5.4)");
			goto done;
		}
		if (str_copyb(&user, resp.s, (size_t)(p - resp.s)) == -1 ||
		    str_copyb(&pass, p + 1, 32) == -1)
			goto nomem;
	}
	if (user.len == 0 || memchr(user.s, '\0', user.len) != NULL ||
	    (pass.len > 0 && memchr(pass.s, '\0', pass.len) != NULL) ||
	    user.len + pass.len + chal.len > 500) {
		/* checkpassword takes NUL-terminated fields, 512 bytes. */
		ret = out(s, "501 5.5.4 malformed auth input (#5.5.4)");
		goto done;
	}
	r = s->hooks->auth(s->hooks->arg, str_c(&user), str_c(&pass),
	    str_c(&chal));
	if (r == 0) {
		if (str_copyb(&s->authuser, user.s, user.len) == -1)
			goto nomem;
		logf_(s, "auth ok ip %s mech %s user %s", s->conf->remoteip,
		    s->authmech, safe(s, user.s, user.len));
		ret = out(s, "235 2.0.0 ok, go ahead (#2.0.0)");
	} else if (r == 1) {
		logf_(s, "auth failed ip %s mech %s user %s",
		    s->conf->remoteip, s->authmech, safe(s, user.s, user.len));
		ret = out(s, "535 5.7.8 authorization failed (#5.7.0)");
	} else {
		logf_(s, "auth temporary failure ip %s mech %s user %s",
		    s->conf->remoteip, s->authmech, safe(s, user.s, user.len));
		ret = out(s, "454 4.3.0 oops, problem with child and I can't "
		    "auth (#4.3.0)");
	}
	goto done;
nomem:
	ret = out(s, "421 4.3.0 out of memory (#4.3.0)");
done:
	str_wipe(&user);
	str_wipe(&pass);
	str_wipe(&resp);
	str_free(&chal);
	str_wipe(&s->line);
	return ret;
}

/* qmail's received.c: bytes outside this set become '?'. */
static int
received_safe(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr(".@%+/=:-", c) != NULL;
}

static int
safeput(struct str *out, const char *s)
{
	for (; *s != '\0'; s++)
		if (str_catc(out, received_safe(*s) ? *s : '?') == -1)
			return -1;
	return 0;
}

int
smtpd_date822(struct str *out, long long when)
{
	static const char *mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	time_t	 t = (time_t)when;

	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	return str_printf(out, "%d %s %d %02d:%02d:%02d -0000", tm.tm_mday,
	    mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	    tm.tm_sec);
}

int
smtpd_received(struct str *out, const char *remotehost, const char *helo,
    const char *remoteinfo, const char *remoteip, const char *local,
    const char *proto, long long when)
{
	size_t	 hl, rl;

	if (str_cats(out, "Received: from ") == -1 ||
	    safeput(out, remotehost) == -1)
		return -1;
	hl = helo != NULL ? strlen(helo) : 0;
	rl = strlen(remotehost);
	if (helo != NULL && !(hl == rl && mem_caseeq(helo, remotehost, hl)) &&
	    (str_cats(out, " (HELO ") == -1 || safeput(out, helo) == -1 ||
	    str_catc(out, ')') == -1))
		return -1;
	if (str_cats(out, " (") == -1)
		return -1;
	if (remoteinfo != NULL && (safeput(out, remoteinfo) == -1 ||
	    str_catc(out, '@') == -1))
		return -1;
	if (safeput(out, remoteip) == -1 ||
	    str_cats(out, ")\n  by ") == -1 || safeput(out, local) == -1 ||
	    str_printf(out, " with %s; ", proto) == -1 ||
	    smtpd_date822(out, when) == -1 || str_catc(out, '\n') == -1)
		return -1;
	return 0;
}
