/*
 * vpop_test - the vpopmail store: vpasswd lines (all fields, limits,
 * damage), names, DES/MD5/new hashes, domain lookup through users/cdb,
 * the RCPT check, the sorted vpasswd update and its cdb, login name
 * forms.
 */
#include <sys/stat.h>

#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assign.h"
#include "cdbx.h"
#include "file.h"
#include "root.h"
#include "test.h"
#include "vpop.h"
#include "vpop_rcpt.h"
#include "vpop_update.h"

static void
test_pw_parse(void **state)
{
	static const char l7[] = "joe:$1$abcde$xyz:1:18:Joe Doe:"
	    "/v/domains/ex.com/joe:5000000";
	static const char l8[] = "ann:ab01FAX.bQRSU:0:0:ann:/d/ann:NOQUOTA:"
	    "sekret";
	static const char *bad[] = {
		"", "joe", "joe:x:1:0:g:/d", "joe:x:1:0:g:/d:q:c:extra",
		"joe:x:one:0:g:/d:q", "joe:x:1:-1:g:/d:q", ":x:1:0:g:/d:q",
		"joe:x:1:99999999999:g:/d:q",
	};
	struct vpop_pw pw;
	struct str out = STR_INIT(2048);
	size_t	 i;

	(void)state;
	vpop_pw_init(&pw);
	assert_int_equal(vpop_pw_parse(&pw, l7, strlen(l7)), 0);
	assert_string_equal(pw.name.s, "joe");
	assert_string_equal(pw.passwd.s, "$1$abcde$xyz");
	assert_int_equal(pw.uid, 1);
	assert_int_equal(pw.gid, VPOP_BOUNCE_MAIL | VPOP_NO_POP);
	assert_string_equal(pw.gecos.s, "Joe Doe");
	assert_string_equal(pw.dir.s, "/v/domains/ex.com/joe");
	assert_string_equal(pw.quota.s, "5000000");
	assert_int_equal(pw.has_clear, 0);
	assert_int_equal(vpop_pw_format(&pw, &out), 0);
	assert_string_equal(out.s, l7);

	assert_int_equal(vpop_pw_parse(&pw, l8, strlen(l8)), 0);
	assert_int_equal(pw.has_clear, 1);
	assert_string_equal(pw.clear.s, "sekret");
	str_clear(&out);
	assert_int_equal(vpop_pw_format(&pw, &out), 0);
	assert_string_equal(out.s, l8);

	/* The cdb form: key name, data the rest of the line. */
	assert_int_equal(vpop_pw_parse_cdb(&pw, "ann", 3, l8 + 4,
	    strlen(l8) - 4), 0);
	assert_string_equal(pw.clear.s, "sekret");

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(vpop_pw_parse(&pw, bad[i], strlen(bad[i])), -1);

	/* A ':' in a field cannot be written. */
	assert_int_equal(str_copys(&pw.gecos, "a:b"), 0);
	str_clear(&out);
	assert_int_equal(vpop_pw_format(&pw, &out), -1);
	assert_int_equal(errno, EINVAL);
	vpop_pw_free(&pw);
	str_free(&out);
}

static void
test_names(void **state)
{
	static const char *uok[] = { "joe", "j.doe", "a-b_c+d", "ab",
	    "12345678901234567890123456789012" };
	static const char *ubad[] = { "", "a/b", "..", ".joe", "a..b",
	    "a b", "a:b", "a@b", "123456789012345678901234567890123" };
	static const char *dok[] = { "example.com", "a-b.org", "x" };
	static const char *dbad[] = { "", "-a.com", "a-.com", ".a.com",
	    "a..com", "a_b.com", "a/b", "a.com.", "x y",
	    "a2345678901234567890123456789012345678901234567890123456789012345.com" };
	char	 s[32];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(uok) / sizeof(uok[0]); i++)
		assert_int_equal(vpop_user_valid(uok[i], 1), 1);
	for (i = 0; i < sizeof(ubad) / sizeof(ubad[0]); i++)
		assert_int_equal(vpop_user_valid(ubad[i], 1), 0);
	assert_int_equal(vpop_user_valid("a", 1), 0);	/* new: >= 2 bytes */
	assert_int_equal(vpop_user_valid("a", 0), 1);
	for (i = 0; i < sizeof(dok) / sizeof(dok[0]); i++)
		assert_int_equal(vpop_domain_valid(dok[i]), 1);
	for (i = 0; i < sizeof(dbad) / sizeof(dbad[0]); i++)
		if (vpop_domain_valid(dbad[i]) != 0)
			fail_msg("domain %s accepted", dbad[i]);
	snprintf(s, sizeof(s), "JoE@Ex.COM");
	assert_int_equal(vpop_lower(s), 0);
	assert_string_equal(s, "joe@ex.com");
	snprintf(s, sizeof(s), "j\xc3\xb6");
	assert_int_equal(vpop_lower(s), -1);
}

static void
test_passwords(void **state)
{
	struct vpop_pw pw;
	struct crypt_data cd;
	struct str h = STR_INIT(256);

	(void)state;
	vpop_pw_init(&pw);
	/* Old DES and MD5-crypt hashes, as a 2002 vpopmail wrote them. */
	memset(&cd, 0, sizeof(cd));
	assert_int_equal(str_copys(&pw.passwd, crypt_r("secret", "ab", &cd)), 0);
	assert_int_equal(strlen(pw.passwd.s), 13);
	assert_int_equal(vpop_pw_check(&pw, "secret"), 1);
	assert_int_equal(vpop_pw_check(&pw, "secreT"), 0);
	assert_int_equal(str_copys(&pw.passwd, crypt_r("secret", "$1$abcde$",
	    &cd)), 0);
	assert_int_equal(vpop_pw_check(&pw, "secret"), 1);
	assert_int_equal(vpop_pw_check(&pw, "wrong"), 0);
	assert_int_equal(vpop_pw_check(&pw, ""), 0);
	/* New hashes: yescrypt or SHA-512-crypt. */
	assert_int_equal(vpop_pw_hash("n3w pass", &h), 0);
	assert_true(strncmp(h.s, "$y$", 3) == 0 || strncmp(h.s, "$6$", 3) == 0);
	assert_int_equal(str_copys(&pw.passwd, h.s), 0);
	assert_int_equal(vpop_pw_check(&pw, "n3w pass"), 1);
	assert_int_equal(vpop_pw_check(&pw, "n3w pas"), 0);
	/* No password, a locked or broken hash: never matches. */
	assert_int_equal(str_copys(&pw.passwd, ""), 0);
	assert_int_equal(vpop_pw_check(&pw, "x"), 0);
	assert_int_equal(str_copys(&pw.passwd, "*LK*"), 0);
	assert_int_equal(vpop_pw_check(&pw, "x"), 0);
	assert_int_equal(vpop_pass_valid("ok"), 1);
	assert_int_equal(vpop_pass_valid("a:b"), 0);
	assert_int_equal(vpop_pass_valid(""), 0);
	vpop_pw_free(&pw);
	str_free(&h);
}

static char root[512];

static void
writefile(const char *rel, const char *text)
{
	char	 p[1024];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(file_replace(p, text, strlen(text), 0644), 0);
}

/* An instance with example.com (3 users), alias domain alias.org, and
 * catch.net whose .qmail-default forwards. */
static void
make_store(void)
{
	char	 assign[2048], p[1024];
	static const char *dirs[] = { "qmail/users", "qmail/control",
	    "vpopmail/etc", "vpopmail/domains/example.com",
	    "vpopmail/domains/catch.net" };
	size_t	 i;
	struct vpop_pw pw;
	char	 line[512];

	snprintf(root, sizeof(root), "%s", test_tmpdir());
	setenv("HSMAIL_ROOT", root, 1);
	unsetenv("VPOPMAIL_DOMAIN");
	root_reset();
	vpop_forget();
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", root, dirs[i]);
		assert_int_equal(file_mkdirs(p, 0755), 0);
	}
	snprintf(assign, sizeof(assign),
	    "+example.com-:example.com:89:89:%s/vpopmail/domains/example.com:-::\n"
	    "+alias.org-:example.com:89:89:%s/vpopmail/domains/example.com:-::\n"
	    "+catch.net-:catch.net:89:89:%s/vpopmail/domains/catch.net:-::\n.\n",
	    root, root, root);
	writefile("qmail/users/assign", assign);
	snprintf(p, sizeof(p), "%s/qmail/users/cdb", root);
	assert_int_equal(assign_compile(assign, strlen(assign), p, NULL), 0);
	writefile("vpopmail/domains/example.com/vpasswd", "");
	vpop_pw_init(&pw);
	snprintf(p, sizeof(p), "%s/vpopmail/domains/example.com", root);
	assert_int_equal(str_copys(&pw.passwd, "ab01FAX.bQRSU"), 0);
	assert_int_equal(str_copys(&pw.quota, "NOQUOTA"), 0);
	pw.uid = 1;
	assert_int_equal(str_copys(&pw.name, "zed"), 0);
	assert_int_equal(str_copys(&pw.dir, "/x/zed"), 0);
	assert_int_equal(vpop_vpasswd_update(p, VPOP_ADD, &pw, 0), 1);
	assert_int_equal(str_copys(&pw.name, "joe"), 0);
	assert_int_equal(str_copys(&pw.dir, "/x/joe"), 0);
	assert_int_equal(vpop_vpasswd_update(p, VPOP_ADD, &pw, 0), 1);
	assert_int_equal(str_copys(&pw.name, "locked"), 0);
	pw.gid = VPOP_BOUNCE_MAIL;
	assert_int_equal(vpop_vpasswd_update(p, VPOP_ADD, &pw, 0), 1);
	vpop_pw_free(&pw);
	snprintf(line, sizeof(line), "&someone@else.net\n");
	writefile("vpopmail/domains/example.com/.qmail-sales", line);
	writefile("vpopmail/domains/example.com/.qmail-info:desk", line);
	writefile("vpopmail/domains/example.com/.qmail-list-default", line);
	writefile("vpopmail/domains/example.com/.qmail-default",
	    "| /v/bin/vdelivermail '' bounce-no-mailbox\n");
	writefile("vpopmail/domains/catch.net/.qmail-default",
	    "| /v/bin/vdelivermail '' postmaster@catch.net\n");
	writefile("vpopmail/domains/catch.net/vpasswd", "");
}

static void
test_store(void **state)
{
	static const struct { const char *u, *d; enum vpop_rcpt r; } cases[] = {
		{ "joe", "example.com", VPOP_RCPT_USER },
		{ "joe", "alias.org", VPOP_RCPT_USER },
		{ "nobody", "example.com", VPOP_RCPT_NOUSER },
		{ "locked", "example.com", VPOP_RCPT_NOUSER },
		{ "sales", "example.com", VPOP_RCPT_ALIAS },
		{ "info.desk", "example.com", VPOP_RCPT_ALIAS },
		{ "list-request", "example.com", VPOP_RCPT_EXT },
		{ "joe-work", "example.com", VPOP_RCPT_EXT },
		{ "anyone", "catch.net", VPOP_RCPT_CATCHALL },
		{ "joe", "other.com", VPOP_RCPT_NODOMAIN },
		{ "../../etc", "example.com", VPOP_RCPT_NOUSER },
		{ "joe", "../example.com", VPOP_RCPT_NODOMAIN },
	};
	struct vpop_domain d;
	struct vpop_pw pw;
	struct str text = STR_INIT(4096), p = STR_INIT(1024);
	enum vpop_rcpt r;
	size_t	 i;

	(void)state;
	make_store();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(vpop_rcpt_check(cases[i].u, cases[i].d, 0, &r),
		    0);
		if (r != cases[i].r)
			fail_msg("%s@%s: %d, wanted %d", cases[i].u, cases[i].d,
			    r, cases[i].r);
	}

	vpop_domain_init(&d);
	vpop_pw_init(&pw);
	assert_int_equal(vpop_domain_get("alias.org", &d), 1);
	assert_string_equal(d.name.s, "example.com");
	assert_int_equal(d.uid, 89);
	assert_int_equal(vpop_pw_get(&d, "joe", &pw), 1);
	assert_string_equal(pw.dir.s, "/x/joe");
	assert_int_equal(vpop_pw_get(&d, "jo", &pw), 0);

	/* A mailbox at 90% of its quota is "full" for CHKUSER_MBXQUOTA. */
	assert_int_equal(str_copys(&pw.name, "quota"), 0);
	str_clear(&p);
	assert_int_equal(str_printf(&p, "%s/quota", d.dir.s), 0);
	assert_int_equal(str_copys(&pw.dir, p.s), 0);
	assert_int_equal(str_copys(&pw.quota, "1000"), 0);
	pw.gid = 0;
	assert_int_equal(vpop_vpasswd_update(d.dir.s, VPOP_ADD, &pw, 0), 1);
	assert_int_equal(str_cats(&p, "/Maildir"), 0);
	assert_int_equal(file_mkdirs(p.s, 0700), 0);
	assert_int_equal(str_cats(&p, "/maildirsize"), 0);
	assert_int_equal(file_replace(p.s, "1000S\n900 1\n", 12, 0600), 0);
	assert_int_equal(vpop_rcpt_check("quota", "example.com", 90, &r), 0);
	assert_int_equal(r, VPOP_RCPT_FULL);
	assert_int_equal(vpop_rcpt_check("quota", "example.com", 95, &r), 0);
	assert_int_equal(r, VPOP_RCPT_USER);
	assert_int_equal(vpop_rcpt_check("quota", "example.com", 0, &r), 0);
	assert_int_equal(r, VPOP_RCPT_USER);

	/* Sorted file; add twice refused; mod; del; cdb follows. */
	str_clear(&p);
	assert_int_equal(str_printf(&p, "%s/vpasswd", d.dir.s), 0);
	assert_int_equal(file_read(p.s, &text), 1);
	assert_true(strncmp(text.s, "joe:", 4) == 0);
	assert_non_null(strstr(text.s, "\nlocked:"));
	assert_true(strstr(text.s, "\nlocked:") < strstr(text.s, "\nzed:"));
	assert_int_equal(str_copys(&pw.name, "joe"), 0);
	assert_int_equal(vpop_vpasswd_update(d.dir.s, VPOP_ADD, &pw, 0), 0);
	assert_int_equal(str_copys(&pw.gecos, "Joe Changed"), 0);
	assert_int_equal(vpop_vpasswd_update(d.dir.s, VPOP_MOD, &pw, 0), 1);
	assert_int_equal(vpop_pw_get(&d, "joe", &pw), 1);
	assert_string_equal(pw.gecos.s, "Joe Changed");
	assert_int_equal(vpop_vpasswd_update(d.dir.s, VPOP_DEL, &pw, 0), 1);
	assert_int_equal(vpop_pw_get(&d, "joe", &pw), 0);
	assert_int_equal(vpop_vpasswd_update(d.dir.s, VPOP_DEL, &pw, 0), 0);

	/* Without vpasswd.cdb the text file is read. */
	str_clear(&p);
	assert_int_equal(str_printf(&p, "%s/vpasswd.cdb", d.dir.s), 0);
	assert_int_equal(unlink(p.s), 0);
	assert_int_equal(vpop_pw_get(&d, "zed", &pw), 1);
	assert_int_equal(vpop_pw_get(&d, "joe", &pw), 0);
	assert_int_equal(vpop_vpasswd_cdb(d.dir.s), 0);
	assert_int_equal(vpop_pw_get(&d, "zed", &pw), 1);

	vpop_domain_free(&d);
	vpop_pw_free(&pw);
	str_free(&text);
	str_free(&p);
	test_rmrf(root);
}

static void
test_login(void **state)
{
	struct str u = STR_INIT(256), d = STR_INIT(256);
	int	 fd;

	(void)state;
	make_store();
	assert_int_equal(vpop_login_split("Joe@Example.COM", &u, &d), 0);
	assert_string_equal(u.s, "joe");
	assert_string_equal(d.s, "example.com");
	assert_int_equal(vpop_login_split("joe%example.com", &u, &d), 0);
	assert_string_equal(d.s, "example.com");
	assert_int_equal(vpop_login_split("joe/example.com", &u, &d), 0);
	assert_string_equal(d.s, "example.com");
	assert_int_equal(vpop_login_split("joe", &u, &d), 0);
	assert_string_equal(str_c(&d), "");
	writefile("qmail/control/defaultdomain", "Example.com\n");
	assert_int_equal(vpop_login_split("joe", &u, &d), 0);
	assert_string_equal(d.s, "example.com");
	writefile("vpopmail/etc/defaultdomain", "catch.net\n");
	assert_int_equal(vpop_login_split("joe", &u, &d), 0);
	assert_string_equal(d.s, "catch.net");
	setenv("VPOPMAIL_DOMAIN", "alias.org", 1);
	assert_int_equal(vpop_login_split("joe", &u, &d), 0);
	assert_string_equal(d.s, "alias.org");
	unsetenv("VPOPMAIL_DOMAIN");
	assert_int_equal(vpop_login_split("@example.com", &u, &d), -1);
	assert_int_equal(vpop_login_split("j o@example.com", &u, &d), -1);

	fd = vpop_lock();
	assert_true(fd >= 0);
	close(fd);
	str_free(&u);
	str_free(&d);
	test_rmrf(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pw_parse),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_passwords),
		cmocka_unit_test(test_store),
		cmocka_unit_test(test_login),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
