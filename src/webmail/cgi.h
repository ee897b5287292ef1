/*
 * cgi - the parsers of an HTTP request as Apache hands it to a CGI
 * program: the environment record the sqwebmail CGI forwards to
 * sqwebmaild, the query string and urlencoded bodies, the Cookie header,
 * and multipart/form-data uploads.  Every input is untrusted and every
 * parser has limits; a request over a limit is refused, never truncated
 * silently.  Pure functions over memory: unit-tested and fuzzed.
 */
#ifndef HSMAIL_CGI_H
#define HSMAIL_CGI_H

#include <stddef.h>

#include "str.h"

/* Limits (names, values and counts a real form never reaches). */
#define CGI_ENV_MAX		(64 * 1024)	/* the whole env record */
#define CGI_VAR_MAX		(16 * 1024)	/* one variable's value */
#define CGI_FIELDS_MAX		512		/* fields in one request */
#define CGI_NAME_MAX		128		/* one field's name */
#define CGI_FILES_MAX		32		/* files in one upload */
#define CGI_PART_HDR_MAX	4096		/* one part's header block */
#define CGI_BOUNDARY_MAX	70		/* RFC 2046 5.1.1 */
#define CGI_COOKIE_MAX		4096		/* one Cookie header */

/* The request variables sqwebmaild uses (RFC 3875 meta-variables). */
enum cgi_var {
	CGI_METHOD,		/* REQUEST_METHOD */
	CGI_PATH_INFO,		/* PATH_INFO */
	CGI_QUERY,		/* QUERY_STRING */
	CGI_COOKIE,		/* HTTP_COOKIE */
	CGI_CTYPE,		/* CONTENT_TYPE */
	CGI_CLEN,		/* CONTENT_LENGTH */
	CGI_ADDR,		/* REMOTE_ADDR */
	CGI_HOST,		/* HTTP_HOST */
	CGI_ORIGIN,		/* HTTP_ORIGIN */
	CGI_FETCH_SITE,		/* HTTP_SEC_FETCH_SITE */
	CGI_HTTPS,		/* HTTPS ("on") */
	CGI_SCRIPT,		/* SCRIPT_NAME */
	CGI_ACCEPT_LANG,	/* HTTP_ACCEPT_LANGUAGE */
	CGI_SERVER_NAME,	/* SERVER_NAME */
	CGI_NVARS
};

/* The names, in enum order ("REQUEST_METHOD", ...). */
extern const char *const cgi_var_names[CGI_NVARS];

struct cgi_env {
	struct str v[CGI_NVARS];	/* "" when absent */
	int	   set[CGI_NVARS];	/* 1 when present */
};

void	cgi_env_init(struct cgi_env *);
void	cgi_env_free(struct cgi_env *);

/*
 * Fill *e from the process environment (the CGI side).  Values longer
 * than CGI_VAR_MAX are refused: -1 E2BIG.  0 or -1.
 */
int	cgi_env_from_environ(struct cgi_env *);

/*
 * The env record: "NAME=VALUE\0" for each variable set, in any order.
 * cgi_env_format appends it to out; cgi_env_parse reads one (n bytes,
 * at most CGI_ENV_MAX) into *e.  Unknown names, a name twice, a record
 * without '=' or not NUL-terminated: -1 EINVAL.  0 or -1.
 */
int	cgi_env_format(const struct cgi_env *, struct str *out);
int	cgi_env_parse(struct cgi_env *, const char *b, size_t n);

/* One form field or uploaded file. */
struct cgi_field {
	char	*name;		/* NUL-terminated, no NUL inside */
	char	*val;		/* value or file contents, NUL-terminated */
	size_t	 len;		/* bytes in val (it may hold NULs) */
	char	*filename;	/* NULL for a plain field */
	char	*ctype;		/* the part's Content-Type, or NULL */
};

struct cgi_form {
	struct cgi_field *f;
	size_t	 n;
	size_t	 cap;
	size_t	 nfiles;
	size_t	 bytes;		/* total of names and values */
	size_t	 max_bytes;	/* bytes never exceeds this: E2BIG */
};

/* An empty form that holds at most max_bytes of names and values. */
void	cgi_form_init(struct cgi_form *, size_t max_bytes);
void	cgi_form_free(struct cgi_form *);

/*
 * Add the fields of a query string or an application/x-www-form-urlencoded
 * body: "a=1&b=two+words&c=%41".  '+' is a space, %XX a byte; a bad
 * escape, an empty or over-long name, too many fields: -1 EINVAL/E2BIG.
 * Empty pairs ("a=1&&b") are skipped; "a" alone is a field with "".
 */
int	cgi_urlencoded_parse(struct cgi_form *, const char *b, size_t n);

/*
 * The boundary of a multipart/form-data Content-Type into *out (1..70
 * bytes, quoted or not).  0, or -1 EINVAL (not multipart/form-data, no
 * or bad boundary).
 */
int	cgi_multipart_boundary(const char *ctype, struct str *out);

/*
 * Add the parts of a multipart/form-data body (RFC 7578) with the given
 * boundary: each part's Content-Disposition gives the field name (and
 * filename for a file), an optional Content-Type is kept.  A part without
 * a name, a header block over CGI_PART_HDR_MAX, a body without the
 * closing delimiter, too many parts or files: -1 EINVAL/E2BIG.
 */
int	cgi_multipart_parse(struct cgi_form *, const char *boundary,
	    const char *b, size_t n);

/* The first field called name (not a file), or NULL. */
const struct cgi_field *cgi_form_get(const struct cgi_form *,
	    const char *name);
/* Its value as a C string, or def when absent. */
const char *cgi_form_gets(const struct cgi_form *, const char *name,
	    const char *def);

/*
 * The value of cookie name in a Cookie header (RFC 6265 5.4: pairs
 * separated by "; "), at most outmax bytes into out.  Only the bytes of
 * a token (letters, digits, '-', '_', '.') are accepted in the value.
 * 1 found, 0 absent or malformed.
 */
int	cgi_cookie_get(const char *header, size_t n, const char *name,
	    char *out, size_t outmax);

/* Percent-encode s for a URL query component (RFC 3986 unreserved kept). */
int	cgi_url_escape(struct str *out, const char *s, size_t n);

#endif
