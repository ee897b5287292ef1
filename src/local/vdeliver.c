/*
 * vdeliver - vdelivermail's delivery function; see vdeliver.h.  Runs in
 * the vdelivermail program and, called by qmail-local's delivery
 * function, in qmail-local and in qmail-lspawn's delivery workers, as
 * the domain's owner.  The reason of a failure is printed as vpopmail
 * prints it (on its standard output) and turned into the returned code;
 * nothing here exits the process.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "dtscan.h"
#include "err.h"
#include "file.h"
#include "maildir.h"
#include "mdquota.h"
#include "qq.h"
#include "root.h"
#include "say.h"
#include "srs.h"
#include "vdeliver.h"
#include "vpop.h"

#define HEADER_SCAN_MAX	(256 * 1024)	/* bytes of header read for loops */
#define DOTQMAIL_MAX	(64 * 1024)
#define QUOTA_WARN_PERCENT 90
#define QUOTA_WARN_SECS	(24 * 3600)

/* One delivery. */
struct vdel {
	const struct vdeliver_params *p;
	struct str addr;	/* user@domain being delivered */
	struct str domdir;	/* the domain's directory */
};

static int	vfail(struct vdel *, int, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
static int	nomem(struct vdel *);
static int	rewind_msg(struct vdel *);
static int	looping(struct vdel *, const char *, int *);
static void	msgfile(struct vdel *, const char *, const char *,
		    struct str *);
static int	deliver_maildir(struct vdel *, const char *, const char *,
		    const char *);
static void	quota_warn(struct vdel *, const char *,
		    const struct mdquota *);
static int	forward(struct vdel *, const char *);
static int	run_program(struct vdel *, const char *, const char *, int *);
static int	dotqmail(struct vdel *, const char *, const char *, int);
static int	usernotfound(struct vdel *, const char *);
static int	deliver(struct vdel *);

/* Print the reason (qmail-local puts it in the log or the bounce). */
static int
vfail(struct vdel *d, int code, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	say_line(d->p->outfd, "out of memory (#4.3.0)\n", fmt, ap);
	va_end(ap);
	return code;
}

static int
nomem(struct vdel *d)
{
	return vfail(d, EXIT_TEMP, "out of memory (#4.3.0)");
}

static int
rewind_msg(struct vdel *d)
{
	if (lseek(d->p->msgfd, 0, SEEK_SET) == -1)
		return vfail(d, EXIT_TEMP, "cannot rewind the message: %s "
		    "(#4.3.0)", strerror(errno));
	return 0;
}

/*
 * *yes_r: the header already has "Delivered-To: <a>".  0, or the code of
 * a failure.  The message is rewound either way.
 */
static int
looping(struct vdel *d, const char *a, int *yes_r)
{
	char	*buf;
	ssize_t	 n;
	size_t	 len = 0;
	int	 r;

	*yes_r = 0;
	if ((r = rewind_msg(d)) != 0)
		return r;
	if ((buf = malloc(HEADER_SCAN_MAX + 1)) == NULL)
		return nomem(d);
	/* Read in small steps until the blank line that ends the header. */
	while (len < HEADER_SCAN_MAX && (n = read(d->p->msgfd, buf + len,
	    HEADER_SCAN_MAX - len < 8192 ? HEADER_SCAN_MAX - len : 8192)) > 0) {
		len += (size_t)n;
		if (memmem(buf + (len > (size_t)n + 1 ? len - (size_t)n - 1 : 0),
		    len > (size_t)n + 1 ? (size_t)n + 1 : len, "\n\n", 2) != NULL ||
		    (len >= 1 && buf[0] == '\n'))
			break;
	}
	*yes_r = dtscan_header(buf, len, a);
	free(buf);
	return rewind_msg(d);
}

/* The text of <domdir>/<name>, else <vpopmail>/domains/<name>, else def. */
static void
msgfile(struct vdel *d, const char *name, const char *def, struct str *out)
{
	struct str p = STR_INIT(4096);

	str_clear(out);
	if (str_printf(&p, "%s/%s", str_c(&d->domdir), name) == -1 ||
	    file_read(p.s, out) != 1) {
		str_clear(&p);
		if (root_path(&p, ROOT_VPOPMAIL, "domains/") == -1 ||
		    str_cats(&p, name) == -1 || file_read(p.s, out) != 1)
			if (str_copys(out, def) == -1)
				str_clear(out);
	}
	while (out->len > 0 && (out->s[out->len - 1] == '\n' ||
	    out->s[out->len - 1] == '\r'))
		out->len--;
	if (out->s != NULL)
		out->s[out->len] = '\0';
	str_free(&p);
}

/* Deliver once a quota warning per day at QUOTA_WARN_PERCENT. */
static void
quota_warn(struct vdel *d, const char *md, const struct mdquota *q)
{
	struct str text = STR_INIT(64 * 1024), stamp = STR_INIT(4096);
	struct maildir_tmp t;
	struct stat st;
	int	 fd;

	if (mdquota_percent(q) < QUOTA_WARN_PERCENT)
		return;
	if (str_printf(&stamp, "%s/quotawarn", md) == -1 ||
	    (stat(stamp.s, &st) == 0 && time(NULL) - st.st_mtime <
	    QUOTA_WARN_SECS))
		goto out;
	msgfile(d, ".quotawarn.msg", "", &text);
	if (text.len == 0 || str_catc(&text, '\n') == -1)
		goto out;
	if (maildir_tmp_open(&t, md) == -1)
		goto out;
	if (file_writeall(t.fd, text.s, text.len) == -1) {
		maildir_tmp_abort(&t);
		goto out;
	}
	if (maildir_tmp_commit(&t, NULL, NULL) == 0 &&
	    (fd = open(stamp.s, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) != -1)
		close(fd);
out:
	str_free(&text);
	str_free(&stamp);
}

/* Deliver into a Maildir; quota is vpopmail's field (NULL: none). */
static int
deliver_maildir(struct vdel *d, const char *md, const char *quota,
    const char *to)
{
	struct str hdr = STR_INIT(8192), spec = STR_INIT(MDQUOTA_SPEC_MAX);
	struct str text = STR_INIT(64 * 1024);
	struct mdquota q;
	struct stat st;
	off_t	 size;
	int	 r, loop, lk = -1;

	if ((r = looping(d, to, &loop)) != 0)
		goto out;
	if (loop) {
		r = vfail(d, EXIT_PERM, "This message is looping: it already "
		    "has my Delivered-To line. (#5.4.6)");
		goto out;
	}
	if (str_cats(&hdr, d->p->rpline != NULL ? d->p->rpline : "") == -1 ||
	    str_printf(&hdr, "Delivered-To: %s\n", to) == -1) {
		r = nomem(d);
		goto out;
	}
	if (fstat(d->p->msgfd, &st) == -1) {
		r = vfail(d, EXIT_TEMP, "cannot stat the message (#4.3.0)");
		goto out;
	}
	if (quota != NULL && mdquota_from_vpop(quota, &spec) == 0 &&
	    spec.len > 0) {
		/* The check, the delivery and its line under the mailbox's
		 * quota lock: parallel deliveries cannot all pass the check. */
		if ((lk = mdquota_lock(md)) == -1 ||
		    mdquota_get_locked(md, spec.s, &q, time(NULL)) == -1) {
			r = vfail(d, EXIT_TEMP, "cannot read the quota of %s: "
			    "%s (#4.3.0)", to, strerror(errno));
			goto out;
		}
		if (mdquota_over(&q, (long long)(st.st_size + hdr.len), 1)) {
			msgfile(d, ".over-quota.msg", "user is over quota",
			    &text);
			r = vfail(d, EXIT_PERM, "%s", str_c(&text));
			goto out;
		}
	}
	if ((r = rewind_msg(d)) != 0)
		goto out;
	if (maildir_deliver_fd(md, hdr.s, hdr.len, d->p->msgfd, NULL,
	    &size) == -1) {
		if (errno == EDQUOT) {
			msgfile(d, ".over-quota.msg", "user is over quota",
			    &text);
			r = vfail(d, EXIT_PERM, "%s", str_c(&text));
		} else
			r = vfail(d, EXIT_TEMP, "cannot deliver to %s: %s "
			    "(#4.3.0)", md, strerror(errno));
		goto out;
	}
	if (spec.len > 0) {
		(void)mdquota_add(md, (long long)size, 1);
		mdquota_unlock(lk);
		lk = -1;
		q.size += size;
		q.count++;
		quota_warn(d, md, &q);
	}
out:
	if (lk != -1)
		mdquota_unlock(lk);
	str_free(&hdr);
	str_free(&spec);
	str_free(&text);
	return r;
}

/* Hand the message to the queue (qq.h) for another address. */
static int
forward(struct vdel *d, const char *to)
{
	struct qq q;
	struct str hdr = STR_INIT(1024), srsender = STR_INIT(1024);
	const char *res, *sender = d->p->sender;
	int	 r, loop;

	/* Our own Delivered-To line already there: it came back to us. */
	if ((r = looping(d, str_c(&d->addr), &loop)) != 0)
		return r;
	if (loop)
		return vfail(d, EXIT_TEMP, "message is looping (#4.4.6)");
	/* The Sender Rewriting Scheme for the receiver's SPF (srs.h). */
	if (sender != NULL && srs_forward_sender(sender, d->p->host != NULL ?
	    d->p->host : "", &srsender) == 1)
		sender = str_c(&srsender);
	if (str_printf(&hdr, "Delivered-To: %s\n", str_c(&d->addr)) == -1) {
		str_free(&srsender);
		return nomem(d);
	}
	/* The caller ignores SIGPIPE (qq.h). */
	if (qq_open(&q) == -1) {
		r = vfail(d, EXIT_TEMP, "cannot run qmail-queue: %s (#4.3.0)",
		    strerror(errno));
		str_free(&hdr);
		str_free(&srsender);
		return r;
	}
	qq_put(&q, hdr.s, hdr.len);
	if (rewind_msg(d) != 0)
		qq_fail(&q);
	else
		qq_putfd(&q, d->p->msgfd);
	qq_from(&q, sender != NULL ? sender : "");
	qq_to(&q, to);
	res = qq_close(&q);
	str_free(&hdr);
	str_free(&srsender);
	if (*res == '\0')
		return 0;
	if (*res == 'D')
		return vfail(d, EXIT_PERM, "qmail-queue refused the forward to "
		    "%s (#5.3.0)", to);
	return vfail(d, EXIT_TEMP, "qmail-queue failed for the forward to %s "
	    "(#4.3.0)", to);
}

/* A |program line of a .qmail; *stop is set on exit 99. */
static int
run_program(struct vdel *d, const char *cmd, const char *dir, int *stop)
{
	struct child_spec cs;
	char	*argv[4];
	int	 status, code, r;

	argv[0] = (char *)(uintptr_t)"/bin/sh";
	argv[1] = (char *)(uintptr_t)"-c";
	argv[2] = (char *)(uintptr_t)cmd;
	argv[3] = NULL;
	if ((r = rewind_msg(d)) != 0)
		return r;
	child_spec_init(&cs, argv);
	cs.envp = d->p->envp;
	cs.fd[0] = d->p->msgfd;
	cs.fd[1] = d->p->outfd;
	cs.fd[2] = d->p->errfd;
	cs.dir = dir;
	if (child_run(&cs, &status) == CHILD_OK)
		return 0;
	if (status == -1 || !WIFEXITED(status))
		return vfail(d, EXIT_TEMP, "program crashed (#4.3.0)");
	code = WEXITSTATUS(status);
	if (code == 99) {
		*stop = 1;
		return 0;
	}
	if (code == 100 || code == 64 || code == 65 || code == 70 ||
	    code == 76 || code == 77 || code == 78 || code == 112)
		return vfail(d, EXIT_PERM, "program refused the message "
		    "(#5.3.0)");
	return vfail(d, EXIT_TEMP, "program failed with %d (#4.3.0)", code);
}

/*
 * Follow <dir>/.qmail: comments, |programs, maildir paths, addresses.
 * self_quota is the quota used when a line names the user's own maildir.
 * The delivery ends with it: 0 once every line was handled, else the
 * code of the first failure.
 */
static int
dotqmail(struct vdel *d, const char *dir, const char *self_quota,
    int in_user)
{
	struct str p = STR_INIT(4096), text = STR_INIT(DOTQMAIL_MAX);
	struct str own = STR_INIT(4096);
	char	*line, *nl, *e;
	int	 stop = 0, r = 0;

	if (str_printf(&p, "%s/.qmail", dir) == -1 ||
	    str_printf(&own, "%s/Maildir/", dir) == -1) {
		r = nomem(d);
		goto out;
	}
	if (file_read(p.s, &text) != 1) {
		r = vfail(d, EXIT_TEMP, "cannot read %s (#4.3.0)", p.s);
		goto out;
	}
	for (line = text.s; line != NULL && *line != '\0' && !stop && r == 0;
	    line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		e = line + strlen(line);
		while (e > line && (e[-1] == ' ' || e[-1] == '\t' ||
		    e[-1] == '\r'))
			*--e = '\0';
		if (*line == '#' || *line == '\0')
			continue;
		if (*line == '|')
			r = run_program(d, line + 1, dir, &stop);
		else if (*line == '/' || strncmp(line, "./", 2) == 0) {
			if (line[strlen(line) - 1] != '/')
				r = vfail(d, EXIT_TEMP, "mbox delivery is not "
				    "supported in vdelivermail (#4.3.0)");
			else
				r = deliver_maildir(d, line,
				    strcmp(line, own.s) == 0 ? self_quota :
				    NULL, str_c(&d->addr));
		} else {
			if (*line == '&')
				line++;
			if (in_user && strcasecmp(line, str_c(&d->addr)) == 0)
				continue;
			r = forward(d, line);
		}
	}
out:
	str_free(&p);
	str_free(&text);
	str_free(&own);
	return r;
}

/*
 * Mail to one of our SRS addresses (a bounce of a forward, made by our
 * own qmail-send or handed over by a peer): on to the address it stands
 * for; a forged or expired one bounces.
 */
static int
srs_bounce(struct vdel *d, const char *local, const char *domain)
{
	struct strlist sec = STRLIST_INIT;
	struct str a = STR_INIT(1024), orig = STR_INIT(1024);
	int	 r;

	if (srs_secrets(&sec) != 1 ||
	    str_printf(&a, "%s@%s", local, domain) == -1) {
		r = vfail(d, EXIT_PERM, "Sorry, no mailbox here by that name. "
		    "vpopmail (#5.1.1)");
		goto out;
	}
	r = srs_reverse(a.s, &sec, (long long)time(NULL), &orig);
	if (r != 1)
		r = vfail(d, EXIT_PERM, "Sorry, no mailbox here by that name "
		    "(%s SRS address). vpopmail (#5.1.1)", r == -1 &&
		    errno == ETIME ? "expired" : "invalid");
	else
		r = forward(d, str_c(&orig));
out:
	strlist_free(&sec);
	str_free(&a);
	str_free(&orig);
	return r;
}

/* The fallback of .qmail-default for a user who does not exist. */
static int
usernotfound(struct vdel *d, const char *fb)
{
	struct str text = STR_INIT(64 * 1024), p = STR_INIT(4096);
	int	 r, loop;

	if (strcmp(fb, "delete") == 0)
		return EXIT_DONE;
	if (strcmp(fb, "bounce-no-mailbox") == 0) {
		msgfile(d, ".no-user.msg", "Sorry, no mailbox here by that "
		    "name. vpopmail (#5.1.1)", &text);
		r = vfail(d, EXIT_PERM, "%s", str_c(&text));
	} else if (*fb == '/') {
		if (str_printf(&p, "%s/.qmail", fb) == -1)
			r = nomem(d);
		else if (access(p.s, F_OK) == 0)
			r = dotqmail(d, fb, NULL, 0);
		else {
			str_clear(&p);
			r = str_printf(&p, "%s/Maildir/", fb) == -1 ?
			    nomem(d) : deliver_maildir(d, p.s, NULL,
			    str_c(&d->addr));
		}
	} else if (strchr(fb, '@') == NULL)
		r = vfail(d, EXIT_TEMP, "invalid syntax in .qmail-default "
		    "file (#4.3.0)");
	else if ((r = looping(d, fb, &loop)) != 0)
		;
	else if (loop)
		r = vfail(d, EXIT_PERM, "message is looping (#5.4.6)");
	else
		r = forward(d, fb);
	str_free(&text);
	str_free(&p);
	return r;
}

/* Find the domain and the user, then deliver. */
static int
deliver(struct vdel *d)
{
	struct vpop_domain dom;
	struct vpop_pw pw;
	struct str user = STR_INIT(1024), domain = STR_INIT(1024);
	struct str p = STR_INIT(4096);
	char	*dash;
	int	 r;

	vpop_domain_init(&dom);
	vpop_pw_init(&pw);
	if (d->p->ext == NULL || d->p->host == NULL) {
		r = vfail(d, EXIT_TEMP, "EXT and HOST must be set by "
		    "qmail-local (#4.3.0)");
		goto out;
	}
	if (str_copys(&user, d->p->ext) == -1 ||
	    str_copys(&domain, d->p->host) == -1 ||
	    vpop_lower(user.s) == -1 || vpop_lower(domain.s) == -1 ||
	    user.len == 0 || strchr(user.s, '/') != NULL ||
	    strchr(domain.s, '/') != NULL) {
		r = vfail(d, EXIT_PERM, "Sorry, invalid characters in the "
		    "address. vpopmail (#5.1.3)");
		goto out;
	}
	if (vpop_domain_get(domain.s, &dom) != 1) {
		r = vfail(d, EXIT_TEMP, "domain %s is not in users/cdb "
		    "(#4.3.0)", domain.s);
		goto out;
	}
	if (str_copys(&d->domdir, dom.dir.s) == -1 ||
	    str_printf(&d->addr, "%s@%s", user.s, dom.name.s) == -1) {
		r = nomem(d);
		goto out;
	}
	r = vpop_pw_get(&dom, user.s, &pw);
	if (r == 0 && (dash = strchr(user.s, '-')) != NULL && dash > user.s) {
		str_truncate(&user, (size_t)(dash - user.s));
		r = vpop_pw_get(&dom, user.s, &pw);
		if (r == 1) {
			str_clear(&d->addr);
			if (str_printf(&d->addr, "%s@%s", user.s,
			    dom.name.s) == -1) {
				r = nomem(d);
				goto out;
			}
		}
	}
	if (r == -1) {
		r = vfail(d, EXIT_TEMP, "cannot read the user database: %s "
		    "(#4.3.0)", strerror(errno));
		goto out;
	}
	if (r == 0 && srs_is(d->p->ext, strlen(d->p->ext))) {
		r = srs_bounce(d, d->p->ext, d->p->host);
		goto out;
	}
	if (r == 0) {
		r = usernotfound(d, d->p->fallback);
		goto out;
	}
	if (pw.gid & VPOP_BOUNCE_MAIL) {
		r = vfail(d, EXIT_PERM, "account is locked email bounced");
		goto out;
	}
	if (pw.dir.len == 0) {
		r = vfail(d, EXIT_PERM, "Auto creation of maildir failed. "
		    "vpopmail (#5.9.8)");
		goto out;
	}
	if (str_printf(&p, "%s/Maildir", pw.dir.s) == -1) {
		r = nomem(d);
		goto out;
	}
	if (access(p.s, F_OK) == -1 && (file_mkdirs(pw.dir.s, 0750) == -1 ||
	    maildir_make(p.s, 0700) == -1)) {
		r = vfail(d, EXIT_TEMP, "Auto creation of maildir failed. "
		    "vpopmail (#4.9.9)");
		goto out;
	}
	str_clear(&p);
	if (str_printf(&p, "%s/.qmail", pw.dir.s) == -1) {
		r = nomem(d);
		goto out;
	}
	if (access(p.s, F_OK) == 0) {
		r = dotqmail(d, pw.dir.s, pw.quota.s, 1);
		goto out;
	}
	str_clear(&p);
	r = str_printf(&p, "%s/Maildir/", pw.dir.s) == -1 ? nomem(d) :
	    deliver_maildir(d, p.s, pw.quota.s, str_c(&d->addr));
out:
	vpop_domain_free(&dom);
	vpop_pw_free(&pw);
	str_free(&user);
	str_free(&domain);
	str_free(&p);
	return r;
}

int
vdeliver_run(const struct vdeliver_params *p)
{
	struct vdel d;
	int	 r;

	d.p = p;
	d.addr = (struct str)STR_INIT(512);
	d.domdir = (struct str)STR_INIT(4096);
	r = deliver(&d);
	str_free(&d.addr);
	str_free(&d.domdir);
	return r;
}
