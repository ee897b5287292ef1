/*
 * rcptq - request/answer codec of qmail-smtpd <-> vchkuser (rcptq.h).
 * Pure functions on bounded buffers; fuzzed by fuzz_rcptq.
 */
#include <errno.h>
#include <string.h>

#include "num.h"
#include "rcptq.h"

/* Answer words, indexed by enum vpop_rcpt. */
static const char *const words[] = {
	[VPOP_RCPT_NODOMAIN] = "nodomain",
	[VPOP_RCPT_NOUSER] = "nouser",
	[VPOP_RCPT_USER] = "user",
	[VPOP_RCPT_ALIAS] = "alias",
	[VPOP_RCPT_EXT] = "ext",
	[VPOP_RCPT_CATCHALL] = "catchall",
	[VPOP_RCPT_FULL] = "full",
};
#define NWORDS	(sizeof(words) / sizeof(words[0]))

int
rcptq_name_valid(const char *b, size_t n, size_t max)
{
	size_t	 i;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		if ((unsigned char)b[i] < 33 || (unsigned char)b[i] > 126 ||
		    b[i] == '/')
			return 0;
		if (b[i] == '.' && i + 1 < n && b[i + 1] == '.')
			return 0;
	}
	return 1;
}

int
rcptq_user_valid(const char *b, size_t n)
{
	size_t	 i;

	if (n == 0 || n > RCPTQ_USER_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)b[i] < 33 || (unsigned char)b[i] == 127 ||
		    b[i] == '/')
			return 0;
	return 1;
}

int
rcptq_req_format(struct str *out, const char *user, const char *domain,
    int percent)
{
	if (!rcptq_user_valid(user, strlen(user)) ||
	    !rcptq_name_valid(domain, strlen(domain), VPOP_DOMAIN_MAX) ||
	    percent < 0 || percent > 100) {
		errno = EINVAL;
		return -1;
	}
	return str_printf(out, "%s %s %d\n", user, domain, percent);
}

/* Copy the field b[0..n) into buf (room for max + 1), lowercased: the
 * user field when max is RCPTQ_USER_MAX, else the domain. */
static int
rcptq_field(char *buf, const char *b, size_t n, size_t max)
{
	size_t	 i;

	if (max == RCPTQ_USER_MAX ? !rcptq_user_valid(b, n) :
	    !rcptq_name_valid(b, n, max))
		return -1;
	for (i = 0; i < n; i++)
		buf[i] = b[i] >= 'A' && b[i] <= 'Z' ? (char)(b[i] + 32) : b[i];
	buf[n] = '\0';
	return 0;
}

int
rcptq_req_parse(const char *line, size_t n, struct rcptq_req *req)
{
	const char *sp1, *sp2, *end = line + n;
	unsigned long pc;

	memset(req, 0, sizeof(*req));
	if (n > RCPTQ_LINE_MAX ||
	    (sp1 = memchr(line, ' ', n)) == NULL ||
	    (sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1))) == NULL ||
	    rcptq_field(req->user, line, (size_t)(sp1 - line),
	    RCPTQ_USER_MAX) == -1 ||
	    rcptq_field(req->domain, sp1 + 1, (size_t)(sp2 - sp1 - 1),
	    VPOP_DOMAIN_MAX) == -1 ||
	    num_parseb(sp2 + 1, (size_t)(end - sp2 - 1), 100, &pc) == -1) {
		memset(req, 0, sizeof(*req));
		errno = EINVAL;
		return -1;
	}
	req->percent = (int)pc;
	return 0;
}

const char *
rcptq_ans_word(int r)
{
	if (r == RCPTQ_INVALID)
		return "invalid";
	if (r < 0 || (size_t)r >= NWORDS || words[r] == NULL)
		return "temp";
	return words[r];
}

int
rcptq_ans_parse(const char *line, size_t n, enum vpop_rcpt *res)
{
	size_t	 i;

	for (i = 0; i < NWORDS; i++)
		if (words[i] != NULL && strlen(words[i]) == n &&
		    memcmp(words[i], line, n) == 0) {
			*res = (enum vpop_rcpt)i;
			return 0;
		}
	errno = n == 4 && memcmp(line, "temp", 4) == 0 ? EAGAIN : EINVAL;
	return -1;
}
