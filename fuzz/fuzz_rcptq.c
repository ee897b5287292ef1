/*
 * fuzz_rcptq - the request line vchkuser reads from whoever runs it
 * (untrusted), and the answer line qmail-smtpd reads back.  A request
 * that parses must name nothing outside the domain directory, and format
 * back to the same fields; an answer must be one of the known kinds.
 */
#include <stdint.h>
#include <string.h>

#include "rcptq.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rcptq_req q, q2;
	struct str s = STR_INIT(RCPTQ_LINE_MAX + 1);
	enum vpop_rcpt res;
	const char *b = (const char *)data;

	if (rcptq_req_parse(b, size, &q) == 0) {
		if (strchr(q.user, '/') != NULL ||
		    strchr(q.domain, '/') != NULL ||
		    strstr(q.domain, "..") != NULL ||
		    q.user[0] == '\0' || q.domain[0] == '\0' ||
		    q.percent < 0 || q.percent > 100)
			__builtin_trap();
		if (rcptq_req_format(&s, q.user, q.domain, q.percent) != 0 ||
		    rcptq_req_parse(s.s, s.len - 1, &q2) != 0 ||
		    strcmp(q.user, q2.user) != 0 ||
		    strcmp(q.domain, q2.domain) != 0 ||
		    q.percent != q2.percent)
			__builtin_trap();
	}
	if (rcptq_ans_parse(b, size, &res) == 0 &&
	    (res > VPOP_RCPT_FULL || strlen(rcptq_ans_word((int)res)) != size))
		__builtin_trap();
	str_free(&s);
	return 0;
}
