/*
 * mlog - hand-written scanner for the maillog lines mail-traffic counts.
 * Part of mail-traffic; the input is untrusted log text: every access is
 * bounded by the line length, numbers are checked for overflow, and any
 * deviation from the documented words gives MLOG_OTHER.
 */
#include <string.h>

#include "mlog.h"

struct cur {
	const char *p;
	const char *e;
};

static int	lit(struct cur *, const char *, size_t);
static int	num(struct cur *, uint64_t *);
static int	word(struct cur *, const char **, size_t *);
static int	header(struct cur *, struct mlog_ev *);
static int	stamp(struct cur *, struct mlog_ev *);
static enum mlog_kind body(struct cur *, struct mlog_ev *);

#define LIT(c, s)	lit((c), (s), sizeof(s) - 1)

static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

/* Consume the literal s if the cursor starts with it: 1, else 0. */
static int
lit(struct cur *c, const char *s, size_t n)
{
	if ((size_t)(c->e - c->p) < n || memcmp(c->p, s, n) != 0)
		return 0;
	c->p += n;
	return 1;
}

/* Consume 1 to 19 decimal digits (fits uint64_t): 1, else 0.  More
 * digits wrap x but are refused by the length check. */
static int
num(struct cur *c, uint64_t *v)
{
	const char *s = c->p, *p = c->p, *e = c->e;
	uint64_t x = 0;

	while (p < e && (unsigned char)(*p - '0') < 10)
		x = x * 10 + (uint64_t)(*p++ - '0');
	c->p = p;
	*v = x;
	return p > s && p - s <= 19;
}

/* Skip 1 to 9 digits (splogger's microseconds): 1, else 0. */
static int
skipdigits(struct cur *c)
{
	const char *s = c->p;

	while (c->p < c->e && (unsigned char)(*c->p - '0') < 10)
		c->p++;
	return c->p > s && c->p - s <= 9;
}

/* Consume a non-empty run of bytes up to a space or the end: 1, else 0. */
static int
word(struct cur *c, const char **w, size_t *len)
{
	const char *s = c->p, *sp;

	sp = memchr(s, ' ', (size_t)(c->e - s));
	c->p = sp != NULL ? sp : c->e;
	*w = s;
	*len = (size_t)(c->p - s);
	return *len > 0;
}

/* Two digits at p (the first may be a space when sp): value or -1. */
static int
two(const char *p, int sp)
{
	int	 hi;

	if (p[0] == ' ' && sp)
		hi = 0;
	else if (p[0] >= '0' && p[0] <= '9')
		hi = p[0] - '0';
	else
		return -1;
	if (p[1] < '0' || p[1] > '9')
		return -1;
	return hi * 10 + (p[1] - '0');
}

/*
 * The syslog header "Mmm dd HH:MM:SS host tag: ", or an ISO 8601 stamp
 * (rsyslog's high-precision format) in its place, or no header at all
 * (a line straight from splogger starts with its stamp).  1 if the cursor
 * now stands on the stamp or text, 0 if this is not a log line.
 */
static int
header(struct cur *c, struct mlog_ev *ev)
{
	const char *w;
	size_t	 n;

	n = (size_t)(c->e - c->p);
	if (n > 0 && *c->p >= '0' && *c->p <= '9' &&
	    !(n > 4 && c->p[4] == '-'))
		return 1;
	if (n >= 16 && c->p[3] == ' ' && c->p[6] == ' ' && c->p[9] == ':' &&
	    c->p[12] == ':' && c->p[15] == ' ') {
		/* Checked now, its fields read only when there is no
		 * splogger stamp (hdr_fields). */
		ev->has_hdr = 1;
		c->p += 16;
	} else if (!word(c, &w, &n) || !LIT(c, " "))
		return 0;	/* not an ISO stamp either */
	if (!word(c, &w, &n) || !LIT(c, " "))		/* host */
		return 0;
	if (!word(c, &w, &n) || w[n - 1] != ':' || !LIT(c, " "))
		return 0;					/* tag */
	return 1;
}

/* The time fields of the syslog header at h: 1, or 0 if they are not a
 * time (the line is then no log line). */
static int
hdr_fields(const char *h, struct mlog_ev *ev)
{
	const char *m;
	int	 i;

	for (i = 0, m = months; i < 12; i++, m += 3)
		if (memcmp(h, m, 3) == 0)
			break;
	if (i == 12)
		return 0;
	ev->mon = i;
	ev->mday = two(h + 4, 1);
	ev->hour = two(h + 7, 0);
	ev->min = two(h + 10, 0);
	ev->sec = two(h + 13, 0);
	return !(ev->mday < 1 || ev->mday > 31 || ev->hour < 0 ||
	    ev->hour > 23 || ev->min < 0 || ev->min > 59 || ev->sec < 0 ||
	    ev->sec > 60);
}

/*
 * splogger's "<unix>.<usec> " if present.  1 the text follows, 0 this is
 * the continuation of a folded line ("<unix>.<usec>+").
 */
static int
stamp(struct cur *c, struct mlog_ev *ev)
{
	struct cur save = *c;
	uint64_t s;

	/* Up to 9999-12-31: a later "time" is not one (YYYYMMDD days). */
	if (!num(c, &s) || s > 253402214399ULL || !LIT(c, ".") ||
	    !skipdigits(c)) {
		*c = save;
		return 1;
	}
	if (LIT(c, "+"))
		return 0;
	if (!LIT(c, " ")) {
		*c = save;
		return 1;
	}
	ev->has_unix = 1;
	ev->unix_t = (int64_t)s;
	return 1;
}

/* The message number after "msg " up to the ": " or the end. */
static enum mlog_kind
body_info(struct cur *c, struct mlog_ev *ev)
{
	const char *w;
	size_t	 n;

	if (!num(c, &ev->msg) || !LIT(c, ": bytes ") ||
	    !num(c, &ev->bytes) || !LIT(c, " from ") || !word(c, &w, &n))
		return MLOG_OTHER;
	if (n < 2 || w[0] != '<' || w[n - 1] != '>')
		return MLOG_OTHER;
	ev->addr = w + 1;
	ev->addrlen = n - 2;
	return MLOG_INFO;
}

static enum mlog_kind
body_start(struct cur *c, struct mlog_ev *ev)
{
	if (!num(c, &ev->dlv) || !LIT(c, ": msg ") || !num(c, &ev->msg) ||
	    !LIT(c, " to "))
		return MLOG_OTHER;
	if (LIT(c, "local "))
		ev->remote = 0;
	else if (LIT(c, "remote "))
		ev->remote = 1;
	else
		return MLOG_OTHER;
	if (!word(c, &ev->addr, &ev->addrlen) || c->p != c->e)
		return MLOG_OTHER;
	return MLOG_START;
}

static enum mlog_kind
body_done(struct cur *c, struct mlog_ev *ev)
{
	if (!num(c, &ev->dlv) || !LIT(c, ": "))
		return MLOG_OTHER;
	if (LIT(c, "success:"))
		ev->result = MLOG_SUCCESS;
	else if (LIT(c, "deferral:"))
		ev->result = MLOG_DEFERRAL;
	else if (LIT(c, "failure:"))
		ev->result = MLOG_FAILURE;
	else
		return MLOG_OTHER;	/* "report mangled": no outcome yet */
	return MLOG_DONE;
}

static enum mlog_kind
body_logout(struct cur *c, struct mlog_ev *ev)
{
	const char *w;
	size_t	 n;
	uint64_t d;

	if (!LIT(c, "pop3 ") && !LIT(c, "imap "))
		return MLOG_OTHER;
	if (!word(c, &w, &n))
		return MLOG_OTHER;
	if (n >= 2 && w[0] == '<' && w[n - 1] == '>') {
		w++;
		n -= 2;
	}
	ev->addr = w;
	ev->addrlen = n;
	if (!LIT(c, " ip ") || !word(c, &w, &n) || !LIT(c, " retr ") ||
	    !num(c, &ev->retr) || !LIT(c, " bytes ") || !num(c, &ev->bytes))
		return MLOG_OTHER;
	if (c->p != c->e && (!LIT(c, " dele ") || !num(c, &d)))
		return MLOG_OTHER;
	return MLOG_LOGOUT;
}

/* Dispatch on the fixed first words of the text. */
static enum mlog_kind
body(struct cur *c, struct mlog_ev *ev)
{
	if (c->p >= c->e)
		return MLOG_OTHER;
	switch (*c->p) {
	case 'i':
		return LIT(c, "info msg ") ? body_info(c, ev) : MLOG_OTHER;
	case 's':
		if (LIT(c, "starting delivery "))
			return body_start(c, ev);
		if (LIT(c, "status: exiting") && c->p == c->e)
			return MLOG_EXIT;
		return MLOG_OTHER;
	case 'd':
		return LIT(c, "delivery ") ? body_done(c, ev) : MLOG_OTHER;
	case 'e':
		if (LIT(c, "end msg ") && num(c, &ev->msg) && c->p == c->e)
			return MLOG_END;
		return MLOG_OTHER;
	case 'l':
		return LIT(c, "logout ") ? body_logout(c, ev) : MLOG_OTHER;
	default:
		return MLOG_OTHER;
	}
}

enum mlog_kind
mlog_scan(const char *b, size_t n, struct mlog_ev *ev)
{
	struct cur c;

	memset(ev, 0, sizeof(*ev));
	if (n > MLOG_LINE_MAX)
		return MLOG_OTHER;
	if (n > 0 && b[n - 1] == '\r')
		n--;
	c.p = b;
	c.e = b + n;
	if (!header(&c, ev) || !stamp(&c, ev))
		return MLOG_OTHER;
	if (ev->has_hdr && !ev->has_unix && !hdr_fields(b, ev)) {
		ev->has_hdr = 0;
		return MLOG_OTHER;
	}
	ev->kind = body(&c, ev);
	return ev->kind;
}

const char *
mlog_domain(const char *a, size_t n, size_t *len_r)
{
	const char *at;

	at = memrchr(a, '@', n);
	if (at == NULL || at + 1 == a + n) {
		*len_r = 0;
		return NULL;
	}
	*len_r = (size_t)(a + n - at - 1);
	return at + 1;
}
