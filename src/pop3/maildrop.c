/*
 * maildrop - Maildir as a POP3 maildrop (see maildrop.h).  One readdir
 * pass per directory; a stat only for names without ",S=<size>".
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "maildrop.h"
#include "mdquota.h"

static int	scandir_one(struct maildrop *, const char *);
static int	add(struct maildrop *, const char *, const char *,
		    unsigned char);
static int	cmp(const void *, const void *);
static int	name_ok(const char *);
static void	clean_tmp(int);
static off_t	count_crlf(int);

/* maildrop_open - open the Maildir and take the session lock. */
int
maildrop_open(struct maildrop *md, const char *path)
{
	memset(md, 0, sizeof(*md));
	md->dirfd = -1;
	if ((md->path = strdup(path)) == NULL)
		return -1;
	md->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (md->dirfd == -1) {
		int e = errno;

		free(md->path);
		md->path = NULL;
		errno = e;
		return -1;
	}
	/* flock on the directory: released by the kernel when we die, so a
	 * crashed session never leaves a stale lock behind. */
	if (flock(md->dirfd, LOCK_EX | LOCK_NB) == -1) {
		int e = errno;

		close(md->dirfd);
		md->dirfd = -1;
		free(md->path);
		md->path = NULL;
		errno = e;
		return -1;
	}
	return 0;
}

/* maildrop_open_wait - maildrop_open, retried while another session
 * holds the lock (it may be on its way out). */
int
maildrop_open_wait(struct maildrop *md, const char *path, unsigned wait_sec)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	unsigned long tries = (unsigned long)wait_sec * 10;

	for (;;) {
		if (maildrop_open(md, path) == 0)
			return 0;
		if (errno != EWOULDBLOCK || tries-- == 0)
			return -1;
		(void)nanosleep(&ts, NULL);
	}
}

/* maildrop_namesize - the size qmail-style deliveries put in the name. */
int
maildrop_namesize(const char *base, size_t n, off_t *size_r)
{
	return maildrop_namefield(base, n, 'S', size_r);
}

/* maildrop_namefield - ",<key>=<digits>" before the ':' of the name. */
int
maildrop_namefield(const char *base, size_t n, char key, off_t *size_r)
{
	size_t	 i, j;
	off_t	 v;

	for (i = 0; i + 3 <= n; i++) {
		if (base[i] == ':')
			break;
		if (base[i] != ',' || base[i + 1] != key || base[i + 2] != '=')
			continue;
		v = 0;
		for (j = i + 3; j < n && base[j] >= '0' && base[j] <= '9'; j++) {
			if (v > ((off_t)1 << 50))
				return 0;
			v = v * 10 + (base[j] - '0');
		}
		if (j == i + 3 || (j < n && base[j] != ',' && base[j] != ':'))
			continue;
		*size_r = v;
		return 1;
	}
	return 0;
}

/* add - one message; name "<dir>/<base>". */
static int
add(struct maildrop *md, const char *dir, const char *base,
    unsigned char is_dt_unknown)
{
	struct maildrop_msg *m;
	size_t	 blen = strlen(base), i;
	struct stat st;
	const char *colon;
	char	*name;

	if (md->n == md->cap) {
		size_t nc = md->cap ? md->cap * 2 : 256;

		m = reallocarray(md->m, nc, sizeof(*m));
		if (m == NULL)
			return -1;
		md->m = m;
		md->cap = nc;
	}
	name = malloc(blen + 5);
	if (name == NULL)
		return -1;
	memcpy(name, dir, 3);
	name[3] = '/';
	memcpy(name + 4, base, blen + 1);
	m = &md->m[md->n];
	m->name = name;
	colon = memchr(base, ':', blen);
	m->uidlen = colon != NULL ? (size_t)(colon - base) : blen;
	m->deleted = 0;
	m->t = 0;
	if (!maildrop_namefield(base, m->uidlen, 'W', &m->vsize))
		m->vsize = -1;
	for (i = 0; i < blen && base[i] >= '0' && base[i] <= '9' && i < 18; i++)
		m->t = m->t * 10 + (base[i] - '0');
	if (i == 0 || is_dt_unknown || !maildrop_namesize(base, blen,
	    &m->size)) {
		if (fstatat(md->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
			free(name);
			return errno == ENOENT ? 0 : -1;
		}
		if (!S_ISREG(st.st_mode)) {
			free(name);
			return 0;
		}
		if (i == 0)
			m->t = st.st_mtime;
		m->size = st.st_size;
	}
	md->total += m->size;
	md->n++;
	return 0;
}

/* name_ok - a name that can go out as a UIDL (RFC 1939 7: 0x21-0x7E).
 * Maildir deliverers never make others; a name with a space or a line
 * break in it would break the replies. */
static int
name_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* scandir_one - every message in new/ or cur/. */
static int
scandir_one(struct maildrop *md, const char *dir)
{
	struct dirent *e;
	DIR	*d;
	int	 fd;

	fd = openat(md->dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return -1;
	}
	errno = 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN)
			continue;
		if (!name_ok(e->d_name))
			continue;
		if (add(md, dir, e->d_name,
		    e->d_type == DT_UNKNOWN) == -1) {
			int err = errno;

			closedir(d);
			errno = err;
			return -1;
		}
		errno = 0;
	}
	if (errno != 0) {
		int err = errno;

		closedir(d);
		errno = err;
		return -1;
	}
	closedir(d);
	return 0;
}

/* cmp - delivery order: time in the name, then the name itself. */
static int
cmp(const void *a, const void *b)
{
	const struct maildrop_msg *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return strcmp(x->name + 4, y->name + 4);
}

/* clean_tmp - remove tmp/ files left by deliveries that died (36 h). */
static void
clean_tmp(int dirfd)
{
	struct dirent *e;
	struct stat st;
	time_t	 now = time(NULL);
	DIR	*d;
	int	 fd;

	fd = openat(dirfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && st.st_atime + MAILDROP_TMP_AGE < now)
			(void)unlinkat(fd, e->d_name, 0);
	}
	closedir(d);
}

/* maildrop_scan - read the maildrop once. */
int
maildrop_scan(struct maildrop *md)
{
	clean_tmp(md->dirfd);
	if (scandir_one(md, "new") == -1 || scandir_one(md, "cur") == -1)
		return -1;
	if (md->n > 1)
		qsort(md->m, md->n, sizeof(md->m[0]), cmp);
	return 0;
}

/*
 * refind - an IMAP session (or the webmail) moved message i from new/
 * to cur/ or changed its flags since the scan: find it again by its
 * base name, which nobody changes.  0 found (m->name updated), -1.
 */
static int
refind(const struct maildrop *md, size_t i)
{
	struct maildrop_msg *m = &md->m[i];
	struct dirent *e;
	size_t	 bl = m->uidlen;
	char	*nm;
	DIR	*d;
	int	 fd;

	fd = openat(md->dirfd, "cur", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, m->name + 4, bl) != 0 ||
		    (e->d_name[bl] != '\0' && e->d_name[bl] != ':'))
			continue;
		if ((nm = malloc(strlen(e->d_name) + 5)) == NULL)
			break;
		memcpy(nm, "cur/", 4);
		memcpy(nm + 4, e->d_name, strlen(e->d_name) + 1);
		free(m->name);
		m->name = nm;
		closedir(d);
		return 0;
	}
	closedir(d);
	errno = ENOENT;
	return -1;
}

/* maildrop_openmsg - the message file, refusing symlinks. */
int
maildrop_openmsg(const struct maildrop *md, size_t i)
{
	int	 fd;

	fd = openat(md->dirfd, md->m[i].name, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1 && errno == ENOENT && refind(md, i) == 0)
		fd = openat(md->dirfd, md->m[i].name, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC);
	return fd;
}

/* maildrop_dele - mark message i deleted. */
void
maildrop_dele(struct maildrop *md, size_t i)
{
	if (md->m[i].deleted)
		return;
	md->m[i].deleted = 1;
	md->ndel++;
	md->total -= md->m[i].size;
}

/* maildrop_rset - forget every mark. */
void
maildrop_rset(struct maildrop *md)
{
	size_t	 i;

	for (i = 0; i < md->n; i++) {
		if (md->m[i].deleted) {
			md->m[i].deleted = 0;
			md->total += md->m[i].size;
		}
	}
	md->ndel = 0;
}

/* maildrop_commit - the UPDATE state. */
int
maildrop_commit(struct maildrop *md, size_t *deleted_r)
{
	char	 to[1024];
	off_t	 bytes = 0;
	size_t	 i, del = 0;
	int	 failed = 0, err = 0, moved = 0, lk = -1;

	/* Maildir++: the removals and their quota line under the quota
	 * lock, so a recalculation between them cannot count them twice. */
	if (md->ndel > 0 && faccessat(md->dirfd, "maildirsize", F_OK, 0) == 0)
		lk = mdquota_lock(md->path);
	for (i = 0; i < md->n; i++) {
		struct maildrop_msg *m = &md->m[i];

		if (m->deleted) {
			if (unlinkat(md->dirfd, m->name, 0) == -1 &&
			    (errno != ENOENT || (refind(md, i) == 0 &&
			    unlinkat(md->dirfd, m->name, 0) == -1 &&
			    errno != ENOENT))) {
				failed = 1;
				err = errno;
				continue;
			}
			bytes += m->size;
			del++;
		} else if (m->name[0] == 'n') {
			int n = snprintf(to, sizeof(to), "cur/%s:2,",
			    m->name + 4);

			if (n > 0 && (size_t)n < sizeof(to) &&
			    renameat(md->dirfd, m->name, md->dirfd, to) == 0)
				moved = 1;
		}
	}
	/* Make the removals and moves durable before saying +OK. */
	if (del > 0 || moved) {
		int fd;

		if ((fd = openat(md->dirfd, "cur", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) != -1) {
			(void)fsync(fd);
			close(fd);
		}
		if ((fd = openat(md->dirfd, "new", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) != -1) {
			(void)fsync(fd);
			close(fd);
		}
	}
	/* Maildir++: the quota follows the deletions.  The line is not
	 * fsynced: one lost in a crash over-counts the usage until the
	 * file is next recalculated, and costs no mail. */
	if (del > 0 && mdquota_add(md->path, -(long long)bytes,
	    -(long long)del) == -1 && !failed) {
		failed = 1;
		err = errno;
	}
	mdquota_unlock(lk);
	*deleted_r = del;
	if (failed) {
		errno = err;
		return -1;
	}
	return 0;
}

/* maildrop_unlock - drop the session lock. */
void
maildrop_unlock(struct maildrop *md)
{
	if (md->dirfd != -1)
		(void)flock(md->dirfd, LOCK_UN);
}

/* maildrop_close - unlock and free. */
void
maildrop_close(struct maildrop *md)
{
	size_t	 i;

	for (i = 0; i < md->n; i++)
		free(md->m[i].name);
	free(md->m);
	md->m = NULL;
	md->n = 0;
	if (md->dirfd != -1)
		close(md->dirfd);
	md->dirfd = -1;
	free(md->path);
	md->path = NULL;
}

/* count_crlf - the file's size with each LF not after a CR made CRLF. */
static off_t
count_crlf(int fd)
{
	char	 buf[65536], last = '\0';
	const char *p, *end, *nl;
	off_t	 n = 0;
	ssize_t	 r;

	for (;;) {
		r = read(fd, buf, sizeof(buf));
		if (r == 0)
			return n;
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		n += r;
		for (p = buf, end = buf + r; p < end &&
		    (nl = memchr(p, '\n', (size_t)(end - p))) != NULL;
		    p = nl + 1)
			if ((nl == buf ? last : nl[-1]) != '\r')
				n++;
		last = buf[r - 1];
	}
}

/* maildrop_vsize - message i's size with CRLF line ends. */
off_t
maildrop_vsize(struct maildrop *md, size_t i)
{
	struct maildrop_msg *m = &md->m[i];
	off_t	 v = -1;
	int	 fd;

	if (m->vsize >= 0)
		return m->vsize;
	if ((fd = maildrop_openmsg(md, i)) != -1) {
		v = count_crlf(fd);
		close(fd);
	}
	/* Unreadable now: RETR will say so; the size as stored till then. */
	if (v < 0)
		return m->size;
	m->vsize = v;
	return v;
}

/* maildrop_vtotal - STAT's octets. */
off_t
maildrop_vtotal(struct maildrop *md)
{
	off_t	 t = 0;
	size_t	 i;

	for (i = 0; i < md->n; i++)
		if (!md->m[i].deleted)
			t += maildrop_vsize(md, i);
	return t;
}
