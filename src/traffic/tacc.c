/*
 * tacc - per-day, per-domain mail traffic from maillog events.
 * Part of mail-traffic.  Trusts nothing in the events: domain names are
 * checked before they become keys, unknown message and delivery numbers
 * are ignored, and no event allocates unless it creates a new domain,
 * day or table slot.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "tacc.h"

static uint64_t	hash_mem(const char *, size_t);
static int	map_put(struct tacc_map *, uint64_t, uint64_t, int32_t, int);
static struct tacc_ent *map_get(struct tacc_map *, uint64_t);
static void	map_del(struct tacc_map *, uint64_t);
static int32_t	dom_find(struct tacc *, const char *, size_t, int);
static int	ymd_of(struct tacc *, int64_t);
static struct tacc_day *day_get(struct tacc *, int);
static int	count(struct tacc *, int64_t, int32_t, int, uint64_t,
		    uint64_t);

#define DIR_IN	0
#define DIR_OUT	1
#define DIR_RETR 2

/* FNV-1a: names are short; the table is private to the process. */
static uint64_t
hash_mem(const char *p, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	while (n-- > 0) {
		h ^= (unsigned char)*p++;
		h *= 1099511628211ULL;
	}
	return h;
}

static size_t
mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k;
}

static int
map_grow(struct tacc_map *m)
{
	struct tacc_ent *old = m->e, *e;
	size_t	 oldcap = m->cap, i, j, cap;

	cap = oldcap ? oldcap * 2 : 1024;
	if (cap > SIZE_MAX / sizeof(*e))
		return errno = ENOMEM, -1;
	if ((e = calloc(cap, sizeof(*e))) == NULL)
		return -1;
	for (i = 0; i < oldcap; i++) {
		if (!old[i].used)
			continue;
		for (j = mix(old[i].key) & (cap - 1); e[j].used;
		    j = (j + 1) & (cap - 1))
			;
		e[j] = old[i];
	}
	free(old);
	m->e = e;
	m->cap = cap;
	return 0;
}

/* Insert or replace key.  0 or -1 (ENOMEM). */
static int
map_put(struct tacc_map *m, uint64_t key, uint64_t bytes, int32_t dom,
    int out)
{
	size_t	 j;

	if ((m->n + 1) * 2 > m->cap && map_grow(m) == -1)
		return -1;
	for (j = mix(key) & (m->cap - 1); m->e[j].used;
	    j = (j + 1) & (m->cap - 1))
		if (m->e[j].key == key)
			break;
	if (!m->e[j].used)
		m->n++;
	m->e[j].key = key;
	m->e[j].bytes = bytes;
	m->e[j].dom = dom;
	m->e[j].used = 1;
	m->e[j].out = (uint8_t)out;
	return 0;
}

static struct tacc_ent *
map_get(struct tacc_map *m, uint64_t key)
{
	size_t	 j;

	if (m->cap == 0)
		return NULL;
	for (j = mix(key) & (m->cap - 1); m->e[j].used;
	    j = (j + 1) & (m->cap - 1))
		if (m->e[j].key == key)
			return &m->e[j];
	return NULL;
}

/* Remove key, shifting the following run back (no tombstones). */
static void
map_del(struct tacc_map *m, uint64_t key)
{
	struct tacc_ent *e;
	size_t	 i, j, k, mask = m->cap - 1;

	if ((e = map_get(m, key)) == NULL)
		return;
	i = (size_t)(e - m->e);
	m->e[i].used = 0;
	m->n--;
	for (j = (i + 1) & mask; m->e[j].used; j = (j + 1) & mask) {
		k = mix(m->e[j].key) & mask;
		/* Move j to i if its home k is not in (i, j]. */
		if ((j > i && (k <= i || k > j)) ||
		    (j < i && (k <= i && k > j))) {
			m->e[i] = m->e[j];
			m->e[j].used = 0;
			i = j;
		}
	}
}

static void
map_clear(struct tacc_map *m)
{
	if (m->e != NULL)
		memset(m->e, 0, m->cap * sizeof(*m->e));
	m->n = 0;
}

int
tacc_init(struct tacc *t)
{
	memset(t, 0, sizeof(*t));
	t->names.max = STR_UNBOUNDED;
	t->cache_ymd = -1;
	return 0;
}

void
tacc_free(struct tacc *t)
{
	size_t	 i;

	str_free(&t->names);
	free(t->d);
	free(t->idx);
	free(t->msgs.e);
	free(t->dlvs.e);
	for (i = 0; i < t->ndays; i++)
		free(t->days[i].c);
	free(t->days);
	memset(t, 0, sizeof(*t));
}

const char *
tacc_name(const struct tacc *t, int32_t i, size_t *len_r)
{
	*len_r = t->d[i].len;
	return t->names.s + t->d[i].off;
}

/* A usable domain name: letters, digits, '.', '-', '_'; lower-cased
 * into buf.  Length or 0. */
static size_t
dom_clean(const char *s, size_t n, char *buf)
{
	size_t	 i;
	unsigned char ch;

	if (n == 0 || n > TACC_DOMAIN_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		if (ch >= 'A' && ch <= 'Z')
			ch += 'a' - 'A';
		else if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' &&
		    ch <= '9') || ch == '.' || ch == '-' || ch == '_'))
			return 0;
		buf[i] = (char)ch;
	}
	return n;
}

static int
idx_grow(struct tacc *t)
{
	int32_t	*idx;
	size_t	 cap = t->icap ? t->icap * 2 : 256, i, j;

	if ((idx = malloc(cap * sizeof(*idx))) == NULL)
		return -1;
	memset(idx, 0xff, cap * sizeof(*idx));
	for (i = 0; i < t->nd; i++) {
		j = hash_mem(t->names.s + t->d[i].off, t->d[i].len) &
		    (cap - 1);
		while (idx[j] != -1)
			j = (j + 1) & (cap - 1);
		idx[j] = (int32_t)i;
	}
	free(t->idx);
	t->idx = idx;
	t->icap = cap;
	return 0;
}

/*
 * The number of domain s (already clean), creating it when create: the
 * number, -1 not found, -2 out of memory.
 */
static int32_t
dom_find(struct tacc *t, const char *s, size_t n, int create)
{
	size_t	 j;
	int32_t	 i;
	struct tacc_dom *d;

	if (t->icap > 0) {
		for (j = hash_mem(s, n) & (t->icap - 1); t->idx[j] != -1;
		    j = (j + 1) & (t->icap - 1)) {
			i = t->idx[j];
			if (t->d[i].len == n &&
			    memcmp(t->names.s + t->d[i].off, s, n) == 0)
				return i;
		}
	}
	if (!create)
		return -1;
	if (t->nd >= INT32_MAX / 2 || t->names.len > UINT32_MAX / 2)
		return -2;
	if ((t->nd + 1) * 2 > t->icap && idx_grow(t) == -1)
		return -2;
	if (t->nd == t->dcap) {
		size_t	 cap = t->dcap ? t->dcap * 2 : 256;

		if ((d = reallocarray(t->d, cap, sizeof(*d))) == NULL)
			return -2;
		t->d = d;
		t->dcap = cap;
	}
	d = &t->d[t->nd];
	d->off = (uint32_t)t->names.len;
	d->len = (uint32_t)n;
	d->canon = (int32_t)t->nd;
	d->hosted = 0;
	if (str_catb(&t->names, s, n) == -1)
		return -2;
	for (j = hash_mem(s, n) & (t->icap - 1); t->idx[j] != -1;
	    j = (j + 1) & (t->icap - 1))
		;
	t->idx[j] = (int32_t)t->nd;
	return (int32_t)t->nd++;
}

int
tacc_host(struct tacc *t, const char *dom, size_t n, const char *alias,
    size_t alen)
{
	char	 buf[TACC_DOMAIN_MAX];
	int32_t	 i, a;

	if ((n = dom_clean(dom, n, buf)) == 0)
		return errno = EINVAL, -1;
	if ((i = dom_find(t, buf, n, 1)) == -2)
		return errno = ENOMEM, -1;
	t->d[i].hosted = 1;
	if (alias == NULL || alen == 0)
		return 0;
	if ((alen = dom_clean(alias, alen, buf)) == 0)
		return errno = EINVAL, -1;
	if ((a = dom_find(t, buf, alen, 1)) == -2)
		return errno = ENOMEM, -1;
	t->d[a].hosted = 1;
	t->d[i].canon = t->d[a].canon;
	return 0;
}

/* The canonical domain of an address: number, -1 none/unusable, -2 nomem. */
static int32_t
addr_dom(struct tacc *t, const char *a, size_t n, int create)
{
	char	 buf[TACC_DOMAIN_MAX];
	const char *d;
	size_t	 dl;
	int32_t	 i;

	if ((d = mlog_domain(a, n, &dl)) == NULL)
		return -1;
	if ((dl = dom_clean(d, dl, buf)) == 0) {
		t->nbaddom++;
		return -1;
	}
	if ((i = dom_find(t, buf, dl, create)) < 0)
		return i;
	return t->d[i].canon;
}

/* Local calendar day of unix time s as YYYYMMDD (cached per day). */
static int
ymd_of(struct tacc *t, int64_t s)
{
	struct tm tm;
	time_t	 tt = (time_t)s;

	if (t->cache_ymd != -1 && s >= t->day_lo && s < t->day_hi)
		return t->cache_ymd;
	if (localtime_r(&tt, &tm) == NULL)
		return 19700101;
	t->cache_ymd = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 +
	    tm.tm_mday;
	/* Day boundaries from the clock fields (copes with DST days). */
	t->day_lo = s - (tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec);
	tm.tm_mday++;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	t->day_hi = (int64_t)mktime(&tm);
	if (t->day_hi <= s)
		t->day_hi = s + 1;
	if (t->day_lo > s)
		t->day_lo = s;
	return t->cache_ymd;
}

int64_t
tacc_time(struct tacc *t, const struct mlog_ev *ev)
{
	struct tm tm, rt;
	time_t	 r = (time_t)t->ref;
	int64_t	 s;
	int	 y;

	if (ev->has_unix) {
		t->ref = ev->unix_t;
		return ev->unix_t;
	}
	if (!ev->has_hdr || localtime_r(&r, &rt) == NULL)
		return t->ref;
	/* syslog carries no year: the one that puts the line nearest to the
	 * last known time (a log spanning New Year moves on to the next). */
	for (y = rt.tm_year - 1; y <= rt.tm_year + 1; y++) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = y;
		tm.tm_mon = ev->mon;
		tm.tm_mday = ev->mday;
		tm.tm_hour = ev->hour;
		tm.tm_min = ev->min;
		tm.tm_sec = ev->sec;
		tm.tm_isdst = -1;
		s = (int64_t)mktime(&tm);
		if (s - t->ref < 183 * 86400LL && t->ref - s < 183 * 86400LL) {
			t->ref = s;
			return s;
		}
	}
	return t->ref;
}

static struct tacc_day *
day_get(struct tacc *t, int ymd)
{
	struct tacc_day *d;
	size_t	 i;

	for (i = t->ndays; i-- > 0;)
		if (t->days[i].ymd == ymd)
			return &t->days[i];
	if (t->ndays == t->daycap) {
		size_t	 cap = t->daycap ? t->daycap * 2 : 8;

		if ((d = reallocarray(t->days, cap, sizeof(*d))) == NULL)
			return NULL;
		t->days = d;
		t->daycap = cap;
	}
	d = &t->days[t->ndays++];
	memset(d, 0, sizeof(*d));
	d->ymd = ymd;
	return d;
}

static struct tacc_cnt *
cnt_get(struct tacc_day *d, int32_t dom)
{
	struct tacc_cnt *c;
	size_t	 cap;

	if ((size_t)dom >= d->nc) {
		cap = (size_t)dom + 1 > d->nc * 2 ? (size_t)dom + 64 : d->nc * 2;
		if ((c = reallocarray(d->c, cap, sizeof(*c))) == NULL)
			return NULL;
		memset(c + d->nc, 0, (cap - d->nc) * sizeof(*c));
		d->c = c;
		d->nc = cap;
	}
	return &d->c[dom];
}

/* Add bytes and hits for dom in direction dir on the day of time s. */
static int
count(struct tacc *t, int64_t s, int32_t dom, int dir, uint64_t bytes,
    uint64_t hits)
{
	struct tacc_day *d;
	struct tacc_cnt *c;
	int	 ymd = ymd_of(t, s);

	if (ymd < t->closed || ymd > 99991231) {
		t->nlate++;
		return 0;
	}
	if ((d = day_get(t, ymd)) == NULL || (c = cnt_get(d, dom)) == NULL)
		return errno = ENOMEM, -1;
	if (dir == DIR_IN)
		c->in += bytes;
	else if (dir == DIR_OUT)
		c->out += bytes;
	else
		c->retr += bytes;
	c->hits += hits;
	d->dirty = 1;
	return 0;
}

int
tacc_feed(struct tacc *t, const struct mlog_ev *ev)
{
	struct tacc_ent *e;
	int32_t	 dom;
	int64_t	 s;

	switch (ev->kind) {
	case MLOG_INFO:
		dom = addr_dom(t, ev->addr, ev->addrlen, 0);
		if (dom == -2)
			return errno = ENOMEM, -1;
		if (dom >= 0 && !t->d[dom].hosted)
			dom = -1;
		return map_put(&t->msgs, ev->msg, ev->bytes, dom, 0);
	case MLOG_START:
		if ((e = map_get(&t->msgs, ev->msg)) == NULL) {
			map_del(&t->dlvs, ev->dlv);
			return 0;
		}
		if (ev->remote) {
			if (e->dom < 0) {
				map_del(&t->dlvs, ev->dlv);
				return 0;
			}
			return map_put(&t->dlvs, ev->dlv, e->bytes, e->dom, 1);
		}
		if ((dom = addr_dom(t, ev->addr, ev->addrlen, 1)) == -2)
			return errno = ENOMEM, -1;
		if (dom < 0) {
			map_del(&t->dlvs, ev->dlv);
			return 0;
		}
		return map_put(&t->dlvs, ev->dlv, e->bytes, dom, 0);
	case MLOG_DONE:
		s = tacc_time(t, ev);
		if ((e = map_get(&t->dlvs, ev->dlv)) == NULL)
			return 0;
		if (ev->result == MLOG_SUCCESS && count(t, s, e->dom,
		    e->out ? DIR_OUT : DIR_IN, e->bytes, 1) == -1)
			return -1;
		map_del(&t->dlvs, ev->dlv);
		return 0;
	case MLOG_END:
		map_del(&t->msgs, ev->msg);
		return 0;
	case MLOG_EXIT:
		map_clear(&t->dlvs);
		return 0;
	case MLOG_LOGOUT:
		s = tacc_time(t, ev);
		if (ev->bytes == 0 && ev->retr == 0)
			return 0;
		if ((dom = addr_dom(t, ev->addr, ev->addrlen, 1)) == -2)
			return errno = ENOMEM, -1;
		if (dom < 0)
			return 0;
		return count(t, s, dom, DIR_RETR, ev->bytes, ev->retr);
	default:
		return 0;
	}
}

/* Kilobytes with two decimals, rounded: "12.34". */
static int
cat_kb(struct str *out, uint64_t b)
{
	uint64_t c = b / 1024 * 100 + ((b % 1024) * 100 + 512) / 1024;

	return str_printf(out, "%" PRIu64 ".%02" PRIu64, c / 100, c % 100);
}

static const struct tacc *sort_t;

static int
cmp_dom(const void *a, const void *b)
{
	const struct tacc_dom *x = &sort_t->d[*(const int32_t *)a];
	const struct tacc_dom *y = &sort_t->d[*(const int32_t *)b];
	size_t	 n = x->len < y->len ? x->len : y->len;
	int	 r = memcmp(sort_t->names.s + x->off, sort_t->names.s + y->off,
		    n);

	if (r != 0)
		return r;
	return x->len < y->len ? -1 : x->len > y->len;
}

int
tacc_day_text(struct tacc *t, const struct tacc_day *d, struct str *out)
{
	int32_t	*v;
	size_t	 i, n = 0;
	const struct tacc_cnt *c;
	int	 r = 0;

	if ((v = calloc(d->nc + 1, sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < d->nc; i++)
		if (d->c[i].hits || d->c[i].in || d->c[i].out || d->c[i].retr)
			v[n++] = (int32_t)i;
	sort_t = t;
	qsort(v, n, sizeof(*v), cmp_dom);
	for (i = 0; i < n && r == 0; i++) {
		c = &d->c[v[i]];
		r = str_catc(out, '|');
		if (r == 0)
			r = str_catb(out, t->names.s + t->d[v[i]].off,
			    t->d[v[i]].len);
		if (r == 0)
			r = str_catc(out, '|');
		if (r == 0)
			r = cat_kb(out, c->in + c->out + c->retr);
		if (r == 0)
			r = str_printf(out, "|%" PRIu64 "|0|", c->hits);
		if (r == 0)
			r = cat_kb(out, c->in);
		if (r == 0)
			r = str_catc(out, '|');
		if (r == 0)
			r = cat_kb(out, c->out + c->retr);
		if (r == 0)
			r = str_cats(out, "|\n");
	}
	free(v);
	return r;
}

void
tacc_prune(struct tacc *t)
{
	int	 newest = 0, cut, y, m, dd;
	size_t	 i, j;
	struct tm tm;

	for (i = 0; i < t->ndays; i++)
		if (t->days[i].ymd > newest)
			newest = t->days[i].ymd;
	if (newest == 0)
		return;
	y = newest / 10000;
	m = newest / 100 % 100;
	dd = newest % 100;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = dd - TACC_KEEP_DAYS;
	tm.tm_hour = 12;
	(void)timegm(&tm);
	cut = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
	for (i = j = 0; i < t->ndays; i++) {
		if (t->days[i].ymd < cut && !t->days[i].dirty) {
			free(t->days[i].c);
			continue;
		}
		t->days[j++] = t->days[i];
	}
	t->ndays = j;
	if (cut > t->closed)
		t->closed = cut;
}

/* -------- state text -------- */

static int
save_map(const struct tacc *t, const struct tacc_map *m, const char *tag,
    struct str *out)
{
	size_t	 i;
	const struct tacc_ent *e;
	int	 r = 0;

	for (i = 0; i < m->cap && r == 0; i++) {
		e = &m->e[i];
		if (!e->used)
			continue;
		r = str_printf(out, "%s %" PRIu64 " %" PRIu64 " %d ", tag,
		    e->key, e->bytes, (int)e->out);
		if (r == 0 && e->dom >= 0)
			r = str_catb(out, t->names.s + t->d[e->dom].off,
			    t->d[e->dom].len);
		else if (r == 0)
			r = str_catc(out, '-');
		if (r == 0)
			r = str_catc(out, '\n');
	}
	return r;
}

int
tacc_save(const struct tacc *t, struct str *out)
{
	size_t	 i, j;
	const struct tacc_day *d;
	const struct tacc_cnt *c;
	int	 r;

	r = str_printf(out, "ref %" PRId64 "\nclosed %d\n", t->ref,
	    t->closed);
	if (r == 0)
		r = save_map(t, &t->msgs, "msg", out);
	if (r == 0)
		r = save_map(t, &t->dlvs, "dlv", out);
	for (i = 0; i < t->ndays && r == 0; i++) {
		d = &t->days[i];
		r = str_printf(out, "day %d\n", d->ymd);
		for (j = 0; j < d->nc && r == 0; j++) {
			c = &d->c[j];
			if (!(c->hits || c->in || c->out || c->retr))
				continue;
			r = str_printf(out, "cnt %" PRIu64 " %" PRIu64 " %"
			    PRIu64 " %" PRIu64 " ", c->in, c->out, c->retr,
			    c->hits);
			if (r == 0)
				r = str_catb(out, t->names.s + t->d[j].off,
				    t->d[j].len);
			if (r == 0)
				r = str_catc(out, '\n');
		}
	}
	return r;
}

/* Split the next space-separated field of [*p, e). */
static int
field(const char **p, const char *e, const char **f, size_t *n)
{
	const char *s = *p;

	while (*p < e && **p != ' ')
		(*p)++;
	*f = s;
	*n = (size_t)(*p - s);
	if (*p < e)
		(*p)++;
	return *n > 0;
}

static int
fnum(const char **p, const char *e, uint64_t *v)
{
	const char *f;
	size_t	 n;
	unsigned long x;

	if (!field(p, e, &f, &n) || num_parseb(f, n, ULONG_MAX, &x) == -1)
		return 0;
	*v = x;
	return 1;
}

static int
load_line(struct tacc *t, const char *p, const char *e,
    struct tacc_day **cur)
{
	const char *f;
	size_t	 n;
	uint64_t a, b, c, h;
	int32_t	 dom = -1;
	char	 buf[TACC_DOMAIN_MAX];
	struct tacc_cnt *cp;

	if (!field(&p, e, &f, &n))
		return -1;
	if (n == 3 && memcmp(f, "ref", 3) == 0) {
		if (!fnum(&p, e, &a) || a > INT64_MAX)
			return -1;
		t->ref = (int64_t)a;
	} else if (n == 6 && memcmp(f, "closed", 6) == 0) {
		if (!fnum(&p, e, &a) || a > 99991231)
			return -1;
		t->closed = (int)a;
	} else if (n == 3 && (memcmp(f, "msg", 3) == 0 ||
	    memcmp(f, "dlv", 3) == 0)) {
		int	 isdlv = f[0] == 'd';

		if (!fnum(&p, e, &a) || !fnum(&p, e, &b) || !fnum(&p, e, &c) ||
		    c > 1 || !field(&p, e, &f, &n) || p != e)
			return -1;
		if (!(n == 1 && f[0] == '-')) {
			if ((n = dom_clean(f, n, buf)) == 0 ||
			    (dom = dom_find(t, buf, n, 1)) < 0)
				return -1;
		}
		if (map_put(isdlv ? &t->dlvs : &t->msgs, a, b, dom, (int)c))
			return -1;
	} else if (n == 3 && memcmp(f, "day", 3) == 0) {
		if (!fnum(&p, e, &a) || a < 19700101 || a > 99991231 ||
		    (*cur = day_get(t, (int)a)) == NULL)
			return -1;
	} else if (n == 3 && memcmp(f, "cnt", 3) == 0) {
		if (*cur == NULL || !fnum(&p, e, &a) || !fnum(&p, e, &b) ||
		    !fnum(&p, e, &c) || !fnum(&p, e, &h) ||
		    !field(&p, e, &f, &n) || p != e ||
		    (n = dom_clean(f, n, buf)) == 0 ||
		    (dom = dom_find(t, buf, n, 1)) < 0 ||
		    (cp = cnt_get(*cur, dom)) == NULL)
			return -1;
		cp->in = a;
		cp->out = b;
		cp->retr = c;
		cp->hits = h;
	} else
		return -1;
	return 0;
}

int
tacc_load(struct tacc *t, const char *b, size_t n)
{
	const char *p = b, *e = b + n, *nl;
	struct tacc_day *cur = NULL;

	while (p < e) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			return errno = EPROTO, -1;
		if (load_line(t, p, nl, &cur) == -1)
			return errno = EPROTO, -1;
		p = nl + 1;
	}
	return 0;
}
