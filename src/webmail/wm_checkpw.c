/*
 * wm_checkpw - the webmail login through the checkpassword program, in
 * one place (to become the shared checkpassword client once it lands):
 * "login\0password\0" on fd 3 of vchkpw, which checks it, logs it as a
 * webmail login (as qmail-popup's are), switches to the mailbox owner
 * and runs "sqwebmaild -I", which reports the ids and directory it got
 * on fd 4.  Run by sqwebmaild's monitor (root when installed).  Trusts
 * vchkpw's exit code and what its child reports on the pipe.
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

#include "child.h"
#include "file.h"
#include "io.h"
#include "num.h"
#include "wm.h"

#define IDENT_MAX	(PATH_MAX + 64)
#define CHECKPW_TIMEOUT	30	/* seconds: vchkpw sleeps on failures */

static int	pipe_high(int [2]);

/* A close-on-exec pipe whose ends are above the child's fds 0..9, so
 * that mapping them never lands a descriptor on itself. */
static int
pipe_high(int p[2])
{
	int	 q[2], i;

	if (pipe2(q, O_CLOEXEC) == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		p[i] = fcntl(q[i], F_DUPFD_CLOEXEC, CHILD_MAXFD);
		close(q[i]);
	}
	if (p[0] == -1 || p[1] == -1) {
		if (p[0] != -1)
			close(p[0]);
		if (p[1] != -1)
			close(p[1]);
		p[0] = p[1] = -1;
		return -1;
	}
	return 0;
}

int
wm_checkpw(const char *login, const char *pass, const char *ip,
    struct wm_ident *id)
{
	struct str rec = STR_INIT(512), rep = STR_INIT(IDENT_MAX);
	struct child_spec cs;
	struct io io;
	char	*argv[4], buf[512], *nl, *nl2;
	int	 p3[2] = { -1, -1 }, p4[2] = { -1, -1 }, status, r = -1;
	unsigned long u, g;
	pid_t	 pid;
	ssize_t	 n;

	if (str_cats(&rec, login) == -1 || str_catc(&rec, '\0') == -1 ||
	    str_cats(&rec, pass) == -1 || str_catc(&rec, '\0') == -1 ||
	    str_catc(&rec, '\0') == -1) {
		r = 0;		/* longer than checkpassword takes */
		goto out;
	}
	if (pipe_high(p3) == -1 || pipe_high(p4) == -1)
		goto out;
	argv[0] = (char *)(uintptr_t)wm_conf.vchkpw;
	argv[1] = (char *)(uintptr_t)wm_conf.self;
	argv[2] = (char *)(uintptr_t)"-I";
	argv[3] = NULL;
	if (setenv("VCHKPW_SERVICE", "webmail", 1) == -1 ||
	    setenv("TCPREMOTEIP", ip, 1) == -1)
		goto out;
	child_spec_init(&cs, argv);
	cs.fd[3] = p3[0];
	cs.fd[4] = p4[1];
	if ((pid = child_start(&cs)) == -1)
		goto out;
	close(p3[0]);
	close(p4[1]);
	p3[0] = p4[1] = -1;
	/* The pipe holds 512 bytes at once: no deadlock. */
	(void)file_writeall(p3[1], rec.s, rec.len);
	close(p3[1]);
	p3[1] = -1;
	io_init(&io, p4[0], -1, CHECKPW_TIMEOUT);
	while ((n = io_read(&io, buf, sizeof(buf))) > 0)
		if (str_catb(&rep, buf, (size_t)n) == -1)
			break;
	if (child_wait(pid, &status) == -1)
		goto out;
	if (!WIFEXITED(status)) {
		r = -1;
		goto out;
	}
	switch (WEXITSTATUS(status)) {
	case 0:
		break;
	case 1: case 3: case 12: case 13: case 15: case 20:
		r = 0;		/* refused: flag, user or password */
		goto out;
	default:
		r = -1;
		goto out;
	}
	/* "uid\ngid\nhome\n" */
	if (rep.len == 0 || (nl = memchr(rep.s, '\n', rep.len)) == NULL)
		goto out;
	*nl = '\0';
	if ((nl2 = strchr(nl + 1, '\n')) == NULL)
		goto out;
	*nl2 = '\0';
	if (num_parses(rep.s, 0xfffffffeUL, &u) == -1 ||
	    num_parses(nl + 1, 0xfffffffeUL, &g) == -1)
		goto out;
	if ((nl = strchr(nl2 + 1, '\n')) == NULL || nl2[1] != '/')
		goto out;
	*nl = '\0';
	id->uid = (uid_t)u;
	id->gid = (gid_t)g;
	if (str_copys(&id->home, nl2 + 1) == -1)
		goto out;
	r = 1;
out:
	str_wipe(&rec);
	str_free(&rep);
	if (p3[0] != -1)
		close(p3[0]);
	if (p3[1] != -1)
		close(p3[1]);
	if (p4[0] != -1)
		close(p4[0]);
	if (p4[1] != -1)
		close(p4[1]);
	return r;
}

int
wm_ident_main(void)
{
	char	 cwd[PATH_MAX], line[PATH_MAX + 64];
	int	 n;

	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return 111;
	n = snprintf(line, sizeof(line), "%lu\n%lu\n%s\n",
	    (unsigned long)getuid(), (unsigned long)getgid(), cwd);
	if (n < 0 || (size_t)n >= sizeof(line) || strchr(cwd, '\n') != NULL)
		return 111;
	if (file_writeall(4, line, (size_t)n) == -1)
		return 111;
	return 0;
}
