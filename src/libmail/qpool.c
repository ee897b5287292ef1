/*
 * qpool - spare queue files; see qpool.h.  Runs in qmail-queue,
 * qmail-queued's children and qmail-clean (pool/, as qmailq) and in
 * qmail-todo and qmail-send (ipool/, as qmails), in the queue directory.  Several takers may race for one spare file: the
 * rename decides (the loser's source is gone), and a file is used only
 * once it is where the taker put it, checked by its inode.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "num.h"
#include "qpool.h"

static int	refill(struct qpool *);

/* Read up to QPOOL_BATCH names of pool/, starting somewhere of our own
 * so that concurrent takers do not all try the same files.  The count
 * read; 0 also when pool/ is missing. */
static int
refill(struct qpool *p)
{
	static unsigned long calls;
	struct dirent *de;
	unsigned long all[QPOOL_BATCH * 4], ino;
	size_t	 n = 0, i, start;
	DIR	*d;

	p->n = p->next = 0;
	if ((d = opendir(p->dir)) == NULL)
		return 0;
	while (n < sizeof(all) / sizeof(all[0]) && (de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && de->d_name[0] != '0' &&
		    num_parses(de->d_name, (unsigned long)-1 / 2, &ino) == 0)
			all[n++] = ino;
	closedir(d);
	if (n == 0)
		return 0;
	start = ((unsigned long)getpid() * 7919 + calls++) % n;
	for (i = 0; i < n && p->n < QPOOL_BATCH; i++)
		p->ino[p->n++] = all[(start + i) % n];
	return (int)p->n;
}

int
qpool_take(struct qpool *p, const char *path,
    const char *(*name)(unsigned long, void *), void *arg, int *fd_r,
    unsigned long *ino_r)
{
	char	 src[64];
	const char *dst;
	struct stat st;
	unsigned long ino;
	int	 tries, fd;

	for (tries = 0; tries < 2 * QPOOL_BATCH; tries++) {
		/* An empty pool/ costs a read of it: less than a new file. */
		if (p->next >= p->n && refill(p) == 0)
			return 0;
		ino = p->ino[p->next++];
		snprintf(src, sizeof(src), "%s/%lu", p->dir, ino);
		dst = name != NULL ? name(ino, arg) : path;
		if (dst == NULL)
			return -1;
		if (renameat2(AT_FDCWD, src, AT_FDCWD, dst, RENAME_NOREPLACE)
		    == -1) {
			if (errno == ENOENT)
				continue;	/* another taker had it */
			if (errno == EEXIST && name != NULL) {
				/* A second name of a file that is in use
				 * (left by a crash): drop the pool's. */
				(void)unlink(src);
				continue;
			}
			return -1;
		}
		fd = open(dst, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd == -1 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
		    st.st_ino != ino || st.st_nlink != 1) {
			/* Not what the pool's name said: not ours to use. */
			if (fd != -1)
				close(fd);
			(void)unlink(dst);
			continue;
		}
		*fd_r = fd;
		*ino_r = ino;
		return 1;
	}
	return 0;
}

int
qpool_put(const char *dir, const char *path, size_t *count)
{
	char	 dst[64];
	struct stat st;

	if (lstat(path, &st) == -1)
		return -1;
	if (*count < QPOOL_MAX && S_ISREG(st.st_mode) && st.st_nlink == 1) {
		snprintf(dst, sizeof(dst), "%s/%lu", dir,
		    (unsigned long)st.st_ino);
		if (renameat2(AT_FDCWD, path, AT_FDCWD, dst, RENAME_NOREPLACE)
		    == 0) {
			(*count)++;
			return 0;
		}
		/* No pool/, or the pool has a name for it already. */
	}
	return unlink(path);
}

size_t
qpool_count(const char *dir)
{
	struct dirent *de;
	size_t	 n = 0;
	DIR	*d;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}
