/*
 * mauth_test - keys made by dkimkey in a scratch instance; a message
 * signed by mauth (RSA and Ed25519) and verified by mauth against a DNS
 * table that serves the keys' TXT records, SPF and DMARC: pass, a
 * changed body (fail), a missing key (permerror), a DNS failure
 * (temperror), forged Authentication-Results, DMARC reject, an alias
 * domain, key rotation and retirement, too large a header.
 */
#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "assign.h"
#include "dkimkey.h"
#include "mauth.h"
#include "root.h"
#include "test.h"

static const char *tmp;
static struct strlist zone_names = STRLIST_INIT, zone_txt = STRLIST_INIT;
static int	 txt_fail;

static void
zone_add(const char *name, const char *txt)
{
	assert_int_equal(strlist_adds(&zone_names, name), 0);
	assert_int_equal(strlist_adds(&zone_txt, txt), 0);
}

static int
f_txt(void *arg, const char *name, struct strlist *l)
{
	size_t	 i;
	int	 found = 0;

	(void)arg;
	if (txt_fail) {
		errno = ETIMEDOUT;
		return DNS_SOFT;
	}
	for (i = 0; i < zone_names.n; i++)
		if (strcasecmp(zone_names.v[i], name) == 0) {
			assert_int_equal(strlist_adds(l, zone_txt.v[i]), 0);
			found = 1;
		}
	return found ? DNS_FOUND : DNS_HARD;
}

static int
f_addrs(void *arg, const char *name, int af, struct dns_addrlist *l)
{
	(void)arg;
	(void)name;
	(void)af;
	(void)l;
	return DNS_HARD;
}

static int
f_mx(void *arg, const char *name, struct dns_mxlist *l)
{
	(void)arg;
	(void)name;
	(void)l;
	return DNS_HARD;
}

static int
f_ptr(void *arg, const struct dns_addr *a, struct strlist *l)
{
	(void)arg;
	(void)a;
	(void)l;
	return DNS_HARD;
}

static const struct spf_dns fake = { NULL, f_txt, f_addrs, f_mx, f_ptr };

/* Publish every key of domain as name (d=name). */
static void
publish(const char *keydom, const char *name)
{
	struct strlist sels = STRLIST_INIT;
	struct str txt = STR_INIT(4096);
	char	 rr[512];
	size_t	 i;

	assert_int_equal(dkimkey_list(keydom, &sels), 1);
	for (i = 0; i < sels.n; i++) {
		assert_int_equal(dkimkey_txt(keydom, sels.v[i], &txt), 1);
		snprintf(rr, sizeof(rr), "%s._domainkey.%s", sels.v[i], name);
		zone_add(rr, str_c(&txt));
	}
	strlist_free(&sels);
	str_free(&txt);
}

static int
setup(void **state)
{
	char	 p[4096];

	(void)state;
	tmp = test_tmpdir();
	setenv("HSMAIL_ROOT", tmp, 1);
	root_reset();
	snprintf(p, sizeof(p), "%s/qmail/control", tmp);
	assert_int_equal(system(NULL) != 0, 1);
	snprintf(p, sizeof(p), "mkdir -p %s/qmail/control %s/qmail/users", tmp,
	    tmp);
	assert_int_equal(system(p), 0);
	zone_add("box.example", "v=spf1 ip4:192.0.2.0/24 -all");
	zone_add("_dmarc.box.example", "v=DMARC1; p=reject");
	zone_add("_dmarc.other.example", "v=DMARC1; p=reject");
	zone_add("_dmarc.quiet.example", "v=DMARC1; p=none");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	test_rmrf(tmp);
	strlist_free(&zone_names);
	strlist_free(&zone_txt);
	return 0;
}

/* Run a message through mauth; results into *res. */
static void
run(const struct mauth_req *req, const char *msg, size_t step,
    struct mauth_res *res)
{
	struct mauth *m;
	size_t	 i, n = strlen(msg);

	m = mauth_new(req);
	assert_non_null(m);
	for (i = 0; i < n; i += step)
		assert_int_equal(mauth_feed(m, msg + i, n - i < step ? n - i :
		    step), 0);
	assert_int_equal(mauth_finish(m, res), 0);
	mauth_free(m);
}

static const char msg[] =
    "From: Alice <alice@box.example>\n"
    "To: bob@other.example\n"
    "Subject: hello\n"
    " folded\n"
    "Date: Mon, 7 Dec 2026 03:00:00 +0000\n"
    "Message-ID: <1@box.example>\n"
    "\n"
    "Hello Bob.\n"
    "\n"
    "Bye.\n";

/* Sign msg (as from); the signed message into *out. */
static void
sign(const char *m, struct str *out, size_t step)
{
	struct mauth_req req;
	struct mauth_res res;

	memset(&req, 0, sizeof(req));
	req.sign = 1;
	req.authservid = "mx.box.example";
	run(&req, m, step, &res);
	str_clear(out);
	assert_int_equal(str_cat(out, &res.headers), 0);
	assert_int_equal(str_cats(out, m), 0);
	mauth_res_free(&res);
}

static void
verify(const char *m, const char *ip, const char *mailfrom, int reject,
    struct mauth_res *res)
{
	struct mauth_req req;

	memset(&req, 0, sizeof(req));
	req.ip = ip;
	req.helo = "mail.box.example";
	req.mailfrom = mailfrom;
	req.authservid = "mx.receiver.example";
	req.reject = reject;
	req.dns = &fake;
	run(&req, m, 7, res);
}

static void
test_keys(void **state)
{
	struct strlist sels = STRLIST_INIT;
	struct str why = STR_INIT(1024), txt = STR_INIT(4096), p = STR_INIT(4096);
	struct stat st;

	(void)state;
	assert_int_equal(dkimkey_create("box.example", 1, 1796613000LL, &sels,
	    &why), 0);
	assert_int_equal(sels.n, 2);
	assert_string_equal(sels.v[0], "20261207r");
	assert_string_equal(sels.v[1], "20261207e");
	assert_int_equal(dkimkey_txt("box.example", "20261207r", &txt), 1);
	assert_true(strncmp(str_c(&txt), "v=DKIM1; k=rsa; p=MII", 21) == 0);
	assert_int_equal(dkimkey_txt("box.example", "20261207e", &txt), 1);
	assert_true(strncmp(str_c(&txt), "v=DKIM1; k=ed25519; p=", 22) == 0);
	assert_int_equal(strlen(str_c(&txt)), 22 + 44);
	assert_int_equal(dkimkey_dir("box.example", &p), 0);
	assert_int_equal(str_cats(&p, "/20261207r.key"), 0);
	assert_int_equal(stat(str_c(&p), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0400);
	assert_int_equal(dkimkey_dir("../x", &p), -1);
	publish("box.example", "box.example");
	strlist_free(&sels);
	str_free(&why);
	str_free(&txt);
	str_free(&p);
}

/* what in h, folding ("\n\t" for a space) undone. */
static int
has(const struct str *h, const char *what)
{
	struct str u = STR_INIT(STR_UNBOUNDED);
	size_t	 i;
	int	 r;

	for (i = 0; i < h->len; i++) {
		if (h->s[i] == '\n' && i + 1 < h->len && (h->s[i + 1] == '\t' ||
		    h->s[i + 1] == ' ')) {
			assert_int_equal(str_catc(&u, ' '), 0);
			i++;
			continue;
		}
		assert_int_equal(str_catc(&u, h->s[i]), 0);
	}
	r = u.len > 0 && strstr(u.s, what) != NULL;
	str_free(&u);
	return r;
}

static void
test_sign_verify(void **state)
{
	struct str signed_ = STR_INIT(STR_UNBOUNDED);
	struct mauth_res res;
	size_t	 step;
	char	*p;

	(void)state;
	for (step = 1; step < 5000; step = step * 3 + 1) {
		sign(msg, &signed_, step);
		assert_true(has(&signed_, "DKIM-Signature: v=1; a=rsa-sha256; "
		    "c=relaxed/relaxed; d=box.example; s=20261207r;"));
		assert_true(has(&signed_, "a=ed25519-sha256"));
		assert_true(has(&signed_, ":From:") || has(&signed_,
		    ":From;") || has(&signed_, "h=From:"));
		verify(str_c(&signed_), "192.0.2.7", "alice@box.example", 1,
		    &res);
		assert_true(has(&res.headers, "Authentication-Results: "
		    "mx.receiver.example;"));
		assert_true(has(&res.headers, "spf=pass"));
		assert_true(has(&res.headers, "dkim=pass header.d=box.example "
		    "header.s=20261207r"));
		assert_true(has(&res.headers, "dkim=pass header.d=box.example "
		    "header.s=20261207e"));
		assert_true(has(&res.headers, "dmarc=pass"));
		assert_int_equal(res.verdict, MAUTH_ACCEPT);
		mauth_res_free(&res);
	}
	/* A changed body: both fail, SPF alone keeps DMARC passing. */
	p = strstr(signed_.s, "Hello Bob");
	p[0] = 'J';
	verify(str_c(&signed_), "192.0.2.7", "alice@box.example", 1, &res);
	assert_true(has(&res.headers, "dkim=fail"));
	assert_false(has(&res.headers, "dkim=pass"));
	assert_true(has(&res.headers, "dmarc=pass"));
	mauth_res_free(&res);
	/* From a stranger's address and with a bad body: DMARC rejects. */
	verify(str_c(&signed_), "198.51.100.9", "alice@box.example", 1, &res);
	assert_true(has(&res.headers, "spf=fail"));
	assert_true(has(&res.headers, "dmarc=fail (p=reject dis=reject)"));
	assert_int_equal(res.verdict, MAUTH_REJECT);
	assert_true(has(&res.reply, "550 5.7.1"));
	mauth_res_free(&res);
	/* Mark only: the same message is accepted. */
	verify(str_c(&signed_), "198.51.100.9", "alice@box.example", 0, &res);
	assert_true(has(&res.headers, "dmarc=fail (p=reject dis=none)"));
	assert_int_equal(res.verdict, MAUTH_ACCEPT);
	mauth_res_free(&res);
	/* DNS down: temperror everywhere, never a refusal. */
	txt_fail = 1;
	verify(str_c(&signed_), "198.51.100.9", "alice@box.example", 1, &res);
	txt_fail = 0;
	assert_true(has(&res.headers, "spf=temperror"));
	assert_true(has(&res.headers, "dkim=temperror"));
	assert_true(has(&res.headers, "dmarc=temperror"));
	assert_int_equal(res.verdict, MAUTH_ACCEPT);
	mauth_res_free(&res);
	str_free(&signed_);
}

static void
test_unsigned_and_forged(void **state)
{
	static const char m[] =
	    "Authentication-Results: mx.receiver.example; dkim=pass\n"
	    "From: x@quiet.example\n"
	    "Subject: s\n\nbody\n";
	struct mauth_res res;
	struct str out = STR_INIT(STR_UNBOUNDED);

	(void)state;
	verify(m, "198.51.100.9", "", 0, &res);
	assert_true(has(&res.headers, "dkim=none"));
	assert_true(has(&res.headers, "dmarc=fail (p=none dis=none)"));
	assert_true(has(&res.headers, "spf=none smtp.helo=mail.box.example"));
	assert_false(has(&res.headers, "smtp.mailfrom"));
	mauth_res_free(&res);
	/* No key for the From domain: nothing signed. */
	sign(m, &out, 100);
	assert_false(has(&out, "DKIM-Signature"));
	str_free(&out);
}

/* An alias domain signs as itself with its real domain's keys. */
static void
test_alias(void **state)
{
	struct str out = STR_INIT(STR_UNBOUNDED), p = STR_INIT(4096);
	struct mauth_res res;
	char	 cmd[4096], cdb[4096];

	(void)state;
	/* users/cdb maps !alias.example- to box.example. */
	snprintf(cmd, sizeof(cmd), "+alias.example-:box.example:1:1:%s/dom:-::\n"
	    "+box.example-:box.example:1:1:%s/dom:-::\n.\n", tmp, tmp);
	snprintf(cdb, sizeof(cdb), "%s/qmail/users/cdb", tmp);
	assert_int_equal(assign_compile(cmd, strlen(cmd), cdb, NULL), 0);
	assert_int_equal(dkimkey_find("alias.example", &p), 1);
	assert_string_equal(str_c(&p), "box.example");
	assert_int_equal(dkimkey_find("stranger.example", &p), 0);
	sign("From: a@alias.example\nSubject: x\n\nbody\n", &out, 10);
	assert_true(has(&out, "d=alias.example; s=20261207r;"));
	publish("box.example", "alias.example");
	verify(str_c(&out), "198.51.100.9", "a@alias.example", 1, &res);
	assert_true(has(&res.headers, "dkim=pass header.d=alias.example"));
	mauth_res_free(&res);
	str_free(&out);
	str_free(&p);
}

static void
test_rotate(void **state)
{
	struct strlist sels = STRLIST_INIT, on = STRLIST_INIT;
	struct str why = STR_INIT(1024), out = STR_INIT(STR_UNBOUNDED);
	struct mauth_res res;

	(void)state;
	/* Prepared, not yet signing. */
	assert_int_equal(dkimkey_create("box.example", 0, 1796613000LL, &sels,
	    &why), 0);
	assert_string_equal(sels.v[0], "20261207br");
	assert_int_equal(dkimkey_signing("box.example", &on), 1);
	assert_string_equal(on.v[0], "20261207r");
	strlist_free(&on);
	/* Now signing; the old key still verifies what it signed. */
	assert_int_equal(dkimkey_activate("box.example", &sels, &why), 0);
	publish("box.example", "box.example");
	sign(msg, &out, 100);
	assert_true(has(&out, "s=20261207br;"));
	verify(str_c(&out), "192.0.2.1", "alice@box.example", 1, &res);
	assert_true(has(&res.headers, "dkim=pass header.d=box.example "
	    "header.s=20261207be"));
	mauth_res_free(&res);
	assert_int_equal(dkimkey_retire("box.example", "20261207br", &why), -1);
	assert_int_equal(errno, EBUSY);
	assert_int_equal(dkimkey_retire("box.example", "20261207r", &why), 0);
	strlist_free(&sels);
	assert_int_equal(dkimkey_list("box.example", &sels), 1);
	assert_int_equal(sels.n, 3);
	assert_int_equal(dkimkey_remove("box.example"), 0);
	strlist_free(&sels);
	assert_int_equal(dkimkey_list("box.example", &sels), 0);
	strlist_free(&sels);
	str_free(&why);
	str_free(&out);
}

static void
test_huge_header(void **state)
{
	struct str m = STR_INIT(STR_UNBOUNDED);
	struct mauth_res res;
	int	 i;

	(void)state;
	assert_int_equal(str_cats(&m, "From: a@quiet.example\n"), 0);
	for (i = 0; i < MAUTH_FIELDS_MAX + 5; i++)
		assert_int_equal(str_cats(&m, "X-Many: field\n"), 0);
	assert_int_equal(str_cats(&m, "DKIM-Signature: v=1; a=rsa-sha256; d=quiet.example; "
	    "s=x; h=from; bh=AAAA; b=AAAA\n\nbody\n"), 0);
	verify(str_c(&m), "198.51.100.9", "a@quiet.example", 0, &res);
	assert_true(has(&res.headers, "dkim=permerror (header too large)"));
	mauth_res_free(&res);
	str_free(&m);
}

static void
test_bad_signature(void **state)
{
	static const char m[] =
	    "DKIM-Signature: v=1; a=rsa-sha256; d=quiet.example; s=nokey;"
	    " c=relaxed/relaxed; h=from; bh=frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/"
	    "XKdLCPjaYaY=; b=Zm9v\n"
	    "DKIM-Signature: garbage\n"
	    "From: a@quiet.example\n\nbody\n";
	struct mauth_res res;

	(void)state;
	verify(m, "198.51.100.9", "a@quiet.example", 0, &res);
	assert_true(has(&res.headers, "dkim=permerror"));
	assert_false(has(&res.headers, "dkim=pass"));
	mauth_res_free(&res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_unsigned_and_forged),
		cmocka_unit_test(test_alias),
		cmocka_unit_test(test_rotate),
		cmocka_unit_test(test_huge_header),
		cmocka_unit_test(test_bad_signature),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
