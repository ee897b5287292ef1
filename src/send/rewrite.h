/*
 * rewrite - qmail-send's recipient rewriting (ext-todo: done by
 * qmail-todo): envnoathost, percenthack, locals, virtualdomains.
 * Input addresses come from queued envelopes (untrusted text); the
 * control files are trusted.
 */
#ifndef HSMAIL_REWRITE_H
#define HSMAIL_REWRITE_H

#include "cmap.h"
#include "str.h"

struct rewrite {
	struct cmap locals;
	struct cmap vdoms;
	struct cmap percent;
	struct str envnoathost;
};

#define REWRITE_LOCAL	'L'
#define REWRITE_REMOTE	'R'

/* Empty tables (before rewrite_load or for tests). */
void	rewrite_init(struct rewrite *);

/*
 * Read control/me, locals (default me), virtualdomains, percenthack and
 * envnoathost (default me).  On success the old tables are replaced; on
 * failure (-1, errno) they are kept.
 */
int	rewrite_load(struct rewrite *);

/* Replace the tables from lists given directly (tests). */
int	rewrite_set(struct rewrite *, const struct strlist *locals,
	    const struct strlist *vdoms, const struct strlist *percent,
	    const char *envnoathost);

/*
 * Rewrite recipient addr[0..n) into *out (replaced).  Returns
 * REWRITE_LOCAL or REWRITE_REMOTE, or -1 with errno (str errors).
 */
int	rewrite_addr(const struct rewrite *, const char *addr, size_t n,
	    struct str *out);

void	rewrite_free(struct rewrite *);

#endif
