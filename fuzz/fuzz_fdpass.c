/*
 * fuzz_fdpass - qmail-queued's side of its socket handshake: whatever a
 * client sends (bytes, and 0 to FDPASS_MAX descriptors with them), the
 * receive must return 0 with exactly the descriptors asked for, or -1
 * with every descriptor that came closed.  Input: the number of
 * descriptors to attach (first byte), then the data.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "fdpass.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
count_fds(void)
{
	int	 fd, n = 0;

	for (fd = 0; fd < 256; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *cm;
	union {
		char	 buf[CMSG_SPACE(sizeof(int) * FDPASS_MAX)];
		struct cmsghdr align;
	} u;
	struct timeval tv = { 0, 100000 };
	int	 sv[2], fds[FDPASS_MAX], nsend, i, before, r;
	char	 b;

	if (size < 1 || size > 4096)
		return 0;
	nsend = data[0] % (FDPASS_MAX + 2);
	if (nsend > FDPASS_MAX)
		nsend = FDPASS_MAX;
	before = count_fds();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return 0;
	(void)setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = (void *)(uintptr_t)(data + 1);
	iov.iov_len = size - 1;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nsend > 0) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nsend);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nsend);
		for (i = 0; i < nsend; i++)
			memcpy(CMSG_DATA(cm) + sizeof(int) * (size_t)i, &sv[0],
			    sizeof(int));
	}
	if (size > 1 || nsend > 0)
		(void)sendmsg(sv[0], &mh, MSG_NOSIGNAL);
	close(sv[0]);
	r = fdpass_recv(sv[1], &b, fds, 2);
	if (r == 0) {
		if (size < 2 || nsend != 2)
			__builtin_trap();
		close(fds[0]);
		close(fds[1]);
	}
	close(sv[1]);
	if (count_fds() != before)
		__builtin_trap();	/* a descriptor leaked */
	return 0;
}
