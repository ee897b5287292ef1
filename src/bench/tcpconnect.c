/*
 * bench-tcpconnect - load generator for bench/bench_tcpserver: `bench-
 * tcpconnect host port seconds concurrency`.  Each of `concurrency`
 * threads connects, reads to end of file and closes, again and again, for
 * `seconds`; prints "<connections> <seconds elapsed>" on stdout.  Run by
 * the benchmark only; trusts its arguments.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "num.h"

static struct sockaddr_in addr;
static atomic_ulong done, failed;
static atomic_int stop;

static void	*worker(void *);
static double	now(void);

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Connect, read to EOF, close; count each whole connection. */
static void *
worker(void *arg)
{
	char	 buf[4096];
	ssize_t	 r;
	int	 fd;

	(void)arg;
	while (!atomic_load(&stop)) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd == -1 ||
		    connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == -1) {
			if (fd != -1)
				close(fd);
			atomic_fetch_add(&failed, 1);
			usleep(1000);
			continue;
		}
		while ((r = read(fd, buf, sizeof(buf))) > 0 ||
		    (r == -1 && errno == EINTR))
			;
		close(fd);
		if (r == 0)
			atomic_fetch_add(&done, 1);
		else
			atomic_fetch_add(&failed, 1);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	unsigned long port, secs, conc, i;
	pthread_t *t;
	double	 start;

	if (argc != 5 || num_parses(argv[2], 65535, &port) == -1 ||
	    num_parses(argv[3], 3600, &secs) == -1 ||
	    num_parses(argv[4], 1000, &conc) == -1 || conc == 0 ||
	    inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
		fprintf(stderr, "usage: bench-tcpconnect ipv4 port seconds "
		    "concurrency\n");
		return 100;
	}
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	if ((t = calloc(conc, sizeof(*t))) == NULL)
		return 111;
	start = now();
	for (i = 0; i < conc; i++)
		if (pthread_create(&t[i], NULL, worker, NULL) != 0)
			return 111;
	sleep((unsigned)secs);
	atomic_store(&stop, 1);
	for (i = 0; i < conc; i++)
		pthread_join(t[i], NULL);
	printf("%lu %.3f %lu\n", (unsigned long)atomic_load(&done),
	    now() - start, (unsigned long)atomic_load(&failed));
	free(t);
	return 0;
}
