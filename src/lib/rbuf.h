/*
 * rbuf - buffered reader of protocol lines, with a maximum line length
 * and a deadline on every read (through io.h).
 */
#ifndef HSMAIL_RBUF_H
#define HSMAIL_RBUF_H

#include <stddef.h>

#include "io.h"
#include "str.h"

#define RBUF_SIZE	8192

struct rbuf {
	struct io *io;
	size_t	 pos;		/* next unread byte in buf */
	size_t	 len;		/* bytes in buf */
	int	 eol;		/* how the last line ended: RBUF_EOL_* */
	char	 buf[RBUF_SIZE];
};

/* rbuf_line flags */
#define RBUF_STRICT	0x1	/* a bare LF is an error (EPROTO) */
#define RBUF_KEEP_EOL	0x2	/* leave the CRLF / LF in the line */

/* rbuf.eol after a line */
#define RBUF_EOL_NONE	0	/* end of input before any LF */
#define RBUF_EOL_LF	1
#define RBUF_EOL_CRLF	2

void	rbuf_init(struct rbuf *, struct io *);

/*
 * rbuf_line - the next line into *line (replacing its contents), CRLF or
 * LF stripped unless RBUF_KEEP_EOL.  The limit is line->max.
 * Returns 1 a line, 0 end of input (no bytes), -1 error: ETIMEDOUT,
 * E2BIG (longer than line->max; the rest up to LF has been skipped and
 * line holds the first line->max bytes), EPROTO (bare LF with
 * RBUF_STRICT; the line was consumed), or the transport's error.  A last
 * line without LF is returned as a line with eol RBUF_EOL_NONE.  The
 * limit counts the content only: with RBUF_KEEP_EOL the line may hold two
 * bytes more (the CRLF).  A CR not followed by LF stays in the content.
 */
int	rbuf_line(struct rbuf *, struct str *line, int flags);

/* Read up to n bytes (buffered first, then the transport).  As io_read. */
ssize_t	rbuf_read(struct rbuf *, void *, size_t n);

/*
 * rbuf_peek - the bytes buffered and not yet consumed, reading once from
 * the transport (with its deadline) when there are none: *b_r points at
 * them, valid until the next call on rb.  Returns their count, 0 at end
 * of input, -1 as io_read.  Nothing is consumed: the caller says how
 * much it used with rbuf_consume, and the rest stays for rbuf_line (so a
 * reader of DATA leaves pipelined commands where they belong).
 */
ssize_t	rbuf_peek(struct rbuf *, const char **b_r);

/* Consume n bytes of what rbuf_peek showed (at most that many). */
void	rbuf_consume(struct rbuf *, size_t n);

/* Bytes already buffered and not yet consumed (pipelining, STARTTLS). */
size_t	rbuf_buffered(const struct rbuf *);

/* Throw away what is buffered (after STARTTLS: RFC 3207 section 4.2). */
void	rbuf_discard(struct rbuf *);

#endif
