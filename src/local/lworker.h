/*
 * lworker - qmail-lspawn's long-lived local delivery workers.  A worker
 * is a process running as one mailbox owner (uid, gid), never root, that
 * delivers message after message with qmail-local's delivery function
 * (local.h).  qmail-lspawn talks to it over a SOCK_SEQPACKET socket pair:
 * a request is one record holding qmail-local's eight arguments, with
 * two descriptors, the message (read only) and the write end of the
 * delivery's report pipe (qmail-local's fds 1 and 2); the answer is one
 * record holding the exit code qmail-local would have had.  The worker
 * trusts qmail-lspawn (which runs as root) and checks the records anyway.
 */
#ifndef HSMAIL_LWORKER_H
#define HSMAIL_LWORKER_H

#include "local.h"

/* Longest request: eight arguments, each under the queue's limits. */
#define LWORKER_REQ_MAX	(64 * 1024)

/*
 * Send one delivery to the worker on s: p's eight strings, with p->msgfd
 * and p->outfd (the report pipe) as descriptors (p->errfd is taken to be
 * p->outfd; p->doit must be 1).  0, or -1 with errno (E2BIG: too long;
 * EPIPE: the worker is gone).
 */
int	lworker_send(int s, const struct local_params *p);

/*
 * The answer to the delivery sent, without waiting: 1 with *code_r the
 * exit code (0, 100 or 111), 0 none yet, -1 end of file or a bad record
 * (the worker is gone or broken: its exit status says more).
 */
int	lworker_answer(int s, int *code_r);

/*
 * The worker's life: deliveries from s, one after another, each answered,
 * until end of file.  Sets this process's umask (077), ignores SIGPIPE
 * and bounds each delivery by qmail-local's 24 hours (SIGALRM ends the
 * process: a temporary failure for the delivery).  Returns 0 at end of
 * file, -1 when s fails or sends a malformed request (errno EPROTO).
 */
int	lworker_serve(int s);

#endif
