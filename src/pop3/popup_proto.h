/*
 * popup_proto - the POP3 AUTHORIZATION state of qmail-popup: reads one
 * client line at a time and says what to answer, or that a login (with
 * the checkpassword data ready) or a TLS handshake is due.  No I/O here:
 * unit-tested and fuzzed.  Input is untrusted client text.
 */
#ifndef HSMAIL_POPUP_PROTO_H
#define HSMAIL_POPUP_PROTO_H

#include <stddef.h>

#include "str.h"

struct popup {
	const char *timestamp;	/* APOP banner "<pid.time@host>" */
	int	 tls_avail;	/* a certificate is there: offer STLS */
	int	 tls_on;	/* the session runs under TLS */
	int	 tls_required;	/* no login before STLS (with tls_avail) */
	int	 have_user;	/* USER given; the name is in user */
	struct str user;	/* owned; popup_free wipes it */
};

enum popup_act {
	POPUP_REPLY,		/* send *out, read the next line */
	POPUP_QUIT,		/* send *out, end the session */
	POPUP_LOGIN,		/* run checkpassword with *auth on fd 3 */
	POPUP_STLS,		/* send *out, then the TLS handshake */
	POPUP_ERROR,		/* out of memory: errno set */
};

/* Set up a session; timestamp must outlive it. */
void	popup_init(struct popup *, const char *timestamp, int tls_avail);
/* Wipe and free what the session holds. */
void	popup_free(struct popup *);

/*
 * One client line (CRLF stripped, n bytes) in.  *out is replaced by the
 * reply (CRLF included; empty for POPUP_LOGIN).  For POPUP_LOGIN, *auth
 * is replaced by "login\0password\0timestamp\0" (a secret: the caller
 * wipes it) and *user_r by the login name for the log.
 */
enum popup_act popup_line(struct popup *, const char *line, size_t n,
	    struct str *out, struct str *auth, struct str *user_r);

/* The CAPA reply before login, for this session. */
int	popup_capa(const struct popup *, struct str *out);

#endif
