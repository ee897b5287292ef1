/*
 * assign - users/assign -> users/cdb (qmail-newu's format) and the
 * qmail-lspawn lookup.  See assign.h.  Runs in the admin commands (root)
 * and in readers of the store; the cdb is read with length limits.
 */
#include <errno.h>
#include <string.h>

#include "assign.h"
#include "cdbx.h"
#include "num.h"

#define ASSIGN_FIELDS	7	/* local user uid gid home dash ext */

static int	assign_split(const char *, size_t, const char **, size_t *);
static int	assign_line(const char *, size_t, struct str *,
		    assign_add_fn, void *);
static int	assign_make_add(void *, const char *, size_t, const char *,
		    size_t);
static int	assign_decode(const struct str *, struct assign_entry *);

void
assign_entry_init(struct assign_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->user.max = e->home.max = e->dash.max = e->ext.max = ASSIGN_LINE_MAX;
}

void
assign_entry_free(struct assign_entry *e)
{
	str_free(&e->user);
	str_free(&e->home);
	str_free(&e->dash);
	str_free(&e->ext);
}

/* Split the line after its type byte into the seven fields. */
static int
assign_split(const char *b, size_t n, const char **f, size_t *fl)
{
	size_t	 i, k = 0, start = 0;

	for (i = 0; i < n && k < ASSIGN_FIELDS; i++) {
		if (b[i] == ':') {
			f[k] = b + start;
			fl[k++] = i - start;
			start = i + 1;
		}
	}
	return k == ASSIGN_FIELDS ? 0 : -1;
}

/* Turn one line (without its newline) into its record and hand it to
 * add; wild collects the last characters of wildcard prefixes. */
static int
assign_line(const char *b, size_t n, struct str *wild, assign_add_fn add,
    void *ctx)
{
	struct str key = STR_INIT(ASSIGN_LINE_MAX + 2);
	struct str data = STR_INIT(ASSIGN_LINE_MAX + 8);
	const char *f[ASSIGN_FIELDS];
	size_t	 fl[ASSIGN_FIELDS], i;
	unsigned long v;
	int	 r = -1;

	if (n < 1 || (b[0] != '=' && b[0] != '+') ||
	    assign_split(b + 1, n - 1, f, fl) == -1 ||
	    memchr(b, '\0', n) != NULL ||
	    num_parseb(f[2], fl[2], 0xffffffffUL, &v) == -1 ||
	    num_parseb(f[3], fl[3], 0xffffffffUL, &v) == -1) {
		errno = EINVAL;
		return -1;
	}
	if (str_catc(&key, '!') == -1 || str_catb(&key, f[0], fl[0]) == -1)
		goto out;
	str_lower(&key);
	if (b[0] == '=') {
		if (str_catc(&key, '\0') == -1)
			goto out;
	} else if (fl[0] > 0 && memchr(wild->s, key.s[key.len - 1],
	    wild->len) == NULL) {
		if (str_catc(wild, key.s[key.len - 1]) == -1)
			goto out;
	}
	/* qmail-newu's data: the six fields NUL-separated, none after the
	 * last (its sixth ':' becomes the end of the record). */
	for (i = 1; i < ASSIGN_FIELDS; i++)
		if (str_catb(&data, f[i], fl[i]) == -1 ||
		    (i + 1 < ASSIGN_FIELDS && str_catc(&data, '\0') == -1))
			goto out;
	r = add(ctx, key.s, key.len, data.s, data.len);
out:
	str_free(&key);
	str_free(&data);
	return r;
}

int
assign_parse(const char *text, size_t n, assign_add_fn add, void *ctx,
    unsigned long *line_r)
{
	struct str wild = STR_INIT(256);
	const char *p = text, *end = text + n, *nl;
	unsigned long lineno = 0;
	int	 done = 0, r = -1;

	if (str_cats(&wild, "") == -1)
		return -1;
	while (p < end && !done) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (nl - p == 1 && *p == '.')
			done = 1;
		else if ((size_t)(nl - p) > ASSIGN_LINE_MAX) {
			errno = EINVAL;
			goto out;
		} else if (assign_line(p, (size_t)(nl - p), &wild, add,
		    ctx) == -1)
			goto out;
		p = nl + 1;
	}
	if (!done) {
		lineno++;		/* the missing "." line */
		errno = EINVAL;
		goto out;
	}
	r = add(ctx, "", 0, wild.s, wild.len);
out:
	if (line_r != NULL)
		*line_r = lineno;
	str_free(&wild);
	return r;
}

static int
assign_make_add(void *ctx, const char *k, size_t kl, const char *d,
    size_t dl)
{
	return cdbx_make_add(ctx, k, kl, d, dl);
}

int
assign_compile(const char *text, size_t n, const char *cdbpath,
    unsigned long *line_r)
{
	struct cdbx_make mk;
	int	 saved;

	if (cdbx_make_start(&mk, cdbpath, NULL, 0644) == -1)
		return -1;
	if (assign_parse(text, n, assign_make_add, &mk, line_r) == -1) {
		saved = errno;
		cdbx_make_abort(&mk);
		errno = saved;
		return -1;
	}
	return cdbx_make_finish(&mk);
}

/* Decode cdb data "user\0uid\0gid\0home\0dash\0ext\0". */
static int
assign_decode(const struct str *d, struct assign_entry *e)
{
	const char *f[6], *p = d->s, *end = d->s + d->len, *z;
	size_t	 fl[6];
	int	 i;

	for (i = 0; i < 6; i++) {
		/* qmail-newu leaves the NUL after the last field out. */
		if (i == 5 && p <= end &&
		    memchr(p, '\0', (size_t)(end - p)) == NULL)
			z = end;
		else if (p >= end ||
		    (z = memchr(p, '\0', (size_t)(end - p))) == NULL)
			goto bad;
		f[i] = p;
		fl[i] = (size_t)(z - p);
		p = z + 1;
	}
	if (num_parseb(f[1], fl[1], 0xffffffffUL, &e->uid) == -1 ||
	    num_parseb(f[2], fl[2], 0xffffffffUL, &e->gid) == -1)
		goto bad;
	if (str_copyb(&e->user, f[0], fl[0]) == -1 ||
	    str_copyb(&e->home, f[3], fl[3]) == -1 ||
	    str_copyb(&e->dash, f[4], fl[4]) == -1 ||
	    str_copyb(&e->ext, f[5], fl[5]) == -1)
		return -1;
	return 0;
bad:
	errno = EPROTO;
	return -1;
}

int
assign_find_prefix(struct cdbx *x, const char *prefix, struct assign_entry *e)
{
	struct str key = STR_INIT(ASSIGN_LINE_MAX + 2);
	struct str d = STR_INIT(ASSIGN_LINE_MAX * 2);
	int	 r;

	if (str_catc(&key, '!') == -1 || str_cats(&key, prefix) == -1) {
		str_free(&key);
		return -1;
	}
	str_lower(&key);
	r = cdbx_find(x, key.s, key.len, &d);
	if (r == 1 && assign_decode(&d, e) == -1)
		r = -1;
	str_free(&key);
	str_free(&d);
	return r;
}

int
assign_lookup_prefix(const char *cdbpath, const char *prefix,
    struct assign_entry *e)
{
	struct cdbx x;
	int	 r;

	if ((r = cdbx_open(&x, cdbpath)) != 1)
		return r;
	r = assign_find_prefix(&x, prefix, e);
	cdbx_close(&x);
	return r;
}

int
assign_lookup(const char *cdbpath, const char *local, struct assign_entry *e)
{
	struct cdbx x;
	struct str key = STR_INIT(ASSIGN_LINE_MAX + 2);
	struct str d = STR_INIT(ASSIGN_LINE_MAX * 2), wild = STR_INIT(256);
	size_t	 n = strlen(local), i;
	int	 r;

	if ((r = cdbx_open(&x, cdbpath)) != 1)
		return r;
	r = -1;
	if (str_catc(&key, '!') == -1 || str_catb(&key, local, n) == -1 ||
	    str_catc(&key, '\0') == -1)
		goto out;
	str_lower(&key);
	if ((r = cdbx_find(&x, key.s, key.len, &d)) != 0) {
		if (r == 1 && (r = assign_decode(&d, e)) == 0)
			r = 1;
		goto out;
	}
	if ((r = cdbx_find(&x, "", 0, &wild)) == -1)
		goto out;
	for (i = n + 1; i-- > 0;) {
		if (i > 0 && (wild.len == 0 ||
		    memchr(wild.s, key.s[i], wild.len) == NULL))
			continue;
		if ((r = cdbx_find(&x, key.s, i + 1, &d)) == -1)
			goto out;
		if (r == 1) {
			/* The tail keeps its case, as qmail-lspawn's. */
			if (assign_decode(&d, e) == -1 ||
			    str_catb(&e->ext, local + i, n - i) == -1)
				r = -1;
			goto out;
		}
	}
	r = 0;
out:
	cdbx_close(&x);
	str_free(&key);
	str_free(&d);
	str_free(&wild);
	return r;
}
