/*
 * fuzz_webmail_cookie - what sqwebmaild's privileged monitor reads before
 * it drops privileges: the CGI environment record, the session cookie
 * out of the Cookie header, and a session file.
 */
#include <stdint.h>
#include <string.h>

#include "../src/webmail/cgi.h"
#include "../src/webmail/session.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct cgi_env e;
	struct session s;
	char	 v[SESSION_ID_LEN + 1], h[65];

	cgi_env_init(&e);
	(void)cgi_env_parse(&e, p, size);
	cgi_env_free(&e);
	if (cgi_cookie_get(p, size, "sqwebmail", v, sizeof(v)) == 1 &&
	    session_id_valid(v))
		session_hash(v, h);
	session_init(&s);
	(void)session_parse(&s, p, size);
	session_free(&s);
	return 0;
}
