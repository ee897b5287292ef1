/*
 * qpool - spare queue files.  A queue file that is done with (a message
 * that was delivered, an envelope that was preprocessed) is renamed into
 * <queue>/pool as "pool/<its inode number>" instead of being removed,
 * and qmail-queue takes its next message and envelope files from there
 * instead of creating new ones: the file system allocates and frees no
 * inode per message (on ext4 without a journal that costs a scan past
 * every recently freed inode of the group).  The same for the files of
 * qmail-todo and qmail-send (info/, local/, remote/) in ipool/, which
 * belongs to qmails as they do.  The queue's layout is qmail's; pool/ and
 * ipool/ are two more directories, which the queue tools ignore.  pool/
 * is used by qmail-queue and qmail-queued (taking) and qmail-clean
 * (putting), all as qmailq, who alone may enter it; ipool/ by qmail-todo
 * (taking) and qmail-send (putting), as qmails.  A queue without them
 * works as before: nothing is taken or put.
 */
#ifndef HSMAIL_QPOOL_H
#define HSMAIL_QPOOL_H

#include <stddef.h>

#define QPOOL_DIR	"pool"	/* mess/, intd/ and todo/ files (qmailq) */
#define QPOOL_IDIR	"ipool"	/* info/, local/, remote/ files (qmails) */
#define QPOOL_MAX	1024	/* spare files kept at most */
#define QPOOL_BATCH	64	/* names read from pool/ at a time */

/* A pool directory (in the queue directory, the current directory of
 * the caller) and the names of spare files last read from it. */
struct qpool {
	const char *dir;
	unsigned long ino[QPOOL_BATCH];
	size_t	 n, next;
};

#define QPOOL_INIT(dir)	{ (dir), { 0 }, 0, 0 }

/*
 * Take a spare file as path (a name in the queue that does not exist
 * yet), or, with a name function, as name(ino, arg) (for files named by
 * their inode): renamed there, never over an existing file.  1 with
 * *fd_r open for writing (O_WRONLY, close-on-exec; the old contents are
 * still there: write from the start and truncate) and *ino_r its inode;
 * 0 when there is no spare file (the caller creates one); -1 on an error
 * (errno), when nothing was taken.
 */
int	qpool_take(struct qpool *, const char *path,
	    const char *(*name)(unsigned long ino, void *arg), void *arg,
	    int *fd_r, unsigned long *ino_r);

/*
 * Put the queue file path in the pool dir instead of removing it, or remove
 * it when the pool is full or missing, or path is not a plain file with
 * one link.  *count is the caller's count of spare files (qpool_count).
 * 0 (path is gone from where it was), or -1 (errno; ENOENT: there was
 * nothing).
 */
int	qpool_put(const char *dir, const char *path, size_t *count);

/* The number of files in the pool directory dir (0 without it). */
size_t	qpool_count(const char *dir);

#endif
