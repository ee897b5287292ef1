/*
 * priv - the one place that changes user and group ids, and the
 * descriptor hygiene of the set-uid programs.
 */
#ifndef HSMAIL_PRIV_H
#define HSMAIL_PRIV_H

#include <sys/types.h>

/*
 * Drop to uid/gid for good: setgroups to just gid, setgid, setuid, each
 * checked, then verified (real, effective and saved ids, and that root
 * cannot be regained).  0, or -1 with errno; on -1 the caller must exit.
 * If the process is not root and already runs as uid/gid it returns 0.
 */
int	priv_drop(uid_t uid, gid_t gid);

/*
 * For a set-uid program, first thing in main: the caller chooses our
 * descriptors, and a closed 0, 1 or 2 would be taken by the next file we
 * open (then written to as stdout or stderr).  Opens /dev/null on each
 * closed one.  0, or -1 (the program must exit).
 */
int	priv_fds_sane(void);

#endif
