/*
 * mime_text - text out of untrusted mail, in UTF-8: charset conversion
 * (any label GMime or iconv knows, windows-1252 when unknown, U+FFFD for
 * invalid bytes), RFC 2047 header decoding and display addresses through
 * GMime, i;unicode-casemap-like folding (GLib), and SEARCH over header
 * fields and decoded body text in bounded memory.  Nothing here trusts
 * the message; every output is bounded.
 */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "mime_int.h"

#define FALLBACK_CHARSET	"windows-1252"
#define REPL			"\xef\xbf\xbd"	/* U+FFFD */
#define SEARCH_CHUNK		(64 * 1024)

static int	 gm_inited;

struct pin;
static struct pin *pin(const char *, size_t);
static void	 pin_words(const char *);

int
text_init(void)
{
	if (!gm_inited) {
		g_mime_init();
		gm_inited = 1;
	}
	return 0;
}

/* Parser options: fallback charsets UTF-8, then the declared one, then
 * windows-1252 (a superset of latin-1 that most mislabelled mail is). */
static GMimeParserOptions *
options(const char *charset)
{
	static GMimeParserOptions *dflt;
	GMimeParserOptions *o;
	const char *fb[4];
	int	 k = 0;

	text_init();
	if (charset == NULL && dflt != NULL)
		return dflt;
	if ((o = g_mime_parser_options_new()) == NULL)
		return NULL;
	(void)pin(FALLBACK_CHARSET, strlen(FALLBACK_CHARSET));
	if (charset != NULL)
		(void)pin(charset, strlen(charset));
	fb[k++] = "UTF-8";
	if (charset != NULL && *charset != '\0' &&
	    strcasecmp(charset, "utf-8") != 0 &&
	    strcasecmp(charset, "us-ascii") != 0)
		fb[k++] = charset;
	fb[k++] = FALLBACK_CHARSET;
	fb[k] = NULL;
	g_mime_parser_options_set_fallback_charsets(o, fb);
	g_mime_parser_options_set_rfc2047_compliance_mode(o,
	    GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(o,
	    GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(o,
	    GMIME_RFC_COMPLIANCE_LOOSE);
	if (charset == NULL)
		dflt = o;	/* kept for the life of the process */
	return o;
}

static void
options_done(GMimeParserOptions *o, const char *charset)
{
	if (charset != NULL)
		g_mime_parser_options_free(o);
}

/*
 * Converters stay open for the life of the process: iconv loads a gconv
 * module for a charset and unloads it when its last descriptor closes,
 * and GMime opens and closes one per decoded word, so without a
 * descriptor kept open a folder of mail dlopen()s the same modules
 * thousands of times.  Up to PIN_MAX charsets; beyond, only slower.
 */
#define PIN_MAX		64

struct pin {
	char	 name[40];
	iconv_t	 cd;
	int	 busy;
};
static struct pin pins[PIN_MAX];
static size_t	 npins;

static struct pin *
pin(const char *name, size_t n)
{
	size_t	 i;
	iconv_t	 cd;

	if (n == 0 || n >= sizeof(pins[0].name))
		return NULL;
	for (i = 0; i < npins; i++)
		if (strlen(pins[i].name) == n &&
		    strncasecmp(pins[i].name, name, n) == 0)
			return &pins[i];
	if (npins == PIN_MAX)
		return NULL;
	memcpy(pins[npins].name, name, n);
	pins[npins].name[n] = '\0';
	text_init();
	cd = g_mime_iconv_open("UTF-8", pins[npins].name);
	pins[npins].cd = cd;
	return &pins[npins++];
}

/* Pin the charsets RFC 2047 words in s name ("=?charset?" or
 * "=?charset*lang?"), before GMime decodes them. */
static void
pin_words(const char *s)
{
	const char *p = s, *q;

	/* memchr, not strstr: linear also where strstr is re-measured */
	while ((p = strchr(p, '=')) != NULL) {
		if (*++p != '?')
			continue;
		p++;
		for (q = p; *q != '\0' && *q != '?' && *q != '*' && *q != ' ' &&
		    q - p < 40; q++)
			;
		if (*q == '?' || *q == '*')
			(void)pin(p, (size_t)(q - p));
		p = q;
	}
}

/*
 * UTF-8.
 */

/* Length of the valid UTF-8 sequence at p (n bytes there), 0 if invalid,
 * -1 if it may be valid but is cut by the end. */
static int
u8len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	int	 len, k;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	for (k = 1; k < len; k++) {
		if ((size_t)k >= n)
			return -1;
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	}
	/* overlongs, surrogates and > U+10FFFF */
	if (len == 3 && ((c == 0xe0 && p[1] < 0xa0) ||
	    (c == 0xed && p[1] >= 0xa0)))
		return 0;
	if (len == 4 && ((c == 0xf0 && p[1] < 0x90) ||
	    (c == 0xf4 && p[1] >= 0x90)))
		return 0;
	return len;
}

int
mime_utf8_valid(const void *s, size_t n)
{
	const unsigned char *p = s;
	size_t	 i = 0;

	while (i < n) {
		int	 l;

		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((l = u8len(p + i, n - i)) <= 0)
			return 0;
		i += (size_t)l;
	}
	return 1;
}

/*
 * Copy UTF-8 replacing invalid sequences with U+FFFD, NUL dropped, CR
 * dropped before LF (else a LF), C0 controls other than TAB and LF (and
 * LF too unless keep_lf: a space) and DEL as U+FFFD.
 */
int
utf8_sanitize(struct str *o, const void *s, size_t n, int keep_lf)
{
	const unsigned char *p = s;
	size_t	 i = 0, run;

	while (i < n) {
		unsigned char c = p[i];
		int	 l;

		if (c >= 0x20 && c < 0x7f) {
			for (run = i + 1; run < n && p[run] >= 0x20 &&
			    p[run] < 0x7f; run++)
				;
			if (str_catb(o, p + i, run - i) == -1)
				return -1;
			i = run;
			continue;
		}
		if (c < 0x80) {
			int	 r = 0;

			if (c == '\t')
				r = str_catc(o, '\t');
			else if (c == '\0')
				;
			else if (c == '\r') {
				if (!(i + 1 < n && p[i + 1] == '\n'))
					r = str_catc(o, keep_lf ? '\n' : ' ');
			} else if (c == '\n')
				r = str_catc(o, keep_lf ? '\n' : ' ');
			else
				r = str_cats(o, REPL);
			if (r == -1)
				return -1;
			i++;
			continue;
		}
		l = u8len(p + i, n - i);
		if (l <= 0) {
			if (str_cats(o, REPL) == -1)
				return -1;
			i++;
			continue;
		}
		if (str_catb(o, p + i, (size_t)l) == -1)
			return -1;
		i += (size_t)l;
	}
	return 0;
}

/*
 * Charset conversion, streaming: a converter keeps the incomplete
 * sequence at a chunk's end for the next one.
 */
struct conv {
	iconv_t		 cd;		/* (iconv_t)-1: the input is UTF-8 */
	struct pin	*pin;		/* cd is this pinned one */
	int		 own;		/* cd is ours to close */
	unsigned char	 tail[16];
	size_t		 ntail;
};

static int
is_utf8_name(const char *cs)
{
	return cs == NULL || *cs == '\0' || strcasecmp(cs, "utf-8") == 0 ||
	    strcasecmp(cs, "utf8") == 0 || strcasecmp(cs, "us-ascii") == 0 ||
	    strcasecmp(cs, "ascii") == 0;
}

static void
conv_open(struct conv *c, const char *charset)
{
	struct pin *pn;

	memset(c, 0, sizeof(*c));
	c->cd = (iconv_t)-1;
	text_init();
	if (is_utf8_name(charset))
		return;
	if ((pn = pin(charset, strlen(charset))) == NULL ||
	    pn->cd == (iconv_t)-1 || pn->busy)
		pn = pin(FALLBACK_CHARSET, strlen(FALLBACK_CHARSET));
	if (pn == NULL || pn->cd == (iconv_t)-1 || pn->busy) {
		/* no pinned converter free: one of our own */
		c->cd = g_mime_iconv_open("UTF-8", charset);
		if (c->cd == (iconv_t)-1)
			c->cd = g_mime_iconv_open("UTF-8", FALLBACK_CHARSET);
		c->own = 1;
		return;
	}
	pn->busy = 1;
	c->pin = pn;
	c->cd = pn->cd;
	(void)iconv(c->cd, NULL, NULL, NULL, NULL);
}

static void
conv_close(struct conv *c)
{
	if (c->pin != NULL)
		c->pin->busy = 0;
	else if (c->own && c->cd != (iconv_t)-1)
		g_mime_iconv_close(c->cd);
	c->cd = (iconv_t)-1;
	c->pin = NULL;
}

/* us-ascii or no charset, and the bytes are not UTF-8: windows-1252. */
static int
latin_to_utf8(const unsigned char *p, size_t n, struct str *o)
{
	static const unsigned short cp1252[32] = {
		0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020,
		0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd,
		0x017d, 0xfffd, 0xfffd, 0x2018, 0x2019, 0x201c, 0x201d,
		0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
		0x0153, 0xfffd, 0x017e, 0x0178
	};
	size_t	 i;

	for (i = 0; i < n; i++) {
		unsigned int u = p[i];
		char	 b[3];

		if (u < 0x80) {
			if (str_catc(o, (char)u) == -1)
				return -1;
			continue;
		}
		if (u < 0xa0)
			u = cp1252[u - 0x80];
		if (u < 0x800) {
			b[0] = (char)(0xc0 | (u >> 6));
			b[1] = (char)(0x80 | (u & 0x3f));
			if (str_catb(o, b, 2) == -1)
				return -1;
		} else {
			b[0] = (char)(0xe0 | (u >> 12));
			b[1] = (char)(0x80 | ((u >> 6) & 0x3f));
			b[2] = (char)(0x80 | (u & 0x3f));
			if (str_catb(o, b, 3) == -1)
				return -1;
		}
	}
	return 0;
}

/* Convert in[0..n) (final: no more input) to raw UTF-8 appended to o. */
static int
conv_step(struct conv *c, const unsigned char *in, size_t n, int final,
    struct str *o)
{
	unsigned char buf[4096];

	if (c->cd == (iconv_t)-1) {
		/* UTF-8 (or ASCII) declared: valid UTF-8 passes, the rest is
		 * taken as windows-1252 sequence by sequence */
		size_t	 i = 0;

		while (c->ntail > 0 && i < n) {
			int	 l;

			c->tail[c->ntail++] = in[i++];
			l = u8len(c->tail, c->ntail);
			if (l > 0) {
				if (str_catb(o, c->tail, c->ntail) == -1)
					return -1;
				c->ntail = 0;
			} else if (l == 0 || c->ntail >= 4) {
				if (latin_to_utf8(c->tail, c->ntail, o) == -1)
					return -1;
				c->ntail = 0;
			}
		}
		while (i < n) {
			size_t	 j = i;
			int	 l = 1;

			while (j < n && (in[j] < 0x80 ||
			    (l = u8len(in + j, n - j)) > 0))
				j += in[j] < 0x80 ? 1 : (size_t)l;
			if (j > i && str_catb(o, in + i, j - i) == -1)
				return -1;
			i = j;
			if (i == n)
				break;
			if (l < 0 && !final) {
				memcpy(c->tail, in + i, n - i);
				c->ntail = n - i;
				break;
			}
			if (latin_to_utf8(in + i, 1, o) == -1)
				return -1;
			i++;
		}
		if (final && c->ntail > 0) {
			if (latin_to_utf8(c->tail, c->ntail, o) == -1)
				return -1;
			c->ntail = 0;
		}
		return 0;
	}
	/* iconv: the kept tail first, joined with the new input */
	{
		unsigned char *src;
		size_t	 left, total = c->ntail + n;
		unsigned char *join = NULL;

		if (c->ntail > 0) {
			if ((join = malloc(total)) == NULL)
				return -1;
			memcpy(join, c->tail, c->ntail);
			memcpy(join + c->ntail, in, n);
			src = join;
			c->ntail = 0;
		} else
			src = (unsigned char *)(uintptr_t)in;
		left = total;
		while (left > 0) {
			char	*ip = (char *)src, *op = (char *)buf;
			size_t	 il = left, ol = sizeof(buf), r;

			r = iconv(c->cd, &ip, &il, &op, &ol);
			if (str_catb(o, buf, sizeof(buf) - ol) == -1) {
				free(join);
				return -1;
			}
			src = (unsigned char *)ip;
			left = il;
			if (r != (size_t)-1 || errno == E2BIG)
				continue;
			if (errno == EINVAL && !final &&
			    left < sizeof(c->tail)) {
				memcpy(c->tail, src, left);
				c->ntail = left;
				break;
			}
			/* invalid or cut: U+FFFD for one byte, go on */
			if (str_cats(o, REPL) == -1) {
				free(join);
				return -1;
			}
			src++;
			left--;
			(void)iconv(c->cd, NULL, NULL, NULL, NULL);
		}
		free(join);
		if (final) {
			char	*op = (char *)buf;
			size_t	 ol = sizeof(buf);

			(void)iconv(c->cd, NULL, NULL, &op, &ol);
			if (str_catb(o, buf, sizeof(buf) - ol) == -1)
				return -1;
		}
	}
	return 0;
}

int
text_to_utf8(const char *charset, const void *p, size_t n, struct str *out)
{
	struct conv c;
	struct str raw = STR_INIT(STR_UNBOUNDED);
	int	 r;

	conv_open(&c, charset);
	r = conv_step(&c, p, n, 1, &raw);
	conv_close(&c);
	if (r == 0)
		r = utf8_sanitize(out, raw.s != NULL ? raw.s : "", raw.len, 1);
	str_free(&raw);
	return r;
}

/*
 * Header text.
 */

/* A header value as a C string for GMime: line ends of folding dropped,
 * NUL as U+FFFD, at most MIME_MAX_DECODED bytes. */
static char *
cstring(const char *raw, size_t n)
{
	struct str t = STR_INIT(STR_UNBOUNDED);
	size_t	 i;

	if (n > MIME_MAX_DECODED)
		n = MIME_MAX_DECODED;
	if (str_ready(&t, n + 1) == -1)
		return NULL;
	for (i = 0; i < n; i++) {
		char	 c = raw[i];

		if (c == '\r' || c == '\n')
			continue;
		if (c == '\0' ? str_cats(&t, REPL) : str_catc(&t, c)) {
			str_free(&t);
			return NULL;
		}
	}
	if (t.s == NULL && str_catc(&t, '\0') == 0)
		t.len = 0;
	return t.s;
}

/* Append GMime's UTF-8 output, cleaned and bounded. */
static int
put_decoded(struct str *out, const char *s)
{
	size_t	 n = s != NULL ? strlen(s) : 0, start = out->len, i;

	if (n > MIME_MAX_DECODED)
		n = MIME_MAX_DECODED;
	if (utf8_sanitize(out, s != NULL ? s : "", n, 0) == -1)
		return -1;
	/* tabs as spaces: display text on one line */
	for (i = start; i < out->len; i++)
		if (out->s[i] == '\t')
			out->s[i] = ' ';
	return 0;
}

/* ASCII, no encoded word, no quotes or comments a phrase would lose. */
static int
plain_ascii(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x80 || c == '"' || c == '(' || c == '\\' ||
		    (c == '=' && s[1] == '?'))
			return 0;
	}
	return 1;
}

static int
decode_with(char *(*fn)(GMimeParserOptions *, const char *),
    const char *raw, size_t n, const char *charset, struct str *out)
{
	GMimeParserOptions *o;
	char	*in, *dec;
	int	 r;

	if ((in = cstring(raw, n)) == NULL)
		return -1;
	if (plain_ascii(in)) {
		/* nothing to decode: GMime would only unfold it */
		r = put_decoded(out, in);
		free(in);
		return r;
	}
	if ((o = options(charset)) == NULL) {
		free(in);
		errno = ENOMEM;
		return -1;
	}
	pin_words(in);
	dec = fn(o, in);
	r = put_decoded(out, dec != NULL ? dec : in);
	g_free(dec);
	options_done(o, charset);
	free(in);
	return r;
}

int
mime_decode_header(const char *raw, size_t n, const char *charset,
    struct str *out)
{
	return decode_with(g_mime_utils_header_decode_text, raw, n, charset,
	    out);
}

int
mime_decode_phrase(const char *raw, size_t n, const char *charset,
    struct str *out)
{
	return decode_with(g_mime_utils_header_decode_phrase, raw, n, charset,
	    out);
}

/*
 * Display addresses.
 */
/* A C string of GMime text, cleaned: malloc'ed, NULL on failure. */
static char *
clean_dup(const char *s)
{
	struct str t = STR_INIT(MIME_MAX_DECODED);

	if (put_decoded(&t, s != NULL ? s : "") == -1 ||
	    (t.s == NULL && str_catb(&t, "", 0) == -1)) {
		str_free(&t);
		return NULL;
	}
	if (t.s == NULL)
		return strdup("");
	return t.s;
}

static int
add_addr(struct mime_addrlist *l, const char *name, const char *addr,
    const char *group)
{
	struct mime_addr *a, *v;

	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	l->v = v;
	a = &v[l->n];
	memset(a, 0, sizeof(*a));
	if (name != NULL && *name != '\0' && (a->name = clean_dup(name)) ==
	    NULL)
		return -1;
	if ((a->addr = clean_dup(addr)) == NULL ||
	    (group != NULL && (a->group = clean_dup(group)) == NULL)) {
		free(a->name);
		free(a->addr);
		return -1;
	}
	l->n++;
	return 0;
}

static int
walk_list(InternetAddressList *list, struct mime_addrlist *l,
    const char *group, int depth)
{
	int	 i, n = internet_address_list_length(list);

	for (i = 0; i < n; i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);

		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			InternetAddressList *m = internet_address_group_get_members(
			    INTERNET_ADDRESS_GROUP(ia));
			const char *gn = internet_address_get_name(ia);

			if (depth > 0)
				continue;	/* no groups in groups */
			if (m == NULL || internet_address_list_length(m) == 0) {
				if (add_addr(l, NULL, "", gn ? gn : "") == -1)
					return -1;
			} else if (walk_list(m, l, gn ? gn : "", 1) == -1)
				return -1;
			continue;
		}
		if (add_addr(l, internet_address_get_name(ia),
		    internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(ia)), group) == -1)
			return -1;
	}
	return 0;
}

int
mime_addr_parse(const char *raw, size_t n, struct mime_addrlist *l)
{
	GMimeParserOptions *o;
	InternetAddressList *list;
	char	*in;
	int	 r = 0;

	if ((in = cstring(raw, n)) == NULL)
		return -1;
	if ((o = options(NULL)) == NULL) {
		free(in);
		errno = ENOMEM;
		return -1;
	}
	pin_words(in);
	if ((list = internet_address_list_parse(o, in)) != NULL) {
		r = walk_list(list, l, NULL, 0);
		g_object_unref(list);
	}
	options_done(o, NULL);
	free(in);
	return r;
}

void
mime_addrlist_free(struct mime_addrlist *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].addr);
		free(l->v[i].group);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/*
 * Folding for comparison (RFC 5051 i;unicode-casemap: title case, then
 * the full compatibility decomposition of each character).
 */
int
mime_fold(const char *utf8, size_t n, struct str *out)
{
	const unsigned char *p = (const unsigned char *)utf8;
	size_t	 i = 0;

	while (i < n) {
		gunichar u, d[G_UNICHAR_MAX_DECOMPOSITION_LENGTH];
		gsize	 nd, k;
		int	 l;

		if (p[i] < 0x80) {
			unsigned char c = p[i];

			if (c >= 'a' && c <= 'z')
				c -= 32;
			if (str_catc(out, (char)c) == -1)
				return -1;
			i++;
			continue;
		}
		if ((l = u8len(p + i, n - i)) <= 0) {
			if (str_cats(out, REPL) == -1)
				return -1;
			i++;
			continue;
		}
		u = g_utf8_get_char((const char *)p + i);
		i += (size_t)l;
		u = g_unichar_totitle(u);
		nd = g_unichar_fully_decompose(u, TRUE, d,
		    G_UNICHAR_MAX_DECOMPOSITION_LENGTH);
		for (k = 0; k < nd; k++) {
			char	 b[6];
			gint	 bl = g_unichar_to_utf8(d[k], b);

			if (str_catb(out, b, (size_t)bl) == -1)
				return -1;
		}
	}
	return 0;
}

int
mime_fold_contains(const char *utf8, size_t n, const char *needle,
    size_t needle_len)
{
	struct str f = STR_INIT(STR_UNBOUNDED);
	int	 r;

	if (needle_len == 0)
		return 1;
	if (mime_fold(utf8, n, &f) == -1) {
		str_free(&f);
		return -1;
	}
	r = f.len >= needle_len && memmem(f.s, f.len, needle, needle_len) !=
	    NULL;
	str_free(&f);
	return r;
}

/*
 * SEARCH.
 */

/* A header field's text as SEARCH compares it: decoded, unfolded. */
static int
field_matches(const struct mime_field *f, const char *charset,
    const char *needle, size_t nl)
{
	struct str d = STR_INIT(STR_UNBOUNDED);
	int	 r;

	if (nl == 0)
		return 1;
	if (mime_decode_header(f->value, f->value_len, charset, &d) == -1) {
		str_free(&d);
		return -1;
	}
	r = mime_fold_contains(d.s != NULL ? d.s : "", d.len, needle, nl);
	str_free(&d);
	return r;
}

int
mime_search_header(struct mime_msg *m, const char *name, const char *needle,
    size_t needle_len)
{
	struct mime_field f;
	size_t	 it = 0;
	int	 r;

	while ((r = mime_header_next(m, NULL, &it, &f)) == 1) {
		if (f.value == NULL || !mime_name_eq(f.name, f.name_len, name))
			continue;
		if ((r = field_matches(&f, NULL, needle, needle_len)) != 0)
			return r;
	}
	return r;
}

/* A sliding search over folded UTF-8 chunks: the last needle_len-1
 * bytes of each chunk are kept for the next. */
struct sstate {
	const char	*needle;
	size_t		 nl;
	struct str	 carry;
	struct str	 raw;		/* decoded text not yet folded */
	int		 found;
};

static int
search_feed(struct sstate *ss, const char *s, size_t n)
{
	size_t	 keep;

	if (mime_fold(s, n, &ss->carry) == -1)
		return -1;
	if (ss->carry.len >= ss->nl && memmem(ss->carry.s, ss->carry.len,
	    ss->needle, ss->nl) != NULL) {
		ss->found = 1;
		return 1;
	}
	keep = ss->nl > 0 ? ss->nl - 1 : 0;
	if (ss->carry.len > keep) {
		memmove(ss->carry.s, ss->carry.s + ss->carry.len - keep, keep);
		str_truncate(&ss->carry, keep);
	}
	return 0;
}

/* Feed whole UTF-8 characters; keep an incomplete one for later. */
static int
search_text(void *arg, const void *data, size_t len)
{
	struct sstate *ss = arg;
	const unsigned char *p;
	size_t	 n, cut;

	if (str_catb(&ss->raw, data, len) == -1)
		return -1;
	p = (const unsigned char *)ss->raw.s;
	n = ss->raw.len;
	cut = n;
	while (cut > 0 && n - cut < 4 && (p[cut - 1] & 0xc0) == 0x80)
		cut--;
	if (cut > 0 && p[cut - 1] >= 0xc0)
		cut--;		/* a lead byte whose sequence may be cut */
	else
		cut = n;
	if (cut == 0)
		return 0;
	if (search_feed(ss, ss->raw.s, cut) != 0)
		return 1;
	memmove(ss->raw.s, ss->raw.s + cut, n - cut);
	str_truncate(&ss->raw, n - cut);
	return 0;
}

static int
search_header_block(struct mime_msg *m, const struct mime_part *p,
    struct sstate *ss)
{
	struct mime_field f;
	size_t	 pos = p->hdr_off;
	struct str d = STR_INIT(STR_UNBOUNDED);
	int	 r = 0;

	while (!ss->found && mime_hdr_next(m->buf, p->body_off, &pos, &f)
	    == 1) {
		str_clear(&d);
		if (str_catb(&d, f.name, f.name_len) == -1 ||
		    str_cats(&d, ": ") == -1 || (f.value != NULL &&
		    mime_decode_header(f.value, f.value_len, NULL, &d) == -1) ||
		    str_catc(&d, '\n') == -1) {
			r = -1;
			break;
		}
		str_clear(&ss->carry);
		if ((r = search_feed(ss, d.s, d.len)) != 0)
			break;
	}
	str_free(&d);
	str_clear(&ss->carry);
	return r < 0 ? -1 : 0;
}

int
mime_search_body(struct mime_msg *m, int with_header, const char *needle,
    size_t needle_len)
{
	struct sstate ss;
	unsigned int i;
	int	 r = 0;

	if (mime_parse(m) == -1)
		return -1;
	if (needle_len == 0)
		return 1;
	memset(&ss, 0, sizeof(ss));
	ss.needle = needle;
	ss.nl = needle_len;
	ss.carry.max = ss.raw.max = STR_UNBOUNDED;
	for (i = 0; i < m->nparts && !ss.found && r == 0; i++) {
		const struct mime_part *p = m->byid[i];

		if (with_header)
			r = search_header_block(m, p, &ss);
		if (ss.found || r != 0)
			break;
		if (!(p->flags & P_TEXT) || p->child != NULL)
			continue;
		str_clear(&ss.carry);
		str_clear(&ss.raw);
		r = mime_part_decode(m, p, MIME_DEC_TEXT, search_text, &ss);
		if (r == -1 && errno == ECANCELED && ss.found)
			r = 0;
		if (r == 0 && !ss.found && ss.raw.len > 0)
			r = search_feed(&ss, ss.raw.s, ss.raw.len) < 0 ? -1 : 0;
	}
	str_free(&ss.carry);
	str_free(&ss.raw);
	if (r == -1)
		return -1;
	return ss.found;
}

/*
 * Decoded content of a leaf (webmail display and download, SEARCH).
 */
struct decode_ctx {
	mime_out_fn	*out;
	void		*arg;
	int		 stop;
};

static int
emit(struct decode_ctx *dc, struct str *s)
{
	int	 r;

	if (s->len == 0 || dc->stop)
		return dc->stop ? -1 : 0;
	r = dc->out(dc->arg, s->s, s->len);
	str_clear(s);
	if (r != 0) {
		dc->stop = 1;
		errno = ECANCELED;
		return -1;
	}
	return 0;
}

/*
 * format=flowed (RFC 3676): a line ending in a space (not the signature
 * separator "-- ") flows into the next one of the same quote depth;
 * space-stuffing is removed; with delsp=yes the flowing space goes too.
 * Quoted paragraphs come out as ">" per depth and a space.
 */
struct flowed {
	struct str	 line;		/* a physical line not complete yet */
	struct str	 para;		/* the logical line being joined */
	int		 depth;		/* its quote depth */
	int		 open;		/* para holds a flowing line */
	int		 delsp;
};

static int
flowed_put(struct flowed *fl, struct str *out)
{
	int	 k;

	for (k = 0; k < fl->depth; k++)
		if (str_catc(out, '>') == -1)
			return -1;
	if (fl->depth > 0 && str_catc(out, ' ') == -1)
		return -1;
	if (str_cat(out, &fl->para) == -1 || str_catc(out, '\n') == -1)
		return -1;
	str_clear(&fl->para);
	fl->open = 0;
	return 0;
}

static int
flowed_line(struct flowed *fl, const char *l, size_t n, struct str *out)
{
	int	 depth = 0, flows;

	if (n > 0 && l[n - 1] == '\r')
		n--;
	while ((size_t)depth < n && l[depth] == '>')
		depth++;
	l += depth;
	n -= (size_t)depth;
	if (n > 0 && l[0] == ' ')		/* space-stuffing */
		l++, n--;
	flows = n > 0 && l[n - 1] == ' ' &&
	    !(n == 3 && memcmp(l, "-- ", 3) == 0);
	if (fl->open && depth != fl->depth && flowed_put(fl, out) == -1)
		return -1;
	fl->depth = depth;
	if (flows && fl->delsp)
		n--;
	if (str_catb(&fl->para, l, n) == -1)
		return -1;
	fl->open = 1;
	return flows ? 0 : flowed_put(fl, out);
}

static int
flowed_feed(struct flowed *fl, const char *s, size_t n, int final,
    struct str *out)
{
	const char *nl;

	while (n > 0 && (nl = memchr(s, '\n', n)) != NULL) {
		size_t	 k = (size_t)(nl - s);

		if (fl->line.len > 0) {
			if (str_catb(&fl->line, s, k) == -1 ||
			    flowed_line(fl, fl->line.s, fl->line.len, out) == -1)
				return -1;
			str_clear(&fl->line);
		} else if (flowed_line(fl, s, k, out) == -1)
			return -1;
		s += k + 1;
		n -= k + 1;
	}
	if (n > 0 && str_catb(&fl->line, s, n) == -1)
		return -1;
	if (final) {
		if (fl->line.len > 0 && flowed_line(fl, fl->line.s,
		    fl->line.len, out) == -1)
			return -1;
		str_clear(&fl->line);
		if (fl->open) {
			/* no line end after the last line: none added */
			if (flowed_put(fl, out) == -1)
				return -1;
			str_truncate(out, out->len - 1);
		}
	}
	return 0;
}

int
mime_part_decode(struct mime_msg *m, const struct mime_part *p, int flags,
    mime_out_fn *out, void *arg)
{
	struct mime_part_info in;
	struct decode_ctx dc = { out, arg, 0 };
	struct dec d;
	struct conv cv;
	struct flowed fl;
	struct str a = STR_INIT(STR_UNBOUNDED), b = STR_INIT(STR_UNBOUNDED),
	    c = STR_INIT(STR_UNBOUNDED), t = STR_INIT(STR_UNBOUNDED);
	size_t	 pos;
	int	 r = 0, text = flags & (MIME_DEC_TEXT | MIME_DEC_FLOWED);
	int	 flowed;

	if (mime_part_info(m, p, &in) == -1)
		return -1;
	dec_init(&d, in.cte == MIME_CTE_UNKNOWN ? MIME_CTE_7BIT : in.cte);
	flowed = (flags & MIME_DEC_FLOWED) && in.flowed &&
	    strcmp(in.type, "text") == 0 && strcmp(in.subtype, "plain") == 0;
	memset(&fl, 0, sizeof(fl));
	fl.line.max = fl.para.max = STR_UNBOUNDED;
	fl.delsp = in.delsp;
	if (text)
		conv_open(&cv, in.charset);
	for (pos = p->body_off; r == 0; pos += SEARCH_CHUNK) {
		size_t	 n = p->end - pos < SEARCH_CHUNK ? p->end - pos :
		    SEARCH_CHUNK;
		int	 final = pos + n >= p->end;

		if (dec_step(&d, m->buf + pos, n, final, &a) == -1) {
			r = -1;
			break;
		}
		if (!text)
			r = emit(&dc, &a);
		else {
			r = conv_step(&cv, (unsigned char *)a.s, a.len, final,
			    &b);
			str_clear(&a);
			if (r == 0)
				r = utf8_sanitize(&c, b.s ? b.s : "", b.len, 1);
			str_clear(&b);
			if (r == 0 && flowed) {
				r = flowed_feed(&fl, c.s ? c.s : "", c.len,
				    final, &t);
				str_clear(&c);
				if (r == 0)
					r = emit(&dc, &t);
			} else if (r == 0)
				r = emit(&dc, &c);
		}
		if (final)
			break;
	}
	if (text)
		conv_close(&cv);
	dec_free(&d);
	str_free(&a);
	str_free(&b);
	str_free(&c);
	str_free(&t);
	str_free(&fl.line);
	str_free(&fl.para);
	return r;
}

struct to_str {
	struct str	*out;
	int		 err;
};

static int
to_str(void *arg, const void *data, size_t len)
{
	struct to_str *ts = arg;

	if (str_catb(ts->out, data, len) == -1) {
		ts->err = errno;
		return -1;
	}
	return 0;
}

int
mime_part_text(struct mime_msg *m, const struct mime_part *p, int flags,
    struct str *out)
{
	struct to_str ts = { out, 0 };
	int	 r = mime_part_decode(m, p, flags, to_str, &ts);

	if (r == -1 && errno == ECANCELED && ts.err != 0)
		errno = ts.err;
	return r;
}
