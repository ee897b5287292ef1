/*
 * dkimcache - a msgauthd child's parsed signing keys (see dkimcache.h).
 * The files are the administrator's; a key that does not parse is an
 * error for its domain only.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dkimcache.h"
#include "dkimkey.h"

/* What a file looked like when it was read. */
struct dkimcache_stamp {
	dev_t	 dev;
	ino_t	 ino;
	off_t	 size;
	struct timespec mtime, ctime;
	int	 exists;
};

struct dkimcache_dom {
	char	*name;
	struct dkimcache_keys k;
	struct dkimcache_stamp sign;
	struct dkimcache_stamp key[DKIMSIGN_MAX];
	char	*sel[DKIMSIGN_MAX];
	unsigned long used;	/* when it was last asked for */
};

static struct dkimcache_dom cache[DKIMCACHE_MAX];
static unsigned long clock_;

static int	stamp(const char *, const char *, const char *,
		    struct dkimcache_stamp *);
static int	stamp_eq(const struct dkimcache_stamp *,
		    const struct dkimcache_stamp *);
static int	fresh(const struct dkimcache_dom *);
static void	drop(struct dkimcache_dom *);
static int	load(struct dkimcache_dom *, const char *, struct str *);

/* stat of control/dkim/DOMAIN/SEL.EXT: 0 (maybe not there), -1. */
static int
stamp(const char *dom, const char *sel, const char *ext,
    struct dkimcache_stamp *s)
{
	struct str p = STR_INIT(4096);
	struct stat st;
	int	 r = 0;

	memset(s, 0, sizeof(*s));
	if (dkimkey_path(dom, sel, ext, &p) == -1) {
		str_free(&p);
		return -1;
	}
	if (stat(str_c(&p), &st) == 0) {
		s->dev = st.st_dev;
		s->ino = st.st_ino;
		s->size = st.st_size;
		s->mtime = st.st_mtim;
		s->ctime = st.st_ctim;
		s->exists = 1;
	} else if (errno != ENOENT)
		r = -1;
	str_free(&p);
	return r;
}

static int
stamp_eq(const struct dkimcache_stamp *a, const struct dkimcache_stamp *b)
{
	return a->exists == b->exists && a->dev == b->dev &&
	    a->ino == b->ino && a->size == b->size &&
	    a->mtime.tv_sec == b->mtime.tv_sec &&
	    a->mtime.tv_nsec == b->mtime.tv_nsec &&
	    a->ctime.tv_sec == b->ctime.tv_sec &&
	    a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* 1 when nothing the entry was read from has changed. */
static int
fresh(const struct dkimcache_dom *d)
{
	struct dkimcache_stamp now;
	size_t	 i;

	if (stamp(d->name, NULL, "sign", &now) == -1 ||
	    !stamp_eq(&now, &d->sign))
		return 0;
	for (i = 0; i < d->k.n; i++)
		if (stamp(d->name, d->sel[i], "key", &now) == -1 ||
		    !stamp_eq(&now, &d->key[i]))
			return 0;
	return 1;
}

static void
drop(struct dkimcache_dom *d)
{
	size_t	 i;

	for (i = 0; i < DKIMSIGN_MAX; i++) {
		dkimsign_key_free(d->k.keys[i]);
		free(d->sel[i]);
	}
	free(d->name);
	memset(d, 0, sizeof(*d));
}

/*
 * Read the domain's keys into d (empty): each file is looked at before
 * it is read, so that a change while we read shows next time.  1, 0 no
 * key signs, -1.
 */
static int
load(struct dkimcache_dom *d, const char *dom, struct str *why)
{
	struct strlist sels = STRLIST_INIT;
	struct str pem = STR_INIT(64 * 1024);
	size_t	 i;
	int	 r = -1;

	if ((d->name = strdup(dom)) == NULL)
		goto fail;
	d->k.domain = d->name;
	if (stamp(dom, NULL, "sign", &d->sign) == -1)
		goto fail;
	r = dkimkey_signing(dom, &sels);
	if (r != 1)
		goto done;
	r = -1;
	for (i = 0; i < sels.n && i < DKIMSIGN_MAX; i++) {
		if (stamp(dom, sels.v[i], "key", &d->key[i]) == -1 ||
		    (d->sel[i] = strdup(sels.v[i])) == NULL)
			goto fail;
		d->k.sels[i] = d->sel[i];
		if ((r = dkimkey_private(dom, sels.v[i], &pem)) != 1) {
			if (r == 0)
				errno = ENOENT;
			r = -1;
			goto fail;
		}
		d->k.keys[i] = dkimsign_key_new(pem.s, pem.len);
		str_wipe(&pem);
		if (d->k.keys[i] == NULL)
			goto fail;
		d->k.n++;
	}
	r = 1;
	goto done;
fail:
	str_notef(why, "cannot read the keys of %s: %s", dom,
	    strerror(errno));
done:
	str_wipe(&pem);
	strlist_free(&sels);
	return r;
}

int
dkimcache_get(const char *keydom, const struct dkimcache_keys **keys,
    struct str *why)
{
	struct dkimcache_dom *d = NULL, *old = &cache[0];
	size_t	 i;
	int	 r, saved;

	for (i = 0; i < DKIMCACHE_MAX; i++) {
		if (cache[i].name != NULL && strcmp(cache[i].name, keydom) ==
		    0) {
			d = &cache[i];
			break;
		}
		if (cache[i].used < old->used)
			old = &cache[i];
	}
	if (d != NULL && !fresh(d)) {
		drop(d);
		old = d;
		d = NULL;
	}
	if (d == NULL) {
		d = old;
		drop(d);
		if ((r = load(d, keydom, why)) != 1) {
			saved = errno;
			drop(d);
			errno = saved;
			return r;
		}
	}
	d->used = ++clock_;
	*keys = &d->k;
	return 1;
}

void
dkimcache_clear(void)
{
	size_t	 i;

	for (i = 0; i < DKIMCACHE_MAX; i++)
		drop(&cache[i]);
	clock_ = 0;
}
