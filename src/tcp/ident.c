/*
 * ident - RFC 1413 query with a deadline on the connect and on every read,
 * and a strict parser of the one-line reply.  Runs in a tcpserver child
 * before the server program; trusts nothing the ident server says.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ident.h"

static int	ident_wait(int, short, const struct timespec *);
static unsigned	ident_port(const struct sockaddr *);

int
ident_parse(const char *x, size_t n, struct str *user)
{
	size_t	 i, colons = 0, f1 = 0, f2 = 0, u = 0;
	size_t	 a, b;

	while (n > 0 && (x[n - 1] == '\n' || x[n - 1] == '\r'))
		n--;
	for (i = 0; i < n; i++) {
		if (x[i] != ':')
			continue;
		colons++;
		if (colons == 1)
			f1 = i + 1;
		else if (colons == 2)
			f2 = i;
		else if (colons == 3) {
			u = i + 1;
			break;
		}
	}
	if (colons < 3)
		return 0;
	/* The second field, blanks around it removed, must be USERID. */
	for (a = f1; a < f2 && (x[a] == ' ' || x[a] == '\t'); a++)
		;
	for (b = f2; b > a && (x[b - 1] == ' ' || x[b - 1] == '\t'); b--)
		;
	if (b - a != 6 || memcmp(x + a, "USERID", 6) != 0)
		return 0;
	while (u < n && (x[u] == ' ' || x[u] == '\t'))
		u++;
	if (u == n)
		return 0;
	return str_copyb(user, x + u, n - u) == -1 ? -1 : 1;
}

/* Wait until fd is ready for events or the deadline passes: 1, 0 or -1. */
static int
ident_wait(int fd, short events, const struct timespec *end)
{
	struct pollfd p = { fd, events, 0 };
	struct timespec now;
	long	 ms;
	int	 r;

	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (end->tv_sec - now.tv_sec) * 1000 +
		    (end->tv_nsec - now.tv_nsec) / 1000000;
		if (ms <= 0)
			return 0;
		r = poll(&p, 1, (int)ms);
		if (r == -1 && errno == EINTR)
			continue;
		return r;
	}
}

static unsigned
ident_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)
		    ->sin6_port);
	return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
}

int
ident_query(const struct sockaddr *local, const struct sockaddr *remote,
    socklen_t len, unsigned timeout, struct str *user)
{
	struct sockaddr_storage lo, re;
	struct timespec end;
	char	 buf[IDENT_REPLY_MAX + 1], req[32];
	size_t	 got = 0;
	ssize_t	 r;
	int	 fd, n, ret = 0, err;
	socklen_t elen = sizeof(err);

	if (len > sizeof(lo))
		return 0;
	memcpy(&lo, local, len);
	memcpy(&re, remote, len);
	if (lo.ss_family == AF_INET6) {
		((struct sockaddr_in6 *)&lo)->sin6_port = 0;
		((struct sockaddr_in6 *)&re)->sin6_port = htons(113);
	} else {
		((struct sockaddr_in *)&lo)->sin_port = 0;
		((struct sockaddr_in *)&re)->sin_port = htons(113);
	}
	n = snprintf(req, sizeof(req), "%u , %u\r\n", ident_port(remote),
	    ident_port(local));
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout;
	fd = socket(lo.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return 0;
	if (bind(fd, (struct sockaddr *)&lo, len) == -1)
		goto out;
	if (connect(fd, (struct sockaddr *)&re, len) == -1) {
		if (errno != EINPROGRESS || ident_wait(fd, POLLOUT, &end) != 1)
			goto out;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == -1 ||
		    err != 0)
			goto out;
	}
	if (write(fd, req, (size_t)n) != n)
		goto out;
	while (got < IDENT_REPLY_MAX) {
		if (ident_wait(fd, POLLIN, &end) != 1)
			goto out;
		r = read(fd, buf + got, IDENT_REPLY_MAX - got);
		if (r == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if (memchr(buf, '\n', got) != NULL)
			break;
	}
	if (memchr(buf, '\n', got) != NULL)
		got = (size_t)((char *)memchr(buf, '\n', got) - buf);
	ret = ident_parse(buf, got, user);
out:
	close(fd);
	return ret;
}
