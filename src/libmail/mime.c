/*
 * mime - opening a message and scanning its structure: the header
 * fields that matter, the part tree with exact offsets, sizes and line
 * counts, as Dovecot's message parser finds them (boundaries matched by
 * prefix, the line end before a boundary belonging to the boundary,
 * Content-Type counting only with MIME-Version or in a MIME part, the
 * nesting and part-count limits).  Iterative: no recursion on input.
 * Runs in the IMAP server and the webmail as the mailbox owner; trusts
 * nothing in the message.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mime_int.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Files up to this size are read, larger ones mapped. */
#define READ_MAX	(256 * 1024)
#define ARENA_CHUNK	8192

struct arena_chunk {
	struct arena_chunk *next;
	size_t		 size;
	/* data follows, max_align_t aligned */
	max_align_t	 data[];
};

/* One active boundary: a multipart whose body is being scanned. */
struct bnd {
	struct mime_part *part;
	const char	*s;
	size_t		 len;
};

struct parser {
	struct mime_msg	*m;
	struct bnd	 b[MIME_MAX_DEPTH + 2];
	unsigned int	 nb;
	struct cnt	 c;		/* counts at cpos */
	size_t		 cpos;
};

static struct mime_part *new_part(struct parser *, struct mime_part *,
		    size_t off, int message);
static int	scan_header(struct parser *, struct mime_part *,
		    struct bnd **bnd_r, size_t *line_r);
static void	note_field(struct parser *, struct mime_part *,
		    const struct mime_field *, size_t line_end);
static struct bnd *boundary_at(struct parser *, size_t pos, int *close_r);
static void	at_eoh(struct parser *, struct mime_part *);
static void	set_content_type(struct parser *, struct mime_part *);
static void	counts_to(struct parser *, size_t, struct cnt *);
static void	count_range(const unsigned char *, size_t, size_t,
		    struct cnt *);

/*
 * The arena.
 */
void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk *c;
	size_t	 al = sizeof(max_align_t), sz;
	void	*p;

	n = (n + al - 1) / al * al;
	if (n == 0)
		n = al;
	if (a->cur == NULL || a->cap - a->used < n) {
		sz = n > ARENA_CHUNK / 2 ? n : ARENA_CHUNK;
		if (sz > SIZE_MAX - sizeof(*c)) {
			errno = ENOMEM;
			return NULL;
		}
		if ((c = malloc(sizeof(*c) + sz)) == NULL)
			return NULL;
		c->size = sz;
		c->next = a->head;
		a->head = c;
		if (n > ARENA_CHUNK / 2 && a->cur != NULL) {
			/* a big block of its own: keep the current chunk */
			memset(c->data, 0, n);
			return c->data;
		}
		a->cur = (char *)c->data;
		a->used = 0;
		a->cap = sz;
	}
	p = a->cur + a->used;
	a->used += n;
	memset(p, 0, n);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char	*p;

	if (n == SIZE_MAX) {
		errno = ENOMEM;
		return NULL;
	}
	if ((p = arena_alloc(a, n + 1)) == NULL)
		return NULL;
	if (n > 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
arena_free(struct arena *a)
{
	struct arena_chunk *c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	memset(a, 0, sizeof(*a));
}

/*
 * Opening.
 */
int
mime_open_mem(const void *data, size_t len, struct mime_msg **m_r)
{
	struct mime_msg *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -1;
	m->buf = data != NULL ? data : (const unsigned char *)"";
	m->len = data != NULL ? len : 0;
	*m_r = m;
	return 0;
}

int
mime_open_fd(int fd, struct mime_msg **m_r)
{
	struct mime_msg *m;
	struct stat st;
	size_t	 got = 0;
	ssize_t	 r;

	if (fstat(fd, &st) == -1)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	if ((uint64_t)st.st_size > (uint64_t)SIZE_MAX / 2) {
		errno = EFBIG;
		return -1;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -1;
	if (st.st_size > READ_MAX) {
		void	*p = mmap(NULL, (size_t)st.st_size, PROT_READ,
		    MAP_PRIVATE, fd, 0);

		if (p == MAP_FAILED) {
			free(m);
			return -1;
		}
		(void)madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
		m->map = p;
		m->map_len = (size_t)st.st_size;
		m->buf = p;
		m->len = (size_t)st.st_size;
		*m_r = m;
		return 0;
	}
	if ((m->own = malloc((size_t)st.st_size + 1)) == NULL) {
		free(m);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		r = pread(fd, m->own + got, (size_t)st.st_size - got,
		    (off_t)got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			int	 e = errno;

			free(m->own);
			free(m);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;	/* shrank meanwhile: take what is there */
		got += (size_t)r;
	}
	m->buf = m->own;
	m->len = got;
	*m_r = m;
	return 0;
}

int
mime_open_path(const char *path, struct mime_msg **m_r)
{
	int	 fd, r, e;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	r = mime_open_fd(fd, m_r);
	e = errno;
	close(fd);
	errno = e;
	return r;
}

void
mime_free(struct mime_msg *m)
{
	if (m == NULL)
		return;
	if (m->map != NULL)
		munmap(m->map, m->map_len);
	free(m->own);
	arena_free(&m->arena);
	free(m->byid);
	free(m);
}

const unsigned char *
mime_data(const struct mime_msg *m, size_t *len_r)
{
	*len_r = m->len;
	return m->buf;
}

/*
 * Line-end counting: LF and bare LF (an LF whose previous octet in the
 * message is not CR).  Virtual size of a range = octets + bare LFs.
 */
/* Bits set in a 16-bit mask (no popcnt instruction assumed). */
static inline unsigned int
pop16(unsigned int x)
{
	x = x - ((x >> 1) & 0x5555);
	x = (x & 0x3333) + ((x >> 2) & 0x3333);
	x = (x + (x >> 4)) & 0x0f0f;
	return (x + (x >> 8)) & 0x1f;
}

/* The first "\n-" in buf[from..to) (its LF's offset), or to: where a
 * boundary line may start.  16 octets at a time where SSE2 is there. */
static size_t
find_nl_dash(const unsigned char *buf, size_t from, size_t to)
{
	size_t	 i = from;

#if defined(__SSE2__)
	const __m128i nl = _mm_set1_epi8('\n'), da = _mm_set1_epi8('-');

	for (; i + 17 <= to; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)
		    (buf + i));
		__m128i w = _mm_loadu_si128((const __m128i *)(const void *)
		    (buf + i + 1));
		unsigned int m = (unsigned int)_mm_movemask_epi8(
		    _mm_and_si128(_mm_cmpeq_epi8(v, nl),
		    _mm_cmpeq_epi8(w, da)));

		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	for (; i + 1 < to; i++)
		if (buf[i] == '\n' && buf[i + 1] == '-')
			return i;
	return to;
}

/* LFs, and LFs whose previous octet in the message is not CR, of
 * buf[from..to), 16 octets at a time where SSE2 is there. */
static void
count_range(const unsigned char *buf, size_t from, size_t to, struct cnt *c)
{
	uint64_t lf = 0, bare = 0;
	size_t	 i = from;

#if defined(__SSE2__)
	const __m128i nl = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');

	/* the first octet looks back one: do it by hand */
	if (i < to && i == 0) {
		if (buf[0] == '\n') {
			lf++;
			bare++;
		}
		i++;
	}
	for (; i + 16 <= to; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)
		    (buf + i));
		__m128i pv = _mm_loadu_si128((const __m128i *)(const void *)
		    (buf + i - 1));
		unsigned int ml = (unsigned int)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(v, nl));
		unsigned int mc = (unsigned int)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(pv, cr));

		if (ml == 0)
			continue;
		lf += pop16(ml);
		bare += pop16(ml & ~mc);
	}
#endif
	for (; i < to; i++)
		if (buf[i] == '\n') {
			lf++;
			if (i == 0 || buf[i - 1] != '\r')
				bare++;
		}
	c->lf += lf;
	c->bare += bare;
}

/* Counts of buf[0..pos): pos never goes back. */
static void
counts_to(struct parser *ps, size_t pos, struct cnt *out)
{
	if (pos > ps->cpos) {
		count_range(ps->m->buf, ps->cpos, pos, &ps->c);
		ps->cpos = pos;
	}
	*out = ps->c;
}

uint64_t
mime_vsize(size_t from, size_t to, const struct cnt *a, const struct cnt *b)
{
	return (uint64_t)(to - from) + (b->bare - a->bare);
}

void
mime_count(struct mime_msg *m, size_t pos, struct cnt *out)
{
	memset(out, 0, sizeof(*out));
	count_range(m->buf, 0, pos, out);
}

int
mime_size(struct mime_msg *m, uint64_t *phys_r, uint64_t *virt_r)
{
	if (!m->have_total) {
		memset(&m->c_total, 0, sizeof(m->c_total));
		count_range(m->buf, 0, m->len, &m->c_total);
		m->have_total = 1;
	}
	if (phys_r != NULL)
		*phys_r = m->len;
	if (virt_r != NULL)
		*virt_r = (uint64_t)m->len + m->c_total.bare;
	return 0;
}

/*
 * Header fields.
 */
int
mime_name_eq(const char *name, size_t n, const char *want)
{
	size_t	 k;
	const char *z;

	/* Dovecot compares names as C strings: a NUL ends the name */
	if ((z = memchr(name, '\0', n)) != NULL)
		n = (size_t)(z - name);
	for (k = 0; k < n; k++) {
		int	 a = (unsigned char)name[k], b = (unsigned char)want[k];

		if (b == '\0')
			return 0;
		if (a >= 'A' && a <= 'Z')
			a += 32;
		if (b >= 'A' && b <= 'Z')
			b += 32;
		if (a != b)
			return 0;
	}
	return want[n] == '\0';
}

/*
 * The next header field of buf[*pos..to): a line (up to LF) and its
 * continuation lines (starting with space or tab).  0 at the end of the
 * header (an empty line, consumed, or to).  The name is what precedes the
 * first colon of the first line, trailing blanks cut; without a colon the
 * whole line is the name and value is NULL.  The value starts after the
 * colon and one blank and ends before the last line end.
 */
int
mime_hdr_next(const unsigned char *buf, size_t to, size_t *pos,
    struct mime_field *f)
{
	size_t	 p = *pos, le, e, k, colon = SIZE_MAX, vend, i;
	const unsigned char *nl;

	if (p >= to)
		return 0;
	if (buf[p] == '\n' || (buf[p] == '\r' && p + 1 < to &&
	    buf[p + 1] == '\n')) {
		*pos = p + (buf[p] == '\r' ? 2 : 1);
		return 0;
	}
	/* the field's end: the first LF not followed by a blank */
	e = p;
	for (;;) {
		nl = memchr(buf + e, '\n', to - e);
		if (nl == NULL) {
			le = e = to;
			break;
		}
		le = (size_t)(nl - buf);
		e = le + 1;
		if (e >= to || (buf[e] != ' ' && buf[e] != '\t'))
			break;
	}
	/* the first line: where is its colon? */
	nl = memchr(buf + p, '\n', le - p);
	k = nl != NULL ? (size_t)(nl - buf) : le;
	for (i = p; i < k; i++)
		if (buf[i] == ':') {
			colon = i;
			break;
		}
	/* a CR before the field's last LF is part of the line end */
	vend = le;
	if (le < to && vend > p && buf[vend - 1] == '\r')
		vend--;
	f->name = (const char *)buf + p;
	if (colon == SIZE_MAX) {
		size_t	 nend = k;

		if (k < to && nend > p && buf[nend - 1] == '\r')
			nend--;
		f->name_len = nend - p;
		f->value = NULL;
		f->value_len = 0;
	} else {
		size_t	 nend = colon, v = colon + 1;

		while (nend > p && (buf[nend - 1] == ' ' ||
		    buf[nend - 1] == '\t'))
			nend--;
		f->name_len = nend - p;
		if (v < vend && (buf[v] == ' ' || buf[v] == '\t'))
			v++;
		f->value = (const char *)buf + v;
		f->value_len = vend > v ? vend - v : 0;
	}
	*pos = e;
	return 1;
}

/*
 * The value as Dovecot's header parser hands it to ENVELOPE and
 * BODYSTRUCTURE (SKIP_INITIAL_LWSP, DROP_CR): all blanks after the colon
 * skipped (only one if that is all there is); the caller removes CRs
 * before LFs.  f->value already lost one blank.
 */
struct fv *
mime_fv_value(const struct mime_field *f, struct fv *out)
{
	const char *v = f->value;
	size_t	 n = f->value_len, k = 0;

	out->p = v;
	out->n = n;
	if (v == NULL)
		return out;
	/* was one blank skipped by mime_hdr_next? */
	if (v[-1] != ' ' && v[-1] != '\t')
		return out;		/* no: nothing to skip */
	while (k < n && (v[k] == ' ' || v[k] == '\t'))
		k++;
	if (k == n)
		return out;		/* all blanks: only the one skipped */
	out->p = v + k;
	out->n = n - k;
	return out;
}

static int
part_hdr_range(struct mime_msg *m, const struct mime_part *part,
    size_t *from, size_t *to)
{
	if (part == NULL && (part = mime_top(m)) == NULL)
		return -1;
	*from = part->hdr_off;
	*to = part->body_off;
	return 0;
}

int
mime_header_next(struct mime_msg *m, const struct mime_part *part,
    size_t *iter, struct mime_field *f)
{
	size_t	 from, to, pos;

	if (part_hdr_range(m, part, &from, &to) == -1)
		return -1;
	pos = from + *iter;
	if (pos < from || pos >= to)
		return 0;
	for (;;) {
		if (mime_hdr_next(m->buf, to, &pos, f) == 0)
			return 0;
		*iter = pos - from;
		return 1;
	}
}

int
mime_header_find(struct mime_msg *m, const struct mime_part *part,
    const char *name, struct mime_field *f)
{
	size_t	 it = 0;
	int	 r;

	while ((r = mime_header_next(m, part, &it, f)) == 1)
		if (f->value != NULL && mime_name_eq(f->name, f->name_len,
		    name))
			return 1;
	return r;
}

/*
 * The parser.
 */
static struct mime_part *
new_part(struct parser *ps, struct mime_part *parent, size_t off,
    int message)
{
	struct mime_msg *m = ps->m;
	struct mime_part *p;

	if ((p = arena_alloc(&m->arena, sizeof(*p))) == NULL)
		return NULL;
	p->parent = parent;
	p->id = m->nparts++;
	p->depth = parent != NULL ? parent->depth + 1 : 0;
	p->hdr_off = off;
	p->body_off = off;
	p->end = off;
	if (message) {
		p->flags |= P_MESSAGE;
		if ((p->env = arena_alloc(&m->arena,
		    sizeof(*p->env) * ENV_N)) == NULL)
			return NULL;
	}
	if (parent != NULL) {
		if (parent->last != NULL)
			parent->last->next = p;
		else
			parent->child = p;
		parent->last = p;
	}
	counts_to(ps, off, &p->c_hdr);
	p->c_body = p->c_hdr;
	p->c_end = p->c_hdr;
	if (m->nparts >= MIME_MAX_PARTS) {
		/* the last part Dovecot makes: it holds the rest */
		p->flags |= P_LIMIT;
		ps->nb = 0;
	}
	return p;
}

static const char *const env_names[ENV_N] = {
	"date", "subject", "from", "sender", "reply-to", "to", "cc", "bcc",
	"in-reply-to", "message-id"
};
static const char *const ct_names[CT_N] = {
	"content-type", "content-transfer-encoding", "content-id",
	"content-description", "content-disposition", "content-language",
	"content-location", "content-md5"
};

/* Does the Content-Disposition value carry parameters (Dovecot lets a
 * later field replace one without)? */
static int
disp_has_params(const struct fv *v)
{
	struct rfc822 r;
	struct str tok = STR_INIT(STR_UNBOUNDED), pairs = STR_INIT(
	    STR_UNBOUNDED);
	size_t	 n = 0;

	rfc822_init(&r, v->p, v->n);
	(void)rfc822_skip_lwsp(&r);
	if (rfc822_mime_token(&r, &tok) >= 0)
		(void)rfc822_params(&r, &pairs, &n);
	str_free(&tok);
	str_free(&pairs);
	return n > 0;
}

static void
note_field(struct parser *ps, struct mime_part *part,
    const struct mime_field *f, size_t line_end)
{
	const char *n = f->name;
	size_t	 len = f->name_len, i;
	struct fv v;

	(void)ps;
	(void)line_end;
	if (len == 0)
		return;
	if (len >= 8 && (n[0] == 'C' || n[0] == 'c') &&
	    mime_name_eq(n, 8, "content-")) {
		if (f->value == NULL)
			return;
		for (i = 0; i < CT_N; i++) {
			if (!mime_name_eq(n, len, ct_names[i]))
				continue;
			mime_fv_value(f, &v);
			if (i == CT_TYPE) {
				part->flags |= P_IS_MIME;
				if (part->ct[i].p != NULL)
					return;
				part->ct[i] = v;
				part->flags |= P_SEEN_CTYPE;
				set_content_type(ps, part);
			} else if (i == CT_DISP) {
				if (part->ct[i].p == NULL ||
				    !disp_has_params(&part->ct[i]))
					part->ct[i] = v;
			} else if (part->ct[i].p == NULL)
				part->ct[i] = v;
			return;
		}
		return;
	}
	if ((n[0] == 'M' || n[0] == 'm') && mime_name_eq(n, len,
	    "mime-version")) {
		if (f->value != NULL)
			part->flags |= P_IS_MIME;
		return;
	}
	if (part->env == NULL || f->value == NULL)
		return;
	for (i = 0; i < ENV_N; i++)
		if (mime_name_eq(n, len, env_names[i])) {
			mime_fv_value(f, &part->env[i]);
			return;
		}
}

/*
 * The first Content-Type decides the part's kind and boundary (Dovecot's
 * parse_content_type): message/rfc822, text[/...], multipart/...
 */
static void
set_content_type(struct parser *ps, struct mime_part *part)
{
	struct rfc822 r;
	struct str ct = STR_INIT(STR_UNBOUNDED), pairs =
	    STR_INIT(STR_UNBOUNDED);
	size_t	 n = 0, blen;
	const char *b, *s;
	int	 ret;

	rfc822_init(&r, part->ct[CT_TYPE].p, part->ct[CT_TYPE].n);
	(void)rfc822_skip_lwsp(&r);
	ret = rfc822_content_type(&r, &ct);
	s = str_c(&ct);
	if (ct.len == 14 && mime_name_eq(s, 14, "message/rfc822"))
		part->flags |= P_RFC822;
	else if (ct.len >= 4 && mime_name_eq(s, 4, "text") &&
	    (ct.len == 4 || s[4] == '/'))
		part->flags |= P_TEXT;
	else if (ct.len >= 10 && mime_name_eq(s, 10, "multipart/")) {
		part->flags |= P_MULTIPART;
		if (mime_name_eq(s + 10, ct.len - 10, "digest"))
			part->flags |= P_DIGEST;
	}
	if (ret >= 0 && (part->flags & P_MULTIPART) &&
	    part->boundary == NULL) {
		(void)rfc822_params(&r, &pairs, &n);
		if ((b = params_get(&pairs, n, "boundary", &blen)) != NULL) {
			blen = cstrlen(b, blen);
			if (blen > MIME_MAX_BOUNDARY)
				blen = MIME_MAX_BOUNDARY;
			part->boundary = arena_strndup(&ps->m->arena, b, blen);
			part->boundary_len = part->boundary != NULL ? blen : 0;
		}
	}
	str_free(&ct);
	str_free(&pairs);
}

/*
 * A boundary line at pos (a line start)?  The boundary that matches
 * "--" + a prefix of the line, the longest of those active, the newest
 * among equals (RFC 2046 5.1.1 allows trailing junk; Dovecot matches
 * prefixes).  *close_r: "--" follows it.
 */
static struct bnd *
boundary_at(struct parser *ps, size_t pos, int *close_r)
{
	const unsigned char *buf = ps->m->buf, *d, *lf;
	size_t	 len = ps->m->len, size, find;
	struct bnd *best = NULL;
	unsigned int i;

	if (ps->nb == 0 || len - pos < 2 || buf[pos] != '-' ||
	    buf[pos + 1] != '-')
		return NULL;
	d = buf + pos + 2;
	size = len - pos - 2;
	lf = memchr(d, '\n', size);
	if (lf != NULL) {
		find = (size_t)(lf - d);
		if (find > 0 && d[find - 1] == '\r')
			find--;
		if (find > 2 && d[find - 1] == '-' && d[find - 2] == '-')
			find -= 2;
	} else {
		find = size;
		if (find > MIME_MAX_BOUNDARY + 4)
			find = MIME_MAX_BOUNDARY + 4;
	}
	for (i = ps->nb; i-- > 0;) {
		struct bnd *b = &ps->b[i];

		if (b->len <= find && memcmp(b->s, d, b->len) == 0 &&
		    (best == NULL || best->len < b->len)) {
			best = b;
			if (best->len == find)
				break;
		}
	}
	if (best != NULL)
		*close_r = size >= best->len + 2 && d[best->len] == '-' &&
		    d[best->len + 1] == '-';
	return best;
}

/* Will the part's body be scanned for its own boundary (at_eoh's test)? */
static int
will_push(const struct mime_part *p)
{
	return (p->flags & P_MULTIPART) && p->boundary != NULL &&
	    (p->flags & P_IS_MIME) && !(p->flags & P_LIMIT) &&
	    p->depth + 1 < MIME_MAX_DEPTH;
}

/*
 * Scan the header of part from part->hdr_off.  Ends at the empty line
 * (included), at the end of the message, or before a line that is an
 * active boundary (*bnd_r set, *line_r its start; the line end before it
 * belongs to the boundary).  0 or -1.
 */
static int
scan_header(struct parser *ps, struct mime_part *part, struct bnd **bnd_r,
    size_t *line_r)
{
	struct mime_msg *m = ps->m;
	const unsigned char *buf = m->buf;
	size_t	 pos = part->hdr_off, end, last_nl = 0;
	struct mime_field f;
	int	 close;

	*bnd_r = NULL;
	for (;;) {
		struct bnd *b;

		if (pos < m->len && ps->nb > 0 &&
		    (b = boundary_at(ps, pos, &close)) != NULL) {
			*bnd_r = b;
			*line_r = pos;
			/* the line end before the boundary is not header */
			end = pos;
			if (pos > part->hdr_off)
				end = last_nl;
			part->body_off = end;
			return 0;
		}
		if (pos >= m->len) {
			part->body_off = m->len;
			return 0;
		}
		if (buf[pos] == '\n' || (buf[pos] == '\r' &&
		    pos + 1 < m->len && buf[pos + 1] == '\n')) {
			size_t	 next = pos + (buf[pos] == '\r' ? 2 : 1);

			/*
			 * An active boundary right after the empty line: that
			 * line end belongs to the boundary (Dovecot looks for
			 * a boundary once more before it ends the header).
			 */
			if (ps->nb > 0 && next < m->len) {
				/* the part's own boundary counts too, and
				 * wins a tie: it would be active by now */
				int	 own = will_push(part);

				if (own) {
					ps->b[ps->nb].part = part;
					ps->b[ps->nb].s = part->boundary;
					ps->b[ps->nb].len = part->boundary_len;
					ps->nb++;
				}
				b = boundary_at(ps, next, &close);
				if (own)
					ps->nb--;
				if (b != NULL && b->part != part) {
					*bnd_r = b;
					*line_r = next;
					part->body_off = pos;
					return 0;
				}
			}
			part->body_off = next;
			return 0;
		}
		{
			size_t	 start = pos;

			(void)mime_hdr_next(buf, m->len, &pos, &f);
			/* where the field's line end starts */
			if (pos > start && buf[pos - 1] == '\n') {
				last_nl = pos - 1;
				if (last_nl > start && buf[last_nl - 1] == '\r')
					last_nl--;
			} else
				last_nl = pos;
			if (memchr(buf + start, '\0', pos - start) != NULL)
				part->flags |= P_HDR_NUL;
			note_field(ps, part, &f, pos);
		}
	}
}

/* End of a header: the part's kind as Dovecot decides it. */
static void
at_eoh(struct parser *ps, struct mime_part *part)
{
	(void)ps;
	if (!(part->flags & P_IS_MIME)) {
		part->flags &= P_MESSAGE | P_HDR_NUL | P_LIMIT | P_SEEN_CTYPE;
		part->boundary = NULL;
	}
	if (!(part->flags & P_SEEN_CTYPE) || !(part->flags & P_IS_MIME)) {
		if (part->parent != NULL && (part->parent->flags & P_DIGEST))
			part->flags |= P_RFC822;
		else
			part->flags |= P_TEXT;
	}
	if (part->flags & P_LIMIT) {
		part->flags &= ~(P_MULTIPART | P_RFC822 | P_DIGEST);
		part->boundary = NULL;
	}
	/* a child would be nested MIME_MAX_DEPTH deep: the body is a blob */
	if ((part->flags & (P_MULTIPART | P_RFC822)) &&
	    part->depth + 1 >= MIME_MAX_DEPTH) {
		part->flags &= ~(P_MULTIPART | P_RFC822 | P_DIGEST);
		part->flags |= P_LIMIT;
		part->boundary = NULL;
	}
}

/* The parts from cur up to (not including) top end at e. */
static void
end_parts(struct parser *ps, struct mime_part *cur, struct mime_part *top,
    size_t e)
{
	struct cnt c;

	counts_to(ps, e, &c);
	for (; cur != NULL && cur != top; cur = cur->parent) {
		cur->end = e;
		cur->c_end = c;
	}
}

/*
 * The message header alone (ENVELOPE, sort keys, header fields): a root
 * node of its own, kept when the whole tree is parsed later, so that
 * nothing handed out before goes away.
 */
struct mime_part *
mime_top(struct mime_msg *m)
{
	struct parser ps;
	struct bnd *b;
	size_t	 line;

	if (m->root != NULL)
		return m->root;
	if (m->top != NULL)
		return m->top;
	if (m->top_err != 0) {
		errno = m->top_err;
		return NULL;
	}
	memset(&ps, 0, sizeof(ps));
	ps.m = m;
	if ((m->top = new_part(&ps, NULL, 0, 1)) == NULL) {
		m->top_err = errno;
		return NULL;
	}
	m->nparts = 0;
	(void)scan_header(&ps, m->top, &b, &line);
	at_eoh(&ps, m->top);
	return m->top;
}

enum state { S_HEADER, S_BODY, S_EOF };

int
mime_parse(struct mime_msg *m)
{
	struct parser ps;
	struct mime_part *cur, *p, *root;
	struct bnd *b;
	size_t	 pos = 0, line;
	enum state st = S_HEADER;
	int	 close;
	unsigned int i;

	if (m->parsed)
		return m->root != NULL ? 0 : (errno = m->parse_err, -1);
	memset(&ps, 0, sizeof(ps));
	ps.m = m;
	m->parsed = 1;
	m->nparts = 0;
	if ((root = cur = new_part(&ps, NULL, 0, 1)) == NULL)
		goto fail;
	for (;;) {
		switch (st) {
		case S_HEADER:
			(void)scan_header(&ps, cur, &b, &line);
			counts_to(&ps, cur->body_off, &cur->c_body);
			at_eoh(&ps, cur);
			if (b != NULL) {
				/* a boundary cut the header: empty body, and
				 * a message/rfc822 part still gets its (empty)
				 * message, as Dovecot descends into it */
				pos = line;
				if ((cur->flags & P_RFC822) &&
				    !(cur->flags & P_LIMIT)) {
					if ((p = new_part(&ps, cur,
					    cur->body_off, 1)) == NULL)
						goto fail;
					at_eoh(&ps, p);
					cur = p;
				}
				end_parts(&ps, cur, b->part, cur->body_off);
				goto boundary;
			}
			pos = cur->body_off;
			if ((cur->flags & P_MULTIPART) && cur->boundary &&
			    !(cur->flags & P_LIMIT)) {
				ps.b[ps.nb].part = cur;
				ps.b[ps.nb].s = cur->boundary;
				ps.b[ps.nb].len = cur->boundary_len;
				ps.nb++;
				st = S_BODY;
			} else if ((cur->flags & P_RFC822) &&
			    !(cur->flags & P_LIMIT)) {
				if ((p = new_part(&ps, cur, pos, 1)) == NULL)
					goto fail;
				cur = p;
				st = S_HEADER;
			} else
				st = ps.nb > 0 ? S_BODY : S_EOF;
			break;
		case S_BODY:
			/* the first line, then each line start */
			line = pos;
			b = boundary_at(&ps, line, &close);
			while (b == NULL) {
				/* only lines starting with "-" can be */
				size_t	 k = find_nl_dash(m->buf, line, m->len);

				if (k >= m->len)
					break;
				line = k + 1;
				b = boundary_at(&ps, line, &close);
			}
			if (b == NULL) {
				st = S_EOF;
				break;
			}
			{
				size_t	 e = line;

				if (line > pos) {
					e = line - 1;
					if (e > pos && m->buf[e - 1] == '\r')
						e--;
				}
				end_parts(&ps, cur, b->part, e);
			}
			pos = line;
boundary:
			/* b's multipart goes on past the boundary line */
			cur = b->part;
			i = (unsigned int)(b - ps.b);
			(void)boundary_at(&ps, pos, &close);
			ps.nb = close ? i : i + 1;
			{
				const unsigned char *nl;

				nl = memchr(m->buf + pos, '\n', m->len - pos);
				if (nl == NULL) {
					st = S_EOF;
					break;
				}
				pos = (size_t)(nl - m->buf) + 1;
			}
			if (!close) {
				if ((p = new_part(&ps, cur, pos, 0)) == NULL)
					goto fail;
				p->flags |= P_IS_MIME;
				cur = p;
				st = S_HEADER;
			} else
				st = ps.nb > 0 ? S_BODY : S_EOF;
			break;
		case S_EOF:
			end_parts(&ps, cur, NULL, m->len);
			goto done;
		}
	}
done:
	if ((m->byid = calloc(m->nparts, sizeof(*m->byid))) == NULL)
		goto fail;
	/* pre-order ids are creation order */
	for (p = root; p != NULL;) {
		m->byid[p->id] = p;
		if (p->child != NULL)
			p = p->child;
		else {
			while (p != NULL && p->next == NULL)
				p = p->parent;
			if (p != NULL)
				p = p->next;
		}
	}
	m->root = root;
	if (!m->have_total) {
		counts_to(&ps, m->len, &m->c_total);
		m->have_total = 1;
	}
	return 0;
fail:
	m->parse_err = errno;
	return -1;
}
