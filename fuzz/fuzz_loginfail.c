/*
 * fuzz_loginfail - the failed-login table as the checkpassword programs
 * read it: any file content (a damaged header, slots of any value) under
 * checks, failures and good logins of addresses and accounts taken from
 * the input.  Nothing may crash, and the file never grows past its size.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "loginfail.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *ips[] = { "192.0.2.1", "2001:db8::1",
	    "::ffff:192.0.2.1", "unknown", NULL };
	static const char *accts[] = { "a@example.test", "b@example.test",
	    "", NULL };
	struct loginfail_conf c;
	struct loginfail_state st;
	struct loginfail_event ev;
	struct stat sb;
	time_t	 now = 1800000000;
	size_t	 i, ops;
	int	 fd;

	if (size > LOGINFAIL_SIZE)
		return 0;
	if ((fd = memfd_create("loginfail", MFD_CLOEXEC)) == -1)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	loginfail_conf_default(&c);
	c.ipmax = 3;
	c.usermax = 2;
	ops = size < 64 ? size : 64;
	for (i = 0; i < ops; i++) {
		unsigned char x = data[size - 1 - i];
		const char *ip = ips[x % 5], *a = accts[(x >> 3) % 4];

		now += x >> 5;
		switch ((x >> 6) & 3) {
		case 0:
			(void)loginfail_check(fd, &c, ip, a, now, &st);
			break;
		case 1:
		case 2:
			(void)loginfail_failed(fd, &c, ip, a, "pw", 2, now,
			    &ev);
			break;
		default:
			(void)loginfail_success(fd, &c, ip, a, now);
			break;
		}
	}
	if (fstat(fd, &sb) == 0 && sb.st_size > LOGINFAIL_SIZE &&
	    (size_t)sb.st_size > size)
		__builtin_trap();
	close(fd);
	return 0;
}
