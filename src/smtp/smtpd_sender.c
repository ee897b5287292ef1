/*
 * smtpd_sender - the authenticated sender check of qmail-smtpd (see
 * smtpd_sender.h).  Untrusted input: the message's header.
 */
#include <errno.h>
#include <string.h>

#include "smtpd_sender.h"
#include "vpop.h"

enum { ST_BOL, ST_LINE, ST_BODY };

static int	domain_real(const char *, struct str *);
static int	field_end(struct sender_from *);

/* The real domain of dom (an alias domain's, or itself): 0 or -1. */
static int
domain_real(const char *dom, struct str *out)
{
	struct vpop_domain d;
	int	 r;

	vpop_domain_init(&d);
	r = vpop_domain_get(dom, &d);
	/* users/cdb out of our reach: every domain is its own. */
	if (r == -1 && (errno == EACCES || errno == EPERM))
		r = 0;
	if (r == 1)
		r = str_copyb(out, d.name.s, d.name.len);
	else if (r == 0)
		r = str_copys(out, dom);
	vpop_domain_free(&d);
	return r;
}

int
sender_owned(struct chkuser *chk, const char *login, const char *addr,
    const struct strlist *any)
{
	struct str u = STR_INIT(256), ld = STR_INIT(256), real = STR_INIT(256);
	struct str al = STR_INIT(512), ad = STR_INIT(256), areal =
	    STR_INIT(256);
	const char *at;
	enum vpop_rcpt res;
	size_t	 i;
	int	 r = 0;

	if (*addr == '\0')
		return 1;		/* <>: bounces, receipts */
	if (vpop_login_split(login, &u, &ld) == -1)
		goto out;
	if (domain_real(str_c(&ld), &real) == -1)
		goto temp;
	for (i = 0; any != NULL && i < any->n; i++)
		if (strcmp(any->v[i], str_c(&real)) == 0) {
			r = 1;
			goto out;
		}
	if ((at = strrchr(addr, '@')) == NULL || at == addr)
		goto out;
	if (str_copyb(&al, addr, (size_t)(at - addr)) == -1 ||
	    str_copys(&ad, at + 1) == -1)
		goto temp;
	str_lower(&al);
	str_lower(&ad);
	if (domain_real(str_c(&ad), &areal) == -1)
		goto temp;
	if (strcmp(str_c(&areal), str_c(&real)) != 0)
		goto out;		/* another domain */
	if (strcmp(str_c(&al), str_c(&u)) == 0) {
		r = 1;
		goto out;
	}
	if (chkuser_kind(chk, str_c(&al), str_c(&real), &res) == -1)
		goto temp;
	r = res == VPOP_RCPT_ALIAS || res == VPOP_RCPT_EXT ||
	    res == VPOP_RCPT_CATCHALL;
	goto out;
temp:
	r = -1;
out:
	str_free(&u);
	str_free(&ld);
	str_free(&real);
	str_free(&al);
	str_free(&ad);
	str_free(&areal);
	return r;
}

void
sender_from_init(struct sender_from *f)
{
	memset(f, 0, sizeof(*f));
	f->state = ST_BOL;
	f->cur.max = SENDER_FROM_MAX;
}

void
sender_from_free(struct sender_from *f)
{
	str_free(&f->cur);
	strlist_free(&f->fields);
}

/* A header field ended: keep it if it was From:. */
static int
field_end(struct sender_from *f)
{
	int	 r = 0;

	if (f->infrom && !f->toolong)
		r = strlist_addb(&f->fields, f->cur.s != NULL ? f->cur.s : "",
		    f->cur.len);
	f->infrom = 0;
	str_clear(&f->cur);
	return r;
}

int
sender_from_feed(struct sender_from *f, const char *b, size_t n)
{
	size_t	 i;
	char	 c;

	for (i = 0; i < n && f->state != ST_BODY; i++) {
		c = b[i];
		if (f->state == ST_BOL) {
			if (c == '\n') {	/* the empty line */
				if (field_end(f) == -1)
					return -1;
				f->state = ST_BODY;
				break;
			}
			/* A continuation line goes on the field. */
			if (c != ' ' && c != '\t' && field_end(f) == -1)
				return -1;
			f->linelen = 0;
			f->state = ST_LINE;
		}
		if (c == '\n') {
			f->state = ST_BOL;
			if (f->infrom && str_catc(&f->cur, ' ') == -1 &&
			    errno != E2BIG)
				return -1;
			continue;
		}
		if (f->linelen < sizeof(f->name))
			f->name[f->linelen] = c;
		f->linelen++;
		if (f->linelen == 5 && !f->infrom &&
		    mem_caseeq(f->name, "from:", 5)) {
			f->infrom = 1;
			continue;
		}
		if (f->infrom && str_catc(&f->cur, c) == -1) {
			if (errno != E2BIG)
				return -1;
			f->toolong = 1;
		}
	}
	return 0;
}

int
sender_from_addrs(const char *v, struct strlist *out)
{
	struct str a = STR_INIT(SENDER_FROM_MAX), tok = STR_INIT(
	    SENDER_FROM_MAX);
	const char *p = v;
	size_t	 found = 0, j;
	int	 depth, inq, angle, r = -1;

	for (;;) {
		/* One mailbox up to a ',' outside quotes, comments and <>. */
		str_clear(&a);
		str_clear(&tok);
		angle = 0;
		inq = depth = 0;
		for (; *p != '\0'; p++) {
			if (inq) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				else if (*p == '"')
					inq = 0;
				continue;
			}
			if (depth > 0) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				else if (*p == '(')
					depth++;
				else if (*p == ')')
					depth--;
				continue;
			}
			if (*p == '"' && angle != 1)
				inq = 1;
			else if (*p == '(')
				depth = 1;
			else if (*p == '<' && angle == 0) {
				angle = 1;
				str_clear(&a);
			} else if (*p == '>' && angle == 1)
				angle = 2;
			else if (*p == ',' && angle != 1)
				break;
			else if (angle == 1 && *p != ' ' && *p != '\t') {
				if (str_catc(&a, *p) == -1)
					goto out;
			} else if (angle == 0 && *p != ' ' && *p != '\t' &&
			    *p != ';' && *p != ':') {
				if (str_catc(&tok, *p) == -1)
					goto out;
			} else if (angle == 0 && *p == ':')
				str_clear(&tok);	/* a group's name */
		}
		if (angle == 0 && tok.len > 0 && memchr(tok.s, '@', tok.len))
			if (str_copyb(&a, tok.s, tok.len) == -1)
				goto out;
		if ((angle != 0 || tok.len > 0) && a.len > 0) {
			for (j = a.len; j > 0 && a.s[j - 1] != '@'; j--)
				a.s[j - 1] = (char)((a.s[j - 1] >= 'A' &&
				    a.s[j - 1] <= 'Z') ? a.s[j - 1] + 32 :
				    a.s[j - 1]);
			if (strlist_addb(out, a.s, a.len) == -1)
				goto out;
			found++;
		}
		if (*p == '\0')
			break;
		p++;
	}
	if (found == 0) {
		errno = EINVAL;
		goto out;
	}
	r = 0;
out:
	str_free(&a);
	str_free(&tok);
	return r;
}
