/*
 * esc - enhanced mail system status codes (RFC 3463, RFC 5248):
 * "class.subject.detail", the class 2 (success), 4 (temporary) or 5
 * (permanent), subject and detail what happened.  hsmail writes them as
 * qmail's patches did, after an SMTP reply code and at the end of a
 * failure text: "550 5.1.1 no mailbox here by that name (#5.1.1)".  The
 * programs name a status from this list instead of spelling its digits;
 * the words around it are each program's own.
 */
#ifndef HSMAIL_ESC_H
#define HSMAIL_ESC_H

#include "str.h"

/* subject * 100 + detail; the class comes with each use. */
enum esc {
	ESC_OTHER		= 0,	/* x.0.0 other or undefined status */
	ESC_ADDR_OTHER		= 100,	/* x.1.0 other address status */
	ESC_BAD_MAILBOX		= 101,	/* x.1.1 bad destination mailbox */
	ESC_BAD_DEST_SYNTAX	= 103,	/* x.1.3 bad destination syntax */
	ESC_DEST_VALID		= 105,	/* x.1.5 destination address valid */
	ESC_BAD_SENDER_SYNTAX	= 107,	/* x.1.7 bad sender address syntax */
	ESC_MAILBOX_FULL	= 202,	/* x.2.2 mailbox full */
	ESC_SYSTEM		= 300,	/* x.3.0 other mail system status */
	ESC_TOO_BIG		= 304,	/* x.3.4 message too big for system */
	ESC_NO_ANSWER		= 401,	/* x.4.1 no answer from host */
	ESC_BAD_CONNECTION	= 402,	/* x.4.2 bad connection */
	ESC_LOOP		= 406,	/* x.4.6 routing loop detected */
	ESC_PROTOCOL		= 500,	/* x.5.0 other protocol status */
	ESC_BAD_COMMAND		= 501,	/* x.5.1 invalid command */
	ESC_SYNTAX		= 502,	/* x.5.2 syntax error */
	ESC_TOO_MANY_RCPTS	= 503,	/* x.5.3 too many recipients */
	ESC_BAD_ARGS		= 504,	/* x.5.4 invalid command arguments */
	ESC_MEDIA		= 600,	/* x.6.0 other media error */
	ESC_SECURITY		= 700,	/* x.7.0 other security status */
	ESC_NOT_AUTHORIZED	= 701,	/* x.7.1 delivery not authorized */
	ESC_AUTH_INVALID	= 708,	/* x.7.8 credentials invalid (4954) */
	ESC_ENCRYPT_NEEDED	= 711,	/* x.7.11 encryption required */
};

/* "5.1.1" and its NUL fit (subjects and details have at most 3 digits). */
#define ESC_BUFSIZE	12

/* Write "<cls>.<subject>.<detail>" into buf; returns buf.  cls: 2, 4, 5. */
char	*esc_fmt(char buf[ESC_BUFSIZE], int cls, enum esc);

/*
 * Replace *out by the SMTP reply line "<code> <esc> <text>" (no CRLF),
 * the class taken from code, and for a failure (4xx, 5xx) the status
 * again at the end as qmail's replies have it: "452 4.5.3 too many
 * recipients (#4.5.3)".  0, or -1 (str errors).
 */
int	esc_reply(struct str *out, int code, enum esc, const char *text);

#endif
