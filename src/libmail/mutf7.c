/*
 * mutf7 - modified UTF-7 (RFC 3501 5.1.3) for IMAP mailbox names and
 * for Courier-IMAP trees from before 5.0, which keep folder names on
 * disk in it; and a strict UTF-8 check.  Input is untrusted (client
 * names, directory names); nothing here reads outside [s, s+n).
 */
#include <errno.h>
#include <stdint.h>

#include "mstore.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int	b64val(unsigned char);
static int	put_utf8(struct str *, uint32_t);
static int32_t	utf8_next(const unsigned char *, size_t, size_t *);

static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == ',')
		return 63;
	return -1;
}

static int
put_utf8(struct str *out, uint32_t c)
{
	char	 b[4];
	size_t	 n;

	if (c < 0x80) {
		b[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		b[0] = (char)(0xc0 | c >> 6);
		b[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		b[0] = (char)(0xe0 | c >> 12);
		b[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		b[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | c >> 18);
		b[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		b[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	return str_catb(out, b, n);
}

/* utf8_next - decode one UTF-8 character at s[*i]; -1 if invalid. */
static int32_t
utf8_next(const unsigned char *s, size_t n, size_t *i)
{
	uint32_t c = s[*i], min;
	size_t	 k, len;

	if (c < 0x80) {
		(*i)++;
		return (int32_t)c;
	}
	if ((c & 0xe0) == 0xc0) {
		len = 2;
		c &= 0x1f;
		min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3;
		c &= 0x0f;
		min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else
		return -1;
	if (n - *i < len)
		return -1;
	for (k = 1; k < len; k++) {
		if ((s[*i + k] & 0xc0) != 0x80)
			return -1;
		c = c << 6 | (s[*i + k] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*i += len;
	return (int32_t)c;
}

int
mstore_utf8_ok(const char *s, size_t n)
{
	size_t	 i = 0;

	while (i < n)
		if (utf8_next((const unsigned char *)s, n, &i) < 0)
			return 0;
	return 1;
}

/* mutf7_decode - "&AOk-" runs to UTF-8; "&-" is '&'. */
int
mutf7_decode(struct str *out, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t	 i = 0, start = out->len;
	uint32_t bits, nbits, hi;
	int	 v, any;

	while (i < n) {
		if (u[i] < 0x20 || u[i] > 0x7e)
			goto bad;
		if (u[i] != '&') {
			if (str_catc(out, (char)u[i]) == -1)
				goto err;
			i++;
			continue;
		}
		i++;
		if (i < n && u[i] == '-') {
			if (str_catc(out, '&') == -1)
				goto err;
			i++;
			continue;
		}
		bits = nbits = hi = 0;
		any = 0;
		while (i < n && u[i] != '-') {
			if ((v = b64val(u[i])) < 0)
				goto bad;
			bits = (bits << 6 | (uint32_t)v) & 0xffffff;
			nbits += 6;
			i++;
			if (nbits < 16)
				continue;
			nbits -= 16;
			{
				uint32_t c = (bits >> nbits) & 0xffff;

				any = 1;
				if (hi != 0) {
					if (c < 0xdc00 || c > 0xdfff)
						goto bad;
					c = 0x10000 + ((hi - 0xd800) << 10) +
					    (c - 0xdc00);
					hi = 0;
				} else if (c >= 0xd800 && c <= 0xdbff) {
					hi = c;
					continue;
				} else if (c >= 0xdc00 && c <= 0xdfff)
					goto bad;
				/* RFC 3501: printable ASCII is never encoded */
				if (c >= 0x20 && c <= 0x7e)
					goto bad;
				if (put_utf8(out, c) == -1)
					goto err;
			}
		}
		if (i >= n || !any || hi != 0 || nbits >= 6 ||
		    (bits & ((1u << nbits) - 1)) != 0)
			goto bad;
		i++;	/* the '-' */
	}
	return 0;
bad:
	errno = EINVAL;
err:
	str_truncate(out, start);
	return -1;
}

/* mutf7_encode - UTF-8 to modified UTF-7. */
int
mutf7_encode(struct str *out, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t	 i = 0, start = out->len;
	uint32_t bits = 0, nbits = 0;
	int	 in = 0;
	int32_t	 c;

	while (i < n) {
		if ((c = utf8_next(u, n, &i)) < 0) {
			errno = EINVAL;
			goto err;
		}
		if (c >= 0x20 && c <= 0x7e) {
			if (in) {
				if (nbits > 0 && str_catc(out,
				    b64[(bits << (6 - nbits)) & 0x3f]) == -1)
					goto err;
				if (str_catc(out, '-') == -1)
					goto err;
				in = 0;
				bits = nbits = 0;
			}
			if (str_catc(out, (char)c) == -1)
				goto err;
			if (c == '&' && str_catc(out, '-') == -1)
				goto err;
			continue;
		}
		if (!in) {
			if (str_catc(out, '&') == -1)
				goto err;
			in = 1;
		}
		{
			uint32_t units[2];
			int	 nu = 1, k;

			if (c >= 0x10000) {
				units[0] = 0xd800 + (((uint32_t)c - 0x10000) >> 10);
				units[1] = 0xdc00 + (((uint32_t)c - 0x10000) & 0x3ff);
				nu = 2;
			} else
				units[0] = (uint32_t)c;
			for (k = 0; k < nu; k++) {
				bits = bits << 16 | units[k];
				nbits += 16;
				while (nbits >= 6) {
					nbits -= 6;
					if (str_catc(out,
					    b64[(bits >> nbits) & 0x3f]) == -1)
						goto err;
				}
				bits &= (1u << nbits) - 1;
			}
		}
	}
	if (in) {
		if (nbits > 0 && str_catc(out,
		    b64[(bits << (6 - nbits)) & 0x3f]) == -1)
			goto err;
		if (str_catc(out, '-') == -1)
			goto err;
	}
	return 0;
err:
	str_truncate(out, start);
	return -1;
}
