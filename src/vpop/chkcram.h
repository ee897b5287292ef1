/*
 * chkcram - CRAM-MD5 (vchkpwsmtp) and APOP (vchkpw) checks (chkcram.c).
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

/*
 * 1 if digest (hex) is MD5(stamp, pw's clear-text password): the APOP
 * login of RFC 1939, stamp being the greeting's "<...>" timestamp.  0 if
 * not, or the user has no clear-text password, or stamp is empty; -1 error.
 */
int	chkapop_check(const struct vpop_pw *, const char *digest,
	    const char *stamp);

#endif
