/*
 * qmail-clean - remove queue files on request of qmail-send or
 * qmail-todo.  Runs as qmailq (the owner of mess/ and todo/), started by
 * qmail-start; reads NUL-terminated requests on fd 0, answers one byte
 * each on fd 1:
 *   "foop/<id>"  remove intd/<id> and mess/<split>/<id>
 *   "todo/<id>"  remove intd/<id> and todo/<id>, then fsync todo/: this
 *                removal is the commit point of preprocessing and must
 *                be durable before the answer.  Requests that arrive
 *                together share one fsync of todo/.
 * Answers '+' done, '!' an unlink failed, 'x' malformed request.  Every
 * 30 requests it removes pid/ files older than 36 hours.  The message
 * file and the envelope (todo/<id>, whose other name intd/<id> goes
 * first) are not removed but put in pool/ as spare files for qmail-queue
 * (qpool.h), up to QPOOL_MAX of them.  Trusts its
 * requests only to be bytes: ids are checked to be decimal.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "file.h"
#include "log.h"
#include "qpool.h"
#include "root.h"
#include "queue.h"
#include "sendq.h"
#include "str.h"

static size_t	 spares;		/* files in pool/, as counted */

static int	clean_unlink(const char *);
static int	clean_recycle(const char *);
static char	clean_do(const char *, size_t, int *);
static void	clean_pid(void);

/* unlink; a missing file is fine.  0 or -1. */
static int
clean_unlink(const char *path)
{
	return unlink(path) == -1 && errno != ENOENT ? -1 : 0;
}

/* Put path in the pool, or remove it; a missing file is fine.  0 or -1. */
static int
clean_recycle(const char *path)
{
	return qpool_put(QPOOL_DIR, path, &spares) == -1 && errno != ENOENT ? -1 : 0;
}

/* Carry out one request; the answer byte. */
static char
clean_do(const char *req, size_t n, int *todo_r)
{
	struct str p = STR_INIT(256);
	unsigned long id;
	char	 ans = '+';
	int	 todo;

	if (n > 5 && memcmp(req, "foop/", 5) == 0)
		todo = 0;
	else if (n > 5 && memcmp(req, "todo/", 5) == 0)
		todo = 1;
	else
		return 'x';
	if (memchr(req, '\0', n) != NULL || sendq_parseid(req + 5, &id) == -1)
		return 'x';
	if (queue_path(&p, QUEUE_INTD, id) == -1 || clean_unlink(p.s) == -1)
		ans = '!';
	if (!todo) {
		if (queue_path(&p, QUEUE_MESS, id) == -1 ||
		    clean_recycle(p.s) == -1)
			ans = '!';
	} else if (queue_path(&p, QUEUE_TODO, id) == -1)
		ans = '!';
	else if (qpool_put(QPOOL_DIR, p.s, &spares) == 0)
		*todo_r = 1;		/* the caller fsyncs todo/ */
	else if (errno != ENOENT)
		ans = '!';
	str_free(&p);
	return ans;
}

/* Remove pid/ leftovers of qmail-queue runs that died long ago. */
static void
clean_pid(void)
{
	struct str p = STR_INIT(512);
	struct dirent *de;
	struct stat st;
	DIR	*d;
	time_t	 now = time(NULL);

	if ((d = opendir("pid")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		str_clear(&p);
		if (str_printf(&p, "pid/%s", de->d_name) == -1)
			continue;
		if (stat(p.s, &st) == 0 && st.st_atime + QUEUE_OSSIFIED < now)
			(void)unlink(p.s);
	}
	closedir(d);
	str_free(&p);
}

int
main(void)
{
	struct str q = STR_INIT(256);
	char	 buf[1024], ans[1024];
	int	 istodo[1024];
	ssize_t	 r, i;
	size_t	 na, k;
	int	 count = 0, toolong = 0, sync;

	log_init("qmail-clean");
	signal(SIGPIPE, SIG_IGN);
	if (root_path(&q, ROOT_QMAIL, "queue") == -1 || chdir(q.s) == -1)
		log_die(EXIT_TEMP, "unable to chdir to the queue");
	str_clear(&q);
	spares = qpool_count(QPOOL_DIR);
	for (;;) {
		r = read(0, buf, sizeof(buf));
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		na = 0;
		sync = 0;
		for (i = 0; i < r; i++) {
			if (buf[i] != '\0') {
				if (str_catc(&q, buf[i]) == -1)
					toolong = 1;
				continue;
			}
			istodo[na] = 0;
			ans[na] = toolong ? 'x' : clean_do(q.s != NULL ? q.s :
			    "", q.len, &istodo[na]);
			sync |= istodo[na];
			na++;
			str_clear(&q);
			toolong = 0;
			if (++count % 30 == 0) {
				clean_pid();
				spares = qpool_count(QPOOL_DIR);
			}
		}
		/* One fsync of todo/ covers every removal of this read. */
		if (sync && file_fsync_dir(QUEUE_TODO) == -1)
			for (k = 0; k < na; k++)
				if (istodo[k])
					ans[k] = '!';
		if (na > 0 && file_writeall(1, ans, na) == -1)
			return 0;
	}
}
