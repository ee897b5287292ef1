/*
 * smtpd_data - DATA state machine of qmail-smtpd (see smtpd_data.h for
 * the bare CR / bare LF policy).  Untrusted input.
 */
#include <string.h>

#include "smtpd_data.h"

enum {
	ST_BOL,		/* at the start of a line */
	ST_DOT,		/* a line that began with '.' */
	ST_DOTCR,	/* "." CR at the start of a line */
	ST_MID,		/* inside a line */
	ST_CR,		/* CR inside a line, LF expected */
};

static void	emit(struct smtpd_data *, char);
static void	flush(struct smtpd_data *);
static void	end_line(struct smtpd_data *);

void
smtpd_data_init(struct smtpd_data *d, unsigned long long max,
    int (*sink)(void *, const char *, size_t), void *arg)
{
	memset(d, 0, sizeof(*d));
	d->state = ST_BOL;
	d->inheader = 1;
	d->max = max;
	d->sink = sink;
	d->arg = arg;
}

/* Pass the collected bytes to the sink unless the message is refused. */
static void
flush(struct smtpd_data *d)
{
	if (d->outlen > 0 && !(d->result & (DATA_TOOBIG | DATA_SINKERR)) &&
	    d->sink(d->arg, d->out, d->outlen) == -1)
		d->result |= DATA_SINKERR;
	d->outlen = 0;
}

/* One byte of the stored message. */
static void
emit(struct smtpd_data *d, char c)
{
	if (c == '\0')
		d->result |= DATA_NUL;
	d->size++;
	if (d->max != 0 && d->size > d->max)
		d->result |= DATA_TOOBIG;
	if (d->result & (DATA_TOOBIG | DATA_SINKERR))
		return;
	if (c != '\n' && d->linelen < sizeof(d->prefix))
		d->prefix[d->linelen] = c;
	if (c != '\n')
		d->linelen++;
	d->out[d->outlen++] = c;
	if (d->outlen == sizeof(d->out))
		flush(d);
}

/* The line just ended: end of headers, or one more hop header. */
static void
end_line(struct smtpd_data *d)
{
	size_t	 n = d->linelen < sizeof(d->prefix) ? d->linelen :
	    sizeof(d->prefix);
	size_t	 i;
	char	 low[sizeof(d->prefix)];

	if (d->inheader) {
		if (d->linelen == 0)
			d->inheader = 0;
		else {
			for (i = 0; i < n; i++)
				low[i] = (d->prefix[i] >= 'A' &&
				    d->prefix[i] <= 'Z') ? d->prefix[i] + 32 :
				    d->prefix[i];
			if ((n >= 9 && memcmp(low, "received:", 9) == 0) ||
			    (n >= 13 && memcmp(low, "delivered-to:", 13) == 0))
				if (++d->hops >= SMTPD_MAXHOPS)
					d->result |= DATA_HOPS;
		}
	}
	d->linelen = 0;
}

size_t
smtpd_data_feed(struct smtpd_data *d, const char *buf, size_t n)
{
	size_t	 i;
	char	 c;

	for (i = 0; i < n; i++) {
		c = buf[i];
		switch (d->state) {
		case ST_BOL:
			if (c == '.') {
				d->state = ST_DOT;
				break;
			}
			/* FALLTHROUGH */
		case ST_MID:
		case ST_DOT:
			if (c == '\r')
				d->state = d->state == ST_DOT ? ST_DOTCR : ST_CR;
			else if (c == '\n') {
				d->result |= DATA_BARE;
				return i;
			} else {
				emit(d, c);
				d->state = ST_MID;
			}
			break;
		case ST_DOTCR:
			if (c != '\n') {
				d->result |= DATA_BARE;
				return i;
			}
			d->result |= DATA_END;
			flush(d);
			return i + 1;
		case ST_CR:
			if (c != '\n') {
				d->result |= DATA_BARE;
				return i;
			}
			emit(d, '\n');
			end_line(d);
			d->state = ST_BOL;
			break;
		}
	}
	return n;
}
