/*
 * qmail-local - deliver one message to one local address by the user's
 * .qmail file: qmail-local(8).  Run as the target user (never root) with
 * the message on fd 0 (a seekable file); "did F+W+P" and "qp N" on fd 1,
 * the reason of a failure on fd 2; exit 0, 100 (permanent) or 111
 * (temporary).  This main() only turns the command line into the
 * parameters of local_deliver (local.h), which qmail-lspawn's delivery
 * workers call without executing this file.  Trusts its arguments.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child.h"
#include "err.h"
#include "local.h"

CHILD_PROGRAM_NOTE("qmail-local");

static void	usage(void) __attribute__((__noreturn__));
static void	sigalrm(int);

static void
usage(void)
{
	static const char msg[] = "qmail-local: usage: qmail-local [ -nN ] "
	    "user homedir local dash ext domain sender aliasempty\n";

	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(EXIT_PERM);
}

static void
sigalrm(int sig)
{
	(void)sig;
	(void)!write(2, "Timeout on delivery. (#4.3.0)\n", 30);
	_exit(EXIT_TEMP);
}

int
main(int argc, char **argv)
{
	struct local_params p;
	struct local_result r;
	int	 opt;

	umask(077);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, sigalrm);
	alarm(86400);
	memset(&p, 0, sizeof(p));
	p.doit = 1;
	while ((opt = getopt(argc, argv, "nN")) != -1) {
		switch (opt) {
		case 'n':
			p.doit = 0;
			break;
		case 'N':
			p.doit = 1;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 8)
		usage();
	argv += optind;
	p.user = argv[0];
	p.homedir = argv[1];
	p.local = argv[2];
	p.dash = argv[3];
	p.ext = argv[4];
	p.host = argv[5];
	p.sender = argv[6];
	p.aliasempty = argv[7];
	if (p.homedir[0] != '/')
		usage();
	p.msgfd = 0;
	p.outfd = 1;
	p.errfd = 2;
	p.envp = NULL;
	return local_deliver(&p, &r);
}
