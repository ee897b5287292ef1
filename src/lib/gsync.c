/*
 * gsync - group commit of directory fsyncs; see gsync.h.  Each slot has
 * a count of changes announced, the highest change known durable, and
 * the pid of the process whose fsync is running (0: none), which is also
 * the futex others wait on.
 */
#include <sys/mman.h>
#include <sys/syscall.h>

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "gsync.h"

#define WAIT_NS		20000000	/* 20 ms for a running fsync */

struct gslot {
	atomic_ulong	 changed;	/* changes announced */
	atomic_ulong	 synced;	/* changes made durable */
	atomic_int	 busy;		/* pid of the syncing process, or 0 */
	int		 pad;
};

struct gsync {
	size_t		 n;
	atomic_ulong	 fsyncs;
	atomic_ulong	 shared;
	struct gslot	 slot[];
};

static int	run(struct gslot *, const char *);

struct gsync *
gsync_new(size_t n)
{
	struct gsync *g;

	g = mmap(NULL, sizeof(*g) + n * sizeof(g->slot[0]),
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (g == MAP_FAILED)
		return NULL;
	g->n = n;
	return g;
}

/* This process syncs dir for the slot (busy is ours). */
static int
run(struct gslot *s, const char *dir)
{
	unsigned long upto, have;
	int	 r;

	/* Every change announced now is covered by an fsync begun later. */
	upto = atomic_load(&s->changed);
	r = file_fsync_dir(dir);
	if (r == 0) {
		have = atomic_load(&s->synced);
		while (have < upto &&
		    !atomic_compare_exchange_weak(&s->synced, &have, upto))
			;
	}
	atomic_store(&s->busy, 0);
	(void)syscall(SYS_futex, &s->busy, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	return r;
}

int
gsync_dir(struct gsync *g, size_t k, const char *dir)
{
	struct timespec ts = { 0, WAIT_NS };
	struct gslot *s;
	unsigned long my;
	int	 holder, free_, me = (int)getpid();

	if (g == NULL || k >= g->n)
		return file_fsync_dir(dir);
	s = &g->slot[k];
	my = atomic_fetch_add(&s->changed, 1) + 1;
	for (;;) {
		if (atomic_load(&s->synced) >= my) {
			atomic_fetch_add(&g->shared, 1);
			return 0;
		}
		free_ = 0;
		if (atomic_compare_exchange_strong(&s->busy, &free_, me)) {
			atomic_fetch_add(&g->fsyncs, 1);
			/* It began after our change: it covers us. */
			return run(s, dir);
		}
		holder = free_;
		if (syscall(SYS_futex, &s->busy, FUTEX_WAIT, holder, &ts, NULL,
		    0) == -1 && errno == ETIMEDOUT) {
			/* Stuck, or gone: take the slot back from a dead
			 * holder, and sync on our own meanwhile. */
			if (kill(holder, 0) == -1 && errno == ESRCH)
				(void)atomic_compare_exchange_strong(&s->busy,
				    &holder, 0);
			atomic_fetch_add(&g->fsyncs, 1);
			return file_fsync_dir(dir);
		}
	}
}

unsigned long
gsync_fsyncs(const struct gsync *g)
{
	return g != NULL ? atomic_load(&g->fsyncs) : 0;
}

unsigned long
gsync_shared(const struct gsync *g)
{
	return g != NULL ? atomic_load(&g->shared) : 0;
}
