/*
 * wm_http - the HTTP side of a sqwebmaild worker: reading the form (query
 * string and body, with limits), the response with its security headers
 * (a strict Content-Security-Policy, no framing, nosniff, no referrer,
 * no caching), redirects, CSRF checks, and the text catalog every page
 * takes its words from (a translation is one file).  Runs in the worker,
 * after privileges were dropped; the request is untrusted.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "html.h"
#include "io.h"
#include "num.h"
#include "wm.h"

#define LANG_MAX	(256 * 1024)
#define LANG_KEYS	1024
#define BODY_TIMEOUT	120	/* seconds to read a request body */

/* The policy of every page: our own scripts, styles and images only;
 * app.js's autosave posts to our own origin. */
static const char csp_default[] = "default-src 'none'; script-src 'self'; "
    "connect-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'";

static struct str lang_text = STR_INIT(LANG_MAX);
static const char *lang_key[LANG_KEYS];
static const char *lang_val[LANG_KEYS];
static size_t lang_n;

/* "key = text" lines; '#' comments; "\n" in a text is a newline. */
int
lang_load(const char *dir, const char *lang)
{
	struct str path = STR_INIT(4096);
	char	*p, *nl, *eq, *k, *v, *e;
	int	 r;

	if (strchr(lang, '/') != NULL || strchr(lang, '.') != NULL) {
		errno = EINVAL;
		return -1;
	}
	if (str_printf(&path, "%s/%s.lang", dir, lang) == -1)
		return -1;
	r = file_read(path.s, &lang_text);
	str_free(&path);
	if (r != 1) {
		if (r == 0)
			errno = ENOENT;
		return -1;
	}
	lang_n = 0;
	for (p = lang_text.s; p != NULL && *p != '\0' && lang_n < LANG_KEYS;
	    p = nl) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl++ = '\0';
		if (*p == '#' || (eq = strchr(p, '=')) == NULL)
			continue;
		k = p;
		for (e = eq; e > k && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		*e = '\0';
		for (v = eq + 1; *v == ' ' || *v == '\t'; v++)
			;
		if (*k == '\0')
			continue;
		lang_key[lang_n] = k;
		lang_val[lang_n] = v;
		lang_n++;
	}
	return 0;
}

const char *
T(const char *key)
{
	size_t	 i;

	for (i = 0; i < lang_n; i++)
		if (strcmp(lang_key[i], key) == 0)
			return lang_val[i];
	return key;
}

int
wm_read_form(struct wm *w)
{
	const struct str *ct = &w->env.v[CGI_CTYPE];
	struct str body = STR_INIT(WM_BODY_MAX), bnd = STR_INIT(128);
	struct io io;
	unsigned long clen = 0;
	ssize_t	 n;
	int	 r = -1;

	cgi_form_init(&w->form, WM_FORM_MAX);
	if (cgi_urlencoded_parse(&w->form, str_c(&w->env.v[CGI_QUERY]),
	    w->env.v[CGI_QUERY].len) == -1) {
		wm_error(w, 400, "err.badrequest");
		return -1;
	}
	if (!w->post)
		return 0;
	if (w->env.v[CGI_CLEN].len > 0 &&
	    num_parses(w->env.v[CGI_CLEN].s, WM_BODY_MAX, &clen) == -1) {
		wm_error(w, 413, "err.toolarge");
		return -1;
	}
	if (clen > 0 && str_ready(&body, clen) == -1) {
		wm_error(w, 413, "err.toolarge");
		return -1;
	}
	io_init(&io, w->in, -1, BODY_TIMEOUT);
	while (body.len < clen) {
		n = io_read(&io, body.s + body.len, clen - body.len);
		if (n <= 0) {
			wm_error(w, 400, "err.badrequest");
			goto out;
		}
		body.len += (size_t)n;
		body.s[body.len] = '\0';
	}
	if (clen == 0) {
		r = 0;
		goto out;
	}
	if (ct->len >= 33 && mem_caseeq(ct->s,
	    "application/x-www-form-urlencoded", 33))
		r = cgi_urlencoded_parse(&w->form, body.s, body.len);
	else if (cgi_multipart_boundary(str_c(ct), &bnd) == 0)
		r = cgi_multipart_parse(&w->form, bnd.s, body.s, body.len);
	else
		r = 0;		/* another body (autodiscover's XML): ignored */
	if (r == -1)
		wm_error(w, errno == E2BIG ? 413 : 400, errno == E2BIG ?
		    "err.toolarge" : "err.badrequest");
out:
	str_wipe(&body);
	str_free(&bnd);
	return r;
}

void
wm_cats(struct wm *w, const char *s)
{
	if (str_cats(&w->body, s) == -1)
		w->broken = 1;
}

void
wm_catb(struct wm *w, const void *b, size_t n)
{
	if (str_catb(&w->body, b, n) == -1)
		w->broken = 1;
}

void
wm_fmt(struct wm *w, const char *tpl, ...)
{
	va_list	 ap;

	va_start(ap, tpl);
	if (html_vfmt(&w->body, tpl, ap) == -1)
		w->broken = 1;
	va_end(ap);
}

int
wm_ok(struct wm *w, int r)
{
	if (r == -1)
		w->broken = 1;
	return r == -1 ? -1 : 0;
}

void
wm_drain(struct wm *w, size_t n)
{
	struct io io;
	char	 buf[65536];
	ssize_t	 r;

	io_init(&io, w->in, -1, BODY_TIMEOUT);
	while (n > 0 && (r = io_read(&io, buf, n < sizeof(buf) ? n :
	    sizeof(buf))) > 0)
		n -= (size_t)r;
}

static const char *
status_text(int st)
{
	switch (st) {
	case 200: return "OK";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Content Too Large";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

int
wm_send(struct wm *w)
{
	static const char cut[] = "<!doctype html><title>503</title>"
	    "<p>A temporary problem; please try again.</p>\n";
	struct str h = STR_INIT(128 * 1024);
	int	 r;

	/* A page that could not be written whole is not sent cut. */
	if (w->broken) {
		w->status = 503;
		str_clear(&w->hdr);
		str_clear(&w->body);
		if (str_cats(&w->body, cut) == -1)
			return -1;
	}
	if (str_printf(&h, "Status: %d %s\r\n", w->status,
	    status_text(w->status)) == -1 ||
	    (strstr(str_c(&w->hdr), "Content-Type:") == NULL &&
	    str_cats(&h, "Content-Type: text/html; charset=utf-8\r\n") == -1) ||
	    str_printf(&h, "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\nPragma: no-cache\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Referrer-Policy: no-referrer\r\n"
	    "X-Frame-Options: %s\r\n"
	    "Cross-Origin-Opener-Policy: same-origin\r\n"
	    "Cross-Origin-Resource-Policy: same-origin\r\n"
	    "Content-Security-Policy: %s\r\n", w->body.len,
	    w->frame ? "SAMEORIGIN" : "DENY",
	    w->csp != NULL ? w->csp : csp_default) == -1 ||
	    (w->https && str_cats(&h, "Strict-Transport-Security: "
	    "max-age=31536000\r\n") == -1) ||
	    str_cat(&h, &w->hdr) == -1 || str_cats(&h, "\r\n") == -1) {
		str_free(&h);
		return -1;
	}
	r = file_writeall(w->out, h.s, h.len);
	if (r == 0 && w->body.len > 0)
		r = file_writeall(w->out, w->body.s, w->body.len);
	str_free(&h);
	return r;
}

void
wm_error(struct wm *w, int status, const char *key)
{
	w->status = status;
	str_clear(&w->body);
	str_clear(&w->hdr);
	wm_fmt(w, "<!doctype html><html lang=\"{}\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">"
	    "<title>{}</title><link rel=\"stylesheet\" href=\"{}/s/style.css\">"
	    "</head><body class=\"msgpage\"><main class=\"error\"><h1>{}</h1>"
	    "<p><a href=\"{}/\">{}</a></p></main></body></html>",
	    T("lang.code"), T(key), w->base, T(key), w->base, T("nav.back"));
}

void
wm_redirect(struct wm *w, const char *rel)
{
	w->status = 303;
	str_clear(&w->body);
	if (str_printf(&w->hdr, "Location: %s/%s\r\n", w->base, rel) == -1)
		w->broken = 1;
}

/* 1 if the browser says the request comes from our own pages. */
static int
same_origin(struct wm *w)
{
	const struct str *o = &w->env.v[CGI_ORIGIN], *h = &w->env.v[CGI_HOST];
	const char *site = str_c(&w->env.v[CGI_FETCH_SITE]);
	const char *p;

	if (*site != '\0' && strcmp(site, "same-origin") != 0)
		return 0;
	if (!w->env.set[CGI_ORIGIN] || strcmp(o->s, "null") == 0)
		return *site != '\0' || !w->env.set[CGI_ORIGIN];
	if ((p = strstr(o->s, "://")) == NULL)
		return 0;
	return strcmp(p + 3, str_c(h)) == 0;
}

int
wm_csrf_ok(struct wm *w)
{
	const char *tok = cgi_form_gets(&w->form, "csrf", "");
	char	 pre[SESSION_ID_LEN + 2];

	if (!w->post || !same_origin(w))
		return 0;
	if (w->sess != NULL)
		return session_token_eq(tok, w->sess->csrf);
	/* The login form: its token must match its cookie. */
	if (cgi_cookie_get(str_c(&w->env.v[CGI_COOKIE]),
	    w->env.v[CGI_COOKIE].len, WM_PRECOOKIE, pre, sizeof(pre)) != 1)
		return 0;
	return session_token_eq(tok, pre);
}
