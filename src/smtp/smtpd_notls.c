/*
 * smtpd_notls - qmail-smtpd's TLS side without OpenSSL (see smtpd_tls.h):
 * every TLS session is handed to <qmail>/bin/qmail-smtpd-tls by exec.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "root.h"
#include "smtpd_tls.h"

int
smtpd_tls_resume(void)
{
	return 0;
}

int
smtpd_tls_start(struct io *io, const char *certfile, unsigned timeout,
    char **argv, int starttls, struct str *why)
{
	struct str prog = STR_INIT(4096);

	(void)io;
	(void)certfile;
	(void)timeout;
	str_clear(why);
	if (root_path(&prog, ROOT_QMAIL, SMTPD_TLS_PROG) == -1 ||
	    (starttls && setenv(SMTPD_STARTTLS_ENV, "1", 1) == -1)) {
		str_note(why, "out of memory");
		str_free(&prog);
		return -1;
	}
	execv(str_c(&prog), argv);
	str_notef(why, "cannot run %s: %s", str_c(&prog), strerror(errno));
	str_free(&prog);
	return -1;
}

int
smtpd_tls_info(const struct io *io, struct str *out)
{
	(void)io;
	(void)out;
	return -1;
}

void
smtpd_tls_end(struct io *io)
{
	(void)io;
}
