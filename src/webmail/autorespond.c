/*
 * autorespond - the vacation auto-reply of a .qmail file, with the
 * command line of the autorespond that vpopmail's tools (qmailadmin, the
 * webmail) write:
 *   | <vpopmail>/bin/autorespond time num message dir [flag [arsender]]
 * Run by qmail-local or vdelivermail as the mailbox owner, the message on
 * fd 0 and SENDER, EXT/LOCAL and HOST in the environment.  Replies at
 * most num times to one sender within time seconds (records in dir), and
 * never to bounces, mailing lists, automatic mail or itself (RFC 3834);
 * the reply carries "Auto-Submitted: auto-replied" and goes out through
 * qmail-inject.  The message is untrusted; the message file and dir are
 * the user's.  It never stops the message's delivery: exit 0 whether or
 * not a reply went out (the reason on fd 2, which qmail-local logs), 111
 * only for the box's temporary trouble (the delivery is tried again).
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arespond.h"
#include "child.h"
#include "err.h"
#include "file.h"
#include "log.h"
#include "num.h"
#include "root.h"

static void	usage(void) __attribute__((__noreturn__));
static void	nomem(void) __attribute__((__noreturn__));
static void	none(const char *, const char *) __attribute__((__noreturn__));
static size_t	read_input(struct str *, int);
static int	inject(const struct str *, const char *, const char *);

static void
usage(void)
{
	/* A wrong line in a .qmail must not hold up the user's mail. */
	log_line("autorespond: usage: autorespond time num message dir "
	    "[flag [arsender]]; no reply sent");
	exit(EXIT_DONE);
}

static void
nomem(void)
{
	log_die(EXIT_TEMP, "out of memory");
}

/* No reply: say why (the sender in qmail's log-safe form) and end. */
static void
none(const char *sender, const char *why)
{
	struct str s = STR_INIT(AR_ADDR_MAX * 2);

	(void)log_safe_cat(&s, sender, strnlen(sender, AR_ADDR_MAX));
	log_line("autorespond: no reply to <%s>: %s", str_c(&s), why);
	str_free(&s);
	exit(EXIT_DONE);
}

/*
 * The message's header, and with quote set up to AR_QUOTE_IN_MAX bytes
 * of its body, into *in.  The offset of the body in *in.
 */
static size_t
read_input(struct str *in, int quote)
{
	char	 buf[8192];
	const char *e;
	size_t	 body = 0, want = AR_HEADER_MAX;
	ssize_t	 n;

	for (;;) {
		if (in->len >= want)
			break;
		n = read(0, buf, sizeof(buf) < want - in->len ? sizeof(buf) :
		    want - in->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			log_die(EXIT_TEMP, "cannot read the message: %s",
			    strerror(errno));
		if (n == 0)
			break;
		if (str_catb(in, buf, (size_t)n) == -1)
			nomem();
		if (body == 0) {
			/* The empty line: LF LF, or LF CR LF. */
			for (e = in->s; (e = memchr(e, '\n', in->len -
			    (size_t)(e - in->s))) != NULL; e++) {
				size_t	 o = (size_t)(e - in->s) + 1;

				if (o < in->len && in->s[o] == '\n') {
					body = o + 1;
					break;
				}
				if (o + 1 < in->len && in->s[o] == '\r' &&
				    in->s[o + 1] == '\n') {
					body = o + 2;
					break;
				}
			}
			if (body > 0) {
				if (!quote)
					break;
				want = body + AR_QUOTE_IN_MAX;
			}
		}
	}
	return body > 0 ? body : in->len;
}

/* The reply to qmail-inject: recipient rcpt only, envelope sender env.
 * 0 sent, 1 refused for good, -1 temporary trouble. */
static int
inject(const struct str *msg, const char *env, const char *rcpt)
{
	struct str prog = STR_INIT(4096);
	struct child_spec cs;
	char	*argv[7];
	int	 p[2], status;
	pid_t	 pid;

	if (root_path(&prog, ROOT_QMAIL, "bin/qmail-inject") == -1)
		nomem();
	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	argv[0] = prog.s;
	argv[1] = (char *)(uintptr_t)"-a";
	argv[2] = (char *)(uintptr_t)"-f";
	argv[3] = (char *)(uintptr_t)env;
	argv[4] = (char *)(uintptr_t)"--";
	argv[5] = (char *)(uintptr_t)rcpt;
	argv[6] = NULL;
	child_spec_init(&cs, argv);
	cs.fd[0] = p[0];
	pid = child_start(&cs);
	close(p[0]);
	if (pid == -1) {
		close(p[1]);
		str_free(&prog);
		return -1;
	}
	(void)file_writeall(p[1], msg->s, msg->len);
	close(p[1]);
	str_free(&prog);
	if (child_wait(pid, &status) == -1)
		return -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_PERM)
		return 1;
	return -1;
}

int
main(int argc, char **argv)
{
	struct str in = STR_INIT(AR_HEADER_MAX + AR_QUOTE_IN_MAX);
	struct str file = STR_INIT(AR_MSGFILE_MAX), self = STR_INIT(2048);
	struct str quote = STR_INIT(AR_QUOTE_LINES * (AR_QUOTE_IN_MAX + 4));
	struct str reply = STR_INIT(4 * AR_MSGFILE_MAX + AR_HEADER_MAX);
	struct ar_msg m;
	const char *sender = getenv("SENDER"), *ext = getenv("EXT");
	const char *host = getenv("HOST"), *env, *p;
	unsigned long period, num, flag = 1, count;
	enum ar_verdict v;
	size_t	 body;
	time_t	 now = time(NULL);
	int	 dfd, r;

	log_init("autorespond");
	signal(SIGPIPE, SIG_IGN);
	if (argc < 5 || argc > 7 ||
	    num_parses(argv[1], 100UL * 366 * 86400, &period) == -1 ||
	    num_parses(argv[2], 1000000, &num) == -1 ||
	    (argc > 5 && num_parses(argv[5], 1000000, &flag) == -1))
		usage();
	if (sender == NULL)
		sender = "";
	/* Our own address: the virtual user (vdelivermail's EXT) or the
	 * local part qmail-local delivers to, at HOST. */
	if (ext == NULL || *ext == '\0')
		ext = getenv("LOCAL");
	if (ext != NULL && *ext != '\0' && host != NULL && *host != '\0' &&
	    str_printf(&self, "%s@%s", ext, host) == -1)
		nomem();
	for (p = self.s; p != NULL && *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>')
			str_clear(&self);	/* not an address to write */
	/* The envelope sender: "$" (the default) ourselves, "+" none. */
	env = argc > 6 ? argv[6] : "$";
	if (*env == '$')
		env = str_c(&self);
	else if (*env == '+')
		env = "";
	if ((v = ar_sender_check(sender, str_c(&self))) != AR_REPLY)
		none(sender, ar_verdict_text(v));
	ar_msg_init(&m);
	body = read_input(&in, flag == 1);
	if (ar_header_parse(in.s != NULL ? in.s : "", body, &m) == -1)
		nomem();
	if (m.verdict != AR_REPLY)
		none(sender, m.why != NULL ? m.why :
		    ar_verdict_text(m.verdict));
	if ((r = file_read(argv[3], &file)) != 1) {
		if (r == -1 && errno == ENOMEM)
			nomem();
		log_line("autorespond: cannot read %s: %s; no reply sent",
		    argv[3], r == 0 ? "no such file" : strerror(errno));
		exit(EXIT_DONE);
	}
	/* The record of replies: one responder at a time looks and adds. */
	if (mkdir(argv[4], 0700) == -1 && errno != EEXIST)
		log_die(EXIT_TEMP, "cannot make %s: %s", argv[4],
		    strerror(errno));
	if ((dfd = open(argv[4], O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    flock(dfd, LOCK_EX) == -1)
		log_die(EXIT_TEMP, "cannot open %s: %s", argv[4],
		    strerror(errno));
	if (ar_count(dfd, sender, now, period, &count) == -1)
		log_die(EXIT_TEMP, "cannot read %s: %s", argv[4],
		    strerror(errno));
	if (count >= num)
		none(sender, ar_verdict_text(AR_DONE));
	if (flag == 1 && ar_quote(&m, in.s + body, in.len - body, &quote) ==
	    -1)
		nomem();
	if (ar_build(&m, file.s, file.len, sender, str_c(&self),
	    str_c(&quote), quote.len, &reply) == -1)
		nomem();
	switch (inject(&reply, env, sender)) {
	case 0:
		break;
	case 1:
		none(sender, "qmail-inject refused the reply");
		break;
	default:
		log_die(EXIT_TEMP, "qmail-inject failed; trying again later");
	}
	if (ar_note(dfd, sender, now) == -1)
		log_warn("cannot note the reply in %s: %s", argv[4],
		    strerror(errno));
	{
		struct str s = STR_INIT(AR_ADDR_MAX * 2);

		(void)log_safe_cat(&s, sender, strlen(sender));
		log_line("autorespond: replied to <%s>", str_c(&s));
		str_free(&s);
	}
	ar_msg_free(&m);
	close(dfd);
	return EXIT_DONE;
}
