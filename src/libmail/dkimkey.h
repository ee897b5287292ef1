/*
 * dkimkey - the DKIM keys of the box's domains, in control/dkim/DOMAIN/:
 *
 *   SELECTOR.key   the private key, PEM PKCS#8 (RSA-2048 or Ed25519),
 *                  mode 0400, owned like control/dkim (the signer's user);
 *   SELECTOR.pub   the TXT record to publish ("v=DKIM1; k=...; p=..."),
 *                  mode 0644, so that a panel can show it;
 *   sign           the selectors that sign, one a line.
 *
 * A pair is made per rotation: "YYYYMMDDr" (RSA) and "YYYYMMDDe"
 * (Ed25519), a letter after the date when that day already has one.
 * The old pair stays (its records still published, its signatures still
 * verify) until it is retired.  An alias domain (vaddaliasdomain) signs
 * with its real domain's keys unless it has its own.  Keys are made with
 * OpenSSL.  Runs in vdkim, vadddomain, vdeldomain and msgauthd; trusts
 * the administrator's directory, nothing in a message.
 */
#ifndef HSMAIL_DKIMKEY_H
#define HSMAIL_DKIMKEY_H

#include "str.h"

#define DKIMKEY_RSA_BITS	2048
/* Longest selector name we make or read. */
#define DKIMKEY_SEL_MAX		63

/* control/dkim/DOMAIN (domain lowercased by the caller) into *dir. */
int	dkimkey_dir(const char *domain, struct str *dir);
/* control/dkim/DOMAIN/SEL.EXT (sel NULL: control/dkim/DOMAIN/EXT) into
 * *out.  0, or -1 (EINVAL: a name that would leave the directory). */
int	dkimkey_path(const char *domain, const char *sel, const char *ext,
	    struct str *out);

/*
 * Make a new RSA and a new Ed25519 key for domain; their selectors into
 * *sels (appended).  activate: they sign from now on (else they are
 * published only).  0, or -1 with errno (and the reason in *why).
 */
int	dkimkey_create(const char *domain, int activate, long long now,
	    struct strlist *sels, struct str *why);
/* The selectors that sign for domain (its "sign" file).  1, 0 none, -1. */
int	dkimkey_signing(const char *domain, struct strlist *sels);
/* Make sels (existing keys) the signing ones.  0 or -1. */
int	dkimkey_activate(const char *domain, const struct strlist *sels,
	    struct str *why);
/* Every selector with a key, sorted.  1, 0 none, -1 error. */
int	dkimkey_list(const char *domain, struct strlist *sels);
/* The TXT record of a selector into *txt.  1, 0 no such key, -1. */
int	dkimkey_txt(const char *domain, const char *sel, struct str *txt);
/* The private key (PEM) into *pem.  1, 0 no such key, -1. */
int	dkimkey_private(const char *domain, const char *sel, struct str *pem);
/* Remove one selector's files (refused while it signs: EBUSY). */
int	dkimkey_retire(const char *domain, const char *sel, struct str *why);
/* Remove the domain's keys.  0 (also when there were none) or -1. */
int	dkimkey_remove(const char *domain);

/*
 * The domain whose keys sign mail From domain: domain itself when it has
 * keys, else the real domain of an alias domain when that one has keys.
 * 1 into *keydom, 0 none (not the box's, or no keys), -1 error.
 */
int	dkimkey_find(const char *domain, struct str *keydom);

/* 1 if sel is a selector name we accept: [a-z0-9-], 1-63 bytes. */
int	dkimkey_sel_ok(const char *sel);

#endif
