/*
 * fuzz_mlog - the maillog scanner and the traffic accountant on arbitrary
 * log text: every line is scanned and fed as mail-traffic does; the state
 * is then saved and loaded back, which must succeed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../src/traffic/mlog.h"
#include "../src/traffic/tacc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tacc t, u;
	struct mlog_ev ev;
	struct str s = STR_INIT(STR_UNBOUNDED), txt = STR_INIT(STR_UNBOUNDED);
	const char *p = (const char *)data, *e = p + size, *nl;
	size_t	 i;

	setenv("TZ", "UTC", 1);
	tacc_init(&t);
	(void)tacc_host(&t, "example.com", 11, NULL, 0);
	(void)tacc_host(&t, "alias.org", 9, "example.com", 11);
	t.ref = 1795521600;
	while (p < e) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			nl = e;
		if (mlog_scan(p, (size_t)(nl - p), &ev) != MLOG_OTHER &&
		    tacc_feed(&t, &ev) == -1)
			abort();
		p = nl + 1;
	}
	for (i = 0; i < t.ndays; i++)
		if (tacc_day_text(&t, &t.days[i], &txt) == -1)
			abort();
	tacc_prune(&t);
	if (tacc_save(&t, &s) == -1)
		abort();
	tacc_init(&u);
	if (tacc_load(&u, s.s != NULL ? s.s : "", s.len) == -1)
		abort();
	/* and the loader on the raw input: it may refuse, never crash */
	tacc_free(&u);
	tacc_init(&u);
	(void)tacc_load(&u, (const char *)data, size);
	tacc_free(&u);
	tacc_free(&t);
	str_free(&s);
	str_free(&txt);
	return 0;
}
