/*
 * relay - copy between a client connection and a local stream socket
 * until the local side closes.  The login front ends (qmail-popup-tls,
 * imaplogin-tls; either one without TLS when a client pipelined commands
 * after its login) stay between the client and the session they started
 * on a socketpair (the checkpassword program, then qmail-pop3d or
 * imapd), because a TLS session cannot be handed across execve(2) and
 * bytes the front end has read already must still reach the session.
 * Trusts nothing it copies; looks at none of it.
 */
#ifndef HSMAIL_RELAY_H
#define HSMAIL_RELAY_H

#include <stddef.h>

#include "io.h"
#include "rbuf.h"

/*
 * relay_pair - the socketpair of a relayed session: sp[1] for the child
 * (its fds 0 and 1), sp[0] for relay_run; both close-on-exec and moved
 * out of the way of the descriptors children are given (child_fd_high).
 * 0, or -1 with errno (nothing left open).
 */
int	relay_pair(int sp[2]);

/*
 * relay_run - relay between the client (read through rb, written
 * through rb->io, plain or TLS) and the socket sp until sp reaches end
 * of file.  What rb holds already (pipelined bytes) goes first.  When the
 * client closes, sp gets a half-close (shutdown SHUT_WR) and the relay
 * goes on until the session ends.  idle_ms bounds a wait in which
 * neither side sends (milliseconds, as poll(2); -1: no bound, the
 * session keeps its own clock); wtimeout bounds each write to sp
 * (seconds, 0: none).  *fwd_r counts the client bytes passed to sp.
 * Returns 0 when the session closed sp, could not be written to or
 * could not be read; -1 when the client could not be written to, the
 * idle bound passed, or poll failed.  Uses a static buffer: one relay
 * per process at a time.
 */
int	relay_run(struct rbuf *rb, int sp, int idle_ms, unsigned wtimeout,
	    size_t *fwd_r);

#endif
