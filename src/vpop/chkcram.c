/*
 * chkcram - the digest logins that need the clear-text password column:
 * CRAM-MD5 for vchkpwsmtp (HMAC-MD5 of the challenge) and APOP for vchkpw
 * (MD5 of the greeting's timestamp and the password, RFC 1939 section 7),
 * each compared in constant time with the client's hex digest.  MD5 comes
 * from libmd (md5x.h), so a login does not load libcrypto.
 */
#include <stdio.h>
#include <string.h>

#include "chkcram.h"
#include "md5x.h"

static int	hex_eq(const unsigned char *, const char *);

/* 1 if the lower- or upper-case hex digest equals mac, in constant time. */
static int
hex_eq(const unsigned char *mac, const char *digest)
{
	char	 hex[2 * MD5_LEN + 1];
	unsigned char diff = 0, c;
	unsigned int i;

	if (strlen(digest) != 2 * MD5_LEN)
		return 0;
	for (i = 0; i < MD5_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	for (i = 0; i < 2 * MD5_LEN; i++) {
		c = (unsigned char)digest[i];	/* the client's: may branch */
		if (c >= 'A' && c <= 'F')
			c |= 0x20;
		diff |= (unsigned char)(hex[i] ^ c);
	}
	return diff == 0;
}

int
chkapop_check(const struct vpop_pw *pw, const char *digest,
    const char *stamp)
{
	unsigned char md[MD5_LEN];
	struct md5 m;
	int	 ok;

	if (!pw->has_clear || pw->clear.len == 0 || *stamp == '\0')
		return 0;
	md5_init(&m);
	md5_update(&m, stamp, strlen(stamp));
	md5_update(&m, pw->clear.s, pw->clear.len);
	md5_final(&m, md);
	ok = hex_eq(md, digest);
	explicit_bzero(md, sizeof(md));
	return ok;
}

/* CRAM-MD5: digest is hex HMAC-MD5(clear password, challenge). */
int
chkcram_check(const struct vpop_pw *pw, const char *digest, const char *chal)
{
	unsigned char mac[MD5_LEN];
	int	 ok;

	if (!pw->has_clear || pw->clear.len == 0)
		return 0;
	md5_hmac(pw->clear.s, pw->clear.len, chal, strlen(chal), mac);
	ok = hex_eq(mac, digest);
	explicit_bzero(mac, sizeof(mac));
	return ok;
}
