/*
 * tacc - mail traffic accounting: turns scanned maillog events (mlog.h)
 * into per-day, per-domain byte counts, keeping the messages and
 * deliveries in flight in hash tables keyed by number.  Part of
 * mail-traffic; the counting rule is defined in mail-traffic(8).
 * The whole state (in flight and open days) is saved and loaded as text
 * so that a later run continues exactly where this one stopped.
 */
#ifndef HSMAIL_TACC_H
#define HSMAIL_TACC_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "mlog.h"
#include "str.h"

/* Days kept open after the newest day seen: later lines for them count. */
#define TACC_KEEP_DAYS	7
#define TACC_DOMAIN_MAX	255

struct tacc_cnt {
	uint64_t in;		/* bytes delivered locally to the domain */
	uint64_t out;		/* bytes delivered remotely for its senders */
	uint64_t retr;		/* bytes retrieved over POP3/IMAP */
	uint64_t hits;		/* deliveries counted + messages retrieved */
};

struct tacc_day {
	int	 ymd;		/* YYYYMMDD, local time */
	int	 dirty;		/* changed since the last write */
	struct tacc_cnt *c;	/* indexed by domain number */
	size_t	 nc;
};

struct tacc_ent {
	uint64_t key;
	uint64_t bytes;
	int32_t	 dom;		/* domain number or -1 */
	uint8_t	 used;
	uint8_t	 out;		/* delivery: 1 remote (outgoing) */
};

struct tacc_map {
	struct tacc_ent *e;
	size_t	 cap;		/* power of two */
	size_t	 n;
};

struct tacc_dom {
	uint32_t off;		/* name in names.s */
	uint32_t len;
	int32_t	 canon;		/* the real domain (alias domains) */
	uint8_t	 hosted;
};

struct tacc {
	struct str names;
	struct tacc_dom *d;
	size_t	 nd, dcap;
	int32_t	*idx;		/* open addressing over d, -1 empty */
	size_t	 icap;
	struct tacc_map msgs;
	struct tacc_map dlvs;
	struct tacc_day *days;
	size_t	 ndays, daycap;
	int	 closed;	/* days before this YYYYMMDD are written off */
	int64_t	 ref;		/* last known time (unix) */
	int64_t	 day_lo, day_hi;/* cache: [lo,hi) is day cache_ymd */
	int	 cache_ymd;
	uint64_t nlate;		/* lines for closed days, not counted */
	uint64_t nbaddom;	/* addresses whose domain is unusable */
};

/* An empty accountant.  0 or -1 (ENOMEM). */
int	tacc_init(struct tacc *);
void	tacc_free(struct tacc *);

/*
 * Mark a domain hosted; alias (may be NULL) names the real domain it
 * belongs to.  0, or -1 (ENOMEM, EINVAL for an unusable name).
 */
int	tacc_host(struct tacc *, const char *dom, size_t n, const char *alias,
	    size_t alen);

/* Feed one scanned event.  0, or -1 (ENOMEM). */
int	tacc_feed(struct tacc *, const struct mlog_ev *);

/* The time of an event: its stamp, its header in the right year, or
 * the last known time.  Updates ref. */
int64_t	tacc_time(struct tacc *, const struct mlog_ev *);

/*
 * Append the statistics file of day (hsmail-qml(5)) to out, domains in
 * byte order.  0 or -1.
 */
int	tacc_day_text(struct tacc *, const struct tacc_day *, struct str *out);

/* Forget days older than TACC_KEEP_DAYS before the newest (not dirty). */
void	tacc_prune(struct tacc *);

/* Save / load the state as text.  Load: 0, or -1 (ENOMEM, EPROTO for a
 * damaged state text). */
int	tacc_save(const struct tacc *, struct str *out);
int	tacc_load(struct tacc *, const char *b, size_t n);

/* The name of domain i (not NUL-terminated) and its length. */
const char *tacc_name(const struct tacc *, int32_t i, size_t *len_r);

#endif
