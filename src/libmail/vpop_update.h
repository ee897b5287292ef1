/*
 * vpop_update - changing the vpopmail store: the store lock, the domain's
 * vpasswd (kept sorted) and vpasswd.cdb, replaced atomically, and whether
 * a domain keeps clear-text passwords.  Used by the admin commands only
 * (root or vpopmail); the readers are in vpop.h.
 */
#ifndef HSMAIL_VPOP_UPDATE_H
#define HSMAIL_VPOP_UPDATE_H

#include "vpop.h"

/*
 * Take the store lock: an exclusive flock on <vpopmail>/etc/.vpop.lock,
 * held by every command that changes the store.  Returns the fd (close it
 * to unlock), or -1 (errno).
 */
int	vpop_lock(void);

/* What vpop_vpasswd_update does with the line. */
enum vpop_update {
	VPOP_ADD,	/* insert; fails (0) if the user exists */
	VPOP_MOD,	/* replace; fails (0) if the user is missing */
	VPOP_DEL,	/* remove; fails (0) if the user is missing */
};

/*
 * Change the domain's vpasswd (kept sorted by name) and rebuild
 * vpasswd.cdb (unless nocdb), each atomically (temporary file, fsync,
 * rename).  The caller holds vpop_lock.  pw->name names the user.
 * 1 done, 0 nothing to do (see enum), -1 error (the old files stay).
 */
int	vpop_vpasswd_update(const char *domaindir, enum vpop_update,
	    const struct vpop_pw *, int nocdb);

/* Rebuild <domaindir>/vpasswd.cdb from vpasswd (vpopmail's vcdb
 * format: key name, data the rest of the line).  0 or -1. */
int	vpop_vpasswd_cdb(const char *domaindir);

/*
 * 1 if clear-text passwords are kept for this domain: the file
 * <vpopmail>/etc/clear-passwd (system-wide, vpopmail's
 * --enable-clear-passwd) or <domaindir>/.clear-passwd exists.  0 if not.
 */
int	vpop_clear_wanted(const char *domaindir);

#endif
