/*
 * msign - DKIM signing of a locally injected message through msgauthd,
 * for qmail-inject and sendmail: the message is held (mhold.h) while a
 * copy goes to msgauthd, then the signatures and the held message are
 * written out.  Signing is on when control/dkim exists and msgauthd
 * answers; otherwise the message goes out as it is (the caller may log
 * the reason).  No crypto here: the keys are msgauthd's.
 */
#ifndef HSMAIL_MSIGN_H
#define HSMAIL_MSIGN_H

#include <stddef.h>

#include "mauthp.h"
#include "mhold.h"
#include "str.h"

struct msign {
	int	 on;
	struct mauthp_conn conn;
	struct mhold hold;
	struct str why;		/* why not signed, for the log */
};

/*
 * Start: 1 signing (hold the message: msign_write), 0 not (write the
 * message straight on; *why says why when it is worth saying).
 */
int	msign_start(struct msign *, const char *sender, unsigned timeout_sec);
/* Message bytes (qmail's stored form).  0 or -1 (the hold failed). */
int	msign_write(struct msign *, const char *, size_t);
/*
 * The end: the DKIM-Signature fields (if msgauthd made any), then the
 * held message, through out.  0, or -1 (out failed or the hold could
 * not be read).  A msgauthd that failed only costs the signatures.
 */
int	msign_end(struct msign *, int (*out)(void *, const char *, size_t),
	    void *arg);
void	msign_free(struct msign *);

#endif
