/*
 * b64 - strict base64 encoding and decoding of untrusted SASL text.
 */
#include <errno.h>

#include "b64.h"

static const char b64_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int	b64_val(unsigned char);

int
b64_encode(struct str *out, const void *b, size_t n)
{
	const unsigned char *p = b;
	size_t	 old = out->len, i;
	char	 q[4];
	unsigned long v;

	for (i = 0; i < n; i += 3) {
		v = (unsigned long)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned long)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = b64_alpha[(v >> 18) & 63];
		q[1] = b64_alpha[(v >> 12) & 63];
		q[2] = i + 1 < n ? b64_alpha[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? b64_alpha[v & 63] : '=';
		if (str_catb(out, q, 4) == -1) {
			str_truncate(out, old);
			return -1;
		}
	}
	if (str_ready(out, 0) == -1)
		return -1;
	return 0;
}

/* The value of a base64 digit, or -1. */
static int
b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
b64_decode(struct str *out, const char *s, size_t n)
{
	size_t	 old = out->len, i, j, pad;
	unsigned long v;
	char	 b[3];
	int	 d;

	if (n % 4 != 0)
		goto bad;
	for (i = 0; i < n; i += 4) {
		v = 0;
		pad = 0;
		for (j = 0; j < 4; j++) {
			if (s[i + j] == '=' && i + 4 == n && j >= 2) {
				pad++;
				v <<= 6;
				continue;
			}
			d = b64_val((unsigned char)s[i + j]);
			if (d < 0 || pad > 0)
				goto bad;
			v = (v << 6) | (unsigned long)d;
		}
		if ((pad == 1 && (v & 0xff) != 0) ||
		    (pad == 2 && (v & 0xffff) != 0))
			goto bad;
		b[0] = (char)(v >> 16);
		b[1] = (char)(v >> 8);
		b[2] = (char)v;
		if (str_catb(out, b, 3 - pad) == -1) {
			str_truncate(out, old);
			return -1;
		}
	}
	if (str_ready(out, 0) == -1)
		return -1;
	return 0;
bad:
	str_truncate(out, old);
	errno = EINVAL;
	return -1;
}
