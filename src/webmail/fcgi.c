/*
 * fcgi - FastCGI records for the sqwebmail front (see fcgi.h).  Runs in
 * the sqwebmail process that mod_fcgid keeps; parses what Apache sends.
 */
#include <errno.h>
#include <string.h>

#include "fcgi.h"

static int	pair_len(const unsigned char *, size_t, size_t *, size_t *);

int
fcgi_header_parse(const unsigned char *b, struct fcgi_header *h)
{
	if (b[0] != FCGI_VERSION_1) {
		errno = EPROTO;
		return -1;
	}
	h->type = b[1];
	h->id = (unsigned)b[2] << 8 | b[3];
	h->clen = (size_t)b[4] << 8 | b[5];
	h->plen = b[6];
	return 0;
}

int
fcgi_header_put(struct str *out, unsigned type, unsigned id, size_t clen)
{
	unsigned char h[FCGI_HEADER_LEN];

	h[0] = FCGI_VERSION_1;
	h[1] = (unsigned char)type;
	h[2] = (unsigned char)(id >> 8);
	h[3] = (unsigned char)id;
	h[4] = (unsigned char)(clen >> 8);
	h[5] = (unsigned char)clen;
	h[6] = 0;
	h[7] = 0;
	return str_catb(out, h, sizeof(h));
}

int
fcgi_begin_parse(const unsigned char *c, size_t n, unsigned *role_r,
    unsigned *flags_r)
{
	if (n != 8) {
		errno = EPROTO;
		return -1;
	}
	*role_r = (unsigned)c[0] << 8 | c[1];
	*flags_r = c[2];
	return 0;
}

/* A pair's length at p[*pos..n): one byte, or four with the high bit of
 * the first set.  0, or -1 EPROTO (past the end). */
static int
pair_len(const unsigned char *p, size_t n, size_t *pos, size_t *len_r)
{
	if (*pos >= n)
		goto bad;
	if (!(p[*pos] & 0x80)) {
		*len_r = p[(*pos)++];
		return 0;
	}
	if (n - *pos < 4)
		goto bad;
	*len_r = ((size_t)(p[*pos] & 0x7f) << 24) | (size_t)p[*pos + 1] << 16 |
	    (size_t)p[*pos + 2] << 8 | p[*pos + 3];
	*pos += 4;
	return 0;
bad:
	errno = EPROTO;
	return -1;
}

int
fcgi_params_parse(const unsigned char *p, size_t n, struct cgi_env *e)
{
	size_t	 pos = 0, nl, vl;
	int	 i;

	while (pos < n) {
		if (pair_len(p, n, &pos, &nl) == -1 ||
		    pair_len(p, n, &pos, &vl) == -1)
			return -1;
		if (nl > n - pos || vl > n - pos - nl) {
			errno = EPROTO;
			return -1;
		}
		for (i = 0; i < CGI_NVARS; i++)
			if (strlen(cgi_var_names[i]) == nl &&
			    memcmp(cgi_var_names[i], p + pos, nl) == 0)
				break;
		if (i < CGI_NVARS) {
			/* The CGI variables hold no NUL: cut there, as an
			 * environment would. */
			const unsigned char *z = memchr(p + pos + nl, '\0', vl);
			size_t	 l = z != NULL ? (size_t)(z - (p + pos + nl)) : vl;

			if (l > CGI_VAR_MAX) {
				errno = E2BIG;
				return -1;
			}
			if (str_copyb(&e->v[i], p + pos + nl, l) == -1)
				return -1;
			e->set[i] = 1;
		}
		pos += nl + vl;
	}
	return 0;
}

int
fcgi_stdout_put(struct str *out, unsigned id, const void *b, size_t n)
{
	const char *p = b;
	size_t	 l;

	while (n > 0) {
		l = n > FCGI_CONTENT_MAX ? FCGI_CONTENT_MAX : n;
		if (fcgi_header_put(out, FCGI_STDOUT, id, l) == -1 ||
		    str_catb(out, p, l) == -1)
			return -1;
		p += l;
		n -= l;
	}
	return 0;
}

int
fcgi_end_put(struct str *out, unsigned id, uint32_t appstatus,
    unsigned pstatus)
{
	unsigned char c[8];

	c[0] = (unsigned char)(appstatus >> 24);
	c[1] = (unsigned char)(appstatus >> 16);
	c[2] = (unsigned char)(appstatus >> 8);
	c[3] = (unsigned char)appstatus;
	c[4] = (unsigned char)pstatus;
	c[5] = c[6] = c[7] = 0;
	if (fcgi_header_put(out, FCGI_STDOUT, id, 0) == -1 ||
	    fcgi_header_put(out, FCGI_END_REQUEST, id, sizeof(c)) == -1)
		return -1;
	return str_catb(out, c, sizeof(c));
}
