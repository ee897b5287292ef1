/*
 * child - start programs (posix_spawn: no fork of a large process), wait
 * for them, and read their exit status the qmail way: 0 done, 100
 * permanent, anything else (111, a crash) temporary.
 */
#ifndef HSMAIL_CHILD_H
#define HSMAIL_CHILD_H

#include <sys/types.h>

#define CHILD_MAXFD	10

struct child_spec {
	char *const *argv;	/* argv[0] is the program: a path, or a name
				 * looked up in PATH when it has no '/' */
	char *const *envp;	/* NULL: this process's environment */
	int	 fd[CHILD_MAXFD]; /* child's fd i becomes our fd[i]; -1 keeps */
	const char *dir;	/* working directory, or NULL */
};

/* A spec with every fd kept: fill in argv and the fds you map. */
void	child_spec_init(struct child_spec *, char *const *argv);

/*
 * Start the child: signals reset to default and unblocked, fds mapped.
 * Returns its pid, or -1 with errno (the program could not be started).
 */
pid_t	child_start(const struct child_spec *);

/* Wait for pid; its wait status in *status_r.  0 or -1 (errno). */
int	child_wait(pid_t pid, int *status_r);

/*
 * Wait for pid at most timeout_sec seconds; then kill it (SIGKILL) and
 * reap it.  0 with its wait status in *status_r, or -1 with errno
 * ETIMEDOUT (killed and reaped) or the wait error.
 */
int	child_wait_timed(pid_t pid, unsigned timeout_sec, int *status_r);

/*
 * Move fd to a close-on-exec descriptor at or above CHILD_MAXFD, out of
 * the way of the descriptors a child is given, closing fd.  The new fd,
 * or -1 (errno; fd is closed).  A negative fd, or one already that high,
 * is returned as it is.
 */
int	child_fd_high(int fd);

enum child_result {
	CHILD_OK,	/* exit 0 */
	CHILD_PERM,	/* exit 100 */
	CHILD_TEMP,	/* exit 111, any other exit, or killed by a signal */
};

/* Classify a wait status. */
enum child_result child_result(int status);

/* Start, wait, classify: for a program run to completion. */
enum child_result child_run(const struct child_spec *, int *status_r);

/*
 * Programs whose code other programs link mark their file with an ELF
 * note naming them: CHILD_PROGRAM_NOTE("qmail-local") at file scope in the
 * program's main file.
 */
#define CHILD_NOTE_NAME	"hsmail"
#define CHILD_NOTE_TYPE	0x4853	/* "HS" */
#define CHILD_PROGRAM_NOTE(prog)					\
	__attribute__((__section__(".note.hsmail"), __used__,		\
	    __aligned__(4)))						\
	static const struct {						\
		unsigned int namesz, descsz, type;			\
		char	 name[8];					\
		char	 desc[(sizeof(prog) + 3) & ~(size_t)3];		\
	} child_program_note = { sizeof(CHILD_NOTE_NAME), sizeof(prog),	\
	    CHILD_NOTE_TYPE, CHILD_NOTE_NAME, prog }

/*
 * 1 when path (a name with a '/') is a regular file we may execute,
 * without set-id bits, that is hsmail's program prog (its ELF note says
 * so).  Then prog's code linked into the caller may run in a
 * child_fork() child instead of executing the file: the same program
 * without the cost of loading it.  0 otherwise, also on any error: a
 * script, a wrapper or another program named like it is executed.
 */
int	child_is_builtin(const char *path, const char *prog);

/*
 * 1 when the first n bytes of an ELF file, b, hold a program header
 * table whose PT_NOTE segments (within b) carry hsmail's note for prog;
 * else 0.  b is untrusted.
 */
int	child_note_has(const unsigned char *b, size_t n, const char *prog);

/*
 * fork() for running linked-in program code: stdio is flushed first, and
 * in the child every signal is back to its default and unblocked, as
 * child_start gives a new program.  As fork().
 */
pid_t	child_fork(void);

#endif
