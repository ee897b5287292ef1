/*
 * mauth - message authentication of one message as it streams by, the
 * work msgauthd does for qmail-smtpd and qmail-inject:
 *
 *   sign    DKIM signatures (every signing selector of the From domain's
 *           keys, or of its real domain's for an alias domain);
 *   verify  SPF of MAIL FROM and HELO, DKIM of every signature, DMARC
 *           of the From domain; one Authentication-Results field, and
 *           the verdict: 550 when the client asked for it and DMARC
 *           fails under p=reject.
 *
 * What comes out are the header fields to put at the top of the message
 * (the caller holds the message).  Every check is bounded: the header
 * section (MAUTH_HDR_MAX bytes, MAUTH_FIELDS_MAX fields), DKIM (see
 * dkimsig.h), SPF's lookup limits, and one DNS time budget for all the
 * lookups of the message.  DNS failures are temperror marks, never a
 * refusal.  The message is untrusted; the request is the caller's.
 */
#ifndef HSMAIL_MAUTH_H
#define HSMAIL_MAUTH_H

#include <stddef.h>

#include "spf.h"
#include "str.h"

#define MAUTH_HDR_MAX		(1024UL * 1024)
#define MAUTH_FIELDS_MAX	1000
/* Default DNS budget for one message, in milliseconds. */
#define MAUTH_DNS_MS		20000

struct mauth_req {
	int	 sign;		/* 1 sign, 0 verify */
	const char *ip;		/* the client's address (verify) */
	const char *helo;	/* HELO/EHLO name ("" none) */
	const char *mailfrom;	/* MAIL FROM ("" for <>) */
	const char *authservid;	/* our name in Authentication-Results */
	int	 reject;	/* refuse DMARC failures under p=reject */
	long	 dns_ms;	/* DNS budget (0: MAUTH_DNS_MS) */
	const struct spf_dns *dns;	/* NULL: the resolver (dns.c) */
};

#define MAUTH_ACCEPT	0
#define MAUTH_REJECT	1

struct mauth_res {
	int	 verdict;
	struct str headers;	/* fields for the top, LF line ends */
	struct str reply;	/* MAUTH_REJECT: "550 5.7.1 ..." */
	struct str log;		/* one line of results */
	int	 failed;	/* keys or signing failed (not the message) */
};

struct mauth;

/*
 * What every message needs, set up once per process before the first:
 * libopendkim and libcrypto.  0 or -1.
 */
int	mauth_setup(void);
/* Forget what the process kept between messages (the signing keys). */
void	mauth_cleanup(void);

/* Start a message; the strings of req must outlive it.  NULL: ENOMEM. */
struct mauth *mauth_new(const struct mauth_req *);
/* Message bytes as stored (LF line ends).  0 or -1 (ENOMEM). */
int	mauth_feed(struct mauth *, const char *, size_t);
/* The end: results into *res (its strings are set up here).  0 or -1. */
int	mauth_finish(struct mauth *, struct mauth_res *);
void	mauth_free(struct mauth *);
void	mauth_res_free(struct mauth_res *);

#endif
