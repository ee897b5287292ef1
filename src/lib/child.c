/*
 * child - posix_spawn with fd mapping and signal reset.
 */
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <unistd.h>

#include "child.h"

extern char **environ;

void
child_spec_init(struct child_spec *cs, char *const *argv)
{
	int	 i;

	cs->argv = argv;
	cs->envp = NULL;
	for (i = 0; i < CHILD_MAXFD; i++)
		cs->fd[i] = -1;
	cs->dir = NULL;
}

pid_t
child_start(const struct child_spec *cs)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t all, none;
	pid_t	 pid;
	int	 i, r;

	if (posix_spawn_file_actions_init(&fa) != 0) {
		errno = ENOMEM;
		return -1;
	}
	if (posix_spawnattr_init(&attr) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		errno = ENOMEM;
		return -1;
	}
	r = 0;
	/* A source fd that is also a target below it would be overwritten
	 * first; callers map pipes, which are never in 0..CHILD_MAXFD-1
	 * except where they land on themselves. */
	for (i = 0; i < CHILD_MAXFD && r == 0; i++)
		if (cs->fd[i] >= 0)
			r = posix_spawn_file_actions_adddup2(&fa, cs->fd[i], i);
	if (r == 0 && cs->dir != NULL)
		r = posix_spawn_file_actions_addchdir_np(&fa, cs->dir);
	sigfillset(&all);
	sigemptyset(&none);
	if (r == 0)
		r = posix_spawnattr_setsigdefault(&attr, &all);
	if (r == 0)
		r = posix_spawnattr_setsigmask(&attr, &none);
	if (r == 0)
		r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF |
		    POSIX_SPAWN_SETSIGMASK);
	if (r == 0) {
		if (strchr(cs->argv[0], '/') != NULL)
			r = posix_spawn(&pid, cs->argv[0], &fa, &attr,
			    cs->argv, cs->envp ? cs->envp : environ);
		else
			r = posix_spawnp(&pid, cs->argv[0], &fa, &attr,
			    cs->argv, cs->envp ? cs->envp : environ);
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (r != 0) {
		errno = r;
		return -1;
	}
	return pid;
}

int
child_wait(pid_t pid, int *status_r)
{
	while (waitpid(pid, status_r, 0) == -1)
		if (errno != EINTR)
			return -1;
	return 0;
}

enum child_result
child_result(int status)
{
	if (!WIFEXITED(status))
		return CHILD_TEMP;
	switch (WEXITSTATUS(status)) {
	case 0:
		return CHILD_OK;
	case 100:
		return CHILD_PERM;
	default:
		return CHILD_TEMP;
	}
}

enum child_result
child_run(const struct child_spec *cs, int *status_r)
{
	pid_t	 pid;
	int	 status;

	pid = child_start(cs);
	if (pid == -1 || child_wait(pid, &status) == -1) {
		if (status_r != NULL)
			*status_r = -1;
		return CHILD_TEMP;
	}
	if (status_r != NULL)
		*status_r = status;
	return child_result(status);
}
