/*
 * loginfail - the one failed-login limiter of every login path: SMTP
 * AUTH (vchkpwsmtp), POP3 and the IMAP and webmail logins (vchkpw), all
 * through the checkpassword programs, which refuse a locked address or
 * account before they look at the password.  qmail-popup, imaplogin and
 * sqwebmaild ask it too (loginfail_locked), to refuse a locked-out
 * address without starting the program; they count nothing.
 *
 * Failures are counted per client address (IPv4 address, IPv6 /64) and
 * per account ("user@domain").  After the n-th failure of either, the
 * next attempt from that address or on that account is refused unless
 * delay * 2^(n-1) seconds (at most delaymax) have passed; at ipmax (or
 * usermax) failures the address (account) is locked out for lockout
 * seconds.  Counts are forgotten lockout seconds after the last failure.
 * A login that succeeded from an address makes that address trusted for
 * the account for trust seconds: the account's lock (which a botnet may
 * cause) does not shut its owner out; the address's own lock still does.
 * A failure that repeats the last wrong password of the same account from
 * the same address (a phone with an old password) is not counted again.
 *
 * The table (loginfail(5)) is one file of fixed size: a header with a
 * random key, then three sections (addresses, accounts, account+address
 * pairs) of buckets of LOGINFAIL_WAYS slots, each slot holding the
 * 64-bit keyed hash (SipHash-2-4) of what it counts.  Nobody without the
 * key can make two addresses share a bucket, a full hash is compared, and
 * a new entry takes the place of the least important one of its bucket
 * (never of a locked one while another is free), so neither a collision
 * nor a flood of new addresses resets a lockout.  Updates happen under an
 * exclusive flock; the file is never fsynced (it outlives restarts, not
 * crashes of the machine: a lost update costs nothing).  Written by the
 * checkpassword programs (root or vpopmail, mode 0600); trusts nothing in
 * it: a damaged header starts a new, empty table.
 */
#ifndef HSMAIL_LOGINFAIL_H
#define HSMAIL_LOGINFAIL_H

#include <stddef.h>
#include <time.h>

#include "str.h"

#define LOGINFAIL_SLOTS	4096	/* per section */
#define LOGINFAIL_WAYS	8	/* slots of a bucket */
#define LOGINFAIL_SLOT	32	/* bytes */
#define LOGINFAIL_HEAD	64	/* bytes */
/* The whole file: the header and three sections. */
#define LOGINFAIL_SIZE	(LOGINFAIL_HEAD + 3 * LOGINFAIL_SLOTS * \
			    LOGINFAIL_SLOT)

/* The table's place below the vpopmail tree. */
#define LOGINFAIL_FILE	"etc/login-fail.tab"

/* Defaults of the control files (loginfail(5)). */
#define LOGINFAIL_DELAY		1	/* control/loginfail-delay */
#define LOGINFAIL_DELAYMAX	30	/* control/loginfail-delaymax */
#define LOGINFAIL_LOCKOUT	900	/* control/loginfail-lockout */
#define LOGINFAIL_IPMAX		20	/* control/loginfail-ipmax */
#define LOGINFAIL_USERMAX	10	/* control/loginfail-usermax */
#define LOGINFAIL_TRUST		(30 * 86400)	/* control/loginfail-trust */

struct loginfail_conf {
	unsigned long delay;	/* seconds after the first failure */
	unsigned long delaymax;	/* the longest delay */
	unsigned long lockout;	/* seconds a lockout lasts */
	unsigned long ipmax;	/* failures of an address: locked; 0 never */
	unsigned long usermax;	/* failures on an account: locked; 0 never */
	unsigned long trust;	/* seconds a good login trusts its address */
};

/* The defaults above. */
void	loginfail_conf_default(struct loginfail_conf *);

/*
 * The control files (control/loginfail-*), defaults for missing ones.
 * 0, or -1 with errno (a file that is not a number: EINVAL).
 */
int	loginfail_conf_read(struct loginfail_conf *);

/*
 * The key an address text is counted under: "4" and the 4 bytes of an
 * IPv4 address (also one written as ::ffff:a.b.c.d), "6" and the first 8
 * bytes (the /64) of an IPv6 address.  key must have 9 bytes.  Returns
 * its length, or 0 when ip is not an address (NULL, "unknown").
 */
size_t	loginfail_addrkey(const char *ip, unsigned char *key);

/*
 * Open (creating it, mode 0600) the table at path; NULL: the instance's
 * or the system's vpopmail/etc/login-fail.tab.  A new file made by root
 * gets the owner of its directory.  The fd, or -1 with errno (ELOOP a
 * symbolic link, EPERM not a plain file with one link).
 */
int	loginfail_open(const char *path);

/* What a check says. */
enum loginfail_verdict {
	LOGINFAIL_OK,		/* go on and check the password */
	LOGINFAIL_WAIT,		/* too soon after a failure */
	LOGINFAIL_LOCKED,	/* locked out */
};

struct loginfail_state {
	enum loginfail_verdict verdict;
	int	 by_account;	/* the account (not the address) refused */
	time_t	 until;		/* when the refusal ends */
};

/*
 * May ip (text; NULL or "unknown": no address) log in to account
 * ("user@domain", lower case; NULL or "": only the address is asked)
 * now?  0 with *st, or -1 with errno (the table could not be read: the
 * caller decides; vchkpw goes on without the limiter and logs it).
 */
int	loginfail_check(int fd, const struct loginfail_conf *, const char *ip,
	    const char *account, time_t now, struct loginfail_state *st);

/* What one counted failure did. */
struct loginfail_event {
	int	 repeat;	/* the same wrong password again: not counted */
	unsigned long addr_count;	/* the address's failures so far */
	unsigned long user_count;	/* the account's */
	int	 addr_locked;	/* this failure started the address's lockout */
	int	 user_locked;	/* ... the account's */
	unsigned long delay;	/* seconds until the next attempt is taken */
};

/*
 * Count a failed login of ip on account (either may be missing) with the
 * secret pass (only a 16-bit keyed hash of it is kept, to tell a repeat).
 * 0 with *ev, or -1 with errno.
 */
int	loginfail_failed(int fd, const struct loginfail_conf *,
	    const char *ip, const char *account, const char *pass, size_t plen,
	    time_t now, struct loginfail_event *ev);

/* A good login of ip on account: the address is trusted for it. */
int	loginfail_success(int fd, const struct loginfail_conf *,
	    const char *ip, const char *account, time_t now);

/*
 * Is the address ip (text) locked out now?  The question of the login
 * front ends (qmail-popup, imaplogin, sqwebmaild), which refuse such an
 * address without starting the checkpassword program.  Reads the control
 * files (the defaults when one cannot be read) and the instance's table
 * (loginfail_open(NULL), which makes it if missing); counts nothing: the
 * checkpassword program counts.  Only a lockout answers 1, not the
 * growing delay after a failure.  1 locked out, 0 not (also when ip is no
 * address), -1 with errno (the table could not be opened or read).
 */
int	loginfail_locked(const char *ip, time_t now);

#endif
