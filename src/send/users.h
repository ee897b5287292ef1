/*
 * users - qmail-lspawn's lookup of a local part in users/cdb, exactly as
 * qmail-users(5) says: the exact key "!local\0", then wildcard keys
 * "!prefix" from the longest prefix down to the empty one, skipping
 * prefixes whose last character is not in the wildcard-character set
 * (key ""); on a wildcard hit the unmatched tail is appended to ext.
 * The cdb is trusted (written by qmail-newu from root's users/assign);
 * the local part is not.
 */
#ifndef HSMAIL_USERS_H
#define HSMAIL_USERS_H

#include <sys/types.h>

#include "str.h"

struct users_ent {
	struct str user;
	unsigned long uid;
	unsigned long gid;
	struct str home;
	struct str dash;
	struct str ext;
};

void	users_init(struct users_ent *);
void	users_free(struct users_ent *);

/*
 * Look up local (any case) in the cdb at path.  1 found (*e filled),
 * 0 no entry (or no cdb), -1 error (errno; EPROTO for a malformed
 * record).
 */
int	users_lookup(const char *path, const char *local, struct users_ent *e);

#endif
