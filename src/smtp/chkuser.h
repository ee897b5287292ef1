/*
 * chkuser - recipient checking at RCPT time for the virtual domains of
 * the vpopmail store, as the chkuser patch H-Sphere shipped did: accept
 * only an existing mailbox, alias (.qmail-<user>), extension
 * (.qmail-<prefix>-default, user-ext), list or catch-all; refuse users
 * flagged bounce-mail; limit recipients and wrong recipients per session;
 * log one CHKUSER line per decision.  Part of qmail-smtpd; reads the
 * store (users/cdb, vpasswd.cdb, .qmail files), trusts it, not the client.
 * When the store refuses qmail-smtpd (EACCES, EPERM: it runs as qmaild on
 * an installed box), the questions go to vchkuser(8) instead (chkhelp.h).
 */
#ifndef HSMAIL_CHKUSER_H
#define HSMAIL_CHKUSER_H

#include "chkhelp.h"
#include "smtpd_addr.h"
#include "str.h"

enum chkuser_start {
	CHKUSER_OFF,	/* CHKUSER_START unset, NONE or unknown */
	CHKUSER_ALWAYS,
	CHKUSER_DOMAIN,
};

struct chkuser {
	enum chkuser_start start;
	unsigned long rcptlimit;	/* CHKUSER_RCPTLIMIT, 0 none */
	unsigned long wronglimit;	/* CHKUSER_WRONGRCPTLIMIT, 0 none */
	int	 mbxquota;		/* CHKUSER_MBXQUOTA percent, 0 off */
	const char *identify;		/* CHKUSER_IDENTIFY, or "" */
	const char *remoteip, *remotehost, *remoteinfo;
	/* session counters */
	unsigned long nrcpt;
	unsigned long nwrong;
	int	 intrusion;
	struct chkhelp help;		/* vchkuser, if the store refuses us */
};

/* Read the CHKUSER_* environment.  0, or -1 EINVAL for a bad number. */
int	chkuser_init(struct chkuser *, const char *remoteip,
	    const char *remotehost, const char *remoteinfo);

/* Stop vchkuser if it was started.  The struct can be initialised again. */
void	chkuser_free(struct chkuser *);

/*
 * Check one recipient of a local domain for a client that may not relay.
 * Returns 1 accept, 0 reject, -1 temporary; for 0 and -1 the whole reply
 * line is in *reply (empty only when memory ran short).  Writes the
 * CHKUSER log line.
 */
int	chkuser_rcpt(struct chkuser *, const struct smtpd_path *rcpt,
	    const char *sender, const char *helo, struct str *reply);

#endif
