/*
 * fsyncv - several fsyncs at once through a small io_uring, set up with
 * the raw system calls (no liburing); see fsyncv.h.
 */
#include <sys/mman.h>
#include <sys/syscall.h>

#include <errno.h>
#include <linux/io_uring.h>
#include <string.h>
#include <unistd.h>

#include "fsyncv.h"

struct ring {
	pid_t	 pid;		/* the process that set it up; 0: none */
	int	 broken;	/* no io_uring here: one after another */
	int	 fd;
	unsigned *sqhead, *sqtail, *sqmask, *sqarray;
	unsigned *cqhead, *cqtail, *cqmask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static struct ring R;

static int	ring_setup(void);
static int	serial(const int *, size_t);

/* One after another; the errno of the last failure. */
static int
serial(const int *fds, size_t n)
{
	size_t	 i;
	int	 r = 0, e = 0;

	for (i = 0; i < n; i++)
		if (fsync(fds[i]) == -1) {
			r = -1;
			e = errno;
		}
	if (r == -1)
		errno = e;
	return r;
}

/* This process's ring.  0, or -1 (then R.broken). */
static int
ring_setup(void)
{
	struct io_uring_params p;
	size_t	 sqlen, cqlen;
	char	*sq, *cq;
	void	*sqes;
	int	 fd;

	memset(&p, 0, sizeof(p));
	fd = (int)syscall(SYS_io_uring_setup, FSYNCV_MAX, &p);
	if (fd == -1)
		goto broken;
	sqlen = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	cqlen = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if ((p.features & IORING_FEAT_SINGLE_MMAP) && cqlen > sqlen)
		sqlen = cqlen;
	sq = mmap(NULL, sqlen, PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_POPULATE, fd, IORING_OFF_SQ_RING);
	if (sq == MAP_FAILED)
		goto closefd;
	if (p.features & IORING_FEAT_SINGLE_MMAP)
		cq = sq;
	else {
		cq = mmap(NULL, cqlen, PROT_READ | PROT_WRITE, MAP_SHARED |
		    MAP_POPULATE, fd, IORING_OFF_CQ_RING);
		if (cq == MAP_FAILED)
			goto closefd;	/* the mappings go with the process */
	}
	sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
	    IORING_OFF_SQES);
	if (sqes == MAP_FAILED)
		goto closefd;
	R.fd = fd;
	R.sqhead = (unsigned *)(void *)(sq + p.sq_off.head);
	R.sqtail = (unsigned *)(void *)(sq + p.sq_off.tail);
	R.sqmask = (unsigned *)(void *)(sq + p.sq_off.ring_mask);
	R.sqarray = (unsigned *)(void *)(sq + p.sq_off.array);
	R.cqhead = (unsigned *)(void *)(cq + p.cq_off.head);
	R.cqtail = (unsigned *)(void *)(cq + p.cq_off.tail);
	R.cqmask = (unsigned *)(void *)(cq + p.cq_off.ring_mask);
	R.cqes = (struct io_uring_cqe *)(void *)(cq + p.cq_off.cqes);
	R.sqes = sqes;
	R.pid = getpid();
	R.broken = 0;
	return 0;
closefd:
	close(fd);
broken:
	R.pid = getpid();
	R.broken = 1;
	return -1;
}

int
fsyncv(const int *fds, size_t n)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	unsigned tail, head, left;
	size_t	 i, done = 0;
	int	 r = 0, e = 0;
	long	 k;

	if (n == 0 || n > FSYNCV_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (n == 1)
		return fsync(fds[0]);
	if (R.pid != getpid()) {
		/* A parent's ring is not ours: leave it, make our own. */
		if (R.pid != 0 && !R.broken)
			close(R.fd);
		if (ring_setup() == -1)
			return serial(fds, n);
	}
	if (R.broken)
		return serial(fds, n);
	tail = *R.sqtail;
	for (i = 0; i < n; i++) {
		unsigned idx = (tail + (unsigned)i) & *R.sqmask;

		sqe = &R.sqes[idx];
		memset(sqe, 0, sizeof(*sqe));
		sqe->opcode = IORING_OP_FSYNC;
		sqe->fd = fds[i];
		sqe->user_data = i;
		R.sqarray[idx] = idx;
	}
	__atomic_store_n(R.sqtail, tail + (unsigned)n, __ATOMIC_RELEASE);
	/* Submit all and wait for all in one call; a signal may interrupt
	 * it part way: then submit the rest, and reap. */
	while ((left = tail + (unsigned)n -
	    __atomic_load_n(R.sqhead, __ATOMIC_ACQUIRE)) != 0) {
		k = syscall(SYS_io_uring_enter, R.fd, left, (unsigned)n,
		    IORING_ENTER_GETEVENTS, NULL, 0);
		if (k == -1 && errno != EINTR && errno != EAGAIN &&
		    errno != EBUSY) {
			/* Give the ring up; what it took finishes on its
			 * own.  fsync twice does no harm. */
			R.broken = 1;
			return serial(fds, n);
		}
	}
	while (done < n) {
		head = *R.cqhead;
		while (head != __atomic_load_n(R.cqtail, __ATOMIC_ACQUIRE) &&
		    done < n) {
			cqe = &R.cqes[head & *R.cqmask];
			if (cqe->res < 0) {
				r = -1;
				e = -cqe->res;
			}
			head++;
			done++;
		}
		__atomic_store_n(R.cqhead, head, __ATOMIC_RELEASE);
		if (done < n && syscall(SYS_io_uring_enter, R.fd, 0, 1,
		    IORING_ENTER_GETEVENTS, NULL, 0) == -1 && errno != EINTR) {
			R.broken = 1;
			return serial(fds, n);
		}
	}
	if (r == -1)
		errno = e;
	return r;
}
