/*
 * mhdr - header fields of a streaming message, and the From and
 * Authentication-Results parsers.  Runs in qmail-smtpd (dropping forged
 * Authentication-Results), msgauthd and qmail-inject; all input is
 * untrusted and every loop is bounded by the input it is given.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "mhdr.h"

enum { ST_BOL, ST_FIELD, ST_EOL, ST_BODY };

/* Nested comments deeper than this make a From value unreadable. */
#define MHDR_COMMENT_DEPTH	64

static int	mhdr_finish(struct mhdr *);
static int	mhdr_flush_big(struct mhdr *);
static int	mhdr_eoh(struct mhdr *);
static size_t	mhdr_skip_cfws(const char *, size_t, size_t);

void
mhdr_init(struct mhdr *h, void *arg,
    int (*judge)(void *, const char *, size_t, int),
    int (*eoh)(void *), int (*out)(void *, const char *, size_t))
{
	struct str f = STR_INIT(MHDR_FIELD_MAX);

	memset(h, 0, sizeof(*h));
	h->field = f;
	h->arg = arg;
	h->judge = judge;
	h->eoh = eoh;
	h->out = out;
	h->state = ST_BOL;
	h->keep = 1;
}

void
mhdr_free(struct mhdr *h)
{
	str_free(&h->field);
}

int
mhdr_inbody(const struct mhdr *h)
{
	return h->state == ST_BODY;
}

/* The field buffer is full and the field goes on: judge it now. */
static int
mhdr_flush_big(struct mhdr *h)
{
	int	 r;

	if (!h->big) {
		h->big = 1;
		r = h->judge != NULL ? h->judge(h->arg, h->field.s,
		    h->field.len, MHDR_BIG) : 1;
		if (r == -1)
			return -1;
		h->keep = r;
	}
	if (h->keep && h->out(h->arg, h->field.s, h->field.len) == -1)
		return -1;
	str_clear(&h->field);
	return 0;
}

/* A field is complete: judge it (unless it was judged as too long). */
static int
mhdr_finish(struct mhdr *h)
{
	int	 r;

	if (!h->big) {
		r = h->judge != NULL ? h->judge(h->arg, h->field.s,
		    h->field.len, 0) : 1;
		if (r == -1)
			return -1;
		h->keep = r;
	}
	if (h->keep && h->field.len > 0 &&
	    h->out(h->arg, h->field.s, h->field.len) == -1)
		return -1;
	str_clear(&h->field);
	h->big = 0;
	h->keep = 1;
	h->nfields++;
	return 0;
}

static int
mhdr_eoh(struct mhdr *h)
{
	h->state = ST_BODY;
	return h->eoh != NULL ? h->eoh(h->arg) : 0;
}

/* Append one byte of a field, judging it early when it grows too long. */
static int
mhdr_put(struct mhdr *h, char c)
{
	if (h->field.len == MHDR_FIELD_MAX && mhdr_flush_big(h) == -1)
		return -1;
	return str_catc(&h->field, c);
}

int
mhdr_feed(struct mhdr *h, const char *b, size_t n)
{
	size_t	 i;
	char	 c;

	for (i = 0; i < n; i++) {
		if (h->state == ST_BODY)
			return h->out(h->arg, b + i, n - i);
		c = b[i];
		switch (h->state) {
		case ST_BOL:
			if (c == '\n') {
				if (mhdr_eoh(h) == -1 ||
				    h->out(h->arg, "\n", 1) == -1)
					return -1;
				continue;
			}
			h->state = ST_FIELD;
			if (mhdr_put(h, c) == -1)
				return -1;
			break;
		case ST_FIELD:
			if (mhdr_put(h, c) == -1)
				return -1;
			if (c == '\n')
				h->state = ST_EOL;
			break;
		case ST_EOL:
			if (c == ' ' || c == '\t') {
				h->state = ST_FIELD;
				if (mhdr_put(h, c) == -1)
					return -1;
				break;
			}
			if (mhdr_finish(h) == -1)
				return -1;
			if (c == '\n') {
				if (mhdr_eoh(h) == -1 ||
				    h->out(h->arg, "\n", 1) == -1)
					return -1;
				continue;
			}
			h->state = ST_FIELD;
			if (mhdr_put(h, c) == -1)
				return -1;
			break;
		}
	}
	return 0;
}

int
mhdr_end(struct mhdr *h)
{
	if (h->state == ST_BODY)
		return 0;
	if ((h->state == ST_FIELD || h->state == ST_EOL) &&
	    mhdr_finish(h) == -1)
		return -1;
	return mhdr_eoh(h);
}

int
mhdr_is(const char *f, size_t n, const char *name, const char **val,
    size_t *vlen)
{
	size_t	 l = strlen(name), i;

	if (n < l + 1 || !mem_caseeq(f, name, l))
		return 0;
	/* RFC 5322 obs-optional allows blanks before the colon. */
	for (i = l; i < n && (f[i] == ' ' || f[i] == '\t'); i++)
		;
	if (i == n || f[i] != ':')
		return 0;
	i++;
	if (val != NULL) {
		*val = f + i;
		*vlen = n - i;
		if (*vlen > 0 && f[n - 1] == '\n')
			(*vlen)--;
	}
	return 1;
}

/*
 * Skip folding white space and comments from i.  Returns the index of
 * the next byte that is neither, n at the end, or (size_t)-1 for a
 * comment that does not close or nests too deep.
 */
static size_t
mhdr_skip_cfws(const char *v, size_t n, size_t i)
{
	int	 depth;

	while (i < n) {
		if (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' ||
		    v[i] == '\n') {
			i++;
			continue;
		}
		if (v[i] != '(')
			return i;
		for (depth = 0; i < n; i++) {
			if (v[i] == '\\' && i + 1 < n)
				i++;
			else if (v[i] == '(') {
				if (++depth > MHDR_COMMENT_DEPTH)
					return (size_t)-1;
			} else if (v[i] == ')' && --depth == 0)
				break;
		}
		if (i == n)
			return (size_t)-1;
		i++;
	}
	return n;
}

/* A domain as DMARC and SPF compare them: letters, digits, '-', '_', '.' */
static int
mhdr_domain_ok(const struct str *d)
{
	size_t	 i;
	char	 c;

	if (d->len == 0 || d->len > 253 || d->s[0] == '.')
		return 0;
	for (i = 0; i < d->len; i++) {
		c = d->s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.'))
			return 0;
		if (c == '.' && i + 1 < d->len && d->s[i + 1] == '.')
			return 0;
	}
	return 1;
}

/*
 * One mailbox of a list, from v[*ip] to the next comma outside quotes,
 * comments and angle brackets: its addr-spec with comments and blanks
 * removed into *spec.  1 a mailbox, 0 unreadable, -1 ENOMEM.
 */
static int
mhdr_mailbox(const char *v, size_t n, size_t *ip, struct str *spec)
{
	size_t	 i = *ip, j;
	int	 inangle = 0, done_angle = 0;

	str_clear(spec);
	while (i < n) {
		j = mhdr_skip_cfws(v, n, i);
		if (j == (size_t)-1)
			return 0;
		i = j;
		if (i == n)
			break;
		if (v[i] == ',' && !inangle)
			break;
		if (v[i] == '"') {
			for (i++; i < n && v[i] != '"'; i++) {
				if (v[i] == '\\' && i + 1 < n)
					i++;
				if (str_catc(spec, v[i]) == -1)
					return -1;
			}
			if (i == n)
				return 0;
			i++;
			continue;
		}
		if (v[i] == '<') {
			if (inangle || done_angle)
				return 0;
			inangle = 1;
			str_clear(spec);
			i++;
			continue;
		}
		if (v[i] == '>') {
			if (!inangle)
				return 0;
			inangle = 0;
			done_angle = 1;
			i++;
			continue;
		}
		if (done_angle) {
			/* Only comments may follow the angle address. */
			return 0;
		}
		if (str_catc(spec, v[i]) == -1)
			return -1;
		i++;
	}
	if (inangle)
		return 0;
	*ip = i;
	return 1;
}

int
mhdr_from_domain(const char *v, size_t n, struct str *domain)
{
	struct str spec = STR_INIT(2048);
	const char *at, *route;
	size_t	 i = 0;
	int	 count = 0, r;

	str_clear(domain);
	for (;;) {
		r = mhdr_mailbox(v, n, &i, &spec);
		if (r != 1) {
			str_free(&spec);
			return r == -1 ? -1 : 0;
		}
		if (spec.len > 0) {
			count++;
			if (count == 1) {
				/* An obsolete route "@a,@b:" before the mailbox. */
				route = memchr(spec.s, ':', spec.len);
				at = strrchr(route != NULL ? route : spec.s,
				    '@');
				if (at == NULL || str_copys(domain, at + 1) == -1) {
					str_free(&spec);
					return at == NULL ? 0 : -1;
				}
			}
		}
		if (i >= n)
			break;
		i++;	/* the comma */
	}
	str_free(&spec);
	str_lower(domain);
	if (domain->len > 0 && domain->s[domain->len - 1] == '.')
		str_truncate(domain, domain->len - 1);
	if (count == 0 || !mhdr_domain_ok(domain)) {
		str_clear(domain);
		return 0;
	}
	return count == 1 ? 1 : 2;
}

/* RFC 2045 token characters. */
static int
mhdr_tokenc(char c)
{
	return c > 32 && c < 127 && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

int
mhdr_authres_id(const char *v, size_t n, struct str *id)
{
	size_t	 i;

	str_clear(id);
	i = mhdr_skip_cfws(v, n, 0);
	if (i == (size_t)-1 || i == n)
		return 0;
	if (v[i] == '"') {
		for (i++; i < n && v[i] != '"'; i++) {
			if (v[i] == '\\' && i + 1 < n)
				i++;
			if (str_catc(id, v[i]) == -1)
				return -1;
		}
		if (i == n) {
			str_clear(id);
			return 0;
		}
	} else {
		for (; i < n && mhdr_tokenc(v[i]); i++)
			if (str_catc(id, v[i]) == -1)
				return -1;
	}
	return id->len > 0 ? 1 : 0;
}

int
mhdr_forged(const char *f, size_t n, const char *id)
{
	struct str got = STR_INIT(1024);
	const char *v;
	size_t	 vl;
	int	 r;

	if (!mhdr_is(f, n, "Authentication-Results", &v, &vl))
		return 0;
	r = mhdr_authres_id(v, vl, &got) == 1 &&
	    strcasecmp(str_c(&got), id) == 0;
	str_free(&got);
	return r;
}
