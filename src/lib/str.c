/*
 * str - bounded, binary-safe dynamic strings.  Growth checks its
 * arithmetic (qmail's unchecked stralloc growth was CVE-2005-1513) and a
 * cap is an error the caller answers, never an abort.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "str.h"

int
str_ready(struct str *sa, size_t n)
{
	size_t	 want, ncap;
	char	*p;

	if (__builtin_add_overflow(sa->len, n, &want)) {
		errno = ENOMEM;
		return -1;
	}
	if (want > sa->max) {
		errno = E2BIG;
		return -1;
	}
	if (sa->s != NULL && want <= sa->cap)
		return 0;
	/* Grow by half again, at least 30 bytes, but never past max. */
	ncap = sa->cap + sa->cap / 2;
	if (ncap < 30)
		ncap = 30;
	if (ncap > sa->max)
		ncap = sa->max;
	if (ncap < want)
		ncap = want;
	if (ncap == (size_t)-1) {
		errno = ENOMEM;
		return -1;
	}
	p = realloc(sa->s, ncap + 1);
	if (p == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if (sa->s == NULL)
		p[0] = '\0';
	sa->s = p;
	sa->cap = ncap;
	return 0;
}

int
str_catb(struct str *sa, const void *b, size_t n)
{
	if (str_ready(sa, n) == -1)
		return -1;
	if (n > 0)
		memmove(sa->s + sa->len, b, n);
	sa->len += n;
	sa->s[sa->len] = '\0';
	return 0;
}

int
str_cats(struct str *sa, const char *s)
{
	return str_catb(sa, s, strlen(s));
}

int
str_catc_grow(struct str *sa, char c)
{
	return str_catb(sa, &c, 1);
}

int
str_cat(struct str *sa, const struct str *from)
{
	return str_catb(sa, from->s, from->len);
}

int
str_copyb(struct str *sa, const void *b, size_t n)
{
	size_t	 old = sa->len;

	sa->len = 0;
	if (str_catb(sa, b, n) == -1) {
		sa->len = old;
		return -1;
	}
	return 0;
}

int
str_copys(struct str *sa, const char *s)
{
	return str_copyb(sa, s, strlen(s));
}

int
str_catulong(struct str *sa, unsigned long u)
{
	char	 buf[24];
	int	 n;

	n = snprintf(buf, sizeof(buf), "%lu", u);
	return str_catb(sa, buf, (size_t)n);
}

int
str_vprintf(struct str *sa, const char *fmt, va_list ap)
{
	va_list	 ap2;
	int	 n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		errno = EINVAL;
		return -1;
	}
	if (str_ready(sa, (size_t)n) == -1)
		return -1;
	vsnprintf(sa->s + sa->len, (size_t)n + 1, fmt, ap);
	sa->len += (size_t)n;
	return 0;
}

int
str_printf(struct str *sa, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	r = str_vprintf(sa, fmt, ap);
	va_end(ap);
	return r;
}

void
str_note(struct str *sa, const char *text)
{
	str_notef(sa, "%s", text);
}

void
str_notef(struct str *sa, const char *fmt, ...)
{
	char	 buf[2048];
	va_list	 ap;
	size_t	 k;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	k = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
	if (sa->len >= sa->max)
		return;
	if (k > sa->max - sa->len)
		k = sa->max - sa->len;
	if (str_catb(sa, buf, k) == -1)
		return;		/* out of memory: the note is lost */
}

void
str_clear(struct str *sa)
{
	sa->len = 0;
	if (sa->s != NULL)
		sa->s[0] = '\0';
}

void
str_truncate(struct str *sa, size_t n)
{
	if (n < sa->len) {
		sa->len = n;
		sa->s[n] = '\0';
	}
}

void
str_free(struct str *sa)
{
	free(sa->s);
	sa->s = NULL;
	sa->len = 0;
	sa->cap = 0;
}

void
str_wipe(struct str *sa)
{
	if (sa->s != NULL)
		explicit_bzero(sa->s, sa->cap + 1);
	str_free(sa);
}

void
str_lower(struct str *sa)
{
	size_t	 i;

	for (i = 0; i < sa->len; i++)
		if (sa->s[i] >= 'A' && sa->s[i] <= 'Z')
			sa->s[i] += 'a' - 'A';
}

const char *
str_c(const struct str *sa)
{
	return sa->s != NULL ? sa->s : "";
}

int
str_equals(const struct str *sa, const char *s)
{
	size_t	 n = strlen(s);

	return sa->len == n && (n == 0 || memcmp(sa->s, s, n) == 0);
}

int
str_starts(const struct str *sa, const char *s)
{
	size_t	 n = strlen(s);

	return sa->len >= n && (n == 0 || memcmp(sa->s, s, n) == 0);
}

int
mem_caseeq(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	size_t	 i;
	unsigned char cx, cy;

	for (i = 0; i < n; i++) {
		cx = x[i];
		cy = y[i];
		if (cx >= 'A' && cx <= 'Z')
			cx += 'a' - 'A';
		if (cy >= 'A' && cy <= 'Z')
			cy += 'a' - 'A';
		if (cx != cy)
			return 0;
	}
	return 1;
}

int
strlist_addb(struct strlist *l, const char *b, size_t n)
{
	char	**nv, *p;
	size_t	  ncap;

	if (l->v == NULL || l->n + 1 >= l->cap) {
		ncap = l->cap ? l->cap * 2 : 8;
		if (ncap < l->cap || ncap > ((size_t)-1) / sizeof(char *)) {
			errno = ENOMEM;
			return -1;
		}
		nv = realloc(l->v, ncap * sizeof(char *));
		if (nv == NULL) {
			errno = ENOMEM;
			return -1;
		}
		l->v = nv;
		l->cap = ncap;
	}
	p = malloc(n + 1);
	if (p == NULL) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(p, b, n);
	p[n] = '\0';
	l->v[l->n++] = p;
	l->v[l->n] = NULL;
	return 0;
}

int
strlist_adds(struct strlist *l, const char *s)
{
	return strlist_addb(l, s, strlen(s));
}

void
strlist_free(struct strlist *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
	l->cap = 0;
}
