/*
 * local - qmail-local's delivery as a function: one message to one local
 * address, following the user's .qmail file (dot-qmail(5)): Maildir, mbox,
 * program and forward lines.  The qmail-local program is a thin main()
 * around it; qmail-lspawn's delivery workers call it message after
 * message.  Runs as the address's user (never root), which the caller
 * has arranged.  Trusts its parameters (from users/assign); the .qmail
 * file says what the user wants but may be malformed; the message is
 * untrusted.
 */
#ifndef HSMAIL_LOCAL_H
#define HSMAIL_LOCAL_H

#include "str.h"

/* The arguments of qmail-local(8) and where its descriptors are. */
struct local_params {
	const char *user;	/* USER, for programs */
	const char *homedir;	/* absolute; the delivery runs in it */
	const char *local;	/* the whole local part */
	const char *dash;	/* "" or "-" */
	const char *ext;	/* the extension after the dash */
	const char *host;	/* the domain */
	const char *sender;	/* envelope sender, "" for a bounce */
	const char *aliasempty;	/* the default delivery when .qmail is empty */
	int	 doit;		/* 0: qmail-local -n, say what would be done */
	int	 msgfd;		/* the message: a seekable file */
	int	 outfd;		/* "did", "qp" and -n lines; programs' fd 1 */
	int	 errfd;		/* the reason of a failure; programs' fd 2 */
	char *const *envp;	/* environment for programs, before the
				 * delivery's own variables; NULL: environ */
};

struct local_result {
	int	 code;		/* 0 delivered, 100 permanent, 111 temporary */
	unsigned long nfile;	/* Maildir and mbox lines done */
	unsigned long nforward;	/* forward addresses */
	unsigned long nprogram;	/* program lines */
	unsigned long qp;	/* qmail-queue's number for the forwards, or 0 */
};

/*
 * Deliver the message as qmail-local does.  Writes what qmail-local
 * writes ("did F+W+P", "qp N", the -n lines) to outfd and the one reason
 * of a failure to errfd; programs run by .qmail lines write to the same
 * descriptors.  Changes the working directory to homedir; sets no
 * environment variable of this process (programs get theirs in their own
 * environment: qmail-command(8)).  A program line naming hsmail's
 * vdelivermail (child.h) runs vdelivermail's delivery function here.
 * Returns the result's code: 0, 100 or 111.
 */
int	local_deliver(const struct local_params *, struct local_result *);

/*
 * The Return-Path value for sender, qmail's way: the local part quoted
 * when it needs it.  Appends to out.  0 or -1 (errno).
 */
int	local_quote_sender(struct str *out, const char *sender);

#endif
