/*
 * sched - qmail-send's scheduler; see sched.h.  Pure bookkeeping: every
 * file and descriptor is behind struct sched_ops, every time is a
 * parameter.  Out of memory for its own tables is what qmail-send does
 * about it: log, sleep, try again (qmail-send has nothing better to do).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "queue.h"
#include "sched.h"
#include "sendq.h"

#define HASHSIZE	65536
#define JOBFILE_MAX	(64UL * 1024 * 1024)
#define DAY		86400

struct sched_msg {
	unsigned long id;
	time_t	 birth;
	int	 has[SCHED_CHANNELS];	/* recipient file pending */
	time_t	 next[SCHED_CHANNELS];	/* next attempt */
	int	 injob[SCHED_CHANNELS];
	int	 indone;		/* on the done list */
	time_t	 donetime;		/* done check not before */
	struct sched_msg *hnext;
};

struct sched_hent {
	time_t	 t;
	unsigned long id;
};

struct sched_job {
	struct sched_msg *m;
	int	 c;
	int	 handle;		/* the recipient file, for marking */
	struct str recs;		/* its records */
	struct str sender;
	size_t	 pos;			/* next record to start */
	int	 running;
	int	 retry;
	int	 dying;			/* past queuelifetime */
	struct sched_job *next;
};

struct sched_del {
	int	 used;
	struct sched_job *j;
	size_t	 mpos;			/* offset of the record's tag byte */
	unsigned long num;		/* delivery number in the log */
	struct str recip;
};

static const char *const chname[SCHED_CHANNELS] = { "local", "remote" };
static const unsigned chskip[SCHED_CHANNELS] = { 10, 20 };

static void	*xalloc(const struct sched *, size_t, size_t);
static void	*xrealloc(const struct sched *, void *, size_t, size_t);
static struct sched_msg *msg_get(const struct sched *, unsigned long);
static struct sched_msg *msg_new(struct sched *, unsigned long);
static void	msg_free(struct sched *, struct sched_msg *);
static void	heap_push(struct sched *, struct sched_heap *, time_t,
		    unsigned long);
static void	heap_pop(struct sched_heap *);
static void	enqueue(struct sched *, struct sched_msg *, int);
static void	done_add(struct sched *, struct sched_msg *, time_t);
static int	job_open(struct sched *, struct sched_msg *, int, time_t);
static void	job_close(struct sched *, struct sched_job *, time_t);
static int	sender_for(struct str *, const struct str *, const char *);
static int	del_start(struct sched *, int, time_t, int *);
static void	done_run(struct sched *, time_t);

/* calloc that waits for memory. */
static void *
xalloc(const struct sched *s, size_t n, size_t size)
{
	void	*p;

	while ((p = calloc(n, size)) == NULL) {
		s->ops->log(s->ops->ctx, "alert: out of memory, sleeping...");
		sleep(10);
	}
	return p;
}

/* reallocarray that waits for memory. */
static void *
xrealloc(const struct sched *s, void *old, size_t n, size_t size)
{
	void	*p;

	while ((p = reallocarray(old, n, size)) == NULL) {
		s->ops->log(s->ops->ctx, "alert: out of memory, sleeping...");
		sleep(10);
	}
	return p;
}

static struct sched_msg *
msg_get(const struct sched *s, unsigned long id)
{
	struct sched_msg *m;

	for (m = s->tab[id % HASHSIZE]; m != NULL; m = m->hnext)
		if (m->id == id)
			return m;
	return NULL;
}

static struct sched_msg *
msg_new(struct sched *s, unsigned long id)
{
	struct sched_msg *m;

	m = xalloc(s, 1, sizeof(*m));
	m->id = id;
	m->hnext = s->tab[id % HASHSIZE];
	s->tab[id % HASHSIZE] = m;
	s->nmsg++;
	return m;
}

static void
msg_free(struct sched *s, struct sched_msg *m)
{
	struct sched_msg **pp;

	for (pp = &s->tab[m->id % HASHSIZE]; *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == m) {
			*pp = m->hnext;
			break;
		}
	s->nmsg--;
	free(m);
}

static void
heap_push(struct sched *s, struct sched_heap *h, time_t t, unsigned long id)
{
	struct sched_hent e = { t, id };
	size_t	 i, p;

	if (h->n == h->cap) {
		h->v = xrealloc(s, h->v, h->cap ? h->cap * 2 : 1024,
		    sizeof(*h->v));
		h->cap = h->cap ? h->cap * 2 : 1024;
	}
	i = h->n++;
	while (i > 0) {
		p = (i - 1) / 2;
		if (h->v[p].t <= t)
			break;
		h->v[i] = h->v[p];
		i = p;
	}
	h->v[i] = e;
}

static void
heap_pop(struct sched_heap *h)
{
	struct sched_hent e;
	size_t	 i = 0, c;

	if (h->n == 0)
		return;
	e = h->v[--h->n];
	for (;;) {
		c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1].t < h->v[c].t)
			c++;
		if (e.t <= h->v[c].t)
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n > 0)
		h->v[i] = e;
}

/* Queue message m for its next attempt on channel c.  Stale entries
 * (the message's time changed since) are skipped when popped. */
static void
enqueue(struct sched *s, struct sched_msg *m, int c)
{
	heap_push(s, &s->pq[c], m->next[c], m->id);
}

/* Look at m again (bounces, completion) at t or later. */
static void
done_add(struct sched *s, struct sched_msg *m, time_t t)
{
	m->donetime = t;
	if (m->indone)
		return;
	if (s->ndone == s->capdone) {
		s->donel = xrealloc(s, s->donel,
		    s->capdone ? s->capdone * 2 : 256, sizeof(*s->donel));
		s->capdone = s->capdone ? s->capdone * 2 : 256;
	}
	s->donel[s->ndone++] = m->id;
	m->indone = 1;
}

int
sched_init(struct sched *s, const struct sched_ops *ops, const int *up,
    const int *conc, long lifetime)
{
	int	 c, i;

	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->lifetime = lifetime;
	if ((s->tab = calloc(HASHSIZE, sizeof(*s->tab))) == NULL)
		goto nomem;
	for (c = 0; c < SCHED_CHANNELS; c++) {
		s->up[c] = up[c];
		s->conc[c] = conc[c] < 0 ? 0 : conc[c] > SENDQ_SPAWN_MAX ?
		    SENDQ_SPAWN_MAX : conc[c];
		s->dels[c] = calloc(SENDQ_SPAWN_MAX, sizeof(*s->dels[c]));
		if (s->dels[c] == NULL)
			goto nomem;
		for (i = 0; i < SENDQ_SPAWN_MAX; i++)
			s->dels[c][i].recip = (struct str)STR_INIT(
			    SENDQ_ADDR_MAX * 4 + 16);
	}
	return 0;
nomem:
	sched_free(s);
	errno = ENOMEM;
	return -1;
}

void
sched_free(struct sched *s)
{
	struct sched_msg *m, *next;
	struct sched_job *j, *jn;
	size_t	 i;
	int	 c;

	for (c = 0; c < SCHED_CHANNELS; c++) {
		for (j = s->jobs[c]; j != NULL; j = jn) {
			jn = j->next;
			s->ops->job_close(s->ops->ctx, j->handle);
			str_free(&j->recs);
			str_free(&j->sender);
			free(j);
		}
		if (s->dels[c] != NULL)
			for (i = 0; i < SENDQ_SPAWN_MAX; i++)
				str_free(&s->dels[c][i].recip);
		free(s->dels[c]);
		free(s->pq[c].v);
	}
	if (s->tab != NULL)
		for (i = 0; i < HASHSIZE; i++)
			for (m = s->tab[i]; m != NULL; m = next) {
				next = m->hnext;
				free(m);
			}
	free(s->tab);
	free(s->donel);
	memset(s, 0, sizeof(*s));
}

int
sched_known(const struct sched *s, unsigned long id)
{
	return msg_get(s, id) != NULL;
}

void
sched_add(struct sched *s, unsigned long id, time_t birth, const int *has,
    const time_t *next, time_t now)
{
	struct sched_msg *m;
	int	 c, any = 0;

	if (msg_get(s, id) != NULL)
		return;
	m = msg_new(s, id);
	m->birth = birth;
	for (c = 0; c < SCHED_CHANNELS; c++) {
		m->has[c] = has[c] != 0;
		m->next[c] = next[c];
		if (m->has[c]) {
			enqueue(s, m, c);
			any = 1;
		}
	}
	if (!any)
		done_add(s, m, now);
}

/*
 * Start a pass of channel c over message m: read its recipient file and
 * sender.  1 a job is open, 0 nothing to do (the file is gone), -1
 * trouble (retried later).
 */
static int
job_open(struct sched *s, struct sched_msg *m, int c, time_t now)
{
	struct sched_job *j;
	int	 r;

	j = xalloc(s, 1, sizeof(*j));
	j->recs = (struct str)STR_INIT(JOBFILE_MAX);
	j->sender = (struct str)STR_INIT(SENDQ_ADDR_MAX + 16);
	r = s->ops->job_open(s->ops->ctx, c, m->id, &j->recs, &j->sender,
	    &j->handle);
	if (r != 1) {
		if (r == 0)
			m->has[c] = 0;
		str_free(&j->recs);
		str_free(&j->sender);
		free(j);
		return r;
	}
	j->m = m;
	j->c = c;
	j->dying = now > m->birth + s->lifetime;
	m->injob[c] = 1;
	j->next = s->jobs[c];
	s->jobs[c] = j;
	return 1;
}

/* The pass is over: drop the file if every recipient is done, else
 * schedule the next attempt; then look for bounces. */
static void
job_close(struct sched *s, struct sched_job *j, time_t now)
{
	struct sched_msg *m = j->m;
	struct sched_job **pp;
	int	 c = j->c;

	for (pp = &s->jobs[c]; *pp != NULL; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	m->injob[c] = 0;
	if (!j->retry) {
		if (s->ops->unlink_chan(s->ops->ctx, c, m->id) == -1)
			j->retry = 1;
		else
			m->has[c] = 0;
	}
	if (j->retry) {
		m->next[c] = sendq_nextretry(m->birth, now, chskip[c]);
		if (m->next[c] <= now)
			m->next[c] = now + 1;
		enqueue(s, m, c);
	}
	done_add(s, m, now);
	s->ops->job_close(s->ops->ctx, j->handle);
	str_free(&j->recs);
	str_free(&j->sender);
	free(j);
}

/* The envelope sender for one recipient: qmail's VERP "pre-@host-@[]"
 * becomes "pre-<local>=<domain>@host". */
static int
sender_for(struct str *out, const struct str *snd, const char *recip)
{
	const char *at, *rat;
	size_t	 n = snd->len;

	str_clear(out);
	if (n < 4 || memcmp(snd->s + n - 4, "-@[]", 4) != 0)
		return str_cat(out, snd);
	at = memrchr(snd->s, '@', n - 4);
	rat = strrchr(recip, '@');
	if (at == NULL || rat == NULL)
		return str_catb(out, snd->s, n - 4);
	if (str_catb(out, snd->s, (size_t)(at - snd->s)) == -1 ||
	    str_catb(out, recip, (size_t)(rat - recip)) == -1 ||
	    str_catc(out, '=') == -1 || str_cats(out, rat + 1) == -1 ||
	    str_catb(out, at, (size_t)(snd->s + n - 4 - at)) == -1)
		return -1;
	return 0;
}

/*
 * Start deliveries on channel c while slots are free; *started_r counts
 * them.  0, or -1 when the spawn is gone.
 */
static int
del_start(struct sched *s, int c, time_t now, int *started_r)
{
	struct str snd = STR_INIT(3 * SENDQ_ADDR_MAX + 300);
	struct str safe = STR_INIT(4 * SENDQ_ADDR_MAX + 300);
	struct sched_job *j;
	struct sched_del *d;
	const char *rec, *z;
	int	 slot, r = 0;

	*started_r = 0;
	while (!s->exitasap && s->up[c] && s->running[c] < s->conc[c]) {
		for (j = s->jobs[c]; j != NULL; j = j->next)
			if (j->pos < j->recs.len || j->running == 0)
				break;
		if (j == NULL)
			break;
		if (j->pos >= j->recs.len) {	/* nothing (left) to start */
			job_close(s, j, now);
			continue;
		}
		rec = j->recs.s + j->pos;
		z = memchr(rec, '\0', j->recs.len - j->pos);
		if (z == NULL) {
			j->pos = j->recs.len;	/* partial last record */
			if (j->running == 0)
				job_close(s, j, now);
			continue;
		}
		if (rec[0] != 'T' || z == rec + 1) {
			j->pos = (size_t)(z - j->recs.s) + 1;
			if (j->pos >= j->recs.len && j->running == 0)
				job_close(s, j, now);
			continue;
		}
		for (slot = 0; slot < s->conc[c]; slot++)
			if (!s->dels[c][slot].used)
				break;
		d = &s->dels[c][slot];
		if (sender_for(&snd, &j->sender, rec + 1) == -1 ||
		    str_copys(&d->recip, rec + 1) == -1) {
			s->ops->log(s->ops->ctx, "alert: out of memory, "
			    "sleeping...");
			sleep(10);
			break;
		}
		if (s->ops->start(s->ops->ctx, c, slot, j->m->id, snd.s,
		    rec + 1) == -1) {
			r = -1;
			break;
		}
		d->used = 1;
		d->j = j;
		d->mpos = j->pos;
		d->num = ++s->delnum;
		j->pos = (size_t)(z - j->recs.s) + 1;
		j->running++;
		s->running[c]++;
		(*started_r)++;
		str_clear(&safe);
		(void)log_safe_cat(&safe, rec + 1, (size_t)(z - rec - 1));
		s->ops->log(s->ops->ctx, "starting delivery %lu: msg %lu to %s "
		    "%s", d->num, j->m->id, chname[c], str_c(&safe));
		sched_status(s);
	}
	str_free(&snd);
	str_free(&safe);
	return r;
}

void
sched_report(struct sched *s, int c, int slot, const char *r, size_t n,
    time_t now)
{
	static const char toolong[] = "I'm not going to try again; this "
	    "message has been in the queue too long.\n";
	const struct sched_ops *o = s->ops;
	struct str safe = STR_INIT(4 * SENDQ_REPORT_MAX);
	struct sched_del *d;
	struct sched_job *j;
	int	 done = 0;

	if (slot < 0 || slot >= s->conc[c] || !s->dels[c][slot].used) {
		o->log(o->ctx, "warning: internal error: delivery report out "
		    "of range");
		return;
	}
	d = &s->dels[c][slot];
	j = d->j;
	if (n >= 1)
		(void)log_safe_cat(&safe, r + 1, n - 1);
	switch (n >= 1 ? r[0] : '?') {
	case 'K':
		o->log(o->ctx, "delivery %lu: success: %s", d->num,
		    str_c(&safe));
		done = 1;
		break;
	case 'Z':
		o->log(o->ctx, "delivery %lu: deferral: %s", d->num,
		    str_c(&safe));
		if (j->dying) {
			if (o->bounce_add(o->ctx, j->m->id, d->recip.s, r + 1,
			    n - 1, toolong) == 0)
				done = 1;
			else
				o->log(o->ctx, "alert: unable to append to "
				    "bounce message; will try again later");
		}
		break;
	case 'D':
		o->log(o->ctx, "delivery %lu: failure: %s", d->num,
		    str_c(&safe));
		if (o->bounce_add(o->ctx, j->m->id, d->recip.s, r + 1, n - 1,
		    NULL) == 0)
			done = 1;
		else
			o->log(o->ctx, "alert: unable to append to bounce "
			    "message; will try again later");
		break;
	default:
		o->log(o->ctx, "delivery %lu: report mangled, will defer",
		    d->num);
	}
	if (done && o->mark(o->ctx, j->handle, d->mpos) == -1) {
		o->log(o->ctx, "warning: trouble marking %s/%lu; message will "
		    "be delivered twice!", chname[c], j->m->id);
		done = 0;
	}
	if (!done)
		j->retry = 1;
	d->used = 0;
	s->running[c]--;
	j->running--;
	sched_status(s);
	if (j->running == 0 && j->pos >= j->recs.len)
		job_close(s, j, now);
	str_free(&safe);
}

/* Bounces and completions that are due. */
static void
done_run(struct sched *s, time_t now)
{
	struct sched_msg *m;
	size_t	 i, k = 0;

	for (i = 0; i < s->ndone; i++) {
		m = msg_get(s, s->donel[i]);
		if (m == NULL)
			continue;
		if (m->donetime > now || s->exitasap) {
			s->donel[k++] = s->donel[i];
			continue;
		}
		if (!s->ops->bounce_send(s->ops->ctx, m->id)) {
			m->donetime = now + SENDQ_SLEEP_SYSFAIL;
			s->donel[k++] = s->donel[i];
			continue;
		}
		m->indone = 0;
		if (!m->has[0] && !m->has[1] && !m->injob[0] && !m->injob[1]) {
			s->ops->log(s->ops->ctx, "end msg %lu", m->id);
			s->ops->finish(s->ops->ctx, m->id);
			msg_free(s, m);
		}
	}
	s->ndone = k;
}

int
sched_run(struct sched *s, time_t now)
{
	struct sched_hent e;
	struct sched_msg *m;
	int	 c, work = 1, started, r;

	while (work && !s->exitasap) {
		work = 0;
		for (c = 0; c < SCHED_CHANNELS; c++) {
			if (del_start(s, c, now, &started) == -1)
				return -1;
			work |= started > 0;
			/* One new pass per channel per round: its
			 * deliveries start before the next is opened. */
			while (s->up[c] && s->running[c] < s->conc[c] &&
			    s->pq[c].n > 0 && s->pq[c].v[0].t <= now) {
				e = s->pq[c].v[0];
				heap_pop(&s->pq[c]);
				m = msg_get(s, e.id);
				if (m == NULL || !m->has[c] || m->injob[c] ||
				    m->next[c] != e.t)
					continue;
				r = job_open(s, m, c, now);
				if (r == -1) {
					m->next[c] = now + SENDQ_SLEEP_SYSFAIL;
					enqueue(s, m, c);
				} else if (r == 0)
					done_add(s, m, now);
				work = 1;
				break;
			}
		}
	}
	done_run(s, now);
	return 0;
}

time_t
sched_wake(const struct sched *s, time_t now)
{
	const struct sched_msg *m;
	time_t	 wake = now + DAY;
	size_t	 i;
	int	 c;

	for (c = 0; c < SCHED_CHANNELS; c++)
		if (s->up[c] && s->conc[c] > 0 && s->pq[c].n > 0 &&
		    s->pq[c].v[0].t < wake)
			wake = s->pq[c].v[0].t;
	for (i = 0; i < s->ndone; i++)
		if ((m = msg_get(s, s->donel[i])) != NULL &&
		    m->donetime < wake)
			wake = m->donetime;
	return wake;
}

void
sched_retry_all(struct sched *s, time_t now)
{
	struct sched_msg *m;
	size_t	 i;
	int	 c;

	for (c = 0; c < SCHED_CHANNELS; c++)
		s->pq[c].n = 0;
	for (i = 0; i < HASHSIZE; i++)
		for (m = s->tab[i]; m != NULL; m = m->hnext)
			for (c = 0; c < SCHED_CHANNELS; c++)
				if (m->has[c] && !m->injob[c]) {
					m->next[c] = now;
					enqueue(s, m, c);
				}
}

void
sched_exitasap(struct sched *s)
{
	s->exitasap = 1;
}

int
sched_idle(const struct sched *s)
{
	return s->running[0] == 0 && s->running[1] == 0;
}

void
sched_status(const struct sched *s)
{
	s->ops->log(s->ops->ctx, "status: local %d/%d remote %d/%d%s",
	    s->running[0], s->conc[0], s->running[1], s->conc[1],
	    s->exitasap ? " exitasap" : "");
}

void
sched_each_pending(const struct sched *s,
    void (*fn)(void *, int, unsigned long, time_t), void *arg)
{
	const struct sched_msg *m;
	size_t	 i;
	int	 c;

	for (i = 0; i < HASHSIZE; i++)
		for (m = s->tab[i]; m != NULL; m = m->hnext)
			for (c = 0; c < SCHED_CHANNELS; c++)
				if (m->has[c])
					fn(arg, c, m->id, m->next[c]);
}
