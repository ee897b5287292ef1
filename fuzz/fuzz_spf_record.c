/*
 * fuzz_spf_record - a TXT record from DNS (untrusted) through the SPF
 * record parser and every domain-spec of it through the macro expander.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "spf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct spf_rec rec;
	struct str why = STR_INIT(1024), out = STR_INIT(4096);
	struct spf_query q;
	size_t	 i;

	memset(&q, 0, sizeof(q));
	(void)dns_addr_literal("192.0.2.3", &q.ip);
	q.sender = "strong-bad@email.example.com";
	q.helo = "mx.example.org";
	q.receiver = "mx.example.net";
	if (spf_parse((const char *)data, size, &rec, &why) == 0)
		for (i = 0; i < rec.n; i++)
			if (rec.t[i].spec != NULL)
				(void)spf_expand(rec.t[i].spec,
				    rec.t[i].speclen, &q, "example.com",
				    rec.t[i].mech == SPF_M_EXP, &out);
	(void)spf_expand((const char *)data, size, &q, "example.com", 0, &out);
	(void)spf_expand((const char *)data, size, &q, "example.com", 1, &out);
	str_free(&why);
	str_free(&out);
	return 0;
}
