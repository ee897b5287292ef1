/*
 * spf_test - check_host against a table of DNS answers: every result,
 * include and redirect, the lookup, void and MX limits, loops, the
 * macro examples of RFC 7208 appendix D and record syntax errors.
 */
#include <sys/socket.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "spf.h"
#include "test.h"

/* One fake DNS entry: type 'T' TXT, 'A', '6' AAAA, 'M' MX, 'P' PTR. */
struct fake {
	char	 type;
	const char *name;
	const char *data;	/* NULL: the lookup fails (DNS_SOFT) */
};

static const struct fake zone[] = {
	{ 'T', "pass.example", "v=spf1 ip4:192.0.2.0/24 -all" },
	{ 'T', "fail.example", "v=spf1 -all" },
	{ 'T', "soft.example", "v=spf1 ~all" },
	{ 'T', "neutral.example", "v=spf1 ?all" },
	{ 'T', "default.example", "v=spf1 ip4:10.0.0.1" },
	{ 'T', "other.example", "not spf" },
	{ 'T', "temp.example", NULL },
	{ 'T', "two.example", "v=spf1 -all" },
	{ 'T', "two.example", "v=spf1 +all" },
	{ 'T', "syntax.example", "v=spf1 ip4:300.0.0.1 -all" },
	{ 'T', "unknown.example", "v=spf1 foo:bar -all" },
	{ 'T', "inc.example", "v=spf1 include:pass.example -all" },
	{ 'T', "incnone.example", "v=spf1 include:nothing.example -all" },
	{ 'T', "inctemp.example", "v=spf1 include:temp.example -all" },
	{ 'T', "redir.example", "v=spf1 redirect=pass.example" },
	{ 'T', "redirnone.example", "v=spf1 redirect=nothing.example" },
	{ 'T', "a.example", "v=spf1 a -all" },
	{ 'A', "a.example", "192.0.2.3" },
	{ 'T', "acidr.example", "v=spf1 a:host.acidr.example/24 -all" },
	{ 'A', "host.acidr.example", "192.0.2.200" },
	{ 'T', "mx.example", "v=spf1 mx -all" },
	{ 'M', "mx.example", "mx1.mx.example mx2.mx.example" },
	{ 'A', "mx2.mx.example", "192.0.2.3" },
	{ 'T', "mx11.example", "v=spf1 mx -all" },
	{ 'M', "mx11.example", "m1 m2 m3 m4 m5 m6 m7 m8 m9 m10 m11" },
	{ 'T', "ptr.example", "v=spf1 ptr -all" },
	{ 'P', "192.0.2.3", "mail.ptr.example" },
	{ 'A', "mail.ptr.example", "192.0.2.3" },
	{ 'T', "exists.example", "v=spf1 exists:%{i}.ok.exists.example -all" },
	{ 'A', "192.0.2.3.ok.exists.example", "127.0.0.2" },
	{ 'T', "v6.example", "v=spf1 ip6:2001:db8::/32 -all" },
	{ 'T', "void.example",
	  "v=spf1 a:n1.example a:n2.example a:n3.example +all" },
	{ 'T', "void2.example", "v=spf1 a:n1.example a:n2.example +all" },
	{ 'T', "loop1.example", "v=spf1 include:loop2.example -all" },
	{ 'T', "loop2.example", "v=spf1 include:loop1.example -all" },
	{ 'T', "deep0.example", "v=spf1 include:deep1.example -all" },
	{ 'T', "deep1.example", "v=spf1 include:deep2.example -all" },
	{ 'T', "deep2.example", "v=spf1 include:deep3.example -all" },
	{ 'T', "deep3.example", "v=spf1 include:deep4.example -all" },
	{ 'T', "deep4.example", "v=spf1 include:deep5.example -all" },
	{ 'T', "deep5.example", "v=spf1 include:deep6.example -all" },
	{ 'T', "deep6.example", "v=spf1 include:deep7.example -all" },
	{ 'T', "deep7.example", "v=spf1 include:deep8.example -all" },
	{ 'T', "deep8.example", "v=spf1 include:deep9.example -all" },
	{ 'T', "deep9.example", "v=spf1 include:deep10.example -all" },
	{ 'T', "deep10.example", "v=spf1 include:pass.example -all" },
	{ 'T', "ten.example", "v=spf1 include:deep2.example -all" },
	{ 'T', "big.example", "BIG" },
	{ 'T', "mod.example", "v=spf1 foo=bar exp=x.example ?all" },
	{ 'T', "tworedir.example", "v=spf1 redirect=a redirect=b" },
	{ 'T', "badmacro.example", "v=spf1 a:%{z}.example -all" },
	{ 'T', "atemp.example", "v=spf1 a:temp.example -all" },
	{ 'A', "temp.example", NULL },
};

static int
fake_find(char type, const char *name, const char **data)
{
	size_t	 i, nl = strlen(name);
	int	 found = 0;

	if (nl > 0 && name[nl - 1] == '.')
		nl--;
	for (i = 0; i < sizeof(zone) / sizeof(zone[0]); i++) {
		if (zone[i].type != type || strlen(zone[i].name) != nl ||
		    strncasecmp(zone[i].name, name, nl) != 0)
			continue;
		if (zone[i].data == NULL)
			return DNS_SOFT;
		data[found++] = zone[i].data;
	}
	data[found] = NULL;
	return found ? DNS_FOUND : DNS_HARD;
}

static int
f_txt(void *arg, const char *name, struct strlist *l)
{
	const char *d[4];
	int	 r, i;

	(void)arg;
	r = fake_find('T', name, d);
	for (i = 0; r == DNS_FOUND && d[i] != NULL; i++) {
		if (strcmp(d[i], "BIG") == 0) {
			errno = E2BIG;
			return DNS_SOFT;
		}
		assert_int_equal(strlist_adds(l, d[i]), 0);
	}
	return r;
}

static int
f_addrs(void *arg, const char *name, int af, struct dns_addrlist *l)
{
	const char *d[4];
	struct dns_addr a;
	int	 r, i;

	(void)arg;
	r = fake_find(af == AF_INET ? 'A' : '6', name, d);
	for (i = 0; r == DNS_FOUND && d[i] != NULL; i++) {
		assert_int_equal(dns_addr_literal(d[i], &a), 1);
		dns_addr_add(l, &a);
	}
	return r;
}

static int
f_mx(void *arg, const char *name, struct dns_mxlist *l)
{
	const char *d[4], *p, *e;
	char	 host[256];
	int	 r;

	(void)arg;
	r = fake_find('M', name, d);
	if (r != DNS_FOUND)
		return r;
	for (p = d[0]; *p != '\0'; p = *e ? e + 1 : e) {
		e = strchr(p, ' ');
		if (e == NULL)
			e = p + strlen(p);
		snprintf(host, sizeof(host), "%.*s", (int)(e - p), p);
		dns_mx_add_name(l, host, 10);
	}
	return r;
}

static int
f_ptr(void *arg, const struct dns_addr *a, struct strlist *l)
{
	const char *d[4];
	char	 buf[64];
	int	 r, i;

	(void)arg;
	r = fake_find('P', dns_addr_fmt(a, buf, sizeof(buf)), d);
	for (i = 0; r == DNS_FOUND && d[i] != NULL; i++)
		assert_int_equal(strlist_adds(l, d[i]), 0);
	return r;
}

static const struct spf_dns fake = { NULL, f_txt, f_addrs, f_mx, f_ptr };

static enum spf_result
check(const char *ip, const char *domain, struct spf_out *out)
{
	struct spf_query q;
	char	 sender[300];

	memset(&q, 0, sizeof(q));
	assert_int_equal(dns_addr_literal(ip, &q.ip), 1);
	snprintf(sender, sizeof(sender), "user@%s", domain);
	q.sender = sender;
	q.helo = "helo.example";
	q.receiver = "mx.box.example";
	assert_int_equal(spf_check(&fake, &q, domain, out), 0);
	return out->result;
}

static void
test_results(void **state)
{
	static const struct {
		const char *ip, *domain;
		enum spf_result want;
	} t[] = {
		{ "192.0.2.3", "pass.example", SPF_PASS },
		{ "198.51.100.1", "pass.example", SPF_FAIL },
		{ "192.0.2.3", "fail.example", SPF_FAIL },
		{ "192.0.2.3", "soft.example", SPF_SOFTFAIL },
		{ "192.0.2.3", "neutral.example", SPF_NEUTRAL },
		{ "192.0.2.3", "default.example", SPF_NEUTRAL },
		{ "192.0.2.3", "other.example", SPF_NONE },
		{ "192.0.2.3", "nothing.example", SPF_NONE },
		{ "192.0.2.3", "localhost", SPF_NONE },
		{ "192.0.2.3", "temp.example", SPF_TEMPERROR },
		{ "192.0.2.3", "two.example", SPF_PERMERROR },
		{ "192.0.2.3", "syntax.example", SPF_PERMERROR },
		{ "192.0.2.3", "unknown.example", SPF_PERMERROR },
		{ "192.0.2.3", "inc.example", SPF_PASS },
		{ "198.51.100.1", "inc.example", SPF_FAIL },
		{ "192.0.2.3", "incnone.example", SPF_PERMERROR },
		{ "192.0.2.3", "inctemp.example", SPF_TEMPERROR },
		{ "192.0.2.3", "redir.example", SPF_PASS },
		{ "192.0.2.3", "redirnone.example", SPF_PERMERROR },
		{ "192.0.2.3", "a.example", SPF_PASS },
		{ "192.0.2.4", "a.example", SPF_FAIL },
		{ "192.0.2.9", "acidr.example", SPF_PASS },
		{ "192.0.3.9", "acidr.example", SPF_FAIL },
		{ "192.0.2.3", "mx.example", SPF_PASS },
		{ "192.0.2.4", "mx.example", SPF_FAIL },
		{ "192.0.2.3", "mx11.example", SPF_PERMERROR },
		{ "192.0.2.3", "ptr.example", SPF_PASS },
		{ "192.0.2.4", "ptr.example", SPF_FAIL },
		{ "192.0.2.3", "exists.example", SPF_PASS },
		{ "192.0.2.4", "exists.example", SPF_FAIL },
		{ "2001:db8::1", "v6.example", SPF_PASS },
		{ "2001:db9::1", "v6.example", SPF_FAIL },
		{ "192.0.2.3", "v6.example", SPF_FAIL },
		{ "192.0.2.3", "void.example", SPF_PERMERROR },
		{ "192.0.2.3", "void2.example", SPF_PASS },
		{ "192.0.2.3", "loop1.example", SPF_PERMERROR },
		{ "192.0.2.3", "deep0.example", SPF_PERMERROR },
		{ "192.0.2.3", "ten.example", SPF_PASS },
		{ "192.0.2.3", "big.example", SPF_PERMERROR },
		{ "192.0.2.3", "mod.example", SPF_NEUTRAL },
		{ "192.0.2.3", "tworedir.example", SPF_PERMERROR },
		{ "192.0.2.3", "badmacro.example", SPF_PERMERROR },
		{ "192.0.2.3", "atemp.example", SPF_TEMPERROR },
	};
	struct spf_out out = { 0, 0, 0, STR_INIT(1024) };
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (check(t[i].ip, t[i].domain, &out) != t[i].want)
			fail_msg("%s from %s: %s (%s), wanted %s",
			    t[i].domain, t[i].ip, spf_result_name(out.result),
			    str_c(&out.why), spf_result_name(t[i].want));
		assert_true(out.lookups <= SPF_MAX_LOOKUPS + 1);
	}
	str_free(&out.why);
}

/* RFC 7208 appendix D.1. */
static void
test_macros(void **state)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{ "%{s}", "strong-bad@email.example.com" },
		{ "%{o}", "email.example.com" },
		{ "%{d}", "email.example.com" },
		{ "%{d4}", "email.example.com" },
		{ "%{d3}", "email.example.com" },
		{ "%{d2}", "example.com" },
		{ "%{d1}", "com" },
		{ "%{dr}", "com.example.email" },
		{ "%{d2r}", "example.email" },
		{ "%{l}", "strong-bad" },
		{ "%{l-}", "strong.bad" },
		{ "%{lr}", "strong-bad" },
		{ "%{lr-}", "bad.strong" },
		{ "%{l1r-}", "strong" },
		{ "%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com" },
		{ "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com" },
		{ "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
		  "bad.strong.lp.3.2.0.192.in-addr._spf.example.com" },
		{ "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
		  "3.2.0.192.in-addr.strong.lp._spf.example.com" },
		{ "%{d2}.trusted-domains.example.net",
		  "example.com.trusted-domains.example.net" },
		{ "%%%_%-", "% %20" },
		{ "%{L}", "strong-bad" },
		{ "%{S}", "strong-bad%40email.example.com" },
	};
	static const char *bad[] = { "%{z}", "%{d0}", "%{d", "%x", "%",
	    "%{c}", "%{r}", "%{t}", "%{d129}" };
	struct spf_query q;
	struct str out = STR_INIT(4096);
	size_t	 i;

	(void)state;
	memset(&q, 0, sizeof(q));
	dns_addr_literal("192.0.2.3", &q.ip);
	q.sender = "strong-bad@email.example.com";
	q.helo = "mx.example.org";
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(spf_expand(t[i].in, strlen(t[i].in), &q,
		    "email.example.com", 0, &out), 0);
		assert_string_equal(str_c(&out), t[i].out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(spf_expand(bad[i], strlen(bad[i]), &q,
		    "email.example.com", 0, &out), -1);
	dns_addr_literal("2001:db8::cb01", &q.ip);
	assert_int_equal(spf_expand("%{ir}.%{v}._spf.%{d2}", 21, &q,
	    "email.example.com", 0, &out), 0);
	assert_string_equal(str_c(&out), "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
	str_free(&out);
}

static void
test_parse(void **state)
{
	static const struct {
		const char *rec;
		int	 ok;
	} t[] = {
		{ "v=spf1", 1 },
		{ "v=spf1 -all", 1 },
		{ "v=spf1  a  mx  ", 1 },
		{ "v=spf10 -all", 0 },
		{ "v=spf1 a/24//64 mx:x.example/16 -all", 1 },
		{ "v=spf1 a/33", 0 },
		{ "v=spf1 a//129", 0 },
		{ "v=spf1 a/024", 0 },
		{ "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32", 1 },
		{ "v=spf1 ip6:2001:db8::/129", 0 },
		{ "v=spf1 ip4:", 0 },
		{ "v=spf1 ip4", 0 },
		{ "v=spf1 include", 0 },
		{ "v=spf1 include:", 0 },
		{ "v=spf1 all:x", 0 },
		{ "v=spf1 exists:%{i}.x.example", 1 },
		{ "v=spf1 a:%{d1/}.x.example/24", 1 },
		{ "v=spf1 redirect=", 0 },
		{ "v=spf1 x-custom=whatever", 1 },
		{ "v=spf1 =x", 0 },
		{ "v=spf1 -all\t", 0 },
	};
	struct spf_rec rec;
	struct str why = STR_INIT(1024);
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if ((spf_parse(t[i].rec, strlen(t[i].rec), &rec, &why) == 0) !=
		    t[i].ok)
			fail_msg("%s: %s", t[i].rec, str_c(&why));
	str_free(&why);
}

static void
test_domain_ok(void **state)
{
	(void)state;
	assert_true(spf_domain_ok("a.example"));
	assert_true(spf_domain_ok("a.example."));
	assert_false(spf_domain_ok("localhost"));
	assert_false(spf_domain_ok("a..example"));
	assert_false(spf_domain_ok(".example"));
	assert_false(spf_domain_ok(""));
	assert_false(spf_domain_ok("a b.example"));
	assert_false(spf_domain_ok("[127.0.0.1]"));
	assert_false(spf_domain_ok("127.0.0.1"));
	assert_true(spf_domain_ok("_spf.1and1.com"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_results),
		cmocka_unit_test(test_macros),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_domain_ok),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
