/*
 * qmail-qread - list the messages in the queue with their recipients, in
 * qmail-qread's format.  Run by the administrator.  Queue files are read
 * with the bounded record reader; unprintable bytes are shown as '_'.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "date.h"
#include "err.h"
#include "log.h"
#include "num.h"
#include "queue.h"
#include "root.h"

static void	out(const char *, size_t);
static int	cmp_ul(const void *, const void *);
static void	one(unsigned long);

/* Print bytes, unprintable ones as '_'. */
static void
out(const char *s, size_t n)
{
	for (; n > 0; s++, n--)
		putchar(*s >= 32 && *s <= 126 ? *s : '_');
}

static int
cmp_ul(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

static void
one(unsigned long id)
{
	struct str fn = STR_INIT(256), rec = STR_INIT(STR_UNBOUNDED);
	struct str line = STR_INIT(STR_UNBOUNDED);
	struct queue_rd rd;
	struct stat st;
	struct tm tm;
	off_t	 size;
	time_t	 t;
	int	 fd, bouncing, ch;

	if (queue_path(&fn, QUEUE_MESS, id) == -1 || stat(fn.s, &st) == -1)
		goto trouble;
	size = st.st_size;
	if (queue_path(&fn, QUEUE_BOUNCE, id) == -1)
		goto trouble;
	bouncing = stat(fn.s, &st) == 0;
	if (queue_path(&fn, QUEUE_INFO, id) == -1)
		goto trouble;
	fd = open(fn.s, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		goto trouble;
	queue_rd_fd(&rd, fd);
	if (fstat(fd, &st) == -1 || queue_rd_rec(&rd, &rec) != 1 ||
	    rec.len == 0 || rec.s[0] != 'F') {
		close(fd);
		goto trouble;
	}
	close(fd);
	t = st.st_mtime;
	if (gmtime_r(&t, &tm) == NULL)
		goto trouble;
	if (str_printf(&line, "%d %s %d %02d:%02d:%02d GMT  #%lu  %lld  <",
	    tm.tm_mday, date_month_name(tm.tm_mon + 1), tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, id, (long long)size) == -1 ||
	    str_catb(&line, rec.s + 1, rec.len - 1) == -1 ||
	    str_cats(&line, bouncing ? ">  bouncing" : "> ") == -1)
		goto trouble;
	out(line.s, line.len);
	putchar('\n');
	for (ch = 0; ch < 2; ch++) {
		if (queue_path(&fn, ch ? QUEUE_REMOTE : QUEUE_LOCAL, id) == -1)
			goto trouble;
		fd = open(fn.s, O_RDONLY | O_CLOEXEC);
		if (fd == -1) {
			if (errno != ENOENT)
				goto trouble;
			continue;
		}
		queue_rd_fd(&rd, fd);
		while (queue_rd_rec(&rd, &rec) == 1) {
			if (rec.len == 0 ||
			    (rec.s[0] != 'T' && rec.s[0] != 'D'))
				continue;
			if (rec.s[0] == 'D')
				fputs("  done", stdout);
			fputs(ch ? "\tremote\t" : "\tlocal\t", stdout);
			out(rec.s + 1, rec.len - 1);
			putchar('\n');
		}
		close(fd);
	}
	goto done;
trouble:
	printf("warning: trouble with #%lu: %s\n", id, strerror(errno));
done:
	str_free(&fn);
	str_free(&rec);
	str_free(&line);
}

int
main(void)
{
	unsigned long *ids = NULL, id, *nids;
	size_t	 n = 0, cap = 0, i;
	struct dirent *d;
	char	 dir[64];
	DIR	*dp;
	int	 s;

	log_init("qmail-qread");
	if (chdir(root_dir(ROOT_QMAIL)) == -1 || chdir("queue") == -1) {
		printf("fatal: unable to chdir: %s\n", strerror(errno));
		return EXIT_TEMP;
	}
	for (s = 0; s < QUEUE_SPLIT; s++) {
		snprintf(dir, sizeof(dir), "%s/%d", QUEUE_INFO, s);
		dp = opendir(dir);
		if (dp == NULL) {
			printf("fatal: unable to opendir %s: %s\n", dir,
			    strerror(errno));
			return EXIT_TEMP;
		}
		while ((d = readdir(dp)) != NULL) {
			if (num_parses(d->d_name, (unsigned long)-1, &id) == -1)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				nids = reallocarray(ids, cap, sizeof(*ids));
				if (nids == NULL) {
					printf("fatal: out of memory\n");
					return EXIT_TEMP;
				}
				ids = nids;
			}
			ids[n++] = id;
		}
		closedir(dp);
	}
	if (n > 0)
		qsort(ids, n, sizeof(*ids), cmp_ul);
	for (i = 0; i < n; i++)
		one(ids[i]);
	free(ids);
	return fflush(stdout) == 0 ? EXIT_DONE : EXIT_TEMP;
}
