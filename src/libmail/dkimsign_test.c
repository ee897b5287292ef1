/*
 * dkimsign_test - the relaxed canonicalizations against the examples of
 * RFC 6376 3.4.5 and their edges (empty bodies, white space only, no
 * final line end, a CR inside a line), and signatures made by dkimsign
 * with an RSA-2048 and an Ed25519 key checked by libopendkim, OpenDKIM's
 * own verifier: messages with repeated, folded and unsigned fields, a
 * changed body and a field added after signing fail; keys that cannot
 * sign are refused.  (libopendkim reads a CR inside a line as white
 * space, RFC 6376 and dkimpy as a character, as we do: a bare CR, which
 * SMTP forbids anyway, is left out of the cross-check.)
 */
#include <errno.h>
#include <opendkim/dkim.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "dkimsign.h"
#include "test.h"

static int
collect(void *arg, const char *b, size_t n)
{
	return str_catb(arg, b, n);
}

/* The relaxed body canonicalization of in, fed in steps of step bytes. */
static void
body_canon(const char *in, size_t step, struct str *out)
{
	struct dkimsign_canon c;
	size_t	 n = strlen(in), i, k;

	str_clear(out);
	dkimsign_canon_init(&c, collect, out);
	for (i = 0; i < n; i += k) {
		k = n - i < step ? n - i : step;
		assert_int_equal(dkimsign_canon_feed(&c, in + i, k), 0);
	}
	assert_int_equal(dkimsign_canon_end(&c), 0);
}

static void
test_body(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		/* RFC 6376 3.4.5 */
		{ " C \nD \t E\n\n\n", " C\r\nD E\r\n" },
		{ "", "" },
		{ "\n\n\n", "" },
		{ " \t\n \n", "" },
		{ "no end", "no end\r\n" },
		{ "a\n\nb\n\n", "a\r\n\r\nb\r\n" },
		{ "a  \n \n\t\nb", "a\r\n\r\n\r\nb\r\n" },
		{ "cr\rin\r\nline\n", "cr\rin\r\r\nline\r\n" },
		{ "\tlead\n", " lead\r\n" },
		{ "x \n", "x\r\n" },
	};
	struct str out = STR_INIT(STR_UNBOUNDED);
	size_t	 i, step;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (step = 1; step <= 8; step *= 2) {
			body_canon(cases[i].in, step, &out);
			assert_string_equal(str_c(&out), cases[i].out);
		}
	str_free(&out);
}

static void
test_header(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		/* RFC 6376 3.4.5 */
		{ "A: X\n", "a:X\r\n" },
		{ "B : Y\t\n\tZ  \n", "b:Y Z\r\n" },
		{ "Subject:  a  b\t c \n", "subject:a b c\r\n" },
		{ "To:\n", "to:\r\n" },
		{ "X-Cr: a\rb\n", "x-cr:a\rb\r\n" },
		{ "Received: x\r\n y\n", "received:x y\r\n" },
	};
	struct str out = STR_INIT(STR_UNBOUNDED);
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		str_clear(&out);
		assert_int_equal(dkimsign_canon_header(cases[i].in,
		    strlen(cases[i].in), &out), 0);
		assert_string_equal(str_c(&out), cases[i].out);
	}
	str_clear(&out);
	assert_int_equal(dkimsign_canon_header("no colon\n", 9, &out), -1);
	assert_int_equal(errno, EINVAL);
	str_free(&out);
}

/* A new key, its PEM text and the TXT record that publishes it. */
struct pair {
	struct str pem, txt;
	struct dkimsign_key *k;
};

static void
make_key(int rsa, struct pair *p)
{
	EVP_PKEY *k;
	BIO	*bio;
	char	*mem;
	unsigned char raw[64], *der = NULL;
	size_t	 rawlen = sizeof(raw);
	long	 n;
	int	 dlen;

	k = rsa ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048) :
	    EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(k);
	bio = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL,
	    NULL), 1);
	n = BIO_get_mem_data(bio, &mem);
	p->pem.max = p->txt.max = STR_UNBOUNDED;
	assert_int_equal(str_copyb(&p->pem, mem, (size_t)n), 0);
	BIO_free(bio);
	assert_int_equal(str_copys(&p->txt, rsa ? "v=DKIM1; k=rsa; p=" :
	    "v=DKIM1; k=ed25519; p="), 0);
	if (rsa) {
		dlen = i2d_PUBKEY(k, &der);
		assert_true(dlen > 0);
		assert_int_equal(b64_encode(&p->txt, der, (size_t)dlen), 0);
		OPENSSL_free(der);
	} else {
		assert_int_equal(EVP_PKEY_get_raw_public_key(k, raw, &rawlen),
		    1);
		assert_int_equal(b64_encode(&p->txt, raw, rawlen), 0);
	}
	EVP_PKEY_free(k);
	p->k = dkimsign_key_new(p->pem.s, p->pem.len);
	assert_non_null(p->k);
	assert_int_equal(dkimsign_key_ed25519(p->k), !rsa);
}

static struct pair keys[2];
static const char *sels[2] = { "r1", "e1" };

/* libopendkim's key lookup: the TXT record of r1 or e1. */
static DKIM_CBSTAT
lookup(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
	const char *sel = (const char *)dkim_sig_getselector(sig);
	const struct pair *p;

	(void)dkim;
	if (sel == NULL || (strcmp(sel, "r1") != 0 && strcmp(sel, "e1") != 0))
		return DKIM_CBSTAT_NOTFOUND;
	p = &keys[strcmp(sel, "r1") == 0 ? 0 : 1];
	if (p->txt.len >= buflen)
		return DKIM_CBSTAT_ERROR;
	memcpy(buf, p->txt.s, p->txt.len + 1);
	return DKIM_CBSTAT_CONTINUE;
}

/* msg (stored form) signed, in wire form (CRLF) into *wire. */
static void
sign(const char *msg, size_t step, struct str *wire)
{
	struct dkimsign_key *k[2] = { keys[0].k, keys[1].k };
	struct dkimsign *d;
	struct str out = STR_INIT(STR_UNBOUNDED), why = STR_INIT(1024);
	const char *p = msg, *eoh, *nl;
	size_t	 i, j, n;

	d = dkimsign_new("box.example", sels, k, 2, 1796613000LL);
	assert_non_null(d);
	eoh = strstr(msg, "\n\n");
	assert_non_null(eoh);
	/* Fields: a line and its continuation lines. */
	while (p <= eoh) {
		nl = p;
		do
			nl = strchr(nl, '\n') + 1;
		while (*nl == ' ' || *nl == '\t');
		assert_int_equal(dkimsign_header(d, p, (size_t)(nl - p)), 0);
		p = nl;
	}
	p = eoh + 2;
	n = strlen(p);
	for (i = 0; i < n; i += j) {
		j = n - i < step ? n - i : step;
		assert_int_equal(dkimsign_body(d, p + i, j), 0);
	}
	assert_int_equal(dkimsign_end(d, &out, &why), 0);
	assert_int_equal(str_cats(&out, msg), 0);
	dkimsign_free(d);
	str_clear(wire);
	for (i = 0; i < out.len; i++) {
		if (out.s[i] == '\n')
			assert_int_equal(str_catc(wire, '\r'), 0);
		assert_int_equal(str_catc(wire, out.s[i]), 0);
	}
	/* qmail-remote ends the last line before the final dot. */
	if (wire->len < 2 || wire->s[wire->len - 1] != '\n')
		assert_int_equal(str_cats(wire, "\r\n"), 0);
	str_free(&out);
	str_free(&why);
}

/* libopendkim's verdict on each signature: the count that pass. */
static int
verify(const struct str *wire, int *nsigs)
{
	DKIM_LIB *lib;
	DKIM	*v;
	DKIM_SIGINFO **sigs;
	DKIM_STAT st;
	int	 i, n, pass = 0;

	lib = dkim_init(NULL, NULL);
	assert_non_null(lib);
	assert_int_equal(dkim_set_key_lookup(lib, lookup), DKIM_STAT_OK);
	v = dkim_verify(lib, (const u_char *)"t", NULL, &st);
	assert_non_null(v);
	(void)dkim_chunk(v, (u_char *)wire->s, wire->len);
	(void)dkim_chunk(v, NULL, 0);
	(void)dkim_eom(v, NULL);
	*nsigs = 0;
	if (dkim_getsiglist(v, &sigs, &n) == DKIM_STAT_OK) {
		*nsigs = n;
		for (i = 0; i < n; i++)
			if ((dkim_sig_getflags(sigs[i]) & DKIM_SIGFLAG_PASSED) &&
			    dkim_sig_getbh(sigs[i]) == DKIM_SIGBH_MATCH)
				pass++;
	}
	dkim_free(v);
	dkim_close(lib);
	return pass;
}

static const char *msgs[] = {
	"From: Alice <alice@box.example>\nTo: Bob <bob@elsewhere.example>\n"
	"Subject: a  signed\n\tmessage \nDate: Mon, 07 Dec 2026 10:00:00 "
	"+0000\nMessage-ID: <1@box.example>\nX-Unsigned: yes\n\n"
	"Hello Bob,\n\n  spaces   here  \n.a dot\n\n\n",
	"From: a@box.example\nSubject: one\nsubject: two\nCC: c@x\n"
	"Received: from somewhere\n\n",
	"From: a@box.example\nTo: x@y\n\nno final line end",
	"From: a@box.example\nContent-Type: text/plain;\n charset=utf-8\n\n"
	"folded\n",
	"From: a@box.example\n\ncr at end\r\nline\n",
};

static void
test_sign_verify(void **state)
{
	struct str wire = STR_INIT(STR_UNBOUNDED), two = STR_INIT(STR_UNBOUNDED);
	size_t	 i, step;
	int	 n;
	char	*p;

	(void)state;
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
		for (step = 1; step <= 4096; step *= 64) {
			sign(msgs[i], step, &wire);
			assert_int_equal(verify(&wire, &n), 2);
			assert_int_equal(n, 2);
		}
	/* From oversigned; the unsigned field is not in h=. */
	sign(msgs[0], 100, &wire);
	assert_non_null(strstr(wire.s, "a=rsa-sha256"));
	assert_non_null(strstr(wire.s, "a=ed25519-sha256"));
	assert_non_null(strstr(wire.s, "h=From:From:To:Subject:Date:"
	    "Message-ID;"));
	assert_null(strstr(wire.s, "X-Unsigned;"));
	/* A changed body fails; so does a second From on top. */
	p = strstr(wire.s, "Hello Bob");
	p[1] = 'a';
	assert_int_equal(verify(&wire, &n), 0);
	p[1] = 'e';
	assert_int_equal(verify(&wire, &n), 2);
	p = strstr(wire.s, "\r\nFrom:") + 2;
	assert_int_equal(str_catb(&two, wire.s, (size_t)(p - wire.s)), 0);
	assert_int_equal(str_cats(&two, "From: eve@evil.example\r\n"), 0);
	assert_int_equal(str_cats(&two, p), 0);
	assert_int_equal(verify(&two, &n), 0);
	str_free(&two);
	str_free(&wire);
}

static void
test_bad_keys(void **state)
{
	static const char junk[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n"
	    "-----END PRIVATE KEY-----\n";
	EVP_PKEY *k;
	BIO	*bio;
	char	*mem;
	long	 n;

	(void)state;
	errno = 0;
	assert_null(dkimsign_key_new(junk, sizeof(junk) - 1));
	assert_int_equal(errno, EINVAL);
	assert_null(dkimsign_key_new("", 0));
	/* RSA under 1024 bits, and a key of another kind. */
	k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)512);
	assert_non_null(k);
	bio = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL,
	    NULL), 1);
	n = BIO_get_mem_data(bio, &mem);
	assert_null(dkimsign_key_new(mem, (size_t)n));
	BIO_free(bio);
	EVP_PKEY_free(k);
	k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(k);
	bio = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL,
	    NULL), 1);
	n = BIO_get_mem_data(bio, &mem);
	assert_null(dkimsign_key_new(mem, (size_t)n));
	BIO_free(bio);
	EVP_PKEY_free(k);
	assert_null(dkimsign_new("box.example", sels, NULL, 0, 0));
}

static int
setup(void **state)
{
	(void)state;
	make_key(1, &keys[0]);
	make_key(0, &keys[1]);
	return 0;
}

static int
teardown(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < 2; i++) {
		dkimsign_key_free(keys[i].k);
		str_wipe(&keys[i].pem);
		str_free(&keys[i].txt);
	}
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_bad_keys),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
