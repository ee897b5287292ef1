/*
 * login_tls - the TLS side of imaplogin, in two builds, as qmail-popup
 * has it: imaplogin (login_notls.c) never loads OpenSSL, and on STARTTLS
 * or IMAPS=1 execs imaplogin-tls (login_tls.c), the same program with
 * TLS, which carries the session on.  Runs in imaplogin; trusts its
 * environment (set by tcpserver or by imaplogin itself).
 */
#ifndef HSMAIL_LOGIN_TLS_H
#define HSMAIL_LOGIN_TLS_H

#include "io.h"
#include "rbuf.h"

/* Set by imaplogin before it execs imaplogin-tls after STARTTLS. */
#define ILOGIN_STLS_ENV	"HSMAIL_IMAPLOGIN_STLS"
#define ILOGIN_TLS_PROG	"imaplogin-tls"

/* 1 if STARTTLS can be offered with this certificate file, else 0. */
int	itls_setup(const char *certfile);
/* 1 when this process continues a session after STARTTLS (the variable
 * is removed from the environment). */
int	itls_resume(void);
/*
 * Start TLS on the client connection: after the OK to STARTTLS (stls 1)
 * or before the greeting (IMAPS, stls 0).  What rb holds is discarded
 * (RFC 9051 6.2.1).  The plain build execs imaplogin-tls with argv; the
 * TLS build runs the handshake.  Returns only on success; else logs
 * (with ip) and exits.
 */
void	itls_start(struct io *, struct rbuf *, char **argv, int stls,
	    const char *ip);
int	itls_active(const struct io *);
void	itls_end(struct io *);

#endif
