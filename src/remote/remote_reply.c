/*
 * remote_reply - parse SMTP replies from a remote server.  Everything
 * here is untrusted input: lines are capped by the reader, the reply as a
 * whole by REPLY_MAX, and a malformed line ends the reply as code 0.
 */
#include <errno.h>
#include <string.h>

#include "num.h"
#include "remote_reply.h"

static int	reply_isdigit(char);
static int	reply_keyword(const char *, size_t, const char *);

void
reply_init(struct reply *r)
{
	struct str t = STR_INIT(REPLY_MAX);

	r->code = 0;
	r->text = t;
	r->done = 0;
}

void
reply_free(struct reply *r)
{
	str_free(&r->text);
}

void
reply_reset(struct reply *r)
{
	r->code = 0;
	r->done = 0;
	str_clear(&r->text);
}

static int
reply_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

int
reply_addline(struct reply *r, const char *line, size_t n)
{
	size_t	 i, start = r->text.len;
	int	 last, good;

	good = n >= 3 && reply_isdigit(line[0]) && reply_isdigit(line[1]) &&
	    reply_isdigit(line[2]) && (n == 3 || line[3] == ' ' ||
	    line[3] == '-');
	if (str_catb(&r->text, line, n) == -1 ||
	    str_catc(&r->text, '\n') == -1) {
		str_truncate(&r->text, start);
		return -1;
	}
	for (i = start; i < r->text.len; i++)
		if (r->text.s[i] == '\0')
			r->text.s[i] = '?';
	if (!good) {
		r->code = 0;
		r->done = 1;
		return 1;
	}
	if (start == 0)
		r->code = (unsigned)(line[0] - '0') * 100 +
		    (unsigned)(line[1] - '0') * 10 + (unsigned)(line[2] - '0');
	last = n == 3 || line[3] == ' ';
	if (last)
		r->done = 1;
	return last;
}

/* 1 if the EHLO line p[0..n) (after "250-") is keyword kw or starts
 * with it followed by a space. */
static int
reply_keyword(const char *p, size_t n, const char *kw)
{
	size_t	 k = strlen(kw);

	if (n < k || !mem_caseeq(p, kw, k))
		return 0;
	return n == k || p[k] == ' ' || p[k] == '\t';
}

unsigned
reply_ehlo(const struct reply *r, unsigned long *size_r)
{
	const char *p = r->text.s, *end, *nl, *kw;
	unsigned bits = 0;
	unsigned long v;
	size_t	 n;

	*size_r = 0;
	if (p == NULL || r->code != 250)
		return 0;
	end = p + r->text.len;
	/* The first line is the greeting; keywords follow. */
	nl = memchr(p, '\n', (size_t)(end - p));
	if (nl == NULL)
		return 0;
	for (p = nl + 1; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			break;
		if (nl - p < 4)
			continue;
		kw = p + 4;
		n = (size_t)(nl - kw);
		if (reply_keyword(kw, n, "PIPELINING"))
			bits |= EHLO_PIPELINING;
		else if (reply_keyword(kw, n, "8BITMIME"))
			bits |= EHLO_8BITMIME;
		else if (reply_keyword(kw, n, "STARTTLS"))
			bits |= EHLO_STARTTLS;
		else if (reply_keyword(kw, n, "SIZE")) {
			bits |= EHLO_SIZE;
			if (n > 5 && num_parseb(kw + 5, n - 5,
			    (unsigned long)-1 / 2, &v) == 0)
				*size_r = v;
		}
	}
	return bits;
}
