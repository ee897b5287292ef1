/*
 * cdbx - tinycdb wrapper.  Readers keep the file mapped (cdb_init mmaps),
 * so a lookup is a hash and one or two page reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "cdbx.h"
#include "file.h"

int
cdbx_open(struct cdbx *x, const char *path)
{
	int	 saved;

	x->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (x->fd == -1)
		return errno == ENOENT ? 0 : -1;
	if (cdb_init(&x->c, x->fd) != 0) {
		saved = errno ? errno : EPROTO;
		close(x->fd);
		x->fd = -1;
		errno = saved == ENOENT ? EPROTO : saved;
		return -1;
	}
	return 1;
}

void
cdbx_close(struct cdbx *x)
{
	if (x->fd != -1) {
		cdb_free(&x->c);
		close(x->fd);
		x->fd = -1;
	}
}

int
cdbx_find(struct cdbx *x, const void *key, size_t klen, struct str *data)
{
	unsigned dlen;
	int	 r;

	if (klen > UINT32_MAX) {
		errno = E2BIG;
		return -1;
	}
	r = cdb_find(&x->c, key, (unsigned)klen);
	if (r < 0) {
		errno = EPROTO;
		return -1;
	}
	if (r == 0)
		return 0;
	if (data == NULL)
		return 1;
	dlen = cdb_datalen(&x->c);
	str_clear(data);
	if (str_ready(data, dlen) == -1)
		return -1;
	if (cdb_read(&x->c, data->s, dlen, cdb_datapos(&x->c)) != 0) {
		errno = EPROTO;
		return -1;
	}
	data->len = dlen;
	data->s[dlen] = '\0';
	return 1;
}

int
cdbx_lookup(const char *path, const void *key, size_t klen, struct str *data)
{
	struct cdbx x;
	int	 r, saved;

	r = cdbx_open(&x, path);
	if (r != 1)
		return r;
	r = cdbx_find(&x, key, klen, data);
	saved = errno;
	cdbx_close(&x);
	errno = saved;
	return r;
}

int
cdbx_make_start(struct cdbx_make *mk, const char *path, const char *tmp,
    int mode)
{
	struct str p = STR_INIT(4096), t = STR_INIT(4096);
	int	 saved;

	mk->fd = -1;
	if (str_copys(&p, path) == -1)
		goto fail;
	if (tmp != NULL ? str_copys(&t, tmp) == -1 :
	    (str_copys(&t, path) == -1 || str_cats(&t, ".tmp") == -1))
		goto fail;
	mk->fd = open(t.s, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    mode);
	if (mk->fd == -1)
		goto fail;
	if (file_own_like_parent(mk->fd, p.s) == -1 ||
	    cdb_make_start(&mk->m, mk->fd) != 0) {
		close(mk->fd);
		unlink(t.s);
		goto fail;
	}
	mk->path = p;
	mk->tmp = t;
	return 0;
fail:
	saved = errno;
	str_free(&p);
	str_free(&t);
	errno = saved;
	return -1;
}

int
cdbx_make_add(struct cdbx_make *mk, const void *key, size_t klen,
    const void *data, size_t dlen)
{
	if (klen > UINT32_MAX / 2 || dlen > UINT32_MAX / 2) {
		errno = E2BIG;
		return -1;
	}
	if (cdb_make_add(&mk->m, key, (unsigned)klen, data,
	    (unsigned)dlen) != 0) {
		if (errno == 0)
			errno = ENOMEM;
		return -1;
	}
	return 0;
}

int
cdbx_make_finish(struct cdbx_make *mk)
{
	int	 saved;

	if (cdb_make_finish(&mk->m) != 0 || fsync(mk->fd) == -1)
		goto fail;
	if (close(mk->fd) == -1) {
		mk->fd = -1;
		goto fail;
	}
	mk->fd = -1;
	if (rename(mk->tmp.s, mk->path.s) == -1)
		goto fail;
	if (file_fsync_parent(mk->path.s) == -1)
		goto fail_renamed;
	str_free(&mk->path);
	str_free(&mk->tmp);
	return 0;
fail:
	saved = errno ? errno : EIO;
	if (mk->fd != -1)
		close(mk->fd);
	unlink(mk->tmp.s);
	str_free(&mk->path);
	str_free(&mk->tmp);
	errno = saved;
	return -1;
fail_renamed:
	saved = errno;
	str_free(&mk->path);
	str_free(&mk->tmp);
	errno = saved;
	return -1;
}

void
cdbx_make_abort(struct cdbx_make *mk)
{
	if (mk->fd != -1) {
		/* tinycdb frees its record lists only in cdb_make_finish. */
		(void)cdb_make_finish(&mk->m);
		close(mk->fd);
		unlink(mk->tmp.s);
	}
	str_free(&mk->path);
	str_free(&mk->tmp);
}
