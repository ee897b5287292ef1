/*
 * bench-tcpprobe - the smallest hsmail network program: a fork-server
 * program (forksrv.h) for tcpserver's benchmark and tests, not installed.
 * Without arguments it exits at once, as /bin/true.  With -i it writes on
 * fd 1 what a session started by tcpserver sees: ids, parent, open
 * descriptors, signal state, environment, stack canary and where its
 * code, libc, heap and stack lie; with -w it then waits for end of input
 * (so that a test can look at it or kill it).  Trusts nothing; reads
 * nothing from the client but end of file.
 */
#include <sys/auxv.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forksrv.h"

extern char **environ;

static void	report(void);
static void	status_lines(FILE *);
static int	cmpstr(const void *, const void *);

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The Sig* lines of /proc/self/status: the signal mask and dispositions. */
static void
status_lines(FILE *out)
{
	char	 line[256];
	FILE	*f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "SigBlk:", 7) == 0 ||
		    strncmp(line, "SigIgn:", 7) == 0 ||
		    strncmp(line, "SigCgt:", 7) == 0 ||
		    strncmp(line, "Groups:", 7) == 0 ||
		    strncmp(line, "NoNewPrivs:", 11) == 0)
			fputs(line, out);
	fclose(f);
}

static void
report(void)
{
	const unsigned char *rnd = (const void *)getauxval(AT_RANDOM);
	uint64_t canary = 0;
	struct dirent *d;
	size_t	 n, i;
	char	**env, link[512], path[300];
	ssize_t	 r;
	DIR	*dir;
	FILE	*out = stdout;
	int	 stackvar = 0;

	fprintf(out, "pid %ld\nppid %ld\n", (long)getpid(), (long)getppid());
	fprintf(out, "ids %ld %ld %ld %ld\n", (long)getuid(), (long)geteuid(),
	    (long)getgid(), (long)getegid());
	status_lines(out);
	if ((dir = opendir("/proc/self/fd")) != NULL) {
		while ((d = readdir(dir)) != NULL) {
			if (d->d_name[0] == '.' || atoi(d->d_name) == dirfd(dir))
				continue;
			snprintf(path, sizeof(path), "/proc/self/fd/%s",
			    d->d_name);
			r = readlink(path, link, sizeof(link) - 1);
			link[r > 0 ? r : 0] = '\0';
			/* Which socket it is differs per connection. */
			if (strncmp(link, "socket:", 7) == 0)
				link[6] = '\0';
			fprintf(out, "fd %s %s\n", d->d_name, link);
		}
		closedir(dir);
	}
	for (n = 0; environ[n] != NULL; n++)
		;
	if ((env = calloc(n + 1, sizeof(*env))) != NULL) {
		memcpy(env, environ, n * sizeof(*env));
		qsort(env, n, sizeof(*env), cmpstr);
		for (i = 0; i < n; i++)
			fprintf(out, "env %s\n", env[i]);
		free(env);
	}
	/* glibc's stack protector value: AT_RANDOM's first word, low byte
	 * zeroed. */
	if (rnd != NULL) {
		memcpy(&canary, rnd, sizeof(canary));
		canary &= ~(uint64_t)0xff;
	}
	fprintf(out, "canary %016llx\n", (unsigned long long)canary);
	fprintf(out, "layout main %p libc %p heap %p stack %p\n",
	    (void *)(uintptr_t)report, (void *)(uintptr_t)fprintf,
	    (void *)env, (void *)&stackvar);
	fflush(out);
}

int
main(int argc, char **argv)
{
	char	 buf[512];

	(void)forksrv_serve();
	if (argc < 2)
		return 0;
	if (strcmp(argv[1], "-i") == 0 || strcmp(argv[1], "-w") == 0)
		report();
	if (strcmp(argv[1], "-w") == 0)
		while (read(0, buf, sizeof(buf)) > 0)
			;
	return 0;
}
