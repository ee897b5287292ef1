/*
 * splogger - log the lines read on standard input: `splogger [-f file] tag
 * [facility]`.  Started at the end of a pipe by qmail/rc or the tcpserver
 * run lines, as any user.  Each line goes to syslog (facility number
 * shifted left 3 bits, default 2 = mail) as qmail's splogger sends it;
 * with -f, with $MAILLOG naming a file (an install without a syslog
 * daemon that writes maillog), or in an instance (HSMAIL_ROOT set), it is
 * appended instead to that file (default $HSMAIL_ROOT/log/maillog) with a
 * syslog-style header,
 * each line in one write(2) on an O_APPEND descriptor so that concurrent
 * sploggers never interleave.  Trusts nothing it reads.  Exit 0 at end of
 * input, 100 usage, 111 the log file cannot be opened.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "num.h"
#include "root.h"
#include "splog.h"
#include "str.h"

struct out {
	const char *path;	/* NULL: syslog */
	const char *tag;
	int	 fd;
	int	 warned;
	char	 host[256];
	struct str line;
};

static void	emit(void *, int, const char *, size_t);
static int	logopen(struct out *);
static void	usage(void) __attribute__((__noreturn__));

static void
usage(void)
{
	log_die(EXIT_PERM, "usage: splogger [ -f file ] tag [ facility ]");
}

/* Open (or reopen after rotation) the log file.  0 or -1. */
static int
logopen(struct out *o)
{
	struct stat a, b;

	if (o->fd != -1) {
		/* Still the file at path?  Else it was rotated: reopen. */
		if (stat(o->path, &a) == 0 && fstat(o->fd, &b) == 0 &&
		    a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			return 0;
		close(o->fd);
	}
	o->fd = open(o->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0640);
	return o->fd == -1 ? -1 : 0;
}

/* Send one stamped piece to syslog or the file. */
static void
emit(void *arg, int priority, const char *msg, size_t len)
{
	struct out *o = arg;
	char	 date[32];
	time_t	 now;
	struct tm tm;

	if (o->path == NULL) {
		syslog(priority, "%.*s", (int)len, msg);
		return;
	}
	now = time(NULL);
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(date, sizeof(date), "%b %e %H:%M:%S", &tm) == 0)
		snprintf(date, sizeof(date), "%ld", (long)now);
	str_clear(&o->line);
	if (str_printf(&o->line, "%s %s %s: %.*s\n", date, o->host, o->tag,
	    (int)len, msg) == -1)
		return;
	/* The log must not lose lines: wait out a full disk or a missing
	 * directory, as multilog does, blocking the writer meanwhile. */
	for (;;) {
		if (logopen(o) == 0 &&
		    write(o->fd, o->line.s, o->line.len) == (ssize_t)o->line.len)
			return;
		if (!o->warned)
			log_warn("unable to append to %s: %s; pausing",
			    o->path, strerror(errno));
		o->warned = 1;
		sleep(1);
	}
}

int
main(int argc, char **argv)
{
	struct out o = { NULL, NULL, -1, 0, "", STR_INIT(4096) };
	struct str path = STR_INIT(4096);
	struct splog sp;
	unsigned long fac = LOG_MAIL >> 3;
	char	 buf[8192], *dot, *e;
	ssize_t	 n;
	int	 c;

	log_init("splogger");
	while ((c = getopt(argc, argv, "+f:")) != -1) {
		if (c != 'f')
			usage();
		o.path = optarg;
	}
	argv += optind;
	argc -= optind;
	o.tag = argc > 0 ? argv[0] : "splogger";
	if (argc > 1 && num_parses(argv[1], 23, &fac) == -1)
		usage();
	/* MAILLOG: the qmaild init script's setting, for every splogger of
	 * the box at once (an absolute path; "syslog" or empty: syslog). */
	if (o.path == NULL && (e = secure_getenv("MAILLOG")) != NULL &&
	    e[0] == '/')
		o.path = e;
	if (o.path == NULL && root_is_instance()) {
		if (root_path(&path, ROOT_LOG, "maillog") == -1)
			log_die(EXIT_TEMP, "out of memory");
		o.path = path.s;
	}
	if (o.path != NULL) {
		if (gethostname(o.host, sizeof(o.host) - 1) == -1)
			snprintf(o.host, sizeof(o.host), "localhost");
		if ((dot = strchr(o.host, '.')) != NULL)
			*dot = '\0';
		if (logopen(&o) == -1)
			log_die(EXIT_TEMP, "unable to open %s: %s", o.path,
			    strerror(errno));
	} else
		openlog(o.tag, 0, (int)(fac << 3));
	splog_init(&sp, emit, &o);
	for (;;) {
		n = read(0, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		splog_feed(&sp, buf, (size_t)n);
	}
	splog_end(&sp);
	str_free(&o.line);
	str_free(&path);
	return EXIT_DONE;
}
