/*
 * remote_reply - SMTP replies as qmail-remote reads them from a remote
 * server (untrusted): multi-line replies with a cap on each line and on
 * the whole reply, and the EHLO keywords qmail-remote uses.
 */
#ifndef HSMAIL_REMOTE_REPLY_H
#define HSMAIL_REMOTE_REPLY_H

#include <stddef.h>

#include "str.h"

/* Longest reply line kept (RFC 5321 4.5.3.1.5 says 512; be generous). */
#define REPLY_LINE_MAX	4096
/* Longest whole reply: more is a broken or hostile server (deferral). */
#define REPLY_MAX	(64 * 1024)

struct reply {
	unsigned code;		/* 0: malformed (treated as temporary) */
	struct str text;	/* every line, each ending in '\n', NULs as '?' */
	int	 done;		/* the last line has been seen */
};

/* EHLO keywords */
#define EHLO_PIPELINING	0x01
#define EHLO_8BITMIME	0x02
#define EHLO_STARTTLS	0x04
#define EHLO_SIZE	0x08

void	reply_init(struct reply *);
void	reply_free(struct reply *);
/* Forget the last reply, ready for the next one. */
void	reply_reset(struct reply *);

/*
 * Add one line (without its CRLF) to the reply being read.  A line that
 * does not start with three digits ends the reply with code 0.  Returns
 * 1 the reply is complete, 0 more lines follow, -1 with errno E2BIG (the
 * reply is over REPLY_MAX) or ENOMEM.
 */
int	reply_addline(struct reply *, const char *line, size_t n);

/*
 * The EHLO keywords of a complete 250 reply; SIZE's limit (0: none given)
 * into *size_r.  Returns the EHLO_* bits.
 */
unsigned reply_ehlo(const struct reply *, unsigned long *size_r);

#endif
