/*
 * mhdr - the header section of a message as it streams by: split into
 * whole fields (folded lines kept with their field) that a caller keeps
 * or drops, then the body passed through; and the two header parsers the
 * message authentication needs (the domain of From, the authserv-id of
 * Authentication-Results).  Messages are in qmail's stored form, lines
 * ending in LF.  Everything here reads untrusted text: fuzzed.
 */
#ifndef HSMAIL_MHDR_H
#define HSMAIL_MHDR_H

#include <stddef.h>

#include "str.h"

/* A field is judged whole when it fits in this many bytes. */
#define MHDR_FIELD_MAX	(64UL * 1024)

/* Flags of a judged field. */
#define MHDR_BIG	0x01	/* only its first MHDR_FIELD_MAX bytes */

struct mhdr {
	int	 state;
	int	 keep;		/* the field being streamed is kept */
	int	 big;		/* it went over MHDR_FIELD_MAX */
	unsigned long nfields;
	struct str field;
	void	*arg;
	/*
	 * A field (name, colon, value, folding, the final LF): 1 keep it,
	 * 0 drop it, -1 error (the feed fails).  An over-long field is
	 * judged on its first bytes, with MHDR_BIG.
	 */
	int	(*judge)(void *, const char *, size_t, int flags);
	/* The header section ended (the blank line or the end). */
	int	(*eoh)(void *);
	/* Bytes kept: fields, the blank line, the body.  0 or -1. */
	int	(*out)(void *, const char *, size_t);
};

/* Start a message: callbacks and their argument (judge, eoh optional). */
void	mhdr_init(struct mhdr *, void *arg,
	    int (*judge)(void *, const char *, size_t, int),
	    int (*eoh)(void *), int (*out)(void *, const char *, size_t));
/* Message bytes.  0, or -1 (a callback failed, or ENOMEM). */
int	mhdr_feed(struct mhdr *, const char *, size_t);
/* The end of the message: a pending field is judged.  0 or -1. */
int	mhdr_end(struct mhdr *);
/* 1 once the header section is over. */
int	mhdr_inbody(const struct mhdr *);
void	mhdr_free(struct mhdr *);

/*
 * 1 if field (as judged) has the name name, case-insensitively, and
 * then *val and *vlen the value after the colon (folding included,
 * final LF not).  0 otherwise.
 */
int	mhdr_is(const char *field, size_t n, const char *name,
	    const char **val, size_t *vlen);

/*
 * The domain of a From value (RFC 5322 mailbox-list: display names,
 * quoted strings, comments, angle addresses), lowercased, without a
 * trailing dot.  1 one mailbox, *domain set; 2 several mailboxes (the
 * domain of the first in *domain); 0 none or unreadable; -1 ENOMEM.
 */
int	mhdr_from_domain(const char *val, size_t n, struct str *domain);

/*
 * The authserv-id of an Authentication-Results value (RFC 8601 2.2: a
 * token or quoted string after optional comments) into *id.  1 found,
 * 0 unreadable, -1 ENOMEM.
 */
int	mhdr_authres_id(const char *val, size_t n, struct str *id);

/*
 * 1 if field (a whole header field as judged) is an
 * Authentication-Results field naming authservid: a forgery when it
 * comes from outside, to be removed (RFC 8601 5).
 */
int	mhdr_forged(const char *field, size_t n, const char *authservid);

#endif
