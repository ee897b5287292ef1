/*
 * dkimsign - DKIM signing on libcrypto (see dkimsign.h): keys parsed
 * once, one body hash and one canonical header for every key, the
 * signatures made from a SHA-256 of the header (RSA PKCS#1 v1.5, and
 * PureEdDSA over that hash for Ed25519, RFC 8463 3).  Runs in msgauthd;
 * the message is not trusted to be well formed.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "dkimsign.h"

/* Where the header fields and the signature are folded; a column that
 * makes the next tag start a line. */
#define FOLD_AT		72
#define FOLD_BREAK	1000
#define SHA256_LEN	32

struct dkimsign_key {
	EVP_PKEY *pkey;
	EVP_PKEY_CTX *rsa;	/* RSA: set up once for PKCS#1 and SHA-256 */
	int	 ed25519;
};

/*
 * The fields signed when present (RFC 6376 5.4.1, which libopendkim
 * signs by default too, and List-Unsubscribe-Post, which RFC 8058 3.3
 * wants signed), as they are named in h=.  From comes first: it is
 * also signed once more than it appears.
 */
static const char *const dkimsign_names[] = {
	"From", "To", "Cc", "Subject", "Date", "Message-ID", "Reply-To",
	"Sender", "In-Reply-To", "References", "MIME-Version", "Content-Type",
	"Content-Transfer-Encoding", "Content-ID", "Content-Description",
	"Resent-Date", "Resent-From", "Resent-Sender", "Resent-To",
	"Resent-Cc", "Resent-Message-ID", "List-Id", "List-Help",
	"List-Unsubscribe", "List-Subscribe", "List-Post", "List-Owner",
	"List-Archive", "List-Unsubscribe-Post",
};
#define NNAMES	(sizeof(dkimsign_names) / sizeof(dkimsign_names[0]))

struct dkimsign_field {
	size_t	 name;		/* index in dkimsign_names */
	size_t	 off, len;	/* its canonical form in hdr */
};

struct dkimsign {
	const char *domain;
	const char *const *sels;
	struct dkimsign_key *const *keys;
	size_t	 nkeys;
	long long now;
	struct str hdr;		/* canonical forms of the fields to sign */
	struct dkimsign_field *f;
	size_t	 nf, capf;
	EVP_MD_CTX *body;
	struct dkimsign_canon canon;
};

static int	dkimsign_hash(void *, const char *, size_t);
static int	dkimsign_name(const char *, size_t, size_t *);
static int	dkimsign_fold(struct str *, size_t *, int, const char *,
		    size_t);
static int	dkimsign_crypt(struct dkimsign_key *, const unsigned char *,
		    unsigned char *, size_t *);
static int	dkimsign_one(struct dkimsign *, size_t, const struct str *,
		    const struct str *, const char *, struct str *,
		    struct str *);
static int	dkimsign_order(const struct dkimsign *, struct str *,
		    struct str *);

struct dkimsign_key *
dkimsign_key_new(const char *pem, size_t n)
{
	struct dkimsign_key *k;
	BIO	*bio;
	int	 id;

	if (n > INT32_MAX) {
		errno = EINVAL;
		return NULL;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return NULL;
	bio = BIO_new_mem_buf(pem, (int)n);
	if (bio != NULL)
		k->pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (k->pkey == NULL)
		goto bad;
	id = EVP_PKEY_get_id(k->pkey);
	if (id == EVP_PKEY_ED25519) {
		k->ed25519 = 1;
		return k;
	}
	if (id != EVP_PKEY_RSA || EVP_PKEY_get_bits(k->pkey) <
	    DKIMSIGN_MIN_BITS)
		goto bad;
	k->rsa = EVP_PKEY_CTX_new(k->pkey, NULL);
	if (k->rsa == NULL || EVP_PKEY_sign_init(k->rsa) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(k->rsa, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(k->rsa, EVP_sha256()) != 1)
		goto bad;
	return k;
bad:
	dkimsign_key_free(k);
	errno = EINVAL;
	return NULL;
}

int
dkimsign_key_ed25519(const struct dkimsign_key *k)
{
	return k->ed25519;
}

void
dkimsign_key_free(struct dkimsign_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_CTX_free(k->rsa);
	EVP_PKEY_free(k->pkey);
	free(k);
}

/* Relaxed body canonicalization into a buffer that out empties. */
void
dkimsign_canon_init(struct dkimsign_canon *c,
    int (*out)(void *, const char *, size_t), void *arg)
{
	memset(c, 0, sizeof(*c));
	c->out = out;
	c->arg = arg;
}

static int
canon_put(struct dkimsign_canon *c, const char *b, size_t n)
{
	size_t	 k;

	while (n > 0) {
		if (c->n == sizeof(c->buf)) {
			if (c->out(c->arg, c->buf, c->n) == -1)
				return -1;
			c->n = 0;
		}
		k = sizeof(c->buf) - c->n;
		if (k > n)
			k = n;
		memcpy(c->buf + c->n, b, k);
		c->n += k;
		b += k;
		n -= k;
	}
	return 0;
}

/*
 * RFC 6376 3.4.4: white space at the end of a line goes, a run of it
 * inside a line becomes one space, empty lines at the end go, and a body
 * that is not empty ends in CRLF.  Lines end in LF as stored; each goes
 * out with CRLF, as on the wire.
 */
int
dkimsign_canon_feed(struct dkimsign_canon *c, const char *b, size_t n)
{
	size_t	 i, run;

	for (i = 0; i < n; i += run) {
		run = 1;
		if (b[i] == '\n') {
			/* An empty line waits: more text may follow it. */
			if (!c->inline_)
				c->blank++;
			else if (canon_put(c, "\r\n", 2) == -1)
				return -1;
			c->inline_ = c->wsp = 0;
			continue;
		}
		if (b[i] == ' ' || b[i] == '\t') {
			c->wsp = 1;
			continue;
		}
		for (; c->blank > 0; c->blank--)
			if (canon_put(c, "\r\n", 2) == -1)
				return -1;
		if (c->wsp && canon_put(c, " ", 1) == -1)
			return -1;
		c->wsp = 0;
		c->inline_ = 1;
		/* The rest of the run of ordinary bytes at once. */
		while (i + run < n && b[i + run] != '\n' && b[i + run] != ' ' &&
		    b[i + run] != '\t')
			run++;
		if (canon_put(c, b + i, run) == -1)
			return -1;
	}
	return 0;
}

int
dkimsign_canon_end(struct dkimsign_canon *c)
{
	if (c->inline_ && canon_put(c, "\r\n", 2) == -1)
		return -1;
	c->inline_ = c->wsp = 0;
	c->blank = 0;
	if (c->n > 0 && c->out(c->arg, c->buf, c->n) == -1)
		return -1;
	c->n = 0;
	return 0;
}

/*
 * RFC 6376 3.4.2: the name lowercased, the field unfolded, runs of white
 * space one space, none at the end of the value nor around the colon.
 */
int
dkimsign_canon_header(const char *f, size_t n, struct str *out)
{
	const char *colon = memchr(f, ':', n);
	size_t	 i, nl, start = out->len;
	int	 wsp = 0, any = 0;
	char	 ch;

	if (colon == NULL) {
		errno = EINVAL;
		return -1;
	}
	for (nl = (size_t)(colon - f); nl > 0 && (f[nl - 1] == ' ' ||
	    f[nl - 1] == '\t'); nl--)
		;
	if (str_ready(out, n + 2) == -1)
		return -1;
	for (i = 0; i < nl; i++) {
		ch = f[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (str_catc(out, ch) == -1)
			goto fail;
	}
	if (str_catc(out, ':') == -1)
		goto fail;
	for (i = (size_t)(colon - f) + 1; i < n; i++) {
		ch = f[i];
		/* Unfolding: the line ends go (CR only right before LF). */
		if (ch == '\n' || (ch == '\r' && i + 1 < n && f[i + 1] ==
		    '\n'))
			continue;
		if (ch == ' ' || ch == '\t') {
			wsp = 1;
			continue;
		}
		if (wsp && any && str_catc(out, ' ') == -1)
			goto fail;
		wsp = 0;
		any = 1;
		if (str_catc(out, ch) == -1)
			goto fail;
	}
	if (str_catb(out, "\r\n", 2) == -1)
		goto fail;
	return 0;
fail:
	str_truncate(out, start);
	return -1;
}

static int
dkimsign_hash(void *arg, const char *b, size_t n)
{
	return EVP_DigestUpdate(arg, b, n) == 1 ? 0 : -1;
}

struct dkimsign *
dkimsign_new(const char *domain, const char *const *sels,
    struct dkimsign_key *const *keys, size_t n, long long now)
{
	struct dkimsign *d;
	struct str hdr = STR_INIT(STR_UNBOUNDED);

	if (n == 0 || n > DKIMSIGN_MAX) {
		errno = EINVAL;
		return NULL;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->domain = domain;
	d->sels = sels;
	d->keys = keys;
	d->nkeys = n;
	d->now = now;
	d->hdr = hdr;
	if ((d->body = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(d->body, EVP_sha256(), NULL) != 1) {
		dkimsign_free(d);
		errno = ENOMEM;
		return NULL;
	}
	dkimsign_canon_init(&d->canon, dkimsign_hash, d->body);
	return d;
}

void
dkimsign_free(struct dkimsign *d)
{
	if (d == NULL)
		return;
	EVP_MD_CTX_free(d->body);
	str_free(&d->hdr);
	free(d->f);
	free(d);
}

/* The index of a field name among the signed ones: 1, or 0 not signed. */
static int
dkimsign_name(const char *f, size_t n, size_t *idx)
{
	const char *colon = memchr(f, ':', n);
	size_t	 nl, i;

	if (colon == NULL)
		return 0;
	for (nl = (size_t)(colon - f); nl > 0 && (f[nl - 1] == ' ' ||
	    f[nl - 1] == '\t'); nl--)
		;
	for (i = 0; i < NNAMES; i++)
		if (strlen(dkimsign_names[i]) == nl &&
		    mem_caseeq(f, dkimsign_names[i], nl)) {
			*idx = i;
			return 1;
		}
	return 0;
}

int
dkimsign_header(struct dkimsign *d, const char *f, size_t n)
{
	struct dkimsign_field *nf;
	size_t	 idx, off = d->hdr.len, cap;

	if (!dkimsign_name(f, n, &idx))
		return 0;
	if (d->nf == d->capf) {
		cap = d->capf ? d->capf * 2 : 16;
		if ((nf = reallocarray(d->f, cap, sizeof(*nf))) == NULL)
			return -1;
		d->f = nf;
		d->capf = cap;
	}
	if (dkimsign_canon_header(f, n, &d->hdr) == -1)
		return -1;
	d->f[d->nf].name = idx;
	d->f[d->nf].off = off;
	d->f[d->nf].len = d->hdr.len - off;
	d->nf++;
	return 0;
}

int
dkimsign_body(struct dkimsign *d, const char *b, size_t n)
{
	return dkimsign_canon_feed(&d->canon, b, n);
}

/*
 * Append s (n bytes) to the field being written, after a space when sp
 * is set, or on a new line ("\n\t") when the line would pass FOLD_AT or
 * *col is FOLD_BREAK; *col is the column.  0 or -1.
 */
static int
dkimsign_fold(struct str *out, size_t *col, int sp, const char *s, size_t n)
{
	if (*col + (sp ? 1 : 0) + n > FOLD_AT) {
		if (str_catb(out, "\n\t", 2) == -1)
			return -1;
		*col = 8;
	} else if (sp) {
		if (str_catc(out, ' ') == -1)
			return -1;
		(*col)++;
	}
	*col += n;
	return str_catb(out, s, n);
}

/* The signature of the header hash h with key k into sig.  0 or -1. */
static int
dkimsign_crypt(struct dkimsign_key *k, const unsigned char *h,
    unsigned char *sig, size_t *siglen)
{
	EVP_MD_CTX *md;
	int	 r;

	if (!k->ed25519)
		return EVP_PKEY_sign(k->rsa, sig, siglen, h, SHA256_LEN) == 1 ?
		    0 : -1;
	/* RFC 8463 3: PureEdDSA over the SHA-256 of the header. */
	if ((md = EVP_MD_CTX_new()) == NULL)
		return -1;
	r = EVP_DigestSignInit(md, NULL, NULL, NULL, k->pkey) == 1 &&
	    EVP_DigestSign(md, sig, siglen, h, SHA256_LEN) == 1 ? 0 : -1;
	EVP_MD_CTX_free(md);
	return r;
}

/* A tag into the field: after a space, or folded (dkimsign_fold). */
static int
dkimsign_tag(struct str *f, size_t *col, const char *fmt, ...)
	__attribute__((__format__ (printf, 3, 4)));

static int
dkimsign_tag(struct str *f, size_t *col, const char *fmt, ...)
{
	struct str t = STR_INIT(1024);
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	r = str_vprintf(&t, fmt, ap);
	va_end(ap);
	if (r == 0)
		r = dkimsign_fold(f, col, 1, t.s, t.len);
	str_free(&t);
	return r;
}

/*
 * The DKIM-Signature field of key i into *out: sh is the canonical
 * header (the signed fields in h= order), hl the h= value, bh the body
 * hash.  0 or -1.
 */
static int
dkimsign_one(struct dkimsign *d, size_t i, const struct str *sh,
    const struct str *hl, const char *bh, struct str *out, struct str *why)
{
	struct dkimsign_key *k = d->keys[i];
	struct str f = STR_INIT(STR_UNBOUNDED), b = STR_INIT(STR_UNBOUNDED);
	struct str canon = STR_INIT(STR_UNBOUNDED);
	unsigned char h[SHA256_LEN], sig[1024];
	EVP_MD_CTX *md = NULL;
	size_t	 col = sizeof("DKIM-Signature:") - 1, siglen = sizeof(sig), j;
	size_t	 n;
	unsigned int hlen = 0;
	int	 r = -1;

	/* As libopendkim lays it out: bh=, h= and b= start lines. */
	if (str_cats(&f, "DKIM-Signature:") == -1 ||
	    dkimsign_tag(&f, &col, "v=1;") == -1 ||
	    dkimsign_tag(&f, &col, "a=%s;", k->ed25519 ? "ed25519-sha256" :
	    "rsa-sha256") == -1 ||
	    dkimsign_tag(&f, &col, "c=relaxed/relaxed;") == -1 ||
	    dkimsign_tag(&f, &col, "d=%s;", d->domain) == -1 ||
	    dkimsign_tag(&f, &col, "s=%s;", d->sels[i]) == -1 ||
	    dkimsign_tag(&f, &col, "t=%lld;", d->now) == -1)
		goto nomem;
	col = FOLD_BREAK;
	if (dkimsign_tag(&f, &col, "bh=%s;", bh) == -1)
		goto nomem;
	col = FOLD_BREAK;
	if (dkimsign_fold(&f, &col, 1, "h=", 2) == -1)
		goto nomem;
	/* h= folds after a colon (FWS may stand around them). */
	for (j = 0; j < hl->len; j += n) {
		n = strcspn(hl->s + j, ":");
		if (j + n < hl->len)
			n++;
		if (dkimsign_fold(&f, &col, 0, hl->s + j, n) == -1)
			goto nomem;
	}
	if (dkimsign_fold(&f, &col, 0, ";", 1) == -1)
		goto nomem;
	col = FOLD_BREAK;
	if (dkimsign_fold(&f, &col, 1, "b=", 2) == -1)
		goto nomem;
	/* The hash: the signed fields, then this one with b= empty and
	 * without its CRLF (RFC 6376 3.7). */
	if (dkimsign_canon_header(f.s, f.len, &canon) == -1)
		goto nomem;
	str_truncate(&canon, canon.len - 2);
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(md, str_c(sh), sh->len) != 1 ||
	    EVP_DigestUpdate(md, canon.s, canon.len) != 1 ||
	    EVP_DigestFinal_ex(md, h, &hlen) != 1 || hlen != SHA256_LEN ||
	    dkimsign_crypt(k, h, sig, &siglen) == -1) {
		str_notef(why, "signing with %s failed", d->sels[i]);
		goto done;
	}
	if (b64_encode(&b, sig, siglen) == -1)
		goto nomem;
	/* b= on the rest of its line, then lines of their own. */
	for (j = 0; j < b.len; j += n) {
		n = col < FOLD_AT ? FOLD_AT - col : 0;
		if (n == 0) {
			if (str_catb(&f, "\n\t ", 3) == -1)
				goto nomem;
			col = 9;
			n = FOLD_AT - col;
		}
		if (n > b.len - j)
			n = b.len - j;
		if (str_catb(&f, b.s + j, n) == -1)
			goto nomem;
		col += n;
	}
	if (str_catc(&f, '\n') == -1 || str_cat(out, &f) == -1)
		goto nomem;
	r = 0;
	goto done;
nomem:
	str_note(why, "out of memory");
done:
	EVP_MD_CTX_free(md);
	explicit_bzero(h, sizeof(h));
	str_free(&f);
	str_free(&b);
	str_free(&canon);
	return r;
}

/*
 * The signed fields in h= order into *sh and their names into *hl: per
 * name the instances bottom up (RFC 6376 5.4.2), at most
 * DKIMSIGN_SAME_MAX of them, and From once more.
 */
static int
dkimsign_order(const struct dkimsign *d, struct str *sh, struct str *hl)
{
	size_t	 name, k, j, seen;

	for (name = 0; name < NNAMES; name++) {
		seen = 0;
		for (k = d->nf; k > 0 && seen < DKIMSIGN_SAME_MAX; k--) {
			j = k - 1;
			if (d->f[j].name != name)
				continue;
			seen++;
			if ((hl->len > 0 && str_catc(hl, ':') == -1) ||
			    str_cats(hl, dkimsign_names[name]) == -1 ||
			    str_catb(sh, d->hdr.s + d->f[j].off,
			    d->f[j].len) == -1)
				return -1;
		}
		/* From oversigned: no From can be added after signing. */
		if (name == 0 && ((hl->len > 0 && str_catc(hl, ':') == -1) ||
		    str_cats(hl, dkimsign_names[0]) == -1))
			return -1;
	}
	return 0;
}

int
dkimsign_end(struct dkimsign *d, struct str *out, struct str *why)
{
	struct str sh = STR_INIT(STR_UNBOUNDED), hl = STR_INIT(STR_UNBOUNDED);
	struct str bh = STR_INIT(1024);
	unsigned char h[SHA256_LEN];
	unsigned int hlen = 0;
	size_t	 i, start = out->len;
	int	 r = -1;

	if (dkimsign_canon_end(&d->canon) == -1 ||
	    EVP_DigestFinal_ex(d->body, h, &hlen) != 1 || hlen != SHA256_LEN) {
		str_note(why, "cannot hash the body");
		goto done;
	}
	if (b64_encode(&bh, h, hlen) == -1 || dkimsign_order(d, &sh, &hl) ==
	    -1) {
		str_note(why, "out of memory");
		goto done;
	}
	for (i = 0; i < d->nkeys; i++)
		if (dkimsign_one(d, i, &sh, &hl, str_c(&bh), out, why) == -1) {
			str_truncate(out, start);
			goto done;
		}
	r = 0;
done:
	str_free(&sh);
	str_free(&hl);
	str_free(&bh);
	return r;
}
