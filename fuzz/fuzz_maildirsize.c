/*
 * fuzz_maildirsize - the maildirsize parser and the quota spec / vpopmail
 * quota field parsers on arbitrary bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mdquota.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mdquota q;
	struct str spec = STR_INIT(MDQUOTA_SPEC_MAX);
	char	*s;

	if (mdquota_parse((const char *)data, size, &q) == 0) {
		(void)mdquota_over(&q, 1000, 1);
		(void)mdquota_percent(&q);
	}
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)mdquota_spec_parse(s, &q);
	(void)mdquota_from_vpop(s, &spec);
	free(s);
	str_free(&spec);
	return 0;
}
