/*
 * abook - the webmail's address book: the file sqwebmail-addressbook in
 * the user's directory (sqwebmail-addressbook(5)), one contact a line,
 * "name<TAB>address", UTF-8, '#' comments; its parser (lenient: a line
 * it cannot use is skipped), writer, and changes.  Pure functions over
 * memory plus a load and an atomic save: unit-tested and fuzzed.  The
 * file is the user's own; its contents are still only text to show.
 */
#ifndef HSMAIL_ABOOK_H
#define HSMAIL_ABOOK_H

#include <stddef.h>

#include "str.h"

#define ABOOK_FILE	"sqwebmail-addressbook"
#define ABOOK_MAX	2000		/* contacts */
#define ABOOK_FILE_MAX	(512 * 1024)	/* bytes of the file */
#define ABOOK_NAME_MAX	200		/* bytes of a name */
#define ABOOK_ADDR_MAX	320		/* bytes of an address (RFC 5321) */

struct abook_entry {
	char	*name;		/* "" when none */
	char	*addr;		/* local@domain */
};

struct abook {
	struct abook_entry *v;
	size_t	 n;
};
#define ABOOK_INIT	{ NULL, 0 }

void	abook_free(struct abook *);

/* 1 if s can be stored as a name (at most ABOOK_NAME_MAX bytes of
 * valid UTF-8 without control characters), else 0. */
int	abook_name_ok(const char *s);
/* 1 if s is an address to keep: local@domain, at most ABOOK_ADDR_MAX
 * bytes, no blanks, controls, quotes, brackets, commas or semicolons. */
int	abook_addr_ok(const char *s);

/* Read b[0..n) into *ab (appending; lines that cannot be used and
 * contacts beyond ABOOK_MAX are skipped).  0 or -1 (ENOMEM). */
int	abook_parse(const char *b, size_t n, struct abook *ab);
/* The file's text for *ab (a comment line first).  0 or -1. */
int	abook_format(const struct abook *, struct str *out);

/* Load the file at path (a missing file is an empty book); save it
 * atomically (mode 0600).  0 or -1 (errno). */
int	abook_load(const char *path, struct abook *ab);
int	abook_save(const char *path, const struct abook *ab);

/* The index of the contact with address addr (without case), or -1. */
long	abook_find(const struct abook *, const char *addr);
/*
 * Add a contact, or give the one with that address the new name.  -1
 * with EINVAL (a name or address that cannot be kept), ENOSPC (the book
 * is full) or ENOMEM; 0 done.
 */
int	abook_put(struct abook *, const char *name, const char *addr);
/* Remove contact i.  0, or -1 EINVAL (no such contact). */
int	abook_del(struct abook *, size_t i);
/* Order by name (without case, ASCII), then address. */
void	abook_sort(struct abook *);

#endif
