/*
 * mime_sort - SORT and THREAD keys (RFC 5256: base subject, sent date,
 * first From/To/Cc mailbox; RFC 5957 DISPLAYFROM/DISPLAYTO; message-ids
 * of Message-ID, In-Reply-To and References) and the cacheable summary
 * the IMAP index stores, all from one parse.  The message is untrusted.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "mime_int.h"

#define SUMMARY_VERSION	"1"

/* A header value as a plain string (folding CRs dropped); 0 or -1. */
static int
plain(const struct fv *v, struct str *t)
{
	size_t	 i;

	str_clear(t);
	if (v->p == NULL)
		return 0;
	for (i = 0; i < v->n; i++)
		if (!(v->p[i] == '\r' && i + 1 < v->n &&
		    v->p[i + 1] == '\n') && str_catc(t, v->p[i]) == -1)
			return -1;
	return 0;
}

/*
 * RFC 5256 2.1 base subject.
 */
static int
ci_prefix(const char *s, size_t n, const char *w)
{
	size_t	 k, l = strlen(w);

	if (n < l)
		return 0;
	for (k = 0; k < l; k++) {
		int	 c = (unsigned char)s[k];

		if (c >= 'A' && c <= 'Z')
			c += 32;
		if (c != w[k])
			return 0;
	}
	return 1;
}

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

/* subj-blob = "[" *BLOBCHAR "]" *WSP at s: its length, 0 if none. */
static size_t
blob(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || s[0] != '[')
		return 0;
	for (i = 1; i < n && s[i] != ']'; i++)
		if (s[i] == '[')
			return 0;
	if (i == n)
		return 0;
	for (i++; i < n && is_wsp(s[i]); i++)
		;
	return i;
}

/* subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":" */
static size_t
refwd(const char *s, size_t n)
{
	size_t	 i;

	if (ci_prefix(s, n, "re"))
		i = 2;
	else if (ci_prefix(s, n, "fwd"))
		i = 3;
	else if (ci_prefix(s, n, "fw"))
		i = 2;
	else
		return 0;
	while (i < n && is_wsp(s[i]))
		i++;
	i += blob(s + i, n - i);
	if (i < n && s[i] == ':')
		return i + 1;
	return 0;
}

/* Step (3): the subj-leader at s ((*subj-blob subj-refwd) / WSP). */
static size_t
leader(const char *s, size_t n, int *reply)
{
	size_t	 i = 0, b, r;

	if (n > 0 && is_wsp(s[0]))
		return 1;
	while ((b = blob(s + i, n - i)) > 0)
		i += b;
	if ((r = refwd(s + i, n - i)) > 0) {
		*reply = 1;
		return i + r;
	}
	return 0;
}

int
mime_base_subject(const char *raw, size_t n, struct str *out, int *reply_r)
{
	struct str d = STR_INIT(STR_UNBOUNDED), t = STR_INIT(STR_UNBOUNDED);
	size_t	 i, start, end, k;
	int	 reply = 0, changed, r;

	/* (1) decoded; blanks and folding as one space */
	if (mime_decode_header(raw, n, NULL, &d) == -1) {
		str_free(&d);
		return -1;
	}
	for (i = 0; i < d.len; i++) {
		char	 c = d.s[i] == '\t' ? ' ' : d.s[i];

		if (c == ' ' && t.len > 0 && t.s[t.len - 1] == ' ')
			continue;
		if (str_catc(&t, c) == -1) {
			str_free(&d);
			str_free(&t);
			return -1;
		}
	}
	if (str_catb(&t, "", 0) == -1 || str_ready(&t, 1) == -1) {
		str_free(&d);
		str_free(&t);
		return -1;
	}
	start = 0;
	end = t.len;
	for (;;) {
		/* (2) trailers: "(fwd)" or blanks */
		for (;;) {
			if (end > start && is_wsp(t.s[end - 1]))
				end--;
			else if (end - start >= 5 && ci_prefix(t.s + end - 5, 5,
			    "(fwd)")) {
				end -= 5;
				reply = 1;
			} else
				break;
		}
		/* (3), (4), (5) */
		do {
			changed = 0;
			while (start < end &&
			    (k = leader(t.s + start, end - start, &reply)) > 0) {
				start += k;
				changed = 1;
			}
			if ((k = blob(t.s + start, end - start)) > 0 &&
			    start + k < end) {
				start += k;
				changed = 1;
			}
		} while (changed);
		/* (6) "[fwd:" ... "]" */
		if (end - start >= 6 && ci_prefix(t.s + start, end - start,
		    "[fwd:") && t.s[end - 1] == ']') {
			start += 5;
			end--;
			reply = 1;
			continue;
		}
		break;
	}
	r = mime_fold(t.s != NULL ? t.s + start : "", end - start, out);
	if (reply_r != NULL)
		*reply_r = reply;
	str_free(&d);
	str_free(&t);
	return r;
}

/*
 * Message-ids: each "<local@domain>" (comments and blanks inside
 * dropped), without the brackets, appended space-separated; returns how
 * many.  Broken ids are skipped.
 */
static int
msgids(const char *s, size_t n, struct str *out, int max)
{
	size_t	 i = 0;
	int	 count = 0;

	while (i < n && count < max) {
		const char *lt = memchr(s + i, '<', n - i), *gt;
		size_t	 a, b, mark;
		int	 at = 0, ok = 1, depth = 0;

		if (lt == NULL)
			break;
		a = (size_t)(lt - s) + 1;
		gt = memchr(s + a, '>', n - a);
		if (gt == NULL)
			break;
		b = (size_t)(gt - s);
		mark = out->len;
		if (count > 0 && str_catc(out, ' ') == -1)
			return -1;
		for (i = a; i < b; i++) {
			char	 c = s[i];

			if (depth > 0) {
				if (c == ')')
					depth--;
				continue;
			}
			if (c == '(') {
				depth++;
				continue;
			}
			if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
				continue;
			if (c == '<' || (unsigned char)c < 0x20) {
				ok = 0;
				break;
			}
			if (c == '@')
				at++;
			if (str_catc(out, c) == -1)
				return -1;
		}
		i = b + 1;
		if (!ok || at != 1 || out->s[out->len - 1] == '@' ||
		    out->s[mark + (count > 0)] == '@') {
			str_truncate(out, mark);
			continue;
		}
		count++;
	}
	return count;
}

/* The first address of an address field (all occurrences joined, as
 * ENVELOPE has them): its mailbox, and its RFC 5957 display form (the
 * decoded display name, else mailbox@host), folded. */
static int
first_addr(struct mime_msg *m, const struct mime_part *p, const char *field,
    struct str *mbox, struct str *disp)
{
	struct mime_field f;
	size_t	 pos = p->hdr_off;

	while (mime_hdr_next(m->buf, p->body_off, &pos, &f) == 1) {
		struct env_addrs a = { NULL, 0, 0 };
		struct fv v;
		struct str t = STR_INIT(STR_UNBOUNDED);
		struct str d = STR_INIT(STR_UNBOUNDED);
		int	 r = 0, found;

		if (f.value == NULL || !mime_name_eq(f.name, f.name_len, field))
			continue;
		mime_fv_value(&f, &v);
		/* only the first: a list of 100,000 costs nothing more */
		if (plain(&v, &t) == -1 ||
		    env_addr_parse(t.s ? t.s : "", t.len, 1, &a) == -1)
			r = -1;
		found = a.n > 0;
		if (r == 0 && found && a.v[0].mailbox != NULL)
			r = str_catb(mbox, a.v[0].mailbox, a.v[0].mailbox_len);
		if (r == 0 && found && a.v[0].name != NULL &&
		    a.v[0].name_len > 0)
			r = mime_decode_header(a.v[0].name, a.v[0].name_len,
			    NULL, &d);
		if (r == 0 && found && d.len == 0 && a.v[0].mailbox != NULL) {
			r = str_catb(&d, a.v[0].mailbox, a.v[0].mailbox_len);
			if (r == 0 && a.v[0].domain != NULL)
				r = str_printf(&d, "@%s", a.v[0].domain);
		}
		if (r == 0 && found)
			r = mime_fold(d.s ? d.s : "", d.len, disp);
		env_addrs_free(&a);
		str_free(&t);
		str_free(&d);
		if (r == -1)
			return -1;
		if (found)
			return 0;
	}
	return 0;
}

static const char *
keep(struct mime_msg *m, const struct str *s)
{
	return arena_strndup(&m->arena, s->s != NULL ? s->s : "", s->len);
}

int
mime_sentdate(struct mime_msg *m, time_t *t_r, int *tz_r)
{
	struct mime_part *top;
	struct str s = STR_INIT(STR_UNBOUNDED);
	int	 r = 0;

	if (m->sortkeys != NULL) {
		*t_r = m->sortkeys->date;
		*tz_r = m->sortkeys->date_tz;
		return m->sortkeys->have_date;
	}
	if ((top = mime_top(m)) == NULL)
		return -1;
	if (top->env[ENV_DATE].p == NULL)
		return 0;
	if (plain(&top->env[ENV_DATE], &s) == -1)
		r = -1;
	else if (date_rfc5322_parse(s.s ? s.s : "", s.len, t_r, tz_r) == 0)
		r = 1;
	str_free(&s);
	return r;
}

int
mime_sortkeys(struct mime_msg *m, struct mime_sortkeys *k)
{
	struct mime_part *top;
	struct mime_sortkeys *sk;
	struct str s = STR_INIT(STR_UNBOUNDED), d = STR_INIT(STR_UNBOUNDED);
	struct mime_field f;
	int	 r = 0;

	if (m->sortkeys != NULL) {
		*k = *m->sortkeys;
		return 0;
	}
	if ((top = mime_top(m)) == NULL)
		return -1;
	if ((sk = arena_alloc(&m->arena, sizeof(*sk))) == NULL)
		return -1;
	if ((sk->have_date = mime_sentdate(m, &sk->date, &sk->date_tz)) == -1)
		return -1;
	if (top->env[ENV_SUBJECT].p != NULL)
		r |= mime_base_subject(top->env[ENV_SUBJECT].p,
		    top->env[ENV_SUBJECT].n, &s, &sk->subject_reply);
	sk->subject = keep(m, &s);
	str_clear(&s);
	r |= first_addr(m, top, "from", &s, &d);
	sk->from = keep(m, &s);
	sk->display_from = keep(m, &d);
	str_clear(&s);
	str_clear(&d);
	r |= first_addr(m, top, "to", &s, &d);
	sk->to = keep(m, &s);
	sk->display_to = keep(m, &d);
	str_clear(&s);
	str_clear(&d);
	r |= first_addr(m, top, "cc", &s, &d);
	sk->cc = keep(m, &s);
	str_clear(&s);
	if (top->env[ENV_MESSAGE_ID].p != NULL)
		r |= msgids(top->env[ENV_MESSAGE_ID].p,
		    top->env[ENV_MESSAGE_ID].n, &s, 1) < 0;
	sk->message_id = keep(m, &s);
	str_clear(&s);
	if (top->env[ENV_IN_REPLY_TO].p != NULL)
		r |= msgids(top->env[ENV_IN_REPLY_TO].p,
		    top->env[ENV_IN_REPLY_TO].n, &s, 1) < 0;
	sk->in_reply_to = keep(m, &s);
	str_clear(&s);
	if (mime_header_find(m, NULL, "references", &f) == 1 &&
	    msgids(f.value, f.value_len, &s, 100000) < 0)
		r = -1;
	if (s.len == 0 && *sk->in_reply_to != '\0')
		r |= str_cats(&s, sk->in_reply_to);
	sk->references = keep(m, &s);
	str_free(&s);
	str_free(&d);
	if (r != 0 || sk->subject == NULL || sk->from == NULL ||
	    sk->to == NULL || sk->cc == NULL || sk->display_from == NULL ||
	    sk->display_to == NULL || sk->message_id == NULL ||
	    sk->in_reply_to == NULL || sk->references == NULL) {
		errno = ENOMEM;
		return -1;
	}
	m->sortkeys = sk;
	*k = *sk;
	return 0;
}

/*
 * The summary.
 */
static int
has_8bit(const unsigned char *p, size_t n)
{
	uint64_t acc = 0, w;
	size_t	 i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		acc |= w;
	}
	for (; i < n; i++)
		acc |= p[i];
	return (acc & 0x8080808080808080ULL) != 0;
}

/*
 * An attachment for the summary's flag, without decoding parameters:
 * Content-Disposition "attachment", a forwarded message, or a leaf that
 * is neither text nor an inline resource (Content-ID, not attachment).
 */
static int
quick_attachment(const struct mime_part *p)
{
	struct rfc822 r;
	struct str t = STR_INIT(256);
	int	 disp_att = 0, text = 1;

	if (!(p->flags & P_IS_MIME) || (p->flags & P_MULTIPART))
		return 0;
	if (p->ct[CT_DISP].p != NULL) {
		rfc822_init(&r, p->ct[CT_DISP].p, p->ct[CT_DISP].n);
		(void)rfc822_skip_lwsp(&r);
		if (rfc822_mime_token(&r, &t) >= 0 && t.len == 10 &&
		    mime_name_eq(t.s, 10, "attachment"))
			disp_att = 1;
	}
	str_free(&t);
	if (disp_att || (p->flags & P_RFC822))
		return 1;
	if (p->ct[CT_TYPE].p != NULL) {
		rfc822_init(&r, p->ct[CT_TYPE].p, p->ct[CT_TYPE].n);
		(void)rfc822_skip_lwsp(&r);
		t.max = 256;
		if (rfc822_mime_token(&r, &t) >= 0 && t.len > 0)
			text = mime_name_eq(t.s, t.len, "text");
		str_free(&t);
	}
	return !text && p->ct[CT_ID].p == NULL;
}

static int
rec(struct str *o, int tag, const char *v, size_t n)
{
	size_t	 mark = o->len, i;

	if (str_catc(o, (char)tag) == -1 || str_catb(o, v, n) == -1 ||
	    str_catc(o, '\0') == -1)
		return -1;
	/* a value never holds a NUL: the record format needs that */
	for (i = mark + 1; i < o->len - 1; i++) {
		char	*z = memchr(o->s + i, '\0', o->len - 1 - i);

		if (z == NULL)
			break;
		*z = (char)0x80;
		i = (size_t)(z - o->s);
	}
	return 0;
}

static int
recs(struct str *o, int tag, const char *v)
{
	return rec(o, tag, v, strlen(v));
}

int
mime_summary(struct mime_msg *m, struct str *out)
{
	struct mime_sortkeys k;
	struct str t = STR_INIT(STR_UNBOUNDED);
	uint64_t phys, virt;
	char	 flags[8];
	size_t	 nf = 0, i;
	int	 r = 0, att = 0, eight = 0, nul = 0;

	if (mime_parse(m) == -1 || mime_sortkeys(m, &k) == -1)
		return -1;
	(void)mime_size(m, &phys, &virt);
	r |= recs(out, MIME_SUM_VERSION, SUMMARY_VERSION);
	r |= str_printf(&t, "%" PRIu64 " %" PRIu64, phys, virt);
	r |= rec(out, MIME_SUM_SIZE, t.s, t.len);
	str_clear(&t);
	r |= mime_envelope(m, &t);
	r |= rec(out, MIME_SUM_ENVELOPE, t.s, t.len);
	str_clear(&t);
	r |= mime_bodystructure(m, &t);
	r |= rec(out, MIME_SUM_BODYSTRUCTURE, t.s, t.len);
	str_clear(&t);
	r |= mime_body(m, &t);
	r |= rec(out, MIME_SUM_BODY, t.s, t.len);
	if (k.have_date) {
		str_clear(&t);
		r |= str_printf(&t, "%lld %d", (long long)k.date, k.date_tz);
		r |= rec(out, MIME_SUM_DATE, t.s, t.len);
	}
	r |= recs(out, MIME_SUM_SUBJECT, k.subject);
	if (k.subject_reply)
		r |= recs(out, MIME_SUM_SUBJECT_REPLY, "1");
	r |= recs(out, MIME_SUM_FROM, k.from);
	r |= recs(out, MIME_SUM_TO, k.to);
	r |= recs(out, MIME_SUM_CC, k.cc);
	r |= recs(out, MIME_SUM_DISPLAYFROM, k.display_from);
	r |= recs(out, MIME_SUM_DISPLAYTO, k.display_to);
	r |= recs(out, MIME_SUM_MESSAGE_ID, k.message_id);
	r |= recs(out, MIME_SUM_IN_REPLY_TO, k.in_reply_to);
	r |= recs(out, MIME_SUM_REFERENCES, k.references);
	for (i = 0; i < m->nparts && !att; i++)
		att = quick_attachment(m->byid[i]);
	nul = memchr(m->buf, '\0', m->len) != NULL;
	if (m->root->body_off < m->len)
		eight = has_8bit(m->buf + m->root->body_off,
		    m->len - m->root->body_off);
	if (att)
		flags[nf++] = 'a';
	if (eight)
		flags[nf++] = '8';
	if (nul)
		flags[nf++] = 'n';
	if (m->root->flags & P_MULTIPART)
		flags[nf++] = 'm';
	r |= rec(out, MIME_SUM_FLAGS, flags, nf);
	str_free(&t);
	return r == 0 ? 0 : -1;
}

int
mime_summary_get(const void *sum, size_t len, int tag, const char **v_r,
    size_t *n_r)
{
	const char *s = sum, *z;
	size_t	 pos = 0;

	if (len < sizeof(SUMMARY_VERSION) + 1 || s[0] != MIME_SUM_VERSION ||
	    memcmp(s + 1, SUMMARY_VERSION, sizeof(SUMMARY_VERSION)) != 0) {
		errno = EINVAL;
		return -1;
	}
	while (pos < len) {
		if ((z = memchr(s + pos, '\0', len - pos)) == NULL) {
			errno = EINVAL;
			return -1;
		}
		if (s[pos] == tag) {
			*v_r = s + pos + 1;
			*n_r = (size_t)(z - (s + pos + 1));
			return 1;
		}
		pos = (size_t)(z - s) + 1;
	}
	return 0;
}
