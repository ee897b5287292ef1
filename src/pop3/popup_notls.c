/*
 * popup_notls - qmail-popup's TLS side without OpenSSL (see popup_tls.h):
 * offers STLS when the certificate is readable and hands every TLS
 * session to qmail-popup-tls, found beside this program.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "popup_tls.h"

/* ptls_setup - the certificate is checked by qmail-popup-tls. */
int
ptls_setup(const char *certfile)
{
	return access(certfile, R_OK) == 0;
}

/* ptls_resume - never: this build does not speak TLS. */
const char *
ptls_resume(void)
{
	return NULL;
}

/* ptls_start - exec qmail-popup-tls, the same session with TLS. */
void
ptls_start(struct io *io, struct rbuf *rb, char **argv, const char *ts,
    int stls, const char *ip)
{
	char	 self[PATH_MAX], *slash;
	ssize_t	 n;

	(void)io;
	rbuf_discard(rb);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0 || (size_t)n >= sizeof(self) - sizeof(POPUP_TLS_PROG))
		log_die(EXIT_TEMP, "unable to find myself: %s",
		    strerror(errno));
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash == NULL)
		log_die(EXIT_TEMP, "unable to find myself");
	memcpy(slash + 1, POPUP_TLS_PROG, sizeof(POPUP_TLS_PROG));
	if (stls && setenv(POPUP_STLS_ENV, ts, 1) == -1)
		log_die(EXIT_TEMP, "out of memory");
	argv[0] = self;
	execv(self, argv);
	log_line("pop3 tls failed ip %s: unable to run %s: %s", ip, self,
	    strerror(errno));
	exit(EXIT_TEMP);
}

int
ptls_active(const struct io *io)
{
	(void)io;
	return 0;
}

void
ptls_end(struct io *io)
{
	(void)io;
}
