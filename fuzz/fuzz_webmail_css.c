/*
 * fuzz_webmail_css - style attributes through the CSS allow-list; what
 * comes out must hold no url( and no escape.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/webmail/sanitize.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str out = STR_INIT(1 << 20);

	if (san_css((const char *)data, size, &out) == 0 && out.len > 0 &&
	    (memmem(out.s, out.len, "url(", 4) != NULL ||
	    memchr(out.s, '\\', out.len) != NULL))
		abort();
	str_free(&out);
	return 0;
}
