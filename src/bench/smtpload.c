/*
 * bench-smtpload - SMTP load generator for bench/bench_smtp's provider
 * workload:
 *   bench-smtpload host port sessions messages per-connection size
 *       rcptfile seed
 * `sessions` threads send `messages` messages of about `size` bytes in
 * all, `per-connection` of them over each connection (MAIL, RCPT, DATA
 * one after another, no pipelining, QUIT at the end), each to one
 * recipient drawn from rcptfile (one address a line) by the message's
 * number and `seed`, so every server gets the same recipients.  Times
 * from connect to the banner and from the end of the data to its reply.
 * Prints one line:
 *   "<ok> <failed> <seconds> <banner median ms> <banner p90 ms>
 *    <end-of-data median ms> <end-of-data p90 ms>"
 * Run by the benchmark only; trusts its arguments and the server.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "num.h"
#include "str.h"

struct conn {
	int	 fd;
	char	 buf[4096];
	size_t	 len, pos;
};

static struct sockaddr_in addr;
static unsigned long nmsgs, perconn, seed;
static struct strlist rcpts;
static struct str body = STR_INIT(STR_UNBOUNDED);
static atomic_ulong nextmsg, ok, failed;
static double	*banner, *eod;		/* latencies, ms, by message */
static atomic_ulong nbanner;

static void	*worker(void *);
static double	now(void);
static int	reply(struct conn *);
static int	cmd(struct conn *, const char *, size_t, int);
static int	cmpd(const void *, const void *);
static double	pct(double *, unsigned long, double);

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The code of the next reply (multi-line replies read to their end), or
 * -1 when the connection fails. */
static int
reply(struct conn *c)
{
	char	*nl;
	ssize_t	 r;
	int	 code;

	for (;;) {
		nl = memchr(c->buf + c->pos, '\n', c->len - c->pos);
		if (nl != NULL) {
			size_t	 n = (size_t)(nl - (c->buf + c->pos)) + 1;
			char	*l = c->buf + c->pos;

			c->pos += n;
			if (n < 4)
				return -1;
			code = (l[0] - '0') * 100 + (l[1] - '0') * 10 +
			    (l[2] - '0');
			if (l[3] == '-')
				continue;
			return code;
		}
		if (c->pos > 0) {
			memmove(c->buf, c->buf + c->pos, c->len - c->pos);
			c->len -= c->pos;
			c->pos = 0;
		}
		if (c->len == sizeof(c->buf))
			return -1;
		r = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c->len += (size_t)r;
	}
}

/* Send n bytes and read the reply; 0 if it is want, else -1. */
static int
cmd(struct conn *c, const char *s, size_t n, int want)
{
	if (file_writeall(c->fd, s, n) == -1)
		return -1;
	return reply(c) == want ? 0 : -1;
}

static void *
worker(void *arg)
{
	struct timeval tv = { 60, 0 };
	struct conn c;
	struct str line = STR_INIT(4096);
	unsigned long id, k;
	double	 t0, t1;
	int	 one = 1, good;

	(void)arg;
	for (;;) {
		id = atomic_fetch_add(&nextmsg, perconn);
		if (id >= nmsgs)
			break;
		memset(&c, 0, sizeof(c));
		good = 0;
		t0 = now();
		c.fd = socket(AF_INET, SOCK_STREAM, 0);
		if (c.fd == -1 ||
		    setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
		    sizeof(tv)) == -1 ||
		    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one)) == -1 ||
		    connect(c.fd, (struct sockaddr *)&addr, sizeof(addr)) == -1 ||
		    reply(&c) != 220)
			goto done;
		t1 = now();
		banner[atomic_fetch_add(&nbanner, 1)] = (t1 - t0) * 1000;
		if (cmd(&c, "EHLO load.example\r\n", 19, 250) == -1)
			goto done;
		for (k = 0; k < perconn && id + k < nmsgs; k++) {
			unsigned long m = id + k;
			uint64_t h = (m + 1) * 0x9e3779b97f4a7c15ULL ^ seed;

			h ^= h >> 29;
			h *= 0xbf58476d1ce4e5b9ULL;
			h ^= h >> 32;
			str_clear(&line);
			if (cmd(&c, "MAIL FROM:<sender@load.example>\r\n", 33,
			    250) == -1 ||
			    str_printf(&line, "RCPT TO:<%s>\r\n",
			    rcpts.v[h % rcpts.n]) == -1 ||
			    cmd(&c, line.s, line.len, 250) == -1 ||
			    cmd(&c, "DATA\r\n", 6, 354) == -1 ||
			    file_writeall(c.fd, body.s, body.len) == -1)
				goto done;
			t0 = now();
			if (reply(&c) != 250)
				goto done;
			eod[m] = (now() - t0) * 1000;
			atomic_fetch_add(&ok, 1);
			good++;
		}
		(void)cmd(&c, "QUIT\r\n", 6, 221);
done:
		if (c.fd != -1)
			close(c.fd);
		k = id + perconn < nmsgs ? perconn : nmsgs - id;
		if ((unsigned long)good < k)
			atomic_fetch_add(&failed, k - (unsigned long)good);
	}
	str_free(&line);
	return NULL;
}

static int
cmpd(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The p-th fraction of the first n values (sorted here). */
static double
pct(double *v, unsigned long n, double p)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmpd);
	return v[(unsigned long)((double)(n - 1) * p)];
}

int
main(int argc, char **argv)
{
	struct str rf = STR_INIT(64 * 1024 * 1024);
	pthread_t *th;
	unsigned long sessions, port, size, i, n;
	double	 t0, t1, *e;
	char	*p, *nl;

	if (argc != 9 || num_parses(argv[2], 65535, &port) == -1 ||
	    num_parses(argv[3], 10000, &sessions) == -1 || sessions == 0 ||
	    num_parses(argv[4], 100000000, &nmsgs) == -1 ||
	    num_parses(argv[5], 1000000, &perconn) == -1 || perconn == 0 ||
	    num_parses(argv[6], 100000000, &size) == -1 ||
	    num_parses(argv[8], (unsigned long)-1, &seed) == -1) {
		fprintf(stderr, "usage: bench-smtpload host port sessions "
		    "messages per-connection size rcptfile seed\n");
		return 100;
	}
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1)
		return 100;
	if (file_read(argv[7], &rf) != 1)
		return 111;
	for (p = rf.s; p < rf.s + rf.len; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(rf.s + rf.len - p))) == NULL)
			break;
		if (nl > p && strlist_addb(&rcpts, p, (size_t)(nl - p)) == -1)
			return 111;
	}
	if (rcpts.n == 0)
		return 100;
	if (str_cats(&body, "Subject: load\r\nFrom: sender@load.example\r\n"
	    "\r\n") == -1)
		return 111;
	while (body.len + 80 < size)
		if (str_cats(&body, "0123456789012345678901234567890123456789"
		    "0123456789012345678901234567890123456\r\n") == -1)
			return 111;
	if (str_cats(&body, ".\r\n") == -1)
		return 111;
	banner = calloc(nmsgs + 1, sizeof(*banner));
	eod = calloc(nmsgs + 1, sizeof(*eod));
	th = calloc(sessions, sizeof(*th));
	if (banner == NULL || eod == NULL || th == NULL)
		return 111;
	t0 = now();
	for (i = 0; i < sessions; i++)
		if (pthread_create(&th[i], NULL, worker, NULL) != 0)
			return 111;
	for (i = 0; i < sessions; i++)
		pthread_join(th[i], NULL);
	t1 = now();
	/* Only the messages that got their 250 have an end-of-data time. */
	if ((e = calloc(nmsgs + 1, sizeof(*e))) == NULL)
		return 111;
	for (i = n = 0; i < nmsgs; i++)
		if (eod[i] > 0)
			e[n++] = eod[i];
	printf("%lu %lu %.3f %.3f %.3f %.3f %.3f\n",
	    (unsigned long)atomic_load(&ok), (unsigned long)atomic_load(&failed),
	    t1 - t0, pct(banner, atomic_load(&nbanner), 0.5),
	    pct(banner, atomic_load(&nbanner), 0.9), pct(e, n, 0.5),
	    pct(e, n, 0.9));
	return atomic_load(&failed) == 0 ? 0 : 1;
}
