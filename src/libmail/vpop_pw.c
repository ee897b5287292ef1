/*
 * vpop_pw - one vpasswd line of the vpopmail store: the record, its
 * parsing (text line or vpasswd.cdb record) with limits, and its
 * formatting.  Trusts nothing it parses: a damaged line is an error.
 */
#include <errno.h>
#include <string.h>

#include "num.h"
#include "vpop.h"

static int	vpop_fields(const char *, size_t, const char **, size_t *,
		    size_t);
static int	vpop_pw_fill(struct vpop_pw *, const char **, size_t *,
		    size_t);

void
vpop_pw_init(struct vpop_pw *pw)
{
	memset(pw, 0, sizeof(*pw));
	pw->name.max = VPOP_LINE_MAX;
	pw->passwd.max = VPOP_LINE_MAX;
	pw->gecos.max = VPOP_LINE_MAX;
	pw->dir.max = VPOP_LINE_MAX;
	pw->quota.max = VPOP_LINE_MAX;
	pw->clear.max = VPOP_LINE_MAX;
}

void
vpop_pw_free(struct vpop_pw *pw)
{
	str_free(&pw->name);
	str_wipe(&pw->passwd);
	str_free(&pw->gecos);
	str_free(&pw->dir);
	str_free(&pw->quota);
	str_wipe(&pw->clear);
	pw->has_clear = 0;
}

/* Split b at ':' into at most max fields.  The number of fields. */
static int
vpop_fields(const char *b, size_t n, const char **f, size_t *fl, size_t max)
{
	size_t	 i, k = 0, start = 0;

	for (i = 0; i <= n; i++) {
		if (i == n || b[i] == ':') {
			if (k == max)
				return -1;
			f[k] = b + start;
			fl[k++] = i - start;
			start = i + 1;
		}
	}
	return (int)k;
}

/* Fill pw from the fields name, passwd, uid, gid, gecos, dir, quota
 * [, clear]. */
static int
vpop_pw_fill(struct vpop_pw *pw, const char **f, size_t *fl, size_t k)
{
	if ((k != 7 && k != 8) || fl[0] == 0 ||
	    memchr(f[0], '\n', fl[0]) != NULL ||
	    num_parseb(f[2], fl[2], 0xffffffffUL, &pw->uid) == -1 ||
	    num_parseb(f[3], fl[3], 0xffffffffUL, &pw->gid) == -1) {
		errno = EINVAL;
		return -1;
	}
	if (str_copyb(&pw->name, f[0], fl[0]) == -1 ||
	    str_copyb(&pw->passwd, f[1], fl[1]) == -1 ||
	    str_copyb(&pw->gecos, f[4], fl[4]) == -1 ||
	    str_copyb(&pw->dir, f[5], fl[5]) == -1 ||
	    str_copyb(&pw->quota, f[6], fl[6]) == -1 ||
	    str_copyb(&pw->clear, k == 8 ? f[7] : "", k == 8 ? fl[7] : 0)
	    == -1)
		return -1;
	pw->has_clear = k == 8;
	return 0;
}

int
vpop_pw_parse(struct vpop_pw *pw, const char *line, size_t n)
{
	const char *f[9];
	size_t	 fl[9];
	int	 k;

	if (n > VPOP_LINE_MAX) {
		errno = E2BIG;
		return -1;
	}
	if (n > 0 && line[n - 1] == '\r')
		n--;
	k = vpop_fields(line, n, f, fl, 9);
	return vpop_pw_fill(pw, f, fl, k < 0 ? 0 : (size_t)k);
}

int
vpop_pw_parse_cdb(struct vpop_pw *pw, const char *name, size_t nlen,
    const char *data, size_t dlen)
{
	const char *f[9];
	size_t	 fl[9];
	int	 k;

	if (dlen > VPOP_LINE_MAX) {
		errno = E2BIG;
		return -1;
	}
	f[0] = name;
	fl[0] = nlen;
	k = vpop_fields(data, dlen, f + 1, fl + 1, 8);
	return vpop_pw_fill(pw, f, fl, k < 0 ? 0 : (size_t)k + 1);
}

int
vpop_pw_format(const struct vpop_pw *pw, struct str *out)
{
	const struct str *f[] = { &pw->name, &pw->passwd, &pw->gecos,
	    &pw->dir, &pw->quota, &pw->clear };
	size_t	 i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (f[i]->len > 0 && (memchr(f[i]->s, ':', f[i]->len) != NULL ||
		    memchr(f[i]->s, '\n', f[i]->len) != NULL ||
		    memchr(f[i]->s, '\0', f[i]->len) != NULL)) {
			errno = EINVAL;
			return -1;
		}
	if (str_printf(out, "%s:%s:%lu:%lu:%s:%s:%s", str_c(&pw->name),
	    str_c(&pw->passwd), pw->uid, pw->gid, str_c(&pw->gecos),
	    str_c(&pw->dir), str_c(&pw->quota)) == -1)
		return -1;
	if (pw->has_clear && (str_catc(out, ':') == -1 ||
	    str_cats(out, str_c(&pw->clear)) == -1))
		return -1;
	return 0;
}

int
vpop_pw_linename(const char *b, size_t n, const char **name, size_t *len)
{
	const char *c = memchr(b, ':', n);

	if (c == NULL)
		return -1;
	*name = b;
	*len = (size_t)(c - b);
	return 0;
}
