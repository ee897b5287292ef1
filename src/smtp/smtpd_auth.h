/*
 * smtpd_auth - qmail-smtpd's side of sender authentication:
 *
 *   - every message: Authentication-Results fields that name this box
 *     (control/me) are removed from the header as it streams by;
 *   - a client that may relay (AUTH, RELAYCLIENT): the message is held
 *     and msgauthd(8) signs it (DKIM) when its From domain has keys;
 *   - any other client, unless the policy is off: the message is held
 *     and msgauthd checks it (SPF, DKIM, DMARC) and writes one
 *     Authentication-Results field; with the policy "reject", a DMARC
 *     failure under p=reject is refused with 550;
 *   - RCPT to one of our SRS addresses (a bounce of a forward) is
 *     rewritten to the address it stands for.
 *
 * What msgauthd returns goes on top, then the Received field, then the
 * held message, into the queue; nothing is answered 250 before the queue
 * has it.  The message is held in memory up to MHOLD_MEM, the rest in an
 * unnamed temporary file.  Without msgauthd (not running, a failure) the
 * message goes on unsigned and unmarked, and the log says so.
 *
 * Policy: control/mailauth ("off", "mark" the default, "reject"), the
 * environment's MAILAUTH (from tcp.smtp, per client) before it; the DNS
 * budget of one message in control/mailauthtimeout (seconds, default 20);
 * the SRS secrets in control/srs_secret.  Runs in qmail-smtpd; the
 * message is untrusted, msgauthd's answer is checked for its form.
 */
#ifndef HSMAIL_SMTPD_AUTH_H
#define HSMAIL_SMTPD_AUTH_H

#include <stddef.h>

#include "mauthp.h"
#include "mhdr.h"
#include "mhold.h"
#include "smtpd_addr.h"
#include "str.h"

enum smtpd_auth_policy { AUTHP_OFF, AUTHP_MARK, AUTHP_REJECT };

struct smtpd_auth {
	enum smtpd_auth_policy policy;
	int	 sign;		/* control/dkim exists */
	long	 dns_ms;
	struct str me;
	struct str sock;
	const char *remoteip;
	long	 pid;
	struct strlist srs;	/* secrets; empty: no reversal */
	/* where the message goes */
	int	(*qwrite)(void *, const char *, size_t);
	void	*qarg;
	/* one message */
	int	 filtering;	/* smtpd_auth_write takes the bytes */
	int	 holding;	/* and holds them for msgauthd */
	int	 conn_ok;
	int	 signing;
	int	 failed;	/* a write to the queue failed */
	struct mhdr split;
	struct mhold hold;
	struct mauthp_conn conn;
	struct str received;
};

/*
 * Read the policy (control files, MAILAUTH), the secrets, our name.
 * qwrite writes to the queue.  0, or -1 (a control file unreadable).
 */
int	smtpd_auth_init(struct smtpd_auth *, const char *remoteip, long pid,
	    int (*qwrite)(void *, const char *, size_t), void *qarg);
/* A message starts: as the msg_start hook of smtpd_proto.h. */
int	smtpd_auth_start(struct smtpd_auth *, const struct str *received,
	    int relay, const char *helo, const char *sender);
/* Message bytes, when a->filtering.  0 or -1. */
int	smtpd_auth_write(struct smtpd_auth *, const char *, size_t);
/* The end: as the msg_end hook. */
int	smtpd_auth_end(struct smtpd_auth *, struct str *reply);
/* A message aborted (or done): forget it. */
void	smtpd_auth_reset(struct smtpd_auth *);
/* RCPT to an SRS address: as the rcptsrs hook. */
int	smtpd_auth_srs(struct smtpd_auth *, struct smtpd_path *,
	    struct str *reply);
void	smtpd_auth_free(struct smtpd_auth *);

#endif
