/*
 * qml - statistics file names, lines and archiving (trafficloader,
 * xfer-cat).  Lines are parsed as untrusted text; archiving follows the
 * durable path of file.h: temporary file, fsync, rename, fsync the
 * directory, and only then remove the original.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "file.h"
#include "qml.h"

static int
digits(const char *s, int n)
{
	int	 v = 0;

	while (n-- > 0) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

int
qml_name_date(const char *name, int *ymd_r)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int	 d, m, y;

	if (strlen(name) != 18 || strcmp(name + 10, ".qml.txt") != 0 ||
	    name[2] != '.' || name[5] != '.')
		return 0;
	d = digits(name, 2);
	m = digits(name + 3, 2);
	y = digits(name + 6, 4);
	if (d < 1 || m < 1 || m > 12 || y < 1970 || d > mdays[m - 1])
		return 0;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0)))
		return 0;
	*ymd_r = y * 10000 + m * 100 + d;
	return 1;
}

/* A plain decimal, "123" or "123.45", at most 15 digits before the
 * point: 1 and *v, else 0. */
static int
decimal(const char *s, size_t n, double *v)
{
	char	 buf[40];
	size_t	 i, intd = 0, frac = 0;
	int	 dot = 0;

	if (n == 0 || n >= sizeof(buf))
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.' && !dot && intd > 0) {
			dot = 1;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			return 0;
		if (dot)
			frac++;
		else
			intd++;
	}
	if (intd > 15 || (dot && frac == 0))
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*v = strtod(buf, NULL);
	return 1;
}

static int
integer(const char *s, size_t n, long *v)
{
	double	 d;

	if (!decimal(s, n, &d) || memchr(s, '.', n) != NULL || d > 1e15)
		return 0;
	*v = (long)d;
	return 1;
}

int
qml_parse_line(const char *b, size_t n, struct qml_row *r)
{
	const char *f[8];
	size_t	 fl[8], k = 0, i;
	const char *p = b, *e = b + n, *bar;
	unsigned char ch;

	memset(r, 0, sizeof(*r));
	if (n > 0 && b[n - 1] == '\r')
		e--;
	while (p < e) {
		if ((bar = memchr(p, '|', (size_t)(e - p))) == NULL)
			bar = e;
		if (bar > p) {
			if (k == 8)
				return 0;
			f[k] = p;
			fl[k++] = (size_t)(bar - p);
		}
		p = bar + 1;
	}
	if (k < 2 || fl[0] > QML_NAME_MAX)
		return 0;
	for (i = 0; i < fl[0]; i++) {
		ch = (unsigned char)f[0][i];
		if (ch <= ' ' || ch > '~')
			return 0;
	}
	r->name = f[0];
	r->namelen = fl[0];
	if (k == 3) {
		if (!decimal(f[1], fl[1], &r->in) ||
		    !decimal(f[2], fl[2], &r->out))
			return 0;
		r->xfer = r->in + r->out;
		return 1;
	}
	if (!decimal(f[1], fl[1], &r->xfer))
		return 0;
	if (k >= 4 && (!integer(f[2], fl[2], &r->hits) ||
	    !integer(f[3], fl[3], &r->html)))
		return 0;
	if (k == 5 || k > 6)
		return 0;
	if (k == 6 && (!decimal(f[4], fl[4], &r->in) ||
	    !decimal(f[5], fl[5], &r->out)))
		return 0;
	return 1;
}

static int
cmp_date(const void *a, const void *b)
{
	int	 x = 0, y = 0;

	(void)qml_name_date(*(char *const *)a, &x);
	(void)qml_name_date(*(char *const *)b, &y);
	return x < y ? -1 : x > y;
}

int
qml_lock(const char *statdir, struct str *path)
{
	int	 fd, e;

	str_clear(path);
	if (str_printf(path, "%s/.traffic.lock", statdir) == -1)
		return -1;
	if ((fd = open(str_c(path), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1)
		return -1;
	if (flock(fd, LOCK_EX) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
qml_list(const char *statdir, struct strlist *out)
{
	DIR	*d;
	struct dirent *de;
	int	 ymd;

	if ((d = opendir(statdir)) == NULL)
		return -1;
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (!qml_name_date(de->d_name, &ymd))
			continue;
		if (strlist_adds(out, de->d_name) == -1) {
			closedir(d);
			return -1;
		}
	}
	if (errno != 0) {
		closedir(d);
		return -1;
	}
	closedir(d);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_date);
	return 0;
}

int
qml_archive(const char *statdir, const char *name, const void *b, size_t n)
{
	struct str dir = STR_INIT(8192), tmp = STR_INIT(8192),
	    dst = STR_INIT(8192), src = STR_INIT(8192);
	gzFile	 gz = NULL;
	int	 fd = -1, r = -1, e;

	if (str_printf(&dir, "%s/loaded", statdir) == -1 ||
	    str_printf(&dst, "%s/%s.gz", str_c(&dir), name) == -1 ||
	    str_printf(&tmp, "%s.tmp.%ld", str_c(&dst), (long)getpid()) ||
	    str_printf(&src, "%s/%s", statdir, name) == -1)
		goto done;
	if (file_mkdirs(str_c(&dir), 0755) == -1)
		goto done;
	fd = open(str_c(&tmp), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1)
		goto done;
	if ((e = dup(fd)) == -1 || (gz = gzdopen(e, "wb9")) == NULL) {
		if (e != -1)
			close(e);
		errno = ENOMEM;
		goto fail;
	}
	if ((n > 0 && gzwrite(gz, b, (unsigned)n) != (int)n) ||
	    gzclose(gz) != Z_OK) {
		errno = EIO;
		goto fail;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(str_c(&tmp), str_c(&dst)) == -1 ||
	    file_fsync_dir(str_c(&dir)) == -1)
		goto fail;
	if (unlink(str_c(&src)) == -1 && errno != ENOENT)
		goto done;
	r = file_fsync_dir(statdir);
	goto done;
fail:
	e = errno;
	if (fd != -1)
		close(fd);
	unlink(str_c(&tmp));
	errno = e;
done:
	e = errno;
	str_free(&dir);
	str_free(&tmp);
	str_free(&dst);
	str_free(&src);
	errno = e;
	return r;
}

void
qml_hash(const void *b, size_t n, char out[17])
{
	const unsigned char *p = b;
	uint64_t h = 14695981039346656037ULL;

	while (n-- > 0) {
		h ^= *p++;
		h *= 1099511628211ULL;
	}
	snprintf(out, 17, "%016" PRIx64, h);
}
