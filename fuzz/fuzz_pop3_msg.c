/*
 * fuzz_pop3_msg - a stored message (untrusted: anyone can mail anything)
 * through qmail-pop3d's writer: byte-stuffing, LF -> CRLF, TOP lines.
 * The first byte picks the TOP line count (255: the whole message).
 */
#include <sys/mman.h>

#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "../src/pop3/pop3d_proto.h"
#include "wbuf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int null = -1;
	unsigned long long bytes;
	struct wbuf w;
	struct io io;
	long	 top;
	int	 fd;

	if (size < 1)
		return 0;
	if (null == -1)
		null = open("/dev/null", O_WRONLY);
	top = data[0] == 255 ? -1 : data[0];
	fd = memfd_create("msg", 0);
	if (fd == -1)
		return 0;
	if (write(fd, data + 1, size - 1) != (ssize_t)(size - 1)) {
		close(fd);
		return 0;
	}
	(void)lseek(fd, 0, SEEK_SET);
	io_init(&io, null, null, 5);
	wbuf_init(&w, &io);
	(void)pop3d_send_msg(&w, fd, top, &bytes);
	(void)wbuf_flush(&w);
	if (bytes > size - 1)
		__builtin_trap();
	close(fd);
	return 0;
}
