/*
 * remote_smtp - one SMTP client session of qmail-remote on a connected
 * socket: greeting, EHLO (HELO fallback), STARTTLS, MAIL with SIZE and
 * BODY=8BITMIME, RCPTs (pipelined when offered), DATA, and the report
 * qmail-rspawn reads (per-recipient r/h/s, then K/Z/D; qmail-remote(8)).
 * The remote server is untrusted: every reply is capped and timed.
 */
#ifndef HSMAIL_REMOTE_SMTP_H
#define HSMAIL_REMOTE_SMTP_H

#include <sys/types.h>

#include <openssl/ssl.h>

#include "str.h"

struct smtp_job {
	const char *ip;		/* the server's address, as text */
	const char *name;	/* its host name for TLS (NULL: none) */
	const char *helo;
	const char *sender;
	char *const *rcpt;
	size_t	 nrcpt;
	int	 msgfd;		/* the message, read from its start */
	off_t	 msgsize;	/* -1: unknown (no SIZE) */
	unsigned timeout;	/* seconds per read/write (timeoutremote) */
	/* The TLS client context, made when a server first offers
	 * STARTTLS (NULL: never STARTTLS); NULL return: no TLS. */
	SSL_CTX	*(*tls)(void);
	int	 tlsrequire;	/* no TLS, or failed verification: defer */
};

/* How a session ended. */
#define SMTP_NEXT	1	/* a temporary failure before the message
				 * was sent (greeting, EHLO, 4xx to MAIL,
				 * every RCPT 4xx, 4xx to DATA, connection
				 * lost): try the next host; report holds
				 * this host's whole output */
#define SMTP_DONE	0	/* final: report holds the whole output */
#define SMTP_TLSFAIL	2	/* as SMTP_NEXT, because the TLS handshake
				 * failed: without TLS the host may do */

/*
 * Run the session on fd.  report receives qmail-remote's output: for
 * SMTP_DONE the records "r"/"h"/"s"... and the final "K"/"Z"/"D" record,
 * each NUL-terminated; for SMTP_TLSFAIL one "Z" record; for SMTP_NEXT
 * a complete report too, used when no other host does better.
 * Returns SMTP_DONE, SMTP_NEXT or SMTP_TLSFAIL; -1 only when out of
 * memory.
 */
int	smtp_session(int fd, const struct smtp_job *, struct str *report);

/*
 * Copy the message from fd to the writer: LF (or CRLF) to CRLF, dots
 * doubled at line starts (RFC 5321 4.5.2).  0 done, -1 with errno:
 * EPROTO the last line has no LF (nothing more is sent), EIO the message
 * could not be read, or the write error.
 */
struct wbuf;
int	smtp_blast(int fd, struct wbuf *);

#endif
