/*
 * vpop_dirctl - vpopmail's "big dir" bucket hashing (.dir-control), as
 * vpopmail's bigdir.c: which subdirectory the next user or domain goes
 * to.  Used by the admin commands (root or vpopmail).  The file is parsed
 * with limits; a damaged one is refused, never followed out of the
 * directory.
 */
#include <errno.h>
#include <string.h>

#include "file.h"
#include "num.h"
#include "vpop_dirctl.h"

static const char vpop_dirlist[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
#define VPOP_DIRLIST_LEN	62

static void	vpop_dirctl_inc(struct vpop_dirctl *, int);
static int	vpop_dirctl_ints(const char *, int *);

void
vpop_dirctl_init(struct vpop_dirctl *d)
{
	int	 i;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < VPOP_DIRCTL_LEVELS; i++) {
		d->level_end[i] = VPOP_DIRLIST_LEN - 1;
		d->level_mod[i] = i * 2;
	}
	d->level_max = VPOP_DIRCTL_LEVELS;
}

/* Three integers "a b c" of a .dir-control line. */
static int
vpop_dirctl_ints(const char *line, int *v)
{
	char	 buf[64], *save = NULL, *tok;
	unsigned long x;
	int	 i;

	if (strlen(line) >= sizeof(buf))
		return -1;
	memcpy(buf, line, strlen(line) + 1);
	tok = strtok_r(buf, " ", &save);
	for (i = 0; i < 3; i++, tok = strtok_r(NULL, " ", &save))
		if (tok == NULL || num_parses(tok, 64, &x) == -1)
			return -1;
		else
			v[i] = (int)x;
	return tok == NULL ? 0 : -1;
}

int
vpop_dirctl_parse(struct vpop_dirctl *d, const char *b, size_t n)
{
	struct strlist l = STRLIST_INIT;
	unsigned long x;
	size_t	 i, len;
	int	 ok = 0;

	vpop_dirctl_init(d);
	/* Split by hand: the last line (the bucket) may be empty. */
	for (i = 0; i < n; i += len + 1) {
		const char *nl = memchr(b + i, '\n', n - i);
		len = nl != NULL ? (size_t)(nl - (b + i)) : n - i;
		if (l.n >= 9 || strlist_addb(&l, b + i, len) == -1)
			goto out;
	}
	if (l.n < 7)
		goto out;
	if (num_parses(l.v[0], 0xffffffffUL, &x) == -1)
		goto out;
	d->cur_users = x;
	if (num_parses(l.v[1], 2, &x) == -1)
		goto out;
	d->level_cur = (int)x;
	if (num_parses(l.v[2], 3, &x) == -1)
		goto out;
	d->level_max = (int)x;
	if (vpop_dirctl_ints(l.v[3], d->level_start) == -1 ||
	    vpop_dirctl_ints(l.v[4], d->level_end) == -1 ||
	    vpop_dirctl_ints(l.v[5], d->level_mod) == -1 ||
	    vpop_dirctl_ints(l.v[6], d->level_index) == -1)
		goto out;
	for (i = 0; i < VPOP_DIRCTL_LEVELS; i++)
		if (d->level_start[i] > d->level_end[i] ||
		    d->level_end[i] >= VPOP_DIRLIST_LEN ||
		    d->level_mod[i] > 4 || d->level_index[i] > VPOP_DIRLIST_LEN)
			goto out;
	if (l.n >= 8) {
		len = strlen(l.v[7]);
		if (len > 5)
			goto out;
		for (i = 0; i < len; i++)
			if (l.v[7][i] != '/' && strchr(vpop_dirlist,
			    l.v[7][i]) == NULL)
				goto out;
		memcpy(d->the_dir, l.v[7], len + 1);
	}
	ok = 1;
out:
	strlist_free(&l);
	if (!ok) {
		vpop_dirctl_init(d);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
vpop_dirctl_read(const char *dir, struct vpop_dirctl *d)
{
	struct str p = STR_INIT(4096), text = STR_INIT(4096);
	int	 r;

	vpop_dirctl_init(d);
	if (str_printf(&p, "%s/.dir-control", dir) == -1)
		return -1;
	r = file_read(p.s, &text);
	if (r == 1)
		r = vpop_dirctl_parse(d, text.s, text.len);
	str_free(&p);
	str_free(&text);
	return r < 0 ? -1 : 0;
}

int
vpop_dirctl_write(const char *dir, const struct vpop_dirctl *d)
{
	struct str p = STR_INIT(4096), t = STR_INIT(4096);
	int	 r = -1;

	if (str_printf(&p, "%s/.dir-control", dir) == 0 &&
	    str_printf(&t, "%lu\n%d\n%d\n%d %d %d\n%d %d %d\n%d %d %d\n"
	    "%d %d %d\n%s\n", d->cur_users, d->level_cur, d->level_max,
	    d->level_start[0], d->level_start[1], d->level_start[2],
	    d->level_end[0], d->level_end[1], d->level_end[2],
	    d->level_mod[0], d->level_mod[1], d->level_mod[2],
	    d->level_index[0], d->level_index[1], d->level_index[2],
	    d->the_dir) == 0)
		r = file_replace(p.s, t.s, t.len, 0600);
	str_free(&p);
	str_free(&t);
	return r;
}

/* Step the character of one level, carrying into the level above. */
static void
vpop_dirctl_inc(struct vpop_dirctl *d, int level)
{
	int	 pos = d->level_mod[level], i;
	char	 c = d->the_dir[pos];

	if (c == '\0')
		d->the_dir[pos + 1] = '\0';
	if (c == vpop_dirlist[d->level_end[level]]) {
		d->the_dir[pos] = vpop_dirlist[d->level_start[level]];
		d->level_index[level] = d->level_start[level];
		if (level > 0)
			vpop_dirctl_inc(d, level - 1);
		return;
	}
	for (i = d->level_start[level]; i <= d->level_end[level] &&
	    vpop_dirlist[i] != c; i++)
		;
	if (++i > d->level_end[level])
		i = d->level_start[level];
	d->the_dir[pos] = vpop_dirlist[i];
	d->level_index[level]++;
}

void
vpop_dirctl_next(struct vpop_dirctl *d)
{
	size_t	 n;

	d->cur_users++;
	if (d->cur_users % VPOP_DIRCTL_PER_BUCKET != 0)
		return;
	if (d->the_dir[0] == '\0') {
		d->the_dir[0] = vpop_dirlist[d->level_start[0]];
		d->the_dir[1] = '\0';
		return;
	}
	if (d->level_index[d->level_cur] == d->level_end[d->level_cur]) {
		n = strlen(d->the_dir);
		if (d->level_cur == 0) {
			vpop_dirctl_inc(d, 0);
			d->level_cur = 1;
			d->the_dir[n] = '/';
			d->the_dir[n + 1] = '\0';
		} else if (d->level_cur == 1 &&
		    d->level_index[0] == d->level_end[0] &&
		    d->level_index[1] == d->level_end[1]) {
			vpop_dirctl_inc(d, 1);
			d->level_cur = 2;
			d->the_dir[n] = '/';
			d->the_dir[n + 1] = '\0';
		}
	}
	vpop_dirctl_inc(d, d->level_cur);
}
