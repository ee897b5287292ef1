/*
 * popup_tls - qmail-popup-tls's TLS side (see popup_tls.h): OpenSSL
 * through tls.h, with control/servercert.pem as qmail-smtpd uses it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "popup_tls.h"
#include "tls.h"


static SSL_CTX *ctx;

/* ptls_setup - load the certificate and key once per connection. */
int
ptls_setup(const char *certfile)
{
	struct str why = STR_INIT(512);

	ctx = tls_server_ctx(certfile, NULL, &why);
	if (ctx == NULL && errno != ENOENT)
		log_warn("TLS disabled: %s: %s", certfile, str_c(&why));
	str_free(&why);
	return ctx != NULL;
}

/* ptls_resume - the timestamp qmail-popup handed over after STLS. */
const char *
ptls_resume(void)
{
	static char ts[1024];
	const char *e = getenv(POPUP_STLS_ENV);

	if (e == NULL)
		return NULL;
	if (strlen(e) >= sizeof(ts))
		log_die(EXIT_TEMP, "%s too long", POPUP_STLS_ENV);
	memcpy(ts, e, strlen(e) + 1);
	unsetenv(POPUP_STLS_ENV);
	return ts;
}

/* ptls_start - the server side of the handshake. */
void
ptls_start(struct io *io, struct rbuf *rb, char **argv, const char *ts,
    int stls, const char *ip)
{
	struct str why = STR_INIT(512);

	(void)argv;
	(void)ts;
	(void)stls;
	rbuf_discard(rb);	/* RFC 2595 4: nothing from before */
	if (ctx == NULL) {
		log_line("pop3 tls failed ip %s: no usable certificate", ip);
		exit(EXIT_TEMP);
	}
	if (tls_accept(io, ctx, 0, &why) == -1) {
		log_line("pop3 tls failed ip %s: %s", ip,
		    why.len ? why.s : strerror(errno));
		exit(EXIT_DONE);
	}
	str_free(&why);
}

int
ptls_active(const struct io *io)
{
	return tls_active(io);
}

void
ptls_end(struct io *io)
{
	if (tls_active(io))
		tls_close(io);
	if (ctx != NULL)
		SSL_CTX_free(ctx);
	ctx = NULL;
}
