/*
 * tls - OpenSSL server and client contexts with modern defaults (TLS 1.2
 * and later, no compression, no renegotiation), plugged into io.h's
 * transport hooks so that rbuf and wbuf run unchanged over TLS.
 *
 * Used by the network servers (qmail-smtpd STARTTLS and port 465, the
 * POP3 server's STLS and port 995) and by qmail-remote.  Only programs
 * that call these functions link -lssl -lcrypto: the module is its own
 * object in libhsmail.a.
 *
 * The certificate file is qmail's control/servercert.pem: the
 * certificate chain and the private key in one PEM file (a separate key
 * file may be given).  Trusts: the certificate file is the
 * administrator's; everything read from the peer is untrusted.
 */
#ifndef HSMAIL_TLS_H
#define HSMAIL_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "io.h"
#include "str.h"

/*
 * A server context from certfile (chain + key, PEM) and keyfile (NULL:
 * the key is in certfile).  Returns the context (free it with
 * SSL_CTX_free), or NULL with the reason appended to *why (if not NULL)
 * and errno set (ENOENT when the certificate file does not exist, EPROTO
 * for a certificate or key OpenSSL rejects, ENOMEM).
 */
SSL_CTX	*tls_server_ctx(const char *certfile, const char *keyfile,
	    struct str *why);

/*
 * A client context.  cafile: PEM bundle of trusted roots, NULL for the
 * system's default paths.  verify: 1 to fail handshakes whose peer
 * certificate does not verify (and, in tls_connect, does not match the
 * host name), 0 to encrypt opportunistically (SMTP between MTAs).
 * NULL with *why and errno on failure.
 */
SSL_CTX	*tls_client_ctx(const char *cafile, int verify, struct str *why);

/*
 * Run the server side of a handshake on io->rfd/io->wfd within
 * timeout_sec seconds (0: io->timeout), then switch io to TLS: its
 * read/write/pending hooks go through the new session, which io owns
 * (tls_close frees it).  The descriptors are made non-blocking.  The
 * caller must have discarded anything it buffered from the plain
 * connection (RFC 3207 section 4.2: rbuf_discard).
 * 0, or -1 with errno ETIMEDOUT, EPROTO (handshake failed; the reason
 * in *why when not NULL), ECONNRESET (peer closed), ENOMEM.
 */
int	tls_accept(struct io *, SSL_CTX *, unsigned timeout_sec,
	    struct str *why);

/*
 * The client side: as tls_accept, with SNI set to servername (may be
 * NULL) and, when the context verifies, the name checked against the
 * peer certificate.
 */
int	tls_connect(struct io *, SSL_CTX *, const char *servername,
	    unsigned timeout_sec, struct str *why);

/*
 * Implicit TLS (ports 465, 995, 993): a server context from certfile
 * and the handshake, in one call.  The context is released once the
 * session holds its own reference.  As tls_accept.
 */
int	tls_server_start(struct io *, const char *certfile,
	    unsigned timeout_sec, struct str *why);

/* 1 if io runs over TLS, else 0. */
int	tls_active(const struct io *);

/*
 * Protocol and cipher of the session, e.g. "TLSv1.3 TLS_AES_256_GCM_SHA384",
 * appended to *out (for the Received header and the log).  0 or -1.
 */
int	tls_info(const struct io *, struct str *out);

/*
 * Send close_notify (best effort, bounded by io->timeout), free the
 * session and put io back to plain read/write hooks.
 */
void	tls_close(struct io *);

#endif
