/*
 * tlsfront - the TLS side of a login front end (qmail-popup, imaplogin),
 * in two builds: the plain program (tlsfront_notls.c) never loads
 * OpenSSL, offers STARTTLS/STLS when the certificate is readable and, for
 * a TLS session, execs its TLS build found beside it (tlsfront_tls.c),
 * which carries the session on.  Each front end describes itself in a
 * struct tlsfront.  Runs in the front end; trusts its environment (set by
 * tcpserver or by the plain build itself).
 *
 * The two .c files are not in libhsmail.a (they define the same
 * functions): a program's _SRCS names the one of its build.
 */
#ifndef HSMAIL_TLSFRONT_H
#define HSMAIL_TLSFRONT_H

#include "io.h"
#include "rbuf.h"

struct tlsfront {
	const char *proto;	/* "pop3", "imap": the log lines' word */
	const char *prog;	/* the TLS build's file name */
	const char *env;	/* what the plain build hands on after
				   STARTTLS, in the environment */
	unsigned    timeout;	/* the handshake's deadline (s), 0 none */
};

/* 1 if STARTTLS can be offered with this certificate file, else 0. */
int	tlsfront_setup(const struct tlsfront *, const char *certfile);

/*
 * When this process continues a session after STARTTLS: what the plain
 * build handed on (static storage; the variable is removed from the
 * environment, so the children never see it).  Else NULL.
 */
const char *tlsfront_resume(const struct tlsfront *);

/*
 * Start TLS on the client connection: after the OK to STARTTLS (resume:
 * what the TLS build's tlsfront_resume is to return) or before the
 * greeting (implicit TLS, resume NULL).  What rb holds is discarded
 * (RFC 2595 4, RFC 9051 6.2.1).  The plain build execs the TLS build
 * with argv; the TLS build runs the handshake.  Returns only on success;
 * else logs (with ip) and exits.
 */
void	tlsfront_start(const struct tlsfront *, struct io *, struct rbuf *,
	    char **argv, const char *resume, const char *ip);

/* 1 if io runs over TLS. */
int	tlsfront_active(const struct io *);
/* Close TLS (when active) and free what tlsfront_setup made. */
void	tlsfront_end(struct io *);

#endif
