/*
 * login_notls - imaplogin's TLS side without OpenSSL (see login_tls.h):
 * offers STARTTLS when the certificate is readable and hands every TLS
 * session to imaplogin-tls, found beside this program.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "login_tls.h"

int
itls_setup(const char *certfile)
{
	return access(certfile, R_OK) == 0;
}

int
itls_resume(void)
{
	return 0;
}

void
itls_start(struct io *io, struct rbuf *rb, char **argv, int stls,
    const char *ip)
{
	char	 self[PATH_MAX], *slash;
	ssize_t	 n;

	(void)io;
	rbuf_discard(rb);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0 || (size_t)n >= sizeof(self) - sizeof(ILOGIN_TLS_PROG))
		log_die(EXIT_TEMP, "unable to find myself: %s",
		    strerror(errno));
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash == NULL)
		log_die(EXIT_TEMP, "unable to find myself");
	memcpy(slash + 1, ILOGIN_TLS_PROG, sizeof(ILOGIN_TLS_PROG));
	if (stls && setenv(ILOGIN_STLS_ENV, "1", 1) == -1)
		log_die(EXIT_TEMP, "out of memory");
	argv[0] = self;
	execv(self, argv);
	log_line("imap tls failed ip %s: unable to run %s: %s", ip, self,
	    strerror(errno));
	exit(EXIT_TEMP);
}

int
itls_active(const struct io *io)
{
	(void)io;
	return 0;
}

void
itls_end(struct io *io)
{
	(void)io;
}
