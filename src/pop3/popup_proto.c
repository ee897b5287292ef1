/*
 * popup_proto - qmail-popup's AUTHORIZATION state (see popup_proto.h).
 * Replies are byte-compatible with qmail-popup ("+OK " with the space);
 * CAPA and STLS (RFC 2449, RFC 2595) are added.
 */
#include <errno.h>
#include <string.h>

#include "checkpw.h"
#include "pop3_cmd.h"
#include "popup_proto.h"

static enum popup_act reply(struct str *, enum popup_act, const char *);
static int	need_tls(const struct popup *);
static enum popup_act login(struct popup *, const char *, size_t,
	    const char *, size_t, struct str *, struct str *, struct str *);

/* popup_init - a fresh AUTHORIZATION state. */
void
popup_init(struct popup *p, const char *timestamp, int tls_avail)
{
	struct str u = STR_INIT(POP3_LINE_MAX);

	p->timestamp = timestamp;
	p->tls_avail = tls_avail;
	p->tls_on = 0;
	p->tls_required = 0;
	p->have_user = 0;
	p->user = u;
}

/* popup_free - wipe the remembered login name. */
void
popup_free(struct popup *p)
{
	str_wipe(&p->user);
	p->have_user = 0;
}

/* reply - set the reply text; ENOMEM becomes POPUP_ERROR. */
static enum popup_act
reply(struct str *out, enum popup_act act, const char *text)
{
	if (str_copys(out, text) == -1)
		return POPUP_ERROR;
	return act;
}

/* need_tls - clear-text logins are refused until STLS (RFC 2595 4). */
static int
need_tls(const struct popup *p)
{
	return p->tls_required && p->tls_avail && !p->tls_on;
}

/* popup_capa - RFC 2449 capabilities offered before login. */
int
popup_capa(const struct popup *p, struct str *out)
{
	if (str_copys(out, "+OK capability list follows\r\n"
	    "TOP\r\nUIDL\r\nPIPELINING\r\nRESP-CODES\r\n"
	    "AUTH-RESP-CODE\r\n") == -1)
		return -1;
	/* RFC 2595 4: USER is left out while it would be refused. */
	if (!need_tls(p) && str_cats(out, "USER\r\n") == -1)
		return -1;
	if (p->tls_avail && !p->tls_on && str_cats(out, "STLS\r\n") == -1)
		return -1;
	return str_cats(out, "IMPLEMENTATION hsmail\r\n.\r\n");
}

/* login - build the checkpassword data "login\0pass\0timestamp\0". */
static enum popup_act
login(struct popup *p, const char *u, size_t ulen, const char *pw,
    size_t pwlen, struct str *out, struct str *auth, struct str *user_r)
{
	str_clear(out);
	if (ulen == 0 || pwlen == 0)
		return reply(out, POPUP_REPLY, "-ERR syntax error\r\n");
	/* A NUL would split the record and change what checkpassword reads. */
	if (pop3_has_nul(u, ulen) || pop3_has_nul(pw, pwlen))
		return reply(out, POPUP_REPLY, "-ERR syntax error\r\n");
	if (checkpw_record(auth, u, ulen, pw, pwlen, p->timestamp,
	    strlen(p->timestamp)) == -1 ||
	    str_copyb(user_r, u, ulen) == -1) {
		str_wipe(auth);
		if (errno == E2BIG)
			return reply(out, POPUP_REPLY,
			    "-ERR [AUTH] login data too long\r\n");
		return POPUP_ERROR;
	}
	return POPUP_LOGIN;
}

/* popup_line - one command in the AUTHORIZATION state. */
enum popup_act
popup_line(struct popup *p, const char *line, size_t n, struct str *out,
    struct str *auth, struct str *user_r)
{
	struct pop3_cmd c;
	const char *w1, *w2;
	size_t	 n1, n2;
	enum popup_act act;

	pop3_cmd_parse(line, n, &c);
	if ((c.verb == POP3_USER || c.verb == POP3_PASS ||
	    c.verb == POP3_APOP) && need_tls(p))
		return reply(out, POPUP_REPLY,
		    "-ERR [AUTH] TLS required: use STLS first\r\n");
	switch (c.verb) {
	case POP3_QUIT:
		return reply(out, POPUP_QUIT, "+OK \r\n");
	case POP3_NOOP:
		return reply(out, POPUP_REPLY, "+OK \r\n");
	case POP3_CAPA:
		if (popup_capa(p, out) == -1)
			return POPUP_ERROR;
		return POPUP_REPLY;
	case POP3_STLS:
		if (!p->tls_avail)
			return reply(out, POPUP_REPLY,
			    "-ERR STLS not available\r\n");
		if (p->tls_on)
			return reply(out, POPUP_REPLY,
			    "-ERR TLS already active\r\n");
		if (c.arglen != 0)
			return reply(out, POPUP_REPLY,
			    "-ERR syntax error\r\n");
		/* RFC 2595 4: forget what was said before the handshake. */
		popup_free(p);
		p->tls_on = 1;
		return reply(out, POPUP_STLS, "+OK begin TLS negotiation\r\n");
	case POP3_USER:
		if (c.arglen == 0)
			return reply(out, POPUP_REPLY, "-ERR syntax error\r\n");
		if (pop3_has_nul(c.arg, c.arglen))
			return reply(out, POPUP_REPLY, "-ERR syntax error\r\n");
		if (str_copyb(&p->user, c.arg, c.arglen) == -1) {
			p->have_user = 0;
			if (errno == E2BIG)
				return reply(out, POPUP_REPLY,
				    "-ERR syntax error\r\n");
			return POPUP_ERROR;
		}
		p->have_user = 1;
		return reply(out, POPUP_REPLY, "+OK \r\n");
	case POP3_PASS:
		if (!p->have_user)
			return reply(out, POPUP_REPLY, "-ERR USER first\r\n");
		act = login(p, p->user.s, p->user.len, c.arg, c.arglen, out,
		    auth, user_r);
		if (act == POPUP_LOGIN || c.arglen != 0)
			popup_free(p);	/* one PASS per USER, as qmail */
		return act;
	case POP3_APOP:
		pop3_split2(c.arg, c.arglen, &w1, &n1, &w2, &n2);
		if (w2 == NULL)
			return reply(out, POPUP_REPLY, "-ERR syntax error\r\n");
		popup_free(p);
		return login(p, w1, n1, w2, n2, out, auth, user_r);
	default:
		return reply(out, POPUP_REPLY,
		    "-ERR authorization first\r\n");
	}
}
