/*
 * mstore_int - what mstore.c and mbox.c share inside the store (not for
 * the store's users: see mstore.h).
 */
#ifndef HSMAIL_MSTORE_INT_H
#define HSMAIL_MSTORE_INT_H

#include "mstore.h"

struct mstore {
	char	*path;		/* the Maildir as given */
	int	 dirfd;		/* the Maildir */
	int	 mutf7;		/* names on disk in modified UTF-7 */
	char	*special[MS_NSPECIAL];	/* folder per use, after a list */
	int	 special_known;
};

/* The folder's directory relative to the Maildir ("." for INBOX,
 * ".Sent.2007") in the tree's encoding.  name must be canonical. */
int	mstore_dirname(const struct mstore *, const char *name,
	    struct str *out);
/* The folder's directory as a path (for the Maildir helpers). */
int	mstore_dirpath(const struct mstore *, const char *name,
	    struct str *out);
/* Open the folder's directory; -1 ENOENT when it is not there. */
int	mstore_dirfd(const struct mstore *, const char *name);

/* Message flags to and from the Maildir info letters. */
unsigned mstore_flags_parse(const char *info);
int	mstore_flags_letters(unsigned flags, char *out, size_t n);

#endif
