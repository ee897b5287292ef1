/*
 * fuzz_webmail_arespond - incoming messages through autorespond's
 * reading: the header checks, the quote of the text (multiparts,
 * quoted-printable, base64), the envelope sender check, and the reply
 * built with the same bytes as the user's message file.
 */
#include <stdint.h>
#include <string.h>

#include "../src/webmail/arespond.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *body;
	struct str q = STR_INIT(1 << 22), out = STR_INIT(1 << 22);
	struct str sender = STR_INIT(AR_ADDR_MAX + 16);
	struct ar_msg m;
	size_t	 hlen;

	if (size > AR_HEADER_MAX + AR_QUOTE_IN_MAX)
		return 0;
	body = memmem(p, size, "\n\n", 2);
	hlen = body != NULL ? (size_t)(body - p) + 2 : size;
	ar_msg_init(&m);
	if (ar_header_parse(p, hlen, &m) == 0) {
		(void)ar_quote(&m, p + hlen, size - hlen, &q);
		(void)ar_build(&m, p, size < AR_MSGFILE_MAX ? size :
		    AR_MSGFILE_MAX, "ann@example.org", "demo@example.test",
		    str_c(&q), q.len, &out);
	}
	/* The first line as an envelope sender. */
	if (str_copyb(&sender, p, strnlen(p, size < 64 ? size : 64)) == 0)
		(void)ar_sender_check(str_c(&sender), "demo@example.test");
	ar_msg_free(&m);
	str_free(&q);
	str_free(&out);
	str_free(&sender);
	return 0;
}
