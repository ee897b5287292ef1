/*
 * fuzz_mime_header - header text (untrusted) through the decoders: RFC
 * 2047 text and phrases, display addresses, the RFC 5256 base subject,
 * folding, and the ENVELOPE address parser (as a From: field).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str o = STR_INIT(STR_UNBOUNDED);
	struct mime_addrlist l = MIME_ADDRLIST_INIT;
	struct mime_msg *m;
	const char *s = (const char *)data;
	char	*msg;
	int	 reply;

	(void)mime_decode_header(s, size, NULL, &o);
	str_clear(&o);
	(void)mime_decode_phrase(s, size, "koi8-r", &o);
	str_clear(&o);
	(void)mime_base_subject(s, size, &o, &reply);
	str_clear(&o);
	(void)mime_fold(s, size, &o);
	(void)mime_fold_contains(s, size, "AB", 2);
	(void)mime_addr_parse(s, size, &l);
	mime_addrlist_free(&l);
	/* the same text as the address fields of a message */
	if ((msg = malloc(size + 32)) != NULL) {
		struct mime_sortkeys k;

		memcpy(msg, "From: ", 6);
		memcpy(msg + 6, data, size);
		memcpy(msg + 6 + size, "\nTo: x\n\n", 8);
		if (mime_open_mem(msg, size + 14, &m) == 0) {
			str_clear(&o);
			(void)mime_envelope(m, &o);
			(void)mime_sortkeys(m, &k);
			mime_free(m);
		}
		free(msg);
	}
	str_free(&o);
	return 0;
}

/* One-time allocations of GMime and GLib (charset tables, converters,
 * type registrations) happen here, not in a run LeakSanitizer watches. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const warm[] = {
		"=?utf-8?q?a=C3=A9?= =?iso-8859-1?b?6Q==?= \xe9",
		"=?koi8-r?B?6dfBzg==?= <a@b>, g: c@d;, (x) e@f",
		"=?gb2312?B?1cXOsA==?= =?windows-1251?q?=CF?= =?x-bad?q?a?=",
	};
	size_t	 i;

	(void)argc;
	(void)argv;
	for (i = 0; i < sizeof(warm) / sizeof(warm[0]); i++)
		(void)LLVMFuzzerTestOneInput((const uint8_t *)warm[i],
		    strlen(warm[i]));
	return 0;
}
