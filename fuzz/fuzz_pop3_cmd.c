/*
 * fuzz_pop3_cmd - client bytes, split into lines, through the POP3
 * command parser, message numbers and qmail-popup's AUTHORIZATION state.
 */
#include <stdint.h>
#include <string.h>

#include "../src/pop3/pop3_cmd.h"
#include "../src/pop3/popup_proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str out = STR_INIT(4096), auth = STR_INIT(POP3_LINE_MAX + 256),
	    user = STR_INIT(POP3_LINE_MAX);
	const char *p = (const char *)data, *end = p + size;
	struct popup pp;
	struct pop3_cmd c;
	size_t	 idx;

	popup_init(&pp, "<1.2@fuzz>", 1);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t	 n = (size_t)((nl != NULL ? nl : end) - p);

		if (n > POP3_LINE_MAX)
			n = POP3_LINE_MAX;
		pop3_cmd_parse(p, n, &c);
		(void)pop3_msgnum(c.arg, c.arglen, 10, &idx);
		if (popup_line(&pp, p, n, &out, &auth, &user) == POPUP_ERROR)
			break;
		p = nl != NULL ? nl + 1 : end;
	}
	popup_free(&pp);
	str_free(&out);
	str_wipe(&auth);
	str_free(&user);
	return 0;
}
