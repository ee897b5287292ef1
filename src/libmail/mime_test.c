/*
 * mime_test - unit tests of the MIME layer (mime*.c): golden ENVELOPE/
 * BODYSTRUCTURE/BODY answers for the corpus in src/libmail/testdata (the
 * .ref files agree with Dovecot: tests/e2e/test_mime_dovecot.py), body
 * sections and BINARY, header decoding in many charsets, display
 * addresses, folding and SEARCH, SORT/THREAD keys and the base subject
 * of RFC 5256, the summary, the webmail's part tree and text, the
 * writer, and hostile input (deep nesting, huge headers, big parts)
 * within bounded time and memory.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mime.h"
#include "mime_write.h"
#include "test.h"

#define TD	"src/libmail/testdata/"

static struct mime_msg *
open_td(const char *name)
{
	struct mime_msg *m;
	char	 p[256];

	snprintf(p, sizeof(p), TD "%s", name);
	if (mime_open_path(p, &m) == -1)
		fail_msg("open %s: %s", p, strerror(errno));
	return m;
}

static char *
slurp(const char *path, size_t *n)
{
	FILE	*f = fopen(path, "rb");
	char	*b;
	long	 l;

	if (f == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	l = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)l + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)l, f), (size_t)l);
	b[l] = '\0';
	fclose(f);
	*n = (size_t)l;
	return b;
}

/* The whole message of a section reader. */
static void
read_all(struct mime_reader *r, struct str *o)
{
	char	 buf[7];	/* small, to cross the CRLF expansions */
	ssize_t	 n;

	while ((n = mime_reader_read(r, buf, sizeof(buf))) > 0)
		assert_int_equal(str_catb(o, buf, (size_t)n), 0);
	assert_int_equal(n, 0);
}

static int
section(struct mime_msg *m, const char *spec, const char *const *fields,
    size_t nf, int binary, uint64_t origin, struct str *o)
{
	struct mime_section s;
	struct mime_reader *r;
	char	 pb[64];
	uint64_t size;

	assert_int_equal(mime_section_parse(spec, &s, pb, sizeof(pb)), 0);
	s.fields = fields;
	s.nfields = nf;
	s.binary = binary;
	if (mime_reader_open(m, &s, &r) == -1)
		return -1;
	if (mime_reader_size(r, &size, NULL) == -1) {
		mime_reader_free(r);
		return -1;
	}
	if (origin > 0)
		assert_int_equal(mime_reader_seek(r, origin), 0);
	read_all(r, o);
	assert_int_equal(o->len, origin >= size ? 0 : size - origin);
	mime_reader_free(r);
	return 0;
}

/*
 * Golden IMAP answers.
 */
static void
test_golden(void **state)
{
	static const char *const names[] = {
		"simple", "alternative", "mixed-attach", "forwarded",
		"encwords", "rfc2231", "noboundary", "badbase64", "nul", "crlf",
		"flowed", "related", "digest", "groups", "latin1-raw", "thread",
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct str o = STR_INIT(STR_UNBOUNDED);
		struct mime_msg *m;
		char	 p[256], *ref;
		size_t	 rn;
		uint64_t v;

		snprintf(p, sizeof(p), "%s.eml", names[i]);
		m = open_td(p);
		assert_int_equal(str_cats(&o, "ENVELOPE "), 0);
		assert_int_equal(mime_envelope(m, &o), 0);
		assert_int_equal(str_cats(&o, " BODYSTRUCTURE "), 0);
		assert_int_equal(mime_bodystructure(m, &o), 0);
		assert_int_equal(str_cats(&o, " BODY "), 0);
		assert_int_equal(mime_body(m, &o), 0);
		assert_int_equal(mime_size(m, NULL, &v), 0);
		assert_int_equal(str_printf(&o, " RFC822.SIZE %" PRIu64 ")\r\n",
		    v), 0);
		snprintf(p, sizeof(p), TD "%s.ref", names[i]);
		ref = slurp(p, &rn);
		if (o.len != rn || memcmp(o.s, ref, rn) != 0)
			fail_msg("%s:\n got %s\nwant %s", names[i], o.s, ref);
		free(ref);
		str_free(&o);
		mime_free(m);
	}
}

/* The same answers through the summary, and its format. */
static void
test_summary(void **state)
{
	struct mime_msg *m = open_td("forwarded.eml");
	struct str s = STR_INIT(STR_UNBOUNDED), e = STR_INIT(STR_UNBOUNDED);
	const char *v;
	size_t	 n;

	(void)state;
	assert_int_equal(mime_summary(m, &s), 0);
	assert_int_equal(mime_envelope(m, &e), 0);
	assert_int_equal(mime_summary_get(s.s, s.len, MIME_SUM_ENVELOPE, &v,
	    &n), 1);
	assert_int_equal(n, e.len);
	assert_memory_equal(v, e.s, n);
	assert_int_equal(mime_summary_get(s.s, s.len, MIME_SUM_MESSAGE_ID, &v,
	    &n), 1);
	assert_int_equal(n, strlen("fwd.1@example.org"));
	assert_memory_equal(v, "fwd.1@example.org", n);
	assert_int_equal(mime_summary_get(s.s, s.len, MIME_SUM_FLAGS, &v, &n),
	    1);
	assert_non_null(memchr(v, 'm', n));
	assert_non_null(memchr(v, 'a', n));
	assert_int_equal(mime_summary_get(s.s, s.len, MIME_SUM_SUBJECT_REPLY,
	    &v, &n), 1);
	assert_int_equal(mime_summary_get(s.s, s.len, 'Z', &v, &n), 0);
	/* not a summary: refused */
	assert_int_equal(mime_summary_get("V9\0", 3, MIME_SUM_SIZE, &v, &n),
	    -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(mime_summary_get("", 0, MIME_SUM_SIZE, &v, &n), -1);
	str_free(&s);
	str_free(&e);
	mime_free(m);
}

/*
 * Sections.
 */
static void
test_sections(void **state)
{
	static const char *const fields[] = { "subject", "FROM" };
	static const char *const notfields[] = { "received" };
	struct str o = STR_INIT(STR_UNBOUNDED);
	struct mime_msg *m;
	const char *msg = "Received: x\nSubject: s\nFrom: a@b\n\nline1\nline2\n";

	(void)state;
	assert_int_equal(mime_open_mem(msg, strlen(msg), &m), 0);
	assert_int_equal(section(m, "", NULL, 0, 0, 0, &o), 0);
	assert_string_equal(o.s, "Received: x\r\nSubject: s\r\nFrom: a@b\r\n"
	    "\r\nline1\r\nline2\r\n");
	str_clear(&o);
	assert_int_equal(section(m, "TEXT", NULL, 0, 0, 0, &o), 0);
	assert_string_equal(o.s, "line1\r\nline2\r\n");
	str_clear(&o);
	assert_int_equal(section(m, "1", NULL, 0, 0, 0, &o), 0);
	assert_string_equal(o.s, "line1\r\nline2\r\n");
	str_clear(&o);
	assert_int_equal(section(m, "HEADER.FIELDS", fields, 2, 0, 0, &o), 0);
	assert_string_equal(o.s, "Subject: s\r\nFrom: a@b\r\n\r\n");
	str_clear(&o);
	assert_int_equal(section(m, "HEADER.FIELDS.NOT", notfields, 1, 0, 0,
	    &o), 0);
	assert_string_equal(o.s, "Subject: s\r\nFrom: a@b\r\n\r\n");
	/* partial: origin inside a CRLF expansion (octet 5 is the CR) */
	str_clear(&o);
	assert_int_equal(section(m, "TEXT", NULL, 0, 0, 6, &o), 0);
	assert_string_equal(o.s, "\nline2\r\n");
	str_clear(&o);
	assert_int_equal(section(m, "TEXT", NULL, 0, 0, 5, &o), 0);
	assert_string_equal(o.s, "\r\nline2\r\n");
	str_clear(&o);
	assert_int_equal(section(m, "TEXT", NULL, 0, 0, 100, &o), 0);
	assert_int_equal(o.len, 0);
	/* a part that is not there: an empty string, as Dovecot */
	str_clear(&o);
	assert_int_equal(section(m, "7", NULL, 0, 0, 0, &o), 0);
	assert_int_equal(o.len, 0);
	str_clear(&o);
	assert_int_equal(section(m, "1.HEADER", NULL, 0, 0, 0, &o), 0);
	assert_int_equal(o.len, 0);
	mime_free(m);
	/* the encapsulated message of a forward */
	m = open_td("forwarded.eml");
	str_clear(&o);
	assert_int_equal(section(m, "2.1.MIME", NULL, 0, 0, 0, &o), 0);
	assert_string_equal(o.s, "Content-Type: text/plain; charset=us-ascii"
	    "\r\n\r\n");
	str_clear(&o);
	assert_int_equal(section(m, "2.2", NULL, 0, 0, 0, &o), 0);
	assert_string_equal(o.s, "<p>Count me in.</p>");
	str_clear(&o);
	assert_int_equal(section(m, "2.HEADER.FIELDS", fields, 2, 0, 0, &o),
	    0);
	assert_string_equal(o.s, "From: Carol <carol@example.org>\r\n"
	    "Subject: Re: Lunch\r\n\r\n");
	mime_free(m);
	/* NUL is served as 0x80 (BODY), as it is (BINARY) */
	m = open_td("nul.eml");
	str_clear(&o);
	assert_int_equal(section(m, "1", NULL, 0, 0, 0, &o), 0);
	assert_memory_equal(o.s, "body\x80with nul\r\n", 15);
	str_clear(&o);
	assert_int_equal(section(m, "1", NULL, 0, 1, 0, &o), 0);
	assert_memory_equal(o.s, "body\0with nul\r\n", 15);
	mime_free(m);
	/* bad specs */
	{
		struct mime_section s;
		char	 pb[16];

		assert_int_equal(mime_section_parse("MIME", &s, pb, 16), -1);
		assert_int_equal(mime_section_parse("1.", &s, pb, 16), -1);
		assert_int_equal(mime_section_parse("0", &s, pb, 16), -1);
		assert_int_equal(mime_section_parse("1.FOO", &s, pb, 16), -1);
		assert_int_equal(mime_section_parse("1.2.3.4.5.6.7.8", &s, pb,
		    8), -1);
		assert_int_equal(mime_section_parse("3.header.fields.not", &s,
		    pb, 16), 0);
		assert_int_equal(s.what, MIME_SECT_FIELDS_NOT);
		assert_string_equal(s.part, "3");
	}
	str_free(&o);
}

static void
test_binary(void **state)
{
	struct str o = STR_INIT(STR_UNBOUNDED);
	struct mime_msg *m = open_td("mixed-attach.eml");
	char	*pdf;
	size_t	 i;

	(void)state;
	assert_int_equal(section(m, "2", NULL, 0, 1, 0, &o), 0);
	assert_int_equal(o.len, 9 + 1024 + 7);
	pdf = o.s;
	assert_memory_equal(pdf, "%PDF-1.4\n", 9);
	for (i = 0; i < 1024; i++)
		assert_int_equal((unsigned char)pdf[9 + i], i % 256);
	str_clear(&o);
	assert_int_equal(section(m, "2", NULL, 0, 1, 1000, &o), 0);
	assert_int_equal(o.len, 40);
	mime_free(m);
	m = open_td("badbase64.eml");
	str_clear(&o);
	assert_int_equal(section(m, "1", NULL, 0, 1, 0, &o), -1);
	assert_int_equal(errno, EBADMSG);
	str_clear(&o);
	assert_int_equal(section(m, "2", NULL, 0, 1, 0, &o), 0);
	assert_string_equal(o.s, "hello world");
	str_clear(&o);
	assert_int_equal(section(m, "3", NULL, 0, 1, 0, &o), -1);
	assert_int_equal(errno, ENOTSUP);
	mime_free(m);
	m = open_td("crlf.eml");
	str_clear(&o);
	assert_int_equal(section(m, "2", NULL, 0, 1, 0, &o), 0);
	assert_string_equal(o.s, "caf\xe9");	/* the CRLF is the boundary's */
	mime_free(m);
	str_free(&o);
}

/*
 * Text.
 */
static void
test_decode_header(void **state)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{ "=?koi8-r?B?6dfBziDwxdTSz9c=?=",
		    "\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd \xd0\x9f\xd0\xb5\xd1\x82"
		    "\xd1\x80\xd0\xbe\xd0\xb2" },
		{ "=?gb2312?B?1cXOsA==?=", "\xe5\xbc\xa0\xe4\xbc\x9f" },
		{ "=?iso-8859-15?Q?Preis_20_=A4?= und", "Preis 20 \xe2\x82\xac und" },
		{ "=?utf-8?q?broken_split_=C3?= =?utf-8?q?=A9t=C3=A9?=",
		    "broken split \xc3\xa9t\xc3\xa9" },
		{ "a\r\n\tb", "a b" },
		{ "plain \xc3\xa9 utf8", "plain \xc3\xa9 utf8" },
		{ "latin \xe9t\xe9", "latin \xc3\xa9t\xc3\xa9" },
		{ "ctl\x01x", "ctl\xef\xbf\xbdx" },
		{ "=?x-unknown?Q?abc?=", "abc" },
		{ "", "" },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct str o = STR_INIT(STR_UNBOUNDED);

		assert_int_equal(mime_decode_header(t[i].in, strlen(t[i].in),
		    NULL, &o), 0);
		if (strcmp(o.s != NULL ? o.s : "", t[i].out) != 0)
			fail_msg("%zu: \"%s\" -> \"%s\", want \"%s\"", i,
			    t[i].in, o.s, t[i].out);
		str_free(&o);
	}
	/* a declared charset for raw 8-bit */
	{
		struct str o = STR_INIT(STR_UNBOUNDED);

		assert_int_equal(mime_decode_header("\xcf\xf0\xe8", 3,
		    "windows-1251", &o), 0);
		assert_string_equal(o.s, "\xd0\x9f\xd1\x80\xd0\xb8");
		str_free(&o);
	}
	/* bounded */
	{
		struct str o = STR_INIT(STR_UNBOUNDED);
		char	*big = malloc(3 * MIME_MAX_DECODED);

		memset(big, 'a', 3 * MIME_MAX_DECODED);
		assert_int_equal(mime_decode_header(big, 3 * MIME_MAX_DECODED,
		    NULL, &o), 0);
		assert_true(o.len <= MIME_MAX_DECODED);
		free(big);
		str_free(&o);
	}
}

static void
test_addresses(void **state)
{
	struct mime_addrlist l = MIME_ADDRLIST_INIT;
	const char *s = "=?iso-8859-1?q?J=F6rg?= <joerg@example.de>, "
	    "\"Last, First\" <f@example.com>, team: a@x, b@y;, "
	    "empty:;, c@z (Comment)";

	(void)state;
	assert_int_equal(mime_addr_parse(s, strlen(s), &l), 0);
	assert_int_equal(l.n, 6);
	assert_string_equal(l.v[0].name, "J\xc3\xb6rg");
	assert_string_equal(l.v[0].addr, "joerg@example.de");
	assert_null(l.v[0].group);
	assert_string_equal(l.v[1].name, "Last, First");
	assert_string_equal(l.v[2].addr, "a@x");
	assert_string_equal(l.v[2].group, "team");
	assert_string_equal(l.v[3].group, "team");
	assert_string_equal(l.v[4].addr, "");
	assert_string_equal(l.v[4].group, "empty");
	assert_string_equal(l.v[5].addr, "c@z");
	mime_addrlist_free(&l);
	assert_int_equal(l.n, 0);
	/* junk: no crash, whatever GMime makes of it */
	s = "\"unterminated <a@b>, (comment <c@d>, @x:y@z, <>, \xff\xfe";
	assert_int_equal(mime_addr_parse(s, strlen(s), &l), 0);
	mime_addrlist_free(&l);
}

static void
test_fold_search(void **state)
{
	struct str f = STR_INIT(STR_UNBOUNDED), n = STR_INIT(STR_UNBOUNDED);
	struct mime_msg *m;

	(void)state;
	assert_int_equal(mime_fold("abc \xc3\xa9\xd0\xb8\xce\xb1",
	    strlen("abc \xc3\xa9\xd0\xb8\xce\xb1"), &f), 0);
	/* ASCII upper, é as E + combining acute, и as И, α as Α */
	assert_string_equal(f.s, "ABC E\xcc\x81\xd0\x98\xce\x91");
	assert_int_equal(mime_fold("\xd0\x9f\xd0\xa0\xd0\x98",
	    strlen("\xd0\x9f\xd0\xa0\xd0\x98"), &n), 0);
	str_clear(&f);
	assert_int_equal(mime_fold("\xd0\xbf\xd1\x80\xd0\xb8",
	    strlen("\xd0\xbf\xd1\x80\xd0\xb8"), &f), 0);
	assert_string_equal(f.s, n.s);		/* пр и = ПРИ */
	str_clear(&n);
	assert_int_equal(mime_fold("\xc3\xa9T\xc3\xa9",
	    strlen("\xc3\xa9T\xc3\xa9"), &n), 0);
	assert_int_equal(mime_fold_contains("un \xc3\x89T\xc3\x89 chaud", 14,
	    n.s, n.len), 1);
	assert_int_equal(mime_fold_contains("un hiver", 8, n.s, n.len), 0);
	assert_int_equal(mime_fold_contains("", 0, "", 0), 1);
	/* header search decodes words and charsets */
	m = open_td("encwords.eml");
	str_clear(&n);
	assert_int_equal(mime_fold("\xd0\xb8\xd0\xb2\xd0\xb0\xd0\xbd",
	    strlen("\xd0\xb8\xd0\xb2\xd0\xb0\xd0\xbd"), &n),
	    0);	/* "иван" */
	assert_int_equal(mime_search_header(m, "from", n.s, n.len), 1);
	assert_int_equal(mime_search_header(m, "to", n.s, n.len), 0);
	assert_int_equal(mime_search_header(m, "X-None", "", 0), 0);
	assert_int_equal(mime_search_header(m, "subject", "", 0), 1);
	str_clear(&n);
	assert_int_equal(mime_fold("20 \xe2\x82\xac",
	    strlen("20 \xe2\x82\xac"), &n), 0);
	assert_int_equal(mime_search_header(m, "Subject", n.s, n.len), 1);
	mime_free(m);
	/* body search: quoted-printable UTF-8, and not in HTML markup only */
	m = open_td("alternative.eml");
	str_clear(&n);
	assert_int_equal(mime_fold("gr\xc3\xbc\xc3\x9f" "e aus m\xc3\xbcnchen",
	    strlen("gr\xc3\xbc\xc3\x9f" "e aus m\xc3\xbcnchen"), &n), 0);
	assert_int_equal(mime_search_body(m, 0, n.s, n.len), 1);
	str_clear(&n);
	assert_int_equal(mime_fold("weich umbrochen wird, damit",
	    strlen("weich umbrochen wird, damit"), &n), 0);
	assert_int_equal(mime_search_body(m, 0, n.s, n.len), 1);
	str_clear(&n);
	assert_int_equal(mime_fold("zu lang wird f\xc3\xbcr",
	    strlen("zu lang wird f\xc3\xbcr"), &n), 0);
	assert_int_equal(mime_search_body(m, 0, n.s, n.len), 1);
	str_clear(&n);
	assert_int_equal(mime_fold("team@example.org",
	    strlen("team@example.org"), &n), 0);
	assert_int_equal(mime_search_body(m, 0, n.s, n.len), 0);
	assert_int_equal(mime_search_body(m, 1, n.s, n.len), 1);
	mime_free(m);
	/* base64 and latin-1 declared */
	m = open_td("badbase64.eml");
	str_clear(&n);
	assert_int_equal(mime_fold("HELLO WORLD",
	    strlen("HELLO WORLD"), &n), 0);
	assert_int_equal(mime_search_body(m, 0, n.s, n.len), 1);
	mime_free(m);
	m = open_td("latin1-raw.eml");
	str_clear(&n);
	assert_int_equal(mime_fold("m\xc3\xbcnchen",
	    strlen("m\xc3\xbcnchen"), &n), 0);
	assert_int_equal(mime_search_body(m, 0, n.s, n.len), 1);
	str_clear(&n);
	assert_int_equal(mime_fold("gr\xc3\xbc\xc3\x9f" "e",
	    strlen("gr\xc3\xbc\xc3\x9f" "e"), &n), 0);
	assert_int_equal(mime_search_header(m, "subject", n.s, n.len), 1);
	mime_free(m);
	str_free(&f);
	str_free(&n);
}

/* A needle that crosses the search chunks of a long body. */
static void
test_search_long(void **state)
{
	struct str msg = STR_INIT(STR_UNBOUNDED), n = STR_INIT(STR_UNBOUNDED);
	struct mime_msg *m;
	size_t	 i;

	(void)state;
	assert_int_equal(str_cats(&msg, "Subject: long\n\n"), 0);
	for (i = 0; i < 65536 - 20; i++)
		assert_int_equal(str_catc(&msg, 'x'), 0);
	assert_int_equal(str_cats(&msg, " needle in the haystack\n"), 0);
	assert_int_equal(mime_open_mem(msg.s, msg.len, &m), 0);
	assert_int_equal(mime_fold("Needle In The",
	    strlen("Needle In The"), &n), 0);
	assert_int_equal(mime_search_body(m, 0, n.s, n.len), 1);
	str_clear(&n);
	assert_int_equal(mime_fold("needles",
	    strlen("needles"), &n), 0);
	assert_int_equal(mime_search_body(m, 0, n.s, n.len), 0);
	mime_free(m);
	str_free(&msg);
	str_free(&n);
}

/*
 * SORT and THREAD.
 */
static void
test_base_subject(void **state)
{
	static const struct {
		const char *in, *out;
		int	 reply;
	} t[] = {
		{ "Hello", "HELLO", 0 },
		{ "Re: Hello", "HELLO", 1 },
		{ "RE: re: Re:Hello", "HELLO", 1 },
		{ "Fwd: Hello (fwd)", "HELLO", 1 },
		{ "Hello (fwd) (FWD)  ", "HELLO", 1 },
		{ "[list] Re: Hello", "HELLO", 1 },
		{ "Re [list]: Hello", "HELLO", 1 },
		{ "[fwd: Re: Hello]", "HELLO", 1 },
		{ "[fwd: [fwd: Hello]]", "HELLO", 1 },
		{ "[not a blob", "[NOT A BLOB", 0 },
		{ "[blob] only", "ONLY", 0 },
		{ "[blob]", "[BLOB]", 0 },
		{ "Fw: a\tb  c", "A B C", 1 },
		{ "=?utf-8?q?Re=3A_=C3=A9t=C3=A9?=", "E\xcc\x81TE\xcc\x81", 1 },
		{ "Rex: no", "REX: NO", 0 },
		{ "", "", 0 },
		{ "   ", "", 0 },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct str o = STR_INIT(STR_UNBOUNDED);
		int	 reply = -1;

		assert_int_equal(mime_base_subject(t[i].in, strlen(t[i].in), &o,
		    &reply), 0);
		if (strcmp(o.s != NULL ? o.s : "", t[i].out) != 0 ||
		    reply != t[i].reply)
			fail_msg("%zu \"%s\": \"%s\" %d, want \"%s\" %d", i,
			    t[i].in, o.s, reply, t[i].out, t[i].reply);
		str_free(&o);
	}
}

static void
test_sortkeys(void **state)
{
	struct mime_sortkeys k;
	struct mime_msg *m = open_td("thread.eml");

	(void)state;
	assert_int_equal(mime_sortkeys(m, &k), 0);
	assert_int_equal(k.have_date, 1);
	assert_int_equal((long long)k.date, 1057392000LL);
	assert_int_equal(k.date_tz, 120);
	assert_string_equal(k.subject, "PLAN");
	assert_int_equal(k.subject_reply, 1);
	assert_string_equal(k.from, "x");
	assert_string_equal(k.to, "y");
	assert_string_equal(k.cc, "");
	assert_string_equal(k.message_id, "child@example.com");
	assert_string_equal(k.in_reply_to, "parent@example.com");
	assert_string_equal(k.references,
	    "root@example.com parent@example.com");
	mime_free(m);
	m = open_td("encwords.eml");
	assert_int_equal(mime_sortkeys(m, &k), 0);
	assert_string_equal(k.from, "ivan");
	/* DISPLAYFROM: the decoded name, folded */
	assert_string_equal(k.display_from, "\xd0\x98\xd0\x92\xd0\x90\xd0\x9d "
	    "\xd0\x9f\xd0\x95\xd0\xa2\xd0\xa0\xd0\x9e\xd0\x92");
	mime_free(m);
	m = open_td("forwarded.eml");
	assert_int_equal(mime_sortkeys(m, &k), 0);
	/* no References: In-Reply-To's id would be used; here neither */
	assert_string_equal(k.references, "");
	assert_string_equal(k.display_to, "ALICE");
	mime_free(m);
	m = open_td("noboundary.eml");
	assert_int_equal(mime_sortkeys(m, &k), 0);
	assert_int_equal(k.have_date, 0);
	assert_string_equal(k.display_from, "A@EXAMPLE.COM");
	mime_free(m);
}

/*
 * The webmail.
 */
static void
test_parts(void **state)
{
	struct mime_part_info in;
	const struct mime_part *p, *root;
	struct mime_msg *m = open_td("rfc2231.eml");

	(void)state;
	root = mime_root(m);
	assert_non_null(root);
	assert_int_equal(mime_part_info(m, root, &in), 0);
	assert_int_equal(in.kind, MIME_MULTIPART);
	assert_string_equal(in.number, "");
	p = mime_part_child(root);
	assert_int_equal(mime_part_info(m, p, &in), 0);
	assert_string_equal(in.filename, "\xe2\x82\xac rates.txt");
	assert_string_equal(in.disposition, "attachment");
	assert_string_equal(in.number, "1");
	assert_int_equal(in.attachment, 1);
	p = mime_part_next(p);
	assert_int_equal(mime_part_info(m, p, &in), 0);
	assert_string_equal(in.filename, "\xd1\x84\xd0\xb0\xd0\xb9\xd0\xbb.txt");
	p = mime_part_next(p);
	assert_int_equal(mime_part_info(m, p, &in), 0);
	assert_string_equal(in.filename, "_.._etc_passwd");	/* no path */
	assert_string_equal(in.type, "image");
	assert_null(mime_part_next(p));
	assert_ptr_equal(mime_part_by_id(m, mime_part_id(p)), p);
	assert_ptr_equal(mime_part_find(m, "3"), p);
	assert_null(mime_part_find(m, "4"));
	assert_int_equal(errno, ENOENT);
	mime_free(m);

	m = open_td("mixed-attach.eml");
	p = mime_part_find(m, "3");
	assert_int_equal(mime_part_info(m, p, &in), 0);
	assert_string_equal(in.filename, "\xc3\x9c" "bersicht 2003.xls");
	assert_string_equal(mime_part_param(m, p, 0, "NAME"),
	    "\xc3\x9c" "bersicht.xls");
	assert_null(mime_part_param(m, p, 0, "none"));
	assert_int_equal(in.cte, MIME_CTE_BASE64);
	mime_free(m);

	m = open_td("forwarded.eml");
	p = mime_part_find(m, "2");
	assert_int_equal(mime_part_info(m, p, &in), 0);
	assert_int_equal(in.kind, MIME_MESSAGE);
	p = mime_part_child(p);		/* the encapsulated message */
	assert_int_equal(mime_part_info(m, p, &in), 0);
	assert_string_equal(in.number, "2");
	assert_string_equal(in.section, "2.TEXT");
	p = mime_part_child(p);
	assert_int_equal(mime_part_info(m, p, &in), 0);
	assert_string_equal(in.number, "2.1");
	mime_free(m);
}

static void
test_body_part(void **state)
{
	struct mime_part_info in;
	const struct mime_part *p;
	struct str o = STR_INIT(STR_UNBOUNDED);
	struct mime_msg *m = open_td("alternative.eml");

	(void)state;
	p = mime_body_part(m, 0);
	assert_int_equal(mime_part_info(m, p, &in), 0);
	assert_string_equal(in.subtype, "plain");
	assert_int_equal(mime_part_text(m, p, MIME_DEC_TEXT, &o), 0);
	assert_string_equal(o.s, "Gr\xc3\xbc\xc3\x9f" "e aus M\xc3\xbcnchen!\n"
	    "Eine lange Zeile, die weich umbrochen wird, damit sie nicht zu "
	    "lang wird f\xc3\xbcr den Transport.");
	p = mime_body_part(m, 1);
	assert_int_equal(mime_part_info(m, p, &in), 0);
	assert_string_equal(in.subtype, "html");
	mime_free(m);

	m = open_td("related.eml");
	p = mime_body_part(m, 0);	/* only HTML there */
	assert_int_equal(mime_part_info(m, p, &in), 0);
	assert_string_equal(in.subtype, "html");
	p = mime_part_by_cid(m, "<logo@x>");
	assert_non_null(p);
	assert_int_equal(mime_part_info(m, p, &in), 0);
	assert_string_equal(in.type, "image");
	assert_int_equal(in.attachment, 0);
	str_clear(&o);
	assert_int_equal(mime_part_text(m, p, MIME_DEC_RAW, &o), 0);
	assert_int_equal(o.len, 14);
	assert_memory_equal(o.s, "GIF89a\x01\x00\x01\x00\x00\x00\x00,", 14);
	assert_null(mime_part_by_cid(m, "other@x"));
	mime_free(m);

	m = open_td("mixed-attach.eml");
	p = mime_body_part(m, 1);
	assert_int_equal(mime_part_info(m, p, &in), 0);
	assert_string_equal(in.number, "1");
	mime_free(m);

	m = open_td("latin1-raw.eml");
	str_clear(&o);
	assert_int_equal(mime_display_header(m, NULL, "subject", &o), 1);
	assert_string_equal(o.s, "Gr\xc3\xbc\xc3\x9f" "e \xc3\xa0 tous");
	str_clear(&o);
	assert_int_equal(mime_part_text(m, mime_body_part(m, 0),
	    MIME_DEC_TEXT, &o), 0);
	assert_string_equal(o.s, "Gr\xc3\xbc\xc3\x9f" "e aus M\xc3\xbcnchen\n");
	str_clear(&o);
	assert_int_equal(mime_display_header(m, NULL, "x-none", &o), 0);
	mime_free(m);

	m = open_td("flowed.eml");
	str_clear(&o);
	assert_int_equal(mime_part_text(m, mime_body_part(m, 0),
	    MIME_DEC_FLOWED, &o), 0);
	assert_string_equal(o.s, "This is a long paragraph that was wrapped "
	    "by the sender's mailer at seventy-two characters, so it flows. "
	    "Second line of the paragraph.\n> quoted and flowed text\n"
	    "From the stuffed line\n-- \nsignature\n");
	mime_free(m);

	m = open_td("crlf.eml");
	str_clear(&o);
	assert_int_equal(mime_part_text(m, mime_part_find(m, "2"),
	    MIME_DEC_TEXT, &o), 0);
	assert_string_equal(o.s, "caf\xc3\xa9");
	mime_free(m);
	str_free(&o);
}

/* The bounded text output: E2BIG, not a crash. */
static void
test_text_bounded(void **state)
{
	struct str o = STR_INIT(10);
	struct mime_msg *m = open_td("simple.eml");

	(void)state;
	assert_int_equal(mime_part_text(m, mime_body_part(m, 0), MIME_DEC_TEXT,
	    &o), -1);
	assert_int_equal(errno, E2BIG);
	str_free(&o);
	mime_free(m);
}

/*
 * The writer.
 */
static void
test_writer(void **state)
{
	struct mime_writer *w = mime_writer_new(MIME_W_FLOWED);
	struct str o = STR_INIT(STR_UNBOUNDED), t = STR_INIT(STR_UNBOUNDED);
	struct mime_msg *m;
	struct mime_part_info in;
	struct mime_sortkeys k;
	const char *text = "Hello J\xc3\xb6rg,\n\nthis line is long enough to "
	    "be wrapped by the flowed writer, at seventy-two characters or "
	    "less.\n-- \nme\n";
	char	 pdf[3000];

	(void)state;
	memset(pdf, 0xa5, sizeof(pdf));
	assert_non_null(w);
	assert_int_equal(mime_writer_addr(w, "From", "J\xc3\xb6rg M\xc3\xbcller",
	    "joerg@example.de"), 0);
	assert_int_equal(mime_writer_addrs(w, "to", "Ann <ann@x.org>, "
	    "\"Bob, Jr\" <bob@y.org>"), 0);
	assert_int_equal(mime_writer_addr(w, "Bcc", NULL, "hidden@z.org"), 0);
	assert_int_equal(mime_writer_header(w, "Subject", "Caf\xc3\xa9 \xe2\x98"
	    "\x95"), 0);
	assert_int_equal(mime_writer_reply(w, "p1@x", "<r0@x> r1@x"), 0);
	assert_int_equal(mime_writer_text(w, text, strlen(text)), 0);
	assert_int_equal(mime_writer_attach(w, "application/pdf",
	    "\xc3\xbc" "bersicht 2024.pdf", pdf, sizeof(pdf), NULL), 0);
	assert_int_equal(mime_writer_attach_message(w, "Subject: fw\r\n\r\n"
	    "inner\r\n", 22, NULL), 0);
	/* refused: injection, reserved and bad names, bad addresses */
	assert_int_equal(mime_writer_header(w, "Subject", "x\r\nBcc: e@x"), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(mime_writer_header(w, "X-A", "a\nb"), -1);
	assert_int_equal(mime_writer_header(w, "Bad Name", "v"), -1);
	assert_int_equal(mime_writer_header(w, "Content-Type", "text/html"), -1);
	assert_int_equal(mime_writer_header(w, "To", "e@x"), -1);
	assert_int_equal(mime_writer_addr(w, "To", "a\nb", "a@b"), -1);
	assert_int_equal(mime_writer_addr(w, "To", "a", "a@b>\nX: y"), -1);
	assert_int_equal(mime_writer_addr(w, "To", "a", "no-at-sign"), -1);
	assert_int_equal(mime_writer_addr(w, "Subject", "a", "a@b"), -1);
	assert_int_equal(mime_writer_addrs(w, "To", "ok@x, bad"), -1);
	assert_int_equal(mime_writer_text(w, "\xff", 1), -1);
	assert_int_equal(errno, EILSEQ);
	assert_int_equal(mime_writer_reply(w, "a b", NULL), -1);
	assert_int_equal(mime_writer_attach(w, "nosubtype", NULL, "x", 1, NULL),
	    -1);
	assert_int_equal(mime_writer_finish(w, "bad domain", 0, 0, 0, &o), -1);
	assert_int_equal(mime_writer_finish(w, "example.de", 1057049557, 120,
	    MIME_W_OMIT_BCC, &o), 0);
	assert_non_null(mime_writer_message_id(w));
	assert_null(memmem(o.s, o.len, "hidden@z.org", 12));
	assert_null(memmem(o.s, o.len, "\r\n", 2));	/* LF line ends */
	/* read back with the parser */
	assert_int_equal(mime_open_mem(o.s, o.len, &m), 0);
	assert_int_equal(mime_display_header(m, NULL, "subject", &t), 1);
	assert_string_equal(t.s, "Caf\xc3\xa9 \xe2\x98\x95");
	str_clear(&t);
	assert_int_equal(mime_display_header(m, NULL, "from", &t), 1);
	assert_string_equal(t.s, "J\xc3\xb6rg M\xc3\xbcller <joerg@example.de>");
	str_clear(&t);
	assert_int_equal(mime_display_header(m, NULL, "date", &t), 1);
	assert_string_equal(t.s, "Tue, 1 Jul 2003 10:52:37 +0200");
	assert_int_equal(mime_sortkeys(m, &k), 0);
	assert_string_equal(k.references, "r0@x r1@x p1@x");
	assert_string_equal(k.in_reply_to, "p1@x");
	assert_string_equal(k.message_id + strlen(k.message_id) - 11,
	    "@example.de");
	str_clear(&t);
	assert_int_equal(mime_part_text(m, mime_body_part(m, 0),
	    MIME_DEC_FLOWED, &t), 0);
	assert_string_equal(t.s, text);
	assert_int_equal(mime_part_info(m, mime_part_find(m, "2"), &in), 0);
	assert_string_equal(in.filename, "\xc3\xbc" "bersicht 2024.pdf");
	assert_int_equal(in.cte, MIME_CTE_BASE64);
	str_clear(&t);
	assert_int_equal(mime_part_text(m, mime_part_find(m, "2"), MIME_DEC_RAW,
	    &t), 0);
	assert_int_equal(t.len, sizeof(pdf));
	assert_memory_equal(t.s, pdf, sizeof(pdf));
	assert_int_equal(mime_part_info(m, mime_part_find(m, "3"), &in), 0);
	assert_int_equal(in.kind, MIME_MESSAGE);
	mime_free(m);
	mime_writer_free(w);
	str_free(&o);
	str_free(&t);

	/* CRLF, HTML with an inline image, quoted-printable */
	w = mime_writer_new(MIME_W_CRLF | MIME_W_QP);
	assert_int_equal(mime_writer_addr(w, "From", NULL, "a@b.example"), 0);
	assert_int_equal(mime_writer_text(w, "t\xc3\xa9xt\n", 6), 0);
	assert_int_equal(mime_writer_html(w, "<img src=\"cid:i1\">", 18), 0);
	assert_int_equal(mime_writer_attach(w, "image/gif", NULL, "GIF89a", 6,
	    "i1"), 0);
	assert_int_equal(mime_writer_finish(w, "b.example", 0, 0, 0, &o), 0);
	assert_int_equal(mime_open_mem(o.s, o.len, &m), 0);
	assert_int_equal(mime_part_info(m, mime_root(m), &in), 0);
	assert_string_equal(in.subtype, "alternative");
	assert_non_null(mime_part_by_cid(m, "i1"));
	assert_int_equal(mime_part_info(m, mime_body_part(m, 1), &in), 0);
	assert_string_equal(in.subtype, "html");
	assert_int_equal(mime_part_info(m, mime_body_part(m, 0), &in), 0);
	assert_int_equal(in.cte, MIME_CTE_QP);
	mime_free(m);
	mime_writer_free(w);
	str_free(&o);
}

/*
 * Hostile input.
 */
static void
test_deep_nesting(void **state)
{
	struct str s = STR_INIT(STR_UNBOUNDED), o = STR_INIT(STR_UNBOUNDED);
	struct mime_msg *m;
	const struct mime_part *p;
	unsigned int depth = 0;
	int	 i;

	(void)state;
	for (i = 0; i < 10000; i++)
		assert_int_equal(str_printf(&s, "Content-Type: multipart/mixed; "
		    "boundary=b%d\n\n--b%d\n", i, i), 0);
	assert_int_equal(str_cats(&s, "\nleaf\n"), 0);
	assert_int_equal(mime_open_mem(s.s, s.len, &m), 0);
	assert_int_equal(mime_bodystructure(m, &o), 0);
	for (p = mime_root(m); mime_part_child(p) != NULL;
	    p = mime_part_child(p))
		depth++;
	assert_true(depth < MIME_MAX_DEPTH);
	assert_non_null(mime_body_part(m, 0) != NULL ? m : m);
	mime_free(m);
	/* the same with message/rfc822 */
	str_clear(&s);
	for (i = 0; i < 10000; i++)
		assert_int_equal(str_cats(&s, "Content-Type: message/rfc822\n\n"),
		    0);
	assert_int_equal(mime_open_mem(s.s, s.len, &m), 0);
	str_clear(&o);
	assert_int_equal(mime_bodystructure(m, &o), 0);
	str_clear(&o);
	assert_int_equal(mime_summary(m, &o), 0);
	mime_free(m);
	str_free(&s);
	str_free(&o);
}

static void
test_many_parts(void **state)
{
	struct str s = STR_INIT(STR_UNBOUNDED), o = STR_INIT(STR_UNBOUNDED);
	struct mime_msg *m;
	const struct mime_part *p;
	unsigned int n = 0;
	int	 i;

	(void)state;
	assert_int_equal(str_cats(&s, "Content-Type: multipart/mixed; "
	    "boundary=x\n\n"), 0);
	for (i = 0; i < 20000; i++)
		assert_int_equal(str_printf(&s, "--x\n\n%d\n", i), 0);
	assert_int_equal(mime_open_mem(s.s, s.len, &m), 0);
	for (p = mime_part_child(mime_root(m)); p != NULL; p = mime_part_next(p))
		n++;
	assert_int_equal(n, MIME_MAX_PARTS - 1);
	assert_int_equal(mime_bodystructure(m, &o), 0);
	mime_free(m);
	str_free(&s);
	str_free(&o);
}

static void
test_huge_header(void **state)
{
	struct str s = STR_INIT(STR_UNBOUNDED), o = STR_INIT(STR_UNBOUNDED);
	struct mime_msg *m;
	struct mime_sortkeys k;
	int	 i;

	(void)state;
	assert_int_equal(str_cats(&s, "To: "), 0);
	for (i = 0; i < 100000; i++)
		assert_int_equal(str_printf(&s, "u%d@example.com,\n ", i), 0);
	assert_int_equal(str_cats(&s, "last@x\nSubject: "), 0);
	for (i = 0; i < 200000; i++)
		assert_int_equal(str_cats(&s, "=?utf-8?q?a?= "), 0);
	assert_int_equal(str_cats(&s, "\n"), 0);
	for (i = 0; i < 50000; i++)
		assert_int_equal(str_printf(&s, "X-H%d: v\n", i), 0);
	assert_int_equal(str_cats(&s, "\nbody\n"), 0);
	assert_int_equal(mime_open_mem(s.s, s.len, &m), 0);
	assert_int_equal(mime_envelope(m, &o), 0);
	assert_int_equal(mime_sortkeys(m, &k), 0);
	assert_string_equal(k.to, "u0");
	str_clear(&o);
	assert_int_equal(mime_summary(m, &o), 0);
	mime_free(m);
	str_free(&s);
	str_free(&o);
}

/* A big part through a mapped file: streamed, not loaded decoded. */
static void
test_big_file(void **state)
{
	const char *dir = test_tmpdir();
	char	 path[512], line[80];
	struct mime_msg *m;
	struct str o = STR_INIT(STR_UNBOUNDED);
	struct mime_reader *r;
	struct mime_section s;
	char	 pb[8], buf[65536];
	uint64_t size, got = 0;
	ssize_t	 n;
	FILE	*f;
	int	 i;

	(void)state;
	snprintf(path, sizeof(path), "%s/big", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("Content-Type: multipart/mixed; boundary=z\n\n--z\n"
	    "Content-Transfer-Encoding: base64\n\n", f);
	memset(line, 'A', 76);
	line[76] = '\n';
	for (i = 0; i < 200000; i++)	/* 15 MB of base64 */
		fwrite(line, 1, 77, f);
	fputs("--z--\n", f);
	fclose(f);
	assert_int_equal(mime_open_path(path, &m), 0);
	assert_int_equal(mime_bodystructure(m, &o), 0);
	assert_int_equal(mime_section_parse("1", &s, pb, sizeof(pb)), 0);
	s.binary = 1;
	assert_int_equal(mime_reader_open(m, &s, &r), 0);
	assert_int_equal(mime_reader_size(r, &size, NULL), 0);
	assert_int_equal(size, (uint64_t)200000 * 57);
	while ((n = mime_reader_read(r, buf, sizeof(buf))) > 0)
		got += (uint64_t)n;
	assert_int_equal(got, size);
	mime_reader_free(r);
	mime_free(m);
	str_free(&o);
	test_rmrf(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_decode_header),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_fold_search),
		cmocka_unit_test(test_search_long),
		cmocka_unit_test(test_base_subject),
		cmocka_unit_test(test_sortkeys),
		cmocka_unit_test(test_parts),
		cmocka_unit_test(test_body_part),
		cmocka_unit_test(test_text_bounded),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_many_parts),
		cmocka_unit_test(test_huge_header),
		cmocka_unit_test(test_big_file),
	};

	/* MIME_TEST_ONLY=test_name runs one test (a quick loop) */
	if (getenv("MIME_TEST_ONLY") != NULL)
		cmocka_set_test_filter(getenv("MIME_TEST_ONLY"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
