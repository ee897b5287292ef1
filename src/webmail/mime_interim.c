/*
 * mime_interim - a stand-in for the few functions of the MIME layer
 * (src/libmail/mime.h, mime_write.h) that the webmail calls, linked only
 * while that layer's implementation has not landed (see build.mk: it is
 * dropped as soon as src/libmail/mime.c exists).  It does no MIME: a
 * message is one text part, headers are shown raw (unfolded, control
 * characters dropped), and the writer makes a plain UTF-8 message with
 * base64 attachments.  Untrusted input; bounded by the callers' strs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "b64.h"
#include "file.h"
#include "html.h"
#include "mime.h"
#include "mime_write.h"
#include "session.h"

struct mime_msg {
	struct str data;
	size_t	 hdrlen;	/* bytes of the header, blank line included */
	struct str tmp[8];	/* strings handed out */
};

struct mime_part {
	int	 dummy;
};
static struct mime_part the_part;

int
mime_open_fd(int fd, struct mime_msg **m_r)
{
	struct mime_msg *m;
	char	 buf[65536];
	ssize_t	 n;
	const char *e;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -1;
	m->data = (struct str)STR_INIT(256UL * 1024 * 1024);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (str_catb(&m->data, buf, (size_t)n) == -1) {
			mime_free(m);
			return -1;
		}
	if (m->data.s == NULL && str_ready(&m->data, 1) == -1) {
		mime_free(m);
		return -1;
	}
	if ((e = memmem(m->data.s, m->data.len, "\n\n", 2)) != NULL)
		m->hdrlen = (size_t)(e - m->data.s) + 2;
	else if ((e = memmem(m->data.s, m->data.len, "\r\n\r\n", 4)) != NULL)
		m->hdrlen = (size_t)(e - m->data.s) + 4;
	else
		m->hdrlen = m->data.len;
	*m_r = m;
	return 0;
}

void
mime_free(struct mime_msg *m)
{
	int	 i;

	if (m == NULL)
		return;
	str_free(&m->data);
	for (i = 0; i < 8; i++)
		str_free(&m->tmp[i]);
	free(m);
}

const unsigned char *
mime_data(const struct mime_msg *m, size_t *len_r)
{
	*len_r = m->data.len;
	return (const unsigned char *)m->data.s;
}

/* The raw value of the first field name (unfolded) into out. */
static int
hdr_get(struct mime_msg *m, const char *name, struct str *out)
{
	const char *p = m->data.s, *end = m->data.s + m->hdrlen, *nl;
	size_t	 nl_len = strlen(name);

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if ((size_t)(nl - p) > nl_len && mem_caseeq(p, name, nl_len) &&
		    p[nl_len] == ':') {
			const char *v = p + nl_len + 1;

			for (;;) {
				while (v < nl && (*v == ' ' || *v == '\t'))
					v++;
				if (nl > v && nl[-1] == '\r')
					(void)utf8_clean(out, v,
					    (size_t)(nl - 1 - v));
				else
					(void)utf8_clean(out, v, (size_t)(nl - v));
				if (nl + 1 < end && (nl[1] == ' ' ||
				    nl[1] == '\t')) {
					(void)str_catc(out, ' ');
					v = nl + 1;
					nl = memchr(v, '\n', (size_t)(end - v));
					if (nl == NULL)
						nl = end;
					continue;
				}
				break;
			}
			return 1;
		}
		p = nl + 1;
	}
	return 0;
}

int
mime_header_find(struct mime_msg *m, const struct mime_part *p,
    const char *name, struct mime_field *f)
{
	const char *b = m->data.s, *end = m->data.s + m->hdrlen, *nl, *v;
	size_t	 l = strlen(name);

	(void)p;
	while (b < end) {
		nl = memchr(b, '\n', (size_t)(end - b));
		if (nl == NULL)
			nl = end;
		if ((size_t)(nl - b) > l && mem_caseeq(b, name, l) &&
		    b[l] == ':') {
			f->name = b;
			f->name_len = l;
			v = b + l + 1;
			if (v < nl && (*v == ' ' || *v == '\t'))
				v++;
			/* Through the continuation lines. */
			while (nl + 1 < end && (nl[1] == ' ' || nl[1] == '\t'))
				if ((nl = memchr(nl + 1, '\n',
				    (size_t)(end - nl - 1))) == NULL)
					nl = end;
			f->value = v;
			f->value_len = (size_t)(nl - v);
			if (f->value_len > 0 && v[f->value_len - 1] == '\r')
				f->value_len--;
			return 1;
		}
		b = nl + 1;
	}
	return 0;
}

/* One address of a list: "Name <addr>", "addr (Name)" or "addr". */
static int
addr_one(const char *b, size_t n, struct mime_addrlist *l)
{
	struct mime_addr *v, *a;
	struct str name = STR_INIT(4096), addr = STR_INIT(4096);
	const char *lt = memchr(b, '<', n), *gt, *e;
	size_t	 i;

	if (lt != NULL && (gt = memchr(lt, '>', n - (size_t)(lt - b))) !=
	    NULL) {
		(void)utf8_clean(&addr, lt + 1, (size_t)(gt - lt - 1));
		for (e = lt; e > b && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		for (i = 0; b + i < e; i++)
			if (b[i] != '"' && (b[i] != ' ' || name.len > 0))
				(void)utf8_clean(&name, b + i, 1);
	} else {
		const char *lp = memchr(b, '(', n), *rp;

		e = lp != NULL ? lp : b + n;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		while (b < e && (*b == ' ' || *b == '\t'))
			b++, n--;
		(void)utf8_clean(&addr, b, (size_t)(e - b));
		if (lp != NULL && (rp = memchr(lp, ')', n - (size_t)(lp - b))) !=
		    NULL)
			(void)utf8_clean(&name, lp + 1, (size_t)(rp - lp - 1));
	}
	if ((v = realloc(l->v, (l->n + 1) * sizeof(*v))) == NULL)
		goto fail;
	l->v = v;
	a = &l->v[l->n];
	a->group = NULL;
	a->name = name.len > 0 ? strdup(name.s) : NULL;
	a->addr = strdup(str_c(&addr));
	if (a->addr == NULL || (name.len > 0 && a->name == NULL)) {
		free(a->name);
		free(a->addr);
		goto fail;
	}
	l->n++;
	str_free(&name);
	str_free(&addr);
	return 0;
fail:
	str_free(&name);
	str_free(&addr);
	errno = ENOMEM;
	return -1;
}

int
mime_addr_parse(const char *raw, size_t n, struct mime_addrlist *l)
{
	size_t	 i, start = 0;
	int	 q = 0, ang = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && raw[i] == '"')
			q = !q;
		else if (i < n && !q && raw[i] == '<')
			ang = 1;
		else if (i < n && !q && raw[i] == '>')
			ang = 0;
		if (i == n || (raw[i] == ',' && !q && !ang)) {
			const char *b = raw + start;
			size_t	 k = i - start;

			while (k > 0 && (*b == ' ' || *b == '\t' || *b == '\r' ||
			    *b == '\n'))
				b++, k--;
			if (k > 0 && addr_one(b, k, l) == -1)
				return -1;
			start = i + 1;
		}
	}
	return 0;
}

void
mime_addrlist_free(struct mime_addrlist *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].addr);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
mime_display_header(struct mime_msg *m, const struct mime_part *p,
    const char *name, struct str *out)
{
	(void)p;
	return hdr_get(m, name, out);
}

int
mime_fold(const char *utf8, size_t n, struct str *out)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (str_catc(out, (char)(utf8[i] >= 'A' && utf8[i] <= 'Z' ?
		    utf8[i] + 32 : utf8[i])) == -1)
			return -1;
	return 0;
}

int
mime_fold_contains(const char *utf8, size_t n, const char *needle,
    size_t nlen)
{
	size_t	 i;

	if (nlen == 0)
		return 1;
	for (i = 0; i + nlen <= n; i++)
		if (mem_caseeq(utf8 + i, needle, nlen))
			return 1;
	return 0;
}

int
mime_search_header(struct mime_msg *m, const char *name, const char *needle,
    size_t nlen)
{
	struct str v = STR_INIT(1 << 20);
	int	 r;

	r = hdr_get(m, name, &v) == 1 && mime_fold_contains(str_c(&v), v.len,
	    needle, nlen);
	str_free(&v);
	return r;
}

int
mime_search_body(struct mime_msg *m, int with_header, const char *needle,
    size_t nlen)
{
	size_t	 off = with_header ? 0 : m->hdrlen;

	return mime_fold_contains(m->data.s + off, m->data.len - off, needle,
	    nlen);
}

const struct mime_part *
mime_root(struct mime_msg *m)
{
	(void)m;
	return &the_part;
}

const struct mime_part *
mime_part_child(const struct mime_part *p)
{
	(void)p;
	return NULL;
}

const struct mime_part *
mime_part_next(const struct mime_part *p)
{
	(void)p;
	return NULL;
}

const struct mime_part *
mime_part_parent(const struct mime_part *p)
{
	(void)p;
	return NULL;
}

unsigned int
mime_part_id(const struct mime_part *p)
{
	(void)p;
	return 0;
}

const struct mime_part *
mime_part_by_id(struct mime_msg *m, unsigned int id)
{
	(void)m;
	return id == 0 ? &the_part : NULL;
}

const struct mime_part *
mime_part_by_cid(struct mime_msg *m, const char *cid)
{
	(void)m;
	(void)cid;
	errno = ENOENT;
	return NULL;
}

const struct mime_part *
mime_body_part(struct mime_msg *m, int want_html)
{
	(void)m;
	(void)want_html;
	return &the_part;
}

int
mime_part_info(struct mime_msg *m, const struct mime_part *p,
    struct mime_part_info *pi)
{
	struct str *ct = &m->tmp[0];

	(void)p;
	memset(pi, 0, sizeof(*pi));
	pi->kind = MIME_LEAF;
	pi->type = "text";
	pi->subtype = "plain";
	pi->charset = "utf-8";
	str_clear(ct);
	if (hdr_get(m, "Content-Type", ct) == 1 &&
	    strncasecmp(str_c(ct), "text/html", 9) == 0)
		pi->subtype = "html";
	pi->number = "";
	pi->section = "1";
	pi->size = m->data.len - m->hdrlen;
	return 0;
}

int
mime_part_text(struct mime_msg *m, const struct mime_part *p, int flags,
    struct str *out)
{
	(void)p;
	(void)flags;
	return utf8_clean(out, m->data.s + m->hdrlen, m->data.len - m->hdrlen);
}

int
mime_part_decode(struct mime_msg *m, const struct mime_part *p, int flags,
    mime_out_fn *out, void *arg)
{
	(void)p;
	(void)flags;
	if (out(arg, m->data.s + m->hdrlen, m->data.len - m->hdrlen) != 0) {
		errno = ECANCELED;
		return -1;
	}
	return 0;
}

int
mime_sortkeys(struct mime_msg *m, struct mime_sortkeys *k)
{
	struct str *id = &m->tmp[1], *refs = &m->tmp[2];
	char	*s;

	memset(k, 0, sizeof(*k));
	str_clear(id);
	str_clear(refs);
	(void)hdr_get(m, "Message-ID", id);
	(void)hdr_get(m, "References", refs);
	s = id->s != NULL ? id->s : (char *)"";
	while (*s == ' ' || *s == '<')
		s++;
	if (strchr(s, '>') != NULL)
		*strchr(s, '>') = '\0';
	k->message_id = s;
	k->references = str_c(refs);
	k->subject = k->from = k->to = k->cc = "";
	k->display_from = k->display_to = k->in_reply_to = "";
	return 0;
}

/* ---- the writer ---- */

struct att {
	char	*type, *name;
	struct str data;
};

struct mime_writer {
	struct str hdr;		/* fields given, each ending in LF */
	struct str bcc;		/* the Bcc field, kept apart */
	struct str text;
	struct att att[64];
	int	 natt;
	char	 msgid[128];
};

struct mime_writer *
mime_writer_new(int flags)
{
	struct mime_writer *w = calloc(1, sizeof(*w));

	(void)flags;
	if (w == NULL)
		return NULL;
	w->hdr = (struct str)STR_INIT(1 << 20);
	w->bcc = (struct str)STR_INIT(1 << 20);
	w->text = (struct str)STR_INIT(64UL << 20);
	return w;
}

void
mime_writer_free(struct mime_writer *w)
{
	int	 i;

	if (w == NULL)
		return;
	str_free(&w->hdr);
	str_free(&w->bcc);
	str_free(&w->text);
	for (i = 0; i < w->natt; i++) {
		free(w->att[i].type);
		free(w->att[i].name);
		str_free(&w->att[i].data);
	}
	free(w);
}

static int
bad_hdr(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

/* RFC 2047 B-encoding of non-ASCII text (one word per 45 bytes). */
static int
enc_words(struct str *out, const char *s)
{
	const unsigned char *p;
	size_t	 n = strlen(s), i;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p >= 0x80)
			break;
	if (*p == '\0')
		return str_cats(out, s);
	for (i = 0; i < n;) {
		size_t	 l = n - i > 45 ? 45 : n - i;

		while (l > 1 && i + l < n && ((unsigned char)s[i + l] & 0xc0) ==
		    0x80)
			l--;
		if ((i > 0 && str_cats(out, "\n ") == -1) ||
		    str_cats(out, "=?UTF-8?B?") == -1 ||
		    b64_encode(out, s + i, l) == -1 || str_cats(out, "?=") == -1)
			return -1;
		i += l;
	}
	return 0;
}

int
mime_writer_header(struct mime_writer *w, const char *name, const char *value)
{
	if (bad_hdr(name) || bad_hdr(value) || strchr(name, ':') != NULL) {
		errno = EINVAL;
		return -1;
	}
	if (str_printf(&w->hdr, "%s: ", name) == -1 ||
	    enc_words(&w->hdr, value) == -1 || str_catc(&w->hdr, '\n') == -1)
		return -1;
	return 0;
}

int
mime_writer_addr(struct mime_writer *w, const char *field, const char *name,
    const char *addr)
{
	struct str *h = strcasecmp(field, "Bcc") == 0 ? &w->bcc : &w->hdr;

	if (bad_hdr(addr) || (name != NULL && bad_hdr(name)) ||
	    strchr(addr, '@') == NULL || strpbrk(addr, " <>,;\"") != NULL) {
		errno = EINVAL;
		return -1;
	}
	if (name != NULL && *name != '\0')
		return str_printf(h, "%s: \"%s\" <%s>\n", field, name, addr);
	return str_printf(h, "%s: %s\n", field, addr);
}

int
mime_writer_addrs(struct mime_writer *w, const char *field, const char *list)
{
	struct str *h = strcasecmp(field, "Bcc") == 0 ? &w->bcc : &w->hdr;

	if (bad_hdr(list) || strchr(list, '@') == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (str_printf(h, "%s: ", field) == -1 || enc_words(h, list) == -1 ||
	    str_catc(h, '\n') == -1)
		return -1;
	return 0;
}

int
mime_writer_reply(struct mime_writer *w, const char *id, const char *refs)
{
	if (id == NULL || *id == '\0' || bad_hdr(id) ||
	    (refs != NULL && bad_hdr(refs)))
		return 0;
	return str_printf(&w->hdr, "In-Reply-To: <%s>\nReferences: %s%s<%s>\n",
	    id, refs != NULL ? refs : "", refs != NULL && *refs != '\0' ?
	    " " : "", id);
}

int
mime_writer_text(struct mime_writer *w, const char *utf8, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (utf8[i] != '\r' && str_catc(&w->text, utf8[i]) == -1)
			return -1;
	return 0;
}

int
mime_writer_attach(struct mime_writer *w, const char *type,
    const char *filename, const void *data, size_t n, const char *cid)
{
	struct att *a;

	(void)cid;
	if (w->natt == 64 || (type != NULL && bad_hdr(type)) ||
	    (filename != NULL && bad_hdr(filename))) {
		errno = EINVAL;
		return -1;
	}
	a = &w->att[w->natt];
	a->data = (struct str)STR_INIT(256UL << 20);
	if ((a->type = strdup(type != NULL && strchr(type, '/') != NULL &&
	    strpbrk(type, "\";") == NULL ? type : "application/octet-stream"))
	    == NULL || (a->name = strdup(filename != NULL ? filename : "file"))
	    == NULL || str_catb(&a->data, data, n) == -1)
		return -1;
	w->natt++;
	return 0;
}

int
mime_writer_attach_message(struct mime_writer *w, const void *msg, size_t n,
    const char *filename)
{
	return mime_writer_attach(w, "message/rfc822", filename != NULL ?
	    filename : "message.eml", msg, n, NULL);
}

int
mime_writer_finish(struct mime_writer *w, const char *domain, time_t now,
    int tzoff, int flags, struct str *out)
{
	char	 date[64], rnd[SESSION_ID_LEN + 1], bnd[SESSION_ID_LEN + 8];
	struct tm tm;
	int	 i;
	size_t	 j;

	(void)tzoff;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	if (w->msgid[0] == '\0') {
		(void)session_random(rnd, sizeof(rnd), 18);
		snprintf(w->msgid, sizeof(w->msgid), "<%s@%s>", rnd, domain);
	}
	if (str_cat(out, &w->hdr) == -1 ||
	    (!(flags & MIME_W_OMIT_BCC) && str_cat(out, &w->bcc) == -1) ||
	    str_printf(out, "Date: %s\nMessage-ID: %s\nMIME-Version: 1.0\n",
	    date, w->msgid) == -1)
		return -1;
	if (w->natt == 0)
		return str_cats(out, "Content-Type: text/plain; charset=utf-8\n"
		    "Content-Transfer-Encoding: 8bit\n\n") == -1 ||
		    str_cat(out, &w->text) == -1 ? -1 : 0;
	(void)session_random(rnd, sizeof(rnd), 12);
	snprintf(bnd, sizeof(bnd), "=_%s", rnd);
	if (str_printf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\n\n"
	    "--%s\nContent-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n\n", bnd, bnd) == -1 ||
	    str_cat(out, &w->text) == -1)
		return -1;
	for (i = 0; i < w->natt; i++) {
		struct str b = STR_INIT(STR_UNBOUNDED);

		if (str_printf(out, "\n--%s\nContent-Type: %s\n"
		    "Content-Disposition: attachment; filename=\"", bnd,
		    w->att[i].type) == -1)
			return -1;
		for (j = 0; w->att[i].name[j] != '\0'; j++)
			if (str_catc(out, w->att[i].name[j] == '"' ||
			    w->att[i].name[j] == '\\' ? '_' :
			    w->att[i].name[j]) == -1)
				return -1;
		if (str_cats(out, "\"\nContent-Transfer-Encoding: base64\n\n") ==
		    -1 || b64_encode(&b, w->att[i].data.s, w->att[i].data.len) ==
		    -1)
			return -1;
		for (j = 0; j < b.len; j += 76)
			if (str_catb(out, b.s + j, b.len - j > 76 ? 76 :
			    b.len - j) == -1 || str_catc(out, '\n') == -1)
				return -1;
		str_free(&b);
	}
	return str_printf(out, "\n--%s--\n", bnd);
}

const char *
mime_writer_message_id(const struct mime_writer *w)
{
	return w->msgid[0] != '\0' ? w->msgid : NULL;
}
