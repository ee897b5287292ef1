/*
 * wm_checkpw - the webmail login through the checkpassword program, on
 * the shared client (checkpw.h): "login\0password\0\0" on fd 3 of vchkpw,
 * which checks it, logs it as a webmail login (as qmail-popup's are),
 * switches to the mailbox owner and runs "sqwebmaild -I", which reports
 * the ids and directory it got on its standard output (a pipe of ours;
 * vchkpw itself writes nothing there).  Run by sqwebmaild's monitor (root
 * when installed).  Trusts vchkpw's exit code and what its child reports
 * on the pipe.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpw.h"
#include "child.h"
#include "file.h"
#include "io.h"
#include "num.h"
#include "wm.h"

#define IDENT_MAX	(PATH_MAX + 64)
#define CHECKPW_TIMEOUT	30	/* seconds: vchkpw sleeps on failures */

static int	refused(int);
static int	ident_parse(struct str *, struct wm_ident *);

/* vchkpw's exit codes that mean "no" (vchkpw(8)): a flag refused the
 * service, no such user, an empty login or password, an account without
 * a password, a login with bad characters.  Every other failure is the
 * box's trouble: the user is asked to try again, and it is not counted
 * as a failed login. */
static int
refused(int code)
{
	switch (code) {
	case 1: case 3: case 12: case 13: case 15: case 20:
		return 1;
	default:
		return 0;
	}
}

/* "uid\ngid\n/home\n" into *id.  0 or -1. */
static int
ident_parse(struct str *rep, struct wm_ident *id)
{
	char	*nl, *nl2;
	unsigned long u, g;

	if (rep->len == 0 || (nl = memchr(rep->s, '\n', rep->len)) == NULL)
		return -1;
	*nl = '\0';
	if ((nl2 = strchr(nl + 1, '\n')) == NULL)
		return -1;
	*nl2 = '\0';
	if (num_parses(rep->s, 0xfffffffeUL, &u) == -1 ||
	    num_parses(nl + 1, 0xfffffffeUL, &g) == -1)
		return -1;
	if ((nl = strchr(nl2 + 1, '\n')) == NULL || nl2[1] != '/')
		return -1;
	*nl = '\0';
	id->uid = (uid_t)u;
	id->gid = (gid_t)g;
	return str_copys(&id->home, nl2 + 1);
}

int
wm_checkpw(const char *login, const char *pass, const char *ip,
    struct wm_ident *id)
{
	struct str rec = STR_INIT(CHECKPW_DATA_MAX), rep = STR_INIT(IDENT_MAX);
	struct checkpw_spec spec;
	struct io io;
	char	*argv[4], buf[512];
	int	 p[2] = { -1, -1 }, status, r = -1;
	pid_t	 pid;
	ssize_t	 n;

	if (checkpw_record(&rec, login, strlen(login), pass, strlen(pass),
	    "", 0) == -1) {
		r = errno == ENOMEM ? -1 : 0;	/* longer than it takes */
		goto out;
	}
	if (pipe2(p, O_CLOEXEC) == -1 || (p[1] = child_fd_high(p[1])) == -1)
		goto out;
	argv[0] = (char *)(uintptr_t)wm_conf.vchkpw;
	argv[1] = (char *)(uintptr_t)wm_conf.self;
	argv[2] = (char *)(uintptr_t)"-I";
	argv[3] = NULL;
	if (setenv("VCHKPW_SERVICE", "webmail", 1) == -1 ||
	    setenv("TCPREMOTEIP", ip, 1) == -1)
		goto out;
	checkpw_spec_init(&spec, argv);
	spec.fd[1] = p[1];
	pid = checkpw_start(&spec, &rec);
	close(p[1]);
	p[1] = -1;
	if (pid == -1)
		goto out;
	io_init(&io, p[0], -1, CHECKPW_TIMEOUT);
	while ((n = io_read(&io, buf, sizeof(buf))) > 0)
		if (str_catb(&rep, buf, (size_t)n) == -1)
			break;
	if (child_wait(pid, &status) == -1)
		goto out;
	switch (checkpw_result(status)) {
	case CHECKPW_OK:
		r = ident_parse(&rep, id) == 0 ? 1 : -1;
		break;
	case CHECKPW_REFUSED:
		/* 16: the failed-login limiter (loginfail(5)) refused it. */
		r = WEXITSTATUS(status) == CHECKPW_EXIT_LIMIT ? 2 :
		    refused(WEXITSTATUS(status)) ? 0 : -1;
		break;
	default:
		r = -1;
		break;
	}
out:
	str_wipe(&rec);
	str_free(&rep);
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	return r;
}
