/*
 * maildir - delivery into a Maildir, following the protocol of maildir(5)
 * and Courier's unique-name convention, plus the fsync of new/ that
 * makes the link durable on Linux.
 */
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "file.h"
#include "maildir.h"

static int	maildir_hostname(struct str *);
static void	maildir_tmp_free(struct maildir_tmp *);

/* The host name with '/' and ':' escaped as the Maildir spec asks. */
static int
maildir_hostname(struct str *out)
{
	char	 h[256];
	size_t	 i;
	int	 r = 0;

	if (gethostname(h, sizeof(h) - 1) == -1)
		snprintf(h, sizeof(h), "localhost");
	h[sizeof(h) - 1] = '\0';
	str_clear(out);
	for (i = 0; h[i] != '\0' && r == 0; i++) {
		if (h[i] == '/')
			r = str_cats(out, "\\057");
		else if (h[i] == ':')
			r = str_cats(out, "\\072");
		else
			r = str_catc(out, h[i]);
	}
	return r;
}

int
maildir_make(const char *dir, mode_t mode)
{
	static const char *sub[] = { "tmp", "new", "cur" };
	struct str p = STR_INIT(4096);
	size_t	 i;
	int	 r = 0;

	if (mkdir(dir, mode) == -1 && errno != EEXIST)
		return -1;
	for (i = 0; i < 3 && r == 0; i++) {
		r = str_copys(&p, dir) == -1 || str_catc(&p, '/') == -1 ||
		    str_cats(&p, sub[i]) == -1 ? -1 : 0;
		if (r == 0 && mkdir(p.s, mode) == -1 && errno != EEXIST)
			r = -1;
	}
	str_free(&p);
	return r;
}

static void
maildir_tmp_free(struct maildir_tmp *t)
{
	str_free(&t->dir);
	str_free(&t->base);
	str_free(&t->host);
	str_free(&t->tmppath);
	t->fd = -1;
}

int
maildir_tmp_open(struct maildir_tmp *t, const char *maildir)
{
	static unsigned long seq;
	struct timeval tv;
	int	 tries, saved;

	t->fd = -1;
	t->dir = (struct str)STR_INIT(4096);
	t->base = (struct str)STR_INIT(256);
	t->host = (struct str)STR_INIT(1024);
	t->tmppath = (struct str)STR_INIT(4096);
	if (str_copys(&t->dir, maildir) == -1 || maildir_hostname(&t->host))
		goto fail;
	/* The name is unique by time, pid and a counter; O_EXCL checks. */
	for (tries = 0; tries < 5; tries++) {
		gettimeofday(&tv, NULL);
		str_clear(&t->base);
		if (str_printf(&t->base, "%lld.M%ldP%ld",
		    (long long)tv.tv_sec, (long)tv.tv_usec,
		    (long)getpid()) == -1)
			goto fail;
		str_clear(&t->tmppath);
		if (str_printf(&t->tmppath, "%s/tmp/%sQ%lu.%s", t->dir.s,
		    t->base.s, ++seq, t->host.s) == -1)
			goto fail;
		t->fd = open(t->tmppath.s, O_WRONLY | O_CREAT | O_EXCL |
		    O_CLOEXEC | O_NOFOLLOW, 0600);
		if (t->fd != -1)
			return 0;
		if (errno != EEXIST)
			goto fail;
		usleep(10000);
	}
fail:
	saved = errno;
	maildir_tmp_free(t);
	errno = saved;
	return -1;
}

int
maildir_tmp_commit(struct maildir_tmp *t, struct str *name_r, off_t *size_r)
{
	struct str newp = STR_INIT(4096), newd = STR_INIT(4096);
	struct stat st;
	int	 saved;

	if (fsync(t->fd) == -1 || fstat(t->fd, &st) == -1)
		goto fail;
	if (close(t->fd) == -1) {
		t->fd = -1;
		goto fail;
	}
	t->fd = -1;
	if (str_printf(&newd, "%s/new", t->dir.s) == -1 ||
	    str_printf(&newp, "%s/%sV%llxI%llx.%s,S=%lld", newd.s, t->base.s,
	    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
	    t->host.s, (long long)st.st_size) == -1)
		goto fail;
	/* link, not rename: an existing name is never overwritten. */
	if (link(t->tmppath.s, newp.s) == -1)
		goto fail;
	if (file_fsync_dir(newd.s) == -1) {
		saved = errno;
		unlink(newp.s);
		errno = saved;
		goto fail;
	}
	(void)unlink(t->tmppath.s);
	if (name_r != NULL && str_copys(name_r, newp.s + t->dir.len + 1) == -1)
		goto fail_delivered;
	if (size_r != NULL)
		*size_r = st.st_size;
	str_free(&newp);
	str_free(&newd);
	maildir_tmp_free(t);
	return 0;
fail:
	saved = errno ? errno : EIO;
	if (t->fd != -1)
		close(t->fd);
	unlink(t->tmppath.s);
	str_free(&newp);
	str_free(&newd);
	maildir_tmp_free(t);
	errno = saved;
	return -1;
fail_delivered:
	/* The message is in new/; only the caller's copy of its name failed.
	 * Report success: redelivering would duplicate it. */
	if (size_r != NULL)
		*size_r = st.st_size;
	str_free(&newp);
	str_free(&newd);
	maildir_tmp_free(t);
	return 0;
}

void
maildir_tmp_abort(struct maildir_tmp *t)
{
	if (t->fd != -1)
		close(t->fd);
	if (t->tmppath.s != NULL)
		unlink(t->tmppath.s);
	maildir_tmp_free(t);
}

int
maildir_deliver_fd(const char *maildir, const void *hdr, size_t hdrlen,
    int fd, struct str *name_r, off_t *size_r)
{
	struct maildir_tmp t;
	char	 buf[65536];
	ssize_t	 r;
	int	 saved;

	if (maildir_tmp_open(&t, maildir) == -1)
		return -1;
	if (hdrlen > 0 && file_writeall(t.fd, hdr, hdrlen) == -1)
		goto fail;
	for (;;) {
		r = read(fd, buf, sizeof(buf));
		if (r == 0)
			break;
		if (r == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (file_writeall(t.fd, buf, (size_t)r) == -1)
			goto fail;
	}
	return maildir_tmp_commit(&t, name_r, size_r);
fail:
	saved = errno;
	maildir_tmp_abort(&t);
	errno = saved;
	return -1;
}
