/*
 * tcpfsrv - tcpserver's side of the fork server (forksrv.h, DESIGN.md
 * "Process model").  When the program tcpserver runs is hsmail's (its
 * file carries the FORKSRV_NOTE ELF note, child.h), tcpserver keeps one
 * copy of it exec'd with the same command line and environment, and
 * hands it each connection of the fast path with the connection's whole
 * environment; the copy forks the session, a child of tcpserver's.  The
 * copy is replaced by a fresh exec (new address-space layout and stack
 * canary) after TCPSERVER_MAXUSE sessions (default 100) and at once after
 * any child of tcpserver's ends by a signal, and whenever the program's
 * file changes.  Whenever no copy is ready (starting, being replaced,
 * failing, TCPSERVER_NOFORKSRV set, not hsmail's program) a connection
 * is started by tcpspawn as before.  Runs in the tcpserver parent, with
 * SIGCHLD blocked except where noted; trusts the copy no further than
 * its replies, which are checked.
 */
#ifndef HSMAIL_TCPFSRV_H
#define HSMAIL_TCPFSRV_H

#include <signal.h>
#include <sys/types.h>

#include "str.h"

#define TCPFSRV_MAXUSE	100	/* sessions per copy, as Postfix's max_use */
#define TCPFSRV_WAIT	10	/* seconds for a copy's answer */

/*
 * Once, after the privilege drop, before the first connection: decide
 * whether argv's program may be a fork server and start its copy.  mask
 * is the signal mask programs get.  argv must stay valid.  say logs at
 * tcpserver's verbosity levels (a copy that died: a warning, level 1).
 */
void	tcpfsrv_init(char **argv, const sigset_t *mask,
	    void (*say)(int level, const char *fmt, ...));

/*
 * Start the program for connection t with our environment changed by
 * vars (as tcpspawn_start, which it falls back to; vars is taken over):
 * through the copy when one is ready, else by tcpspawn.  Returns the
 * session's pid, or -1 with errno (the connection is lost).
 */
pid_t	tcpfsrv_start(int t, char **argv, struct strlist *vars,
	    const sigset_t *mask);

/*
 * From the SIGCHLD handler, for each child reaped: 1 when pid was a
 * copy (not a session: do not count it), else 0.  A session that ended
 * by a signal has the copy replaced before the next connection.
 */
int	tcpfsrv_reaped(pid_t pid, int wstat);

#endif
