/*
 * dkimsig - libopendkim for msgauthd: one library handle per process,
 * one DKIM handle per message verified.  Message text and key records
 * are untrusted; libopendkim parses them, with our limits on signature
 * count, field size and key record size around it.
 */
#include <errno.h>
#include <opendkim/dkim.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkimsig.h"
#include "dns.h"

struct dkimsig {
	int	 eoh_failed;
	int	 tempfail;	/* a key lookup said try again */
	DKIM	*h;
	dkimsig_txt_fn txt;
	void	*arg;
	size_t	 skipped;
};

static DKIM_LIB *dkimsig_lib;

#ifdef __SANITIZE_ADDRESS__
/*
 * What libcrypto keeps for the life of the process (its providers and
 * method stores) is not a leak.  The sanitizer's fast unwinder stops in
 * libcrypto (built without frame pointers), so what libcrypto allocates
 * is named by the library.
 */
const char *__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:libcrypto.so\n";
}
#endif

static DKIM_CBSTAT dkimsig_key(DKIM *, DKIM_SIGINFO *, u_char *, size_t);
static DKIM_CBSTAT dkimsig_prescreen(DKIM *, DKIM_SIGINFO **, int);

const char *
dkimsig_result_name(enum dkimsig_result r)
{
	switch (r) {
	case DKIMSIG_PASS:
		return "pass";
	case DKIMSIG_FAIL:
		return "fail";
	case DKIMSIG_NEUTRAL:
		return "neutral";
	case DKIMSIG_TEMPERROR:
		return "temperror";
	default:
		return "permerror";
	}
}

int
dkimsig_init(void)
{
	unsigned int flags = DKIM_LIBFLAGS_FIXCRLF | DKIM_LIBFLAGS_BADSIGHANDLES;
	unsigned int bits = DKIMSIG_MIN_BITS;

	if (dkimsig_lib != NULL)
		return 0;
	if ((dkimsig_lib = dkim_init(NULL, NULL)) == NULL)
		return -1;
	if (dkim_options(dkimsig_lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
	    sizeof(flags)) != DKIM_STAT_OK ||
	    dkim_options(dkimsig_lib, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS,
	    &bits, sizeof(bits)) != DKIM_STAT_OK ||
	    dkim_set_key_lookup(dkimsig_lib, dkimsig_key) != DKIM_STAT_OK ||
	    dkim_set_prescreen(dkimsig_lib, dkimsig_prescreen) !=
	    DKIM_STAT_OK) {
		dkim_close(dkimsig_lib);
		dkimsig_lib = NULL;
		return -1;
	}
	return 0;
}

/* libopendkim asks for a key record: sel._domainkey.domain TXT. */
static DKIM_CBSTAT
dkimsig_key(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
	struct dkimsig *d = dkim_get_user_context(dkim);
	struct strlist l = STRLIST_INIT;
	struct str name = STR_INIT(1024);
	const char *sel, *dom;
	size_t	 n;
	int	 r;

	sel = (const char *)dkim_sig_getselector(sig);
	dom = (const char *)dkim_sig_getdomain(sig);
	if (d == NULL || sel == NULL || dom == NULL ||
	    str_printf(&name, "%s._domainkey.%s", sel, dom) == -1) {
		str_free(&name);
		return DKIM_CBSTAT_ERROR;
	}
	r = d->txt(d->arg, str_c(&name), &l);
	str_free(&name);
	if (r == DNS_SOFT && errno != E2BIG) {
		strlist_free(&l);
		return DKIM_CBSTAT_TRYAGAIN;
	}
	if (r != DNS_FOUND || l.n == 0) {
		strlist_free(&l);
		return DKIM_CBSTAT_NOTFOUND;
	}
	n = strlen(l.v[0]);
	if (n >= buflen || n > DKIMSIG_KEY_MAX) {
		strlist_free(&l);
		return DKIM_CBSTAT_NOTFOUND;
	}
	memcpy(buf, l.v[0], n + 1);
	strlist_free(&l);
	return DKIM_CBSTAT_CONTINUE;
}

/* Verify at most DKIMSIG_MAX_SIGS signatures of a message. */
static DKIM_CBSTAT
dkimsig_prescreen(DKIM *dkim, DKIM_SIGINFO **sigs, int n)
{
	struct dkimsig *d = dkim_get_user_context(dkim);
	int	 i;

	for (i = DKIMSIG_MAX_SIGS; i < n; i++) {
		dkim_sig_ignore(sigs[i]);
		if (d != NULL)
			d->skipped++;
	}
	return DKIM_CBSTAT_CONTINUE;
}

struct dkimsig *
dkimsig_verify(dkimsig_txt_fn txt, void *arg)
{
	struct dkimsig *d;
	DKIM_STAT st;

	if (dkimsig_init() == -1 || (d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->txt = txt;
	d->arg = arg;
	d->h = dkim_verify(dkimsig_lib, (const u_char *)"hsmail", NULL, &st);
	if (d->h == NULL) {
		free(d);
		return NULL;
	}
	(void)dkim_set_user_context(d->h, d);
	return d;
}

int
dkimsig_header(struct dkimsig *d, const char *f, size_t n)
{
	struct str crlf = STR_INIT(STR_UNBOUNDED);
	size_t	 i;
	int	 r = 0;

	while (n > 0 && (f[n - 1] == '\n' || f[n - 1] == '\r'))
		n--;
	if (n == 0)		/* nothing a field could be (libopendkim asserts) */
		return 0;
	if (n > DKIMSIG_FIELD_MAX && n > 15 &&
	    mem_caseeq(f, "DKIM-Signature:", 15)) {
		d->skipped++;
		return 0;
	}
	/* A NUL byte (never valid in a header, RFC 5322) is not given to
	 * libopendkim, which takes some fields as C strings and overruns
	 * its own copy of them: such a field is left out of verification
	 * (a signature over it fails). */
	if (memchr(f, '\0', n) != NULL) {
		d->skipped++;
		return 0;
	}
	/* Folded lines as they go on the wire: CRLF (libopendkim's FIXCRLF
	 * mends the body only). */
	if (str_ready(&crlf, n + n / 8 + 16) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (f[i] == '\n' && (i == 0 || f[i - 1] != '\r') &&
		    str_catc(&crlf, '\r') == -1)
			goto fail;
		if (str_catc(&crlf, f[i]) == -1)
			goto fail;
	}
	/* A field libopendkim refuses is not signed: nothing to do. */
	(void)dkim_header(d->h, (u_char *)crlf.s, crlf.len);
	goto done;
fail:
	r = -1;
done:
	str_free(&crlf);
	return r;
}

int
dkimsig_eoh(struct dkimsig *d)
{
	DKIM_STAT st;

	st = dkim_eoh(d->h);
	if (st == DKIM_STAT_NOSIG)
		return 0;
	/* Anything else: go on, dkim_eom lists the signatures with what
	 * became of each. */
	if (st == DKIM_STAT_CBTRYAGAIN || st == DKIM_STAT_KEYFAIL)
		d->tempfail = 1;
	return 1;
}

int
dkimsig_body(struct dkimsig *d, const char *b, size_t n)
{
	if (d->eoh_failed)
		return 0;
	(void)dkim_body(d->h, (u_char *)(uintptr_t)b, n);
	return 0;
}

static void
dkimsig_copy(char *dst, size_t n, const u_char *src)
{
	snprintf(dst, n, "%s", src != NULL ? (const char *)src : "");
}

int
dkimsig_verify_end(struct dkimsig *d, struct dkimsig_out *out, size_t max,
    size_t *n)
{
	DKIM_SIGINFO **sigs;
	DKIM_SIGINFO *s;
	unsigned int flags;
	int	 nsigs, i, err, bh;
	enum dkimsig_result r;

	*n = 0;
	if (!d->eoh_failed)
		(void)dkim_eom(d->h, NULL);
	if (dkim_getsiglist(d->h, &sigs, &nsigs) != DKIM_STAT_OK)
		return 0;
	for (i = 0; i < nsigs && *n < max; i++) {
		s = sigs[i];
		flags = dkim_sig_getflags(s);
		if (flags & DKIM_SIGFLAG_IGNORE)
			continue;
		err = dkim_sig_geterror(s);
		bh = dkim_sig_getbh(s);
		if ((flags & DKIM_SIGFLAG_PASSED) && bh == DKIM_SIGBH_MATCH)
			r = DKIMSIG_PASS;
		else if (err == DKIM_SIGERROR_KEYFAIL || (d->tempfail &&
		    !(flags & DKIM_SIGFLAG_PROCESSED) &&
		    (err == DKIM_SIGERROR_UNKNOWN || err == DKIM_SIGERROR_OK)))
			r = DKIMSIG_TEMPERROR;
		else if (err == DKIM_SIGERROR_BADSIG ||
		    ((flags & DKIM_SIGFLAG_PROCESSED) &&
		    bh == DKIM_SIGBH_MISMATCH) ||
		    (err == DKIM_SIGERROR_OK && (flags &
		    DKIM_SIGFLAG_PROCESSED)))
			r = DKIMSIG_FAIL;
		else
			r = DKIMSIG_PERMERROR;
		memset(&out[*n], 0, sizeof(out[*n]));
		out[*n].result = r;
		dkimsig_copy(out[*n].domain, sizeof(out[*n].domain),
		    dkim_sig_getdomain(s));
		dkimsig_copy(out[*n].selector, sizeof(out[*n].selector),
		    dkim_sig_getselector(s));
		dkimsig_copy(out[*n].alg, sizeof(out[*n].alg),
		    dkim_sig_getalgorithm(s));
		dkimsig_copy(out[*n].b, sizeof(out[*n].b),
		    dkim_sig_gettagvalue(s, 0, (u_char *)(uintptr_t)"b"));
		if (r == DKIMSIG_TEMPERROR)
			dkimsig_copy(out[*n].why, sizeof(out[*n].why),
			    (const u_char *)"key not available");
		else if (r != DKIMSIG_PASS)
			dkimsig_copy(out[*n].why, sizeof(out[*n].why),
			    (const u_char *)(err == DKIM_SIGERROR_OK &&
			    bh == DKIM_SIGBH_MISMATCH ? "body hash mismatch" :
			    err == DKIM_SIGERROR_UNKNOWN ? "unusable" :
			    dkim_sig_geterrorstr(err)));
		(*n)++;
	}
	return 0;
}

size_t
dkimsig_skipped(const struct dkimsig *d)
{
	return d->skipped;
}

void
dkimsig_free(struct dkimsig *d)
{
	if (d == NULL)
		return;
	(void)dkim_free(d->h);
	free(d);
}
