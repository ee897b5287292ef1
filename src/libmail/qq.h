/*
 * qq - hand one message to qmail-queue (or $QMAILQUEUE): the client side
 * of qmail-queue(8) for qmail-local forwards, qmail-inject, sendmail and
 * bounces.  Message first, then the envelope; the result is the text of
 * qmail's qmail_close: "" queued, or 'D'/'Z' and a reason.
 */
#ifndef HSMAIL_QQ_H
#define HSMAIL_QQ_H

#include <sys/types.h>

#include "str.h"

struct qq {
	pid_t	 pid;		/* qmail-queue: its pid is the "qp" */
	int	 msgfd;		/* its fd 0 */
	int	 envfd;		/* its fd 1 */
	int	 fail;		/* a write failed or qq_fail was called */
	struct str env;		/* envelope collected until qq_close */
	size_t	 buflen;
	char	 buf[8192];
};

/*
 * Start qmail-queue: $QMAILQUEUE if set and not empty, else
 * <qmail>/bin/qmail-queue.  SIGPIPE must be ignored by the caller.
 * 0, or -1 with errno.
 */
int	qq_open(struct qq *);
/* The message, in pieces. */
void	qq_put(struct qq *, const void *, size_t);
void	qq_puts(struct qq *, const char *);
/* Mark the message as broken: qq_close then fails temporarily. */
void	qq_fail(struct qq *);
/* The envelope: sender once, then each recipient (E2BIG if too long). */
void	qq_from(struct qq *, const char *);
void	qq_to(struct qq *, const char *);
/*
 * Send the envelope, wait for qmail-queue.  Returns "" when the message
 * was queued, else qmail's text starting with 'D' (permanent) or 'Z'
 * (temporary), e.g. "Zqq write error or disk full (#4.3.0)".  Static
 * storage.  Frees the handle.
 */
const char *qq_close(struct qq *);
/* The pid of qmail-queue (the "qp" in logs). */
unsigned long qq_qp(const struct qq *);

#endif
