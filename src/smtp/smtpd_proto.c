/*
 * smtpd_proto - qmail-smtpd's protocol state machine.  Reads commands
 * through rbuf (length limit, deadline), answers through wbuf, decides
 * relaying, runs the AUTH exchanges and the DATA phase, and reaches the
 * outside world only through struct smtpd_hooks.  Untrusted input.
 *
 * Every command handler returns 0 when the session goes on and -1 when
 * it is over: then s->state is SMTPD_END and s->end says why (a write
 * failed, the client went, out of memory, ...).  Out of memory is
 * answered "421" and ends the session, as notqmail's die_nomem.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "b64.h"
#include "date822.h"
#include "esc.h"
#include "log.h"
#include "smtpd_data.h"
#include "smtpd_proto.h"

/* Not in the usual form: the text qmail sends (the URL is the point). */
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

/* What an AUTH exchange hands the checkpassword program. */
struct auth_cred {
	struct str user;
	struct str pass;	/* password, or the CRAM-MD5 digest */
	struct str chal;	/* the CRAM-MD5 challenge, else empty */
	struct str resp;	/* scratch: the decoded client answer */
};

static int	auth_plain(struct smtpd *, const char *, size_t,
		    struct auth_cred *);
static int	auth_login(struct smtpd *, const char *, size_t,
		    struct auth_cred *);
static int	auth_cram(struct smtpd *, const char *, size_t,
		    struct auth_cred *);

/*
 * The AUTH mechanisms (RFC 4954, 4616, 2195), in the order EHLO offers
 * them.  A mechanism that sends the password itself is offered and taken
 * only under TLS, unless AUTH_CLEARTEXT.  Each exchange returns 1 with
 * the credentials, 0 when it failed and was answered, -1 when the
 * session is over.
 */
static const struct auth_mech {
	const char *name;
	int	 cleartext;
	int	(*exchange)(struct smtpd *, const char *, size_t,
		    struct auth_cred *);
} mechs[] = {
	{ "LOGIN", 1, auth_login },
	{ "PLAIN", 1, auth_plain },
	{ "CRAM-MD5", 0, auth_cram },
};

static int	out(struct smtpd *, const char *);
static int	outf(struct smtpd *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static int	reply(struct smtpd *, int, enum esc, const char *);
static int	over(struct smtpd *, enum smtpd_end);
static int	say_last(struct smtpd *, const char *, enum smtpd_end);
static int	reply_last(struct smtpd *, int, enum esc, const char *,
		    enum smtpd_end);
static int	nomem(struct smtpd *);
static void	tx_reset(struct smtpd *);
static void	logf_(struct smtpd *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static const char *safe(struct smtpd *, const char *, size_t);
static int	relay_ok(const struct smtpd *);
static int	do_helo(struct smtpd *, const char *, size_t, int);
static int	path_refuse(struct smtpd *, int, enum esc);
static int	do_mail(struct smtpd *, const char *, size_t);
static int	rcpt_refuse(struct smtpd *, int, enum esc, const char *);
static int	do_rcpt(struct smtpd *, const char *, size_t);
static int	data_read(struct smtpd *, struct smtpd_data *);
static int	data_refuse(struct smtpd *, const char *);
static int	do_data(struct smtpd *);
static int	do_starttls(struct smtpd *);
static int	do_auth(struct smtpd *, const char *, size_t);
static int	auth_check(struct smtpd *, struct auth_cred *);
static int	auth_malformed(struct smtpd *);
static int	read_line(struct smtpd *, size_t);
static int	auth_read(struct smtpd *, const char *, struct str *);
static int	rcpthosts_lookup(void *, const char *);
static int	badmailfrom(const struct smtpd *, const char *);
static const char *proto_name(const struct smtpd *);
static int	command(struct smtpd *, enum verb, const char *, size_t);

/* Append a reply line (CRLF added).  0, or -1: the session is over. */
static int
out(struct smtpd *s, const char *line)
{
	if (wbuf_puts(s->wb, line) == -1 || wbuf_put(s->wb, "\r\n", 2) == -1)
		return over(s, END_IOERR);
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
	r = r == -1 ? nomem(s) : out(s, str_c(&l));
	str_free(&l);
	return r;
}

/* "<code> <x.y.z> <text>", and " (#x.y.z)" for a failure (esc.h). */
static int
reply(struct smtpd *s, int code, enum esc e, const char *text)
{
	if (esc_reply(&s->reply, code, e, text) == -1)
		return nomem(s);
	return out(s, str_c(&s->reply));
}

/* The session is over for why.  Always -1, for "return over(...)". */
static int
over(struct smtpd *s, enum smtpd_end why)
{
	if (s->state != SMTPD_END) {
		s->state = SMTPD_END;
		s->end = why;
	}
	return -1;
}

/*
 * The last line of a session (CRLF added), sent at once; the session is
 * over for why even when the line cannot be written.  Always -1.
 */
static int
say_last(struct smtpd *s, const char *line, enum smtpd_end why)
{
	if (s->state != SMTPD_END && wbuf_puts(s->wb, line) == 0 &&
	    wbuf_put(s->wb, "\r\n", 2) == 0)
		(void)wbuf_flush(s->wb);
	return over(s, why);
}

static int
reply_last(struct smtpd *s, int code, enum esc e, const char *text,
    enum smtpd_end why)
{
	if (esc_reply(&s->reply, code, e, text) == -1)
		return nomem(s);
	return say_last(s, str_c(&s->reply), why);
}

/* Out of memory: say so and end the session (notqmail's die_nomem). */
static int
nomem(struct smtpd *s)
{
	return say_last(s, "421 4.3.0 out of memory (#4.3.0)", END_NOMEM);
}

/* One log line, prefixed "smtpd <pid> ". */
static void
logf_(struct smtpd *s, const char *fmt, ...)
{
	struct str l = STR_INIT(4096);
	va_list	 ap;
	int	 r;

	if (str_printf(&l, "smtpd %ld ", s->conf->pid) == -1)
		return;
	va_start(ap, fmt);
	r = str_vprintf(&l, fmt, ap);
	va_end(ap);
	if (r == 0)
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
	struct str rep = STR_INIT(2048);

	memset(s, 0, sizeof(*s));
	s->conf = conf;
	s->hooks = hooks;
	s->rb = rb;
	s->wb = wb;
	s->state = SMTPD_IDLE;
	s->end = END_EOF;
	s->helo = helo;
	s->authuser = user;
	s->sender = sender;
	s->env = env;
	s->line = line;
	s->tmp = tmp;
	s->reply = rep;
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
	if (s->state != SMTPD_END)
		s->state = SMTPD_IDLE;
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
 * Read one line of at most max bytes into s->line.  1 a line; 0 it was
 * too long, and was answered and skipped; -1 the session is over (a
 * timeout was answered).
 */
static int
read_line(struct smtpd *s, size_t max)
{
	int	 r;

	if (rbuf_buffered(s->rb) == 0 && wbuf_flush(s->wb) == -1)
		return over(s, END_IOERR);
	s->line.max = max;
	r = rbuf_line(s->rb, &s->line, 0);
	if (r == 1)
		return 1;
	if (r == 0)
		return over(s, END_EOF);
	if (errno == E2BIG)
		return reply(s, 500, ESC_SYNTAX, "line too long");
	if (errno == ETIMEDOUT)
		return reply_last(s, 451, ESC_BAD_CONNECTION, "timeout",
		    END_TIMEOUT);
	return over(s, errno == ENOMEM ? END_NOMEM : END_IOERR);
}

/* One command line in s->line: its verb, and the handler. */
static int
command(struct smtpd *s, enum verb v, const char *arg, size_t alen)
{
	switch (v) {
	case V_HELO:
	case V_EHLO:
		return do_helo(s, arg, alen, v == V_EHLO);
	case V_MAIL:
		return do_mail(s, arg, alen);
	case V_RCPT:
		return do_rcpt(s, arg, alen);
	case V_DATA:
		return do_data(s);
	case V_RSET:
		tx_reset(s);
		return reply(s, 250, ESC_OTHER, "flushed");
	case V_NOOP:
		return reply(s, 250, ESC_OTHER, "ok");
	case V_VRFY:
		return reply(s, 252, ESC_SYNTAX,
		    "send some mail, i'll try my best");
	case V_HELP:
		return reply(s, 214, ESC_OTHER,
		    "qmail home page: http://pobox.com/~djb/qmail.html");
	case V_QUIT:
		return reply_last(s, 221, ESC_OTHER, s->conf->greeting,
		    END_QUIT);
	case V_STARTTLS:
		return do_starttls(s);
	case V_AUTH:
		return do_auth(s, arg, alen);
	default:
		return reply(s, 502, ESC_BAD_COMMAND, "unimplemented");
	}
}

enum smtpd_end
smtpd_run(struct smtpd *s)
{
	const char *arg;
	size_t	 i, vlen, alen;
	enum verb v;
	int	 r;

	if (!s->conf->greeted && outf(s, "220 %s ESMTP", s->conf->greeting)
	    == -1)
		return s->end;		/* nobody to talk to: no "end" line */
	while (s->state != SMTPD_END) {
		if ((r = read_line(s, SMTPD_CMD_MAX)) != 1)
			continue;	/* answered, or over */
		/* A command never holds NUL or a CR (stray CRs: an attack). */
		if (memchr(s->line.s, '\0', s->line.len) != NULL ||
		    memchr(s->line.s, '\r', s->line.len) != NULL) {
			(void)reply(s, 501, ESC_SYNTAX,
			    "bad characters in command");
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
		(void)command(s, v, arg, alen);
	}
	logf_(s, "end ip %s msgs %lu reason %s", s->conf->remoteip, s->msgs,
	    s->end == END_QUIT ? "quit" : s->end == END_EOF ? "eof" :
	    s->end == END_TIMEOUT ? "timeout" :
	    s->end == END_BARE ? "bare-newline" :
	    s->end == END_TLS ? "tls-failed" :
	    s->end == END_NOMEM ? "no-memory" : "io-error");
	return s->end;
}

static int
do_helo(struct smtpd *s, const char *arg, size_t n, int ehlo)
{
	const char *c = s->conf->greeting;
	struct str ad = STR_INIT(256);
	size_t	 i;
	int	 plain, r;

	str_clear(&s->helo);
	if (str_catb(&s->helo, arg, n > SMTPD_HELO_MAX ? SMTPD_HELO_MAX :
	    n) == -1)
		return nomem(s);
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
		for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
			if ((plain || !mechs[i].cleartext) &&
			    ((ad.len > 0 && str_catc(&ad, ' ') == -1) ||
			    str_cats(&ad, mechs[i].name) == -1)) {
				str_free(&ad);
				return nomem(s);
			}
		r = outf(s, "250-AUTH %s", str_c(&ad)) == -1 ||
		    outf(s, "250-AUTH=%s", str_c(&ad)) == -1 ? -1 : 0;
		str_free(&ad);
		if (r == -1)
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

/* The reply to a MAIL or RCPT path smtpd_parse_path refused (errno);
 * too long is "553 <toolong> address too long". */
static int
path_refuse(struct smtpd *s, int e, enum esc toolong)
{
	if (e == E2BIG)
		return reply(s, 553, toolong, "address too long");
	if (e == ENOTSUP)
		return reply(s, 555, ESC_BAD_ARGS, "unsupported parameter");
	if (e == ENOMEM)
		return nomem(s);
	return reply(s, 555, ESC_BAD_ARGS, "syntax error");
}

static int
do_mail(struct smtpd *s, const char *arg, size_t n)
{
	if (s->conf->submission && s->authuser.len == 0)
		return reply(s, 530, ESC_SECURITY, "authentication required");
	if (s->state != SMTPD_IDLE)
		return reply(s, 503, ESC_BAD_COMMAND, "nested MAIL command");
	if (n < 5 || !mem_caseeq(arg, "from:", 5))
		return reply(s, 555, ESC_BAD_ARGS, "syntax error");
	if (smtpd_parse_path(arg + 5, n - 5, 1, &s->path) == -1)
		return path_refuse(s, errno, ESC_BAD_SENDER_SYNTAX);
	if (s->conf->databytes > 0 && s->path.size > s->conf->databytes)
		return reply(s, 552, ESC_TOO_BIG, "sorry, that message size "
		    "exceeds my databytes limit");
	str_clear(&s->env);
	if (str_copyb(&s->sender, s->path.addr.s, s->path.addr.len) == -1 ||
	    str_catc(&s->env, 'F') == -1 ||
	    str_catb(&s->env, s->sender.s, s->sender.len + 1) == -1)
		return nomem(s);
	s->badfrom = badmailfrom(s, str_c(&s->sender));
	s->state = SMTPD_MAIL;
	s->nrcpt = 0;
	return reply(s, 250, ESC_ADDR_OTHER, "ok");
}

static int
rcpthosts_lookup(void *arg, const char *key)
{
	const struct smtpd_hooks *h = arg;

	return h->rcpthosts(h->arg, key);
}

/* Refuse a recipient: the reply, and a log line with its code. */
static int
rcpt_refuse(struct smtpd *s, int code, enum esc e, const char *text)
{
	struct str r = STR_INIT(4096);
	int	 ok;

	ok = str_cats(&r, safe(s, s->path.addr.s, s->path.addr.len)) == 0;
	logf_(s, "reject ip %s mail %s rcpt %s: %d", s->conf->remoteip,
	    s->sender.len ? str_c(&s->sender) : "<>", ok ? str_c(&r) : "?",
	    code);
	str_free(&r);
	return reply(s, code, e, text);
}

static int
do_rcpt(struct smtpd *s, const char *arg, size_t n)
{
	const int tricks = ADDR_ROUTE | ADDR_PERCENT | ADDR_BANG |
	    ADDR_ATLOCAL;
	int	 r;

	if (s->state != SMTPD_MAIL && s->state != SMTPD_RCPT)
		return reply(s, 503, ESC_BAD_COMMAND, "MAIL first");
	if (n < 3 || !mem_caseeq(arg, "to:", 3))
		return reply(s, 555, ESC_BAD_ARGS, "syntax error");
	if (smtpd_parse_path(arg + 3, n - 3, 0, &s->path) == -1)
		return path_refuse(s, errno, ESC_BAD_DEST_SYNTAX);
	if (s->nrcpt >= s->conf->maxrcpt)
		return reply(s, 452, ESC_TOO_MANY_RCPTS, "too many recipients");
	if (s->badfrom)
		return rcpt_refuse(s, 553, ESC_NOT_AUTHORIZED, "sorry, your "
		    "envelope sender is in my badmailfrom list");
	if (relay_ok(s)) {
		if (s->conf->relayclient != NULL && s->authuser.len == 0 &&
		    str_cats(&s->path.addr, s->conf->relayclient) == -1)
			return errno == ENOMEM ? nomem(s) : reply(s, 553,
			    ESC_BAD_DEST_SYNTAX, "address too long");
	} else if (s->path.flags & tricks) {
		/* user%host@here, host!user@here, @a:b@c, "a@b"@here: a
		 * relay through a later rewrite.  Never for strangers. */
		return rcpt_refuse(s, 553, ESC_NOT_AUTHORIZED, "sorry, that "
		    "address syntax is not accepted here");
	} else if (s->path.flags & ADDR_NOAT) {
		/* RFC 5321 4.5.1: <postmaster> is always accepted. */
		if (!(s->path.addr.len == 10 &&
		    mem_caseeq(s->path.addr.s, "postmaster", 10)))
			return rcpt_refuse(s, 553, ESC_NOT_AUTHORIZED, "sorry, "
			    "that domain isn't in my list of allowed "
			    "rcpthosts");
	} else if (s->path.flags & (ADDR_LITERAL | ADDR_TRAILDOT)) {
		return rcpt_refuse(s, 553, ESC_NOT_AUTHORIZED, "sorry, that "
		    "domain isn't in my list of allowed rcpthosts");
	} else {
		r = smtpd_domain_match(s->path.addr.s + s->path.domain,
		    rcpthosts_lookup, (void *)(uintptr_t)s->hooks);
		if (r == -1)
			return reply(s, 451, ESC_SYSTEM,
			    "unable to read controls");
		if (r == 0)
			return rcpt_refuse(s, 553, ESC_NOT_AUTHORIZED, "sorry, "
			    "that domain isn't in my list of allowed "
			    "rcpthosts");
		if (s->hooks->rcptcheck != NULL) {
			str_clear(&s->reply);
			r = s->hooks->rcptcheck(s->hooks->arg, &s->path,
			    s->sender.len ? str_c(&s->sender) : "",
			    str_c(&s->helo), &s->reply);
			if (r != RCPT_ACCEPT)
				return s->reply.len > 0 ? out(s,
				    str_c(&s->reply)) : nomem(s);
		}
	}
	if (str_catc(&s->env, 'T') == -1 ||
	    str_catb(&s->env, s->path.addr.s, s->path.addr.len + 1) == -1)
		return nomem(s);
	s->nrcpt++;
	s->state = SMTPD_RCPT;
	return reply(s, 250, ESC_DEST_VALID, "ok");
}

static int
data_sink(void *arg, const char *b, size_t n)
{
	const struct smtpd_hooks *h = arg;

	return h->queue_write(h->arg, b, n);
}

/*
 * Feed the client's bytes to the DATA reader until the message ends
 * (DATA_END) or a bare CR/LF stops it (DATA_BARE).  What follows the
 * final dot stays in rbuf for the next command (pipelining).  0, or -1:
 * the session is over (the queue is then the caller's to abort).
 */
static int
data_read(struct smtpd *s, struct smtpd_data *d)
{
	const char *b;
	ssize_t	 r;

	while (!(d->result & (DATA_END | DATA_BARE))) {
		r = rbuf_peek(s->rb, &b);
		if (r == -1 && errno == ETIMEDOUT)
			return reply_last(s, 451, ESC_BAD_CONNECTION, "timeout",
			    END_TIMEOUT);
		if (r <= 0)
			return over(s, r == 0 ? END_EOF : END_IOERR);
		rbuf_consume(s->rb, smtpd_data_feed(d, b, (size_t)r));
	}
	return 0;
}

/* A message refused at its end: logged, the queue aborted, answered. */
static int
data_refuse(struct smtpd *s, const char *why)
{
	logf_(s, "reject ip %s mail %s data: %.3s", s->conf->remoteip,
	    safe(s, s->sender.s, s->sender.len), why);
	tx_reset(s);
	return out(s, why);
}

static int
do_data(struct smtpd *s)
{
	const struct smtpd_hooks *h = s->hooks;
	struct smtpd_data d;
	struct str why = STR_INIT(512);
	long long now;
	int	 r;

	if (s->state == SMTPD_IDLE)
		return reply(s, 503, ESC_BAD_COMMAND, "MAIL first");
	if (s->state != SMTPD_RCPT)
		return reply(s, 503, ESC_BAD_COMMAND, "RCPT first");
	if (h->queue_open(h->arg) == -1)
		return reply(s, 451, ESC_SYSTEM, "qqt failure");
	now = h->now(h->arg);
	str_clear(&s->tmp);
	if (smtpd_received(&s->tmp, s->conf->remotehost,
	    s->seenhelo ? str_c(&s->helo) : NULL,
	    s->authuser.len ? str_c(&s->authuser) : s->conf->remoteinfo,
	    s->conf->remoteip, s->conf->localhost, proto_name(s), now) == -1 ||
	    h->queue_write(h->arg, s->tmp.s, s->tmp.len) == -1) {
		(void)h->queue_close(h->arg, NULL, &s->reply);
		return reply(s, 451, ESC_SYSTEM, "qqt failure");
	}
	if (out(s, "354 go ahead") == -1 || wbuf_flush(s->wb) == -1) {
		(void)h->queue_close(h->arg, NULL, &s->reply);
		return over(s, END_IOERR);
	}
	s->state = SMTPD_DATA;
	smtpd_data_init(&d, s->conf->databytes, data_sink,
	    (void *)(uintptr_t)h);
	if (data_read(s, &d) == -1) {
		(void)h->queue_close(h->arg, NULL, &s->reply);
		return -1;
	}
	if (d.result & DATA_BARE) {
		(void)h->queue_close(h->arg, NULL, &s->reply);
		logf_(s, "reject ip %s mail %s data: bare CR or LF",
		    s->conf->remoteip, safe(s, s->sender.s, s->sender.len));
		rbuf_discard(s->rb);
		return say_last(s, SMUGGLE_REPLY, END_BARE);
	}
	r = 0;
	if (d.result & DATA_TOOBIG)
		r = esc_reply(&why, 552, ESC_TOO_BIG, "sorry, that message "
		    "size exceeds my databytes limit");
	else if (d.result & DATA_HOPS)
		r = esc_reply(&why, 554, ESC_LOOP, "too many hops, this "
		    "message is looping");
	else if (d.result & DATA_NUL)
		r = esc_reply(&why, 554, ESC_MEDIA, "sorry, this message "
		    "contains NUL characters");
	else if (d.result & DATA_SINKERR)
		r = esc_reply(&why, 451, ESC_SYSTEM, "qq write error or disk "
		    "full");
	if (r == -1 || why.len > 0 || str_catc(&s->env, '\0') == -1) {
		(void)h->queue_close(h->arg, NULL, &s->reply);
		r = r == -1 || why.len == 0 ? nomem(s) :
		    data_refuse(s, str_c(&why));
		str_free(&why);
		return r;
	}
	str_free(&why);
	str_clear(&s->reply);
	if (h->queue_close(h->arg, &s->env, &s->reply) == -1) {
		logf_(s, "reject ip %s mail %s data: %s", s->conf->remoteip,
		    safe(s, s->sender.s, s->sender.len), str_c(&s->reply));
		tx_reset(s);
		return s->reply.len > 0 ? out(s, str_c(&s->reply)) : nomem(s);
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
do_starttls(struct smtpd *s)
{
	struct str why = STR_INIT(1024), info = STR_INIT(256);

	if (!s->conf->starttls || s->hooks->starttls == NULL)
		return reply(s, 502, ESC_BAD_COMMAND, "unimplemented");
	if (s->tls)
		return reply(s, 503, ESC_BAD_COMMAND, "TLS already active");
	if (s->line.len != 8)
		return reply(s, 501, ESC_BAD_ARGS, "syntax error");
	if (reply(s, 220, ESC_OTHER, "ready to start TLS") == -1)
		return -1;
	if (wbuf_flush(s->wb) == -1)
		return over(s, END_IOERR);
	/* RFC 3207 4.2: nothing the client sent before the handshake
	 * counts (the STARTTLS command injection). */
	rbuf_discard(s->rb);
	if (s->hooks->starttls(s->hooks->arg, &why) == -1) {
		logf_(s, "tls failed ip %s: %s", s->conf->remoteip,
		    str_c(&why));
		str_free(&why);
		return over(s, END_TLS);
	}
	s->tls = 1;
	if (s->hooks->tlsinfo != NULL && s->hooks->tlsinfo(s->hooks->arg,
	    &info) == -1)
		str_clear(&info);
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
 * answered, -1 the session is over.
 */
static int
auth_read(struct smtpd *s, const char *text, struct str *resp)
{
	int	 r;

	str_clear(&s->tmp);
	if (b64_encode(&s->tmp, text, strlen(text)) == -1)
		return nomem(s);
	if (outf(s, "334 %s", str_c(&s->tmp)) == -1)
		return -1;
	if ((r = read_line(s, SMTPD_AUTH_MAX)) != 1)
		return r;
	if (s->line.len == 1 && s->line.s[0] == '*')
		return reply(s, 501, ESC_OTHER, "auth exchange canceled") ==
		    -1 ? -1 : 0;
	str_clear(resp);
	if (b64_decode(resp, s->line.s, s->line.len) == -1)
		return auth_malformed(s);
	return 1;
}

/* "501 malformed auth input": 0, or -1 when that cannot be said. */
static int
auth_malformed(struct smtpd *s)
{
	return reply(s, 501, ESC_BAD_ARGS, "malformed auth input") == -1 ?
	    -1 : 0;
}

/* PLAIN (RFC 4616): authzid \0 authcid \0 password, maybe initial. */
static int
auth_plain(struct smtpd *s, const char *init, size_t ilen,
    struct auth_cred *cr)
{
	struct str *resp = &cr->resp;
	const char *p, *q;
	int	 r;

	if (init != NULL && !(ilen == 1 && init[0] == '=')) {
		if (b64_decode(resp, init, ilen) == -1)
			return auth_malformed(s);
	} else if (init == NULL && (r = auth_read(s, "", resp)) != 1)
		return r;
	p = memchr(resp->s != NULL ? resp->s : "", '\0', resp->len);
	q = p != NULL ? memchr(p + 1, '\0',
	    resp->len - (size_t)(p + 1 - resp->s)) : NULL;
	if (q == NULL || q == p + 1 || memchr(q + 1, '\0',
	    resp->len - (size_t)(q + 1 - resp->s)) != NULL)
		return auth_malformed(s);
	if (str_copyb(&cr->user, p + 1, (size_t)(q - p - 1)) == -1 ||
	    str_copyb(&cr->pass, q + 1, resp->len -
	    (size_t)(q + 1 - resp->s)) == -1)
		return nomem(s);
	return 1;
}

/* LOGIN: the user name (maybe initial), then the password. */
static int
auth_login(struct smtpd *s, const char *init, size_t ilen,
    struct auth_cred *cr)
{
	int	 r;

	if (init != NULL) {
		if (b64_decode(&cr->user, init, ilen) == -1)
			return auth_malformed(s);
	} else if ((r = auth_read(s, "Username:", &cr->user)) != 1)
		return r;
	return auth_read(s, "Password:", &cr->pass);
}

/* CRAM-MD5 (RFC 2195): "user<SP>hexdigest" to our challenge. */
static int
auth_cram(struct smtpd *s, const char *init, size_t ilen,
    struct auth_cred *cr)
{
	struct str *resp = &cr->resp;
	const char *p;
	int	 r;

	(void)init;		/* no initial response (RFC 4954 4) */
	(void)ilen;
	if (str_printf(&cr->chal, "<%ld.%lld@%s>", s->conf->pid,
	    s->hooks->now(s->hooks->arg), s->conf->localhost) == -1)
		return nomem(s);
	if ((r = auth_read(s, str_c(&cr->chal), resp)) != 1)
		return r;
	p = resp->len > 0 ? memchr(resp->s, ' ', resp->len) : NULL;
	if (p == NULL || p == resp->s ||
	    resp->len - (size_t)(p + 1 - resp->s) != 32)
		return auth_malformed(s);
	if (str_copyb(&cr->user, resp->s, (size_t)(p - resp->s)) == -1 ||
	    str_copyb(&cr->pass, p + 1, 32) == -1)
		return nomem(s);
	return 1;
}

/* Hand the credentials to the checkpassword program; answer. */
static int
auth_check(struct smtpd *s, struct auth_cred *cr)
{
	const char *who;
	int	 r;

	if (cr->user.len == 0 || memchr(cr->user.s, '\0', cr->user.len) !=
	    NULL || (cr->pass.len > 0 && memchr(cr->pass.s, '\0',
	    cr->pass.len) != NULL) ||
	    cr->user.len + cr->pass.len + cr->chal.len > 500) {
		/* checkpassword takes NUL-terminated fields, 512 bytes. */
		return reply(s, 501, ESC_BAD_ARGS, "malformed auth input");
	}
	r = s->hooks->auth(s->hooks->arg, str_c(&cr->user),
	    str_c(&cr->pass), str_c(&cr->chal));
	who = safe(s, cr->user.s, cr->user.len);
	if (r == 0) {
		if (str_copyb(&s->authuser, cr->user.s, cr->user.len) == -1)
			return nomem(s);
		logf_(s, "auth ok ip %s mech %s user %s", s->conf->remoteip,
		    s->authmech, who);
		/* qmail's AUTH patch: the status again, on a success. */
		return out(s, "235 2.0.0 ok, go ahead (#2.0.0)");
	}
	if (r == 1) {
		logf_(s, "auth failed ip %s mech %s user %s",
		    s->conf->remoteip, s->authmech, who);
		/* RFC 4954's 5.7.8, and qmail's AUTH patch's (#5.7.0). */
		return out(s, "535 5.7.8 authorization failed (#5.7.0)");
	}
	logf_(s, "auth temporary failure ip %s mech %s user %s",
	    s->conf->remoteip, s->authmech, who);
	return reply(s, 454, ESC_SYSTEM,
	    "oops, problem with child and I can't auth");
}

/* AUTH <mechanism> [initial-response] (RFC 4954). */
static int
do_auth(struct smtpd *s, const char *arg, size_t n)
{
	struct auth_cred cr = { STR_INIT(SMTPD_AUTH_MAX),
	    STR_INIT(SMTPD_AUTH_MAX), STR_INIT(512),
	    STR_INIT(SMTPD_AUTH_MAX) };
	const struct auth_mech *m = NULL;
	const char *init = NULL;
	size_t	 mlen, ilen = 0, i;
	int	 r;

	if (!s->conf->auth || s->hooks->auth == NULL)
		return reply(s, 502, ESC_BAD_COMMAND, "unimplemented");
	if (s->authuser.len > 0)
		return reply(s, 503, ESC_PROTOCOL,
		    "you're already authenticated");
	if (s->state != SMTPD_IDLE)
		return reply(s, 503, ESC_PROTOCOL,
		    "no auth during mail transaction");
	for (mlen = 0; mlen < n && arg[mlen] != ' '; mlen++)
		;
	if (mlen < n) {
		init = arg + mlen + 1;
		ilen = n - mlen - 1;
	}
	for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (strlen(mechs[i].name) == mlen &&
		    mem_caseeq(arg, mechs[i].name, mlen))
			m = &mechs[i];
	if (m == NULL)
		return reply(s, 504, ESC_BAD_COMMAND,
		    "auth type unimplemented");
	s->authmech = m->name;
	if (m->cleartext && !s->tls && !s->conf->auth_cleartext)
		return reply(s, 538, ESC_ENCRYPT_NEEDED, "encryption required "
		    "for requested authentication mechanism");
	r = m->exchange(s, init, ilen, &cr);
	if (r == 1)
		r = auth_check(s, &cr);
	str_wipe(&cr.user);
	str_wipe(&cr.pass);
	str_wipe(&cr.resp);
	str_free(&cr.chal);
	str_wipe(&s->line);
	return r == -1 ? -1 : 0;
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
	    date822_cat(out, (time_t)when) == -1 || str_catc(out, '\n') == -1)
		return -1;
	return 0;
}
