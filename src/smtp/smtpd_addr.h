/*
 * smtpd_addr - the argument of MAIL FROM: and RCPT TO: (RFC 5321 4.1.2,
 * ESMTP parameters), parsed strictly, with every relay trick a client
 * could hide in an address reported as a flag for the relay decision.
 * Part of qmail-smtpd; the input is untrusted client text.
 */
#ifndef HSMAIL_SMTPD_ADDR_H
#define HSMAIL_SMTPD_ADDR_H

#include <stddef.h>

#include "str.h"

/* RFC 5321 4.5.3.1.3: a path is at most 256 octets. */
#define SMTPD_ADDR_MAX	256

/* What the address holds (struct smtpd_path.flags). */
#define ADDR_ROUTE	0x001	/* a source route @a,@b: was given (dropped) */
#define ADDR_QUOTED	0x002	/* the local part was a quoted string */
#define ADDR_PERCENT	0x004	/* '%' in the local part (the %-hack) */
#define ADDR_BANG	0x008	/* '!' in the local part (UUCP path) */
#define ADDR_ATLOCAL	0x010	/* '@' inside the (quoted) local part */
#define ADDR_LITERAL	0x020	/* the domain is an address literal [..] */
#define ADDR_TRAILDOT	0x040	/* the domain ends with a dot */
#define ADDR_NOAT	0x080	/* no domain at all ("postmaster") */
#define ADDR_NOBRACKET	0x100	/* given without <> (old clients) */

/* struct smtpd_path.body */
#define BODY_NONE	0
#define BODY_7BIT	1
#define BODY_8BITMIME	2

struct smtpd_path {
	struct str addr;	/* local@domain, local part unquoted, domain
				 * lower-cased; empty for <> */
	size_t	 domain;	/* offset of the domain in addr (after '@');
				 * addr.len if none */
	unsigned long size;	/* SIZE= (MAIL), 0 if not given */
	int	 body;		/* BODY= (MAIL) */
	int	 flags;		/* ADDR_* */
};

void	smtpd_path_init(struct smtpd_path *);
void	smtpd_path_free(struct smtpd_path *);

/*
 * Parse the text after "MAIL FROM:" (mail = 1) or "RCPT TO:" (mail = 0).
 * Returns 0, or -1 with errno EINVAL (syntax: 555/501), E2BIG (address
 * longer than SMTPD_ADDR_MAX), ENOTSUP (an ESMTP parameter we do not
 * offer, or a bad value), ENOMEM.
 */
int	smtpd_parse_path(const char *arg, size_t n, int mail,
	    struct smtpd_path *);

/*
 * 1 if domain (lower case) is domain-listed by an rcpthosts line:
 * "host" exactly, or ".host" matching any subdomain.  The callback
 * looks one key up (rcpthosts, morercpthosts.cdb): 1 found, 0 absent,
 * -1 error.  Returns 1, 0, or -1 (the first lookup error).
 */
int	smtpd_domain_match(const char *domain,
	    int (*lookup)(void *, const char *key), void *arg);

#endif
