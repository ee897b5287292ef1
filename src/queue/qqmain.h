/*
 * qqmain - the body of qmail-queue, for its own main and for the
 * children of qmail-queued, which run it, message after message, without
 * loading the program.
 */
#ifndef HSMAIL_QQMAIN_H
#define HSMAIL_QQMAIN_H

#include <sys/types.h>

/*
 * Queue the message on fd 0 with the envelope on fd 1 for the injecting
 * user uid, as qmail-queue(8) does, as the queue's owner; this process's
 * pid names it.  Never returns: exits with qmail-queue's codes.  The
 * caller has made fds 0, 1 and 2 sane and set up logging.
 */
void	qq_main(uid_t uid) __attribute__((__noreturn__));

/*
 * The same for one message, returning its exit code (0 queued) instead
 * of exiting, with every file it opened closed and its alarm cancelled,
 * ready for the next message on new fds 0 and 1.  The message's number
 * in its Received line and in the envelope's p record (qmail's "qp") is
 * this process's pid, or with by_inode the message's own number (its
 * inode), unique while it is queued; it goes to *qp_r unless NULL (0:
 * none yet).  as (qq.h's QQ_AS_*) names the invoker in the Received
 * line: "from network", "for bounce", or QQ_AS_USER by uid as qmail
 * does; the caller believes it only from one who may write the queue.
 * The 24-hour limit still ends the process (QQ_TIMEOUT).
 */
int	qq_run(uid_t uid, char as, int by_inode, unsigned long *qp_r);

#endif
