/*
 * mail-traffic - count each hosted domain's mail traffic from maillog into
 * the daily statistics files dd.mm.YYYY.qml.txt (H-Sphere's mail_anlz).
 * Run from cron as root or the statistics owner; reads maillog and its
 * rotated copies (maillog.N, maillog.N.gz), control/locals,
 * control/virtualdomains and users/assign; writes only in the statistics
 * directory (the day files and its state file), each atomically.
 * Trusts the control files; the log is untrusted text (mlog.c).
 * Exit codes: 0 done, 100 usage, 111 anything else (nothing half-written),
 * also after counting what there was when the live log is missing or
 * stale (log_health): billing must not silently count nothing.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "ctl.h"
#include "err.h"
#include "file.h"
#include "log.h"
#include "mlog.h"
#include "num.h"
#include "qml.h"
#include "root.h"
#include "str.h"
#include "tacc.h"

#define STATE_MAGIC	"hsmail-mail-traffic 1\n"
#define STATE_MAX	(1024UL * 1024 * 1024)
#define IDENT_MAX	4096	/* bytes of the first line that name a file */
#define ROTATED_MAX	99
#define GZBUF		(4UL * 1024 * 1024)
/* The live log is stale when it has not grown for this long while a
 * message went through the queue more than FLOW_SLACK after its last
 * line (qmail-send logs every message it takes). */
#define STALE_AFTER	(24 * 3600)
#define FLOW_SLACK	3600

struct logfile {
	char	*path;
	int	 gz;
};

/* Where reading stopped: the file (by its first line) and the offset. */
struct pos {
	uint64_t hash;
	uint64_t idlen;
	uint64_t off;
};

static struct tacc acc;
static int	 verbose;
static uint64_t nbytes, nlines;

static void	usage(void) __attribute__((__noreturn__));
static void	die_nomem(void) __attribute__((__noreturn__));
static int	log_health(const char *, int);

static void
usage(void)
{
	fprintf(stderr, "usage: mail-traffic [-v] [-f maillog] [-d statdir] "
	    "[-s YYYY-MM-DD]\n");
	exit(EXIT_PERM);
}

static void
die_nomem(void)
{
	log_die(EXIT_TEMP, "out of memory");
}

static uint64_t
fnv(const char *p, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	while (n-- > 0) {
		h ^= (unsigned char)*p++;
		h *= 1099511628211ULL;
	}
	return h;
}

/* Hosted domains from control/locals, control/virtualdomains and
 * users/assign (alias domains point at their real domain there). */
static void
load_domains(void)
{
	struct strlist l = STRLIST_INIT;
	struct str path = STR_INIT(4096), text = STR_INIT(CTL_MAX_BYTES);
	size_t	 i;
	char	*c, *s, *e, *u;

	if (ctl_readlist("locals", &l) == -1)
		log_die(EXIT_TEMP, "unable to read control/locals: %s",
		    strerror(errno));
	if (ctl_readlist("virtualdomains", &l) == -1)
		log_die(EXIT_TEMP, "unable to read control/virtualdomains: %s",
		    strerror(errno));
	for (i = 0; i < l.n; i++) {
		if ((c = strchr(l.v[i], ':')) != NULL)
			*c = '\0';	/* virtualdomains: domain:prepend */
		if (l.v[i][0] == '\0' || l.v[i][0] == '.' ||
		    strchr(l.v[i], '@') != NULL)
			continue;	/* wildcard or single address */
		if (tacc_host(&acc, l.v[i], strlen(l.v[i]), NULL, 0) == -1 &&
		    errno == ENOMEM)
			die_nomem();
	}
	strlist_free(&l);
	if (root_path(&path, ROOT_QMAIL, "users/assign") == -1)
		die_nomem();
	switch (file_read(str_c(&path), &text)) {
	case -1:
		log_die(EXIT_TEMP, "unable to read %s: %s", str_c(&path),
		    strerror(errno));
	case 0:
		break;
	default:
		/* +<domain>-:<real domain>:uid:gid:dir:-:: */
		for (s = text.s; s < text.s + text.len; s = e + 1) {
			if ((e = memchr(s, '\n', text.len - (size_t)(s -
			    text.s))) == NULL)
				e = text.s + text.len;
			*e = '\0';
			if (s[0] != '+' || (c = strchr(s, ':')) == NULL ||
			    c - s < 3 || c[-1] != '-')
				continue;
			u = c + 1;
			c[-1] = '\0';
			if ((c = strchr(u, ':')) == NULL)
				continue;
			*c = '\0';
			if (strchr(u, '.') == NULL)
				u = s + 1;	/* a system user, not a domain */
			if (tacc_host(&acc, s + 1, strlen(s + 1), u,
			    strlen(u)) == -1 && errno == ENOMEM)
				die_nomem();
		}
	}
	str_free(&text);
	str_free(&path);
}

/* Scan and count every complete line of b[0..n); the bytes used. */
static size_t
feed(const char *b, size_t n, int final)
{
	const char *p = b, *e = b + n, *nl;
	struct mlog_ev ev;

	for (;;) {
		nl = memchr(p, '\n', (size_t)(e - p));
		if (nl == NULL) {
			if (!final || p == e)
				break;
			nl = e;		/* a rotated log's last partial line */
		}
		nlines++;
		if (mlog_scan(p, (size_t)(nl - p), &ev) != MLOG_OTHER &&
		    tacc_feed(&acc, &ev) == -1)
			die_nomem();
		if (nl == e) {
			p = e;
			break;
		}
		p = nl + 1;
	}
	nbytes += (uint64_t)(p - b);
	return (size_t)(p - b);
}

/* The identity of a log file: hash and length of its first line (read
 * from fd at offset 0, or through zlib).  A file with no complete first
 * line yet has idlen 0. */
static int
ident_fd(int fd, int gz, struct pos *id)
{
	char	 buf[IDENT_MAX];
	ssize_t	 n;
	gzFile	 g;
	char	*nl;

	id->hash = id->idlen = 0;
	if (gz) {
		if ((g = gzdopen(fd, "rb")) == NULL) {
			close(fd);
			return -1;
		}
		n = gzread(g, buf, sizeof(buf));
		gzclose(g);
	} else
		n = pread(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return errno = EIO, -1;
	if ((nl = memchr(buf, '\n', (size_t)n)) != NULL)
		n = nl + 1 - buf;
	else if ((size_t)n < sizeof(buf))
		return 0;
	id->idlen = (uint64_t)n;
	id->hash = fnv(buf, (size_t)n);
	return 0;
}

static int
ident(const struct logfile *f, struct pos *id)
{
	int	 fd, r;

	if ((fd = open(f->path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	r = ident_fd(fd, f->gz, id);	/* gz: closes fd */
	if (!f->gz)
		close(fd);
	return r;
}

/* Read a plain log from off; final: count a last unterminated line. */
static int
read_plain(const struct logfile *f, uint64_t off, int final, uint64_t *end,
    struct pos *id)
{
	struct stat st;
	int	 fd;
	char	*m;
	uint64_t base;
	size_t	 len;

	if ((fd = open(f->path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || ident_fd(fd, 0, id) == -1) {
		int	 e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	*end = off;
	if ((uint64_t)st.st_size < off) {
		log_warn("%s is shorter than where the last run stopped; "
		    "nothing read", f->path);
		*end = (uint64_t)st.st_size;
		close(fd);
		return 0;
	}
	if ((uint64_t)st.st_size == off) {
		close(fd);
		return 0;
	}
	base = off & ~(uint64_t)(sysconf(_SC_PAGESIZE) - 1);
	len = (size_t)((uint64_t)st.st_size - base);
	m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, (off_t)base);
	close(fd);
	if (m == MAP_FAILED)
		return -1;
	(void)madvise(m, len, MADV_SEQUENTIAL);
	*end = off + feed(m + (off - base), len - (size_t)(off - base), final);
	munmap(m, len);
	return 0;
}

/* Read a gzipped rotated log from the uncompressed offset off. */
static int
read_gz(const struct logfile *f, uint64_t off, uint64_t *end)
{
	gzFile	 gz;
	char	*buf;
	size_t	 have = 0, used;
	int	 n, fd;
	uint64_t pos = 0, skip = off;

	if ((fd = open(f->path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if ((gz = gzdopen(fd, "rb")) == NULL) {
		close(fd);
		return -1;
	}
	if ((buf = malloc(GZBUF)) == NULL)
		die_nomem();
	gzbuffer(gz, 256 * 1024);
	for (;;) {
		n = gzread(gz, buf + have, (unsigned)(GZBUF - have));
		if (n < 0) {
			log_warn("%s: %s", f->path, gzerror(gz, &n));
			break;	/* damaged: what was read is counted */
		}
		if (n == 0)
			break;
		have += (size_t)n;
		if (skip > 0) {
			used = skip < have ? (size_t)skip : have;
			skip -= used;
			pos += used;
			memmove(buf, buf + used, have - used);
			have -= used;
			continue;
		}
		used = feed(buf, have, 0);
		if (used == 0 && have == GZBUF)
			used = feed(buf, have, 1);	/* absurd line */
		pos += used;
		memmove(buf, buf + used, have - used);
		have -= used;
	}
	if (skip == 0)
		pos += feed(buf, have, 1);
	gzclose(gz);
	free(buf);
	*end = pos;
	return 0;
}

/* The live log and its rotated copies, oldest first.  Returns count. */
static size_t
list_logs(const char *live, struct logfile *v)
{
	struct str p = STR_INIT(8192);
	size_t	 n = 0;
	int	 i, gz;

	for (i = ROTATED_MAX; i >= 1; i--) {
		for (gz = 0; gz <= 1; gz++) {
			str_clear(&p);
			if (str_printf(&p, "%s.%d%s", live, i,
			    gz ? ".gz" : "") == -1)
				die_nomem();
			if (access(str_c(&p), R_OK) != 0)
				continue;
			if ((v[n].path = strdup(str_c(&p))) == NULL)
				die_nomem();
			v[n++].gz = gz;
			break;
		}
	}
	if ((v[n].path = strdup(live)) == NULL)
		die_nomem();
	v[n++].gz = 0;
	str_free(&p);
	return n;
}

static int
load_state(const char *path, struct pos *pos)
{
	struct str s = STR_INIT(STATE_MAX);
	const char *p, *nl;
	unsigned long v[3];
	char	 w[4][32];
	size_t	 m = sizeof(STATE_MAGIC) - 1;
	int	 r;

	if ((r = file_read(path, &s)) <= 0) {
		str_free(&s);
		return r;
	}
	p = s.s + m;
	if (s.len < m + 8 || memcmp(s.s, STATE_MAGIC, m) != 0 ||
	    memcmp(s.s + s.len - 4, "end\n", 4) != 0 ||
	    (nl = memchr(p, '\n', s.len - m)) == NULL || nl - p > 100)
		goto bad;
	if (sscanf(p, "pos %31s %31s %31s%c", w[0], w[1], w[2], w[3]) != 4 ||
	    num_parses(w[0], ULONG_MAX, &v[0]) == -1 ||
	    num_parses(w[1], ULONG_MAX, &v[1]) == -1 ||
	    num_parses(w[2], ULONG_MAX, &v[2]) == -1)
		goto bad;
	pos->hash = v[0];
	pos->idlen = v[1];
	pos->off = v[2];
	p = nl + 1;
	if (tacc_load(&acc, p, (size_t)(s.s + s.len - 4 - p)) == -1) {
		if (errno == ENOMEM)
			die_nomem();
		goto bad;
	}
	str_free(&s);
	return 1;
bad:
	log_die(EXIT_TEMP, "%s is damaged; not guessing (move it away to "
	    "start over)", path);
}

static void
save_state(const char *path, const struct pos *pos)
{
	struct str s = STR_INIT(STATE_MAX);

	if (str_cats(&s, STATE_MAGIC) == -1 ||
	    str_printf(&s, "pos %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
	    pos->hash, pos->idlen, pos->off) == -1 ||
	    tacc_save(&acc, &s) == -1 || str_cats(&s, "end\n") == -1)
		die_nomem();
	if (file_replace(path, s.s, s.len, 0644) == -1)
		log_die(EXIT_TEMP, "unable to write %s: %s", path,
		    strerror(errno));
	str_free(&s);
}

/* Write every day file whose numbers changed. */
static void
write_days(const char *statdir)
{
	struct str text = STR_INIT(STR_UNBOUNDED), path = STR_INIT(8192);
	size_t	 i;
	struct tacc_day *d;

	for (i = 0; i < acc.ndays; i++) {
		d = &acc.days[i];
		if (!d->dirty)
			continue;
		str_clear(&text);
		str_clear(&path);
		if (tacc_day_text(&acc, d, &text) == -1 ||
		    str_printf(&path, "%s/%02d.%02d.%04d.qml.txt", statdir,
		    d->ymd % 100, d->ymd / 100 % 100, d->ymd / 10000) == -1)
			die_nomem();
		if (file_replace(str_c(&path), text.s, text.len, 0644) == -1)
			log_die(EXIT_TEMP, "unable to write %s: %s",
			    str_c(&path), strerror(errno));
		if (verbose)
			log_line("mail-traffic: wrote %s", str_c(&path));
		d->dirty = 0;
	}
	str_free(&text);
	str_free(&path);
}

/* A time for a warning: "2027-01-02 03:04". */
static const char *
when(time_t t, char *buf, size_t n)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, n, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(buf, n, "%lld", (long long)t);
	return buf;
}

/*
 * Traffic must not be counted as nothing without a word: the live log
 * missing, or (the box's own log, not one named with -f) not grown for
 * a day while the queue took mail after its last line, is said and
 * makes the run fail.  0 fine, -1 warned.
 */
static int
log_health(const char *live, int named)
{
	struct str todo = STR_INIT(4096);
	struct stat lst, qst;
	char	 a[64], b[64];
	int	 r = 0;

	if (stat(live, &lst) == -1) {
		log_warn("%s is missing: nothing of the mail since it went "
		    "is counted; is syslog writing it? (hsmail-log(5))", live);
		return -1;
	}
	if (named || time(NULL) - lst.st_mtime <= STALE_AFTER)
		return 0;
	if (root_path(&todo, ROOT_QMAIL, "queue/todo") == 0 &&
	    stat(todo.s, &qst) == 0 &&
	    qst.st_mtime > lst.st_mtime + FLOW_SLACK) {
		log_warn("%s has not grown since %s, but the queue took mail "
		    "at %s: that mail is not counted; is syslog writing it? "
		    "(hsmail-log(5))", live, when(lst.st_mtime, a, sizeof(a)),
		    when(qst.st_mtime, b, sizeof(b)));
		r = -1;
	}
	str_free(&todo);
	return r;
}

int
main(int argc, char **argv)
{
	struct str live = STR_INIT(4096), statdir = STR_INIT(4096);
	struct str state = STR_INIT(8192), lock = STR_INIT(8192);
	struct logfile files[2 * ROTATED_MAX + 2];
	struct pos pos = { 0, 0, 0 }, id;
	size_t	 nf, i, start = 0;
	uint64_t off = 0, end = 0;
	int	 c, lfd, have, named = 0, healthy, start_ymd = 0;
	unsigned y, m, d;
	char	 extra;

	log_init("mail-traffic");
	while ((c = getopt(argc, argv, "vf:d:s:")) != -1) {
		switch (c) {
		case 'v':
			verbose = 1;
			break;
		case 'f':
			if (str_copys(&live, optarg) == -1)
				usage();
			named = 1;
			break;
		case 'd':
			if (str_copys(&statdir, optarg) == -1)
				usage();
			break;
		case 's':
			/* Count from this day on: a box taking over from a
			 * job that counted the days before (doc/MIGRATION). */
			if (sscanf(optarg, "%4u-%2u-%2u%c", &y, &m, &d,
			    &extra) != 3 || y < 1970 || m < 1 || m > 12 ||
			    d < 1 || d > 31)
				usage();
			start_ymd = (int)(y * 10000 + m * 100 + d);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if ((live.len == 0 && root_path(&live, ROOT_LOG, "maillog") == -1) ||
	    (statdir.len == 0 && root_path(&statdir, ROOT_STATISTIC, "") == -1))
		die_nomem();
	while (statdir.len > 1 && statdir.s[statdir.len - 1] == '/')
		str_truncate(&statdir, statdir.len - 1);
	if (str_printf(&state, "%s/.mail-traffic.state", str_c(&statdir)))
		die_nomem();
	if ((lfd = qml_lock(str_c(&statdir), &lock)) == -1)
		log_die(EXIT_TEMP, "unable to lock %s: %s", str_c(&lock),
		    strerror(errno));

	tacc_init(&acc);
	load_domains();
	have = load_state(str_c(&state), &pos);
	if (have == -1)
		log_die(EXIT_TEMP, "unable to read %s: %s", str_c(&state),
		    strerror(errno));
	if (have == 0)
		acc.ref = (int64_t)time(NULL);
	if (start_ymd > acc.closed)
		acc.closed = start_ymd;

	nf = list_logs(str_c(&live), files);
	if (access(files[nf - 1].path, F_OK) != 0 && errno == ENOENT)
		nf--;	/* no live log (yet): the rotated ones, if any */
	if (have && pos.idlen > 0) {
		/* Find the file the last run stopped in, newest first. */
		for (i = nf; i-- > 0;) {
			if (ident(&files[i], &id) == -1)
				log_die(EXIT_TEMP, "unable to read %s: %s",
				    files[i].path, strerror(errno));
			if (id.idlen == pos.idlen && id.hash == pos.hash)
				break;
		}
		if (i == (size_t)-1 || nf == 0)
			log_warn("the log read last time is gone; reading "
			    "every log there is");
		else {
			start = i;
			off = pos.off;
		}
	}

	/*
	 * Remember the newest file with a complete first line and where
	 * reading stopped in it.  A live log still empty (just rotated) is
	 * not remembered: the rotated file it follows is, read to its end,
	 * so the next run starts after it and never reads it again.
	 */
	if (start >= nf)
		pos.hash = pos.idlen = pos.off = 0;
	for (i = start; i < nf; i++) {
		int	 last = i + 1 == nf;
		int	 r = files[i].gz ? read_gz(&files[i], off, &end) :
		    read_plain(&files[i], off, !last, &end, &id);

		if (r == -1 || (files[i].gz && ident(&files[i], &id) == -1))
			log_die(EXIT_TEMP, "unable to read %s: %s",
			    files[i].path, strerror(errno));
		if (verbose)
			log_line("mail-traffic: %s from %" PRIu64 " to %"
			    PRIu64, files[i].path, off, end);
		if (id.idlen > 0) {
			pos = id;
			pos.off = end;
		}
		off = 0;
	}
	if (acc.nlate > 0 && start_ymd == 0)
		log_warn("%" PRIu64 " deliveries for days closed more than %d "
		    "days ago were not counted", acc.nlate, TACC_KEEP_DAYS);
	write_days(str_c(&statdir));
	tacc_prune(&acc);
	save_state(str_c(&state), &pos);
	healthy = log_health(str_c(&live), named) == 0;
	if (verbose)
		log_line("mail-traffic: %" PRIu64 " lines, %" PRIu64 " bytes",
		    nlines, nbytes);
	for (i = 0; i < nf; i++)
		free(files[i].path);
	tacc_free(&acc);
	str_free(&live);
	str_free(&statdir);
	str_free(&state);
	str_free(&lock);
	close(lfd);
	return healthy ? EXIT_DONE : EXIT_TEMP;
}
