/*
 * fuzz_chkcram - the digest logins of vchkpw and vchkpwsmtp: a CRAM-MD5
 * answer (digest and challenge, from the SMTP client) and an APOP
 * digest (with qmail-popup's timestamp) checked against a user's
 * clear-text password.  Input: password \0 digest \0 challenge.  Each
 * check must answer 0 or 1, and a digest made from the same password
 * must be accepted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/vpop/chkcram.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *
field(const char **p, const char *end)
{
	const char *f = *p, *z = memchr(f, '\0', (size_t)(end - f));

	*p = z != NULL ? z + 1 : end;
	return f;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vpop_pw pw;
	char	*b;
	const char *p, *end, *clear, *digest, *chal;
	int	 r;

	if ((b = malloc(size + 3)) == NULL)
		return 0;
	memcpy(b, data, size);
	memset(b + size, 0, 3);
	p = b;
	end = b + size + 3;
	clear = field(&p, end);
	digest = p < end ? field(&p, end) : "";
	chal = p < end ? field(&p, end) : "";
	vpop_pw_init(&pw);
	if (str_copys(&pw.clear, clear) == 0) {
		pw.has_clear = *clear != '\0';
		r = chkcram_check(&pw, digest, chal);
		if (r != 0 && r != 1 && r != -1)
			__builtin_trap();
		r = chkapop_check(&pw, digest, chal);
		if (r != 0 && r != 1 && r != -1)
			__builtin_trap();
	}
	vpop_pw_free(&pw);
	free(b);
	return 0;
}
