/*
 * cmap - a case-insensitive map from control-file keys to values, the
 * lookup behind control/locals, virtualdomains and percenthack.  Built
 * from trusted control files by qmail-todo; read-only once loaded.
 */
#ifndef HSMAIL_CMAP_H
#define HSMAIL_CMAP_H

#include <stddef.h>

#include "str.h"

struct cmap_ent {
	char	*key;		/* lower-cased, NUL-terminated */
	size_t	 klen;
	const char *val;	/* points into key's allocation; "" if none */
};

struct cmap {
	struct cmap_ent *tab;	/* open addressing, size a power of two */
	size_t	 size;
	size_t	 n;
};

#define CMAP_INIT	{ NULL, 0, 0 }

/*
 * Add every line of list: with split set, a line "key:value" maps key
 * (up to the first ':') to value; without, the whole line is a key with
 * value "".  The first line of a duplicated key wins (qmail's constmap).
 * 0, or -1 with errno ENOMEM.
 */
int	cmap_load(struct cmap *, const struct strlist *list, int split);

/* The value of key k[0..n) (case-insensitive), or NULL if absent.  The
 * pointer stays valid until cmap_free. */
const char *cmap_get(const struct cmap *, const char *k, size_t n);

void	cmap_free(struct cmap *);

#endif
