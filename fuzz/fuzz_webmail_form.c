/*
 * fuzz_webmail_form - request bodies through sqwebmail's form parsers:
 * the first line is a Content-Type (its boundary for multipart), the
 * rest the body; the same bytes as a query string too.
 */
#include <stdint.h>
#include <string.h>

#include "../src/webmail/cgi.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *nl;
	struct str ct = STR_INIT(1024), bnd = STR_INIT(256);
	struct cgi_form f;

	cgi_form_init(&f, 1 << 20);
	(void)cgi_urlencoded_parse(&f, p, size);
	cgi_form_free(&f);
	nl = memchr(p, '\n', size);
	if (nl != NULL && str_copyb(&ct, p, (size_t)(nl - p)) == 0 &&
	    memchr(ct.s, '\0', ct.len) == NULL &&
	    cgi_multipart_boundary(ct.s, &bnd) == 0) {
		cgi_form_init(&f, 1 << 20);
		(void)cgi_multipart_parse(&f, bnd.s, nl + 1,
		    size - (size_t)(nl + 1 - p));
		cgi_form_free(&f);
	}
	str_free(&ct);
	str_free(&bnd);
	return 0;
}
