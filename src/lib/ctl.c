/*
 * ctl - control file reading with qmail's rules.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "ctl.h"
#include "file.h"
#include "num.h"
#include "root.h"

static int	ctl_path(struct str *, const char *);
static size_t	ctl_trim(const char *, size_t);

/* control/<name> under the instance's qmail tree. */
static int
ctl_path(struct str *path, const char *name)
{
	return root_path(path, ROOT_QMAIL, "control") == -1 ||
	    str_catc(path, '/') == -1 || str_cats(path, name) == -1 ? -1 : 0;
}

/* Length of b[0..n) without trailing spaces, tabs and CR. */
static size_t
ctl_trim(const char *b, size_t n)
{
	while (n > 0 && (b[n - 1] == ' ' || b[n - 1] == '\t' ||
	    b[n - 1] == '\r'))
		n--;
	return n;
}

int
ctl_readline_path(const char *path, struct str *val, const char *def)
{
	struct str text = STR_INIT(CTL_MAX_BYTES);
	const char *nl;
	size_t	 n;
	int	 r;

	r = file_read(path, &text);
	if (r == -1) {
		str_free(&text);
		return -1;
	}
	if (r == 0) {
		str_free(&text);
		return str_copys(val, def != NULL ? def : "") == -1 ? -1 : 0;
	}
	nl = memchr(text.s, '\n', text.len);
	n = nl != NULL ? (size_t)(nl - text.s) : text.len;
	r = str_copyb(val, text.s, ctl_trim(text.s, n));
	str_free(&text);
	return r == -1 ? -1 : 1;
}

int
ctl_parse_list(const char *text, size_t n, struct strlist *list)
{
	const char *p = text, *end = text + n, *nl;
	size_t	 len;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		len = ctl_trim(p, len);
		if (len > 0 && p[0] != '#' && strlist_addb(list, p, len) == -1)
			return -1;
		p = nl != NULL ? nl + 1 : end;
	}
	return 0;
}

int
ctl_readlist_path(const char *path, struct strlist *list)
{
	struct str text = STR_INIT(CTL_MAX_BYTES);
	int	 r;

	r = file_read(path, &text);
	if (r == 1 && ctl_parse_list(text.s, text.len, list) == -1)
		r = -1;
	str_free(&text);
	return r;
}

int
ctl_readint_path(const char *path, long def, long *val_r)
{
	struct str line = STR_INIT(64);
	int	 r;

	r = ctl_readline_path(path, &line, NULL);
	if (r == 1 && num_parse_longs(str_c(&line), LONG_MAX, val_r) == -1) {
		errno = EINVAL;
		r = -1;
	}
	if (r == -1 && errno == E2BIG)
		errno = EINVAL;
	if (r == 0)
		*val_r = def;
	str_free(&line);
	return r;
}

int
ctl_readline(const char *name, struct str *val, const char *def)
{
	struct str path = STR_INIT(4096);
	int	 r = -1;

	if (ctl_path(&path, name) == 0)
		r = ctl_readline_path(path.s, val, def);
	str_free(&path);
	return r;
}

int
ctl_readlist(const char *name, struct strlist *list)
{
	struct str path = STR_INIT(4096);
	int	 r = -1;

	if (ctl_path(&path, name) == 0)
		r = ctl_readlist_path(path.s, list);
	str_free(&path);
	return r;
}

int
ctl_readint(const char *name, long def, long *val_r)
{
	struct str path = STR_INIT(4096);
	int	 r = -1;

	if (ctl_path(&path, name) == 0)
		r = ctl_readint_path(path.s, def, val_r);
	str_free(&path);
	return r;
}
