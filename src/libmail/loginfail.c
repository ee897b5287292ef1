/*
 * loginfail - the failed-login table shared by every login path (see
 * loginfail.h and loginfail(5)).  Runs inside the checkpassword programs
 * (root, or vpopmail for vchkpwsmtp) and the login front ends.  Trusts
 * nothing in the file: a slot is only ever compared by its full keyed
 * hash, and numbers out of range are read as "no failures".
 *
 * Slot layout, little-endian: hash (8), count (4), time of the last
 * failure (4), end of the lockout (4), time of the last good login (4,
 * pairs), hash of the last wrong password (2, pairs), 6 unused.  Times
 * are unsigned 32-bit seconds.  Header: "HSLFTAB1", the 16-byte key.
 */
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "file.h"
#include "loginfail.h"
#include "root.h"

#define MAGIC		"HSLFTAB1"
#define NBUCKETS	(LOGINFAIL_SLOTS / LOGINFAIL_WAYS)

enum section { SEC_ADDR, SEC_USER, SEC_PAIR };

struct slot {
	uint64_t hash;
	uint32_t count;
	uint32_t last;
	uint32_t until;
	uint32_t good;
	uint16_t pwh;
};

/* One open table operation: the key, and the bucket being changed. */
struct tab {
	int	 fd;
	unsigned char key[16];
};

struct bucket {
	enum section sec;
	uint64_t hash;
	off_t	 off;
	struct slot s[LOGINFAIL_WAYS];
};

static uint64_t	sip24(const unsigned char *, const unsigned char *, size_t);
static int	tab_lock(int, int);
static int	tab_begin(struct tab *);
static void	slot_get(const unsigned char *, struct slot *);
static void	slot_put(unsigned char *, const struct slot *);
static int	bucket_read(struct tab *, enum section, uint64_t,
		    struct bucket *);
static int	bucket_write(struct tab *, const struct bucket *);
static int	slot_live(const struct loginfail_conf *, enum section,
		    const struct slot *, uint32_t);
static int	less_vital(const struct slot *, const struct slot *, uint32_t);
static struct slot *bucket_find(struct bucket *,
		    const struct loginfail_conf *, uint32_t, int);
static uint64_t	key_hash(const struct tab *, enum section,
		    const unsigned char *, size_t, const char *);
static unsigned long delay_of(const struct loginfail_conf *, uint32_t);
static void	refuse(const struct loginfail_conf *, const struct slot *,
		    uint32_t, int, struct loginfail_state *);
static int	count_one(struct tab *, const struct loginfail_conf *,
		    enum section, uint64_t, unsigned long, uint32_t,
		    unsigned long *, int *);

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do {							\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

static uint64_t
le64(const unsigned char *p)
{
	uint64_t v = 0;
	int	 i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* SipHash-2-4 of m[0..n) under the 16-byte key k (Aumasson, Bernstein). */
static uint64_t
sip24(const unsigned char *k, const unsigned char *m, size_t n)
{
	uint64_t k0 = le64(k), k1 = le64(k + 8), b = (uint64_t)n << 56, w;
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	size_t	 i, left = n & 7;

	for (i = 0; i + 8 <= n; i += 8) {
		w = le64(m + i);
		v3 ^= w;
		SIPROUND;
		SIPROUND;
		v0 ^= w;
	}
	for (; left > 0; left--)
		b |= (uint64_t)m[i + left - 1] << (8 * (left - 1));
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

void
loginfail_conf_default(struct loginfail_conf *c)
{
	c->delay = LOGINFAIL_DELAY;
	c->delaymax = LOGINFAIL_DELAYMAX;
	c->lockout = LOGINFAIL_LOCKOUT;
	c->ipmax = LOGINFAIL_IPMAX;
	c->usermax = LOGINFAIL_USERMAX;
	c->trust = LOGINFAIL_TRUST;
}

int
loginfail_conf_read(struct loginfail_conf *c)
{
	static const struct {
		const char *name;
		size_t	 off;
		long	 max;
	} f[] = {
		{ "loginfail-delay", offsetof(struct loginfail_conf, delay),
		    86400 },
		{ "loginfail-delaymax", offsetof(struct loginfail_conf,
		    delaymax), 86400 },
		{ "loginfail-lockout", offsetof(struct loginfail_conf,
		    lockout), 366L * 86400 },
		{ "loginfail-ipmax", offsetof(struct loginfail_conf, ipmax),
		    1000000 },
		{ "loginfail-usermax", offsetof(struct loginfail_conf,
		    usermax), 1000000 },
		{ "loginfail-trust", offsetof(struct loginfail_conf, trust),
		    3660L * 86400 },
	};
	unsigned long *v;
	size_t	 i;
	long	 n;

	loginfail_conf_default(c);
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		v = (unsigned long *)(void *)((char *)c + f[i].off);
		if (ctl_readint(f[i].name, (long)*v, &n) == -1)
			return -1;
		if (n < 0 || n > f[i].max) {
			errno = EINVAL;
			return -1;
		}
		*v = (unsigned long)n;
	}
	return 0;
}

size_t
loginfail_addrkey(const char *ip, unsigned char *key)
{
	unsigned char a[16];

	if (ip == NULL)
		return 0;
	if (inet_pton(AF_INET, ip, a) == 1) {
		key[0] = '4';
		memcpy(key + 1, a, 4);
		return 5;
	}
	if (inet_pton(AF_INET6, ip, a) != 1)
		return 0;
	if (IN6_IS_ADDR_V4MAPPED((struct in6_addr *)(void *)a)) {
		key[0] = '4';
		memcpy(key + 1, a + 12, 4);
		return 5;
	}
	key[0] = '6';
	memcpy(key + 1, a, 8);
	return 9;
}

int
loginfail_open(const char *path)
{
	struct str p = STR_INIT(4096);
	struct stat st;
	int	 fd, e;

	if (path == NULL) {
		if (root_path(&p, ROOT_VPOPMAIL, LOGINFAIL_FILE) == -1)
			return -1;
		path = p.s;
	}
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1)
		goto fail;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		close(fd);
		fd = -1;
		errno = EPERM;
		goto fail;
	}
	/* Made by root (vchkpw for POP3): vchkpwsmtp, running as the owner
	 * of vpopmail/etc, must be able to write it too. */
	if (st.st_size == 0 && st.st_uid == 0 && geteuid() == 0)
		(void)file_own_like_parent(fd, path);
	str_free(&p);
	return fd;
fail:
	e = errno;
	str_free(&p);
	errno = e;
	return -1;
}

static int
tab_lock(int fd, int op)
{
	while (flock(fd, op) == -1)
		if (errno != EINTR)
			return -1;
	return 0;
}

/*
 * Lock the table and read its key; a missing or damaged header starts a
 * new table (new key, no slots).  0 locked, or -1 (errno; unlocked).
 */
static int
tab_begin(struct tab *t)
{
	unsigned char h[LOGINFAIL_HEAD];
	ssize_t	 n;
	size_t	 got;

	if (tab_lock(t->fd, LOCK_EX) == -1)
		return -1;
	n = pread(t->fd, h, sizeof(h), 0);
	if (n == -1)
		goto fail;
	if (n == (ssize_t)sizeof(h) && memcmp(h, MAGIC, 8) == 0) {
		memcpy(t->key, h + 8, sizeof(t->key));
		return 0;
	}
	memset(h, 0, sizeof(h));
	memcpy(h, MAGIC, 8);
	for (got = 0; got < sizeof(t->key); got += (size_t)n) {
		n = getrandom(t->key + got, sizeof(t->key) - got, 0);
		if (n == -1 && errno != EINTR)
			goto fail;
		if (n == -1)
			n = 0;
	}
	memcpy(h + 8, t->key, sizeof(t->key));
	/* Slots hashed under another key mean nothing: drop them. */
	if (ftruncate(t->fd, 0) == -1 ||
	    pwrite(t->fd, h, sizeof(h), 0) != (ssize_t)sizeof(h)) {
		if (errno == 0)
			errno = EIO;
		goto fail;
	}
	return 0;
fail:
	n = errno;
	(void)tab_lock(t->fd, LOCK_UN);
	errno = (int)n;
	return -1;
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void
slot_get(const unsigned char *b, struct slot *s)
{
	s->hash = le64(b);
	s->count = le32(b + 8);
	s->last = le32(b + 12);
	s->until = le32(b + 16);
	s->good = le32(b + 20);
	s->pwh = (uint16_t)(b[24] | b[25] << 8);
}

static void
slot_put(unsigned char *b, const struct slot *s)
{
	int	 i;

	memset(b, 0, LOGINFAIL_SLOT);
	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(s->hash >> (8 * i));
	put32(b + 8, s->count);
	put32(b + 12, s->last);
	put32(b + 16, s->until);
	put32(b + 20, s->good);
	b[24] = (unsigned char)s->pwh;
	b[25] = (unsigned char)(s->pwh >> 8);
}

/* Read the bucket of hash in sec (zeros past the end of the file). */
static int
bucket_read(struct tab *t, enum section sec, uint64_t hash,
    struct bucket *bk)
{
	unsigned char b[LOGINFAIL_WAYS * LOGINFAIL_SLOT];
	ssize_t	 n;
	int	 i;

	bk->sec = sec;
	bk->hash = hash;
	bk->off = LOGINFAIL_HEAD + ((off_t)sec * LOGINFAIL_SLOTS +
	    (off_t)((hash >> 32) % NBUCKETS) * LOGINFAIL_WAYS) *
	    LOGINFAIL_SLOT;
	memset(b, 0, sizeof(b));
	n = pread(t->fd, b, sizeof(b), bk->off);
	if (n == -1)
		return -1;
	for (i = 0; i < LOGINFAIL_WAYS; i++)
		slot_get(b + i * LOGINFAIL_SLOT, &bk->s[i]);
	return 0;
}

static int
bucket_write(struct tab *t, const struct bucket *bk)
{
	unsigned char b[LOGINFAIL_WAYS * LOGINFAIL_SLOT];
	int	 i;

	for (i = 0; i < LOGINFAIL_WAYS; i++)
		slot_put(b + i * LOGINFAIL_SLOT, &bk->s[i]);
	errno = 0;
	if (pwrite(t->fd, b, sizeof(b), bk->off) != (ssize_t)sizeof(b)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* 1 if the slot still means something at now. */
static int
slot_live(const struct loginfail_conf *c, enum section sec,
    const struct slot *s, uint32_t now)
{
	if (s->hash == 0)
		return 0;
	if (s->until != 0 && now < s->until)
		return 1;
	if (s->last != 0 && now - s->last < c->lockout)
		return 1;
	return sec == SEC_PAIR && s->good != 0 && now - s->good < c->trust;
}

/*
 * 1 if live slot a matters less than b: unlocked before locked, never
 * trusted before trusted, fewer failures, then older.
 */
static int
less_vital(const struct slot *a, const struct slot *b, uint32_t now)
{
	int	 la = a->until != 0 && now < a->until;
	int	 lb = b->until != 0 && now < b->until;

	if (la != lb)
		return la < lb;
	if ((a->good != 0) != (b->good != 0))
		return a->good == 0;
	if (a->count != b->count)
		return a->count < b->count;
	return (uint32_t)(now - a->last) > (uint32_t)(now - b->last);
}

/*
 * The slot of bk->hash: found, or (make) a new one in place of a free,
 * stale or least important slot, or NULL when not found and !make.  A
 * stale slot found is returned emptied.
 */
static struct slot *
bucket_find(struct bucket *bk, const struct loginfail_conf *c, uint32_t now,
    int make)
{
	struct slot *s, *v = NULL;
	int	 i;

	for (i = 0; i < LOGINFAIL_WAYS; i++) {
		s = &bk->s[i];
		if (s->hash != bk->hash)
			continue;
		if (!slot_live(c, bk->sec, s, now)) {
			memset(s, 0, sizeof(*s));
			s->hash = bk->hash;
		}
		return s;
	}
	if (!make)
		return NULL;
	/* The victim: a dead slot, else the least important (less_vital). */
	for (i = 0; i < LOGINFAIL_WAYS; i++) {
		s = &bk->s[i];
		if (!slot_live(c, bk->sec, s, now)) {
			v = s;
			break;
		}
		if (v == NULL || less_vital(s, v, now))
			v = s;
	}
	memset(v, 0, sizeof(*v));
	v->hash = bk->hash;
	return v;
}

/* The keyed hash of a section's key (account text and/or address key). */
static uint64_t
key_hash(const struct tab *t, enum section sec, const unsigned char *ak,
    size_t alen, const char *account)
{
	unsigned char m[1 + 9 + 1 + 512];
	size_t	 n = 0, ul = account != NULL ? strlen(account) : 0;
	uint64_t h;

	if (ul > 512)
		ul = 512;
	m[n++] = (unsigned char)('a' + sec);
	if (sec != SEC_USER) {
		memcpy(m + n, ak, alen);
		n += alen;
		m[n++] = 0;
	}
	if (sec != SEC_ADDR) {
		memcpy(m + n, account, ul);
		n += ul;
	}
	h = sip24(t->key, m, n);
	return h == 0 ? 1 : h;
}

/* Seconds an entry with n failures holds off the next attempt. */
static unsigned long
delay_of(const struct loginfail_conf *c, uint32_t n)
{
	unsigned long d;

	if (n == 0 || c->delay == 0)
		return 0;
	if (n > 40)
		return c->delaymax;
	d = c->delay;
	while (--n > 0 && d < c->delaymax)
		d *= 2;
	return d < c->delaymax ? d : c->delaymax;
}

/* Fill *st if slot s refuses an attempt at now. */
static void
refuse(const struct loginfail_conf *c, const struct slot *s, uint32_t now,
    int account, struct loginfail_state *st)
{
	uint32_t end;

	if (st->verdict != LOGINFAIL_OK)
		return;
	if (s->until != 0 && now < s->until) {
		st->verdict = LOGINFAIL_LOCKED;
		st->until = (time_t)s->until;
		st->by_account = account;
		return;
	}
	end = s->last + (uint32_t)delay_of(c, s->count);
	if (s->count > 0 && now < end) {
		st->verdict = LOGINFAIL_WAIT;
		st->until = (time_t)end;
		st->by_account = account;
	}
}

int
loginfail_check(int fd, const struct loginfail_conf *c, const char *ip,
    const char *account, time_t now, struct loginfail_state *st)
{
	struct tab t = { fd, { 0 } };
	struct bucket bk;
	struct slot *s;
	unsigned char ak[9];
	size_t	 alen = loginfail_addrkey(ip, ak);
	uint32_t n = (uint32_t)now;
	int	 trusted = 0, r = -1;

	memset(st, 0, sizeof(*st));
	st->verdict = LOGINFAIL_OK;
	if (account != NULL && *account == '\0')
		account = NULL;
	if (alen == 0 && account == NULL)
		return 0;
	if (tab_begin(&t) == -1)
		return -1;
	if (alen > 0) {
		if (bucket_read(&t, SEC_ADDR, key_hash(&t, SEC_ADDR, ak, alen,
		    NULL), &bk) == -1)
			goto out;
		if ((s = bucket_find(&bk, c, n, 0)) != NULL)
			refuse(c, s, n, 0, st);
	}
	if (account != NULL && st->verdict == LOGINFAIL_OK) {
		if (alen > 0) {
			if (bucket_read(&t, SEC_PAIR, key_hash(&t, SEC_PAIR,
			    ak, alen, account), &bk) == -1)
				goto out;
			s = bucket_find(&bk, c, n, 0);
			trusted = s != NULL && s->good != 0 &&
			    n - s->good < c->trust;
		}
		if (!trusted) {
			if (bucket_read(&t, SEC_USER, key_hash(&t, SEC_USER,
			    NULL, 0, account), &bk) == -1)
				goto out;
			if ((s = bucket_find(&bk, c, n, 0)) != NULL)
				refuse(c, s, n, 1, st);
		}
	}
	r = 0;
out:
	(void)tab_lock(fd, LOCK_UN);
	return r;
}

/* One more failure in the entry hash of sec (address or account). */
static int
count_one(struct tab *t, const struct loginfail_conf *c, enum section sec,
    uint64_t hash, unsigned long max, uint32_t now, unsigned long *count_r,
    int *locked_r)
{
	struct bucket bk;
	struct slot *s;

	if (bucket_read(t, sec, hash, &bk) == -1)
		return -1;
	s = bucket_find(&bk, c, now, 1);
	if (s->count < UINT32_MAX)
		s->count++;
	s->last = now == 0 ? 1 : now;
	if (max > 0 && s->count >= max && !(s->until != 0 && now < s->until)) {
		s->until = now + (uint32_t)c->lockout;
		if (s->until == 0)
			s->until = 1;
		*locked_r = 1;
	}
	*count_r = s->count;
	return bucket_write(t, &bk);
}

int
loginfail_failed(int fd, const struct loginfail_conf *c, const char *ip,
    const char *account, const char *pass, size_t plen, time_t now,
    struct loginfail_event *ev)
{
	struct tab t = { fd, { 0 } };
	struct bucket bk;
	struct slot *s;
	unsigned char ak[9], pm[8 + 256];
	size_t	 alen = loginfail_addrkey(ip, ak);
	uint64_t ph;
	uint32_t n = (uint32_t)now;
	uint16_t pwh;
	unsigned long d;
	int	 r = -1, i;

	memset(ev, 0, sizeof(*ev));
	if (account != NULL && *account == '\0')
		account = NULL;
	if (alen == 0 && account == NULL)
		return 0;
	if (tab_begin(&t) == -1)
		return -1;
	if (alen > 0 && account != NULL) {
		ph = key_hash(&t, SEC_PAIR, ak, alen, account);
		if (bucket_read(&t, SEC_PAIR, ph, &bk) == -1)
			goto out;
		/* 16 bits of a keyed hash: enough to tell a repeat, far too
		 * few to tell anything about the password. */
		for (i = 0; i < 8; i++)
			pm[i] = (unsigned char)(ph >> (8 * i));
		if (plen > 256)
			plen = 256;
		if (plen > 0)
			memcpy(pm + 8, pass, plen);
		pwh = (uint16_t)sip24(t.key, pm, 8 + plen);
		if (pwh == 0)
			pwh = 1;
		explicit_bzero(pm, sizeof(pm));
		s = bucket_find(&bk, c, n, 1);
		if (s->pwh == pwh && s->last != 0 && n - s->last < c->lockout)
			ev->repeat = 1;
		s->pwh = pwh;
		s->last = n == 0 ? 1 : n;
		if (bucket_write(&t, &bk) == -1)
			goto out;
	}
	if (!ev->repeat && alen > 0 && count_one(&t, c, SEC_ADDR,
	    key_hash(&t, SEC_ADDR, ak, alen, NULL), c->ipmax, n,
	    &ev->addr_count, &ev->addr_locked) == -1)
		goto out;
	if (!ev->repeat && account != NULL && count_one(&t, c, SEC_USER,
	    key_hash(&t, SEC_USER, NULL, 0, account), c->usermax, n,
	    &ev->user_count, &ev->user_locked) == -1)
		goto out;
	ev->delay = delay_of(c, (uint32_t)ev->addr_count);
	d = delay_of(c, (uint32_t)ev->user_count);
	if (d > ev->delay)
		ev->delay = d;
	r = 0;
out:
	(void)tab_lock(fd, LOCK_UN);
	return r;
}

int
loginfail_success(int fd, const struct loginfail_conf *c, const char *ip,
    const char *account, time_t now)
{
	struct tab t = { fd, { 0 } };
	struct bucket bk;
	struct slot *s;
	unsigned char ak[9];
	size_t	 alen = loginfail_addrkey(ip, ak);
	uint32_t n = (uint32_t)now;
	int	 r = -1;

	if (account == NULL || *account == '\0')
		return 0;
	if (tab_begin(&t) == -1)
		return -1;
	if (alen > 0) {
		if (bucket_read(&t, SEC_PAIR, key_hash(&t, SEC_PAIR, ak, alen,
		    account), &bk) == -1)
			goto out;
		s = bucket_find(&bk, c, n, 1);
		s->good = n == 0 ? 1 : n;
		s->pwh = 0;
		if (bucket_write(&t, &bk) == -1)
			goto out;
	}
	/* The password was right: the account's count (not a lockout that
	 * others still meet) starts again. */
	if (bucket_read(&t, SEC_USER, key_hash(&t, SEC_USER, NULL, 0,
	    account), &bk) == -1)
		goto out;
	if ((s = bucket_find(&bk, c, n, 0)) != NULL &&
	    !(s->until != 0 && n < s->until)) {
		s->count = 0;
		s->last = 0;
		if (bucket_write(&t, &bk) == -1)
			goto out;
	}
	r = 0;
out:
	(void)tab_lock(fd, LOCK_UN);
	return r;
}

/* loginfail_locked - the front ends' question, on a table opened for it. */
int
loginfail_locked(const char *ip, time_t now)
{
	struct loginfail_conf c;
	struct loginfail_state st;
	unsigned char ak[9];
	int	 fd, r, e;

	if (loginfail_addrkey(ip, ak) == 0)
		return 0;
	if (loginfail_conf_read(&c) == -1)
		loginfail_conf_default(&c);
	if ((fd = loginfail_open(NULL)) == -1)
		return -1;
	r = loginfail_check(fd, &c, ip, NULL, now, &st);
	e = errno;
	close(fd);
	errno = e;
	if (r == -1)
		return -1;
	return st.verdict == LOGINFAIL_LOCKED;
}
