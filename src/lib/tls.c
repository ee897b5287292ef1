/*
 * tls - OpenSSL contexts and sessions behind io.h's transport hooks.
 * Runs inside the network servers and qmail-remote; trusts the
 * certificate files it is given, nothing the peer sends.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "tls.h"

/* TLS 1.2 suites: forward secrecy and AEAD only (TLS 1.3 suites are
 * OpenSSL's defaults, all of which qualify). */
#define TLS_CIPHERS12	"ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20"

static void	tls_why(struct str *, const char *);
static int	tls_ctx_common(SSL_CTX *, struct str *);
static ssize_t	tls_read(struct io *, void *, size_t);
static ssize_t	tls_write(struct io *, const void *, size_t);
static int	tls_pending(struct io *);
static long	tls_ms_left(const struct timespec *);
static int	tls_handshake(struct io *, SSL_CTX *, int, const char *,
		    unsigned, struct str *);
static int	tls_nonblock(int);

/* Append what/OpenSSL's first queued error to *why; clear the queue. */
static void
tls_why(struct str *why, const char *what)
{
	unsigned long e;
	char	 buf[256];

	e = ERR_get_error();
	ERR_clear_error();
	if (why == NULL)
		return;
	if (e != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		str_notef(why, "%s: %s", what, buf);
	} else
		str_note(why, what);
}

/* Settings both sides share: TLS 1.2+, no compression, renegotiation. */
static int
tls_ctx_common(SSL_CTX *ctx, struct str *why)
{
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, TLS_CIPHERS12) != 1) {
		tls_why(why, "cannot set TLS protocol or ciphers");
		errno = EPROTO;
		return -1;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return 0;
}

SSL_CTX *
tls_server_ctx(const char *certfile, const char *keyfile, struct str *why)
{
	SSL_CTX	*ctx;

	if (access(certfile, R_OK) == -1) {
		int	 e = errno;

		if (why != NULL)
			str_notef(why, "cannot read %s: %s", certfile,
			    strerror(e));
		errno = e;
		return NULL;
	}
	if (keyfile == NULL)
		keyfile = certfile;
	ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL) {
		tls_why(why, "SSL_CTX_new");
		errno = ENOMEM;
		return NULL;
	}
	if (tls_ctx_common(ctx, why) == -1)
		goto fail;
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE |
	    SSL_OP_NO_TICKET);
	/* One process per connection: a session cache could never hit. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	(void)SSL_CTX_set_num_tickets(ctx, 0);
	(void)SSL_CTX_set_dh_auto(ctx, 1);
	if (SSL_CTX_use_certificate_chain_file(ctx, certfile) != 1) {
		tls_why(why, "cannot load certificate");
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, keyfile, SSL_FILETYPE_PEM) != 1) {
		tls_why(why, "cannot load private key");
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		tls_why(why, "private key does not match the certificate");
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	errno = EPROTO;
	return NULL;
}

SSL_CTX *
tls_client_ctx(const char *cafile, int verify, struct str *why)
{
	SSL_CTX	*ctx;
	int	 r;

	ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL) {
		tls_why(why, "SSL_CTX_new");
		errno = ENOMEM;
		return NULL;
	}
	if (tls_ctx_common(ctx, why) == -1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* Loading the system bundle costs tens of milliseconds of CPU; an
	 * unverified (opportunistic) context never looks at it. */
	r = !verify ? 1 : cafile != NULL ?
	    SSL_CTX_load_verify_locations(ctx, cafile, NULL) :
	    SSL_CTX_set_default_verify_paths(ctx);
	if (r != 1 && verify) {
		tls_why(why, "cannot load trusted certificates");
		SSL_CTX_free(ctx);
		errno = EPROTO;
		return NULL;
	}
	ERR_clear_error();
	SSL_CTX_set_verify(ctx, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE,
	    NULL);
	return ctx;
}

/* Make fd non-blocking: reads and writes are paced by poll(2). */
static int
tls_nonblock(int fd)
{
	int	 fl;

	fl = fcntl(fd, F_GETFL);
	if (fl == -1)
		return -1;
	if (fl & O_NONBLOCK)
		return 0;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Milliseconds until the deadline, at least 0. */
static long
tls_ms_left(const struct timespec *end)
{
	struct timespec now;
	long	 ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (end->tv_sec - now.tv_sec) * 1000 +
	    (end->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms;
}

/*
 * Map an SSL_get_error result after a failed call to errno.  want_other
 * is set to the poll event when OpenSSL needs the opposite direction.
 */
static int
tls_errno(SSL *ssl, int ret, short *want)
{
	int	 e = SSL_get_error(ssl, ret);

	*want = 0;
	switch (e) {
	case SSL_ERROR_WANT_READ:
		*want = POLLIN;
		return EAGAIN;
	case SSL_ERROR_WANT_WRITE:
		*want = POLLOUT;
		return EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		ERR_clear_error();
		return errno != 0 ? errno : ECONNRESET;
	default:
		ERR_clear_error();
		return EPROTO;
	}
}

/* io read hook: bytes, 0 at the peer's close, -1 with errno. */
static ssize_t
tls_read(struct io *io, void *buf, size_t n)
{
	SSL	*ssl = io->ctx;
	size_t	 got;
	short	 want;
	int	 e;

	for (;;) {
		errno = 0;
		if (SSL_read_ex(ssl, buf, n, &got) == 1)
			return (ssize_t)got;
		e = tls_errno(ssl, 0, &want);
		if (e == 0)
			return 0;
		if (e == EAGAIN && want == POLLOUT) {
			/* A TLS 1.3 key update needs to write first. */
			if (io_wait(io->wfd, POLLOUT, io->timeout) == -1)
				return -1;
			continue;
		}
		errno = e;
		return -1;
	}
}

/* io write hook: bytes written, or -1 with errno (EAGAIN: poll wfd). */
static ssize_t
tls_write(struct io *io, const void *buf, size_t n)
{
	SSL	*ssl = io->ctx;
	size_t	 done;
	short	 want;
	int	 e;

	for (;;) {
		errno = 0;
		if (SSL_write_ex(ssl, buf, n, &done) == 1)
			return (ssize_t)done;
		e = tls_errno(ssl, 0, &want);
		if (e == EAGAIN && want == POLLIN) {
			if (io_wait(io->rfd, POLLIN, io->timeout) == -1)
				return -1;
			continue;
		}
		errno = e == 0 ? EPIPE : e;
		return -1;
	}
}

/* io pending hook: decrypted bytes waiting inside OpenSSL. */
static int
tls_pending(struct io *io)
{
	return SSL_pending((SSL *)io->ctx);
}

/* The handshake for either side, bounded by a deadline. */
static int
tls_handshake(struct io *io, SSL_CTX *ctx, int server, const char *name,
    unsigned timeout_sec, struct str *why)
{
	struct timespec end;
	SSL	*ssl;
	short	 want;
	int	 r, e;
	long	 ms;

	if (tls_nonblock(io->rfd) == -1 || tls_nonblock(io->wfd) == -1)
		return -1;
	ssl = SSL_new(ctx);
	if (ssl == NULL) {
		tls_why(why, "SSL_new");
		errno = ENOMEM;
		return -1;
	}
	if (SSL_set_rfd(ssl, io->rfd) != 1 || SSL_set_wfd(ssl, io->wfd) != 1)
		goto fail_proto;
	if (server)
		SSL_set_accept_state(ssl);
	else {
		SSL_set_connect_state(ssl);
		if (name != NULL && SSL_set_tlsext_host_name(ssl, name) != 1)
			goto fail_proto;
		if (name != NULL &&
		    SSL_CTX_get_verify_mode(ctx) & SSL_VERIFY_PEER &&
		    SSL_set1_host(ssl, name) != 1)
			goto fail_proto;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	if (timeout_sec != 0)
		end.tv_sec += timeout_sec;
	else if (io->timeout >= 0) {
		end.tv_sec += io->timeout / 1000;
		end.tv_nsec += (long)(io->timeout % 1000) * 1000000;
	} else
		end.tv_sec += 86400;
	for (;;) {
		errno = 0;
		r = SSL_do_handshake(ssl);
		if (r == 1)
			break;
		e = tls_errno(ssl, r, &want);
		if (e != EAGAIN) {
			/* A client that verifies says why the peer failed. */
			if (why != NULL && !server &&
			    SSL_get_verify_result(ssl) != X509_V_OK)
				str_notef(why, "TLS handshake failed: "
				    "certificate verification failed: %s",
				    X509_verify_cert_error_string(
				    SSL_get_verify_result(ssl)));
			else if (why != NULL)
				str_notef(why, "TLS handshake failed: %s",
				    e == EPROTO ? "protocol error" :
				    e == 0 ? "connection closed" : strerror(e));
			SSL_free(ssl);
			errno = e == 0 ? ECONNRESET : e;
			return -1;
		}
		ms = tls_ms_left(&end);
		if (ms == 0 || io_wait(want == POLLIN ? io->rfd : io->wfd,
		    want, (int)ms) == -1) {
			e = ms == 0 ? ETIMEDOUT : errno;
			if (why != NULL)
				str_notef(why, "TLS handshake: %s",
				    strerror(e));
			SSL_free(ssl);
			errno = e;
			return -1;
		}
	}
	io->ctx = ssl;
	io->read = tls_read;
	io->write = tls_write;
	io->pending = tls_pending;
	return 0;
fail_proto:
	tls_why(why, "TLS session setup");
	SSL_free(ssl);
	errno = EPROTO;
	return -1;
}

int
tls_accept(struct io *io, SSL_CTX *ctx, unsigned timeout_sec,
    struct str *why)
{
	return tls_handshake(io, ctx, 1, NULL, timeout_sec, why);
}

int
tls_connect(struct io *io, SSL_CTX *ctx, const char *servername,
    unsigned timeout_sec, struct str *why)
{
	return tls_handshake(io, ctx, 0, servername, timeout_sec, why);
}

int
tls_server_start(struct io *io, const char *certfile, unsigned timeout_sec,
    struct str *why)
{
	SSL_CTX	*ctx;
	int	 r, e;

	ctx = tls_server_ctx(certfile, NULL, why);
	if (ctx == NULL)
		return -1;
	r = tls_accept(io, ctx, timeout_sec, why);
	e = errno;
	SSL_CTX_free(ctx);	/* the session keeps its own reference */
	errno = e;
	return r;
}

int
tls_active(const struct io *io)
{
	return io->read == tls_read;
}

int
tls_info(const struct io *io, struct str *out)
{
	SSL	*ssl;

	if (!tls_active(io))
		return 0;
	ssl = io->ctx;
	return str_printf(out, "%s %s", SSL_get_version(ssl),
	    SSL_get_cipher_name(ssl));
}

void
tls_close(struct io *io)
{
	SSL	*ssl;

	if (!tls_active(io))
		return;
	ssl = io->ctx;
	(void)SSL_shutdown(ssl);	/* close_notify; do not wait for the peer's */
	ERR_clear_error();
	SSL_free(ssl);
	io->ctx = NULL;
	io->read = NULL;
	io->write = NULL;
	io->pending = NULL;
}
