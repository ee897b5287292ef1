/*
 * srs - SRS0/SRS1 rewriting and reversal (Mail::SRS::Guarded format).
 * Runs in the forwarding path (qmail-local, vdelivermail: rewriting) and
 * qmail-smtpd (reversal of bounce recipients).  Reversal input is
 * untrusted; the secrets are the administrator's.
 */
#include <errno.h>
#include <sha1.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "b64.h"
#include "ctl.h"
#include "srs.h"

#define SRS_DAY		86400
#define SRS_SLOTS	1024	/* two base32 characters */

static const char srs_b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* HMAC-SHA1 (RFC 2104) of the fields lowercased, base64, into out. */
static int
srs_hash(const char *secret, const char *const *f, const size_t *fl,
    size_t nf, char out[SRS_HASHLEN + 1])
{
	SHA1_CTX ctx;
	unsigned char k[SHA1_BLOCK_LENGTH], d[SHA1_DIGEST_LENGTH];
	unsigned char pad[SHA1_BLOCK_LENGTH];
	struct str b = STR_INIT(64);
	char	 lc[256];
	size_t	 i, j, n, klen = strlen(secret);

	memset(k, 0, sizeof(k));
	if (klen > sizeof(k)) {
		SHA1Init(&ctx);
		SHA1Update(&ctx, (const unsigned char *)secret, klen);
		SHA1Final(k, &ctx);
	} else
		memcpy(k, secret, klen);
	for (i = 0; i < sizeof(pad); i++)
		pad[i] = k[i] ^ 0x36;
	SHA1Init(&ctx);
	SHA1Update(&ctx, pad, sizeof(pad));
	for (i = 0; i < nf; i++)
		for (j = 0; j < fl[i]; j += n) {
			n = fl[i] - j < sizeof(lc) ? fl[i] - j : sizeof(lc);
			memcpy(lc, f[i] + j, n);
			for (size_t m = 0; m < n; m++)
				if (lc[m] >= 'A' && lc[m] <= 'Z')
					lc[m] += 'a' - 'A';
			SHA1Update(&ctx, (unsigned char *)lc, n);
		}
	SHA1Final(d, &ctx);
	for (i = 0; i < sizeof(pad); i++)
		pad[i] = k[i] ^ 0x5c;
	SHA1Init(&ctx);
	SHA1Update(&ctx, pad, sizeof(pad));
	SHA1Update(&ctx, d, sizeof(d));
	SHA1Final(d, &ctx);
	explicit_bzero(k, sizeof(k));
	explicit_bzero(pad, sizeof(pad));
	if (b64_encode(&b, d, sizeof(d)) == -1) {
		str_free(&b);
		return -1;
	}
	memcpy(out, b.s, SRS_HASHLEN);
	out[SRS_HASHLEN] = '\0';
	str_free(&b);
	return 0;
}

int
srs_is(const char *l, size_t n)
{
	return n > 5 && strncasecmp(l, "SRS", 3) == 0 &&
	    (l[3] == '0' || l[3] == '1') && strchr("=+-", l[4]) != NULL;
}

/* Append "SRSn=" + fields joined with '=' + "@alias" and check length. */
static int
srs_put(struct str *out, const char *tag, const char *const *f,
    const size_t *fl, size_t nf, const char *alias)
{
	size_t	 i;

	str_clear(out);
	if (str_cats(out, tag) == -1)
		return -1;
	for (i = 0; i < nf; i++)
		if (str_catc(out, '=') == -1 || str_catb(out, f[i], fl[i]) == -1)
			return -1;
	if (str_catc(out, '@') == -1 || str_cats(out, alias) == -1)
		return -1;
	if (out->len > SRS_ADDR_MAX) {
		errno = E2BIG;
		return -1;
	}
	return 0;
}

/* srs_forward on a copy of sender, which may be out's own text. */
static int	srs_forward1(const char *, const char *, const struct strlist *,
		    long long, struct str *);

int
srs_forward(const char *sender, const char *alias,
    const struct strlist *secrets, long long now, struct str *out)
{
	struct str s = STR_INIT(SRS_ADDR_MAX);
	int	 r;

	if (str_copys(&s, sender) == -1)
		return -1;
	r = srs_forward1(str_c(&s), alias, secrets, now, out);
	str_free(&s);
	return r;
}

static int
srs_forward1(const char *sender, const char *alias,
    const struct strlist *secrets, long long now, struct str *out)
{
	const char *at = strrchr(sender, '@'), *al, *f[4], *p, *q;
	size_t	 fl[4], ul;
	char	 h[SRS_HASHLEN + 1], ts[3];
	long long day;

	if (secrets == NULL || secrets->n == 0) {
		errno = EINVAL;
		return -1;
	}
	if (sender[0] == '\0' || at == NULL || at == sender || at[1] == '\0')
		return 0;
	al = strrchr(alias, '@');
	al = al != NULL ? al + 1 : alias;
	if (strcasecmp(at + 1, al) == 0)
		return 0;
	ul = (size_t)(at - sender);
	if (srs_is(sender, ul) && sender[3] == '1') {
		/* SRS1=HHHH=host=rest@x: rehash (host, rest) for us. */
		p = memchr(sender + 5, '=', ul - 5);
		q = p != NULL ? memchr(p + 1, '=', (size_t)(at - p - 1)) :
		    NULL;
		if (p == NULL || q == NULL)
			goto srs0;
		f[0] = p + 1;
		fl[0] = (size_t)(q - p - 1);
		f[1] = q + 1;
		fl[1] = (size_t)(at - q - 1);
	} else if (srs_is(sender, ul)) {
		/* SRS0...@host: SRS1=HHHH=host==HHHH=TT=... */
		f[0] = at + 1;
		fl[0] = strlen(at + 1);
		f[1] = sender + 4;
		fl[1] = ul - 4;
	} else
		goto srs0;
	if (srs_hash(secrets->v[0], f, fl, 2, h) == -1)
		return -1;
	f[2] = f[1];
	fl[2] = fl[1];
	f[1] = f[0];
	fl[1] = fl[0];
	f[0] = h;
	fl[0] = SRS_HASHLEN;
	return srs_put(out, "SRS1", f, fl, 3, al) == -1 ? -1 : 1;
srs0:
	day = now / SRS_DAY;
	ts[0] = srs_b32[(day >> 5) & 31];
	ts[1] = srs_b32[day & 31];
	ts[2] = '\0';
	f[0] = ts;
	fl[0] = 2;
	f[1] = at + 1;
	fl[1] = strlen(at + 1);
	f[2] = sender;
	fl[2] = ul;
	if (srs_hash(secrets->v[0], f, fl, 3, h) == -1)
		return -1;
	f[3] = f[2];
	fl[3] = fl[2];
	f[2] = f[1];
	fl[2] = fl[1];
	f[1] = f[0];
	fl[1] = fl[0];
	f[0] = h;
	fl[0] = SRS_HASHLEN;
	return srs_put(out, "SRS0", f, fl, 4, al) == -1 ? -1 : 1;
}

/* Does hash h (of length hl) match the fields under any secret? */
static int
srs_hash_ok(const struct strlist *secrets, const char *h, size_t hl,
    const char *const *f, const size_t *fl, size_t nf)
{
	char	 want[SRS_HASHLEN + 1];
	size_t	 i;

	if (hl != SRS_HASHLEN)
		return 0;
	for (i = 0; i < secrets->n; i++) {
		if (srs_hash(secrets->v[i], f, fl, nf, want) == -1)
			return -1;
		/* Mail::SRS accepts a hash whose case was smashed too. */
		if (strncasecmp(want, h, SRS_HASHLEN) == 0)
			return 1;
	}
	return 0;
}

/* The two base32 characters of a timestamp: still valid at now? */
static int
srs_time_ok(const char *t, long long now)
{
	const char *a, *b;
	long long then, today;

	if (t[0] == '\0' || t[1] == '\0')
		return 0;
	a = strchr(srs_b32, t[0] >= 'a' && t[0] <= 'z' ? t[0] - 32 : t[0]);
	b = strchr(srs_b32, t[1] >= 'a' && t[1] <= 'z' ? t[1] - 32 : t[1]);
	if (a == NULL || b == NULL)
		return 0;
	then = (a - srs_b32) * 32 + (b - srs_b32);
	today = (now / SRS_DAY) % SRS_SLOTS;
	while (today < then)
		today += SRS_SLOTS;
	return today <= then + SRS_MAXAGE;
}

static int	srs_reverse1(const char *, const struct strlist *, long long,
		    struct str *);

int
srs_reverse(const char *addr, const struct strlist *secrets, long long now,
    struct str *out)
{
	struct str s = STR_INIT(SRS_ADDR_MAX + 1);
	int	 r;

	if (str_copys(&s, addr) == -1) {
		if (errno != E2BIG)
			return -1;
		/* Too long to be one of ours. */
		str_free(&s);
		if (!srs_is(addr, strlen(addr)))
			return 0;
		errno = EINVAL;
		return -1;
	}
	r = srs_reverse1(str_c(&s), secrets, now, out);
	str_free(&s);
	return r;
}

static int
srs_reverse1(const char *addr, const struct strlist *secrets, long long now,
    struct str *out)
{
	const char *at = strrchr(addr, '@'), *p[4], *f[4];
	size_t	 ul = at != NULL ? (size_t)(at - addr) : strlen(addr), fl[4];
	size_t	 i;
	int	 r;

	if (!srs_is(addr, ul))
		return 0;
	if (secrets == NULL || secrets->n == 0 || ul > SRS_ADDR_MAX)
		goto bad;
	/* Split the local part after "SRSn=" at the first '=' signs. */
	p[0] = addr + 5;
	for (i = 1; i < 4; i++) {
		p[i] = memchr(p[i - 1], '=', (size_t)(addr + ul - p[i - 1]));
		if (p[i] == NULL)
			break;
		p[i]++;
	}
	if (addr[3] == '1') {
		/* HHHH=host=rest: the SRS0 address "SRS0" rest @ host. */
		if (i < 3 || p[2] - p[1] < 2)
			goto bad;
		f[0] = p[1];
		fl[0] = (size_t)(p[2] - p[1] - 1);
		f[1] = p[2];
		fl[1] = (size_t)(addr + ul - p[2]);
		r = srs_hash_ok(secrets, p[0], (size_t)(p[1] - p[0] - 1), f,
		    fl, 2);
		if (r != 1)
			goto bad_r;
		str_clear(out);
		if (str_cats(out, "SRS0") == -1 ||
		    str_catb(out, f[1], fl[1]) == -1 ||
		    str_catc(out, '@') == -1 || str_catb(out, f[0], fl[0]) == -1)
			return -1;
		return 1;
	}
	/* HHHH=TT=host=user */
	if (i < 4 || p[2] - p[1] != 3 || p[3] - p[2] < 2 || p[3] == addr + ul)
		goto bad;
	f[0] = p[1];
	fl[0] = 2;
	f[1] = p[2];
	fl[1] = (size_t)(p[3] - p[2] - 1);
	f[2] = p[3];
	fl[2] = (size_t)(addr + ul - p[3]);
	r = srs_hash_ok(secrets, p[0], (size_t)(p[1] - p[0] - 1), f, fl, 3);
	if (r != 1)
		goto bad_r;
	if (!srs_time_ok(p[1], now)) {
		errno = ETIME;
		return -1;
	}
	str_clear(out);
	if (str_catb(out, f[2], fl[2]) == -1 || str_catc(out, '@') == -1 ||
	    str_catb(out, f[1], fl[1]) == -1)
		return -1;
	return 1;
bad_r:
	if (r == -1)
		return -1;
bad:
	errno = EINVAL;
	return -1;
}

int
srs_secrets(struct strlist *secrets)
{
	return ctl_readlist("srs_secret", secrets);
}

int
srs_forward_sender(const char *sender, const char *domain, struct str *out)
{
	struct strlist sec = STRLIST_INIT;
	struct str alias = STR_INIT(1024);
	int	 r;

	if (str_copys(out, sender) == -1)
		return -1;
	if (sender[0] == '\0' || strcmp(sender, "#@[]") == 0)
		return 0;
	r = srs_secrets(&sec);
	if (r != 1) {
		strlist_free(&sec);
		return r == -1 && errno != EACCES ? -1 : 0;
	}
	if (ctl_readline("srsdomain", &alias, domain) == -1) {
		strlist_free(&sec);
		return -1;
	}
	r = srs_forward(sender, str_c(&alias), &sec, (long long)time(NULL),
	    out);
	if (r != 1 && str_copys(out, sender) == -1)
		r = -1;
	if (r == -1 && errno == E2BIG)
		r = 0;
	strlist_free(&sec);
	str_free(&alias);
	return r;
}
