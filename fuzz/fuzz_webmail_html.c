/*
 * fuzz_webmail_html - HTML mail bodies through the sanitizer, with and
 * without remote images; the output must never hold a script.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/webmail/sanitize.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct san_opts o = { (int)(size & 1), "part?cid=" };
	struct san_result res;
	struct str out = STR_INIT(1 << 26);

	if (san_html((const char *)data, size, &o, &out, &res) == 0 &&
	    out.len > 0 && (memmem(out.s, out.len, "<script", 7) != NULL ||
	    memmem(out.s, out.len, "<iframe", 7) != NULL))
		abort();
	str_free(&out);
	return 0;
}
