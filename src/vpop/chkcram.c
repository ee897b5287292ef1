/*
 * chkcram - the digest logins that need the clear-text password column:
 * CRAM-MD5 for vchkpwsmtp (HMAC-MD5 of the challenge) and APOP for vchkpw
 * (MD5 of the greeting's timestamp and the password, RFC 1939 section 7),
 * each compared in constant time with the client's hex digest.  Uses
 * OpenSSL's libcrypto.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "chkcram.h"

static int	hex_eq(const unsigned char *, unsigned int, const char *);

/* 1 if the lower- or upper-case hex digest equals mac, in constant time. */
static int
hex_eq(const unsigned char *mac, unsigned int maclen, const char *digest)
{
	char	 hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned char diff = 0;
	unsigned int i;

	if (strlen(digest) != 2 * maclen)
		return 0;
	for (i = 0; i < maclen; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	for (i = 0; i < 2 * maclen; i++)
		diff |= (unsigned char)(hex[i] ^ (digest[i] | 0x20));
	return diff == 0;
}

int
chkapop_check(const struct vpop_pw *pw, const char *digest,
    const char *stamp)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	int	 ok;

	if (!pw->has_clear || pw->clear.len == 0 || *stamp == '\0')
		return 0;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, stamp, strlen(stamp)) == 1 &&
	    EVP_DigestUpdate(ctx, pw->clear.s, pw->clear.len) == 1 &&
	    EVP_DigestFinal_ex(ctx, md, &mdlen) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	ok = hex_eq(md, mdlen, digest);
	explicit_bzero(md, sizeof(md));
	return ok;
}

/* CRAM-MD5: digest is hex HMAC-MD5(clear password, challenge). */
int
chkcram_check(const struct vpop_pw *pw, const char *digest, const char *chal)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	int	 ok;

	if (!pw->has_clear || pw->clear.len == 0)
		return 0;
	if (HMAC(EVP_md5(), pw->clear.s, (int)pw->clear.len,
	    (const unsigned char *)chal, strlen(chal), mac, &maclen) == NULL)
		return -1;
	ok = hex_eq(mac, maclen, digest);
	explicit_bzero(mac, sizeof(mac));
	return ok;
}

