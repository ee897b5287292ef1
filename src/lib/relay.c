/*
 * relay - the login front ends' copy loop between the client and the
 * session's socketpair (see relay.h).  Runs in qmail-popup and imaplogin
 * (and their TLS builds); trusts nothing it copies.
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "child.h"
#include "relay.h"

#define RELAY_BUF	(64 * 1024)

/* relay_pair - the session's socketpair, both ends moved high. */
int
relay_pair(int sp[2])
{
	int	 e;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		return -1;
	sp[0] = child_fd_high(sp[0]);
	sp[1] = child_fd_high(sp[1]);
	if (sp[0] != -1 && sp[1] != -1)
		return 0;
	e = errno;
	if (sp[0] != -1)
		close(sp[0]);
	if (sp[1] != -1)
		close(sp[1]);
	sp[0] = sp[1] = -1;
	errno = e;
	return -1;
}

/* relay_run - copy both ways until the session closes its end. */
int
relay_run(struct rbuf *rb, int sp, int idle_ms, unsigned wtimeout,
    size_t *fwd_r)
{
	static char buf[RELAY_BUF];
	struct io *io = rb->io;
	struct pollfd pfd[2];
	struct io spio;
	int	 client_open = 1, r;
	ssize_t	 n;

	*fwd_r = 0;
	io_init(&spio, sp, sp, wtimeout);
	for (;;) {
		int	 ready = 0;

		/* Bytes already read from the client (rb) or decoded by
		 * the transport (TLS records) would not wake poll. */
		if (client_open && (rbuf_buffered(rb) > 0 ||
		    (io->pending != NULL && io->pending(io) > 0)))
			ready = 1;
		pfd[0].fd = client_open ? io->rfd : -1;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		pfd[1].fd = sp;
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		if (!ready) {
			r = poll(pfd, 2, idle_ms);
			if (r == -1 && errno == EINTR)
				continue;
			if (r <= 0)
				return -1;
		}
		if (ready || (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			n = rbuf_read(rb, buf, sizeof(buf));
			if (n > 0) {
				if (io_writeall(&spio, buf, (size_t)n) == -1)
					return 0;
				*fwd_r += (size_t)n;
			} else if (n == 0 || errno != EAGAIN) {
				client_open = 0;
				(void)shutdown(sp, SHUT_WR);
			}
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(sp, buf, sizeof(buf));
			if (n == -1 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0)
				return 0;
			if (io_writeall(io, buf, (size_t)n) == -1)
				return -1;
		}
	}
}
