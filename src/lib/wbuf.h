/*
 * wbuf - buffered writer over io.h: collects replies and writes them in
 * one go, coping with partial writes and timeouts.
 */
#ifndef HSMAIL_WBUF_H
#define HSMAIL_WBUF_H

#include <stddef.h>

#include "io.h"

#define WBUF_SIZE	8192

struct wbuf {
	struct io *io;
	size_t	 len;
	int	 err;		/* first write error (errno), sticky */
	char	 buf[WBUF_SIZE];
};

void	wbuf_init(struct wbuf *, struct io *);

/*
 * Append bytes; flushes when the buffer fills.  0, or -1 with errno once
 * a write failed (the error is sticky: later calls fail at once).
 */
int	wbuf_put(struct wbuf *, const void *, size_t);
int	wbuf_puts(struct wbuf *, const char *);
int	wbuf_printf(struct wbuf *, const char *, ...)
	    __attribute__((__format__ (printf, 2, 3)));

/* Write out what is buffered.  0 or -1 (errno). */
int	wbuf_flush(struct wbuf *);

#endif
