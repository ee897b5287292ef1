/*
 * qmail-qstat - summarize the queue: how many messages, how many not yet
 * preprocessed.  Run by the administrator (needs read access to the
 * queue).  Trusts nothing in the queue but counts directory entries.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "queue.h"
#include "root.h"

static long	count(const char *);

/* Entries of a directory, "." and ".." excepted; -1 on error. */
static long
count(const char *dir)
{
	struct dirent *d;
	DIR	*dp;
	long	 n = 0;

	dp = opendir(dir);
	if (dp == NULL)
		return -1;
	while ((d = readdir(dp)) != NULL)
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
			n++;
	closedir(dp);
	return n;
}

int
main(void)
{
	char	 dir[64];
	long	 mess = 0, todo, c;
	int	 i;

	log_init("qmail-qstat");
	if (chdir(root_dir(ROOT_QMAIL)) == -1 || chdir("queue") == -1)
		log_die(EXIT_TEMP, "unable to chdir to the queue: %s",
		    strerror(errno));
	for (i = 0; i < QUEUE_SPLIT; i++) {
		snprintf(dir, sizeof(dir), "%s/%d", QUEUE_MESS, i);
		if ((c = count(dir)) == -1)
			log_die(EXIT_TEMP, "unable to read %s: %s", dir,
			    strerror(errno));
		mess += c;
	}
	if ((todo = count(QUEUE_TODO)) == -1)
		log_die(EXIT_TEMP, "unable to read todo: %s", strerror(errno));
	printf("messages in queue: %ld\n", mess);
	printf("messages in queue but not yet preprocessed: %ld\n", todo);
	return fflush(stdout) == 0 ? EXIT_DONE : EXIT_TEMP;
}
