/*
 * qmail-inject / sendmail - prepare a message written by a local user or
 * program and hand it to qmail-queue: recipients from the arguments or
 * the To/Cc/Bcc headers, Bcc removed, Date, Message-ID and From added
 * when missing, envelope sender from -f or the user's identity.
 * Run by any local user (and by the webmail); installed as both names:
 * "sendmail" takes sendmail's options.  Trusts the control files; the
 * message and the arguments are the caller's.
 */
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "date822.h"
#include "err.h"
#include "inject.h"
#include "log.h"
#include "qq.h"
#include "queue.h"
#include "root.h"
#include "str.h"

/* A header larger than this is refused (no one writes one). */
#define HEADER_MAX	(8UL * 1024 * 1024)

enum rcptmode { R_DEFAULT, R_ARGS, R_HEADERS, R_BOTH };

static struct str defaulthost = STR_INIT(1024);
static struct str defaultdomain = STR_INIT(1024);
static struct str plusdomain = STR_INIT(1024);
static struct str idhost = STR_INIT(1024);

static void	usage(int) __attribute__((__noreturn__));
static void	nomem(void) __attribute__((__noreturn__));
static void	run_qmail(const char *) __attribute__((__noreturn__));
static void	controls(void);
static const char *firstenv(const char *const *);
static void	qualify_add(struct strlist *, const char *, size_t);
static void	fromline(struct str *, const char *, const char *);
static void	field_done(struct str *, const struct str *, int);

static void
usage(int sendmail)
{
	if (sendmail)
		log_die(EXIT_PERM, "usage: sendmail [-t] [-f sender] "
		    "[-F name] [-i] [-oi] [recipient ...]");
	log_die(EXIT_PERM, "usage: qmail-inject [-nNaAhH] [-f sender] "
	    "[-F name] [recipient ...]");
}

static void
nomem(void)
{
	log_die(EXIT_TEMP, "out of memory");
}

/* Become the qmail program rel, e.g. "bin/qmail-qread". */
static void
run_qmail(const char *rel)
{
	struct str path = STR_INIT(4096);
	char	*av[2];

	if (root_path(&path, ROOT_QMAIL, rel) == -1)
		nomem();
	av[0] = (char *)(uintptr_t)(strrchr(rel, '/') + 1);
	av[1] = NULL;
	execv(str_c(&path), av);
	log_die(EXIT_TEMP, "unable to run %s: %s", str_c(&path),
	    strerror(errno));
}

/* control/me and the host names that default to it. */
static void
controls(void)
{
	struct str me = STR_INIT(1024);

	if (ctl_readline("me", &me, NULL) == -1 ||
	    ctl_readline("defaulthost", &defaulthost,
	    me.len ? me.s : "defaulthost") == -1 ||
	    ctl_readline("defaultdomain", &defaultdomain,
	    me.len ? me.s : "defaultdomain") == -1 ||
	    ctl_readline("plusdomain", &plusdomain,
	    me.len ? me.s : "plusdomain") == -1 ||
	    ctl_readline("idhost", &idhost, me.len ? me.s : "idhost") == -1)
		log_die(EXIT_TEMP, "unable to read controls: %s",
		    strerror(errno));
	str_free(&me);
}

static const char *
firstenv(const char *const *names)
{
	const char *v;

	for (; *names != NULL; names++)
		if ((v = getenv(*names)) != NULL && *v != '\0')
			return v;
	return NULL;
}

static void
qualify_add(struct strlist *l, const char *a, size_t n)
{
	struct str s = STR_INIT(STR_UNBOUNDED);

	if (str_copyb(&s, a, n) == -1 ||
	    inject_qualify(&s, defaulthost.s, defaultdomain.s,
	    plusdomain.s) == -1)
		nomem();
	if (s.len > QUEUE_ADDR_MAX)
		log_die(EXIT_PERM, "address too long: %.60s...", s.s);
	if (strlist_addb(l, s.s, s.len) == -1)
		nomem();
	str_free(&s);
}

/*
 * Add a complete header field (with its continuation lines) to hdr,
 * unless it is removed; addresses in address fields are qualified as
 * qmail-inject does, the rest of the text kept as written.
 */
static void
field_done(struct str *hdr, const struct str *f, int skip)
{
	static const char *const addrhdrs[] = { "From", "Sender", "Reply-To",
	    "To", "Cc", "Bcc", "Apparently-To", "Resent-From",
	    "Resent-Sender", "Resent-Reply-To", "Resent-To", "Resent-Cc",
	    "Resent-Bcc", "Errors-To", "Return-Receipt-To",
	    "Mail-Followup-To", "Mail-Reply-To", NULL };
	const char *colon;
	size_t	 k;
	int	 i;

	if (f->len == 0 || skip)
		return;
	for (i = 0; addrhdrs[i] != NULL; i++)
		if (inject_hdr_is(f->s, f->len, addrhdrs[i]))
			break;
	if (addrhdrs[i] == NULL) {
		if (str_cat(hdr, f) == -1)
			log_die(EXIT_PERM, "header too long");
		return;
	}
	colon = memchr(f->s, ':', f->len);
	k = (size_t)(colon + 1 - f->s);
	if (str_catb(hdr, f->s, k) == -1 ||
	    inject_rewrite(f->s + k, f->len - k, hdr, defaulthost.s,
	    defaultdomain.s, plusdomain.s) == -1)
		log_die(EXIT_PERM, "header too long");
}

/* "From: \"Name\" <user@host>" or "From: user@host". */
static void
fromline(struct str *out, const char *name, const char *addr)
{
	const char *p;

	if (str_cats(out, "From: ") == -1)
		nomem();
	if (name != NULL && *name != '\0') {
		/* qmail-inject always quotes the full name. */
		if (str_catc(out, '"') == -1)
			nomem();
		for (p = name; *p != '\0'; p++) {
			if (*p == '\n' || *p == '\r')
				continue;
			if ((*p == '"' || *p == '\\') &&
			    str_catc(out, '\\') == -1)
				nomem();
			if (str_catc(out, *p) == -1)
				nomem();
		}
		if (str_catc(out, '"') == -1 ||
		    str_printf(out, " <%s>\n", addr) == -1)
			nomem();
	} else if (str_printf(out, "%s\n", addr) == -1)
		nomem();
}

int
main(int argc, char **argv)
{
	static const char *const userenv[] = { "QMAILSUSER", "QMAILUSER",
	    "MAILUSER", "USER", "LOGNAME", NULL };
	static const char *const hostenv[] = { "QMAILSHOST", "QMAILHOST",
	    "MAILHOST", NULL };
	static const char *const fromuserenv[] = { "QMAILUSER", "MAILUSER",
	    "USER", "LOGNAME", NULL };
	static const char *const fromhostenv[] = { "QMAILHOST", "MAILHOST",
	    NULL };
	static const char *const nameenv[] = { "QMAILNAME", "MAILNAME",
	    "NAME", NULL };
	struct str msg = STR_INIT(STR_UNBOUNDED), hdr = STR_INIT(HEADER_MAX);
	struct str add = STR_INIT(STR_UNBOUNDED), field = STR_INIT(HEADER_MAX);
	struct str sender = STR_INIT(STR_UNBOUNDED);
	struct strlist rcpts = STRLIST_INIT, hdrrcpts = STRLIST_INIT;
	struct strlist resent = STRLIST_INIT;
	const char *prog, *fsender = NULL, *name = NULL, *u, *h, *res;
	enum rcptmode mode = R_DEFAULT;
	int	 c, sendmail, print = 0, havedate = 0, havemid = 0;
	int	 havefrom = 0, haveresent = 0, skip = 0, eof = 0, ended = 0;
	struct passwd *pw;
	struct qq qq;
	char	 buf[65536];
	ssize_t	 r;
	size_t	 i, j, bodypos;
	time_t	 now = time(NULL);

	prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	sendmail = strcmp(prog, "sendmail") == 0;
	log_init(sendmail ? "sendmail" : "qmail-inject");
	signal(SIGPIPE, SIG_IGN);
	if (sendmail) {
		mode = R_ARGS;
		while ((c = getopt(argc, argv, "tf:r:F:io:b:vUN:mB:e:p:x")) !=
		    -1) {
			switch (c) {
			case 't':
				mode = R_BOTH;
				break;
			case 'f':
			case 'r':
				fsender = optarg;
				break;
			case 'F':
				name = optarg;
				break;
			case 'b':
				/* qmail's sendmail: -bp lists the queue,
				 * -bs speaks SMTP on stdin/stdout. */
				if (strcmp(optarg, "p") == 0)
					run_qmail("bin/qmail-qread");
				if (strcmp(optarg, "s") == 0)
					run_qmail("bin/qmail-smtpd");
				if (strcmp(optarg, "m") != 0)
					log_die(EXIT_PERM, "-b%s is not "
					    "supported", optarg);
				break;
			case 'i':
			case 'o':
			case 'v':
			case 'U':
			case 'N':
			case 'm':
			case 'B':
			case 'e':
			case 'p':
			case 'x':
				break;		/* accepted, no meaning here */
			default:
				usage(1);
			}
		}
	} else {
		while ((c = getopt(argc, argv, "nNaAhHf:F:")) != -1) {
			switch (c) {
			case 'n':
				print = 1;
				break;
			case 'N':
				print = 0;
				break;
			case 'a':
				mode = R_ARGS;
				break;
			case 'A':
			case 'h':
				mode = R_HEADERS;
				break;
			case 'H':
				mode = R_BOTH;
				break;
			case 'f':
				fsender = optarg;
				break;
			case 'F':
				name = optarg;
				break;
			default:
				usage(0);
			}
		}
	}
	argc -= optind;
	argv += optind;
	if (mode == R_DEFAULT)
		mode = argc > 0 ? R_ARGS : R_HEADERS;
	controls();
	if (name == NULL)
		name = firstenv(nameenv);

	/* Read until the header has surely ended (a blank line, end of
	 * input, or HEADER_MAX bytes); the body is streamed later. */
	for (i = 0;;) {
		if (memmem(msg.s ? msg.s + i : "", msg.len - i, "\n\n", 2) ||
		    memmem(msg.s ? msg.s + i : "", msg.len - i, "\n\r\n", 3) ||
		    (msg.len > 0 && msg.s[0] == '\n') || msg.len >= HEADER_MAX)
			break;
		i = msg.len > 2 ? msg.len - 2 : 0;
		r = read(0, buf, sizeof(buf));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			log_die(EXIT_TEMP, "unable to read message: %s",
			    strerror(errno));
		if (r == 0) {
			eof = 1;
			break;
		}
		if (str_catb(&msg, buf, (size_t)r) == -1)
			nomem();
	}

	/* Header: fields up to a blank line or the first non-field line. */
	for (i = 0; i < msg.len; i = j) {
		const char *nl = memchr(msg.s + i, '\n', msg.len - i);
		size_t	 k;

		j = nl ? (size_t)(nl - msg.s) + 1 : msg.len;
		if (j - i == 1 || (j - i == 2 && msg.s[i] == '\r')) {
			i = j;
			ended = 1;
			break;			/* the blank line */
		}
		if (msg.s[i] == ' ' || msg.s[i] == '\t') {
			if (i == 0) {
				ended = 1;
				break;
			}
			if (!skip && str_catb(&field, msg.s + i, j - i) == -1)
				log_die(EXIT_PERM, "header too long");
			continue;
		}
		for (k = i; k < j && msg.s[k] != ':' && msg.s[k] > 32 &&
		    msg.s[k] < 127; k++)
			;
		if (k == i || k == j || msg.s[k] != ':') {
			ended = 1;
			break;			/* not a field: body begins */
		}
		/* The previous field is complete. */
		field_done(&hdr, &field, skip);
		str_clear(&field);
		if (str_copyb(&field, msg.s + i, j - i) == -1)
			log_die(EXIT_PERM, "header too long");
		if (field.s[field.len - 1] != '\n' &&
		    str_catc(&field, '\n') == -1)
			nomem();
		skip = 0;
		if (inject_hdr_is(msg.s + i, j - i, "Bcc") ||
		    inject_hdr_is(msg.s + i, j - i, "Resent-Bcc") ||
		    inject_hdr_is(msg.s + i, j - i, "Return-Path") ||
		    inject_hdr_is(msg.s + i, j - i, "Content-Length"))
			skip = 1;
		if (inject_hdr_is(msg.s + i, j - i, "Date"))
			havedate = 1;
		if (inject_hdr_is(msg.s + i, j - i, "Message-ID"))
			havemid = 1;
		if (inject_hdr_is(msg.s + i, j - i, "From"))
			havefrom = 1;
	}
	field_done(&hdr, &field, skip);
	bodypos = i;
	if (!ended && !eof)
		log_die(EXIT_PERM, "header too long");

	/* Recipient fields (the raw header, Bcc included). */
	for (i = 0; i < bodypos; i = j) {
		const char *nl;
		size_t	 e;
		struct strlist *l;
		int	 rs;

		nl = memchr(msg.s + i, '\n', bodypos - i);
		j = nl ? (size_t)(nl - msg.s) + 1 : bodypos;
		rs = inject_hdr_is(msg.s + i, j - i, "Resent-To") ||
		    inject_hdr_is(msg.s + i, j - i, "Resent-Cc") ||
		    inject_hdr_is(msg.s + i, j - i, "Resent-Bcc");
		if (!rs && !inject_hdr_is(msg.s + i, j - i, "To") &&
		    !inject_hdr_is(msg.s + i, j - i, "Cc") &&
		    !inject_hdr_is(msg.s + i, j - i, "Bcc"))
			continue;
		haveresent |= rs;
		l = rs ? &resent : &hdrrcpts;
		/* The field with its continuation lines. */
		for (e = j; e < bodypos && (msg.s[e] == ' ' ||
		    msg.s[e] == '\t');) {
			nl = memchr(msg.s + e, '\n', bodypos - e);
			e = nl ? (size_t)(nl - msg.s) + 1 : bodypos;
		}
		{
			const char *colon = memchr(msg.s + i, ':', j - i);

			if (inject_addrlist(colon + 1,
			    e - (size_t)(colon + 1 - msg.s), l) == -1)
				nomem();
		}
		j = e;
	}

	if (mode == R_ARGS || mode == R_BOTH)
		for (c = 0; c < argc; c++)
			qualify_add(&rcpts, argv[c], strlen(argv[c]));
	if (mode == R_HEADERS || mode == R_BOTH) {
		struct strlist *l = haveresent ? &resent : &hdrrcpts;

		for (i = 0; i < l->n; i++)
			qualify_add(&rcpts, l->v[i], strlen(l->v[i]));
	}

	/* Envelope sender. */
	u = firstenv(userenv);
	if (u == NULL && (pw = getpwuid(getuid())) != NULL)
		u = pw->pw_name;
	h = firstenv(hostenv);
	if (fsender != NULL) {
		if (str_copys(&sender, fsender) == -1)
			nomem();
	} else if (str_printf(&sender, "%s@%s", u ? u : "anonymous",
	    h ? h : defaulthost.s) == -1)
		nomem();
	if (inject_qualify(&sender, defaulthost.s, defaultdomain.s,
	    plusdomain.s) == -1)
		nomem();
	if (sender.len > QUEUE_ADDR_MAX)
		log_die(EXIT_PERM, "sender address too long");

	/* Added fields. */
	if (!havedate && (str_cats(&add, "Date: ") == -1 ||
	    date822_cat(&add, now) == -1 || str_catc(&add, '\n') == -1)) {
		if (errno == EOVERFLOW)
			log_die(EXIT_TEMP, "unable to get the time");
		nomem();
	}
	if (!havemid && str_printf(&add, "Message-ID: <%lld.%ld.qmail@%s>\n",
	    (long long)now, (long)getpid(), idhost.s) == -1)
		nomem();
	if (!havefrom) {
		struct str fa = STR_INIT(STR_UNBOUNDED);
		const char *fu = firstenv(fromuserenv);
		const char *fh = firstenv(fromhostenv);

		if (fu == NULL)
			fu = u ? u : "anonymous";
		if (str_printf(&fa, "%s@%s", fu, fh ? fh : defaulthost.s) ==
		    -1 || inject_qualify(&fa, defaulthost.s, defaultdomain.s,
		    plusdomain.s) == -1)
			nomem();
		fromline(&add, name, fa.s);
		str_free(&fa);
	}

	if (print) {
		fwrite(hdr.s ? hdr.s : "", 1, hdr.len, stdout);
		fwrite(add.s ? add.s : "", 1, add.len, stdout);
		fputc('\n', stdout);
		fwrite(str_c(&msg) + bodypos, 1, msg.len - bodypos, stdout);
		while (!eof && (r = read(0, buf, sizeof(buf))) != 0) {
			if (r == -1 && errno == EINTR)
				continue;
			if (r == -1)
				log_die(EXIT_TEMP, "unable to read message: %s",
				    strerror(errno));
			fwrite(buf, 1, (size_t)r, stdout);
		}
		return fflush(stdout) == 0 ? EXIT_DONE : EXIT_TEMP;
	}
	if (rcpts.n == 0)
		log_die(EXIT_PERM, "no recipients");
	if (qq_open(&qq) == -1)
		log_die(EXIT_TEMP, "unable to run qmail-queue: %s",
		    strerror(errno));
	qq_put(&qq, hdr.s ? hdr.s : "", hdr.len);
	qq_put(&qq, add.s ? add.s : "", add.len);
	qq_put(&qq, "\n", 1);
	qq_put(&qq, str_c(&msg) + bodypos, msg.len - bodypos);
	str_free(&msg);
	/* The rest of the body as it comes. */
	while (!eof && (r = read(0, buf, sizeof(buf))) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			qq_fail(&qq);
			(void)qq_close(&qq);
			log_die(EXIT_TEMP, "unable to read message: %s",
			    strerror(errno));
		}
		qq_put(&qq, buf, (size_t)r);
	}
	qq_from(&qq, sender.s);
	for (i = 0; i < rcpts.n; i++)
		qq_to(&qq, rcpts.v[i]);
	res = qq_close(&qq);
	if (*res != '\0')
		log_die(*res == 'D' ? EXIT_PERM : EXIT_TEMP,
		    "qmail-queue failed: %s", res + 1);
	return EXIT_DONE;
}
