/*
 * smtpd_sender - whose addresses an authenticated SMTP client may send
 * as: its own address (in its domain or an alias domain of it), an alias
 * (.qmail-<name>), extension (.qmail-<prefix>-default) or the catch-all
 * of its own domain, never another mailbox nor another domain; <> always.
 * Applies to MAIL FROM and to the From: header fields of the message
 * (which sender_from collects from the stored bytes).  A domain listed in
 * control/anysender lets its users send as anyone; tcp.smtp's
 * AUTH_ANYSENDER turns the check off for a client.  Part of qmail-smtpd;
 * the message is untrusted, the store (through chkuser's lookups) is
 * trusted.
 */
#ifndef HSMAIL_SMTPD_SENDER_H
#define HSMAIL_SMTPD_SENDER_H

#include <stddef.h>

#include "chkuser.h"
#include "str.h"

/* The From: field kept for the check (longer ones are refused). */
#define SENDER_FROM_MAX	2048

/*
 * May the user who logged in as login (as typed to AUTH) use addr
 * (lower-case domain; "" for <>)?  any lists the domains of control/
 * anysender.  1 yes, 0 no, -1 temporary (the store could not be read).
 */
int	sender_owned(struct chkuser *, const char *login, const char *addr,
	    const struct strlist *any);

/* The From: fields of a message, collected while it is stored. */
struct sender_from {
	int	 state;		/* where in the header we are */
	int	 infrom;	/* the current field is From: */
	int	 toolong;	/* a From: field over SENDER_FROM_MAX */
	size_t	 linelen;	/* bytes of the current line so far */
	char	 name[8];	/* its first bytes */
	struct str cur;		/* the From: field being collected */
	struct strlist fields;	/* the complete From: values, unfolded */
};

void	sender_from_init(struct sender_from *);
void	sender_from_free(struct sender_from *);

/* Feed stored message bytes (LF line ends).  0, or -1 (ENOMEM). */
int	sender_from_feed(struct sender_from *, const char *, size_t);

/*
 * The addresses of one From: value ("Name <a@b>, c@d (x)") into *out
 * (appended, domains lower-cased).  0, or -1 (ENOMEM, or EINVAL for a
 * value with no address).
 */
int	sender_from_addrs(const char *value, struct strlist *out);

#endif
