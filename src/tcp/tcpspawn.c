/*
 * tcpspawn - start a connection's program with posix_spawnp (see
 * tcpspawn.h).  Runs in the tcpserver parent.  glibc's posix_spawn starts
 * the child without copying page tables (clone with CLONE_VM|CLONE_VFORK
 * on a stack of its own) and reports a failed exec to us.
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>

#include "tcpspawn.h"

extern char **environ;

size_t
tcpspawn_envsize(size_t nvars)
{
	size_t	 ne = 0;

	while (environ[ne] != NULL)
		ne++;
	return ne + nvars + 1;
}

void
tcpspawn_envfill(char **env, char *const *vars, size_t nvars)
{
	size_t	 ne = 0, i, j, len, n = 0;
	char	*e;

	while (environ[ne] != NULL)
		ne++;
	for (i = 0; i < ne + nvars; i++) {
		e = i < ne ? environ[i] : vars[i - ne];
		len = strcspn(e, "=");
		/* Skip it if a later item sets or removes the same name. */
		for (j = i < ne ? 0 : i - ne + 1; j < nvars; j++)
			if (strncmp(vars[j], e, len) == 0 &&
			    (vars[j][len] == '=' || vars[j][len] == '\0'))
				break;
		if (j < nvars || e[len] != '=')
			continue;
		env[n++] = e;
	}
	env[n] = NULL;
}

pid_t
tcpspawn_start(int t, char **argv, struct strlist *vars,
    const sigset_t *mask)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t def;
	char	**env;
	pid_t	 pid = -1;
	int	 r;

	env = calloc(tcpspawn_envsize(vars->n), sizeof(*env));
	if (env == NULL) {
		strlist_free(vars);
		errno = ENOMEM;
		return -1;
	}
	tcpspawn_envfill(env, vars->v, vars->n);
	if ((r = posix_spawn_file_actions_init(&fa)) != 0)
		goto out_env;
	if ((r = posix_spawnattr_init(&attr)) != 0)
		goto out_fa;
	sigemptyset(&def);
	sigaddset(&def, SIGCHLD);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGPIPE);
	if ((r = posix_spawn_file_actions_adddup2(&fa, t, 0)) != 0 ||
	    (r = posix_spawn_file_actions_adddup2(&fa, t, 1)) != 0 ||
	    (r = posix_spawnattr_setsigdefault(&attr, &def)) != 0 ||
	    (r = posix_spawnattr_setsigmask(&attr, mask)) != 0 ||
	    (r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF |
	    POSIX_SPAWN_SETSIGMASK)) != 0)
		goto out_attr;
	r = posix_spawnp(&pid, argv[0], &fa, &attr, argv, env);
out_attr:
	posix_spawnattr_destroy(&attr);
out_fa:
	posix_spawn_file_actions_destroy(&fa);
out_env:
	free(env);
	strlist_free(vars);
	if (r != 0) {
		errno = r;
		return -1;
	}
	return pid;
}
