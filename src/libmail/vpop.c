/*
 * vpop - the vpopmail 5.x store (cdb back end): finding a domain through
 * qmail's users/cdb and a user in the domain's vpasswd.cdb or vpasswd.
 * See vpop.h and vpopmail.md.  Linked into the delivery agent, the login
 * checkers (which run as root until they drop to the domain's uid),
 * qmail-smtpd's chkuser and the admin commands.  Every file of the store
 * is parsed with limits.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "assign.h"
#include "cdbx.h"
#include "file.h"
#include "root.h"
#include "vpop.h"

static int	vpop_users_open(void);
static int	vpop_pw_scan(const char *, const char *, struct vpop_pw *);

void
vpop_domain_init(struct vpop_domain *d)
{
	memset(d, 0, sizeof(*d));
	d->name.max = ASSIGN_LINE_MAX;
	d->dir.max = ASSIGN_LINE_MAX;
}

void
vpop_domain_free(struct vpop_domain *d)
{
	str_free(&d->name);
	str_free(&d->dir);
}

/*
 * users/cdb stays open between lookups (a qmail-smtpd session checks many
 * recipients); one stat per lookup notices a new file renamed over it.
 * 1 open, 0 no users/cdb, -1 error.
 */
static struct {
	struct cdbx	 x;
	int		 open;
	dev_t		 dev;
	ino_t		 ino;
	struct timespec	 mtim;
	struct str	 path;
} vpop_users = { .path = STR_INIT(4096) };

static int
vpop_users_open(void)
{
	struct stat st;
	int	 r;

	if (vpop_users.path.len == 0 &&
	    root_path(&vpop_users.path, ROOT_QMAIL, "users/cdb") == -1)
		return -1;
	if (stat(vpop_users.path.s, &st) == -1) {
		if (vpop_users.open)
			cdbx_close(&vpop_users.x);
		vpop_users.open = 0;
		return errno == ENOENT ? 0 : -1;
	}
	if (vpop_users.open && st.st_dev == vpop_users.dev &&
	    st.st_ino == vpop_users.ino &&
	    st.st_mtim.tv_sec == vpop_users.mtim.tv_sec &&
	    st.st_mtim.tv_nsec == vpop_users.mtim.tv_nsec)
		return 1;
	if (vpop_users.open)
		cdbx_close(&vpop_users.x);
	vpop_users.open = 0;
	if ((r = cdbx_open(&vpop_users.x, vpop_users.path.s)) != 1)
		return r;
	if (fstat(vpop_users.x.fd, &st) == -1) {
		cdbx_close(&vpop_users.x);
		return -1;
	}
	vpop_users.open = 1;
	vpop_users.dev = st.st_dev;
	vpop_users.ino = st.st_ino;
	vpop_users.mtim = st.st_mtim;
	return 1;
}

void
vpop_forget(void)
{
	if (vpop_users.open)
		cdbx_close(&vpop_users.x);
	vpop_users.open = 0;
	str_free(&vpop_users.path);
}

int
vpop_domain_get(const char *domain, struct vpop_domain *d)
{
	struct assign_entry e;
	struct str prefix = STR_INIT(VPOP_DOMAIN_MAX + 2);
	int	 r = -1;

	assign_entry_init(&e);
	if (strlen(domain) > VPOP_DOMAIN_MAX || strchr(domain, '/') != NULL)
		r = 0;
	else if ((r = vpop_users_open()) == 1 &&
	    str_cats(&prefix, domain) == 0 && str_catc(&prefix, '-') == 0 &&
	    (r = assign_find_prefix(&vpop_users.x, prefix.s, &e)) == 1) {
		d->uid = e.uid;
		d->gid = e.gid;
		if (str_copys(&d->name, str_c(&e.user)) == -1 ||
		    str_copys(&d->dir, str_c(&e.home)) == -1)
			r = -1;
	}
	assign_entry_free(&e);
	str_free(&prefix);
	return r;
}

/* Find user in the text file vpasswd (no cdb). */
static int
vpop_pw_scan(const char *dir, const char *user, struct vpop_pw *pw)
{
	struct str path = STR_INIT(4096), text = STR_INIT(VPOP_VPASSWD_MAX);
	const char *p, *end, *nl, *name;
	size_t	 len, ulen = strlen(user);
	int	 r;

	if (str_printf(&path, "%s/vpasswd", dir) == -1)
		return -1;
	r = file_read(path.s, &text);
	str_free(&path);
	if (r != 1) {
		str_free(&text);
		return r;
	}
	r = 0;
	for (p = text.s, end = text.s + text.len; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (vpop_pw_linename(p, (size_t)(nl - p), &name, &len) == 0 &&
		    len == ulen && memcmp(name, user, len) == 0) {
			r = vpop_pw_parse(pw, p, (size_t)(nl - p)) == 0 ? 1 : -1;
			break;
		}
	}
	str_free(&text);
	return r;
}

int
vpop_pw_get(const struct vpop_domain *d, const char *user, struct vpop_pw *pw)
{
	struct str path = STR_INIT(4096), data = STR_INIT(VPOP_LINE_MAX);
	size_t	 ulen = strlen(user);
	int	 r;

	if (ulen == 0 || ulen > VPOP_LINE_MAX)
		return 0;
	if (str_printf(&path, "%s/vpasswd.cdb", str_c(&d->dir)) == -1)
		return -1;
	r = cdbx_lookup(path.s, user, ulen, &data);
	if (r == 1) {
		if (vpop_pw_parse_cdb(pw, user, ulen, data.s, data.len) == -1)
			r = -1;
	} else if (r == 0 && faccessat(AT_FDCWD, path.s, F_OK, AT_EACCESS) ==
	    -1 && errno == ENOENT) {
		r = vpop_pw_scan(str_c(&d->dir), user, pw);
	}
	str_free(&path);
	str_wipe(&data);
	return r;
}
