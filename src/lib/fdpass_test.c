/*
 * fdpass_test - descriptors across a socketpair: the right number
 * arrives and works; too many, too few or none is refused and nothing
 * that came is left open; end of file is an error.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "fdpass.h"
#include "test.h"

static int
nfds(void)
{
	int	 fd, n = 0;

	for (fd = 0; fd < 256; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

static void
test_two(void **state)
{
	int	 sp[2], p[2], q[2], got[2];
	char	 b = 0, buf[4];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(q), 0);
	{
		int	 fds[2] = { p[0], q[0] };

		assert_int_equal(fdpass_send(sp[0], 'q', fds, 2), 0);
	}
	close(p[0]);
	close(q[0]);
	assert_int_equal(fdpass_recv(sp[1], &b, got, 2), 0);
	assert_int_equal(b, 'q');
	assert_true(fcntl(got[0], F_GETFD) & FD_CLOEXEC);
	assert_int_equal(write(p[1], "ab", 2), 2);
	assert_int_equal(write(q[1], "cd", 2), 2);
	assert_int_equal(read(got[0], buf, 2), 2);
	assert_memory_equal(buf, "ab", 2);
	assert_int_equal(read(got[1], buf, 2), 2);
	assert_memory_equal(buf, "cd", 2);
	close(got[0]);
	close(got[1]);
	close(p[1]);
	close(q[1]);
	close(sp[0]);
	close(sp[1]);
}

static void
test_wrong_count(void **state)
{
	int	 sp[2], p[2], got[3], before, fds[3];
	char	 b;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	assert_int_equal(pipe(p), 0);
	before = nfds();
	fds[0] = fds[1] = fds[2] = p[0];
	assert_int_equal(fdpass_send(sp[0], 'q', fds, 3), 0);
	assert_int_equal(fdpass_recv(sp[1], &b, got, 2), -1);
	assert_int_equal(errno, EPROTO);
	assert_int_equal(nfds(), before);
	assert_int_equal(fdpass_send(sp[0], 'q', fds, 1), 0);
	assert_int_equal(fdpass_recv(sp[1], &b, got, 2), -1);
	assert_int_equal(nfds(), before);
	/* A byte without descriptors, then end of file. */
	assert_int_equal(write(sp[0], "x", 1), 1);
	assert_int_equal(fdpass_recv(sp[1], &b, got, 2), -1);
	assert_int_equal(errno, EPROTO);
	close(sp[0]);
	assert_int_equal(fdpass_recv(sp[1], &b, got, 2), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(fdpass_send(sp[1], 'q', fds, 0), -1);
	assert_int_equal(fdpass_recv(sp[1], &b, got, 5), -1);
	close(sp[1]);
	close(p[0]);
	close(p[1]);
}

/* A record with its descriptors over SOCK_SEQPACKET; one longer than
 * the buffer is refused and closes what came with it. */
static void
test_record(void **state)
{
	int	 sp[2], p[2], got[1], before;
	char	 buf[16], rec[] = "user\0home";
	size_t	 len = 0;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
	assert_int_equal(pipe(p), 0);
	before = nfds();
	assert_int_equal(fdpass_sendb(sp[0], rec, 8, &p[1], 1), 0);
	assert_int_equal(fdpass_recvb(sp[1], buf, sizeof(buf), &len, got, 1),
	    0);
	assert_int_equal(len, 8);
	assert_memory_equal(buf, rec, 8);
	assert_int_equal(write(got[0], "z", 1), 1);
	assert_int_equal(read(p[0], buf, 1), 1);
	assert_int_equal(buf[0], 'z');
	close(got[0]);
	assert_int_equal(nfds(), before);
	/* One byte over. */
	assert_int_equal(fdpass_sendb(sp[0], rec, sizeof(rec), &p[1], 1), 0);
	assert_int_equal(fdpass_recvb(sp[1], buf, sizeof(rec) - 1, &len, got,
	    1), -1);
	assert_int_equal(errno, EPROTO);
	assert_int_equal(nfds(), before);
	/* Exactly fits. */
	assert_int_equal(fdpass_sendb(sp[0], rec, sizeof(rec), &p[1], 1), 0);
	assert_int_equal(fdpass_recvb(sp[1], buf, sizeof(rec), &len, got, 1),
	    0);
	assert_int_equal(len, sizeof(rec));
	close(got[0]);
	close(sp[0]);
	assert_int_equal(fdpass_recvb(sp[1], buf, sizeof(buf), &len, got, 1),
	    -1);
	close(sp[1]);
	close(p[0]);
	close(p[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two),
		cmocka_unit_test(test_wrong_count),
		cmocka_unit_test(test_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
