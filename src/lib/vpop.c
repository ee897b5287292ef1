/*
 * vpop - the vpopmail 5.x store (cdb back end).  See vpop.h and
 * vpopmail.md.  Linked into the delivery agent, the login checkers (which
 * run as root until they drop to the domain's uid), qmail-smtpd's chkuser
 * and the admin commands.  Every file of the store is parsed with limits.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "assign.h"
#include "cdbx.h"
#include "ctl.h"
#include "file.h"
#include "mdquota.h"
#include "num.h"
#include "root.h"
#include "vpop.h"

/* Largest vpasswd read whole (a domain of a million users fits). */
#define VPOP_VPASSWD_MAX	(256UL * 1024 * 1024)

static const char vpop_dirlist[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
#define VPOP_DIRLIST_LEN	62

static int	vpop_users_open(void);
static int	vpop_fields(const char *, size_t, const char **, size_t *,
		    size_t);
static int	vpop_pw_fill(struct vpop_pw *, const char **, size_t *,
		    size_t);
static int	vpop_pw_scan(const char *, const char *, struct vpop_pw *);
static int	vpop_exists(const char *, const char *, const char *);
static int	vpop_catchall(const char *);
static int	vpop_full(const struct vpop_pw *, int);
static void	vpop_dirctl_inc(struct vpop_dirctl *, int);
static int	vpop_dirctl_ints(const char *, int *);
static int	vpop_line_name(const char *, size_t, const char **,
		    size_t *);

void
vpop_pw_init(struct vpop_pw *pw)
{
	memset(pw, 0, sizeof(*pw));
	pw->name.max = VPOP_LINE_MAX;
	pw->passwd.max = VPOP_LINE_MAX;
	pw->gecos.max = VPOP_LINE_MAX;
	pw->dir.max = VPOP_LINE_MAX;
	pw->quota.max = VPOP_LINE_MAX;
	pw->clear.max = VPOP_LINE_MAX;
}

void
vpop_pw_free(struct vpop_pw *pw)
{
	str_free(&pw->name);
	str_wipe(&pw->passwd);
	str_free(&pw->gecos);
	str_free(&pw->dir);
	str_free(&pw->quota);
	str_wipe(&pw->clear);
	pw->has_clear = 0;
}

/* Split b at ':' into at most max fields.  The number of fields. */
static int
vpop_fields(const char *b, size_t n, const char **f, size_t *fl, size_t max)
{
	size_t	 i, k = 0, start = 0;

	for (i = 0; i <= n; i++) {
		if (i == n || b[i] == ':') {
			if (k == max)
				return -1;
			f[k] = b + start;
			fl[k++] = i - start;
			start = i + 1;
		}
	}
	return (int)k;
}

/* Fill pw from the fields name, passwd, uid, gid, gecos, dir, quota
 * [, clear]. */
static int
vpop_pw_fill(struct vpop_pw *pw, const char **f, size_t *fl, size_t k)
{
	if ((k != 7 && k != 8) || fl[0] == 0 ||
	    memchr(f[0], '\n', fl[0]) != NULL ||
	    num_parseb(f[2], fl[2], 0xffffffffUL, &pw->uid) == -1 ||
	    num_parseb(f[3], fl[3], 0xffffffffUL, &pw->gid) == -1) {
		errno = EINVAL;
		return -1;
	}
	if (str_copyb(&pw->name, f[0], fl[0]) == -1 ||
	    str_copyb(&pw->passwd, f[1], fl[1]) == -1 ||
	    str_copyb(&pw->gecos, f[4], fl[4]) == -1 ||
	    str_copyb(&pw->dir, f[5], fl[5]) == -1 ||
	    str_copyb(&pw->quota, f[6], fl[6]) == -1 ||
	    str_copyb(&pw->clear, k == 8 ? f[7] : "", k == 8 ? fl[7] : 0)
	    == -1)
		return -1;
	pw->has_clear = k == 8;
	return 0;
}

int
vpop_pw_parse(struct vpop_pw *pw, const char *line, size_t n)
{
	const char *f[9];
	size_t	 fl[9];
	int	 k;

	if (n > VPOP_LINE_MAX) {
		errno = E2BIG;
		return -1;
	}
	if (n > 0 && line[n - 1] == '\r')
		n--;
	k = vpop_fields(line, n, f, fl, 9);
	return vpop_pw_fill(pw, f, fl, k < 0 ? 0 : (size_t)k);
}

int
vpop_pw_parse_cdb(struct vpop_pw *pw, const char *name, size_t nlen,
    const char *data, size_t dlen)
{
	const char *f[9];
	size_t	 fl[9];
	int	 k;

	if (dlen > VPOP_LINE_MAX) {
		errno = E2BIG;
		return -1;
	}
	f[0] = name;
	fl[0] = nlen;
	k = vpop_fields(data, dlen, f + 1, fl + 1, 8);
	return vpop_pw_fill(pw, f, fl, k < 0 ? 0 : (size_t)k + 1);
}

int
vpop_pw_format(const struct vpop_pw *pw, struct str *out)
{
	const struct str *f[] = { &pw->name, &pw->passwd, &pw->gecos,
	    &pw->dir, &pw->quota, &pw->clear };
	size_t	 i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (f[i]->len > 0 && (memchr(f[i]->s, ':', f[i]->len) != NULL ||
		    memchr(f[i]->s, '\n', f[i]->len) != NULL ||
		    memchr(f[i]->s, '\0', f[i]->len) != NULL)) {
			errno = EINVAL;
			return -1;
		}
	if (str_printf(out, "%s:%s:%lu:%lu:%s:%s:%s", str_c(&pw->name),
	    str_c(&pw->passwd), pw->uid, pw->gid, str_c(&pw->gecos),
	    str_c(&pw->dir), str_c(&pw->quota)) == -1)
		return -1;
	if (pw->has_clear && (str_catc(out, ':') == -1 ||
	    str_cats(out, str_c(&pw->clear)) == -1))
		return -1;
	return 0;
}

int
vpop_lower(char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 33 || (unsigned char)*s > 126)
			return -1;
		if (*s >= 'A' && *s <= 'Z')
			*s += 'a' - 'A';
	}
	return 0;
}

int
vpop_user_valid(const char *u, int new_user)
{
	static const char ok[] = "!#$&'*+-.=?^_`{|}~";
	size_t	 n = strlen(u), i;

	if (n == 0 || n > VPOP_USER_MAX || (new_user && n < 2))
		return 0;
	if (u[0] == '.' || strstr(u, "..") != NULL)
		return 0;
	for (i = 0; i < n; i++) {
		if ((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= '0' &&
		    u[i] <= '9'))
			continue;
		if (strchr(ok, u[i]) == NULL)
			return 0;
	}
	return 1;
}

int
vpop_domain_valid(const char *d)
{
	size_t	 n = strlen(d), i;

	if (n == 0 || n > VPOP_DOMAIN_MAX)
		return 0;
	if (d[0] == '-' || d[0] == '.' || d[n - 1] == '-' || d[n - 1] == '.' ||
	    strstr(d, "..") != NULL || strstr(d, "-.") != NULL ||
	    strstr(d, ".-") != NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (!((d[i] >= 'a' && d[i] <= 'z') || (d[i] >= '0' &&
		    d[i] <= '9') || d[i] == '-' || d[i] == '.'))
			return 0;
	return 1;
}

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

/* Where in a vpasswd line the name is. */
static int
vpop_line_name(const char *b, size_t n, const char **name, size_t *len)
{
	const char *c = memchr(b, ':', n);

	if (c == NULL)
		return -1;
	*name = b;
	*len = (size_t)(c - b);
	return 0;
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
		if (vpop_line_name(p, (size_t)(nl - p), &name, &len) == 0 &&
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

int
vpop_default_domain(struct str *out)
{
	struct str path = STR_INIT(4096);
	const char *e = getenv("VPOPMAIL_DOMAIN");
	int	 r;

	str_clear(out);
	if (e != NULL && *e != '\0') {
		r = str_copys(out, e) == 0 ? 1 : -1;
	} else {
		r = root_path(&path, ROOT_VPOPMAIL, "etc/defaultdomain");
		if (r == 0)
			r = ctl_readline_path(path.s, out, NULL);
		if (r == 0 || (r == 1 && out->len == 0))
			r = ctl_readline("defaultdomain", out, NULL);
		if (r == 1 && out->len == 0)
			r = 0;
	}
	str_free(&path);
	if (r == 1 && vpop_lower(out->s) == -1)
		r = 0;
	return r;
}

int
vpop_login_split(const char *login, struct str *user, struct str *domain)
{
	size_t	 n = strcspn(login, "@%/");
	int	 r;

	str_clear(user);
	str_clear(domain);
	if (n == 0) {
		errno = EINVAL;
		return -1;
	}
	if (str_copyb(user, login, n) == -1)
		return -1;
	if (login[n] != '\0') {
		if (str_copys(domain, login + n + 1) == -1)
			return -1;
	} else if ((r = vpop_default_domain(domain)) == -1) {
		return -1;
	}
	if (vpop_lower(user->s) == -1 || (domain->len > 0 &&
	    vpop_lower(domain->s) == -1)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* 1 if <dir>/<pre><name><post> exists ('.' in name as ':'), 0 not,
 * -1 error. */
static int
vpop_exists(const char *dir, const char *name, const char *post)
{
	struct str p = STR_INIT(4096);
	size_t	 i, start;
	int	 r;

	if (str_printf(&p, "%s/.qmail-", dir) == -1)
		return -1;
	start = p.len;
	if (str_cats(&p, name) == -1 || str_cats(&p, post) == -1) {
		str_free(&p);
		return -1;
	}
	for (i = start; i < p.len; i++)
		if (p.s[i] == '.')
			p.s[i] = ':';
	/* AT_EACCESS: a set-uid caller (vchkuser) looks with its own
	 * rights, not those of the user who started it. */
	r = faccessat(AT_FDCWD, p.s, F_OK, AT_EACCESS) == 0 ? 1 :
	    (errno == ENOENT ||
	    errno == ENOTDIR || errno == ENAMETOOLONG) ? 0 : -1;
	str_free(&p);
	return r;
}

/* 1 if the domain's .qmail-default accepts unknown users, 0 if it
 * bounces them (or is missing), -1 error. */
static int
vpop_catchall(const char *dir)
{
	struct str p = STR_INIT(4096), text = STR_INIT(64 * 1024);
	int	 r;

	if (str_printf(&p, "%s/.qmail-default", dir) == -1)
		return -1;
	r = file_read(p.s, &text);
	if (r == 1)
		r = strstr(str_c(&text), "bounce-no-mailbox") == NULL;
	str_free(&p);
	str_free(&text);
	return r;
}

/* 1 if the user's mailbox is at or over percent of its quota. */
static int
vpop_full(const struct vpop_pw *pw, int percent)
{
	struct str spec = STR_INIT(MDQUOTA_SPEC_MAX), md = STR_INIT(4096);
	struct mdquota q;
	int	 r = 0;

	if (percent <= 0 || mdquota_from_vpop(str_c(&pw->quota), &spec) == -1 ||
	    spec.len == 0)
		goto out;
	if (str_printf(&md, "%s/Maildir", str_c(&pw->dir)) == -1)
		goto out;
	if (mdquota_get(md.s, spec.s, &q, time(NULL)) == 0)
		r = mdquota_percent(&q) >= percent;
out:
	str_free(&spec);
	str_free(&md);
	return r;
}

int
vpop_rcpt_check(const char *user, const char *domain, int full_percent,
    enum vpop_rcpt *res)
{
	struct vpop_domain d;
	struct vpop_pw pw;
	struct str pre = STR_INIT(VPOP_LINE_MAX);
	const char *dash;
	size_t	 i;
	int	 r;

	vpop_domain_init(&d);
	vpop_pw_init(&pw);
	if ((r = vpop_domain_get(domain, &d)) <= 0) {
		*res = VPOP_RCPT_NODOMAIN;
		goto out;
	}
	*res = VPOP_RCPT_NOUSER;
	r = 0;
	if (*user == '\0' || strchr(user, '/') != NULL ||
	    strlen(user) > VPOP_LINE_MAX)
		goto out;
	if ((r = vpop_exists(d.dir.s, user, "")) != 0) {
		*res = VPOP_RCPT_ALIAS;
		goto out;
	}
	for (i = strlen(user); i-- > 0;) {
		if (user[i] != '-')
			continue;
		if (str_copyb(&pre, user, i + 1) == -1 ||
		    (r = vpop_exists(d.dir.s, pre.s, "default")) != 0) {
			*res = VPOP_RCPT_EXT;
			goto out;
		}
	}
	if ((r = vpop_pw_get(&d, user, &pw)) != 0) {
		if (r == 1)
			*res = pw.gid & VPOP_BOUNCE_MAIL ? VPOP_RCPT_NOUSER :
			    vpop_full(&pw, full_percent) ? VPOP_RCPT_FULL :
			    VPOP_RCPT_USER;
		goto out;
	}
	if ((dash = strchr(user, '-')) != NULL && dash > user) {
		if (str_copyb(&pre, user, (size_t)(dash - user)) == -1) {
			r = -1;
			goto out;
		}
		vpop_pw_free(&pw);
		if ((r = vpop_pw_get(&d, pre.s, &pw)) != 0) {
			if (r == 1 && !(pw.gid & VPOP_BOUNCE_MAIL))
				*res = VPOP_RCPT_EXT;
			goto out;
		}
	}
	if ((r = vpop_catchall(d.dir.s)) == 1)
		*res = VPOP_RCPT_CATCHALL;
out:
	vpop_domain_free(&d);
	vpop_pw_free(&pw);
	str_free(&pre);
	return r < 0 ? -1 : 0;
}

const char *
vpop_rcpt_reply(enum vpop_rcpt r)
{
	switch (r) {
	case VPOP_RCPT_NOUSER:
		return "550 sorry, no mailbox here by that name "
		    "(#5.1.1 - chkusr)";
	case VPOP_RCPT_FULL:
		return "552 5.2.2 sorry, recipient mailbox is full (chkuser)";
	default:
		return NULL;
	}
}

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
vpop_pass_valid(const char *pass)
{
	size_t	 n = strlen(pass);

	return n > 0 && n <= VPOP_PASS_MAX && strpbrk(pass, ":\n\r") == NULL;
}

void
vpop_dirctl_init(struct vpop_dirctl *d)
{
	int	 i;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < VPOP_DIRCTL_LEVELS; i++) {
		d->level_end[i] = VPOP_DIRLIST_LEN - 1;
		d->level_mod[i] = i * 2;
	}
	d->level_max = VPOP_DIRCTL_LEVELS;
}

/* Three integers "a b c" of a .dir-control line. */
static int
vpop_dirctl_ints(const char *line, int *v)
{
	char	 buf[64], *save = NULL, *tok;
	unsigned long x;
	int	 i;

	if (strlen(line) >= sizeof(buf))
		return -1;
	memcpy(buf, line, strlen(line) + 1);
	tok = strtok_r(buf, " ", &save);
	for (i = 0; i < 3; i++, tok = strtok_r(NULL, " ", &save))
		if (tok == NULL || num_parses(tok, 64, &x) == -1)
			return -1;
		else
			v[i] = (int)x;
	return tok == NULL ? 0 : -1;
}

int
vpop_dirctl_parse(struct vpop_dirctl *d, const char *b, size_t n)
{
	struct strlist l = STRLIST_INIT;
	unsigned long x;
	size_t	 i, len;
	int	 ok = 0;

	vpop_dirctl_init(d);
	/* Split by hand: the last line (the bucket) may be empty. */
	for (i = 0; i < n; i += len + 1) {
		const char *nl = memchr(b + i, '\n', n - i);
		len = nl != NULL ? (size_t)(nl - (b + i)) : n - i;
		if (l.n >= 9 || strlist_addb(&l, b + i, len) == -1)
			goto out;
	}
	if (l.n < 7)
		goto out;
	if (num_parses(l.v[0], 0xffffffffUL, &x) == -1)
		goto out;
	d->cur_users = x;
	if (num_parses(l.v[1], 2, &x) == -1)
		goto out;
	d->level_cur = (int)x;
	if (num_parses(l.v[2], 3, &x) == -1)
		goto out;
	d->level_max = (int)x;
	if (vpop_dirctl_ints(l.v[3], d->level_start) == -1 ||
	    vpop_dirctl_ints(l.v[4], d->level_end) == -1 ||
	    vpop_dirctl_ints(l.v[5], d->level_mod) == -1 ||
	    vpop_dirctl_ints(l.v[6], d->level_index) == -1)
		goto out;
	for (i = 0; i < VPOP_DIRCTL_LEVELS; i++)
		if (d->level_start[i] > d->level_end[i] ||
		    d->level_end[i] >= VPOP_DIRLIST_LEN ||
		    d->level_mod[i] > 4 || d->level_index[i] > VPOP_DIRLIST_LEN)
			goto out;
	if (l.n >= 8) {
		len = strlen(l.v[7]);
		if (len > 5)
			goto out;
		for (i = 0; i < len; i++)
			if (l.v[7][i] != '/' && strchr(vpop_dirlist,
			    l.v[7][i]) == NULL)
				goto out;
		memcpy(d->the_dir, l.v[7], len + 1);
	}
	ok = 1;
out:
	strlist_free(&l);
	if (!ok) {
		vpop_dirctl_init(d);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
vpop_dirctl_read(const char *dir, struct vpop_dirctl *d)
{
	struct str p = STR_INIT(4096), text = STR_INIT(4096);
	int	 r;

	vpop_dirctl_init(d);
	if (str_printf(&p, "%s/.dir-control", dir) == -1)
		return -1;
	r = file_read(p.s, &text);
	if (r == 1)
		r = vpop_dirctl_parse(d, text.s, text.len);
	str_free(&p);
	str_free(&text);
	return r < 0 ? -1 : 0;
}

int
vpop_dirctl_write(const char *dir, const struct vpop_dirctl *d)
{
	struct str p = STR_INIT(4096), t = STR_INIT(4096);
	int	 r = -1;

	if (str_printf(&p, "%s/.dir-control", dir) == 0 &&
	    str_printf(&t, "%lu\n%d\n%d\n%d %d %d\n%d %d %d\n%d %d %d\n"
	    "%d %d %d\n%s\n", d->cur_users, d->level_cur, d->level_max,
	    d->level_start[0], d->level_start[1], d->level_start[2],
	    d->level_end[0], d->level_end[1], d->level_end[2],
	    d->level_mod[0], d->level_mod[1], d->level_mod[2],
	    d->level_index[0], d->level_index[1], d->level_index[2],
	    d->the_dir) == 0)
		r = file_replace(p.s, t.s, t.len, 0600);
	str_free(&p);
	str_free(&t);
	return r;
}

/* Step the character of one level, carrying into the level above. */
static void
vpop_dirctl_inc(struct vpop_dirctl *d, int level)
{
	int	 pos = d->level_mod[level], i;
	char	 c = d->the_dir[pos];

	if (c == '\0')
		d->the_dir[pos + 1] = '\0';
	if (c == vpop_dirlist[d->level_end[level]]) {
		d->the_dir[pos] = vpop_dirlist[d->level_start[level]];
		d->level_index[level] = d->level_start[level];
		if (level > 0)
			vpop_dirctl_inc(d, level - 1);
		return;
	}
	for (i = d->level_start[level]; i <= d->level_end[level] &&
	    vpop_dirlist[i] != c; i++)
		;
	if (++i > d->level_end[level])
		i = d->level_start[level];
	d->the_dir[pos] = vpop_dirlist[i];
	d->level_index[level]++;
}

void
vpop_dirctl_next(struct vpop_dirctl *d)
{
	size_t	 n;

	d->cur_users++;
	if (d->cur_users % VPOP_DIRCTL_PER_BUCKET != 0)
		return;
	if (d->the_dir[0] == '\0') {
		d->the_dir[0] = vpop_dirlist[d->level_start[0]];
		d->the_dir[1] = '\0';
		return;
	}
	if (d->level_index[d->level_cur] == d->level_end[d->level_cur]) {
		n = strlen(d->the_dir);
		if (d->level_cur == 0) {
			vpop_dirctl_inc(d, 0);
			d->level_cur = 1;
			d->the_dir[n] = '/';
			d->the_dir[n + 1] = '\0';
		} else if (d->level_cur == 1 &&
		    d->level_index[0] == d->level_end[0] &&
		    d->level_index[1] == d->level_end[1]) {
			vpop_dirctl_inc(d, 1);
			d->level_cur = 2;
			d->the_dir[n] = '/';
			d->the_dir[n + 1] = '\0';
		}
	}
	vpop_dirctl_inc(d, d->level_cur);
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
		if (vpop_line_name(p, (size_t)(nl - p), &name, &len) == -1)
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
		if (vpop_line_name(p, (size_t)(nl - p), &name, &len) == 0) {
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
