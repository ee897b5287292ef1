/*
 * rbuf - line reader with a length limit and timeouts.  The limit is
 * enforced while reading: an over-long line never grows past line->max.
 */
#include <errno.h>
#include <string.h>

#include "rbuf.h"

static int	rbuf_fill(struct rbuf *);

void
rbuf_init(struct rbuf *rb, struct io *io)
{
	rb->io = io;
	rb->pos = 0;
	rb->len = 0;
	rb->eol = RBUF_EOL_NONE;
}

/* Refill an empty buffer: 1 data, 0 end of input, -1 error. */
static int
rbuf_fill(struct rbuf *rb)
{
	ssize_t	 r;

	r = io_read(rb->io, rb->buf, sizeof(rb->buf));
	if (r < 0)
		return -1;
	rb->pos = 0;
	rb->len = (size_t)r;
	return r > 0;
}

int
rbuf_line(struct rbuf *rb, struct str *line, int flags)
{
	const char *p, *lf;
	size_t	 n, take, limit = line->max, content;
	int	 toolong = 0, got = 0, r;

	str_clear(line);
	rb->eol = RBUF_EOL_NONE;
	/* Room for the CRLF beyond the limit, restored before returning. */
	if (line->max <= STR_UNBOUNDED - 2)
		line->max += 2;
	for (;;) {
		if (rb->pos == rb->len) {
			r = rbuf_fill(rb);
			if (r <= 0) {
				line->max = limit;
				if (r == -1)
					return -1;
				if (toolong || line->len > limit) {
					str_truncate(line, limit);
					errno = E2BIG;
					return -1;
				}
				return got ? 1 : 0;
			}
		}
		got = 1;
		p = rb->buf + rb->pos;
		n = rb->len - rb->pos;
		lf = memchr(p, '\n', n);
		take = lf != NULL ? (size_t)(lf - p) + 1 : n;
		rb->pos += take;
		if (!toolong && str_catb(line, p, take) == -1) {
			if (errno != E2BIG) {
				line->max = limit;
				return -1;
			}
			/* Keep the first bytes up to the limit. */
			if (line->len < limit &&
			    str_catb(line, p, limit - line->len) == -1) {
				line->max = limit;
				return -1;
			}
			toolong = 1;
		}
		if (lf == NULL)
			continue;
		line->max = limit;
		if (toolong) {
			str_truncate(line, limit);
			errno = E2BIG;
			return -1;
		}
		content = line->len - 1;
		rb->eol = RBUF_EOL_LF;
		if (content > 0 && line->s[content - 1] == '\r') {
			rb->eol = RBUF_EOL_CRLF;
			content--;
		}
		if (content > limit) {
			str_truncate(line, limit);
			errno = E2BIG;
			return -1;
		}
		if (!(flags & RBUF_KEEP_EOL))
			str_truncate(line, content);
		if (rb->eol == RBUF_EOL_LF && (flags & RBUF_STRICT)) {
			errno = EPROTO;
			return -1;
		}
		return 1;
	}
}

ssize_t
rbuf_read(struct rbuf *rb, void *buf, size_t n)
{
	size_t	 have = rb->len - rb->pos;

	if (have > 0) {
		if (n > have)
			n = have;
		memcpy(buf, rb->buf + rb->pos, n);
		rb->pos += n;
		return (ssize_t)n;
	}
	return io_read(rb->io, buf, n);
}

ssize_t
rbuf_peek(struct rbuf *rb, const char **b_r)
{
	int	 r;

	if (rb->pos == rb->len && (r = rbuf_fill(rb)) <= 0)
		return r;
	*b_r = rb->buf + rb->pos;
	return (ssize_t)(rb->len - rb->pos);
}

void
rbuf_consume(struct rbuf *rb, size_t n)
{
	if (n > rb->len - rb->pos)
		n = rb->len - rb->pos;
	rb->pos += n;
}

size_t
rbuf_buffered(const struct rbuf *rb)
{
	return rb->len - rb->pos;
}

void
rbuf_discard(struct rbuf *rb)
{
	rb->pos = rb->len = 0;
}
