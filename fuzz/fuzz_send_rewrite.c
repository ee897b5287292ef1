/*
 * fuzz_send_rewrite - qmail-todo's recipient rewriting (rewrite_addr) on
 * arbitrary envelope addresses, with percenthack, locals and
 * virtualdomains tables that the input can hit.
 */
#include <stddef.h>
#include <stdint.h>

#include "../src/send/rewrite.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rewrite rw;
	static int init;
	struct str out = STR_INIT(1 << 16);

	if (!init) {
		struct strlist l = STRLIST_INIT, v = STRLIST_INIT;
		struct strlist p = STRLIST_INIT;

		(void)strlist_adds(&l, "me.example");
		(void)strlist_adds(&v, "example.com:example.com");
		(void)strlist_adds(&v, ".sub.example:sub");
		(void)strlist_adds(&v, "x@y.example:xy");
		(void)strlist_adds(&v, ":catch");
		(void)strlist_adds(&p, "me.example");
		(void)strlist_adds(&p, "example.com");
		rewrite_init(&rw);
		(void)rewrite_set(&rw, &l, &v, &p, "envhost");
		strlist_free(&l);
		strlist_free(&v);
		strlist_free(&p);
		init = 1;
	}
	(void)rewrite_addr(&rw, (const char *)data, size, &out);
	str_free(&out);
	return 0;
}
