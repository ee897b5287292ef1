/*
 * mauthp - the msgauthd protocol: netstrings over a Unix socket, each
 * read and write with a deadline.  Client side in qmail-smtpd and
 * qmail-inject, server side in msgauthd; each trusts nothing the other
 * sends beyond its format.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mauthp.h"
#include "num.h"

enum { NS_LEN, NS_DATA, NS_COMMA, NS_DONE };

/* Longest length prefix: MAUTHP_RES_MAX has 6 digits. */
#define NS_DIGITS	7

void
mauthp_ns_init(struct mauthp_ns *ns, size_t max, struct str *out)
{
	memset(ns, 0, sizeof(*ns));
	ns->max = max;
	ns->out = out;
	str_clear(out);
}

int
mauthp_ns_feed(struct mauthp_ns *ns, const char *b, size_t n, size_t *used)
{
	size_t	 i = 0, take;

	while (i < n && ns->state != NS_DONE) {
		switch (ns->state) {
		case NS_LEN:
			if (b[i] == ':' && ns->ndig > 0) {
				ns->state = ns->len > 0 ? NS_DATA : NS_COMMA;
				i++;
				break;
			}
			if (b[i] < '0' || b[i] > '9' || ns->ndig == NS_DIGITS ||
			    (ns->ndig == 1 && ns->len == 0)) {
				errno = EPROTO;
				return -1;
			}
			ns->len = ns->len * 10 + (size_t)(b[i] - '0');
			ns->ndig++;
			if (ns->len > ns->max) {
				errno = E2BIG;
				return -1;
			}
			i++;
			break;
		case NS_DATA:
			take = ns->len - ns->out->len;
			if (take > n - i)
				take = n - i;
			if (str_catb(ns->out, b + i, take) == -1)
				return -1;
			i += take;
			if (ns->out->len == ns->len)
				ns->state = NS_COMMA;
			break;
		case NS_COMMA:
			if (b[i] != ',') {
				errno = EPROTO;
				return -1;
			}
			i++;
			ns->state = NS_DONE;
			break;
		}
	}
	*used = i;
	return ns->state == NS_DONE;
}

int
mauthp_ns_put(struct str *out, const char *b, size_t n)
{
	if (str_printf(out, "%zu:", n) == -1 || str_catb(out, b, n) == -1)
		return -1;
	return str_catc(out, ',');
}

int
mauthp_req_parse(char *b, size_t n, struct mauthp_req *r)
{
	char	*f[8], *p = b, *nul;
	unsigned long v;
	size_t	 i;

	if (b == NULL || n == 0)
		goto bad;
	for (i = 0; i < 8; i++) {
		nul = memchr(p, '\0', (size_t)(b + n - p));
		if (nul == NULL)
			goto bad;
		f[i] = p;
		p = nul + 1;
	}
	if (p != b + n || strcmp(f[0], MAUTHP_MAGIC) != 0 ||
	    (strcmp(f[1], "S") != 0 && strcmp(f[1], "V") != 0) ||
	    (strcmp(f[6], "0") != 0 && strcmp(f[6], "1") != 0) ||
	    num_parses(f[7], 600000, &v) == -1 || f[5][0] == '\0')
		goto bad;
	memset(r, 0, sizeof(*r));
	r->sign = f[1][0] == 'S';
	r->ip = f[2];
	r->helo = f[3];
	r->mailfrom = f[4];
	r->authservid = f[5];
	r->reject = f[6][0] == '1';
	r->dns_ms = (long)v;
	return 0;
bad:
	errno = EPROTO;
	return -1;
}

/* Append s and its NUL; a NUL inside s is refused (EINVAL). */
static int
mauthp_field(struct str *out, const char *s)
{
	return str_catb(out, s, strlen(s) + 1);
}

int
mauthp_req_make(const struct mauthp_req *r, struct str *out)
{
	str_clear(out);
	if (mauthp_field(out, MAUTHP_MAGIC) == -1 ||
	    mauthp_field(out, r->sign ? "S" : "V") == -1 ||
	    mauthp_field(out, r->ip != NULL ? r->ip : "") == -1 ||
	    mauthp_field(out, r->helo != NULL ? r->helo : "") == -1 ||
	    mauthp_field(out, r->mailfrom != NULL ? r->mailfrom : "") == -1 ||
	    mauthp_field(out, r->authservid) == -1 ||
	    mauthp_field(out, r->reject ? "1" : "0") == -1 ||
	    str_printf(out, "%ld", r->dns_ms) == -1 ||
	    str_catb(out, "", 1) == -1)
		return -1;
	return 0;
}

void
mauthp_res_init(struct mauthp_res *r)
{
	struct str a = STR_INIT(1024), b = STR_INIT(4096),
	    c = STR_INIT(MAUTHP_RES_MAX);

	r->verdict = 'Z';
	r->reply = a;
	r->log = b;
	r->headers = c;
}

void
mauthp_res_free(struct mauthp_res *r)
{
	str_free(&r->reply);
	str_free(&r->log);
	str_free(&r->headers);
}

int
mauthp_res_parse(const char *b, size_t n, struct mauthp_res *r)
{
	const char *p[3];
	size_t	 i;

	if (n < 2 || strchr("ARZ", b[0]) == NULL || b[1] != '\0')
		goto bad;
	p[0] = b + 2;
	for (i = 1; i < 3; i++) {
		p[i] = memchr(p[i - 1], '\0', (size_t)(b + n - p[i - 1]));
		if (p[i] == NULL)
			goto bad;
		p[i]++;
	}
	r->verdict = b[0];
	if (str_copyb(&r->reply, p[0], (size_t)(p[1] - p[0] - 1)) == -1 ||
	    str_copyb(&r->log, p[1], (size_t)(p[2] - p[1] - 1)) == -1 ||
	    str_copyb(&r->headers, p[2], (size_t)(b + n - p[2])) == -1)
		return -1;
	/* What goes into a message: header lines, no NUL, no CR. */
	if (memchr(r->headers.s, '\0', r->headers.len) != NULL ||
	    memchr(r->headers.s, '\r', r->headers.len) != NULL ||
	    (r->headers.len > 0 && r->headers.s[r->headers.len - 1] != '\n') ||
	    (r->verdict == 'R' && (r->reply.len < 4 || r->reply.s[0] != '5')))
		goto bad;
	return 0;
bad:
	errno = EPROTO;
	return -1;
}

int
mauthp_res_make(char verdict, const char *reply, const char *log,
    const struct str *headers, struct str *out)
{
	str_clear(out);
	if (str_catc(out, verdict) == -1 || str_catb(out, "", 1) == -1 ||
	    mauthp_field(out, reply) == -1 || mauthp_field(out, log) == -1)
		return -1;
	if (headers != NULL && headers->len > 0 &&
	    str_catb(out, headers->s, headers->len) == -1)
		return -1;
	return 0;
}

int
mauthp_connect(struct mauthp_conn *c, const char *path, unsigned timeout)
{
	struct sockaddr_un sun;
	int	 fd;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->out.max = STR_UNBOUNDED;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	mauthp_accept(c, fd, timeout);
	return 0;
}

void
mauthp_accept(struct mauthp_conn *c, int fd, unsigned timeout)
{
	struct str o = STR_INIT(STR_UNBOUNDED);

	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->out = o;
	io_init(&c->io, fd, fd, timeout);
}

int
mauthp_read(struct mauthp_conn *c, size_t max, struct str *out)
{
	struct mauthp_ns ns;
	ssize_t	 r;
	size_t	 used;
	int	 k;

	mauthp_ns_init(&ns, max, out);
	for (;;) {
		if (c->pos == c->len) {
			r = io_read(&c->io, c->buf, sizeof(c->buf));
			if (r <= 0)
				return r == 0 && ns.state == NS_LEN &&
				    ns.ndig == 0 ? 0 : -1;
			c->pos = 0;
			c->len = (size_t)r;
		}
		k = mauthp_ns_feed(&ns, c->buf + c->pos, c->len - c->pos,
		    &used);
		c->pos += used;
		if (k != 0)
			return k;
	}
}

int
mauthp_flush(struct mauthp_conn *c)
{
	if (c->out.len == 0)
		return 0;
	if (io_writeall(&c->io, c->out.s, c->out.len) == -1)
		return -1;
	str_clear(&c->out);
	return 0;
}

int
mauthp_write(struct mauthp_conn *c, const char *b, size_t n)
{
	if (mauthp_ns_put(&c->out, b, n) == -1)
		return -1;
	return c->out.len >= MAUTHP_CHUNK ? mauthp_flush(c) : 0;
}

void
mauthp_close(struct mauthp_conn *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	str_free(&c->out);
}

int
mauthp_client_start(struct mauthp_conn *c, const struct mauthp_req *r)
{
	struct str req = STR_INIT(MAUTHP_REQ_MAX);
	int	 x;

	x = mauthp_req_make(r, &req) == -1 ? -1 :
	    mauthp_write(c, req.s, req.len);
	str_free(&req);
	return x;
}

int
mauthp_client_data(struct mauthp_conn *c, const char *b, size_t n)
{
	struct str d = STR_INIT(MAUTHP_CHUNK + 1);
	size_t	 k;

	while (n > 0) {
		k = n > MAUTHP_CHUNK ? MAUTHP_CHUNK : n;
		str_clear(&d);
		if (str_catc(&d, 'D') == -1 || str_catb(&d, b, k) == -1 ||
		    mauthp_write(c, d.s, d.len) == -1) {
			str_free(&d);
			return -1;
		}
		b += k;
		n -= k;
	}
	str_free(&d);
	return 0;
}

int
mauthp_client_end(struct mauthp_conn *c, struct mauthp_res *res)
{
	struct str in = STR_INIT(MAUTHP_RES_MAX);
	int	 r = -1;

	if (mauthp_write(c, "E", 1) == -1 || mauthp_flush(c) == -1)
		goto done;
	if (mauthp_read(c, MAUTHP_RES_MAX, &in) != 1)
		goto done;
	r = mauthp_res_parse(in.s, in.len, res);
done:
	str_free(&in);
	return r;
}
