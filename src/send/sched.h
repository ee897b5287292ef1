/*
 * sched - qmail-send's scheduling, without its descriptors and files:
 * the table of messages, the retry heap of each channel (local, remote),
 * the passes over a message's recipients (jobs), the delivery slots and
 * their concurrency, qmail's retry schedule and queue lifetime, and the
 * bounce decisions.  Everything it needs from the outside world (reading
 * a recipient file, starting a delivery, marking a recipient done,
 * bounces, removing a message, the log) goes through struct sched_ops,
 * and the time is always passed in: unit tests drive it with a fake
 * clock and fake files.  qmail-send is its one user.
 */
#ifndef HSMAIL_SCHED_H
#define HSMAIL_SCHED_H

#include <stddef.h>
#include <time.h>

#include "str.h"

#define SCHED_CHANNELS	2	/* 0 local, 1 remote */

/*
 * The outside world.  Each function gets ops->ctx first; c is a channel,
 * id a message.
 */
struct sched_ops {
	void	*ctx;
	/*
	 * Open the recipient file of channel c ("T<addr>\0" records, done
	 * ones marked 'D') for a pass: its records into *recs and the
	 * message's envelope sender into *sender; *handle_r is what mark and
	 * job_close get.  1 open, 0 the file is gone (nothing left on the
	 * channel), -1 trouble (try again later; logged by the function).
	 */
	int	(*job_open)(void *ctx, int c, unsigned long id, struct str *recs,
		    struct str *sender, int *handle_r);
	/* The pass is over: release the handle. */
	void	(*job_close)(void *ctx, int handle);
	/*
	 * Mark the record at offset pos done ('D' over its 'T').  0, or -1:
	 * then it will be delivered again.
	 */
	int	(*mark)(void *ctx, int handle, size_t pos);
	/* Remove the recipient file of channel c.  0 (also when it is
	 * gone already), or -1 (try again later). */
	int	(*unlink_chan)(void *ctx, int c, unsigned long id);
	/*
	 * Hand the delivery to channel c's spawn in slot: sender (VERP
	 * already applied) and recipient.  0, or -1: the spawn is gone
	 * (qmail-send dies).
	 */
	int	(*start)(void *ctx, int c, int slot, unsigned long id,
		    const char *sender, const char *recip);
	/*
	 * Append a failure paragraph for recip to the message's bounce:
	 * the report (n bytes) and extra (a C string, or NULL).  0, or -1:
	 * the recipient stays undone and is tried again.
	 */
	int	(*bounce_add)(void *ctx, unsigned long id, const char *recip,
		    const char *report, size_t n, const char *extra);
	/* Send the collected bounce, if any.  1 done (or nothing to send),
	 * 0 failed (try again later). */
	int	(*bounce_send)(void *ctx, unsigned long id);
	/* Nothing is left of the message: remove it ("end msg"). */
	void	(*finish)(void *ctx, unsigned long id);
	/* One line of qmail-send's log. */
	void	(*log)(void *ctx, const char *fmt, ...)
		    __attribute__((__format__ (printf, 2, 3)));
};

struct sched_msg;
struct sched_job;
struct sched_del;
struct sched_heap {
	struct sched_hent *v;
	size_t	 n, cap;
};

struct sched {
	const struct sched_ops *ops;
	struct sched_msg **tab;		/* hash table of messages */
	size_t	 nmsg;
	struct sched_heap pq[SCHED_CHANNELS];	/* next attempts */
	struct sched_job *jobs[SCHED_CHANNELS];	/* passes with work left */
	struct sched_del *dels[SCHED_CHANNELS];	/* slots */
	int	 conc[SCHED_CHANNELS];	/* slots in use at most */
	int	 running[SCHED_CHANNELS];
	int	 up[SCHED_CHANNELS];	/* the channel has a spawn */
	unsigned long *donel;		/* messages to look at again */
	size_t	 ndone, capdone;
	unsigned long delnum;		/* delivery number in the log */
	long	 lifetime;		/* queuelifetime, seconds */
	int	 exitasap;		/* TERM: start nothing new */
};

/*
 * Set up s: channel c has a spawn if up[c], with conc[c] slots (at most
 * SENDQ_SPAWN_MAX); lifetime is queuelifetime.  0 or -1 (ENOMEM).
 */
int	sched_init(struct sched *, const struct sched_ops *, const int *up,
	    const int *conc, long lifetime);
void	sched_free(struct sched *);

/* 1 if message id is known. */
int	sched_known(const struct sched *, unsigned long id);

/*
 * A message to deliver, born at birth (its info/ time): has[c] says it
 * has recipients on channel c, due at next[c].  A message with none is
 * looked at for bounces and removal at now.  Known ids are ignored.
 */
void	sched_add(struct sched *, unsigned long id, time_t birth,
	    const int *has, const time_t *next, time_t now);

/*
 * Do what is due at now: start passes over due messages and deliveries
 * while slots are free, send bounces and remove finished messages.
 * 0, or -1 when a spawn is gone (start failed: qmail-send dies).
 */
int	sched_run(struct sched *, time_t now);

/* When sched_run has something to do next (now + 86400 at most). */
time_t	sched_wake(const struct sched *, time_t now);

/*
 * A spawn's report for slot on channel c: r[0] 'K' delivered, 'Z' try
 * again (a bounce once the message is past its lifetime), 'D' failed
 * (a bounce); the text follows.  Out-of-range slots are logged.
 */
void	sched_report(struct sched *, int c, int slot, const char *r, size_t n,
	    time_t now);

/* ALRM: every waiting message is due now. */
void	sched_retry_all(struct sched *, time_t now);

/* TERM: start nothing new.  1 once no delivery runs. */
void	sched_exitasap(struct sched *);
int	sched_idle(const struct sched *);

/* "status: local R/C remote R/C[ exitasap]" into the log. */
void	sched_status(const struct sched *);

/* For each message with recipients left on channel c (delivered or
 * not), fn(arg, c, id, next attempt). */
void	sched_each_pending(const struct sched *,
	    void (*fn)(void *, int, unsigned long, time_t), void *arg);

#endif
