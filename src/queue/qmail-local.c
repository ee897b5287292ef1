/*
 * qmail-local - deliver one message to one local address, following the
 * user's .qmail file: Maildir, mbox, program and forward lines.
 * Run by qmail-lspawn as the target user (never root), message on fd 0
 * (a seekable queue file), in the user's home directory.  Trusts its
 * arguments (from users/assign); the .qmail file says what the user wants
 * but may be malformed; the message is untrusted.
 * Output: "did F+W+P" and "qp N" on success, or one reason; exit 0, 100
 * (permanent) or 111 (temporary): qmail-local(8).
 * qmail-lspawn links this code and runs it in its forked child; a program
 * line naming hsmail's vdelivermail runs vdelivermail's linked-in code
 * (child.h), in this process when it is the last line.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "dotqmail.h"
#include "err.h"
#include "file.h"
#include "maildir.h"
#include "qlocal.h"
#include "qq.h"
#include "srs.h"
#include "str.h"
#include "../vpop/vdelivermail.h"

/* conf-patrn: a home or .qmail writable by others is refused. */
#define PATRN		002
/* Largest .qmail file read. */
#define DOTQMAIL_MAX	(1024 * 1024)
#define LOCK_WAIT	30

static int	 flagdoit = 1, flag99;
static const char *user, *homedir, *local, *dash, *ext, *host, *sender;
static const char *aliasempty;
static struct str dtline = STR_INIT(STR_UNBOUNDED);
static struct str rpline = STR_INIT(STR_UNBOUNDED);
static struct str ufline = STR_INIT(STR_UNBOUNDED);
static struct str ueo = STR_INIT(STR_UNBOUNDED);
static unsigned long count_file, count_forward, count_program, forward_qp;

static void	usage(void) __attribute__((__noreturn__));
static void	die(int, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3), __noreturn__));
static void	temp_nomem(void) __attribute__((__noreturn__));
static void	rewind0(void);
static void	setenv_or_die(const char *, const char *);
static void	checkhome(void);
static void	bouncexf(void);
static int	qme_open(const char *, int *);
static int	qme_exists(const char *);
static void	quote_sender(struct str *, const char *);
static void	do_maildir(const char *);
static void	do_mbox(const char *);
static void	do_program(const char *, size_t, int);
static void	program_exit(int);
static void	finish(void) __attribute__((__noreturn__));
static void	vdm_done(int, void *);
static void	do_forward(struct strlist *);
static void	sayit(const char *, const char *, size_t);
static void	sigalrm(int);

static void
usage(void)
{
	die(100, "qmail-local: usage: qmail-local [ -nN ] user homedir local "
	    "dash ext domain sender aliasempty");
}

/* The one reason of a failed delivery, on stderr (qmail-lspawn reads it). */
static void
die(int code, const char *fmt, ...)
{
	va_list	 ap;

	/* stdout and stderr usually share qmail-lspawn's pipe: keep the
	 * order in which things happened. */
	fflush(stdout);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	_exit(code);
}

static void
temp_nomem(void)
{
	die(111, "Out of memory. (#4.3.0)");
}

static void
sigalrm(int sig)
{
	(void)sig;
	(void)!write(2, "Timeout on delivery. (#4.3.0)\n", 30);
	_exit(111);
}

static void
rewind0(void)
{
	if (lseek(0, 0, SEEK_SET) == -1)
		die(111, "Unable to rewind message. (#4.3.0)");
}

static void
setenv_or_die(const char *name, const char *val)
{
	if (setenv(name, val, 1) == -1)
		temp_nomem();
}

/* The home directory must not be writable by others; sticky = editing. */
static void
checkhome(void)
{
	struct stat st;

	if (stat(".", &st) == -1)
		die(111, "Unable to stat home directory: %s. (#4.3.0)",
		    strerror(errno));
	if (st.st_mode & PATRN)
		die(111, "Uh-oh: home directory is writable. (#4.7.0)");
	if (st.st_mode & S_ISVTX) {
		if (flagdoit)
			die(111, "Home directory is sticky: user is editing "
			    "his .qmail file. (#4.2.1)");
		fprintf(stderr, "Warning: home directory is sticky.\n");
	}
}

/*
 * Refuse a message that already carries our Delivered-To line in its
 * header: it is looping.  Lines are compared as they stream by, so a
 * header line of any length costs no memory.
 */
static void
bouncexf(void)
{
	char	 buf[8192];
	size_t	 pos = 0;	/* bytes of the current line seen */
	int	 match = 1;	/* the line equals dtline so far */
	ssize_t	 r, i;

	rewind0();
	for (;;) {
		r = read(0, buf, sizeof(buf));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			die(111, "Unable to read message: %s. (#4.3.0)",
			    strerror(errno));
		if (r == 0)
			return;
		for (i = 0; i < r; i++) {
			if (match && (pos >= dtline.len ||
			    buf[i] != dtline.s[pos]))
				match = 0;
			pos++;
			if (buf[i] != '\n')
				continue;
			if (pos <= 1)
				return;		/* end of the header */
			if (match && pos == dtline.len)
				die(100, "This message is looping: it already "
				    "has my Delivered-To line. (#5.4.6)");
			pos = 0;
			match = 1;
		}
	}
}

/*
 * Open a .qmail candidate.  1 found (fd in *fd_r, its mode checked),
 * 0 absent.  *cutable_r: the execute bit is set (forwards only).
 */
static int
qme_open(const char *name, int *cutable_r)
{
	struct stat st;
	int	 fd;

	fd = open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP ||
		    errno == ENAMETOOLONG)
			return 0;
		die(111, "Unable to open %s: %s. (#4.3.0)", name,
		    strerror(errno));
	}
	if (fstat(fd, &st) == -1)
		die(111, "Unable to open %s: %s. (#4.3.0)", name,
		    strerror(errno));
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	if (st.st_mode & PATRN)
		die(111, "Uh-oh: .qmail file is writable. (#4.7.0)");
	*cutable_r = (st.st_mode & 0100) != 0;
	return fd;
}

/* 1 if .qmail<dash><safeext><suffix> exists (the -owner files). */
static int
qme_exists(const char *suffix)
{
	struct str name = STR_INIT(4096), safe = STR_INIT(STR_UNBOUNDED);
	struct stat st;
	int	 r;

	if (dq_safeext(&safe, ext) == -1 || str_copys(&name, ".qmail") ||
	    str_cats(&name, dash) || str_cat(&name, &safe) ||
	    str_cats(&name, suffix))
		temp_nomem();
	r = stat(name.s, &st) == 0;
	if (!r && err_is_temp(errno) && errno != ENOENT)
		die(111, "Unable to open %s: %s. (#4.3.0)", name.s,
		    strerror(errno));
	str_free(&name);
	str_free(&safe);
	return r;
}

/* Return-Path text: the local part quoted when it needs it (quote2). */
static void
quote_sender(struct str *out, const char *s)
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
	if (!need) {
		if (str_cats(out, s) == -1)
			temp_nomem();
		return;
	}
	if (str_catc(out, '"') == -1)
		temp_nomem();
	for (i = 0; i < n; i++)
		if (((s[i] == '"' || s[i] == '\\') && str_catc(out, '\\')) ||
		    str_catc(out, s[i]) == -1)
			temp_nomem();
	if (str_catc(out, '"') == -1 || (at && str_cats(out, at) == -1))
		temp_nomem();
}

static void
do_maildir(const char *dir)
{
	struct str hdr = STR_INIT(STR_UNBOUNDED);
	struct stat st;

	rewind0();
	if (str_cat(&hdr, &rpline) == -1 || str_cat(&hdr, &dtline) == -1)
		temp_nomem();
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode))
		die(111, "Unable to chdir to maildir. (#4.2.1)");
	if (maildir_deliver_fd(dir, hdr.s, hdr.len, 0, NULL, NULL) == -1) {
		if (errno == ENOENT || errno == ENOTDIR || errno == EACCES)
			die(111, "Unable to chdir to maildir. (#4.2.1)");
		die(111, "Temporary error on maildir delivery. (#4.3.0)");
	}
	str_free(&hdr);
}

/* Write all or remember the error. */
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
static void
do_mbox(const char *fn)
{
	struct str out = STR_INIT(STR_UNBOUNDED);
	char	 buf[8192];
	off_t	 pos;
	struct quote q = { 1, 1, 0 };
	size_t	 i;
	ssize_t	 r;
	int	 fd, locked = 0, waited, saved;

	rewind0();
	fd = open(fn, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1)
		die(111, "Unable to open %s: %s. (#4.2.1)", fn,
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
	if (!locked && waited == LOCK_WAIT * 10)
		die(111, "File has been locked for 30 seconds straight. "
		    "(#4.3.0)");
	pos = lseek(fd, 0, SEEK_END);
	if (pos == -1)
		goto writeerr;
	if (put(fd, &out, ufline.s, ufline.len) == -1 ||
	    put(fd, &out, rpline.s, rpline.len) == -1 ||
	    put(fd, &out, dtline.s, dtline.len) == -1)
		goto writeerr;
	for (;;) {
		r = read(0, buf, sizeof(buf));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			saved = errno;
			if (locked)
				(void)!ftruncate(fd, pos);
			die(111, "Unable to read message: %s. (#4.3.0)",
			    strerror(saved));
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
	close(fd);
	str_free(&out);
	return;
writeerr:
	saved = errno;
	if (locked)
		(void)!ftruncate(fd, pos);
	close(fd);
	die(111, "Unable to write %s: %s. (#4.3.0)", fn, strerror(saved));
}

/*
 * Run a program line with the message on stdin: directly when the line
 * has nothing for a shell to interpret (the common "| vdelivermail ''
 * bounce-no-mailbox"), else through /bin/sh -c.  hsmail's vdelivermail
 * runs as linked-in code: in this process when the line is the last
 * thing to do (last), else in a forked child.
 */
static void
do_program(const char *cmd, size_t n, int last)
{
	struct strlist argv = STRLIST_INIT;
	struct child_spec cs;
	char	*shargv[4];
	struct str line = STR_INIT(STR_UNBOUNDED);
	pid_t	 pid;
	int	 status, r;

	rewind0();
	if (str_copyb(&line, cmd, n) == -1)
		temp_nomem();
	r = dq_argv(cmd, n, &argv);
	if (r == -1)
		temp_nomem();
	if (r == 1 && child_is_builtin(argv.v[0], "vdelivermail")) {
		if (last) {
			/* Nothing follows: be vdelivermail; vdm_done turns
			 * its exit into ours, as a child's would be. */
			if (on_exit(vdm_done, NULL) != 0)
				temp_nomem();
			signal(SIGPIPE, SIG_DFL);
			fflush(NULL);
			exit(vdelivermail_main((int)argv.n, argv.v));
		}
		pid = child_fork();
		if (pid == 0)
			exit(vdelivermail_main((int)argv.n, argv.v));
		goto started;
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
	pid = child_start(&cs);
started:
	if (pid == -1)
		die(111, "Unable to run %s: %s. (#4.3.0)",
		    r == 1 ? argv.v[0] : "/bin/sh", strerror(errno));
	if (child_wait(pid, &status) == -1)
		die(111, "Unable to wait for child: %s. (#4.3.0)",
		    strerror(errno));
	strlist_free(&argv);
	str_free(&line);
	if (!WIFEXITED(status))
		die(111, "Aack, child crashed. (#4.3.0)");
	program_exit(WEXITSTATUS(status));
}

/* A program line's exit code: go on, stop (99), or exit 100 or 111. */
static void
program_exit(int code)
{
	switch (code) {
	case 0:
		break;
	case 99:
		flag99 = 1;
		break;
	case 100:
	case 64:
	case 65:
	case 70:
	case 76:
	case 77:
	case 78:
	case 112:
		fflush(stdout);
		_exit(100);
	default:
		fflush(stdout);
		_exit(111);
	}
}

/* The report and exit code once all lines are done. */
static void
finish(void)
{
	printf("did %lu+%lu+%lu\n", count_file, count_forward, count_program);
	if (forward_qp != 0)
		printf("qp %lu\n", forward_qp);
	fflush(stdout);
	_exit(0);
}

/*
 * on_exit handler when vdelivermail's code ran in this process as the
 * last line: its exit code becomes the line's, then qmail-local's own
 * report and code follow.
 */
static void
vdm_done(int code, void *arg)
{
	(void)arg;
	program_exit(code);
	finish();
}

/* Send all forwards in one qmail-queue run, Delivered-To prepended. */
static void
do_forward(struct strlist *recips)
{
	struct qq qq;
	struct str srsender = STR_INIT(1024);
	const char *res;
	char	 buf[65536];
	ssize_t	 r;
	size_t	 i;

	rewind0();
	fflush(stdout);
	if (qq_open(&qq) == -1)
		die(111, "Unable to fork: %s. (#4.3.0)", strerror(errno));
	qq_put(&qq, dtline.s, dtline.len);
	for (;;) {
		r = read(0, buf, sizeof(buf));
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == -1)
				qq_fail(&qq);
			break;
		}
		qq_put(&qq, buf, (size_t)r);
	}
	/* The Sender Rewriting Scheme, so that the receiver's SPF check of
	 * the sender passes (srs.h). */
	if (srs_forward_sender(ueo.s, host, &srsender) == -1)
		srsender.len = 0;
	qq_from(&qq, srsender.len ? srsender.s : ueo.s);
	str_free(&srsender);
	for (i = 0; i < recips->n; i++)
		qq_to(&qq, recips->v[i]);
	res = qq_close(&qq);
	forward_qp = qq_qp(&qq);
	if (*res == '\0')
		return;
	die(*res == 'D' ? 100 : 111, "Unable to forward message: %s.", res + 1);
}

static void
sayit(const char *type, const char *s, size_t n)
{
	fputs(type, stdout);
	fwrite(s, 1, n, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

/* Environment and header lines for this delivery (qmail-command(8)). */
static void
setup_env(void)
{
	struct str s = STR_INIT(STR_UNBOUNDED);
	const char *x;
	char	 tbuf[64];
	time_t	 now = time(NULL);
	struct tm tm;
	size_t	 i, hl;
	int	 k;

	setenv_or_die("HOST", host);
	setenv_or_die("HOME", homedir);
	setenv_or_die("USER", user);
	setenv_or_die("LOCAL", local);
	if (str_printf(&s, "%s@%s", local, host) == -1)
		temp_nomem();
	setenv_or_die("RECIPIENT", s.s);
	if (str_printf(&dtline, "Delivered-To: %s", s.s) == -1)
		temp_nomem();
	for (i = 0; i < dtline.len; i++)
		if (dtline.s[i] == '\n')
			dtline.s[i] = '_';
	if (str_catc(&dtline, '\n') == -1)
		temp_nomem();
	setenv_or_die("DTLINE", dtline.s);
	setenv_or_die("SENDER", sender);

	if (str_cats(&rpline, "Return-Path: <") == -1)
		temp_nomem();
	quote_sender(&rpline, sender);
	for (i = 0; i < rpline.len; i++)
		if (rpline.s[i] == '\n')
			rpline.s[i] = '_';
	if (str_cats(&rpline, ">\n") == -1)
		temp_nomem();
	setenv_or_die("RPLINE", rpline.s);

	if (str_cats(&ufline, "From ") == -1)
		temp_nomem();
	if (*sender == '\0' && str_cats(&ufline, "MAILER-DAEMON") == -1)
		temp_nomem();
	for (x = sender; *x != '\0'; x++)
		if (str_catc(&ufline, *x == ' ' || *x == '\t' || *x == '\n' ?
		    '-' : *x) == -1)
			temp_nomem();
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(tbuf, sizeof(tbuf), "%a %b %e %H:%M:%S %Y\n", &tm) == 0)
		die(111, "Unable to format the time. (#4.3.0)");
	if (str_printf(&ufline, " %s", tbuf) == -1)
		temp_nomem();
	setenv_or_die("UFLINE", ufline.s);

	x = ext;
	setenv_or_die("EXT", x);
	for (k = 2; k <= 4; k++) {
		static const char *names[] = { "EXT2", "EXT3", "EXT4" };

		x += strcspn(x, "-");
		if (*x != '\0')
			x++;
		setenv_or_die(names[k - 2], x);
	}
	hl = strlen(host);
	for (k = 2; k <= 4; k++) {
		static const char *names[] = { "HOST2", "HOST3", "HOST4" };

		i = hl;
		while (i > 0 && host[i - 1] != '.')
			i--;
		if (i > 0)
			hl = i - 1;
		str_clear(&s);
		if (str_copyb(&s, host, hl) == -1)
			temp_nomem();
		setenv_or_die(names[k - 2], s.s);
	}
	str_free(&s);
}

int
qmail_local_main(int argc, char **argv)
{
	struct strlist names = STRLIST_INIT, recips = STRLIST_INIT;
	struct str cmds = STR_INIT(DOTQMAIL_MAX);
	const char *arg;
	long	*defpos;
	size_t	 i, j, k, argn;
	ssize_t	 r;
	int	 opt, fd = -1, forwardonly = 0, c;
	char	 buf[8192];

	umask(077);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, sigalrm);
	alarm(86400);
	while ((opt = getopt(argc, argv, "nN")) != -1) {
		switch (opt) {
		case 'n':
			flagdoit = 0;
			break;
		case 'N':
			flagdoit = 1;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 8)
		usage();
	argv += optind;
	user = argv[0];
	homedir = argv[1];
	local = argv[2];
	dash = argv[3];
	ext = argv[4];
	host = argv[5];
	sender = argv[6];
	aliasempty = argv[7];
	if (homedir[0] != '/')
		usage();
	if (chdir(homedir) == -1)
		die(111, "Unable to switch to %s: %s. (#4.3.0)", homedir,
		    strerror(errno));
	checkhome();
	setup_env();
	if (flagdoit)
		bouncexf();

	defpos = calloc(dq_names_max(ext), sizeof(*defpos));
	if (defpos == NULL || dq_names(dash, ext, &names, defpos) == -1)
		temp_nomem();
	for (i = 0; i < names.n; i++) {
		c = 0;
		fd = qme_open(names.v[i], &c);
		if (fd > 0) {
			forwardonly = c;
			if (defpos[i] >= 0)
				setenv_or_die("DEFAULT", ext + defpos[i]);
			break;
		}
		fd = -1;
	}
	if (fd == -1 && *dash != '\0')
		die(100, "Sorry, no mailbox here by that name. (#5.1.1)");

	if (str_copys(&ueo, sender) == -1)
		temp_nomem();
	if (*sender != '\0' && strcmp(sender, "#@[]") != 0 &&
	    qme_exists("-owner")) {
		str_clear(&ueo);
		if (str_printf(&ueo, qme_exists("-owner-default") ?
		    "%s-owner-@%s-@[]" : "%s-owner@%s", local, host) == -1)
			temp_nomem();
	}
	setenv_or_die("NEWSENDER", ueo.s);

	if (fd != -1) {
		for (;;) {
			r = read(fd, buf, sizeof(buf));
			if (r == -1 && errno == EINTR)
				continue;
			if (r == -1)
				die(111, "Unable to read .qmail file: %s. "
				    "(#4.3.0)", strerror(errno));
			if (r == 0)
				break;
			if (str_catb(&cmds, buf, (size_t)r) == -1)
				die(111, "Uh-oh: .qmail file is too big. "
				    "(#4.3.0)");
		}
		close(fd);
	}
	if (cmds.len == 0) {
		if (str_copys(&cmds, aliasempty) == -1)
			temp_nomem();
		forwardonly = 0;
	}
	if ((cmds.len == 0 || cmds.s[cmds.len - 1] != '\n') &&
	    str_catc(&cmds, '\n') == -1)
		temp_nomem();

	for (i = j = 0; j < cmds.len && !flag99; j++) {
		if (cmds.s[j] != '\n')
			continue;
		cmds.s[j] = '\0';
		k = i + dq_trim(cmds.s + i, j - i);
		cmds.s[k] = '\0';
		switch (dq_line(cmds.s + i, k - i, &arg, &argn)) {
		case DQ_BLANK:
			if (i == 0)
				die(111, "Uh-oh: first line of .qmail file "
				    "is blank. (#4.2.1)");
			break;
		case DQ_COMMENT:
		case DQ_PLUS:
			break;
		case DQ_LIST:
			forwardonly = 1;
			break;
		case DQ_MAILDIR:
		case DQ_MBOX:
			count_file++;
			if (forwardonly)
				die(111, "Uh-oh: .qmail has file delivery but "
				    "has x bit set. (#4.7.0)");
			if (!flagdoit)
				sayit(cmds.s[k - 1] == '/' ? "maildir " :
				    "mbox ", arg, argn);
			else if (cmds.s[k - 1] == '/')
				do_maildir(arg);
			else
				do_mbox(arg);
			break;
		case DQ_PROGRAM:
			count_program++;
			if (forwardonly)
				die(111, "Uh-oh: .qmail has prog delivery but "
				    "has x bit set. (#4.7.0)");
			if (!flagdoit)
				sayit("program ", arg, argn);
			else
				do_program(arg, argn, j + 1 >= cmds.len &&
				    recips.n == 0);
			break;
		case DQ_FORWARD:
			count_forward++;
			if (!flagdoit)
				sayit("forward ", arg, argn);
			else if (strlist_addb(&recips, arg, argn) == -1)
				temp_nomem();
			break;
		}
		i = j + 1;
	}
	if (recips.n > 0 && flagdoit)
		do_forward(&recips);

	free(defpos);
	strlist_free(&names);
	strlist_free(&recips);
	str_free(&cmds);
	finish();
}
