/*
 * login_tls - imaplogin-tls's TLS side (see login_tls.h): OpenSSL
 * through tls.h, with control/servercert.pem as qmail-smtpd uses it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "login_tls.h"
#include "tls.h"

#define ITLS_TIMEOUT	120	/* the handshake's deadline */

static SSL_CTX *ctx;

int
itls_setup(const char *certfile)
{
	struct str why = STR_INIT(512);

	ctx = tls_server_ctx(certfile, NULL, &why);
	if (ctx == NULL && errno != ENOENT)
		log_warn("TLS disabled: %s: %s", certfile, str_c(&why));
	str_free(&why);
	return ctx != NULL;
}

int
itls_resume(void)
{
	if (getenv(ILOGIN_STLS_ENV) == NULL)
		return 0;
	unsetenv(ILOGIN_STLS_ENV);
	return 1;
}

void
itls_start(struct io *io, struct rbuf *rb, char **argv, int stls,
    const char *ip)
{
	struct str why = STR_INIT(512);

	(void)argv;
	(void)stls;
	rbuf_discard(rb);
	if (ctx == NULL) {
		log_line("imap tls failed ip %s: no usable certificate", ip);
		exit(EXIT_TEMP);
	}
	if (tls_accept(io, ctx, ITLS_TIMEOUT, &why) == -1) {
		log_line("imap tls failed ip %s: %s", ip,
		    why.len ? why.s : strerror(errno));
		exit(EXIT_DONE);
	}
	str_free(&why);
}

int
itls_active(const struct io *io)
{
	return tls_active(io);
}

void
itls_end(struct io *io)
{
	if (tls_active(io))
		tls_close(io);
	if (ctx != NULL)
		SSL_CTX_free(ctx);
	ctx = NULL;
}
