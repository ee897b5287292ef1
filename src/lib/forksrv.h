/*
 * forksrv - the program's side of tcpserver's fork server (DESIGN.md,
 * "Process model").  hsmail's tcpserver keeps one exec'd copy of a
 * network program per service and hands it each connection; the copy
 * forks one child for the session and goes back to waiting.  A program
 * takes part by calling forksrv_serve() first thing in main(): linking it
 * marks the program file with the ELF note FORKSRV_NOTE (child.h), which
 * is how tcpserver tells the programs that speak this protocol from any
 * other.  Started any other way (ucspi-tcp's tcpserver, by hand), the
 * call returns at once and nothing changes.
 *
 * The protocol, on a SOCK_SEQPACKET socket pair that tcpserver makes; the
 * copy finds its end in FORKSRV_ENV and talks only to the process that
 * started it (the socket's peer must be its parent):
 *	copy -> tcpserver	"R"	ready: waiting for connections
 *	tcpserver -> copy	"C" then the session's whole environment,
 *				each "NAME=value\0"; with it one descriptor,
 *				the connection
 *	copy -> tcpserver	"P" and the session's pid (int32, host
 *				order): forked; or "F" and an errno: not
 *				forked (the descriptor is closed)
 * The session's child is made with CLONE_PARENT: it is tcpserver's child
 * as an exec'd program would be, so tcpserver reaps it, counts it for
 * -c and logs its end; a child killed by a signal tells tcpserver to
 * replace the copy.  The copy ends when tcpserver closes its end.
 */
#ifndef HSMAIL_FORKSRV_H
#define HSMAIL_FORKSRV_H

#include <stddef.h>
#include <stdint.h>

#define FORKSRV_ENV	"HSMAIL_FORKSRV"	/* the control socket's fd */
#define FORKSRV_NOTE	"forksrv"	/* CHILD_PROGRAM_NOTE of a copy */
#define FORKSRV_REC_MAX	(64 * 1024)	/* a "C" record, at most */
#define FORKSRV_ENV_MAX	4096		/* variables in one record */
#define FORKSRV_REPLY	5		/* bytes of a "P" or "F" reply */

/*
 * First thing in main().  Without FORKSRV_ENV, or when it does not name a
 * control socket whose peer is our parent (the variable leaked from
 * elsewhere): returns 0 at once, a normal start.  Otherwise this process
 * is the fork server: it removes FORKSRV_ENV, says "R", and serves
 * connections until tcpserver closes the socket, then exits 0.  It
 * returns 0 only in each session's child: the connection on fds 0 and 1,
 * no other descriptor of the server's, environ the one tcpserver sent;
 * from there main() runs as in a freshly exec'd program.  The server
 * exits 111 on an error of its socket.
 */
int	forksrv_serve(void);

/*
 * Parse a "C" record of n bytes at b (changed: nothing), pointing env[]
 * (room for max + 1) at its variables, NULL-terminated.  The count, or
 * -1 (EPROTO: not "C", an item without "NAME=", no final NUL, more than
 * max items).
 */
int	forksrv_rec_parse(char *b, size_t n, char **env, size_t max);

/* A reply: type 'P', 'F' or 'R' and its value into out (FORKSRV_REPLY
 * bytes; "R" uses only the first).  The length. */
size_t	forksrv_reply_make(char *out, char type, int32_t val);

#endif
