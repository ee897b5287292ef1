/*
 * vpop_crypt - checking and making vpopmail password hashes with crypt(3)
 * (libxcrypt: yescrypt, SHA-512, MD5 and DES hashes).  Apart from vpop.c
 * so that programs that only look users up (qmail-smtpd's chkuser,
 * vdelivermail) do not load libcrypt.
 */
#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vpop.h"

int
vpop_pw_check(const struct vpop_pw *pw, const char *pass)
{
	struct crypt_data *cd;
	const char *h;
	size_t	 n, i;
	unsigned char diff;

	if (pw->passwd.len == 0 || *pass == '\0')
		return 0;
	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return -1;
	h = crypt_rn(pass, pw->passwd.s, cd, sizeof(*cd));
	if (h == NULL || *h == '*') {
		free(cd);
		return 0;	/* an unknown or broken hash never matches */
	}
	n = strlen(h);
	diff = n != pw->passwd.len;
	for (i = 0; i < n && i < pw->passwd.len; i++)
		diff |= (unsigned char)(h[i] ^ pw->passwd.s[i]);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return diff == 0;
}

int
vpop_pw_hash(const char *pass, struct str *out)
{
	struct crypt_data *cd;
	char	 salt[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *h;
	int	 r = -1;

	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return -1;
	if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) == NULL &&
	    crypt_gensalt_rn("$6$", 0, NULL, 0, salt, sizeof(salt)) == NULL)
		goto out;
	h = crypt_rn(pass, salt, cd, sizeof(*cd));
	if (h == NULL || *h == '*') {
		errno = EINVAL;
		goto out;
	}
	r = str_copys(out, h);
out:
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return r;
}
