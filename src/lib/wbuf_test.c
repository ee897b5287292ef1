/*
 * wbuf_test - the writer under partial writes: a transport that takes a
 * few bytes per call or says "try again" still gets every byte once, in
 * order; a peer that stops reading makes the write fail with ETIMEDOUT
 * after the timeout instead of blocking for ever.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "test.h"
#include "wbuf.h"

struct trickle {
	char	 got[40000];
	size_t	 len;
	unsigned calls;
};

/* A transport hook that writes at most 7 bytes per call and answers
 * EAGAIN every third call (wfd stays writable, so the poll returns). */
static ssize_t
trickle_write(struct io *io, const void *buf, size_t n)
{
	struct trickle *t = io->ctx;

	if (++t->calls % 3 == 0) {
		errno = EAGAIN;
		return -1;
	}
	if (n > 7)
		n = 7;
	if (t->len + n > sizeof(t->got))
		n = sizeof(t->got) - t->len;
	memcpy(t->got + t->len, buf, n);
	t->len += n;
	return (ssize_t)n;
}

static void
test_partial_writes(void **state)
{
	static struct trickle t;
	struct io io;
	struct wbuf wb;
	char	 want[20000];
	size_t	 i;
	int	 fd;

	(void)state;
	assert_true((fd = open("/dev/null", O_WRONLY)) != -1);
	io_init(&io, -1, fd, 5);
	io.write = trickle_write;
	io.ctx = &t;
	wbuf_init(&wb, &io);
	for (i = 0; i < sizeof(want); i++)
		want[i] = (char)('a' + i % 26);
	assert_int_equal(wbuf_puts(&wb, "+OK hello\r\n"), 0);
	assert_int_equal(wbuf_put(&wb, want, sizeof(want)), 0);
	assert_int_equal(wbuf_printf(&wb, "%s %d\r\n", ".", 1), 0);
	assert_int_equal(wbuf_flush(&wb), 0);
	assert_int_equal(t.len, 11 + sizeof(want) + 5);
	assert_memory_equal(t.got, "+OK hello\r\n", 11);
	assert_memory_equal(t.got + 11, want, sizeof(want));
	assert_memory_equal(t.got + 11 + sizeof(want), ". 1\r\n", 5);
	assert_true(t.calls > (11 + sizeof(want)) / 7);
	close(fd);
}

static void
test_stalled_reader_times_out(void **state)
{
	struct io io;
	struct wbuf wb;
	char	 big[WBUF_SIZE];
	int	 p[2], i, r = 0;

	(void)state;
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	assert_true(fcntl(p[1], F_SETPIPE_SZ, 4096) > 0);
	io_init(&io, -1, p[1], 1);
	wbuf_init(&wb, &io);
	memset(big, 'z', sizeof(big));
	/* Nobody reads p[0]: the pipe fills, the writer gives up. */
	for (i = 0; i < 4 && r == 0; i++)
		r = wbuf_put(&wb, big, sizeof(big));
	if (r == 0)
		r = wbuf_flush(&wb);
	assert_int_equal(r, -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_int_equal(wbuf_puts(&wb, "x"), -1);	/* sticky */
	close(p[0]);
	close(p[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_partial_writes),
		cmocka_unit_test(test_stalled_reader_times_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
