/*
 * mdquota - Maildir++ quota (maildirsize), as Courier's maildirquota and
 * vpopmail's maildirquota.c keep it: see mdquota.h and qmail.md §13.
 * Runs inside the delivery agent and the mail readers as the mailbox
 * owner; the maildirsize file is treated as untrusted input.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "mdquota.h"
#include "num.h"

#define MDQUOTA_BIG	(1ULL << 60)	/* larger numbers are nonsense */
#define MDQUOTA_SCAN_DIRS 512		/* mtimes remembered per scan */

struct mdquota_scan {
	long long	 size;
	long long	 count;
	size_t		 ndirs;
	struct timespec	 mtime[MDQUOTA_SCAN_DIRS];
	struct str	 path;
};

static int	mdquota_num(const char *, size_t, unsigned long long *);
static int	mdquota_scan_dir(struct mdquota_scan *, const char *);
static int	mdquota_scan_folder(struct mdquota_scan *, const char *,
		    const char *);
static int	mdquota_scan(struct mdquota_scan *, const char *);
static int	mdquota_changed(struct mdquota_scan *, const char *);
static int	mdquota_msgsize(const char *, const char *, long long *);

/* A decimal number of at most 19 digits. */
static int
mdquota_num(const char *b, size_t n, unsigned long long *v)
{
	unsigned long x;

	if (num_parseb(b, n, (unsigned long)MDQUOTA_BIG, &x) == -1)
		return -1;
	*v = x;
	return 0;
}

int
mdquota_spec_parse(const char *spec, struct mdquota *q)
{
	const char *p = spec, *e;
	unsigned long long v;

	q->size_max = q->count_max = 0;
	while (*p != '\0') {
		for (e = p; *e >= '0' && *e <= '9'; e++)
			;
		if (e == p || mdquota_num(p, (size_t)(e - p), &v) == -1)
			goto bad;
		if (*e == 'S')
			q->size_max = v;
		else if (*e == 'C')
			q->count_max = v;
		else
			goto bad;
		p = e + 1;
		if (*p == ',')
			p++;
		else if (*p != '\0')
			goto bad;
	}
	return 0;
bad:
	q->size_max = q->count_max = 0;
	errno = EINVAL;
	return -1;
}

int
mdquota_from_vpop(const char *field, struct str *out)
{
	struct mdquota q;
	unsigned long long v, mul = 1;
	size_t	 n = strlen(field);

	str_clear(out);
	if (n == 0 || strcmp(field, "NOQUOTA") == 0)
		return str_cats(out, "");
	if (strchr(field, 'S') != NULL || strchr(field, 'C') != NULL) {
		if (mdquota_spec_parse(field, &q) == -1)
			return -1;
		return str_cats(out, field);
	}
	if (field[n - 1] == 'k' || field[n - 1] == 'K')
		mul = 1000, n--;
	else if (field[n - 1] == 'm' || field[n - 1] == 'M')
		mul = 1000000, n--;
	if (mdquota_num(field, n, &v) == -1 || v > MDQUOTA_BIG / mul) {
		errno = EINVAL;
		return -1;
	}
	if (v == 0)
		return str_cats(out, "");
	return str_printf(out, "%lluS", v * mul);
}

int
mdquota_parse(const char *b, size_t n, struct mdquota *q)
{
	const char *nl, *end = b + n, *sp;
	struct str spec = STR_INIT(MDQUOTA_SPEC_MAX);
	long	 sz, ct;
	char	 num[32];
	size_t	 len;
	int	 r;

	memset(q, 0, sizeof(*q));
	nl = memchr(b, '\n', n);
	if (nl == NULL || str_copyb(&spec, b, (size_t)(nl - b)) == -1)
		goto bad;
	r = mdquota_spec_parse(spec.s, q);
	str_free(&spec);
	if (r == -1)
		goto bad;
	for (b = nl + 1; b < end; b = nl + 1) {
		nl = memchr(b, '\n', (size_t)(end - b));
		if (nl == NULL)
			goto bad;	/* a torn last line */
		while (b < nl && *b == ' ')
			b++;
		sp = memchr(b, ' ', (size_t)(nl - b));
		if (sp == NULL || (len = (size_t)(sp - b)) >= sizeof(num))
			goto bad;
		memcpy(num, b, len);
		num[len] = '\0';
		if (num_parse_longs(num, (long)MDQUOTA_BIG, &sz) == -1)
			goto bad;
		while (sp < nl && *sp == ' ')
			sp++;
		if ((len = (size_t)(nl - sp)) >= sizeof(num))
			goto bad;
		memcpy(num, sp, len);
		num[len] = '\0';
		if (num_parse_longs(num, 1L << 40, &ct) == -1)
			goto bad;
		if (__builtin_add_overflow(q->size, sz, &q->size) ||
		    __builtin_add_overflow(q->count, ct, &q->count))
			goto bad;
		q->lines++;
	}
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

int
mdquota_over(const struct mdquota *q, long long size, long long count)
{
	if (q->size_max > 0 && size > 0 &&
	    (unsigned long long)(q->size < 0 ? 0 : q->size) +
	    (unsigned long long)size > q->size_max)
		return 1;
	if (q->count_max > 0 && count > 0 &&
	    (unsigned long long)(q->count < 0 ? 0 : q->count) +
	    (unsigned long long)count > q->count_max)
		return 1;
	return 0;
}

int
mdquota_percent(const struct mdquota *q)
{
	unsigned long long p = 0, x;

	if (q->size_max > 0 && q->size > 0) {
		x = (unsigned long long)q->size * 100 / q->size_max;
		p = x > p ? x : p;
	}
	if (q->count_max > 0 && q->count > 0) {
		x = (unsigned long long)q->count * 100 / q->count_max;
		p = x > p ? x : p;
	}
	return p > 1000 ? 1000 : (int)p;
}

/* The size of one message: ",S=<n>" in its name, else stat. */
static int
mdquota_msgsize(const char *dir, const char *name, long long *sz)
{
	const char *s = strstr(name, ",S=");
	struct stat st;
	char	 path[4096];
	unsigned long long v;
	size_t	 n;

	if (s != NULL) {
		s += 3;
		for (n = 0; s[n] >= '0' && s[n] <= '9'; n++)
			;
		if (n > 0 && mdquota_num(s, n, &v) == 0) {
			*sz = (long long)v;
			return 0;
		}
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return -1;
	if (stat(path, &st) == -1)
		return errno == ENOENT ? 1 : -1;	/* gone meanwhile */
	*sz = (long long)st.st_size;
	return 0;
}

/* Count the messages of one new/ or cur/ directory. */
static int
mdquota_scan_dir(struct mdquota_scan *sc, const char *dir)
{
	struct stat st;
	struct dirent *de;
	DIR	*d;
	long long sz;
	int	 r;

	if (stat(dir, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (sc->ndirs < MDQUOTA_SCAN_DIRS)
		sc->mtime[sc->ndirs++] = st.st_mtim;
	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((r = mdquota_msgsize(dir, de->d_name, &sz)) == -1) {
			closedir(d);
			return -1;
		}
		if (r == 0) {
			sc->size += sz;
			sc->count++;
		}
	}
	closedir(d);
	return 0;
}

/* new/ and cur/ of the maildir (folder "") or of one folder. */
static int
mdquota_scan_folder(struct mdquota_scan *sc, const char *md,
    const char *folder)
{
	static const char *sub[] = { "new", "cur" };
	size_t	 i;

	for (i = 0; i < 2; i++) {
		str_clear(&sc->path);
		if (str_printf(&sc->path, "%s/%s%s%s", md, folder,
		    *folder != '\0' ? "/" : "", sub[i]) == -1)
			return -1;
		if (mdquota_scan_dir(sc, sc->path.s) == -1)
			return -1;
	}
	return 0;
}

/* Sum the whole maildir: top and every folder except .Trash. */
static int
mdquota_scan(struct mdquota_scan *sc, const char *md)
{
	struct dirent *de;
	DIR	*d;
	int	 r = 0;

	sc->size = sc->count = 0;
	sc->ndirs = 0;
	str_clear(&sc->path);
	if (mdquota_scan_folder(sc, md, "") == -1)
		return -1;
	if ((d = opendir(md)) == NULL)
		return -1;
	while (r == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.' || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, ".Trash") == 0 ||
		    strncmp(de->d_name, "..", 2) == 0)
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		r = mdquota_scan_folder(sc, md, de->d_name);
	}
	closedir(d);
	return r;
}

/* 1 if a directory seen by the last scan changed since, else 0. */
static int
mdquota_changed(struct mdquota_scan *sc, const char *md)
{
	struct mdquota_scan again;
	size_t	 i;
	int	 changed = 0;

	memset(&again, 0, sizeof(again));
	again.path.max = 8192;
	if (mdquota_scan(&again, md) == -1 || again.ndirs != sc->ndirs)
		changed = 1;
	for (i = 0; !changed && i < sc->ndirs; i++)
		if (again.mtime[i].tv_sec != sc->mtime[i].tv_sec ||
		    again.mtime[i].tv_nsec != sc->mtime[i].tv_nsec)
			changed = 1;
	str_free(&again.path);
	return changed;
}

int
mdquota_recalc(const char *md, const char *spec, struct mdquota *q)
{
	struct mdquota_scan *sc;
	struct str text = STR_INIT(256), path = STR_INIT(4096);
	int	 tries, r = -1;

	if (mdquota_spec_parse(spec, q) == -1)
		return -1;
	if ((sc = calloc(1, sizeof(*sc))) == NULL)
		return -1;
	sc->path.max = 8192;
	if (str_printf(&path, "%s/maildirsize", md) == -1)
		goto out;
	for (tries = 0; tries < 3; tries++) {
		if (mdquota_scan(sc, md) == -1)
			goto out;
		str_clear(&text);
		if (str_printf(&text, "%s\n%lld %lld\n", spec, sc->size,
		    sc->count) == -1)
			goto out;
		if (!mdquota_changed(sc, md))
			break;
	}
	/* After three racing scans the last one is as good as any. */
	if (file_replace(path.s, text.s, text.len, 0600) == -1)
		goto out;
	q->size = sc->size;
	q->count = sc->count;
	q->lines = 1;
	r = 0;
out:
	str_free(&text);
	str_free(&path);
	str_free(&sc->path);
	free(sc);
	return r;
}

int
mdquota_get(const char *md, const char *spec, struct mdquota *q, time_t now)
{
	struct str path = STR_INIT(4096), text = STR_INIT(MDQUOTA_FILE_MAX);
	struct mdquota want;
	struct stat st;
	size_t	 speclen;
	int	 r, fd;

	if (mdquota_spec_parse(spec, &want) == -1)
		return -1;
	if (str_printf(&path, "%s/maildirsize", md) == -1)
		return -1;
	r = -1;
	fd = open(path.s, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) == -1 || st.st_size >= MDQUOTA_FILE_MAX)
		goto recalc;
	if (str_ready(&text, (size_t)st.st_size) == -1)
		goto recalc;
	r = (int)read(fd, text.s, (size_t)st.st_size);
	if (r != (int)st.st_size)
		goto recalc;
	text.len = (size_t)r;
	text.s[text.len] = '\0';
	speclen = strcspn(text.s, "\n");
	if (speclen != strlen(spec) || memcmp(text.s, spec, speclen) != 0)
		goto recalc;
	if (mdquota_parse(text.s, text.len, q) == -1)
		goto recalc;
	if (q->size < 0 || q->count < 0)
		goto recalc;
	if (mdquota_over(q, 1, 0) || mdquota_over(q, 0, 1)) {
		if (q->lines > 1 || now - st.st_mtime >= MDQUOTA_STALE_SECS)
			goto recalc;
	}
	r = 0;
	goto out;
recalc:
	r = mdquota_recalc(md, spec, q);
out:
	if (fd != -1)
		close(fd);
	str_free(&path);
	str_free(&text);
	return r;
}

int
mdquota_add(const char *md, long long size, long long count)
{
	char	 path[4096], line[64];
	int	 fd, n, r;

	if ((size_t)snprintf(path, sizeof(path), "%s/maildirsize", md) >=
	    sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return errno == ENOENT ? 0 : -1;
	n = snprintf(line, sizeof(line), "%8lld %4lld\n", size, count);
	r = file_writeall(fd, line, (size_t)n);
	if (close(fd) == -1)
		r = -1;
	return r;
}
