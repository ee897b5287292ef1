/*
 * fuzz_webmail_abook - address book files through the webmail's parser,
 * written back and parsed again (the same contacts must come out).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/webmail/abook.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct abook a = ABOOK_INIT, b = ABOOK_INIT;
	struct str t = STR_INIT(STR_UNBOUNDED);
	size_t	 i;

	if (size > ABOOK_FILE_MAX)
		return 0;
	if (abook_parse((const char *)data, size, &a) == 0 &&
	    abook_format(&a, &t) == 0 && abook_parse(t.s, t.len, &b) == 0) {
		if (a.n != b.n)
			abort();
		for (i = 0; i < a.n; i++)
			if (strcmp(a.v[i].name, b.v[i].name) != 0 ||
			    strcmp(a.v[i].addr, b.v[i].addr) != 0)
				abort();
	}
	abook_sort(&a);
	abook_free(&a);
	abook_free(&b);
	str_free(&t);
	return 0;
}
