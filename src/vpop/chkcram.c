/*
 * chkcram - the CRAM-MD5 check of vchkpwsmtp: HMAC-MD5 of the challenge
 * keyed with the clear-text password column, compared in constant time
 * with the client's hex digest.  Linked only into vchkpwsmtp (OpenSSL's
 * libcrypto); vchkpw links chkcram_none.c instead.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "chkcram.h"

/* CRAM-MD5: digest is hex HMAC-MD5(clear password, challenge). */
int
chkcram_check(const struct vpop_pw *pw, const char *digest, const char *chal)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0, i;
	char	 hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned char diff = 0;

	if (!pw->has_clear || pw->clear.len == 0)
		return 0;
	if (HMAC(EVP_md5(), pw->clear.s, (int)pw->clear.len,
	    (const unsigned char *)chal, strlen(chal), mac, &maclen) == NULL)
		return -1;
	for (i = 0; i < maclen; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	if (strlen(digest) != 2 * maclen)
		return 0;
	for (i = 0; i < 2 * maclen; i++)
		diff |= (unsigned char)(hex[i] ^ (digest[i] | 0x20));
	explicit_bzero(mac, sizeof(mac));
	return diff == 0;
}

