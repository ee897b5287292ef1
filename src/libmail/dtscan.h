/*
 * dtscan - is the message already marked "Delivered-To" for us?  The
 * loop checks of the local delivery agents, kept apart from the programs
 * so that they are unit-tested and fuzzed as they run:
 *  - qmail-local's (qmail's bouncexf): a header line equal, byte for
 *    byte, to its own Delivered-To line, streamed (a header line of any
 *    length costs no memory);
 *  - vdelivermail's: a "Delivered-To:" field (name in any case, blanks
 *    after the colon, a CR before the LF) whose value is the address in
 *    any case, in the first bytes of the header.
 * The message is untrusted.
 */
#ifndef HSMAIL_DTSCAN_H
#define HSMAIL_DTSCAN_H

#include <stddef.h>

/* qmail-local's streaming scan. */
struct dtscan {
	const char *line;	/* the Delivered-To line with its LF */
	size_t	 len;
	size_t	 pos;		/* bytes of the current header line seen */
	int	 match;		/* the line equals ours so far */
	int	 state;		/* DTSCAN_MORE, DTSCAN_FOUND, DTSCAN_END */
};

#define DTSCAN_MORE	0	/* feed more of the message */
#define DTSCAN_FOUND	1	/* our line is in the header: a loop */
#define DTSCAN_END	2	/* the header ended without it */

/* line (len bytes, ending in LF) is borrowed until the scan ends. */
void	dtscan_init(struct dtscan *, const char *line, size_t len);

/* Feed message bytes; returns the state (stays once not MORE). */
int	dtscan_feed(struct dtscan *, const char *, size_t);

/*
 * vdelivermail's check over the first n bytes of a message (its header,
 * or the start of it): 1 if a Delivered-To field names addr, else 0.
 */
int	dtscan_header(const char *b, size_t n, const char *addr);

#endif
