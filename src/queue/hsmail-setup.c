/*
 * hsmail-setup - create (or repair) the directory tree of an hsmail
 * instance or install: qmail/{bin,control,users,queue/...}, vpopmail/,
 * statistic/loaded, log.  Run by the tests, `make run`, `make install` and
 * the administrator.  Idempotent: existing files are kept, modes and
 * owners are set again.  Trusts its command line only.  Modes and owners
 * follow qmail's install (hier.c); owners are set only when run as root
 * and the qmail users exist, otherwise everything belongs to the caller.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "file.h"
#include "log.h"
#include "queue.h"
#include "root.h"
#include "str.h"

struct ids {
	int	 chown;		/* 1: set owners below */
	uid_t	 root, q, s, r, v;
	gid_t	 gq, gv;	/* groups qmail and vchkpw */
};

static struct ids ids;
static struct str path = STR_INIT(4096);

static void	usage(void) __attribute__((__noreturn__));
static void	ids_load(void);
static void	setpath(const char *, const char *);
static void	fix(const char *, int, uid_t, gid_t, mode_t);
static void	dir(const char *, const char *, uid_t, gid_t, mode_t);
static void	dsplit(const char *, const char *, uid_t, mode_t);
static void	zfile(const char *, const char *, size_t, uid_t, gid_t, mode_t);
static void	fifo(const char *, const char *, uid_t, gid_t, mode_t);
static void	me(const char *, const char *);

static void
usage(void)
{
	fprintf(stderr, "usage: hsmail-setup [-m me] [-q qmaildir] "
	    "[-v vpopmaildir] [-s statisticdir] [-l logdir] [root]\n");
	exit(EXIT_PERM);
}

/* Owners: the qmail users when root and they all exist, else the caller. */
static void
ids_load(void)
{
	struct passwd *pw;
	struct group *gr;
	uid_t	 q, s, r;

	ids.root = ids.q = ids.s = ids.r = ids.v = geteuid();
	ids.gq = ids.gv = getegid();
	if (geteuid() != 0)
		return;
	/* getpwnam's answer is overwritten by the next call: copy each. */
	if ((pw = getpwnam("qmailq")) == NULL)
		return;
	q = pw->pw_uid;
	if ((pw = getpwnam("qmails")) == NULL)
		return;
	s = pw->pw_uid;
	if ((pw = getpwnam("qmailr")) == NULL)
		return;
	r = pw->pw_uid;
	if ((gr = getgrnam("qmail")) == NULL)
		return;
	ids.chown = 1;
	ids.root = 0;
	ids.q = q;
	ids.s = s;
	ids.r = r;
	ids.gq = gr->gr_gid;
	pw = getpwnam("vpopmail");
	ids.v = pw != NULL ? pw->pw_uid : 0;
	gr = getgrnam("vchkpw");
	ids.gv = gr != NULL ? gr->gr_gid : 0;
}

static void
setpath(const char *base, const char *rel)
{
	if (str_copys(&path, base) == -1 ||
	    (*rel != '\0' && (str_catc(&path, '/') == -1 ||
	    str_cats(&path, rel) == -1)))
		log_die(EXIT_TEMP, "path too long: %s/%s", base, rel);
}

/* Set mode and (as root with the qmail users) owner of path. */
static void
fix(const char *what, int follow, uid_t uid, gid_t gid, mode_t mode)
{
	struct stat st;

	/* The tree itself may be a symlink (H-Sphere links
	 * /hsphere/local/var/qmail to /var/qmail); nothing inside it. */
	if ((follow ? stat(path.s, &st) : lstat(path.s, &st)) == -1)
		log_die(EXIT_TEMP, "unable to stat %s: %s", what,
		    strerror(errno));
	if (S_ISLNK(st.st_mode))
		log_die(EXIT_TEMP, "refusing symlink %s", what);
	if (ids.chown && (st.st_uid != uid || st.st_gid != gid) &&
	    (follow ? chown(path.s, uid, gid) : lchown(path.s, uid, gid)) == -1)
		log_die(EXIT_TEMP, "unable to chown %s: %s", what,
		    strerror(errno));
	if ((st.st_mode & 07777) != mode && chmod(path.s, mode) == -1)
		log_die(EXIT_TEMP, "unable to chmod %s: %s", what,
		    strerror(errno));
}

static void
dir(const char *base, const char *rel, uid_t uid, gid_t gid, mode_t mode)
{
	setpath(base, rel);
	if (file_mkdirs(path.s, 0755) == -1)
		log_die(EXIT_TEMP, "unable to create %s: %s", path.s,
		    strerror(errno));
	fix(path.s, *rel == '\0', uid, gid, mode);
}

/* A split directory and its QUEUE_SPLIT subdirectories. */
static void
dsplit(const char *base, const char *rel, uid_t uid, mode_t mode)
{
	struct str sub = STR_INIT(4096);
	unsigned i;

	dir(base, rel, uid, ids.gq, mode);
	for (i = 0; i < QUEUE_SPLIT; i++) {
		str_clear(&sub);
		if (str_printf(&sub, "%s/%u", rel, i) == -1)
			log_die(EXIT_TEMP, "out of memory");
		dir(base, sub.s, uid, ids.gq, mode);
	}
	str_free(&sub);
}

/* A file of n zero bytes, created if missing (its content is kept). */
static void
zfile(const char *base, const char *rel, size_t n, uid_t uid, gid_t gid,
    mode_t mode)
{
	char	 zero[QUEUE_TCPTO_SIZE];
	int	 fd;

	setpath(base, rel);
	fd = open(path.s, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd == -1 && errno != EEXIST)
		log_die(EXIT_TEMP, "unable to create %s: %s", path.s,
		    strerror(errno));
	if (fd != -1) {
		memset(zero, 0, sizeof(zero));
		if (n > sizeof(zero) || file_writeall(fd, zero, n) == -1 ||
		    fsync(fd) == -1 || close(fd) == -1)
			log_die(EXIT_TEMP, "unable to write %s: %s", path.s,
			    strerror(errno));
	}
	fix(path.s, 0, uid, gid, mode);
}

static void
fifo(const char *base, const char *rel, uid_t uid, gid_t gid, mode_t mode)
{
	struct stat st;

	setpath(base, rel);
	if (mkfifo(path.s, mode) == -1 && errno != EEXIST)
		log_die(EXIT_TEMP, "unable to mkfifo %s: %s", path.s,
		    strerror(errno));
	if (lstat(path.s, &st) == -1 || !S_ISFIFO(st.st_mode))
		log_die(EXIT_TEMP, "%s exists and is not a FIFO", path.s);
	fix(path.s, 0, uid, gid, mode);
}

/* control/me, only if missing. */
static void
me(const char *qmail, const char *name)
{
	struct str text = STR_INIT(1024);
	struct stat st;

	setpath(qmail, "control/me");
	if (stat(path.s, &st) == 0)
		return;
	if (str_printf(&text, "%s\n", name) == -1 ||
	    file_replace(path.s, text.s, text.len, 0644) == -1)
		log_die(EXIT_TEMP, "unable to write %s: %s", path.s,
		    strerror(errno));
	fix(path.s, 0, ids.root, ids.gq, 0644);
	str_free(&text);
}

int
main(int argc, char **argv)
{
	struct str d[4] = {
		STR_INIT(4096), STR_INIT(4096), STR_INIT(4096), STR_INIT(4096)
	};
	const char *sub[4] = { "qmail", "vpopmail", "statistic", "log" };
	const char *mename = NULL, *q, *v, *s;
	int	 c, i;

	log_init("hsmail-setup");
	for (i = 0; i < 4; i++)
		if (str_copys(&d[i], root_dir((enum root_tree)i)) == -1)
			log_die(EXIT_TEMP, "out of memory");
	while ((c = getopt(argc, argv, "m:q:v:s:l:")) != -1) {
		switch (c) {
		case 'm':
			mename = optarg;
			break;
		case 'q':
		case 'v':
		case 's':
		case 'l':
			i = c == 'q' ? 0 : c == 'v' ? 1 : c == 's' ? 2 : 3;
			if (str_copys(&d[i], optarg) == -1)
				usage();
			break;
		default:
			usage();
		}
	}
	if (argc - optind > 1)
		usage();
	if (argc - optind == 1)
		for (i = 0; i < 4; i++)
{
			str_clear(&d[i]);
			if (str_printf(&d[i], "%s/%s", argv[optind],
			    sub[i]) == -1)
				usage();
		}
	if (mename != NULL && (*mename == '\0' || strchr(mename, '\n')))
		usage();
	ids_load();
	umask(022);

	q = d[0].s;
	dir(q, "", ids.root, ids.gq, 0755);
	dir(q, "bin", ids.root, ids.gq, 0755);
	dir(q, "control", ids.root, ids.gq, 0755);
	dir(q, "users", ids.root, ids.gq, 0755);
	dir(q, "queue", ids.q, ids.gq, 0750);
	dir(q, "queue/pid", ids.q, ids.gq, 0700);
	dir(q, "queue/pool", ids.q, ids.gq, 0700);
	dir(q, "queue/intd", ids.q, ids.gq, 0700);
	dir(q, "queue/todo", ids.q, ids.gq, 0750);
	dir(q, "queue/bounce", ids.s, ids.gq, 0700);
	dir(q, "queue/ipool", ids.s, ids.gq, 0700);
	dsplit(q, "queue/mess", ids.q, 0750);
	dsplit(q, "queue/info", ids.s, 0700);
	dsplit(q, "queue/local", ids.s, 0700);
	dsplit(q, "queue/remote", ids.s, 0700);
	dir(q, "queue/lock", ids.q, ids.gq, 0750);
	zfile(q, "queue/" QUEUE_TCPTO, QUEUE_TCPTO_SIZE, ids.r, ids.gq, 0644);
	zfile(q, "queue/" QUEUE_SENDMUTEX, 0, ids.s, ids.gq, 0600);
	fifo(q, "queue/" QUEUE_TRIGGER, ids.s, ids.gq, 0622);
	if (mename != NULL)
		me(q, mename);

	v = d[1].s;
	dir(v, "", ids.v, ids.gv, 0755);
	dir(v, "bin", ids.v, ids.gv, 0755);
	dir(v, "domains", ids.v, ids.gv, 0700);
	dir(v, "etc", ids.v, ids.gv, 0755);

	s = d[2].s;
	dir(s, "", ids.root, ids.gq, 0755);
	dir(s, "loaded", ids.root, ids.gq, 0755);
	/* The log directory may be the system's /var/log: create it if
	 * missing, never change it. */
	if (file_mkdirs(d[3].s, 0755) == -1)
		log_die(EXIT_TEMP, "unable to create %s: %s", d[3].s,
		    strerror(errno));

	for (i = 0; i < 4; i++)
		str_free(&d[i]);
	str_free(&path);
	return EXIT_DONE;
}
