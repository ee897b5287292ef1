/*
 * smtpd_queue - qmail-smtpd's qmail-queue: message on its fd 0, envelope
 * on its fd 1, exit code mapped to a reply as qmail's qmail_close does;
 * or the same run by qmail-queued.  Runs inside qmail-smtpd; trusts the
 * programs it starts, not the client text it hands them.
 */
#ifndef HSMAIL_SMTPD_QUEUE_H
#define HSMAIL_SMTPD_QUEUE_H

#include <sys/types.h>

#include "io.h"
#include "str.h"

struct smtpd_qq {
	pid_t	 pid;		/* the child, or 0 with sock */
	int	 sock;		/* qmail-queued connection, or -1 */
	int	 msgfd;		/* our end of qmail-queue's fd 0 */
	int	 envfd;		/* our end of qmail-queue's fd 1 */
	struct io io;		/* writes to msgfd, with a deadline */
};

/*
 * Start prog (qmail-queue or $QMAILQUEUE) with pipes on its fds 0 and
 * 1; writes wait at most timeout_sec.  With sock (the default queue, no
 * $QMAILQUEUE): hand the pipes to qmail-queued on that socket instead,
 * when it listens there and runs as the owner of queuedir; else start
 * prog.  0, or -1 with errno.
 */
int	smtpd_qq_open(struct smtpd_qq *, const char *prog, const char *sock,
	    const char *queuedir, unsigned timeout_sec);
/* Message bytes.  0 or -1 (errno). */
int	smtpd_qq_write(struct smtpd_qq *, const char *, size_t);
/*
 * Close the message, send env (NULL: abort, nothing queued), wait.
 * 0 queued: "ok <now> qp <pid>" in *reply.  -1: the whole reply line
 * ("451 4.3.0 qq ...", "554 5.3.0 ...") in *reply.
 */
int	smtpd_qq_close(struct smtpd_qq *, const struct str *env,
	    long long now, struct str *reply);
/*
 * The reply for a qmail-queue wait status that is not success (qmail's
 * qmail_close table, qmail.md section 4): "554 5.x.y text (#5.x.y)" for
 * permanent, "451 4.x.y text (#4.x.y)" for temporary.  0 or -1.
 */
int	smtpd_qq_reply(int status, struct str *reply);

#endif
