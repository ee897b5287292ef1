/*
 * mime_sect - body sections for FETCH (BODY[...]<o.n>, BINARY[...],
 * BINARY.SIZE) as byte streams in the form IMAP serves them (CR put
 * before every bare LF, NUL shown as 0x80 outside BINARY, as Dovecot),
 * the IMAP part numbering, and the streaming transfer decoders (base64,
 * quoted-printable, uuencode) that BINARY, the webmail and SEARCH use.
 * Nothing is loaded whole: a 100 MB part is read through a window.
 * The message is untrusted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mime_int.h"

#define DEC_CHUNK	(64 * 1024)

enum rkind { R_RANGE, R_MEM, R_DECODE };

struct mime_reader {
	struct mime_msg	*m;
	enum rkind	 kind;
	int		 nonul;		/* NUL shown as 0x80 */
	/* R_RANGE, and the source of R_DECODE */
	size_t		 from, to, p;
	int		 sub;		/* octets of p's expansion already out */
	uint64_t	 vsize;
	/* R_MEM */
	struct str	 mem;
	size_t		 mpos;
	/* R_DECODE */
	enum mime_cte	 cte;
	struct dec	 dec;
	struct str	 dbuf;
	size_t		 dpos;
	int		 dend;
	int		 have_size;
	uint64_t	 size;
	int		 has_nul;
	uint64_t	 pos;		/* output octets produced so far */
};

/*
 * Transfer encodings.
 */
enum mime_cte
mime_cte_of(const char *s, size_t n)
{
	static const struct {
		const char *name;
		enum mime_cte cte;
	} t[] = {
		{ "7bit", MIME_CTE_7BIT }, { "8bit", MIME_CTE_8BIT },
		{ "binary", MIME_CTE_BINARY },
		{ "quoted-printable", MIME_CTE_QP },
		{ "base64", MIME_CTE_BASE64 },
		{ "x-uuencode", MIME_CTE_UUENCODE },
		{ "x-uue", MIME_CTE_UUENCODE },
		{ "uuencode", MIME_CTE_UUENCODE },
	};
	size_t	 i;

	if (s == NULL || n == 0)
		return MIME_CTE_7BIT;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (mime_name_eq(s, n, t[i].name))
			return t[i].cte;
	return MIME_CTE_UNKNOWN;
}

/* The node's transfer encoding as BODYSTRUCTURE shows it. */
enum mime_cte
part_cte(const struct mime_part *p)
{
	struct rfc822 r;
	struct str s = STR_INIT(STR_UNBOUNDED);
	enum mime_cte c = MIME_CTE_7BIT;

	if (!(p->flags & P_IS_MIME) || p->ct[CT_CTE].p == NULL)
		return MIME_CTE_7BIT;
	rfc822_init(&r, p->ct[CT_CTE].p, p->ct[CT_CTE].n);
	(void)rfc822_skip_lwsp(&r);
	if (rfc822_mime_token(&r, &s) >= 0 && rfc822_skip_lwsp(&r) == 0 &&
	    s.len > 0)
		c = mime_cte_of(s.s, s.len);
	str_free(&s);
	return c;
}

void
dec_init(struct dec *d, enum mime_cte cte)
{
	memset(d, 0, sizeof(*d));
	d->cte = cte;
	d->line.max = 4096;
}

void
dec_free(struct dec *d)
{
	str_free(&d->line);
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * base64: blanks and line ends skipped; "=" ends the data (RFC 2045 6.8)
 * and must complete its group ("xx==", "xxx="), then only blanks may
 * follow.  Anything else, and a group left incomplete, is noted as bad
 * (BINARY answers [PARSE], as Dovecot); what can be decoded still is.
 * state: characters in the group; ended: 1 "=" done, 2 one more "=" due.
 */
static int
dec_base64(struct dec *d, const unsigned char *in, size_t n, int final,
    struct str *o)
{
	unsigned char tmp[3 * 1024];
	size_t	 i, k = 0;

	for (i = 0; i < n; i++) {
		int	 c = in[i], v;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (d->ended == 2) {
			d->ended = c == '=' ? 1 : 1;
			if (c != '=')
				d->bad = 1;
			continue;
		}
		if (d->ended) {
			d->bad = 1;
			continue;
		}
		if (c == '=') {
			if (d->state == 2) {
				tmp[k++] = (unsigned char)(d->bits >> 4);
				d->ended = 2;
			} else if (d->state == 3) {
				tmp[k++] = (unsigned char)(d->bits >> 10);
				tmp[k++] = (unsigned char)(d->bits >> 2);
				d->ended = 1;
			} else {
				d->bad = 1;
				d->ended = 1;
			}
			d->state = 0;
			d->bits = 0;
			continue;
		}
		if ((v = b64val(c)) < 0) {
			d->bad = 1;
			continue;
		}
		d->bits = (d->bits << 6) | (unsigned int)v;
		if (++d->state == 4) {
			tmp[k++] = (unsigned char)(d->bits >> 16);
			tmp[k++] = (unsigned char)(d->bits >> 8);
			tmp[k++] = (unsigned char)d->bits;
			d->state = 0;
			d->bits = 0;
		}
		if (k + 3 > sizeof(tmp)) {
			if (str_catb(o, tmp, k) == -1)
				return -1;
			k = 0;
		}
	}
	if (final && !d->ended && d->state > 0) {
		/* an unpadded last group: decoded, but not valid */
		if (d->state == 2)
			tmp[k++] = (unsigned char)(d->bits >> 4);
		else if (d->state == 3) {
			tmp[k++] = (unsigned char)(d->bits >> 10);
			tmp[k++] = (unsigned char)(d->bits >> 2);
		}
		d->bad = 1;
		d->state = 0;
	}
	if (final && d->ended == 2)
		d->bad = 1;
	return k > 0 ? str_catb(o, tmp, k) : 0;
}

static int
flush_ws(struct dec *d, struct str *o)
{
	if (d->npend > 0 && str_catb(o, d->pend, d->npend) == -1)
		return -1;
	d->npend = 0;
	return 0;
}

/*
 * quoted-printable (RFC 2045 6.7): =XX (either case), soft line breaks
 * "=" [blanks] (CR)LF, blanks before a line end dropped; a broken "=" is
 * kept as it is.  States: 0 text, 1 after "=", 2 after "=X", 3 after "="
 * and blanks, 4 after "=" [blanks] CR.
 */
static int
dec_qp(struct dec *d, const unsigned char *in, size_t n, int final,
    struct str *o)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		unsigned char c = in[i];
		int	 h;

again:
		switch (d->state) {
		case 0:
			if (c == '=') {
				d->state = 1;
				continue;
			}
			if (c == ' ' || c == '\t') {
				if (d->npend == sizeof(d->pend) &&
				    flush_ws(d, o) == -1)
					return -1;
				d->pend[d->npend++] = c;
				continue;
			}
			if (c == '\r') {
				/* held: a CR before LF ends the line */
				if (d->held_cr && str_catc(o, '\r') == -1)
					return -1;
				d->held_cr = 1;
				continue;
			}
			if (c == '\n') {
				d->npend = 0;	/* trailing blanks go */
				if (d->held_cr && str_catc(o, '\r') == -1)
					return -1;
				d->held_cr = 0;
				if (str_catc(o, '\n') == -1)
					return -1;
				continue;
			}
			if (d->held_cr) {
				if (flush_ws(d, o) == -1 ||
				    str_catc(o, '\r') == -1)
					return -1;
				d->held_cr = 0;
			}
			if (flush_ws(d, o) == -1 || str_catc(o, (char)c) == -1)
				return -1;
			continue;
		case 1:
			if (d->held_cr || d->npend > 0) {
				/* blanks or a CR before "=" are text */
				if (d->held_cr && str_catc(o, '\r') == -1)
					return -1;
				d->held_cr = 0;
				if (flush_ws(d, o) == -1)
					return -1;
			}
			if ((h = hexval(c)) >= 0) {
				d->bits = (unsigned int)h;
				d->state = 2;
				continue;
			}
			if (c == ' ' || c == '\t') {
				d->pend[0] = c;
				d->npend = 1;
				d->state = 3;
				continue;
			}
			if (c == '\r') {
				d->state = 4;
				continue;
			}
			if (c == '\n') {
				d->state = 0;	/* soft line break */
				continue;
			}
			d->bad = 1;
			d->state = 0;
			if (str_catc(o, '=') == -1)
				return -1;
			goto again;
		case 2:
			if ((h = hexval(c)) >= 0) {
				if (str_catc(o, (char)(d->bits << 4 |
				    (unsigned int)h)) == -1)
					return -1;
				d->state = 0;
				continue;
			}
			d->bad = 1;
			d->state = 0;
			if (str_catc(o, '=') == -1 || str_catc(o,
			    "0123456789ABCDEF"[d->bits]) == -1)
				return -1;
			goto again;
		case 3:
			if (c == ' ' || c == '\t') {
				if (d->npend < sizeof(d->pend))
					d->pend[d->npend++] = c;
				continue;
			}
			if (c == '\r') {
				d->state = 4;
				continue;
			}
			if (c == '\n') {
				d->npend = 0;
				d->state = 0;
				continue;
			}
			/* "=" and blanks inside a line: kept */
			d->bad = 1;
			d->state = 0;
			if (str_catc(o, '=') == -1 || flush_ws(d, o) == -1)
				return -1;
			goto again;
		case 4:
			d->npend = 0;
			d->state = 0;
			if (c == '\n')
				continue;	/* soft line break */
			d->bad = 1;
			if (str_catb(o, "=\r", 2) == -1)
				return -1;
			goto again;
		}
	}
	if (final) {
		if (d->state == 1 || d->state == 3) {
			/* "=" at the very end: a soft break, nothing */
		} else if (d->state == 2) {
			d->bad = 1;
			if (str_catc(o, '=') == -1 || str_catc(o,
			    "0123456789ABCDEF"[d->bits]) == -1)
				return -1;
		} else if (d->state == 4) {
			d->bad = 1;
		} else if (d->held_cr) {
			if (flush_ws(d, o) == -1 || str_catc(o, '\r') == -1)
				return -1;
		} else if (flush_ws(d, o) == -1)
			return -1;
		d->state = 0;
		d->npend = 0;
		d->held_cr = 0;
	}
	return 0;
}

/* uuencode: the lines between "begin " and "end" (or a "`" line). */
static int
uu_line(struct dec *d, const char *s, size_t n, struct str *o)
{
	size_t	 len, i;
	unsigned char q[4];

	if (!d->uu_begun) {
		if (n >= 6 && memcmp(s, "begin ", 6) == 0)
			d->uu_begun = 1;
		return 0;
	}
	if (d->uu_end)
		return 0;
	if ((n >= 3 && memcmp(s, "end", 3) == 0) || n == 0) {
		d->uu_end = 1;
		return 0;
	}
	len = (size_t)((s[0] - 32) & 63);
	if (len == 0) {
		d->uu_end = 1;
		return 0;
	}
	for (i = 1; len > 0 && i < n; i += 4) {
		int	 k;

		for (k = 0; k < 4; k++)
			q[k] = (unsigned char)((i + (size_t)k < n ?
			    s[i + (size_t)k] - 32 : 0) & 63);
		{
			unsigned char b[3];
			size_t	 take = len < 3 ? len : 3;

			b[0] = (unsigned char)(q[0] << 2 | q[1] >> 4);
			b[1] = (unsigned char)(q[1] << 4 | q[2] >> 2);
			b[2] = (unsigned char)(q[2] << 6 | q[3]);
			if (str_catb(o, b, take) == -1)
				return -1;
			len -= take;
		}
	}
	return 0;
}

static int
dec_uu(struct dec *d, const unsigned char *in, size_t n, int final,
    struct str *o)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (in[i] == '\n') {
			size_t	 l = d->line.len;

			if (l > 0 && d->line.s[l - 1] == '\r')
				l--;
			if (uu_line(d, d->line.s ? d->line.s : "", l, o) == -1)
				return -1;
			str_clear(&d->line);
			continue;
		}
		/* an over-long line is cut: uuencode lines are short */
		if (d->line.len < d->line.max &&
		    str_catc(&d->line, (char)in[i]) == -1)
			return -1;
	}
	if (final && d->line.len > 0) {
		if (uu_line(d, d->line.s, d->line.len, o) == -1)
			return -1;
		str_clear(&d->line);
	}
	return 0;
}

int
dec_step(struct dec *d, const unsigned char *in, size_t n, int final,
    struct str *o)
{
	switch (d->cte) {
	case MIME_CTE_BASE64:
		return dec_base64(d, in, n, final, o);
	case MIME_CTE_QP:
		return dec_qp(d, in, n, final, o);
	case MIME_CTE_UUENCODE:
		return dec_uu(d, in, n, final, o);
	default:
		return n > 0 ? str_catb(o, in, n) : 0;
	}
}

/*
 * IMAP part numbers (RFC 3501 6.4.5): a multipart's children are 1..n; a
 * part that is not multipart has only "1", itself, and only a
 * message/rfc822 part goes on deeper, into its message.
 */
const struct mime_part *
mime_part_find(struct mime_msg *m, const char *path)
{
	struct mime_part *p;
	unsigned long num;

	if (mime_parse(m) == -1)
		return NULL;
	p = m->root;
	if (*path == '\0')
		return p;
	while (p != NULL && *path >= '0' && *path <= '9') {
		num = 0;
		while (*path >= '0' && *path <= '9') {
			if (num > 1000000) {
				errno = ENOENT;
				return NULL;
			}
			num = num * 10 + (unsigned long)(*path - '0');
			path++;
		}
		if (num == 0) {
			errno = ENOENT;
			return NULL;
		}
		if (*path == '.')
			path++;
		else if (*path != '\0') {
			errno = ENOENT;
			return NULL;
		}
		if (p->flags & P_MULTIPART) {
			for (p = p->child; p != NULL && num > 1; num--)
				p = p->next;
		} else if (num != 1)
			p = NULL;
		else if (*path != '\0' && !(p->flags & P_RFC822))
			p = NULL;
		if (p != NULL && (p->flags & P_RFC822) && *path >= '0' &&
		    *path <= '9')
			p = p->child;
	}
	if (p == NULL)
		errno = ENOENT;
	return p;
}

int
mime_section_parse(const char *spec, struct mime_section *s, char *buf,
    size_t size)
{
	const char *p = spec;
	size_t	 n = 0;

	memset(s, 0, sizeof(*s));
	/* the part number: digits and dots, each number > 0 */
	while (*p >= '1' && *p <= '9') {
		while (*p >= '0' && *p <= '9')
			p++;
		n = (size_t)(p - spec);
		if (*p != '.')
			break;
		p++;
	}
	if (n > 0 && spec[n] == '.' && spec[n + 1] == '\0')
		goto bad;
	if (n >= size)
		goto bad;
	memcpy(buf, spec, n);
	buf[n] = '\0';
	s->part = buf;
	p = spec + n;
	if (*p == '.')
		p++;
	else if (*p != '\0' && n > 0)
		goto bad;
	if (*p == '\0') {
		s->what = MIME_SECT_ALL;
		return 0;
	}
	if (strcasecmp(p, "HEADER") == 0)
		s->what = MIME_SECT_HEADER;
	else if (strcasecmp(p, "TEXT") == 0)
		s->what = MIME_SECT_TEXT;
	else if (strcasecmp(p, "MIME") == 0 && n > 0)
		s->what = MIME_SECT_MIME;
	else if (strcasecmp(p, "HEADER.FIELDS") == 0)
		s->what = MIME_SECT_FIELDS;
	else if (strcasecmp(p, "HEADER.FIELDS.NOT") == 0)
		s->what = MIME_SECT_FIELDS_NOT;
	else
		goto bad;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

/*
 * Readers.
 */
/* A range of the message as IMAP serves it: each bare LF as CRLF and,
 * outside BINARY, each NUL as 0x80 (as Dovecot). */
static int
new_range(struct mime_reader *r, size_t from, size_t to, uint64_t vsize)
{
	r->kind = R_RANGE;
	r->from = r->p = from;
	r->to = to;
	r->vsize = vsize;
	r->size = vsize;
	r->have_size = 1;
	return 0;
}

/* Does field name n match one of the section's names? */
static int
field_listed(const struct mime_section *s, const char *n, size_t len)
{
	size_t	 i;

	for (i = 0; i < s->nfields; i++)
		if (mime_name_eq(n, len, s->fields[i]))
			return 1;
	return 0;
}

/*
 * HEADER.FIELDS[.NOT] of buf[from..to) as Dovecot's header filter gives
 * them: the lines of the fields kept, each with CRLF (a last line without
 * its line end stays so), the empty line if the header had one; for
 * FIELDS (not .NOT) one line end is added when the header had no empty
 * line.  NUL shown as 0x80.
 */
static int
filter_header(struct mime_msg *m, size_t from, size_t to,
    const struct mime_section *s, struct str *o)
{
	size_t	 pos = from, start, i;
	struct mime_field f;
	int	 not = s->what == MIME_SECT_FIELDS_NOT, eoh = 0;

	for (;;) {
		start = pos;
		if (mime_hdr_next(m->buf, to, &pos, &f) == 0) {
			eoh = pos > start;
			break;
		}
		if (field_listed(s, f.name, f.name_len) == not)
			continue;
		for (i = start; i < pos; i++) {
			unsigned char c = m->buf[i];

			if (c == '\n' && (i == 0 || m->buf[i - 1] != '\r') &&
			    str_catc(o, '\r') == -1)
				return -1;
			if (c == '\0')
				c = 0x80;
			if (str_catc(o, (char)c) == -1)
				return -1;
		}
	}
	if (!eoh && !not && o->len > 0 && o->s[o->len - 1] != '\n' &&
	    str_catb(o, "\r\n", 2) == -1)
		return -1;	/* the last line's missing line end */
	if (eoh || !not)
		return str_catb(o, "\r\n", 2);
	return 0;
}

static int
part_has_nul(struct mime_msg *m, size_t from, size_t to)
{
	return to > from && memchr(m->buf + from, '\0', to - from) != NULL;
}

int
mime_reader_open(struct mime_msg *m, const struct mime_section *s,
    struct mime_reader **r_r)
{
	struct mime_reader *r;
	const struct mime_part *p, *msg;
	size_t	 from, to;

	if (mime_parse(m) == -1)
		return -1;
	if (s->binary && s->what != MIME_SECT_ALL) {
		errno = EINVAL;
		return -1;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	r->m = m;
	r->mem.max = STR_UNBOUNDED;
	r->dbuf.max = STR_UNBOUNDED;
	r->nonul = !s->binary;
	*r_r = r;
	if ((p = mime_part_find(m, s->part)) == NULL) {
		if (errno != ENOENT) {
			free(r);
			*r_r = NULL;
			return -1;
		}
		r->kind = R_MEM;	/* no such part: an empty string */
		r->have_size = 1;
		return 0;
	}
	/* the message a HEADER/TEXT section is about */
	msg = NULL;
	if (*s->part == '\0')
		msg = p;
	else if (p->flags & P_RFC822)
		msg = p->child;
	switch (s->what) {
	case MIME_SECT_ALL:
		if (*s->part == '\0')
			return new_range(r, 0, m->len, m->len + m->c_total.bare);
		if (s->binary && !(p->flags & (P_RFC822 | P_MULTIPART))) {
			/* a message/rfc822 part is served as it is, as
			 * Dovecot does, whatever its encoding says */
			enum mime_cte c = part_cte(p);

			if (c == MIME_CTE_UNKNOWN || c == MIME_CTE_UUENCODE) {
				free(r);
				*r_r = NULL;
				errno = ENOTSUP;
				return -1;
			}
			if (c == MIME_CTE_BASE64 || c == MIME_CTE_QP) {
				r->kind = R_DECODE;
				r->cte = c;
				r->from = r->p = p->body_off;
				r->to = p->end;
				dec_init(&r->dec, c);
				return 0;
			}
		}
		return new_range(r, p->body_off, p->end, mime_vsize(
		    p->body_off, p->end, &p->c_body, &p->c_end));
	case MIME_SECT_MIME:
		return new_range(r, p->hdr_off, p->body_off, mime_vsize(
		    p->hdr_off, p->body_off, &p->c_hdr, &p->c_body));
	case MIME_SECT_HEADER:
	case MIME_SECT_TEXT:
	case MIME_SECT_FIELDS:
	case MIME_SECT_FIELDS_NOT:
		if (msg == NULL) {
			r->kind = R_MEM;	/* nothing: an empty string */
			r->size = 0;
			r->have_size = 1;
			return 0;
		}
		if (s->what == MIME_SECT_HEADER)
			return new_range(r, msg->hdr_off, msg->body_off,
			    mime_vsize(msg->hdr_off, msg->body_off,
			    &msg->c_hdr, &msg->c_body));
		if (s->what == MIME_SECT_TEXT)
			return new_range(r, msg->body_off, msg->end,
			    mime_vsize(msg->body_off, msg->end, &msg->c_body,
			    &msg->c_end));
		from = msg->hdr_off;
		to = msg->body_off;
		r->kind = R_MEM;
		if (filter_header(m, from, to, s, &r->mem) == -1) {
			mime_reader_free(r);
			*r_r = NULL;
			return -1;
		}
		r->size = r->mem.len;
		r->have_size = 1;
		return 0;
	}
	mime_reader_free(r);
	*r_r = NULL;
	errno = EINVAL;
	return -1;
}

/* Is buf[p] a bare LF, served as CRLF? */
static int
bare_lf(const unsigned char *b, size_t p)
{
	return b[p] == '\n' && (p == 0 || b[p - 1] != '\r');
}

/* The served form of buf[r->p..r->to) into out: octets written. */
static size_t
range_read(struct mime_reader *r, unsigned char *out, size_t len)
{
	const unsigned char *buf = r->m->buf;
	size_t	 k = 0;

	while (k < len && r->p < r->to) {
		size_t	 take, i;
		const unsigned char *nl;

		if (bare_lf(buf, r->p)) {
			out[k++] = r->sub == 0 ? '\r' : '\n';
			if (++r->sub == 2) {
				r->sub = 0;
				r->p++;
			}
			continue;
		}
		/* copy up to the next LF that needs its CR */
		take = len - k < r->to - r->p ? len - k : r->to - r->p;
		i = 0;
		while (i < take && (nl = memchr(buf + r->p + i, '\n',
		    take - i)) != NULL) {
			i = (size_t)(nl - (buf + r->p));
			if (bare_lf(buf, r->p + i))
				break;
			i++;
		}
		if (nl == NULL)
			i = take;
		memcpy(out + k, buf + r->p, i);
		if (r->nonul) {
			unsigned char *z = out + k, *e = out + k + i;

			while ((z = memchr(z, '\0', (size_t)(e - z))) != NULL)
				*z++ = 0x80;
		}
		k += i;
		r->p += i;
	}
	return k;
}

/* Decode more into dbuf: 0, or -1. */
static int
decode_more(struct mime_reader *r)
{
	unsigned char in[DEC_CHUNK];
	size_t	 n;
	int	 nonul = r->nonul;

	if (r->dend)
		return 0;
	r->nonul = 0;
	n = range_read(r, in, sizeof(in));
	r->nonul = nonul;
	if (dec_step(&r->dec, in, n, n == 0, &r->dbuf) == -1)
		return -1;
	if (n == 0)
		r->dend = 1;
	return 0;
}

ssize_t
mime_reader_read(struct mime_reader *r, void *buf, size_t len)
{
	size_t	 k;

	switch (r->kind) {
	case R_RANGE:
		k = range_read(r, buf, len);
		r->pos += k;
		return (ssize_t)k;
	case R_MEM:
		k = r->mem.len - r->mpos < len ? r->mem.len - r->mpos : len;
		if (k > 0)
			memcpy(buf, r->mem.s + r->mpos, k);
		r->mpos += k;
		r->pos += k;
		return (ssize_t)k;
	case R_DECODE:
		while (r->dpos == r->dbuf.len && !r->dend) {
			str_clear(&r->dbuf);
			r->dpos = 0;
			if (decode_more(r) == -1)
				return -1;
		}
		k = r->dbuf.len - r->dpos < len ? r->dbuf.len - r->dpos : len;
		if (k > 0)
			memcpy(buf, r->dbuf.s + r->dpos, k);
		r->dpos += k;
		r->pos += k;
		return (ssize_t)k;
	}
	errno = EINVAL;
	return -1;
}

static void
rewind_reader(struct mime_reader *r)
{
	r->p = r->from;
	r->sub = 0;
	r->mpos = 0;
	r->pos = 0;
	if (r->kind == R_DECODE) {
		dec_free(&r->dec);
		dec_init(&r->dec, r->cte);
		str_clear(&r->dbuf);
		r->dpos = 0;
		r->dend = 0;
	}
}

int
mime_reader_size(struct mime_reader *r, uint64_t *size_r, int *has_nul_r)
{
	if (r->kind == R_DECODE && !r->have_size) {
		unsigned char buf[DEC_CHUNK];
		ssize_t	 n;
		uint64_t total = 0;
		int	 nul = 0;

		rewind_reader(r);
		while ((n = mime_reader_read(r, buf, sizeof(buf))) > 0) {
			total += (uint64_t)n;
			if (!nul && memchr(buf, '\0', (size_t)n) != NULL)
				nul = 1;
		}
		if (n == -1)
			return -1;
		if (r->dec.bad) {
			/* broken base64/quoted-printable: [PARSE] */
			errno = EBADMSG;
			return -1;
		}
		r->size = total;
		r->has_nul = nul;
		r->have_size = 1;
		rewind_reader(r);
	} else if (r->kind == R_RANGE && has_nul_r != NULL)
		r->has_nul = !r->nonul && part_has_nul(r->m, r->from, r->to);
	else if (r->kind == R_MEM && has_nul_r != NULL)
		r->has_nul = r->mem.len > 0 &&
		    memchr(r->mem.s, '\0', r->mem.len) != NULL;
	if (size_r != NULL)
		*size_r = r->size;
	if (has_nul_r != NULL)
		*has_nul_r = r->has_nul;
	return 0;
}

int
mime_reader_seek(struct mime_reader *r, uint64_t off)
{
	unsigned char buf[DEC_CHUNK];

	if (off < r->pos)
		rewind_reader(r);
	if (r->kind == R_RANGE && off > r->pos) {
		/* runs up to the next bare LF are skipped whole */
		const unsigned char *b = r->m->buf;

		while (r->pos < off && r->p < r->to) {
			uint64_t want = off - r->pos;
			size_t	 run = 0;
			const unsigned char *nl;

			if (bare_lf(b, r->p)) {
				r->pos++;
				if (++r->sub == 2) {
					r->sub = 0;
					r->p++;
				}
				continue;
			}
			for (;;) {
				size_t	 lim = r->to - r->p;

				if (want < lim)
					lim = (size_t)want;
				nl = run < lim ? memchr(b + r->p + run, '\n',
				    lim - run) : NULL;
				if (nl == NULL) {
					run = lim;
					break;
				}
				run = (size_t)(nl - (b + r->p));
				if (bare_lf(b, r->p + run))
					break;
				run++;
			}
			r->p += run;
			r->pos += run;
		}
		return 0;
	}
	while (r->pos < off) {
		uint64_t want = off - r->pos;
		ssize_t	 n = mime_reader_read(r, buf, want < sizeof(buf) ?
		    (size_t)want : sizeof(buf));

		if (n == -1)
			return -1;
		if (n == 0)
			break;
	}
	return 0;
}

void
mime_reader_free(struct mime_reader *r)
{
	if (r == NULL)
		return;
	str_free(&r->mem);
	str_free(&r->dbuf);
	dec_free(&r->dec);
	free(r);
}
