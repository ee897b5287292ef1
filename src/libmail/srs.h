/*
 * srs - the Sender Rewriting Scheme for forwarded mail, in the "guarded"
 * form of Shevek's Mail::SRS that libsrs2 and postsrsd also write:
 *
 *   SRS0=HHHH=TT=orig.domain=orig-local@forwarder.domain
 *   SRS1=HHHH=first.forwarder==HHHH=TT=orig.domain=orig-local@us
 *
 * HHHH is the first four base64 characters of HMAC-SHA1 under the secret
 * of the lowercased fields, TT the day number in two base32 characters;
 * an address is honoured for SRS_MAXAGE days.  Secrets (one per line, the
 * first signs, every one verifies, so that a new secret can be put first)
 * live in control/srs_secret.  HMAC-SHA1 on libmd, so that qmail-local
 * and qmail-smtpd need no libcrypto (libsrs2 is not packaged by Debian).
 * Addresses to reverse come from the network: srs_reverse is fuzzed.
 */
#ifndef HSMAIL_SRS_H
#define HSMAIL_SRS_H

#include <stddef.h>

#include "str.h"

#define SRS_HASHLEN	4
/* Days a rewritten address is accepted back (libsrs2's default). */
#define SRS_MAXAGE	21
/* Longest address handled (RFC 5321 4.5.3.1.3 path). */
#define SRS_ADDR_MAX	254

/*
 * Rewrite sender (local@domain) for a forward made by alias (a domain,
 * or an address whose domain is taken) at time now.  1 rewritten into
 * *out; 0 left alone (null sender, no '@', already of alias's domain);
 * -1 error (ENOMEM, E2BIG: the result would be too long, EINVAL: no
 * secret).
 */
int	srs_forward(const char *sender, const char *alias,
	    const struct strlist *secrets, long long now, struct str *out);

/*
 * Undo the rewriting of addr (an SRS0 or SRS1 address of ours, with or
 * without "@domain").  1 the original into *out (an SRS1 gives the SRS0
 * address of the first forwarder); 0 not an SRS address; -1 invalid:
 * EINVAL (bad hash, malformed), ETIME (expired), ENOMEM.
 */
int	srs_reverse(const char *addr, const struct strlist *secrets,
	    long long now, struct str *out);

/* 1 if the local part starts "SRS0" or "SRS1" and a separator. */
int	srs_is(const char *local, size_t n);

/* Read control/srs_secret into *secrets.  1 read, 0 none, -1 error. */
int	srs_secrets(struct strlist *secrets);

/*
 * The envelope sender of a forward made for a recipient in domain (the
 * forwarding paths: qmail-local's "&address" lines, vdelivermail's
 * forwards): sender SRS-rewritten for control/srsdomain, or for domain
 * when that file is absent, when control/srs_secret holds a secret.
 * *out is the sender to use.  1 rewritten, 0 unchanged (no secret, a
 * bounce, already of that domain, a secret we may not read), -1 error
 * (ENOMEM; E2BIG: too long to rewrite, then *out is unchanged too).
 */
int	srs_forward_sender(const char *sender, const char *domain,
	    struct str *out);

#endif
