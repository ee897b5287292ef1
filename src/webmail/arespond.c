/*
 * arespond - the vacation auto-reply's logic (see arespond.h): header
 * reading and the RFC 3834 checks, the quote, the reply, and the
 * per-sender record.  Runs inside autorespond, as the mailbox owner, on
 * an untrusted message.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "arespond.h"
#include "b64.h"
#include "file.h"
#include "html.h"
#include "num.h"

#define QUOTE_DEPTH	4	/* nested multiparts looked into */

static int	next_field(const char *, size_t, size_t *, struct str *,
		    struct str *);
static int	name_is(const struct str *, const char *);
static int	has_word(const char *, const char *);
static int	param_get(const char *, const char *, struct str *);
static int	part_text(const char *, const char *, const char *, size_t,
		    unsigned, struct str *);
static int	hexval(int);
static int	qp_decode(const char *, size_t, struct str *);
static int	b64_body(const char *, size_t, struct str *);
static int	utf8_ok(const char *, size_t);
static int	has_8bit(const char *, size_t);
static int	cat_field(struct str *, const char *, const char *);
static int	file_header(const char *, size_t, size_t *);

void
ar_msg_init(struct ar_msg *m)
{
	m->subject = (struct str)STR_INIT(AR_HEADER_MAX);
	m->message_id = (struct str)STR_INIT(AR_FIELD_MAX);
	m->references = (struct str)STR_INIT(AR_HEADER_MAX);
	m->ctype = (struct str)STR_INIT(AR_HEADER_MAX);
	m->cte = (struct str)STR_INIT(AR_HEADER_MAX);
	m->verdict = AR_REPLY;
	m->why = NULL;
}

void
ar_msg_free(struct ar_msg *m)
{
	str_free(&m->subject);
	str_free(&m->message_id);
	str_free(&m->references);
	str_free(&m->ctype);
	str_free(&m->cte);
}

/*
 * The next field of the header at b[*pos..n): its name and its value
 * with the continuation lines joined (line ends removed, the blanks that
 * begin them kept) and the blanks around it removed.  A line without a
 * colon, or with a name that is not printable ASCII, is skipped.  1 a
 * field, 0 the end of the header (an empty line or the end of b), -1
 * (str errors).
 */
static int
next_field(const char *b, size_t n, size_t *pos, struct str *name,
    struct str *val)
{
	const char *nl, *colon, *s;
	size_t	 p, e, l, k;

	for (;;) {
		p = *pos;
		if (p >= n)
			return 0;
		nl = memchr(b + p, '\n', n - p);
		e = nl != NULL ? (size_t)(nl - b) : n;
		l = e - p;
		if (l > 0 && b[e - 1] == '\r')
			l--;
		if (l == 0)
			return 0;
		*pos = nl != NULL ? e + 1 : n;
		if (b[p] == ' ' || b[p] == '\t')
			continue;	/* a continuation of nothing */
		if ((colon = memchr(b + p, ':', l)) == NULL)
			continue;
		for (k = (size_t)(colon - (b + p)); k > 0 &&
		    (b[p + k - 1] == ' ' || b[p + k - 1] == '\t'); k--)
			;
		if (k == 0)
			continue;
		for (s = b + p; s < b + p + k; s++)
			if (*s <= ' ' || *s > '~')
				break;
		if (s < b + p + k)
			continue;
		if (str_copyb(name, b + p, k) == -1)
			return -1;
		str_clear(val);
		s = colon + 1;
		if (str_catb(val, s, (size_t)(b + p + l - s)) == -1)
			return -1;
		/* Continuation lines. */
		while (*pos < n && (b[*pos] == ' ' || b[*pos] == '\t')) {
			p = *pos;
			nl = memchr(b + p, '\n', n - p);
			e = nl != NULL ? (size_t)(nl - b) : n;
			l = e - p;
			if (l > 0 && b[e - 1] == '\r')
				l--;
			if (str_catb(val, b + p, l) == -1)
				return -1;
			*pos = nl != NULL ? e + 1 : n;
		}
		for (k = 0; k < val->len && (val->s[k] == ' ' ||
		    val->s[k] == '\t'); k++)
			;
		if (k > 0) {
			memmove(val->s, val->s + k, val->len - k);
			str_truncate(val, val->len - k);
		}
		while (val->len > 0 && (val->s[val->len - 1] == ' ' ||
		    val->s[val->len - 1] == '\t' || val->s[val->len - 1] == '\r'))
			str_truncate(val, val->len - 1);
		return 1;
	}
}

/* 1 if the field name is s (without case). */
static int
name_is(const struct str *name, const char *s)
{
	return strcasecmp(name->s, s) == 0;
}

/* 1 if word occurs in v (without case) between non-letters. */
static int
has_word(const char *v, const char *word)
{
	size_t	 l = strlen(word);
	const char *p;

	for (p = v; (p = strcasestr(p, word)) != NULL; p++)
		if ((p == v || !((p[-1] | 0x20) >= 'a' && (p[-1] | 0x20) <=
		    'z')) && !((p[l] | 0x20) >= 'a' && (p[l] | 0x20) <= 'z'))
			return 1;
	return 0;
}

int
ar_header_parse(const char *b, size_t n, struct ar_msg *m)
{
	struct str name = STR_INIT(AR_HEADER_MAX), val = STR_INIT(AR_HEADER_MAX);
	struct str irt = STR_INIT(AR_HEADER_MAX);
	enum ar_verdict v;
	size_t	 pos = 0;
	int	 r;

	while ((r = next_field(b, n, &pos, &name, &val)) == 1) {
		v = AR_REPLY;
		if (name.len > 5 && strncasecmp(name.s, "List-", 5) == 0)
			v = AR_LIST;
		else if (name_is(&name, "Mailing-List") ||
		    name_is(&name, "X-Mailing-List"))
			v = AR_LIST;
		else if (name_is(&name, "Precedence") &&
		    (has_word(val.s, "bulk") || has_word(val.s, "list") ||
		    has_word(val.s, "junk")))
			v = AR_LIST;
		else if (name_is(&name, "Auto-Submitted") && !(val.len >= 2 &&
		    strncasecmp(val.s, "no", 2) == 0 && (val.len == 2 ||
		    val.s[2] == ';' || val.s[2] == ' ' || val.s[2] == '\t' ||
		    val.s[2] == '(')))
			v = AR_AUTO;
		else if (name_is(&name, "X-Auto-Response-Suppress") &&
		    (has_word(val.s, "all") || has_word(val.s, "oof") ||
		    has_word(val.s, "autoreply")))
			v = AR_AUTO;
		else if ((name_is(&name, "Delivered-To") &&
		    strcasecmp(val.s, "Autoresponder") == 0) ||
		    name_is(&name, "X-Autoreply") ||
		    name_is(&name, "X-Autorespond"))
			v = AR_AUTO;
		if (v != AR_REPLY && m->verdict == AR_REPLY) {
			m->verdict = v;
			m->why = v == AR_LIST ? "mailing list" : "automatic mail";
		}
		if (name_is(&name, "Subject") && m->subject.len == 0)
			r = str_copyb(&m->subject, val.s, val.len);
		else if (name_is(&name, "Message-ID") &&
		    m->message_id.len == 0) {
			const char *lt = strchr(val.s, '<'), *gt;

			if (lt != NULL && (gt = strchr(lt, '>')) != NULL &&
			    (size_t)(gt - lt) < AR_FIELD_MAX / 2)
				r = str_copyb(&m->message_id, lt,
				    (size_t)(gt - lt + 1));
		} else if (name_is(&name, "References") &&
		    m->references.len == 0 && strchr(val.s, '<') != NULL)
			r = str_copyb(&m->references, val.s, val.len);
		else if (name_is(&name, "In-Reply-To") && irt.len == 0 &&
		    strchr(val.s, '<') != NULL)
			r = str_copyb(&irt, val.s, val.len);
		else if (name_is(&name, "Content-Type") && m->ctype.len == 0)
			r = str_copyb(&m->ctype, val.s, val.len);
		else if (name_is(&name, "Content-Transfer-Encoding") &&
		    m->cte.len == 0)
			r = str_copyb(&m->cte, val.s, val.len);
		if (r == -1)
			break;
	}
	if (r == 0 && m->references.len == 0 && irt.len > 0)
		r = str_copyb(&m->references, irt.s, irt.len);
	str_free(&name);
	str_free(&val);
	str_free(&irt);
	return r == -1 ? -1 : 0;
}

enum ar_verdict
ar_sender_check(const char *sender, const char *self)
{
	static const char *const noreply[] = { "noreply", "no-reply",
	    "no_reply", "donotreply", "do-not-reply", "do_not_reply", NULL };
	char	 local[AR_ADDR_MAX + 1];
	const char *at, *p;
	size_t	 l, i;

	if (*sender == '\0' || strcmp(sender, "#@[]") == 0)
		return AR_BOUNCE;
	l = strlen(sender);
	if (l > AR_ADDR_MAX)
		return AR_BADADDR;
	for (p = sender; *p != '\0'; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f || *p == '<' ||
		    *p == '>')
			return AR_BADADDR;
	if ((at = strrchr(sender, '@')) == NULL || at == sender ||
	    at[1] == '\0')
		return AR_BOUNCE;
	l = (size_t)(at - sender);
	for (i = 0; i < l; i++)
		local[i] = (char)((sender[i] >= 'A' && sender[i] <= 'Z') ?
		    sender[i] + 32 : sender[i]);
	local[l] = '\0';
	if (strncmp(local, "mailer-daemon", 13) == 0)
		return AR_BOUNCE;
	if (strncmp(local, "owner-", 6) == 0 ||
	    (l > 8 && strcmp(local + l - 8, "-request") == 0) ||
	    (l > 6 && strcmp(local + l - 6, "-owner") == 0) ||
	    strstr(local, "-bounces") != NULL ||
	    strncmp(local, "bounce-", 7) == 0 ||
	    strncmp(local, "bounces", 7) == 0)
		return AR_LIST;
	for (i = 0; noreply[i] != NULL; i++)
		if (strcmp(local, noreply[i]) == 0)
			return AR_AUTO;
	if (self != NULL && strcasecmp(sender, self) == 0)
		return AR_SELF;
	return AR_REPLY;
}

const char *
ar_verdict_text(enum ar_verdict v)
{
	switch (v) {
	case AR_REPLY: return "reply";
	case AR_BOUNCE: return "bounce or null sender";
	case AR_LIST: return "mailing list";
	case AR_AUTO: return "automatic mail";
	case AR_SELF: return "own address";
	case AR_BADADDR: return "unusable sender address";
	case AR_DONE: return "already replied within the period";
	}
	return "?";
}

/* A parameter of a Content-Type value into out: 1 found, 0 not, -1. */
static int
param_get(const char *v, const char *name, struct str *out)
{
	size_t	 nl = strlen(name);
	const char *p = v, *q;

	str_clear(out);
	while ((p = strchr(p, ';')) != NULL) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, name, nl) != 0)
			continue;
		q = p + nl;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != '=')
			continue;
		q++;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '"') {
			for (q++; *q != '\0' && *q != '"'; q++) {
				if (*q == '\\' && q[1] != '\0')
					q++;
				if (str_catc(out, *q) == -1)
					return -1;
			}
		} else {
			for (; *q != '\0' && *q != ';' && *q != ' ' &&
			    *q != '\t'; q++)
				if (str_catc(out, *q) == -1)
					return -1;
		}
		return 1;
	}
	return 0;
}

/* The value of a hexadecimal digit, or -1. */
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

/* Quoted-printable (RFC 2045 6.7) decoded: soft breaks joined, "=XX"
 * bytes, anything else as written. */
static int
qp_decode(const char *b, size_t n, struct str *out)
{
	size_t	 i;
	int	 hi, lo;

	for (i = 0; i < n; i++) {
		if (b[i] != '=') {
			if (str_catc(out, b[i]) == -1)
				return -1;
			continue;
		}
		if (i + 1 < n && b[i + 1] == '\n') {
			i++;
			continue;
		}
		if (i + 2 < n && b[i + 1] == '\r' && b[i + 2] == '\n') {
			i += 2;
			continue;
		}
		if (i + 2 < n && (hi = hexval(b[i + 1])) >= 0 &&
		    (lo = hexval(b[i + 2])) >= 0) {
			if (str_catc(out, (char)(hi << 4 | lo)) == -1)
				return -1;
			i += 2;
			continue;
		}
		if (str_catc(out, '=') == -1)
			return -1;
	}
	return 0;
}

/* A base64 body (lines of base64) decoded; 0, or -1 (EINVAL: not
 * base64, or str errors). */
static int
b64_body(const char *b, size_t n, struct str *out)
{
	struct str t = STR_INIT(AR_QUOTE_IN_MAX + 8);
	size_t	 i;
	int	 r = 0;

	for (i = 0; i < n && r == 0; i++)
		if (b[i] != '\n' && b[i] != '\r' && b[i] != ' ' && b[i] != '\t')
			r = str_catc(&t, b[i]);
	/* A body cut by the read limit: the whole groups of four only. */
	if (r == 0)
		str_truncate(&t, t.len - t.len % 4);
	if (r == 0)
		r = b64_decode(out, t.s != NULL ? t.s : "", t.len);
	str_free(&t);
	return r;
}

/* 1 if b[0..n) is valid UTF-8 without NUL. */
static int
utf8_ok(const char *b, size_t n)
{
	size_t	 i = 0, l;

	while (i < n) {
		if (b[i] == '\0')
			return 0;
		if ((unsigned char)b[i] < 0x80) {
			i++;
			continue;
		}
		if ((l = utf8_seqlen((const unsigned char *)b + i, n - i)) == 0)
			return 0;
		i += l;
	}
	return 1;
}

static int
has_8bit(const char *b, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if ((unsigned char)b[i] >= 0x80)
			return 1;
	return 0;
}

/*
 * The text of a body with this Content-Type and transfer encoding into
 * out: a text/plain one decoded, or the first such part of a multipart
 * (depth levels deep at most).  1 found, 0 none, -1 (ENOMEM).
 */
static int
part_text(const char *ctype, const char *cte, const char *b, size_t n,
    unsigned depth, struct str *out)
{
	struct str bnd = STR_INIT(256), cs = STR_INIT(256);
	struct str name = STR_INIT(AR_HEADER_MAX), val = STR_INIT(AR_HEADER_MAX);
	struct str pct = STR_INIT(AR_HEADER_MAX), pcte = STR_INIT(AR_HEADER_MAX);
	size_t	 pos, start = 0, hpos, l;
	const char *nl;
	int	 r = 0, inpart = 0;

	if (*ctype == '\0' || strncasecmp(ctype, "text/plain", 10) == 0) {
		str_clear(out);
		if (strncasecmp(cte, "quoted-printable", 16) == 0)
			r = qp_decode(b, n, out);
		else if (strncasecmp(cte, "base64", 6) == 0) {
			r = b64_body(b, n, out);
			if (r == -1 && errno == EINVAL)
				r = 0, str_clear(out);
		} else
			r = str_catb(out, b, n);
		if (r == -1)
			goto out;
		/* Only text we can call UTF-8. */
		if (param_get(ctype, "charset", &cs) == -1) {
			r = -1;
			goto out;
		}
		if ((cs.len > 0 && strcasecmp(cs.s, "utf-8") != 0 &&
		    strcasecmp(cs.s, "utf8") != 0 &&
		    strcasecmp(cs.s, "us-ascii") != 0 && has_8bit(out->s,
		    out->len)) || !utf8_ok(out->s, out->len) || out->len == 0) {
			str_clear(out);
			r = 0;
		} else
			r = 1;
		goto out;
	}
	if (depth == 0 || strncasecmp(ctype, "multipart/", 10) != 0 ||
	    param_get(ctype, "boundary", &bnd) != 1 || bnd.len == 0)
		goto out;
	/* Parts between delimiter lines "--boundary". */
	for (pos = 0; pos < n && r == 0; pos = nl != NULL ?
	    (size_t)(nl - b) + 1 : n) {
		nl = memchr(b + pos, '\n', n - pos);
		l = (nl != NULL ? (size_t)(nl - b) : n) - pos;
		if (!(l >= bnd.len + 2 && b[pos] == '-' && b[pos + 1] == '-' &&
		    memcmp(b + pos + 2, bnd.s, bnd.len) == 0))
			continue;
		if (inpart) {
			size_t	 end = pos;

			/* The line end before the delimiter is its own. */
			if (end > start && b[end - 1] == '\n')
				end--;
			if (end > start && b[end - 1] == '\r')
				end--;
			/* The part's header, then its body. */
			str_clear(&pct);
			str_clear(&pcte);
			hpos = start;
			while ((r = next_field(b, end, &hpos, &name, &val)) ==
			    1) {
				if (name_is(&name, "Content-Type") &&
				    pct.len == 0)
					r = str_copyb(&pct, val.s, val.len);
				else if (name_is(&name,
				    "Content-Transfer-Encoding") &&
				    pcte.len == 0)
					r = str_copyb(&pcte, val.s, val.len);
				if (r == -1)
					goto out;
			}
			if (r == -1)
				goto out;
			/* Past the empty line that ends the part's header. */
			while (hpos < end && b[hpos] != '\n')
				hpos++;
			if (hpos < end)
				hpos++;
			if (hpos > end)
				hpos = end;
			r = part_text(str_c(&pct), str_c(&pcte), b + hpos,
			    end - hpos, depth - 1, out);
		}
		if (l >= bnd.len + 4 && b[pos + bnd.len + 2] == '-' &&
		    b[pos + bnd.len + 3] == '-')
			break;		/* the closing delimiter */
		inpart = 1;
		start = nl != NULL ? (size_t)(nl - b) + 1 : n;
	}
out:
	str_free(&bnd);
	str_free(&cs);
	str_free(&name);
	str_free(&val);
	str_free(&pct);
	str_free(&pcte);
	return r;
}

int
ar_quote(const struct ar_msg *m, const char *b, size_t n, struct str *out)
{
	struct str t = STR_INIT(4 * AR_QUOTE_IN_MAX);
	const char *p, *e, *nl;
	unsigned lines = 0;
	int	 r;

	r = part_text(str_c(&m->ctype), str_c(&m->cte), b, n, QUOTE_DEPTH,
	    &t);
	if (r != 1) {
		str_free(&t);
		return r == -1 ? -1 : 0;
	}
	for (p = t.s, e = t.s + t.len; p < e && lines < AR_QUOTE_LINES;
	    lines++) {
		size_t	 l;

		nl = memchr(p, '\n', (size_t)(e - p));
		l = (size_t)((nl != NULL ? nl : e) - p);
		if (l > 0 && p[l - 1] == '\r')
			l--;
		if (str_cats(out, l > 0 && *p != '>' ? "> " : ">") == -1 ||
		    str_catb(out, p, l) == -1 || str_catc(out, '\n') == -1) {
			r = -1;
			break;
		}
		p = nl != NULL ? nl + 1 : e;
	}
	str_free(&t);
	return r == -1 ? -1 : 0;
}

/* "Name: value\n", the value cut to a header line's length (on a UTF-8
 * character boundary). */
static int
cat_field(struct str *out, const char *name, const char *v)
{
	size_t	 l = strlen(v), max = AR_FIELD_MAX - strlen(name) - 2;

	if (l > max) {
		l = max;
		while (l > 0 && ((unsigned char)v[l] & 0xc0) == 0x80)
			l--;
	}
	return str_printf(out, "%s: ", name) == -1 || str_catb(out, v, l) ==
	    -1 || str_catc(out, '\n') == -1 ? -1 : 0;
}

/*
 * 1 if the message file f[0..n) begins with a header block (fields up to
 * an empty line, among them From or Subject, as qmailadmin writes it),
 * with *body_r where its text begins; else 0.
 */
static int
file_header(const char *f, size_t n, size_t *body_r)
{
	const char *nl, *s;
	size_t	 p = 0, l;
	int	 known = 0;

	while (p < n) {
		nl = memchr(f + p, '\n', n - p);
		if (nl == NULL)
			return 0;	/* no empty line: all text */
		l = (size_t)(nl - (f + p));
		if (l > 0 && f[p + l - 1] == '\r')
			l--;
		if (l == 0) {
			if (p == 0 || !known)
				return 0;
			*body_r = (size_t)(nl - f) + 1;
			return 1;
		}
		if (f[p] != ' ' && f[p] != '\t') {
			s = memchr(f + p, ':', l);
			if (s == NULL || s == f + p)
				return 0;
			for (const char *c = f + p; c < s; c++)
				if (*c <= ' ' || *c > '~')
					return 0;
			if (((size_t)(s - (f + p)) == 4 &&
			    strncasecmp(f + p, "From", 4) == 0) ||
			    ((size_t)(s - (f + p)) == 7 &&
			    strncasecmp(f + p, "Subject", 7) == 0))
				known = 1;
		} else if (p == 0)
			return 0;
		p = (size_t)(nl - f) + 1;
	}
	return 0;
}

int
ar_build(const struct ar_msg *m, const char *f, size_t fn,
    const char *sender, const char *self, const char *quote, size_t qn,
    struct str *out)
{
	static const char *const dropped[] = { "From", "Subject", "To", "Cc",
	    "Bcc", "Auto-Submitted", "In-Reply-To", "References",
	    "Return-Path", "Delivered-To", "Received", "Date", "Message-ID",
	    "Sender", NULL };
	struct str name = STR_INIT(AR_MSGFILE_MAX), val = STR_INIT(AR_MSGFILE_MAX);
	struct str from = STR_INIT(AR_MSGFILE_MAX), subj = STR_INIT(AR_MSGFILE_MAX);
	struct str other = STR_INIT(AR_MSGFILE_MAX), t = STR_INIT(AR_MSGFILE_MAX);
	size_t	 body = 0, pos = 0, i;
	int	 r = 0, ctype = 0;

	if (file_header(f, fn, &body)) {
		while ((r = next_field(f, body, &pos, &name, &val)) == 1) {
			if (name_is(&name, "From") && from.len == 0)
				r = str_copyb(&from, val.s, val.len);
			else if (name_is(&name, "Subject") && subj.len == 0)
				r = str_copyb(&subj, val.s, val.len);
			else {
				for (i = 0; dropped[i] != NULL &&
				    !name_is(&name, dropped[i]); i++)
					;
				if (dropped[i] == NULL && val.len > 0 &&
				    name.len < 80) {
					ctype |= name_is(&name,
					    "Content-Type");
					r = cat_field(&other, name.s, val.s);
				}
			}
			if (r == -1)
				goto out;
		}
		if (r == -1)
			goto out;
	}
	if (subj.len == 0) {
		const char *s = str_c(&m->subject);

		if (*s == '\0')
			r = str_cats(&subj, "Auto-reply");
		else if (strncasecmp(s, "Re:", 3) == 0)
			r = str_cats(&subj, s);
		else
			r = str_printf(&subj, "Re: %s", s);
		if (r == -1)
			goto out;
	}
	if (from.len == 0 && self != NULL && *self != '\0' &&
	    str_copys(&from, self) == -1)
		goto fail;
	/* The text, with LF line ends, ending in one. */
	for (i = body; i < fn; i++)
		if (!(f[i] == '\r' && i + 1 < fn && f[i + 1] == '\n') &&
		    f[i] != '\0' && str_catc(&t, f[i]) == -1)
			goto fail;
	if (t.len > 0 && t.s[t.len - 1] != '\n' && str_catc(&t, '\n') == -1)
		goto fail;
	if ((from.len > 0 && cat_field(out, "From", from.s) == -1) ||
	    str_printf(out, "To: <%s>\n", sender) == -1 ||
	    cat_field(out, "Subject", subj.s) == -1)
		goto fail;
	if (m->message_id.len > 0) {
		if (cat_field(out, "In-Reply-To", m->message_id.s) == -1)
			goto fail;
		str_clear(&val);
		if ((m->references.len > 0 && (str_cat(&val, &m->references) ==
		    -1 || str_catc(&val, ' ') == -1)) ||
		    str_cat(&val, &m->message_id) == -1)
			goto fail;
		/* Too long for a line: the message's own id is enough. */
		if (val.len > AR_FIELD_MAX - 12 && str_copyb(&val,
		    m->message_id.s, m->message_id.len) == -1)
			goto fail;
		if (cat_field(out, "References", val.s) == -1)
			goto fail;
	}
	if (str_cats(out, "Auto-Submitted: auto-replied\n") == -1 ||
	    str_cat(out, &other) == -1)
		goto fail;
	if (!ctype && (has_8bit(t.s, t.len) || has_8bit(quote, qn) ||
	    has_8bit(subj.s, subj.len)) && str_cats(out, "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n") == -1)
		goto fail;
	if (str_catc(out, '\n') == -1 || str_cat(out, &t) == -1)
		goto fail;
	if (qn > 0 && (str_cats(out, "\n-------- Original Message --------\n")
	    == -1 || str_catb(out, quote, qn) == -1))
		goto fail;
	r = 0;
	goto out;
fail:
	r = -1;
out:
	str_free(&name);
	str_free(&val);
	str_free(&from);
	str_free(&subj);
	str_free(&other);
	str_free(&t);
	return r == -1 ? -1 : 0;
}

int
ar_count(int dirfd, const char *sender, time_t now, unsigned long period,
    unsigned long *count_r)
{
	struct dirent *de;
	DIR	*d;
	char	 rec[AR_RECORD_MAX + 1];
	const char *dot;
	unsigned long t;
	ssize_t	 n;
	size_t	 k;
	int	 fd, e;

	*count_r = 0;
	if ((fd = dup(dirfd)) == -1)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != 'A' ||
		    (dot = strchr(de->d_name, '.')) == NULL)
			continue;
		for (k = 1; dot[k] >= '0' && dot[k] <= '9'; k++)
			;
		if (k == 1 || num_parseb(dot + 1, k - 1, (unsigned long)-1,
		    &t) == -1)
			continue;
		/* Too old: forgotten (as the original, errors ignored). */
		if ((time_t)t + (time_t)period < now) {
			(void)unlinkat(dirfd, de->d_name, 0);
			continue;
		}
		if ((fd = openat(dirfd, de->d_name, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC | O_NONBLOCK)) == -1)
			continue;
		n = read(fd, rec, AR_RECORD_MAX);
		close(fd);
		if (n <= 0)
			continue;
		while (n > 0 && (rec[n - 1] == '\n' || rec[n - 1] == '\r' ||
		    rec[n - 1] == ' '))
			n--;
		rec[n] = '\0';
		if (strcasecmp(rec, sender) == 0)
			(*count_r)++;
	}
	closedir(d);
	return 0;
}

int
ar_note(int dirfd, const char *sender, time_t now)
{
	char	 name[64];
	int	 fd = -1, i, e;

	for (i = 0; i < 10 && fd == -1; i++) {
		if (i == 0)
			snprintf(name, sizeof(name), "A%ld.%lld", (long)getpid(),
			    (long long)now);
		else
			snprintf(name, sizeof(name), "A%ld.%lld.%d",
			    (long)getpid(), (long long)now, i);
		fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd == -1 && errno != EEXIST)
			return -1;
	}
	if (fd == -1)
		return -1;
	if (file_writeall(fd, sender, strlen(sender)) == -1) {
		e = errno;
		close(fd);
		(void)unlinkat(dirfd, name, 0);
		errno = e;
		return -1;
	}
	return close(fd);
}
