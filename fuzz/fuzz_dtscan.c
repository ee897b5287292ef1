/*
 * fuzz_dtscan - the Delivered-To loop checks of qmail-local (streamed,
 * exact line) and vdelivermail (a field naming the address) over a
 * message from anyone.  Input: the address, LF, the message.  Fed in
 * pieces of every size, the streamed scan must decide as it does fed
 * whole.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dtscan.h"
#include "str.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *b = (const char *)data, *nl;
	struct str line = STR_INIT(4096), addr = STR_INIT(4096);
	struct dtscan d;
	size_t	 i, step;
	int	 whole, r = DTSCAN_MORE;

	nl = memchr(b, '\n', size);
	if (nl == NULL)
		return 0;
	if (str_copyb(&addr, b, (size_t)(nl - b)) == -1 ||
	    memchr(addr.s != NULL ? addr.s : "", '\0', addr.len) != NULL ||
	    str_printf(&line, "Delivered-To: %s\n", str_c(&addr)) == -1)
		goto out;
	b = nl + 1;
	size -= (size_t)(b - (const char *)data);
	(void)dtscan_header(b, size, str_c(&addr));
	dtscan_init(&d, line.s, line.len);
	whole = dtscan_feed(&d, b, size);
	step = size > 0 ? (size_t)(unsigned char)b[0] % 7 + 1 : 1;
	dtscan_init(&d, line.s, line.len);
	for (i = 0; i < size && r == DTSCAN_MORE; i += step)
		r = dtscan_feed(&d, b + i, size - i < step ? size - i : step);
	if (r != whole)
		__builtin_trap();
out:
	str_free(&line);
	str_free(&addr);
	return 0;
}
