/*
 * md5 - MD5 (RFC 1321) and HMAC-MD5 (RFC 2104), for the digest logins
 * that old clients still send: APOP (RFC 1939) and SMTP CRAM-MD5
 * (RFC 2195).  Used by vchkpw and vchkpwsmtp, which then need not load
 * OpenSSL's libcrypto (a millisecond of every POP3 login).  Not for
 * anything that needs a strong hash.
 */
#ifndef HSMAIL_MD5_H
#define HSMAIL_MD5_H

#include <stddef.h>
#include <stdint.h>

#define MD5_LEN	16

struct md5 {
	uint32_t	 h[4];
	uint64_t	 len;		/* bytes hashed so far */
	unsigned char	 buf[64];	/* the partial block */
	size_t		 n;		/* bytes in buf */
};

void	md5_init(struct md5 *);
void	md5_update(struct md5 *, const void *, size_t);
/* The digest into out; the state is wiped. */
void	md5_final(struct md5 *, unsigned char out[MD5_LEN]);

/* HMAC-MD5 of msg under key (any length) into out. */
void	md5_hmac(const void *key, size_t klen, const void *msg, size_t mlen,
	    unsigned char out[MD5_LEN]);

#endif
