/*
 * fuzz_smtpd_data - libFuzzer target for qmail-smtpd's DATA reader.  The
 * first byte sets the chunk size; the rest is what the client sends after
 * 354.  Checks the smuggling invariants: what is stored never holds a CR,
 * and feeding in chunks gives the same result as feeding at once.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../src/smtp/smtpd_data.h"
#include "str.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
sink(void *arg, const char *b, size_t n)
{
	return str_catb(arg, b, n);
}

static int
run(const char *in, size_t n, size_t step, struct str *out, size_t *used)
{
	struct smtpd_data d;
	size_t	 i = 0, k;

	str_clear(out);
	smtpd_data_init(&d, 100000, sink, out);
	while (i < n) {
		k = n - i < step ? n - i : step;
		i += smtpd_data_feed(&d, in + i, k);
		if (d.result & (DATA_END | DATA_BARE))
			break;
	}
	*used = i;
	return d.result;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str a = STR_INIT(STR_UNBOUNDED), b = STR_INIT(STR_UNBOUNDED);
	size_t	 ua, ub, step;
	int	 ra, rb;

	if (size == 0)
		return 0;
	step = data[0] == 0 ? 1 : data[0];
	ra = run((const char *)data + 1, size - 1, size, &a, &ua);
	rb = run((const char *)data + 1, size - 1, step, &b, &ub);
	if (ra != rb || ua != ub)
		__builtin_trap();
	if ((ra & DATA_END) && (a.len != b.len ||
	    (a.len > 0 && memcmp(a.s, b.s, a.len) != 0)))
		__builtin_trap();
	if (a.len > 0 && memchr(a.s, '\r', a.len) != NULL)
		__builtin_trap();
	str_free(&a);
	str_free(&b);
	return 0;
}
