/*
 * md5x - MD5 through libmd and HMAC-MD5 on top of it (RFC 2104).
 * See md5x.h.
 */
#include <string.h>

#include "md5x.h"

void
md5_init(struct md5 *m)
{
	MD5Init(&m->ctx);
}

void
md5_update(struct md5 *m, const void *p, size_t n)
{
	MD5Update(&m->ctx, p, n);
}

void
md5_final(struct md5 *m, unsigned char out[MD5_LEN])
{
	MD5Final(out, &m->ctx);
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
