/*
 * fuzz_srs_reverse - a recipient address from the network (a bounce to
 * an SRS address) through srs_reverse, and through srs_forward as a
 * sender to forward.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "srs.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct strlist sec;
	struct str a = STR_INIT(4096), out = STR_INIT(1024);

	if (sec.n == 0) {
		(void)strlist_adds(&sec, "fuzz-secret");
		(void)strlist_adds(&sec, "old-secret");
	}
	if (memchr(data, 0, size) == NULL && str_copyb(&a, data, size) == 0) {
		(void)srs_reverse(str_c(&a), &sec, 1796613000LL, &out);
		(void)srs_forward(str_c(&a), "fwd.example", &sec,
		    1796613000LL, &out);
	}
	str_free(&a);
	str_free(&out);
	return 0;
}
