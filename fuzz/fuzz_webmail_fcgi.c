/*
 * fuzz_webmail_fcgi - FastCGI input as the sqwebmail front reads it: a
 * stream of records (headers, BEGIN_REQUEST, PARAMS pairs into the CGI
 * variables, STDOUT written back for the content).
 */
#include <stdint.h>
#include <string.h>

#include "../src/webmail/fcgi.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fcgi_header h;
	struct cgi_env e;
	struct str out = STR_INIT(1 << 22);
	size_t	 pos = 0;
	unsigned role, flags;

	cgi_env_init(&e);
	while (size - pos >= FCGI_HEADER_LEN &&
	    fcgi_header_parse(data + pos, &h) == 0) {
		pos += FCGI_HEADER_LEN;
		if (h.clen > size - pos)
			break;
		if (h.type == FCGI_BEGIN_REQUEST)
			(void)fcgi_begin_parse(data + pos, h.clen, &role, &flags);
		else if (h.type == FCGI_PARAMS)
			(void)fcgi_params_parse(data + pos, h.clen, &e);
		else {
			str_clear(&out);
			(void)fcgi_stdout_put(&out, h.id, data + pos, h.clen);
		}
		pos += h.clen;
		pos += h.plen < size - pos ? h.plen : size - pos;
	}
	cgi_env_free(&e);
	str_free(&out);
	return 0;
}
