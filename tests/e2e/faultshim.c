/*
 * faultshim - LD_PRELOAD library for the queue tests: makes the Nth call
 * of one system call fail, to prove a program fails temporarily and
 * leaves nothing half-done.  Built by tests/e2e/queueutil.py; test-only.
 *
 * FAULT_OP     write | fsync | link | rename | open
 * FAULT_N      which call fails (1 = the first counted one)
 * FAULT_ERRNO  EIO (default) or ENOSPC
 * Counted: writes to descriptors above 2, every fsync/link/rename, and
 * opens of relative paths (the queue's own files, not /etc/passwd).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static long	count;

/* 1 if this call of op is the one that must fail (errno set). */
static int
fault(const char *op)
{
	const char *o = getenv("FAULT_OP"), *n = getenv("FAULT_N");
	const char *e = getenv("FAULT_ERRNO");

	if (o == NULL || n == NULL || strcmp(o, op) != 0)
		return 0;
	if (++count != strtol(n, NULL, 10))
		return 0;
	errno = e != NULL && strcmp(e, "ENOSPC") == 0 ? ENOSPC : EIO;
	return 1;
}

ssize_t
write(int fd, const void *b, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);

	if (real == NULL)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	if (fd > 2 && fault("write"))
		return -1;
	return real(fd, b, n);
}

int
fsync(int fd)
{
	static int (*real)(int);

	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	if (fault("fsync"))
		return -1;
	return real(fd);
}

int
link(const char *a, const char *b)
{
	static int (*real)(const char *, const char *);

	if (real == NULL)
		real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "link");
	if (fault("link"))
		return -1;
	return real(a, b);
}

int
rename(const char *a, const char *b)
{
	static int (*real)(const char *, const char *);

	if (real == NULL)
		real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	if (fault("rename"))
		return -1;
	return real(a, b);
}

static int
open_common(const char *sym, int dirfd, const char *p, int flags, mode_t mode)
{
	static int (*ropen)(const char *, int, ...);
	static int (*ropenat)(int, const char *, int, ...);

	if (p[0] != '/' && fault("open"))
		return -1;
	if (strcmp(sym, "openat") == 0 || strcmp(sym, "openat64") == 0) {
		if (ropenat == NULL)
			ropenat = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, sym);
		return ropenat(dirfd, p, flags, mode);
	}
	if (ropen == NULL)
		ropen = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, sym);
	return ropen(p, flags, mode);
}

#define MODEARG(flags, mode) do {					\
	va_list ap;							\
	mode = 0;							\
	if ((flags) & (O_CREAT | __O_TMPFILE)) {			\
		va_start(ap, flags);					\
		mode = (mode_t)va_arg(ap, int);				\
		va_end(ap);						\
	}								\
} while (0)

int
open(const char *p, int flags, ...)
{
	mode_t m;
	MODEARG(flags, m);
	return open_common("open", AT_FDCWD, p, flags, m);
}

int
open64(const char *p, int flags, ...)
{
	mode_t m;
	MODEARG(flags, m);
	return open_common("open64", AT_FDCWD, p, flags, m);
}

int
openat(int d, const char *p, int flags, ...)
{
	mode_t m;
	MODEARG(flags, m);
	return open_common("openat", d, p, flags, m);
}

int
openat64(int d, const char *p, int flags, ...)
{
	mode_t m;
	MODEARG(flags, m);
	return open_common("openat64", d, p, flags, m);
}
