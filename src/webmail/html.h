/*
 * html - writing HTML safely: escaping of untrusted text (subjects,
 * names, file names, message text) with invalid UTF-8 and control
 * characters replaced, and a small template form whose placeholders are
 * escaped unless marked raw.  Used by every page of sqwebmail.
 */
#ifndef HSMAIL_HTML_H
#define HSMAIL_HTML_H

#include <stdarg.h>
#include <stddef.h>

#include "str.h"

/*
 * Append s[0..n) to out as HTML text or attribute value: & < > " ' are
 * entities, bytes that are not valid UTF-8 become U+FFFD, NUL and the
 * C0/C1 controls except tab, LF and CR are dropped.  0 or -1 (str errors).
 */
int	html_esc(struct str *out, const char *s, size_t n);
int	html_escs(struct str *out, const char *s);

/*
 * Append tpl to out with its placeholders replaced by the next argument
 * (each a const char *; NULL is ""):
 *   {}  the argument HTML-escaped (html_esc)
 *   {!} the argument as is (HTML the caller built)
 *   {u} the argument percent-encoded for a URL component
 * "{{" is a literal '{'.  0 or -1.
 */
int	html_fmt(struct str *out, const char *tpl, ...);
int	html_vfmt(struct str *out, const char *tpl, va_list);

/*
 * Copy s[0..n) to out as valid UTF-8: invalid sequences become U+FFFD,
 * NUL is dropped.  0 or -1.
 */
int	utf8_clean(struct str *out, const char *s, size_t n);

/* Length in bytes of the valid UTF-8 sequence at s (n bytes left), or 0
 * when it is not one. */
size_t	utf8_seqlen(const unsigned char *s, size_t n);

#endif
