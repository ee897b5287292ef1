/*
 * rbuf_test - the line reader: CRLF and LF, the length limit on both
 * sides, skipping of over-long lines, strict mode, timeouts, end of input,
 * peeking and consuming, and wbuf's writes through a pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "rbuf.h"
#include "test.h"
#include "wbuf.h"

/* A reader over a pipe that already holds data (writer closed). */
static void
feed(struct io *io, struct rbuf *rb, const char *data, size_t n, int close_w)
{
	int	 p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], data, n), (ssize_t)n);
	if (close_w)
		close(p[1]);
	io_init(io, p[0], -1, 1);
	rbuf_init(rb, io);
}

static void
test_lines(void **state)
{
	static const char in[] = "HELO a\r\nbare\nlast";
	struct str line = STR_INIT(512);
	struct rbuf rb;
	struct io io;

	(void)state;
	feed(&io, &rb, in, sizeof(in) - 1, 1);
	assert_int_equal(rbuf_line(&rb, &line, 0), 1);
	assert_string_equal(line.s, "HELO a");
	assert_int_equal(rb.eol, RBUF_EOL_CRLF);
	assert_int_equal(rbuf_line(&rb, &line, 0), 1);
	assert_string_equal(line.s, "bare");
	assert_int_equal(rb.eol, RBUF_EOL_LF);
	assert_int_equal(rbuf_line(&rb, &line, 0), 1);
	assert_string_equal(line.s, "last");
	assert_int_equal(rb.eol, RBUF_EOL_NONE);
	assert_int_equal(rbuf_line(&rb, &line, 0), 0);
	close(io.rfd);
	str_free(&line);
}

static void
test_limit(void **state)
{
	/* max 4: "abcd" fits exactly, "abcde" is one over and skipped. */
	static const char in[] = "abcd\r\nabcde\r\nok\r\nxyzw\n";
	struct str line = STR_INIT(4);
	struct rbuf rb;
	struct io io;

	(void)state;
	feed(&io, &rb, in, sizeof(in) - 1, 1);
	assert_int_equal(rbuf_line(&rb, &line, 0), 1);
	assert_string_equal(line.s, "abcd");
	assert_int_equal(rbuf_line(&rb, &line, 0), -1);
	assert_int_equal(errno, E2BIG);
	assert_int_equal(rbuf_line(&rb, &line, 0), 1);	/* resynced */
	assert_string_equal(line.s, "ok");
	assert_int_equal(rbuf_line(&rb, &line, RBUF_KEEP_EOL), 1);
	assert_string_equal(line.s, "xyzw\n");
	close(io.rfd);
	str_free(&line);
}

static void
test_long_line_across_reads(void **state)
{
	/* A line far longer than the buffer, then a normal one. */
	static char in[3 * RBUF_SIZE + 10];
	struct str line = STR_INIT(1000);
	struct rbuf rb;
	struct io io;
	int	 p[2];

	(void)state;
	memset(in, 'x', sizeof(in));
	memcpy(in + sizeof(in) - 6, "\r\nz\r\n", 5);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(fcntl(p[1], F_SETPIPE_SZ, 65536) > 0, 1);
	assert_int_equal(write(p[1], in, sizeof(in) - 1),
	    (ssize_t)sizeof(in) - 1);
	close(p[1]);
	io_init(&io, p[0], -1, 1);
	rbuf_init(&rb, &io);
	assert_int_equal(rbuf_line(&rb, &line, 0), -1);
	assert_int_equal(errno, E2BIG);
	assert_int_equal(line.len, 1000);
	assert_int_equal(rbuf_line(&rb, &line, 0), 1);
	assert_string_equal(line.s, "z");
	close(p[0]);
	str_free(&line);
}

static void
test_strict_and_bare_cr(void **state)
{
	static const char in[] = "a\nb\rc\r\n";
	struct str line = STR_INIT(100);
	struct rbuf rb;
	struct io io;

	(void)state;
	feed(&io, &rb, in, sizeof(in) - 1, 1);
	assert_int_equal(rbuf_line(&rb, &line, RBUF_STRICT), -1);
	assert_int_equal(errno, EPROTO);
	assert_int_equal(rbuf_line(&rb, &line, RBUF_STRICT), 1);
	assert_int_equal(line.len, 3);
	assert_memory_equal(line.s, "b\rc", 3);		/* bare CR kept */
	close(io.rfd);
	str_free(&line);
}

static void
test_timeout(void **state)
{
	struct str line = STR_INIT(100);
	struct rbuf rb;
	struct io io;

	(void)state;
	/* The writer stays open and silent: the read must time out. */
	feed(&io, &rb, "partial", 7, 0);
	io.timeout = 100;
	assert_int_equal(rbuf_line(&rb, &line, 0), -1);
	assert_int_equal(errno, ETIMEDOUT);
	close(io.rfd);
	str_free(&line);
}

static void
test_read_buffered(void **state)
{
	static const char in[] = "STARTTLS\r\nEHLO x\r\n";
	struct str line = STR_INIT(100);
	struct rbuf rb;
	struct io io;
	char	 buf[4];

	(void)state;
	feed(&io, &rb, in, sizeof(in) - 1, 1);
	assert_int_equal(rbuf_line(&rb, &line, 0), 1);
	assert_int_equal(rbuf_buffered(&rb), 8);	/* pipelined ahead */
	assert_int_equal(rbuf_read(&rb, buf, 4), 4);
	assert_memory_equal(buf, "EHLO", 4);
	rbuf_discard(&rb);
	assert_int_equal(rbuf_buffered(&rb), 0);
	assert_int_equal(rbuf_line(&rb, &line, 0), 0);
	close(io.rfd);
	str_free(&line);
}

/* peek shows without consuming; consume takes part; lines go on after. */
static void
test_peek_consume(void **state)
{
	static const char in[] = "body\r\n.\r\nQUIT\r\n";
	struct str line = STR_INIT(512);
	struct rbuf rb;
	struct io io;
	const char *b;

	(void)state;
	feed(&io, &rb, in, sizeof(in) - 1, 1);
	assert_int_equal(rbuf_peek(&rb, &b), (ssize_t)sizeof(in) - 1);
	assert_memory_equal(b, "body", 4);
	assert_int_equal(rbuf_peek(&rb, &b), (ssize_t)sizeof(in) - 1);
	rbuf_consume(&rb, 9);		/* "body\r\n.\r\n" */
	assert_int_equal(rbuf_buffered(&rb), 6);
	assert_int_equal(rbuf_peek(&rb, &b), 6);
	assert_memory_equal(b, "QUIT\r\n", 6);
	assert_int_equal(rbuf_line(&rb, &line, 0), 1);
	assert_string_equal(line.s, "QUIT");
	/* Nothing left: end of input; consuming past the end is harmless. */
	rbuf_consume(&rb, 100);
	assert_int_equal(rbuf_peek(&rb, &b), 0);
	close(io.rfd);
	str_free(&line);
}

static void
test_wbuf(void **state)
{
	struct io io;
	struct wbuf wb;
	char	 big[20000], got[30000];
	int	 p[2];
	ssize_t	 n, total = 0;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_true(fcntl(p[1], F_SETPIPE_SZ, 65536) > 0);
	io_init(&io, -1, p[1], 1);
	wbuf_init(&wb, &io);
	memset(big, 'b', sizeof(big));
	assert_int_equal(wbuf_puts(&wb, "250 ok\r\n"), 0);
	assert_int_equal(wbuf_printf(&wb, "%d %s\r\n", 354, "go"), 0);
	assert_int_equal(wbuf_put(&wb, big, sizeof(big)), 0);
	assert_int_equal(wbuf_flush(&wb), 0);
	close(p[1]);
	while ((n = read(p[0], got + total, sizeof(got) - (size_t)total)) > 0)
		total += n;
	assert_int_equal(total, 8 + 8 + (ssize_t)sizeof(big));
	assert_memory_equal(got, "250 ok\r\n354 go\r\n", 16);
	close(p[0]);

	/* A closed reader: the error is reported and sticky. */
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	io_init(&io, -1, p[1], 1);
	wbuf_init(&wb, &io);
	assert_int_equal(wbuf_puts(&wb, "x"), 0);
	assert_int_equal(wbuf_flush(&wb), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(wbuf_puts(&wb, "y"), -1);
	close(p[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_long_line_across_reads),
		cmocka_unit_test(test_strict_and_bare_cr),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_read_buffered),
		cmocka_unit_test(test_peek_consume),
		cmocka_unit_test(test_wbuf),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
