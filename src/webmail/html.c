/*
 * html - HTML escaping and templates (html.h).  The text it escapes is
 * untrusted (message headers and bodies): nothing of it can end up as
 * markup.
 */
#include <stdarg.h>
#include <string.h>

#include "cgi.h"
#include "html.h"

size_t
utf8_seqlen(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t	 len, i;
	unsigned long cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* The code point of a 2-byte sequence (for the C1 check). */
static int
is_c1(const unsigned char *s, size_t len)
{
	return len == 2 && s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f;
}

int
utf8_clean(struct str *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	 i = 0, len;

	while (i < n) {
		if (p[i] == '\0') {
			i++;
			continue;
		}
		if ((len = utf8_seqlen(p + i, n - i)) == 0) {
			if (str_cats(out, "\xef\xbf\xbd") == -1)
				return -1;
			i++;
			continue;
		}
		if (str_catb(out, p + i, len) == -1)
			return -1;
		i += len;
	}
	return 0;
}

int
html_esc(struct str *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	 i = 0, start, len;
	const char *ent;

	while (i < n) {
		start = i;
		/* A run of plain printable ASCII in one copy. */
		while (i < n && p[i] >= 0x20 && p[i] < 0x7f && p[i] != '&' &&
		    p[i] != '<' && p[i] != '>' && p[i] != '"' && p[i] != '\'')
			i++;
		if (i > start && str_catb(out, p + start, i - start) == -1)
			return -1;
		if (i >= n)
			break;
		ent = NULL;
		switch (p[i]) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&#39;"; break;
		case '\t': case '\n': case '\r':
			if (str_catc(out, (char)p[i]) == -1)
				return -1;
			i++;
			continue;
		}
		if (ent != NULL) {
			if (str_cats(out, ent) == -1)
				return -1;
			i++;
			continue;
		}
		if (p[i] < 0x20 || p[i] == 0x7f) {
			i++;		/* controls dropped */
			continue;
		}
		if ((len = utf8_seqlen(p + i, n - i)) == 0) {
			if (str_cats(out, "\xef\xbf\xbd") == -1)
				return -1;
			i++;
			continue;
		}
		if (!is_c1(p + i, len) && str_catb(out, p + i, len) == -1)
			return -1;
		i += len;
	}
	return 0;
}

int
html_escs(struct str *out, const char *s)
{
	return html_esc(out, s, s != NULL ? strlen(s) : 0);
}

int
html_fmt(struct str *out, const char *tpl, ...)
{
	va_list	 ap;
	int	 r;

	va_start(ap, tpl);
	r = html_vfmt(out, tpl, ap);
	va_end(ap);
	return r;
}

int
html_vfmt(struct str *out, const char *tpl, va_list ap)
{
	const char *p = tpl, *q, *a;
	int	 r = 0;

	while (*p != '\0' && r == 0) {
		q = strchr(p, '{');
		if (q == NULL) {
			r = str_cats(out, p);
			break;
		}
		if (q > p && (r = str_catb(out, p, (size_t)(q - p))) == -1)
			break;
		if (q[1] == '{') {
			r = str_catc(out, '{');
			p = q + 2;
		} else if (q[1] == '}') {
			a = va_arg(ap, const char *);
			r = html_escs(out, a);
			p = q + 2;
		} else if (q[1] == '!' && q[2] == '}') {
			a = va_arg(ap, const char *);
			r = str_cats(out, a != NULL ? a : "");
			p = q + 3;
		} else if (q[1] == 'u' && q[2] == '}') {
			a = va_arg(ap, const char *);
			r = cgi_url_escape(out, a != NULL ? a : "",
			    a != NULL ? strlen(a) : 0);
			p = q + 3;
		} else {
			r = str_catc(out, '{');
			p = q + 1;
		}
	}
	return r;
}
