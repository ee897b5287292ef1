/*
 * mhold - bounded memory, then an unnamed temporary file.  Runs in
 * qmail-smtpd and qmail-inject under their own user.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "mhold.h"

static int	mhold_spill(struct mhold *);

void
mhold_init(struct mhold *h, size_t memmax, const char *tmpdir)
{
	struct str m = STR_INIT(memmax);

	memset(h, 0, sizeof(*h));
	h->mem = m;
	h->fd = -1;
	h->tmpdir = tmpdir;
}

/* Open the spill file: no name (O_TMPFILE), or a name removed at once. */
static int
mhold_spill(struct mhold *h)
{
	struct str p = STR_INIT(4096);
	const char *dir = h->tmpdir;

	if (dir == NULL && ((dir = getenv("TMPDIR")) == NULL || *dir == '\0'))
		dir = "/tmp";
	h->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (h->fd != -1)
		return 0;
	if (str_printf(&p, "%s/mhold.XXXXXX", dir) == -1)
		return -1;
	h->fd = mkostemp(p.s, O_CLOEXEC);
	if (h->fd != -1)
		(void)unlink(p.s);
	str_free(&p);
	return h->fd == -1 ? -1 : 0;
}

int
mhold_write(struct mhold *h, const char *b, size_t n)
{
	size_t	 room;

	if (h->fd == -1) {
		room = h->mem.max - h->mem.len;
		if (n <= room) {
			if (str_catb(&h->mem, b, n) == -1)
				return -1;
			h->size += n;
			return 0;
		}
		if (mhold_spill(h) == -1)
			return -1;
	}
	if (file_writeall(h->fd, b, n) == -1)
		return -1;
	h->size += n;
	return 0;
}

int
mhold_copy(struct mhold *h, int (*out)(void *, const char *, size_t),
    void *arg)
{
	char	 buf[65536];
	off_t	 off = 0;
	ssize_t	 r;

	if (h->mem.len > 0 && out(arg, h->mem.s, h->mem.len) == -1)
		return -1;
	if (h->fd == -1)
		return 0;
	for (;;) {
		r = pread(h->fd, buf, sizeof(buf), off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r == 0)
			return 0;
		if (out(arg, buf, (size_t)r) == -1)
			return -1;
		off += r;
	}
}

void
mhold_free(struct mhold *h)
{
	str_free(&h->mem);
	if (h->fd != -1)
		close(h->fd);
	h->fd = -1;
	h->size = 0;
}
