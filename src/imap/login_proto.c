/*
 * login_proto - imaplogin's not-authenticated state (see login_proto.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "b64.h"
#include "checkpw.h"
#include "imap_parse.h"
#include "login_proto.h"

#define CAPS	"IMAP4rev1 IMAP4rev2 SASL-IR LITERAL+ ID ENABLE IDLE"

static enum ilogin_act reply(struct ilogin *, struct str *, enum ilogin_act,
		    const char *, const char *);
static enum ilogin_act login(struct ilogin *, const char *, size_t,
		    const char *, size_t, const char *, struct str *,
		    struct str *, struct str *);
static enum ilogin_act sasl_start(struct ilogin *, struct imap_p *,
		    struct str *, struct str *, struct str *);

void
ilogin_init(struct ilogin *l, const char *host, int tls_avail, int plain_ok,
    int cram_ok)
{
	memset(l, 0, sizeof(*l));
	l->host = host;
	l->tls_avail = tls_avail;
	l->plain_ok = plain_ok;
	l->cram_ok = cram_ok;
	l->user = (struct str)STR_INIT(ILOGIN_LITERAL_MAX);
	snprintf(l->tag, sizeof(l->tag), "*");
}

void
ilogin_free(struct ilogin *l)
{
	str_wipe(&l->user);
	l->sasl = SASL_NONE;
}

/* plain - clear-text logins allowed now (RFC 9051 11.1, RFC 8314). */
static int
plain(const struct ilogin *l)
{
	return l->tls_on || l->plain_ok;
}

int
ilogin_capability(const struct ilogin *l, struct str *out)
{
	if (str_cats(out, CAPS) == -1)
		return -1;
	if (l->tls_avail && !l->tls_on && str_cats(out, " STARTTLS") == -1)
		return -1;
	if (plain(l)) {
		if (str_cats(out, " AUTH=PLAIN AUTH=LOGIN") == -1)
			return -1;
	} else if (str_cats(out, " LOGINDISABLED") == -1)
		return -1;
	if (l->cram_ok && str_cats(out, " AUTH=CRAM-MD5") == -1)
		return -1;
	return 0;
}

/* reply - "<tag> <text>" (or an untagged line when tag is NULL). */
static enum ilogin_act
reply(struct ilogin *l, struct str *out, enum ilogin_act act,
    const char *status, const char *text)
{
	if (str_printf(out, "%s %s %s\r\n", l->tag, status, text) == -1)
		return IL_ERROR;
	return act;
}

/* login - the checkpassword data, "login\0password\0stamp\0". */
static enum ilogin_act
login(struct ilogin *l, const char *u, size_t ulen, const char *pw,
    size_t pwlen, const char *stamp, struct str *out, struct str *auth,
    struct str *user_r)
{
	if (ulen == 0 || pwlen == 0 || memchr(u, '\0', ulen) != NULL ||
	    memchr(pw, '\0', pwlen) != NULL)
		return reply(l, out, IL_REPLY, "NO",
		    "[AUTHENTICATIONFAILED] Authentication failed.");
	if (checkpw_record(auth, u, ulen, pw, pwlen, stamp, strlen(stamp))
	    == -1 || str_copyb(user_r, u, ulen) == -1) {
		str_wipe(auth);
		if (errno == E2BIG || errno == EINVAL)
			return reply(l, out, IL_REPLY, "NO",
			    "[AUTHENTICATIONFAILED] Authentication failed.");
		return IL_ERROR;
	}
	return IL_LOGIN;
}

/* sasl_plain - RFC 4616: [authzid] NUL authcid NUL passwd. */
static enum ilogin_act
sasl_plain(struct ilogin *l, const struct str *d, struct str *out,
    struct str *auth, struct str *user_r)
{
	const char *a = d->s, *e = d->s + d->len, *u, *p;

	u = memchr(a, '\0', d->len);
	if (u == NULL)
		goto fail;
	u++;
	p = memchr(u, '\0', (size_t)(e - u));
	if (p == NULL)
		goto fail;
	p++;
	/* No proxy logins: the authorization identity, if given, must be
	 * the authentication identity. */
	if (u - a > 1 && ((size_t)(u - a - 1) != (size_t)(p - u - 1) ||
	    memcmp(a, u, (size_t)(p - u - 1)) != 0))
		goto fail;
	return login(l, u, (size_t)(p - u - 1), p, (size_t)(e - p), "", out,
	    auth, user_r);
fail:
	return reply(l, out, IL_REPLY, "NO",
	    "[AUTHENTICATIONFAILED] Authentication failed.");
}

/* sasl_step - one response of the exchange, decoded in d. */
static enum ilogin_act
sasl_step(struct ilogin *l, struct str *d, struct str *out, struct str *auth,
    struct str *user_r)
{
	enum ilogin_sasl m = l->sasl;
	const char *sp;
	enum ilogin_act act;

	l->sasl = SASL_NONE;
	/* an empty response ("=") is an empty string, not no string */
	if (d->s == NULL && str_copys(d, "") == -1)
		return IL_ERROR;
	switch (m) {
	case SASL_PLAIN:
		return sasl_plain(l, d, out, auth, user_r);
	case SASL_LOGIN_USER:
		if (str_copyb(&l->user, d->s, d->len) == -1)
			return reply(l, out, IL_REPLY, "NO",
			    "[AUTHENTICATIONFAILED] Authentication failed.");
		l->sasl = SASL_LOGIN_PASS;
		/* "Password:" */
		return str_copys(out, "+ UGFzc3dvcmQ6\r\n") == -1 ?
		    IL_ERROR : IL_SASL;
	case SASL_LOGIN_PASS:
		act = login(l, l->user.s != NULL ? l->user.s : "", l->user.len,
		    d->s, d->len, "", out, auth, user_r);
		str_wipe(&l->user);
		return act;
	case SASL_CRAM:
		/* "user hexdigest": the digest goes as the password and
		 * the challenge as the stamp; vchkpw checks HMAC-MD5. */
		sp = d->len > 0 ? memchr(d->s, ' ', d->len) : NULL;
		{
			const char *q = NULL;
			size_t	 i;

			for (i = d->len; i > 0; i--)
				if (d->s[i - 1] == ' ') {
					q = d->s + i - 1;
					break;
				}
			sp = q;
		}
		if (sp == NULL || d->s + d->len - sp != 33)
			return reply(l, out, IL_REPLY, "NO",
			    "[AUTHENTICATIONFAILED] Authentication failed.");
		return login(l, d->s, (size_t)(sp - d->s), sp + 1, 32,
		    l->challenge, out, auth, user_r);
	default:
		return reply(l, out, IL_REPLY, "BAD", "no exchange going on");
	}
}

/* sasl_start - AUTHENTICATE mech [initial-response]. */
static enum ilogin_act
sasl_start(struct ilogin *l, struct imap_p *p, struct str *out,
    struct str *auth, struct str *user_r)
{
	struct str mech = STR_INIT(32), ir = STR_INIT(ILOGIN_AUTH_MAX * 2);
	struct str d = STR_INIT(ILOGIN_AUTH_MAX);
	enum ilogin_act act;
	int	 has_ir = 0;

	str_clear(out);
	if (imap_p_sp(p) == -1 || imap_p_atom(p, &mech) == -1)
		goto bad;
	if (imap_p_sp(p) == 0) {
		if (imap_p_atom(p, &ir) == -1 && imap_p_char(p, '=') == -1)
			goto bad;
		has_ir = 1;
	}
	if (!imap_p_end(p))
		goto bad;
	if (strcasecmp(mech.s, "PLAIN") == 0 || strcasecmp(mech.s, "LOGIN")
	    == 0) {
		if (!plain(l)) {
			act = reply(l, out, IL_REPLY, "NO", "[PRIVACYREQUIRED] "
			    "Plain-text authentication is only allowed over "
			    "TLS.");
			goto out;
		}
		l->sasl = strcasecmp(mech.s, "PLAIN") == 0 ? SASL_PLAIN :
		    SASL_LOGIN_USER;
	} else if (strcasecmp(mech.s, "CRAM-MD5") == 0 && l->cram_ok) {
		struct str ch = STR_INIT(400);

		if (has_ir) {	/* CRAM-MD5 starts with the server */
			act = reply(l, out, IL_REPLY, "BAD",
			    "CRAM-MD5 has no initial response");
			goto out;
		}
		snprintf(l->challenge, sizeof(l->challenge), "<%ld.%lld@%s>",
		    (long)getpid(), (long long)time(NULL), l->host);
		l->sasl = SASL_CRAM;
		if (str_cats(out, "+ ") == -1 || b64_encode(&ch, l->challenge,
		    strlen(l->challenge)) == -1 || str_cat(out, &ch) == -1 ||
		    str_cats(out, "\r\n") == -1) {
			str_free(&ch);
			act = IL_ERROR;
			goto out;
		}
		str_free(&ch);
		act = IL_SASL;
		goto out;
	} else {
		act = reply(l, out, IL_REPLY, "NO", "Unsupported authentication "
		    "mechanism.");
		goto out;
	}
	if (has_ir) {
		/* "=" is an empty initial response (RFC 4959) */
		if (!(ir.len == 0 || (ir.len == 1 && ir.s[0] == '=')) &&
		    b64_decode(&d, ir.s, ir.len) == -1) {
			l->sasl = SASL_NONE;
			act = reply(l, out, IL_REPLY, "BAD", "Invalid base64 "
			    "data.");
			goto out;
		}
		act = sasl_step(l, &d, out, auth, user_r);
		goto out;
	}
	/* LOGIN asks "Username:" first; PLAIN an empty challenge. */
	act = str_copys(out, l->sasl == SASL_LOGIN_USER ?
	    "+ VXNlcm5hbWU6\r\n" : "+ \r\n") == -1 ? IL_ERROR : IL_SASL;
	goto out;
bad:
	act = reply(l, out, IL_REPLY, "BAD", "Error in IMAP command: syntax");
out:
	str_wipe(&mech);
	str_wipe(&ir);
	str_wipe(&d);
	return act;
}

enum ilogin_act
ilogin_sasl(struct ilogin *l, const char *b, size_t n, struct str *out,
    struct str *auth, struct str *user_r)
{
	struct str d = STR_INIT(ILOGIN_AUTH_MAX);
	enum ilogin_act act;

	str_clear(out);
	if (n == 1 && b[0] == '*') {
		l->sasl = SASL_NONE;
		str_wipe(&l->user);
		return reply(l, out, IL_REPLY, "BAD", "Authentication "
		    "cancelled.");
	}
	if (n > 0 && b64_decode(&d, b, n) == -1) {
		l->sasl = SASL_NONE;
		str_wipe(&l->user);
		str_wipe(&d);
		return reply(l, out, IL_REPLY, "BAD", "Invalid base64 data.");
	}
	if (d.s == NULL && str_copys(&d, "") == -1)
		return IL_ERROR;
	act = sasl_step(l, &d, out, auth, user_r);
	str_wipe(&d);
	return act;
}

enum ilogin_act
ilogin_command(struct ilogin *l, const char *b, size_t n, struct str *out,
    struct str *auth, struct str *user_r)
{
	struct imap_p p;
	struct str tag = STR_INIT(IMAP_TAG_MAX), w = STR_INIT(32);
	struct str u = STR_INIT(ILOGIN_LITERAL_MAX);
	struct str pw = STR_INIT(ILOGIN_LITERAL_MAX);
	enum ilogin_act act;

	str_clear(out);
	imap_p_init(&p, b, n);
	if (imap_p_tag(&p, &tag) == -1 || imap_p_sp(&p) == -1 ||
	    imap_p_atom(&p, &w) == -1) {
		snprintf(l->tag, sizeof(l->tag), "*");
		act = reply(l, out, IL_REPLY, "BAD", "Invalid tag or command");
		goto out;
	}
	snprintf(l->tag, sizeof(l->tag), "%s", tag.s);
	str_lower(&w);
	if (strcmp(w.s, "capability") == 0) {
		if (!imap_p_end(&p))
			goto bad;
		if (str_cats(out, "* CAPABILITY ") == -1 ||
		    ilogin_capability(l, out) == -1 ||
		    str_cats(out, "\r\n") == -1) {
			act = IL_ERROR;
			goto out;
		}
		act = reply(l, out, IL_REPLY, "OK", "CAPABILITY completed");
	} else if (strcmp(w.s, "noop") == 0) {
		act = imap_p_end(&p) ? reply(l, out, IL_REPLY, "OK",
		    "NOOP completed") : IL_REPLY;
		if (!imap_p_end(&p))
			goto bad;
	} else if (strcmp(w.s, "logout") == 0) {
		if (!imap_p_end(&p))
			goto bad;
		if (str_cats(out, "* BYE Logging out\r\n") == -1) {
			act = IL_ERROR;
			goto out;
		}
		act = reply(l, out, IL_LOGOUT, "OK", "LOGOUT completed");
	} else if (strcmp(w.s, "id") == 0) {
		/* the client's identity is not needed before login */
		if (imap_p_sp(&p) == -1)
			goto bad;
		if (str_cats(out, "* ID (\"name\" \"hsmail\" \"vendor\" "
		    "\"hsmail\")\r\n") == -1) {
			act = IL_ERROR;
			goto out;
		}
		act = reply(l, out, IL_REPLY, "OK", "ID completed");
	} else if (strcmp(w.s, "starttls") == 0) {
		if (!imap_p_end(&p))
			goto bad;
		if (!l->tls_avail || l->tls_on)
			act = reply(l, out, IL_REPLY, "BAD", l->tls_on ?
			    "TLS is already active" : "STARTTLS not "
			    "available");
		else {
			l->tls_on = 1;
			act = reply(l, out, IL_STARTTLS, "OK", "Begin TLS "
			    "negotiation now");
		}
	} else if (strcmp(w.s, "login") == 0) {
		if (imap_p_sp(&p) == -1 || imap_p_astring(&p, &u) == -1 ||
		    imap_p_sp(&p) == -1 || imap_p_astring(&p, &pw) == -1 ||
		    !imap_p_end(&p))
			goto bad;
		if (!plain(l))
			act = reply(l, out, IL_REPLY, "NO", "[PRIVACYREQUIRED] "
			    "Plain-text authentication is only allowed over "
			    "TLS.");
		else
			act = login(l, u.s, u.len, pw.s, pw.len, "", out, auth,
			    user_r);
	} else if (strcmp(w.s, "authenticate") == 0)
		act = sasl_start(l, &p, out, auth, user_r);
	else if (strcmp(w.s, "enable") == 0 || strcmp(w.s, "select") == 0 ||
	    strcmp(w.s, "examine") == 0 || strcmp(w.s, "list") == 0 ||
	    strcmp(w.s, "lsub") == 0 || strcmp(w.s, "status") == 0 ||
	    strcmp(w.s, "namespace") == 0 || strcmp(w.s, "create") == 0 ||
	    strcmp(w.s, "append") == 0 || strcmp(w.s, "idle") == 0)
		act = reply(l, out, IL_REPLY, "BAD", "Please log in first");
	else
		goto bad;
	goto out;
bad:
	str_clear(out);
	act = reply(l, out, IL_REPLY, "BAD", "Error in IMAP command: syntax");
out:
	str_free(&tag);
	str_free(&w);
	str_wipe(&u);
	str_wipe(&pw);
	return act;
}
