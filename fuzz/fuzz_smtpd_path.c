/*
 * fuzz_smtpd_path - libFuzzer target for qmail-smtpd's MAIL FROM / RCPT TO
 * argument parser.  First byte: 0 RCPT, else MAIL; the rest the argument.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../src/smtp/smtpd_addr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtpd_path p;

	if (size == 0)
		return 0;
	smtpd_path_init(&p);
	if (smtpd_parse_path((const char *)data + 1, size - 1, data[0] & 1,
	    &p) == 0) {
		if (p.addr.len > SMTPD_ADDR_MAX || p.domain > p.addr.len)
			__builtin_trap();
		if (!(p.flags & ADDR_QUOTED) && p.addr.len > 0 &&
		    memchr(p.addr.s, ' ', p.addr.len) != NULL)
			__builtin_trap();
	}
	smtpd_path_free(&p);
	return 0;
}
