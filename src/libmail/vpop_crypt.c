/*
 * vpop_crypt - checking and making vpopmail password hashes with crypt(3)
 * (libxcrypt: yescrypt, SHA-512, SHA-256, MD5 and DES hashes); new ones
 * in the scheme <vpopmail>/etc/passwd-scheme names.  Apart from vpop.c
 * so that programs that only look users up (qmail-smtpd's chkuser,
 * vdelivermail) do not load libcrypt.
 */
#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl.h"
#include "root.h"
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

/* The words of <vpopmail>/etc/passwd-scheme and their crypt(3) prefixes. */
static const struct {
	const char *word, *prefix;
} schemes[] = {
	{ "yescrypt", "$y$" },
	{ "sha512-crypt", "$6$" }, { "sha512", "$6$" },
	{ "sha256-crypt", "$5$" }, { "sha256", "$5$" },
	{ "md5-crypt", "$1$" }, { "md5", "$1$" },
};

int
vpop_pw_scheme(const char **prefix_r, struct str *word_r)
{
	struct str p = STR_INIT(4096), w = STR_INIT(64);
	size_t	 i;
	int	 r = -1;

	*prefix_r = NULL;
	if (root_path(&p, ROOT_VPOPMAIL, VPOP_PW_SCHEME_FILE) == -1 ||
	    ctl_readline_path(p.s, &w, "") == -1)
		goto out;
	if (word_r != NULL && str_copys(word_r, str_c(&w)) == -1)
		goto out;
	if (w.len == 0) {
		r = 0;		/* the default: yescrypt, else SHA-512 */
		goto out;
	}
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strcasecmp(w.s, schemes[i].word) == 0) {
			*prefix_r = schemes[i].prefix;
			r = 0;
			goto out;
		}
	errno = EINVAL;
out:
	str_free(&p);
	str_free(&w);
	return r;
}

int
vpop_pw_hash_with(const char *pass, const char *prefix, struct str *out)
{
	struct crypt_data *cd;
	char	 salt[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *h;
	int	 r = -1;

	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return -1;
	if (prefix != NULL) {
		if (crypt_gensalt_rn(prefix, 0, NULL, 0, salt,
		    sizeof(salt)) == NULL)
			goto out;
	} else if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt,
	    sizeof(salt)) == NULL && crypt_gensalt_rn("$6$", 0, NULL, 0,
	    salt, sizeof(salt)) == NULL)
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

int
vpop_pw_hash(const char *pass, struct str *out)
{
	const char *prefix;

	if (vpop_pw_scheme(&prefix, NULL) == -1)
		return -1;
	return vpop_pw_hash_with(pass, prefix, out);
}
