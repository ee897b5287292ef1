/*
 * imaplogin-wait - what imaplogin becomes once a login succeeded: it only
 * waits for its child (the IMAP session, imapd) and exits, so that
 * tcpserver, whose child it is, counts the connection for as long as the
 * session lives, at the cost of a few pages instead of imaplogin's.
 * Executed by imaplogin only; takes no arguments, reads nothing, trusts
 * nothing.  On x86-64 it is built without the C library (two system
 * calls, no stack protector: there is no thread pointer to read the
 * canary from); elsewhere, and under the sanitizers, it is plain C.
 */
#if defined(__x86_64__) && defined(HSMAIL_WAIT_TINY)

#define SYS_WAIT4	61
#define SYS_EXIT	60
#define E_INTR		4

void	_start(void) __attribute__((__noreturn__, __used__));
static long	sys4(long, long, long, long, long);

static long
sys4(long n, long a, long b, long c, long d)
{
	register long r10 __asm__("r10") = d;
	long	 r;

	__asm__ volatile ("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b),
	    "d"(c), "r"(r10) : "rcx", "r11", "memory");
	return r;
}

void
_start(void)
{
	long	 r;

	/* every child reaped (ECHILD) or an error: done */
	do
		r = sys4(SYS_WAIT4, -1, 0, 0, 0);
	while (r > 0 || r == -E_INTR);
	sys4(SYS_EXIT, 0, 0, 0, 0);
	for (;;)
		;
}

#else

#include <errno.h>
#include <sys/wait.h>

int
main(void)
{
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return 0;
}

#endif
