/*
 * checkpw - the checkpassword interface (ucspi-tcp.md section 5, D. J.
 * Bernstein's checkpassword): the one client every login of hsmail goes
 * through (qmail-smtpd's AUTH, qmail-popup, the IMAP login stage, the
 * webmail), and the record reading of the program side (vchkpw).
 *
 * The client writes "login\0password\0stamp\0" into a pipe that becomes
 * the program's fd 3, wipes its copy of the secret, runs the program with
 * the rest of its command line (what to run once the login is good), and
 * reads the answer from the exit status: 0 accepted, 111 temporary
 * trouble, anything else refused.  The program is trusted (the
 * administrator names it); the login text is not, and a NUL in it, which
 * would split the record, is refused here.
 */
#ifndef HSMAIL_CHECKPW_H
#define HSMAIL_CHECKPW_H

#include <stddef.h>
#include <sys/types.h>

#include "str.h"

/* What checkpassword programs read of fd 3 (ucspi-tcp.md section 5). */
#define CHECKPW_DATA_MAX	512

/* vchkpw's exit when the failed-login limiter refuses the address or the
 * account (loginfail.h), before it looks at the password: the login
 * front ends say "too many failed logins" instead of a wrong password. */
#define CHECKPW_EXIT_LIMIT	16

/*
 * Replace *rec with the fd-3 record "login\0password\0stamp\0".  The
 * record is a secret: the caller wipes it (checkpw_start does).  0, or
 * -1 with errno EINVAL (a field holds a NUL) or E2BIG/ENOMEM (rec->max;
 * *rec is wiped).
 */
int	checkpw_record(struct str *rec, const char *login, size_t loginlen,
	    const char *pass, size_t passlen, const char *stamp,
	    size_t stamplen);

/* The fields of a record, pointing into the parsed buffer. */
struct checkpw_fields {
	const char *login;
	size_t	 loginlen;
	const char *pass;
	size_t	 passlen;
	const char *stamp;
	size_t	 stamplen;
};

/*
 * Split the record b[0..n) as checkpassword programs do: each field ends
 * at its NUL or at the end of b; a field that is missing is empty (and
 * points at b + n).  Returns how many fields ended in a NUL (3 for a
 * whole record).  With b[n] == '\0' every field is a C string.
 */
int	checkpw_parse(const char *b, size_t n, struct checkpw_fields *);

/*
 * The program side: read fd to its end, at most cap bytes (the rest is
 * not read), waiting at most timeout_ms for each read.  0 with *len_r,
 * or -1 with errno (ETIMEDOUT, or the read error).
 */
int	checkpw_read(int fd, char *buf, size_t cap, size_t *len_r,
	    int timeout_ms);

/* How to run the checkpassword program. */
struct checkpw_spec {
	char *const *argv;	/* the program, then what it runs */
	int	 fd[2];		/* its fds 0 and 1: a descriptor of ours,
				 * CHECKPW_KEEP or CHECKPW_NULL */
};
#define CHECKPW_KEEP	(-1)	/* the program gets our own fd 0 or 1 */
#define CHECKPW_NULL	(-2)	/* /dev/null */

/* A spec for argv with /dev/null on fds 0 and 1. */
void	checkpw_spec_init(struct checkpw_spec *, char *const *argv);

/*
 * Start the program with *rec on its fd 3 (written into the pipe before
 * it starts: a record of CHECKPW_DATA_MAX bytes fits a pipe), wiping
 * *rec in every case.  Descriptors given in spec->fd stay ours to close.
 * Its pid, or -1 with errno (it could not be started).
 */
pid_t	checkpw_start(const struct checkpw_spec *, struct str *rec);

/* What the program's exit says. */
enum checkpw_result {
	CHECKPW_OK,		/* exit 0: accepted (its sub-program ran) */
	CHECKPW_REFUSED,	/* exit 1, 2 or any code but 0 and 111 */
	CHECKPW_TEMP,		/* exit 111: try again later */
	CHECKPW_CRASHED,	/* killed by a signal (or over its time) */
};

/* Classify a wait status the checkpassword way. */
enum checkpw_result checkpw_result(int status);

/*
 * Start the program, wait for it at most timeout_sec seconds (0: no
 * limit, for a program that goes on to serve the session), classify.
 * Wipes *rec.  When it could not be started or waited for, or took too
 * long (then it is killed), CHECKPW_TEMP with errno set; *status_r (may
 * be NULL) is then -1, else the wait status.
 */
enum checkpw_result checkpw_run(const struct checkpw_spec *, struct str *rec,
	    unsigned timeout_sec, int *status_r);

#endif
