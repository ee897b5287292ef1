/*
 * tcpspawn - tcpserver's fast way to start the program for a connection:
 * a child that shares our memory (clone CLONE_VM, its own stack) and only
 * moves the socket to fds 0 and 1, resets signals and execs.  No page
 * tables are copied and, unlike vfork, the server does not wait for the
 * exec.  The child's data stays allocated until the child is reaped.
 */
#ifndef HSMAIL_TCPSPAWN_H
#define HSMAIL_TCPSPAWN_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "str.h"

/*
 * Start argv[0] (looked up in PATH) with our environment changed by vars
 * ("NAME=value" sets, "NAME" removes; later items win), the socket t as
 * fds 0 and 1, SIGCHLD/SIGTERM/SIGPIPE reset to default and the signal
 * mask set to mask.  vars is taken over (emptied).  argv must stay valid
 * for the life of the server.  Returns the pid, or -1 with errno.  Call
 * with SIGCHLD blocked.
 */
pid_t	tcpspawn_start(int t, char **argv, struct strlist *vars,
	    const sigset_t *mask);

/*
 * The same, more general: t -1 leaves fds 0 and 1 as they are (the fork
 * server's copy, tcpfsrv.h); keep (unless -1) is a close-on-exec
 * descriptor the program gets open; path (unless NULL) is the file
 * executed (copied), argv[0] then only its name.
 */
pid_t	tcpspawn_run(int t, int keep, const char *path, char **argv,
	    struct strlist *vars, const sigset_t *mask);

/*
 * The environment a program gets: ours without the names that vars sets
 * ("NAME=value") or removes ("NAME"), then the setting items of vars, the
 * last of each name only.  env must have room for tcpspawn_envsize(nvars)
 * pointers; the strings are borrowed, nothing is allocated.
 */
size_t	tcpspawn_envsize(size_t nvars);
void	tcpspawn_envfill(char **env, char *const *vars, size_t nvars);

/* Set: a failed exec is not reported on fd 2 (tcpserver -q). */
extern int	tcpspawn_quiet;

/* A child was reaped (from the SIGCHLD handler: only marks its slot). */
void	tcpspawn_reaped(pid_t);

#endif
