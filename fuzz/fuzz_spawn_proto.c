/*
 * fuzz_spawn_proto - the spawn protocol decoder and command checks on
 * arbitrary bytes, and the report folding on arbitrary qmail-remote output.
 */
#include <stddef.h>
#include <stdint.h>

#include "../src/remote/spawn_proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
cb(void *arg, const struct spawn_cmd *c)
{
	size_t	 at;

	(void)arg;
	(void)spawn_check(c, 255, 0, &at);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spawn_dec d;
	struct str rep = STR_INIT(STR_UNBOUNDED);

	spawn_dec_init(&d);
	(void)spawn_dec_feed(&d, (const char *)data, size, cb, NULL);
	spawn_dec_free(&d);
	(void)spawn_fold(0, (const char *)data, size, &rep);
	str_free(&rep);
	return 0;
}
