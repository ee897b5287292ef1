/*
 * vpop_rcpt - does an address of a virtual domain accept mail?  The
 * RCPT-time check of the chkuser patch, against the vpopmail store.  It
 * answers a fact (enum vpop_rcpt); the caller words the reply (SMTP:
 * chkuser.c; vchkuser: rcptq.h).  Used by qmail-smtpd's chkuser and
 * vchkuser; the names come from a client and are checked here.
 */
#ifndef HSMAIL_VPOP_RCPT_H
#define HSMAIL_VPOP_RCPT_H

/* Result of the RCPT-time check. */
enum vpop_rcpt {
	VPOP_RCPT_NODOMAIN,	/* not a virtual domain here */
	VPOP_RCPT_NOUSER,	/* reject: no mailbox (or account locked) */
	VPOP_RCPT_USER,		/* a mailbox */
	VPOP_RCPT_ALIAS,	/* .qmail-<user> in the domain dir */
	VPOP_RCPT_EXT,		/* user-ext: the user or .qmail-<p>-default */
	VPOP_RCPT_CATCHALL,	/* unknown, but .qmail-default accepts it */
	VPOP_RCPT_FULL,		/* mailbox at or over the given percent */
};

/*
 * Does user@domain (both lowercased) accept mail?  Checks as chkuser
 * does: alias file .qmail-<user> ('.' as ':'), .qmail-<prefix>-default
 * for each '-' from the right, the vpasswd entry (BOUNCE_MAIL counts as
 * missing), user cut at a '-', then the catch-all: a .qmail-default
 * without "bounce-no-mailbox" accepts everything.  full_percent > 0 also
 * reports VPOP_RCPT_FULL for a mailbox at or over that Maildir++ usage.
 * 0 with *res set, or -1 (temporary: the store could not be read).
 */
int	vpop_rcpt_check(const char *user, const char *domain,
	    int full_percent, enum vpop_rcpt *res);

#endif
