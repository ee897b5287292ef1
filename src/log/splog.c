/*
 * splog - cut splogger's input into stamped pieces (see splog.h).  Runs in
 * splogger; the input is untrusted text from the programs it logs for.
 */
#include <string.h>
#include <sys/time.h>
#include <syslog.h>
#include <stdio.h>

#include "splog.h"

static int	splog_gettime(long *, long *);
static void	splog_flush(struct splog *);

int	(*splog_clock)(long *, long *) = splog_gettime;

static int
splog_gettime(long *sec, long *usec)
{
	struct timeval tv;

	if (gettimeofday(&tv, NULL) == -1)
		return -1;
	*sec = (long)tv.tv_sec;
	*usec = (long)tv.tv_usec;
	return 0;
}

void
splog_init(struct splog *sp, splog_emit_fn emit, void *arg)
{
	memset(sp, 0, sizeof(*sp));
	sp->emit = emit;
	sp->arg = arg;
}

/* Emit what is buffered as one piece. */
static void
splog_flush(struct splog *sp)
{
	long	 sec = 0, usec = 0;
	int	 n;

	if (sp->pos == 0)
		return;
	if (!sp->cont) {
		(void)splog_clock(&sec, &usec);
		snprintf(sp->stamp, sizeof(sp->stamp), "%ld.%06ld", sec, usec);
		sp->priority = LOG_INFO;
		if (sp->pos >= 8 && memcmp(sp->buf, "warning:", 8) == 0)
			sp->priority = LOG_WARNING;
		if (sp->pos >= 6 && memcmp(sp->buf, "alert:", 6) == 0)
			sp->priority = LOG_ALERT;
	}
	n = snprintf(sp->out, sizeof(sp->out), "%s%c%.*s", sp->stamp,
	    sp->cont ? '+' : ' ', (int)sp->pos, sp->buf);
	if (n > 0)
		sp->emit(sp->arg, sp->priority, sp->out,
		    (size_t)n < sizeof(sp->out) ? (size_t)n : sizeof(sp->out) - 1);
	sp->cont = 1;
	sp->pos = 0;
}

void
splog_feed(struct splog *sp, const char *b, size_t n)
{
	unsigned char c;
	size_t	 i;

	for (i = 0; i < n; i++) {
		c = (unsigned char)b[i];
		if (c == '\n') {
			splog_flush(sp);
			sp->cont = 0;
			continue;
		}
		if (sp->pos == sizeof(sp->buf))
			splog_flush(sp);
		sp->buf[sp->pos++] = (c < 32 || c > 126) ? '?' : (char)c;
	}
}

void
splog_end(struct splog *sp)
{
	splog_flush(sp);
	sp->cont = 0;
}
