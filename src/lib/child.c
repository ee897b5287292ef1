/*
 * child - posix_spawn with fd mapping and signal reset; fork for running
 * a linked-in program's code.
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
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

/*
 * The deadline is a pidfd polled: no SIGCHLD handler or alarm to share
 * with the caller.  Without pidfds (a kernel before 5.3) the wait has no
 * deadline.
 */
int
child_wait_timed(pid_t pid, unsigned timeout_sec, int *status_r)
{
	struct pollfd pfd;
	int	 fd, r;

	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd >= 0) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		do
			r = poll(&pfd, 1, (int)(timeout_sec * 1000));
		while (r == -1 && errno == EINTR);
		close(fd);
		if (r == 0) {
			(void)kill(pid, SIGKILL);
			(void)child_wait(pid, status_r);
			errno = ETIMEDOUT;
			return -1;
		}
	}
	return child_wait(pid, status_r);
}

int
child_fd_high(int fd)
{
	int	 n, e;

	if (fd < 0 || fd >= CHILD_MAXFD)
		return fd;
	n = fcntl(fd, F_DUPFD_CLOEXEC, CHILD_MAXFD);
	e = errno;
	close(fd);
	errno = e;
	return n;
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

int
child_note_has(const unsigned char *b, size_t n, const char *prog)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	Elf64_Nhdr nh;
	size_t	 i, off, end, plen = strlen(prog) + 1, nlen;

	if (n < sizeof(eh))
		return 0;
	memcpy(&eh, b, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(ph) || eh.e_phoff > n)
		return 0;
	for (i = 0; i < eh.e_phnum; i++) {
		off = (size_t)eh.e_phoff + i * sizeof(ph);
		if (off > n || n - off < sizeof(ph))
			return 0;
		memcpy(&ph, b + off, sizeof(ph));
		if (ph.p_type != PT_NOTE || ph.p_offset > n ||
		    ph.p_filesz > n - ph.p_offset)
			continue;
		off = (size_t)ph.p_offset;
		end = off + (size_t)ph.p_filesz;
		while (end - off >= sizeof(nh)) {
			memcpy(&nh, b + off, sizeof(nh));
			off += sizeof(nh);
			nlen = ((size_t)nh.n_namesz + 3) & ~(size_t)3;
			if (nlen > end - off)	/* nlen >= n_namesz */
				break;
			if (nh.n_descsz > end - off - nlen)
				break;
			if (nh.n_type == CHILD_NOTE_TYPE &&
			    nh.n_namesz == sizeof(CHILD_NOTE_NAME) &&
			    memcmp(b + off, CHILD_NOTE_NAME,
			    sizeof(CHILD_NOTE_NAME)) == 0 &&
			    nh.n_descsz == plen &&
			    memcmp(b + off + nlen, prog, plen) == 0)
				return 1;
			off += nlen;
			if ((((size_t)nh.n_descsz + 3) & ~(size_t)3) >
			    end - off)
				break;
			off += ((size_t)nh.n_descsz + 3) & ~(size_t)3;
		}
	}
	return 0;
}

int
child_is_builtin(const char *path, const char *prog)
{
	unsigned char b[4096];
	struct stat st;
	ssize_t	 r;
	int	 fd;

	if (strchr(path, '/') == NULL || access(path, X_OK) == -1)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1)
		return 0;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & (S_ISUID | S_ISGID)) != 0 ||
	    (st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0) {
		close(fd);
		return 0;
	}
	do
		r = pread(fd, b, sizeof(b), 0);
	while (r == -1 && errno == EINTR);
	close(fd);
	return r > 0 && child_note_has(b, (size_t)r, prog);
}

pid_t
child_fork(void)
{
	struct sigaction sa;
	sigset_t none;
	pid_t	 pid;
	int	 sig;

	fflush(NULL);
	pid = fork();
	if (pid != 0)
		return pid;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	/* The standard signals: real-time ones are never set here. */
	for (sig = 1; sig < SIGRTMIN; sig++)
		(void)sigaction(sig, &sa, NULL);	/* EINVAL for some */
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	return 0;
}
