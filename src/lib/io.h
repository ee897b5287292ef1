/*
 * io - the transport under rbuf and wbuf: a plain descriptor by default,
 * or TLS (tls.h) once a connection has been upgraded.  Deadlines are
 * enforced here, with poll(2), so every network byte has a timeout.
 */
#ifndef HSMAIL_IO_H
#define HSMAIL_IO_H

#include <sys/types.h>

struct io {
	int	 rfd;		/* descriptor polled for reading */
	int	 wfd;		/* descriptor polled for writing */
	int	 timeout;	/* milliseconds per read/write; -1: none */
	/* Transport hooks; NULL means plain read(2)/write(2) on the fds.
	 * They return bytes, 0 at end of input, or -1 with errno (EAGAIN
	 * means "poll and call again"). */
	ssize_t	(*read)(struct io *, void *, size_t);
	ssize_t	(*write)(struct io *, const void *, size_t);
	/* Bytes the transport holds already decoded (TLS records). */
	int	(*pending)(struct io *);
	void	*ctx;
};

/* A plain transport on rfd/wfd with a timeout in seconds (0: none). */
void	io_init(struct io *, int rfd, int wfd, unsigned timeout_sec);

/*
 * Read at most n bytes, waiting at most io->timeout.  Returns bytes read,
 * 0 at end of input, -1 with errno (ETIMEDOUT, or the transport's error).
 */
ssize_t	io_read(struct io *, void *, size_t n);

/* Wait until fd is ready for events (POLLIN, POLLOUT), at most timeout
 * milliseconds (-1: no limit).  0 ready, -1 with errno (ETIMEDOUT). */
int	io_wait(int fd, short events, int timeout);

/* Write all n bytes, each wait bounded by io->timeout.  0 or -1 (errno). */
int	io_writeall(struct io *, const void *, size_t n);

#endif
