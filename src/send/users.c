/*
 * users - users/cdb lookup for qmail-lspawn (see users.h).
 */
#include <errno.h>
#include <string.h>

#include "cdbx.h"
#include "num.h"
#include "users.h"

static int	users_parse(struct users_ent *, const struct str *,
		    const char *);

void
users_init(struct users_ent *e)
{
	e->user = (struct str)STR_INIT(1024);
	e->home = (struct str)STR_INIT(4096);
	e->dash = (struct str)STR_INIT(1024);
	e->ext = (struct str)STR_INIT(4096);
	e->uid = e->gid = 0;
}

void
users_free(struct users_ent *e)
{
	str_free(&e->user);
	str_free(&e->home);
	str_free(&e->dash);
	str_free(&e->ext);
}

/* Split "user\0uid\0gid\0home\0dash\0ext[\0]" and append tail to ext. */
static int
users_parse(struct users_ent *e, const struct str *d, const char *tail)
{
	const char *f[6], *p = d->s, *end = d->s + d->len, *z;
	size_t	 len[6];
	int	 i;

	for (i = 0; i < 6; i++) {
		z = memchr(p, '\0', (size_t)(end - p));
		if (z == NULL) {
			if (i != 5)
				goto bad;
			z = end;
		}
		f[i] = p;
		len[i] = (size_t)(z - p);
		p = z < end ? z + 1 : end;
	}
	if (str_copyb(&e->user, f[0], len[0]) == -1 ||
	    str_copyb(&e->home, f[3], len[3]) == -1 ||
	    str_copyb(&e->dash, f[4], len[4]) == -1 ||
	    str_copyb(&e->ext, f[5], len[5]) == -1 ||
	    (tail != NULL && str_cats(&e->ext, tail) == -1))
		return -1;
	{
		char	 num[32];

		if (len[1] >= sizeof(num) || len[2] >= sizeof(num))
			goto bad;
		memcpy(num, f[1], len[1]);
		num[len[1]] = '\0';
		if (num_parses(num, 0xffffffffUL, &e->uid) == -1)
			goto bad;
		memcpy(num, f[2], len[2]);
		num[len[2]] = '\0';
		if (num_parses(num, 0xffffffffUL, &e->gid) == -1)
			goto bad;
	}
	return 1;
bad:
	errno = EPROTO;
	return -1;
}

int
users_lookup(const char *path, const char *local, struct users_ent *e)
{
	struct cdbx db;
	struct str key = STR_INIT(8192), data = STR_INIT(65536);
	struct str wild = STR_INIT(65536);
	size_t	 i;
	int	 r, flagwild = 0;

	r = cdbx_open(&db, path);
	if (r != 1)
		return r;
	if (str_catc(&key, '!') == -1 || str_cats(&key, local) == -1 ||
	    str_catc(&key, '\0') == -1) {
		r = -1;
		goto out;
	}
	str_lower(&key);
	r = cdbx_find(&db, "", 0, &wild);
	if (r != 1) {
		if (r == 0)
			str_clear(&wild);
		else
			goto out;
	}
	i = key.len;
	r = 0;
	do {
		if (!flagwild || i == 1 || (wild.len > 0 &&
		    memchr(wild.s, key.s[i - 1], wild.len) != NULL)) {
			r = cdbx_find(&db, key.s, i, &data);
			if (r == -1)
				goto out;
			if (r == 1) {
				r = users_parse(e, &data,
				    flagwild ? local + i - 1 : NULL);
				goto out;
			}
		}
		i--;
		flagwild = 1;
	} while (i > 0);
	r = 0;
out:
	cdbx_close(&db);
	str_free(&key);
	str_free(&data);
	str_free(&wild);
	return r;
}
