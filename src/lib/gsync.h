/*
 * gsync - group commit of directory fsyncs among processes that share
 * memory (a parent's MAP_SHARED table, inherited by the children it
 * forks).  A process that has changed a directory (linked or renamed an
 * entry into it) and needs the change durable calls gsync_dir: if an
 * fsync of that directory started after the change and has finished, it
 * is done without a system call; if one is running, it waits for it and
 * looks again; else it runs the fsync itself, which then counts for every
 * change made before it began.  The answer is never "durable" before an
 * fsync that began after the caller's change has succeeded.  A process
 * that dies while it syncs holds nobody up for long: waiters give up
 * after a few milliseconds and fsync themselves.
 */
#ifndef HSMAIL_GSYNC_H
#define HSMAIL_GSYNC_H

#include <stddef.h>

struct gsync;

/*
 * A table for n directories (slots 0..n-1), in memory shared with the
 * children forked afterwards.  NULL (errno) when it cannot be mapped.
 */
struct gsync *gsync_new(size_t n);

/*
 * Make the changes this process made to dir (slot k) before the call
 * durable.  With g NULL (no table), a plain fsync of dir.  0, or -1 with
 * errno (the fsync that counted for the caller failed).
 */
int	gsync_dir(struct gsync *g, size_t k, const char *dir);

/* Counts for tests and measurements: the fsyncs run through g, and the
 * calls answered without one. */
unsigned long gsync_fsyncs(const struct gsync *g);
unsigned long gsync_shared(const struct gsync *g);

#endif
