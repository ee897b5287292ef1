/*
 * mime_imap - the IMAP answers made from a parsed message: ENVELOPE,
 * BODYSTRUCTURE and BODY (RFC 3501 7.4.2, RFC 9051 7.5.2), with strings
 * quoted or sent as literals the way Dovecot sends them (a client that
 * works against Dovecot sees the same octets from us).  The message is
 * untrusted; output is bounded by the header sizes (linear).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "mime_int.h"

/* More quoted-specials than this in a string and it goes as a literal
 * (Dovecot's QUOTED_MAX_ESCAPE_CHARS). */
#define QUOTED_MAX_ESCAPE	4

static int
literal(struct str *o, const char *s, size_t n)
{
	if (str_printf(o, "{%zu}\r\n", n) == -1 || str_catb(o, s, n) == -1)
		return -1;
	return 0;
}

/* A C string (n octets, no NUL) as "quoted" or literal. */
static int
imap_string(struct str *o, const char *s, size_t n)
{
	size_t	 i, esc = 0, run = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			if (esc++ < QUOTED_MAX_ESCAPE)
				continue;
			return literal(o, s, n);
		}
		if (c == '\r' || c == '\n' || c >= 0x80)
			return literal(o, s, n);
	}
	if (str_ready(o, n + esc + 2) == -1 || str_catc(o, '"') == -1)
		return -1;
	for (i = 0; esc > 0 && i < n; i++) {
		if (s[i] != '"' && s[i] != '\\')
			continue;
		if (str_catb(o, s + run, i - run) == -1 ||
		    str_catc(o, '\\') == -1)
			return -1;
		run = i;
	}
	if (str_catb(o, s + run, n - run) == -1)
		return -1;
	return str_catc(o, '"');
}

int
imap_nstring(struct str *o, const char *s, size_t n)
{
	if (s == NULL)
		return str_cats(o, "NIL");
	return imap_string(o, s, cstrlen(s, n));
}

/* CR and LF removed; a space put where a line end was directly followed
 * by something other than white space. */
int
imap_nstring_nolf(struct str *o, const char *s, size_t n)
{
	struct str t = STR_INIT(STR_UNBOUNDED);
	size_t	 i;
	int	 r;

	if (s == NULL)
		return str_cats(o, "NIL");
	n = cstrlen(s, n);
	if (memchr(s, '\r', n) == NULL && memchr(s, '\n', n) == NULL)
		return imap_string(o, s, n);
	if (str_ready(&t, n) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		char	 c = s[i], nx = i + 1 < n ? s[i + 1] : '\0';

		if (c != '\r' && c != '\n')
			r = str_catc(&t, c);
		else if (nx != ' ' && nx != '\t' && nx != '\r' && nx != '\n' &&
		    nx != '\0')
			r = str_catc(&t, ' ');
		if (r == -1) {
			str_free(&t);
			return -1;
		}
	}
	r = imap_string(o, t.s != NULL ? t.s : "", t.len);
	str_free(&t);
	return r;
}

/*
 * A string for humans (subjects, display names): runs of spaces, tabs, CR
 * and LF become one space, leading and trailing ones go, NUL becomes
 * 0x80; a literal when anything had to change or 8-bit is there.
 */
int
imap_human(struct str *o, const char *src, size_t n)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t	 i, rm = 0, mark;
	int	 prefix = 1, last = 1, modify = 0;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case 0:
			last = 0;
			modify = 1;
			break;
		case '\r':
		case '\n':
		case '\t':
			modify = 1;
			/* FALLTHROUGH */
		case ' ':
			if (last) {
				modify = 1;
				rm++;
			}
			last = 1;
			break;
		case '"':
		case '\\':
			modify = 1;
			last = 0;
			break;
		default:
			if (s[i] & 0x80)
				modify = 1;
			last = 0;
			break;
		}
		if (!last)
			prefix = 0;
	}
	if (last && n > 0 && !prefix) {
		modify = 1;
		rm++;
	}
	if (!modify) {
		if (str_catc(o, '"') == -1 || str_catb(o, s, n) == -1)
			return -1;
		return str_catc(o, '"');
	}
	if (n == rm)
		return str_cats(o, "\"\"");
	if (str_printf(o, "{%zu}\r\n", n - rm) == -1)
		return -1;
	mark = o->len;
	last = 1;
	prefix = 1;
	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case 0:
			if (str_catc(o, (char)0x80) == -1)
				return -1;
			last = 0;
			break;
		case '\r':
		case '\n':
		case '\t':
		case ' ':
			if (!last && str_catc(o, ' ') == -1)
				return -1;
			last = 1;
			break;
		default:
			last = 0;
			if (str_catc(o, (char)s[i]) == -1)
				return -1;
			break;
		}
		if (!last)
			prefix = 0;
	}
	if (last && n > 0 && !prefix)
		str_truncate(o, o->len - 1);
	if (o->len - mark != n - rm) {
		/* cannot happen: the two passes agree; keep the syntax */
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/*
 * A header value as Dovecot keeps it: CRs that end folded lines dropped
 * (DROP_CR); for the plain string fields (repl) a NUL becomes U+FFFD,
 * structured ones keep it for the tokenizer.  Into t; 0 or -1 ENOMEM.
 */
static int
dv_value(const struct fv *v, struct str *t, int repl)
{
	size_t	 i, n, run = 0;

	str_clear(t);
	if (v->p == NULL)
		return 0;
	n = v->n;
	if (str_ready(t, n) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		char	 c = v->p[i];

		if ((c == '\r' && i + 1 < n && v->p[i + 1] == '\n') ||
		    (c == '\0' && repl)) {
			if (str_catb(t, v->p + run, i - run) == -1 ||
			    (c == '\0' && str_catb(t, "\xef\xbf\xbd", 3) == -1))
				return -1;
			run = i + 1;
		}
	}
	return str_catb(t, v->p + run, n - run);
}

/*
 * The address fields of a message header, every occurrence appended in
 * order (Dovecot joins a second From: to the first).
 */
enum { A_FROM, A_SENDER, A_REPLY_TO, A_TO, A_CC, A_BCC, A_N };
static const char *const addr_names[A_N] = {
	"from", "sender", "reply-to", "to", "cc", "bcc"
};

static int
collect_addrs(struct mime_msg *m, const struct mime_part *p,
    struct env_addrs *l)
{
	struct str t = STR_INIT(STR_UNBOUNDED);
	struct mime_field f;
	size_t	 pos = p->hdr_off;
	int	 i, r = 0;

	while (r == 0 && mime_hdr_next(m->buf, p->body_off, &pos, &f) == 1) {
		struct fv v;

		if (f.value == NULL || f.name_len < 2 || f.name_len > 8)
			continue;
		for (i = 0; i < A_N; i++)
			if (mime_name_eq(f.name, f.name_len, addr_names[i]))
				break;
		if (i == A_N)
			continue;
		mime_fv_value(&f, &v);
		if (dv_value(&v, &t, 0) == -1 ||
		    env_addr_parse(t.s != NULL ? t.s : "", t.len, 0, &l[i]) == -1)
			r = -1;
	}
	str_free(&t);
	return r;
}

static int
write_addrs(struct str *o, const struct env_addrs *a)
{
	size_t	 i;
	int	 r;

	if (a->n == 0)
		return str_cats(o, "NIL");
	r = str_catc(o, '(');
	for (i = 0; i < a->n && r == 0; i++) {
		const struct env_addr *e = &a->v[i];

		r |= str_catc(o, '(');
		if (e->name == NULL)
			r |= str_cats(o, "NIL");
		else
			r |= imap_human(o, e->name, e->name_len);
		r |= str_catc(o, ' ');
		r |= imap_nstring(o, e->route, e->route ? strlen(e->route) : 0);
		r |= str_catc(o, ' ');
		r |= imap_nstring(o, e->mailbox, e->mailbox ?
		    e->mailbox_len : 0);
		r |= str_catc(o, ' ');
		r |= imap_nstring(o, e->domain, e->domain ? strlen(e->domain) :
		    0);
		r |= str_catc(o, ')');
	}
	r |= str_catc(o, ')');
	return r == 0 ? 0 : -1;
}

static int
write_str_field(struct str *o, const struct fv *v, int human)
{
	struct str t = STR_INIT(STR_UNBOUNDED);
	int	 r;

	if (v->p == NULL)
		return str_cats(o, "NIL");
	if (dv_value(v, &t, 1) == -1)
		r = -1;
	else if (human)
		r = imap_human(o, t.s != NULL ? t.s : "", t.len);
	else
		r = imap_nstring_nolf(o, t.s != NULL ? t.s : "", t.len);
	str_free(&t);
	return r;
}

/* The ENVELOPE list (with its parentheses) of a message node. */
int
mime_write_envelope(struct mime_msg *m, const struct mime_part *p,
    struct str *o)
{
	const struct fv *e = p->env;
	struct env_addrs l[A_N];
	int	 r = 0, i;

	if (e == NULL)
		return str_cats(o, "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
	memset(l, 0, sizeof(l));
	if (collect_addrs(m, p, l) == -1)
		r = -1;
	r |= str_catc(o, '(');
	r |= write_str_field(o, &e[ENV_DATE], 0);
	r |= str_catc(o, ' ');
	r |= write_str_field(o, &e[ENV_SUBJECT], 1);
	r |= str_catc(o, ' ');
	r |= write_addrs(o, &l[A_FROM]);
	r |= str_catc(o, ' ');
	r |= write_addrs(o, l[A_SENDER].n > 0 ? &l[A_SENDER] : &l[A_FROM]);
	r |= str_catc(o, ' ');
	r |= write_addrs(o, l[A_REPLY_TO].n > 0 ? &l[A_REPLY_TO] :
	    &l[A_FROM]);
	for (i = A_TO; i <= A_BCC; i++) {
		r |= str_catc(o, ' ');
		r |= write_addrs(o, &l[i]);
	}
	r |= str_catc(o, ' ');
	r |= write_str_field(o, &e[ENV_IN_REPLY_TO], 0);
	r |= str_catc(o, ' ');
	r |= write_str_field(o, &e[ENV_MESSAGE_ID], 0);
	r |= str_catc(o, ')');
	for (i = 0; i < A_N; i++)
		env_addrs_free(&l[i]);
	return r == 0 ? 0 : -1;
}

int
mime_envelope(struct mime_msg *m, struct str *out)
{
	struct mime_part *top;

	if ((top = mime_top(m)) == NULL)
		return -1;
	return mime_write_envelope(m, top, out);
}

/*
 * BODYSTRUCTURE.  The Content-* data of a node as Dovecot's
 * message_part_data holds it.
 */
struct cdata {
	struct str	 type, subtype;
	int		 have_type;
	struct str	 params;	/* pairs */
	size_t		 nparams;
	struct str	 cte;
	int		 have_cte;
	struct str	 disp;
	int		 have_disp;
	struct str	 dparams;
	size_t		 ndparams;
	struct str	 lang;		/* NUL-separated */
	size_t		 nlang;
	struct str	 id, desc, loc, md5;
};

static void
cdata_free(struct cdata *d)
{
	str_free(&d->type);
	str_free(&d->subtype);
	str_free(&d->params);
	str_free(&d->cte);
	str_free(&d->disp);
	str_free(&d->dparams);
	str_free(&d->lang);
	str_free(&d->id);
	str_free(&d->desc);
	str_free(&d->loc);
	str_free(&d->md5);
}

static void
cdata_init(struct cdata *d)
{
	memset(d, 0, sizeof(*d));
	d->type.max = d->subtype.max = d->params.max = d->cte.max =
	    d->disp.max = d->dparams.max = d->lang.max = d->id.max =
	    d->desc.max = d->loc.max = d->md5.max = STR_UNBOUNDED;
}

/* The MIME fields of a part, parsed as Dovecot parses them; 0, or -1
 * ENOMEM (d is then freed). */
static int
cdata_parse(const struct mime_part *p, struct cdata *d)
{
	struct str t = STR_INIT(STR_UNBOUNDED), s = STR_INIT(STR_UNBOUNDED);
	struct rfc822 r;
	size_t	 i;
	int	 ret, bad = 0;

	cdata_init(d);
	if (!(p->flags & P_IS_MIME))
		return 0;
	rfc822_init(&r, "", 0);
	if (p->ct[CT_TYPE].p != NULL && !bad) {
		bad |= dv_value(&p->ct[CT_TYPE], &t, 0);
		rfc822_init(&r, t.s, t.len);
		(void)rfc822_skip_lwsp(&r);
		ret = rfc822_content_type(&r, &s);
		d->have_type = 1;
		for (i = 0; i < s.len && s.s[i] != '/'; i++)
			;
		bad |= str_catb(&d->type, s.s != NULL ? s.s : "", i);
		if (i < s.len)
			bad |= str_catb(&d->subtype, s.s + i + 1,
			    s.len - i - 1);
		if (ret >= 0)
			(void)rfc822_params(&r, &d->params, &d->nparams);
		bad |= -r.oom;
	}
	if (p->ct[CT_CTE].p != NULL && !bad) {
		bad |= dv_value(&p->ct[CT_CTE], &t, 0);
		rfc822_init(&r, t.s, t.len);
		(void)rfc822_skip_lwsp(&r);
		str_clear(&s);
		if (rfc822_mime_token(&r, &s) >= 0 &&
		    rfc822_skip_lwsp(&r) == 0 && s.len > 0) {
			bad |= str_cat(&d->cte, &s);
			d->have_cte = 1;
		}
		bad |= -r.oom;
	}
	if (p->ct[CT_DISP].p != NULL && !bad) {
		bad |= dv_value(&p->ct[CT_DISP], &t, 0);
		rfc822_init(&r, t.s, t.len);
		(void)rfc822_skip_lwsp(&r);
		str_clear(&s);
		if (rfc822_mime_token(&r, &s) >= 0) {
			bad |= str_cat(&d->disp, &s);
			d->have_disp = 1;
			(void)rfc822_params(&r, &d->dparams, &d->ndparams);
		}
		bad |= -r.oom;
	}
	if (p->ct[CT_LANG].p != NULL && !bad) {
		bad |= dv_value(&p->ct[CT_LANG], &t, 0);
		rfc822_init(&r, t.s, t.len);
		(void)rfc822_skip_lwsp(&r);
		for (;;) {
			str_clear(&s);
			if (rfc822_atom(&r, &s) < 0)
				break;
			bad |= str_cat(&d->lang, &s);
			bad |= str_catc(&d->lang, '\0');
			d->nlang++;
			if (r.p == r.end || *r.p != ',')
				break;
			r.p++;
			(void)rfc822_skip_lwsp(&r);
		}
		bad |= -r.oom;
	}
	if (p->ct[CT_ID].p != NULL && !bad)
		bad |= dv_value(&p->ct[CT_ID], &t, 1) |
		    str_cat(&d->id, &t);
	if (p->ct[CT_DESC].p != NULL && !bad)
		bad |= dv_value(&p->ct[CT_DESC], &t, 1) |
		    str_cat(&d->desc, &t);
	if (p->ct[CT_LOC].p != NULL && !bad)
		bad |= dv_value(&p->ct[CT_LOC], &t, 1) |
		    str_cat(&d->loc, &t);
	if (p->ct[CT_MD5].p != NULL && !bad)
		bad |= dv_value(&p->ct[CT_MD5], &t, 1) |
		    str_cat(&d->md5, &t);
	str_free(&t);
	str_free(&s);
	if (bad) {
		cdata_free(d);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

static int
w_str(struct str *o, const struct str *s)
{
	return imap_nstring(o, s->s != NULL ? s->s : "", s->len);
}

/* A field that may be absent (NIL) with CR/LF removed. */
static int
w_opt(struct str *o, const struct fv *raw, const struct str *s)
{
	if (raw->p == NULL)
		return str_cats(o, "NIL");
	return imap_nstring_nolf(o, s->s != NULL ? s->s : "", s->len);
}

static int
w_params(struct str *o, const struct str *pairs, size_t n, int dflt)
{
	size_t	 pos = 0, i;
	int	 r = 0, seen = 0;

	if (!dflt && n == 0)
		return str_cats(o, "NIL");
	r |= str_catc(o, '(');
	for (i = 0; i < n; i++) {
		const char *k = pairs->s + pos, *v;
		size_t	 kl = strlen(k), vl;

		v = k + kl + 1;
		vl = strlen(v);
		pos += kl + vl + 2;
		if (i > 0)
			r |= str_catc(o, ' ');
		if (dflt && mime_name_eq(k, kl, "charset"))
			seen = 1;
		r |= imap_string(o, k, kl);
		r |= str_catc(o, ' ');
		r |= imap_string(o, v, vl);
	}
	if (dflt && !seen) {
		if (n > 0)
			r |= str_catc(o, ' ');
		r |= str_cats(o, "\"charset\" \"us-ascii\"");
	}
	r |= str_catc(o, ')');
	return r == 0 ? 0 : -1;
}

static int
w_common(struct str *o, const struct mime_part *p, const struct cdata *d)
{
	size_t	 i, pos = 0;
	int	 r = 0;

	r |= str_catc(o, ' ');
	if (!d->have_disp)
		r |= str_cats(o, "NIL");
	else {
		r |= str_catc(o, '(');
		r |= w_str(o, &d->disp);
		r |= str_catc(o, ' ');
		r |= w_params(o, &d->dparams, d->ndparams, 0);
		r |= str_catc(o, ')');
	}
	r |= str_catc(o, ' ');
	if (d->nlang == 0)
		r |= str_cats(o, "NIL");
	else {
		r |= str_catc(o, '(');
		for (i = 0; i < d->nlang; i++) {
			const char *l = d->lang.s + pos;
			size_t	 ll = strlen(l);

			if (i > 0)
				r |= str_catc(o, ' ');
			r |= imap_string(o, l, ll);
			pos += ll + 1;
		}
		r |= str_catc(o, ')');
	}
	r |= str_catc(o, ' ');
	r |= (p->flags & P_IS_MIME) ? w_opt(o, &p->ct[CT_LOC], &d->loc) :
	    str_cats(o, "NIL");
	return r == 0 ? 0 : -1;
}

#define EMPTY_BODY "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL " \
	"\"7bit\" 0 0"

static int	write_part(struct mime_msg *, const struct mime_part *, int,
		    struct str *);

/* The nesting is bounded by MIME_MAX_DEPTH, so is this recursion. */
static int
write_part(struct mime_msg *m, const struct mime_part *p, int ext,
    struct str *o)
{
	struct cdata d;
	const struct mime_part *c;
	int	 r = 0, text;
	uint64_t vs = mime_vsize(p->body_off, p->end, &p->c_body, &p->c_end);
	uint64_t lines = p->c_end.lf - p->c_body.lf;

	if (cdata_parse(p, &d) == -1)
		return -1;
	if (p->flags & P_MULTIPART) {
		if (p->child == NULL)
			r |= str_cats(o, ext ? EMPTY_BODY " NIL NIL NIL NIL)" :
			    EMPTY_BODY ")");
		for (c = p->child; c != NULL && r == 0; c = c->next) {
			r |= str_catc(o, '(');
			r |= write_part(m, c, ext, o);
			r |= str_catc(o, ')');
		}
		r |= str_catc(o, ' ');
		r |= w_str(o, &d.subtype);
		if (ext) {
			r |= str_catc(o, ' ');
			r |= w_params(o, &d.params, d.nparams, 0);
			r |= w_common(o, p, &d);
		}
		cdata_free(&d);
		return r == 0 ? 0 : -1;
	}
	if (p->flags & P_RFC822) {
		r |= str_cats(o, "\"message\" \"rfc822\"");
		text = 0;
	} else if (!d.have_type) {
		r |= str_cats(o, "\"text\" \"plain\"");
		text = 1;
	} else if ((p->flags & P_LIMIT) &&
	    (mime_name_eq(d.type.s ? d.type.s : "", d.type.len,
	    "multipart") || (mime_name_eq(d.type.s ? d.type.s : "",
	    d.type.len, "message") && mime_name_eq(d.subtype.s ?
	    d.subtype.s : "", d.subtype.len, "rfc822")))) {
		/* a structure cut by a limit: an opaque blob */
		r |= str_cats(o, "\"application\" \"octet-stream\"");
		text = 0;
	} else {
		text = mime_name_eq(d.type.s ? d.type.s : "", d.type.len,
		    "text");
		r |= w_str(o, &d.type);
		r |= str_catc(o, ' ');
		r |= w_str(o, &d.subtype);
	}
	r |= str_catc(o, ' ');
	r |= w_params(o, &d.params, d.nparams, text);
	r |= str_catc(o, ' ');
	r |= (p->flags & P_IS_MIME) ? w_opt(o, &p->ct[CT_ID], &d.id) :
	    str_cats(o, "NIL");
	r |= str_catc(o, ' ');
	r |= (p->flags & P_IS_MIME) ? w_opt(o, &p->ct[CT_DESC], &d.desc) :
	    str_cats(o, "NIL");
	r |= str_catc(o, ' ');
	if (d.have_cte)
		r |= w_str(o, &d.cte);
	else
		r |= str_cats(o, "\"7bit\"");
	r |= str_printf(o, " %" PRIu64, vs);
	if (text)
		r |= str_printf(o, " %" PRIu64, lines);
	else if ((p->flags & P_RFC822) && p->child != NULL) {
		r |= str_catc(o, ' ');
		r |= mime_write_envelope(m, p->child, o);
		r |= str_catc(o, ' ');
		r |= str_catc(o, '(');
		r |= write_part(m, p->child, ext, o);
		r |= str_catc(o, ')');
		r |= str_printf(o, " %" PRIu64, lines);
	}
	if (ext) {
		r |= str_catc(o, ' ');
		r |= (p->flags & P_IS_MIME) ? w_opt(o, &p->ct[CT_MD5], &d.md5) :
		    str_cats(o, "NIL");
		r |= w_common(o, p, &d);
	}
	cdata_free(&d);
	return r == 0 ? 0 : -1;
}

static int
structure(struct mime_msg *m, int ext, struct str *out)
{
	int	 r;

	if (mime_parse(m) == -1)
		return -1;
	if ((r = str_catc(out, '(')) == 0 &&
	    (r = write_part(m, m->root, ext, out)) == 0)
		r = str_catc(out, ')');
	return r;
}

int
mime_bodystructure(struct mime_msg *m, struct str *out)
{
	return structure(m, 1, out);
}

int
mime_body(struct mime_msg *m, struct str *out)
{
	return structure(m, 0, out);
}
