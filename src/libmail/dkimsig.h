/*
 * dkimsig - DKIM signing and verification of one message through
 * OpenDKIM's libopendkim: relaxed/relaxed signatures (RSA-SHA256 and
 * Ed25519-SHA256, RFC 8463, side by side) over the headers libopendkim
 * signs by default with From oversigned, and verification of every
 * signature of a message up to DKIMSIG_MAX_SIGS, keys fetched through a
 * callback (dns_txt with the message's time budget in msgauthd).
 * Messages are fed in qmail's stored form (LF line ends; libopendkim's
 * FIXCRLF makes them CRLF for hashing).  Runs in msgauthd only, so that
 * no process that speaks SMTP loads libcrypto or holds a private key.
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

/*
 * Start signing as domain (d=) with the private keys (PEM) pems of
 * selectors sels (one signature each), ed25519[i] set for an Ed25519
 * key, else RSA.  NULL with the reason in *why.
 */
struct dkimsig *dkimsig_sign(const char *domain, const struct strlist *sels,
	    const struct strlist *pems, const int *ed25519, struct str *why);
/* Start verifying; keys come from txt(arg, ...).  NULL on ENOMEM. */
struct dkimsig *dkimsig_verify(dkimsig_txt_fn txt, void *arg);

/* A header field as stored (the final LF may be there).  0 or -1. */
int	dkimsig_header(struct dkimsig *, const char *, size_t);
/* End of the header section.  1 go on with the body, 0 nothing to do
 * (no signature to verify), -1 error. */
int	dkimsig_eoh(struct dkimsig *);
int	dkimsig_body(struct dkimsig *, const char *, size_t);

/*
 * Signing: the DKIM-Signature fields (LF line ends, each ending in LF)
 * appended to *out.  0, or -1 with the reason in *why.
 */
int	dkimsig_sign_end(struct dkimsig *, struct str *out, struct str *why);
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
