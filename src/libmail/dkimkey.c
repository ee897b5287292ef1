/*
 * dkimkey - DKIM key files per domain under control/dkim/.  Run by the
 * administrator's commands (vdkim, vadddomain, vdeldomain: usually root,
 * files then owned like control/dkim, i.e. by the signer) and read by
 * msgauthd.  Trusts the directory it is given; names are checked so that
 * no domain or selector can leave it.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "b64.h"
#include "ctl.h"
#include "dkimkey.h"
#include "file.h"
#include "root.h"
#include "vpop.h"

static int	dkimkey_mkdir(const char *, struct str *);
static int	dkimkey_gen(const char *, const char *, int, struct str *);
static int	dkimkey_name_ok(const char *);

int
dkimkey_sel_ok(const char *s)
{
	size_t	 n = strlen(s), i;

	if (n == 0 || n > DKIMKEY_SEL_MAX || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

/* A domain name that stays one path component. */
static int
dkimkey_name_ok(const char *d)
{
	size_t	 n = strlen(d), i;

	if (n == 0 || n > 253 || d[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!((d[i] >= 'a' && d[i] <= 'z') || (d[i] >= '0' &&
		    d[i] <= '9') || d[i] == '-' || d[i] == '.' || d[i] == '_'))
			return 0;
	return 1;
}

int
dkimkey_dir(const char *domain, struct str *dir)
{
	if (!dkimkey_name_ok(domain)) {
		errno = EINVAL;
		return -1;
	}
	if (root_path(dir, ROOT_QMAIL, "control/dkim/") == -1)
		return -1;
	return str_cats(dir, domain);
}

int
dkimkey_path(const char *domain, const char *sel, const char *ext,
    struct str *out)
{
	if (sel != NULL && !dkimkey_sel_ok(sel)) {
		errno = EINVAL;
		return -1;
	}
	if (dkimkey_dir(domain, out) == -1 || str_catc(out, '/') == -1)
		return -1;
	if (sel != NULL && (str_cats(out, sel) == -1 ||
	    str_catc(out, '.') == -1))
		return -1;
	return str_cats(out, ext);
}

/*
 * Make control/dkim (0700) and control/dkim/DOMAIN (0700).  Run by root,
 * the domain's directory gets control/dkim's owner: the signer.
 */
static int
dkimkey_mkdir(const char *domain, struct str *why)
{
	struct str top = STR_INIT(4096), dir = STR_INIT(4096);
	struct stat st;
	int	 r = -1;

	if (root_path(&top, ROOT_QMAIL, "control/dkim") == -1 ||
	    dkimkey_dir(domain, &dir) == -1)
		goto done;
	if (mkdir(str_c(&top), 0700) == -1 && errno != EEXIST)
		goto fail;
	if (mkdir(str_c(&dir), 0700) == -1 && errno != EEXIST)
		goto fail;
	if (geteuid() == 0 && (stat(str_c(&top), &st) == -1 ||
	    chown(str_c(&dir), st.st_uid, st.st_gid) == -1))
		goto fail;
	r = 0;
	goto done;
fail:
	str_notef(why, "cannot create %s: %s", str_c(&dir),
	    strerror(errno));
done:
	str_free(&top);
	str_free(&dir);
	return r;
}

/* Write one new key (alg "RSA" or "ED25519") as SEL.key and SEL.pub. */
static int
dkimkey_gen(const char *domain, const char *sel, int rsa, struct str *why)
{
	EVP_PKEY *k;
	BIO	*bio = NULL;
	struct str path = STR_INIT(4096), txt = STR_INIT(8192);
	unsigned char raw[64], *der = NULL;
	char	*pem;
	long	 pemlen;
	size_t	 rawlen = sizeof(raw);
	int	 derlen, r = -1;

	k = rsa ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
	    (size_t)DKIMKEY_RSA_BITS) : EVP_PKEY_Q_keygen(NULL, NULL,
	    "ED25519");
	if (k == NULL) {
		str_note(why, "key generation failed");
		errno = EIO;
		return -1;
	}
	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL) != 1 ||
	    (pemlen = BIO_get_mem_data(bio, &pem)) <= 0) {
		str_note(why, "cannot encode the key");
		errno = EIO;
		goto done;
	}
	if (str_printf(&txt, "v=DKIM1; k=%s; p=", rsa ? "rsa" : "ed25519") ==
	    -1)
		goto done;
	if (rsa) {
		/* p= is the SubjectPublicKeyInfo (RFC 6376 3.6.1). */
		if ((derlen = i2d_PUBKEY(k, &der)) <= 0 ||
		    b64_encode(&txt, der, (size_t)derlen) == -1)
			goto done;
	} else {
		/* RFC 8463 4.2: the 32 raw bytes of the public key. */
		if (EVP_PKEY_get_raw_public_key(k, raw, &rawlen) != 1 ||
		    b64_encode(&txt, raw, rawlen) == -1)
			goto done;
	}
	if (str_catc(&txt, '\n') == -1 ||
	    dkimkey_path(domain, sel, "pub", &path) == -1 ||
	    file_replace(str_c(&path), txt.s, txt.len, 0644) == -1 ||
	    dkimkey_path(domain, sel, "key", &path) == -1 ||
	    file_replace(str_c(&path), pem, (size_t)pemlen, 0400) == -1) {
		str_notef(why, "cannot write %s: %s", str_c(&path),
		    strerror(errno));
		goto done;
	}
	r = 0;
done:
	if (bio != NULL) {
		(void)BIO_reset(bio);
		BIO_free(bio);
	}
	OPENSSL_free(der);
	EVP_PKEY_free(k);
	str_free(&path);
	str_free(&txt);
	return r;
}

int
dkimkey_create(const char *domain, int activate, long long now,
    struct strlist *sels, struct str *why)
{
	struct str p = STR_INIT(4096), sel = STR_INIT(DKIMKEY_SEL_MAX);
	struct strlist mine = STRLIST_INIT;
	struct tm tm;
	time_t	 t = (time_t)now;
	char	 base[16], suf;
	int	 r = -1;

	if (dkimkey_mkdir(domain, why) == -1)
		return -1;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(base, sizeof(base), "%Y%m%d", &tm) == 0) {
		errno = EINVAL;
		return -1;
	}
	/* The first free name of the day: 20261207r, 20261207br, ... */
	for (suf = 'a'; suf <= 'z'; suf++) {
		str_clear(&sel);
		if (str_printf(&sel, suf == 'a' ? "%s" : "%s%c", base, suf) ==
		    -1 || str_catc(&sel, 'r') == -1 ||
		    dkimkey_path(domain, str_c(&sel), "key", &p) == -1)
			goto done;
		if (access(str_c(&p), F_OK) == -1 && errno == ENOENT)
			break;
	}
	if (suf > 'z') {
		str_note(why, "too many keys made today");
		errno = EEXIST;
		goto done;
	}
	if (dkimkey_gen(domain, str_c(&sel), 1, why) == -1 ||
	    strlist_adds(&mine, str_c(&sel)) == -1)
		goto done;
	sel.s[sel.len - 1] = 'e';
	if (dkimkey_gen(domain, str_c(&sel), 0, why) == -1 ||
	    strlist_adds(&mine, str_c(&sel)) == -1)
		goto done;
	if (activate && dkimkey_activate(domain, &mine, why) == -1)
		goto done;
	if (strlist_adds(sels, mine.v[0]) == -1 ||
	    strlist_adds(sels, mine.v[1]) == -1)
		goto done;
	r = 0;
done:
	strlist_free(&mine);
	str_free(&p);
	str_free(&sel);
	return r;
}

int
dkimkey_signing(const char *domain, struct strlist *sels)
{
	struct str p = STR_INIT(4096), text = STR_INIT(4096);
	struct strlist all = STRLIST_INIT;
	size_t	 i;
	int	 r;

	if (dkimkey_path(domain, NULL, "sign", &p) == -1) {
		str_free(&p);
		return -1;
	}
	r = file_read(str_c(&p), &text);
	if (r == 1) {
		r = ctl_parse_list(text.s, text.len, &all);
		for (i = 0; r != -1 && i < all.n; i++)
			if (dkimkey_sel_ok(all.v[i]) &&
			    strlist_adds(sels, all.v[i]) == -1)
				r = -1;
		if (r != -1)
			r = sels->n > 0;
	}
	strlist_free(&all);
	str_free(&p);
	str_free(&text);
	return r;
}

int
dkimkey_activate(const char *domain, const struct strlist *sels,
    struct str *why)
{
	struct str p = STR_INIT(4096), text = STR_INIT(4096);
	size_t	 i;
	int	 r = -1;

	for (i = 0; i < sels->n; i++) {
		if (dkimkey_path(domain, sels->v[i], "key", &p) == -1)
			goto done;
		if (access(str_c(&p), F_OK) == -1) {
			str_notef(why, "no key %s for %s", sels->v[i],
			    domain);
			goto done;
		}
		if (str_cats(&text, sels->v[i]) == -1 ||
		    str_catc(&text, '\n') == -1)
			goto done;
	}
	if (dkimkey_path(domain, NULL, "sign", &p) == -1 ||
	    file_replace(str_c(&p), text.s, text.len, 0644) == -1) {
		str_notef(why, "cannot write %s: %s", str_c(&p),
		    strerror(errno));
		goto done;
	}
	r = 0;
done:
	str_free(&p);
	str_free(&text);
	return r;
}

static int
dkimkey_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
dkimkey_list(const char *domain, struct strlist *sels)
{
	struct str dir = STR_INIT(4096), name = STR_INIT(256);
	struct dirent *de;
	size_t	 n, first = sels->n;
	DIR	*d;
	int	 r = 0;

	if (dkimkey_dir(domain, &dir) == -1)
		return -1;
	d = opendir(str_c(&dir));
	str_free(&dir);
	if (d == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 4, ".key") != 0)
			continue;
		if (str_copyb(&name, de->d_name, n - 4) == -1) {
			r = -1;
			break;
		}
		if (dkimkey_sel_ok(str_c(&name)) &&
		    strlist_adds(sels, str_c(&name)) == -1) {
			r = -1;
			break;
		}
	}
	closedir(d);
	str_free(&name);
	if (r == -1)
		return -1;
	qsort(sels->v + first, sels->n - first, sizeof(char *), dkimkey_cmp);
	return sels->n > first;
}

/* Read control/dkim/DOMAIN/SEL.EXT into *out.  1, 0 none, -1. */
static int
dkimkey_read(const char *domain, const char *sel, const char *ext,
    struct str *out)
{
	struct str p = STR_INIT(4096);
	int	 r;

	if (dkimkey_path(domain, sel, ext, &p) == -1) {
		str_free(&p);
		return -1;
	}
	r = file_read(str_c(&p), out);
	str_free(&p);
	return r;
}

int
dkimkey_txt(const char *domain, const char *sel, struct str *txt)
{
	int	 r = dkimkey_read(domain, sel, "pub", txt);

	while (r == 1 && txt->len > 0 && (txt->s[txt->len - 1] == '\n' ||
	    txt->s[txt->len - 1] == '\r'))
		str_truncate(txt, txt->len - 1);
	return r;
}

int
dkimkey_private(const char *domain, const char *sel, struct str *pem)
{
	return dkimkey_read(domain, sel, "key", pem);
}

int
dkimkey_retire(const char *domain, const char *sel, struct str *why)
{
	struct strlist on = STRLIST_INIT;
	struct str p = STR_INIT(4096);
	size_t	 i;
	int	 r = -1;

	if (dkimkey_signing(domain, &on) == -1)
		goto done;
	for (i = 0; i < on.n; i++)
		if (strcmp(on.v[i], sel) == 0) {
			str_notef(why, "%s still signs for %s", sel,
			    domain);
			errno = EBUSY;
			goto done;
		}
	if (dkimkey_path(domain, sel, "key", &p) == -1)
		goto done;
	if (unlink(str_c(&p)) == -1) {
		str_notef(why, "cannot remove %s: %s", str_c(&p),
		    strerror(errno));
		goto done;
	}
	if (dkimkey_path(domain, sel, "pub", &p) == -1 ||
	    (unlink(str_c(&p)) == -1 && errno != ENOENT))
		goto done;
	r = 0;
done:
	strlist_free(&on);
	str_free(&p);
	return r;
}

int
dkimkey_remove(const char *domain)
{
	struct str dir = STR_INIT(4096), p = STR_INIT(4096);
	struct dirent *de;
	DIR	*d;
	int	 r = 0;

	if (dkimkey_dir(domain, &dir) == -1)
		return -1;
	if ((d = opendir(str_c(&dir))) == NULL) {
		r = errno == ENOENT ? 0 : -1;
		goto done;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		str_clear(&p);
		if (str_printf(&p, "%s/%s", str_c(&dir), de->d_name) == -1 ||
		    unlink(str_c(&p)) == -1)
			r = -1;
	}
	closedir(d);
	if (r == 0 && rmdir(str_c(&dir)) == -1)
		r = -1;
done:
	str_free(&dir);
	str_free(&p);
	return r;
}

int
dkimkey_find(const char *domain, struct str *keydom)
{
	struct vpop_domain d;
	struct strlist sels = STRLIST_INIT;
	int	 r;

	if (!dkimkey_name_ok(domain))
		return 0;
	r = dkimkey_signing(domain, &sels);
	strlist_free(&sels);
	if (r != 0)
		return r == 1 ? str_copys(keydom, domain) == -1 ? -1 : 1 : -1;
	vpop_domain_init(&d);
	r = vpop_domain_get(domain, &d);
	if (r == 1 && strcmp(str_c(&d.name), domain) != 0) {
		r = dkimkey_signing(str_c(&d.name), &sels);
		if (r == 1 && str_copys(keydom, str_c(&d.name)) == -1)
			r = -1;
		strlist_free(&sels);
	} else if (r == 1)
		r = 0;
	vpop_domain_free(&d);
	return r;
}
