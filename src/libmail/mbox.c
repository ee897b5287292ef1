/*
 * mbox - one folder of the Maildir++ store (see mstore.h): its messages
 * with UIDs, flags, keywords and MODSEQ, kept in step with the
 * directories and with the other sessions.  Runs as the mailbox owner.
 *
 * Truth lives in the Maildir and in the formats other servers read: the
 * files in new/ and cur/ (flags in ":2,"), the UID file (Courier's
 * courierimapuiddb, or Dovecot's dovecot-uidlist for a folder that came
 * from Dovecot), courierimapkeywords/:list.  hsmail-index adds MODSEQs
 * and the expunge history and saves a scan; it is a cache, rebuilt when
 * missing or damaged with MODSEQs above any handed out before (they
 * start from the time).  Every change is made under a flock on
 * hsmail-lock: load the index if another session wrote it, rescan the
 * directories if they changed, change, write the index.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "maildir.h"
#include "mdquota.h"
#include "mstore_int.h"

#define INDEX_FILE	"hsmail-index"
#define LOCK_FILE	"hsmail-lock"
#define CACHE_FILE	"hsmail-cache"
#define COURIER_UIDDB	"courierimapuiddb"
#define DOVECOT_UIDLIST	"dovecot-uidlist"
#define DOVECOT_KW	"dovecot-keywords"
#define COURIER_KWDIR	"courierimapkeywords"
#define COURIER_KWLIST	"courierimapkeywords/:list"
#define FILE_MAX	(256L * 1024 * 1024)	/* any of our files */
#define XHIST_MAX	100000		/* expunges remembered for QRESYNC */
#define MSGS_MAX	5000000		/* messages per folder */
#define LEARN_BATCH	512		/* learned sizes and dates: the index is
					   rewritten for them after this many */

enum { FMT_COURIER = 0, FMT_DOVECOT = 1 };

struct hent { uint32_t idx; };

struct cent {
	uint32_t uid;
	char	 field;
	size_t	 off, len;
};

struct mbox_cache {
	char	*buf;		/* the file and what we added */
	size_t	 len, cap;
	struct cent *e;		/* open addressing on (uid, field) */
	size_t	 ecap, en;
	int	 loaded;
	int	 fd;
	size_t	 flushed;	/* buf[0..flushed) is in the file */
};

#define CACHE_BATCH	(64 * 1024)	/* appended in writes this large */

/* What the old UID file said, for a rebuild. */
struct import {
	uint32_t uidvalidity, uidnext;
	size_t	 n;
	char	**base;		/* sorted by name */
	uint32_t *uid;
	uint64_t *kw;
	char	*kwname[MSTORE_KW_MAX];
	size_t	 nkw;
	char	*dkw[26];	/* dovecot-keywords letters */
	int	 fmt;
	char	 guid[40];
};

static uint64_t	hash_str(const char *, size_t);
static int	hash_build(struct mbox *);
static ssize_t	hash_find(const struct mbox *, const char *, size_t);
static int	mlock(struct mbox *);
static void	munlock(struct mbox *);
static int	load_index(struct mbox *, int *);
static int	parse_index(struct mbox *, char *, size_t);
static int	write_index(struct mbox *);
static int	rescan(struct mbox *, struct import *);
static int	read_at(int, const char *, char **, size_t *);
static int	replace_at(int, const char *, const char *, size_t, int);
static int	write_uiddb(struct mbox *);
static int	write_keywords(struct mbox *);
static void	import_load(struct mbox *, struct import *);
static void	import_free(struct import *);
static int	msg_add(struct mbox *, const char *, size_t);
static void	msgs_clear(struct mbox *);
static void	msg_remove(struct mbox *, size_t, int);
static int	xhist_add(struct mbox *, uint32_t, uint64_t);
static uint64_t	modseq_base(void);
static int	is_recent(const struct mbox *, uint32_t);
static int	recent_add(struct mbox *, uint32_t);
static int	base_time_cmp(const void *, const void *);
static int	uid_cmp(const void *, const void *);
static int	make_name(struct str *, size_t, const char *, size_t,
		    unsigned);
static int	unique_base(struct str *, off_t);
static int	cache_load(struct mbox *);
static void	cache_flush(struct mbox *);

/* Recent UIDs of this session: a small sorted array kept beside the
 * index, since MF_RECENT is nobody else's business. */
struct recent {
	uint32_t *u;
	size_t	 n, cap;
};

struct mbox_priv {
	struct mbox pub;
	struct recent rec;
	int	 flags;		/* MBOX_* */
	int	 lockdepth;
	int	 dirty;		/* index to be written */
	int	 kwdirty;	/* keywords file to be written */
	int	 uiddirty;	/* UID file to be written */
	int	 scandirty;	/* rescan at the next sync */
	size_t	 learned;	/* sizes and dates not in the index yet */
	int	 closing;	/* mbox_close: write what was learned */
	time_t	 scantime;
	struct hent *ht;
	size_t	 htcap;
	dev_t	 idxdev;
	off_t	 idxsize;
	struct timespec idxmt;
	char	*path;		/* the folder's directory path */
};

#define PRIV(mb)	((struct mbox_priv *)(mb))

static uint64_t
hash_str(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n-- > 0) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* hash_build - base name -> index, for the rescan. */
static int
hash_build(struct mbox *mb)
{
	struct mbox_priv *p = PRIV(mb);
	size_t	 cap = 64, i;

	while (cap < mb->n * 2 + 1)
		cap *= 2;
	if (cap > p->htcap) {
		struct hent *nh = reallocarray(p->ht, cap, sizeof(*nh));

		if (nh == NULL)
			return -1;
		p->ht = nh;
		p->htcap = cap;
	}
	for (i = 0; i < p->htcap; i++)
		p->ht[i].idx = UINT32_MAX;
	for (i = 0; i < mb->n; i++) {
		size_t	 h = hash_str(mb->m[i].name + 4, mb->m[i].baselen) &
		    (p->htcap - 1);

		while (p->ht[h].idx != UINT32_MAX)
			h = (h + 1) & (p->htcap - 1);
		p->ht[h].idx = (uint32_t)i;
	}
	return 0;
}

static ssize_t
hash_find(const struct mbox *mb, const char *base, size_t n)
{
	const struct mbox_priv *p = (const struct mbox_priv *)mb;
	size_t	 h;

	if (p->htcap == 0)
		return -1;
	h = hash_str(base, n) & (p->htcap - 1);
	while (p->ht[h].idx != UINT32_MAX) {
		const struct mmsg *m = &mb->m[p->ht[h].idx];

		if (m->baselen == n && memcmp(m->name + 4, base, n) == 0)
			return p->ht[h].idx;
		h = (h + 1) & (p->htcap - 1);
	}
	return -1;
}

/* modseq_base - MODSEQs of a rebuilt index start above any handed out
 * before: the time in the high bits, 65536 changes a second below. */
static uint64_t
modseq_base(void)
{
	return (uint64_t)time(NULL) << 16;
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int
uid_cmp(const void *a, const void *b)
{
	const struct mmsg *x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

static int
is_recent(const struct mbox *mb, uint32_t uid)
{
	const struct recent *r = &((const struct mbox_priv *)mb)->rec;
	size_t	 lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (r->u[mid] == uid)
			return 1;
		if (r->u[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int
recent_add(struct mbox *mb, uint32_t uid)
{
	struct recent *r = &PRIV(mb)->rec;

	if (r->n == r->cap) {
		size_t	 nc = r->cap ? r->cap * 2 : 16;
		uint32_t *nu = reallocarray(r->u, nc, sizeof(*nu));

		if (nu == NULL)
			return -1;
		r->u = nu;
		r->cap = nc;
	}
	/* UIDs are handed out in ascending order: append keeps it sorted */
	if (r->n > 0 && r->u[r->n - 1] >= uid)
		return 0;
	r->u[r->n++] = uid;
	mb->nrecent = r->n;
	return 0;
}

/* wsize - the ",W=<n>" of a base name: the size with CRLF line ends
 * its deliverer counted (Maildir++, Dovecot, vdelivermail), or 0. */
static uint64_t
wsize(const char *b, size_t bl)
{
	const char *p = b, *e = b + bl;

	while ((p = memchr(p, ',', (size_t)(e - p))) != NULL) {
		const char *q;
		uint64_t v = 0;
		int	 nd = 0;

		p++;
		if (e - p < 3 || p[0] != 'W' || p[1] != '=')
			continue;
		for (q = p + 2; q < e && *q >= '0' && *q <= '9'; q++) {
			if (++nd > 19)
				return 0;
			v = v * 10 + (uint64_t)(*q - '0');
		}
		if (nd > 0 && (q == e || *q == ','))
			return v;
	}
	return 0;
}

/* msg_add - append a message entry named name (copied). */
static int
msg_add(struct mbox *mb, const char *name, size_t n)
{
	struct mmsg *m;
	const char *colon;
	size_t	 bl;

	if (n < 5 || (memcmp(name, "new/", 4) != 0 &&
	    memcmp(name, "cur/", 4) != 0)) {
		errno = EINVAL;
		return -1;
	}
	colon = memchr(name + 4, ':', n - 4);
	bl = colon != NULL ? (size_t)(colon - name - 4) : n - 4;
	if (bl == 0 || bl > 65535) {
		errno = EINVAL;
		return -1;
	}
	if (mb->n >= MSGS_MAX) {
		errno = E2BIG;
		return -1;
	}
	if (mb->n == mb->cap) {
		size_t	 nc = mb->cap ? mb->cap * 2 : 16;

		m = reallocarray(mb->m, nc, sizeof(*m));
		if (m == NULL)
			return -1;
		mb->m = m;
		mb->cap = nc;
	}
	m = &mb->m[mb->n];
	memset(m, 0, sizeof(*m));
	if ((m->name = malloc(n + 1)) == NULL)
		return -1;
	memcpy(m->name, name, n);
	m->name[n] = '\0';
	m->baselen = (uint16_t)bl;
	m->size = wsize(name + 4, bl);
	if (colon != NULL && colon[1] == '2' && colon[2] == ',')
		m->flags = (uint8_t)mstore_flags_parse(colon + 3);
	mb->n++;
	return 0;
}

static void
msgs_clear(struct mbox *mb)
{
	size_t	 i;

	for (i = 0; i < mb->n; i++)
		free(mb->m[i].name);
	mb->n = 0;
}

/* msg_remove - drop entry i, remembering the expunge when hist. */
static void
msg_remove(struct mbox *mb, size_t i, int hist)
{
	if (hist)
		(void)xhist_add(mb, mb->m[i].uid, ++mb->highestmodseq);
	free(mb->m[i].name);
	memmove(&mb->m[i], &mb->m[i + 1], (mb->n - i - 1) * sizeof(mb->m[0]));
	mb->n--;
}

static int
xhist_add(struct mbox *mb, uint32_t uid, uint64_t modseq)
{
	if (mb->nx >= XHIST_MAX) {
		size_t	 drop = XHIST_MAX / 4;

		mb->xfloor = mb->xmod[drop - 1];
		memmove(mb->xuid, mb->xuid + drop,
		    (mb->nx - drop) * sizeof(*mb->xuid));
		memmove(mb->xmod, mb->xmod + drop,
		    (mb->nx - drop) * sizeof(*mb->xmod));
		mb->nx -= drop;
	}
	if (mb->nx == mb->xcap) {
		size_t	 nc = mb->xcap ? mb->xcap * 2 : 64;
		uint32_t *nu = reallocarray(mb->xuid, nc, sizeof(*nu));
		uint64_t *nm;

		if (nu == NULL)
			return -1;
		mb->xuid = nu;
		if ((nm = reallocarray(mb->xmod, nc, sizeof(*nm))) == NULL)
			return -1;
		mb->xmod = nm;
		mb->xcap = nc;
	}
	mb->xuid[mb->nx] = uid;
	mb->xmod[mb->nx] = modseq;
	mb->nx++;
	return 0;
}

/* read_at - a whole small file below dirfd.  0 read, -1 (ENOENT...). */
static int
read_at(int dirfd, const char *name, char **b_r, size_t *n_r)
{
	struct stat sb;
	char	*b;
	size_t	 got = 0;
	ssize_t	 r;
	int	 fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1)
		return -1;
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > FILE_MAX) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	if ((b = malloc((size_t)sb.st_size + 1)) == NULL) {
		close(fd);
		return -1;
	}
	while (got < (size_t)sb.st_size) {
		r = pread(fd, b + got, (size_t)sb.st_size - got, (off_t)got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	b[got] = '\0';
	*b_r = b;
	*n_r = got;
	return 0;
}

/* replace_at - write name below dirfd through a temporary file and a
 * rename; durable (file and directory fsynced) when sync. */
static int
replace_at(int dirfd, const char *name, const char *b, size_t n, int sync)
{
	char	 tmp[512];
	int	 fd, e;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp%ld", name,
	    (long)getpid()) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd == -1)
		return -1;
	if (file_writeall(fd, b, n) == -1 || (sync && fsync(fd) == -1))
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (renameat(dirfd, tmp, dirfd, name) == -1)
		goto fail;
	if (sync)
		(void)fsync(dirfd);
	return 0;
fail:
	e = errno;
	if (fd != -1)
		close(fd);
	(void)unlinkat(dirfd, tmp, 0);
	errno = e;
	return -1;
}

static int
mlock(struct mbox *mb)
{
	struct mbox_priv *p = PRIV(mb);

	if (p->lockdepth++ > 0)
		return 0;
	if (mb->lockfd == -1) {
		mb->lockfd = openat(mb->dirfd, LOCK_FILE, O_RDWR | O_CREAT |
		    O_CLOEXEC | O_NOFOLLOW, 0600);
		if (mb->lockfd == -1)
			return 0;	/* a read-only Maildir: no lock */
	}
	while (flock(mb->lockfd, LOCK_EX) == -1)
		if (errno != EINTR) {
			p->lockdepth--;
			return -1;
		}
	return 0;
}

/* idx_current - 1 when hsmail-index on disk is the one this session
 * last read or wrote (nobody changed it since). */
static int
idx_current(struct mbox *mb)
{
	struct mbox_priv *p = PRIV(mb);
	struct stat sb;

	return fstatat(mb->dirfd, INDEX_FILE, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    sb.st_ino == mb->idxino && sb.st_dev == p->idxdev &&
	    sb.st_size == p->idxsize &&
	    sb.st_mtim.tv_sec == p->idxmt.tv_sec &&
	    sb.st_mtim.tv_nsec == p->idxmt.tv_nsec;
}

/* munlock - write what changed, then let the others in.  Sizes and
 * dates learned by readers are written along with a change, or on their
 * own when many piled up (or at close) and nobody else rewrote the
 * index meanwhile (else they wait to be merged into the next load). */
static void
munlock(struct mbox *mb)
{
	struct mbox_priv *p = PRIV(mb);

	if (--p->lockdepth > 0)
		return;
	if (p->uiddirty && write_uiddb(mb) == 0)
		p->uiddirty = 0;
	if (p->kwdirty && write_keywords(mb) == 0)
		p->kwdirty = 0;
	if (p->dirty) {
		if (write_index(mb) == 0)
			p->dirty = 0;
	} else if (p->learned > 0 && (p->learned >= LEARN_BATCH ||
	    p->closing) && mb->uidvalidity != 0 && idx_current(mb))
		(void)write_index(mb);
	if (mb->lockfd != -1)
		(void)flock(mb->lockfd, LOCK_UN);
}

/* ---- the index file ---- */

/* num - an unsigned decimal number ending at a space (or at NUL when
 * last): 0 and *pp past it, or -1. */
static int
num(char **pp, int last, uint64_t *v_r)
{
	char	*p = *pp;
	uint64_t v = 0;
	int	 nd = 0;

	while (*p >= '0' && *p <= '9') {
		if (++nd > 19)
			return -1;
		v = v * 10 + (uint64_t)(*p++ - '0');
	}
	if (nd == 0 || (last ? *p != '\0' : *p != ' '))
		return -1;
	*pp = last ? p : p + 1;
	*v_r = v;
	return 0;
}

/* snum - the same, with an optional '-'. */
static int
snum(char **pp, int64_t *v_r)
{
	uint64_t v;
	int	 neg = **pp == '-';

	if (neg)
		(*pp)++;
	if (num(pp, 0, &v) == -1 || v > INT64_MAX)
		return -1;
	*v_r = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

/* hexnum - the keyword bits. */
static int
hexnum(char **pp, uint64_t *v_r)
{
	char	*p = *pp;
	uint64_t v = 0;
	int	 nd = 0;

	for (;; p++) {
		int	 d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else
			break;
		if (++nd > 16)
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	if (nd == 0 || *p != ' ')
		return -1;
	*pp = p + 1;
	*v_r = v;
	return 0;
}

/* learned_merge - the index was read again while this session held
 * sizes and dates it had learned and not written: keep them. */
static void
learned_merge(struct mbox *mb, struct mmsg *old, size_t nold)
{
	size_t	 i = 0, j = 0;

	while (i < mb->n && j < nold) {
		struct mmsg *m = &mb->m[i], *o = &old[j];

		if (m->uid < o->uid)
			i++;
		else if (m->uid > o->uid)
			j++;
		else {
			if (m->size == 0 && o->size != 0)
				m->size = o->size;
			if (m->idate == MSTORE_IDATE_UNKNOWN)
				m->idate = o->idate;
			if (m->sdstate == MSD_UNKNOWN &&
			    o->sdstate != MSD_UNKNOWN) {
				m->sdstate = o->sdstate;
				m->sdate = o->sdate;
				m->stz = o->stz;
			}
			i++;
			j++;
		}
	}
}

/*
 * parse_index - header, keyword line, message lines, expunge lines:
 *   hsmail-index 3 <uidv> <uidnext> <hms> <xfloor> <fmt> <guid|->
 *       <newsec> <newnsec> <cursec> <curnsec> <scantime>
 *   K <keyword> ...
 *   <uid> <modseq> <kw hex> <idate> <size> <date> <name>
 *   x <uid> <modseq>
 * <date> is the Date: header, "<unix>,<zone minutes>", "n" for none,
 * "?" not read yet.  <idate> is the file's mtime, "?" not looked at
 * yet.  Version 1 had no <date>, versions 1 and 2 no "?" <idate>.
 * Anything else: -1 EINVAL (the caller rebuilds).
 */
static int
parse_index(struct mbox *mb, char *b, size_t n)
{
	struct mbox_priv *p = PRIV(mb);
	char	*line, *end = b + n, *nl, *tok, *sp;
	unsigned long long v[12];
	char	 guid[40];
	int	 fmt, k, ver;
	uint32_t lastuid = 0;
	struct mmsg *old = NULL;
	size_t	 nold = 0, i;

	if ((nl = memchr(b, '\n', n)) == NULL)
		goto bad;
	*nl = '\0';
	if (sscanf(b, "hsmail-index %d %llu %llu %llu %llu %d %39s %llu %llu "
	    "%llu %llu %llu", &ver, &v[0], &v[1], &v[2], &v[3], &fmt, guid,
	    &v[4], &v[5], &v[6], &v[7], &v[8]) != 12 || ver < 1 || ver > 3)
		goto bad;
	if (v[0] == 0 || v[0] > UINT32_MAX || v[1] == 0 || v[1] > UINT32_MAX)
		goto bad;
	if (p->learned > 0) {
		/* keep what this session learned, merged below */
		old = mb->m;
		nold = mb->n;
		mb->m = NULL;
		mb->n = mb->cap = 0;
	} else
		msgs_clear(mb);
	for (k = 0; k < (int)mb->nkw; k++)
		free(mb->kw[k]);
	mb->nkw = 0;
	mb->nx = 0;
	mb->uidvalidity = (uint32_t)v[0];
	mb->uidnext = (uint32_t)v[1];
	mb->highestmodseq = v[2];
	mb->xfloor = v[3];
	mb->fmt = fmt == FMT_DOVECOT ? FMT_DOVECOT : FMT_COURIER;
	snprintf(mb->guid, sizeof(mb->guid), "%s",
	    strcmp(guid, "-") == 0 ? "" : guid);
	mb->newmt.tv_sec = (time_t)v[4];
	mb->newmt.tv_nsec = (long)v[5];
	mb->curmt.tv_sec = (time_t)v[6];
	mb->curmt.tv_nsec = (long)v[7];
	p->scantime = (time_t)v[8];
	line = nl + 1;
	if (line >= end || (nl = memchr(line, '\n', (size_t)(end - line)))
	    == NULL || line[0] != 'K')
		goto bad;
	*nl = '\0';
	for (tok = strtok_r(line + 1, " ", &sp); tok != NULL;
	    tok = strtok_r(NULL, " ", &sp)) {
		if (mb->nkw >= MSTORE_KW_MAX)
			goto bad;
		if ((mb->kw[mb->nkw++] = strdup(tok)) == NULL)
			goto fail;
	}
	for (line = nl + 1; line < end; line = nl + 1) {
		uint64_t uid, ms, kw, sz;
		int64_t	 id, sd = 0, tz = 0;
		int	 sds = MSD_UNKNOWN;
		char	*e;
		struct mmsg *m;

		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			goto bad;
		*nl = '\0';
		if (line[0] == 'x') {
			e = line + 1;
			if (*e++ != ' ' || num(&e, 0, &uid) == -1 ||
			    num(&e, 1, &ms) == -1 || uid == 0 ||
			    uid > UINT32_MAX ||
			    xhist_add(mb, (uint32_t)uid, ms) == -1)
				goto bad;
			continue;
		}
		/* by hand, not sscanf: this runs once per message */
		e = line;
		if (num(&e, 0, &uid) == -1 || num(&e, 0, &ms) == -1 ||
		    hexnum(&e, &kw) == -1)
			goto bad;
		if (ver >= 3 && e[0] == '?' && e[1] == ' ') {
			id = MSTORE_IDATE_UNKNOWN;
			e += 2;
		} else if (snum(&e, &id) == -1 || id == MSTORE_IDATE_UNKNOWN)
			goto bad;
		if (num(&e, 0, &sz) == -1)
			goto bad;
		if (ver >= 2) {
			if (e[0] == '?' && e[1] == ' ')
				e += 2;
			else if (e[0] == 'n' && e[1] == ' ') {
				sds = MSD_NONE;
				e += 2;
			} else {
				char	*c;

				if ((c = strchr(e, ',')) == NULL)
					goto bad;
				*c = ' ';
				if (snum(&e, &sd) == -1 || snum(&e, &tz) == -1 ||
				    tz < -1440 || tz > 1440)
					goto bad;
				sds = MSD_VALID;
			}
		}
		if (uid == 0 || uid > UINT32_MAX || uid <= lastuid ||
		    uid >= mb->uidnext)
			goto bad;
		if (msg_add(mb, e, strlen(e)) == -1)
			goto bad;
		lastuid = (uint32_t)uid;
		m = &mb->m[mb->n - 1];
		m->uid = (uint32_t)uid;
		m->modseq = ms;
		m->kw = kw;
		m->idate = id;
		if (sz != 0)
			m->size = sz;
		m->sdstate = (uint8_t)sds;
		m->sdate = sd;
		m->stz = (int16_t)tz;
		if (is_recent(mb, (uint32_t)uid))
			m->flags |= MF_RECENT;
	}
	if (old != NULL) {
		learned_merge(mb, old, nold);
		for (i = 0; i < nold; i++)
			free(old[i].name);
		free(old);
	}
	return hash_build(mb);
bad:
	errno = EINVAL;
fail:
	k = errno;
	msgs_clear(mb);
	if (old != NULL) {
		for (i = 0; i < nold; i++)
			free(old[i].name);
		free(old);
		p->learned = 0;
	}
	errno = k;
	return -1;
}

/* put_num - a decimal number (with its sign) onto b. */
static int
put_num(struct str *b, int64_t sv, uint64_t uv, int is_signed)
{
	char	 t[24], *e = t + sizeof(t), *q = e;
	uint64_t v = uv;

	if (is_signed)
		v = sv < 0 ? (uint64_t)0 - (uint64_t)sv : (uint64_t)sv;
	do {
		*--q = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	if (is_signed && sv < 0)
		*--q = '-';
	return str_catb(b, q, (size_t)(e - q));
}

static int
write_index(struct mbox *mb)
{
	struct mbox_priv *p = PRIV(mb);
	struct str b = STR_INIT(STR_UNBOUNDED);
	struct stat sb;
	size_t	 i;
	int	 r = -1;

	if (str_ready(&b, 64 + mb->n * 96) == -1 ||
	    str_printf(&b, "hsmail-index 3 %lu %lu %llu %llu %d %s %lld %ld "
	    "%lld %ld %lld\nK", (unsigned long)mb->uidvalidity,
	    (unsigned long)mb->uidnext, (unsigned long long)mb->highestmodseq,
	    (unsigned long long)mb->xfloor, mb->fmt,
	    mb->guid[0] ? mb->guid : "-", (long long)mb->newmt.tv_sec,
	    mb->newmt.tv_nsec, (long long)mb->curmt.tv_sec, mb->curmt.tv_nsec,
	    (long long)p->scantime) == -1)
		goto out;
	for (i = 0; i < mb->nkw; i++)
		if (str_catc(&b, ' ') == -1 || str_cats(&b, mb->kw[i]) == -1)
			goto out;
	if (str_catc(&b, '\n') == -1)
		goto out;
	for (i = 0; i < mb->n; i++) {
		const struct mmsg *m = &mb->m[i];
		char	 kh[20];
		int	 kl;

		{
			uint64_t v = m->kw;
			char	 t[16];
			int	 tl = 0;

			do {
				t[tl++] = "0123456789abcdef"[v & 15];
				v >>= 4;
			} while (v != 0);
			for (kl = 0; kl < tl; kl++)
				kh[kl] = t[tl - 1 - kl];
		}
		if (put_num(&b, 0, m->uid, 0) == -1 || str_catc(&b, ' ') == -1 ||
		    put_num(&b, 0, m->modseq, 0) == -1 ||
		    str_catc(&b, ' ') == -1 || str_catb(&b, kh, (size_t)kl) ==
		    -1 || str_catc(&b, ' ') == -1 ||
		    (m->idate == MSTORE_IDATE_UNKNOWN ? str_catc(&b, '?') :
		    put_num(&b, m->idate, 0, 1)) == -1 ||
		    str_catc(&b, ' ') == -1 || put_num(&b, 0, m->size, 0) == -1 ||
		    str_catc(&b, ' ') == -1)
			goto out;
		if (m->sdstate == MSD_VALID) {
			if (put_num(&b, m->sdate, 0, 1) == -1 ||
			    str_catc(&b, ',') == -1 ||
			    put_num(&b, m->stz, 0, 1) == -1)
				goto out;
		} else if (str_catc(&b, m->sdstate == MSD_NONE ? 'n' : '?') ==
		    -1)
			goto out;
		if (str_catc(&b, ' ') == -1 || str_cats(&b, m->name) == -1 ||
		    str_catc(&b, '\n') == -1)
			goto out;
	}
	for (i = 0; i < mb->nx; i++)
		if (str_printf(&b, "x %lu %llu\n", (unsigned long)mb->xuid[i],
		    (unsigned long long)mb->xmod[i]) == -1)
			goto out;
	if (replace_at(mb->dirfd, INDEX_FILE, b.s, b.len, 0) == -1)
		goto out;
	if (fstatat(mb->dirfd, INDEX_FILE, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		mb->idxino = sb.st_ino;
		p->idxdev = sb.st_dev;
		p->idxsize = sb.st_size;
		p->idxmt = sb.st_mtim;
	}
	p->learned = 0;
	r = 0;
out:
	str_free(&b);
	return r;
}

/*
 * load_index - read hsmail-index when another session changed it since
 * we last read or wrote it.  *rebuilt_r 1 when there was none (or a
 * damaged one): the caller rescans with the old servers' UIDs.
 */
static int
load_index(struct mbox *mb, int *rebuilt_r)
{
	struct mbox_priv *p = PRIV(mb);
	struct stat sb;
	char	*b;
	size_t	 n;

	*rebuilt_r = 0;
	if (fstatat(mb->dirfd, INDEX_FILE, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    sb.st_ino == mb->idxino && sb.st_dev == p->idxdev &&
	    sb.st_size == p->idxsize &&
	    sb.st_mtim.tv_sec == p->idxmt.tv_sec &&
	    sb.st_mtim.tv_nsec == p->idxmt.tv_nsec && mb->uidvalidity != 0)
		return 0;
	if (read_at(mb->dirfd, INDEX_FILE, &b, &n) == 0) {
		int	 r = parse_index(mb, b, n);

		free(b);
		if (r == 0) {
			if (fstatat(mb->dirfd, INDEX_FILE, &sb,
			    AT_SYMLINK_NOFOLLOW) == 0) {
				mb->idxino = sb.st_ino;
				p->idxdev = sb.st_dev;
				p->idxsize = sb.st_size;
				p->idxmt = sb.st_mtim;
			}
			return 0;
		}
		if (errno != EINVAL)
			return -1;
	} else if (errno != ENOENT && errno != EINVAL)
		return -1;
	/* No usable index: start from the UID file and the directories. */
	msgs_clear(mb);
	mb->nx = 0;
	mb->uidvalidity = 0;
	mb->idxino = 0;
	*rebuilt_r = 1;
	return 0;
}

/* ---- the UID files of Courier-IMAP and Dovecot ---- */

static int
import_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* base of a file name: up to ':' */
static size_t
base_len(const char *s)
{
	const char *c = strchr(s, ':');

	return c != NULL ? (size_t)(c - s) : strlen(s);
}

static ssize_t
import_find(const struct import *im, const char *base, size_t n)
{
	size_t	 lo = 0, hi = im->n;

	while (lo < hi) {
		size_t	 mid = (lo + hi) / 2;
		int	 c = strncmp(im->base[mid], base, n);

		if (c == 0 && im->base[mid][n] != '\0')
			c = 1;
		if (c == 0)
			return (ssize_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int
import_add(struct import *im, size_t *cap, const char *base, size_t bl,
    uint32_t uid)
{
	if (im->n == *cap) {
		size_t	 nc = *cap ? *cap * 2 : 256;
		char	**nb = reallocarray(im->base, nc, sizeof(*nb));
		uint32_t *nu;
		uint64_t *nk;

		if (nb == NULL)
			return -1;
		im->base = nb;
		if ((nu = reallocarray(im->uid, nc, sizeof(*nu))) == NULL)
			return -1;
		im->uid = nu;
		if ((nk = reallocarray(im->kw, nc, sizeof(*nk))) == NULL)
			return -1;
		im->kw = nk;
		*cap = nc;
	}
	if ((im->base[im->n] = strndup(base, bl)) == NULL)
		return -1;
	im->uid[im->n] = uid;
	im->kw[im->n] = 0;
	im->n++;
	return 0;
}

/* import_sort - by base name, keeping uid and kw alongside. */
static void
import_sort(struct import *im)
{
	size_t	 i;
	struct row { char *b; uint32_t u; uint64_t k; } *r;

	if (im->n < 2 || (r = calloc(im->n, sizeof(*r))) == NULL)
		return;
	for (i = 0; i < im->n; i++) {
		r[i].b = im->base[i];
		r[i].u = im->uid[i];
		r[i].k = im->kw[i];
	}
	qsort(r, im->n, sizeof(*r), import_cmp);
	for (i = 0; i < im->n; i++) {
		im->base[i] = r[i].b;
		im->uid[i] = r[i].u;
		im->kw[i] = r[i].k;
	}
	free(r);
}

/*
 * import_load - what courierimapuiddb or dovecot-uidlist (v1 or v3),
 * courierimapkeywords/:list and dovecot-keywords say.  A file that does
 * not parse is ignored from the first bad line on (the UIDs read so far
 * stand; later messages get new UIDs, never reused ones).
 */
static void
import_load(struct mbox *mb, struct import *im)
{
	char	*b, *line, *nl, *end;
	size_t	 n, cap = 0;
	unsigned long long ver, uv, nx, uid;
	int	 dovecot = 0;

	memset(im, 0, sizeof(*im));
	if (read_at(mb->dirfd, COURIER_UIDDB, &b, &n) == -1) {
		if (read_at(mb->dirfd, DOVECOT_UIDLIST, &b, &n) == -1)
			goto keywords;
		dovecot = 1;
	}
	end = b + n;
	if ((nl = memchr(b, '\n', n)) == NULL) {
		free(b);
		goto keywords;
	}
	*nl = '\0';
	if (dovecot && b[0] == '3') {
		char	*tok, *sp;

		im->fmt = FMT_DOVECOT;
		for (tok = strtok_r(b + 1, " ", &sp); tok != NULL;
		    tok = strtok_r(NULL, " ", &sp)) {
			if (tok[0] == 'V')
				im->uidvalidity = (uint32_t)strtoul(tok + 1,
				    NULL, 10);
			else if (tok[0] == 'N')
				im->uidnext = (uint32_t)strtoul(tok + 1,
				    NULL, 10);
			else if (tok[0] == 'G')
				snprintf(im->guid, sizeof(im->guid), "%s",
				    tok + 1);
		}
		ver = 3;
	} else if (sscanf(b, "%llu %llu %llu", &ver, &uv, &nx) == 3 &&
	    ver == 1 && uv > 0 && uv <= UINT32_MAX && nx <= UINT32_MAX) {
		im->fmt = dovecot ? FMT_DOVECOT : FMT_COURIER;
		im->uidvalidity = (uint32_t)uv;
		im->uidnext = (uint32_t)nx;
	} else {
		free(b);
		goto keywords;
	}
	for (line = nl + 1; line < end; line = nl + 1) {
		char	*p, *q;

		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		*nl = '\0';
		uid = strtoull(line, &p, 10);
		if (p == line || *p != ' ' || uid == 0 || uid > UINT32_MAX)
			break;
		if (ver == 3) {
			/* "<uid> [<key><value> ...] :<file name>" */
			q = strstr(p, " :");
			if (q == NULL)
				break;
			q += 2;
		} else
			q = p + 1;
		if (*q == '\0' || strchr(q, '/') != NULL)
			break;
		if (import_add(im, &cap, q, base_len(q), (uint32_t)uid) == -1)
			break;
		if (uid >= im->uidnext)
			im->uidnext = (uint32_t)uid + 1;
	}
	free(b);
	import_sort(im);
keywords:
	/* Courier: ":list" = names, a blank line, "<base>:<i> <i> ..." */
	if (read_at(mb->dirfd, COURIER_KWLIST, &b, &n) == 0) {
		int	 names = 1;
		long	 map[MSTORE_KW_MAX * 4];
		size_t	 nnames = 0;

		end = b + n;
		for (line = b; line < end; line = nl + 1) {
			if ((nl = memchr(line, '\n', (size_t)(end - line)))
			    == NULL)
				nl = end;
			*nl = '\0';
			if (names) {
				if (*line == '\0') {
					names = 0;
					continue;
				}
				if (nnames >= MSTORE_KW_MAX * 4)
					continue;
				map[nnames++] = mbox_keyword(mb, line,
				    strlen(line), 1);
				continue;
			}
			{
				char	*c = strrchr(line, ':'), *p;
				ssize_t	 j;
				unsigned long k;

				if (c == NULL)
					continue;
				j = import_find(im, line, (size_t)(c - line));
				for (p = c + 1; *p != '\0';) {
					k = strtoul(p, &p, 10);
					if (j >= 0 && k < nnames && map[k] >= 0)
						im->kw[j] |= 1ULL << map[k];
					while (*p == ' ')
						p++;
					if (*p != '\0' && (*p < '0' || *p > '9'))
						break;
				}
			}
		}
		free(b);
	}
	/* Dovecot: "<index> <name>" lines; letters a.. in file names. */
	if (read_at(mb->dirfd, DOVECOT_KW, &b, &n) == 0) {
		end = b + n;
		for (line = b; line < end; line = nl + 1) {
			char	*p;
			unsigned long k;

			if ((nl = memchr(line, '\n', (size_t)(end - line)))
			    == NULL)
				nl = end;
			*nl = '\0';
			k = strtoul(line, &p, 10);
			if (p == line || *p != ' ' || k >= 26 || p[1] == '\0')
				continue;
			free(im->dkw[k]);
			im->dkw[k] = strdup(p + 1);
		}
		free(b);
	}
}

static void
import_free(struct import *im)
{
	size_t	 i;

	for (i = 0; i < im->n; i++)
		free(im->base[i]);
	free(im->base);
	free(im->uid);
	free(im->kw);
	for (i = 0; i < 26; i++)
		free(im->dkw[i]);
	memset(im, 0, sizeof(*im));
}

/*
 * write_uiddb - the UID file in the format the folder keeps: Courier's
 * "1 <uidvalidity> <nextuid>" then "<uid> <base>", or Dovecot's v3
 * "3 V<uidvalidity> N<nextuid> G<guid>" then "<uid> :<base>".  Durable:
 * it is the copy of the UIDs that outlives every cache.
 */
static int
write_uiddb(struct mbox *mb)
{
	struct str b = STR_INIT(STR_UNBOUNDED);
	size_t	 i;
	int	 r;

	if (mb->fmt == FMT_DOVECOT)
		r = str_printf(&b, "3 V%lu N%lu%s%s\n",
		    (unsigned long)mb->uidvalidity,
		    (unsigned long)mb->uidnext, mb->guid[0] ? " G" : "",
		    mb->guid);
	else
		r = str_printf(&b, "1 %lu %lu\n",
		    (unsigned long)mb->uidvalidity,
		    (unsigned long)mb->uidnext);
	for (i = 0; i < mb->n && r == 0; i++)
		r = str_printf(&b, mb->fmt == FMT_DOVECOT ? "%lu :%.*s\n" :
		    "%lu %.*s\n", (unsigned long)mb->m[i].uid,
		    (int)mb->m[i].baselen, mb->m[i].name + 4);
	if (r == 0)
		r = replace_at(mb->dirfd, mb->fmt == FMT_DOVECOT ?
		    DOVECOT_UIDLIST : COURIER_UIDDB, b.s, b.len, 1);
	str_free(&b);
	return r;
}

/* write_keywords - courierimapkeywords/:list, Courier's format. */
static int
write_keywords(struct mbox *mb)
{
	struct str b = STR_INIT(STR_UNBOUNDED);
	size_t	 i, k;
	int	 r = 0, fd;

	for (i = 0; i < mb->nkw && r == 0; i++)
		r = str_printf(&b, "%s\n", mb->kw[i]);
	if (r == 0)
		r = str_catc(&b, '\n');
	for (i = 0; i < mb->n && r == 0; i++) {
		if (mb->m[i].kw == 0)
			continue;
		r = str_printf(&b, "%.*s:", (int)mb->m[i].baselen,
		    mb->m[i].name + 4);
		for (k = 0; k < mb->nkw && r == 0; k++)
			if (mb->m[i].kw & (1ULL << k))
				r = str_printf(&b, "%s%zu",
				    b.s[b.len - 1] == ':' ? "" : " ", k);
		if (r == 0)
			r = str_catc(&b, '\n');
	}
	if (r == 0 && mkdirat(mb->dirfd, COURIER_KWDIR, 0700) == -1 &&
	    errno != EEXIST)
		r = -1;
	if (r == 0) {
		fd = openat(mb->dirfd, COURIER_KWDIR, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC | O_NOFOLLOW);
		if (fd == -1)
			r = -1;
		else {
			r = replace_at(fd, ":list", b.s, b.len, 1);
			close(fd);
		}
	}
	str_free(&b);
	return r;
}

/* ---- scanning the directories ---- */

struct found {
	char	*name;		/* "new/..." or "cur/..." */
	long long t;		/* seconds in the base name */
};

static int
base_time_cmp(const void *a, const void *b)
{
	const struct found *x = a, *y = b;
	size_t	 xl, yl;
	int	 c;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	xl = base_len(x->name + 4);
	yl = base_len(y->name + 4);
	c = memcmp(x->name + 4, y->name + 4, xl < yl ? xl : yl);
	if (c != 0)
		return c;
	if (xl != yl)
		return xl < yl ? -1 : 1;
	/* the same message twice: cur/ first */
	return (unsigned char)x->name[0] - (unsigned char)y->name[0];
}

/* name_ok - a Maildir file name we serve: printable ASCII, as
 * qmail-pop3d requires of a UIDL. */
static int
name_ok(const char *s)
{
	if (*s == '.' || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e ||
		    *s == '/')
			return 0;
	return 1;
}

/* make_name - "cur/<base>:2,<flags>". */
static int
make_name(struct str *out, size_t unused, const char *base, size_t bl,
    unsigned flags)
{
	char	 let[8];

	(void)unused;
	str_clear(out);
	mstore_flags_letters(flags, let, sizeof(let));
	return str_printf(out, "cur/%.*s:2,%s", (int)bl, base, let);
}

/*
 * rescan - reconcile m with new/ and cur/.  With im (a rebuild), the
 * old servers' UIDs and keywords are given to the files they name.
 */
static int
rescan(struct mbox *mb, struct import *im)
{
	struct mbox_priv *p = PRIV(mb);
	struct found *fv = NULL;
	size_t	 nf = 0, fcap = 0, i;
	unsigned char *seen = NULL;
	struct str nn = STR_INIT(8192);
	static const char *sub[2] = { "new", "cur" };
	struct stat sb;
	int	 s, r = -1, sorted = 1;

	/* Directory times first: a change during the scan shows next time. */
	if (fstatat(mb->dirfd, "new", &sb, 0) == -1)
		return -1;
	mb->newmt = sb.st_mtim;
	if (fstatat(mb->dirfd, "cur", &sb, 0) == -1)
		return -1;
	mb->curmt = sb.st_mtim;
	p->scantime = time(NULL);
	if (hash_build(mb) == -1)
		return -1;
	if (mb->n > 0 && (seen = calloc(mb->n, 1)) == NULL)
		return -1;
	for (s = 0; s < 2; s++) {
		struct dirent *e;
		DIR	*d;
		int	 fd;

		fd = openat(mb->dirfd, sub[s], O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);
		if (fd == -1 || (d = fdopendir(fd)) == NULL) {
			if (fd != -1)
				close(fd);
			goto out;
		}
		while ((e = readdir(d)) != NULL) {
			size_t	 bl, nl;
			ssize_t	 k;

			if (!name_ok(e->d_name))
				continue;
			if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN)
				continue;
			bl = base_len(e->d_name);
			nl = strlen(e->d_name);
			if (bl == 0 || bl > 65535)
				continue;
			k = hash_find(mb, e->d_name, bl);
			if (k >= 0) {
				struct mmsg *m = &mb->m[k];
				unsigned f;

				if (seen[k] && s == 0)
					continue;	/* cur/ wins */
				seen[k] = 1;
				if (strncmp(m->name, sub[s], 3) == 0 &&
				    strcmp(m->name + 4, e->d_name) == 0)
					continue;
				str_clear(&nn);
				if (str_printf(&nn, "%s/%s", sub[s],
				    e->d_name) == -1) {
					closedir(d);
					goto out;
				}
				{
					char	*nm = strdup(nn.s);

					if (nm == NULL) {
						closedir(d);
						goto out;
					}
					free(m->name);
					m->name = nm;
				}
				f = s == 1 && strstr(e->d_name, ":2,") != NULL ?
				    mstore_flags_parse(strstr(e->d_name, ":2,")
				    + 3) : 0;
				if ((m->flags & MF_SYSMASK) != f) {
					m->flags = (uint8_t)((m->flags &
					    ~MF_SYSMASK) | f);
					m->modseq = ++mb->highestmodseq;
				}
				p->dirty = 1;
				continue;
			}
			if (nf == fcap) {
				size_t	 nc = fcap ? fcap * 2 : 64;
				struct found *nv = reallocarray(fv, nc,
				    sizeof(*nv));

				if (nv == NULL) {
					closedir(d);
					goto out;
				}
				fv = nv;
				fcap = nc;
			}
			if ((fv[nf].name = malloc(nl + 5)) == NULL) {
				closedir(d);
				goto out;
			}
			memcpy(fv[nf].name, sub[s], 3);
			fv[nf].name[3] = '/';
			memcpy(fv[nf].name + 4, e->d_name, nl + 1);
			fv[nf].t = strtoll(e->d_name, NULL, 10);
			nf++;
		}
		closedir(d);
	}
	/* Gone: expunged by someone else (POP3, another client, a user). */
	for (i = mb->n; i-- > 0;)
		if (!seen[i]) {
			msg_remove(mb, i, 1);
			p->dirty = 1;
		}
	/* The same base name in new/ and cur/ (a crash between link and
	 * unlink): one message, the cur/ one. */
	if (nf > 1)
		qsort(fv, nf, sizeof(*fv), base_time_cmp);
	for (i = 0; i < nf; i++) {
		struct mmsg *m;
		const char *base = fv[i].name + 4;
		size_t	 bl = base_len(base);
		ssize_t	 k = -1;

		if (i > 0 && base_len(fv[i - 1].name + 4) == bl &&
		    memcmp(fv[i - 1].name + 4, base, bl) == 0)
			continue;
		if (msg_add(mb, fv[i].name, strlen(fv[i].name)) == -1) {
			if (errno == EINVAL)
				continue;
			goto out;
		}
		m = &mb->m[mb->n - 1];
		if (im != NULL)
			k = import_find(im, base, bl);
		if (k >= 0) {
			m->uid = im->uid[k];
			m->kw = im->kw[k];
			if (mb->n > 1 && m->uid <= mb->m[mb->n - 2].uid)
				sorted = 0;
		} else {
			if (mb->uidnext == UINT32_MAX) {
				errno = EOVERFLOW;
				goto out;
			}
			m->uid = mb->uidnext++;
			p->uiddirty = 1;
		}
		if (im != NULL && m->name[0] == 'c') {
			/* Dovecot keywords: letters a.. after the flags */
			const char *info = strstr(m->name, ":2,");

			for (info = info ? info + 3 : ""; *info; info++)
				if (*info >= 'a' && *info <= 'z' &&
				    im->dkw[*info - 'a'] != NULL) {
					int kk = mbox_keyword(mb,
					    im->dkw[*info - 'a'],
					    strlen(im->dkw[*info - 'a']), 1);

					if (kk >= 0)
						m->kw |= 1ULL << kk;
				}
		}
		m->modseq = ++mb->highestmodseq;
		m->idate = MSTORE_IDATE_UNKNOWN;	/* mbox_msg_idate */
		p->dirty = 1;
	}
	if (!sorted) {
		/* Imported UIDs are not in file-name order: sort by UID;
		 * a duplicate UID in a damaged file gets a new one. */
		qsort(mb->m, mb->n, sizeof(mb->m[0]), uid_cmp);
		for (i = 1; i < mb->n; i++)
			if (mb->m[i].uid <= mb->m[i - 1].uid) {
				mb->m[i].uid = mb->uidnext++;
				p->uiddirty = 1;
			}
		qsort(mb->m, mb->n, sizeof(mb->m[0]), uid_cmp);
	}
	/* new/ -> cur/: the messages are \Recent for this session. */
	if (!(p->flags & (MBOX_RDONLY | MBOX_NORECENT))) {
		int	 moved = 0;

		for (i = 0; i < mb->n; i++) {
			struct mmsg *m = &mb->m[i];
			char	*nm;

			if (m->name[0] != 'n')
				continue;
			if (make_name(&nn, 0, m->name + 4, m->baselen,
			    m->flags & MF_SYSMASK) == -1)
				goto out;
			if (renameat(mb->dirfd, m->name, mb->dirfd, nn.s) == -1)
				continue;	/* someone else took it */
			moved = 1;
			if ((nm = strdup(nn.s)) == NULL)
				goto out;
			free(m->name);
			m->name = nm;
			m->flags |= MF_RECENT;
			(void)recent_add(mb, m->uid);
			p->dirty = 1;
		}
		if (moved) {
			if (fstatat(mb->dirfd, "new", &sb, 0) == 0)
				mb->newmt = sb.st_mtim;
			if (fstatat(mb->dirfd, "cur", &sb, 0) == 0)
				mb->curmt = sb.st_mtim;
		}
	}
	r = hash_build(mb);
out:
	for (i = 0; i < nf; i++)
		free(fv[i].name);
	free(fv);
	free(seen);
	str_free(&nn);
	return r;
}

/* dir_changed - 1 when new/ or cur/ may hold what we have not seen. */
static int
dir_changed(struct mbox *mb)
{
	struct mbox_priv *p = PRIV(mb);
	struct stat sb;

	if (p->scandirty)
		return 1;
	if (fstatat(mb->dirfd, "new", &sb, 0) == -1 ||
	    sb.st_mtim.tv_sec != mb->newmt.tv_sec ||
	    sb.st_mtim.tv_nsec != mb->newmt.tv_nsec)
		return 1;
	if (fstatat(mb->dirfd, "cur", &sb, 0) == -1 ||
	    sb.st_mtim.tv_sec != mb->curmt.tv_sec ||
	    sb.st_mtim.tv_nsec != mb->curmt.tv_nsec)
		return 1;
	/* A change in the same clock tick as the scan leaves the time as
	 * it was: a scan that close to a change is not trusted. */
	if (mb->newmt.tv_sec >= p->scantime - 1 ||
	    mb->curmt.tv_sec >= p->scantime - 1)
		return 1;
	return 0;
}

/* sync_locked - the body of mbox_sync, with the lock held. */
static int
sync_locked(struct mbox *mb, int *changed_r)
{
	struct mbox_priv *p = PRIV(mb);
	struct import im;
	uint64_t before = mb->highestmodseq;
	size_t	 nbefore = mb->n;
	int	 rebuilt, r;

	if (load_index(mb, &rebuilt) == -1)
		return -1;
	if (rebuilt) {
		import_load(mb, &im);
		if (im.uidvalidity != 0) {
			mb->uidvalidity = im.uidvalidity;
			mb->uidnext = im.uidnext > 0 ? im.uidnext : 1;
			mb->fmt = im.fmt;
			memcpy(mb->guid, im.guid, sizeof(mb->guid));
		} else {
			mb->uidvalidity = (uint32_t)time(NULL);
			mb->uidnext = 1;
			mb->fmt = FMT_COURIER;
			p->uiddirty = 1;
		}
		if (mb->highestmodseq < modseq_base())
			mb->highestmodseq = modseq_base();
		mb->xfloor = mb->highestmodseq;
		r = rescan(mb, &im);
		if (r == 0 && im.uidvalidity == 0)
			p->uiddirty = 1;
		if (r == 0 && (im.n > 0 || mb->nkw > 0))
			p->kwdirty = mb->nkw > 0;
		import_free(&im);
		p->dirty = 1;
		p->scandirty = 0;
	} else if (dir_changed(mb)) {
		time_t	 was = p->scantime;

		r = rescan(mb, NULL);
		p->scandirty = 0;
		/* A scan made too close to a change is redone at every open
		 * until the index keeps a later scan time: keep this one
		 * when it can be trusted now, even if nothing changed. */
		if (r == 0 && p->scantime != was &&
		    mb->newmt.tv_sec < p->scantime - 1 &&
		    mb->curmt.tv_sec < p->scantime - 1)
			p->dirty = 1;
	} else
		r = 0;
	if (r == -1)
		return -1;
	*changed_r = rebuilt || mb->highestmodseq != before ||
	    mb->n != nbefore;
	return 0;
}

int
mbox_sync(struct mbox *mb, int keep_gone)
{
	int	 changed = 0, r;

	(void)keep_gone;
	cache_flush(mb);
	if (mlock(mb) == -1)
		return -1;
	r = sync_locked(mb, &changed);
	munlock(mb);
	return r == -1 ? -1 : changed;
}

int
mbox_open(struct mstore *st, const char *name, int flags, struct mbox **mb_r)
{
	struct mbox_priv *p;
	struct mbox *mb;
	struct str c = STR_INIT(MSTORE_NAME_MAX), path = STR_INIT(4096);
	int	 e;

	if (!mstore_name_ok(name, &c)) {
		str_free(&c);
		errno = ENOENT;
		return -1;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		str_free(&c);
		return -1;
	}
	mb = &p->pub;
	mb->st = st;
	mb->lockfd = -1;
	mb->name = c.s;	/* owned */
	p->flags = flags;
	mb->readonly = (flags & MBOX_RDONLY) != 0;
	mb->dirfd = mstore_dirfd(st, mb->name);
	if (mb->dirfd == -1) {
		e = errno == ENOTDIR || errno == ELOOP ? ENOENT : errno;
		goto fail;
	}
	if (mstore_dirpath(st, mb->name, &path) == -1 ||
	    (p->path = strdup(path.s)) == NULL) {
		e = errno;
		goto fail;
	}
	str_free(&path);
	if (mbox_sync(mb, 0) == -1) {
		e = errno;
		goto fail;
	}
	*mb_r = mb;
	return 0;
fail:
	str_free(&path);
	mbox_close(mb);
	errno = e;
	return -1;
}

void
mbox_close(struct mbox *mb)
{
	struct mbox_priv *p;
	size_t	 i;

	if (mb == NULL)
		return;
	p = PRIV(mb);
	if (p->learned > 0 && mb->uidvalidity != 0 && mlock(mb) == 0) {
		int	 rebuilt = 0;

		p->closing = 1;
		if (!idx_current(mb))
			(void)load_index(mb, &rebuilt);
		if (rebuilt)
			p->learned = 0;
		munlock(mb);
	}
	msgs_clear(mb);
	free(mb->m);
	for (i = 0; i < mb->nkw; i++)
		free(mb->kw[i]);
	free(mb->xuid);
	free(mb->xmod);
	mbox_cache_release(mb);
	if (mb->dirfd != -1)
		close(mb->dirfd);
	if (mb->lockfd != -1)
		close(mb->lockfd);
	free(p->rec.u);
	free(p->ht);
	free(p->path);
	free(mb->name);
	free(p);
}

ssize_t
mbox_find(const struct mbox *mb, uint32_t uid)
{
	size_t	 lo = 0, hi = mb->n;

	while (lo < hi) {
		size_t	 mid = (lo + hi) / 2;

		if (mb->m[mid].uid == uid)
			return (ssize_t)mid;
		if (mb->m[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int
mbox_begin(struct mbox *mb)
{
	return mlock(mb);
}

void
mbox_end(struct mbox *mb)
{
	munlock(mb);
}

int
mbox_keyword(struct mbox *mb, const char *name, size_t n, int create)
{
	size_t	 i;

	for (i = 0; i < mb->nkw; i++)
		if (strlen(mb->kw[i]) == n && strncasecmp(mb->kw[i], name, n)
		    == 0)
			return (int)i;
	if (!create) {
		errno = ENOENT;
		return -1;
	}
	if (n == 0 || n > MSTORE_KW_LEN) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)name[i] <= 0x20 ||
		    (unsigned char)name[i] >= 0x7f)
			break;
	if (i < n) {
		errno = EINVAL;
		return -1;
	}
	if (mb->nkw >= MSTORE_KW_MAX) {
		errno = ENOSPC;
		return -1;
	}
	if ((mb->kw[mb->nkw] = strndup(name, n)) == NULL)
		return -1;
	PRIV(mb)->dirty = 1;
	PRIV(mb)->kwdirty = 1;
	return (int)mb->nkw++;
}

/* find_again - the file of message i was renamed (or moved to cur/) by
 * another process: look for its base name in the directories. */
static int
find_again(struct mbox *mb, size_t i)
{
	static const char *sub[2] = { "cur", "new" };
	struct mmsg *m = &mb->m[i];
	struct dirent *e;
	int	 s;

	for (s = 0; s < 2; s++) {
		DIR	*d;
		int	 fd = openat(mb->dirfd, sub[s], O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);

		if (fd == -1 || (d = fdopendir(fd)) == NULL) {
			if (fd != -1)
				close(fd);
			continue;
		}
		while ((e = readdir(d)) != NULL) {
			if (base_len(e->d_name) == m->baselen &&
			    memcmp(e->d_name, m->name + 4, m->baselen) == 0) {
				size_t	 nl = strlen(e->d_name);
				char	*nm = malloc(nl + 5);

				if (nm == NULL)
					break;
				memcpy(nm, sub[s], 3);
				nm[3] = '/';
				memcpy(nm + 4, e->d_name, nl + 1);
				free(m->name);
				m->name = nm;
				closedir(d);
				return 0;
			}
		}
		closedir(d);
	}
	errno = ENOENT;
	return -1;
}

int
mbox_store(struct mbox *mb, size_t i, unsigned flags, uint64_t kw)
{
	struct mbox_priv *p = PRIV(mb);
	struct str nn = STR_INIT(8192);
	struct mmsg *m;
	uint32_t uid;
	ssize_t	 k;
	int	 r = -1, changed;

	if (mb->readonly) {
		errno = EROFS;
		return -1;
	}
	if (i >= mb->n) {
		errno = ENOENT;
		return -1;
	}
	uid = mb->m[i].uid;
	if (mlock(mb) == -1)
		return -1;
	/* Another session may have written the index: take its state (the
	 * directories are rescanned at the next mbox_sync, not for every
	 * message of a STORE). */
	if (load_index(mb, &changed) == -1)
		goto out;
	if (changed) {
		/* no usable index any more: rebuild it first */
		if (sync_locked(mb, &changed) == -1)
			goto out;
	}
	if ((k = mbox_find(mb, uid)) < 0) {
		errno = ENOENT;
		goto out;
	}
	m = &mb->m[k];
	flags &= MF_SYSMASK;
	if ((m->flags & MF_SYSMASK) == flags && m->kw == kw) {
		r = 0;
		goto out;
	}
	if ((m->flags & MF_SYSMASK) != flags || m->name[0] == 'n') {
		if (make_name(&nn, 0, m->name + 4, m->baselen, flags) == -1)
			goto out;
		char	*nm = strdup(nn.s);

		if (nm == NULL)
			goto out;
		if (renameat(mb->dirfd, m->name, mb->dirfd, nn.s) == -1) {
			if (errno != ENOENT || find_again(mb, (size_t)k) == -1 ||
			    renameat(mb->dirfd, m->name, mb->dirfd, nn.s) == -1) {
				free(nm);
				goto out;
			}
		}
		free(m->name);
		m->name = nm;
		p->scandirty = 1;
	}
	if (m->kw != kw)
		p->kwdirty = 1;
	m->flags = (uint8_t)((m->flags & ~MF_SYSMASK) | flags);
	m->kw = kw;
	m->modseq = ++mb->highestmodseq;
	p->dirty = 1;
	r = 0;
out:
	munlock(mb);
	str_free(&nn);
	return r;
}

/* msg_openat - the file, without touching its access time (a read by
 * the server is not a read by the user; it saves an inode write per
 * message) where the owner may ask that. */
static int
msg_openat(struct mbox *mb, const char *name)
{
	static int noatime = O_NOATIME;
	int	 fd;

	fd = openat(mb->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    noatime);
	if (fd == -1 && errno == EPERM && noatime != 0) {
		noatime = 0;
		fd = openat(mb->dirfd, name, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC);
	}
	return fd;
}

int
mbox_msg_open(struct mbox *mb, size_t i)
{
	int	 fd;

	if (i >= mb->n) {
		errno = ENOENT;
		return -1;
	}
	fd = msg_openat(mb, mb->m[i].name);
	if (fd == -1 && errno == ENOENT && find_again(mb, i) == 0) {
		fd = msg_openat(mb, mb->m[i].name);
		PRIV(mb)->scandirty = 1;
	}
	return fd;
}

void
mbox_msg_learn(struct mbox *mb, size_t i, uint64_t size, int sdstate,
    int64_t sdate, int stz)
{
	struct mmsg *m;
	int	 got = 0;

	if (i >= mb->n)
		return;
	m = &mb->m[i];
	if (size != 0 && m->size == 0) {
		m->size = size;
		got = 1;
	}
	if (sdstate != MSD_UNKNOWN && m->sdstate == MSD_UNKNOWN) {
		m->sdstate = (uint8_t)sdstate;
		m->sdate = sdstate == MSD_VALID ? sdate : 0;
		m->stz = sdstate == MSD_VALID ? (int16_t)stz : 0;
		got = 1;
	}
	if (got)
		PRIV(mb)->learned++;
}

void
mbox_msg_learn_idate(struct mbox *mb, size_t i, int64_t mtime)
{
	if (i < mb->n && mb->m[i].idate == MSTORE_IDATE_UNKNOWN &&
	    mtime != MSTORE_IDATE_UNKNOWN) {
		mb->m[i].idate = mtime;
		PRIV(mb)->learned++;
	}
}

int64_t
mbox_msg_idate(struct mbox *mb, size_t i)
{
	struct stat sb;
	struct mmsg *m;

	if (i >= mb->n)
		return 0;
	m = &mb->m[i];
	if (m->idate != MSTORE_IDATE_UNKNOWN)
		return m->idate;
	if (fstatat(mb->dirfd, m->name, &sb, AT_SYMLINK_NOFOLLOW) == 0 ||
	    (errno == ENOENT && find_again(mb, i) == 0 &&
	    fstatat(mb->dirfd, m->name, &sb, AT_SYMLINK_NOFOLLOW) == 0)) {
		mbox_msg_learn_idate(mb, i, (int64_t)sb.st_mtime);
		return m->idate;
	}
	/* gone or unreadable: the delivery time its name starts with,
	 * not kept (the file may come back under another name) */
	return strtoll(m->name + 4, NULL, 10);
}

int
mbox_msg_size(struct mbox *mb, size_t i, uint64_t *size_r)
{
	char	 buf[65536];
	uint64_t n = 0;
	ssize_t	 r;
	int	 fd, prevcr = 0;

	if (i >= mb->n) {
		errno = ENOENT;
		return -1;
	}
	if (mb->m[i].size != 0) {
		*size_r = mb->m[i].size;
		return 0;
	}
	if ((fd = mbox_msg_open(mb, i)) == -1)
		return -1;
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		const char *q = buf, *e = buf + r;

		/* every LF not after a CR is sent as CRLF */
		if (r > 0 && buf[0] == '\n' && !prevcr)
			n++;
		while (q < e && (q = memchr(q, '\n', (size_t)(e - q))) !=
		    NULL) {
			if (q > buf && q[-1] != '\r')
				n++;
			q++;
		}
		prevcr = buf[r - 1] == '\r';
		n += (uint64_t)r;
	}
	close(fd);
	if (r == -1)
		return -1;
	/* an empty message stays "unknown": cheap anyway */
	mbox_msg_learn(mb, i, n, MSD_UNKNOWN, 0, 0);
	*size_r = n;
	return 0;
}

int
mbox_expunge(struct mbox *mb, const uint32_t *uids, size_t n,
    void (*cb)(void *, size_t, uint32_t), void *arg)
{
	struct mbox_priv *p = PRIV(mb);
	long long bytes = 0, count = 0;
	uint32_t *want = NULL;
	size_t	 i;
	int	 changed, r = 0;

	if (mb->readonly) {
		errno = EROFS;
		return -1;
	}
	if (uids != NULL && n > 0) {
		/* sorted, so that each message is looked up, not compared */
		if ((want = reallocarray(NULL, n, sizeof(*want))) == NULL)
			return -1;
		memcpy(want, uids, n * sizeof(*want));
		qsort(want, n, sizeof(*want), u32_cmp);
	}
	if (mlock(mb) == -1) {
		free(want);
		return -1;
	}
	if (sync_locked(mb, &changed) == -1) {
		munlock(mb);
		free(want);
		return -1;
	}
	for (i = mb->n; i-- > 0;) {
		struct mmsg *m = &mb->m[i];
		struct stat sb;
		uint32_t uid = m->uid;

		if (uids != NULL && (want == NULL || bsearch(&uid, want, n,
		    sizeof(*want), u32_cmp) == NULL))
			continue;
		if (!(m->flags & MF_DELETED))
			continue;
		if (fstatat(mb->dirfd, m->name, &sb, AT_SYMLINK_NOFOLLOW) == -1
		    && errno == ENOENT && find_again(mb, i) == -1) {
			/* already gone: someone else expunged it */
		} else {
			if (fstatat(mb->dirfd, m->name, &sb,
			    AT_SYMLINK_NOFOLLOW) == 0) {
				bytes += sb.st_size;
				count++;
			}
			if (unlinkat(mb->dirfd, m->name, 0) == -1 &&
			    errno != ENOENT) {
				r = -1;
				continue;
			}
		}
		msg_remove(mb, i, 1);
		p->dirty = 1;
		p->scandirty = 1;
		if (cb != NULL)
			cb(arg, i, uid);
	}
	if (count > 0) {
		int	 fd = openat(mb->dirfd, "cur", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);

		if (fd != -1) {
			(void)fsync(fd);
			close(fd);
		}
		if (strcmp(mb->name, "INBOX.Trash") != 0)
			(void)mdquota_add(mstore_path(mb->st), -bytes, -count);
	}
	(void)hash_build(mb);
	munlock(mb);
	free(want);
	return r;
}

/* ---- adding messages ---- */

/* unique_base - "<sec>.M<usec>P<pid>Q<n>.<host>,S=<size>". */
static int
unique_base(struct str *out, off_t size)
{
	static unsigned long seq;
	struct timeval tv;
	char	 h[256];
	size_t	 i;

	if (gethostname(h, sizeof(h) - 1) == -1)
		snprintf(h, sizeof(h), "localhost");
	h[sizeof(h) - 1] = '\0';
	for (i = 0; h[i] != '\0'; i++)
		if (h[i] == '/' || h[i] == ':' || h[i] == ' ')
			h[i] = '_';
	gettimeofday(&tv, NULL);
	str_clear(out);
	return str_printf(out, "%lld.M%ldP%ldQ%lu.%s,S=%lld",
	    (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(), ++seq, h,
	    (long long)size);
}

/* quota_check - EDQUOT when size bytes and count messages more would
 * go over the Maildir++ quota. */
static int
quota_check(struct mstore *st, const char *folder, unsigned long long size,
    unsigned long long count)
{
	unsigned long long used, limit, cnt, climit;

	if (strcmp(folder, "INBOX.Trash") == 0)
		return 0;
	if (mstore_quota(st, &used, &limit, &cnt, &climit) == -1)
		return 0;	/* no readable quota: as qmail, deliver */
	if ((limit > 0 && used + size > limit) ||
	    (climit > 0 && cnt + count > climit)) {
		errno = EDQUOT;
		return -1;
	}
	return 0;
}

/* after_add - give the new files (found by base name) their UIDs,
 * keywords, and report them. */
static int
after_add(struct mstore *st, const char *folder, char **bases, size_t n,
    const uint64_t *kwbits, const char *const *kwnames, size_t nkw,
    uint32_t *uidv_r, uint32_t *uids_r)
{
	struct mbox *mb;
	size_t	 i, k;
	int	 map[MSTORE_KW_MAX];

	if (mbox_open(st, folder, MBOX_NORECENT, &mb) == -1)
		return -1;
	for (k = 0; k < nkw && k < MSTORE_KW_MAX; k++)
		map[k] = mbox_keyword(mb, kwnames[k], strlen(kwnames[k]), 1);
	*uidv_r = mb->uidvalidity;
	for (i = 0; i < n; i++) {
		ssize_t	 j = hash_find(mb, bases[i], strlen(bases[i]));

		uids_r[i] = j >= 0 ? mb->m[j].uid : 0;
		if (j >= 0 && kwbits != NULL && kwbits[i] != 0) {
			uint64_t b = 0;

			for (k = 0; k < nkw && k < MSTORE_KW_MAX; k++)
				if ((kwbits[i] & (1ULL << k)) && map[k] >= 0)
					b |= 1ULL << map[k];
			(void)mbox_store(mb, (size_t)j,
			    mb->m[j].flags & MF_SYSMASK, b);
		}
	}
	mbox_close(mb);
	return 0;
}

int
mstore_append(struct mstore *st, const char *name, int fd, off_t size,
    unsigned flags, const char *const *kw, size_t nkw, time_t idate,
    uint32_t *uidv_r, uint32_t *uid_r)
{
	struct maildir_tmp t;
	struct str c = STR_INIT(MSTORE_NAME_MAX), path = STR_INIT(4096);
	struct str base = STR_INIT(1024), fin = STR_INIT(8192);
	struct timespec ts[2];
	struct stat sb;
	char	 buf[65536], *bp;
	off_t	 left = size;
	uint64_t kwb = 0;
	size_t	 k;
	int	 r = -1, e, dfd = -1;

	if (!mstore_name_ok(name, &c)) {
		errno = ENOENT;
		goto out;
	}
	if ((dfd = mstore_dirfd(st, c.s)) == -1) {
		errno = ENOENT;
		goto out;
	}
	if (quota_check(st, c.s, (unsigned long long)size, 1) == -1)
		goto out;
	if (mstore_dirpath(st, c.s, &path) == -1 ||
	    maildir_tmp_open(&t, path.s) == -1)
		goto out;
	while (left > 0) {
		ssize_t	 n = read(fd, buf, left > (off_t)sizeof(buf) ?
		    sizeof(buf) : (size_t)left);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			maildir_tmp_abort(&t);
			goto out;
		}
		if (file_writeall(t.fd, buf, (size_t)n) == -1) {
			maildir_tmp_abort(&t);
			goto out;
		}
		left -= n;
	}
	if (fsync(t.fd) == -1 || fstat(t.fd, &sb) == -1 ||
	    unique_base(&base, sb.st_size) == -1 ||
	    make_name(&fin, 0, base.s, base.len, flags & MF_SYSMASK) == -1) {
		maildir_tmp_abort(&t);
		goto out;
	}
	if (idate != 0) {
		ts[0].tv_sec = ts[1].tv_sec = idate;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		(void)futimens(t.fd, ts);
	}
	if (linkat(AT_FDCWD, t.tmppath.s, dfd, fin.s, 0) == -1) {
		maildir_tmp_abort(&t);
		goto out;
	}
	maildir_tmp_abort(&t);	/* removes the tmp/ name only */
	{
		int	 cfd = openat(dfd, "cur", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);

		if (cfd != -1) {
			(void)fsync(cfd);
			close(cfd);
		}
	}
	if (strcmp(c.s, "INBOX.Trash") != 0)
		(void)mdquota_add(st->path, (long long)sb.st_size, 1);
	for (k = 0; k < nkw && k < MSTORE_KW_MAX; k++)
		kwb |= 1ULL << k;
	bp = base.s;
	r = after_add(st, c.s, &bp, 1, &kwb, kw, nkw, uidv_r,
	    uid_r);
out:
	e = errno;
	if (dfd != -1)
		close(dfd);
	str_free(&c);
	str_free(&path);
	str_free(&base);
	str_free(&fin);
	errno = e;
	return r;
}

int
mbox_copy(struct mbox *src, const size_t *idx, size_t n, const char *dst,
    int move, uint32_t *uidv_r, uint32_t *uids_r,
    void (*cb)(void *, size_t, uint32_t), void *arg)
{
	struct str c = STR_INIT(MSTORE_NAME_MAX), base = STR_INIT(1024);
	struct str fin = STR_INIT(8192);
	char	**bases = NULL;
	const char *kwn[MSTORE_KW_MAX];
	uint64_t *kwb = NULL, total = 0;
	uint32_t *moved = NULL;
	size_t	 i, nmoved = 0, k;
	int	 dfd = -1, r = -1, e;

	if (!mstore_name_ok(dst, &c)) {
		errno = ENOENT;
		goto out;
	}
	if ((dfd = mstore_dirfd(src->st, c.s)) == -1) {
		errno = ENOENT;
		goto out;
	}
	if (move && src->readonly) {
		errno = EROFS;
		goto out;
	}
	bases = calloc(n + 1, sizeof(*bases));
	kwb = calloc(n + 1, sizeof(*kwb));
	moved = calloc(n + 1, sizeof(*moved));
	if (bases == NULL || kwb == NULL || moved == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		struct stat sb;

		if (idx[i] >= src->n) {
			errno = EINVAL;
			goto out;
		}
		if (fstatat(src->dirfd, src->m[idx[i]].name, &sb,
		    AT_SYMLINK_NOFOLLOW) == 0)
			total += (uint64_t)sb.st_size;
	}
	if (!move && quota_check(src->st, c.s, total, n) == -1)
		goto out;
	for (k = 0; k < src->nkw; k++)
		kwn[k] = src->kw[k];
	for (i = 0; i < n; i++) {
		struct mmsg *m = &src->m[idx[i]];
		unsigned f = m->flags & MF_SYSMASK;

		kwb[i] = m->kw;
		if (move) {
			if (make_name(&fin, 0, m->name + 4, m->baselen, f) == -1)
				goto out;
			if (renameat(src->dirfd, m->name, dfd, fin.s) == -1 &&
			    (errno != ENOENT || find_again(src, idx[i]) == -1 ||
			    renameat(src->dirfd, m->name, dfd, fin.s) == -1))
				goto out;
			if ((bases[i] = strndup(m->name + 4, m->baselen))
			    == NULL)
				goto out;
			moved[nmoved++] = m->uid;
			continue;
		}
		{
			struct stat sb;
			int	 in = mbox_msg_open(src, idx[i]);

			if (in == -1)
				goto out;
			if (fstat(in, &sb) == -1 ||
			    unique_base(&base, sb.st_size) == -1 ||
			    make_name(&fin, 0, base.s, base.len, f) == -1) {
				close(in);
				goto out;
			}
			/* A hard link: message files never change. */
			if (linkat(src->dirfd, m->name, dfd, fin.s, 0) == -1) {
				char	 buf[65536];
				ssize_t	 nr;
				int	 out = openat(dfd, fin.s, O_WRONLY |
				    O_CREAT | O_EXCL | O_CLOEXEC, 0600);
				struct timespec ts[2];

				if (out == -1) {
					close(in);
					goto out;
				}
				while ((nr = read(in, buf, sizeof(buf))) > 0)
					if (file_writeall(out, buf, (size_t)nr)
					    == -1)
						break;
				ts[0] = sb.st_mtim;
				ts[1] = sb.st_mtim;
				(void)futimens(out, ts);
				if (nr != 0 || fsync(out) == -1) {
					close(out);
					(void)unlinkat(dfd, fin.s, 0);
					close(in);
					goto out;
				}
				close(out);
			}
			close(in);
			if ((bases[i] = strdup(base.s)) == NULL)
				goto out;
		}
	}
	{
		int	 cfd = openat(dfd, "cur", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);

		if (cfd != -1) {
			(void)fsync(cfd);
			close(cfd);
		}
	}
	if (!move && strcmp(c.s, "INBOX.Trash") != 0)
		(void)mdquota_add(mstore_path(src->st), (long long)total,
		    (long long)n);
	if (move) {
		/* The moved files are gone from src: report them. */
		struct mbox_priv *p = PRIV(src);
		int	 rebuilt = 0;

		(void)mlock(src);
		/* the index as others left it, then without the moved (an
		 * index that vanished meanwhile is rebuilt at the next sync,
		 * and the moved are found gone then) */
		if (load_index(src, &rebuilt) == 0 && rebuilt)
			p->scandirty = 1;
		else {
			qsort(moved, nmoved, sizeof(*moved), u32_cmp);
			for (i = src->n; i-- > 0;) {
				uint32_t uid = src->m[i].uid;

				if (bsearch(&uid, moved, nmoved,
				    sizeof(*moved), u32_cmp) == NULL)
					continue;
				msg_remove(src, i, 1);
				if (cb != NULL)
					cb(arg, i, uid);
			}
			p->dirty = 1;
			p->scandirty = 1;
			(void)hash_build(src);
		}
		munlock(src);
	}
	r = after_add(src->st, c.s, bases, n, kwb, kwn, src->nkw, uidv_r,
	    uids_r);
out:
	e = errno;
	if (bases != NULL)
		for (i = 0; i < n; i++)
			free(bases[i]);
	free(bases);
	free(kwb);
	free(moved);
	if (dfd != -1)
		close(dfd);
	str_free(&c);
	str_free(&base);
	str_free(&fin);
	errno = e;
	return r;
}

/* ---- the cache of per-message strings ---- */

static int
cache_insert(struct mbox_cache *c, uint32_t uid, char field, size_t off,
    size_t len)
{
	size_t	 h, i;

	if (c->en * 2 >= c->ecap) {
		size_t	 nc = c->ecap ? c->ecap * 2 : 1024;
		struct cent *ne = calloc(nc, sizeof(*ne));

		if (ne == NULL)
			return -1;
		for (i = 0; i < c->ecap; i++) {
			if (c->e[i].uid == 0)
				continue;
			h = ((size_t)c->e[i].uid * 31 + (unsigned char)c->e[i].field)
			    & (nc - 1);
			while (ne[h].uid != 0)
				h = (h + 1) & (nc - 1);
			ne[h] = c->e[i];
		}
		free(c->e);
		c->e = ne;
		c->ecap = nc;
	}
	h = ((size_t)uid * 31 + (unsigned char)field) & (c->ecap - 1);
	while (c->e[h].uid != 0) {
		if (c->e[h].uid == uid && c->e[h].field == field)
			break;
		h = (h + 1) & (c->ecap - 1);
	}
	if (c->e[h].uid == 0)
		c->en++;
	c->e[h].uid = uid;
	c->e[h].field = field;
	c->e[h].off = off;
	c->e[h].len = len;
	return 0;
}

/*
 * cache_load - hsmail-cache: "hsmail-cache 1 <uidvalidity>\n" then
 * records "<uid> <field> <length>\n<bytes>\n".  A file of another
 * UIDVALIDITY, or anything that does not parse, ends what is used.
 */
static int
cache_load(struct mbox *mb)
{
	struct mbox_cache *c = mb->cache;
	char	*b, *p, *end;
	size_t	 n;
	unsigned long long uv;

	if (c == NULL) {
		if ((c = calloc(1, sizeof(*c))) == NULL)
			return -1;
		c->fd = -1;
		mb->cache = c;
	}
	if (c->loaded)
		return 0;
	c->loaded = 1;
	if (read_at(mb->dirfd, CACHE_FILE, &b, &n) == -1)
		return 0;
	c->buf = b;
	c->len = n;
	c->cap = n;
	c->flushed = n;
	end = b + n;
	if (sscanf(b, "hsmail-cache 1 %llu\n", &uv) != 1 ||
	    uv != mb->uidvalidity || (p = memchr(b, '\n', n)) == NULL) {
		c->len = c->flushed = 0;
		return 0;
	}
	for (p++; p < end;) {
		unsigned long long uid, len;
		char	 f;
		int	 off = 0;
		char	*nl = memchr(p, '\n', (size_t)(end - p));

		if (nl == NULL)
			break;
		*nl = '\0';
		{
			char	*e;

			uid = strtoull(p, &e, 10);
			if (e == p || e[0] != ' ' || e[1] == '\0' ||
			    e[2] != ' ')
				break;
			f = e[1];
			len = strtoull(e + 3, &e, 10);
			off = (int)(e - p);
		}
		if (uid == 0 || uid > UINT32_MAX || p + off != nl ||
		    len > (unsigned long long)(end - nl - 1) ||
		    nl[1 + len] != '\n')
			break;
		if (cache_insert(c, (uint32_t)uid, f, (size_t)(nl + 1 - b),
		    (size_t)len) == -1)
			return -1;
		p = nl + 1 + len + 1;
	}
	return 0;
}

int
mbox_cache_get(struct mbox *mb, uint32_t uid, char field, const char **b_r,
    size_t *n_r)
{
	struct mbox_cache *c;
	size_t	 h;

	if (cache_load(mb) == -1)
		return -1;
	c = mb->cache;
	if (c->ecap == 0)
		return 0;
	h = ((size_t)uid * 31 + (unsigned char)field) & (c->ecap - 1);
	while (c->e[h].uid != 0) {
		if (c->e[h].uid == uid && c->e[h].field == field) {
			*b_r = c->buf + c->e[h].off;
			*n_r = c->e[h].len;
			return 1;
		}
		h = (h + 1) & (c->ecap - 1);
	}
	return 0;
}

/* cache_flush - append what this session added to hsmail-cache. */
static void
cache_flush(struct mbox *mb)
{
	struct mbox_cache *c = mb->cache;

	if (c == NULL || c->fd < 0 || c->flushed >= c->len)
		return;
	(void)file_writeall(c->fd, c->buf + c->flushed, c->len - c->flushed);
	c->flushed = c->len;
}

void
mbox_cache_release(struct mbox *mb)
{
	struct mbox_cache *c = mb->cache;

	if (c == NULL)
		return;
	cache_flush(mb);
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c->e);
	free(c);
	mb->cache = NULL;
}

int
mbox_cache_put(struct mbox *mb, uint32_t uid, char field, const char *b,
    size_t n)
{
	struct mbox_cache *c;
	struct str rec = STR_INIT(STR_UNBOUNDED);
	size_t	 off;
	int	 r = -1;

	if (cache_load(mb) == -1)
		return -1;
	c = mb->cache;
	if (c->fd == -1) {
		struct stat sb;

		c->fd = openat(mb->dirfd, CACHE_FILE, O_WRONLY | O_CREAT |
		    O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (c->fd == -1)
			c->fd = -2;
		else if (fstat(c->fd, &sb) == 0 && (c->len == 0 ||
		    sb.st_size == 0)) {
			/* new, or of another UIDVALIDITY: start again (our
			 * buffer begins with the header, below) */
			if (ftruncate(c->fd, 0) == -1) {
				close(c->fd);
				c->fd = -2;
			}
			c->len = c->flushed = 0;
		}
	}
	if (c->len == 0 && str_printf(&rec, "hsmail-cache 1 %lu\n",
	    (unsigned long)mb->uidvalidity) == -1)
		goto out;
	if (str_printf(&rec, "%lu %c %zu\n", (unsigned long)uid, field, n)
	    == -1 || str_catb(&rec, b, n) == -1 || str_catc(&rec, '\n') == -1)
		goto out;
	if (c->len + rec.len > c->cap) {
		size_t	 nc = (c->len + rec.len) * 2 + 4096;
		char	*nb = realloc(c->buf, nc);

		if (nb == NULL)
			goto out;
		c->buf = nb;
		c->cap = nc;
	}
	memcpy(c->buf + c->len, rec.s, rec.len);
	off = c->len + (rec.len - n - 1);
	c->len += rec.len;
	if (cache_insert(c, uid, field, off, n) == -1)
		goto out;
	/* Appended in batches: one write per message would be thousands
	 * of system calls for a first FETCH of a large folder. */
	if (c->len - c->flushed >= CACHE_BATCH)
		cache_flush(mb);
	r = 0;
out:
	str_free(&rec);
	return r;
}
