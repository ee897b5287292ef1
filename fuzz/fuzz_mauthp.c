/*
 * fuzz_mauthp - bytes from the other end of the msgauthd socket through
 * the netstring reader (in chunks the input chooses), and each payload
 * through the request and result parsers.
 */
#include <stddef.h>
#include <stdint.h>

#include "mauthp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str p = STR_INIT(MAUTHP_RES_MAX);
	struct mauthp_ns ns;
	struct mauthp_req req;
	struct mauthp_res res;
	size_t	 step, used, i = 0;
	int	 r;

	if (size == 0)
		return 0;
	step = (size_t)data[0] % 13 + 1;
	data++;
	size--;
	mauthp_res_init(&res);
	while (i < size) {
		mauthp_ns_init(&ns, MAUTHP_RES_MAX, &p);
		r = 0;
		while (i < size && r == 0) {
			r = mauthp_ns_feed(&ns, (const char *)data + i,
			    size - i < step ? size - i : step, &used);
			i += used;
		}
		if (r != 1)
			break;
		(void)mauthp_res_parse(p.s, p.len, &res);
		(void)mauthp_req_parse(p.s, p.len, &req);
	}
	mauthp_res_free(&res);
	str_free(&p);
	return 0;
}
