/*
 * fuzz_opensmtp - the readers of vpopmail/etc/open-smtp (the
 * POP-before-SMTP grants): the filters of vchkpw's relay_open and of
 * clearopensmtp, and the rules text tcprules gets from it.  A damaged
 * file must never crash them; what they keep is a subset of its lines.
 */
#include <stdint.h>
#include <string.h>

#include "../src/vpop/relay.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *b = (const char *)data;
	struct str out = STR_INIT(STR_UNBOUNDED);
	int	 listed;

	if (relay_filter(b, size, "192.0.2.1", 0, 1800000000, &listed,
	    &out) == 0 && out.len > size + 1)
		__builtin_trap();
	str_clear(&out);
	if (relay_filter(b, size, NULL, 30, 1800000000, NULL, &out) == 0 &&
	    out.len > size + 1)
		__builtin_trap();
	str_clear(&out);
	if (relay_rules(b, size, &out) == 0 && out.len > size + 1)
		__builtin_trap();
	str_free(&out);
	return 0;
}
