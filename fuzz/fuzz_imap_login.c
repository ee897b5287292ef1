/*
 * fuzz_imap_login - client bytes, split into lines, through imaplogin's
 * not-authenticated state: commands, and after a "+" the SASL responses.
 */
#include <stdint.h>
#include <string.h>

#include "../src/imap/login_proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str out = STR_INIT(4096), auth = STR_INIT(ILOGIN_AUTH_MAX),
	    user = STR_INIT(1024);
	const char *p = (const char *)data, *end = p + size;
	struct ilogin l;
	int	 sasl = 0;

	ilogin_init(&l, "fuzz.example", 1, size & 1, (size & 2) != 0);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t	 n = (size_t)((nl != NULL ? nl : end) - p);
		enum ilogin_act a;

		if (n > ILOGIN_LINE_MAX)
			n = ILOGIN_LINE_MAX;
		str_clear(&out);
		a = sasl ? ilogin_sasl(&l, p, n, &out, &auth, &user) :
		    ilogin_command(&l, p, n, &out, &auth, &user);
		sasl = a == IL_SASL;
		if (a == IL_STARTTLS)
			l.tls_on = 1;
		str_wipe(&auth);
		p += n + (nl != NULL);
	}
	ilogin_free(&l);
	str_free(&out);
	str_free(&auth);
	str_free(&user);
	return 0;
}
