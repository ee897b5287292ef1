/*
 * popfail - failed logins counted per client address across
 * connections, so that a client cannot get round a server's
 * per-connection limit by reconnecting.  The counts live in one small
 * table file of fixed size (POPFAIL_SLOTS slots of 16 bytes, indexed by a
 * hash of the address; the slot keeps the address's full hash, so two
 * addresses that land in one slot take it over from each other and are
 * then limited less, never locked out by the other), updated under flock.
 * Used by qmail-popup (and meant for the IMAP server and the webmail);
 * the file is written only by them (root, or the instance owner).
 * Advisory state: never fsynced, a lost update is harmless.
 */
#ifndef HSMAIL_POPFAIL_H
#define HSMAIL_POPFAIL_H

#include <time.h>

#define POPFAIL_SLOTS	4096
#define POPFAIL_MAX	20	/* failures per address ... */
#define POPFAIL_WINDOW	600	/* ... within these seconds */

/*
 * Open (creating it, mode 0600) the table at path.  The fd, or -1 with
 * errno (a symbolic link is refused: ELOOP).
 */
int	popfail_open(const char *path);

/*
 * 1 if ip has max or more failures within window seconds before now, 0
 * if not, -1 on a read or lock error (errno).
 */
int	popfail_blocked(int fd, const char *ip, time_t now, unsigned long max,
	    unsigned long window);

/*
 * Count one failure of ip at now: the slot starts again at 1 when it held
 * another address or its window is over.  0, or -1 (errno).
 */
int	popfail_note(int fd, const char *ip, time_t now, unsigned long window);

#endif
