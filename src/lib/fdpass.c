/*
 * fdpass - SCM_RIGHTS send and receive of a few descriptors.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "fdpass.h"

union fdpass_cbuf {
	struct cmsghdr h;
	char	 b[CMSG_SPACE(FDPASS_MAX * sizeof(int))];
};

int
fdpass_send(int s, char b, const int *fds, size_t n)
{
	return fdpass_sendb(s, &b, 1, fds, n);
}

int
fdpass_sendb(int s, const void *b, size_t len, const int *fds, size_t n)
{
	union fdpass_cbuf u;
	struct msghdr mh;
	struct cmsghdr *cm;
	struct iovec iov;
	ssize_t	 r;

	if (n == 0 || n > FDPASS_MAX || len == 0) {
		errno = EINVAL;
		return -1;
	}
	memset(&u, 0, sizeof(u));
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = (void *)(uintptr_t)b;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.b;
	mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
	do
		r = sendmsg(s, &mh, MSG_NOSIGNAL);
	while (r == -1 && errno == EINTR);
	if (r >= 0 && (size_t)r != len) {
		errno = EMSGSIZE;	/* a stream socket took only part */
		return -1;
	}
	return r == -1 ? -1 : 0;
}

int
fdpass_recv(int s, char *b, int *fds, size_t n)
{
	size_t	 len;

	return fdpass_recvb(s, b, 1, &len, fds, n);
}

int
fdpass_recvb(int s, void *b, size_t max, size_t *len_r, int *fds, size_t n)
{
	union fdpass_cbuf u;
	struct msghdr mh;
	struct cmsghdr *cm;
	struct iovec iov;
	size_t	 i, k, got = 0;
	ssize_t	 r;
	int	 fd, keep[FDPASS_MAX];

	if (n == 0 || n > FDPASS_MAX || max == 0) {
		errno = EINVAL;
		return -1;
	}
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = b;
	iov.iov_len = max;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.b;
	mh.msg_controllen = sizeof(u.b);
	do
		r = recvmsg(s, &mh, MSG_CMSG_CLOEXEC);
	while (r == -1 && errno == EINTR);
	if (r == -1)
		return -1;
	/* Every descriptor that came is ours to keep or close. */
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len < CMSG_LEN(0))
			continue;
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
			    sizeof(int));
			if (got < FDPASS_MAX)
				keep[got] = fd;
			else
				close(fd);
			got++;
		}
	}
	if (r > 0 && got == n &&
	    (mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) == 0) {
		memcpy(fds, keep, n * sizeof(int));
		*len_r = (size_t)r;
		return 0;
	}
	for (i = 0; i < got && i < FDPASS_MAX; i++)
		close(keep[i]);
	errno = r == 0 ? EPIPE : EPROTO;
	return -1;
}
