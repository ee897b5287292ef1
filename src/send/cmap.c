/*
 * cmap - case-insensitive string map with open addressing (FNV-1a).
 * Used by qmail-todo for the control files it reads; trusts its input
 * only to be text.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmap.h"

static uint64_t	cmap_hash(const char *, size_t);
static int	cmap_grow(struct cmap *);
static int	cmap_put(struct cmap *, const char *, size_t, const char *,
		    size_t);

/* FNV-1a over the lower-cased bytes. */
static uint64_t
cmap_hash(const char *k, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	size_t	 i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)tolower((unsigned char)k[i]);
		h *= 1099511628211ULL;
	}
	return h;
}

/* Double the table (or make the first one) and re-insert. */
static int
cmap_grow(struct cmap *m)
{
	struct cmap_ent *old = m->tab, *t;
	size_t	 oldsize = m->size, size, i, j;

	size = oldsize == 0 ? 64 : oldsize * 2;
	if (size < oldsize || (t = calloc(size, sizeof(*t))) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < oldsize; i++) {
		if (old[i].key == NULL)
			continue;
		j = cmap_hash(old[i].key, old[i].klen) & (size - 1);
		while (t[j].key != NULL)
			j = (j + 1) & (size - 1);
		t[j] = old[i];
	}
	free(old);
	m->tab = t;
	m->size = size;
	return 0;
}

/* Insert key/value unless key is present already. */
static int
cmap_put(struct cmap *m, const char *k, size_t kn, const char *v, size_t vn)
{
	char	*p;
	size_t	 i, j;

	if (cmap_get(m, k, kn) != NULL)
		return 0;
	if ((m->n + 1) * 2 > m->size && cmap_grow(m) == -1)
		return -1;
	if (kn > SIZE_MAX / 2 - vn - 2 || (p = malloc(kn + vn + 2)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < kn; i++)
		p[i] = (char)tolower((unsigned char)k[i]);
	p[kn] = '\0';
	memcpy(p + kn + 1, v, vn);
	p[kn + 1 + vn] = '\0';
	j = cmap_hash(k, kn) & (m->size - 1);
	while (m->tab[j].key != NULL)
		j = (j + 1) & (m->size - 1);
	m->tab[j].key = p;
	m->tab[j].klen = kn;
	m->tab[j].val = p + kn + 1;
	m->n++;
	return 0;
}

int
cmap_load(struct cmap *m, const struct strlist *list, int split)
{
	const char *line, *colon;
	size_t	 i, n;

	for (i = 0; i < list->n; i++) {
		line = list->v[i];
		n = strlen(line);
		colon = split ? memchr(line, ':', n) : NULL;
		if (split && colon == NULL)
			continue;	/* qmail ignores such lines */
		if (colon != NULL) {
			if (cmap_put(m, line, (size_t)(colon - line), colon + 1,
			    n - (size_t)(colon - line) - 1) == -1)
				return -1;
		} else if (cmap_put(m, line, n, "", 0) == -1)
			return -1;
	}
	return 0;
}

const char *
cmap_get(const struct cmap *m, const char *k, size_t n)
{
	size_t	 j;

	if (m->size == 0)
		return NULL;
	j = cmap_hash(k, n) & (m->size - 1);
	while (m->tab[j].key != NULL) {
		if (m->tab[j].klen == n && mem_caseeq(m->tab[j].key, k, n))
			return m->tab[j].val;
		j = (j + 1) & (m->size - 1);
	}
	return NULL;
}

void
cmap_free(struct cmap *m)
{
	size_t	 i;

	for (i = 0; i < m->size; i++)
		free(m->tab[i].key);
	free(m->tab);
	m->tab = NULL;
	m->size = m->n = 0;
}
