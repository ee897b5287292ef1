/*
 * local - qmail-local's delivery function; see local.h.  Runs in the
 * qmail-local program and in qmail-lspawn's delivery workers, as the
 * address's user.  Every failure is named once, with qmail-local's words,
 * on the error descriptor, and turned into the returned code; nothing
 * here exits the process.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "dotqmail.h"
#include "dtscan.h"
#include "err.h"
#include "file.h"
#include "local.h"
#include "maildir.h"
#include "qq.h"
#include "srs.h"
#include "say.h"
#include "str.h"
#include "vdeliver.h"

/* conf-patrn: a home or .qmail writable by others is refused. */
#define PATRN		002
/* Largest .qmail file read. */
#define DOTQMAIL_MAX	(1024 * 1024)
#define LOCK_WAIT	30

extern char **environ;

/* One delivery: the parameters and what was worked out from them. */
struct ldel {
	const struct local_params *p;
	struct local_result *r;
	struct str dtline;	/* Delivered-To: local@host\n */
	struct str rpline;	/* Return-Path: <sender>\n */
	struct str ufline;	/* From sender date\n (mbox) */
	struct str ueo;		/* NEWSENDER: the sender of forwards */
	struct strlist env;	/* programs' environment */
	int	 flag99;	/* a program said: stop here */
};

/* The variables qmail-local sets for programs (qmail-command(8)). */
static const char *const envnames[] = {
	"HOST", "HOME", "USER", "LOCAL", "RECIPIENT", "DTLINE", "SENDER",
	"RPLINE", "UFLINE", "EXT", "EXT2", "EXT3", "EXT4", "HOST2", "HOST3",
	"HOST4", "DEFAULT", "NEWSENDER", NULL
};

static int	fail(struct ldel *, int, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
static int	nomem(struct ldel *);
static int	rewind_msg(struct ldel *);
static int	env_set(struct ldel *, const char *, const char *);
static int	env_base(struct ldel *);
static int	setup(struct ldel *);
static int	checkhome(struct ldel *);
static int	bouncexf(struct ldel *);
static int	qme_open(struct ldel *, const char *, int *, int *);
static int	qme_exists(struct ldel *, const char *, int *);
static int	do_maildir(struct ldel *, const char *);
static int	do_mbox(struct ldel *, const char *);
static int	do_program(struct ldel *, const char *, size_t);
static int	program_exit(struct ldel *, int);
static int	do_forward(struct ldel *, struct strlist *);
static int	sayit(struct ldel *, const char *, const char *, size_t);
static int	lines(struct ldel *, struct str *, int);
static int	deliver(struct ldel *);

/* The one reason of a failed delivery, on the error descriptor. */
static int
fail(struct ldel *d, int code, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	say_line(d->p->errfd, "Out of memory. (#4.3.0)\n", fmt, ap);
	va_end(ap);
	return code;
}

static int
nomem(struct ldel *d)
{
	return fail(d, 111, "Out of memory. (#4.3.0)");
}

static int
rewind_msg(struct ldel *d)
{
	if (lseek(d->p->msgfd, 0, SEEK_SET) == -1)
		return fail(d, 111, "Unable to rewind message. (#4.3.0)");
	return 0;
}

/* NAME=val into the programs' environment.  0 or -1 (ENOMEM). */
static int
env_set(struct ldel *d, const char *name, const char *val)
{
	struct str s = STR_INIT(STR_UNBOUNDED);
	int	 r;

	r = str_printf(&s, "%s=%s", name, val) == -1 ? -1 :
	    strlist_addb(&d->env, s.s, s.len);
	str_free(&s);
	return r;
}

/* The caller's environment without the variables set per delivery. */
static int
env_base(struct ldel *d)
{
	char *const *e = d->p->envp != NULL ? d->p->envp : environ;
	size_t	 i, n;

	for (; e != NULL && *e != NULL; e++) {
		for (i = 0; envnames[i] != NULL; i++) {
			n = strlen(envnames[i]);
			if (strncmp(*e, envnames[i], n) == 0 && (*e)[n] == '=')
				break;
		}
		if (envnames[i] == NULL && strlist_adds(&d->env, *e) == -1)
			return -1;
	}
	return 0;
}

/* The home directory must not be writable by others; sticky = editing. */
static int
checkhome(struct ldel *d)
{
	static const char warn[] = "Warning: home directory is sticky.\n";
	struct stat st;

	if (stat(".", &st) == -1)
		return fail(d, 111, "Unable to stat home directory: %s. "
		    "(#4.3.0)", strerror(errno));
	if (st.st_mode & PATRN)
		return fail(d, 111, "Uh-oh: home directory is writable. "
		    "(#4.7.0)");
	if (st.st_mode & S_ISVTX) {
		if (d->p->doit)
			return fail(d, 111, "Home directory is sticky: user "
			    "is editing his .qmail file. (#4.2.1)");
		(void)file_writeall(d->p->errfd, warn, sizeof(warn) - 1);
	}
	return 0;
}

/*
 * Refuse a message that already carries our Delivered-To line in its
 * header: it is looping.  Lines are compared as they stream by, so a
 * header line of any length costs no memory.
 */
static int
bouncexf(struct ldel *d)
{
	struct dtscan ds;
	char	 buf[8192];
	ssize_t	 r;

	if (rewind_msg(d) != 0)
		return 111;
	dtscan_init(&ds, d->dtline.s, d->dtline.len);
	for (;;) {
		r = read(d->p->msgfd, buf, sizeof(buf));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return fail(d, 111, "Unable to read message: %s. "
			    "(#4.3.0)", strerror(errno));
		if (r == 0)
			return 0;
		switch (dtscan_feed(&ds, buf, (size_t)r)) {
		case DTSCAN_END:
			return 0;
		case DTSCAN_FOUND:
			return fail(d, 100, "This message is looping: "
			    "it already has my Delivered-To line. "
			    "(#5.4.6)");
		}
	}
}

/*
 * Open a .qmail candidate: 0 with *fd_r the file (its mode checked) or
 * -1 when there is none; else the code of the failure.  *cutable_r: the
 * execute bit is set (forwards only).
 */
static int
qme_open(struct ldel *d, const char *name, int *fd_r, int *cutable_r)
{
	struct stat st;
	int	 fd;

	*fd_r = -1;
	fd = open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP ||
		    errno == ENAMETOOLONG)
			return 0;
		return fail(d, 111, "Unable to open %s: %s. (#4.3.0)", name,
		    strerror(errno));
	}
	if (fstat(fd, &st) == -1) {
		close(fd);
		return fail(d, 111, "Unable to open %s: %s. (#4.3.0)", name,
		    strerror(errno));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	if (st.st_mode & PATRN) {
		close(fd);
		return fail(d, 111, "Uh-oh: .qmail file is writable. "
		    "(#4.7.0)");
	}
	*cutable_r = (st.st_mode & 0100) != 0;
	*fd_r = fd;
	return 0;
}

/* *yes_r: .qmail<dash><safeext><suffix> exists (the -owner files).  0 or
 * the code of the failure. */
static int
qme_exists(struct ldel *d, const char *suffix, int *yes_r)
{
	struct str name = STR_INIT(4096), safe = STR_INIT(STR_UNBOUNDED);
	struct stat st;
	int	 r = 0;

	if (dq_safeext(&safe, d->p->ext) == -1 ||
	    str_copys(&name, ".qmail") == -1 ||
	    str_cats(&name, d->p->dash) == -1 || str_cat(&name, &safe) == -1 ||
	    str_cats(&name, suffix) == -1) {
		r = nomem(d);
		goto out;
	}
	*yes_r = stat(name.s, &st) == 0;
	if (!*yes_r && err_is_temp(errno) && errno != ENOENT)
		r = fail(d, 111, "Unable to open %s: %s. (#4.3.0)", name.s,
		    strerror(errno));
out:
	str_free(&name);
	str_free(&safe);
	return r;
}

int
local_quote_sender(struct str *out, const char *s)
{
	const char *at = strrchr(s, '@');
	size_t	 n = at ? (size_t)(at - s) : strlen(s), i;
	int	 need = n == 0 ? 0 : (s[0] == '.' || s[n - 1] == '.');

	for (i = 0; i < n && !need; i++)
		if ((unsigned char)s[i] <= 32 || (unsigned char)s[i] >= 127 ||
		    strchr("()<>,;:\\\"[]", s[i]) != NULL ||
		    (s[i] == '.' && i + 1 < n && s[i + 1] == '.') ||
		    (s[i] == '@' && at != NULL))
			need = 1;
	if (!need)
		return str_cats(out, s);
	if (str_catc(out, '"') == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (((s[i] == '"' || s[i] == '\\') && str_catc(out, '\\')) ||
		    str_catc(out, s[i]) == -1)
			return -1;
	if (str_catc(out, '"') == -1 || (at && str_cats(out, at) == -1))
		return -1;
	return 0;
}

static int
do_maildir(struct ldel *d, const char *dir)
{
	struct str hdr = STR_INIT(STR_UNBOUNDED);
	struct stat st;
	int	 r = 0;

	if (rewind_msg(d) != 0)
		return 111;
	if (str_cat(&hdr, &d->rpline) == -1 ||
	    str_cat(&hdr, &d->dtline) == -1) {
		r = nomem(d);
		goto out;
	}
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		r = fail(d, 111, "Unable to chdir to maildir. (#4.2.1)");
		goto out;
	}
	if (maildir_deliver_fd(dir, hdr.s, hdr.len, d->p->msgfd, NULL,
	    NULL) == -1) {
		if (errno == ENOENT || errno == ENOTDIR || errno == EACCES)
			r = fail(d, 111, "Unable to chdir to maildir. "
			    "(#4.2.1)");
		else
			r = fail(d, 111, "Temporary error on maildir "
			    "delivery. (#4.3.0)");
	}
out:
	str_free(&hdr);
	return r;
}

/* Buffer b, writing the buffer out when it is large.  0 or -1. */
static int
put(int fd, struct str *out, const void *b, size_t n)
{
	if (str_catb(out, b, n) == -1)
		return -1;
	if (out->len >= 65536) {
		if (file_writeall(fd, out->s, out->len) == -1)
			return -1;
		str_clear(out);
	}
	return 0;
}

/*
 * mbox quoting as a byte stream: a line that is "From " after any number
 * of '>' gets one more '>'.  Adding it just before "From " is the same as
 * adding it at the start of the line, so the '>'s pass straight through
 * and at most four bytes of a partial "From " are ever held back.
 */
struct quote {
	int	 bol;		/* at the start of a line, or only '>'s seen */
	int	 nl;		/* the last byte was a newline (or none yet) */
	size_t	 held;		/* bytes of "From " matched and held back */
};

static int
quote_byte(struct quote *q, char c, struct str *out)
{
	q->nl = c == '\n';
	if (q->bol) {
		if (q->held == 0 && c == '>')
			return str_catc(out, c);
		if (c == "From "[q->held]) {
			if (++q->held < 5)
				return 0;
			q->held = 0;
			q->bol = 0;
			return str_catb(out, ">From ", 6);
		}
		/* Not a From line: release what was held. */
		if (str_catb(out, "From ", q->held) == -1)
			return -1;
		q->held = 0;
		q->bol = 0;
	}
	if (c == '\n')
		q->bol = 1;
	return str_catc(out, c);
}

/*
 * Append to an mbox: lock (30 s at most), "From " line, Return-Path and
 * Delivered-To, the message with ">From " quoting, a blank line; fsync.
 * On a failure the file is cut back to where it was.
 */
static int
do_mbox(struct ldel *d, const char *fn)
{
	struct str out = STR_INIT(STR_UNBOUNDED);
	char	 buf[8192];
	off_t	 pos;
	struct quote q = { 1, 1, 0 };
	size_t	 i;
	ssize_t	 r;
	int	 fd, locked = 0, waited, saved;

	if (rewind_msg(d) != 0)
		return 111;
	fd = open(fn, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1)
		return fail(d, 111, "Unable to open %s: %s. (#4.2.1)", fn,
		    strerror(errno));
	for (waited = 0; waited < LOCK_WAIT * 10; waited++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			locked = 1;
			break;
		}
		if (errno != EWOULDBLOCK && errno != EINTR)
			break;		/* no locking here: go on unlocked */
		usleep(100000);
	}
	if (!locked && waited == LOCK_WAIT * 10) {
		close(fd);
		return fail(d, 111, "File has been locked for 30 seconds "
		    "straight. (#4.3.0)");
	}
	pos = lseek(fd, 0, SEEK_END);
	if (pos == -1)
		goto writeerr;
	if (put(fd, &out, d->ufline.s, d->ufline.len) == -1 ||
	    put(fd, &out, d->rpline.s, d->rpline.len) == -1 ||
	    put(fd, &out, d->dtline.s, d->dtline.len) == -1)
		goto writeerr;
	for (;;) {
		r = read(d->p->msgfd, buf, sizeof(buf));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			saved = errno;
			if (locked)
				(void)!ftruncate(fd, pos);
			close(fd);
			str_free(&out);
			return fail(d, 111, "Unable to read message: %s. "
			    "(#4.3.0)", strerror(saved));
		}
		if (r == 0)
			break;
		for (i = 0; i < (size_t)r; i++) {
			if (quote_byte(&q, buf[i], &out) == -1 ||
			    (out.len >= 65536 && put(fd, &out, "", 0) == -1))
				goto writeerr;
		}
	}
	/* What was held back at the end is not a "From " line. */
	if (str_catb(&out, "From ", q.held) == -1)
		goto writeerr;
	if (!q.nl && put(fd, &out, "\n", 1) == -1)
		goto writeerr;
	if (put(fd, &out, "\n", 1) == -1 ||
	    file_writeall(fd, out.s, out.len) == -1 || fsync(fd) == -1)
		goto writeerr;
	str_free(&out);
	if (close(fd) == -1)
		return fail(d, 111, "Unable to write %s: %s. (#4.3.0)", fn,
		    strerror(errno));
	return 0;
writeerr:
	saved = errno;
	if (locked)
		(void)!ftruncate(fd, pos);
	close(fd);
	str_free(&out);
	return fail(d, 111, "Unable to write %s: %s. (#4.3.0)", fn,
	    strerror(saved));
}

/*
 * hsmail's vdelivermail named by a program line: its delivery function,
 * here, with what the program would find in its arguments and
 * environment.  Its exit code, as a program's would be.
 */
static int
run_vdeliver(struct ldel *d, struct strlist *argv)
{
	struct vdeliver_params vp;

	if (argv->n != 3) {
		static const char msg[] = "invalid syntax in .qmail-default "
		    "file (#4.3.0)\n";

		(void)file_writeall(d->p->outfd, msg, sizeof(msg) - 1);
		return 111;
	}
	vp.ext = d->p->ext;
	vp.host = d->p->host;
	vp.sender = d->p->sender;
	vp.rpline = d->rpline.s;
	vp.fallback = argv->v[2];
	vp.msgfd = d->p->msgfd;
	vp.outfd = d->p->outfd;
	vp.errfd = d->p->errfd;
	vp.envp = d->env.v;
	return vdeliver_run(&vp);
}

/*
 * Run a program line with the message on stdin: directly when the line
 * has nothing for a shell to interpret (the common "| vdelivermail ''
 * bounce-no-mailbox"), else through /bin/sh -c.  hsmail's vdelivermail
 * runs as a function call in this process.
 */
static int
do_program(struct ldel *d, const char *cmd, size_t n)
{
	struct strlist argv = STRLIST_INIT;
	struct child_spec cs;
	char	*shargv[4];
	struct str line = STR_INIT(STR_UNBOUNDED);
	pid_t	 pid;
	int	 status, r, code;

	if (rewind_msg(d) != 0)
		return 111;
	if (str_copyb(&line, cmd, n) == -1 ||
	    (r = dq_argv(cmd, n, &argv)) == -1) {
		code = nomem(d);
		goto out;
	}
	if (r == 1 && child_is_builtin(argv.v[0], "vdelivermail")) {
		code = program_exit(d, run_vdeliver(d, &argv));
		goto out;
	}
	if (r == 1) {
		child_spec_init(&cs, argv.v);
	} else {
		shargv[0] = (char *)"/bin/sh";
		shargv[1] = (char *)"-c";
		shargv[2] = line.s;
		shargv[3] = NULL;
		child_spec_init(&cs, shargv);
	}
	cs.envp = d->env.v;
	cs.fd[0] = d->p->msgfd;
	cs.fd[1] = d->p->outfd;
	cs.fd[2] = d->p->errfd;
	pid = child_start(&cs);
	if (pid == -1) {
		code = fail(d, 111, "Unable to run %s: %s. (#4.3.0)",
		    r == 1 ? argv.v[0] : "/bin/sh", strerror(errno));
		goto out;
	}
	if (child_wait(pid, &status) == -1)
		code = fail(d, 111, "Unable to wait for child: %s. (#4.3.0)",
		    strerror(errno));
	else if (!WIFEXITED(status))
		code = fail(d, 111, "Aack, child crashed. (#4.3.0)");
	else
		code = program_exit(d, WEXITSTATUS(status));
out:
	strlist_free(&argv);
	str_free(&line);
	return code;
}

/* A program line's exit code: 0 go on (99: stop), or 100 or 111. */
static int
program_exit(struct ldel *d, int code)
{
	switch (code) {
	case 0:
		return 0;
	case 99:
		d->flag99 = 1;
		return 0;
	case 100:
	case 64:
	case 65:
	case 70:
	case 76:
	case 77:
	case 78:
	case 112:
		return 100;
	default:
		return 111;
	}
}

/* Send all forwards in one qmail-queue run, Delivered-To prepended. */
static int
do_forward(struct ldel *d, struct strlist *recips)
{
	struct qq qq;
	struct str srsender = STR_INIT(1024);
	const char *res;
	size_t	 i;

	if (rewind_msg(d) != 0)
		return 111;
	if (qq_open(&qq) == -1)
		return fail(d, 111, "Unable to fork: %s. (#4.3.0)",
		    strerror(errno));
	qq_put(&qq, d->dtline.s, d->dtline.len);
	qq_putfd(&qq, d->p->msgfd);
	/* The Sender Rewriting Scheme, so that the receiver's SPF check of
	 * the sender passes (srs.h). */
	if (srs_forward_sender(d->ueo.s, d->p->host, &srsender) == -1)
		srsender.len = 0;
	qq_from(&qq, srsender.len ? srsender.s : d->ueo.s);
	str_free(&srsender);
	for (i = 0; i < recips->n; i++)
		qq_to(&qq, recips->v[i]);
	res = qq_close(&qq);
	d->r->qp = qq_qp(&qq);	/* known once queued (qmail-queued's) */
	if (*res == '\0')
		return 0;
	return fail(d, *res == 'D' ? 100 : 111, "Unable to forward message: "
	    "%s.", res + 1);
}

/* A -n line: what would be done. */
static int
sayit(struct ldel *d, const char *type, const char *s, size_t n)
{
	struct str l = STR_INIT(STR_UNBOUNDED);
	int	 r = 0;

	if (str_cats(&l, type) == -1 || str_catb(&l, s, n) == -1 ||
	    str_catc(&l, '\n') == -1)
		r = nomem(d);
	else
		(void)file_writeall(d->p->outfd, l.s, l.len);
	str_free(&l);
	return r;
}

/* Header lines and the programs' environment (qmail-command(8)). */
static int
setup(struct ldel *d)
{
	const struct local_params *p = d->p;
	struct str s = STR_INIT(STR_UNBOUNDED);
	const char *x;
	char	 tbuf[64];
	time_t	 now = time(NULL);
	struct tm tm;
	size_t	 i, hl;
	int	 k, e = 0;

	e |= env_base(d);
	e |= env_set(d, "HOST", p->host);
	e |= env_set(d, "HOME", p->homedir);
	e |= env_set(d, "USER", p->user);
	e |= env_set(d, "LOCAL", p->local);
	e |= str_printf(&s, "%s@%s", p->local, p->host);
	e |= env_set(d, "RECIPIENT", str_c(&s));
	e |= str_printf(&d->dtline, "Delivered-To: %s", str_c(&s));
	for (i = 0; i < d->dtline.len; i++)
		if (d->dtline.s[i] == '\n')
			d->dtline.s[i] = '_';
	e |= str_catc(&d->dtline, '\n');
	e |= env_set(d, "DTLINE", str_c(&d->dtline));
	e |= env_set(d, "SENDER", p->sender);

	e |= str_cats(&d->rpline, "Return-Path: <");
	e |= local_quote_sender(&d->rpline, p->sender);
	for (i = 0; i < d->rpline.len; i++)
		if (d->rpline.s[i] == '\n')
			d->rpline.s[i] = '_';
	e |= str_cats(&d->rpline, ">\n");
	e |= env_set(d, "RPLINE", str_c(&d->rpline));

	e |= str_cats(&d->ufline, "From ");
	if (*p->sender == '\0')
		e |= str_cats(&d->ufline, "MAILER-DAEMON");
	for (x = p->sender; *x != '\0'; x++)
		e |= str_catc(&d->ufline, *x == ' ' || *x == '\t' ||
		    *x == '\n' ? '-' : *x);
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(tbuf, sizeof(tbuf), "%a %b %e %H:%M:%S %Y\n", &tm) == 0) {
		str_free(&s);
		return fail(d, 111, "Unable to format the time. (#4.3.0)");
	}
	e |= str_printf(&d->ufline, " %s", tbuf);
	e |= env_set(d, "UFLINE", str_c(&d->ufline));

	x = p->ext;
	e |= env_set(d, "EXT", x);
	for (k = 2; k <= 4; k++) {
		static const char *names[] = { "EXT2", "EXT3", "EXT4" };

		x += strcspn(x, "-");
		if (*x != '\0')
			x++;
		e |= env_set(d, names[k - 2], x);
	}
	hl = strlen(p->host);
	for (k = 2; k <= 4; k++) {
		static const char *names[] = { "HOST2", "HOST3", "HOST4" };

		i = hl;
		while (i > 0 && p->host[i - 1] != '.')
			i--;
		if (i > 0)
			hl = i - 1;
		str_clear(&s);
		e |= str_copyb(&s, p->host, hl);
		e |= env_set(d, names[k - 2], str_c(&s));
	}
	str_free(&s);
	return e != 0 ? nomem(d) : 0;
}

/* Carry out the lines of the .qmail text, in order. */
static int
lines(struct ldel *d, struct str *cmds, int forwardonly)
{
	struct strlist recips = STRLIST_INIT;
	const char *arg;
	size_t	 i, j, k, argn;
	int	 r = 0;

	for (i = j = 0; j < cmds->len && !d->flag99 && r == 0; j++) {
		if (cmds->s[j] != '\n')
			continue;
		cmds->s[j] = '\0';
		k = i + dq_trim(cmds->s + i, j - i);
		cmds->s[k] = '\0';
		switch (dq_line(cmds->s + i, k - i, &arg, &argn)) {
		case DQ_BLANK:
			if (i == 0)
				r = fail(d, 111, "Uh-oh: first line of .qmail "
				    "file is blank. (#4.2.1)");
			break;
		case DQ_COMMENT:
		case DQ_PLUS:
			break;
		case DQ_LIST:
			forwardonly = 1;
			break;
		case DQ_MAILDIR:
		case DQ_MBOX:
			d->r->nfile++;
			if (forwardonly)
				r = fail(d, 111, "Uh-oh: .qmail has file "
				    "delivery but has x bit set. (#4.7.0)");
			else if (!d->p->doit)
				r = sayit(d, cmds->s[k - 1] == '/' ?
				    "maildir " : "mbox ", arg, argn);
			else if (cmds->s[k - 1] == '/')
				r = do_maildir(d, arg);
			else
				r = do_mbox(d, arg);
			break;
		case DQ_PROGRAM:
			d->r->nprogram++;
			if (forwardonly)
				r = fail(d, 111, "Uh-oh: .qmail has prog "
				    "delivery but has x bit set. (#4.7.0)");
			else if (!d->p->doit)
				r = sayit(d, "program ", arg, argn);
			else
				r = do_program(d, arg, argn);
			break;
		case DQ_FORWARD:
			d->r->nforward++;
			if (!d->p->doit)
				r = sayit(d, "forward ", arg, argn);
			else if (strlist_addb(&recips, arg, argn) == -1)
				r = nomem(d);
			break;
		}
		i = j + 1;
	}
	if (r == 0 && recips.n > 0 && d->p->doit)
		r = do_forward(d, &recips);
	strlist_free(&recips);
	return r;
}

/* Find and read the .qmail file, then follow it. */
static int
deliver(struct ldel *d)
{
	const struct local_params *p = d->p;
	struct strlist names = STRLIST_INIT;
	struct str cmds = STR_INIT(DOTQMAIL_MAX);
	char	 buf[8192];
	long	*defpos;
	size_t	 i;
	ssize_t	 n;
	int	 r, fd = -1, forwardonly = 0, c, yes;

	if (chdir(p->homedir) == -1)
		return fail(d, 111, "Unable to switch to %s: %s. (#4.3.0)",
		    p->homedir, strerror(errno));
	if ((r = checkhome(d)) != 0 || (r = setup(d)) != 0)
		return r;
	if (p->doit && (r = bouncexf(d)) != 0)
		return r;

	defpos = calloc(dq_names_max(p->ext), sizeof(*defpos));
	if (defpos == NULL || dq_names(p->dash, p->ext, &names, defpos) == -1) {
		r = nomem(d);
		goto out;
	}
	for (i = 0; i < names.n; i++) {
		c = 0;
		if ((r = qme_open(d, names.v[i], &fd, &c)) != 0)
			goto out;
		if (fd != -1) {
			forwardonly = c;
			if (defpos[i] >= 0 &&
			    env_set(d, "DEFAULT", p->ext + defpos[i]) == -1) {
				r = nomem(d);
				goto out;
			}
			break;
		}
	}
	if (fd == -1 && *p->dash != '\0') {
		r = fail(d, 100, "Sorry, no mailbox here by that name. "
		    "(#5.1.1)");
		goto out;
	}

	if (str_copys(&d->ueo, p->sender) == -1) {
		r = nomem(d);
		goto out;
	}
	if (*p->sender != '\0' && strcmp(p->sender, "#@[]") != 0) {
		if ((r = qme_exists(d, "-owner", &yes)) != 0)
			goto out;
		if (yes) {
			if ((r = qme_exists(d, "-owner-default", &yes)) != 0)
				goto out;
			str_clear(&d->ueo);
			if (str_printf(&d->ueo, yes ? "%s-owner-@%s-@[]" :
			    "%s-owner@%s", p->local, p->host) == -1) {
				r = nomem(d);
				goto out;
			}
		}
	}
	if (env_set(d, "NEWSENDER", str_c(&d->ueo)) == -1) {
		r = nomem(d);
		goto out;
	}

	while (fd != -1) {
		n = read(fd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r = fail(d, 111, "Unable to read .qmail file: %s. "
			    "(#4.3.0)", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (str_catb(&cmds, buf, (size_t)n) == -1) {
			r = fail(d, 111, "Uh-oh: .qmail file is too big. "
			    "(#4.3.0)");
			goto out;
		}
	}
	if (cmds.len == 0) {
		if (str_copys(&cmds, p->aliasempty) == -1) {
			r = nomem(d);
			goto out;
		}
		forwardonly = 0;
	}
	if ((cmds.len == 0 || cmds.s[cmds.len - 1] != '\n') &&
	    str_catc(&cmds, '\n') == -1) {
		r = nomem(d);
		goto out;
	}
	r = lines(d, &cmds, forwardonly);
out:
	if (fd != -1)
		close(fd);
	free(defpos);
	strlist_free(&names);
	str_free(&cmds);
	return r;
}

int
local_deliver(const struct local_params *p, struct local_result *r)
{
	struct ldel d;
	struct str done = STR_INIT(256);

	memset(r, 0, sizeof(*r));
	memset(&d, 0, sizeof(d));
	d.p = p;
	d.r = r;
	d.dtline = (struct str)STR_INIT(STR_UNBOUNDED);
	d.rpline = (struct str)STR_INIT(STR_UNBOUNDED);
	d.ufline = (struct str)STR_INIT(STR_UNBOUNDED);
	d.ueo = (struct str)STR_INIT(STR_UNBOUNDED);
	d.env = (struct strlist)STRLIST_INIT;
	r->code = deliver(&d);
	if (r->code == 0) {
		if (str_printf(&done, "did %lu+%lu+%lu\n", r->nfile,
		    r->nforward, r->nprogram) == -1 ||
		    (r->qp != 0 && str_printf(&done, "qp %lu\n", r->qp) == -1))
			r->code = nomem(&d);
		else
			(void)file_writeall(p->outfd, done.s, done.len);
	}
	str_free(&done);
	str_free(&d.dtline);
	str_free(&d.rpline);
	str_free(&d.ufline);
	str_free(&d.ueo);
	strlist_free(&d.env);
	return r->code;
}
