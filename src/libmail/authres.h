/*
 * authres - the Authentication-Results header field (RFC 8601) that
 * msgauthd puts at the top of an inbound message: the authserv-id (our
 * name), then one resinfo per check, folded to fit lines of 78 bytes.
 * Property values from the message or the client are quoted when they
 * are not plain tokens; comments are stripped of what could end them.
 */
#ifndef HSMAIL_AUTHRES_H
#define HSMAIL_AUTHRES_H

#include "str.h"

/* "Authentication-Results: ID" into *h (cleared first).  0 or -1. */
int	authres_begin(struct str *h, const char *authservid);
/*
 * Append "; method=result (comment) prop=value ..." with props a list of
 * property names and values ending in NULL ("smtp.mailfrom", addr,
 * NULL).  comment may be NULL.  A value NULL or empty skips its pair.
 */
int	authres_add(struct str *h, const char *method, const char *result,
	    const char *comment, ...) __attribute__((__sentinel__));
/* Finish: "; none" when nothing was added, then the final LF. */
int	authres_end(struct str *h);

#endif
