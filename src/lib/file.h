/*
 * file - durable file operations: read a whole file with a limit, replace
 * a file atomically (temp, fsync, rename, fsync of the directory), fsync a
 * directory, open without following symlinks in shared directories.
 */
#ifndef HSMAIL_FILE_H
#define HSMAIL_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "str.h"

/*
 * Read all of path into *out (replacing it), at most out->max bytes.
 * 1 read, 0 the file does not exist, -1 error (errno; E2BIG if larger).
 */
int	file_read(const char *path, struct str *out);

/*
 * Replace path with the n bytes at b, atomically and durably: write
 * "<path>.tmp.<pid>", fsync, rename over path, fsync the directory.
 * mode is the new file's permission; run by root, the new file belongs to
 * the owner of its directory (file_own_like_parent).  0, or -1 with errno (path is then
 * untouched and the temporary file removed).
 */
int	file_replace(const char *path, const void *b, size_t n, mode_t mode);

/* fsync the directory dir.  0 or -1 (errno). */
int	file_fsync_dir(const char *dir);
/* fsync the directory that holds path.  0 or -1 (errno). */
int	file_fsync_parent(const char *path);

/*
 * When running as root, give the open file fd (to be named path) the
 * owner and group of path's directory, so files root writes into a
 * directory that belongs to a service user (vpopmail's domains) stay
 * readable by that user.  Not root: nothing.  0 or -1 (errno).
 */
int	file_own_like_parent(int fd, const char *path);

/* Write all n bytes to fd (EINTR and short writes handled).  0 or -1. */
int	file_writeall(int fd, const void *, size_t n);

/*
 * Open path for reading, refusing symlinks (O_NOFOLLOW) and, after the
 * open, anything that is not a regular file or has more than one link.
 * fd, or -1 with errno (ELOOP / EPERM for a refused file).
 */
int	file_open_safe(const char *path, int flags);

/*
 * Create the directories of path that are missing (like mkdir -p), each
 * with mode.  0 or -1 (errno).
 */
int	file_mkdirs(const char *path, mode_t mode);

#endif
