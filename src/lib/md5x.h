/*
 * md5x - MD5 (RFC 1321, from libmd) and HMAC-MD5 (RFC 2104) for the
 * digest logins that old clients still send: APOP (RFC 1939) and SMTP
 * CRAM-MD5 (RFC 2195).  Used by vchkpw and vchkpwsmtp, which then need
 * not load OpenSSL's libcrypto (most of a millisecond of every POP3
 * login).  Not for anything that needs a strong hash.
 */
#ifndef HSMAIL_MD5X_H
#define HSMAIL_MD5X_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <md5.h>		/* libmd */

#define MD5_LEN	16

struct md5 {
	MD5_CTX	 ctx;
};

void	md5_init(struct md5 *);
void	md5_update(struct md5 *, const void *, size_t);
/* The digest into out; the state is wiped. */
void	md5_final(struct md5 *, unsigned char out[MD5_LEN]);

/* HMAC-MD5 of msg under key (any length) into out. */
void	md5_hmac(const void *key, size_t klen, const void *msg, size_t mlen,
	    unsigned char out[MD5_LEN]);

#endif
