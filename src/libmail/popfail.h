/*
 * popfail - the login front ends' view of the failed-login limiter
 * (loginfail.h): qmail-popup, the IMAP login stage and the webmail ask it
 * whether a client's address is locked out, to refuse it without
 * starting the checkpassword program.  The counting itself is done by the
 * checkpassword programs (vchkpw, vchkpwsmtp), which see every login of
 * every door with its account; so popfail_note counts nothing any more
 * and is kept, with the rest of this interface, for the callers written
 * against the per-address table this module used to keep.
 */
#ifndef HSMAIL_POPFAIL_H
#define HSMAIL_POPFAIL_H

#include <time.h>

/* The former table's limits; the limiter's are control files now. */
#define POPFAIL_MAX	20
#define POPFAIL_WINDOW	600

/*
 * Open the limiter's table.  path is ignored (every door shares
 * <vpopmail>/etc/login-fail.tab, loginfail_open).  The fd, or -1 with
 * errno.
 */
int	popfail_open(const char *path);

/*
 * 1 if ip is locked out now (control/loginfail-*), 0 if not, -1 on a
 * read or lock error (errno).  max and window are ignored.
 */
int	popfail_blocked(int fd, const char *ip, time_t now, unsigned long max,
	    unsigned long window);

/* Nothing: the checkpassword program counted the failure.  Returns 0. */
int	popfail_note(int fd, const char *ip, time_t now, unsigned long window);

#endif
