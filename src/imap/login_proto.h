/*
 * login_proto - IMAP's not-authenticated state, as imaplogin speaks it:
 * CAPABILITY, NOOP, LOGOUT, ID, STARTTLS, LOGIN, AUTHENTICATE PLAIN /
 * LOGIN / CRAM-MD5 with SASL-IR (RFC 4959).  One whole command (or one
 * SASL response line) in, the reply out, or "run the checkpassword
 * program with this".  No I/O, never a mailbox: unit-tested and fuzzed.
 * Input is untrusted client text; secrets are wiped once handed over.
 */
#ifndef HSMAIL_LOGIN_PROTO_H
#define HSMAIL_LOGIN_PROTO_H

#include <stddef.h>

#include "str.h"

#define ILOGIN_LINE_MAX		8192	/* a command, literals included */
#define ILOGIN_LITERAL_MAX	1024	/* a user name or password */
#define ILOGIN_AUTH_MAX		512	/* checkpassword data (fd 3) */

enum ilogin_sasl {
	SASL_NONE, SASL_PLAIN, SASL_LOGIN_USER, SASL_LOGIN_PASS, SASL_CRAM,
};

struct ilogin {
	const char *host;	/* for the CRAM-MD5 challenge */
	int	 tls_avail;	/* a certificate: STARTTLS offered */
	int	 tls_on;
	int	 plain_ok;	/* clear-text logins allowed without TLS */
	int	 cram_ok;	/* CRAM-MD5 offered */
	enum ilogin_sasl sasl;	/* a SASL exchange is going on */
	char	 tag[80];	/* of the command being answered */
	char	 challenge[200];	/* CRAM-MD5's, "<pid.time@host>" */
	struct str user;	/* AUTHENTICATE LOGIN's name so far */
};

enum ilogin_act {
	IL_REPLY,		/* send *out, read the next command */
	IL_LOGOUT,		/* send *out, end the session */
	IL_STARTTLS,		/* send *out, then the TLS handshake */
	IL_SASL,		/* send *out (a "+" line): the next line is
				 * a SASL response for ilogin_sasl */
	IL_LOGIN,		/* run checkpassword with *auth on fd 3 */
	IL_ERROR,		/* out of memory (errno) */
};

void	ilogin_init(struct ilogin *, const char *host, int tls_avail,
	    int plain_ok, int cram_ok);
void	ilogin_free(struct ilogin *);

/* The capability list before login, for this session's state. */
int	ilogin_capability(const struct ilogin *, struct str *out);

/*
 * One whole command (literals inline, CRLF removed).  For IL_LOGIN,
 * *auth is "login\0password\0stamp\0" (stamp: the CRAM challenge, or
 * empty) - a secret the caller wipes - and *user_r the login name for
 * the log; the tag is in ->tag.
 */
enum ilogin_act ilogin_command(struct ilogin *, const char *b, size_t n,
	    struct str *out, struct str *auth, struct str *user_r);
/* A SASL response line (base64, or "*" to cancel), as ilogin_command. */
enum ilogin_act ilogin_sasl(struct ilogin *, const char *b, size_t n,
	    struct str *out, struct str *auth, struct str *user_r);

#endif
