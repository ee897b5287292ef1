/*
 * priv - the one place that changes user and group ids.
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

#endif
