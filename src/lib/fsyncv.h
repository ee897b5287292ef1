/*
 * fsyncv - fsync several descriptors at once.  The disk's waits overlap
 * (io_uring: the kernel runs the fsyncs side by side) instead of adding
 * up, so making a message, its directory entry and its envelope durable
 * costs about one wait instead of three.  Without io_uring (an old
 * kernel, a sandbox that forbids it) the fsyncs run one after another,
 * with the same result.  The ring is set up on first use, once per
 * process (a forked child makes its own).
 */
#ifndef HSMAIL_FSYNCV_H
#define HSMAIL_FSYNCV_H

#include <stddef.h>

#define FSYNCV_MAX	8	/* descriptors in one call */

/*
 * fsync each of the n (at most FSYNCV_MAX) descriptors.  0 when every
 * one succeeded; -1 with the errno of a failed one (the others were
 * still done), or EINVAL for a bad n.
 */
int	fsyncv(const int *fds, size_t n);

#endif
