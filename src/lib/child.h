/*
 * child - start programs (posix_spawn: no fork of a large process), wait
 * for them, and read their exit status the qmail way: 0 done, 100
 * permanent, anything else (111, a crash) temporary.
 */
#ifndef HSMAIL_CHILD_H
#define HSMAIL_CHILD_H

#include <sys/types.h>

#define CHILD_MAXFD	10

struct child_spec {
	char *const *argv;	/* argv[0] is the program: a path, or a name
				 * looked up in PATH when it has no '/' */
	char *const *envp;	/* NULL: this process's environment */
	int	 fd[CHILD_MAXFD]; /* child's fd i becomes our fd[i]; -1 keeps */
	const char *dir;	/* working directory, or NULL */
};

/* A spec with every fd kept: fill in argv and the fds you map. */
void	child_spec_init(struct child_spec *, char *const *argv);

/*
 * Start the child: signals reset to default and unblocked, fds mapped.
 * Returns its pid, or -1 with errno (the program could not be started).
 */
pid_t	child_start(const struct child_spec *);

/* Wait for pid; its wait status in *status_r.  0 or -1 (errno). */
int	child_wait(pid_t pid, int *status_r);

enum child_result {
	CHILD_OK,	/* exit 0 */
	CHILD_PERM,	/* exit 100 */
	CHILD_TEMP,	/* exit 111, any other exit, or killed by a signal */
};

/* Classify a wait status. */
enum child_result child_result(int status);

/* Start, wait, classify: for a program run to completion. */
enum child_result child_run(const struct child_spec *, int *status_r);

#endif
