/*
 * splog - splogger's line handling, as qmail's splogger does it: bytes
 * outside 32..126 become '?', blank lines are dropped, a line is cut into
 * pieces of at most SPLOG_PIECE bytes, the first piece stamped
 * "<unix>.<usec> text" and the rest "<unix>.<usec>+text" with the first
 * piece's stamp, the priority chosen by the first piece ("alert:" or
 * "warning:").  Input is whatever the logging program wrote; trusted for
 * nothing.
 */
#ifndef HSMAIL_SPLOG_H
#define HSMAIL_SPLOG_H

#include <stddef.h>

#define SPLOG_PIECE	799	/* the original's 800-byte buffer, less its NUL */

/* One finished piece: "stamp text" or "stamp+text", and its priority. */
typedef void	(*splog_emit_fn)(void *arg, int priority, const char *msg,
		    size_t len);

struct splog {
	splog_emit_fn emit;
	void	*arg;
	size_t	 pos;
	int	 cont;			/* later pieces of the same line */
	int	 priority;
	char	 stamp[32];
	char	 buf[SPLOG_PIECE];
	char	 out[SPLOG_PIECE + 40];
};

void	splog_init(struct splog *, splog_emit_fn, void *arg);
/* Feed bytes read from the input. */
void	splog_feed(struct splog *, const char *, size_t);
/* End of input: a last line without its newline is still logged. */
void	splog_end(struct splog *);

/* Hook for tests: the time used for stamps (NULL: gettimeofday). */
extern int	(*splog_clock)(long *sec, long *usec);

#endif
