/*
 * vdelivermail - deliver one message to a virtual user, as vpopmail's
 * vdelivermail does (vpopmail.md §5): run by qmail-local from a domain's
 * .qmail-default as "| vdelivermail '' <fallback>", as the domain's uid,
 * with EXT (the user), HOST (the domain), SENDER and RPLINE set and the
 * message on fd 0.  Exit codes: 0 delivered, 100 bounce, 111 try again
 * later; the reason on fd 1.  This main() only turns the arguments and
 * the environment into the parameters of vdeliver_run (vdeliver.h),
 * which qmail-local's delivery calls without executing this file.
 * Trusts qmail-local's environment; the message is untrusted.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "err.h"
#include "file.h"
#include "vdeliver.h"

CHILD_PROGRAM_NOTE("vdelivermail");

static void	die(const char *, int) __attribute__((__noreturn__));
static int	seekable(void);

static void
die(const char *what, int e)
{
	printf("%s%s%s (#4.3.0)\n", what, e != 0 ? ": " : "",
	    e != 0 ? strerror(e) : "");
	fflush(stdout);
	_exit(EXIT_TEMP);
}

/* The message as a seekable descriptor: fd 0 itself (qmail-local gives
 * a file), or a pipe copied to an unnamed temporary file. */
static int
seekable(void)
{
	const char *tmp = getenv("TMPDIR");
	char	 buf[65536];
	ssize_t	 n;
	int	 fd;

	if (lseek(0, 0, SEEK_SET) == 0)
		return 0;
	fd = open(tmp != NULL ? tmp : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC,
	    0600);
	if (fd == -1)
		die("cannot make a temporary file", errno);
	while ((n = read(0, buf, sizeof(buf))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || file_writeall(fd, buf, (size_t)n) == -1)
			die("cannot read the message", errno);
	}
	return fd;
}

int
main(int argc, char **argv)
{
	struct vdeliver_params p;

	if (argc != 3)
		die("invalid syntax in .qmail-default file", 0);
	signal(SIGPIPE, SIG_IGN);
	memset(&p, 0, sizeof(p));
	p.ext = getenv("EXT");
	p.host = getenv("HOST");
	p.sender = getenv("SENDER");
	p.rpline = getenv("RPLINE");
	p.fallback = argv[2];
	p.msgfd = p.ext != NULL && p.host != NULL ? seekable() : 0;
	p.outfd = 1;
	p.errfd = 2;
	p.envp = NULL;
	return vdeliver_run(&p);
}
