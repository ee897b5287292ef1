/*
 * md5 - MD5 as RFC 1321 specifies it, and HMAC-MD5 (RFC 2104).  Library
 * code for the login checkers; inputs are passwords and challenges, any
 * length, any bytes.
 */
#include <string.h>

#include "md5.h"

static void	md5_block(uint32_t *, const unsigned char *);

/* T[i] = floor(2^32 * abs(sin(i + 1))), RFC 1321 section 3.4. */
static const uint32_t md5_t[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf,
	0x4787c62a, 0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af,
	0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e,
	0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa,
	0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6,
	0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8,
	0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
	0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
	0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039,
	0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244, 0x432aff97,
	0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d,
	0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
	0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

/* The rotation of each step, by round (RFC 1321 section 3.4). */
static const unsigned char md5_s[4][4] = {
	{ 7, 12, 17, 22 }, { 5, 9, 14, 20 }, { 4, 11, 16, 23 },
	{ 6, 10, 15, 21 },
};

void
md5_init(struct md5 *m)
{
	m->h[0] = 0x67452301;
	m->h[1] = 0xefcdab89;
	m->h[2] = 0x98badcfe;
	m->h[3] = 0x10325476;
	m->len = 0;
	m->n = 0;
}

/* Process one 64-byte block (little-endian words). */
static void
md5_block(uint32_t *h, const unsigned char *p)
{
	uint32_t x[16], a = h[0], b = h[1], c = h[2], d = h[3], f, t;
	int	 i, g;

	for (i = 0; i < 16; i++)
		x[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
		    (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
	for (i = 0; i < 64; i++) {
		switch (i / 16) {
		case 0:
			f = (b & c) | (~b & d);
			g = i;
			break;
		case 1:
			f = (d & b) | (~d & c);
			g = (5 * i + 1) % 16;
			break;
		case 2:
			f = b ^ c ^ d;
			g = (3 * i + 5) % 16;
			break;
		default:
			f = c ^ (b | ~d);
			g = (7 * i) % 16;
			break;
		}
		t = a + f + md5_t[i] + x[g];
		a = d;
		d = c;
		c = b;
		b += t << md5_s[i / 16][i % 4] |
		    t >> (32 - md5_s[i / 16][i % 4]);
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	memset(x, 0, sizeof(x));
}

void
md5_update(struct md5 *m, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t	 k;

	m->len += len;
	while (len > 0) {
		k = 64 - m->n < len ? 64 - m->n : len;
		memcpy(m->buf + m->n, p, k);
		m->n += k;
		p += k;
		len -= k;
		if (m->n == 64) {
			md5_block(m->h, m->buf);
			m->n = 0;
		}
	}
}

void
md5_final(struct md5 *m, unsigned char out[MD5_LEN])
{
	uint64_t bits = m->len * 8;
	int	 i;

	/* Pad with 0x80, zeros to 56 mod 64, then the bit length. */
	m->buf[m->n++] = 0x80;
	if (m->n > 56) {
		memset(m->buf + m->n, 0, 64 - m->n);
		md5_block(m->h, m->buf);
		m->n = 0;
	}
	memset(m->buf + m->n, 0, 56 - m->n);
	for (i = 0; i < 8; i++)
		m->buf[56 + i] = (unsigned char)(bits >> (8 * i));
	md5_block(m->h, m->buf);
	for (i = 0; i < 16; i++)
		out[i] = (unsigned char)(m->h[i / 4] >> (8 * (i % 4)));
	explicit_bzero(m, sizeof(*m));
}

void
md5_hmac(const void *key, size_t klen, const void *msg, size_t mlen,
    unsigned char out[MD5_LEN])
{
	unsigned char k[64], pad[64], inner[MD5_LEN];
	struct md5 m;
	int	 i;

	memset(k, 0, sizeof(k));
	if (klen > sizeof(k)) {
		md5_init(&m);
		md5_update(&m, key, klen);
		md5_final(&m, k);
	} else if (klen > 0) {
		memcpy(k, key, klen);
	}
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	md5_init(&m);
	md5_update(&m, pad, sizeof(pad));
	md5_update(&m, msg, mlen);
	md5_final(&m, inner);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	md5_init(&m);
	md5_update(&m, pad, sizeof(pad));
	md5_update(&m, inner, sizeof(inner));
	md5_final(&m, out);
	explicit_bzero(k, sizeof(k));
	explicit_bzero(pad, sizeof(pad));
	explicit_bzero(inner, sizeof(inner));
}
