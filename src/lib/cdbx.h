/*
 * cdbx - constant databases through tinycdb: lookups, and building a new
 * cdb that replaces the old one atomically and durably.
 */
#ifndef HSMAIL_CDBX_H
#define HSMAIL_CDBX_H

#include <cdb.h>
#include <stddef.h>

#include "str.h"

struct cdbx {
	struct cdb c;
	int	 fd;
};

/*
 * Open path for lookups.  1 open, 0 the file does not exist, -1 error
 * (errno; a file that is not a valid cdb gives EPROTO).
 */
int	cdbx_open(struct cdbx *, const char *path);
void	cdbx_close(struct cdbx *);

/*
 * Look key up; on a hit copy the data into *data (if data is not NULL;
 * at most data->max bytes, else E2BIG).  1 found, 0 absent, -1 error.
 */
int	cdbx_find(struct cdbx *, const void *key, size_t klen,
	    struct str *data);

/* Open, look up once, close.  As cdbx_find; a missing file is 0. */
int	cdbx_lookup(const char *path, const void *key, size_t klen,
	    struct str *data);

struct cdbx_make {
	struct cdb_make m;
	int	 fd;
	struct str path;	/* final name */
	struct str tmp;		/* temporary name */
};

/*
 * Start building the cdb that will replace path.  The data goes to tmp
 * (NULL: "<path>.tmp"), created with mode and truncated; tmp must be on
 * the same filesystem.  Run by root, the file belongs to the owner of
 * path's directory (file.h file_own_like_parent).  0 or -1 (errno).
 */
int	cdbx_make_start(struct cdbx_make *, const char *path,
	    const char *tmp, int mode);
/* Add a record.  0 or -1 (errno). */
int	cdbx_make_add(struct cdbx_make *, const void *key, size_t klen,
	    const void *data, size_t dlen);
/*
 * Write the index, fsync, rename over path, fsync the directory.  On any
 * failure the temporary file is removed and path is left as it was.
 * Frees the builder either way.  0 or -1 (errno).
 */
int	cdbx_make_finish(struct cdbx_make *);
/* Give up: remove the temporary file, free the builder. */
void	cdbx_make_abort(struct cdbx_make *);

#endif
