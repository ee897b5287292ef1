/*
 * fuzz_dmarc_record - a TXT record from DNS (untrusted) through the
 * DMARC record parser, and the input as a domain through the
 * organizational domain lookup and alignment.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dmarc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmarc_rec rec;
	struct str d = STR_INIT(1024), o = STR_INIT(1024);

	(void)dmarc_parse((const char *)data, size, &rec);
	if (str_copyb(&d, data, size) == 0 && memchr(data, 0, size) == NULL) {
		(void)dmarc_orgdomain(str_c(&d), &o);
		(void)dmarc_aligned(str_c(&d), "mail.example.co.uk", 'r');
	}
	str_free(&d);
	str_free(&o);
	return 0;
}
