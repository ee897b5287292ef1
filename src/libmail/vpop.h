/*
 * vpop - the vpopmail 5.x store, cdb back end, as it lies on disk: the
 * vpasswd record (vpop_pw.c), user, domain and login names
 * (vpop_name.c), domain lookup through qmail's users/cdb and user lookup
 * in vpasswd.cdb or vpasswd (vpop.c), password checks with crypt(3)
 * (vpop_crypt.c).  The RCPT-time check is vpop_rcpt.h, the "big dir"
 * buckets vpop_dirctl.h, changing the store vpop_update.h.  Used by
 * vdelivermail, vchkpw, vchkpwsmtp, the admin commands and qmail-smtpd's
 * chkuser.  Trusts the store's files as written by root/vpopmail, but
 * parses every line with limits (a damaged line is an error, never a
 * crash).
 */
#ifndef HSMAIL_VPOP_H
#define HSMAIL_VPOP_H

#include <stddef.h>

#include "str.h"

/* Limits of vpopmail 5.2.2 (vpopmail.md §2). */
#define VPOP_USER_MAX	32
#define VPOP_DOMAIN_MAX	64
#define VPOP_GECOS_MAX	48
#define VPOP_DIR_MAX	160	/* vpopmail's limit; longer paths are read */
#define VPOP_QUOTA_MAX	20
#define VPOP_CLEAR_MAX	128	/* 5.2.2 had 16; longer clear text is kept */
#define VPOP_PASS_MAX	128	/* longest password accepted */
#define VPOP_LINE_MAX	1024	/* longest vpasswd line read */
/* Largest vpasswd read whole (a domain of a million users fits). */
#define VPOP_VPASSWD_MAX	(256UL * 1024 * 1024)

/* gid field flag bits (vpopmail.md §3). */
#define VPOP_NO_PASSWD_CHNG	0x0001
#define VPOP_NO_POP		0x0002
#define VPOP_NO_WEBMAIL		0x0004
#define VPOP_NO_IMAP		0x0008
#define VPOP_BOUNCE_MAIL	0x0010
#define VPOP_NO_RELAY		0x0020
#define VPOP_NO_DIALUP		0x0040
#define VPOP_V_USER0		0x0080
#define VPOP_V_USER1		0x0100
#define VPOP_V_USER2		0x0200
#define VPOP_V_USER3		0x0400
#define VPOP_NO_SMTP		0x0800
#define VPOP_QA_ADMIN		0x1000

/* One vpasswd line. */
struct vpop_pw {
	struct str	 name;
	struct str	 passwd;	/* crypt(3) hash, may be empty */
	unsigned long	 uid;		/* 1 = POP, 2 = APOP (5.2.2) */
	unsigned long	 gid;		/* flag bits */
	struct str	 gecos;
	struct str	 dir;		/* holds Maildir/ */
	struct str	 quota;		/* NOQUOTA, bytes, k/M, or a spec */
	struct str	 clear;		/* clear text, if has_clear */
	int		 has_clear;	/* the line has an 8th field */
};

void	vpop_pw_init(struct vpop_pw *);
void	vpop_pw_free(struct vpop_pw *);	/* wipes the password fields */

/*
 * Parse one vpasswd line (n bytes, no newline) into *pw.  0, or -1 with
 * errno EINVAL (not 7 or 8 fields, a bad number, an empty name) or ENOMEM
 * / E2BIG (a field over its limit).
 */
int	vpop_pw_parse(struct vpop_pw *, const char *line, size_t n);

/* Parse a vpasswd.cdb record: name is the key, data the rest of the line. */
int	vpop_pw_parse_cdb(struct vpop_pw *, const char *name, size_t nlen,
	    const char *data, size_t dlen);

/*
 * Append the vpasswd line for *pw (no newline) to *out.  -1 with errno
 * EINVAL if a field holds ':' or a newline.
 */
int	vpop_pw_format(const struct vpop_pw *, struct str *out);

/*
 * Where the name is in a vpasswd line b[0..n): *name and *len.  0, or -1
 * if the line has no ':'.
 */
int	vpop_pw_linename(const char *b, size_t n, const char **name,
	    size_t *len);

/*
 * Name checks, on the already lowercased names.  vpop_user_valid: 1..32
 * bytes (vpopmail refuses 1-byte names for new users: see new_user),
 * letters, digits and the characters vpopmail allows, no leading '.' or
 * "..".  vpop_domain_valid: letters, digits, '-', '.', no leading or
 * trailing '-' or '.', no "..", 1..64 bytes.  1 valid, 0 not.
 */
int	vpop_user_valid(const char *user, int new_user);
int	vpop_domain_valid(const char *domain);
/* Lowercase s in place; 0, or -1 if it holds a byte outside 33..126. */
int	vpop_lower(char *s);

/* A domain as users/cdb has it. */
struct vpop_domain {
	struct str	 name;	/* the real domain (alias domains resolved) */
	struct str	 dir;
	unsigned long	 uid;
	unsigned long	 gid;
};

void	vpop_domain_init(struct vpop_domain *);
void	vpop_domain_free(struct vpop_domain *);

/*
 * Find domain (lowercased by the caller) in <qmail>/users/cdb under the
 * key "!<domain>-", as vpopmail's vget_assign.  1 found, 0 not a virtual
 * domain, -1 error (errno).  users/cdb is kept open between calls and
 * reopened when another file has been renamed over it.
 */
int	vpop_domain_get(const char *domain, struct vpop_domain *);

/*
 * Close the users/cdb vpop_domain_get keeps open and forget its path
 * (after HSMAIL_ROOT changes, or to free the memory).
 */
void	vpop_forget(void);

/*
 * Look user up in the domain's vpasswd.cdb; if that cdb is missing, in
 * vpasswd (read line by line).  1 found, 0 no such user, -1 error.
 */
int	vpop_pw_get(const struct vpop_domain *, const char *user,
	    struct vpop_pw *);

/*
 * Split a login name at the first '@', '%' or '/' into user and domain
 * (both lowercased).  A name without a separator gives the default
 * domain (vpop_default_domain).  0, or -1 with errno EINVAL (empty user,
 * bad bytes) or ENOMEM/E2BIG.
 */
int	vpop_login_split(const char *login, struct str *user,
	    struct str *domain);

/*
 * The default domain for bare user names: $VPOPMAIL_DOMAIN, else the first
 * line of <vpopmail>/etc/defaultdomain, else <qmail>/control/defaultdomain
 * (lowercased).  1 found, 0 none, -1 error.
 */
int	vpop_default_domain(struct str *out);

/*
 * Check a password against pw->passwd with crypt(3) (DES, $1$, $5$, $6$,
 * $y$, ...).  An empty stored hash never matches.  The comparison is in
 * constant time.  1 match, 0 no match, -1 error (errno).
 */
int	vpop_pw_check(const struct vpop_pw *, const char *pass);

/*
 * Hash a new password: yescrypt ("$y$") when libcrypt has it, else
 * SHA-512-crypt ("$6$"), with a salt from the kernel.  0 or -1 (errno).
 */
int	vpop_pw_hash(const char *pass, struct str *out);

/* A password that can be stored (in clear text too): 1 ok, 0 not
 * (empty, longer than VPOP_PASS_MAX, or holding ':' or a newline). */
int	vpop_pass_valid(const char *pass);

#endif
