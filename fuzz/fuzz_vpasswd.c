/*
 * fuzz_vpasswd - the vpasswd line parser (and the vpasswd.cdb record and
 * .dir-control parsers) on arbitrary bytes; a parsed line must format back
 * to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vpop.h"
#include "vpop_dirctl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vpop_pw pw;
	struct vpop_dirctl dc;
	struct str out = STR_INIT(4096);
	const char *b = (const char *)data;
	const char *c;

	vpop_pw_init(&pw);
	if (vpop_pw_parse(&pw, b, size) == 0 && memchr(b, '\r', size) == NULL &&
	    memchr(b, '\0', size) == NULL &&
	    vpop_pw_format(&pw, &out) == 0 && pw.uid < 10 && pw.gid < 10 &&
	    (out.len != size || memcmp(out.s, b, size) != 0)) {
		/* Numbers may be written differently ("01"); else identical. */
		if (memchr(b, '0', size) == NULL)
			abort();
	}
	c = memchr(b, ':', size);
	if (c != NULL)
		(void)vpop_pw_parse_cdb(&pw, b, (size_t)(c - b), c + 1,
		    size - (size_t)(c - b) - 1);
	(void)vpop_dirctl_parse(&dc, b, size);
	if (dc.the_dir[0] != '\0' || dc.cur_users > 0)
		vpop_dirctl_next(&dc);
	vpop_pw_free(&pw);
	str_free(&out);
	return 0;
}
