/*
 * fdpass - hand open descriptors to another process over a Unix socket
 * (SCM_RIGHTS), one byte of data with them.  Used by qmail-smtpd and
 * qmail-queued; the receiving side trusts nothing it is sent.
 */
#ifndef HSMAIL_FDPASS_H
#define HSMAIL_FDPASS_H

#include <stddef.h>

#define FDPASS_MAX	4	/* descriptors in one message */

/* Send the byte b with the n (1..FDPASS_MAX) fds.  0 or -1 (errno). */
int	fdpass_send(int s, char b, const int *fds, size_t n);

/*
 * Receive one byte into *b with exactly n (1..FDPASS_MAX) descriptors
 * (close-on-exec) into fds.  0, or -1: an error, end of file, or a
 * message with other than n descriptors (those that came are closed,
 * errno EPROTO).  A receive timeout on s (SO_RCVTIMEO) bounds the wait;
 * EINTR is retried.
 */
int	fdpass_recv(int s, char *b, int *fds, size_t n);

#endif
