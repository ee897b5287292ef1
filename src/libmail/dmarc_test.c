/*
 * dmarc_test - record syntax, organizational domains (libpsl), strict
 * and relaxed alignment, policy discovery at the From domain and its
 * organizational domain, sp, pct, DNS failures.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "dmarc.h"
#include "test.h"

static void
test_parse(void **state)
{
	static const struct {
		const char *rec;
		int	 ok;
		char	 p, sp, adkim, aspf;
		int	 pct;
	} t[] = {
		{ "v=DMARC1; p=reject", 1, 'r', 'r', 'r', 'r', 100 },
		{ "v=DMARC1;p=none;sp=quarantine;adkim=s;aspf=s;pct=20", 1,
		  'n', 'q', 's', 's', 20 },
		{ "v=DMARC1 ; p = quarantine ; ", 1, 'q', 'q', 'r', 'r', 100 },
		{ "v=DMARC1; p=bogus; rua=mailto:d@x.example", 1, 'n', 'n',
		  'r', 'r', 100 },
		{ "v=DMARC1; rua=mailto:d@x.example", 1, 'n', 'n', 'r', 'r',
		  100 },
		{ "v=DMARC1; p=reject; pct=101; adkim=x", 1, 'r', 'r', 'r',
		  'r', 100 },
		{ "v=DMARC1", 0, 0, 0, 0, 0, 0 },
		{ "v=DMARC1; p=bogus", 0, 0, 0, 0, 0, 0 },
		{ "p=reject; v=DMARC1", 0, 0, 0, 0, 0, 0 },
		{ "v=dmarc1; p=reject", 0, 0, 0, 0, 0, 0 },
		{ "v=spf1 -all", 0, 0, 0, 0, 0, 0 },
		{ "", 0, 0, 0, 0, 0, 0 },
		{ ";;;", 0, 0, 0, 0, 0, 0 },
	};
	struct dmarc_rec r;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if ((dmarc_parse(t[i].rec, strlen(t[i].rec), &r) == 0) !=
		    t[i].ok)
			fail_msg("%s", t[i].rec);
		if (!t[i].ok)
			continue;
		assert_int_equal(r.p, t[i].p);
		assert_int_equal(r.sp, t[i].sp);
		assert_int_equal(r.adkim, t[i].adkim);
		assert_int_equal(r.aspf, t[i].aspf);
		assert_int_equal(r.pct, t[i].pct);
	}
}

static void
test_org(void **state)
{
	struct str o = STR_INIT(1024);

	(void)state;
	assert_int_equal(dmarc_orgdomain("a.b.example.co.uk", &o), 0);
	assert_string_equal(str_c(&o), "example.co.uk");
	assert_int_equal(dmarc_orgdomain("mail.example.com", &o), 0);
	assert_string_equal(str_c(&o), "example.com");
	assert_int_equal(dmarc_orgdomain("co.uk", &o), 0);
	assert_string_equal(str_c(&o), "co.uk");
	assert_true(dmarc_aligned("mail.example.com", "example.com", 'r'));
	assert_false(dmarc_aligned("mail.example.com", "example.com", 's'));
	assert_true(dmarc_aligned("EXAMPLE.com", "example.COM", 's'));
	assert_false(dmarc_aligned("a.co.uk", "b.co.uk", 'r'));
	str_free(&o);
}

static const struct {
	const char *name, *txt;
} zone[] = {
	{ "_dmarc.reject.example", "v=DMARC1; p=reject" },
	{ "_dmarc.quar.example", "v=DMARC1; p=quarantine" },
	{ "_dmarc.none.example", "v=DMARC1; p=none" },
	{ "_dmarc.strict.example", "v=DMARC1; p=reject; adkim=s; aspf=s" },
	{ "_dmarc.org.example", "v=DMARC1; p=none; sp=reject" },
	{ "_dmarc.pct0.example", "v=DMARC1; p=reject; pct=0" },
	{ "_dmarc.two.example", "v=DMARC1; p=reject" },
	{ "_dmarc.two.example", "v=DMARC1; p=none" },
	{ "_dmarc.temp.example", NULL },
};

static int
f_txt(void *arg, const char *name, struct strlist *l)
{
	size_t	 i;
	int	 found = 0;

	(void)arg;
	for (i = 0; i < sizeof(zone) / sizeof(zone[0]); i++) {
		if (strcasecmp(zone[i].name, name) != 0)
			continue;
		if (zone[i].txt == NULL) {
			errno = EAGAIN;
			return DNS_SOFT;
		}
		assert_int_equal(strlist_adds(l, zone[i].txt), 0);
		found = 1;
	}
	return found ? DNS_FOUND : DNS_HARD;
}

static const struct dmarc_dns fake = { NULL, f_txt };

static void
test_check(void **state)
{
	static const struct {
		const char *from, *spfdom;
		enum spf_result spf;
		const char *dkim;
		enum dmarc_result want;
		char	 policy;
	} t[] = {
		{ "reject.example", "reject.example", SPF_PASS, NULL,
		  DMARC_PASS, 'r' },
		{ "reject.example", "bounce.reject.example", SPF_PASS, NULL,
		  DMARC_PASS, 'r' },
		{ "reject.example", "other.example", SPF_PASS, NULL,
		  DMARC_FAIL, 'r' },
		{ "reject.example", "reject.example", SPF_FAIL,
		  "reject.example", DMARC_PASS, 'r' },
		{ "reject.example", "reject.example", SPF_SOFTFAIL, NULL,
		  DMARC_FAIL, 'r' },
		{ "quar.example", NULL, SPF_NONE, "x.example", DMARC_FAIL,
		  'q' },
		{ "none.example", NULL, SPF_NONE, NULL, DMARC_FAIL, 'n' },
		{ "strict.example", "mail.strict.example", SPF_PASS,
		  "s.strict.example", DMARC_FAIL, 'r' },
		{ "strict.example", "strict.example", SPF_PASS, NULL,
		  DMARC_PASS, 'r' },
		{ "sub.org.example", NULL, SPF_NONE, NULL, DMARC_FAIL, 'r' },
		{ "org.example", NULL, SPF_NONE, NULL, DMARC_FAIL, 'n' },
		{ "sub.org.example", NULL, SPF_NONE, "org.example",
		  DMARC_PASS, 'r' },
		{ "pct0.example", NULL, SPF_NONE, NULL, DMARC_FAIL, 'q' },
		{ "two.example", NULL, SPF_NONE, NULL, DMARC_NONE, 0 },
		{ "nothing.example", NULL, SPF_NONE, NULL, DMARC_NONE, 0 },
		{ "temp.example", NULL, SPF_NONE, NULL, DMARC_TEMPERROR, 0 },
		{ NULL, NULL, SPF_NONE, NULL, DMARC_PERMERROR, 0 },
	};
	struct dmarc_out out;
	struct dmarc_in in;
	size_t	 i;

	(void)state;
	memset(&out, 0, sizeof(out));
	out.why.max = 1024;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&in, 0, sizeof(in));
		in.from = t[i].from;
		in.spf_domain = t[i].spfdom;
		in.spf = t[i].spf;
		if (t[i].dkim != NULL)
			in.dkim[in.ndkim++] = t[i].dkim;
		assert_int_equal(dmarc_check(&fake, &in, &out), 0);
		if (out.result != t[i].want || (t[i].want == DMARC_PASS ||
		    t[i].want == DMARC_FAIL ? out.policy != t[i].policy : 0))
			fail_msg("%zu %s: %s policy %c (%s)", i,
			    t[i].from ? t[i].from : "-",
			    dmarc_result_name(out.result),
			    out.policy ? out.policy : '-', str_c(&out.why));
	}
	str_free(&out.why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_org),
		cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
