/*
 * fuzz_inject_addr - qmail-inject's address-list parser and address
 * qualification on arbitrary header text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/queue/inject.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strlist l = STRLIST_INIT;
	struct str a = STR_INIT(4096);
	size_t	 i;

	if (inject_addrlist((const char *)data, size, &l) == 0)
		for (i = 0; i < l.n; i++) {
			if (strlen(l.v[i]) > 1002)
				abort();
			if (str_copys(&a, l.v[i]) == 0)
				(void)inject_qualify(&a, "h.example", "example",
				    "plus.example");
		}
	strlist_free(&l);
	str_free(&a);
	return 0;
}
