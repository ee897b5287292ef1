/*
 * cgi - request parsers of sqwebmail (cgi.h).  Linked by the CGI (the
 * environment record, as the web server's user) and by sqwebmaild's
 * request children (everything else, after they dropped privileges).
 * Trusts nothing it parses.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgi.h"

const char *const cgi_var_names[CGI_NVARS] = {
	"REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "HTTP_COOKIE",
	"CONTENT_TYPE", "CONTENT_LENGTH", "REMOTE_ADDR", "HTTP_HOST",
	"HTTP_ORIGIN", "HTTP_SEC_FETCH_SITE", "HTTPS", "SCRIPT_NAME",
	"HTTP_ACCEPT_LANGUAGE", "SERVER_NAME",
};

static int	hexval(int);
static int	form_add(struct cgi_form *, const char *, size_t, const char *,
		    size_t, const char *, size_t, const char *, size_t);
static int	url_decode(const char *, size_t, char **, size_t *);
static const char *mem_find(const char *, size_t, const char *, size_t);
static int	part_parse(struct cgi_form *, const char *, size_t);
static int	hdr_param(const char *, size_t, const char *, struct str *);

void
cgi_env_init(struct cgi_env *e)
{
	int	 i;

	for (i = 0; i < CGI_NVARS; i++) {
		e->v[i] = (struct str)STR_INIT(CGI_VAR_MAX);
		e->set[i] = 0;
	}
}

void
cgi_env_free(struct cgi_env *e)
{
	int	 i;

	for (i = 0; i < CGI_NVARS; i++) {
		str_free(&e->v[i]);
		e->set[i] = 0;
	}
}

int
cgi_env_from_environ(struct cgi_env *e)
{
	const char *v;
	int	 i;

	for (i = 0; i < CGI_NVARS; i++) {
		if ((v = getenv(cgi_var_names[i])) == NULL)
			continue;
		if (str_copys(&e->v[i], v) == -1)
			return -1;
		e->set[i] = 1;
	}
	return 0;
}

int
cgi_env_format(const struct cgi_env *e, struct str *out)
{
	int	 i;

	for (i = 0; i < CGI_NVARS; i++) {
		if (!e->set[i])
			continue;
		if (e->v[i].len > 0 &&
		    memchr(e->v[i].s, '\0', e->v[i].len) != NULL) {
			errno = EINVAL;
			return -1;
		}
		if (str_cats(out, cgi_var_names[i]) == -1 ||
		    str_catc(out, '=') == -1 ||
		    (e->v[i].len > 0 &&
		    str_catb(out, e->v[i].s, e->v[i].len) == -1) ||
		    str_catc(out, '\0') == -1)
			return -1;
	}
	return 0;
}

int
cgi_env_parse(struct cgi_env *e, const char *b, size_t n)
{
	const char *p = b, *end = b + n, *z, *eq;
	int	 i;

	if (n > CGI_ENV_MAX || (n > 0 && b[n - 1] != '\0')) {
		errno = EINVAL;
		return -1;
	}
	while (p < end) {
		z = memchr(p, '\0', (size_t)(end - p));	/* found: b ends in NUL */
		if ((eq = memchr(p, '=', (size_t)(z - p))) == NULL)
			goto bad;
		for (i = 0; i < CGI_NVARS; i++)
			if (strlen(cgi_var_names[i]) == (size_t)(eq - p) &&
			    memcmp(cgi_var_names[i], p, (size_t)(eq - p)) == 0)
				break;
		if (i == CGI_NVARS || e->set[i])
			goto bad;
		if (str_copyb(&e->v[i], eq + 1, (size_t)(z - eq - 1)) == -1)
			return -1;
		e->set[i] = 1;
		p = z + 1;
	}
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

void
cgi_form_init(struct cgi_form *f, size_t max_bytes)
{
	memset(f, 0, sizeof(*f));
	f->max_bytes = max_bytes;
}

void
cgi_form_free(struct cgi_form *f)
{
	size_t	 i;

	for (i = 0; i < f->n; i++) {
		free(f->f[i].name);
		if (f->f[i].val != NULL)
			explicit_bzero(f->f[i].val, f->f[i].len);
		free(f->f[i].val);
		free(f->f[i].filename);
		free(f->f[i].ctype);
	}
	free(f->f);
	memset(f, 0, sizeof(*f));
}

/* Copy of b[0..n) with a NUL after it, or NULL (ENOMEM). */
static char *
dupb(const char *b, size_t n)
{
	char	*s;

	if ((s = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(s, b, n);
	s[n] = '\0';
	return s;
}

/* Add one field (copies of everything). */
static int
form_add(struct cgi_form *f, const char *name, size_t nlen, const char *val,
    size_t vlen, const char *fname, size_t flen, const char *ct, size_t ctlen)
{
	struct cgi_field *nf, *x;
	size_t	 total;

	if (nlen == 0 || nlen > CGI_NAME_MAX ||
	    memchr(name, '\0', nlen) != NULL) {
		errno = EINVAL;
		return -1;
	}
	if (f->n >= CGI_FIELDS_MAX || (fname != NULL &&
	    f->nfiles >= CGI_FILES_MAX) ||
	    __builtin_add_overflow(nlen, vlen, &total) ||
	    __builtin_add_overflow(total, f->bytes, &total) ||
	    total > f->max_bytes) {
		errno = E2BIG;
		return -1;
	}
	if (f->n == f->cap) {
		size_t	 cap = f->cap == 0 ? 16 : f->cap * 2;

		if ((nf = reallocarray(f->f, cap, sizeof(*nf))) == NULL)
			return -1;
		f->f = nf;
		f->cap = cap;
	}
	x = &f->f[f->n];
	memset(x, 0, sizeof(*x));
	if ((x->name = dupb(name, nlen)) == NULL ||
	    (x->val = dupb(val, vlen)) == NULL ||
	    (fname != NULL && (x->filename = dupb(fname, flen)) == NULL) ||
	    (ct != NULL && (x->ctype = dupb(ct, ctlen)) == NULL)) {
		free(x->name);
		free(x->val);
		free(x->filename);
		return -1;
	}
	x->len = vlen;
	f->n++;
	f->bytes = total;
	if (fname != NULL)
		f->nfiles++;
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode b[0..n) ('+' and %XX) into a new buffer *out_r of *len_r bytes. */
static int
url_decode(const char *b, size_t n, char **out_r, size_t *len_r)
{
	char	*o;
	size_t	 i, j = 0;
	int	 h, l;

	if ((o = malloc(n + 1)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (b[i] == '+')
			o[j++] = ' ';
		else if (b[i] == '%') {
			if (n - i < 3 || (h = hexval(b[i + 1])) == -1 ||
			    (l = hexval(b[i + 2])) == -1)
				goto bad;
			o[j++] = (char)(h << 4 | l);
			i += 2;
		} else
			o[j++] = b[i];
	}
	o[j] = '\0';
	*out_r = o;
	*len_r = j;
	return 0;
bad:
	free(o);
	errno = EINVAL;
	return -1;
}

int
cgi_urlencoded_parse(struct cgi_form *f, const char *b, size_t n)
{
	const char *p = b, *end = b + n, *amp, *eq;
	char	*name = NULL, *val = NULL;
	size_t	 nl, vl;
	int	 r;

	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		if (amp == p) {
			p++;
			continue;
		}
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL)
			eq = amp;
		if (url_decode(p, (size_t)(eq - p), &name, &nl) == -1)
			return -1;
		if (url_decode(eq < amp ? eq + 1 : amp, eq < amp ?
		    (size_t)(amp - eq - 1) : 0, &val, &vl) == -1) {
			free(name);
			return -1;
		}
		r = form_add(f, name, nl, val, vl, NULL, 0, NULL, 0);
		free(name);
		explicit_bzero(val, vl);
		free(val);
		if (r == -1)
			return -1;
		p = amp < end ? amp + 1 : end;
	}
	return 0;
}

/* First occurrence of needle in hay, or NULL. */
static const char *
mem_find(const char *hay, size_t n, const char *needle, size_t m)
{
	return memmem(hay, n, needle, m);
}

/*
 * The value of parameter name in a header value such as
 * 'form-data; name="x"; filename="a b.txt"' (quoted strings with
 * backslash escapes, or tokens).  1 found, 0 not, -1 error.
 */
static int
hdr_param(const char *v, size_t n, const char *name, struct str *out)
{
	const char *p = v, *end = v + n;
	size_t	 nl = strlen(name);
	int	 inq;

	/* Skip the first item (the type), then walk "; k=v" pairs. */
	while (p < end) {
		inq = 0;
		for (; p < end; p++) {
			if (*p == '"')
				inq = !inq;
			else if (*p == '\\' && inq && p + 1 < end)
				p++;
			else if (*p == ';' && !inq)
				break;
		}
		if (p >= end)
			return 0;
		p++;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if ((size_t)(end - p) > nl && mem_caseeq(p, name, nl) &&
		    p[nl] == '=') {
			p += nl + 1;
			str_clear(out);
			if (p < end && *p == '"') {
				for (p++; p < end && *p != '"'; p++) {
					if (*p == '\\' && p + 1 < end)
						p++;
					if (str_catc(out, *p) == -1)
						return -1;
				}
				if (p >= end) {
					errno = EINVAL;
					return -1;
				}
			} else {
				while (p < end && *p != ';' && *p != ' ' &&
				    *p != '\t')
					if (str_catc(out, *p++) == -1)
						return -1;
			}
			return 1;
		}
	}
	return 0;
}

int
cgi_multipart_boundary(const char *ctype, struct str *out)
{
	static const char mp[] = "multipart/form-data";
	size_t	 n = strlen(ctype), i;
	int	 r;

	if (n < sizeof(mp) - 1 || !mem_caseeq(ctype, mp, sizeof(mp) - 1) ||
	    (n > sizeof(mp) - 1 && ctype[sizeof(mp) - 1] != ';' &&
	    ctype[sizeof(mp) - 1] != ' ')) {
		errno = EINVAL;
		return -1;
	}
	if ((r = hdr_param(ctype, n, "boundary", out)) != 1) {
		if (r == 0)
			errno = EINVAL;
		return -1;
	}
	if (out->len == 0 || out->len > CGI_BOUNDARY_MAX)
		goto bad;
	for (i = 0; i < out->len; i++)
		if ((unsigned char)out->s[i] < 32 ||
		    (unsigned char)out->s[i] > 126)
			goto bad;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

/* One part: header block, blank line, body (b[0..n) without delimiters). */
static int
part_parse(struct cgi_form *f, const char *b, size_t n)
{
	struct str name = STR_INIT(CGI_NAME_MAX), fname = STR_INIT(1024);
	struct str ct = STR_INIT(256);
	const char *hend, *line, *eol, *body;
	int	 have_fname = 0, have_name = 0, r = -1;

	if (n >= 2 && b[0] == '\r' && b[1] == '\n') {
		hend = b;		/* no header lines at all */
		body = b + 2;
	} else {
		hend = mem_find(b, n < CGI_PART_HDR_MAX ? n :
		    CGI_PART_HDR_MAX, "\r\n\r\n", 4);
		if (hend == NULL) {
			errno = EINVAL;
			return -1;
		}
		body = hend + 4;
		hend += 2;
	}
	for (line = b; line < hend; line = eol + 2) {
		eol = mem_find(line, (size_t)(hend - line), "\r\n", 2);
		if (eol == NULL)
			eol = hend;
		if ((size_t)(eol - line) > 20 &&
		    mem_caseeq(line, "content-disposition:", 20)) {
			const char *v = line + 20;

			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			if ((size_t)(eol - v) < 9 ||
			    !mem_caseeq(v, "form-data", 9))
				goto einval;
			if ((have_name = hdr_param(v, (size_t)(eol - v),
			    "name", &name)) == -1 ||
			    (have_fname = hdr_param(v, (size_t)(eol - v),
			    "filename", &fname)) == -1)
				goto out;
		} else if ((size_t)(eol - line) > 13 &&
		    mem_caseeq(line, "content-type:", 13)) {
			const char *v = line + 13;

			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			if (str_copyb(&ct, v, (size_t)(eol - v)) == -1)
				goto out;
		}
		if (eol == hend)
			break;
	}
	if (have_name != 1)
		goto einval;
	if (have_fname == 1) {
		/* Browsers send an empty file input as filename="" with no
		 * bytes: not an upload. */
		if (fname.len == 0 && b + n == body) {
			r = 0;
			goto out;
		}
		r = form_add(f, name.s, name.len, body, (size_t)(b + n - body),
		    fname.s, fname.len, ct.len > 0 ? ct.s : NULL, ct.len);
	} else
		r = form_add(f, name.s, name.len, body, (size_t)(b + n - body),
		    NULL, 0, NULL, 0);
	goto out;
einval:
	errno = EINVAL;
out:
	str_free(&name);
	str_free(&fname);
	str_free(&ct);
	return r;
}

int
cgi_multipart_parse(struct cgi_form *f, const char *boundary, const char *b,
    size_t n)
{
	struct str delim = STR_INIT(CGI_BOUNDARY_MAX + 4);
	const char *p, *end = b + n, *next;
	int	 r = -1;

	/* The first delimiter may open the body without a CRLF before it. */
	if (str_copys(&delim, "\r\n--") == -1 || str_cats(&delim, boundary) ==
	    -1)
		return -1;
	if (n >= delim.len - 2 && memcmp(b, delim.s + 2, delim.len - 2) == 0)
		p = b + delim.len - 2;
	else if ((p = mem_find(b, n, delim.s, delim.len)) != NULL)
		p += delim.len;
	else
		goto einval;
	for (;;) {
		/* After a delimiter: "--" closes, else CRLF opens a part
		 * (transport padding, spaces and tabs, is allowed). */
		if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
			r = 0;
			goto out;
		}
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			goto einval;
		p += 2;
		next = mem_find(p, (size_t)(end - p), delim.s, delim.len);
		if (next == NULL)
			goto einval;
		if (part_parse(f, p, (size_t)(next - p)) == -1)
			goto out;
		p = next + delim.len;
	}
einval:
	errno = EINVAL;
out:
	str_free(&delim);
	return r;
}

const struct cgi_field *
cgi_form_get(const struct cgi_form *f, const char *name)
{
	size_t	 i;

	for (i = 0; i < f->n; i++)
		if (f->f[i].filename == NULL && strcmp(f->f[i].name, name) == 0)
			return &f->f[i];
	return NULL;
}

const char *
cgi_form_gets(const struct cgi_form *f, const char *name, const char *def)
{
	const struct cgi_field *x = cgi_form_get(f, name);

	return x != NULL ? x->val : def;
}

int
cgi_cookie_get(const char *h, size_t n, const char *name, char *out,
    size_t outmax)
{
	const char *p = h, *end = h + (n > CGI_COOKIE_MAX ? CGI_COOKIE_MAX : n);
	const char *semi, *v;
	size_t	 nl = strlen(name), i;

	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		semi = memchr(p, ';', (size_t)(end - p));
		if (semi == NULL)
			semi = end;
		if ((size_t)(semi - p) > nl && memcmp(p, name, nl) == 0 &&
		    p[nl] == '=') {
			v = p + nl + 1;
			if ((size_t)(semi - v) >= outmax || semi == v)
				return 0;
			for (i = 0; v + i < semi; i++) {
				char	 c = v[i];

				if (!((c >= 'a' && c <= 'z') ||
				    (c >= 'A' && c <= 'Z') ||
				    (c >= '0' && c <= '9') || c == '-' ||
				    c == '_' || c == '.'))
					return 0;
				out[i] = c;
			}
			out[i] = '\0';
			return 1;
		}
		p = semi + 1;
	}
	return 0;
}

int
cgi_url_escape(struct str *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t	 i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~') {
			if (str_catc(out, (char)c) == -1)
				return -1;
		} else if (str_catc(out, '%') == -1 ||
		    str_catc(out, hex[c >> 4]) == -1 ||
		    str_catc(out, hex[c & 15]) == -1)
			return -1;
	}
	return 0;
}
