/*
 * fuzz_dns_answer - DNS answer packets (untrusted, from the network)
 * through the parsers qmail-remote uses: MX, A and AAAA with CNAME chains.
 */
#include <arpa/nameser.h>
#include <stddef.h>
#include <stdint.h>

#include "dns.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_mxlist mx = { 0 };
	struct dns_addrlist a = { 0 };
	struct str fin = STR_INIT(4096);

	(void)dns_parse_mx(data, size, "example.org", &mx, &fin);
	dns_mx_sort(&mx);
	(void)dns_parse_addr(data, size, "example.org", ns_t_a, &a, &fin);
	(void)dns_parse_addr(data, size, "mx.example.org", ns_t_aaaa, &a,
	    NULL);
	dns_mxlist_free(&mx);
	dns_addrlist_free(&a);
	str_free(&fin);
	return 0;
}
