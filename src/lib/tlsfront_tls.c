/*
 * tlsfront_tls - a login front end's TLS build (see tlsfront.h): OpenSSL
 * through tls.h, with the certificate file qmail-smtpd uses.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "tls.h"
#include "tlsfront.h"

static SSL_CTX *ctx;

int
tlsfront_setup(const struct tlsfront *tf, const char *certfile)
{
	struct str why = STR_INIT(512);

	(void)tf;
	ctx = tls_server_ctx(certfile, NULL, &why);
	if (ctx == NULL && errno != ENOENT)
		log_warn("TLS disabled: %s: %s", certfile, str_c(&why));
	str_free(&why);
	return ctx != NULL;
}

const char *
tlsfront_resume(const struct tlsfront *tf)
{
	static char v[1024];
	const char *e = getenv(tf->env);

	if (e == NULL)
		return NULL;
	if (strlen(e) >= sizeof(v))
		log_die(EXIT_TEMP, "%s too long", tf->env);
	memcpy(v, e, strlen(e) + 1);
	unsetenv(tf->env);
	return v;
}

void
tlsfront_start(const struct tlsfront *tf, struct io *io, struct rbuf *rb,
    char **argv, const char *resume, const char *ip)
{
	struct str why = STR_INIT(512);

	(void)argv;
	(void)resume;
	rbuf_discard(rb);	/* nothing from before the handshake */
	if (ctx == NULL) {
		log_line("%s tls failed ip %s: no usable certificate",
		    tf->proto, ip);
		exit(EXIT_TEMP);
	}
	if (tls_accept(io, ctx, tf->timeout, &why) == -1) {
		log_line("%s tls failed ip %s: %s", tf->proto, ip,
		    why.len ? why.s : strerror(errno));
		exit(EXIT_DONE);
	}
	str_free(&why);
}

int
tlsfront_active(const struct io *io)
{
	return tls_active(io);
}

void
tlsfront_end(struct io *io)
{
	if (tls_active(io))
		tls_close(io);
	if (ctx != NULL)
		SSL_CTX_free(ctx);
	ctx = NULL;
}
