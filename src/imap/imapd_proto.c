/*
 * imapd_proto - the IMAP session after login (see imapd_proto.h):
 * command dispatch, the client's view of the selected folder and the
 * untagged updates that keep it in step with other sessions, and the
 * folder commands (SELECT, LIST, STATUS, CREATE, APPEND, STORE, COPY,
 * MOVE, EXPUNGE, ...).  FETCH is in imapd_fetch.c, SEARCH, SORT and
 * THREAD in imapd_search.c.
 */
#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "date.h"
#include "imapd_int.h"

#define CAPS_COMMON \
	"IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE IDLE UIDPLUS MOVE " \
	"UNSELECT CHILDREN NAMESPACE LIST-EXTENDED LIST-STATUS SPECIAL-USE " \
	"CREATE-SPECIAL-USE ESEARCH SEARCHRES WITHIN SORT SORT=DISPLAY " \
	"THREAD=REFERENCES THREAD=ORDEREDSUBJECT CONDSTORE QRESYNC BINARY " \
	"QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE STATUS=SIZE UTF8=ACCEPT " \
	"METADATA METADATA-SERVER"

static int	cmd_select(struct imapd *, struct imap_p *, int);
static int	cmd_list(struct imapd *, struct imap_p *, int);
static int	cmd_status(struct imapd *, struct imap_p *);
static int	cmd_create(struct imapd *, struct imap_p *);
static int	cmd_delete(struct imapd *, struct imap_p *);
static int	cmd_rename(struct imapd *, struct imap_p *);
static int	cmd_subscribe(struct imapd *, struct imap_p *, int);
static int	cmd_append(struct imapd *, struct imap_p *);
static int	cmd_store(struct imapd *, struct imap_p *, int);
static int	cmd_copy(struct imapd *, struct imap_p *, int, int);
static int	cmd_expunge(struct imapd *, struct imap_p *, int);
static int	cmd_close(struct imapd *, int);
static int	cmd_enable(struct imapd *, struct imap_p *);
static int	cmd_id(struct imapd *, struct imap_p *);
static int	cmd_quota(struct imapd *, struct imap_p *, int);
static int	cmd_getmetadata(struct imapd *, struct imap_p *);
static int	cmd_setmetadata(struct imapd *, struct imap_p *);
static int	status_items(struct imapd *, const char *, unsigned,
		    struct str *);
static int	name_in(struct imapd *, const struct str *, struct str *);
static int	name_out(struct imapd *, struct str *, const char *);
static void	view_clear(struct imapd *);
static int	view_add(struct imapd *, const struct mmsg *);
static int	store_err(struct imapd *, const char *);

int
imapd_init(struct imapd *s, struct mstore *st, struct wbuf *out)
{
	memset(s, 0, sizeof(*s));
	s->st = st;
	s->out = out;
	s->appendlimit = IMAPD_APPEND_MAX;
	s->scratch = (struct str)STR_INIT(STR_UNBOUNDED);
	s->headbuf = (struct str)STR_INIT(STR_UNBOUNDED);
	return 0;
}

void
imapd_free(struct imapd *s)
{
	msg_drop(s);
	if (s->mb != NULL)
		mbox_close(s->mb);
	s->mb = NULL;
	free(s->v);
	s->v = NULL;
	free(s->sres);
	s->sres = NULL;
	str_free(&s->scratch);
	str_free(&s->headbuf);
}

const char *
imapd_capability(const struct imapd *s)
{
	static char caps[1024];

	snprintf(caps, sizeof(caps), "%s APPENDLIMIT=%zu%s", CAPS_COMMON,
	    s->appendlimit, s->compress ? "" : " COMPRESS=DEFLATE");
	return caps;
}

int
tagged(struct imapd *s, const char *status, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;

	if (wbuf_printf(s->out, "%s %s ", s->tag, status) == -1)
		return -1;
	va_start(ap, fmt);
	str_clear(&s->scratch);
	r = str_vprintf(&s->scratch, fmt, ap);
	va_end(ap);
	if (r == -1)
		return -1;
	if (wbuf_put(s->out, s->scratch.s, s->scratch.len) == -1)
		return -1;
	return wbuf_put(s->out, "\r\n", 2);
}

int
untagged(struct imapd *s, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	str_clear(&s->scratch);
	r = str_vprintf(&s->scratch, fmt, ap);
	va_end(ap);
	if (r == -1)
		return -1;
	if (wbuf_put(s->out, "* ", 2) == -1 ||
	    wbuf_put(s->out, s->scratch.s, s->scratch.len) == -1)
		return -1;
	return wbuf_put(s->out, "\r\n", 2);
}

int
put_flags(struct imapd *s, struct str *o, unsigned flags, uint64_t kw)
{
	static const struct { unsigned f; const char *n; } sys[] = {
		{ MF_ANSWERED, "\\Answered" }, { MF_FLAGGED, "\\Flagged" },
		{ MF_DELETED, "\\Deleted" }, { MF_SEEN, "\\Seen" },
		{ MF_DRAFT, "\\Draft" }, { MF_RECENT, "\\Recent" },
	};
	size_t	 i;
	int	 first = 1;

	if (str_catc(o, '(') == -1)
		return -1;
	for (i = 0; i < sizeof(sys) / sizeof(sys[0]); i++) {
		if (!(flags & sys[i].f))
			continue;
		if (sys[i].f == MF_RECENT && s->rev2)
			continue;
		if ((!first && str_catc(o, ' ') == -1) ||
		    str_cats(o, sys[i].n) == -1)
			return -1;
		first = 0;
	}
	for (i = 0; s->mb != NULL && i < s->mb->nkw; i++) {
		if (!(kw & (1ULL << i)))
			continue;
		if ((!first && str_catc(o, ' ') == -1) ||
		    str_cats(o, s->mb->kw[i]) == -1)
			return -1;
		first = 0;
	}
	return str_catc(o, ')');
}

/* ---- the view of the selected folder ---- */

static void
view_clear(struct imapd *s)
{
	s->vn = 0;
}

static int
view_add(struct imapd *s, const struct mmsg *m)
{
	if (s->vn == s->vcap) {
		size_t	 nc = s->vcap ? s->vcap * 2 : 16;
		struct imapd_view *nv = reallocarray(s->v, nc, sizeof(*nv));

		if (nv == NULL)
			return -1;
		s->v = nv;
		s->vcap = nc;
	}
	s->v[s->vn].uid = m->uid;
	s->v[s->vn].flags = m->flags;
	s->v[s->vn].kw = m->kw;
	s->v[s->vn].modseq = m->modseq;
	s->vn++;
	return 0;
}

ssize_t
view_idx(struct imapd *s, size_t i)
{
	if (s->mb == NULL || i >= s->vn)
		return -1;
	return mbox_find(s->mb, s->v[i].uid);
}

/* view_pos - the view position of uid (binary search), or -1. */
static ssize_t
view_pos(const struct imapd *s, uint32_t uid)
{
	size_t	 lo = 0, hi = s->vn;

	while (lo < hi) {
		size_t	 mid = (lo + hi) / 2;

		if (s->v[mid].uid == uid)
			return (ssize_t)mid;
		if (s->v[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int
view_update(struct imapd *s, int allow_expunge)
{
	struct mbox *mb = s->mb;
	struct str *o = &s->scratch;
	size_t	 i, old;
	int	 r;

	if (mb == NULL)
		return 0;
	if ((r = mbox_sync(mb, 0)) == -1)
		return -1;
	/* Expunged by others: reported from the end so that every
	 * sequence number is right when the client reads it. */
	if (allow_expunge) {
		uint32_t *gone = NULL;
		size_t	 ngone = 0;

		for (i = s->vn; i-- > 0;) {
			if (mbox_find(mb, s->v[i].uid) >= 0)
				continue;
			if (s->qresync) {
				uint32_t *ng = reallocarray(gone, ngone + 1,
				    sizeof(*ng));

				if (ng == NULL) {
					free(gone);
					return -1;
				}
				gone = ng;
				gone[ngone++] = s->v[i].uid;
			} else if (untagged(s, "%zu EXPUNGE", i + 1) == -1)
				return -1;
			memmove(&s->v[i], &s->v[i + 1],
			    (s->vn - i - 1) * sizeof(s->v[0]));
			s->vn--;
		}
		if (ngone > 0) {
			size_t	 a, b;

			for (a = 0, b = ngone; a < --b; a++) {
				uint32_t t = gone[a];

				gone[a] = gone[b];
				gone[b] = t;
			}
			str_clear(o);
			r = str_cats(o, "* VANISHED ") == -1 ||
			    imap_seq_format(o, gone, ngone) == -1 ||
			    str_cats(o, "\r\n") == -1 ||
			    wbuf_put(s->out, o->s, o->len) == -1 ? -1 : 0;
			free(gone);
			if (r == -1)
				return -1;
		}
	}
	/* Flag changes. */
	for (i = 0; i < s->vn; i++) {
		ssize_t	 k = mbox_find(mb, s->v[i].uid);
		const struct mmsg *m;

		if (k < 0)
			continue;
		m = &mb->m[k];
		if (m->flags == s->v[i].flags && m->kw == s->v[i].kw)
			continue;
		s->v[i].flags = m->flags;
		s->v[i].kw = m->kw;
		s->v[i].modseq = m->modseq;
		str_clear(o);
		if (str_printf(o, "* %zu FETCH (FLAGS ", i + 1) == -1 ||
		    put_flags(s, o, m->flags, m->kw) == -1)
			return -1;
		if ((s->condstore || s->qresync) && str_printf(o,
		    " UID %lu MODSEQ (%llu)", (unsigned long)m->uid,
		    (unsigned long long)m->modseq) == -1)
			return -1;
		if (str_cats(o, ")\r\n") == -1 ||
		    wbuf_put(s->out, o->s, o->len) == -1)
			return -1;
	}
	/* New messages. */
	old = s->vn;
	{
		uint32_t last = s->vn > 0 ? s->v[s->vn - 1].uid : 0;
		size_t	 recent = 0;

		for (i = 0; i < mb->n; i++) {
			if (mb->m[i].uid <= last)
				continue;
			if (view_add(s, &mb->m[i]) == -1)
				return -1;
		}
		if (s->vn != old) {
			for (i = 0; i < mb->n; i++)
				if (mb->m[i].flags & MF_RECENT)
					recent++;
			if (untagged(s, "%zu EXISTS", s->vn) == -1)
				return -1;
			if (!s->rev2 && untagged(s, "%zu RECENT", recent) == -1)
				return -1;
		}
	}
	return 0;
}

int
seq_prepare(struct imapd *s, struct imap_seq *q, int uid)
{
	uint32_t star;

	if (q->dollar) {
		size_t	 i;

		/* RFC 5182: "$" is the saved result, by UID. */
		q->n = 0;
		for (i = 0; i < s->nsres; i++) {
			if (q->n == q->cap) {
				size_t	 nc = q->cap ? q->cap * 2 : 16;
				uint32_t (*nr)[2] = reallocarray(q->r, nc,
				    sizeof(*nr));

				if (nr == NULL)
					return -1;
				q->r = nr;
				q->cap = nc;
			}
			if (uid) {
				q->r[q->n][0] = q->r[q->n][1] = s->sres[i];
				q->n++;
			} else {
				ssize_t	 p = view_pos(s, s->sres[i]);

				if (p < 0)
					continue;
				q->r[q->n][0] = q->r[q->n][1] =
				    (uint32_t)p + 1;
				q->n++;
			}
		}
		q->dollar = 0;
		imap_seq_resolve(q, 0);
		return 0;
	}
	if (uid)
		star = s->vn > 0 ? s->v[s->vn - 1].uid : 0;
	else
		star = (uint32_t)s->vn;
	/* RFC 3501 6.4.8: "*" in a UID set of an empty mailbox is the
	 * largest UID in use, i.e. none; 0 matches nothing. */
	imap_seq_resolve(q, star);
	return 0;
}

int
view_in(struct imapd *s, const struct imap_seq *q, int uid, size_t i)
{
	return imap_seq_has(q, uid ? s->v[i].uid : (uint32_t)(i + 1));
}

int
view_each(struct imapd *s, struct imap_seq *q, int uid,
    int (*fn)(void *, size_t), void *arg)
{
	size_t	 i, r;

	for (r = 0; r < q->n; r++) {
		size_t	 from, to;

		if (uid) {
			/* first view position with uid >= lo */
			size_t	 lo = 0, hi = s->vn;

			while (lo < hi) {
				size_t mid = (lo + hi) / 2;

				if (s->v[mid].uid < q->r[r][0])
					lo = mid + 1;
				else
					hi = mid;
			}
			from = lo;
			for (to = from; to < s->vn && s->v[to].uid <= q->r[r][1];
			    to++)
				;
		} else {
			if (q->r[r][0] == 0 || q->r[r][0] > s->vn)
				continue;
			from = q->r[r][0] - 1;
			to = q->r[r][1] > s->vn ? s->vn : q->r[r][1];
		}
		for (i = from; i < to; i++)
			if (fn(arg, i) == -1)
				return -1;
	}
	return 0;
}

/* ---- names ---- */

/*
 * name_in - a mailbox name from the client (modified UTF-7 unless UTF-8
 * is on) to the store's canonical UTF-8 name.  -1 for a name the store
 * refuses (the caller answers NO).
 */
static int
name_in(struct imapd *s, const struct str *raw, struct str *out)
{
	struct str dec = STR_INIT(MSTORE_NAME_MAX * 2);
	const char *n = str_c(raw);
	int	 r;

	if (memchr(raw->s != NULL ? raw->s : "", '\0', raw->len) != NULL) {
		errno = EINVAL;
		return -1;
	}
	if (!s->utf8 && mutf7_decode(&dec, n, raw->len) == 0)
		n = dec.s;
	else if (!s->utf8) {
		str_free(&dec);
		errno = EINVAL;
		return -1;
	}
	r = mstore_name_ok(n, out) ? 0 : -1;
	str_free(&dec);
	if (r == -1)
		errno = EINVAL;
	return r;
}

/* name_out - a store name as the client reads it, quoted. */
static int
name_out(struct imapd *s, struct str *o, const char *name)
{
	struct str enc = STR_INIT(MSTORE_NAME_MAX * 4);
	int	 r;

	if (s->utf8)
		r = imap_str_put(o, name, strlen(name), 1);
	else if (mutf7_encode(&enc, name, strlen(name)) == 0)
		r = imap_str_put(o, enc.s, enc.len, 0);
	else
		r = imap_str_put(o, name, strlen(name), 0);
	str_free(&enc);
	return r;
}

static int
store_err(struct imapd *s, const char *what)
{
	switch (errno) {
	case ENOENT:
		return tagged(s, "NO", "[NONEXISTENT] %s: no such mailbox",
		    what);
	case EEXIST:
		return tagged(s, "NO", "[ALREADYEXISTS] %s: mailbox exists",
		    what);
	case EINVAL:
		return tagged(s, "NO", "[CANNOT] %s: invalid mailbox name "
		    "(names are INBOX or start with INBOX.)", what);
	case EDQUOT:
		return tagged(s, "NO", "[OVERQUOTA] %s: quota exceeded", what);
	case ENOSPC:
		return tagged(s, "NO", "[LIMIT] %s: too many keywords", what);
	case EROFS:
		return tagged(s, "NO", "[READ-ONLY] %s: mailbox is read-only",
		    what);
	default:
		return tagged(s, "NO", "[SERVERBUG] %s failed: %s", what,
		    strerror(errno));
	}
}

/* ---- commands ---- */

static int
cmd_enable(struct imapd *s, struct imap_p *p)
{
	struct str w = STR_INIT(64), en = STR_INIT(256);
	int	 r = CR_OK;

	if (imap_p_end(p)) {
		str_free(&w);
		return CR_BAD;
	}
	while (!imap_p_end(p)) {
		if (imap_p_sp(p) == -1 || imap_p_atom(p, &w) == -1) {
			r = CR_BAD;
			goto out;
		}
		if (strcasecmp(w.s, "CONDSTORE") == 0) {
			if (!s->condstore)
				if (str_cats(&en, " CONDSTORE") == -1) {
					r = CR_FATAL;
					goto out;
				}
			s->condstore = 1;
		} else if (strcasecmp(w.s, "QRESYNC") == 0) {
			if (!s->qresync)
				if (str_cats(&en, " QRESYNC") == -1) {
					r = CR_FATAL;
					goto out;
				}
			s->qresync = s->condstore = 1;
		} else if (strcasecmp(w.s, "UTF8=ACCEPT") == 0) {
			if (!s->utf8)
				if (str_cats(&en, " UTF8=ACCEPT") == -1) {
					r = CR_FATAL;
					goto out;
				}
			s->utf8 = 1;
		} else if (strcasecmp(w.s, "IMAP4rev2") == 0) {
			if (!s->rev2)
				if (str_cats(&en, " IMAP4rev2") == -1) {
					r = CR_FATAL;
					goto out;
				}
			s->rev2 = s->utf8 = 1;
		}
	}
	if (untagged(s, "ENABLED%s", str_c(&en)) == -1 ||
	    tagged(s, "OK", "ENABLE completed") == -1)
		r = CR_FATAL;
out:
	str_free(&w);
	str_free(&en);
	return r;
}

static int
cmd_id(struct imapd *s, struct imap_p *p)
{
	struct str k = STR_INIT(1024), v = STR_INIT(1024);
	int	 n = 0;

	if (imap_p_sp(p) == -1)
		goto bad;
	if (imap_p_word(p, "NIL") == -1) {
		if (imap_p_char(p, '(') == -1)
			goto bad;
		while (imap_p_char(p, ')') == -1) {
			if (n > 0 && imap_p_sp(p) == -1)
				goto bad;
			if (++n > 60 || imap_p_string(p, &k) == -1 ||
			    imap_p_sp(p) == -1 || imap_p_nstring(p, &v) == -1)
				goto bad;
			if (strcasecmp(str_c(&k), "name") == 0) {
				size_t	 i;

				snprintf(s->id_name, sizeof(s->id_name), "%s",
				    str_c(&v));
				for (i = 0; s->id_name[i]; i++)
					if ((unsigned char)s->id_name[i] < 33 ||
					    (unsigned char)s->id_name[i] > 126)
						s->id_name[i] = '_';
			}
		}
	}
	if (!imap_p_end(p))
		goto bad;
	str_free(&k);
	str_free(&v);
	if (untagged(s, "ID (\"name\" \"hsmail\" \"vendor\" \"hsmail\")")
	    == -1 || tagged(s, "OK", "ID completed") == -1)
		return CR_FATAL;
	return CR_OK;
bad:
	str_free(&k);
	str_free(&v);
	return CR_BAD;
}

/*
 * cmd_select - SELECT and EXAMINE, with CONDSTORE and QRESYNC
 * parameters (RFC 7162 3.2.5).
 */
static int
cmd_select(struct imapd *s, struct imap_p *p, int examine)
{
	struct str raw = STR_INIT(MSTORE_NAME_MAX * 4);
	struct str name = STR_INIT(MSTORE_NAME_MAX);
	struct str *o = &s->scratch;
	struct imap_seq known = IMAP_SEQ_INIT;
	uint32_t q_uidv = 0;
	uint64_t q_mod = 0;
	int	 qres = 0, r = CR_OK, had = s->mb != NULL;
	size_t	 i, unseen = 0, recent = 0;

	if (imap_p_sp(p) == -1 || imap_p_astring(p, &raw) == -1)
		goto bad;
	if (imap_p_sp(p) == 0) {
		if (imap_p_char(p, '(') == -1)
			goto bad;
		while (imap_p_char(p, ')') == -1) {
			if (imap_p_word(p, "CONDSTORE") == 0)
				s->condstore = 1;
			else if (imap_p_word(p, "QRESYNC") == 0) {
				if (!s->qresync) {
					r = tagged(s, "BAD", "QRESYNC not "
					    "enabled") == -1 ? CR_FATAL : CR_OK;
					goto out;
				}
				if (imap_p_sp(p) == -1 ||
				    imap_p_char(p, '(') == -1 ||
				    imap_p_nznumber(p, &q_uidv) == -1 ||
				    imap_p_sp(p) == -1 ||
				    imap_p_number64(p, &q_mod) == -1)
					goto bad;
				if (imap_p_sp(p) == 0 &&
				    imap_p_seq(p, &known) == -1)
					goto bad;
				if (imap_p_sp(p) == 0) {
					/* (seq-match-data): accepted, not
					 * needed with a full history */
					struct imap_seq a = IMAP_SEQ_INIT;

					if (imap_p_char(p, '(') == -1 ||
					    imap_p_seq(p, &a) == -1 ||
					    imap_p_sp(p) == -1 ||
					    imap_p_seq(p, &a) == -1 ||
					    imap_p_char(p, ')') == -1) {
						imap_seq_free(&a);
						goto bad;
					}
					imap_seq_free(&a);
				}
				if (imap_p_char(p, ')') == -1)
					goto bad;
				qres = 1;
			} else
				goto bad;
			(void)imap_p_sp(p);
		}
	}
	if (!imap_p_end(p))
		goto bad;
	/* Whatever happens now, the old folder is closed (RFC 3501). */
	msg_drop(s);
	if (s->mb != NULL) {
		mbox_close(s->mb);
		s->mb = NULL;
	}
	view_clear(s);
	free(s->sres);
	s->sres = NULL;
	s->nsres = 0;
	if (had && s->qresync && untagged(s, "OK [CLOSED] Previous mailbox "
	    "closed.") == -1) {
		r = CR_FATAL;
		goto out;
	}
	if (name_in(s, &raw, &name) == -1 ||
	    mbox_open(s->st, name.s, examine ? MBOX_RDONLY : 0, &s->mb) == -1) {
		if (errno == EINVAL)
			errno = ENOENT;
		r = store_err(s, examine ? "EXAMINE" : "SELECT") == -1 ?
		    CR_FATAL : CR_OK;
		goto out;
	}
	s->readonly = examine;
	for (i = 0; i < s->mb->n; i++) {
		if (view_add(s, &s->mb->m[i]) == -1) {
			r = CR_FATAL;
			goto out;
		}
		if (s->mb->m[i].flags & MF_RECENT)
			recent++;
		if (unseen == 0 && !(s->mb->m[i].flags & MF_SEEN))
			unseen = i + 1;
	}
	{
		uint64_t all = s->mb->nkw >= 64 ? ~(uint64_t)0 :
		    ((uint64_t)1 << s->mb->nkw) - 1;

		str_clear(o);
		if (str_cats(o, "* FLAGS ") == -1 ||
		    put_flags(s, o, MF_SYSMASK, all) == -1 ||
		    str_cats(o, "\r\n* OK [PERMANENTFLAGS ") == -1)
			goto fatal;
		if (examine) {
			if (str_cats(o, "()") == -1)
				goto fatal;
		} else {
			if (put_flags(s, o, MF_SYSMASK, all) == -1)
				goto fatal;
			str_truncate(o, o->len - 1);
			if (str_cats(o, " \\*)") == -1)
				goto fatal;
		}
		if (str_cats(o, "] Flags permitted.\r\n") == -1 ||
		    wbuf_put(s->out, o->s, o->len) == -1)
			goto fatal;
	}
	if (untagged(s, "%zu EXISTS", s->vn) == -1)
		goto fatal;
	if (!s->rev2 && untagged(s, "%zu RECENT", recent) == -1)
		goto fatal;
	if (!s->rev2 && unseen > 0 && untagged(s, "OK [UNSEEN %zu] First "
	    "unseen.", unseen) == -1)
		goto fatal;
	if (untagged(s, "OK [UIDVALIDITY %lu] UIDs valid",
	    (unsigned long)s->mb->uidvalidity) == -1 ||
	    untagged(s, "OK [UIDNEXT %lu] Predicted next UID",
	    (unsigned long)s->mb->uidnext) == -1 ||
	    untagged(s, "OK [HIGHESTMODSEQ %llu] Highest",
	    (unsigned long long)s->mb->highestmodseq) == -1)
		goto fatal;
	if (qres && q_uidv == s->mb->uidvalidity) {
		/* RFC 7162 3.2.5.2: what vanished and changed since q_mod. */
		uint32_t *gone = NULL;
		size_t	 ngone = 0;

		imap_seq_resolve(&known, UINT32_MAX);
		for (i = 0; i < s->mb->nx; i++) {
			uint32_t u = s->mb->xuid[i];

			if (s->mb->xmod[i] <= q_mod)
				continue;
			if (known.n > 0 && !imap_seq_has(&known, u))
				continue;
			{
				uint32_t *ng = reallocarray(gone, ngone + 1,
				    sizeof(*ng));

				if (ng == NULL) {
					free(gone);
					goto fatal;
				}
				gone = ng;
				gone[ngone++] = u;
			}
		}
		if (q_mod < s->mb->xfloor) {
			/* history too short: every UID not there any more */
			uint32_t u, hi = known.n > 0 ?
			    known.r[known.n - 1][1] : s->mb->uidnext - 1;

			free(gone);
			gone = NULL;
			ngone = 0;
			if (hi >= s->mb->uidnext)
				hi = s->mb->uidnext - 1;
			for (u = 1; u <= hi && ngone < 1000000; u++) {
				uint32_t *ng;

				if (mbox_find(s->mb, u) >= 0 ||
				    (known.n > 0 && !imap_seq_has(&known, u)))
					continue;
				if ((ng = reallocarray(gone, ngone + 1,
				    sizeof(*ng))) == NULL) {
					free(gone);
					goto fatal;
				}
				gone = ng;
				gone[ngone++] = u;
			}
		}
		if (ngone > 0) {
			int	 cmpok;

			/* sorted, unique */
			for (i = 1, cmpok = 1; i < ngone; i++)
				if (gone[i] <= gone[i - 1])
					cmpok = 0;
			if (!cmpok) {
				size_t a, b;

				for (a = 0; a < ngone; a++)
					for (b = a + 1; b < ngone; b++)
						if (gone[b] < gone[a]) {
							uint32_t t = gone[a];

							gone[a] = gone[b];
							gone[b] = t;
						}
			}
			str_clear(o);
			if (str_cats(o, "* VANISHED (EARLIER) ") == -1 ||
			    imap_seq_format(o, gone, ngone) == -1 ||
			    str_cats(o, "\r\n") == -1 ||
			    wbuf_put(s->out, o->s, o->len) == -1) {
				free(gone);
				goto fatal;
			}
		}
		free(gone);
		for (i = 0; i < s->vn; i++) {
			const struct mmsg *m = &s->mb->m[i];

			if (m->modseq <= q_mod)
				continue;
			str_clear(o);
			if (str_printf(o, "* %zu FETCH (UID %lu FLAGS ", i + 1,
			    (unsigned long)m->uid) == -1 ||
			    put_flags(s, o, m->flags, m->kw) == -1 ||
			    str_printf(o, " MODSEQ (%llu))\r\n",
			    (unsigned long long)m->modseq) == -1 ||
			    wbuf_put(s->out, o->s, o->len) == -1)
				goto fatal;
		}
	}
	if (tagged(s, "OK", "[%s] %s completed", examine ? "READ-ONLY" :
	    "READ-WRITE", examine ? "EXAMINE" : "SELECT") == -1)
		goto fatal;
	goto out;
bad:
	r = CR_BAD;
	goto out;
fatal:
	r = CR_FATAL;
out:
	imap_seq_free(&known);
	str_free(&raw);
	str_free(&name);
	return r;
}

/* match - IMAP LIST wildcards: '*' anything, '%' anything but the
 * delimiter.  INBOX matches case-insensitively. */
static int
match(const char *pat, const char *name, int depth)
{
	if (depth > 64)
		return 0;
	for (; *pat != '\0'; pat++, name++) {
		if (*pat == '*' || *pat == '%') {
			const char *n;

			for (n = name;; n++) {
				if (match(pat + 1, n, depth + 1))
					return 1;
				if (*n == '\0' || (*pat == '%' &&
				    *n == MSTORE_DELIM))
					return 0;
			}
		}
		if (*name == '\0' || *pat != *name)
			return 0;
	}
	return *name == '\0';
}

/* list_match - pattern against a canonical name, INBOX any case. */
static int
list_match(const char *pat, const char *name)
{
	struct str p = STR_INIT(MSTORE_NAME_MAX * 4);
	int	 r;

	if (strncasecmp(pat, "INBOX", 5) == 0 &&
	    (pat[5] == '\0' || pat[5] == MSTORE_DELIM)) {
		if (str_copys(&p, "INBOX") == -1 || str_cats(&p, pat + 5) == -1)
			return 0;
		pat = p.s;
	}
	r = match(pat, name, 0);
	str_free(&p);
	return r;
}

#define LS_SUBSCRIBED	0x01	/* selection: SUBSCRIBED */
#define LS_SPECIAL	0x02	/* selection: SPECIAL-USE */
#define LS_RECURSIVE	0x04
#define LR_SUBSCRIBED	0x10	/* return: SUBSCRIBED */
#define LR_CHILDREN	0x20
#define LR_SPECIAL	0x40
#define LR_STATUS	0x80

#define ST_MESSAGES	0x01
#define ST_RECENT	0x02
#define ST_UIDNEXT	0x04
#define ST_UIDVALIDITY	0x08
#define ST_UNSEEN	0x10
#define ST_HIGHESTMODSEQ 0x20
#define ST_SIZE		0x40
#define ST_DELETED	0x80
#define ST_APPENDLIMIT	0x100

static int
parse_status_items(struct imap_p *p, unsigned *items)
{
	static const struct { const char *w; unsigned f; } it[] = {
		{ "MESSAGES", ST_MESSAGES }, { "RECENT", ST_RECENT },
		{ "UIDNEXT", ST_UIDNEXT }, { "UIDVALIDITY", ST_UIDVALIDITY },
		{ "UNSEEN", ST_UNSEEN }, { "HIGHESTMODSEQ", ST_HIGHESTMODSEQ },
		{ "SIZE", ST_SIZE }, { "DELETED", ST_DELETED },
		{ "APPENDLIMIT", ST_APPENDLIMIT },
	};
	size_t	 i;
	int	 n = 0;

	*items = 0;
	if (imap_p_char(p, '(') == -1)
		return -1;
	while (imap_p_char(p, ')') == -1) {
		if (n++ > 0 && imap_p_sp(p) == -1)
			return -1;
		for (i = 0; i < sizeof(it) / sizeof(it[0]); i++)
			if (imap_p_word(p, it[i].w) == 0)
				break;
		if (i == sizeof(it) / sizeof(it[0]))
			return -1;
		*items |= it[i].f;
	}
	return n > 0 ? 0 : -1;
}

/* status_items - "(MESSAGES 3 UNSEEN 1 ...)" of a folder. */
static int
status_items(struct imapd *s, const char *name, unsigned items,
    struct str *o)
{
	struct mstore_status st;
	int	 first = 1;

	if (s->mb != NULL && strcmp(s->mb->name, name) == 0)
		(void)mbox_sync(s->mb, 0);
	if (mstore_status(s->st, name, &st) == -1)
		return -1;
#define ITEM(f, fmt, v)							\
	if (items & (f)) {						\
		if (str_printf(o, "%s" fmt, first ? "" : " ", v) == -1)	\
			return -1;					\
		first = 0;						\
	}
	if (str_catc(o, '(') == -1)
		return -1;
	ITEM(ST_MESSAGES, "MESSAGES %lu", (unsigned long)st.messages);
	ITEM(ST_RECENT, "RECENT %lu", (unsigned long)st.recent);
	ITEM(ST_UIDNEXT, "UIDNEXT %lu", (unsigned long)st.uidnext);
	ITEM(ST_UIDVALIDITY, "UIDVALIDITY %lu", (unsigned long)st.uidvalidity);
	ITEM(ST_UNSEEN, "UNSEEN %lu", (unsigned long)st.unseen);
	ITEM(ST_HIGHESTMODSEQ, "HIGHESTMODSEQ %llu",
	    (unsigned long long)st.highestmodseq);
	ITEM(ST_SIZE, "SIZE %llu", (unsigned long long)st.size);
	ITEM(ST_DELETED, "DELETED %lu", (unsigned long)st.deleted);
	ITEM(ST_APPENDLIMIT, "APPENDLIMIT %zu", s->appendlimit);
#undef ITEM
	return str_catc(o, ')');
}

static int
cmd_status(struct imapd *s, struct imap_p *p)
{
	struct str raw = STR_INIT(MSTORE_NAME_MAX * 4);
	struct str name = STR_INIT(MSTORE_NAME_MAX);
	struct str o = STR_INIT(STR_UNBOUNDED);
	unsigned items;
	int	 r = CR_OK;

	if (imap_p_sp(p) == -1 || imap_p_astring(p, &raw) == -1 ||
	    imap_p_sp(p) == -1 || parse_status_items(p, &items) == -1 ||
	    !imap_p_end(p)) {
		r = CR_BAD;
		goto out;
	}
	if (name_in(s, &raw, &name) == -1) {
		errno = ENOENT;
		r = store_err(s, "STATUS") == -1 ? CR_FATAL : CR_OK;
		goto out;
	}
	if (str_cats(&o, "* STATUS ") == -1 || name_out(s, &o, name.s) == -1 ||
	    str_catc(&o, ' ') == -1)
		goto fatal;
	if (status_items(s, name.s, items, &o) == -1) {
		r = store_err(s, "STATUS") == -1 ? CR_FATAL : CR_OK;
		goto out;
	}
	if (str_cats(&o, "\r\n") == -1 || wbuf_put(s->out, o.s, o.len) == -1 ||
	    tagged(s, "OK", "STATUS completed") == -1)
		goto fatal;
	goto out;
fatal:
	r = CR_FATAL;
out:
	str_free(&raw);
	str_free(&name);
	str_free(&o);
	return r;
}

/*
 * cmd_list - LIST (RFC 3501, LIST-EXTENDED RFC 5258, LIST-STATUS RFC
 * 5819, SPECIAL-USE RFC 6154) and LSUB.
 */
static int
cmd_list(struct imapd *s, struct imap_p *p, int lsub)
{
	struct strlist pats = STRLIST_INIT;
	struct str ref = STR_INIT(MSTORE_NAME_MAX * 4);
	struct str pat = STR_INIT(MSTORE_NAME_MAX * 4);
	struct str full = STR_INIT(MSTORE_NAME_MAX * 8);
	struct str dec = STR_INIT(MSTORE_NAME_MAX * 8);
	struct str o = STR_INIT(STR_UNBOUNDED);
	struct mstore_folder *v = NULL;
	unsigned sel = 0, ret = 0, stitems = 0;
	size_t	 n = 0, i, k;
	int	 r = CR_OK, multi = 0;

	if (imap_p_sp(p) == -1)
		goto bad;
	if (!lsub && imap_p_char(p, '(') == 0) {
		while (imap_p_char(p, ')') == -1) {
			if (imap_p_word(p, "SUBSCRIBED") == 0)
				sel |= LS_SUBSCRIBED;
			else if (imap_p_word(p, "SPECIAL-USE") == 0)
				sel |= LS_SPECIAL;
			else if (imap_p_word(p, "RECURSIVEMATCH") == 0)
				sel |= LS_RECURSIVE;
			else if (imap_p_word(p, "REMOTE") == 0)
				;
			else
				goto bad;
			(void)imap_p_sp(p);
		}
		if (imap_p_sp(p) == -1)
			goto bad;
	}
	if (imap_p_astring(p, &ref) == -1 || imap_p_sp(p) == -1)
		goto bad;
	if (!lsub && imap_p_char(p, '(') == 0) {
		multi = 1;
		while (imap_p_char(p, ')') == -1) {
			if (pats.n > 0 && imap_p_sp(p) == -1)
				goto bad;
			if (pats.n > 100 || imap_p_listmbox(p, &pat) == -1 ||
			    strlist_adds(&pats, str_c(&pat)) == -1)
				goto bad;
		}
		if (pats.n == 0)
			goto bad;
	} else {
		if (imap_p_listmbox(p, &pat) == -1 ||
		    strlist_adds(&pats, str_c(&pat)) == -1)
			goto bad;
	}
	(void)multi;
	if (!lsub && imap_p_sp(p) == 0) {
		if (imap_p_word(p, "RETURN") == -1 || imap_p_sp(p) == -1 ||
		    imap_p_char(p, '(') == -1)
			goto bad;
		while (imap_p_char(p, ')') == -1) {
			if (imap_p_word(p, "SUBSCRIBED") == 0)
				ret |= LR_SUBSCRIBED;
			else if (imap_p_word(p, "CHILDREN") == 0)
				ret |= LR_CHILDREN;
			else if (imap_p_word(p, "SPECIAL-USE") == 0)
				ret |= LR_SPECIAL;
			else if (imap_p_word(p, "STATUS") == 0) {
				ret |= LR_STATUS;
				if (imap_p_sp(p) == -1 ||
				    parse_status_items(p, &stitems) == -1)
					goto bad;
			} else
				goto bad;
			(void)imap_p_sp(p);
		}
	}
	if (!imap_p_end(p))
		goto bad;
	if (sel & LS_SUBSCRIBED)
		ret |= LR_SUBSCRIBED;
	/* LIST "" "": the delimiter and the root. */
	if (pats.n == 1 && pats.v[0][0] == '\0' && !lsub) {
		if (untagged(s, "LIST (\\Noselect) \".\" \"\"") == -1 ||
		    tagged(s, "OK", "LIST completed") == -1)
			goto fatal;
		goto out;
	}
	if (mstore_list(s->st, &v, &n) == -1) {
		r = store_err(s, lsub ? "LSUB" : "LIST") == -1 ?
		    CR_FATAL : CR_OK;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct mstore_folder *f = &v[i];
		int	 hit = 0;

		for (k = 0; k < pats.n && !hit; k++) {
			str_clear(&full);
			str_clear(&dec);
			if (str_cat(&full, &ref) == -1 ||
			    str_cats(&full, pats.v[k]) == -1)
				goto fatal;
			if (!s->utf8 && mutf7_decode(&dec, full.s, full.len)
			    == 0)
				hit = list_match(dec.s, f->name);
			else
				hit = list_match(full.s, f->name);
		}
		if (!hit)
			continue;
		if ((lsub || (sel & LS_SUBSCRIBED)) &&
		    !(f->flags & MSF_SUBSCRIBED))
			continue;
		if (!lsub && !(sel & LS_SUBSCRIBED) &&
		    (f->flags & MSF_NONEXISTENT))
			continue;
		if ((sel & LS_SPECIAL) && f->special == MS_NONE)
			continue;
		str_clear(&o);
		if (str_printf(&o, "* %s (", lsub ? "LSUB" : "LIST") == -1)
			goto fatal;
		{
			int	 first = 1;
#define ATTR(a)	do {							\
			if ((!first && str_catc(&o, ' ') == -1) ||	\
			    str_cats(&o, a) == -1)			\
				goto fatal;				\
			first = 0;					\
		} while (0)
			if (f->flags & MSF_NONEXISTENT)
				ATTR(s->rev2 || !lsub ? "\\NonExistent" :
				    "\\Noselect");
			else if (f->flags & MSF_NOSELECT)
				ATTR("\\Noselect");
			if (!lsub) {
				if (f->flags & MSF_CHILDREN)
					ATTR("\\HasChildren");
				else
					ATTR("\\HasNoChildren");
			}
			if (!lsub && (ret & LR_SUBSCRIBED) &&
			    (f->flags & MSF_SUBSCRIBED))
				ATTR("\\Subscribed");
			if (!lsub && f->special != MS_NONE)
				ATTR(mstore_special_attr(f->special));
#undef ATTR
		}
		if (str_cats(&o, ") \".\" ") == -1 ||
		    name_out(s, &o, f->name) == -1 ||
		    str_cats(&o, "\r\n") == -1 ||
		    wbuf_put(s->out, o.s, o.len) == -1)
			goto fatal;
		if ((ret & LR_STATUS) && !(f->flags & (MSF_NOSELECT |
		    MSF_NONEXISTENT))) {
			str_clear(&o);
			if (str_cats(&o, "* STATUS ") == -1 ||
			    name_out(s, &o, f->name) == -1 ||
			    str_catc(&o, ' ') == -1)
				goto fatal;
			if (status_items(s, f->name, stitems, &o) == 0 &&
			    (str_cats(&o, "\r\n") == -1 ||
			    wbuf_put(s->out, o.s, o.len) == -1))
				goto fatal;
		}
	}
	if (tagged(s, "OK", "%s completed", lsub ? "LSUB" : "LIST") == -1)
		goto fatal;
	goto out;
bad:
	r = CR_BAD;
	goto out;
fatal:
	r = CR_FATAL;
out:
	if (v != NULL)
		mstore_list_free(v, n);
	strlist_free(&pats);
	str_free(&ref);
	str_free(&pat);
	str_free(&full);
	str_free(&dec);
	str_free(&o);
	return r;
}

static int
cmd_create(struct imapd *s, struct imap_p *p)
{
	struct str raw = STR_INIT(MSTORE_NAME_MAX * 4);
	struct str name = STR_INIT(MSTORE_NAME_MAX);
	struct str w = STR_INIT(64);
	enum mstore_special use = MS_NONE;
	int	 r = CR_OK;

	if (imap_p_sp(p) == -1 || imap_p_astring(p, &raw) == -1)
		goto bad;
	if (imap_p_sp(p) == 0) {
		/* RFC 6154 5.1: (USE (\Sent)) */
		if (imap_p_char(p, '(') == -1 || imap_p_word(p, "USE") == -1 ||
		    imap_p_sp(p) == -1 || imap_p_char(p, '(') == -1)
			goto bad;
		while (imap_p_char(p, ')') == -1) {
			(void)imap_p_sp(p);
			if (imap_p_flag(p, &w) == -1)
				goto bad;
			use = mstore_special_parse(w.s, w.len);
			if (use == MS_NONE) {
				r = tagged(s, "NO", "[USEATTR] unsupported "
				    "special-use attribute") == -1 ?
				    CR_FATAL : CR_OK;
				goto out;
			}
		}
		if (imap_p_char(p, ')') == -1)
			goto bad;
	}
	if (!imap_p_end(p))
		goto bad;
	/* A trailing delimiter says "I mean to create children" (RFC
	 * 3501 6.3.3): the folder is created without it. */
	if (raw.len > 1 && raw.s[raw.len - 1] == MSTORE_DELIM)
		str_truncate(&raw, raw.len - 1);
	if (name_in(s, &raw, &name) == -1 ||
	    mstore_create(s->st, name.s, use) == -1) {
		r = store_err(s, "CREATE") == -1 ? CR_FATAL : CR_OK;
		goto out;
	}
	r = tagged(s, "OK", "CREATE completed") == -1 ? CR_FATAL : CR_OK;
	goto out;
bad:
	r = CR_BAD;
out:
	str_free(&raw);
	str_free(&name);
	str_free(&w);
	return r;
}

static int
cmd_delete(struct imapd *s, struct imap_p *p)
{
	struct str raw = STR_INIT(MSTORE_NAME_MAX * 4);
	struct str name = STR_INIT(MSTORE_NAME_MAX);
	int	 r;

	if (imap_p_sp(p) == -1 || imap_p_astring(p, &raw) == -1 ||
	    !imap_p_end(p)) {
		str_free(&raw);
		return CR_BAD;
	}
	if (name_in(s, &raw, &name) == -1) {
		errno = ENOENT;
		r = store_err(s, "DELETE");
	} else if (strcmp(name.s, "INBOX") == 0)
		r = tagged(s, "NO", "[CANNOT] INBOX cannot be deleted");
	else if (s->mb != NULL && strcmp(s->mb->name, name.s) == 0)
		r = tagged(s, "NO", "[INUSE] mailbox is selected");
	else if (mstore_delete(s->st, name.s) == -1)
		r = store_err(s, "DELETE");
	else
		r = tagged(s, "OK", "DELETE completed");
	str_free(&raw);
	str_free(&name);
	return r == -1 ? CR_FATAL : CR_OK;
}

static int
cmd_rename(struct imapd *s, struct imap_p *p)
{
	struct str ra = STR_INIT(MSTORE_NAME_MAX * 4);
	struct str rb = STR_INIT(MSTORE_NAME_MAX * 4);
	struct str a = STR_INIT(MSTORE_NAME_MAX);
	struct str b = STR_INIT(MSTORE_NAME_MAX);
	int	 r;

	if (imap_p_sp(p) == -1 || imap_p_astring(p, &ra) == -1 ||
	    imap_p_sp(p) == -1 || imap_p_astring(p, &rb) == -1 ||
	    !imap_p_end(p)) {
		str_free(&ra);
		str_free(&rb);
		return CR_BAD;
	}
	if (name_in(s, &ra, &a) == -1) {
		errno = ENOENT;
		r = store_err(s, "RENAME");
	} else if (name_in(s, &rb, &b) == -1)
		r = store_err(s, "RENAME");
	else if (mstore_rename(s->st, a.s, b.s) == -1)
		r = store_err(s, "RENAME");
	else
		r = tagged(s, "OK", "RENAME completed");
	str_free(&ra);
	str_free(&rb);
	str_free(&a);
	str_free(&b);
	return r == -1 ? CR_FATAL : CR_OK;
}

static int
cmd_subscribe(struct imapd *s, struct imap_p *p, int on)
{
	struct str raw = STR_INIT(MSTORE_NAME_MAX * 4);
	struct str name = STR_INIT(MSTORE_NAME_MAX);
	int	 r;

	if (imap_p_sp(p) == -1 || imap_p_astring(p, &raw) == -1 ||
	    !imap_p_end(p)) {
		str_free(&raw);
		return CR_BAD;
	}
	if (name_in(s, &raw, &name) == -1 ||
	    mstore_subscribe(s->st, name.s, on) == -1)
		r = store_err(s, on ? "SUBSCRIBE" : "UNSUBSCRIBE");
	else
		r = tagged(s, "OK", "%s completed", on ? "SUBSCRIBE" :
		    "UNSUBSCRIBE");
	str_free(&raw);
	str_free(&name);
	return r == -1 ? CR_FATAL : CR_OK;
}

/* parse_flaglist - "(\Seen $Label1)" or, for STORE, the same without
 * parentheses.  Keywords are created in mb when create. */
static int
parse_flaglist(struct imapd *s, struct imap_p *p, int paren_opt,
    unsigned *flags, uint64_t *kw, struct strlist *names)
{
	struct str f = STR_INIT(MSTORE_KW_LEN + 2);
	int	 paren, n = 0;

	*flags = 0;
	*kw = 0;
	paren = imap_p_char(p, '(') == 0;
	if (!paren && !paren_opt)
		goto bad;
	for (;;) {
		if (paren && imap_p_char(p, ')') == 0)
			break;
		if (n > 0 && imap_p_sp(p) == -1) {
			if (!paren)
				break;
			goto bad;
		}
		if (imap_p_flag(p, &f) == -1) {
			if (!paren && n > 0)
				break;
			goto bad;
		}
		if (++n > MSTORE_KW_MAX + 10)
			goto bad;
		if (f.s[0] == '\\') {
			if (strcasecmp(f.s, "\\Seen") == 0)
				*flags |= MF_SEEN;
			else if (strcasecmp(f.s, "\\Answered") == 0)
				*flags |= MF_ANSWERED;
			else if (strcasecmp(f.s, "\\Flagged") == 0)
				*flags |= MF_FLAGGED;
			else if (strcasecmp(f.s, "\\Deleted") == 0)
				*flags |= MF_DELETED;
			else if (strcasecmp(f.s, "\\Draft") == 0)
				*flags |= MF_DRAFT;
			else if (strcasecmp(f.s, "\\Recent") == 0)
				;
			else
				goto bad;
			continue;
		}
		if (names != NULL) {
			if (strlist_adds(names, f.s) == -1)
				goto bad;
			continue;
		}
		if (s->mb != NULL) {
			int	 k = mbox_keyword(s->mb, f.s, f.len, 1);

			if (k < 0) {
				if (errno == ENOSPC) {
					str_free(&f);
					errno = ENOSPC;
					return -2;
				}
				goto bad;
			}
			*kw |= 1ULL << k;
		}
	}
	str_free(&f);
	return 0;
bad:
	str_free(&f);
	return -1;
}

/*
 * cmd_append - APPEND mailbox [(flags)] [date-time] literal (RFC 3501
 * 6.3.11, UIDPLUS APPENDUID, BINARY literal8, UTF8=ACCEPT UTF8 (...)).
 * The message lands in cur/ with its flags and INTERNALDATE.
 */
static int
cmd_append(struct imapd *s, struct imap_p *p)
{
	struct str raw = STR_INIT(MSTORE_NAME_MAX * 4);
	struct str name = STR_INIT(MSTORE_NAME_MAX);
	struct str date = STR_INIT(64);
	struct str msg = STR_INIT(STR_UNBOUNDED);
	struct strlist kw = STRLIST_INIT;
	unsigned flags = 0;
	uint64_t kwb;
	time_t	 idate = 0;
	uint32_t uidv, uid;
	int	 r = CR_OK, fd, utf8 = 0, tz;

	if (imap_p_sp(p) == -1 || imap_p_astring(p, &raw) == -1 ||
	    imap_p_sp(p) == -1)
		goto bad;
	if (imap_p_peek(p) == '(') {
		if (parse_flaglist(s, p, 0, &flags, &kwb, &kw) != 0 ||
		    imap_p_sp(p) == -1)
			goto bad;
	}
	if (imap_p_peek(p) == '"') {
		if (imap_p_quoted(p, &date) == -1 || imap_p_sp(p) == -1 ||
		    date_imap_parse(date.s, date.len, &idate, &tz) == -1)
			goto bad;
	}
	if (imap_p_word(p, "UTF8") == 0) {
		utf8 = 1;
		if (imap_p_sp(p) == -1 || imap_p_char(p, '(') == -1)
			goto bad;
	}
	if (imap_p_literal(p, &msg) == -1)
		goto bad;
	if (utf8 && imap_p_char(p, ')') == -1)
		goto bad;
	if (!imap_p_end(p)) {
		/* MULTIAPPEND is not offered */
		goto bad;
	}
	if (msg.len > s->appendlimit) {
		r = tagged(s, "NO", "[TOOBIG] message larger than "
		    "APPENDLIMIT") == -1 ? CR_FATAL : CR_OK;
		goto out;
	}
	if (name_in(s, &raw, &name) == -1 || mstore_exists(s->st, name.s) != 1) {
		r = tagged(s, "NO", "[TRYCREATE] no such mailbox") == -1 ?
		    CR_FATAL : CR_OK;
		goto out;
	}
	/* The bytes as the store reads them: through a memory file. */
	fd = memfd_create("append", MFD_CLOEXEC);
	if (fd == -1 || (msg.len > 0 && write(fd, msg.s, msg.len) !=
	    (ssize_t)msg.len) || lseek(fd, 0, SEEK_SET) == -1) {
		if (fd != -1)
			close(fd);
		r = store_err(s, "APPEND") == -1 ? CR_FATAL : CR_OK;
		goto out;
	}
	if (mstore_append(s->st, name.s, fd, (off_t)msg.len, flags,
	    (const char *const *)kw.v, kw.n, idate, &uidv, &uid) == -1) {
		close(fd);
		if (errno == ENOENT)
			r = tagged(s, "NO", "[TRYCREATE] no such mailbox");
		else
			r = store_err(s, "APPEND");
		r = r == -1 ? CR_FATAL : CR_OK;
		goto out;
	}
	close(fd);
	r = tagged(s, "OK", "[APPENDUID %lu %lu] APPEND completed",
	    (unsigned long)uidv, (unsigned long)uid) == -1 ? CR_FATAL : CR_OK;
	goto out;
bad:
	r = CR_BAD;
out:
	str_free(&raw);
	str_free(&name);
	str_free(&date);
	str_free(&msg);
	strlist_free(&kw);
	return r;
}

/* ---- STORE ---- */

struct store_ctx {
	struct imapd *s;
	int	 op;		/* 0 FLAGS, 1 +FLAGS, -1 -FLAGS */
	int	 silent;
	int	 uid;
	unsigned flags;
	uint64_t kw;
	uint64_t unchangedsince;	/* 0: none */
	uint32_t *modified;		/* RFC 7162 [MODIFIED set] */
	size_t	 nmod;
	int	 gone;
	int	 fail;
};

static int
store_one(void *arg, size_t i)
{
	struct store_ctx *c = arg;
	struct imapd *s = c->s;
	struct str *o = &s->scratch;
	ssize_t	 k = view_idx(s, i);
	struct mmsg *m;
	unsigned nf;
	uint64_t nk;

	if (k < 0) {
		c->gone = 1;
		return 0;
	}
	m = &s->mb->m[k];
	if (c->unchangedsince && m->modseq > c->unchangedsince) {
		uint32_t *nm = reallocarray(c->modified, c->nmod + 1,
		    sizeof(*nm));

		if (nm == NULL)
			return -1;
		c->modified = nm;
		c->modified[c->nmod++] = c->uid ? m->uid : (uint32_t)i + 1;
		return 0;
	}
	nf = m->flags & MF_SYSMASK;
	nk = m->kw;
	if (c->op == 0) {
		nf = c->flags;
		nk = c->kw;
	} else if (c->op > 0) {
		nf |= c->flags;
		nk |= c->kw;
	} else {
		nf &= ~c->flags;
		nk &= ~c->kw;
	}
	if (nf != (unsigned)(m->flags & MF_SYSMASK) || nk != m->kw) {
		if (mbox_store(s->mb, (size_t)k, nf, nk) == -1) {
			if (errno == ENOENT) {
				c->gone = 1;
				return 0;
			}
			c->fail = errno;
			return 0;
		}
		if ((k = view_idx(s, i)) < 0)
			return 0;
		m = &s->mb->m[k];
	} else if (c->silent && !c->unchangedsince)
		return 0;
	s->v[i].flags = m->flags;
	s->v[i].kw = m->kw;
	s->v[i].modseq = m->modseq;
	/* RFC 7162 3.1.3: with UNCHANGEDSINCE, .SILENT still reports
	 * the new MODSEQ. */
	if (c->silent && !c->unchangedsince)
		return 0;
	str_clear(o);
	if (str_printf(o, "* %zu FETCH (", i + 1) == -1)
		return -1;
	if (!c->silent) {
		if (str_cats(o, "FLAGS ") == -1 ||
		    put_flags(s, o, m->flags, m->kw) == -1)
			return -1;
	}
	if ((c->uid || s->condstore) && str_printf(o, "%sUID %lu",
	    c->silent ? "" : " ", (unsigned long)m->uid) == -1)
		return -1;
	if (s->condstore && str_printf(o, " MODSEQ (%llu)",
	    (unsigned long long)m->modseq) == -1)
		return -1;
	if (str_cats(o, ")\r\n") == -1)
		return -1;
	return wbuf_put(s->out, o->s, o->len);
}

static int
cmd_store(struct imapd *s, struct imap_p *p, int uid)
{
	struct imap_seq q = IMAP_SEQ_INIT;
	struct store_ctx c;
	int	 r = CR_OK, pr;

	memset(&c, 0, sizeof(c));
	c.s = s;
	c.uid = uid;
	if (imap_p_sp(p) == -1 || imap_p_seq(p, &q) == -1 || imap_p_sp(p) == -1)
		goto bad;
	if (imap_p_char(p, '(') == 0) {
		if (imap_p_word(p, "UNCHANGEDSINCE") == -1 ||
		    imap_p_sp(p) == -1 ||
		    imap_p_number64(p, &c.unchangedsince) == -1 ||
		    imap_p_char(p, ')') == -1 || imap_p_sp(p) == -1)
			goto bad;
		s->condstore = 1;
		if (c.unchangedsince == 0)
			c.unchangedsince = 1;	/* nothing has MODSEQ 0 */
	}
	if (imap_p_char(p, '+') == 0)
		c.op = 1;
	else if (imap_p_char(p, '-') == 0)
		c.op = -1;
	if (imap_p_word(p, "FLAGS.SILENT") == 0)
		c.silent = 1;
	else if (imap_p_word(p, "FLAGS") == -1)
		goto bad;
	if (imap_p_sp(p) == -1)
		goto bad;
	if (s->readonly) {
		r = tagged(s, "NO", "[READ-ONLY] mailbox is read-only") == -1 ?
		    CR_FATAL : CR_OK;
		goto out;
	}
	pr = parse_flaglist(s, p, 1, &c.flags, &c.kw, NULL);
	if (pr == -2) {
		r = store_err(s, "STORE") == -1 ? CR_FATAL : CR_OK;
		goto out;
	}
	if (pr == -1 || !imap_p_end(p))
		goto bad;
	if (seq_prepare(s, &q, uid) == -1 || mbox_begin(s->mb) == -1) {
		r = CR_FATAL;
		goto out;
	}
	pr = view_each(s, &q, uid, store_one, &c);
	mbox_end(s->mb);
	if (pr == -1) {
		r = CR_FATAL;
		goto out;
	}
	if (c.fail) {
		errno = c.fail;
		r = store_err(s, "STORE") == -1 ? CR_FATAL : CR_OK;
	} else if (c.nmod > 0) {
		struct str o = STR_INIT(STR_UNBOUNDED);

		if (imap_seq_format(&o, c.modified, c.nmod) == -1 ||
		    tagged(s, "OK", "[MODIFIED %s] Conditional STORE failed",
		    o.s) == -1)
			r = CR_FATAL;
		str_free(&o);
	} else if (c.gone)
		r = tagged(s, "NO", "[EXPUNGEISSUED] Some of the requested "
		    "messages no longer exist") == -1 ? CR_FATAL : CR_OK;
	else
		r = tagged(s, "OK", "STORE completed") == -1 ? CR_FATAL : CR_OK;
	goto out;
bad:
	r = CR_BAD;
out:
	free(c.modified);
	imap_seq_free(&q);
	return r;
}

/* ---- COPY, MOVE, EXPUNGE ---- */

struct pick_ctx {
	struct imapd *s;
	size_t	*idx;		/* mbox indexes */
	uint32_t *src;		/* their UIDs */
	size_t	 n, cap;
};

static int
pick_one(void *arg, size_t i)
{
	struct pick_ctx *c = arg;
	ssize_t	 k = view_idx(c->s, i);

	if (k < 0)
		return 0;
	if (c->n == c->cap) {
		size_t	 nc = c->cap ? c->cap * 2 : 64;
		size_t	*ni = reallocarray(c->idx, nc, sizeof(*ni));
		uint32_t *nu;

		if (ni == NULL)
			return -1;
		c->idx = ni;
		if ((nu = reallocarray(c->src, nc, sizeof(*nu))) == NULL)
			return -1;
		c->src = nu;
		c->cap = nc;
	}
	c->idx[c->n] = (size_t)k;
	c->src[c->n] = c->s->mb->m[k].uid;
	c->n++;
	return 0;
}

/* expunged_cb - a message left the folder: tell the client. */
struct xcb {
	struct imapd *s;
	uint32_t *uids;
	size_t	 n;
	int	 err;
	int	 moved;		/* MOVE: not counted as deleted */
};

static void
expunged_cb(void *arg, size_t k, uint32_t uid)
{
	struct xcb *x = arg;
	struct imapd *s = x->s;
	ssize_t	 pos;

	(void)k;
	if (!x->moved)
		s->nexpunged++;
	pos = view_pos(s, uid);
	if (pos < 0)
		return;
	if (s->qresync) {
		uint32_t *nu = reallocarray(x->uids, x->n + 1, sizeof(*nu));

		if (nu == NULL) {
			x->err = 1;
			return;
		}
		x->uids = nu;
		x->uids[x->n++] = uid;
	} else if (untagged(s, "%zd EXPUNGE", pos + 1) == -1)
		x->err = 1;
	memmove(&s->v[pos], &s->v[pos + 1],
	    (s->vn - (size_t)pos - 1) * sizeof(s->v[0]));
	s->vn--;
}

static int
uid_cmp32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int
vanished_flush(struct imapd *s, struct xcb *x)
{
	struct str o = STR_INIT(STR_UNBOUNDED);
	int	 r = 0;

	if (x->n > 0) {
		qsort(x->uids, x->n, sizeof(*x->uids), uid_cmp32);
		r = str_cats(&o, "* VANISHED ") == -1 ||
		    imap_seq_format(&o, x->uids, x->n) == -1 ||
		    str_cats(&o, "\r\n") == -1 ||
		    wbuf_put(s->out, o.s, o.len) == -1 ? -1 : 0;
	}
	str_free(&o);
	free(x->uids);
	x->uids = NULL;
	x->n = 0;
	return r;
}

static int
cmd_copy(struct imapd *s, struct imap_p *p, int uid, int move)
{
	struct imap_seq q = IMAP_SEQ_INIT;
	struct str raw = STR_INIT(MSTORE_NAME_MAX * 4);
	struct str name = STR_INIT(MSTORE_NAME_MAX);
	struct pick_ctx c;
	struct xcb x;
	uint32_t uidv = 0, *nu = NULL;
	int	 r = CR_OK;

	memset(&c, 0, sizeof(c));
	memset(&x, 0, sizeof(x));
	c.s = s;
	x.s = s;
	x.moved = move;
	if (imap_p_sp(p) == -1 || imap_p_seq(p, &q) == -1 ||
	    imap_p_sp(p) == -1 || imap_p_astring(p, &raw) == -1 ||
	    !imap_p_end(p)) {
		r = CR_BAD;
		goto out;
	}
	if (move && s->readonly) {
		r = tagged(s, "NO", "[READ-ONLY] mailbox is read-only") == -1 ?
		    CR_FATAL : CR_OK;
		goto out;
	}
	if (name_in(s, &raw, &name) == -1 || mstore_exists(s->st, name.s) != 1) {
		r = tagged(s, "NO", "[TRYCREATE] no such mailbox") == -1 ?
		    CR_FATAL : CR_OK;
		goto out;
	}
	if (seq_prepare(s, &q, uid) == -1 ||
	    view_each(s, &q, uid, pick_one, &c) == -1) {
		r = CR_FATAL;
		goto out;
	}
	if (c.n == 0) {
		r = tagged(s, "OK", "%s completed", move ? "MOVE" : "COPY") ==
		    -1 ? CR_FATAL : CR_OK;
		goto out;
	}
	if ((nu = calloc(c.n, sizeof(*nu))) == NULL) {
		r = CR_FATAL;
		goto out;
	}
	msg_drop(s);
	if (mbox_copy(s->mb, c.idx, c.n, name.s, move, &uidv, nu,
	    move ? expunged_cb : NULL, &x) == -1) {
		r = store_err(s, move ? "MOVE" : "COPY") == -1 ? CR_FATAL : CR_OK;
		goto out;
	}
	{
		struct str a = STR_INIT(STR_UNBOUNDED);
		struct str b = STR_INIT(STR_UNBOUNDED);
		size_t	 i;

		/* COPYUID lists both sets in the same order. */
		for (i = 0; i < c.n; i++)
			if (str_printf(&a, "%s%lu", i ? "," : "",
			    (unsigned long)c.src[i]) == -1 ||
			    str_printf(&b, "%s%lu", i ? "," : "",
			    (unsigned long)nu[i]) == -1)
				r = CR_FATAL;
		if (r == CR_OK && move) {
			/* RFC 6851 4.3: COPYUID in an untagged OK first */
			if (untagged(s, "OK [COPYUID %lu %s %s] Moved",
			    (unsigned long)uidv, a.s, b.s) == -1 ||
			    (s->qresync && vanished_flush(s, &x) == -1) ||
			    x.err || tagged(s, "OK", "MOVE completed") == -1)
				r = CR_FATAL;
		} else if (r == CR_OK && tagged(s, "OK", "[COPYUID %lu %s %s] "
		    "COPY completed", (unsigned long)uidv, a.s, b.s) == -1)
			r = CR_FATAL;
		str_free(&a);
		str_free(&b);
	}
out:
	free(x.uids);
	free(nu);
	free(c.idx);
	free(c.src);
	imap_seq_free(&q);
	str_free(&raw);
	str_free(&name);
	return r;
}

static int
cmd_expunge(struct imapd *s, struct imap_p *p, int uid)
{
	struct imap_seq q = IMAP_SEQ_INIT;
	struct pick_ctx c;
	struct xcb x;
	int	 r = CR_OK;

	memset(&c, 0, sizeof(c));
	memset(&x, 0, sizeof(x));
	c.s = s;
	x.s = s;
	if (uid && (imap_p_sp(p) == -1 || imap_p_seq(p, &q) == -1)) {
		r = CR_BAD;
		goto out;
	}
	if (!imap_p_end(p)) {
		r = CR_BAD;
		goto out;
	}
	if (s->readonly) {
		r = tagged(s, "NO", "[READ-ONLY] mailbox is read-only") == -1 ?
		    CR_FATAL : CR_OK;
		goto out;
	}
	if (uid && (seq_prepare(s, &q, 1) == -1 ||
	    view_each(s, &q, 1, pick_one, &c) == -1)) {
		r = CR_FATAL;
		goto out;
	}
	msg_drop(s);
	if (mbox_expunge(s->mb, uid ? c.src : NULL, uid ? c.n : 0,
	    expunged_cb, &x) == -1) {
		r = store_err(s, "EXPUNGE") == -1 ? CR_FATAL : CR_OK;
		goto out;
	}
	if (x.err || (s->qresync && vanished_flush(s, &x) == -1))
		r = CR_FATAL;
	else if (uid && c.n == 0 && q.n == 0)
		r = tagged(s, "OK", "EXPUNGE completed") == -1 ? CR_FATAL : CR_OK;
	else
		r = tagged(s, "OK", "%sEXPUNGE completed",
		    s->condstore ? "" : "") == -1 ? CR_FATAL : CR_OK;
out:
	free(x.uids);
	free(c.idx);
	free(c.src);
	imap_seq_free(&q);
	return r;
}

/* cmd_close - CLOSE (expunges silently) and UNSELECT. */
static int
cmd_close(struct imapd *s, int expunge)
{
	msg_drop(s);
	if (expunge && !s->readonly) {
		size_t	 before = s->mb->n;

		if (mbox_expunge(s->mb, NULL, 0, NULL, NULL) == 0 &&
		    s->mb->n < before)
			s->nexpunged += before - s->mb->n;
	}
	mbox_close(s->mb);
	s->mb = NULL;
	view_clear(s);
	free(s->sres);
	s->sres = NULL;
	s->nsres = 0;
	return tagged(s, "OK", "%s completed", expunge ? "CLOSE" : "UNSELECT")
	    == -1 ? CR_FATAL : CR_OK;
}

/* ---- QUOTA (RFC 2087, RFC 9208) from maildirsize ---- */

static int
cmd_quota(struct imapd *s, struct imap_p *p, int root)
{
	struct str raw = STR_INIT(MSTORE_NAME_MAX * 4);
	struct str name = STR_INIT(MSTORE_NAME_MAX);
	struct str o = STR_INIT(STR_UNBOUNDED);
	unsigned long long used, limit, cnt, climit;
	int	 r = CR_OK;

	if (imap_p_sp(p) == -1 || imap_p_astring(p, &raw) == -1 ||
	    !imap_p_end(p)) {
		r = CR_BAD;
		goto out;
	}
	if (root) {
		if (name_in(s, &raw, &name) == -1 ||
		    mstore_exists(s->st, name.s) != 1) {
			errno = ENOENT;
			r = store_err(s, "GETQUOTAROOT") == -1 ? CR_FATAL : CR_OK;
			goto out;
		}
		if (str_cats(&o, "* QUOTAROOT ") == -1 ||
		    name_out(s, &o, name.s) == -1 ||
		    str_cats(&o, " \"\"\r\n") == -1)
			goto fatal;
	} else if (raw.len != 0) {
		r = tagged(s, "NO", "[NONEXISTENT] no such quota root") == -1 ?
		    CR_FATAL : CR_OK;
		goto out;
	}
	if (mstore_quota(s->st, &used, &limit, &cnt, &climit) == -1) {
		r = store_err(s, "GETQUOTA") == -1 ? CR_FATAL : CR_OK;
		goto out;
	}
	if (limit > 0 || climit > 0) {
		int	 first = 1;

		if (str_cats(&o, "* QUOTA \"\" (") == -1)
			goto fatal;
		if (limit > 0) {
			/* IMAP counts in units of 1024 octets */
			if (str_printf(&o, "STORAGE %llu %llu",
			    (used + 1023) / 1024, limit / 1024) == -1)
				goto fatal;
			first = 0;
		}
		if (climit > 0 && str_printf(&o, "%sMESSAGE %llu %llu",
		    first ? "" : " ", cnt, climit) == -1)
			goto fatal;
		if (str_cats(&o, ")\r\n") == -1)
			goto fatal;
	} else if (root && str_cats(&o, "* QUOTA \"\" ()\r\n") == -1)
		goto fatal;
	if (wbuf_put(s->out, o.s, o.len) == -1 ||
	    tagged(s, "OK", "%s completed", root ? "GETQUOTAROOT" :
	    "GETQUOTA") == -1)
		goto fatal;
	goto out;
fatal:
	r = CR_FATAL;
out:
	str_free(&raw);
	str_free(&name);
	str_free(&o);
	return r;
}

/* ---- METADATA (RFC 5464): the entries webmail clients read ---- */

static int
cmd_getmetadata(struct imapd *s, struct imap_p *p)
{
	struct str raw = STR_INIT(MSTORE_NAME_MAX * 4);
	struct str name = STR_INIT(MSTORE_NAME_MAX);
	struct str e = STR_INIT(1024);
	struct str o = STR_INIT(STR_UNBOUNDED);
	int	 r = CR_OK, n = 0, paren, server;

	if (imap_p_sp(p) == -1)
		goto bad;
	if (imap_p_char(p, '(') == 0) {
		/* options: MAXSIZE n, DEPTH x - accepted */
		while (imap_p_char(p, ')') == -1) {
			if (imap_p_atom(p, &e) == -1)
				goto bad;
			(void)imap_p_sp(p);
			(void)imap_p_atom(p, &e);
			(void)imap_p_sp(p);
		}
		if (imap_p_sp(p) == -1)
			goto bad;
	}
	if (imap_p_astring(p, &raw) == -1 || imap_p_sp(p) == -1)
		goto bad;
	server = raw.len == 0;
	if (!server && (name_in(s, &raw, &name) == -1 ||
	    mstore_exists(s->st, name.s) != 1)) {
		errno = ENOENT;
		r = store_err(s, "GETMETADATA") == -1 ? CR_FATAL : CR_OK;
		goto out;
	}
	paren = imap_p_char(p, '(') == 0;
	if (str_cats(&o, "* METADATA ") == -1 ||
	    (server ? str_cats(&o, "\"\"") : name_out(s, &o, name.s)) == -1 ||
	    str_cats(&o, " (") == -1)
		goto fatal;
	for (;;) {
		if (paren && imap_p_char(p, ')') == 0)
			break;
		if (n > 0 && imap_p_sp(p) == -1) {
			if (!paren)
				break;
			goto bad;
		}
		if (imap_p_astring(p, &e) == -1 || ++n > 100)
			goto bad;
		if (strncasecmp(e.s, "/private/", 9) != 0 &&
		    strncasecmp(e.s, "/shared/", 8) != 0)
			goto bad;
		/* Known entries: /shared/comment, /shared/admin,
		 * /private/specialuse; all NIL but specialuse. */
		if (!server && strcasecmp(e.s, "/private/specialuse") == 0) {
			const char *a = NULL;
			int	 u;

			for (u = 1; u < MS_NSPECIAL; u++) {
				const char *f = mstore_special_folder(s->st,
				    (enum mstore_special)u);

				if (f != NULL && strcmp(f, name.s) == 0)
					a = mstore_special_attr(
					    (enum mstore_special)u);
			}
			if (str_printf(&o, "%s%s ", n > 1 ? " " : "", e.s) ==
			    -1 || imap_str_put(&o, a, a ? strlen(a) : 0, 0) == -1)
				goto fatal;
		} else if (str_printf(&o, "%s%s NIL", n > 1 ? " " : "", e.s)
		    == -1)
			goto fatal;
		if (!paren)
			break;
	}
	if (!imap_p_end(p) || n == 0)
		goto bad;
	if (str_cats(&o, ")\r\n") == -1 || wbuf_put(s->out, o.s, o.len) == -1 ||
	    tagged(s, "OK", "GETMETADATA completed") == -1)
		goto fatal;
	goto out;
bad:
	r = CR_BAD;
	goto out;
fatal:
	r = CR_FATAL;
out:
	str_free(&raw);
	str_free(&name);
	str_free(&e);
	str_free(&o);
	return r;
}

static int
cmd_setmetadata(struct imapd *s, struct imap_p *p)
{
	(void)p;
	return tagged(s, "NO", "[METADATA NOPRIVATE] metadata is read-only "
	    "here") == -1 ? CR_FATAL : CR_OK;
}

/* ---- dispatch ---- */

enum imapd_act
imapd_command(struct imapd *s, const char *b, size_t n)
{
	struct imap_p p;
	struct str tag = STR_INIT(IMAP_TAG_MAX), w = STR_INIT(32);
	int	 r = CR_BAD, sel;
	enum imapd_act act = IMAPD_NEXT;

	imap_p_init(&p, b, n);
	p.utf8 = s->utf8;
	if (imap_p_tag(&p, &tag) == -1 || imap_p_sp(&p) == -1 ||
	    imap_p_atom(&p, &w) == -1) {
		str_free(&tag);
		str_free(&w);
		if (wbuf_puts(s->out, "* BAD Invalid tag or command\r\n") == -1)
			return IMAPD_FATAL;
		return IMAPD_NEXT;
	}
	snprintf(s->tag, sizeof(s->tag), "%s", tag.s);
	str_free(&tag);
	str_lower(&w);
	sel = s->mb != NULL;
	if (strcmp(w.s, "uid") == 0) {

		if (imap_p_sp(&p) == -1 || imap_p_atom(&p, &w) == -1)
			goto done;
		str_lower(&w);
		if (!sel)
			goto nosel;
		/* UID commands may report expunges (RFC 3501 7.4.1). */
		if (view_update(s, 1) == -1)
			goto fatal;
		if (strcmp(w.s, "fetch") == 0)
			r = cmd_fetch(s, &p, 1);
		else if (strcmp(w.s, "search") == 0)
			r = cmd_search(s, &p, 1);
		else if (strcmp(w.s, "store") == 0)
			r = cmd_store(s, &p, 1);
		else if (strcmp(w.s, "copy") == 0)
			r = cmd_copy(s, &p, 1, 0);
		else if (strcmp(w.s, "move") == 0)
			r = cmd_copy(s, &p, 1, 1);
		else if (strcmp(w.s, "expunge") == 0)
			r = cmd_expunge(s, &p, 1);
		else if (strcmp(w.s, "sort") == 0)
			r = cmd_sort(s, &p, 1);
		else if (strcmp(w.s, "thread") == 0)
			r = cmd_thread(s, &p, 1);
		goto done;
	}
	if (strcmp(w.s, "noop") == 0 || strcmp(w.s, "check") == 0) {
		if (!imap_p_end(&p))
			goto done;
		if (view_update(s, 1) == -1)
			goto fatal;
		r = tagged(s, "OK", "%s completed", strcmp(w.s, "noop") == 0 ?
		    "NOOP" : "CHECK") == -1 ? CR_FATAL : CR_OK;
	} else if (strcmp(w.s, "capability") == 0) {
		r = !imap_p_end(&p) ? CR_BAD : untagged(s, "CAPABILITY %s",
		    imapd_capability(s)) == -1 || tagged(s, "OK",
		    "CAPABILITY completed") == -1 ? CR_FATAL : CR_OK;
	} else if (strcmp(w.s, "logout") == 0) {
		if (!imap_p_end(&p))
			goto done;
		if (untagged(s, "BYE Logging out") == -1 ||
		    tagged(s, "OK", "LOGOUT completed") == -1)
			goto fatal;
		act = IMAPD_LOGOUT;
		r = CR_OK;
	} else if (strcmp(w.s, "idle") == 0) {
		if (!imap_p_end(&p))
			goto done;
		if (view_update(s, 1) == -1 ||
		    wbuf_puts(s->out, "+ idling\r\n") == -1)
			goto fatal;
		s->idling = 1;
		act = IMAPD_IDLE;
		r = CR_OK;
	} else if (strcmp(w.s, "compress") == 0) {
		if (imap_p_sp(&p) == -1 || imap_p_word(&p, "DEFLATE") == -1 ||
		    !imap_p_end(&p))
			goto done;
		if (s->compress)
			r = tagged(s, "NO", "[COMPRESSIONACTIVE] already "
			    "compressing") == -1 ? CR_FATAL : CR_OK;
		else {
			r = tagged(s, "OK", "DEFLATE active") == -1 ?
			    CR_FATAL : CR_OK;
			act = IMAPD_COMPRESS;
		}
	} else if (strcmp(w.s, "login") == 0 ||
	    strcmp(w.s, "authenticate") == 0 || strcmp(w.s, "starttls") == 0) {
		r = tagged(s, "BAD", "[CLIENTBUG] already authenticated") ==
		    -1 ? CR_FATAL : CR_OK;
	} else if (strcmp(w.s, "enable") == 0)
		r = cmd_enable(s, &p);
	else if (strcmp(w.s, "id") == 0)
		r = cmd_id(s, &p);
	else if (strcmp(w.s, "namespace") == 0) {
		r = !imap_p_end(&p) ? CR_BAD : untagged(s, "NAMESPACE "
		    "((\"INBOX.\" \".\")) NIL NIL") == -1 || tagged(s, "OK",
		    "NAMESPACE completed") == -1 ? CR_FATAL : CR_OK;
	} else if (strcmp(w.s, "select") == 0)
		r = cmd_select(s, &p, 0);
	else if (strcmp(w.s, "examine") == 0)
		r = cmd_select(s, &p, 1);
	else if (strcmp(w.s, "list") == 0)
		r = cmd_list(s, &p, 0);
	else if (strcmp(w.s, "lsub") == 0)
		r = cmd_list(s, &p, 1);
	else if (strcmp(w.s, "status") == 0)
		r = cmd_status(s, &p);
	else if (strcmp(w.s, "create") == 0)
		r = cmd_create(s, &p);
	else if (strcmp(w.s, "delete") == 0)
		r = cmd_delete(s, &p);
	else if (strcmp(w.s, "rename") == 0)
		r = cmd_rename(s, &p);
	else if (strcmp(w.s, "subscribe") == 0)
		r = cmd_subscribe(s, &p, 1);
	else if (strcmp(w.s, "unsubscribe") == 0)
		r = cmd_subscribe(s, &p, 0);
	else if (strcmp(w.s, "append") == 0)
		r = cmd_append(s, &p);
	else if (strcmp(w.s, "getquotaroot") == 0)
		r = cmd_quota(s, &p, 1);
	else if (strcmp(w.s, "getquota") == 0)
		r = cmd_quota(s, &p, 0);
	else if (strcmp(w.s, "setquota") == 0)
		r = tagged(s, "NO", "[NOPERM] quota is set by the "
		    "administrator") == -1 ? CR_FATAL : CR_OK;
	else if (strcmp(w.s, "getmetadata") == 0)
		r = cmd_getmetadata(s, &p);
	else if (strcmp(w.s, "setmetadata") == 0)
		r = cmd_setmetadata(s, &p);
	else if (!sel && (strcmp(w.s, "fetch") == 0 ||
	    strcmp(w.s, "store") == 0 || strcmp(w.s, "search") == 0 ||
	    strcmp(w.s, "copy") == 0 || strcmp(w.s, "move") == 0 ||
	    strcmp(w.s, "expunge") == 0 || strcmp(w.s, "close") == 0 ||
	    strcmp(w.s, "unselect") == 0 || strcmp(w.s, "sort") == 0 ||
	    strcmp(w.s, "thread") == 0))
		goto nosel;
	else if (strcmp(w.s, "fetch") == 0 || strcmp(w.s, "store") == 0 ||
	    strcmp(w.s, "search") == 0 || strcmp(w.s, "sort") == 0 ||
	    strcmp(w.s, "thread") == 0) {
		/* No EXPUNGE while these run (RFC 3501 7.4.1). */
		if (view_update(s, 0) == -1)
			goto fatal;
		if (w.s[0] == 'f')
			r = cmd_fetch(s, &p, 0);
		else if (w.s[1] == 't')
			r = cmd_store(s, &p, 0);
		else if (w.s[1] == 'e')
			r = cmd_search(s, &p, 0);
		else if (w.s[1] == 'o')
			r = cmd_sort(s, &p, 0);
		else
			r = cmd_thread(s, &p, 0);
	} else if (strcmp(w.s, "copy") == 0 || strcmp(w.s, "move") == 0) {
		if (view_update(s, w.s[0] == 'c' ? 0 : 1) == -1)
			goto fatal;
		r = cmd_copy(s, &p, 0, w.s[0] == 'm');
	} else if (strcmp(w.s, "expunge") == 0) {
		if (view_update(s, 1) == -1)
			goto fatal;
		r = cmd_expunge(s, &p, 0);
	} else if (strcmp(w.s, "close") == 0 || strcmp(w.s, "unselect") == 0) {
		r = !imap_p_end(&p) ? CR_BAD : cmd_close(s, w.s[0] == 'c');
	}
	goto done;
nosel:
	r = tagged(s, "BAD", "No mailbox selected") == -1 ? CR_FATAL : CR_OK;
done:
	str_free(&w);
	if (r == CR_OK && act == IMAPD_NEXT && s->mb != NULL &&
	    view_update(s, 0) == -1)
		r = CR_FATAL;
	if (r == CR_BAD) {
		if (tagged(s, "BAD", "Error in IMAP command: syntax") == -1)
			return IMAPD_FATAL;
		return IMAPD_NEXT;
	}
	if (r == CR_FATAL)
		goto fatal2;
	return act;
fatal:
	str_free(&w);
fatal2:
	(void)wbuf_puts(s->out, "* BYE Internal error, closing the "
	    "session\r\n");
	return IMAPD_FATAL;
}

int
imapd_idle_poll(struct imapd *s)
{
	return view_update(s, 1);
}

enum imapd_act
imapd_idle_end(struct imapd *s, const char *line, size_t n)
{
	s->idling = 0;
	if (n == 4 && strncasecmp(line, "DONE", 4) == 0) {
		if (view_update(s, 1) == -1)
			return IMAPD_FATAL;
		return tagged(s, "OK", "IDLE terminated") == -1 ?
		    IMAPD_FATAL : IMAPD_NEXT;
	}
	return tagged(s, "BAD", "Expected DONE") == -1 ? IMAPD_FATAL :
	    IMAPD_NEXT;
}

void
imapd_idle_release(struct imapd *s)
{
	msg_drop(s);
	if (s->mb != NULL)
		mbox_cache_release(s->mb);
}

int
imapd_watch_fd(const struct imapd *s)
{
	return s->mb != NULL ? s->mb->dirfd : -1;
}
