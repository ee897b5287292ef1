/*
 * imap_mimestub - a stand-in for the parts of mime.h that imapd calls,
 * linked only while src/libmail/mime.c (the real MIME layer, on GMime)
 * is not in the tree.  It knows a header from a body and nothing of
 * MIME structure: every message is one text/plain part.  It lets the
 * IMAP protocol be built and tested before the MIME layer lands, and
 * goes away by itself when it does (src/imap/build.mk).
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "date.h"
#include "imap_parse.h"
#include "mime.h"

#define STUB_MAX	(64L * 1024 * 1024)

struct mime_msg {
	char	*crlf;		/* the message with CRLF line ends */
	size_t	 n;
	size_t	 hdr;		/* header length, blank line included */
	size_t	 phys;
	size_t	 lines;		/* body lines */
	char	 subject[512];
	char	 msgid[256];
};

struct mime_reader {
	char	*b;
	size_t	 n, pos;
};

int
mime_open_fd(int fd, struct mime_msg **m_r)
{
	struct mime_msg *m;
	struct stat st;
	char	*raw;
	size_t	 i, got = 0, o = 0;
	ssize_t	 r;

	if (fstat(fd, &st) == -1)
		return -1;
	if (st.st_size > STUB_MAX) {
		errno = E2BIG;
		return -1;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -1;
	raw = malloc((size_t)st.st_size + 1);
	m->crlf = malloc((size_t)st.st_size * 2 + 3);
	if (raw == NULL || m->crlf == NULL) {
		free(raw);
		free(m->crlf);
		free(m);
		return -1;
	}
	while (got < (size_t)st.st_size &&
	    (r = pread(fd, raw + got, (size_t)st.st_size - got, (off_t)got)) > 0)
		got += (size_t)r;
	m->phys = got;
	for (i = 0; i < got; i++) {
		if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r'))
			m->crlf[o++] = '\r';
		m->crlf[o++] = raw[i];
	}
	free(raw);
	m->n = o;
	{
		char	*e = NULL;
		size_t	 k;

		for (k = 0; k + 1 < o; k++)
			if (m->crlf[k] == '\n' && (k + 2 < o &&
			    m->crlf[k + 1] == '\r' && m->crlf[k + 2] == '\n')) {
				e = m->crlf + k + 3;
				break;
			}
		m->hdr = e != NULL ? (size_t)(e - m->crlf) : o;
		if (o >= 2 && m->crlf[0] == '\r' && m->crlf[1] == '\n')
			m->hdr = 2;
	}
	for (i = m->hdr; i < o; i++)
		if (m->crlf[i] == '\n')
			m->lines++;
	{
		struct mime_field f;

		if (mime_header_find(m, NULL, "Subject", &f) == 1)
			snprintf(m->subject, sizeof(m->subject), "%.*s",
			    (int)f.value_len, f.value);
		if (mime_header_find(m, NULL, "Message-ID", &f) == 1) {
			const char *a = memchr(f.value, '<', f.value_len);
			const char *b = memchr(f.value, '>', f.value_len);

			if (a != NULL && b != NULL && b > a)
				snprintf(m->msgid, sizeof(m->msgid), "%.*s",
				    (int)(b - a - 1), a + 1);
		}
	}
	*m_r = m;
	return 0;
}

void
mime_free(struct mime_msg *m)
{
	if (m == NULL)
		return;
	free(m->crlf);
	free(m);
}

int
mime_header_find(struct mime_msg *m, const struct mime_part *part,
    const char *name, struct mime_field *f)
{
	size_t	 i = 0, nl = strlen(name);

	(void)part;
	while (i < m->hdr) {
		size_t	 e = i;

		while (e < m->hdr && m->crlf[e] != '\n')
			e++;
		if (e - i > nl && m->crlf[i + nl] == ':' &&
		    strncasecmp(m->crlf + i, name, nl) == 0) {
			size_t	 v = i + nl + 1, end = e;

			while (v < end && (m->crlf[v] == ' ' || m->crlf[v] == '\t'))
				v++;
			/* folded lines belong to the field */
			while (end + 1 < m->hdr && (m->crlf[end + 1] == ' ' ||
			    m->crlf[end + 1] == '\t'))
				for (end++; end < m->hdr && m->crlf[end] != '\n';
				    end++)
					;
			if (end > v && m->crlf[end - 1] == '\r')
				end--;
			f->name = m->crlf + i;
			f->name_len = nl;
			f->value = m->crlf + v;
			f->value_len = end > v ? end - v : 0;
			return 1;
		}
		i = e + 1;
	}
	return 0;
}

static int
put_rec(struct str *o, int tag, const char *v, size_t n)
{
	if (str_catc(o, (char)tag) == -1 || str_catb(o, v, n) == -1)
		return -1;
	return str_catc(o, '\0');
}

int
mime_summary(struct mime_msg *m, struct str *out)
{
	struct str e = STR_INIT(STR_UNBOUNDED);
	struct mime_field f;
	char	 num[64];
	time_t	 t;
	int	 tz, r = -1;

	if (put_rec(out, 'V', "1", 1) == -1)
		goto out;
	snprintf(num, sizeof(num), "%zu %zu", m->phys, m->n);
	if (put_rec(out, 'S', num, strlen(num)) == -1)
		goto out;
	if (str_catc(&e, '(') == -1)
		goto out;
	if (mime_header_find(m, NULL, "Date", &f) == 1) {
		if (imap_str_put(&e, f.value, f.value_len, 0) == -1)
			goto out;
		if (date_rfc5322_parse(f.value, f.value_len, &t, &tz) == 0) {
			snprintf(num, sizeof(num), "%lld %d", (long long)t, tz);
			if (put_rec(out, 'D', num, strlen(num)) == -1)
				goto out;
		}
	} else if (str_cats(&e, "NIL") == -1)
		goto out;
	if (str_catc(&e, ' ') == -1 || (m->subject[0] ? imap_str_put(&e,
	    m->subject, strlen(m->subject), 0) : str_cats(&e, "NIL")) == -1 ||
	    str_cats(&e, " NIL NIL NIL NIL NIL NIL NIL ") == -1 ||
	    (m->msgid[0] ? str_printf(&e, "\"<%s>\"", m->msgid) :
	    str_cats(&e, "NIL")) == -1 || str_catc(&e, ')') == -1)
		goto out;
	if (put_rec(out, 'E', e.s, e.len) == -1)
		goto out;
	str_clear(&e);
	if (str_printf(&e, "(\"text\" \"plain\" (\"charset\" \"us-ascii\") "
	    "NIL NIL \"7bit\" %zu %zu NIL NIL NIL NIL)", m->n - m->hdr,
	    m->lines) == -1 || put_rec(out, 'B', e.s, e.len) == -1)
		goto out;
	str_clear(&e);
	if (str_printf(&e, "(\"text\" \"plain\" (\"charset\" \"us-ascii\") "
	    "NIL NIL \"7bit\" %zu %zu)", m->n - m->hdr, m->lines) == -1 ||
	    put_rec(out, 'b', e.s, e.len) == -1)
		goto out;
	{
		struct str sub = STR_INIT(1024);

		(void)mime_fold(m->subject, strlen(m->subject), &sub);
		r = put_rec(out, 's', str_c(&sub), sub.len);
		str_free(&sub);
		if (r == -1)
			goto out;
		r = -1;
	}
	if (put_rec(out, 'M', m->msgid, strlen(m->msgid)) == -1)
		goto out;
	r = 0;
out:
	str_free(&e);
	return r;
}

int
mime_summary_get(const void *sum, size_t len, int tag, const char **v_r,
    size_t *n_r)
{
	const char *p = sum, *end = p + len;

	if (len < 3 || p[0] != 'V' || p[1] != '1') {
		errno = EINVAL;
		return -1;
	}
	while (p < end) {
		const char *z = memchr(p, '\0', (size_t)(end - p));

		if (z == NULL)
			break;
		if (*p == tag) {
			*v_r = p + 1;
			*n_r = (size_t)(z - p - 1);
			return 1;
		}
		p = z + 1;
	}
	return 0;
}

int
mime_sortkeys(struct mime_msg *m, struct mime_sortkeys *k)
{
	struct mime_field f;

	memset(k, 0, sizeof(*k));
	k->subject = m->subject;
	k->from = k->to = k->cc = k->display_from = k->display_to = "";
	k->message_id = m->msgid;
	k->in_reply_to = k->references = "";
	if (mime_header_find(m, NULL, "Date", &f) == 1 &&
	    date_rfc5322_parse(f.value, f.value_len, &k->date, &k->date_tz)
	    == 0)
		k->have_date = 1;
	return 0;
}

int
mime_section_parse(const char *spec, struct mime_section *s, char *buf,
    size_t size)
{
	const char *w = spec;
	size_t	 i = 0;

	memset(s, 0, sizeof(*s));
	while ((*w >= '0' && *w <= '9') || (*w == '.' && i > 0 &&
	    w[1] >= '0' && w[1] <= '9')) {
		if (i + 1 >= size) {
			errno = EINVAL;
			return -1;
		}
		buf[i++] = *w++;
	}
	buf[i] = '\0';
	s->part = buf;
	if (i > 0 && *w == '.')
		w++;
	else if (i > 0 && *w != '\0') {
		errno = EINVAL;
		return -1;
	}
	if (*w == '\0')
		s->what = MIME_SECT_ALL;
	else if (strcasecmp(w, "HEADER") == 0)
		s->what = MIME_SECT_HEADER;
	else if (strcasecmp(w, "TEXT") == 0)
		s->what = MIME_SECT_TEXT;
	else if (strcasecmp(w, "MIME") == 0 && i > 0)
		s->what = MIME_SECT_MIME;
	else if (strcasecmp(w, "HEADER.FIELDS") == 0)
		s->what = MIME_SECT_FIELDS;
	else if (strcasecmp(w, "HEADER.FIELDS.NOT") == 0)
		s->what = MIME_SECT_FIELDS_NOT;
	else {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
mime_reader_open(struct mime_msg *m, const struct mime_section *s,
    struct mime_reader **r_r)
{
	struct mime_reader *r = calloc(1, sizeof(*r));
	struct str o = STR_INIT(STR_UNBOUNDED);
	size_t	 a = 0, b = m->n, i;

	if (r == NULL)
		return -1;
	if (s->part[0] != '\0' && strcmp(s->part, "1") != 0) {
		free(r);
		errno = ENOENT;
		return -1;
	}
	switch (s->what) {
	case MIME_SECT_ALL:
		if (s->part[0] != '\0')
			a = m->hdr;
		break;
	case MIME_SECT_TEXT:
		a = m->hdr;
		break;
	case MIME_SECT_HEADER:
	case MIME_SECT_MIME:
		b = m->hdr;
		break;
	case MIME_SECT_FIELDS:
	case MIME_SECT_FIELDS_NOT:
		for (i = 0; i < m->hdr;) {
			size_t	 e = i, k;
			int	 hit = 0;

			while (e < m->hdr && m->crlf[e] != '\n')
				e++;
			while (e + 1 < m->hdr && (m->crlf[e + 1] == ' ' ||
			    m->crlf[e + 1] == '\t'))
				for (e++; e < m->hdr && m->crlf[e] != '\n'; e++)
					;
			for (k = 0; k < s->nfields; k++) {
				size_t	 l = strlen(s->fields[k]);

				if (e - i > l && m->crlf[i + l] == ':' &&
				    strncasecmp(m->crlf + i, s->fields[k], l)
				    == 0)
					hit = 1;
			}
			if (e - i > 1 && hit == (s->what == MIME_SECT_FIELDS))
				(void)str_catb(&o, m->crlf + i, e + 1 - i);
			i = e + 1;
		}
		(void)str_cats(&o, "\r\n");
		r->b = o.s != NULL ? o.s : strdup("");
		r->n = o.len;
		*r_r = r;
		return 0;
	}
	if ((r->b = malloc(b - a + 1)) == NULL) {
		free(r);
		return -1;
	}
	memcpy(r->b, m->crlf + a, b - a);
	r->n = b - a;
	*r_r = r;
	return 0;
}

int
mime_reader_size(struct mime_reader *r, uint64_t *size_r, int *has_nul_r)
{
	*size_r = r->n;
	if (has_nul_r != NULL)
		*has_nul_r = memchr(r->b, '\0', r->n) != NULL;
	return 0;
}

int
mime_reader_seek(struct mime_reader *r, uint64_t off)
{
	r->pos = off > r->n ? r->n : (size_t)off;
	return 0;
}

ssize_t
mime_reader_read(struct mime_reader *r, void *buf, size_t len)
{
	size_t	 n = r->n - r->pos;

	if (n > len)
		n = len;
	memcpy(buf, r->b + r->pos, n);
	r->pos += n;
	return (ssize_t)n;
}

void
mime_reader_free(struct mime_reader *r)
{
	if (r == NULL)
		return;
	free(r->b);
	free(r);
}

int
mime_fold(const char *s, size_t n, struct str *out)
{
	size_t	 i;

	str_clear(out);
	for (i = 0; i < n; i++)
		if (str_catc(out, (char)tolower((unsigned char)s[i])) == -1)
			return -1;
	if (out->s == NULL)
		return str_copys(out, "");
	return 0;
}

static int
contains(const char *h, size_t hn, const char *nd, size_t nn)
{
	size_t	 i, j;

	if (nn == 0)
		return 1;
	for (i = 0; i + nn <= hn; i++) {
		for (j = 0; j < nn; j++)
			if (tolower((unsigned char)h[i + j]) !=
			    (unsigned char)nd[j])
				break;
		if (j == nn)
			return 1;
	}
	return 0;
}

int
mime_search_header(struct mime_msg *m, const char *name, const char *nd,
    size_t nn)
{
	struct mime_field f;

	if (mime_header_find(m, NULL, name, &f) != 1)
		return 0;
	return contains(f.value, f.value_len, nd, nn);
}

int
mime_search_body(struct mime_msg *m, int with_header, const char *nd,
    size_t nn)
{
	size_t	 a = with_header ? 0 : m->hdr;

	return contains(m->crlf + a, m->n - a, nd, nn);
}
