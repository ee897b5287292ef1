/*
 * smtpd_data - the DATA reader of qmail-smtpd: a byte-level state
 * machine that undoes dot-stuffing, stores CRLF as LF, counts the size
 * and the hop headers, and finds the end of the message.
 *
 * Policy against SMTP smuggling: only CRLF "." CRLF ends a message.  A
 * bare LF (LF not preceded by CR) or a bare CR (CR not followed by LF)
 * anywhere in the data stops the reader at once with DATA_BARE: the
 * caller answers 451 and closes the connection, as qmail does for a
 * bare LF, so nothing after it is ever read as a command or a second
 * message.  NUL bytes are counted (DATA_NUL) and the message refused at
 * its end.  Lines of any length are accepted; the size limit applies.
 * Untrusted input.
 */
#ifndef HSMAIL_SMTPD_DATA_H
#define HSMAIL_SMTPD_DATA_H

#include <stddef.h>

/* RFC 5321 6.3 / qmail: this many Received or Delivered-To lines is a loop. */
#define SMTPD_MAXHOPS	100

/* struct smtpd_data.result bits */
#define DATA_END	0x01	/* CRLF.CRLF seen: the message is complete */
#define DATA_BARE	0x02	/* bare CR or LF: stop, 451, close */
#define DATA_TOOBIG	0x04	/* more than max bytes (still reading) */
#define DATA_NUL	0x08	/* a NUL byte was seen */
#define DATA_HOPS	0x10	/* SMTPD_MAXHOPS hop headers or more */
#define DATA_SINKERR	0x20	/* the sink failed (still reading) */

struct smtpd_data {
	int	 state;
	int	 inheader;
	int	 result;
	size_t	 linelen;		/* bytes of the current line so far */
	char	 prefix[16];		/* its first bytes, for the headers */
	unsigned long hops;
	unsigned long long size;	/* bytes stored (LF line ends) */
	unsigned long long max;		/* 0: no limit */
	/* Receives the stored bytes; 0 or -1 (then DATA_SINKERR). */
	int	(*sink)(void *, const char *, size_t);
	void	*arg;
	size_t	 outlen;
	char	 out[4096];
};

/* Start a message: max bytes (0 unlimited), sink and its argument. */
void	smtpd_data_init(struct smtpd_data *, unsigned long long max,
	    int (*sink)(void *, const char *, size_t), void *arg);

/*
 * Feed n bytes from the client.  Returns how many were consumed: fewer
 * than n once DATA_END or DATA_BARE is set (the rest belongs to the
 * next command, or is never read).  Output is flushed to the sink when
 * DATA_END is reached.
 */
size_t	smtpd_data_feed(struct smtpd_data *, const char *, size_t n);

#endif
