/*
 * dkimsig - DKIM verification of one message through OpenDKIM's
 * libopendkim: every signature of a message up to DKIMSIG_MAX_SIGS (RSA
 * and Ed25519, RFC 8463), keys fetched through a callback (dns_txt with
 * the message's time budget in msgauthd).  Messages are fed in qmail's
 * stored form (LF line ends; libopendkim's FIXCRLF makes them CRLF for
 * hashing).  Signing is dkimsign.h's.  Runs in msgauthd only, so that
 * no process that speaks SMTP loads libcrypto.
 */
#ifndef HSMAIL_DKIMSIG_H
#define HSMAIL_DKIMSIG_H

#include <stddef.h>

#include "str.h"

/* Signatures verified per message; any more are ignored. */
#define DKIMSIG_MAX_SIGS	8
/* A DKIM-Signature field longer than this is not verified. */
#define DKIMSIG_FIELD_MAX	8192
/* A key record longer than this (an RSA key over 8192 bits) is refused. */
#define DKIMSIG_KEY_MAX		2048
/* Shorter RSA keys do not verify (RFC 8301 3.2). */
#define DKIMSIG_MIN_BITS	1024

/* Per-signature results (RFC 8601 2.7.1). */
enum dkimsig_result {
	DKIMSIG_PASS,
	DKIMSIG_FAIL,
	DKIMSIG_NEUTRAL,
	DKIMSIG_TEMPERROR,
	DKIMSIG_PERMERROR,
};

struct dkimsig_out {
	enum dkimsig_result result;
	char	 domain[254];
	char	 selector[64];
	char	 alg[24];
	char	 b[9];		/* the first 8 characters of b= */
	char	 why[64];
};

/*
 * Key records: TXT of name into *l.  DNS_FOUND, DNS_NODATA, DNS_HARD or
 * DNS_SOFT (dns.h).
 */
typedef int (*dkimsig_txt_fn)(void *, const char *name, struct strlist *l);

struct dkimsig;

/* The library set up once per process.  0 or -1. */
int	dkimsig_init(void);

/* Start verifying; keys come from txt(arg, ...).  NULL on ENOMEM. */
struct dkimsig *dkimsig_verify(dkimsig_txt_fn txt, void *arg);

/* A header field as stored (the final LF may be there).  0 or -1. */
int	dkimsig_header(struct dkimsig *, const char *, size_t);
/* End of the header section.  1 go on with the body, 0 nothing to do
 * (no signature to verify). */
int	dkimsig_eoh(struct dkimsig *);
int	dkimsig_body(struct dkimsig *, const char *, size_t);

/*
 * Verifying: up to max results into out, their count into *n (0: no
 * signature).  0 or -1.
 */
int	dkimsig_verify_end(struct dkimsig *, struct dkimsig_out *out,
	    size_t max, size_t *n);
/* Fields left out of verification: signatures over the count or size
 * limit, and fields with a NUL byte. */
size_t	dkimsig_skipped(const struct dkimsig *);
void	dkimsig_free(struct dkimsig *);

const char *dkimsig_result_name(enum dkimsig_result);

#endif
