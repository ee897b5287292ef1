/*
 * file - whole-file reads and durable, atomic replacement.  On Linux a
 * rename is durable only once its directory has been fsynced, so every
 * replacement ends with that.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "file.h"

int
file_writeall(int fd, const void *b, size_t n)
{
	const char *p = b;
	ssize_t	 r;

	while (n > 0) {
		r = write(fd, p, n);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0) {
			errno = EIO;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int
file_read(const char *path, struct str *out)
{
	char	 buf[8192];
	ssize_t	 r;
	int	 fd, saved;

	str_clear(out);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return errno == ENOENT ? 0 : -1;
	for (;;) {
		r = read(fd, buf, sizeof(buf));
		if (r == 0)
			break;
		if (r == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (str_catb(out, buf, (size_t)r) == -1)
			goto fail;
	}
	/* NUL-terminated even when empty. */
	if (str_ready(out, 0) == -1)
		goto fail;
	close(fd);
	return 1;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int
file_fsync_dir(const char *dir)
{
	int	 fd, r, saved;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	r = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

/* The directory part of path into dir (size PATH_MAX).  0 or -1. */
static int
file_parent(const char *path, char *dir)
{
	const char *slash;
	size_t	 n;

	slash = strrchr(path, '/');
	if (slash == NULL) {
		memcpy(dir, ".", 2);
		return 0;
	}
	n = (size_t)(slash - path);
	if (n == 0)
		n = 1;		/* "/file" lives in "/" */
	if (n >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, n);
	dir[n] = '\0';
	return 0;
}

int
file_fsync_parent(const char *path)
{
	char	 dir[PATH_MAX];

	if (file_parent(path, dir) == -1)
		return -1;
	return file_fsync_dir(dir);
}

int
file_own_like_parent(int fd, const char *path)
{
	char	 dir[PATH_MAX];
	struct stat st;

	if (geteuid() != 0)
		return 0;
	if (file_parent(path, dir) == -1 || stat(dir, &st) == -1)
		return -1;
	return fchown(fd, st.st_uid, st.st_gid);
}

int
file_replace(const char *path, const void *b, size_t n, mode_t mode)
{
	char	 tmp[PATH_MAX];
	int	 fd, saved, r;

	r = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (r < 0 || (size_t)r >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    mode);
	if (fd == -1)
		return -1;
	if (file_own_like_parent(fd, path) == -1 || fchmod(fd, mode) == -1 ||
	    file_writeall(fd, b, n) == -1 ||
	    fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto fail;
	return file_fsync_parent(path);
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}

int
file_open_safe(const char *path, int flags)
{
	struct stat st;
	int	 fd;

	fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
		errno = EPERM;
		goto fail;
	}
	/* O_NONBLOCK was only for a FIFO planted in our way. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == -1)
		goto fail;
	return fd;
fail:
	{
		int saved = errno;

		close(fd);
		errno = saved;
	}
	return -1;
}

int
file_mkdirs(const char *path, mode_t mode)
{
	char	 buf[PATH_MAX];
	size_t	 i, n = strlen(path);

	if (n == 0 || n >= sizeof(buf)) {
		errno = n ? ENAMETOOLONG : ENOENT;
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) == -1 && errno != EEXIST)
			return -1;
		if (i < n)
			buf[i] = '/';
	}
	return 0;
}
