/*
 * fuzz_remote_reply - bytes from a remote SMTP server (untrusted) cut into
 * lines as qmail-remote reads them, through the reply parser and the EHLO
 * keyword parser.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../src/remote/remote_reply.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	struct reply r;
	unsigned long sz;
	size_t	 n;

	reply_init(&r);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (n > REPLY_LINE_MAX)
			n = REPLY_LINE_MAX;
		if (reply_addline(&r, p, n) != 0) {
			(void)reply_ehlo(&r, &sz);
			reply_reset(&r);
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	(void)reply_ehlo(&r, &sz);
	reply_free(&r);
	return 0;
}
