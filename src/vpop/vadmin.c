/*
 * vadmin - shared code of the vpopmail admin commands (see vadmin.h).
 * Runs as root or the instance owner, from a shell or the hosting panel;
 * trusts its arguments only after the name checks of vpop.h.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assign.h"
#include "cdbx.h"
#include "ctl.h"
#include "file.h"
#include "log.h"
#include "maildir.h"
#include "root.h"
#include "vadmin.h"

#define VADMIN_FILE_MAX	(64UL * 1024 * 1024)
#define VADMIN_RCPTHOSTS_MAX 50	/* vpopmail: the rest go to morercpthosts */

static const char *vadmin_usage_text = "";

static int	vadmin_edit(const char *, const char *, int, const char *,
		    int, mode_t, size_t *);
static int	vadmin_has_line(const char *, const char *);
static int	vadmin_rm_one(const char *, const struct stat *, int,
		    struct FTW *);
static int	vadmin_count_one(const char *, const struct stat *, int,
		    struct FTW *);

void
vadmin_init(const char *prog, const char *usage)
{
	log_init(prog);
	vadmin_usage_text = usage;
	umask(022);
}

void
vadmin_die(int code, const char *fmt, ...)
{
	va_list	 ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(256 + code);
}

void
vadmin_str(int r)
{
	if (r == -1)
		vadmin_die(VA_BAD_DIR, "%s", errno == E2BIG ?
		    "name too long" : "out of memory");
}

void
vadmin_usage(void)
{
	fprintf(stderr, "usage: %s %s\n", log_progname(), vadmin_usage_text);
	exit(255);
}

void
vadmin_domain_arg(char *domain)
{
	if (strlen(domain) > VPOP_DOMAIN_MAX)
		vadmin_die(VA_DOMAIN_NAME_TOO_LONG,
		    "domain name is longer than %d characters",
		    VPOP_DOMAIN_MAX);
	if (vpop_lower(domain) == -1 || !vpop_domain_valid(domain))
		vadmin_die(VA_INVALID_DOMAIN_NAME, "invalid domain name: "
		    "use letters, digits, '-' and '.' only");
}

void
vadmin_email_arg(const char *arg, struct str *user, struct str *domain,
    int new_user)
{
	if (vpop_login_split(arg, user, domain) == -1) {
		if (errno == EINVAL)
			vadmin_die(VA_ILLEGAL_USERNAME, "invalid address: "
			    "expected user@domain in printable ASCII");
		vadmin_die(VA_USER_NAME_TOO_LONG, "address too long");
	}
	if (domain->len == 0)
		vadmin_die(VA_DOMAIN_DOES_NOT_EXIST, "no domain given and no "
		    "default domain set");
	if (user->len > VPOP_USER_MAX)
		vadmin_die(VA_USER_NAME_TOO_LONG, "user name is longer than "
		    "%d characters", VPOP_USER_MAX);
	if (!vpop_user_valid(user->s, new_user))
		vadmin_die(VA_ILLEGAL_USERNAME, "illegal user name %s",
		    user->s);
	vadmin_domain_arg(domain->s);
}

void
vadmin_domain_get(const char *domain, struct vpop_domain *d)
{
	int	 r = vpop_domain_get(domain, d);

	if (r == -1)
		vadmin_die(VA_COULD_NOT_UPDATE_FILE, "cannot read users/cdb: "
		    "%s", strerror(errno));
	if (r == 0)
		vadmin_die(VA_DOMAIN_DOES_NOT_EXIST, "domain %s does not exist",
		    domain);
}

int
vadmin_lock(void)
{
	int	 fd = vpop_lock();

	if (fd == -1)
		vadmin_die(VA_COULD_NOT_UPDATE_FILE, "cannot lock the "
		    "vpopmail store: %s", strerror(errno));
	return fd;
}

void
vadmin_vpopmail_ids(uid_t *uid, gid_t *gid)
{
	struct str dir = STR_INIT(4096);
	struct passwd *pw;
	struct stat st;
	int	 r;

	*uid = geteuid();
	*gid = getegid();
	if (*uid != 0)
		return;
	/* As root: whoever owns the domains directory, unless that is root
	 * (an instance made by root for an unprivileged user), else the
	 * vpopmail user of a real install. */
	r = root_path(&dir, ROOT_VPOPMAIL, "domains") == 0 &&
	    stat(dir.s, &st) == 0 && st.st_uid != 0;
	str_free(&dir);
	if (r) {
		*uid = st.st_uid;
		*gid = st.st_gid;
	} else if ((pw = getpwnam("vpopmail")) != NULL) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	}
}

int
vadmin_chown_maildir(const char *md, uid_t uid, gid_t gid)
{
	static const char *sub[] = { "", "/tmp", "/new", "/cur" };
	struct str p = STR_INIT(4096);
	size_t	 i;
	int	 r = 0;

	for (i = 0; i < 4 && r == 0; i++)
		r = str_copys(&p, md) == -1 || str_cats(&p, sub[i]) == -1 ||
		    vadmin_chown(p.s, uid, gid) == -1 ? -1 : 0;
	str_free(&p);
	return r;
}

int
vadmin_chown(const char *path, uid_t uid, gid_t gid)
{
	if (geteuid() != 0)
		return 0;
	return lchown(path, uid, gid);
}

void
vadmin_get_password(const char *arg, const char *email, struct str *pass)
{
	char	 a[VPOP_PASS_MAX + 3], b[VPOP_PASS_MAX + 3];
	size_t	 n;

	if (arg != NULL) {
		if (str_copys(pass, arg) == -1)
			vadmin_die(VA_PASSWD_TOO_LONG, "password too long");
	} else {
		fprintf(stderr, "Please enter password for %s: ", email);
		if (fgets(a, sizeof(a), stdin) == NULL)
			vadmin_die(VA_PARSE_ERROR, "no password given");
		fprintf(stderr, "enter password again: ");
		if (fgets(b, sizeof(b), stdin) == NULL)
			vadmin_die(VA_PARSE_ERROR, "no password given");
		a[strcspn(a, "\n")] = '\0';
		b[strcspn(b, "\n")] = '\0';
		if (strcmp(a, b) != 0)
			vadmin_die(VA_PARSE_ERROR, "Passwords do not match, "
			    "try again");
		n = strlen(a);
		if (str_copyb(pass, a, n) == -1)
			vadmin_die(VA_PASSWD_TOO_LONG, "password too long");
		explicit_bzero(a, sizeof(a));
		explicit_bzero(b, sizeof(b));
	}
	if (strlen(pass->s) > VPOP_PASS_MAX)
		vadmin_die(VA_PASSWD_TOO_LONG, "password is longer than %d "
		    "characters", VPOP_PASS_MAX);
	if (!vpop_pass_valid(pass->s))
		vadmin_die(VA_BAD_CHAR, "password must not be empty nor hold "
		    "':' or a line break");
}

/*
 * Rewrite path: drop lines equal to drop (or starting with it when
 * prefix), then add the line add (if not NULL) before the "." line
 * (before_dot) or at the end.  *count_r gets the lines kept.  A missing
 * file is empty (with before_dot: a lone ".").  The file is left alone
 * if nothing changes.  0 or -1.
 */
static int
vadmin_edit(const char *path, const char *drop, int prefix, const char *add,
    int before_dot, mode_t mode, size_t *count_r)
{
	struct str text = STR_INIT(VADMIN_FILE_MAX), out = STR_INIT(VADMIN_FILE_MAX);
	const char *p, *end, *nl;
	size_t	 len, dl = drop != NULL ? strlen(drop) : 0, count = 0;
	int	 r = -1, changed = 0, added = 0;

	if (file_read(path, &text) == -1 || str_cats(&out, "") == -1)
		goto out;
	if (text.len == 0 && before_dot && str_cats(&text, ".\n") == -1)
		goto out;
	for (p = str_c(&text), end = p + text.len; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		len = (size_t)(nl - p);
		if (drop != NULL && (prefix ? len >= dl : len == dl) &&
		    memcmp(p, drop, dl) == 0) {
			changed = 1;
			continue;
		}
		if (add != NULL && !added && before_dot && len == 1 &&
		    *p == '.') {
			if (str_cats(&out, add) == -1 ||
			    str_catc(&out, '\n') == -1)
				goto out;
			added = changed = 1;
		}
		if (len > 0 && *p != '.' && *p != '#')
			count++;
		if (str_catb(&out, p, len) == -1 || str_catc(&out, '\n') == -1)
			goto out;
	}
	if (add != NULL && !added) {
		if (str_cats(&out, add) == -1 || str_catc(&out, '\n') == -1)
			goto out;
		changed = 1;
		count++;
	}
	if (count_r != NULL)
		*count_r = count;
	r = changed ? file_replace(path, out.s, out.len, mode) : 0;
out:
	str_free(&text);
	str_free(&out);
	return r;
}

/* 1 if the control file (list form) holds line, 0 not, -1 error. */
static int
vadmin_has_line(const char *name, const char *line)
{
	struct strlist l = STRLIST_INIT;
	size_t	 i;
	int	 r;

	if ((r = ctl_readlist(name, &l)) == 1) {
		r = 0;
		for (i = 0; i < l.n && r == 0; i++)
			if (strcasecmp(l.v[i], line) == 0)
				r = 1;
	}
	strlist_free(&l);
	return r;
}

int
vadmin_assign_add(const char *domain, const char *real, unsigned long uid,
    unsigned long gid, const char *dir, int nobuild)
{
	struct str path = STR_INIT(4096), line = STR_INIT(8192);
	struct str drop = STR_INIT(256), text = STR_INIT(VADMIN_FILE_MAX);
	int	 r = -1;

	if (root_path(&path, ROOT_QMAIL, "users/assign") == -1 ||
	    str_printf(&line, "+%s-:%s:%lu:%lu:%s:-::", domain, real, uid, gid,
	    dir) == -1 || str_printf(&drop, "+%s-:", domain) == -1)
		goto out;
	if (vadmin_edit(path.s, drop.s, 1, line.s, 1, 0644, NULL) == -1)
		goto out;
	r = nobuild ? 0 : -1;
	if (!nobuild && file_read(path.s, &text) == 1 &&
	    str_cats(&path, "") == 0) {
		str_truncate(&path, path.len - strlen("assign"));
		if (str_cats(&path, "cdb") == 0)
			r = assign_compile(text.s, text.len, path.s, NULL);
	}
out:
	str_free(&path);
	str_free(&line);
	str_free(&drop);
	str_free(&text);
	return r;
}

int
vadmin_assign_del(const char *domain, int nobuild)
{
	struct str path = STR_INIT(4096), drop = STR_INIT(256);
	struct str text = STR_INIT(VADMIN_FILE_MAX);
	int	 r = -1;

	if (root_path(&path, ROOT_QMAIL, "users/assign") == -1 ||
	    str_printf(&drop, "+%s-:", domain) == -1)
		goto out;
	if (vadmin_edit(path.s, drop.s, 1, NULL, 1, 0644, NULL) == -1)
		goto out;
	r = 0;
	if (!nobuild) {
		r = -1;
		if (file_read(path.s, &text) == 1) {
			str_truncate(&path, path.len - strlen("assign"));
			if (str_cats(&path, "cdb") == 0)
				r = assign_compile(text.s, text.len, path.s,
				    NULL);
		}
	}
out:
	str_free(&path);
	str_free(&drop);
	str_free(&text);
	return r;
}

int
vadmin_newmrh(void)
{
	struct cdbx_make mk;
	struct strlist l = STRLIST_INIT;
	struct str path = STR_INIT(4096);
	size_t	 i;
	int	 r = -1;

	if (ctl_readlist("morercpthosts", &l) == -1 ||
	    root_path(&path, ROOT_QMAIL, "control/morercpthosts.cdb") == -1 ||
	    cdbx_make_start(&mk, path.s, NULL, 0644) == -1)
		goto out;
	for (i = 0; i < l.n; i++) {
		vpop_lower(l.v[i]);	/* keys are lowercased */
		if (cdbx_make_add(&mk, l.v[i], strlen(l.v[i]), "", 0) == -1) {
			cdbx_make_abort(&mk);
			goto out;
		}
	}
	r = cdbx_make_finish(&mk);
out:
	strlist_free(&l);
	str_free(&path);
	return r;
}

int
vadmin_rcpthosts_add(const char *domain, int nobuild)
{
	struct strlist l = STRLIST_INIT;
	struct str path = STR_INIT(4096);
	int	 r = -1, more;

	if ((r = vadmin_has_line("rcpthosts", domain)) != 0)
		goto out;	/* already there (0 below), or -1 */
	if ((r = vadmin_has_line("morercpthosts", domain)) != 0) {
		/* Listed by a run that stopped before qmail-newmrh: the
		 * cdb may miss it, so build it again. */
		if (r == 1)
			r = nobuild ? 0 : vadmin_newmrh();
		goto out;
	}
	r = -1;
	if (ctl_readlist("rcpthosts", &l) == -1)
		goto out;
	more = l.n >= VADMIN_RCPTHOSTS_MAX;
	if (root_path(&path, ROOT_QMAIL, more ? "control/morercpthosts" :
	    "control/rcpthosts") == -1 ||
	    vadmin_edit(path.s, NULL, 0, domain, 0, 0644, NULL) == -1)
		goto out;
	r = more && !nobuild ? vadmin_newmrh() : 0;
out:
	strlist_free(&l);
	str_free(&path);
	return r == -1 ? -1 : 0;
}

int
vadmin_rcpthosts_del(const char *domain)
{
	struct str path = STR_INIT(4096), cdb = STR_INIT(4096);
	size_t	 count;
	int	 r = -1, in_more;

	if (root_path(&path, ROOT_QMAIL, "control/rcpthosts") == -1 ||
	    vadmin_edit(path.s, domain, 0, NULL, 0, 0644, NULL) == -1)
		goto out;
	if ((in_more = vadmin_has_line("morercpthosts", domain)) == -1)
		goto out;
	if (in_more == 0) {
		/* Not listed: still build the cdb again if the file is
		 * there, in case a run stopped between the two. */
		r = 0;
		if (root_path(&path, ROOT_QMAIL, "control/morercpthosts")
		    == 0 && access(path.s, F_OK) == 0)
			r = vadmin_newmrh();
		goto out;
	}
	r = -1;
	if (root_path(&path, ROOT_QMAIL, "control/morercpthosts") == -1 ||
	    vadmin_edit(path.s, domain, 0, NULL, 0, 0644, &count) == -1)
		goto out;
	if (count > 0) {
		r = vadmin_newmrh();
		goto out;
	}
	/* An emptied morercpthosts goes away with its cdb (vpopmail). */
	if (root_path(&cdb, ROOT_QMAIL, "control/morercpthosts.cdb") == -1)
		goto out;
	if ((unlink(cdb.s) == -1 && errno != ENOENT) ||
	    (unlink(path.s) == -1 && errno != ENOENT))
		goto out;
	r = file_fsync_parent(path.s);
out:
	str_free(&path);
	str_free(&cdb);
	return r;
}

int
vadmin_virtualdomains_add(const char *domain)
{
	struct str path = STR_INIT(4096), line = STR_INIT(256);
	int	 r = -1;

	if (root_path(&path, ROOT_QMAIL, "control/virtualdomains") == 0 &&
	    str_printf(&line, "%s:%s", domain, domain) == 0)
		r = vadmin_edit(path.s, line.s, 0, line.s, 0, 0644, NULL);
	str_free(&path);
	str_free(&line);
	return r;
}

int
vadmin_virtualdomains_del(const char *domain)
{
	struct str path = STR_INIT(4096), line = STR_INIT(256);
	int	 r = -1;

	if (root_path(&path, ROOT_QMAIL, "control/virtualdomains") == 0 &&
	    str_printf(&line, "%s:", domain) == 0)
		r = vadmin_edit(path.s, line.s, 1, NULL, 0, 0644, NULL);
	str_free(&path);
	str_free(&line);
	return r;
}

int
vadmin_locals_del(const char *domain)
{
	struct str path = STR_INIT(4096);
	int	 r = -1;

	if (root_path(&path, ROOT_QMAIL, "control/locals") == 0)
		r = access(path.s, F_OK) == -1 ? 0 :
		    vadmin_edit(path.s, domain, 0, NULL, 0, 0644, NULL);
	str_free(&path);
	return r;
}

int
vadmin_user_add(const struct vpop_domain *d, const char *user,
    const char *pass, int is_hash, const char *gecos, const char *quota,
    int nocdb)
{
	struct vpop_pw pw;
	struct vpop_dirctl dc;
	struct str dir = STR_INIT(4096), md = STR_INIT(4096);
	int	 r = -1;

	vpop_pw_init(&pw);
	if ((r = vpop_pw_get(d, user, &pw)) != 0) {
		r = r == 1 ? 0 : -1;
		goto out;
	}
	r = -1;
	if (vpop_dirctl_read(d->dir.s, &dc) == -1)
		goto out;
	vpop_dirctl_next(&dc);
	if (str_cats(&dir, d->dir.s) == -1 || str_catc(&dir, '/') == -1)
		goto out;
	if (dc.the_dir[0] != '\0') {
		if (str_cats(&dir, dc.the_dir) == -1 ||
		    file_mkdirs(dir.s, 0750) == -1 ||
		    vadmin_chown(dir.s, d->uid, d->gid) == -1 ||
		    str_catc(&dir, '/') == -1)
			goto out;
	}
	if (str_cats(&dir, user) == -1 || str_printf(&md, "%s/Maildir",
	    dir.s) == -1)
		goto out;
	/* A directory left by a crash before the vpasswd line is reused. */
	if ((mkdir(dir.s, 0750) == -1 && errno != EEXIST) ||
	    maildir_make(md.s, 0700) == -1 ||
	    vadmin_chown(dir.s, d->uid, d->gid) == -1 ||
	    vadmin_chown_maildir(md.s, d->uid, d->gid) == -1)
		goto out;
	if (pass != NULL && is_hash) {
		if (str_copys(&pw.passwd, pass) == -1)
			goto out;
	} else if (pass != NULL) {
		if (vpop_pw_hash(pass, &pw.passwd) == -1)
			goto out;
		if (vpop_clear_wanted(d->dir.s)) {
			pw.has_clear = 1;
			if (str_copys(&pw.clear, pass) == -1)
				goto out;
		}
	} else if (str_copys(&pw.passwd, "") == -1) {
		goto out;
	}
	pw.uid = 0;
	pw.gid = 0;
	if (str_copys(&pw.name, user) == -1 ||
	    str_copys(&pw.gecos, gecos != NULL ? gecos : user) == -1 ||
	    str_copys(&pw.dir, dir.s) == -1 ||
	    str_copys(&pw.quota, quota != NULL ? quota : "NOQUOTA") == -1)
		goto out;
	if ((r = vpop_vpasswd_update(d->dir.s, VPOP_ADD, &pw, nocdb)) != 1)
		goto out;
	/* The counter is advisory: losing it only changes the next bucket. */
	if (vpop_dirctl_write(d->dir.s, &dc) == -1)
		log_warn("cannot write %s/.dir-control: %s", d->dir.s,
		    strerror(errno));
	r = 1;
out:
	vpop_pw_free(&pw);
	str_free(&dir);
	str_free(&md);
	return r;
}

static int
vadmin_rm_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) == -1 && errno != ENOENT ? -1 : 0;
	return unlink(path) == -1 && errno != ENOENT ? -1 : 0;
}

int
vadmin_rmtree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	return nftw(path, vadmin_rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

static long vadmin_mail_count;

static int
vadmin_count_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	const char *base = path + ftw->base;
	size_t	 n = (size_t)ftw->base;

	(void)st;
	if (flag != FTW_F || *base == '.' || n < 5)
		return 0;
	if (memcmp(path + n - 5, "/new/", 5) == 0 ||
	    memcmp(path + n - 5, "/cur/", 5) == 0)
		vadmin_mail_count++;
	return 0;
}

long
vadmin_count_mail(const char *path)
{
	vadmin_mail_count = 0;
	if (nftw(path, vadmin_count_one, 32, FTW_PHYS) == -1)
		return -1;
	return vadmin_mail_count;
}

int
vadmin_hup_qmail_send(void)
{
	struct str q = STR_INIT(4096), qq = STR_INIT(4096);
	struct dirent *de;
	DIR	*d;
	char	 p[64], buf[4096], comm[64];
	ssize_t	 n;
	int	 fd, count = 0;
	long	 pid;

	if (root_path(&q, ROOT_QMAIL, "") == -1 || str_copys(&qq, q.s) == -1 ||
	    str_cats(&qq, "/queue") == -1 || (d = opendir("/proc")) == NULL) {
		str_free(&q);
		str_free(&qq);
		return 0;
	}
	/* qmail-send runs in <qmail>/queue (qmail-start chdirs there). */
	if ((realpath(q.s, buf) != NULL && str_copys(&q, buf) == -1) ||
	    (realpath(qq.s, buf) != NULL && str_copys(&qq, buf) == -1)) {
		closedir(d);
		str_free(&q);
		str_free(&qq);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid = strtol(de->d_name, NULL, 10);
		snprintf(p, sizeof(p), "/proc/%ld/comm", pid);
		if ((fd = open(p, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		n = read(fd, comm, sizeof(comm) - 1);
		close(fd);
		if (n <= 0)
			continue;
		comm[n] = '\0';
		comm[strcspn(comm, "\n")] = '\0';
		if (strcmp(comm, "qmail-send") != 0)
			continue;
		snprintf(p, sizeof(p), "/proc/%ld/cwd", pid);
		if ((n = readlink(p, buf, sizeof(buf) - 1)) <= 0)
			continue;
		buf[n] = '\0';
		if ((strcmp(buf, q.s) == 0 || strcmp(buf, qq.s) == 0) &&
		    kill((pid_t)pid, SIGHUP) == 0)
			count++;
	}
	closedir(d);
	str_free(&q);
	str_free(&qq);
	return count;
}
