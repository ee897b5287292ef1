/*
 * smtpd_tls - the TLS side of qmail-smtpd, in two builds chosen at link
 * time.  qmail-smtpd (smtpd_notls.c) has no TLS code, so a plain session
 * never loads OpenSSL (about 0.9 ms of CPU per connection): for STARTTLS,
 * after "220 ready" and with the pipelined input thrown away, and for
 * SMTPS at once, it execs qmail-smtpd-tls (smtpd_tls.c: OpenSSL through
 * tls.h), the same program with TLS, with the same arguments.  RFC 3207
 * wants all state forgotten after the handshake: a fresh process is
 * exactly that.  The login front ends do the same (tlsfront.h).  Runs inside
 * qmail-smtpd; trusts its environment (tcpserver's, or its own).
 */
#ifndef HSMAIL_SMTPD_TLS_H
#define HSMAIL_SMTPD_TLS_H

#include "io.h"
#include "str.h"

/* Set by qmail-smtpd when it execs qmail-smtpd-tls after STARTTLS. */
#define SMTPD_STARTTLS_ENV	"SMTPD_STARTTLS"
#define SMTPD_TLS_PROG		"bin/qmail-smtpd-tls"	/* under <qmail> */

/*
 * 1 when this process carries a session on after STARTTLS (the client
 * has its "220 ready to start TLS"): SMTPD_STARTTLS was set, and is now
 * removed from the environment.  Else 0; always 0 without TLS.
 */
int	smtpd_tls_resume(void);

/*
 * Start TLS on the connection: before the greeting (SMTPS, starttls 0)
 * or after "220 ready to start TLS" (starttls 1).  With TLS: the
 * handshake with certfile, at most timeout seconds; 0, or -1 with the
 * reason in *why.  Without: exec qmail-smtpd-tls with argv (and
 * SMTPD_STARTTLS=1 for STARTTLS); returns only when that fails: -1, *why.
 */
int	smtpd_tls_start(struct io *, const char *certfile, unsigned timeout,
	    char **argv, int starttls, struct str *why);

/* TLS protocol and cipher into *out (Received, the log).  0, or -1. */
int	smtpd_tls_info(const struct io *, struct str *out);

/* Close the TLS session, if there is one. */
void	smtpd_tls_end(struct io *);

#endif
