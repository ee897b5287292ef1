/*
 * imapd_fetch - FETCH and UID FETCH (RFC 3501 6.4.5, RFC 9051 6.4.5,
 * BINARY RFC 3516, CONDSTORE/QRESYNC RFC 7162): the items, body
 * sections through the MIME layer (mime.h), ENVELOPE and BODYSTRUCTURE
 * from the folder's cache when a session computed them before.
 *
 * What a first FETCH of a large folder costs is reading: ENVELOPE needs
 * only a message's header, RFC822.SIZE the file name's ",W=" or one
 * count of its line ends, so that path reads the header alone where it
 * can, parses nothing else, and leaves BODYSTRUCTURE (the whole MIME
 * tree) to the clients that ask for it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "date.h"
#include "imapd_int.h"

#define FETCH_ITEMS_MAX	64
#define SUMMARY_FIELD	'M'	/* mime_summary() in the folder's cache */
#define ENVELOPE_FIELD	'E'	/* mime_envelope() alone, from the header */
#define HEAD_CHUNK	8192	/* a header is read this much at a time */
#define HEAD_WHOLE	65536	/* a file smaller is read whole when its
				   size must be counted */

enum fi_kind {
	FI_FLAGS, FI_UID, FI_INTERNALDATE, FI_SIZE, FI_ENVELOPE, FI_BODYSTRUCT,
	FI_BODY, FI_MODSEQ, FI_SECTION, FI_BINSIZE,
};

struct fitem {
	enum fi_kind kind;
	char	*label;		/* the response item name, e.g. BODY[1] */
	char	 part[128];	/* mime_section part buffer */
	struct mime_section sec;
	char	**fields;
	size_t	 nfields;
	int	 peek;
	int	 partial;
	uint32_t origin, count;
};

struct fetch {
	struct imapd *s;
	struct fitem it[FETCH_ITEMS_MAX];
	size_t	 n;
	int	 uid;
	int	 want_uid, want_flags, want_modseq, want_env;
	int	 sets_seen;
	int	 need_summary;
	uint64_t changedsince;
	int	 vanished;
	int	 gone;
	int	 fail;
};

static int	parse_items(struct fetch *, struct imap_p *);
static int	parse_one(struct fetch *, struct imap_p *);
static int	fetch_one(void *, size_t);
static int	fetch(struct imapd *, struct imap_p *, int);
static int	put_section(struct fetch *, struct fitem *, size_t,
		    struct str *);
static int	summary(struct imapd *, size_t, const char **, size_t *);

struct mcache {
	uint32_t uid;
	struct mime_msg *m;
};

struct mime_msg *
msg_get(struct imapd *s, size_t k)
{
	struct mcache *c = s->msgcache;
	int	 fd;

	if (c == NULL) {
		if ((c = calloc(1, sizeof(*c))) == NULL)
			return NULL;
		s->msgcache = c;
	}
	if (c->m != NULL && c->uid == s->mb->m[k].uid)
		return c->m;
	if (c->m != NULL) {
		mime_free(c->m);
		c->m = NULL;
	}
	if ((fd = mbox_msg_open(s->mb, k)) == -1)
		return NULL;
	if (mime_open_fd(fd, &c->m) == -1) {
		close(fd);
		c->m = NULL;
		return NULL;
	}
	close(fd);
	c->uid = s->mb->m[k].uid;
	return c->m;
}

void
msg_drop(struct imapd *s)
{
	struct mcache *c = s->msgcache;

	if (c == NULL)
		return;
	if (c->m != NULL)
		mime_free(c->m);
	free(c);
	s->msgcache = NULL;
}

/* eoh - the end of a header in b[0..n): just past its empty line, or 0
 * when none is there (the MIME layer's rule: a field starts at a line
 * that is empty, LF or CRLF, and the header ends there). */
static size_t
head_end(const char *b, size_t n)
{
	const char *q = b, *e = b + n;

	if (n >= 1 && b[0] == '\n')
		return 1;
	if (n >= 2 && b[0] == '\r' && b[1] == '\n')
		return 2;
	while (q < e && (q = memchr(q, '\n', (size_t)(e - q))) != NULL) {
		q++;
		if (q < e && *q == '\n')
			return (size_t)(q + 1 - b);
		if (e - q >= 2 && q[0] == '\r' && q[1] == '\n')
			return (size_t)(q + 2 - b);
	}
	return 0;
}

/* bare_lf - LFs not preceded by CR in b[0..n) (prev: the octet before
 * b, or 0): what the CRLF form adds to the size. */
static uint64_t
bare_lf(const char *b, size_t n, int prev)
{
	const char *q = b, *e = b + n;
	uint64_t c = 0;

	while (q < e && (q = memchr(q, '\n', (size_t)(e - q))) != NULL) {
		if ((q > b ? q[-1] : prev) != '\r')
			c++;
		q++;
	}
	return c;
}

/*
 * head_date - the message's Date: as SORT and SENTBEFORE read it (the
 * MIME layer's, as the summary keeps it) into what mbox_msg_learn
 * takes; the Date: field alone, not every sort key.  A failure is not
 * kept as "no date": MSD_UNKNOWN, read again next time.
 */
static int
head_date(struct mime_msg *m, int64_t *t_r, int *tz_r)
{
	time_t	 t;

	switch (mime_sentdate(m, &t, tz_r)) {
	case 1:
		*t_r = (int64_t)t;
		return MSD_VALID;
	case 0:
		return MSD_NONE;
	default:
		return MSD_UNKNOWN;	/* out of memory: not learned */
	}
}

/*
 * head_load - read message k's header (the whole file when its size is
 * not known: the count of its line ends is the size), learn its size
 * and Date: for the index, and with want_env put its ENVELOPE into the
 * folder's cache.  0, or -1 with errno.
 */
int
head_load(struct imapd *s, size_t k, int want_env)
{
	struct str *b = &s->headbuf;
	struct mime_msg *m = NULL;
	struct str env = STR_INIT(STR_UNBOUNDED);
	struct stat sb;
	uint64_t size = s->mb->m[k].size;
	size_t	 hlen = 0;
	int64_t	 sd = 0;
	int	 fd, sds = MSD_UNKNOWN, tz = 0, r = -1, small, eof = 0;

	if ((fd = mbox_msg_open(s->mb, k)) == -1)
		return -1;
	if (fstat(fd, &sb) == -1)
		goto out;
	mbox_msg_learn_idate(s->mb, k, (int64_t)sb.st_mtime);
	str_clear(b);
	/*
	 * Up to the end of its header; a small file whose size must be
	 * counted in one read.  Maildir files do not grow: a read that
	 * reaches the size fstat gave is the last.
	 */
	small = size == 0 && sb.st_size < HEAD_WHOLE;
	for (;;) {
		size_t	 chunk;
		ssize_t	 n;

		if (b->len == 0 && small)
			chunk = (size_t)sb.st_size + 1;
		else
			chunk = b->len < 65536 ? HEAD_CHUNK : b->len;
		if (str_ready(b, chunk) == -1)
			goto out;
		n = read(fd, b->s + b->len, chunk);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto out;
		b->len += (size_t)n;
		b->s[b->len] = '\0';
		if (n == 0 || b->len >= (size_t)sb.st_size) {
			eof = 1;
			hlen = head_end(b->s, b->len);
			break;
		}
		if ((hlen = head_end(b->s, b->len)) != 0)
			break;
	}
	if (size == 0) {
		/* the rest of the file counted, not kept */
		char	 tmp[65536];
		int	 prev = b->len > 0 ? (unsigned char)b->s[b->len - 1] : 0;
		ssize_t	 n;

		size = b->len + bare_lf(b->s, b->len, 0);
		while (!eof) {
			n = read(fd, tmp, sizeof(tmp));
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1)
				goto out;
			if (n == 0)
				break;
			size += (uint64_t)n + bare_lf(tmp, (size_t)n, prev);
			prev = (unsigned char)tmp[n - 1];
		}
	}
	if (hlen == 0)
		hlen = b->len;		/* all header */
	if (mime_open_mem(b->s, hlen, &m) == -1)
		goto out;
	if (s->mb->m[k].sdstate == MSD_UNKNOWN)
		sds = head_date(m, &sd, &tz);
	if (want_env && (mime_envelope(m, &env) == -1 ||
	    mbox_cache_put(s->mb, s->mb->m[k].uid, ENVELOPE_FIELD, env.s,
	    env.len) == -1))
		goto out;
	mbox_msg_learn(s->mb, k, size, sds, sd, tz);
	r = 0;
out:
	r = r == -1 ? (errno != 0 ? errno : EIO) : 0;
	mime_free(m);
	close(fd);
	str_free(&env);
	if (b->cap > 1024 * 1024)
		str_free(b);	/* a large message's memory goes back */
	errno = r;
	return r == 0 ? 0 : -1;
}

/* envelope - message k's ENVELOPE: cached alone or in the summary,
 * else read from its header. */
static int
envelope(struct imapd *s, size_t k, const char **v_r, size_t *n_r)
{
	uint32_t uid = s->mb->m[k].uid;
	const char *b;
	size_t	 n;

	if (mbox_cache_get(s->mb, uid, ENVELOPE_FIELD, v_r, n_r) == 1)
		return 1;
	if (mbox_cache_get(s->mb, uid, SUMMARY_FIELD, &b, &n) == 1 &&
	    mime_summary_get(b, n, MIME_SUM_ENVELOPE, v_r, n_r) == 1)
		return 1;
	if (head_load(s, k, 1) == -1)
		return -1;
	return mbox_cache_get(s->mb, uid, ENVELOPE_FIELD, v_r, n_r) == 1 ?
	    1 : -1;
}

/* summary_learn - the size and Date: of a summary, for the index. */
static void
summary_learn(struct imapd *s, size_t k, const char *b, size_t n)
{
	const char *v;
	size_t	 vn;
	uint64_t size = 0;
	int64_t	 t = 0;
	long	 tz = 0;
	int	 sds = MSD_NONE;
	char	 tmp[64], *e;

	if (mime_summary_get(b, n, MIME_SUM_SIZE, &v, &vn) == 1 &&
	    vn < sizeof(tmp)) {
		memcpy(tmp, v, vn);
		tmp[vn] = '\0';
		if ((e = strchr(tmp, ' ')) != NULL)
			size = strtoull(e + 1, NULL, 10);
	}
	if (mime_summary_get(b, n, MIME_SUM_DATE, &v, &vn) == 1 &&
	    vn < sizeof(tmp)) {
		memcpy(tmp, v, vn);
		tmp[vn] = '\0';
		t = strtoll(tmp, &e, 10);
		tz = strtol(e, NULL, 10);
		sds = MSD_VALID;
	}
	mbox_msg_learn(s->mb, k, size, sds, t, (int)tz);
}

/*
 * summary - the message's mime_summary(), from the folder's cache or
 * made now (and cached, with its size and date for the index).
 */
static int
summary(struct imapd *s, size_t k, const char **b_r, size_t *n_r)
{
	struct mime_msg *m;
	struct str sum = STR_INIT(STR_UNBOUNDED);
	const char *v;
	size_t	 vn;
	int	 r;

	r = mbox_cache_get(s->mb, s->mb->m[k].uid, SUMMARY_FIELD, b_r, n_r);
	if (r == 1 && mime_summary_get(*b_r, *n_r, MIME_SUM_VERSION, &v, &vn)
	    == 1)
		return 0;
	if ((m = msg_get(s, k)) == NULL)
		return -1;
	if (mime_summary(m, &sum) == -1) {
		str_free(&sum);
		return -1;
	}
	r = mbox_cache_put(s->mb, s->mb->m[k].uid, SUMMARY_FIELD, sum.s,
	    sum.len);
	if (r == 0)
		summary_learn(s, k, sum.s, sum.len);
	str_free(&sum);
	if (r == -1)
		return -1;
	return mbox_cache_get(s->mb, s->mb->m[k].uid, SUMMARY_FIELD, b_r,
	    n_r) == 1 ? 0 : -1;
}

static int
sum_field(struct imapd *s, size_t k, int tag, const char **v, size_t *vn)
{
	const char *b;
	size_t	 n;

	if (summary(s, k, &b, &n) == -1)
		return -1;
	return mime_summary_get(b, n, tag, v, vn);
}

/* msg_vsize - RFC822.SIZE: the index (the file name's W=, or counted
 * before), the summary, or counted now, with the ENVELOPE read on the
 * way when with_env (it needs the same file). */
static int
msg_vsize(struct imapd *s, size_t k, int with_env, uint64_t *size)
{
	const char *v;
	size_t	 vn;

	if (s->mb->m[k].size != 0) {
		*size = s->mb->m[k].size;
		return 0;
	}
	if (mbox_cache_get(s->mb, s->mb->m[k].uid, SUMMARY_FIELD, &v, &vn)
	    == 1 && mime_summary_get(v, vn, MIME_SUM_SIZE, &v, &vn) == 1) {
		const char *sp = memchr(v, ' ', vn);

		if (sp != NULL) {
			*size = strtoull(sp + 1, NULL, 10);
			mbox_msg_learn(s->mb, k, *size, MSD_UNKNOWN, 0, 0);
			return 0;
		}
	}
	if (with_env && mbox_cache_get(s->mb, s->mb->m[k].uid,
	    ENVELOPE_FIELD, &v, &vn) == 1)
		with_env = 0;
	if (head_load(s, k, with_env) == -1)
		return -1;
	*size = s->mb->m[k].size;
	return 0;
}

static void
fetch_free(struct fetch *f)
{
	size_t	 i, j;

	for (i = 0; i < f->n; i++) {
		free(f->it[i].label);
		for (j = 0; j < f->it[i].nfields; j++)
			free(f->it[i].fields[j]);
		free(f->it[i].fields);
	}
	f->n = 0;
}

static struct fitem *
add_item(struct fetch *f, enum fi_kind k)
{
	struct fitem *it;

	if (f->n >= FETCH_ITEMS_MAX)
		return NULL;
	it = &f->it[f->n++];
	memset(it, 0, sizeof(*it));
	it->kind = k;
	return it;
}

/*
 * parse_section - after "BODY[" / "BINARY[": the section, its field
 * list, "]" and an optional "<origin.count>".  label gets the response
 * name ("BODY[HEADER.FIELDS (FROM)]<0>").
 */
static int
parse_section(struct fetch *f, struct imap_p *p, struct fitem *it,
    const char *name, int binary)
{
	struct str spec = STR_INIT(200), lab = STR_INIT(8192);
	struct str fld = STR_INIT(200);
	size_t	 s0 = p->pos;
	int	 r = -1;

	while (!imap_p_end(p) && imap_p_peek(p) != ']' &&
	    imap_p_peek(p) != ' ') {
		if (str_catc(&spec, (char)imap_p_peek(p)) == -1)
			goto out;
		p->pos++;
	}
	if (mime_section_parse(str_c(&spec), &it->sec, it->part,
	    sizeof(it->part)) == -1)
		goto out;
	if (binary && it->sec.what != MIME_SECT_ALL)
		goto out;
	it->sec.binary = binary;
	if (it->sec.what == MIME_SECT_FIELDS ||
	    it->sec.what == MIME_SECT_FIELDS_NOT) {
		if (imap_p_sp(p) == -1 || imap_p_char(p, '(') == -1)
			goto out;
		while (imap_p_char(p, ')') == -1) {
			char	**nf;

			if (it->nfields > 0 && imap_p_sp(p) == -1)
				goto out;
			if (it->nfields >= 200 || imap_p_astring(p, &fld) == -1)
				goto out;
			nf = reallocarray(it->fields, it->nfields + 1,
			    sizeof(*nf));
			if (nf == NULL)
				goto out;
			it->fields = nf;
			if ((it->fields[it->nfields] = strdup(fld.s)) == NULL)
				goto out;
			it->nfields++;
		}
		if (it->nfields == 0)
			goto out;
		it->sec.fields = (const char *const *)it->fields;
		it->sec.nfields = it->nfields;
	} else if (imap_p_peek(p) == ' ')
		goto out;
	if (str_printf(&lab, "%s[", name) == -1 ||
	    str_catb(&lab, p->b + s0, p->pos - s0) == -1)
		goto out;
	if (imap_p_char(p, ']') == -1 || str_catc(&lab, ']') == -1)
		goto out;
	if (imap_p_char(p, '<') == 0) {
		if (imap_p_number(p, &it->origin) == -1 ||
		    imap_p_char(p, '.') == -1 ||
		    imap_p_nznumber(p, &it->count) == -1 ||
		    imap_p_char(p, '>') == -1)
			goto out;
		it->partial = 1;
		if (str_printf(&lab, "<%lu>", (unsigned long)it->origin) == -1)
			goto out;
	}
	if ((it->label = strdup(lab.s)) == NULL)
		goto out;
	/* the part buffer moved with the item: point into it again */
	it->sec.part = it->part;
	r = 0;
	(void)f;
out:
	str_free(&spec);
	str_free(&lab);
	str_free(&fld);
	return r;
}

static int
simple_section(struct fitem *it, const char *spec, const char *label)
{
	if (mime_section_parse(spec, &it->sec, it->part, sizeof(it->part))
	    == -1)
		return -1;
	it->sec.part = it->part;
	return (it->label = strdup(label)) == NULL ? -1 : 0;
}

static int
parse_one(struct fetch *f, struct imap_p *p)
{
	struct fitem *it;

	if (imap_p_word(p, "FLAGS") == 0) {
		f->want_flags = 1;
		return add_item(f, FI_FLAGS) ? 0 : -1;
	}
	if (imap_p_word(p, "UID") == 0) {
		f->want_uid = 1;
		return 0;
	}
	if (imap_p_word(p, "INTERNALDATE") == 0)
		return add_item(f, FI_INTERNALDATE) ? 0 : -1;
	if (imap_p_word(p, "RFC822.SIZE") == 0)
		return add_item(f, FI_SIZE) ? 0 : -1;
	if (imap_p_word(p, "ENVELOPE") == 0) {
		f->want_env = 1;
		return add_item(f, FI_ENVELOPE) ? 0 : -1;
	}
	if (imap_p_word(p, "BODYSTRUCTURE") == 0) {
		f->need_summary = 1;
		return add_item(f, FI_BODYSTRUCT) ? 0 : -1;
	}
	if (imap_p_word(p, "MODSEQ") == 0) {
		f->want_modseq = 1;
		f->s->condstore = 1;
		return 0;
	}
	if (imap_p_word(p, "RFC822.HEADER") == 0) {
		if ((it = add_item(f, FI_SECTION)) == NULL)
			return -1;
		it->peek = 1;
		return simple_section(it, "HEADER", "RFC822.HEADER");
	}
	if (imap_p_word(p, "RFC822.TEXT") == 0) {
		if ((it = add_item(f, FI_SECTION)) == NULL)
			return -1;
		f->sets_seen = 1;
		return simple_section(it, "TEXT", "RFC822.TEXT");
	}
	if (imap_p_word(p, "RFC822") == 0) {
		if ((it = add_item(f, FI_SECTION)) == NULL)
			return -1;
		f->sets_seen = 1;
		return simple_section(it, "", "RFC822");
	}
	if (imap_p_word(p, "BODY.PEEK[") == 0) {
		if ((it = add_item(f, FI_SECTION)) == NULL)
			return -1;
		it->peek = 1;
		return parse_section(f, p, it, "BODY", 0);
	}
	if (imap_p_word(p, "BODY[") == 0) {
		if ((it = add_item(f, FI_SECTION)) == NULL)
			return -1;
		f->sets_seen = 1;
		return parse_section(f, p, it, "BODY", 0);
	}
	if (imap_p_word(p, "BINARY.PEEK[") == 0) {
		if ((it = add_item(f, FI_SECTION)) == NULL)
			return -1;
		it->peek = 1;
		return parse_section(f, p, it, "BINARY", 1);
	}
	if (imap_p_word(p, "BINARY.SIZE[") == 0) {
		if ((it = add_item(f, FI_BINSIZE)) == NULL)
			return -1;
		return parse_section(f, p, it, "BINARY.SIZE", 1);
	}
	if (imap_p_word(p, "BINARY[") == 0) {
		if ((it = add_item(f, FI_SECTION)) == NULL)
			return -1;
		f->sets_seen = 1;
		return parse_section(f, p, it, "BINARY", 1);
	}
	if (imap_p_word(p, "BODY") == 0) {
		f->need_summary = 1;
		return add_item(f, FI_BODY) ? 0 : -1;
	}
	return -1;
}

static int
parse_items(struct fetch *f, struct imap_p *p)
{
	int	 n = 0;

	if (imap_p_word(p, "ALL") == 0) {
		f->want_flags = 1;
		f->want_env = 1;
		return add_item(f, FI_FLAGS) && add_item(f, FI_INTERNALDATE) &&
		    add_item(f, FI_SIZE) && add_item(f, FI_ENVELOPE) ? 0 : -1;
	}
	if (imap_p_word(p, "FAST") == 0) {
		f->want_flags = 1;
		return add_item(f, FI_FLAGS) && add_item(f, FI_INTERNALDATE) &&
		    add_item(f, FI_SIZE) ? 0 : -1;
	}
	if (imap_p_word(p, "FULL") == 0) {
		f->want_flags = 1;
		f->need_summary = 1;
		f->want_env = 1;
		return add_item(f, FI_FLAGS) && add_item(f, FI_INTERNALDATE) &&
		    add_item(f, FI_SIZE) && add_item(f, FI_ENVELOPE) &&
		    add_item(f, FI_BODY) ? 0 : -1;
	}
	if (imap_p_char(p, '(') == -1)
		return parse_one(f, p);
	while (imap_p_char(p, ')') == -1) {
		if (n++ > 0 && imap_p_sp(p) == -1)
			return -1;
		if (parse_one(f, p) == -1)
			return -1;
	}
	return n > 0 ? 0 : -1;
}

/* sect_out - copy a reader's bytes into the response. */
static int
reader_out(struct imapd *s, struct mime_reader *rd, uint64_t len)
{
	char	 buf[16384];

	while (len > 0) {
		ssize_t	 n = mime_reader_read(rd, buf, len < sizeof(buf) ?
		    (size_t)len : sizeof(buf));

		if (n <= 0) {
			/* shorter than it said: pad, so the literal holds */
			memset(buf, ' ', sizeof(buf));
			while (len > 0) {
				size_t	 k = len < sizeof(buf) ? (size_t)len :
				    sizeof(buf);

				if (wbuf_put(s->out, buf, k) == -1)
					return -1;
				len -= k;
			}
			return 0;
		}
		if (wbuf_put(s->out, buf, (size_t)n) == -1)
			return -1;
		len -= (uint64_t)n;
		s->bytes += (uint64_t)n;
	}
	return 0;
}

/* put_section - " BODY[...] {n}\r\n<bytes>" (o is flushed first). */
static int
put_section(struct fetch *f, struct fitem *it, size_t k, struct str *o)
{
	struct imapd *s = f->s;
	struct mime_msg *m = msg_get(s, k);
	struct mime_reader *rd = NULL;
	uint64_t size = 0, len;
	int	 nul = 0;

	if (m == NULL)
		return -1;
	if (mime_reader_open(m, &it->sec, &rd) == -1) {
		if (errno == ENOTSUP) {
			errno = ENOTSUP;
			return -2;	/* [UNKNOWN-CTE] */
		}
		if (errno != ENOENT)
			return -1;
		return str_printf(o, "%s NIL", it->label);
	}
	if (mime_reader_size(rd, &size, &nul) == -1) {
		mime_reader_free(rd);
		return -1;
	}
	if (it->kind == FI_BINSIZE) {
		mime_reader_free(rd);
		return str_printf(o, "%s %llu", it->label,
		    (unsigned long long)size);
	}
	len = size;
	if (it->partial) {
		if (it->origin >= size)
			len = 0;
		else {
			len = size - it->origin;
			if (len > it->count)
				len = it->count;
			if (mime_reader_seek(rd, it->origin) == -1) {
				mime_reader_free(rd);
				return -1;
			}
		}
	}
	if (str_printf(o, "%s %s{%llu}\r\n", it->label,
	    it->sec.binary && nul ? "~" : "", (unsigned long long)len) == -1 ||
	    wbuf_put(s->out, o->s, o->len) == -1) {
		mime_reader_free(rd);
		return -1;
	}
	str_clear(o);
	if (reader_out(s, rd, len) == -1) {
		mime_reader_free(rd);
		return -1;
	}
	mime_reader_free(rd);
	return 0;
}

static int
fetch_one(void *arg, size_t i)
{
	struct fetch *f = arg;
	struct imapd *s = f->s;
	struct str *o = &s->scratch;
	struct mmsg *m;
	ssize_t	 k = view_idx(s, i);
	size_t	 j;
	int	 sp = 0, flags_done = 0, body = 0;

	if (k < 0) {
		f->gone = 1;
		return 0;
	}
	m = &s->mb->m[k];
	if (f->changedsince && m->modseq <= f->changedsince)
		return 0;
	/* Fetching a body without PEEK sets \Seen (RFC 3501 6.4.5). */
	if (f->sets_seen && !s->readonly && !(m->flags & MF_SEEN)) {
		for (j = 0; j < f->n; j++)
			if (f->it[j].kind == FI_SECTION && !f->it[j].peek)
				break;
		if (j < f->n) {
			if (mbox_store(s->mb, (size_t)k, (m->flags & MF_SYSMASK)
			    | MF_SEEN, m->kw) == 0) {
				if ((k = view_idx(s, i)) < 0) {
					f->gone = 1;
					return 0;
				}
				m = &s->mb->m[k];
				if (!f->want_flags)
					flags_done = -1;
			}
		}
	}
	/* The summary first: it carries the size too, so a message is read
	 * once for RFC822.SIZE and ENVELOPE together. */
	if (f->need_summary) {
		const char *sb;
		size_t	 sn;

		if (summary(s, (size_t)k, &sb, &sn) == -1 && errno == ENOMEM)
			return -1;
		if ((k = view_idx(s, i)) < 0) {
			f->gone = 1;
			return 0;
		}
		m = &s->mb->m[k];
	}
	str_clear(o);
	if (str_printf(o, "* %zu FETCH (", i + 1) == -1)
		return -1;
#define SP()	do { if (sp && str_catc(o, ' ') == -1) return -1; sp = 1; } \
		while (0)
	if (f->want_uid || f->uid || f->changedsince) {
		SP();
		if (str_printf(o, "UID %lu", (unsigned long)m->uid) == -1)
			return -1;
	}
	for (j = 0; j < f->n; j++) {
		struct fitem *it = &f->it[j];
		const char *v;
		size_t	 vn;
		uint64_t sz;
		int	 r;

		SP();
		switch (it->kind) {
		case FI_FLAGS:
			if (str_cats(o, "FLAGS ") == -1 ||
			    put_flags(s, o, m->flags, m->kw) == -1)
				return -1;
			flags_done = 1;
			break;
		case FI_UID:
			break;
		case FI_INTERNALDATE: {
			char	 d[DATE_MAX];

			time_t	 t = (time_t)mbox_msg_idate(s->mb, k);

			date_imap(d, sizeof(d), t, date_local_offset(t));
			if (str_printf(o, "INTERNALDATE \"%s\"", d) == -1)
				return -1;
			break;
		}
		case FI_SIZE:
			if (msg_vsize(s, (size_t)k, f->want_env, &sz) == -1) {
				f->fail = errno;
				sz = 0;
			}
			if (str_printf(o, "RFC822.SIZE %llu",
			    (unsigned long long)sz) == -1)
				return -1;
			break;
		case FI_ENVELOPE:
		case FI_BODYSTRUCT:
		case FI_BODY:
			if (it->kind == FI_ENVELOPE)
				r = envelope(s, (size_t)k, &v, &vn);
			else
				r = sum_field(s, (size_t)k, it->kind == FI_BODY ?
				    MIME_SUM_BODY : MIME_SUM_BODYSTRUCTURE, &v,
				    &vn);
			if (r != 1) {
				f->fail = r == -1 ? errno : EINVAL;
				v = "NIL";
				vn = 3;
			}
			if (str_cats(o, it->kind == FI_ENVELOPE ? "ENVELOPE " :
			    it->kind == FI_BODY ? "BODY " : "BODYSTRUCTURE ")
			    == -1 || str_catb(o, v, vn) == -1)
				return -1;
			break;
		case FI_MODSEQ:
			break;
		case FI_SECTION:
		case FI_BINSIZE:
			r = put_section(f, it, (size_t)k, o);
			if (r == -2) {
				/* RFC 3516: the whole command fails */
				f->fail = ENOTSUP;
				str_clear(o);
				return 0;
			}
			if (r == -1) {
				if (errno == ENOMEM)
					return -1;
				if (wbuf_put(s->out, o->s, o->len) == -1)
					return -1;
				str_clear(o);
				f->fail = errno;
				if (str_printf(o, "%s NIL", it->label) == -1)
					return -1;
			}
			if (it->kind == FI_SECTION && (it->sec.what ==
			    MIME_SECT_ALL || it->sec.what == MIME_SECT_TEXT))
				body = 1;
			break;
		}
	}
	if (flags_done == -1) {
		SP();
		if (str_cats(o, "FLAGS ") == -1 ||
		    put_flags(s, o, m->flags, m->kw) == -1)
			return -1;
		flags_done = 1;
	}
	if (f->want_modseq || s->condstore) {
		SP();
		if (str_printf(o, "MODSEQ (%llu)",
		    (unsigned long long)m->modseq) == -1)
			return -1;
	}
#undef SP
	if (flags_done) {
		s->v[i].flags = m->flags;
		s->v[i].kw = m->kw;
		s->v[i].modseq = m->modseq;
	}
	if (body)
		s->nfetch++;
	if (str_cats(o, ")\r\n") == -1)
		return -1;
	return wbuf_put(s->out, o->s, o->len);
}

int
cmd_fetch(struct imapd *s, struct imap_p *p, int uid)
{
	int	 r = fetch(s, p, uid);

	/* the last header read goes back: an idle session keeps little */
	str_free(&s->headbuf);
	return r;
}

static int
fetch(struct imapd *s, struct imap_p *p, int uid)
{
	struct imap_seq q = IMAP_SEQ_INIT;
	struct fetch *f;
	int	 r = CR_OK;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return CR_FATAL;
	f->s = s;
	f->uid = uid;
	if (imap_p_sp(p) == -1 || imap_p_seq(p, &q) == -1 ||
	    imap_p_sp(p) == -1 || parse_items(f, p) == -1)
		goto bad;
	if (imap_p_sp(p) == 0) {
		/* (CHANGEDSINCE modseq [VANISHED]) */
		if (imap_p_char(p, '(') == -1)
			goto bad;
		while (imap_p_char(p, ')') == -1) {
			if (imap_p_word(p, "CHANGEDSINCE") == 0) {
				if (imap_p_sp(p) == -1 || imap_p_number64(p,
				    &f->changedsince) == -1)
					goto bad;
				s->condstore = 1;
			} else if (imap_p_word(p, "VANISHED") == 0) {
				if (!uid || !s->qresync)
					goto bad;
				f->vanished = 1;
			} else
				goto bad;
			(void)imap_p_sp(p);
		}
		if (f->vanished && !f->changedsince)
			goto bad;
	}
	if (!imap_p_end(p))
		goto bad;
	if (seq_prepare(s, &q, uid) == -1) {
		r = CR_FATAL;
		goto out;
	}
	if (f->vanished) {
		/* RFC 7162 3.2.6: expunged since, within the UID set */
		uint32_t *gone = NULL;
		size_t	 ng = 0, i;

		for (i = 0; i < s->mb->nx; i++) {
			uint32_t *nn;

			if (s->mb->xmod[i] <= f->changedsince ||
			    !imap_seq_has(&q, s->mb->xuid[i]))
				continue;
			if ((nn = reallocarray(gone, ng + 1, sizeof(*nn)))
			    == NULL) {
				free(gone);
				r = CR_FATAL;
				goto out;
			}
			gone = nn;
			gone[ng++] = s->mb->xuid[i];
		}
		if (ng > 0) {
			struct str o = STR_INIT(STR_UNBOUNDED);
			size_t	 a, b;

			for (a = 0; a < ng; a++)
				for (b = a + 1; b < ng; b++)
					if (gone[b] < gone[a]) {
						uint32_t t = gone[a];

						gone[a] = gone[b];
						gone[b] = t;
					}
			if (str_cats(&o, "* VANISHED (EARLIER) ") == -1 ||
			    imap_seq_format(&o, gone, ng) == -1 ||
			    str_cats(&o, "\r\n") == -1 ||
			    wbuf_put(s->out, o.s, o.len) == -1)
				r = CR_FATAL;
			str_free(&o);
		}
		free(gone);
		if (r != CR_OK)
			goto out;
	}
	/* \Seen set by the fetch: one index write for all the messages */
	if (f->sets_seen && !s->readonly && mbox_begin(s->mb) == -1) {
		r = CR_FATAL;
		goto out;
	}
	r = view_each(s, &q, uid, fetch_one, f) == -1 ? CR_FATAL : CR_OK;
	if (f->sets_seen && !s->readonly)
		mbox_end(s->mb);
	if (r != CR_OK)
		goto out;
	if (f->fail == ENOTSUP)
		r = tagged(s, "NO", "[UNKNOWN-CTE] Unknown content transfer "
		    "encoding") == -1 ? CR_FATAL : CR_OK;
	else if (f->gone)
		r = tagged(s, "NO", "[EXPUNGEISSUED] Some of the requested "
		    "messages no longer exist") == -1 ? CR_FATAL : CR_OK;
	else if (f->fail)
		r = tagged(s, "NO", "[SERVERBUG] some messages could not be "
		    "read") == -1 ? CR_FATAL : CR_OK;
	else
		r = tagged(s, "OK", "%sFETCH completed", uid ? "UID " : "") ==
		    -1 ? CR_FATAL : CR_OK;
	goto out;
bad:
	r = CR_BAD;
out:
	fetch_free(f);
	free(f);
	imap_seq_free(&q);
	return r;
}
