/*
 * qq - hand one message to the queue: the client side of qmail-queue(8)
 * for qmail-local forwards, vdelivermail forwards, qmail-inject, sendmail
 * and bounces.  The message goes to qmail-queued when it answers on its
 * socket (no program load; the queue learns the caller's uid from the
 * kernel), else to qmail-queue (or $QMAILQUEUE, then always that
 * program).  Message first, then the envelope; the result is the text of
 * qmail's qmail_close: "" queued, or 'D'/'Z' and a reason.
 */
#ifndef HSMAIL_QQ_H
#define HSMAIL_QQ_H

#include <sys/types.h>

#include "str.h"

struct qq {
	pid_t	 pid;		/* qmail-queue, or 0 with qmail-queued */
	int	 sock;		/* qmail-queued's connection, or -1 */
	int	 msgfd;		/* qmail-queue's fd 0 */
	int	 envfd;		/* qmail-queue's fd 1 */
	int	 fail;		/* a write failed or qq_fail was called */
	unsigned long qp;	/* the message's "qp", once known */
	struct str env;		/* envelope collected until qq_close */
	size_t	 buflen;
	char	 buf[8192];
};

/*
 * Who the caller is, for the first line qmail-queue writes ("invoked
 * from network", "for bounce").  qmail-queued believes it only from
 * root or the queue's owner, who could write the queue themselves (an
 * instance run by one user); everyone else is named by uid as qmail
 * names them.
 */
#define QQ_AS_USER	'q'	/* by uid: the caller's own */
#define QQ_AS_NETWORK	'n'	/* qmail-smtpd */
#define QQ_AS_BOUNCE	'b'	/* qmail-send's bounces */

/*
 * Start queueing a message: qmail-queued when it listens on
 * <qmail>/qmail-queued.sock and runs as the queue's owner (or root),
 * else qmail-queue: $QMAILQUEUE if set and not empty (then always),
 * <qmail>/bin/qmail-queue otherwise.  SIGPIPE must be ignored by the
 * caller.  0, or -1 with errno.
 */
int	qq_open(struct qq *);
/* The same, saying who the caller is (QQ_AS_*). */
int	qq_open_as(struct qq *, char as);
/* The message, in pieces. */
void	qq_put(struct qq *, const void *, size_t);
void	qq_puts(struct qq *, const char *);
/* Mark the message as broken: qq_close then fails temporarily. */
void	qq_fail(struct qq *);
/* The envelope: sender once, then each recipient (E2BIG if too long). */
void	qq_from(struct qq *, const char *);
void	qq_to(struct qq *, const char *);
/*
 * Send the envelope, wait for the queue's answer.  Returns "" when the
 * message was queued, else qmail's text starting with 'D' (permanent) or
 * 'Z' (temporary), e.g. "Zqq write error or disk full (#4.3.0)".  Static
 * storage.  Frees what the handle holds; qq_qp still works.
 */
const char *qq_close(struct qq *);
/*
 * The message's "qp" (qmail-queue's pid, or qmail-queued's number for
 * it): known after a successful qq_close; before, qmail-queue's pid or 0.
 */
unsigned long qq_qp(const struct qq *);

/*
 * The client side of qmail-queued, for qq and qmail-smtpd.
 * qq_queued_connect: a connection to qmail-queued at sock if it listens
 * there now (no waiting: a full backlog is no) and runs as the owner of
 * queuedir or as root, so that nobody else can pose as the queue.  The
 * fd, or -1.
 * qq_queued_give: wait (at most QQ_QUEUED_GO seconds) for its go-ahead,
 * then send the read ends m and e (qmail-queue's fds 0 and 1) with the
 * byte as (QQ_AS_*).  0 or -1.
 * qq_queued_status: its answer, the message's qp and the wait status
 * qmail-queue would have had.  0 or -1 (the connection ended first).
 */
#define QQ_QUEUED_GO	10
int	qq_queued_connect(const char *sock, const char *queuedir);
int	qq_queued_give(int s, int m, int e, char as);
int	qq_queued_status(int s, unsigned long *qp_r, int *status_r);

#endif
