/*
 * popup_tls - the TLS side of qmail-popup, in two builds.  qmail-popup
 * itself (popup_notls.c) does not load OpenSSL, which would cost every
 * plain login about a millisecond: on STLS or POP3S it execs
 * qmail-popup-tls (popup_tls.c, OpenSSL through tls.h), the same program
 * with TLS, which carries the session on.  Runs in qmail-popup; trusts
 * its environment (set by tcpserver or by qmail-popup itself).
 */
#ifndef HSMAIL_POPUP_TLS_H
#define HSMAIL_POPUP_TLS_H

#include "io.h"
#include "rbuf.h"

/* Set by qmail-popup before it execs qmail-popup-tls after STLS: the
 * APOP timestamp of the greeting the client already has. */
#define POPUP_STLS_ENV	"HSMAIL_POPUP_STLS"
#define POPUP_TLS_PROG	"qmail-popup-tls"

/* 1 if STLS can be offered with this certificate file, else 0. */
int	ptls_setup(const char *certfile);

/*
 * When this process continues a session after STLS: the timestamp
 * (static storage; the variable is removed from the environment, so
 * the children never see it).  Else NULL.
 */
const char *ptls_resume(void);

/*
 * Start TLS on the client connection: after the "+OK" to STLS (stls 1,
 * timestamp ts) or before the greeting (POP3S, stls 0).  Anything rb
 * holds is discarded (RFC 2595 4).  The plain build execs
 * qmail-popup-tls with argv; the TLS build runs the handshake.  Returns
 * only on success; on failure it logs (with ip) and exits.
 */
void	ptls_start(struct io *, struct rbuf *, char **argv, const char *ts,
	    int stls, const char *ip);

/* 1 if io runs over TLS. */
int	ptls_active(const struct io *);

/* Close the TLS session (if any) and free the context. */
void	ptls_end(struct io *);

#endif
