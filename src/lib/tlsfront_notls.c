/*
 * tlsfront_notls - a login front end's plain build (see tlsfront.h):
 * offers STARTTLS when the certificate is readable and hands every TLS
 * session to the TLS build, found beside this program.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "tlsfront.h"

int
tlsfront_setup(const struct tlsfront *tf, const char *certfile)
{
	(void)tf;
	return access(certfile, R_OK) == 0;	/* the TLS build loads it */
}

const char *
tlsfront_resume(const struct tlsfront *tf)
{
	(void)tf;
	return NULL;		/* this build does not speak TLS */
}

void
tlsfront_start(const struct tlsfront *tf, struct io *io, struct rbuf *rb,
    char **argv, const char *resume, const char *ip)
{
	char	 self[PATH_MAX], *slash;
	size_t	 pl = strlen(tf->prog) + 1;
	ssize_t	 n;

	(void)io;
	rbuf_discard(rb);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0 || (size_t)n >= sizeof(self) - pl)
		log_die(EXIT_TEMP, "unable to find myself: %s",
		    strerror(errno));
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash == NULL)
		log_die(EXIT_TEMP, "unable to find myself");
	memcpy(slash + 1, tf->prog, pl);
	if (resume != NULL && setenv(tf->env, resume, 1) == -1)
		log_die(EXIT_TEMP, "out of memory");
	argv[0] = self;
	execv(self, argv);
	log_line("%s tls failed ip %s: unable to run %s: %s", tf->proto, ip,
	    self, strerror(errno));
	exit(EXIT_TEMP);
}

int
tlsfront_active(const struct io *io)
{
	(void)io;
	return 0;
}

void
tlsfront_end(struct io *io)
{
	(void)io;
}
