/*
 * fuzz_tcprules - the tcprules text parser as tcprules runs it: the input
 * cut into lines, each parsed, each rule's address expanded into keys, and
 * the data walked as tcpserver walks it.
 */
#include <stdint.h>
#include <string.h>

#include "../src/tcp/rules.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
count_key(void *arg, const char *key, size_t klen)
{
	(void)key;
	(void)klen;
	(*(size_t *)arg)++;
	return 0;
}

static int
count_var(void *arg, const char *nv)
{
	(*(size_t *)arg) += strlen(nv) > 0;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str addr = STR_INIT(RULES_LINE_MAX);
	struct str d = STR_INIT(RULES_LINE_MAX);
	const char *p = (const char *)data, *end = p + size, *nl;
	size_t	 n = 0;
	int	 deny = 0;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		nl = nl != NULL ? nl + 1 : end;
		if (rules_parse_line(p, (size_t)(nl - p), &addr, &d) == 1) {
			(void)rules_keys(str_c(&addr), addr.len, count_key, &n);
			(void)rules_apply(str_c(&d), d.len, &deny, count_var, &n);
		}
		p = nl;
	}
	str_free(&addr);
	str_free(&d);
	return 0;
}
