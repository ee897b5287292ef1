/*
 * chkhelp - qmail-smtpd's side of vchkuser(8): when chkuser may not read
 * the vpopmail store itself (EACCES, EPERM: qmail-smtpd runs as qmaild,
 * the store belongs to vpopmail), it asks the set-uid helper, started
 * lazily on the first such refusal and kept for the session.  Part of
 * qmail-smtpd; trusts no answer it reads: anything but a well-formed
 * answer within RCPTQ_ANSWER_SEC is a temporary failure, and after a
 * failure of the helper every later question of the session is one too.
 */
#ifndef HSMAIL_CHKHELP_H
#define HSMAIL_CHKHELP_H

#include <sys/types.h>
#include <time.h>

#include "io.h"
#include "rbuf.h"
#include "str.h"
#include "vpop.h"
#include "vpop_rcpt.h"

enum chkhelp_state {
	CHKHELP_IDLE,	/* not started (yet) */
	CHKHELP_UP,	/* running: questions go to it */
	CHKHELP_DOWN,	/* failed: every question is temporary */
};

struct chkhelp {
	enum chkhelp_state state;
	const char *prog;	/* NULL: <vpopmail>/bin/vchkuser */
	unsigned timeout;	/* seconds per answer */
	pid_t	 pid;
	time_t	 last;		/* when it last answered */
	struct io io;		/* writes requests, reads answers */
	struct rbuf rb;
};

/* Not started; prog NULL for the installed helper.  The struct must not
 * move once questions have been asked (rb points into it). */
void	chkhelp_init(struct chkhelp *, const char *prog);

/* 1 if questions go to the helper (it is running), else 0. */
int	chkhelp_up(const struct chkhelp *);

/*
 * Ask whether user@domain (lower case) accepts mail, as vpop_rcpt_check
 * would (percent: CHKUSER_MBXQUOTA).  Starts the helper if needed.
 * 0 with *res, or -1 (temporary: answer 451).  A user rcptq cannot carry
 * (rcptq_user_valid: '/', space, controls, too long) is VPOP_RCPT_NOUSER
 * without asking.  Logs
 * what went wrong with the helper.
 */
int	chkhelp_ask(struct chkhelp *, const char *user, const char *domain,
	    int percent, enum vpop_rcpt *res);

/* Stop the helper (end of input for it) and reap it. */
void	chkhelp_close(struct chkhelp *);

#endif
