/*
 * maildir - durable Maildir delivery: unique names as the Maildir spec
 * says, write to tmp/, fsync, link into new/, fsync new/.  A message is
 * either whole in new/ or not there at all.
 */
#ifndef HSMAIL_MAILDIR_H
#define HSMAIL_MAILDIR_H

#include <sys/types.h>

#include "str.h"

struct maildir_tmp {
	int	 fd;		/* write the message here */
	struct str dir;		/* the maildir */
	struct str base;	/* "<sec>.M<usec>P<pid>" */
	struct str host;	/* host name, '/' and ':' escaped */
	struct str tmppath;	/* <dir>/tmp/<unique> */
};

/* Create dir and its tmp/, new/, cur/ (mode, e.g. 0700).  Existing
 * directories are fine.  0 or -1 (errno). */
int	maildir_make(const char *dir, mode_t mode);

/*
 * Create a new uniquely named file in <maildir>/tmp/.  0, or -1 with
 * errno (the maildir is missing or unwritable, or no unique name could be
 * made).
 */
int	maildir_tmp_open(struct maildir_tmp *, const char *maildir);

/*
 * Deliver what was written: fsync and close the file, link it into new/
 * as "<sec>.M<usec>P<pid>V<dev>I<ino>.<host>,S=<size>", remove the tmp
 * name, fsync new/.  The new name (relative to the maildir, "new/...") is
 * put in *name_r unless name_r is NULL; its size in *size_r unless NULL.
 * On failure nothing is in new/ and the tmp file is removed.  Frees the
 * handle either way.  0, or -1 with errno.
 */
int	maildir_tmp_commit(struct maildir_tmp *, struct str *name_r,
	    off_t *size_r);

/* Give up: close and remove the tmp file, free the handle. */
void	maildir_tmp_abort(struct maildir_tmp *);

/*
 * One-call delivery: hdr (may be empty) then everything read from fd up
 * to end of file.  As maildir_tmp_commit.
 */
int	maildir_deliver_fd(const char *maildir, const void *hdr,
	    size_t hdrlen, int fd, struct str *name_r, off_t *size_r);

#endif
