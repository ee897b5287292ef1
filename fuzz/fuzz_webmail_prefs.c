/*
 * fuzz_webmail_prefs - SqWebMail preference lines (a user's own file)
 * through the order's reader and writer: any line, with any order
 * written into it, reads back as that order; the same bytes as a list
 * of senders, with an address added and taken back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/webmail/prefs.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sorts[] = { "date.d", "date.a", "from.a",
	    "subject.d", "thread.a", "size.d" };
	struct str t = STR_INIT(PREFS_MAX * 2), u = STR_INIT(PREFS_MAX * 2);
	char	 got[PREFS_SORT_MAX];
	const char *s;

	if (size == 0 || size > PREFS_MAX)
		return 0;
	prefs_sort_get((const char *)data, size, got);
	if (strlen(got) >= PREFS_SORT_MAX)
		abort();
	s = sorts[data[0] % (sizeof(sorts) / sizeof(sorts[0]))];
	if (prefs_sort_set((const char *)data, size, s, &t) == 0) {
		prefs_sort_get(t.s, t.len, got);
		if (strcmp(got, s) != 0)
			abort();
	}
	if (prefs_sender_set((const char *)data, size, "a@b.example", 1,
	    &t) == 0) {
		if (!prefs_sender_has(t.s, t.len, "A@b.example"))
			abort();
		if (prefs_sender_set(t.s, t.len, "a@b.example", 0, &u) == 0 &&
		    prefs_sender_has(u.s, u.len, "a@b.example"))
			abort();
	}
	str_free(&t);
	str_free(&u);
	return 0;
}
