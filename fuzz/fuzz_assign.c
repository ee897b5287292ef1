/*
 * fuzz_assign - qmail-newu's users/assign parser on arbitrary bytes: every
 * record it emits must have a key starting with '!' (or the one empty
 * key) and data of exactly six fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assign.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
check(void *ctx, const char *k, size_t kl, const char *d, size_t dl)
{
	size_t	 i, nul = 0;

	(void)ctx;
	if (kl == 0)
		return 0;
	if (k[0] != '!')
		abort();
	for (i = 0; i < dl; i++)
		if (d[i] == '\0')
			nul++;
	if (nul != 5)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned long line;

	(void)assign_parse((const char *)data, size, check, NULL, &line);
	return 0;
}
