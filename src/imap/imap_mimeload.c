/*
 * imap_mimeload - imapd's MIME layer, loaded when a command first needs
 * it.  The MIME modules and GMime (with GLib, GObject, GIO and what they
 * pull in: some twenty libraries) cost a process about 300 KiB of
 * relocated and initialised memory as soon as they are mapped; a
 * session that only selects a folder and idles never needs them.  So
 * imapd is linked with these forwarders instead of src/libmail/mime*.c,
 * and the real functions live in imapd-mime.so beside the program,
 * opened with dlopen on first use.  Runs in imapd as the mailbox owner;
 * the shared object is the administrator's, found beside the binary
 * that is running (<qmail>/lib/ when installed, the same directory in a
 * build), never through a search path or the environment.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mime.h"

#define MIME_SO	"imapd-mime.so"

static struct {
	int	 (*open_fd)(int, struct mime_msg **);
	int	 (*open_mem)(const void *, size_t, struct mime_msg **);
	int	 (*envelope)(struct mime_msg *, struct str *);
	void	 (*free_)(struct mime_msg *);
	int	 (*summary)(struct mime_msg *, struct str *);
	int	 (*summary_get)(const void *, size_t, int, const char **,
		    size_t *);
	int	 (*sortkeys)(struct mime_msg *, struct mime_sortkeys *);
	int	 (*sentdate)(struct mime_msg *, time_t *, int *);
	int	 (*section_parse)(const char *, struct mime_section *, char *,
		    size_t);
	int	 (*reader_open)(struct mime_msg *, const struct mime_section *,
		    struct mime_reader **);
	int	 (*reader_size)(struct mime_reader *, uint64_t *, int *);
	int	 (*reader_seek)(struct mime_reader *, uint64_t);
	ssize_t	 (*reader_read)(struct mime_reader *, void *, size_t);
	void	 (*reader_free)(struct mime_reader *);
	int	 (*search_header)(struct mime_msg *, const char *, const char *,
		    size_t);
	int	 (*search_body)(struct mime_msg *, int, const char *, size_t);
	int	 (*fold)(const char *, size_t, struct str *);
} f;
static int	state;		/* 0 not tried, 1 loaded, -1 failed */

static int	load(void);

#define SYM(field, name)						\
	do {								\
		*(void **)&f.field = dlsym(h, name);			\
		if (f.field == NULL)					\
			goto fail;					\
	} while (0)

/* load - open imapd-mime.so beside /proc/self/exe, once. */
static int
load(void)
{
	char	 path[PATH_MAX], *slash;
	void	*h;
	ssize_t	 n;

	if (state != 0) {
		if (state == -1)
			errno = ENOSYS;
		return state == 1 ? 0 : -1;
	}
	state = -1;
	n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n <= 0 || (size_t)n >= sizeof(path) - sizeof(MIME_SO))
		goto nolib;
	path[n] = '\0';
	if ((slash = strrchr(path, '/')) == NULL)
		goto nolib;
	/* installed: <qmail>/lib beside <qmail>/bin; built: beside imapd */
	slash[1] = '\0';
	if ((size_t)snprintf(slash + 1, sizeof(path) - (size_t)(slash + 1 -
	    path), "../lib/%s", MIME_SO) >= sizeof(path) - (size_t)(slash +
	    1 - path))
		goto nolib;
	if (access(path, F_OK) == -1)
		memcpy(slash + 1, MIME_SO, sizeof(MIME_SO));
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		log_warn("cannot load %s: %s", path, dlerror());
		goto nolib;
	}
	SYM(open_fd, "mime_open_fd");
	SYM(open_mem, "mime_open_mem");
	SYM(envelope, "mime_envelope");
	SYM(free_, "mime_free");
	SYM(summary, "mime_summary");
	SYM(summary_get, "mime_summary_get");
	SYM(sortkeys, "mime_sortkeys");
	SYM(sentdate, "mime_sentdate");
	SYM(section_parse, "mime_section_parse");
	SYM(reader_open, "mime_reader_open");
	SYM(reader_size, "mime_reader_size");
	SYM(reader_seek, "mime_reader_seek");
	SYM(reader_read, "mime_reader_read");
	SYM(reader_free, "mime_reader_free");
	SYM(search_header, "mime_search_header");
	SYM(search_body, "mime_search_body");
	SYM(fold, "mime_fold");
	state = 1;
	return 0;
fail:
	log_warn("%s lacks a MIME function: %s", path, dlerror());
nolib:
	errno = ENOSYS;
	return -1;
}

int
mime_open_fd(int fd, struct mime_msg **m_r)
{
	return load() == -1 ? -1 : f.open_fd(fd, m_r);
}

int
mime_open_mem(const void *data, size_t len, struct mime_msg **m_r)
{
	return load() == -1 ? -1 : f.open_mem(data, len, m_r);
}

int
mime_envelope(struct mime_msg *m, struct str *out)
{
	return load() == -1 ? -1 : f.envelope(m, out);
}

void
mime_free(struct mime_msg *m)
{
	if (m != NULL && state == 1)
		f.free_(m);
}

int
mime_summary(struct mime_msg *m, struct str *out)
{
	return load() == -1 ? -1 : f.summary(m, out);
}

int
mime_summary_get(const void *sum, size_t len, int tag, const char **v_r,
    size_t *n_r)
{
	return load() == -1 ? -1 : f.summary_get(sum, len, tag, v_r, n_r);
}

int
mime_sortkeys(struct mime_msg *m, struct mime_sortkeys *k)
{
	return load() == -1 ? -1 : f.sortkeys(m, k);
}

int
mime_sentdate(struct mime_msg *m, time_t *t_r, int *tz_r)
{
	return load() == -1 ? -1 : f.sentdate(m, t_r, tz_r);
}

int
mime_section_parse(const char *spec, struct mime_section *s, char *buf,
    size_t size)
{
	return load() == -1 ? -1 : f.section_parse(spec, s, buf, size);
}

int
mime_reader_open(struct mime_msg *m, const struct mime_section *s,
    struct mime_reader **r_r)
{
	return load() == -1 ? -1 : f.reader_open(m, s, r_r);
}

int
mime_reader_size(struct mime_reader *r, uint64_t *size_r, int *nul_r)
{
	return load() == -1 ? -1 : f.reader_size(r, size_r, nul_r);
}

int
mime_reader_seek(struct mime_reader *r, uint64_t off)
{
	return load() == -1 ? -1 : f.reader_seek(r, off);
}

ssize_t
mime_reader_read(struct mime_reader *r, void *buf, size_t len)
{
	return load() == -1 ? -1 : f.reader_read(r, buf, len);
}

void
mime_reader_free(struct mime_reader *r)
{
	if (r != NULL && state == 1)
		f.reader_free(r);
}

int
mime_search_header(struct mime_msg *m, const char *name, const char *nd,
    size_t n)
{
	return load() == -1 ? -1 : f.search_header(m, name, nd, n);
}

int
mime_search_body(struct mime_msg *m, int with_header, const char *nd,
    size_t n)
{
	return load() == -1 ? -1 : f.search_body(m, with_header, nd, n);
}

int
mime_fold(const char *s, size_t n, struct str *out)
{
	return load() == -1 ? -1 : f.fold(s, n, out);
}
