/*
 * vpop_bench - the timing driver of bench/bench_vpop: "lookup N file"
 * runs N RCPT-time checks (vpop_rcpt_check) over the addresses listed in
 * file; "login N file vchkpw" runs N checkpassword logins through the
 * vchkpw program (fd 3, then /bin/true).  Prints operations per CPU
 * second (this process and its children, user + system): the machine is
 * shared, and CPU time does not count the waits for other processes.
 * Run by the benchmark only, against a generated instance (HSMAIL_ROOT).
 */
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "str.h"
#include "vpop.h"
#include "vpop_rcpt.h"

static double
cpu(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static double
now(void)
{
	return cpu(RUSAGE_SELF) + cpu(RUSAGE_CHILDREN);
}

int
main(int argc, char **argv)
{
	struct strlist l = STRLIST_INIT;
	char	 line[512], *at;
	FILE	*f;
	long	 n, i, ok = 0;
	double	 t0;
	enum vpop_rcpt r;
	int	 p[2], st;
	pid_t	 pid;

	if (argc < 4 || (f = fopen(argv[3], "r")) == NULL)
		return 100;
	n = strtol(argv[2], NULL, 10);
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		strlist_adds(&l, line);
	}
	fclose(f);
	if (l.n == 0)
		return 100;
	t0 = now();
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "%s", l.v[i % l.n]);
		if (strcmp(argv[1], "lookup") == 0) {
			at = strchr(line, '@');
			*at = '\0';
			if (vpop_rcpt_check(line, at + 1, 0, &r) == 0 &&
			    r == VPOP_RCPT_USER)
				ok++;
			continue;
		}
		if (pipe(p) == -1)
			return 111;
		strcat(line, ":");	/* "user@domain:pass" -> "u@d\0pass\0" */
		at = strchr(line, ':');
		*at = '\0';
		if (write(p[1], line, strlen(line) + 1) < 0 ||
		    write(p[1], "benchpw\0\0", 9) < 0)
			return 111;
		close(p[1]);
		if ((pid = fork()) == 0) {
			dup2(p[0], 3);
			if (p[0] != 3)
				close(p[0]);
			execl(argv[4], "vchkpw", "/bin/true", (char *)NULL);
			_exit(111);
		}
		close(p[0]);
		waitpid(pid, &st, 0);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			ok++;
	}
	printf("%.0f %ld\n", n / (now() - t0), ok);
	strlist_free(&l);
	return 0;
}
