/*
 * smtpd_addr - strict parser of SMTP reverse-path / forward-path
 * arguments for qmail-smtpd.  Untrusted input; every byte is checked.
 */
#include <errno.h>
#include <string.h>

#include "num.h"
#include "smtpd_addr.h"

static int	atom_char(unsigned char);
static int	parse_params(const char *, const char *, int,
		    struct smtpd_path *);
static int	parse_domain(const char **, const char *, struct smtpd_path *);

void
smtpd_path_init(struct smtpd_path *p)
{
	struct str a = STR_INIT(SMTPD_ADDR_MAX);

	p->addr = a;
	p->domain = 0;
	p->size = 0;
	p->body = BODY_NONE;
	p->flags = 0;
}

void
smtpd_path_free(struct smtpd_path *p)
{
	str_free(&p->addr);
}

/* Characters of an unquoted local part (RFC 5322 atext and '.'). */
static int
atom_char(unsigned char c)
{
	if (c <= 32 || c >= 127)
		return 0;
	return strchr("\"(),:;<>@[\\]", c) == NULL;
}

/* domain or [literal] at *pp; lower-cased into p->addr.  0 or -1. */
static int
parse_domain(const char **pp, const char *end, struct smtpd_path *p)
{
	const char *s = *pp;
	int	 label = 0;
	char	 c;

	p->domain = p->addr.len;
	if (s < end && *s == '[') {
		p->flags |= ADDR_LITERAL;
		while (s < end && *s != ']') {
			c = *s;
			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			    (c >= 'A' && c <= 'Z') || c == '.' || c == ':' ||
			    c == '[' || c == '-'))
				return -1;
			if (c == '[' && s != *pp)
				return -1;
			if (str_catc(&p->addr, c) == -1)
				return -1;
			s++;
		}
		if (s == end || str_catc(&p->addr, ']') == -1)
			return -1;
		*pp = s + 1;
		return 0;
	}
	for (; s < end; s++) {
		c = *s;
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_')
			label++;
		else if (c == '.') {
			if (label == 0)
				return -1;	/* empty label: a..b, .a */
			label = 0;
		} else
			break;
		if (str_catc(&p->addr, c) == -1)
			return -1;
	}
	if (p->addr.len == p->domain)
		return -1;
	if (label == 0)
		p->flags |= ADDR_TRAILDOT;
	*pp = s;
	return 0;
}

/* ESMTP parameters after the path: SIZE= and BODY= on MAIL only. */
static int
parse_params(const char *s, const char *end, int mail, struct smtpd_path *p)
{
	const char *kw, *eq;
	size_t	 klen;

	for (;;) {
		while (s < end && *s == ' ')
			s++;
		if (s == end)
			return 0;
		kw = s;
		while (s < end && *s != ' ')
			s++;
		eq = memchr(kw, '=', (size_t)(s - kw));
		klen = eq != NULL ? (size_t)(eq - kw) : (size_t)(s - kw);
		if (!mail) {
			errno = ENOTSUP;
			return -1;
		}
		if (klen == 4 && mem_caseeq(kw, "SIZE", 4) && eq != NULL) {
			if (num_parseb(eq + 1, (size_t)(s - eq - 1),
			    (unsigned long)-1 / 2, &p->size) == -1) {
				errno = ENOTSUP;
				return -1;
			}
		} else if (klen == 4 && mem_caseeq(kw, "BODY", 4) && eq != NULL) {
			if (s - eq - 1 == 4 && mem_caseeq(eq + 1, "7BIT", 4))
				p->body = BODY_7BIT;
			else if (s - eq - 1 == 8 &&
			    mem_caseeq(eq + 1, "8BITMIME", 8))
				p->body = BODY_8BITMIME;
			else {
				errno = ENOTSUP;
				return -1;
			}
		} else if (klen == 4 && mem_caseeq(kw, "AUTH", 4) && eq != NULL) {
			/* RFC 4954 5: accepted and not trusted; ignored. */
		} else {
			errno = ENOTSUP;
			return -1;
		}
	}
}

int
smtpd_parse_path(const char *arg, size_t n, int mail, struct smtpd_path *p)
{
	const char *s = arg, *end = arg + n;
	int	 bracket = 0;
	char	 c;

	str_clear(&p->addr);
	p->domain = 0;
	p->size = 0;
	p->body = BODY_NONE;
	p->flags = 0;
	while (s < end && *s == ' ')
		s++;
	if (s < end && *s == '<') {
		bracket = 1;
		s++;
	} else
		p->flags |= ADDR_NOBRACKET;
	if (bracket && s < end && *s == '>') {
		if (!mail)
			goto syntax;
		s++;
		goto params;
	}
	/* A source route, "@a,@b:", is dropped (RFC 5321 C). */
	if (s < end && *s == '@') {
		p->flags |= ADDR_ROUTE;
		while (s < end && *s != ':') {
			c = *s;
			if (!(atom_char((unsigned char)c) || c == ',' ||
			    c == '@' || c == '[' || c == ']'))
				goto syntax;
			s++;
		}
		if (s == end)
			goto syntax;
		s++;
	}
	if (s < end && *s == '"') {
		p->flags |= ADDR_QUOTED;
		for (s++; s < end && *s != '"'; s++) {
			c = *s;
			if (c == '\\' && s + 1 < end)
				c = *++s;
			if ((unsigned char)c < 32 || (unsigned char)c > 126)
				goto syntax;
			if (c == '@')
				p->flags |= ADDR_ATLOCAL;
			if (str_catc(&p->addr, c) == -1)
				goto err;
		}
		if (s == end)
			goto syntax;
		s++;
	} else {
		while (s < end && atom_char((unsigned char)*s)) {
			if (str_catc(&p->addr, *s) == -1)
				goto err;
			s++;
		}
	}
	if (p->addr.len == 0)
		goto syntax;
	if (memchr(p->addr.s, '%', p->addr.len) != NULL)
		p->flags |= ADDR_PERCENT;
	if (memchr(p->addr.s, '!', p->addr.len) != NULL)
		p->flags |= ADDR_BANG;
	if (s < end && *s == '@') {
		if (str_catc(&p->addr, '@') == -1)
			goto err;
		s++;
		if (parse_domain(&s, end, p) == -1) {
			if (errno == E2BIG || errno == ENOMEM)
				goto err;
			goto syntax;
		}
	} else {
		p->flags |= ADDR_NOAT;
		p->domain = p->addr.len;
	}
	if (bracket) {
		if (s == end || *s != '>')
			goto syntax;
		s++;
	}
params:
	if (s < end && *s != ' ')
		goto syntax;
	if (!bracket && s < end)
		goto syntax;	/* parameters need the <> form */
	return parse_params(s, end, mail, p);
syntax:
	errno = EINVAL;
err:
	return -1;
}

int
smtpd_domain_match(const char *domain, int (*lookup)(void *, const char *),
    void *arg)
{
	const char *d;
	int	 r;

	if (*domain == '\0')
		return 0;
	r = lookup(arg, domain);
	if (r != 0)
		return r;
	/* ".example.com" covers every name below example.com. */
	for (d = domain; *d != '\0'; d++)
		if (*d == '.') {
			r = lookup(arg, d);
			if (r != 0)
				return r;
		}
	return 0;
}
