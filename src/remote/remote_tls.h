/*
 * remote_tls - the client side of STARTTLS for qmail-remote: OpenSSL over
 * the io.h transport hooks, with optional certificate verification.
 * Runs inside qmail-remote (qmailr); trusts the CA file it is given.
 */
#ifndef HSMAIL_REMOTE_TLS_H
#define HSMAIL_REMOTE_TLS_H

#include "io.h"
#include "str.h"

struct remote_tls {
	void	*ctx;		/* SSL_CTX */
	void	*ssl;		/* SSL, once started */
	int	 verify;	/* check the chain and the host name */
};

/*
 * Prepare a client context.  verify: require a certificate that chains
 * to cafile (NULL: the system's CAs) and names the host.  0, or -1 with
 * the reason in *err.
 */
int	remote_tls_init(struct remote_tls *, int verify, const char *cafile,
	    struct str *err);

/*
 * Run the handshake on io's descriptor (non-blocking, io->timeout per
 * wait) and switch io to TLS.  name is the server's host name for SNI
 * and verification (NULL for an address).  0, or -1 with *err.
 */
int	remote_tls_start(struct remote_tls *, struct io *, const char *name,
	    struct str *err);

/* Protocol and cipher, for the log ("TLSv1.3 TLS_AES_256_GCM_SHA384"). */
int	remote_tls_describe(const struct remote_tls *, struct str *out);

/* Forget the connection (not the context), for the next host. */
void	remote_tls_end(struct remote_tls *);
void	remote_tls_free(struct remote_tls *);

#endif
