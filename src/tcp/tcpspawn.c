/*
 * tcpspawn - start a connection's program with clone(CLONE_VM) (see
 * tcpspawn.h).  Runs in the tcpserver parent; the child runs on a stack
 * of its own and touches only its slot until execve replaces it.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tcpspawn.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
/* A child leaves by exit_group, so AddressSanitizer never cleans its
 * frames' marks: the next child on the slot's stack starts clean. */
#define STACK_FRESH(p, n)	ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define STACK_FRESH(p, n)	((void)0)
#endif

#define SPAWN_STACK	(64 * 1024)

enum slot_state { SLOT_FREE, SLOT_BUSY, SLOT_DEAD };

struct slot {
	volatile sig_atomic_t state;
	pid_t	 pid;
	int	 t;		/* the connection, or -1 */
	int	 keep;		/* a descriptor the program keeps, or -1 */
	char	*path;		/* the file to run (ours), or NULL: argv[0] in PATH */
	char	**argv;
	char	**env;
	struct strlist vars;
	sigset_t mask;
	void	*stack;
};

extern char **environ;

int	tcpspawn_quiet;

static struct slot **slots;	/* each slot allocated once, never moved */
static size_t nslots;

static int	spawn_child(void *);
static int	spawn_exit(int);
static char	**spawn_env(struct strlist *);
static struct slot *spawn_slot(void);

/*
 * Leave the child.  Not _exit(): a call to a noreturn function on this
 * foreign stack confuses AddressSanitizer's stack bookkeeping.
 */
static int
spawn_exit(int code)
{
	syscall(SYS_exit_group, code);
	return code;
}

/*
 * The child: until execve it may only use its slot and its stack.  It
 * shares the parent's thread-local errno: a failed call here can change
 * it under the parent, which at worst misreads once why an accept(2)
 * failed (and so skips or takes a 100 ms pause).
 */
static int
spawn_child(void *arg)
{
	struct slot *sl = arg;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	if (sl->t >= 0 && (dup2(sl->t, 0) == -1 || dup2(sl->t, 1) == -1))
		return spawn_exit(111);
	/* Our own descriptor table (no CLONE_FILES): the parent's copy of
	 * keep stays close-on-exec. */
	if (sl->keep >= 0 && fcntl(sl->keep, F_SETFD, 0) == -1)
		return spawn_exit(111);
	sigprocmask(SIG_SETMASK, &sl->mask, NULL);
	if (sl->path != NULL)
		execve(sl->path, sl->argv, sl->env);
	else
		execvpe(sl->argv[0], sl->argv, sl->env);
	if (!tcpspawn_quiet) {
		char	 buf[512];
		int	 n;

		n = snprintf(buf, sizeof(buf), "tcpserver: warning: %s, "
		    "unable to run %s: %s\n", sl->t >= 0 ? "dropping "
		    "connection" : "no fork server", sl->path != NULL ?
		    sl->path : sl->argv[0], strerror(errno));
		if (n > 0)
			(void)!write(2, buf, (size_t)n < sizeof(buf) ?
			    (size_t)n : sizeof(buf) - 1);
	}
	return spawn_exit(111);
}

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

/* The environment for a slot's child, allocated.  NULL: no memory. */
static char **
spawn_env(struct strlist *vars)
{
	char	**env;

	env = calloc(tcpspawn_envsize(vars->n), sizeof(*env));
	if (env != NULL)
		tcpspawn_envfill(env, vars->v, vars->n);
	return env;
}

/* A free slot (a dead one is cleaned first), or NULL. */
static struct slot *
spawn_slot(void)
{
	struct slot **nv, *sl;
	size_t	 i;

	for (i = 0; i < nslots; i++) {
		sl = slots[i];
		if (sl->state == SLOT_BUSY)
			continue;
		if (sl->state == SLOT_DEAD) {
			free(sl->env);
			sl->env = NULL;
			free(sl->path);
			sl->path = NULL;
			strlist_free(&sl->vars);
			sl->state = SLOT_FREE;
		}
		return sl;
	}
	if ((nv = realloc(slots, (nslots + 1) * sizeof(*nv))) == NULL)
		return NULL;
	slots = nv;
	if ((sl = calloc(1, sizeof(*sl))) == NULL)
		return NULL;
	sl->stack = mmap(NULL, SPAWN_STACK, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (sl->stack == MAP_FAILED) {
		free(sl);
		return NULL;
	}
	slots[nslots++] = sl;
	return sl;
}

pid_t
tcpspawn_start(int t, char **argv, struct strlist *vars,
    const sigset_t *mask)
{
	return tcpspawn_run(t, -1, NULL, argv, vars, mask);
}

pid_t
tcpspawn_run(int t, int keep, const char *path, char **argv,
    struct strlist *vars, const sigset_t *mask)
{
	struct slot *sl;
	sigset_t all, prev;
	pid_t	 pid;
	int	 saved;

	if ((sl = spawn_slot()) == NULL)
		return -1;
	sl->vars = *vars;
	memset(vars, 0, sizeof(*vars));
	sl->path = path != NULL ? strdup(path) : NULL;
	if ((sl->env = spawn_env(&sl->vars)) == NULL ||
	    (path != NULL && sl->path == NULL)) {
		free(sl->env);
		sl->env = NULL;
		free(sl->path);
		sl->path = NULL;
		strlist_free(&sl->vars);
		errno = ENOMEM;
		return -1;
	}
	sl->t = t;
	sl->keep = keep;
	sl->argv = argv;
	sl->mask = *mask;
	sl->state = SLOT_BUSY;
	/* No handler may run in the child before it resets them. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &prev);
	STACK_FRESH(sl->stack, SPAWN_STACK);
	pid = clone(spawn_child, (char *)sl->stack + SPAWN_STACK,
	    CLONE_VM | SIGCHLD, sl);
	saved = errno;
	if (pid > 0)
		sl->pid = pid;
	else
		sl->state = SLOT_DEAD;
	sigprocmask(SIG_SETMASK, &prev, NULL);
	errno = saved;
	return pid;
}

void
tcpspawn_reaped(pid_t pid)
{
	size_t	 i;

	for (i = 0; i < nslots; i++)
		if (slots[i]->state == SLOT_BUSY && slots[i]->pid == pid) {
			slots[i]->state = SLOT_DEAD;
			return;
		}
}
