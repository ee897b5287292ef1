/*
 * str - bounded, binary-safe dynamic strings: the one type every hsmail
 * program uses for text built at run time.
 */
#ifndef HSMAIL_STR_H
#define HSMAIL_STR_H

#include <stdarg.h>
#include <stddef.h>

struct str {
	char	*s;	/* s[len] == '\0' once allocated; binary safe */
	size_t	 len;	/* bytes in use */
	size_t	 cap;	/* bytes allocated, without the '\0' */
	size_t	 max;	/* len never exceeds this: E2BIG */
};

/* A string of at most max bytes; STR_UNBOUNDED has no limit but memory. */
#define STR_UNBOUNDED	((size_t)-1 / 2)
#define STR_INIT(m)	{ NULL, 0, 0, (m) }

/*
 * All functions returning int return 0, or -1 with errno ENOMEM (out of
 * memory, or the size arithmetic overflowed) or E2BIG (the result would
 * exceed max).  On failure the string is left unchanged.  After any
 * successful call s is allocated and NUL-terminated.  The result must be
 * looked at (STR_WUR): a string that silently stayed short is how text
 * gets cut or a check passes on half an address.
 */
#define STR_WUR	__attribute__((__warn_unused_result__))
int	str_ready(struct str *, size_t n) STR_WUR;	/* room for n more */
int	str_catb(struct str *, const void *, size_t) STR_WUR;
int	str_cats(struct str *, const char *) STR_WUR;
int	str_catc_grow(struct str *, char) STR_WUR;	/* str_catc's slow path */
int	str_cat(struct str *, const struct str *) STR_WUR;
int	str_copyb(struct str *, const void *, size_t) STR_WUR;
int	str_copys(struct str *, const char *) STR_WUR;
int	str_catulong(struct str *, unsigned long) STR_WUR;
int	str_printf(struct str *, const char *, ...)
	    __attribute__((__format__ (printf, 2, 3))) STR_WUR;
int	str_vprintf(struct str *, const char *, va_list)
	    __attribute__((__format__ (printf, 2, 0))) STR_WUR;

/* One byte: inline, as parsers append byte by byte. */
static inline int STR_WUR
str_catc(struct str *sa, char c)
{
	if (sa->s != NULL && sa->len < sa->cap) {	/* cap <= max */
		sa->s[sa->len++] = c;
		sa->s[sa->len] = '\0';
		return 0;
	}
	return str_catc_grow(sa, c);
}

/*
 * Notes: text whose loss is harmless, as a reason for the log or a log
 * line nobody parses.  Appended as far as it fits (max, memory, 2 KiB
 * per call); what does not fit is dropped, so there is nothing to check.
 * Text that must be whole (a reply, a path, a record) uses the functions
 * above and looks at their result.
 */
void	str_note(struct str *, const char *);
void	str_notef(struct str *, const char *, ...)
	    __attribute__((__format__ (printf, 2, 3)));

/* Empty the string, keeping its memory; s stays NUL-terminated. */
void	str_clear(struct str *);
/* Cut the string to n bytes (n <= len). */
void	str_truncate(struct str *, size_t n);
/* Free the memory; the string is empty and can be reused. */
void	str_free(struct str *);
/* Wipe the bytes (for secrets) and free. */
void	str_wipe(struct str *);
/* Lower-case ASCII letters in place. */
void	str_lower(struct str *);
/* A pointer to a NUL-terminated string: "" when nothing was allocated. */
const char *str_c(const struct str *);

/* 1 if the string equals the C string / begins with it, else 0. */
int	str_equals(const struct str *, const char *);
int	str_starts(const struct str *, const char *);
/* Case-insensitive ASCII comparison of byte ranges: 1 equal, 0 not. */
int	mem_caseeq(const void *, const void *, size_t);

/*
 * A growable list of C strings that owns its elements.  Same return
 * convention as above.
 */
struct strlist {
	char	**v;	/* v[n] == NULL once anything was added */
	size_t	  n;
	size_t	  cap;
};
#define STRLIST_INIT	{ NULL, 0, 0 }
int	strlist_addb(struct strlist *, const char *, size_t) STR_WUR;
int	strlist_adds(struct strlist *, const char *) STR_WUR;
void	strlist_free(struct strlist *);

#endif
