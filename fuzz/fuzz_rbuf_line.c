/*
 * fuzz_rbuf_line - the line reader every network protocol uses: any byte
 * stream, delivered in arbitrary chunk sizes, under small and large line
 * limits and each flag combination.  Checks the reader's own promises.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rbuf.h"

struct feed {
	const uint8_t *p;
	size_t	 n;
	size_t	 chunk;
};

static ssize_t	feed_read(struct io *, void *, size_t);
static int	feed_pending(struct io *);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static ssize_t
feed_read(struct io *io, void *buf, size_t n)
{
	struct feed *f = io->ctx;

	if (n > f->chunk)
		n = f->chunk;
	if (n > f->n)
		n = f->n;
	memcpy(buf, f->p, n);
	f->p += n;
	f->n -= n;
	return (ssize_t)n;
}

static int
feed_pending(struct io *io)
{
	(void)io;
	return 1;	/* never poll: the data is in memory */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t limits[] = { 1, 4, 512, 1000 };
	struct str line;
	struct feed f;
	struct rbuf rb;
	struct io io;
	int	 r, flags;

	if (size < 2)
		return 0;
	flags = data[0] & 3;
	line = (struct str)STR_INIT(limits[(data[0] >> 2) & 3]);
	f.p = data + 2;
	f.n = size - 2;
	f.chunk = data[1] ? data[1] : 1;
	io_init(&io, -1, -1, 0);
	io.read = feed_read;
	io.pending = feed_pending;
	io.ctx = &f;
	rbuf_init(&rb, &io);
	for (;;) {
		r = rbuf_line(&rb, &line, flags);
		if (r == 0)
			break;
		if (r == 1) {
			size_t max = line.max + ((flags & RBUF_KEEP_EOL) ? 2 : 0);
			if (line.len > max)
				abort();
			if (!(flags & RBUF_KEEP_EOL) &&
			    memchr(line.s, '\n', line.len) != NULL)
				abort();
			continue;
		}
		if (errno == E2BIG && line.len > line.max)
			abort();	/* the kept prefix respects the limit */
		else if (errno == EPROTO && line.len >
		    line.max + ((flags & RBUF_KEEP_EOL) ? 2 : 0))
			abort();
		else if (errno != E2BIG && errno != EPROTO)
			abort();
	}
	str_free(&line);
	return 0;
}
