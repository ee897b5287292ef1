/*
 * chkcram - CRAM-MD5 for vchkpwsmtp (see chkcram.c).
 */
#ifndef HSMAIL_CHKCRAM_H
#define HSMAIL_CHKCRAM_H

#include "vpop.h"

/*
 * 1 if digest (hex) is HMAC-MD5(pw's clear-text password, challenge), 0
 * if not or the user has no clear-text password, -1 error.
 */
int	chkcram_check(const struct vpop_pw *, const char *digest,
	    const char *challenge);

#endif
