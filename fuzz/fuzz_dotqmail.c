/*
 * fuzz_dotqmail - the .qmail line rules of qmail-local on arbitrary
 * bytes: each line trimmed and typed, program lines split for direct
 * execution, and the file-name search for the input as an extension.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/local/dotqmail.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl, *arg;
	struct strlist argv = STRLIST_INIT, names = STRLIST_INIT;
	struct str ext = STR_INIT(4096);
	size_t	 n, argn, i;
	long	*def;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		n = dq_trim(p, n);
		if (dq_line(p, n, &arg, &argn) == DQ_PROGRAM &&
		    dq_argv(arg, argn, &argv) == 1) {
			for (i = 0; i < argv.n; i++)
				if (strlen(argv.v[i]) > argn)
					abort();
			strlist_free(&argv);
		}
		(void)dq_gfrom(p, n);
		p = nl ? nl + 1 : end;
	}
	if (str_copyb(&ext, data, size < 4096 ? size : 4096) == 0 &&
	    memchr(ext.s, '\0', ext.len) == NULL) {
		def = calloc(dq_names_max(ext.s), sizeof(*def));
		if (def != NULL && dq_names("-", ext.s, &names, def) == 0) {
			if (names.n > dq_names_max(ext.s))
				abort();
			for (i = 0; i < names.n; i++)
				if (def[i] > (long)ext.len)
					abort();
		}
		free(def);
		strlist_free(&names);
	}
	str_free(&ext);
	return 0;
}
