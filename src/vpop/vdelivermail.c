/*
 * vdelivermail - deliver one message to a virtual user, as vpopmail's
 * vdelivermail does (vpopmail.md §5): run by qmail-local from a domain's
 * .qmail-default as "| vdelivermail '' <fallback>", as the domain's uid,
 * with EXT (the user), HOST (the domain), SENDER, RPLINE and DTLINE set
 * and the message on fd 0.  Delivers into the user's Maildir++ with its
 * quota, or follows the user's .qmail; unknown users get the fallback:
 * bounce-no-mailbox, delete, a user directory, or an address to forward
 * to.  Trusts qmail-local's environment and the store; the message is
 * untrusted.  Exit codes: 0 delivered, 100 bounce, 111 try again later.
 * The code is linked into qmail-local too, which runs it in a forked
 * child when the .qmail line names hsmail's vdelivermail (child.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "err.h"
#include "file.h"
#include "maildir.h"
#include "mdquota.h"
#include "root.h"
#include "vpop.h"
#include "vdelivermail.h"

#define HEADER_SCAN_MAX	(256 * 1024)	/* bytes of header read for loops */
#define DOTQMAIL_MAX	(64 * 1024)
#define QUOTA_WARN_PERCENT 90
#define QUOTA_WARN_SECS	(24 * 3600)

static int	 msgfd = 0;		/* the message, seekable */
static struct str addr = STR_INIT(512);	/* user@domain being delivered */
static struct str domdir = STR_INIT(4096);

static void	die(int, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3), __noreturn__));
static void	seekable(void);
static void	rewind_msg(void);
static int	looping(const char *);
static void	msgfile(const char *, const char *, struct str *);
static void	deliver_maildir(const char *, const char *, const char *);
static void	quota_warn(const char *, const struct mdquota *);
static void	forward(const char *);
static void	run_program(const char *, const char *, int *);
static void	dotqmail(const char *, const char *, int);
static void	usernotfound(const char *);

/* Print the reason (qmail-local puts it in the log/bounce) and exit. */
static void
die(int code, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(code);
}

/* Make fd 0 seekable: qmail-local gives a file; a pipe is copied. */
static void
seekable(void)
{
	char	 buf[65536];
	ssize_t	 n;
	int	 fd;

	if (lseek(0, 0, SEEK_SET) == 0)
		return;
	fd = open(getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp",
	    O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd == -1)
		die(EXIT_TEMP, "cannot make a temporary file: %s (#4.3.0)",
		    strerror(errno));
	while ((n = read(0, buf, sizeof(buf))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || file_writeall(fd, buf, (size_t)n) == -1)
			die(EXIT_TEMP, "cannot read the message: %s (#4.3.0)",
			    strerror(errno));
	}
	msgfd = fd;
}

static void
rewind_msg(void)
{
	if (lseek(msgfd, 0, SEEK_SET) == -1)
		die(EXIT_TEMP, "cannot rewind the message: %s (#4.3.0)",
		    strerror(errno));
}

/* 1 if the header already has "Delivered-To: <a>" (or DTLINE says so). */
static int
looping(const char *a)
{
	char	 buf[HEADER_SCAN_MAX + 1], *p, *nl, *v;
	ssize_t	 n;
	size_t	 len = 0;

	rewind_msg();
	/* Read in small steps until the blank line that ends the header. */
	while (len < HEADER_SCAN_MAX && (n = read(msgfd, buf + len,
	    HEADER_SCAN_MAX - len < 8192 ? HEADER_SCAN_MAX - len : 8192)) > 0) {
		len += (size_t)n;
		if (memmem(buf + (len > (size_t)n + 1 ? len - (size_t)n - 1 : 0),
		    len > (size_t)n + 1 ? (size_t)n + 1 : len, "\n\n", 2) != NULL ||
		    (len >= 1 && buf[0] == '\n'))
			break;
	}
	buf[len] = '\0';
	for (p = buf; p < buf + len && *p != '\n'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		if (strncasecmp(p, "Delivered-To:", 13) != 0)
			continue;
		for (v = p + 13; *v == ' ' || *v == '\t'; v++)
			;
		if (strcasecmp(v, a) == 0)
			return 1;
	}
	rewind_msg();
	return 0;
}

/* The text of <domdir>/<name>, else <vpopmail>/domains/<name>, else def. */
static void
msgfile(const char *name, const char *def, struct str *out)
{
	struct str p = STR_INIT(4096);

	str_clear(out);
	if (str_printf(&p, "%s/%s", domdir.s, name) == -1)
		die(EXIT_TEMP, "out of memory (#4.3.0)");
	if (file_read(p.s, out) != 1) {
		str_clear(&p);
		if (root_path(&p, ROOT_VPOPMAIL, "domains/") == -1 ||
		    str_cats(&p, name) == -1 || file_read(p.s, out) != 1) {
			if (str_copys(out, def) == -1)
				die(EXIT_TEMP, "out of memory (#4.3.0)");
		}
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
quota_warn(const char *md, const struct mdquota *q)
{
	struct str text = STR_INIT(64 * 1024), stamp = STR_INIT(4096);
	struct maildir_tmp t;
	struct stat st;
	int	 fd;

	if (mdquota_percent(q) < QUOTA_WARN_PERCENT)
		return;
	if (str_printf(&stamp, "%s/quotawarn", md) == -1)
		goto out;
	if (stat(stamp.s, &st) == 0 && time(NULL) - st.st_mtime <
	    QUOTA_WARN_SECS)
		goto out;
	msgfile(".quotawarn.msg", "", &text);
	if (text.len == 0)
		goto out;
	if (str_printf(&text, "\n") == -1)
		goto out;
	if (maildir_tmp_open(&t, md) == -1)
		goto out;
	if (file_writeall(t.fd, text.s, text.len) == -1) {
		maildir_tmp_abort(&t);
		goto out;
	}
	if (maildir_tmp_commit(&t, NULL, NULL) == 0 &&
	    (fd = open(stamp.s, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW,
	    0600)) != -1)
		close(fd);
out:
	str_free(&text);
	str_free(&stamp);
}

/* Deliver into a Maildir; quota is vpopmail's field (NULL: none). */
static void
deliver_maildir(const char *md, const char *quota, const char *to)
{
	struct str hdr = STR_INIT(8192), spec = STR_INIT(MDQUOTA_SPEC_MAX);
	struct str text = STR_INIT(64 * 1024);
	struct mdquota q;
	struct stat st;
	const char *rp = getenv("RPLINE");
	off_t	 size;

	if (looping(to))
		die(EXIT_PERM, "This message is looping: it already has my "
		    "Delivered-To line. (#5.4.6)");
	if (str_cats(&hdr, rp != NULL ? rp : "") == -1 ||
	    str_printf(&hdr, "Delivered-To: %s\n", to) == -1)
		die(EXIT_TEMP, "out of memory (#4.3.0)");
	if (fstat(msgfd, &st) == -1)
		die(EXIT_TEMP, "cannot stat the message (#4.3.0)");
	if (quota != NULL && mdquota_from_vpop(quota, &spec) == 0 &&
	    spec.len > 0) {
		if (mdquota_get(md, spec.s, &q, time(NULL)) == -1)
			die(EXIT_TEMP, "cannot read the quota of %s: %s "
			    "(#4.3.0)", to, strerror(errno));
		if (mdquota_over(&q, (long long)(st.st_size + hdr.len), 1)) {
			msgfile(".over-quota.msg", "user is over quota", &text);
			die(EXIT_PERM, "%s", text.s);
		}
	}
	rewind_msg();
	if (maildir_deliver_fd(md, hdr.s, hdr.len, msgfd, NULL, &size) == -1) {
		if (errno == EDQUOT) {
			msgfile(".over-quota.msg", "user is over quota", &text);
			die(EXIT_PERM, "%s", text.s);
		}
		die(EXIT_TEMP, "cannot deliver to %s: %s (#4.3.0)", md,
		    strerror(errno));
	}
	if (spec.len > 0) {
		(void)mdquota_add(md, (long long)size, 1);
		q.size += size;
		q.count++;
		quota_warn(md, &q);
	}
	str_free(&hdr);
	str_free(&spec);
	str_free(&text);
}

/* Hand the message to qmail-queue for another address. */
static void
forward(const char *to)
{
	struct child_spec cs;
	struct str qq = STR_INIT(4096), env = STR_INIT(2048);
	struct str hdr = STR_INIT(1024);
	const char *sender = getenv("SENDER");
	char	*argv[2], buf[65536];
	int	 mp[2], ep[2], status;
	ssize_t	 n;
	pid_t	 pid;

	/* Our own Delivered-To line already there: it came back to us. */
	if (looping(addr.s))
		die(EXIT_TEMP, "message is looping (#4.4.6)");
	if (root_path(&qq, ROOT_QMAIL, "bin/qmail-queue") == -1 ||
	    str_printf(&env, "F%s", sender != NULL ? sender : "") == -1 ||
	    str_catc(&env, '\0') == -1 || str_printf(&env, "T%s", to) == -1 ||
	    str_catb(&env, "\0\0", 2) == -1 ||
	    str_printf(&hdr, "Delivered-To: %s\n", addr.s) == -1)
		die(EXIT_TEMP, "out of memory (#4.3.0)");
	if (pipe2(mp, O_CLOEXEC) == -1 || pipe2(ep, O_CLOEXEC) == -1)
		die(EXIT_TEMP, "cannot make a pipe (#4.3.0)");
	argv[0] = qq.s;
	argv[1] = NULL;
	child_spec_init(&cs, argv);
	cs.fd[0] = mp[0];
	cs.fd[1] = ep[0];
	if ((pid = child_start(&cs)) == -1)
		die(EXIT_TEMP, "cannot run qmail-queue: %s (#4.3.0)",
		    strerror(errno));
	close(mp[0]);
	close(ep[0]);
	signal(SIGPIPE, SIG_IGN);
	rewind_msg();
	if (file_writeall(mp[1], hdr.s, hdr.len) == 0) {
		while ((n = read(msgfd, buf, sizeof(buf))) > 0)
			if (file_writeall(mp[1], buf, (size_t)n) == -1)
				break;
	}
	close(mp[1]);
	(void)file_writeall(ep[1], env.s, env.len);
	close(ep[1]);
	if (child_wait(pid, &status) == -1)
		die(EXIT_TEMP, "lost qmail-queue (#4.3.0)");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	if (WIFEXITED(status) && (WEXITSTATUS(status) == 11 ||
	    WEXITSTATUS(status) == 31))
		die(EXIT_PERM, "qmail-queue refused the forward to %s "
		    "(#5.3.0)", to);
	die(EXIT_TEMP, "qmail-queue failed for the forward to %s (#4.3.0)", to);
}

/* A |program line of a .qmail; *stop is set on exit 99. */
static void
run_program(const char *cmd, const char *dir, int *stop)
{
	struct child_spec cs;
	char	*argv[4];
	int	 status, code;

	argv[0] = (char *)(uintptr_t)"/bin/sh";
	argv[1] = (char *)(uintptr_t)"-c";
	argv[2] = (char *)(uintptr_t)cmd;
	argv[3] = NULL;
	rewind_msg();
	child_spec_init(&cs, argv);
	cs.fd[0] = msgfd;
	cs.dir = dir;
	if (child_run(&cs, &status) == CHILD_OK)
		return;
	if (!WIFEXITED(status))
		die(EXIT_TEMP, "program crashed (#4.3.0)");
	code = WEXITSTATUS(status);
	if (code == 99) {
		*stop = 1;
		return;
	}
	if (code == 100 || code == 64 || code == 65 || code == 70 ||
	    code == 76 || code == 77 || code == 78 || code == 112)
		die(EXIT_PERM, "program refused the message (#5.3.0)");
	die(EXIT_TEMP, "program failed with %d (#4.3.0)", code);
}

/*
 * Follow <dir>/.qmail: comments, |programs, maildir paths, addresses.
 * self_quota is the quota used when a line names the user's own maildir.
 * Returns (exits) only after every line was handled.
 */
static void
dotqmail(const char *dir, const char *self_quota, int in_user)
{
	struct str p = STR_INIT(4096), text = STR_INIT(DOTQMAIL_MAX);
	struct str own = STR_INIT(4096);
	char	*line, *nl, *e;
	int	 stop = 0;

	if (str_printf(&p, "%s/.qmail", dir) == -1)
		die(EXIT_TEMP, "out of memory (#4.3.0)");
	if (str_printf(&own, "%s/Maildir/", dir) == -1)
		die(EXIT_TEMP, "out of memory (#4.3.0)");
	if (file_read(p.s, &text) != 1)
		die(EXIT_TEMP, "cannot read %s (#4.3.0)", p.s);
	for (line = text.s; line != NULL && *line != '\0' && !stop;
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
			run_program(line + 1, dir, &stop);
		else if (*line == '/' || strncmp(line, "./", 2) == 0) {
			if (line[strlen(line) - 1] != '/')
				die(EXIT_TEMP, "mbox delivery is not supported "
				    "in vdelivermail (#4.3.0)");
			deliver_maildir(line, strcmp(line, own.s) == 0 ?
			    self_quota : NULL, addr.s);
		} else {
			if (*line == '&')
				line++;
			if (in_user && strcasecmp(line, addr.s) == 0)
				continue;
			forward(line);
		}
	}
	str_free(&p);
	str_free(&text);
	str_free(&own);
	exit(EXIT_DONE);
}

/* The fallback of .qmail-default for a user who does not exist. */
static void
usernotfound(const char *fb)
{
	struct str text = STR_INIT(64 * 1024), p = STR_INIT(4096);

	if (strcmp(fb, "delete") == 0)
		exit(EXIT_DONE);
	if (strcmp(fb, "bounce-no-mailbox") == 0) {
		msgfile(".no-user.msg", "Sorry, no mailbox here by that name. "
		    "vpopmail (#5.1.1)", &text);
		die(EXIT_PERM, "%s", text.s);
	}
	if (*fb == '/') {
		if (str_printf(&p, "%s/.qmail", fb) == -1)
			die(EXIT_TEMP, "out of memory (#4.3.0)");
		if (access(p.s, F_OK) == 0)
			dotqmail(fb, NULL, 0);
		str_clear(&p);
		if (str_printf(&p, "%s/Maildir/", fb) == -1)
			die(EXIT_TEMP, "out of memory (#4.3.0)");
		deliver_maildir(p.s, NULL, addr.s);
		exit(EXIT_DONE);
	}
	if (strchr(fb, '@') == NULL)
		die(EXIT_TEMP, "invalid syntax in .qmail-default file "
		    "(#4.3.0)");
	if (looping(fb))
		die(EXIT_PERM, "message is looping (#5.4.6)");
	forward(fb);
	exit(EXIT_DONE);
}

int
vdelivermail_main(int argc, char **argv)
{
	struct vpop_domain d;
	struct vpop_pw pw;
	struct str user = STR_INIT(1024), domain = STR_INIT(1024);
	struct str p = STR_INIT(4096), text = STR_INIT(1024);
	const char *ext = getenv("EXT"), *host = getenv("HOST");
	char	*dash;
	int	 r;

	if (argc != 3)
		die(EXIT_TEMP, "invalid syntax in .qmail-default file "
		    "(#4.3.0)");
	if (ext == NULL || host == NULL)
		die(EXIT_TEMP, "EXT and HOST must be set by qmail-local "
		    "(#4.3.0)");
	if (str_copys(&user, ext) == -1 || str_copys(&domain, host) == -1 ||
	    vpop_lower(user.s) == -1 || vpop_lower(domain.s) == -1 ||
	    user.len == 0 || strchr(user.s, '/') != NULL ||
	    strchr(domain.s, '/') != NULL)
		die(EXIT_PERM, "Sorry, invalid characters in the address. "
		    "vpopmail (#5.1.3)");
	seekable();
	vpop_domain_init(&d);
	vpop_pw_init(&pw);
	if ((r = vpop_domain_get(domain.s, &d)) != 1)
		die(EXIT_TEMP, "domain %s is not in users/cdb (#4.3.0)",
		    domain.s);
	if (str_copys(&domdir, d.dir.s) == -1)
		die(EXIT_TEMP, "out of memory (#4.3.0)");
	if (str_printf(&addr, "%s@%s", user.s, d.name.s) == -1)
		die(EXIT_TEMP, "out of memory (#4.3.0)");
	r = vpop_pw_get(&d, user.s, &pw);
	if (r == 0 && (dash = strchr(user.s, '-')) != NULL && dash > user.s) {
		str_truncate(&user, (size_t)(dash - user.s));
		r = vpop_pw_get(&d, user.s, &pw);
		if (r == 1) {
			str_clear(&addr);
			if (str_printf(&addr, "%s@%s", user.s, d.name.s) == -1)
				die(EXIT_TEMP, "out of memory (#4.3.0)");
		}
	}
	if (r == -1)
		die(EXIT_TEMP, "cannot read the user database: %s (#4.3.0)",
		    strerror(errno));
	if (r == 0)
		usernotfound(argv[2]);
	if (pw.gid & VPOP_BOUNCE_MAIL)
		die(EXIT_PERM, "account is locked email bounced");
	if (pw.dir.len == 0)
		die(EXIT_PERM, "Auto creation of maildir failed. vpopmail "
		    "(#5.9.8)");
	if (str_printf(&p, "%s/Maildir", pw.dir.s) == -1)
		die(EXIT_TEMP, "out of memory (#4.3.0)");
	if (access(p.s, F_OK) == -1 && (file_mkdirs(pw.dir.s, 0750) == -1 ||
	    maildir_make(p.s, 0700) == -1))
		die(EXIT_TEMP, "Auto creation of maildir failed. vpopmail "
		    "(#4.9.9)");
	str_clear(&p);
	if (str_printf(&p, "%s/.qmail", pw.dir.s) == -1)
		die(EXIT_TEMP, "out of memory (#4.3.0)");
	if (access(p.s, F_OK) == 0)
		dotqmail(pw.dir.s, pw.quota.s, 1);
	str_clear(&p);
	if (str_printf(&p, "%s/Maildir/", pw.dir.s) == -1)
		die(EXIT_TEMP, "out of memory (#4.3.0)");
	deliver_maildir(p.s, pw.quota.s, addr.s);
	vpop_domain_free(&d);
	vpop_pw_free(&pw);
	str_free(&user);
	str_free(&domain);
	str_free(&p);
	str_free(&text);
	str_free(&addr);
	str_free(&domdir);
	return EXIT_DONE;
}
