/*
 * fdpass - hand open descriptors to another process over a Unix socket
 * (SCM_RIGHTS), with one byte of data or a record of its own.  Used by
 * qmail-smtpd and qmail-queued, and by qmail-lspawn and its delivery
 * workers; the receiving side trusts nothing it is sent.
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

/*
 * The same with len (1 or more) bytes of data at b: on a stream socket
 * they may arrive in pieces, on a SOCK_SEQPACKET socket as one record.
 */
int	fdpass_sendb(int s, const void *b, size_t len, const int *fds,
	    size_t n);

/*
 * Receive one record of at most max bytes into b (its length in *len_r)
 * with exactly n descriptors, as fdpass_recv.  A record longer than max
 * (cut short) is refused like a wrong count: -1, errno EPROTO, nothing
 * left open.  Meant for SOCK_SEQPACKET sockets.
 */
int	fdpass_recvb(int s, void *b, size_t max, size_t *len_r, int *fds,
	    size_t n);

#endif
