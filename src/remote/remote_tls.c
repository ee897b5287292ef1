/*
 * remote_tls - STARTTLS client for qmail-remote over io.h hooks.  The
 * socket is non-blocking; OpenSSL's WANT_READ/WANT_WRITE become EAGAIN so
 * that io_read/io_writeall poll with their deadline.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "remote_tls.h"

static ssize_t	tls_read(struct io *, void *, size_t);
static ssize_t	tls_write(struct io *, const void *, size_t);
static int	tls_pending(struct io *);
static int	tls_errno(SSL *, int);
static void	tls_error(struct str *, const char *);

/* Map an OpenSSL result to errno: EAGAIN to wait, else a failure. */
static int
tls_errno(SSL *ssl, int r)
{
	switch (SSL_get_error(ssl, r)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		return errno ? errno : EPIPE;
	default:
		return EPROTO;
	}
}

static ssize_t
tls_read(struct io *io, void *buf, size_t n)
{
	struct remote_tls *t = io->ctx;
	int	 r, e;

	if (n > 65536)
		n = 65536;
	ERR_clear_error();
	r = SSL_read(t->ssl, buf, (int)n);
	if (r > 0)
		return r;
	e = tls_errno(t->ssl, r);
	if (e == 0 || (e == EPIPE && r == 0))
		return 0;
	errno = e;
	return -1;
}

static ssize_t
tls_write(struct io *io, const void *buf, size_t n)
{
	struct remote_tls *t = io->ctx;
	int	 r;

	if (n > 65536)
		n = 65536;
	ERR_clear_error();
	r = SSL_write(t->ssl, buf, (int)n);
	if (r > 0)
		return r;
	errno = tls_errno(t->ssl, r);
	if (errno == 0)
		errno = EPIPE;
	return -1;
}

static int
tls_pending(struct io *io)
{
	struct remote_tls *t = io->ctx;

	return SSL_pending(t->ssl);
}

/* The reason for a failure: OpenSSL's queue, else what. */
static void
tls_error(struct str *err, const char *what)
{
	unsigned long e = ERR_get_error();
	char	 buf[256];

	str_clear(err);
	if (e != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		(void)str_printf(err, "%s: %s", what, buf);
	} else
		(void)str_cats(err, what);
	ERR_clear_error();
}

int
remote_tls_init(struct remote_tls *t, int verify, const char *cafile,
    struct str *err)
{
	SSL_CTX	*ctx;
	int	 ok;

	memset(t, 0, sizeof(*t));
	ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL) {
		tls_error(err, "cannot make a TLS context");
		return -1;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (verify) {
		ok = cafile != NULL && *cafile != '\0' ?
		    SSL_CTX_load_verify_locations(ctx, cafile, NULL) :
		    SSL_CTX_set_default_verify_paths(ctx);
		if (ok != 1) {
			tls_error(err, "cannot load the CA certificates");
			SSL_CTX_free(ctx);
			return -1;
		}
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	} else
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	t->ctx = ctx;
	t->verify = verify;
	return 0;
}

int
remote_tls_start(struct remote_tls *t, struct io *io, const char *name,
    struct str *err)
{
	struct pollfd pfd;
	SSL	*ssl;
	int	 r, e;

	ssl = SSL_new(t->ctx);
	if (ssl == NULL || SSL_set_fd(ssl, io->rfd) != 1) {
		tls_error(err, "cannot start TLS");
		SSL_free(ssl);
		return -1;
	}
	t->ssl = ssl;
	if (name != NULL) {
		(void)SSL_set_tlsext_host_name(ssl, name);
		if (t->verify && SSL_set1_host(ssl, name) != 1) {
			tls_error(err, "cannot set the host name to verify");
			return -1;
		}
	}
	for (;;) {
		ERR_clear_error();
		r = SSL_connect(ssl);
		if (r == 1)
			break;
		e = SSL_get_error(ssl, r);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
			if (t->verify && SSL_get_verify_result(ssl) != X509_V_OK) {
				str_clear(err);
				(void)str_printf(err,
				    "certificate verification failed: %s",
				    X509_verify_cert_error_string(
				    SSL_get_verify_result(ssl)));
				ERR_clear_error();
			} else
				tls_error(err, "TLS handshake failed");
			return -1;
		}
		pfd.fd = io->rfd;
		pfd.events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
		r = poll(&pfd, 1, io->timeout);
		if (r == 0) {
			str_clear(err);
			(void)str_cats(err, "TLS handshake timed out");
			return -1;
		}
		if (r == -1 && errno != EINTR) {
			tls_error(err, "poll failed");
			return -1;
		}
	}
	io->read = tls_read;
	io->write = tls_write;
	io->pending = tls_pending;
	io->ctx = t;
	return 0;
}

int
remote_tls_describe(const struct remote_tls *t, struct str *out)
{
	if (t->ssl == NULL)
		return str_cats(out, "none");
	return str_printf(out, "%s %s", SSL_get_version(t->ssl),
	    SSL_get_cipher_name((SSL *)t->ssl));
}

void
remote_tls_end(struct remote_tls *t)
{
	if (t->ssl != NULL)
		SSL_free(t->ssl);
	t->ssl = NULL;
}

void
remote_tls_free(struct remote_tls *t)
{
	if (t->ssl != NULL)
		SSL_free(t->ssl);
	if (t->ctx != NULL)
		SSL_CTX_free(t->ctx);
	t->ssl = t->ctx = NULL;
}
