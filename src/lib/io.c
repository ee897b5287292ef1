/*
 * io - timed reads and complete writes over a plain fd or a TLS hook.
 */
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "io.h"

void
io_init(struct io *io, int rfd, int wfd, unsigned timeout_sec)
{
	io->rfd = rfd;
	io->wfd = wfd;
	io->timeout = timeout_sec ? (int)(timeout_sec > 2000000 ?
	    2000000000 : timeout_sec * 1000) : -1;
	io->read = NULL;
	io->write = NULL;
	io->pending = NULL;
	io->ctx = NULL;
}

int
io_wait(int fd, short events, int timeout)
{
	struct pollfd pfd;
	int	 r;

	pfd.fd = fd;
	pfd.events = events;
	for (;;) {
		r = poll(&pfd, 1, timeout);
		if (r > 0)
			return 0;
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
}

ssize_t
io_read(struct io *io, void *buf, size_t n)
{
	ssize_t	 r;

	for (;;) {
		if (io->pending == NULL || io->pending(io) == 0)
			if (io_wait(io->rfd, POLLIN, io->timeout) == -1)
				return -1;
		r = io->read != NULL ? io->read(io, buf, n) :
		    read(io->rfd, buf, n);
		if (r >= 0)
			return r;
		if (errno != EINTR && errno != EAGAIN)
			return -1;
	}
}

int
io_writeall(struct io *io, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t	 r;

	while (n > 0) {
		r = io->write != NULL ? io->write(io, p, n) :
		    write(io->wfd, p, n);
		if (r > 0) {
			p += r;
			n -= (size_t)r;
			continue;
		}
		if (r == 0) {
			errno = EPIPE;
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -1;
		if (io_wait(io->wfd, POLLOUT, io->timeout) == -1)
			return -1;
	}
	return 0;
}
