/*
 * fuzz_mime - a message (untrusted: anyone can mail anything) through the
 * whole MIME layer: ENVELOPE, BODYSTRUCTURE, BODY, the summary and sort
 * keys, every part's info and decoded text, body sections and BINARY
 * with partial reads, and a body search.
 */
#include <stdint.h>
#include <string.h>

#include "mime.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

static int
sink(void *arg, const void *data, size_t len)
{
	(void)arg;
	(void)data;
	(void)len;
	return 0;
}

static void
read_section(struct mime_msg *m, const char *spec, int binary)
{
	static const char *const fields[] = { "From", "subject" };
	struct mime_section s;
	struct mime_reader *r;
	char	 pb[32], buf[512];
	uint64_t size;
	int	 nul;

	if (mime_section_parse(spec, &s, pb, sizeof(pb)) == -1)
		return;
	s.fields = fields;
	s.nfields = 2;
	s.binary = binary;
	if (mime_reader_open(m, &s, &r) == -1)
		return;
	if (mime_reader_size(r, &size, &nul) == 0) {
		(void)mime_reader_seek(r, 3);
		while (mime_reader_read(r, buf, sizeof(buf)) > 0)
			;
		(void)mime_reader_seek(r, 1);
		(void)mime_reader_read(r, buf, 5);
	}
	mime_reader_free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const specs[] = {
		"", "HEADER", "TEXT", "1", "2", "1.MIME", "2.HEADER",
		"2.TEXT", "1.1", "HEADER.FIELDS", "1.HEADER.FIELDS.NOT"
	};
	struct mime_msg *m;
	struct str o = STR_INIT(STR_UNBOUNDED);
	struct mime_sortkeys k;
	const struct mime_part *p;
	unsigned int i;
	uint64_t v;

	if (mime_open_mem(data, size, &m) == -1)
		return 0;
	(void)mime_size(m, NULL, &v);
	(void)mime_envelope(m, &o);
	(void)mime_bodystructure(m, &o);
	(void)mime_body(m, &o);
	str_clear(&o);
	(void)mime_summary(m, &o);
	(void)mime_sortkeys(m, &k);
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		read_section(m, specs[i], 0);
	read_section(m, "1", 1);
	read_section(m, "2", 1);
	for (i = 0; (p = mime_part_by_id(m, i)) != NULL && i < 50; i++) {
		struct mime_part_info in;

		(void)mime_part_info(m, p, &in);
		(void)mime_part_decode(m, p, MIME_DEC_FLOWED, sink, NULL);
		(void)mime_part_decode(m, p, MIME_DEC_RAW, sink, NULL);
	}
	(void)mime_body_part(m, 1);
	(void)mime_part_by_cid(m, "a@b");
	(void)mime_search_body(m, 1, "NEEDLE", 6);
	(void)mime_search_header(m, "subject", "X", 1);
	str_free(&o);
	mime_free(m);
	return 0;
}

/* One-time allocations of GMime and GLib happen here, not in a run
 * LeakSanitizer watches. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char warm[] = "From: =?koi8-r?B?6dfBzg==?= <a@b>\n"
	    "Subject: =?iso-8859-1?q?=E9?= =?gb2312?B?1cXOsA==?=\n"
	    "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
	    "Content-Type: text/plain; charset=windows-1251; name*=utf-8''a\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n=CF\n--b--\n";

	(void)argc;
	(void)argv;
	(void)LLVMFuzzerTestOneInput((const uint8_t *)warm, sizeof(warm) - 1);
	return 0;
}
