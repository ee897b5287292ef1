/*
 * prefork - a pool of long-lived children that accept the connections of
 * one listening socket themselves and serve them one after another: the
 * process model of qmail-queued and msgauthd.  The parent only counts:
 * it keeps at least one child waiting in accept() and starts another
 * whenever all are busy, up to a maximum; a child ends after a number of
 * clients, when its serve function says so, or when it waited for a
 * client as long as the socket's receive timeout (SO_RCVTIMEO) while
 * another child waits too.  A child that dies (killed) is forgotten; a
 * new one starts whenever none waits.  With every child busy and no more
 * allowed, a waiting client stays in the listen backlog, or, with a shed
 * function, is accepted by the parent and handed to it.
 *
 * The children share a byte per slot with the parent (idle or busy) and
 * tell it "all busy" through a pipe.  Signal handlers need the pool's
 * state at file scope, so a process has one pool at a time.  It trusts
 * the functions it is given; nothing it reads comes from a client.
 */
#ifndef HSMAIL_PREFORK_H
#define HSMAIL_PREFORK_H

#define PREFORK_MAX	1024	/* children at once, at most */

struct prefork {
	int	 max;		/* children at once, 1..PREFORK_MAX */
	int	 uses;		/* clients a child serves before it ends */
	const int *sigs;	/* what stops the pool, 0-terminated:
				 * { SIGTERM, 0 }; kept, not copied */
	/* In each new child before its first client, or NULL; it may end
	 * the child (_exit).  A child starts with every signal at its
	 * default (child_fork) but those in sigs, whose handler closes
	 * its listening socket at once; it gets SIGTERM when the parent
	 * dies.  Ignore SIGPIPE here if serve needs it ignored. */
	void	(*start)(void *arg);
	/* One accepted connection (close-on-exec), to be closed by it.
	 * 0 serves the next client, -1 ends the child. */
	int	(*serve)(int fd, void *arg);
	/* In the parent: a client accepted while every child is busy and
	 * no more are allowed, to be closed by it; NULL leaves such a
	 * client in the listen backlog. */
	void	(*shed)(int fd, void *arg);
	/* At a child's normal end, or NULL; the child then does _exit(0).
	 * It may exit itself (exit(), so that atexit handlers run). */
	void	(*end)(void *arg);
	void	*arg;		/* given to each of them */
};

/*
 * Make the pool for the listening socket l, which must be blocking with
 * SO_RCVTIMEO set to how long an extra child waits for a client.  The
 * signals in sigs and SIGCHLD get the pool's handlers and are blocked
 * from here on (they are let through while the parent waits); SIGPIPE
 * is ignored.  0, or -1 with errno and in *what_r what failed, in the
 * words of a log line ("cannot map the children's states", "cannot make
 * a pipe").  The pool's children are the process's only children.
 */
int	prefork_init(const struct prefork *, int l, const char **what_r);

/*
 * Keep the children going until one of the signals in sigs arrives;
 * then return, with the socket still open and the children running.
 * A failed fork is logged ("cannot fork: ...") and tried again.
 */
void	prefork_run(void);

/*
 * The end: close the listening socket, send each child SIGTERM (it
 * stops accepting at once, finishes its client and ends) and wait for
 * every one.  The signals stay blocked.
 */
void	prefork_stop(void);

#endif
