/*
 * smtpd_proto - the SMTP protocol state machine of qmail-smtpd: commands,
 * replies, relay control, SMTP AUTH exchanges, STARTTLS state reset and
 * the DATA phase.  Everything outside the protocol (the queue, the
 * checkpassword program, TLS, rcpthosts files) is reached through hooks,
 * so unit tests and fuzzers drive this module with in-memory stand-ins.
 * Runs inside qmail-smtpd; everything read from the client is untrusted.
 */
#ifndef HSMAIL_SMTPD_PROTO_H
#define HSMAIL_SMTPD_PROTO_H

#include <stddef.h>

#include "rbuf.h"
#include "smtpd_addr.h"
#include "str.h"
#include "wbuf.h"

/* RFC 5321 4.5.3.1.4: a command line is at most 512 octets with CRLF. */
#define SMTPD_CMD_MAX	510
/* RFC 4954 4: an AUTH line may hold 12288 octets. */
#define SMTPD_AUTH_MAX	12288
/* qmail-smtpd has no limit; RFC 5321 4.5.3.1.8 asks for at least 100. */
#define SMTPD_RCPT_MAX	1000
/* A HELO name longer than this is cut (it only goes to Received). */
#define SMTPD_HELO_MAX	255

struct smtpd_conf {
	const char *greeting;	/* control/smtpgreeting (or me) */
	const char *localhost;	/* Received "by": TCPLOCALHOST or me */
	const char *remoteip;	/* TCPREMOTEIP or "unknown" */
	const char *remotehost;	/* TCPREMOTEHOST or "unknown" */
	const char *remoteinfo;	/* TCPREMOTEINFO or NULL */
	const char *relayclient; /* RELAYCLIENT's value, NULL if unset */
	unsigned long long databytes;	/* 0: no limit */
	unsigned long maxrcpt;		/* per message */
	int	 starttls;	/* a certificate is there: offer STARTTLS */
	int	 tls;		/* the session starts over TLS (port 465) */
	int	 greeted;	/* TLS just started by STARTTLS: no 220 */
	int	 auth;		/* a checkpassword program was given */
	int	 auth_cleartext; /* offer PLAIN/LOGIN without TLS */
	int	 submission;	/* MAIL needs AUTH first (port 587) */
	const struct strlist *badmailfrom;
	long	 pid;		/* for log lines and the CRAM-MD5 challenge */
};

/* Results of the rcptcheck hook (chkuser). */
#define RCPT_ACCEPT	1
#define RCPT_REJECT	0
#define RCPT_TEMP	-1

struct smtpd_hooks {
	void	*arg;
	/* Look one rcpthosts key up: 1 listed, 0 not, -1 error. */
	int	(*rcpthosts)(void *, const char *key);
	/*
	 * Optional (chkuser): called for a recipient in a local domain of a
	 * client that may not relay.  RCPT_ACCEPT, or RCPT_REJECT/RCPT_TEMP
	 * with the whole reply line (without CRLF) in *reply.
	 */
	int	(*rcptcheck)(void *, const struct smtpd_path *rcpt,
		    const char *sender, const char *helo, struct str *reply);
	/* TLS handshake on the connection: 0, or -1 with the reason. */
	int	(*starttls)(void *, struct str *why);
	/* TLS protocol and cipher into *out, for Received and the log. */
	int	(*tlsinfo)(void *, struct str *out);
	/*
	 * Run the checkpassword program with user, secret (password or
	 * CRAM-MD5 digest) and challenge ("" unless CRAM-MD5).  0 accepted,
	 * 1 refused, -1 temporary failure.
	 */
	int	(*auth)(void *, const char *user, const char *secret,
		    const char *challenge);
	/* Start a queue writer: 0, or -1 (451 qqt failure). */
	int	(*queue_open)(void *);
	/* Message bytes, as stored: 0 or -1. */
	int	(*queue_write)(void *, const char *, size_t);
	/*
	 * Finish: env is the qmail-queue envelope, or NULL to abort the
	 * message.  0 queued, with "ok <time> qp <pid>" in *reply; -1 not
	 * queued, with the whole reply line ("451 4.3.0 ...") in *reply.
	 */
	int	(*queue_close)(void *, const struct str *env, struct str *reply);
	/* Seconds since the epoch (Received date, 250 reply). */
	long long (*now)(void *);
};

/* Why smtpd_run returned (for the "end" log line). */
enum smtpd_end {
	END_QUIT,
	END_EOF,
	END_TIMEOUT,
	END_BARE,	/* bare CR or LF in DATA */
	END_TLS,	/* the TLS handshake failed */
	END_IOERR,	/* a read or write failed */
	END_NOMEM,
};

/*
 * Where a session is, in the order RFC 5321 4.1.4 gives the commands.
 * HELO is not required (qmail never asked for it): it is a fact kept in
 * seenhelo, not a state.
 */
enum smtpd_state {
	SMTPD_IDLE,	/* no mail transaction (before or after one) */
	SMTPD_MAIL,	/* MAIL accepted, no recipient yet */
	SMTPD_RCPT,	/* one recipient or more accepted */
	SMTPD_DATA,	/* reading the message */
	SMTPD_END,	/* the session is over; end says why */
};

struct smtpd {
	const struct smtpd_conf *conf;
	const struct smtpd_hooks *hooks;
	struct rbuf *rb;
	struct wbuf *wb;
	enum smtpd_state state;
	enum smtpd_end end;	/* with SMTPD_END */
	/* session facts */
	int	 tls;		/* the connection runs over TLS */
	int	 ehlo;		/* EHLO (not HELO) was given */
	int	 seenhelo;
	struct str helo;
	struct str authuser;	/* non-empty once authenticated */
	const char *authmech;
	/* the mail transaction */
	int	 badfrom;	/* sender is in badmailfrom */
	struct str sender;
	struct str env;		/* qmail-queue envelope: F..\0T..\0 */
	unsigned long nrcpt;
	unsigned long msgs;	/* messages accepted in this session */
	/* scratch */
	struct str line;
	struct str tmp;
	struct str reply;
	struct smtpd_path path;
};

/* Set up a session over rb/wb (not yet greeted).  0 or -1 (ENOMEM). */
int	smtpd_init(struct smtpd *, const struct smtpd_conf *,
	    const struct smtpd_hooks *, struct rbuf *, struct wbuf *);
void	smtpd_free(struct smtpd *);

/* Greet and serve commands until the session ends; logs the end. */
enum smtpd_end smtpd_run(struct smtpd *);

/*
 * The Received header qmail-smtpd adds, appended to *out:
 * "Received: from HOST (HELO NAME) (INFO@IP)\n  by LOCAL with PROTO; DATE\n"
 * (HELO part only when it differs from HOST; unsafe bytes become '?').
 */
int	smtpd_received(struct str *out, const char *remotehost,
	    const char *helo, const char *remoteinfo, const char *remoteip,
	    const char *local, const char *proto, long long when);

#endif
