/*
 * assign - qmail's users/assign text and its compiled form users/cdb, in
 * the key format of qmail-newu (qmail.md §9), and the lookup qmail-lspawn
 * does.  Used by the vpopmail store (domain lookup), the admin commands
 * (rebuild after an edit) and qmail-newu.  The assign text is trusted as
 * far as its author (root); it is still parsed with limits.
 */
#ifndef HSMAIL_ASSIGN_H
#define HSMAIL_ASSIGN_H

#include <stddef.h>

#include "str.h"

#define ASSIGN_LINE_MAX	4096

/* One parsed users/cdb entry. */
struct assign_entry {
	struct str user;	/* the user field (the real domain for vpopmail) */
	unsigned long uid;
	unsigned long gid;
	struct str home;
	struct str dash;
	struct str ext;
};

void	assign_entry_init(struct assign_entry *);
void	assign_entry_free(struct assign_entry *);

/* Called once per record; returns 0 or -1 (errno) to stop. */
typedef int (*assign_add_fn)(void *ctx, const char *key, size_t klen,
    const char *data, size_t dlen);

/*
 * Parse assign text (n bytes, terminated by a "." line) and call add for
 * every record of users/cdb, exactly as qmail-newu writes them: key
 * "!local\0" ('=' lines, lowercased) or "!prefix" ('+' lines), data
 * "user\0uid\0gid\0homedir\0dash\0ext" (no NUL after the last field),
 * then the "" key with the last characters of the wildcard prefixes.
 * 0; -1 with errno EINVAL (bad format: *line_r, if not NULL, is the
 * 1-based line) or what add returned.
 */
int	assign_parse(const char *text, size_t n, assign_add_fn add, void *ctx,
	    unsigned long *line_r);

/*
 * Compile assign text with assign_parse into the cdb at cdbpath,
 * atomically (tmp "<cdbpath>.tmp", fsync, rename).  On a syntax
 * error nothing is written: -1 with errno EINVAL and *line_r (if not NULL)
 * the 1-based line number.  0 on success, -1 with errno otherwise.
 */
int	assign_compile(const char *text, size_t n, const char *cdbpath,
	    unsigned long *line_r);

/*
 * Look up the local part local (lowercased here) in users/cdb at cdbpath
 * as qmail-lspawn does: exact "=" entries, then the longest wildcard
 * prefix whose last character is in the wildcard set; the unmatched
 * tail of a wildcard hit, in its original case, is appended to ext.
 * 1 found, 0 not found (or no cdb), -1 error (errno).
 */
int	assign_lookup(const char *cdbpath, const char *local,
	    struct assign_entry *);

/*
 * Look up exactly one wildcard prefix (key "!" + prefix, no tail): what
 * vpopmail's vget_assign does with "<domain>-".  1/0/-1 as above.
 */
int	assign_lookup_prefix(const char *cdbpath, const char *prefix,
	    struct assign_entry *);

/* The same on a cdb the caller keeps open (cdbx.h). */
struct cdbx;
int	assign_find_prefix(struct cdbx *, const char *prefix,
	    struct assign_entry *);

#endif
