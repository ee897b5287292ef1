/*
 * authres - RFC 8601 Authentication-Results writer.  Runs in msgauthd;
 * values it writes come from the network and are quoted or cleaned.
 */
#include <stdarg.h>
#include <string.h>

#include "authres.h"

#define AUTHRES_FOLD	78

/* Bytes since the last LF of h. */
static size_t
authres_col(const struct str *h)
{
	size_t	 i;

	for (i = h->len; i > 0; i--)
		if (h->s[i - 1] == '\n')
			break;
	return h->len - i;
}

/* Append word, folding first (LF + tab) when it would pass the margin. */
static int
authres_word(struct str *h, const char *w, size_t n, int space)
{
	if (authres_col(h) + n + 1 > AUTHRES_FOLD && authres_col(h) > 8) {
		if (str_cats(h, "\n\t") == -1)
			return -1;
	} else if (space && str_catc(h, ' ') == -1)
		return -1;
	return str_catb(h, w, n);
}

/* RFC 8601 pvalue: a token-ish value (local@domain) or a quoted string. */
static int
authres_value(struct str *out, const char *v)
{
	size_t	 i, n = strlen(v);
	int	 plain = n > 0;

	for (i = 0; i < n && plain; i++)
		plain = (unsigned char)v[i] > 32 && (unsigned char)v[i] < 127 &&
		    strchr("()<>,;:\\\"/[]?= ", v[i]) == NULL;
	if (plain)
		return str_cats(out, v);
	if (str_catc(out, '"') == -1)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 32 || c == 127)
			c = '?';
		if ((c == '"' || c == '\\') && str_catc(out, '\\') == -1)
			return -1;
		if (str_catc(out, (char)c) == -1)
			return -1;
	}
	return str_catc(out, '"');
}

int
authres_begin(struct str *h, const char *id)
{
	str_clear(h);
	if (str_cats(h, "Authentication-Results: ") == -1)
		return -1;
	return authres_value(h, id);
}

int
authres_add(struct str *h, const char *method, const char *result,
    const char *comment, ...)
{
	struct str w = STR_INIT(2048);
	const char *name, *val, *c;
	va_list	 ap;
	int	 r = -1;

	if (str_catc(h, ';') == -1 ||
	    str_printf(&w, "%s=%s", method, result) == -1 ||
	    authres_word(h, w.s, w.len, 1) == -1)
		goto done;
	if (comment != NULL && comment[0] != '\0') {
		str_clear(&w);
		if (str_catc(&w, '(') == -1)
			goto done;
		for (c = comment; *c != '\0' && w.len < 200; c++)
			if (str_catc(&w, (unsigned char)*c < 32 || *c == '(' ||
			    *c == ')' || *c == '\\' || *c == 127 ? ' ' : *c) == -1)
				goto done;
		if (str_catc(&w, ')') == -1 ||
		    authres_word(h, w.s, w.len, 1) == -1)
			goto done;
	}
	va_start(ap, comment);
	while ((name = va_arg(ap, const char *)) != NULL) {
		val = va_arg(ap, const char *);
		if (val == NULL || val[0] == '\0')
			continue;
		str_clear(&w);
		if (str_printf(&w, "%s=", name) == -1 ||
		    authres_value(&w, val) == -1 ||
		    authres_word(h, w.s, w.len, 1) == -1) {
			va_end(ap);
			goto done;
		}
	}
	va_end(ap);
	r = 0;
done:
	str_free(&w);
	return r;
}

int
authres_end(struct str *h)
{
	if (memchr(h->s, ';', h->len) == NULL && str_cats(h, "; none") == -1)
		return -1;
	return str_catc(h, '\n');
}
