/*
 * dtscan - the Delivered-To loop checks of qmail-local and vdelivermail
 * (dtscan.h).  Untrusted input: the message.
 */
#include <string.h>
#include <strings.h>

#include "dtscan.h"
#include "str.h"

void
dtscan_init(struct dtscan *d, const char *line, size_t len)
{
	d->line = line;
	d->len = len;
	d->pos = 0;
	d->match = 1;
	d->state = DTSCAN_MORE;
}

int
dtscan_feed(struct dtscan *d, const char *b, size_t n)
{
	size_t	 i;

	for (i = 0; i < n && d->state == DTSCAN_MORE; i++) {
		if (d->match && (d->pos >= d->len || b[i] != d->line[d->pos]))
			d->match = 0;
		d->pos++;
		if (b[i] != '\n')
			continue;
		if (d->pos <= 1)
			d->state = DTSCAN_END;	/* the empty line */
		else if (d->match && d->pos == d->len)
			d->state = DTSCAN_FOUND;
		d->pos = 0;
		d->match = 1;
	}
	return d->state;
}

int
dtscan_header(const char *b, size_t n, const char *addr)
{
	const char *p = b, *end = b + n, *nl, *v, *e;
	size_t	 al = strlen(addr);

	for (; p < end && *p != '\n'; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;			/* a line cut by the limit */
		e = nl;
		if (e > p && e[-1] == '\r')
			e--;
		if ((size_t)(e - p) < 13 || !mem_caseeq(p, "Delivered-To:", 13))
			continue;
		for (v = p + 13; v < e && (*v == ' ' || *v == '\t'); v++)
			;
		if ((size_t)(e - v) == al && mem_caseeq(v, addr, al))
			return 1;
	}
	return 0;
}
