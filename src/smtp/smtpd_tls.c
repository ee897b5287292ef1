/*
 * smtpd_tls - qmail-smtpd-tls's TLS side (see smtpd_tls.h): OpenSSL
 * through tls.h, with control/servercert.pem.
 */
#include <stdlib.h>

#include "smtpd_tls.h"
#include "tls.h"

int
smtpd_tls_resume(void)
{
	if (getenv(SMTPD_STARTTLS_ENV) == NULL)
		return 0;
	(void)unsetenv(SMTPD_STARTTLS_ENV);
	return 1;
}

int
smtpd_tls_start(struct io *io, const char *certfile, unsigned timeout,
    char **argv, int starttls, struct str *why)
{
	(void)argv;
	(void)starttls;
	return tls_server_start(io, certfile, timeout, why);
}

int
smtpd_tls_info(const struct io *io, struct str *out)
{
	return tls_info(io, out);
}

void
smtpd_tls_end(struct io *io)
{
	tls_close(io);
}
