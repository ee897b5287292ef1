/*
 * mime_rfc822 - the RFC 822/5322 tokenizer behind ENVELOPE and
 * BODYSTRUCTURE: atoms, dot-atoms, quoted strings, comments, phrases,
 * domains, MIME tokens, Content-Type, parameters with RFC 2231
 * continuations merged, and address lists.  It follows the way
 * Dovecot's lib-mail reads broken input (what it skips, what it calls
 * MISSING_MAILBOX), since IMAP clients are used to those answers.
 * Input is untrusted header text; every loop consumes input.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mime_int.h"

/* atext: 1 punctuation, 2 alphanumeric and 8-bit, 4 atext that MIME
 * calls tspecials ("/", "=", "?"). */
static const unsigned char atext[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 0, 4,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 4, 0, 4,
	0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 1, 1,
	1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 0,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};
#define IS_ATEXT(c)	(atext[(unsigned char)(c)] != 0)
#define IS_TOKEN(c)	((atext[(unsigned char)(c)] & 3) != 0)


static void
put(struct rfc822 *r, struct str *s, const void *p, size_t n)
{
	if (n > 0 && str_catb(s, p, n) == -1)
		r->oom = 1;
}

static void
putc1(struct rfc822 *r, struct str *s, int c)
{
	if (str_catc(s, (char)c) == -1)
		r->oom = 1;
}

void
rfc822_init(struct rfc822 *r, const void *p, size_t n)
{
	r->p = p;
	r->end = r->p + n;
	r->comment = NULL;
	r->oom = 0;
}

#define NUL_REPL	"\xef\xbf\xbd"	/* U+FFFD for a NUL */

static int
skip_comment(struct rfc822 *r)
{
	const unsigned char *start;
	size_t	 len;
	int	 level = 1;

	if (r->comment != NULL)
		str_clear(r->comment);
	start = ++r->p;
	for (; r->p < r->end; r->p++) {
		switch (*r->p) {
		case '\0':
			if (r->comment != NULL) {
				put(r, r->comment, start, (size_t)(r->p - start));
				put(r, r->comment, NUL_REPL, 3);
				start = r->p + 1;
			}
			break;
		case '(':
			level++;
			break;
		case ')':
			if (--level == 0) {
				if (r->comment != NULL)
					put(r, r->comment, start,
					    (size_t)(r->p - start));
				r->p++;
				return r->p < r->end;
			}
			break;
		case '\n':
			if (r->comment == NULL)
				break;
			len = (size_t)(r->p - start);
			if (len > 0 && start[len - 1] == '\r')
				len--;
			put(r, r->comment, start, len);
			start = r->p + 1;
			break;
		case '\\':
			r->p++;
			if (r->p >= r->end)
				return -1;
			if (*r->p == '\r' || *r->p == '\n' || *r->p == '\0') {
				r->p--;
				break;
			}
			if (r->comment != NULL)
				put(r, r->comment, start, (size_t)(r->p - start - 1));
			start = r->p;
			break;
		}
	}
	return -1;
}

/* Skip blanks, line ends and comments: 1 more data, 0 end, -1 an
 * unterminated comment. */
int
rfc822_skip_lwsp(struct rfc822 *r)
{
	while (r->p != r->end) {
		if (*r->p == ' ' || *r->p == '\t' || *r->p == '\r' ||
		    *r->p == '\n') {
			r->p++;
			continue;
		}
		if (*r->p != '(')
			break;
		if (skip_comment(r) < 0)
			return -1;
	}
	return r->p != r->end;
}

int
rfc822_atom(struct rfc822 *r, struct str *s)
{
	const unsigned char *start;

	if (r->p == r->end || !IS_ATEXT(*r->p))
		return -1;
	for (start = r->p++; r->p != r->end; r->p++) {
		if (IS_ATEXT(*r->p))
			continue;
		put(r, s, start, (size_t)(r->p - start));
		return rfc822_skip_lwsp(r);
	}
	put(r, s, start, (size_t)(r->p - start));
	return 0;
}

/* dot-atom, allowing blanks and comments around the dots (RFC 822). */
int
rfc822_dot_atom(struct rfc822 *r, struct str *s)
{
	const unsigned char *start;
	int	 ret;

	if (r->p >= r->end || !IS_ATEXT(*r->p))
		return -1;
	for (start = r->p++; r->p < r->end;) {
		if (IS_ATEXT(*r->p)) {
			r->p++;
			continue;
		}
		if (start == r->p)
			return -1;
		put(r, s, start, (size_t)(r->p - start));
		if ((ret = rfc822_skip_lwsp(r)) <= 0)
			return ret;
		if (*r->p != '.')
			return 1;
		r->p++;
		putc1(r, s, '.');
		if (rfc822_skip_lwsp(r) <= 0)
			return -1;
		start = r->p;
	}
	put(r, s, start, (size_t)(r->p - start));
	return 0;
}

/* A MIME token (RFC 2045), dots allowed; possibly empty. */
int
rfc822_mime_token(struct rfc822 *r, struct str *s)
{
	const unsigned char *start;

	for (start = r->p; r->p != r->end; r->p++) {
		if (IS_TOKEN(*r->p) || *r->p == '.')
			continue;
		put(r, s, start, (size_t)(r->p - start));
		return rfc822_skip_lwsp(r);
	}
	put(r, s, start, (size_t)(r->p - start));
	return 0;
}

/* At '"': the content unquoted, folding line ends removed, NUL shown as
 * U+FFFD. */
int
rfc822_quoted(struct rfc822 *r, struct str *s)
{
	const unsigned char *start;
	size_t	 len;

	r->p++;
	for (start = r->p; r->p < r->end; r->p++) {
		switch (*r->p) {
		case '\0':
			put(r, s, start, (size_t)(r->p - start));
			put(r, s, NUL_REPL, 3);
			start = r->p + 1;
			break;
		case '"':
			put(r, s, start, (size_t)(r->p - start));
			r->p++;
			return rfc822_skip_lwsp(r);
		case '\n':
			len = (size_t)(r->p - start);
			if (len > 0 && start[len - 1] == '\r')
				len--;
			put(r, s, start, len);
			start = r->p + 1;
			break;
		case '\\':
			r->p++;
			if (r->p >= r->end)
				return -1;
			if (*r->p == '\r' || *r->p == '\n' || *r->p == '\0') {
				r->p--;
				break;
			}
			put(r, s, start, (size_t)(r->p - start - 1));
			start = r->p;
			break;
		}
	}
	return -1;
}

static int
atom_or_dot(struct rfc822 *r, struct str *s)
{
	const unsigned char *start;

	for (start = r->p; r->p != r->end; r->p++) {
		if (IS_ATEXT(*r->p) || *r->p == '.')
			continue;
		put(r, s, start, (size_t)(r->p - start));
		return rfc822_skip_lwsp(r);
	}
	put(r, s, start, (size_t)(r->p - start));
	return 0;
}

/* phrase = 1*word / obs-phrase; words joined by one space. */
int
rfc822_phrase(struct rfc822 *r, struct str *s)
{
	int	 ret;

	if (r->p == r->end)
		return 0;
	if (*r->p == '.')
		return -1;
	for (;;) {
		if (*r->p == '"')
			ret = rfc822_quoted(r, s);
		else
			ret = atom_or_dot(r, s);
		if (ret <= 0)
			return ret;
		if (!IS_ATEXT(*r->p) && *r->p != '"' && *r->p != '.')
			break;
		putc1(r, s, ' ');
	}
	return rfc822_skip_lwsp(r);
}

static int
domain_literal(struct rfc822 *r, struct str *s)
{
	const unsigned char *start;
	size_t	 len;

	for (start = r->p++; r->p < r->end; r->p++) {
		switch (*r->p) {
		case '\0':
			put(r, s, start, (size_t)(r->p - start));
			put(r, s, NUL_REPL, 3);
			start = r->p + 1;
			break;
		case '[':
			return -1;
		case ']':
			put(r, s, start, (size_t)(r->p - start + 1));
			r->p++;
			return rfc822_skip_lwsp(r);
		case '\n':
			len = (size_t)(r->p - start);
			if (len > 0 && start[len - 1] == '\r')
				len--;
			put(r, s, start, len);
			start = r->p + 1;
			break;
		case '\\':
			r->p++;
			if (r->p >= r->end)
				return -1;
			if (*r->p == '\r' || *r->p == '\n' || *r->p == '\0') {
				put(r, s, start, (size_t)(r->p - start));
				start = r->p;
				r->p--;
			}
			break;
		}
	}
	return -1;
}

/* At '@': the domain. */
int
rfc822_domain(struct rfc822 *r, struct str *s)
{
	r->p++;
	if (rfc822_skip_lwsp(r) <= 0)
		return -1;
	if (*r->p == '[')
		return domain_literal(r, s);
	return rfc822_dot_atom(r, s);
}

/* "type/subtype" into s; -1 if broken (s then holds the type alone when
 * no "/" followed it, else nothing): both must be tokens, and only ";"
 * or the end may follow. */
int
rfc822_content_type(struct rfc822 *r, struct str *s)
{
	size_t	 pos0 = s->len, pos;
	int	 ret;

	if (rfc822_skip_lwsp(r) <= 0)
		return -1;
	if (rfc822_mime_token(r, s) <= 0 || s->len == pos0)
		return -1;
	if (*r->p != '/') {
		str_truncate(s, pos0);
		return -1;
	}
	r->p++;
	if (rfc822_skip_lwsp(r) <= 0) {
		str_truncate(s, pos0);
		return -1;
	}
	putc1(r, s, '/');
	pos = s->len;
	if ((ret = rfc822_mime_token(r, s)) < 0 || s->len == pos ||
	    (r->p != r->end && *r->p != ';')) {
		str_truncate(s, pos0);
		return -1;
	}
	return ret;
}

/* One ";" attribute "=" value: 1 with the pair appended to out as
 * "name\0value\0", 0 at the end, -1 broken. */
static int
content_param(struct rfc822 *r, struct str *out)
{
	size_t	 mark = out->len;
	int	 ret;

	if (r->p == r->end)
		return 0;
	if (*r->p != ';')
		return -1;
	r->p++;
	if (rfc822_skip_lwsp(r) <= 0)
		return -1;
	if (rfc822_mime_token(r, out) <= 0) {
		str_truncate(out, mark);
		return -1;
	}
	putc1(r, out, '\0');
	if (*r->p != '=') {
		str_truncate(out, mark);
		return -1;
	}
	r->p++;
	if ((ret = rfc822_skip_lwsp(r)) <= 0) {
		/* broken / no value */
	} else if (*r->p == '"') {
		ret = rfc822_quoted(r, out);
	} else if (*r->p == '=') {
		/* broken input: name==?utf-8?b?...?= */
		while (r->p != r->end && *r->p != ';' && *r->p != ' ' &&
		    *r->p != '\t' && *r->p != '\r' && *r->p != '\n') {
			putc1(r, out, *r->p);
			r->p++;
		}
	} else
		ret = rfc822_mime_token(r, out);
	putc1(r, out, '\0');
	return ret < 0 ? -1 : 1;
}

/* One RFC 2231 section "name*N[*]" to merge. */
struct sect {
	const char	*key;		/* name without the "*..." */
	size_t		 keylen;
	const char	*value;
	size_t		 vlen;
	unsigned int	 idx;
	int		 extended;
	size_t		 order;
};

static int
sect_cmp(const void *a, const void *b)
{
	const struct sect *x = a, *y = b;
	size_t	 n = x->keylen < y->keylen ? x->keylen : y->keylen;
	int	 c = memcmp(x->key, y->key, n);

	if (c != 0)
		return c;
	if (x->keylen != y->keylen)
		return x->keylen < y->keylen ? -1 : 1;
	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int
keys_caseeq(const struct sect *a, const struct sect *b)
{
	size_t	 k;

	if (a->keylen != b->keylen)
		return 0;
	for (k = 0; k < a->keylen; k++) {
		int	 x = (unsigned char)a->key[k], y = (unsigned char)b->key[k];

		if (x >= 'A' && x <= 'Z')
			x += 32;
		if (y >= 'A' && y <= 'Z')
			y += 32;
		if (x != y)
			return 0;
	}
	return 1;
}

static void
put_pair(struct rfc822 *r, struct str *out, const char *k, size_t kn,
    const char *v, size_t vn)
{
	put(r, out, k, kn);
	putc1(r, out, '\0');
	put(r, out, v, vn);
	putc1(r, out, '\0');
}

/*
 * Parameters after the type: plain ones in order, then RFC 2231 sections
 * (name*0, name*1*, ...) merged by name, sorted by name: "name" when no
 * section is extended, "name*" with the value "charset'lang'..." when
 * one is (plain sections then have their "%" escaped).  Sections with a
 * gap in their numbers stay apart as "name*N" / "name*N*".  Pairs go to
 * out as "name\0value\0"; *n_r counts them.  -1 if something was
 * skipped as broken (the rest still parsed).
 */
int
rfc822_params(struct rfc822 *r, struct str *out, size_t *n_r)
{
	struct str raw = STR_INIT(STR_UNBOUNDED);
	struct sect *ss = NULL;
	size_t	 nss = 0, cap = 0, n = 0, pos, i, j, next;
	unsigned int last_idx = 0;
	int	 ret, broken = 0;
	const char *p;

	for (;;) {
		size_t	 mark = raw.len;

		ret = content_param(r, &raw);
		if (ret == 0)
			break;
		if (ret < 0) {
			broken = 1;
			str_truncate(&raw, mark);
			if (r->p == r->end)
				break;
			r->p++;
			continue;
		}
	}
	/* walk the raw pairs: plain ones out, sections aside; like Dovecot
	 * 2.3, a "name*" without a number keeps the number of the section
	 * before it */
	for (pos = 0; pos < raw.len;) {
		const char *key = raw.s + pos, *val, *star;
		size_t	 kl = strlen(key), vl;

		val = key + kl + 1;
		vl = strlen(val);
		pos += kl + 1 + vl + 1;
		star = memchr(key, '*', kl);
		if (star != NULL) {
			struct sect sc;

			memset(&sc, 0, sizeof(sc));
			sc.idx = last_idx;
			p = star;
			if (p[1] != '\0') {
				p++;
				sc.idx = 0;
				for (; *p >= '0' && *p <= '9'; p++)
					sc.idx = sc.idx * 10 + (unsigned int)
					    (*p - '0');
				last_idx = sc.idx;
			}
			if (*p == '*') {
				sc.extended = 1;
				p++;
			}
			if (*p == '\0') {
				if (nss == cap) {
					size_t	 nc = cap ? cap * 2 : 8;
					struct sect *t = realloc(ss,
					    nc * sizeof(*ss));

					if (t == NULL) {
						r->oom = 1;
						break;
					}
					ss = t;
					cap = nc;
				}
				sc.key = key;
				sc.keylen = (size_t)(star - key);
				sc.value = val;
				sc.vlen = vl;
				sc.order = nss;
				ss[nss++] = sc;
				continue;
			}
		}
		put_pair(r, out, key, kl, val, vl);
		n++;
	}
	if (nss > 0)
		qsort(ss, nss, sizeof(*ss), sect_cmp);
	for (i = 0; i < nss; i = next) {
		unsigned int want = 0;
		int	 ok = 1, ext = 0;

		for (j = i; j < nss && keys_caseeq(&ss[i], &ss[j]); j++) {
			if (ss[j].idx != want)
				ok = 0;
			if (ss[j].extended)
				ext = 1;
			want++;
		}
		next = j;
		if (!ok) {
			for (j = i; j < next; j++) {
				struct str k = STR_INIT(STR_UNBOUNDED);

				if (str_catb(&k, ss[j].key, ss[j].keylen) ==
				    -1 || str_printf(&k, ss[j].extended ?
				    "*%u*" : "*%u", ss[j].idx) == -1)
					r->oom = 1;
				put_pair(r, out, str_c(&k), k.len, ss[j].value,
				    ss[j].vlen);
				str_free(&k);
				n++;
			}
			continue;
		}
		{
			struct str v = STR_INIT(STR_UNBOUNDED);

			if (!ss[i].extended && ext)
				put(r, &v, "''", 2);
			for (j = i; j < next; j++) {
				if (!ss[j].extended && ext) {
					size_t	 k;

					for (k = 0; k < ss[j].vlen; k++) {
						if (ss[j].value[k] == '%')
							put(r, &v, "%25", 3);
						else
							putc1(r, &v,
							    ss[j].value[k]);
					}
				} else
					put(r, &v, ss[j].value, ss[j].vlen);
			}
			put(r, out, ss[i].key, ss[i].keylen);
			if (ext)
				putc1(r, out, '*');
			putc1(r, out, '\0');
			put(r, out, v.s != NULL ? v.s : "", v.len);
			putc1(r, out, '\0');
			n++;
			str_free(&v);
		}
	}
	free(ss);
	str_free(&raw);
	*n_r = n;
	if (r->oom) {
		errno = ENOMEM;
		return -1;
	}
	return broken ? -1 : 0;
}

const char *
params_get(const struct str *pairs, size_t n, const char *name,
    size_t *len_r)
{
	size_t	 pos = 0, i, kl, vl;

	for (i = 0; i < n && pos < pairs->len; i++) {
		const char *k = pairs->s + pos, *v;

		kl = strlen(k);
		v = k + kl + 1;
		vl = strlen(v);
		pos += kl + 1 + vl + 1;
		if (mime_name_eq(k, kl, name)) {
			*len_r = vl;
			return v;
		}
	}
	return NULL;
}

size_t
cstrlen(const char *s, size_t n)
{
	const char *z = memchr(s, '\0', n);

	return z != NULL ? (size_t)(z - s) : n;
}

/*
 * Address lists for ENVELOPE, as Dovecot's message_address_parse() with
 * fill_missing: a group is (NIL NIL name NIL) ... (NIL NIL NIL NIL); a
 * mailbox without local part or domain gets MISSING_MAILBOX /
 * MISSING_DOMAIN, a broken angle address SYNTAX_ERROR, a broken route
 * INVALID_ROUTE; an addr-spec's trailing comment is its name.
 */
struct aparse {
	struct rfc822	 r;
	struct env_addrs *out;
	struct env_addr	 a;
	struct str	 s;
	struct str	 comment;
};

static char *
sdup(const char *s, size_t n)
{
	char	*p = malloc(n + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static void
addr_add(struct aparse *ap)
{
	struct env_addrs *o = ap->out;

	if (o->n == o->cap) {
		size_t	 nc = o->cap ? o->cap * 2 : 4;
		struct env_addr *t = realloc(o->v, nc * sizeof(*t));

		if (t == NULL) {
			ap->r.oom = 1;
			free(ap->a.name);
			free(ap->a.route);
			free(ap->a.mailbox);
			free(ap->a.domain);
			memset(&ap->a, 0, sizeof(ap->a));
			return;
		}
		o->v = t;
		o->cap = nc;
	}
	o->v[o->n++] = ap->a;
	memset(&ap->a, 0, sizeof(ap->a));
}

static void
set(struct aparse *ap, char **dst, size_t *len_r, const char *s, size_t n)
{
	free(*dst);
	if ((*dst = sdup(s, n)) == NULL)
		ap->r.oom = 1;
	if (len_r != NULL)
		*len_r = *dst != NULL ? n : 0;
}

static int
nonstrict_dot_atom(struct rfc822 *r, struct str *s)
{
	int	 ret = -1;

	do {
		while (*r->p == '.') {
			putc1(r, s, '.');
			r->p++;
			if (r->p == r->end)
				return 0;	/* @domain missing */
			ret = 1;
		}
		if (*r->p == '@')
			break;
		ret = rfc822_atom(r, s);
	} while (ret > 0 && *r->p == '.');
	return ret;
}

static int
local_part(struct aparse *ap)
{
	int	 ret;

	str_clear(&ap->s);
	if (ap->r.p >= ap->r.end)
		return -1;
	if (*ap->r.p == '"')
		ret = rfc822_quoted(&ap->r, &ap->s);
	else
		ret = nonstrict_dot_atom(&ap->r, &ap->s);
	if (ret < 0)
		return -1;
	set(ap, &ap->a.mailbox, &ap->a.mailbox_len, ap->s.s ? ap->s.s : "",
	    ap->s.len);
	return ret;
}

static int
domain(struct aparse *ap)
{
	struct str d = STR_INIT(STR_UNBOUNDED);
	int	 ret;

	if ((ret = rfc822_domain(&ap->r, &d)) < 0) {
		str_free(&d);
		return -1;
	}
	set(ap, &ap->a.domain, NULL, d.s ? d.s : "", d.len);
	str_free(&d);
	return ret;
}

static int
domain_list(struct aparse *ap)
{
	struct str d = STR_INIT(STR_UNBOUNDED);
	int	 ret;

	/* obs-domain-list = "@" domain *(*(CFWS / ",") [CFWS] "@" domain) */
	for (;;) {
		if (ap->r.p >= ap->r.end) {
			str_free(&d);
			return 0;
		}
		if (*ap->r.p != '@')
			break;
		if (d.len > 0)
			putc1(&ap->r, &d, ',');
		putc1(&ap->r, &d, '@');
		if ((ret = rfc822_domain(&ap->r, &d)) <= 0) {
			str_free(&d);
			return ret;
		}
		while (rfc822_skip_lwsp(&ap->r) > 0 && *ap->r.p == ',')
			ap->r.p++;
	}
	set(ap, &ap->a.route, NULL, d.s ? d.s : "", d.len);
	str_free(&d);
	return 1;
}

static int
angle_addr(struct aparse *ap)
{
	/* "<" [ "@" route ":" ] local-part "@" domain ">" */
	ap->r.p++;
	if (rfc822_skip_lwsp(&ap->r) <= 0)
		return -1;
	if (*ap->r.p == '@') {
		if (domain_list(ap) > 0 && *ap->r.p == ':')
			ap->r.p++;
		else {
			set(ap, &ap->a.route, NULL, "INVALID_ROUTE", 13);
			if (ap->r.p >= ap->r.end)
				return -1;
			/* go on anyway */
		}
		if (rfc822_skip_lwsp(&ap->r) <= 0)
			return -1;
	}
	if (*ap->r.p != '>') {		/* "<>" is no address, but goes on */
		if (local_part(ap) <= 0)
			return -1;
		if (*ap->r.p == '@' && domain(ap) <= 0)
			return -1;
	}
	if (*ap->r.p != '>')
		return -1;
	ap->r.p++;
	return rfc822_skip_lwsp(&ap->r);
}

static int
name_addr(struct aparse *ap)
{
	str_clear(&ap->s);
	if (rfc822_phrase(&ap->r, &ap->s) <= 0 || *ap->r.p != '<')
		return -1;
	if (ap->s.len > 0)
		set(ap, &ap->a.name, &ap->a.name_len, ap->s.s, ap->s.len);
	if (angle_addr(ap) < 0) {
		set(ap, &ap->a.domain, NULL, "SYNTAX_ERROR", 12);
		ap->a.invalid = 1;
	}
	return ap->r.p < ap->r.end;
}

static int
addr_spec(struct aparse *ap)
{
	int	 ret, ret2 = -2, quoted = *ap->r.p == '"';

	str_clear(&ap->comment);
	ret = local_part(ap);
	if (ret <= 0)
		ap->a.invalid = 1;
	if (ret != 0 && ap->r.p < ap->r.end && *ap->r.p == '@') {
		ret2 = domain(ap);
		if (ret2 <= 0)
			ret = ret2;
	}
	if (ap->comment.len > 0)
		set(ap, &ap->a.name, &ap->a.name_len, ap->comment.s,
		    ap->comment.len);
	else if (ret2 == -2) {
		/* a user without @domain and without (name): alone it is a
		 * mailbox, followed by more words a display name */
		size_t	 orig;

		putc1(&ap->r, &ap->s, ' ');
		orig = ap->s.len;
		(void)rfc822_phrase(&ap->r, &ap->s);
		if (ap->s.len != orig) {
			free(ap->a.mailbox);
			ap->a.mailbox = NULL;
			set(ap, &ap->a.name, &ap->a.name_len, ap->s.s, ap->s.len);
		} else if (!quoted)
			set(ap, &ap->a.domain, NULL, "", 0);
		ap->a.invalid = 1;
		ret = -1;
	}
	return ret;
}

static void
add_fixed(struct aparse *ap)
{
	if (ap->a.mailbox == NULL) {
		set(ap, &ap->a.mailbox, &ap->a.mailbox_len, "MISSING_MAILBOX", 15);
		ap->a.invalid = 1;
	}
	if (ap->a.domain == NULL || ap->a.domain[0] == '\0') {
		set(ap, &ap->a.domain, NULL, "MISSING_DOMAIN", 14);
		ap->a.invalid = 1;
	}
	addr_add(ap);
}

/* Reset what a failed attempt left in the address being built. */
static void
addr_reset(struct aparse *ap)
{
	free(ap->a.name);
	free(ap->a.route);
	free(ap->a.mailbox);
	free(ap->a.domain);
	memset(&ap->a, 0, sizeof(ap->a));
}

static int
mailbox(struct aparse *ap)
{
	const unsigned char *start = ap->r.p;
	int	 ret;

	if ((ret = name_addr(ap)) < 0) {
		addr_reset(ap);
		ap->r.p = start;
		ret = addr_spec(ap);
		if (ap->a.invalid && ap->a.name == NULL &&
		    ap->a.mailbox != NULL && ap->a.domain == NULL) {
			ap->a.name = ap->a.mailbox;
			ap->a.name_len = ap->a.mailbox_len;
			ap->a.mailbox = NULL;
		}
	}
	if (ret < 0)
		ap->a.invalid = 1;
	add_fixed(ap);
	return ret;
}

static int
group(struct aparse *ap)
{
	int	 ret;

	str_clear(&ap->s);
	if (rfc822_phrase(&ap->r, &ap->s) <= 0 || *ap->r.p != ':')
		return -1;
	/* from here on it is a group, whatever follows */
	ap->r.p++;
	if ((ret = rfc822_skip_lwsp(&ap->r)) <= 0)
		ap->a.invalid = 1;
	set(ap, &ap->a.mailbox, &ap->a.mailbox_len, ap->s.s ? ap->s.s : "",
	    ap->s.len);
	addr_add(ap);
	if (ret > 0 && *ap->r.p != ';') {
		for (;;) {
			(void)mailbox(ap);	/* broken: go on anyway */
			if (ap->r.p >= ap->r.end || *ap->r.p != ',')
				break;
			ap->r.p++;
			if (rfc822_skip_lwsp(&ap->r) <= 0) {
				ret = -1;
				break;
			}
		}
	}
	if (ret >= 0) {
		if (ap->r.p >= ap->r.end || *ap->r.p != ';')
			ret = -1;
		else {
			ap->r.p++;
			ret = rfc822_skip_lwsp(&ap->r);
		}
	}
	if (ret < 0)
		ap->a.invalid = 1;
	addr_add(ap);
	return ret == 0 ? 0 : 1;
}

static int
address(struct aparse *ap)
{
	const unsigned char *start = ap->r.p;
	int	 ret;

	if ((ret = group(ap)) < 0) {
		addr_reset(ap);
		ap->r.p = start;
		ret = mailbox(ap);
	}
	return ret;
}

int
env_addr_parse(const char *s, size_t n, size_t max, struct env_addrs *out)
{
	struct aparse ap;
	int	 ret;

	memset(&ap, 0, sizeof(ap));
	ap.out = out;
	ap.s = (struct str)STR_INIT(STR_UNBOUNDED);
	ap.comment = (struct str)STR_INIT(STR_UNBOUNDED);
	rfc822_init(&ap.r, s, n);
	ap.r.comment = &ap.comment;
	if (rfc822_skip_lwsp(&ap.r) > 0) {
		for (;;) {
			if ((ret = address(&ap)) == 0)
				break;
			if (max > 0 && out->n >= max)
				break;
			if (ap.r.p >= ap.r.end || *ap.r.p != ',')
				break;
			ap.r.p++;
			if ((ret = rfc822_skip_lwsp(&ap.r)) <= 0) {
				if (ret < 0)
					add_fixed(&ap);	/* trailing junk */
				break;
			}
		}
	}
	addr_reset(&ap);
	str_free(&ap.s);
	str_free(&ap.comment);
	if (ap.r.oom) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void
env_addrs_free(struct env_addrs *a)
{
	size_t	 i;

	for (i = 0; i < a->n; i++) {
		free(a->v[i].name);
		free(a->v[i].route);
		free(a->v[i].mailbox);
		free(a->v[i].domain);
	}
	free(a->v);
	memset(a, 0, sizeof(*a));
}
