/*
 * vpop_update - changing the vpopmail store: the store lock, the sorted
 * vpasswd and its vpasswd.cdb, each replaced atomically, and whether a
 * domain keeps clear-text passwords.  Used by the admin commands (root or
 * vpopmail) only.
 */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cdbx.h"
#include "file.h"
#include "root.h"
#include "vpop.h"
#include "vpop_update.h"

int
vpop_clear_wanted(const char *domaindir)
{
	struct str p = STR_INIT(4096);
	int	 r = 0;

	if (root_path(&p, ROOT_VPOPMAIL, "etc/clear-passwd") == 0 &&
	    access(p.s, F_OK) == 0)
		r = 1;
	else if ((str_clear(&p), str_printf(&p, "%s/.clear-passwd",
	    domaindir)) == 0 &&
	    access(p.s, F_OK) == 0)
		r = 1;
	str_free(&p);
	return r;
}

int
vpop_lock(void)
{
	struct str p = STR_INIT(4096);
	int	 fd = -1;

	if (root_path(&p, ROOT_VPOPMAIL, "etc") == -1)
		return -1;
	if (file_mkdirs(p.s, 0755) == 0 && str_cats(&p, "/.vpop.lock") == 0)
		fd = open(p.s, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	str_free(&p);
	if (fd == -1)
		return -1;
	while (flock(fd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

int
vpop_vpasswd_cdb(const char *dir)
{
	struct cdbx_make mk;
	struct str path = STR_INIT(4096), text = STR_INIT(VPOP_VPASSWD_MAX);
	const char *p, *end, *nl, *name;
	size_t	 len;
	int	 r = -1;

	if (str_printf(&path, "%s/vpasswd", dir) == -1 ||
	    file_read(path.s, &text) == -1 ||
	    str_cats(&path, ".cdb") == -1 ||
	    cdbx_make_start(&mk, path.s, NULL, 0600) == -1)
		goto out;
	for (p = str_c(&text), end = p + text.len; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (vpop_pw_linename(p, (size_t)(nl - p), &name, &len) == -1)
			continue;
		if (cdbx_make_add(&mk, name, len, name + len + 1,
		    (size_t)(nl - (name + len + 1))) == -1) {
			cdbx_make_abort(&mk);
			goto out;
		}
	}
	r = cdbx_make_finish(&mk);
out:
	str_free(&path);
	str_wipe(&text);
	return r;
}

int
vpop_vpasswd_update(const char *dir, enum vpop_update op,
    const struct vpop_pw *pw, int nocdb)
{
	struct str path = STR_INIT(4096), text = STR_INIT(VPOP_VPASSWD_MAX);
	struct str out = STR_INIT(VPOP_VPASSWD_MAX), line = STR_INIT(2048);
	const char *p, *end, *nl, *name;
	size_t	 len;
	int	 r = -1, done = 0, c;

	if (op != VPOP_DEL && vpop_pw_format(pw, &line) == -1)
		goto out;
	if (str_catc(&line, '\n') == -1 ||
	    str_printf(&path, "%s/vpasswd", dir) == -1 ||
	    file_read(path.s, &text) == -1 || str_cats(&out, "") == -1)
		goto out;
	for (p = str_c(&text), end = p + text.len; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl == p)
			continue;
		c = 1;
		if (vpop_pw_linename(p, (size_t)(nl - p), &name, &len) == 0) {
			c = strncmp(name, pw->name.s, len < pw->name.len ? len :
			    pw->name.len);
			if (c == 0)
				c = len < pw->name.len ? -1 : len >
				    pw->name.len ? 1 : 0;
		}
		if (c == 0 && op == VPOP_ADD) {
			r = 0;		/* exists, even in an unsorted file */
			goto heal;
		}
		if (!done && c == 0) {
			done = 1;
			if (op == VPOP_MOD && str_cat(&out, &line) == -1)
				goto out;
			continue;
		}
		if (!done && c > 0 && op == VPOP_ADD) {
			done = 1;
			if (str_cat(&out, &line) == -1)
				goto out;
		}
		if (str_catb(&out, p, (size_t)(nl - p)) == -1 ||
		    str_catc(&out, '\n') == -1)
			goto out;
	}
	if (!done && op == VPOP_ADD) {
		done = 1;
		if (str_cat(&out, &line) == -1)
			goto out;
	}
	if (!done) {
		r = 0;
		goto heal;
	}
	if (file_replace(path.s, out.s, out.len, 0600) == -1)
		goto out;
	if (!nocdb && vpop_vpasswd_cdb(dir) == -1)
		goto out;
	r = 1;
	goto out;
heal:
	/* Nothing to change: rebuild the cdb anyway, so a crash between the
	 * vpasswd rename and the cdb rebuild is healed by running again. */
	if (!nocdb && vpop_vpasswd_cdb(dir) == -1)
		r = -1;
out:
	str_free(&path);
	str_wipe(&text);
	str_wipe(&out);
	str_wipe(&line);
	return r;
}
