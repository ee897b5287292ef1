/*
 * qmail-todo - the ext-todo preprocessor.  Started by qmail-start as
 * qmails next to qmail-send; fd 0 reads qmail-send's bytes ('H' reread
 * locals and virtualdomains, 'X' exit), fd 1 writes NUL-terminated
 * records to qmail-send ("D<l><r><id>" a new message with local/remote
 * recipients, "L<text>" a log line), fd 2/3 talk to its own qmail-clean.
 *
 * For every todo/<id> it does what qmail-send did
 * before ext-todo: remove leftovers of an interrupted pass, create
 * info/<id> ("new msg"), copy the sender ("info msg"), rewrite each
 * recipient into local/<id> or remote/<id>; then makes all of that
 * durable, and only then asks qmail-clean to remove todo/<id> (the
 * commit point) and tells qmail-send.  Files of a whole batch are made
 * durable with one syncfs(2) of the queue filesystem instead of one
 * fsync per file and directory; the order (data, then commit) is qmail's.
 * New info/, local/ and remote/ files are spare ones from ipool/ when
 * there are any (qpool.h: qmail-send puts them there when done).
 * Trusts the control files; envelopes are parsed strictly.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "file.h"
#include "log.h"
#include "qpool.h"
#include "rewrite.h"
#include "root.h"
#include "queue.h"
#include "sendq.h"
#include "str.h"

#define BATCH		64
#define ENVELOPE_MAX	(64UL * 1024 * 1024)

struct item {
	unsigned long id;
	int	 chan[2];	/* has local, has remote recipients */
};

static struct rewrite rw;
static struct qpool ipool = QPOOL_INIT(QPOOL_IDIR);
static int	 trigger = -1;
static int	 flagexit;

static void	tlog(const char *, ...) __attribute__((__format__ (printf, 1, 2)));
static void	tsend(const void *, size_t);
static void	readcmd(int);
static int	scan(unsigned long *, size_t, size_t *);
static int	prep(unsigned long, struct item *);
static void	unlink3(unsigned long);
static int	cut(int);
static int	create(const char *, int *);
static int	appendrec(int *, int *, const char *, unsigned long, char,
		    const struct str *);
static void	clean(const struct item *, size_t, int *);
static void	trigger_open(void);

/* A record to qmail-send; on failure qmail-send is gone: exit. */
static void
tsend(const void *b, size_t n)
{
	if (file_writeall(1, b, n) == -1)
		_exit(EXIT_TEMP);
}

/* A log line through qmail-send: "L<text>\n\0". */
static void
tlog(const char *fmt, ...)
{
	struct str s = STR_INIT(8192);
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	r = str_catc(&s, 'L') == -1 ? -1 : str_vprintf(&s, fmt, ap);
	va_end(ap);
	if (r == 0 && str_catc(&s, '\n') == 0 && str_catc(&s, '\0') == 0)
		tsend(s.s, s.len);
	str_free(&s);
}

/* Commands from qmail-send; block waits for one. */
static void
readcmd(int block)
{
	struct pollfd p = { 0, POLLIN, 0 };
	char	 buf[64];
	ssize_t	 r, i;

	while (poll(&p, 1, block ? -1 : 0) > 0) {
		r = read(0, buf, sizeof(buf));
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			flagexit = 1;
			return;
		}
		for (i = 0; i < r; i++) {
			if (buf[i] == 'X')
				flagexit = 1;
			else if (buf[i] == 'H') {
				if (rewrite_load(&rw) == -1)
					tlog("qmail-todo: warning: unable to "
					    "reread controls");
			}
		}
		block = 0;
	}
}

/* Open the trigger FIFO for reading; O_RDWR keeps it from reporting
 * end of file when no writer is left (Linux). */
static void
trigger_open(void)
{
	if (trigger != -1)
		close(trigger);
	trigger = open(QUEUE_TRIGGER, O_RDWR | O_NONBLOCK | O_CLOEXEC);
}

/* Collect up to max ids from todo/.  0 or -1. */
static int
scan(unsigned long *ids, size_t max, size_t *n_r)
{
	struct dirent *de;
	DIR	*dir;
	unsigned long id;

	*n_r = 0;
	if ((dir = opendir(QUEUE_TODO)) == NULL)
		return -1;
	while (*n_r < max && (de = readdir(dir)) != NULL)
		if (sendq_parseid(de->d_name, &id) == 0)
			ids[(*n_r)++] = id;
	closedir(dir);
	return 0;
}

/* A file written from its start: cut it there.  0 or -1. */
static int
cut(int fd)
{
	off_t	 end = lseek(fd, 0, SEEK_CUR);

	return end == -1 || ftruncate(fd, end) == -1 ? -1 : 0;
}

/* Remove info/, local/, remote/ of id. */
static void
unlink3(unsigned long id)
{
	static const char *dirs[] = { "info", "local", "remote" };
	struct str p = STR_INIT(256);
	int	 i;

	for (i = 0; i < 3; i++)
		if (queue_path(&p, dirs[i], id) == 0)
			(void)unlink(p.s);
	str_free(&p);
}

/*
 * A new queue file at path: a spare one from ipool/ (its old contents
 * still there: *spare_r set, cut it once written), else created.  The
 * descriptor, or -1.
 */
static int
create(const char *path, int *spare_r)
{
	unsigned long ino;
	int	 fd;

	*spare_r = qpool_take(&ipool, path, NULL, NULL, &fd, &ino) == 1;
	if (*spare_r)
		return fd;
	return open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
}

/* Append "T<addr>\0" to local/ or remote/, creating it on first use. */
static int
appendrec(int *fd, int *spare, const char *dir, unsigned long id, char tag,
    const struct str *a)
{
	struct str p = STR_INIT(SENDQ_ADDR_MAX + 300);
	int	 r;

	if (*fd == -1) {
		if (queue_path(&p, dir, id) == -1)
			return -1;
		*fd = create(p.s, spare);
		if (*fd == -1) {
			str_free(&p);
			return -1;
		}
	}
	str_clear(&p);
	r = str_catc(&p, tag) == -1 || str_catb(&p, a->s, a->len) == -1 ||
	    str_catc(&p, '\0') == -1 ? -1 : file_writeall(*fd, p.s, p.len);
	str_free(&p);
	return r;
}

/*
 * Preprocess one message (not yet durable).  1 done, 0 skipped for now
 * (logged), -1 fatal.
 */
static int
prep(unsigned long id, struct item *it)
{
	struct str path = STR_INIT(256), env = STR_INIT(ENVELOPE_MAX);
	struct str addr = STR_INIT(SENDQ_ADDR_MAX * 4 + 2048);
	struct str safe = STR_INIT(SENDQ_ADDR_MAX * 4 + 64);
	struct str uid = STR_INIT(32), pid = STR_INIT(32);
	struct stat st;
	const char *p, *end, *z;
	int	 fdinfo = -1, fd[2] = { -1, -1 }, r, ok = 0, sawfrom = 0;
	int	 spinfo = 0, spare[2] = { 0, 0 };

	it->id = id;
	it->chan[0] = it->chan[1] = 0;
	if (queue_path(&path, "todo", id) == -1)
		goto out;
	r = file_read(path.s, &env);
	if (r != 1) {
		if (r == -1)
			tlog("qmail-todo: warning: unable to read %s",
			    path.s);
		goto out;
	}
	if (queue_path(&path, "mess", id) == -1)
		goto out;
	if (stat(path.s, &st) == -1) {
		tlog("qmail-todo: warning: unable to stat %s", path.s);
		goto out;
	}
	unlink3(id);
	if (queue_path(&path, "info", id) == -1)
		goto out;
	fdinfo = create(path.s, &spinfo);
	if (fdinfo == -1) {
		tlog("qmail-todo: warning: unable to create %s", path.s);
		goto out;
	}
	tlog("new msg %lu", id);
	p = env.s;
	end = env.s + env.len;
	while (p < end) {
		z = memchr(p, '\0', (size_t)(end - p));
		if (z == NULL)
			break;		/* a partial record: ignore it */
		switch (*p) {
		case 'u':
			if (str_copyb(&uid, p + 1, (size_t)(z - p - 1)))
				goto nomem;
			break;
		case 'p':
			if (str_copyb(&pid, p + 1, (size_t)(z - p - 1)))
				goto nomem;
			break;
		case 'F':
			if (sawfrom)
				break;
			sawfrom = 1;
			if (file_writeall(fdinfo, p, (size_t)(z - p) + 1))
				goto wfail;
			str_clear(&safe);
			if (log_safe_cat(&safe, p + 1, (size_t)(z - p - 1)))
				goto nomem;
			str_clear(&addr);
			if (log_safe_cat(&addr, pid.s, pid.len) ||
			    str_cats(&addr, " uid ") ||
			    log_safe_cat(&addr, uid.s, uid.len))
				goto nomem;
			tlog("info msg %lu: bytes %lld from <%s> qp %s",
			    id, (long long)st.st_size, str_c(&safe),
			    str_c(&addr));
			break;
		case 'T':
			r = rewrite_addr(&rw, p + 1, (size_t)(z - p - 1), &addr);
			if (r == -1)
				goto nomem;
			if (r == REWRITE_LOCAL) {
				if (appendrec(&fd[0], &spare[0], "local", id,
				    'T', &addr))
					goto wfail;
				it->chan[0] = 1;
			} else {
				if (appendrec(&fd[1], &spare[1], "remote", id,
				    'T', &addr))
					goto wfail;
				it->chan[1] = 1;
			}
			break;
		default:
			break;
		}
		p = z + 1;
	}
	if (!sawfrom) {
		/* qmail-queue always writes F: an envelope without one is
		 * damaged; leave it for a human, do not deliver a guess. */
		tlog("qmail-todo: warning: no sender in todo/%lu", id);
		goto fail;
	}
	/* Spare files: cut off what they held before. */
	if ((spinfo && cut(fdinfo) == -1) ||
	    (spare[0] && cut(fd[0]) == -1) || (spare[1] && cut(fd[1]) == -1))
		goto wfail;
	ok = 1;
	goto out;
nomem:
	tlog("qmail-todo: warning: out of memory on msg %lu", id);
	goto fail;
wfail:
	tlog("qmail-todo: warning: trouble writing files of msg %lu", id);
fail:
	ok = 0;
	unlink3(id);
out:
	if (fdinfo != -1 && close(fdinfo) == -1 && ok) {
		ok = 0;
		unlink3(id);
	}
	for (r = 0; r < 2; r++)
		if (fd[r] != -1 && close(fd[r]) == -1 && ok) {
			ok = 0;
			unlink3(id);
		}
	str_free(&path);
	str_free(&env);
	str_free(&addr);
	str_free(&safe);
	str_free(&uid);
	str_free(&pid);
	return ok;
}

/* Ask qmail-clean to remove todo/<id> for every item, all requests at
 * once (it fsyncs todo/ once for them); ok[i] says which were removed. */
static void
clean(const struct item *it, size_t n, int *ok)
{
	struct str req = STR_INIT(64 * BATCH);
	char	 ans[BATCH];
	size_t	 i, got = 0;
	ssize_t	 r;

	for (i = 0; i < n; i++)
		if (str_printf(&req, "todo/%lu", it[i].id) == -1 ||
		    str_catc(&req, '\0') == -1)
			_exit(EXIT_TEMP);
	if (file_writeall(2, req.s, req.len) == -1) {
		tlog("qmail-todo: alert: lost connection to qmail-clean");
		_exit(EXIT_TEMP);
	}
	str_free(&req);
	while (got < n) {
		r = read(3, ans + got, n - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			tlog("qmail-todo: alert: lost connection to "
			    "qmail-clean");
			_exit(EXIT_TEMP);
		}
		got += (size_t)r;
	}
	for (i = 0; i < n; i++)
		ok[i] = ans[i] == '+';
}

int
main(void)
{
	struct str q = STR_INIT(4096), rec = STR_INIT(64);
	unsigned long ids[BATCH];
	struct item items[BATCH];
	int	 cleaned[BATCH];
	struct pollfd p[2];
	size_t	 n, i, done;
	char	 buf[256];
	int	 qfd, lockfd, again, r;

	log_init("qmail-todo");
	signal(SIGPIPE, SIG_IGN);
	rewrite_init(&rw);
	if (rewrite_load(&rw) == -1) {
		tlog("qmail-todo: alert: unable to read controls");
		return EXIT_TEMP;
	}
	if (root_path(&q, ROOT_QMAIL, "queue") == -1 || chdir(q.s) == -1) {
		tlog("qmail-todo: alert: unable to chdir to the queue");
		return EXIT_TEMP;
	}
	if ((qfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return EXIT_TEMP;
	/* One qmail-todo at a time: two would remove each other's files.
	 * A restarted one waits here until the old one has gone. */
	if ((lockfd = open(QUEUE_TODO, O_RDONLY | O_DIRECTORY | O_CLOEXEC))
	    == -1 || flock(lockfd, LOCK_EX) == -1) {
		tlog("qmail-todo: alert: unable to lock todo/");
		return EXIT_TEMP;
	}
	trigger_open();
	again = 1;
	while (!flagexit) {
		if (!again) {
			p[0].fd = 0;
			p[0].events = POLLIN;
			p[1].fd = trigger;
			p[1].events = POLLIN;
			r = poll(p, trigger == -1 ? 1 : 2,
			    SENDQ_SLEEP_TODO * 1000);
			if (r > 0 && p[0].revents)
				readcmd(0);
			if (r > 0 && trigger != -1 && p[1].revents)
				while (read(trigger, buf, sizeof(buf)) > 0)
					;
			if (trigger == -1)
				trigger_open();
			if (flagexit)
				break;
		}
		again = 0;
		if (scan(ids, BATCH, &n) == -1) {
			tlog("qmail-todo: warning: unable to scan todo/");
			sleep(1);
			continue;
		}
		done = 0;
		for (i = 0; i < n && !flagexit; i++) {
			readcmd(0);
			if (prep(ids[i], &items[done]) == 1)
				done++;
		}
		if (done == 0)
			continue;
		/* The commit waits until every file of the batch and its
		 * directory entry are on disk. */
		if (syncfs(qfd) == -1) {
			tlog("qmail-todo: warning: trouble syncing the queue");
			for (i = 0; i < done; i++)
				unlink3(items[i].id);
			sleep(1);
			continue;
		}
		clean(items, done, cleaned);
		for (i = 0; i < done; i++) {
			if (!cleaned[i]) {
				tlog("qmail-todo: warning: unable to remove "
				    "todo/%lu", items[i].id);
				continue;
			}
			str_clear(&rec);
			if (str_printf(&rec, "D%d%d%lu", items[i].chan[0],
			    items[i].chan[1], items[i].id) == -1 ||
			    str_catc(&rec, '\0') == -1)
				_exit(EXIT_TEMP);
			tsend(rec.s, rec.len);
		}
		again = done > 0;
	}
	tsend("X", 2);
	return 0;
}
