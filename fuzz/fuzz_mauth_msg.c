/*
 * fuzz_mauth_msg - a whole inbound message (untrusted) through msgauthd's
 * checks: header splitting, From, forged Authentication-Results, every
 * DKIM-Signature through libopendkim, SPF and DMARC, with a DNS that
 * finds nothing (so that every run is quick and the same).
 */
#include <stddef.h>
#include <stdint.h>

#include "dkimsig.h"
#include "mauth.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
none_txt(void *a, const char *n, struct strlist *l)
{
	(void)a;
	(void)n;
	(void)l;
	return DNS_HARD;
}

static int
none_addrs(void *a, const char *n, int af, struct dns_addrlist *l)
{
	(void)a;
	(void)n;
	(void)af;
	(void)l;
	return DNS_HARD;
}

static int
none_mx(void *a, const char *n, struct dns_mxlist *l)
{
	(void)a;
	(void)n;
	(void)l;
	return DNS_HARD;
}

static int
none_ptr(void *a, const struct dns_addr *ip, struct strlist *l)
{
	(void)a;
	(void)ip;
	(void)l;
	return DNS_HARD;
}

static const struct spf_dns none = { NULL, none_txt, none_addrs, none_mx,
	none_ptr };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mauth_req req = { 0, "192.0.2.3", "mx.example.org",
	    "a@example.org", "mx.example.net", 1, 1000, &none };
	struct mauth_res res;
	struct mauth *m;

	if ((m = mauth_new(&req)) == NULL)
		return 0;
	if (mauth_feed(m, (const char *)data, size) == 0 &&
	    mauth_finish(m, &res) == 0)
		mauth_res_free(&res);
	mauth_free(m);
	return 0;
}
