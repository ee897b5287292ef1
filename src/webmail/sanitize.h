/*
 * sanitize - HTML mail made safe to show: parsed by a real HTML5 parser
 * (gumbo) and rebuilt from an allow-list of elements and attributes;
 * style attributes reduced to an allow-list of CSS properties whose
 * values hold no url(), @import, expression(), var() or escapes; links
 * opened outside with rel="noopener noreferrer"; remote images dropped
 * unless asked for; cid: images pointed at the message's own parts.
 * The output is shown in a sandboxed frame under a CSP that forbids
 * scripts as well: this is the first of two walls, not the only one.
 */
#ifndef HSMAIL_SANITIZE_H
#define HSMAIL_SANITIZE_H

#include <stddef.h>

#include "str.h"

/* Largest HTML body sanitized (bigger ones are offered as a download). */
#define SAN_HTML_MAX	(4UL * 1024 * 1024)
/* Elements nested deeper than this are flattened (their text is kept). */
#define SAN_DEPTH_MAX	64
/* Longest style attribute and URL kept. */
#define SAN_STYLE_MAX	4096
#define SAN_URL_MAX	4096

struct san_opts {
	int	 remote_images;	/* keep http(s) images */
	const char *cid_url;	/* prefix a cid: reference is appended to,
				 * percent-encoded ("part?cid="); NULL drops
				 * cid: images */
};

struct san_result {
	int	 remote_blocked;	/* remote images were dropped */
	int	 truncated;		/* input over SAN_HTML_MAX */
};

/*
 * Sanitize the UTF-8 HTML html[0..n) into out (the body's content, no
 * <html> or <head>).  0, or -1 (ENOMEM/E2BIG from out).
 */
int	san_html(const char *html, size_t n, const struct san_opts *,
	    struct str *out, struct san_result *res);

/*
 * Filter a style attribute's declarations: the allowed ones appended to
 * out as "prop: value;" each.  0 or -1.
 */
int	san_css(const char *css, size_t n, struct str *out);

/*
 * 1 when url (after removing the tabs and newlines browsers ignore) is
 * http:, https: or mailto:; the cleaned URL is put into *out.  0 if not.
 */
int	san_url_ok(const char *url, struct str *out);

#endif
