/*
 * dkimsign - DKIM signatures (RFC 6376) for the mail the box sends, made
 * on OpenSSL's libcrypto: relaxed/relaxed, RSA-SHA256 and Ed25519-SHA256
 * (RFC 8463) side by side over one canonical header and body, the header
 * fields of RFC 6376 5.4.1 (and List-Unsubscribe-Post, RFC 8058) with
 * From signed once more than it appears.
 *
 * Why not libopendkim's signer (msgauthd still verifies with it): it
 * takes the private key as PEM text and parses it again, through
 * OpenSSL 3's decoders, for every signature it makes, and a fresh RSA key
 * sets up its blinding again.  With a child per message that read and
 * parsed both keys, msgauthd took 5.4 ms of CPU to sign a 4 KiB message
 * with an RSA-2048 and an Ed25519 key, most of it in OpenSSL's decoders;
 * with keys parsed once (dkimsign_key_new) and kept by children that
 * serve many messages (dkimcache.h), 1.0 ms, of which the RSA signature
 * itself is 0.7 ms.
 *
 * Runs in msgauthd only (the one process that loads libcrypto and holds
 * the keys).  Messages are fed in qmail's stored form (LF line ends);
 * they are canonicalized as they go on the wire (CRLF).  The message is
 * the box's own outgoing mail, but any byte may be in it: nothing here
 * trusts its form.
 */
#ifndef HSMAIL_DKIMSIGN_H
#define HSMAIL_DKIMSIGN_H

#include <stddef.h>

#include "str.h"

/* Signatures per message (an RSA and an Ed25519 key, during a rotation
 * two of each). */
#define DKIMSIGN_MAX		4
/* Instances of one field name signed (the bottom-most ones). */
#define DKIMSIGN_SAME_MAX	64
/* RSA keys shorter than this are not used (RFC 8301 3.2). */
#define DKIMSIGN_MIN_BITS	1024

struct dkimsign_key;
struct dkimsign;

/*
 * Parse a private key (PEM: PKCS#8 or traditional RSA).  NULL with errno
 * EINVAL (not an RSA key of DKIMSIGN_MIN_BITS or more, nor Ed25519) or
 * ENOMEM.  The caller wipes its copy of the PEM text.
 */
struct dkimsign_key *dkimsign_key_new(const char *pem, size_t n);
/* 1 for an Ed25519 key, 0 for RSA. */
int	dkimsign_key_ed25519(const struct dkimsign_key *);
void	dkimsign_key_free(struct dkimsign_key *);

/*
 * Start a message signed as domain (d=) by keys[i] under selector
 * sels[i], i < n <= DKIMSIGN_MAX, dated now (t=).  The keys, sels and
 * domain must outlive the signer.  NULL with errno (EINVAL, ENOMEM).
 */
struct dkimsign *dkimsign_new(const char *domain, const char *const *sels,
	    struct dkimsign_key *const *keys, size_t n, long long now);
/* One header field as stored (folded lines, the final LF), in message
 * order.  0 or -1 (ENOMEM). */
int	dkimsign_header(struct dkimsign *, const char *, size_t);
/* Body bytes as stored, after the blank line.  0 or -1. */
int	dkimsign_body(struct dkimsign *, const char *, size_t);
/*
 * The end: one DKIM-Signature field per key, LF line ends, each ending
 * in LF, appended to *out.  0, or -1 with the reason in *why.
 */
int	dkimsign_end(struct dkimsign *, struct str *out, struct str *why);
void	dkimsign_free(struct dkimsign *);

/* Relaxed canonical form of a header field (RFC 6376 3.4.2), CRLF at
 * the end, appended to *out; for the tests.  0 or -1. */
int	dkimsign_canon_header(const char *f, size_t n, struct str *out);

/* The relaxed body canonicalization (RFC 6376 3.4.4) as a stream. */
struct dkimsign_canon {
	int	 wsp;		/* white space seen, not yet written */
	int	 inline_;	/* the line has something in it */
	unsigned long blank;	/* empty lines held back */
	int	(*out)(void *, const char *, size_t);
	void	*arg;
	size_t	 n;
	char	 buf[4096];
};

void	dkimsign_canon_init(struct dkimsign_canon *,
	    int (*out)(void *, const char *, size_t), void *arg);
int	dkimsign_canon_feed(struct dkimsign_canon *, const char *, size_t);
/* The end of the body: the last line ended, trailing empty lines
 * dropped, everything written.  0 or -1 (out failed). */
int	dkimsign_canon_end(struct dkimsign_canon *);

#endif
