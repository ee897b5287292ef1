/*
 * fuzz_dkimsign - any message through the DKIM signer (dkimsign.h): its
 * header fields as mhdr cuts them (a line and its continuation lines)
 * through the relaxed header canonicalization and the choice of signed
 * fields, its body through the relaxed body canonicalization in chunks
 * whose size the first byte picks, then an Ed25519 signature.  The
 * output must be header lines only.
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkimsign.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct dkimsign_key *key;

static struct dkimsign_key *
make_key(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	struct dkimsign_key *dk = NULL;
	BIO	*bio = BIO_new(BIO_s_mem());
	char	*mem;
	long	 n;

	if (k != NULL && bio != NULL && PEM_write_bio_PrivateKey(bio, k, NULL,
	    NULL, 0, NULL, NULL) == 1 && (n = BIO_get_mem_data(bio, &mem)) > 0)
		dk = dkimsign_key_new(mem, (size_t)n);
	BIO_free(bio);
	EVP_PKEY_free(k);
	if (dk == NULL)
		abort();
	return dk;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *sels[] = { "s" };
	struct str out = STR_INIT(STR_UNBOUNDED), why = STR_INIT(1024);
	struct dkimsign *d;
	const char *p, *end, *nl;
	size_t	 step, k;

	if (key == NULL)
		key = make_key();
	if (size == 0)
		return 0;
	step = (size_t)data[0] + 1;
	p = (const char *)data + 1;
	end = (const char *)data + size;
	if ((d = dkimsign_new("example.org", sels, &key, 1, 0)) == NULL)
		return 0;
	/* Fields up to the first empty line. */
	while (p < end && *p != '\n') {
		nl = p;
		do {
			nl = memchr(nl, '\n', (size_t)(end - nl));
			nl = nl != NULL ? nl + 1 : end;
		} while (nl < end && (*nl == ' ' || *nl == '\t'));
		(void)dkimsign_header(d, p, (size_t)(nl - p));
		p = nl;
	}
	if (p < end)
		p++;
	for (; p < end; p += k) {
		k = (size_t)(end - p) < step ? (size_t)(end - p) : step;
		if (dkimsign_body(d, p, k) == -1)
			abort();
	}
	if (dkimsign_end(d, &out, &why) == 0 && (out.len == 0 ||
	    out.s[out.len - 1] != '\n' || memchr(out.s, '\r', out.len) != NULL ||
	    memchr(out.s, '\0', out.len) != NULL))
		abort();
	dkimsign_free(d);
	str_free(&out);
	str_free(&why);
	return 0;
}
