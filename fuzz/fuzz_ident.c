/*
 * fuzz_ident - the parser of an RFC 1413 reply, as tcpserver -r reads it
 * from the client's ident server.
 */
#include <stdint.h>

#include "../src/tcp/ident.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str user = STR_INIT(IDENT_REPLY_MAX);

	(void)ident_parse((const char *)data, size, &user);
	str_free(&user);
	return 0;
}
