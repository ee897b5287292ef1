/*
 * imapd_search - SEARCH (RFC 3501 6.4.4, RFC 9051 6.4.4, every search
 * key, CHARSET through iconv), ESEARCH (RFC 4731), SEARCHRES (RFC
 * 5182), WITHIN (RFC 5032), MODSEQ (RFC 7162), SORT and SORT=DISPLAY
 * (RFC 5256, RFC 5957) and THREAD=ORDEREDSUBJECT / REFERENCES (RFC
 * 5256).  A search program is bounded (IMAPD_SEARCH_NODES keys,
 * IMAP_NEST_MAX levels); text is matched after MIME decoding, folded.
 */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "date.h"
#include "imapd_int.h"

#define SUMMARY_FIELD	'M'

enum sk {
	SK_AND, SK_OR, SK_NOT, SK_ALL, SK_FLAG, SK_NOFLAG, SK_KEYWORD,
	SK_UNKEYWORD, SK_NEW, SK_OLD, SK_RECENT, SK_SEQ, SK_UID, SK_LARGER,
	SK_SMALLER, SK_BEFORE, SK_ON, SK_SINCE, SK_SENTBEFORE, SK_SENTON,
	SK_SENTSINCE, SK_HEADER, SK_BODY, SK_TEXT, SK_MODSEQ, SK_OLDER,
	SK_YOUNGER,
};

struct snode {
	enum sk	 k;
	int	 child;		/* first child (AND, OR, NOT) */
	int	 next;		/* next sibling */
	uint64_t n;		/* flag bits, size, date, modseq, seconds */
	char	*hdr;		/* HEADER field name */
	char	*str;		/* folded needle */
	size_t	 slen;
	struct imap_seq seq;
};

struct sprog {
	struct snode *v;
	size_t	 n, cap;
	int	 root;
	iconv_t	 cd;		/* CHARSET to UTF-8, or (iconv_t)-1 */
	int	 has_modseq;
	struct imapd *s;
};

static int	parse_key(struct sprog *, struct imap_p *, int);
static int	parse_keys(struct sprog *, struct imap_p *, int, int);

static void
sprog_free(struct sprog *g)
{
	size_t	 i;

	for (i = 0; i < g->n; i++) {
		free(g->v[i].hdr);
		free(g->v[i].str);
		imap_seq_free(&g->v[i].seq);
	}
	free(g->v);
	if (g->cd != (iconv_t)-1)
		iconv_close(g->cd);
	memset(g, 0, sizeof(*g));
	g->cd = (iconv_t)-1;
}

static int
node_new(struct sprog *g, enum sk k)
{
	struct snode *n;

	if (g->n >= IMAPD_SEARCH_NODES) {
		errno = E2BIG;
		return -1;
	}
	if (g->n == g->cap) {
		size_t	 nc = g->cap ? g->cap * 2 : 16;
		struct snode *nv = reallocarray(g->v, nc, sizeof(*nv));

		if (nv == NULL)
			return -1;
		g->v = nv;
		g->cap = nc;
	}
	n = &g->v[g->n];
	memset(n, 0, sizeof(*n));
	n->k = k;
	n->child = n->next = -1;
	return (int)g->n++;
}

/* needle - a search string, converted to UTF-8 and folded. */
static int
needle(struct sprog *g, struct imap_p *p, int i)
{
	struct str raw = STR_INIT(64 * 1024), u = STR_INIT(256 * 1024);
	struct str f = STR_INIT(STR_UNBOUNDED);
	const char *src;
	size_t	 sn;
	int	 r = -1;

	if (imap_p_sp(p) == -1 || imap_p_astring(p, &raw) == -1)
		goto out;
	src = str_c(&raw);
	sn = raw.len;
	if (g->cd != (iconv_t)-1) {
		char	*in = raw.s != NULL ? raw.s : (char *)(uintptr_t)"";
		size_t	 inl = raw.len;

		if (str_ready(&u, raw.len * 4 + 4) == -1)
			goto out;
		{
			char	*outp = u.s;
			size_t	 outl = u.cap;

			iconv(g->cd, NULL, NULL, NULL, NULL);
			if (iconv(g->cd, &in, &inl, &outp, &outl) ==
			    (size_t)-1)
				goto out;
			u.len = (size_t)(outp - u.s);
			u.s[u.len] = '\0';
		}
		src = u.s;
		sn = u.len;
	}
	if (mime_fold(src, sn, &f) == -1)
		goto out;
	g->v[i].str = f.s != NULL ? f.s : strdup("");
	g->v[i].slen = f.len;
	f.s = NULL;
	r = g->v[i].str == NULL ? -1 : 0;
out:
	str_free(&raw);
	str_free(&u);
	str_free(&f);
	return r;
}

int
parse_day(struct imap_p *p, time_t *day)
{
	struct str d = STR_INIT(64);
	int	 y, m, dd, r;

	if (imap_p_astring(p, &d) == -1) {
		str_free(&d);
		return -1;
	}
	r = date_imap_parse_day(d.s, d.len, &y, &m, &dd);
	str_free(&d);
	if (r == -1)
		return -1;
	return date_mktime(y, m, dd, 0, 0, 0, day);
}

static const struct {
	const char *w;
	enum sk	 k;
	unsigned f;
} simple[] = {
	{ "ALL", SK_ALL, 0 },
	{ "ANSWERED", SK_FLAG, MF_ANSWERED },
	{ "DELETED", SK_FLAG, MF_DELETED },
	{ "DRAFT", SK_FLAG, MF_DRAFT },
	{ "FLAGGED", SK_FLAG, MF_FLAGGED },
	{ "SEEN", SK_FLAG, MF_SEEN },
	{ "UNANSWERED", SK_NOFLAG, MF_ANSWERED },
	{ "UNDELETED", SK_NOFLAG, MF_DELETED },
	{ "UNDRAFT", SK_NOFLAG, MF_DRAFT },
	{ "UNFLAGGED", SK_NOFLAG, MF_FLAGGED },
	{ "UNSEEN", SK_NOFLAG, MF_SEEN },
	{ "NEW", SK_NEW, 0 },
	{ "OLD", SK_OLD, 0 },
	{ "RECENT", SK_RECENT, 0 },
};

static const struct {
	const char *w;
	enum sk	 k;
	const char *hdr;
} textkeys[] = {
	{ "BCC", SK_HEADER, "Bcc" },
	{ "CC", SK_HEADER, "Cc" },
	{ "FROM", SK_HEADER, "From" },
	{ "SUBJECT", SK_HEADER, "Subject" },
	{ "TO", SK_HEADER, "To" },
	{ "BODY", SK_BODY, NULL },
	{ "TEXT", SK_TEXT, NULL },
};

static const struct {
	const char *w;
	enum sk	 k;
} daykeys[] = {
	{ "BEFORE", SK_BEFORE }, { "ON", SK_ON }, { "SINCE", SK_SINCE },
	{ "SENTBEFORE", SK_SENTBEFORE }, { "SENTON", SK_SENTON },
	{ "SENTSINCE", SK_SENTSINCE },
};

/* parse_key - one search key; its node index, or -1. */
static int
parse_key(struct sprog *g, struct imap_p *p, int depth)
{
	struct str w = STR_INIT(MSTORE_KW_LEN + 2);
	size_t	 i;
	int	 n = -1, a, b;
	time_t	 day;
	uint32_t num;

	if (depth > IMAP_NEST_MAX)
		return -1;
	if (imap_p_char(p, '(') == 0) {
		n = parse_keys(g, p, depth + 1, 1);
		if (n == -1 || imap_p_char(p, ')') == -1)
			return -1;
		return n;
	}
	for (i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
		if (imap_p_word(p, simple[i].w) == 0) {
			if ((n = node_new(g, simple[i].k)) == -1)
				return -1;
			g->v[n].n = simple[i].f;
			return n;
		}
	for (i = 0; i < sizeof(textkeys) / sizeof(textkeys[0]); i++)
		if (imap_p_word(p, textkeys[i].w) == 0) {
			if ((n = node_new(g, textkeys[i].k)) == -1)
				return -1;
			if (textkeys[i].hdr != NULL &&
			    (g->v[n].hdr = strdup(textkeys[i].hdr)) == NULL)
				return -1;
			return needle(g, p, n) == -1 ? -1 : n;
		}
	for (i = 0; i < sizeof(daykeys) / sizeof(daykeys[0]); i++)
		if (imap_p_word(p, daykeys[i].w) == 0) {
			if ((n = node_new(g, daykeys[i].k)) == -1 ||
			    imap_p_sp(p) == -1 || parse_day(p, &day) == -1)
				return -1;
			g->v[n].n = (uint64_t)day;
			return n;
		}
	if (imap_p_word(p, "HEADER") == 0) {
		if ((n = node_new(g, SK_HEADER)) == -1 || imap_p_sp(p) == -1 ||
		    imap_p_astring(p, &w) == -1)
			goto fail;
		if ((g->v[n].hdr = strdup(w.s)) == NULL)
			goto fail;
		str_free(&w);
		return needle(g, p, n) == -1 ? -1 : n;
	}
	{
		static const struct { const char *w; enum sk k; } kws[] = {
			{ "KEYWORD", SK_KEYWORD }, { "UNKEYWORD", SK_UNKEYWORD },
		};
		static const struct { const char *w; enum sk k; int nz; }
		    nums[] = {
			{ "LARGER", SK_LARGER, 0 }, { "SMALLER", SK_SMALLER, 0 },
			{ "OLDER", SK_OLDER, 1 }, { "YOUNGER", SK_YOUNGER, 1 },
		};

		for (i = 0; i < 2; i++)
			if (imap_p_word(p, kws[i].w) == 0) {
				if ((n = node_new(g, kws[i].k)) == -1 ||
				    imap_p_sp(p) == -1 ||
				    imap_p_flag(p, &w) == -1)
					goto fail;
				if ((g->v[n].str = strdup(w.s)) == NULL)
					goto fail;
				str_free(&w);
				return n;
			}
		for (i = 0; i < 4; i++)
			if (imap_p_word(p, nums[i].w) == 0) {
				if ((n = node_new(g, nums[i].k)) == -1 ||
				    imap_p_sp(p) == -1 || (nums[i].nz ?
				    imap_p_nznumber(p, &num) :
				    imap_p_number(p, &num)) == -1)
					return -1;
				g->v[n].n = num;
				return n;
			}
	}
	if (imap_p_word(p, "MODSEQ") == 0) {
		if ((n = node_new(g, SK_MODSEQ)) == -1 || imap_p_sp(p) == -1)
			return -1;
		/* optional entry-name entry-type-req (RFC 7162 3.1.5) */
		if (imap_p_peek(p) == '"') {
			if (imap_p_quoted(p, &w) == -1 || imap_p_sp(p) == -1 ||
			    imap_p_atom(p, &w) == -1 || imap_p_sp(p) == -1)
				goto fail;
			str_free(&w);
		}
		if (imap_p_number64(p, &g->v[n].n) == -1)
			return -1;
		g->has_modseq = 1;
		return n;
	}
	if (imap_p_word(p, "NOT") == 0) {
		if ((n = node_new(g, SK_NOT)) == -1 || imap_p_sp(p) == -1 ||
		    (a = parse_key(g, p, depth + 1)) == -1)
			return -1;
		g->v[n].child = a;
		return n;
	}
	if (imap_p_word(p, "OR") == 0) {
		if ((n = node_new(g, SK_OR)) == -1 || imap_p_sp(p) == -1 ||
		    (a = parse_key(g, p, depth + 1)) == -1 ||
		    imap_p_sp(p) == -1 || (b = parse_key(g, p, depth + 1)) == -1)
			return -1;
		g->v[n].child = a;
		g->v[a].next = b;
		return n;
	}
	if (imap_p_word(p, "UID") == 0) {
		if ((n = node_new(g, SK_UID)) == -1 || imap_p_sp(p) == -1 ||
		    imap_p_seq(p, &g->v[n].seq) == -1)
			return -1;
		if (seq_prepare(g->s, &g->v[n].seq, 1) == -1)
			return -1;
		return n;
	}
	{
		int	 c = imap_p_peek(p);

		if ((c >= '1' && c <= '9') || c == '*' || c == '$') {
			if ((n = node_new(g, SK_SEQ)) == -1 ||
			    imap_p_seq(p, &g->v[n].seq) == -1)
				return -1;
			if (g->v[n].seq.dollar) {
				g->v[n].k = SK_UID;
				if (seq_prepare(g->s, &g->v[n].seq, 1) == -1)
					return -1;
			} else if (seq_prepare(g->s, &g->v[n].seq, 0) == -1)
				return -1;
			return n;
		}
	}
	return -1;
fail:
	str_free(&w);
	return -1;
}

/* parse_keys - keys separated by spaces, ANDed: the AND node. */
static int
parse_keys(struct sprog *g, struct imap_p *p, int depth, int in_paren)
{
	int	 n, k, last = -1;

	if (depth > IMAP_NEST_MAX || (n = node_new(g, SK_AND)) == -1)
		return -1;
	for (;;) {
		if ((k = parse_key(g, p, depth)) == -1)
			return -1;
		if (last == -1)
			g->v[n].child = k;
		else
			g->v[last].next = k;
		last = k;
		if (imap_p_end(p) || (in_paren && imap_p_peek(p) == ')'))
			break;
		if (imap_p_sp(p) == -1)
			return -1;
	}
	return n;
}

/* sent_date - the message's Date: (summary "D"), else INTERNALDATE,
 * as the day (UTC midnight of the date in its own zone). */
static time_t
sent_day(struct imapd *s, size_t k)
{
	const char *b, *v;
	size_t	 n, vn;
	time_t	 t = (time_t)mbox_msg_idate(s->mb, k);
	long	 tz = 0;

	if (s->mb->m[k].sdstate == MSD_VALID) {
		/* the index has it (a session read the header before) */
		t = (time_t)s->mb->m[k].sdate;
		tz = s->mb->m[k].stz;
	} else if (s->mb->m[k].sdstate == MSD_NONE)
		;
	else if (mbox_cache_get(s->mb, s->mb->m[k].uid, SUMMARY_FIELD, &b, &n)
	    != 1 || mime_summary_get(b, n, MIME_SUM_DATE, &v, &vn) != 1) {
		struct mime_msg *m = msg_get(s, k);
		time_t	 st;
		int	 stz;

		if (m != NULL && mime_sentdate(m, &st, &stz) == 1) {
			t = st;
			tz = stz;
		}
	} else {
		char	 tmp[64], *e;

		if (vn >= sizeof(tmp))
			vn = sizeof(tmp) - 1;
		memcpy(tmp, v, vn);
		tmp[vn] = '\0';
		t = (time_t)strtoll(tmp, &e, 10);
		tz = strtol(e, NULL, 10);
	}
	t += tz * 60;
	return t - (t % 86400 + 86400) % 86400;
}

static time_t
internal_day(struct imapd *s, size_t k)
{
	time_t	 t = (time_t)mbox_msg_idate(s->mb, k);

	t += date_local_offset(t) * 60;
	return t - (t % 86400 + 86400) % 86400;
}

/* eval - 1 the message at view position i (mbox index k) matches. */
static int
eval(struct sprog *g, int ni, size_t i, size_t k)
{
	struct snode *n = &g->v[ni];
	struct imapd *s = g->s;
	struct mmsg *m = &s->mb->m[k];
	struct mime_msg *msg;
	int	 c, r;
	uint64_t sz;

	switch (n->k) {
	case SK_AND:
		for (c = n->child; c != -1; c = g->v[c].next)
			if ((r = eval(g, c, i, k)) != 1)
				return r;
		return 1;
	case SK_OR:
		if ((r = eval(g, n->child, i, k)) != 0)
			return r;
		return eval(g, g->v[n->child].next, i, k);
	case SK_NOT:
		r = eval(g, n->child, i, k);
		return r == -1 ? -1 : !r;
	case SK_ALL:
		return 1;
	case SK_FLAG:
		return (m->flags & n->n) != 0;
	case SK_NOFLAG:
		return (m->flags & n->n) == 0;
	case SK_KEYWORD:
	case SK_UNKEYWORD:
		c = mbox_keyword(s->mb, n->str, strlen(n->str), 0);
		r = c >= 0 && (m->kw & (1ULL << c));
		return n->k == SK_KEYWORD ? r : !r;
	case SK_NEW:
		return (m->flags & MF_RECENT) && !(m->flags & MF_SEEN);
	case SK_OLD:
		return !(m->flags & MF_RECENT);
	case SK_RECENT:
		return (m->flags & MF_RECENT) != 0;
	case SK_SEQ:
		return imap_seq_has(&n->seq, (uint32_t)i + 1);
	case SK_UID:
		return imap_seq_has(&n->seq, m->uid);
	case SK_LARGER:
	case SK_SMALLER:
		if (mbox_msg_size(s->mb, k, &sz) == -1)
			return -1;
		return n->k == SK_LARGER ? sz > n->n : sz < n->n;
	case SK_BEFORE:
		return internal_day(s, k) < (time_t)n->n;
	case SK_ON:
		return internal_day(s, k) == (time_t)n->n;
	case SK_SINCE:
		return internal_day(s, k) >= (time_t)n->n;
	case SK_SENTBEFORE:
		return sent_day(s, k) < (time_t)n->n;
	case SK_SENTON:
		return sent_day(s, k) == (time_t)n->n;
	case SK_SENTSINCE:
		return sent_day(s, k) >= (time_t)n->n;
	case SK_OLDER:
		return time(NULL) - mbox_msg_idate(s->mb, k) >= (int64_t)n->n;
	case SK_YOUNGER:
		return time(NULL) - mbox_msg_idate(s->mb, k) <= (int64_t)n->n;
	case SK_MODSEQ:
		return m->modseq >= n->n;
	case SK_HEADER:
		if ((msg = msg_get(s, k)) == NULL)
			return -1;
		return mime_search_header(msg, n->hdr, n->str, n->slen);
	case SK_BODY:
	case SK_TEXT:
		if ((msg = msg_get(s, k)) == NULL)
			return -1;
		return mime_search_body(msg, n->k == SK_TEXT, n->str, n->slen);
	}
	return 0;
}

/* cost - 1 when evaluating the node needs the message's text: such
 * keys go last in an AND, so flags and UIDs rule messages out first. */
static int
cost(struct sprog *g, int ni)
{
	struct snode *n = &g->v[ni];
	int	 c;

	switch (n->k) {
	case SK_HEADER: case SK_BODY: case SK_TEXT: case SK_SENTBEFORE:
	case SK_SENTON: case SK_SENTSINCE:
		return 2;
	case SK_LARGER: case SK_SMALLER:
		return 1;
	case SK_AND: case SK_OR: case SK_NOT:
		for (c = n->child; c != -1; c = g->v[c].next)
			if (cost(g, c) > 0)
				return cost(g, c);
		return 0;
	default:
		return 0;
	}
}

/* reorder - cheap keys first in every AND. */
static void
reorder(struct sprog *g, int ni)
{
	struct snode *n = &g->v[ni];
	int	 c, lists[3][IMAPD_SEARCH_NODES > 64 ? 64 : 64], cnt[3] = {0};
	int	 last = -1, j, t;

	for (c = n->child; c != -1; c = g->v[c].next)
		reorder(g, c);
	if (n->k != SK_AND)
		return;
	for (c = n->child; c != -1; c = g->v[c].next) {
		t = cost(g, c);
		if (cnt[t] >= 64)
			return;	/* a long list: keep the client's order */
		lists[t][cnt[t]++] = c;
	}
	n->child = -1;
	for (t = 0; t < 3; t++)
		for (j = 0; j < cnt[t]; j++) {
			if (last == -1)
				n->child = lists[t][j];
			else
				g->v[last].next = lists[t][j];
			last = lists[t][j];
			g->v[last].next = -1;
		}
}

/* charset - "CHARSET x": UTF-8 and US-ASCII as they are, anything
 * iconv knows converted; else NO [BADCHARSET]. 1 ok, 0 bad charset. */
static int
charset(struct sprog *g, struct imap_p *p)
{
	struct str cs = STR_INIT(64);

	if (imap_p_word(p, "CHARSET") == -1)
		return 1;
	if (imap_p_sp(p) == -1 || imap_p_astring(p, &cs) == -1 ||
	    imap_p_sp(p) == -1) {
		str_free(&cs);
		return -1;
	}
	if (strcasecmp(cs.s, "UTF-8") != 0 && strcasecmp(cs.s, "US-ASCII")
	    != 0) {
		g->cd = iconv_open("UTF-8", cs.s);
		if (g->cd == (iconv_t)-1) {
			str_free(&cs);
			return 0;
		}
	}
	str_free(&cs);
	return 1;
}

/* run - evaluate the program on every message: matching view
 * positions into *res.  1 done, 0 some messages could not be read. */
static int
run(struct sprog *g, size_t **res, size_t *nres)
{
	struct imapd *s = g->s;
	size_t	 i, cap = 0;
	int	 ok = 1;

	*res = NULL;
	*nres = 0;
	reorder(g, g->root);
	for (i = 0; i < s->vn; i++) {
		ssize_t	 k = view_idx(s, i);
		int	 r;

		if (k < 0)
			continue;
		r = eval(g, g->root, i, (size_t)k);
		if (r == -1) {
			if (errno == ENOMEM)
				return -1;
			ok = 0;
			continue;
		}
		if (!r)
			continue;
		if (*nres == cap) {
			size_t	 nc = cap ? cap * 2 : 256;
			size_t	*nv = reallocarray(*res, nc, sizeof(*nv));

			if (nv == NULL)
				return -1;
			*res = nv;
			cap = nc;
		}
		(*res)[(*nres)++] = i;
	}
	return ok;
}

#define RET_MIN		0x01
#define RET_MAX		0x02
#define RET_ALL		0x04
#define RET_COUNT	0x08
#define RET_SAVE	0x10

int
cmd_search(struct imapd *s, struct imap_p *p, int uid)
{
	struct sprog g;
	struct str o = STR_INIT(STR_UNBOUNDED);
	size_t	*res = NULL, nres = 0, j;
	unsigned ret = 0;
	int	 esearch = 0, r = CR_OK, cr;
	uint64_t hms = 0;

	memset(&g, 0, sizeof(g));
	g.cd = (iconv_t)-1;
	g.s = s;
	if (imap_p_sp(p) == -1)
		goto bad;
	if (imap_p_word(p, "RETURN") == 0) {
		esearch = 1;
		if (imap_p_sp(p) == -1 || imap_p_char(p, '(') == -1)
			goto bad;
		while (imap_p_char(p, ')') == -1) {
			if (imap_p_word(p, "MIN") == 0)
				ret |= RET_MIN;
			else if (imap_p_word(p, "MAX") == 0)
				ret |= RET_MAX;
			else if (imap_p_word(p, "ALL") == 0)
				ret |= RET_ALL;
			else if (imap_p_word(p, "COUNT") == 0)
				ret |= RET_COUNT;
			else if (imap_p_word(p, "SAVE") == 0)
				ret |= RET_SAVE;
			else
				goto bad;
			(void)imap_p_sp(p);
		}
		if (ret == 0)
			ret = RET_ALL;
		if (imap_p_sp(p) == -1)
			goto bad;
	}
	if (s->rev2 && !esearch) {
		esearch = 1;
		ret = RET_ALL;
	}
	if ((cr = charset(&g, p)) == -1)
		goto bad;
	if (cr == 0) {
		r = tagged(s, "NO", "[BADCHARSET (UTF-8 US-ASCII)] unknown "
		    "charset") == -1 ? CR_FATAL : CR_OK;
		goto out;
	}
	if ((g.root = parse_keys(&g, p, 0, 0)) == -1 || !imap_p_end(p))
		goto bad;
	if ((cr = run(&g, &res, &nres)) == -1) {
		r = CR_FATAL;
		goto out;
	}
	if (g.has_modseq)
		for (j = 0; j < nres; j++) {
			ssize_t	 k = view_idx(s, res[j]);

			if (k >= 0 && s->mb->m[k].modseq > hms)
				hms = s->mb->m[k].modseq;
		}
	if (ret & RET_SAVE) {
		/* RFC 5182 2.4: with MIN or MAX only, just that one */
		size_t	 from = 0, to = nres;

		if ((ret & (RET_MIN | RET_MAX)) && !(ret & (RET_ALL |
		    RET_COUNT)) && nres > 0) {
			if (!(ret & RET_MAX))
				to = 1;
			else if (!(ret & RET_MIN))
				from = nres - 1;
		}
		free(s->sres);
		s->sres = NULL;
		s->nsres = 0;
		if (to > from && (s->sres = calloc(to - from,
		    sizeof(*s->sres))) == NULL) {
			r = CR_FATAL;
			goto out;
		}
		for (j = from; j < to; j++)
			if (!((ret & (RET_MIN | RET_MAX)) && !(ret & (RET_ALL |
			    RET_COUNT)) && (ret & RET_MIN) && (ret & RET_MAX) &&
			    j != 0 && j != nres - 1))
				s->sres[s->nsres++] = s->v[res[j]].uid;
	}
	if (esearch) {
		if ((ret & ~RET_SAVE) != 0) {
			if (str_printf(&o, "* ESEARCH (TAG \"%s\")%s", s->tag,
			    uid ? " UID" : "") == -1)
				goto fatal;
#define VAL(j)	(uid ? (unsigned long)s->v[res[j]].uid : \
		(unsigned long)res[j] + 1)
			if ((ret & RET_MIN) && nres > 0 &&
			    str_printf(&o, " MIN %lu", VAL(0)) == -1)
				goto fatal;
			if ((ret & RET_MAX) && nres > 0 &&
			    str_printf(&o, " MAX %lu", VAL(nres - 1)) == -1)
				goto fatal;
			if ((ret & RET_ALL) && nres > 0) {
				uint32_t *v = calloc(nres, sizeof(*v));

				if (v == NULL)
					goto fatal;
				for (j = 0; j < nres; j++)
					v[j] = (uint32_t)VAL(j);
				if (str_cats(&o, " ALL ") == -1 ||
				    imap_seq_format(&o, v, nres) == -1) {
					free(v);
					goto fatal;
				}
				free(v);
			}
#undef VAL
			if ((ret & RET_COUNT) && str_printf(&o, " COUNT %zu",
			    nres) == -1)
				goto fatal;
			if (g.has_modseq && nres > 0 && str_printf(&o,
			    " MODSEQ %llu", (unsigned long long)hms) == -1)
				goto fatal;
			if (str_cats(&o, "\r\n") == -1)
				goto fatal;
		}
	} else {
		if (str_cats(&o, "* SEARCH") == -1)
			goto fatal;
		for (j = 0; j < nres; j++)
			if (str_printf(&o, " %lu", uid ?
			    (unsigned long)s->v[res[j]].uid :
			    (unsigned long)res[j] + 1) == -1)
				goto fatal;
		if (g.has_modseq && nres > 0 && str_printf(&o,
		    " (MODSEQ %llu)", (unsigned long long)hms) == -1)
			goto fatal;
		if (str_cats(&o, "\r\n") == -1)
			goto fatal;
	}
	if (wbuf_put(s->out, o.s, o.len) == -1)
		goto fatal;
	if (cr == 0)
		r = tagged(s, "NO", "[SERVERBUG] some messages could not be "
		    "searched") == -1 ? CR_FATAL : CR_OK;
	else
		r = tagged(s, "OK", "%sSEARCH completed", uid ? "UID " : "") ==
		    -1 ? CR_FATAL : CR_OK;
	goto out;
bad:
	r = errno == E2BIG && g.n >= IMAPD_SEARCH_NODES ?
	    (tagged(s, "BAD", "[LIMIT] search program too large") == -1 ?
	    CR_FATAL : CR_OK) : CR_BAD;
	goto out;
fatal:
	r = CR_FATAL;
out:
	free(res);
	sprog_free(&g);
	str_free(&o);
	return r;
}

/* ---- SORT ---- */

enum sortkey {
	SO_ARRIVAL, SO_CC, SO_DATE, SO_FROM, SO_SIZE, SO_SUBJECT, SO_TO,
	SO_DISPLAYFROM, SO_DISPLAYTO,
};

struct skey {
	enum sortkey k;
	int	 reverse;
};

struct srow {
	size_t	 pos;		/* view position */
	int64_t	 date, arrival;
	uint64_t size;
	char	*str[5];	/* subject, from, to, cc / display forms */
	char	*msgid, *inreply, *refs;
	int	 reply;
};

/* sortkeys_of - what SORT and THREAD need of a message, from the
 * summary (cached) or the message. */
static int
sortkeys_of(struct imapd *s, size_t k, struct srow *row, int display)
{
	struct mime_msg *m;
	struct mime_sortkeys sk;
	const char *b, *v;
	size_t	 n, vn;
	int	 tags[5] = { MIME_SUM_SUBJECT, MIME_SUM_FROM, MIME_SUM_TO,
	    MIME_SUM_CC, 0 };
	int	 i;

	row->arrival = mbox_msg_idate(s->mb, k);
	row->date = row->arrival;
	if (display) {
		tags[1] = MIME_SUM_DISPLAYFROM;
		tags[2] = MIME_SUM_DISPLAYTO;
	}
	if (mbox_cache_get(s->mb, s->mb->m[k].uid, SUMMARY_FIELD, &b, &n) == 1
	    && mime_summary_get(b, n, MIME_SUM_VERSION, &v, &vn) == 1) {
		for (i = 0; i < 4; i++) {
			if (mime_summary_get(b, n, tags[i], &v, &vn) != 1) {
				v = "";
				vn = 0;
			}
			if ((row->str[i] = strndup(v, vn)) == NULL)
				return -1;
		}
		if (mime_summary_get(b, n, MIME_SUM_DATE, &v, &vn) == 1)
			row->date = strtoll(v, NULL, 10);
		if (mime_summary_get(b, n, MIME_SUM_SUBJECT_REPLY, &v, &vn) ==
		    1)
			row->reply = vn > 0 && v[0] == '1';
#define DUP(f, tag)							\
		if (mime_summary_get(b, n, tag, &v, &vn) != 1) {	\
			v = "";						\
			vn = 0;						\
		}							\
		if ((row->f = strndup(v, vn)) == NULL)			\
			return -1;
		DUP(msgid, MIME_SUM_MESSAGE_ID);
		DUP(inreply, MIME_SUM_IN_REPLY_TO);
		DUP(refs, MIME_SUM_REFERENCES);
#undef DUP
		return 0;
	}
	if ((m = msg_get(s, k)) == NULL || mime_sortkeys(m, &sk) == -1) {
		for (i = 0; i < 4; i++)
			if ((row->str[i] = strdup("")) == NULL)
				return -1;
		row->msgid = strdup("");
		row->inreply = strdup("");
		row->refs = strdup("");
		return row->msgid && row->inreply && row->refs ? 0 : -1;
	}
	if (sk.have_date)
		row->date = sk.date;
	row->reply = sk.subject_reply;
	row->str[0] = strdup(sk.subject);
	row->str[1] = strdup(display ? sk.display_from : sk.from);
	row->str[2] = strdup(display ? sk.display_to : sk.to);
	row->str[3] = strdup(sk.cc);
	row->msgid = strdup(sk.message_id);
	row->inreply = strdup(sk.in_reply_to);
	row->refs = strdup(sk.references);
	for (i = 0; i < 4; i++)
		if (row->str[i] == NULL)
			return -1;
	return row->msgid && row->inreply && row->refs ? 0 : -1;
}

static struct skey *sort_keys;
static size_t sort_nkeys;

static int
row_cmp(const void *a, const void *b)
{
	const struct srow *x = a, *y = b;
	size_t	 i;
	int	 c = 0;

	for (i = 0; i < sort_nkeys && c == 0; i++) {
		switch (sort_keys[i].k) {
		case SO_ARRIVAL:
			c = x->arrival < y->arrival ? -1 : x->arrival >
			    y->arrival;
			break;
		case SO_DATE:
			c = x->date < y->date ? -1 : x->date > y->date;
			break;
		case SO_SIZE:
			c = x->size < y->size ? -1 : x->size > y->size;
			break;
		case SO_SUBJECT:
			c = strcmp(x->str[0], y->str[0]);
			break;
		case SO_FROM:
		case SO_DISPLAYFROM:
			c = strcasecmp(x->str[1], y->str[1]);
			break;
		case SO_TO:
		case SO_DISPLAYTO:
			c = strcasecmp(x->str[2], y->str[2]);
			break;
		case SO_CC:
			c = strcasecmp(x->str[3], y->str[3]);
			break;
		}
		if (sort_keys[i].reverse)
			c = -c;
	}
	if (c == 0)
		c = x->pos < y->pos ? -1 : x->pos > y->pos;
	return c;
}

static void
rows_free(struct srow *rows, size_t n)
{
	size_t	 i;
	int	 j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < 4; j++)
			free(rows[i].str[j]);
		free(rows[i].msgid);
		free(rows[i].inreply);
		free(rows[i].refs);
	}
	free(rows);
}

/* date_known - row's Date: from the index (a session that read the
 * message's header before left it there): 1, or 0 when not known. */
static int
date_known(struct imapd *s, size_t k, struct srow *row)
{
	const struct mmsg *m = &s->mb->m[k];

	if (m->sdstate == MSD_UNKNOWN)
		return 0;
	row->arrival = mbox_msg_idate(s->mb, k);
	row->date = m->sdstate == MSD_VALID ? m->sdate : row->arrival;
	return 1;
}

/* rows_make - the sort keys of the matching messages; with numbers_only
 * (no string key asked for) only the dates and sizes, from the index
 * where it has them. */
static int
rows_make(struct imapd *s, const size_t *res, size_t n, int display,
    int need_size, int numbers_only, struct srow **rows_r)
{
	struct srow *rows = calloc(n + 1, sizeof(*rows));
	size_t	 i;

	if (rows == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		ssize_t	 k = view_idx(s, res[i]);

		rows[i].pos = res[i];
		if (k >= 0 && numbers_only && date_known(s, (size_t)k,
		    &rows[i]))
			;
		else if (k < 0 || sortkeys_of(s, (size_t)k, &rows[i],
		    display) == -1) {
			rows_free(rows, i + 1);
			return -1;
		}
		if (need_size && mbox_msg_size(s->mb, (size_t)k,
		    &rows[i].size) == -1)
			rows[i].size = 0;
	}
	*rows_r = rows;
	return 0;
}

int
cmd_sort(struct imapd *s, struct imap_p *p, int uid)
{
	struct sprog g;
	struct skey keys[16];
	struct srow *rows = NULL;
	struct str o = STR_INIT(STR_UNBOUNDED);
	size_t	*res = NULL, nres = 0, nk = 0, j;
	int	 r = CR_OK, cr, reverse = 0, display = 0, need_size = 0;
	int	 numbers_only = 1;

	memset(&g, 0, sizeof(g));
	g.cd = (iconv_t)-1;
	g.s = s;
	if (imap_p_sp(p) == -1 || imap_p_char(p, '(') == -1)
		goto bad;
	while (imap_p_char(p, ')') == -1) {
		static const struct { const char *w; enum sortkey k; } kw[] = {
			{ "ARRIVAL", SO_ARRIVAL }, { "CC", SO_CC },
			{ "DATE", SO_DATE }, { "FROM", SO_FROM },
			{ "SIZE", SO_SIZE }, { "SUBJECT", SO_SUBJECT },
			{ "TO", SO_TO }, { "DISPLAYFROM", SO_DISPLAYFROM },
			{ "DISPLAYTO", SO_DISPLAYTO },
		};
		size_t	 i;

		if (nk > 0 && !reverse && imap_p_sp(p) == -1)
			goto bad;
		if (imap_p_word(p, "REVERSE") == 0) {
			if (imap_p_sp(p) == -1)
				goto bad;
			reverse = 1;
			continue;
		}
		for (i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
			if (imap_p_word(p, kw[i].w) == 0)
				break;
		if (i == sizeof(kw) / sizeof(kw[0]) || nk >= 16)
			goto bad;
		keys[nk].k = kw[i].k;
		keys[nk].reverse = reverse;
		if (kw[i].k == SO_DISPLAYFROM || kw[i].k == SO_DISPLAYTO)
			display = 1;
		if (kw[i].k == SO_SIZE)
			need_size = 1;
		if (kw[i].k != SO_SIZE && kw[i].k != SO_DATE &&
		    kw[i].k != SO_ARRIVAL)
			numbers_only = 0;
		reverse = 0;
		nk++;
	}
	if (nk == 0 || reverse || imap_p_sp(p) == -1)
		goto bad;
	/* the charset is required here (RFC 5256 3) */
	{
		struct str cs = STR_INIT(64);

		if (imap_p_astring(p, &cs) == -1 || imap_p_sp(p) == -1) {
			str_free(&cs);
			goto bad;
		}
		if (strcasecmp(cs.s, "UTF-8") != 0 &&
		    strcasecmp(cs.s, "US-ASCII") != 0 &&
		    (g.cd = iconv_open("UTF-8", cs.s)) == (iconv_t)-1) {
			str_free(&cs);
			r = tagged(s, "NO", "[BADCHARSET (UTF-8 US-ASCII)] "
			    "unknown charset") == -1 ? CR_FATAL : CR_OK;
			goto out;
		}
		str_free(&cs);
	}
	if ((g.root = parse_keys(&g, p, 0, 0)) == -1 || !imap_p_end(p))
		goto bad;
	if ((cr = run(&g, &res, &nres)) == -1 ||
	    rows_make(s, res, nres, display, need_size, numbers_only, &rows)
	    == -1) {
		r = CR_FATAL;
		goto out;
	}
	sort_keys = keys;
	sort_nkeys = nk;
	qsort(rows, nres, sizeof(*rows), row_cmp);
	if (str_cats(&o, "* SORT") == -1)
		goto fatal;
	for (j = 0; j < nres; j++)
		if (str_printf(&o, " %lu", uid ?
		    (unsigned long)s->v[rows[j].pos].uid :
		    (unsigned long)rows[j].pos + 1) == -1)
			goto fatal;
	if (str_cats(&o, "\r\n") == -1 || wbuf_put(s->out, o.s, o.len) == -1 ||
	    tagged(s, "OK", "%sSORT completed", uid ? "UID " : "") == -1)
		goto fatal;
	goto out;
bad:
	r = CR_BAD;
	goto out;
fatal:
	r = CR_FATAL;
out:
	if (rows != NULL)
		rows_free(rows, nres);
	free(res);
	sprog_free(&g);
	str_free(&o);
	return r;
}

/* ---- THREAD ---- */

struct tnode {
	int	 row;		/* -1: a dummy (a message not here) */
	int	 parent, child, next;
	char	*id;
	int	 owned;		/* id was allocated for the node */
	int64_t	 date;		/* of the node, or of its first child */
};

struct thr {
	struct tnode *v;
	size_t	 n, cap;
	struct srow *rows;
	int	 uid;
	struct imapd *s;
};

static int
tnew(struct thr *t, int row, const char *id)
{
	struct tnode *n;

	if (t->n >= 4 * (size_t)IMAPD_LINE_MAX) {
		errno = E2BIG;
		return -1;
	}
	if (t->n == t->cap) {
		size_t	 nc = t->cap ? t->cap * 2 : 256;
		struct tnode *nv = reallocarray(t->v, nc, sizeof(*nv));

		if (nv == NULL)
			return -1;
		t->v = nv;
		t->cap = nc;
	}
	n = &t->v[t->n];
	n->row = row;
	n->parent = n->child = n->next = -1;
	n->id = (char *)(uintptr_t)id;
	n->owned = 0;
	n->date = 0;
	return (int)t->n++;
}

/* tfind - the container of message-id id (linear hash on the ids). */
struct idmap {
	const char **k;
	int	*v;
	size_t	 cap;
};

static int
idmap_get(struct idmap *m, const char *id)
{
	size_t	 h = 5381, i;
	const char *p;

	if (m->cap == 0 || *id == '\0')
		return -1;
	for (p = id; *p; p++)
		h = h * 33 + (unsigned char)*p;
	for (i = h & (m->cap - 1); m->k[i] != NULL; i = (i + 1) & (m->cap - 1))
		if (strcmp(m->k[i], id) == 0)
			return m->v[i];
	return -1;
}

static int
idmap_put(struct idmap *m, const char *id, int v)
{
	size_t	 h = 5381, i;
	const char *p;

	for (p = id; *p; p++)
		h = h * 33 + (unsigned char)*p;
	for (i = h & (m->cap - 1); m->k[i] != NULL; i = (i + 1) & (m->cap - 1))
		if (strcmp(m->k[i], id) == 0)
			break;
	m->k[i] = id;
	m->v[i] = v;
	return 0;
}

static int
is_ancestor(struct thr *t, int a, int b)
{
	int	 guard = 0;

	for (; b != -1 && guard < 100000; b = t->v[b].parent, guard++)
		if (b == a)
			return 1;
	return 0;
}

static void
tunlink(struct thr *t, int c)
{
	int	 p = t->v[c].parent, *pp;

	if (p == -1)
		return;
	for (pp = &t->v[p].child; *pp != -1; pp = &t->v[*pp].next)
		if (*pp == c) {
			*pp = t->v[c].next;
			break;
		}
	t->v[c].parent = -1;
	t->v[c].next = -1;
}

static void
tlink(struct thr *t, int parent, int c)
{
	int	*pp;

	tunlink(t, c);
	t->v[c].parent = parent;
	for (pp = &t->v[parent].child; *pp != -1; pp = &t->v[*pp].next)
		;
	*pp = c;
}

static struct thr *thr_cmp_t;

static int64_t
tdate(struct thr *t, int i)
{
	if (t->v[i].row >= 0)
		return t->rows[t->v[i].row].date;
	if (t->v[i].child != -1)
		return tdate(t, t->v[i].child);
	return 0;
}

static int
tnode_cmp(const void *a, const void *b)
{
	int	 x = *(const int *)a, y = *(const int *)b;
	int64_t	 dx = tdate(thr_cmp_t, x), dy = tdate(thr_cmp_t, y);
	size_t	 px, py;

	if (dx != dy)
		return dx < dy ? -1 : 1;
	px = thr_cmp_t->v[x].row >= 0 ?
	    thr_cmp_t->rows[thr_cmp_t->v[x].row].pos : (size_t)-1;
	py = thr_cmp_t->v[y].row >= 0 ?
	    thr_cmp_t->rows[thr_cmp_t->v[y].row].pos : (size_t)-1;
	if (px == (size_t)-1 && thr_cmp_t->v[x].child != -1 &&
	    thr_cmp_t->v[thr_cmp_t->v[x].child].row >= 0)
		px = thr_cmp_t->rows[thr_cmp_t->v[thr_cmp_t->v[x].child].row].pos;
	if (py == (size_t)-1 && thr_cmp_t->v[y].child != -1 &&
	    thr_cmp_t->v[thr_cmp_t->v[y].child].row >= 0)
		py = thr_cmp_t->rows[thr_cmp_t->v[thr_cmp_t->v[y].child].row].pos;
	return px < py ? -1 : px > py;
}

/* tsort - siblings in date order, recursively. */
static int
tsort(struct thr *t, int *first, int depth)
{
	int	*a = NULL, c, n = 0, i;

	if (depth > 10000)
		return 0;
	for (c = *first; c != -1; c = t->v[c].next)
		n++;
	if (n == 0)
		return 0;
	if ((a = calloc((size_t)n, sizeof(*a))) == NULL)
		return -1;
	for (i = 0, c = *first; c != -1; c = t->v[c].next)
		a[i++] = c;
	for (i = 0; i < n; i++)
		if (tsort(t, &t->v[a[i]].child, depth + 1) == -1) {
			free(a);
			return -1;
		}
	thr_cmp_t = t;
	qsort(a, (size_t)n, sizeof(*a), tnode_cmp);
	*first = a[0];
	for (i = 0; i + 1 < n; i++)
		t->v[a[i]].next = a[i + 1];
	t->v[a[n - 1]].next = -1;
	free(a);
	return 0;
}

/* tput - one thread member and its descendants, RFC 5256 syntax. */
static int
tput(struct thr *t, struct str *o, int i, int depth)
{
	int	 c, nchild = 0;

	if (depth > 1000)
		return 0;
	if (t->v[i].row >= 0) {
		size_t	 pos = t->rows[t->v[i].row].pos;

		if (str_printf(o, "%lu", t->uid ? (unsigned long)
		    t->s->v[pos].uid : (unsigned long)pos + 1) == -1)
			return -1;
	}
	for (c = t->v[i].child; c != -1; c = t->v[c].next)
		nchild++;
	if (nchild == 1 && t->v[i].row >= 0) {
		if (str_catc(o, ' ') == -1)
			return -1;
		return tput(t, o, t->v[i].child, depth + 1);
	}
	for (c = t->v[i].child; c != -1; c = t->v[c].next) {
		if (t->v[i].row >= 0 && c == t->v[i].child &&
		    str_catc(o, ' ') == -1)
			return -1;
		if (str_catc(o, '(') == -1 || tput(t, o, c, depth + 1) == -1 ||
		    str_catc(o, ')') == -1)
			return -1;
	}
	return 0;
}

/* thread_orderedsubject - RFC 5256 ORDEREDSUBJECT. */
static int
thread_subject(struct thr *t, size_t n, int *roots_r)
{
	struct srow *rows = t->rows;
	int	 root = -1, last = -1, cur = -1;
	size_t	 i, *ord = calloc(n + 1, sizeof(*ord));

	if (ord == NULL)
		return -1;
	for (i = 0; i < n; i++)
		ord[i] = i;
	/* by base subject, then date */
	for (i = 1; i < n; i++) {
		size_t	 j = i, x = ord[i];

		while (j > 0) {
			struct srow *a = &rows[ord[j - 1]], *b = &rows[x];
			int	 c = strcmp(a->str[0], b->str[0]);

			if (c < 0 || (c == 0 && (a->date < b->date ||
			    (a->date == b->date && a->pos <= b->pos))))
				break;
			ord[j] = ord[j - 1];
			j--;
		}
		ord[j] = x;
	}
	for (i = 0; i < n; i++) {
		int	 k = tnew(t, (int)ord[i], NULL);

		if (k == -1) {
			free(ord);
			return -1;
		}
		if (cur != -1 && strcmp(rows[t->v[cur].row].str[0],
		    rows[ord[i]].str[0]) == 0) {
			tlink(t, cur, k);
			continue;
		}
		cur = k;
		if (last == -1)
			root = k;
		else
			t->v[last].next = k;
		last = k;
	}
	free(ord);
	*roots_r = root;
	return 0;
}

/* thread_refs - RFC 5256 REFERENCES (the JWZ algorithm). */
static int
thread_refs(struct thr *t, size_t n, int *roots_r)
{
	struct idmap map;
	size_t	 i;
	int	 root = -1, last = -1, c, nxt;

	map.cap = 64;
	while (map.cap < n * 4 + 8)
		map.cap *= 2;
	map.k = calloc(map.cap, sizeof(*map.k));
	map.v = calloc(map.cap, sizeof(*map.v));
	if (map.k == NULL || map.v == NULL)
		goto fail;
	/* 1: a container per message-id, the references chained */
	for (i = 0; i < n; i++) {
		struct srow *r = &t->rows[i];
		int	 me = -1, prev = -1;
		char	*refs, *tok, *sp;

		if (r->msgid[0] != '\0' && (me = idmap_get(&map, r->msgid))
		    >= 0 && t->v[me].row == -1)
			t->v[me].row = (int)i;
		else {
			if ((me = tnew(t, (int)i, r->msgid)) == -1)
				goto fail;
			if (r->msgid[0] != '\0' && idmap_get(&map, r->msgid)
			    < 0)
				idmap_put(&map, r->msgid, me);
		}
		if ((refs = strdup(r->refs)) == NULL)
			goto fail;
		for (tok = strtok_r(refs, " ", &sp); tok != NULL;
		    tok = strtok_r(NULL, " ", &sp)) {
			int	 x = idmap_get(&map, tok);

			if (x < 0) {
				if ((x = tnew(t, -1, "")) == -1) {
					free(refs);
					goto fail;
				}
				{
					size_t	 l = strlen(tok);
					char	*k = malloc(l + 1);

					if (k == NULL) {
						free(refs);
						goto fail;
					}
					memcpy(k, tok, l + 1);
					t->v[x].id = k;
					t->v[x].owned = 1;
					idmap_put(&map, k, x);
				}
			}
			if (prev != -1 && t->v[x].parent == -1 && x != prev &&
			    !is_ancestor(t, x, prev))
				tlink(t, prev, x);
			prev = x;
		}
		free(refs);
		if (prev != -1 && prev != me && !is_ancestor(t, me, prev)) {
			tunlink(t, me);
			tlink(t, prev, me);
		} else if (prev == -1)
			tunlink(t, me);
	}
	/* 2: the root set */
	for (i = 0; i < t->n; i++) {
		if (t->v[i].parent != -1)
			continue;
		if (last == -1)
			root = (int)i;
		else
			t->v[last].next = (int)i;
		last = (int)i;
		t->v[i].next = -1;
	}
	/* 3: empty containers go; their children move up */
	{
		int	*pp = &root;

		while (*pp != -1) {
			int	 x = *pp;

			if (t->v[x].row == -1 && t->v[x].child == -1) {
				*pp = t->v[x].next;
				continue;
			}
			if (t->v[x].row == -1 && t->v[x].child != -1 &&
			    t->v[t->v[x].child].next == -1) {
				/* one child: it takes the place */
				int	 ch = t->v[x].child;

				t->v[ch].parent = -1;
				t->v[ch].next = t->v[x].next;
				*pp = ch;
				t->v[x].child = -1;
				continue;
			}
			pp = &t->v[x].next;
		}
	}
	/* 4: roots with the same base subject are one thread */
	for (c = root; c != -1; c = t->v[c].next) {
		int	 d, *pp;
		const char *sc;

		sc = t->v[c].row >= 0 ? t->rows[t->v[c].row].str[0] :
		    t->v[c].child != -1 && t->v[t->v[c].child].row >= 0 ?
		    t->rows[t->v[t->v[c].child].row].str[0] : "";
		if (*sc == '\0')
			continue;
		for (pp = &t->v[c].next; (d = *pp) != -1;) {
			const char *sd = t->v[d].row >= 0 ?
			    t->rows[t->v[d].row].str[0] : t->v[d].child != -1 &&
			    t->v[t->v[d].child].row >= 0 ?
			    t->rows[t->v[t->v[d].child].row].str[0] : "";

			if (strcmp(sc, sd) != 0) {
				pp = &t->v[d].next;
				continue;
			}
			*pp = t->v[d].next;
			t->v[d].next = -1;
			if (t->v[c].row == -1 && t->v[d].row == -1) {
				while ((nxt = t->v[d].child) != -1) {
					tunlink(t, nxt);
					tlink(t, c, nxt);
				}
			} else if (t->v[c].row == -1)
				tlink(t, c, d);
			else if (t->v[d].row >= 0 &&
			    t->rows[t->v[d].row].reply &&
			    !t->rows[t->v[c].row].reply)
				tlink(t, c, d);
			else {
				int	 dm = tnew(t, -1, "");

				if (dm == -1)
					goto fail;
				t->v[dm].next = t->v[c].next;
				/* c's place in the list goes to the dummy */
				{
					int	 cc = c, *q;

					for (q = &root; *q != cc;
					    q = &t->v[*q].next)
						;
					*q = dm;
					t->v[cc].next = -1;
					tlink(t, dm, cc);
					tlink(t, dm, d);
					c = dm;
				}
				pp = &t->v[c].next;
			}
		}
	}
	free(map.k);
	free(map.v);
	*roots_r = root;
	return 0;
fail:
	free(map.k);
	free(map.v);
	return -1;
}

int
cmd_thread(struct imapd *s, struct imap_p *p, int uid)
{
	struct sprog g;
	struct thr t;
	struct str o = STR_INIT(STR_UNBOUNDED);
	size_t	*res = NULL, nres = 0, i;
	int	 r = CR_OK, refs, roots = -1, c;

	memset(&g, 0, sizeof(g));
	memset(&t, 0, sizeof(t));
	g.cd = (iconv_t)-1;
	g.s = s;
	t.s = s;
	t.uid = uid;
	if (imap_p_sp(p) == -1)
		goto bad;
	if (imap_p_word(p, "REFERENCES") == 0)
		refs = 1;
	else if (imap_p_word(p, "ORDEREDSUBJECT") == 0)
		refs = 0;
	else {
		r = tagged(s, "BAD", "unknown threading algorithm") == -1 ?
		    CR_FATAL : CR_OK;
		goto out;
	}
	if (imap_p_sp(p) == -1)
		goto bad;
	{
		struct str cs = STR_INIT(64);

		if (imap_p_astring(p, &cs) == -1 || imap_p_sp(p) == -1) {
			str_free(&cs);
			goto bad;
		}
		if (strcasecmp(cs.s, "UTF-8") != 0 &&
		    strcasecmp(cs.s, "US-ASCII") != 0 &&
		    (g.cd = iconv_open("UTF-8", cs.s)) == (iconv_t)-1) {
			str_free(&cs);
			r = tagged(s, "NO", "[BADCHARSET (UTF-8 US-ASCII)] "
			    "unknown charset") == -1 ? CR_FATAL : CR_OK;
			goto out;
		}
		str_free(&cs);
	}
	if ((g.root = parse_keys(&g, p, 0, 0)) == -1 || !imap_p_end(p))
		goto bad;
	if (run(&g, &res, &nres) == -1 ||
	    rows_make(s, res, nres, 0, 0, 0, &t.rows) == -1) {
		r = CR_FATAL;
		goto out;
	}
	if ((refs ? thread_refs(&t, nres, &roots) :
	    thread_subject(&t, nres, &roots)) == -1 ||
	    tsort(&t, &roots, 0) == -1) {
		r = CR_FATAL;
		goto out;
	}
	if (str_cats(&o, "* THREAD ") == -1)
		goto fatal;
	for (c = roots; c != -1; c = t.v[c].next) {
		if (str_catc(&o, '(') == -1 || tput(&t, &o, c, 0) == -1 ||
		    str_catc(&o, ')') == -1)
			goto fatal;
	}
	if (o.s[o.len - 1] == ' ')
		str_truncate(&o, o.len - 1);
	if (str_cats(&o, "\r\n") == -1 || wbuf_put(s->out, o.s, o.len) == -1 ||
	    tagged(s, "OK", "%sTHREAD completed", uid ? "UID " : "") == -1)
		goto fatal;
	goto out;
bad:
	r = CR_BAD;
	goto out;
fatal:
	r = CR_FATAL;
out:
	for (i = 0; i < t.n; i++)
		if (t.v[i].owned)
			free(t.v[i].id);
	free(t.v);
	if (t.rows != NULL)
		rows_free(t.rows, nres);
	free(res);
	sprog_free(&g);
	str_free(&o);
	return r;
}
