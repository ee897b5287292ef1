/*
 * imap_z - COMPRESS=DEFLATE hooks (see imap_z.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "imap_z.h"

#define Z_IN	16384

struct zio {
	z_stream in, out;
	unsigned char ibuf[Z_IN];
	int	 eof;
};

static ssize_t
z_read(struct io *io, void *buf, size_t n)
{
	struct zio *z = io->ctx;
	int	 did_read = 0, r;

	for (;;) {
		if (z->in.avail_in == 0 && !z->eof) {
			ssize_t	 k;

			if (did_read) {
				errno = EAGAIN;
				return -1;
			}
			k = read(io->rfd, z->ibuf, sizeof(z->ibuf));
			if (k == -1)
				return -1;
			did_read = 1;
			if (k == 0) {
				z->eof = 1;
				return 0;
			}
			z->in.next_in = z->ibuf;
			z->in.avail_in = (uInt)k;
		}
		if (z->eof && z->in.avail_in == 0)
			return 0;
		z->in.next_out = buf;
		z->in.avail_out = (uInt)(n > 65536 ? 65536 : n);
		r = inflate(&z->in, Z_SYNC_FLUSH);
		if (r != Z_OK && r != Z_BUF_ERROR && r != Z_STREAM_END) {
			errno = EPROTO;
			return -1;
		}
		if (r == Z_STREAM_END)
			z->eof = 1;
		if ((size_t)((unsigned char *)z->in.next_out -
		    (unsigned char *)buf) > 0)
			return (unsigned char *)z->in.next_out -
			    (unsigned char *)buf;
		if (z->in.avail_in > 0 && r == Z_BUF_ERROR) {
			errno = EPROTO;
			return -1;
		}
	}
}

static int
z_pending(struct io *io)
{
	struct zio *z = io->ctx;

	return z->in.avail_in > 0;
}

static int
z_writeall(int fd, const unsigned char *b, size_t n, int timeout)
{
	while (n > 0) {
		ssize_t	 k = write(fd, b, n);

		if (k > 0) {
			b += k;
			n -= (size_t)k;
			continue;
		}
		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1 && errno == EAGAIN) {
			if (io_wait(fd, POLLOUT, timeout) == -1)
				return -1;
			continue;
		}
		return -1;
	}
	return 0;
}

static ssize_t
z_write(struct io *io, const void *buf, size_t n)
{
	struct zio *z = io->ctx;
	unsigned char ob[Z_IN];

	z->out.next_in = (Bytef *)(uintptr_t)buf;
	z->out.avail_in = (uInt)n;
	do {
		z->out.next_out = ob;
		z->out.avail_out = sizeof(ob);
		if (deflate(&z->out, Z_SYNC_FLUSH) == Z_STREAM_ERROR) {
			errno = EIO;
			return -1;
		}
		if (z_writeall(io->wfd, ob, sizeof(ob) - z->out.avail_out,
		    io->timeout) == -1)
			return -1;
	} while (z->out.avail_out == 0);
	return (ssize_t)n;
}

int
imap_z_start(struct io *io, struct rbuf *rb)
{
	struct zio *z = calloc(1, sizeof(*z));
	size_t	 left;

	if (z == NULL)
		return -1;
	if (inflateInit2(&z->in, -15) != Z_OK) {
		free(z);
		return -1;
	}
	if (deflateInit2(&z->out, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK) {
		inflateEnd(&z->in);
		free(z);
		return -1;
	}
	left = rbuf_buffered(rb);
	if (left > 0) {
		if (left > sizeof(z->ibuf))
			left = sizeof(z->ibuf);
		memcpy(z->ibuf, rb->buf + rb->pos, left);
		z->in.next_in = z->ibuf;
		z->in.avail_in = (uInt)left;
	}
	rbuf_discard(rb);
	io->ctx = z;
	io->read = z_read;
	io->write = z_write;
	io->pending = z_pending;
	return 0;
}

void
imap_z_end(struct io *io)
{
	struct zio *z = io->ctx;

	if (z == NULL || io->read != z_read)
		return;
	inflateEnd(&z->in);
	deflateEnd(&z->out);
	free(z);
	io->ctx = NULL;
	io->read = NULL;
	io->write = NULL;
	io->pending = NULL;
}
