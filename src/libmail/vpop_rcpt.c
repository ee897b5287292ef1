/*
 * vpop_rcpt - the RCPT-time "does this address accept mail" check of the
 * vpopmail store, as chkuser makes it (see vpop_rcpt.h).  Used by
 * qmail-smtpd's chkuser and by vchkuser.  Answers a fact; the SMTP side
 * words the reply.  The user name comes from a client: it never leaves
 * the domain directory ('/' is refused, '.' becomes ':').
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "mdquota.h"
#include "vpop.h"
#include "vpop_rcpt.h"

static int	vpop_exists(const char *, const char *, const char *);
static int	vpop_catchall(const char *);
static int	vpop_full(const struct vpop_pw *, int);

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
