/*
 * mhold - a message held while it is signed or checked, because what is
 * added (DKIM-Signature, Authentication-Results) goes at the top: in
 * memory up to a bound, the rest in a temporary file that has no name
 * (O_TMPFILE, or a name unlinked at once), so that no second copy
 * outlives the process that holds it.  Used by qmail-smtpd and
 * qmail-inject; holds whatever the caller writes.
 */
#ifndef HSMAIL_MHOLD_H
#define HSMAIL_MHOLD_H

#include <stddef.h>

#include "str.h"

/* Held in memory before the spill (a message of this size or less never
 * touches the disk). */
#define MHOLD_MEM	(256UL * 1024)

struct mhold {
	struct str mem;
	int	 fd;		/* the spill, or -1 */
	unsigned long long size;
	const char *tmpdir;
};

/* Start empty; spill into tmpdir (NULL: $TMPDIR, else /tmp). */
void	mhold_init(struct mhold *, size_t memmax, const char *tmpdir);
/* Hold n more bytes.  0, or -1 (errno: ENOMEM, ENOSPC, ...). */
int	mhold_write(struct mhold *, const char *, size_t);
/* Everything held, in order, through out.  0, or -1 (out's or a read's). */
int	mhold_copy(struct mhold *, int (*out)(void *, const char *, size_t),
	    void *arg);
/* Forget it all (the spill file goes with its descriptor). */
void	mhold_free(struct mhold *);

#endif
