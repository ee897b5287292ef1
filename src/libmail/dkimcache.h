/*
 * dkimcache - the signing keys a msgauthd child keeps between messages:
 * a domain's keys (dkimkey.h) are read and parsed (dkimsign.h) when it
 * first signs, and read again when its "sign" file or one of its key
 * files changed since (a rotation, activate, retire or a replaced key:
 * each is checked with stat before every message).  At most
 * DKIMCACHE_MAX domains are kept; the one used longest ago makes room.
 * Trusts control/dkim as dkimkey does.
 */
#ifndef HSMAIL_DKIMCACHE_H
#define HSMAIL_DKIMCACHE_H

#include <stddef.h>

#include "dkimsign.h"
#include "str.h"

#define DKIMCACHE_MAX	256

/* The signing keys of one domain, in the order of its "sign" file. */
struct dkimcache_keys {
	const char *domain;
	size_t	 n;
	const char *sels[DKIMSIGN_MAX];
	struct dkimsign_key *keys[DKIMSIGN_MAX];
};

/*
 * The signing keys of keydom (a domain with keys, as dkimkey_find says).
 * 1 with *keys valid until the next call, 0 no key signs for it, -1 with
 * errno and the reason in *why (a key that cannot be read or parsed).
 */
int	dkimcache_get(const char *keydom, const struct dkimcache_keys **keys,
	    struct str *why);
/* Forget every key (they are wiped). */
void	dkimcache_clear(void);

#endif
