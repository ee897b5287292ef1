/*
 * md5x_test - unit tests for md5x.c: the RFC 1321 test suite, the RFC 2202
 * HMAC-MD5 vectors, the example of RFC 2195 (CRAM-MD5) and of RFC 1939
 * (APOP), and random inputs of every length around the block boundaries
 * against OpenSSL's MD5 and HMAC.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "md5x.h"
#include "test.h"

static void	hex(const unsigned char *, char *);

static void
hex(const unsigned char *d, char *out)
{
	int	 i;

	for (i = 0; i < MD5_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void
test_rfc1321(void **state)
{
	static const struct {
		const char *in, *md;
	} v[] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "a", "0cc175b9c0f1b6a831c399e269772661" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
		{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
		{ "abcdefghijklmnopqrstuvwxyz",
		    "c3fcd3d76192e4007dfb496cca67e13b" },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789", "d174ab98d277d9f5a5611c2c9f419d9f" },
		{ "1234567890123456789012345678901234567890123456789012345678"
		    "9012345678901234567890", "57edf4a22be3c955ac49da2e2107b67a" },
		/* RFC 1939 section 7: APOP */
		{ "<1896.697170952@dbc.mtview.ca.us>tanstaaf",
		    "c4c9334bac560ecc979e58001b3e22fb" },
	};
	unsigned char d[MD5_LEN];
	char	 h[2 * MD5_LEN + 1];
	struct md5 m;
	size_t	 i, j;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		md5_init(&m);
		md5_update(&m, v[i].in, strlen(v[i].in));
		md5_final(&m, d);
		hex(d, h);
		assert_string_equal(h, v[i].md);
		/* the same fed one byte at a time */
		md5_init(&m);
		for (j = 0; j < strlen(v[i].in); j++)
			md5_update(&m, v[i].in + j, 1);
		md5_final(&m, d);
		hex(d, h);
		assert_string_equal(h, v[i].md);
	}
}

static void
test_hmac(void **state)
{
	unsigned char k1[16], k3[16], d3[50], k5[80], d[MD5_LEN];
	char	 h[2 * MD5_LEN + 1];
	const char *chal = "<1896.697170952@postoffice.reston.mci.net>";

	(void)state;
	memset(k1, 0x0b, sizeof(k1));
	md5_hmac(k1, sizeof(k1), "Hi There", 8, d);
	hex(d, h);
	assert_string_equal(h, "9294727a3638bb1c13f48ef8158bfc9d");
	md5_hmac("Jefe", 4, "what do ya want for nothing?", 28, d);
	hex(d, h);
	assert_string_equal(h, "750c783e6ab0b503eaa86e310a5db738");
	memset(k3, 0xaa, sizeof(k3));
	memset(d3, 0xdd, sizeof(d3));
	md5_hmac(k3, sizeof(k3), d3, sizeof(d3), d);
	hex(d, h);
	assert_string_equal(h, "56be34521d144c88dbb8c733f0e8b3f6");
	memset(k5, 0xaa, sizeof(k5));		/* a key longer than a block */
	md5_hmac(k5, sizeof(k5), "Test Using Larger Than Block-Size Key - "
	    "Hash Key First", 54, d);
	hex(d, h);
	assert_string_equal(h, "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd");
	/* RFC 2195 section 2 */
	md5_hmac("tanstaaftanstaaf", 16, chal, strlen(chal), d);
	hex(d, h);
	assert_string_equal(h, "b913a602c7eda7a495b4e6e7334d3890");
}

static void
test_against_openssl(void **state)
{
	unsigned char buf[300], key[150], a[MD5_LEN], b[EVP_MAX_MD_SIZE];
	unsigned int blen;
	struct md5 m;
	size_t	 n, k;

	(void)state;
	srandom(1);
	for (n = 0; n < sizeof(buf); n++) {
		for (k = 0; k < sizeof(buf); k++)
			buf[k] = (unsigned char)random();
		for (k = 0; k < sizeof(key); k++)
			key[k] = (unsigned char)random();
		md5_init(&m);
		md5_update(&m, buf, n / 3);
		md5_update(&m, buf + n / 3, n - n / 3);
		md5_final(&m, a);
		assert_int_equal(EVP_Digest(buf, n, b, &blen, EVP_md5(), NULL),
		    1);
		assert_memory_equal(a, b, MD5_LEN);
		k = n % sizeof(key);
		md5_hmac(key, k, buf, n, a);
		assert_non_null(HMAC(EVP_md5(), key, (int)k, buf, n, b, &blen));
		assert_memory_equal(a, b, MD5_LEN);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc1321),
		cmocka_unit_test(test_hmac),
		cmocka_unit_test(test_against_openssl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
