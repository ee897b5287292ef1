/*
 * vdeliver - vdelivermail's delivery as a function: one message to one
 * virtual user of a vpopmail domain (vpopmail.md §5).  The vdelivermail
 * program is a thin main() around it; qmail-local's delivery function
 * calls it for a .qmail line naming hsmail's vdelivermail.  Runs as the
 * domain's owner.  Trusts its parameters and the store; the message is
 * untrusted.
 */
#ifndef HSMAIL_VDELIVER_H
#define HSMAIL_VDELIVER_H

/* What vpopmail's vdelivermail takes from its arguments and environment. */
struct vdeliver_params {
	const char *ext;	/* EXT: the user (with any -extension) */
	const char *host;	/* HOST: the domain */
	const char *sender;	/* SENDER: for forwards */
	const char *rpline;	/* RPLINE: "Return-Path: <...>\n", or "" */
	const char *fallback;	/* the last argument: for unknown users */
	int	 msgfd;		/* the message: a seekable file */
	int	 outfd;		/* the reason; fd 1 of programs it runs */
	int	 errfd;		/* fd 2 of programs it runs */
	char *const *envp;	/* programs' environment; NULL: environ */
};

/*
 * Deliver into the user's Maildir++ with its quota, or by the user's
 * .qmail; an unknown user gets the fallback: bounce-no-mailbox, delete,
 * a user directory, or an address to forward to.  The reason of a
 * failure (and of some successes, as vpopmail prints them) goes to outfd.
 * Returns 0 delivered, 100 bounce, 111 try again later.
 */
int	vdeliver_run(const struct vdeliver_params *);

#endif
