/*
 * fuzz_mhdr - untrusted message text through the header splitter (in
 * chunks of a size the input chooses) and every header field through the
 * From and Authentication-Results parsers, as qmail-smtpd and msgauthd
 * call them.
 */
#include <stddef.h>
#include <stdint.h>

#include "mhdr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
judge(void *arg, const char *f, size_t n, int flags)
{
	struct str *d = arg;
	const char *v;
	size_t	 vl;

	(void)flags;
	if (mhdr_is(f, n, "From", &v, &vl))
		(void)mhdr_from_domain(v, vl, d);
	if (mhdr_is(f, n, "Authentication-Results", &v, &vl))
		(void)mhdr_authres_id(v, vl, d);
	return !mhdr_forged(f, n, "mx.example.org");
}

static int
out(void *arg, const char *b, size_t n)
{
	(void)arg;
	(void)b;
	(void)n;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str d = STR_INIT(4096);
	struct mhdr h;
	size_t	 step, i;

	if (size == 0)
		return 0;
	step = (size_t)data[0] % 17 + 1;
	data++;
	size--;
	mhdr_init(&h, &d, judge, NULL, out);
	for (i = 0; i < size; i += step)
		if (mhdr_feed(&h, (const char *)data + i, size - i < step ?
		    size - i : step) == -1)
			break;
	(void)mhdr_end(&h);
	mhdr_free(&h);
	(void)mhdr_from_domain((const char *)data, size, &d);
	(void)mhdr_authres_id((const char *)data, size, &d);
	str_free(&d);
	return 0;
}
