/*
 * qmail-send - the scheduler.  Started by qmail-start as qmails (its
 * process is qmail-start's, after exec).  Descriptors: 0 the activity log
 * (out), 1/2 commands to / reports from qmail-lspawn, 3/4 the same for
 * qmail-rspawn, 5/6 requests to / answers from qmail-clean, 7/8 bytes to
 * / records from qmail-todo (ext-todo: qmail-send never reads todo/).
 *
 * It keeps every preprocessed message (info/<id>) in memory, delivers its
 * local/ and remote/ recipients through the spawns with at most
 * concurrencylocal / concurrencyremote at once, retries temporary failures
 * on qmail's schedule until queuelifetime, marks finished recipients in
 * place, collects permanent failures in bounce/<id> and sends them back
 * in QSBMF (double bounces to doublebounceto, triple bounces discarded),
 * and removes a message once nothing is left.  HUP: qmail-todo rereads
 * locals and virtualdomains; ALRM: retry everything now; TERM: start
 * nothing new, let running deliveries finish, record retry times, exit.
 * Trusts the queue (written by qmail-queue and qmail-todo) and its
 * helpers' reports only as far as their format is checked.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "ctl.h"
#include "err.h"
#include "file.h"
#include "log.h"
#include "qq.h"
#include "root.h"
#include "queue.h"
#include "sendq.h"
#include "str.h"

#define CHANNELS	2
#define HASHSIZE	65536
#define FD_LOG		0
#define FD_CLEAN_W	5
#define FD_CLEAN_R	6
#define FD_TODO_W	7
#define FD_TODO_R	8
#define JOBFILE_MAX	(64UL * 1024 * 1024)
#define BOUNCE_MAX	(16UL * 1024 * 1024)

struct msg {
	unsigned long id;
	time_t	 birth;
	int	 has[CHANNELS];		/* local/<id>, remote/<id> pending */
	time_t	 next[CHANNELS];	/* next attempt */
	int	 injob[CHANNELS];
	int	 indone;		/* on the done list */
	time_t	 donetime;		/* done check not before */
	struct msg *hnext;
};

struct hent {
	time_t	 t;
	unsigned long id;
};

struct heap {
	struct hent *v;
	size_t	 n, cap;
};

struct job {
	struct msg *m;
	int	 c;
	int	 fd;			/* local/<id> open for marking */
	struct str file;		/* its records */
	struct str sender;
	size_t	 pos;			/* next record to start */
	int	 running;
	int	 retry;
	int	 dying;			/* past queuelifetime */
	struct job *next;
};

struct del {
	int	 used;
	struct job *j;
	size_t	 mpos;			/* offset of the record's tag byte */
	unsigned long num;		/* delivery number in the log */
	struct str recip;
};

static const char *chname[CHANNELS] = { "local", "remote" };
static const char *chdir_[CHANNELS] = { QUEUE_LOCAL, QUEUE_REMOTE };
static const unsigned chskip[CHANNELS] = { 10, 20 };
static const int fdw[CHANNELS] = { 1, 3 };
static const int fdr[CHANNELS] = { 2, 4 };

static struct msg *tab[HASHSIZE];
static size_t	 nmsg;
static struct heap pq[CHANNELS];
static struct job *jobs[CHANNELS];	/* jobs with records left to start */
static struct del *dels[CHANNELS];
static int	 conc[CHANNELS];
static int	 running[CHANNELS];
static int	 chanup[CHANNELS];
static struct str rbuf_[CHANNELS];
static struct str todobuf = STR_INIT(1 << 20);
static unsigned long *donel;
static size_t	 ndone, capdone;
static unsigned long delnum;
static long	 lifetime = 604800;
static struct str bouncefrom = STR_INIT(1024), bouncehost = STR_INIT(1024);
static struct str dbto = STR_INIT(2048);
static int	 cleanpending;
static int	 todoup = 1;

static volatile sig_atomic_t sighup, sigalrm, sigterm;
static int	 exitasap;

static void	slog(const char *, ...) __attribute__((__format__ (printf, 1, 2)));
static void	die(const char *) __attribute__((__noreturn__));
static void	onsig(int);
static struct msg *msg_get(unsigned long);
static struct msg *msg_new(unsigned long);
static void	msg_free(struct msg *);
static void	heap_push(struct heap *, time_t, unsigned long);
static void	heap_pop(struct heap *);
static void	sched(struct msg *, int);
static void	done_add(struct msg *, time_t);
static void	status(void);
static int	job_open(struct msg *, int, time_t);
static void	job_close(struct job *);
static int	del_start(int);
static void	del_report(int, const char *, size_t);
static int	addbounce(unsigned long, const char *, const char *, size_t,
		    const char *);
static int	inject_bounce(struct msg *);
static void	msg_finish(struct msg *);
static void	done_run(time_t);
static void	todo_read(void);
static void	clean_read(void);
static void	spawn_read(int);
static void	scan_info(void);
static void	cleanup_old(void);
static void	retry_all(void);
static void	exit_now(void);
static void	readctl(void);

/* One line on the log descriptor. */
static void
slog(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	sendq_vlogfd(FD_LOG, fmt, ap);
	va_end(ap);
}

static void
die(const char *why)
{
	slog("alert: %s", why);
	_exit(EXIT_TEMP);
}

static void
onsig(int sig)
{
	if (sig == SIGHUP)
		sighup = 1;
	else if (sig == SIGALRM)
		sigalrm = 1;
	else
		sigterm = 1;
}

static struct msg *
msg_get(unsigned long id)
{
	struct msg *m;

	for (m = tab[id % HASHSIZE]; m != NULL; m = m->hnext)
		if (m->id == id)
			return m;
	return NULL;
}

static struct msg *
msg_new(unsigned long id)
{
	struct msg *m;

	while ((m = calloc(1, sizeof(*m))) == NULL) {
		slog("alert: out of memory, sleeping...");
		sleep(10);
	}
	m->id = id;
	m->hnext = tab[id % HASHSIZE];
	tab[id % HASHSIZE] = m;
	nmsg++;
	return m;
}

static void
msg_free(struct msg *m)
{
	struct msg **pp;

	for (pp = &tab[m->id % HASHSIZE]; *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == m) {
			*pp = m->hnext;
			break;
		}
	nmsg--;
	free(m);
}

static void
heap_push(struct heap *h, time_t t, unsigned long id)
{
	struct hent e = { t, id }, *v;
	size_t	 i, p;

	while (h->n == h->cap) {
		v = reallocarray(h->v, h->cap ? h->cap * 2 : 1024,
		    sizeof(*v));
		if (v != NULL) {
			h->v = v;
			h->cap = h->cap ? h->cap * 2 : 1024;
			break;
		}
		slog("alert: out of memory, sleeping...");
		sleep(10);
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
heap_pop(struct heap *h)
{
	struct hent e;
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

/* Queue message m for its next attempt on channel c. */
static void
sched(struct msg *m, int c)
{
	heap_push(&pq[c], m->next[c], m->id);
}

/* Look at m again (bounces, completion) at t or later. */
static void
done_add(struct msg *m, time_t t)
{
	unsigned long *v;

	m->donetime = t;
	if (m->indone)
		return;
	while (ndone == capdone) {
		v = reallocarray(donel, capdone ? capdone * 2 : 256,
		    sizeof(*v));
		if (v != NULL) {
			donel = v;
			capdone = capdone ? capdone * 2 : 256;
			break;
		}
		slog("alert: out of memory, sleeping...");
		sleep(10);
	}
	donel[ndone++] = m->id;
	m->indone = 1;
}

static void
status(void)
{
	slog("status: local %d/%d remote %d/%d%s", running[0], conc[0],
	    running[1], conc[1], exitasap ? " exitasap" : "");
}

/*
 * Start a pass of channel c over message m: read its recipient file and
 * sender.  1 a job is open, 0 nothing to do (the channel file is gone),
 * -1 trouble (retried later).
 */
static int
job_open(struct msg *m, int c, time_t now)
{
	struct str path = STR_INIT(256), info = STR_INIT(SENDQ_ADDR_MAX + 16);
	struct job *j;
	int	 r;

	while ((j = calloc(1, sizeof(*j))) == NULL) {
		slog("alert: out of memory, sleeping...");
		sleep(10);
	}
	j->file = (struct str)STR_INIT(JOBFILE_MAX);
	j->sender = (struct str)STR_INIT(SENDQ_ADDR_MAX + 16);
	j->fd = -1;
	if (queue_path(&path, chdir_[c], m->id) == -1)
		goto fail;
	j->fd = open(path.s, O_RDWR | O_CLOEXEC);
	if (j->fd == -1) {
		if (errno == ENOENT) {
			m->has[c] = 0;
			r = 0;
			goto out;
		}
		slog("warning: unable to open %s", path.s);
		goto fail;
	}
	if (file_read(path.s, &j->file) != 1) {
		slog("warning: unable to read %s", path.s);
		goto fail;
	}
	if (queue_path(&path, "info", m->id) == -1 ||
	    file_read(path.s, &info) != 1 || info.len < 2 ||
	    info.s[0] != 'F') {
		slog("warning: unable to read %s", path.s);
		goto fail;
	}
	if (str_copys(&j->sender, info.s + 1) == -1)
		goto fail;
	j->m = m;
	j->c = c;
	j->dying = now > m->birth + lifetime;
	m->injob[c] = 1;
	j->next = jobs[c];
	jobs[c] = j;
	str_free(&path);
	str_free(&info);
	return 1;
fail:
	r = -1;
out:
	if (j->fd != -1)
		close(j->fd);
	str_free(&j->file);
	str_free(&j->sender);
	free(j);
	str_free(&path);
	str_free(&info);
	return r;
}

/* The pass is over: drop the file if every recipient is done, else
 * schedule the next attempt; then look for bounces. */
static void
job_close(struct job *j)
{
	struct str path = STR_INIT(256);
	struct msg *m = j->m;
	struct job **pp;
	time_t	 now = time(NULL);
	int	 c = j->c;

	for (pp = &jobs[c]; *pp != NULL; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	m->injob[c] = 0;
	if (!j->retry) {
		if (queue_path(&path, chdir_[c], m->id) == 0 &&
		    unlink(path.s) == -1 && errno != ENOENT) {
			slog("warning: unable to unlink %s; will try again "
			    "later", path.s);
			j->retry = 1;
		} else
			m->has[c] = 0;
	}
	if (j->retry) {
		m->next[c] = sendq_nextretry(m->birth, now, chskip[c]);
		if (m->next[c] <= now)
			m->next[c] = now + 1;
		sched(m, c);
	}
	done_add(m, now);
	close(j->fd);
	str_free(&j->file);
	str_free(&j->sender);
	str_free(&path);
	free(j);
}

/* The envelope sender for one recipient: qmail's VERP "pre-@host-@[]"
 * becomes "pre-<local>=<domain>@host". */
static int
sender_for(struct str *out, const struct str *s, const char *recip)
{
	const char *at, *rat;
	size_t	 n = s->len;

	str_clear(out);
	if (n < 4 || memcmp(s->s + n - 4, "-@[]", 4) != 0)
		return str_cat(out, s);
	at = memrchr(s->s, '@', n - 4);
	rat = strrchr(recip, '@');
	if (at == NULL || rat == NULL)
		return str_catb(out, s->s, n - 4);
	if (str_catb(out, s->s, (size_t)(at - s->s)) == -1 ||
	    str_catb(out, recip, (size_t)(rat - recip)) == -1 ||
	    str_catc(out, '=') == -1 || str_cats(out, rat + 1) == -1 ||
	    str_catb(out, at, (size_t)(s->s + n - 4 - at)) == -1)
		return -1;
	return 0;
}

/*
 * Start deliveries on channel c while slots are free.  Returns the number
 * started.
 */
static int
del_start(int c)
{
	struct str cmd = STR_INIT(3 * SENDQ_ADDR_MAX + 300);
	struct str snd = STR_INIT(3 * SENDQ_ADDR_MAX + 300);
	struct str safe = STR_INIT(4 * SENDQ_ADDR_MAX + 300);
	struct job *j;
	struct del *d;
	const char *rec, *z;
	int	 slot, started = 0;

	while (!exitasap && chanup[c] && running[c] < conc[c]) {
		for (j = jobs[c]; j != NULL; j = j->next)
			if (j->pos < j->file.len || j->running == 0)
				break;
		if (j == NULL)
			break;
		if (j->pos >= j->file.len) {	/* nothing (left) to start */
			job_close(j);
			continue;
		}
		rec = j->file.s + j->pos;
		z = memchr(rec, '\0', j->file.len - j->pos);
		if (z == NULL) {
			j->pos = j->file.len;	/* partial last record */
			if (j->running == 0)
				job_close(j);
			continue;
		}
		if (rec[0] != 'T' || z == rec + 1) {
			j->pos = (size_t)(z - j->file.s) + 1;
			if (j->pos >= j->file.len && j->running == 0)
				job_close(j);
			continue;
		}
		for (slot = 0; slot < conc[c]; slot++)
			if (!dels[c][slot].used)
				break;
		d = &dels[c][slot];
		str_clear(&cmd);
		if (sender_for(&snd, &j->sender, rec + 1) == -1 ||
		    str_catc(&cmd, (char)slot) == -1 ||
		    str_printf(&cmd, "%lu/%lu", j->m->id % QUEUE_SPLIT,
		    j->m->id) == -1 || str_catc(&cmd, '\0') == -1 ||
		    str_cat(&cmd, &snd) == -1 || str_catc(&cmd, '\0') == -1 ||
		    str_cats(&cmd, rec + 1) == -1 ||
		    str_catc(&cmd, '\0') == -1 ||
		    str_copys(&d->recip, rec + 1) == -1) {
			slog("alert: out of memory, sleeping...");
			sleep(10);
			break;
		}
		if (file_writeall(fdw[c], cmd.s, cmd.len) == -1)
			die("oh no! lost spawn connection! dying...");
		d->used = 1;
		d->j = j;
		d->mpos = j->pos;
		d->num = ++delnum;
		j->pos = (size_t)(z - j->file.s) + 1;
		j->running++;
		running[c]++;
		started++;
		str_clear(&safe);
		(void)log_safe_cat(&safe, rec + 1, (size_t)(z - rec - 1));
		slog("starting delivery %lu: msg %lu to %s %s", d->num,
		    j->m->id, chname[c], str_c(&safe));
		status();
	}
	str_free(&cmd);
	str_free(&snd);
	str_free(&safe);
	return started;
}

/*
 * Append a failure paragraph for recip to bounce/<id> (qmail's addbounce:
 * "<recip>:", the report, a blank line; a blank line inside the report
 * becomes "/" so the paragraph does not end early).  0 or -1.
 */
static int
addbounce(unsigned long id, const char *recip, const char *rep, size_t n,
    const char *extra)
{
	struct str t = STR_INIT(SENDQ_REPORT_MAX + 4 * SENDQ_ADDR_MAX);
	struct str p = STR_INIT(256);
	struct stat st;
	size_t	 i;
	int	 fd, r = -1;

	if (str_catc(&t, '<') == -1 || str_cats(&t, recip) == -1)
		goto out;
	for (i = 0; i < t.len; i++)
		if (t.s[i] == '\n')
			t.s[i] = '_';
	if (str_cats(&t, ">:\n") == -1 || str_catb(&t, rep, n) == -1 ||
	    (extra != NULL && str_cats(&t, extra) == -1))
		goto out;
	if (t.len > 0 && t.s[t.len - 1] != '\n' && str_catc(&t, '\n') == -1)
		goto out;
	for (i = t.len - 2; i > 0; i--)
		if (t.s[i] == '\n' && t.s[i - 1] == '\n')
			t.s[i] = '/';
	if (str_catc(&t, '\n') == -1 || queue_path(&p, QUEUE_BOUNCE, id) == -1)
		goto out;
	fd = open(p.s, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1)
		goto out;
	/* Durable before the recipient is marked done: else a crash could
	 * keep the mark and lose the paragraph, and the sender would never
	 * hear of the failure.  A new file's name is made durable too. */
	r = fstat(fd, &st) == -1 || file_writeall(fd, t.s, t.len) == -1 ||
	    fsync(fd) == -1 ||
	    (st.st_size == 0 && file_fsync_dir(QUEUE_BOUNCE) == -1) ? -1 : 0;
	if (close(fd) == -1)
		r = -1;
out:
	str_free(&t);
	str_free(&p);
	return r;
}

/* One report from a spawn: slot byte, K/Z/D, text. */
static void
del_report(int c, const char *r, size_t n)
{
	static const char toolong[] = "I'm not going to try again; this "
	    "message has been in the queue too long.\n";
	struct str safe = STR_INIT(4 * SENDQ_REPORT_MAX);
	struct del *d;
	struct job *j;
	int	 slot, done = 0;

	if (n < 1) {
		slog("warning: internal error: delivery report out of range");
		return;
	}
	slot = (unsigned char)r[0];
	if (slot >= conc[c] || !dels[c][slot].used) {
		slog("warning: internal error: delivery report out of range");
		return;
	}
	d = &dels[c][slot];
	j = d->j;
	if (n >= 2)
		(void)log_safe_cat(&safe, r + 2, n - 2);
	switch (n >= 2 ? r[1] : '?') {
	case 'K':
		slog("delivery %lu: success: %s", d->num, str_c(&safe));
		done = 1;
		break;
	case 'Z':
		slog("delivery %lu: deferral: %s", d->num, str_c(&safe));
		if (j->dying) {
			if (addbounce(j->m->id, d->recip.s, r + 2, n - 2,
			    toolong) == 0)
				done = 1;
			else
				slog("alert: unable to append to bounce "
				    "message; will try again later");
		}
		break;
	case 'D':
		slog("delivery %lu: failure: %s", d->num, str_c(&safe));
		if (addbounce(j->m->id, d->recip.s, r + 2, n - 2, NULL) == 0)
			done = 1;
		else
			slog("alert: unable to append to bounce message; "
			    "will try again later");
		break;
	default:
		slog("delivery %lu: report mangled, will defer", d->num);
	}
	if (done && pwrite(j->fd, "D", 1, (off_t)d->mpos) != 1) {
		slog("warning: trouble marking %s/%lu; message will be "
		    "delivered twice!", chdir_[c], j->m->id);
		done = 0;
	}
	if (!done)
		j->retry = 1;
	d->used = 0;
	running[c]--;
	j->running--;
	status();
	if (j->running == 0 && j->pos >= j->file.len)
		job_close(j);
	str_free(&safe);
}

/* Inject bounce/<id> as a QSBMF message.  1 done (or nothing to do),
 * 0 failed (try again later). */
static int
inject_bounce(struct msg *m)
{
	struct str p = STR_INIT(256), text = STR_INIT(BOUNCE_MAX);
	struct str info = STR_INIT(SENDQ_ADDR_MAX + 16);
	struct str hdr = STR_INIT(BOUNCE_MAX + 16384);
	struct str sender = STR_INIT(SENDQ_ADDR_MAX + 16);
	struct qq qq;
	const char *res;
	char	 buf[65536];
	int	 fdm = -1, r, ok = 0, dbl;
	ssize_t	 k;

	if (queue_path(&p, QUEUE_BOUNCE, m->id) == -1)
		goto out;
	r = file_read(p.s, &text);
	if (r == 0) {
		ok = 1;
		goto out;
	}
	if (r == -1)
		goto out;
	if (queue_path(&p, QUEUE_INFO, m->id) == -1 ||
	    file_read(p.s, &info) != 1 || info.len < 2 || info.s[0] != 'F')
		goto out;
	if (str_copys(&sender, info.s + 1) == -1)
		goto out;
	if (str_equals(&sender, "#@[]")) {
		slog("triple bounce: discarding bounce/%lu", m->id);
		goto drop;
	}
	dbl = sender.len == 0;
	if (sender.len >= 4 && memcmp(sender.s + sender.len - 4, "-@[]", 4)
	    == 0)
		str_truncate(&sender, sender.len - 4);
	if (str_cats(&hdr, "Date: ") == -1 ||
	    sendq_date822(&hdr, time(NULL)) == -1 ||
	    str_printf(&hdr, "\nFrom: %s@%s\nTo: %s\nSubject: failure notice"
	    "\n\nHi. This is the qmail-send program at %s.\n", bouncefrom.s,
	    bouncehost.s, dbl ? dbto.s : sender.s, bouncehost.s) == -1 ||
	    str_cats(&hdr, dbl ?
	    "I tried to deliver a bounce message to this address, but the "
	    "bounce bounced!\n\n" :
	    "I'm afraid I wasn't able to deliver your message to the "
	    "following addresses.\nThis is a permanent error; I've given "
	    "up. Sorry it didn't work out.\n\n") == -1 ||
	    str_cat(&hdr, &text) == -1 ||
	    str_cats(&hdr, dbl ?
	    "--- Below this line is the original bounce.\n\n" :
	    "--- Below this line is a copy of the message.\n\n") == -1 ||
	    str_printf(&hdr, "Return-Path: <%s>\n", sender.s) == -1)
		goto out;
	if (queue_path(&p, QUEUE_MESS, m->id) == -1 ||
	    (fdm = open(p.s, O_RDONLY | O_CLOEXEC)) == -1)
		goto out;
	if (qq_open_as(&qq, QQ_AS_BOUNCE) == -1)
		goto out;
	qq_put(&qq, hdr.s, hdr.len);
	while ((k = read(fdm, buf, sizeof(buf))) != 0) {
		if (k == -1) {
			if (errno == EINTR)
				continue;
			qq_fail(&qq);
			break;
		}
		qq_put(&qq, buf, (size_t)k);
	}
	qq_from(&qq, dbl ? "#@[]" : "");
	qq_to(&qq, dbl ? dbto.s : sender.s);
	res = qq_close(&qq);
	k = (ssize_t)qq_qp(&qq);
	if (*res != '\0') {
		slog("warning: unable to inject bounce message for msg %lu: "
		    "%s", m->id, res + 1);
		goto out;
	}
	slog("bounce msg %lu qp %ld", m->id, (long)k);
drop:
	if (queue_path(&p, QUEUE_BOUNCE, m->id) == 0 && unlink(p.s) == -1 &&
	    errno != ENOENT) {
		slog("warning: unable to unlink %s", p.s);
		goto out;
	}
	ok = 1;
out:
	if (fdm != -1)
		close(fdm);
	str_free(&p);
	str_free(&text);
	str_free(&info);
	str_free(&hdr);
	str_free(&sender);
	return ok;
}

/* Nothing left to deliver: remove the message. */
static void
msg_finish(struct msg *m)
{
	struct str p = STR_INIT(256);
	struct str req = STR_INIT(64);

	slog("end msg %lu", m->id);
	if (queue_path(&p, QUEUE_INFO, m->id) == 0 && unlink(p.s) == -1 &&
	    errno != ENOENT)
		slog("warning: unable to unlink %s", p.s);
	if (str_printf(&req, "foop/%lu", m->id) == 0 &&
	    str_catc(&req, '\0') == 0) {
		if (file_writeall(FD_CLEAN_W, req.s, req.len) == -1)
			die("oh no! lost qmail-clean connection! dying...");
		cleanpending++;
	}
	str_free(&p);
	str_free(&req);
	msg_free(m);
}

/* Bounces and completions that are due. */
static void
done_run(time_t now)
{
	struct msg *m;
	size_t	 i, k = 0;

	for (i = 0; i < ndone; i++) {
		m = msg_get(donel[i]);
		if (m == NULL)
			continue;
		if (m->donetime > now || exitasap) {
			donel[k++] = donel[i];
			continue;
		}
		if (!inject_bounce(m)) {
			m->donetime = now + SENDQ_SLEEP_SYSFAIL;
			donel[k++] = donel[i];
			continue;
		}
		m->indone = 0;
		if (!m->has[0] && !m->has[1] && !m->injob[0] && !m->injob[1])
			msg_finish(m);
	}
	ndone = k;
}

/* Records from qmail-todo. */
static void
todo_read(void)
{
	char	 buf[16384];
	ssize_t	 r;
	size_t	 i, start = 0, len;
	unsigned long id;
	struct str p = STR_INIT(256);
	struct msg *m;
	struct stat st;
	char	*rec;
	time_t	 now = time(NULL);

	r = read(FD_TODO_R, buf, sizeof(buf));
	if (r == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		todoup = 0;
		if (!exitasap)
			die("oh no! lost qmail-todo connection! dying...");
		return;
	}
	if (str_catb(&todobuf, buf, (size_t)r) == -1)
		die("qmail-todo sent a record that is too long! dying...");
	for (i = 0; i < todobuf.len; i++) {
		if (todobuf.s[i] != '\0')
			continue;
		rec = todobuf.s + start;
		len = i - start;
		start = i + 1;
		if (len >= 1 && rec[0] == 'L') {
			(void)file_writeall(FD_LOG, rec + 1, len - 1);
		} else if (len == 1 && rec[0] == 'X') {
			todoup = 0;
			if (!exitasap)
				die("qmail-todo exited! dying...");
		} else if (len >= 4 && rec[0] == 'D' &&
		    sendq_parseid(rec + 3, &id) == 0) {
			if (msg_get(id) != NULL)
				continue;	/* known already (startup scan) */
			m = msg_new(id);
			m->birth = now;
			if (queue_path(&p, QUEUE_INFO, id) == 0 &&
			    stat(p.s, &st) == 0)
				m->birth = st.st_mtime;
			m->has[0] = rec[1] == '1';
			m->has[1] = rec[2] == '1';
			m->next[0] = m->next[1] = now;
			if (m->has[0])
				sched(m, 0);
			if (m->has[1])
				sched(m, 1);
			if (!m->has[0] && !m->has[1])
				done_add(m, now);
		} else
			slog("warning: qmail-todo sent a bad record");
	}
	if (start > 0) {
		memmove(todobuf.s, todobuf.s + start, todobuf.len - start);
		str_truncate(&todobuf, todobuf.len - start);
	}
	str_free(&p);
}

/* Answers of qmail-clean: one byte each. */
static void
clean_read(void)
{
	char	 buf[256];
	ssize_t	 r, i;

	r = read(FD_CLEAN_R, buf, sizeof(buf));
	if (r == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0)
		die("oh no! lost qmail-clean connection! dying...");
	for (i = 0; i < r; i++) {
		cleanpending--;
		if (buf[i] != '+')
			slog("warning: qmail-clean unable to clean up");
	}
}

/* Reports from a spawn. */
static void
spawn_read(int c)
{
	char	 buf[16384];
	ssize_t	 r;
	size_t	 i, start = 0;

	r = read(fdr[c], buf, sizeof(buf));
	if (r == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0)
		die("oh no! lost spawn connection! dying...");
	if (str_catb(&rbuf_[c], buf, (size_t)r) == -1)
		die("spawn report too long! dying...");
	for (i = 0; i < rbuf_[c].len; i++) {
		if (rbuf_[c].s[i] != '\0' || i == start)
			continue;	/* slot 0 is a NUL byte */
		del_report(c, rbuf_[c].s + start, i - start);
		start = i + 1;
	}
	if (start > 0) {
		memmove(rbuf_[c].s, rbuf_[c].s + start, rbuf_[c].len - start);
		str_truncate(&rbuf_[c], rbuf_[c].len - start);
	}
}

/* Does todo/<id> exist? */
static int
in_todo(unsigned long id)
{
	struct str p = STR_INIT(256);
	struct stat st;
	int	 r;

	r = queue_path(&p, QUEUE_TODO, id) == 0 && stat(p.s, &st) == 0;
	str_free(&p);
	return r;
}

/* Startup: every preprocessed message, with its retry times. */
static void
scan_info(void)
{
	struct str p = STR_INIT(256);
	struct dirent *de;
	struct stat st;
	struct msg *m;
	unsigned long id;
	DIR	*d;
	time_t	 now = time(NULL);
	int	 s, c;

	for (s = 0; s < QUEUE_SPLIT; s++) {
		str_clear(&p);
		if (str_printf(&p, "info/%d", s) == -1 ||
		    (d = opendir(p.s)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			if (sendq_parseid(de->d_name, &id) == -1 ||
			    msg_get(id) != NULL || in_todo(id))
				continue;
			if (queue_path(&p, QUEUE_INFO, id) == -1 ||
			    stat(p.s, &st) == -1)
				continue;
			m = msg_new(id);
			m->birth = st.st_mtime;
			for (c = 0; c < CHANNELS; c++) {
				if (queue_path(&p, chdir_[c], id) == -1 ||
				    stat(p.s, &st) == -1)
					continue;
				m->has[c] = 1;
				m->next[c] = st.st_mtime;
				sched(m, c);
			}
			if (!m->has[0] && !m->has[1])
				done_add(m, now);
		}
		closedir(d);
	}
	str_free(&p);
}

/* Remove messages that qmail-queue left behind half-written (mess without
 * info and todo, not accessed for 36 hours). */
static void
cleanup_old(void)
{
	struct str p = STR_INIT(256), req = STR_INIT(64);
	struct dirent *de;
	struct stat st;
	unsigned long id;
	DIR	*d;
	time_t	 now = time(NULL);
	int	 s;

	for (s = 0; s < QUEUE_SPLIT; s++) {
		str_clear(&p);
		if (str_printf(&p, "mess/%d", s) == -1 ||
		    (d = opendir(p.s)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			if (sendq_parseid(de->d_name, &id) == -1 ||
			    msg_get(id) != NULL || in_todo(id))
				continue;
			if (queue_path(&p, QUEUE_INFO, id) == -1 ||
			    stat(p.s, &st) == 0)
				continue;
			if (queue_path(&p, QUEUE_MESS, id) == -1 ||
			    stat(p.s, &st) == -1 ||
			    st.st_atime + QUEUE_OSSIFIED >= now)
				continue;
			str_clear(&req);
			if (str_printf(&req, "foop/%lu", id) == -1 ||
			    str_catc(&req, '\0') == -1)
				continue;
			slog("warning: deleting ossified %s", p.s);
			if (file_writeall(FD_CLEAN_W, req.s, req.len) == -1)
				die("oh no! lost qmail-clean connection! "
				    "dying...");
			cleanpending++;
		}
		closedir(d);
	}
	str_free(&p);
	str_free(&req);
}

/* ALRM: every waiting message is due now. */
static void
retry_all(void)
{
	struct msg *m;
	time_t	 now = time(NULL);
	size_t	 i;
	int	 c;

	for (c = 0; c < CHANNELS; c++)
		pq[c].n = 0;
	for (i = 0; i < HASHSIZE; i++)
		for (m = tab[i]; m != NULL; m = m->hnext)
			for (c = 0; c < CHANNELS; c++)
				if (m->has[c] && !m->injob[c]) {
					m->next[c] = now;
					sched(m, c);
				}
}

/* TERM, once nothing runs: keep retry times in the files' mtimes. */
static void
exit_now(void)
{
	struct str p = STR_INIT(256);
	struct utimbuf ut;
	struct msg *m;
	struct pollfd pf;
	size_t	 i;
	int	 c;

	for (i = 0; i < HASHSIZE; i++)
		for (m = tab[i]; m != NULL; m = m->hnext)
			for (c = 0; c < CHANNELS; c++) {
				if (!m->has[c] ||
				    queue_path(&p, chdir_[c], m->id) == -1)
					continue;
				ut.actime = ut.modtime = m->next[c];
				if (utime(p.s, &ut) == -1 && errno != ENOENT)
					slog("warning: unable to utime %s; "
					    "message will be retried too soon",
					    p.s);
			}
	if (todoup) {
		(void)file_writeall(FD_TODO_W, "X", 1);
		pf.fd = FD_TODO_R;
		pf.events = POLLIN;
		while (todoup && poll(&pf, 1, 10000) > 0)
			todo_read();
	}
	while (cleanpending > 0) {
		pf.fd = FD_CLEAN_R;
		pf.events = POLLIN;
		if (poll(&pf, 1, 10000) <= 0)
			break;
		clean_read();
	}
	slog("status: exiting");
	_exit(0);
}

/* Control files qmail-send reads at startup. */
static void
readctl(void)
{
	struct str me = STR_INIT(1024), dbhost = STR_INIT(1024);
	long	 v;
	int	 c;

	if (ctl_readline("me", &me, "localhost") == -1 ||
	    ctl_readint("queuelifetime", 604800, &lifetime) == -1 ||
	    ctl_readline("bouncefrom", &bouncefrom, "MAILER-DAEMON") == -1 ||
	    ctl_readline("bouncehost", &bouncehost, me.s) == -1 ||
	    ctl_readline("doublebounceto", &dbto, "postmaster") == -1 ||
	    ctl_readline("doublebouncehost", &dbhost, me.s) == -1 ||
	    str_catc(&dbto, '@') == -1 || str_cat(&dbto, &dbhost) == -1)
		die("unable to read controls! dying...");
	for (c = 0; c < CHANNELS; c++) {
		if (ctl_readint(c == 0 ? "concurrencylocal" :
		    "concurrencyremote", c == 0 ? 10 : 20, &v) == -1)
			die("unable to read controls! dying...");
		if (v < 0)
			v = 0;
		if (v > conc[c])	/* conc holds the spawn's limit */
			v = conc[c];
		conc[c] = (int)v;
	}
	str_free(&me);
	str_free(&dbhost);
}

int
main(void)
{
	struct pollfd pf[6];
	struct sigaction sa;
	sigset_t block, old;
	struct timespec ts;
	struct msg *m;
	struct str path = STR_INIT(4096);
	time_t	 now, wake, nextclean;
	unsigned char ch;
	int	 c, n, fd, work;
	ssize_t	 r;

	log_init("qmail-send");
	signal(SIGPIPE, SIG_IGN);
	for (c = 0; c < CHANNELS; c++) {
		/* Each spawn says first how many deliveries it runs. */
		while ((r = read(fdr[c], &ch, 1)) == -1 && errno == EINTR)
			;
		chanup[c] = r == 1;
		conc[c] = r == 1 ? ch	/* at most 255 = SENDQ_SPAWN_MAX */
		    : 0;
		if (r != 1)
			slog("alert: no %s spawn: %s deliveries are on hold",
			    chname[c], chname[c]);
		rbuf_[c] = (struct str)STR_INIT(1 << 20);
	}
	if (root_path(&path, ROOT_QMAIL, "") == -1 || chdir(path.s) == -1)
		die("cannot start: unable to switch to home directory");
	readctl();
	for (c = 0; c < CHANNELS; c++)
		if ((dels[c] = calloc(SENDQ_SPAWN_MAX, sizeof(struct del)))
		    == NULL)
			die("cannot start: out of memory");
	for (c = 0; c < CHANNELS; c++)
		for (n = 0; n < SENDQ_SPAWN_MAX; n++)
			dels[c][n].recip = (struct str)STR_INIT(
			    SENDQ_ADDR_MAX * 4 + 16);
	if (chdir("queue") == -1)
		die("cannot start: unable to switch to queue directory");
	/* One qmail-send at a time: a restarted one waits for the old. */
	fd = open(QUEUE_SENDMUTEX, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1 || flock(fd, LOCK_EX) == -1)
		die("cannot start: unable to acquire lock/sendmutex");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = onsig;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGALRM);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	scan_info();
	cleanup_old();
	nextclean = time(NULL) + SENDQ_SLEEP_CLEANUP;
	status();
	for (;;) {
		if (sigterm && !exitasap) {
			exitasap = 1;
			status();
		}
		if (sighup) {
			sighup = 0;
			if (todoup)
				(void)file_writeall(FD_TODO_W, "H", 1);
		}
		if (sigalrm) {
			sigalrm = 0;
			retry_all();
		}
		if (exitasap && running[0] == 0 && running[1] == 0)
			exit_now();
		now = time(NULL);
		if (now >= nextclean) {
			cleanup_old();
			nextclean = now + SENDQ_SLEEP_CLEANUP;
		}
		/* Open passes for due messages while slots are free. */
		work = 1;
		while (work && !exitasap) {
			work = 0;
			for (c = 0; c < CHANNELS; c++) {
				work |= del_start(c) > 0;
				while (chanup[c] && running[c] < conc[c] &&
				    pq[c].n > 0 && pq[c].v[0].t <= now) {
					struct hent e = pq[c].v[0];

					heap_pop(&pq[c]);
					m = msg_get(e.id);
					if (m == NULL || !m->has[c] ||
					    m->injob[c] || m->next[c] != e.t)
						continue;
					r = job_open(m, c, now);
					if (r == -1) {
						m->next[c] = now +
						    SENDQ_SLEEP_SYSFAIL;
						sched(m, c);
					} else if (r == 0)
						done_add(m, now);
					work = 1;
					break;
				}
			}
		}
		done_run(now);
		wake = now + 86400;
		for (c = 0; c < CHANNELS; c++)
			if (chanup[c] && conc[c] > 0 && pq[c].n > 0 &&
			    pq[c].v[0].t < wake)
				wake = pq[c].v[0].t;
		for (n = 0; (size_t)n < ndone; n++)
			if ((m = msg_get(donel[n])) != NULL &&
			    m->donetime < wake)
				wake = m->donetime;
		n = 0;
		for (c = 0; c < CHANNELS; c++)
			if (chanup[c]) {
				pf[n].fd = fdr[c];
				pf[n++].events = POLLIN;
			}
		pf[n].fd = FD_CLEAN_R;
		pf[n++].events = POLLIN;
		if (todoup) {
			pf[n].fd = FD_TODO_R;
			pf[n++].events = POLLIN;
		}
		ts.tv_sec = wake > now ? wake - now : 0;
		ts.tv_nsec = wake > now ? 0 : 1000000;
		r = ppoll(pf, (nfds_t)n, &ts, &old);
		if (r <= 0)
			continue;
		for (c = 0; c < n; c++) {
			if (pf[c].revents == 0)
				continue;
			if (pf[c].fd == FD_TODO_R)
				todo_read();
			else if (pf[c].fd == FD_CLEAN_R)
				clean_read();
			else
				spawn_read(pf[c].fd == fdr[0] ? 0 : 1);
		}
	}
}
