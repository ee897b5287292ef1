/*
 * imap_parse - the IMAP command grammar (see imap_parse.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "imap_parse.h"

static int	is_atom_char(int);
static int	is_astring_char(int);
static int	is_list_char(int);

void
imap_p_init(struct imap_p *p, const char *b, size_t n)
{
	p->b = b;
	p->n = n;
	p->pos = 0;
	p->utf8 = 0;
	p->literal8 = 0;
}

int
imap_p_peek(const struct imap_p *p)
{
	return p->pos < p->n ? (unsigned char)p->b[p->pos] : -1;
}

int
imap_p_end(const struct imap_p *p)
{
	return p->pos >= p->n;
}

int
imap_p_char(struct imap_p *p, int c)
{
	if (p->pos < p->n && (unsigned char)p->b[p->pos] == c) {
		p->pos++;
		return 0;
	}
	return -1;
}

int
imap_p_sp(struct imap_p *p)
{
	return imap_p_char(p, ' ');
}

/* ATOM-CHAR: any CHAR except atom-specials "(){ %*\"\\]" and CTLs. */
static int
is_atom_char(int c)
{
	if (c <= 0x20 || c >= 0x7f)
		return 0;
	return strchr("(){%*\"\\]", c) == NULL;
}

static int
is_astring_char(int c)
{
	return is_atom_char(c) || c == ']';
}

static int
is_list_char(int c)
{
	return is_atom_char(c) || c == '%' || c == '*' || c == ']';
}

static int
take_while(struct imap_p *p, struct str *out, int (*ok)(int))
{
	size_t	 s = p->pos;

	while (p->pos < p->n && ok((unsigned char)p->b[p->pos]))
		p->pos++;
	if (p->pos == s)
		return -1;
	if (str_copyb(out, p->b + s, p->pos - s) == -1) {
		p->pos = s;
		return -1;
	}
	return 0;
}

int
imap_p_atom(struct imap_p *p, struct str *out)
{
	return take_while(p, out, is_atom_char);
}

static int
is_tag_char(int c)
{
	return is_astring_char(c) && c != '+';
}

int
imap_p_tag(struct imap_p *p, struct str *out)
{
	return take_while(p, out, is_tag_char);
}

int
imap_p_quoted(struct imap_p *p, struct str *out)
{
	size_t	 s = p->pos;

	if (imap_p_char(p, '"') == -1)
		return -1;
	str_clear(out);
	while (p->pos < p->n) {
		unsigned char c = (unsigned char)p->b[p->pos++];

		if (c == '"')
			return out->s == NULL ? str_copys(out, "") : 0;
		if (c == '\\') {
			if (p->pos >= p->n)
				break;
			c = (unsigned char)p->b[p->pos++];
			if (c != '"' && c != '\\')
				break;
		} else if (c == '\r' || c == '\n' || c == '\0' ||
		    (c >= 0x80 && !p->utf8))
			break;
		if (str_catc(out, (char)c) == -1) {
			p->pos = s;
			return -1;
		}
	}
	p->pos = s;
	errno = EINVAL;
	return -1;
}

int
imap_p_literal(struct imap_p *p, struct str *out)
{
	size_t	 s = p->pos;
	uint64_t len = 0;
	int	 digits = 0;

	p->literal8 = 0;
	if (imap_p_char(p, '~') == 0)
		p->literal8 = 1;
	if (imap_p_char(p, '{') == -1)
		goto bad;
	while (p->pos < p->n && p->b[p->pos] >= '0' && p->b[p->pos] <= '9') {
		len = len * 10 + (uint64_t)(p->b[p->pos++] - '0');
		if (++digits > 10)
			goto bad;
	}
	if (digits == 0)
		goto bad;
	(void)imap_p_char(p, '+');
	if (imap_p_char(p, '}') == -1 || imap_p_char(p, '\r') == -1 ||
	    imap_p_char(p, '\n') == -1)
		goto bad;
	if (len > p->n - p->pos)
		goto bad;
	if (!p->literal8 && memchr(p->b + p->pos, '\0', (size_t)len) != NULL)
		goto bad;
	if (str_copyb(out, p->b + p->pos, (size_t)len) == -1)
		goto bad;
	p->pos += (size_t)len;
	return 0;
bad:
	p->pos = s;
	return -1;
}

int
imap_p_string(struct imap_p *p, struct str *out)
{
	int	 c = imap_p_peek(p);

	if (c == '"')
		return imap_p_quoted(p, out);
	if (c == '{' || c == '~')
		return imap_p_literal(p, out);
	return -1;
}

int
imap_p_astring(struct imap_p *p, struct str *out)
{
	int	 c = imap_p_peek(p);

	if (c == '"' || c == '{' || c == '~')
		return imap_p_string(p, out);
	return take_while(p, out, is_astring_char);
}

int
imap_p_nstring(struct imap_p *p, struct str *out)
{
	if (imap_p_word(p, "NIL") == 0)
		return 0;
	return imap_p_string(p, out) == 0 ? 1 : -1;
}

int
imap_p_listmbox(struct imap_p *p, struct str *out)
{
	int	 c = imap_p_peek(p);

	if (c == '"' || c == '{' || c == '~')
		return imap_p_string(p, out);
	return take_while(p, out, is_list_char);
}

int
imap_p_flag(struct imap_p *p, struct str *out)
{
	size_t	 s = p->pos;

	if (imap_p_char(p, '\\') == 0) {
		if (imap_p_char(p, '*') == 0)
			return str_copys(out, "\\*");
		if (take_while(p, out, is_atom_char) == -1) {
			p->pos = s;
			return -1;
		}
		return str_copyb(out, p->b + s, p->pos - s);
	}
	return take_while(p, out, is_atom_char);
}

static int
number(struct imap_p *p, uint64_t max, uint64_t *v)
{
	size_t	 s = p->pos;
	uint64_t x = 0;

	while (p->pos < p->n && p->b[p->pos] >= '0' && p->b[p->pos] <= '9') {
		x = x * 10 + (uint64_t)(p->b[p->pos++] - '0');
		if (x > max) {
			p->pos = s;
			return -1;
		}
	}
	if (p->pos == s)
		return -1;
	*v = x;
	return 0;
}

int
imap_p_number(struct imap_p *p, uint32_t *v)
{
	uint64_t x;

	if (number(p, UINT32_MAX, &x) == -1)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

int
imap_p_nznumber(struct imap_p *p, uint32_t *v)
{
	size_t	 s = p->pos;

	if (imap_p_number(p, v) == -1)
		return -1;
	if (*v == 0) {
		p->pos = s;
		return -1;
	}
	return 0;
}

int
imap_p_number64(struct imap_p *p, uint64_t *v)
{
	return number(p, (uint64_t)INT64_MAX, v);
}

int
imap_p_word(struct imap_p *p, const char *word)
{
	size_t	 n = strlen(word), i;

	if (p->n - p->pos < n)
		return -1;
	for (i = 0; i < n; i++) {
		int	 a = (unsigned char)p->b[p->pos + i];
		int	 b = (unsigned char)word[i];

		if (a >= 'a' && a <= 'z')
			a -= 32;
		if (a != b)
			return -1;
	}
	/* a whole word: what follows cannot continue an atom */
	if (p->pos + n < p->n && is_atom_char((unsigned char)p->b[p->pos + n])
	    && word[n - 1] != '[' && word[n - 1] != '.')
		return -1;
	p->pos += n;
	return 0;
}

static int
seq_num(struct imap_p *p, uint32_t *v)
{
	if (imap_p_char(p, '*') == 0) {
		*v = IMAP_SEQ_STAR;
		return 0;
	}
	return imap_p_nznumber(p, v);
}

int
imap_p_seq(struct imap_p *p, struct imap_seq *q)
{
	size_t	 s = p->pos;

	q->n = 0;
	q->dollar = 0;
	if (imap_p_char(p, '$') == 0) {
		q->dollar = 1;
		return 0;
	}
	for (;;) {
		uint32_t lo, hi;

		if (seq_num(p, &lo) == -1)
			goto bad;
		hi = lo;
		if (imap_p_char(p, ':') == 0 && seq_num(p, &hi) == -1)
			goto bad;
		if (q->n >= IMAP_SEQ_MAX) {
			errno = E2BIG;
			goto bad;
		}
		if (q->n == q->cap) {
			size_t	 nc = q->cap ? q->cap * 2 : 16;
			uint32_t (*nr)[2] = reallocarray(q->r, nc,
			    sizeof(*nr));

			if (nr == NULL)
				goto bad;
			q->r = nr;
			q->cap = nc;
		}
		q->r[q->n][0] = lo;
		q->r[q->n][1] = hi;
		q->n++;
		if (imap_p_char(p, ',') == -1)
			return 0;
	}
bad:
	p->pos = s;
	return -1;
}

void
imap_seq_free(struct imap_seq *q)
{
	free(q->r);
	q->r = NULL;
	q->n = q->cap = 0;
}

static int
range_cmp(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;

	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return x[1] < y[1] ? -1 : x[1] > y[1];
}

void
imap_seq_resolve(struct imap_seq *q, uint32_t star)
{
	size_t	 i, j;

	for (i = 0; i < q->n; i++) {
		uint32_t t;

		if (q->r[i][0] == IMAP_SEQ_STAR)
			q->r[i][0] = star;
		if (q->r[i][1] == IMAP_SEQ_STAR)
			q->r[i][1] = star;
		if (q->r[i][0] > q->r[i][1]) {
			t = q->r[i][0];
			q->r[i][0] = q->r[i][1];
			q->r[i][1] = t;
		}
	}
	if (q->n < 2)
		return;
	qsort(q->r, q->n, sizeof(q->r[0]), range_cmp);
	for (i = 0, j = 1; j < q->n; j++) {
		if (q->r[j][0] <= q->r[i][1] ||
		    (q->r[i][1] != UINT32_MAX && q->r[j][0] == q->r[i][1] + 1)) {
			if (q->r[j][1] > q->r[i][1])
				q->r[i][1] = q->r[j][1];
		} else {
			i++;
			q->r[i][0] = q->r[j][0];
			q->r[i][1] = q->r[j][1];
		}
	}
	q->n = i + 1;
}

int
imap_seq_has(const struct imap_seq *q, uint32_t v)
{
	size_t	 lo = 0, hi = q->n;

	while (lo < hi) {
		size_t	 mid = (lo + hi) / 2;

		if (v < q->r[mid][0])
			hi = mid;
		else if (v > q->r[mid][1])
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

int
imap_seq_format(struct str *out, const uint32_t *v, size_t n)
{
	size_t	 i = 0, j;
	int	 first = 1;

	while (i < n) {
		for (j = i; j + 1 < n && v[j + 1] == v[j] + 1; j++)
			;
		if (!first && str_catc(out, ',') == -1)
			return -1;
		first = 0;
		if (j == i) {
			if (str_printf(out, "%lu", (unsigned long)v[i]) == -1)
				return -1;
		} else if (str_printf(out, "%lu:%lu", (unsigned long)v[i],
		    (unsigned long)v[j]) == -1)
			return -1;
		i = j + 1;
	}
	return 0;
}

int
imap_str_put(struct str *out, const char *s, size_t n, int utf8)
{
	size_t	 i;
	int	 lit = 0;

	if (s == NULL)
		return str_cats(out, "NIL");
	if (n > 1000)
		lit = 1;
	for (i = 0; i < n && !lit; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r' || c == '\n' || c == '\0' || (c >= 0x80 && !utf8))
			lit = 1;
	}
	if (lit)
		return str_printf(out, "{%zu}\r\n", n) == -1 ||
		    str_catb(out, s, n) == -1 ? -1 : 0;
	if (str_catc(out, '"') == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if ((s[i] == '"' || s[i] == '\\') && str_catc(out, '\\') == -1)
			return -1;
		if (str_catc(out, s[i]) == -1)
			return -1;
	}
	return str_catc(out, '"');
}
