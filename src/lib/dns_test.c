/*
 * dns_test - the answer parsers on hand-built packets (MX, A, AAAA, CNAME
 * chains, loops, cut packets, a 60 KiB answer), MX ordering, address
 * literals and the server list syntax.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "test.h"

struct pkt {
	unsigned char b[DNS_MAXANSWER];
	size_t	 n;
	unsigned ancount;
};

static void
put16(struct pkt *p, unsigned v)
{
	p->b[p->n++] = (unsigned char)(v >> 8);
	p->b[p->n++] = (unsigned char)v;
}

static void
putname(struct pkt *p, const char *name)
{
	const char *dot;
	size_t	 l;

	while (*name != '\0') {
		dot = strchr(name, '.');
		l = dot ? (size_t)(dot - name) : strlen(name);
		p->b[p->n++] = (unsigned char)l;
		memcpy(p->b + p->n, name, l);
		p->n += l;
		name += l + (dot != NULL);
	}
	p->b[p->n++] = 0;
}

static void
start(struct pkt *p, const char *qname, unsigned qtype)
{
	memset(p, 0, sizeof(*p));
	put16(p, 0x1234);
	put16(p, 0x8180);
	put16(p, 1);
	put16(p, 0);	/* ancount, patched by rr() */
	put16(p, 0);
	put16(p, 0);
	putname(p, qname);
	put16(p, qtype);
	put16(p, ns_c_in);
}

/* An answer record; rdata given as raw bytes or, for names, via rdname. */
static void
rr(struct pkt *p, const char *owner, unsigned type, const void *rd,
    size_t rdlen, const char *rdname, int pref)
{
	size_t	 lenpos;

	putname(p, owner);
	put16(p, type);
	put16(p, ns_c_in);
	put16(p, 0);
	put16(p, 300);
	lenpos = p->n;
	put16(p, 0);
	if (pref >= 0)
		put16(p, (unsigned)pref);
	if (rdname != NULL)
		putname(p, rdname);
	if (rd != NULL) {
		memcpy(p->b + p->n, rd, rdlen);
		p->n += rdlen;
	}
	p->b[lenpos] = (unsigned char)((p->n - lenpos - 2) >> 8);
	p->b[lenpos + 1] = (unsigned char)(p->n - lenpos - 2);
	p->ancount++;
	p->b[6] = (unsigned char)(p->ancount >> 8);
	p->b[7] = (unsigned char)p->ancount;
}

static void
test_mx_plain(void **state)
{
	static struct pkt p;
	struct dns_mxlist l = { 0 };

	(void)state;
	start(&p, "example.org", ns_t_mx);
	rr(&p, "example.org", ns_t_mx, NULL, 0, "mx2.example.org", 20);
	rr(&p, "example.org", ns_t_mx, NULL, 0, "mx1.example.org", 10);
	assert_int_equal(dns_parse_mx(p.b, p.n, "example.org.", &l, NULL),
	    DNS_FOUND);
	assert_int_equal(l.n, 2);
	dns_mx_sort(&l);
	assert_string_equal(l.v[0].name, "mx1.example.org");
	assert_int_equal(l.v[0].pref, 10);
	assert_string_equal(l.v[1].name, "mx2.example.org");
	dns_mxlist_free(&l);
}

static void
test_mx_cname(void **state)
{
	static struct pkt p;
	struct dns_mxlist l = { 0 };
	struct str fin = STR_INIT(1024);

	(void)state;
	start(&p, "alias.org", ns_t_mx);
	rr(&p, "alias.org", ns_t_cname, NULL, 0, "mid.org", -1);
	rr(&p, "mid.org", ns_t_cname, NULL, 0, "Real.ORG", -1);
	rr(&p, "real.org", ns_t_mx, NULL, 0, "mx.real.org", 5);
	rr(&p, "other.org", ns_t_mx, NULL, 0, "evil.org", 0);
	assert_int_equal(dns_parse_mx(p.b, p.n, "alias.org", &l, &fin),
	    DNS_FOUND);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].name, "mx.real.org");
	assert_string_equal(str_c(&fin), "Real.ORG");
	dns_mxlist_free(&l);
	str_free(&fin);
}

static void
test_cname_loop(void **state)
{
	static struct pkt p;
	struct dns_mxlist l = { 0 };

	(void)state;
	start(&p, "a.org", ns_t_mx);
	rr(&p, "a.org", ns_t_cname, NULL, 0, "b.org", -1);
	rr(&p, "b.org", ns_t_cname, NULL, 0, "a.org", -1);
	assert_int_equal(dns_parse_mx(p.b, p.n, "a.org", &l, NULL), DNS_SOFT);
	dns_mxlist_free(&l);
}

static void
test_nodata_and_cut(void **state)
{
	static struct pkt p;
	struct dns_mxlist l = { 0 };
	size_t	 cut;

	(void)state;
	start(&p, "a.org", ns_t_mx);
	rr(&p, "a.org", ns_t_a, "\x7f\0\0\1", 4, NULL, -1);
	assert_int_equal(dns_parse_mx(p.b, p.n, "a.org", &l, NULL),
	    DNS_NODATA);
	rr(&p, "a.org", ns_t_mx, NULL, 0, "mx.a.org", 1);
	for (cut = 0; cut < p.n; cut++)
		assert_int_equal(dns_parse_mx(p.b, cut, "a.org", &l, NULL),
		    DNS_SOFT);
	assert_int_equal(l.n, 0);
	/* An MX whose rdata is too short for a name. */
	start(&p, "a.org", ns_t_mx);
	rr(&p, "a.org", ns_t_mx, "\0\1", 2, NULL, -1);
	assert_int_equal(dns_parse_mx(p.b, p.n, "a.org", &l, NULL), DNS_SOFT);
	dns_mxlist_free(&l);
}

static void
test_addr(void **state)
{
	static struct pkt p;
	struct dns_addrlist l = { 0 };
	char	 buf[64];
	unsigned char six[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

	(void)state;
	start(&p, "h.org", ns_t_a);
	rr(&p, "h.org", ns_t_cname, NULL, 0, "x.org", -1);
	rr(&p, "x.org", ns_t_a, "\xc0\0\2\7", 4, NULL, -1);
	rr(&p, "x.org", ns_t_aaaa, six, 16, NULL, -1);
	assert_int_equal(dns_parse_addr(p.b, p.n, "h.org", ns_t_a, &l, NULL),
	    DNS_FOUND);
	assert_int_equal(l.n, 1);
	assert_string_equal(dns_addr_fmt(&l.v[0], buf, sizeof(buf)),
	    "192.0.2.7");
	assert_int_equal(dns_parse_addr(p.b, p.n, "h.org", ns_t_aaaa, &l,
	    NULL), DNS_FOUND);
	assert_int_equal(l.n, 2);
	assert_string_equal(dns_addr_fmt(&l.v[1], buf, sizeof(buf)),
	    "2001:db8::1");
	/* An A record of the wrong length is a broken answer. */
	start(&p, "h.org", ns_t_a);
	rr(&p, "h.org", ns_t_a, "\1\2\3", 3, NULL, -1);
	assert_int_equal(dns_parse_addr(p.b, p.n, "h.org", ns_t_a, &l, NULL),
	    DNS_SOFT);
	dns_addrlist_free(&l);
}

/* 600 MX records: about 30 KiB, far over 512 and 4096 bytes. */
static void
test_big(void **state)
{
	static struct pkt p;
	struct dns_mxlist l = { 0 };
	char	 name[64];
	int	 i;

	(void)state;
	start(&p, "big.org", ns_t_mx);
	for (i = 0; i < 600; i++) {
		snprintf(name, sizeof(name), "mx%03d.some-long-label.big.org",
		    i);
		rr(&p, "big.org", ns_t_mx, NULL, 0, name, i % 7);
	}
	assert_true(p.n > 4096);
	assert_int_equal(dns_parse_mx(p.b, p.n, "big.org", &l, NULL),
	    DNS_FOUND);
	assert_int_equal(l.n, 600);
	dns_mx_sort(&l);
	for (i = 1; i < 600; i++)
		assert_true(l.v[i - 1].pref <= l.v[i].pref);
	dns_mxlist_free(&l);
}

/* Equal preferences come out in both orders over many sorts. */
static void
test_random_equal(void **state)
{
	struct dns_mxlist l = { 0 };
	int	 i, afirst = 0;

	(void)state;
	for (i = 0; i < 200; i++) {
		assert_int_equal(dns_mx_add_name(&l, "b.org", 5), 0);
		assert_int_equal(dns_mx_add_name(&l, "a.org", 5), 0);
		assert_int_equal(dns_mx_add_name(&l, "best.org", 1), 0);
		dns_mx_sort(&l);
		assert_string_equal(l.v[0].name, "best.org");
		afirst += strcmp(l.v[1].name, "a.org") == 0;
		dns_mxlist_free(&l);
	}
	assert_true(afirst > 0 && afirst < 200);
}

static void
test_literal(void **state)
{
	struct dns_addr a;
	char	 buf[64];

	(void)state;
	assert_int_equal(dns_addr_literal("127.0.0.2", &a), 1);
	assert_int_equal(a.af, AF_INET);
	assert_int_equal(dns_addr_literal("[10.1.2.3]", &a), 1);
	assert_string_equal(dns_addr_fmt(&a, buf, sizeof(buf)), "10.1.2.3");
	assert_int_equal(dns_addr_literal("[IPv6:::1]", &a), 1);
	assert_int_equal(a.af, AF_INET6);
	assert_int_equal(dns_addr_literal("::1", &a), 1);
	assert_int_equal(dns_addr_literal("example.org", &a), 0);
	assert_int_equal(dns_addr_literal("[example.org]", &a), 0);
	assert_int_equal(dns_addr_literal("1.2.3.4.5", &a), 0);
}

static void
test_setup(void **state)
{
	(void)state;
	assert_int_equal(dns_setup("127.0.0.1:5353"), 0);
	assert_int_equal(dns_setup("127.0.0.1:5353\n10.0.0.1, 10.0.0.2"), 0);
	assert_int_equal(dns_setup("127.0.0.1 10.0.0.1 10.0.0.2 10.0.0.3"),
	    -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(dns_setup("127.0.0.1:0"), -1);
	assert_int_equal(dns_setup("127.0.0.1:65536"), -1);
	assert_int_equal(dns_setup("localhost"), -1);
	assert_int_equal(dns_setup("::1"), 0);
	assert_int_equal(dns_setup("[::1]:5353, 127.0.0.1:53 [2001:db8::1]"),
	    0);
	assert_int_equal(dns_setup("2001:db8::2 ::1"), 0);
	assert_int_equal(dns_setup("[::1]"), 0);
	assert_int_equal(dns_setup("[::1]5353"), -1);
	assert_int_equal(dns_setup("[::1]:0"), -1);
	assert_int_equal(dns_setup("[::1:5353"), -1);
	assert_int_equal(dns_setup("[127.0.0.1]:53"), -1);
	assert_int_equal(dns_setup("1.2.3.4:53:53"), -1);
	assert_int_equal(dns_setup("[]:53"), -1);
	assert_int_equal(dns_setup(""), 0);
}

/* TXT: strings of a record joined, records apart, the size limit. */
static void
test_txt(void **state)
{
	static struct pkt p;
	struct strlist l = STRLIST_INIT;
	static unsigned char big[3 * 256];
	size_t	 i;

	(void)state;
	start(&p, "t.org", ns_t_txt);
	rr(&p, "t.org", ns_t_txt, "\006v=spf1\005 -all", 13, NULL, -1);
	rr(&p, "t.org", ns_t_txt, "\003abc", 4, NULL, -1);
	rr(&p, "other.org", ns_t_txt, "\003xyz", 4, NULL, -1);
	assert_int_equal(dns_parse_txt(p.b, p.n, "t.org", 100, &l, NULL),
	    DNS_FOUND);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0], "v=spf1 -all");
	assert_string_equal(l.v[1], "abc");
	strlist_free(&l);
	/* 11 bytes of text: over a limit of 10. */
	assert_int_equal(dns_parse_txt(p.b, p.n, "t.org", 10, &l, NULL),
	    DNS_SOFT);
	assert_int_equal(errno, E2BIG);
	strlist_free(&l);
	/* A string longer than the rdata left. */
	start(&p, "t.org", ns_t_txt);
	rr(&p, "t.org", ns_t_txt, "\011abc", 4, NULL, -1);
	assert_int_equal(dns_parse_txt(p.b, p.n, "t.org", 100, &l, NULL),
	    DNS_SOFT);
	strlist_free(&l);
	/* An empty record and three 255-byte strings. */
	start(&p, "t.org", ns_t_txt);
	rr(&p, "t.org", ns_t_txt, "", 0, NULL, -1);
	for (i = 0; i < 3; i++) {
		big[i * 256] = 255;
		memset(big + i * 256 + 1, 'a' + (int)i, 255);
	}
	rr(&p, "t.org", ns_t_txt, big, sizeof(big), NULL, -1);
	assert_int_equal(dns_parse_txt(p.b, p.n, "t.org", 765, &l, NULL),
	    DNS_FOUND);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0], "");
	assert_int_equal(strlen(l.v[1]), 765);
	strlist_free(&l);
	start(&p, "t.org", ns_t_txt);
	assert_int_equal(dns_parse_txt(p.b, p.n, "t.org", 100, &l, NULL),
	    DNS_NODATA);
}

static void
test_ptr(void **state)
{
	static struct pkt p;
	struct strlist l = STRLIST_INIT;
	struct str q = STR_INIT(1024);
	struct dns_addr a;

	(void)state;
	assert_int_equal(dns_addr_literal("192.0.2.10", &a), 1);
	assert_int_equal(dns_ptr_name(&a, &q), 0);
	assert_string_equal(str_c(&q), "10.2.0.192.in-addr.arpa");
	assert_int_equal(dns_addr_literal("2001:db8::1", &a), 1);
	assert_int_equal(dns_ptr_name(&a, &q), 0);
	assert_string_equal(str_c(&q), "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
	start(&p, "10.2.0.192.in-addr.arpa", ns_t_ptr);
	rr(&p, "10.2.0.192.in-addr.arpa", ns_t_ptr, NULL, 0, "mx.a.org", -1);
	assert_int_equal(dns_parse_ptr(p.b, p.n, "10.2.0.192.in-addr.arpa",
	    &l, NULL), DNS_FOUND);
	assert_string_equal(l.v[0], "mx.a.org");
	strlist_free(&l);
	str_free(&q);
}

static void
test_budget(void **state)
{
	(void)state;
	dns_budget(0);
	assert_true(dns_budget_left() > 1000000);
	dns_budget(5000);
	assert_true(dns_budget_left() > 4000 && dns_budget_left() <= 5000);
	dns_budget(0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mx_plain),
		cmocka_unit_test(test_txt),
		cmocka_unit_test(test_ptr),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_mx_cname),
		cmocka_unit_test(test_cname_loop),
		cmocka_unit_test(test_nodata_and_cut),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_big),
		cmocka_unit_test(test_random_equal),
		cmocka_unit_test(test_literal),
		cmocka_unit_test(test_setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
