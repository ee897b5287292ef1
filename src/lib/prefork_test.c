/*
 * prefork_test - a pool on a Unix socket in a forked daemon, driven as
 * its clients drive it: one child waits at the start and serves client
 * after client; a child killed idle or busy is replaced; the pool grows
 * with busy clients up to its maximum (the next client waits, or with a
 * shed function is closed at once) and shrinks back to one when idle; a
 * child ends after its uses or when serve says so; TERM or another stop
 * signal closes the socket at once, lets the client being served finish
 * and ends with every child gone.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prefork.h"
#include "test.h"

/* Polled conditions wait this long at most (a busy machine is slow). */
#define DEADLINE_MS	60000

#define WAIT_FOR(cond) do {						\
	int	 ms_;							\
									\
	for (ms_ = 0; ms_ < DEADLINE_MS && !(cond); ms_ += 10)		\
		usleep(10000);						\
	assert_true(cond);						\
} while (0)

struct daemon {
	pid_t	 pid;
	const char *dir;
	char	 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static const int term_only[] = { SIGTERM, 0 };
static const int term_int[] = { SIGTERM, SIGINT, 0 };

/*
 * The pool's client protocol: the serving child's pid, then each byte
 * sent comes back, until the client closes; 'f' ends the child.
 */
static int
serve_echo(int fd, void *arg)
{
	pid_t	 me = getpid();
	ssize_t	 r;
	char	 b;

	(void)arg;
	if (send(fd, &me, sizeof(me), MSG_NOSIGNAL) != sizeof(me)) {
		close(fd);
		return 0;
	}
	for (;;) {
		r = read(fd, &b, 1);
		if (r == -1 && errno == EINTR)
			continue;	/* TERM: this client is finished */
		if (r != 1)
			break;
		if (b == 'f') {
			close(fd);
			return -1;
		}
		if (send(fd, &b, 1, MSG_NOSIGNAL) != 1)
			break;
	}
	close(fd);
	return 0;
}

static void
shed_close(int fd, void *arg)
{
	(void)arg;
	close(fd);
}

/* A daemon running a pool of at most max children on a fresh socket. */
static void
daemon_start(struct daemon *d, int max, int uses, time_t idle, int shed,
    const int *sigs)
{
	struct sockaddr_un sun;
	struct timeval tv = { idle, 0 };
	int	 l, n;

	d->dir = test_tmpdir();
	n = snprintf(d->path, sizeof(d->path), "%s/s", d->dir);
	assert_true(n > 0 && (size_t)n < sizeof(d->path));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, d->path, (size_t)n + 1);
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(l != -1);
	assert_int_equal(bind(l, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)), 0);
	assert_int_equal(listen(l, 128), 0);
	d->pid = fork();
	assert_true(d->pid != -1);
	if (d->pid == 0) {
		struct prefork pf = {
			.max = max, .uses = uses, .sigs = sigs,
			.serve = serve_echo,
			.shed = shed ? shed_close : NULL,
		};
		const char *what;

		/* A failed test does not leave the pool behind. */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (prefork_init(&pf, l, &what) == -1)
			_exit(111);
		prefork_run();
		prefork_stop();
		_exit(0);
	}
	close(l);
}

/* Stop the daemon with sig; its wait status. */
static int
daemon_stop(struct daemon *d, int sig)
{
	int	 st;

	assert_int_equal(kill(d->pid, sig), 0);
	assert_int_equal(waitpid(d->pid, &st, 0), d->pid);
	test_rmrf(d->dir);
	return st;
}

/* A socket connected to d's (a receive timeout set), or -1 (errno). */
static int
dial(struct daemon *d)
{
	struct sockaddr_un sun;
	struct timeval tv = { DEADLINE_MS / 1000, 0 };
	int	 fd, e;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, d->path, strlen(d->path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd != -1);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)), 0);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* A client of d, connected; the pid of the child serving it in *pid_r,
 * 0 when the connection was closed unserved. */
static int
client(struct daemon *d, pid_t *pid_r)
{
	size_t	 got = 0;
	ssize_t	 r;
	int	 fd;

	fd = dial(d);
	assert_true(fd != -1);
	*pid_r = 0;
	while (got < sizeof(*pid_r)) {
		r = read(fd, (char *)pid_r + got, sizeof(*pid_r) - got);
		if (r <= 0) {
			assert_true(r == 0 || errno == ECONNRESET);
			assert_int_equal(got, 0);
			break;
		}
		got += (size_t)r;
	}
	return fd;
}

/* One byte there and back: the child still serves fd. */
static void
echo(int fd)
{
	char	 b = 'x';

	assert_int_equal(send(fd, &b, 1, MSG_NOSIGNAL), 1);
	b = 0;
	assert_int_equal(read(fd, &b, 1), 1);
	assert_int_equal(b, 'x');
}

/* One whole client of d: served, answered, gone.  The child's pid. */
static pid_t
one_client(struct daemon *d)
{
	pid_t	 pid;
	int	 fd;

	fd = client(d, &pid);
	assert_true(pid > 0);
	echo(fd);
	close(fd);
	return pid;
}

/* 1 when nothing is listening on d's socket any more. */
static int
refused(struct daemon *d)
{
	int	 fd;

	if ((fd = dial(d)) != -1) {
		close(fd);
		return 0;
	}
	return errno == ECONNREFUSED;
}

/* pid's parent and state letter from /proc; 0 when it is gone. */
static pid_t
parent_of(pid_t pid, char *state_r)
{
	char	 path[64], buf[512], *p;
	FILE	*f;
	int	 ppid;

	(void)snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (p == NULL || (p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %c %d", state_r, &ppid) != 2)
		return 0;
	return ppid;
}

/* The living children of pid. */
static int
nchildren(pid_t pid)
{
	struct dirent *e;
	DIR	*d;
	char	 st;
	int	 n = 0;

	d = opendir("/proc");
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9' &&
		    parent_of((pid_t)atol(e->d_name), &st) == pid && st != 'Z')
			n++;
	closedir(d);
	return n;
}

/* pid has ended (gone, or a zombie not reaped yet). */
static int
dead(pid_t pid)
{
	char	 st;

	return parent_of(pid, &st) == 0 || st == 'Z' || st == 'X';
}

/* 1 when fd has something to read (an answer, or its end) within ms. */
static int
readable(int fd, int ms)
{
	struct pollfd pfd = { fd, POLLIN, 0 };

	return poll(&pfd, 1, ms) == 1;
}

static void
test_bad_init(void **state)
{
	struct prefork pf = { .max = 0, .uses = 1, .sigs = term_only,
	    .serve = serve_echo };
	const char *what = NULL;

	(void)state;
	assert_int_equal(prefork_init(&pf, -1, &what), -1);
	assert_int_equal(errno, EINVAL);
	assert_non_null(what);
	pf.max = PREFORK_MAX + 1;
	assert_int_equal(prefork_init(&pf, -1, &what), -1);
	pf.max = 1;
	pf.serve = NULL;
	assert_int_equal(prefork_init(&pf, -1, &what), -1);
}

static void
test_spawn_and_serve(void **state)
{
	struct daemon d;
	pid_t	 a, b, pp;
	char	 st;
	int	 fa;

	(void)state;
	daemon_start(&d, 4, 1000, 30, 0, term_only);
	WAIT_FOR(nchildren(d.pid) == 1);
	fa = client(&d, &a);
	assert_true(a > 0);
	pp = parent_of(a, &st);
	assert_int_equal(pp, d.pid);
	echo(fa);
	/* The one waiting is busy: another is started to wait. */
	WAIT_FOR(nchildren(d.pid) == 2);
	close(fa);
	b = one_client(&d);
	assert_int_equal(parent_of(b, &st), d.pid);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

static void
test_killed_replaced(void **state)
{
	struct daemon d;
	pid_t	 a, b, c;
	int	 fb;
	char	 byte;

	(void)state;
	daemon_start(&d, 1, 1000, 30, 0, term_only);
	/* Killed while waiting. */
	a = one_client(&d);
	assert_int_equal(kill(a, SIGKILL), 0);
	WAIT_FOR(dead(a));
	fb = client(&d, &b);
	assert_true(b > 0 && b != a);
	echo(fb);
	/* Killed while serving: the client sees the end. */
	assert_int_equal(kill(b, SIGKILL), 0);
	assert_true(read(fb, &byte, 1) <= 0);
	close(fb);
	WAIT_FOR(dead(b));
	c = one_client(&d);
	assert_true(c != b && c != a);
	WAIT_FOR(nchildren(d.pid) == 1);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

static void
test_grow_to_max_and_shrink(void **state)
{
	struct daemon d;
	pid_t	 p[3], w;
	int	 f[3], fw, i;

	(void)state;
	daemon_start(&d, 3, 1000, 1, 0, term_only);
	for (i = 0; i < 3; i++) {
		f[i] = client(&d, &p[i]);
		assert_true(p[i] > 0);
	}
	assert_true(p[0] != p[1] && p[1] != p[2] && p[0] != p[2]);
	assert_int_equal(nchildren(d.pid), 3);
	/* All three busy and no more allowed: the next one waits... */
	fw = dial(&d);
	assert_true(fw != -1);
	assert_false(readable(fw, 300));
	assert_int_equal(nchildren(d.pid), 3);
	/* ...for the first child that is free. */
	close(f[0]);
	assert_int_equal(read(fw, &w, sizeof(w)), (ssize_t)sizeof(w));
	assert_int_equal(w, p[0]);
	echo(fw);
	close(fw);
	close(f[1]);
	close(f[2]);
	/* Idle for a second, the extra ones end; one stays. */
	WAIT_FOR(nchildren(d.pid) == 1);
	(void)one_client(&d);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

static void
test_shed_when_full(void **state)
{
	struct daemon d;
	pid_t	 a, b, c, e;
	int	 fa, fb, fc, fe, i;

	(void)state;
	daemon_start(&d, 2, 1000, 30, 1, term_only);
	fa = client(&d, &a);
	fb = client(&d, &b);
	assert_true(a > 0 && b > 0 && a != b);
	/* Both busy, no third allowed: the parent closes the next. */
	fc = client(&d, &c);
	assert_int_equal(c, 0);
	close(fc);
	echo(fa);
	echo(fb);
	close(fa);
	/* The first free child serves the next one (until it is free, a
	 * client may still be closed). */
	for (i = 0; i < DEADLINE_MS / 10; i++) {
		fe = client(&d, &e);
		if (e != 0)
			break;
		close(fe);
		usleep(10000);
	}
	assert_int_equal(e, a);
	echo(fe);
	close(fe);
	close(fb);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

static void
test_uses_and_serve_failing(void **state)
{
	struct daemon d;
	pid_t	 a, b, c, e;
	int	 fd;
	char	 byte = 'f';

	(void)state;
	daemon_start(&d, 1, 2, 30, 0, term_only);
	a = one_client(&d);
	b = one_client(&d);
	assert_int_equal(b, a);		/* the same child, twice */
	fd = client(&d, &c);		/* then it is worn out */
	assert_true(c > 0 && c != a);
	/* serve says -1: the child ends after this client. */
	assert_int_equal(send(fd, &byte, 1, MSG_NOSIGNAL), 1);
	assert_true(read(fd, &byte, 1) <= 0);
	close(fd);
	e = one_client(&d);
	assert_true(e != c);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

/* A stop signal: no new client, the one being served is finished. */
static void
stop_with(int sig, const int *sigs)
{
	struct daemon d;
	pid_t	 a;
	int	 fa, st;

	daemon_start(&d, 3, 1000, 30, 0, sigs);
	fa = client(&d, &a);
	assert_true(a > 0);
	WAIT_FOR(nchildren(d.pid) == 2);
	assert_int_equal(kill(d.pid, sig), 0);
	WAIT_FOR(refused(&d));
	assert_int_equal(waitpid(d.pid, &st, WNOHANG), 0);
	echo(fa);
	close(fa);
	assert_int_equal(waitpid(d.pid, &st, 0), d.pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_true(dead(a));
	test_rmrf(d.dir);
}

static void
test_stop_term(void **state)
{
	(void)state;
	stop_with(SIGTERM, term_only);
}

static void
test_stop_other_signal(void **state)
{
	(void)state;
	stop_with(SIGINT, term_int);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_init),
		cmocka_unit_test(test_spawn_and_serve),
		cmocka_unit_test(test_killed_replaced),
		cmocka_unit_test(test_grow_to_max_and_shrink),
		cmocka_unit_test(test_shed_when_full),
		cmocka_unit_test(test_uses_and_serve_failing),
		cmocka_unit_test(test_stop_term),
		cmocka_unit_test(test_stop_other_signal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
