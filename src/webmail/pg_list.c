/*
 * pg_list - the message list (paged, sorted by date, sender, subject or
 * size either way, or in threads, searched over sender, subject and
 * text), the actions on selected messages (flags, move, delete to Trash,
 * empty Trash) and the folders page.  Runs in a sqwebmaild worker as the
 * mailbox owner; every header shown is escaped.  What the list shows of
 * a message is kept in the folder's cache (hsmail-cache, field 'w'), so
 * that sorting a large folder by sender reads each message once.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "html.h"
#include "log.h"
#include "mime.h"
#include "msglist.h"
#include "mstore.h"
#include "num.h"
#include "prefs.h"
#include "wm.h"

#include "pages.h"

/*
 * The summary record in the cache: a version, then NUL-terminated
 * fields.  The version changes with what the fields hold (the MIME
 * layer's decoding), so that old records are made again.
 */
#define SUMM_FIELD	'w'
#define SUMM_VERSION	"2"
#define SUMM_NAME_MAX	200
#define SUMM_ADDR_MAX	320
#define SUMM_SUBJ_MAX	400
#define SUMM_REFS_MAX	2000

enum { S_NAME, S_ADDR, S_SUBJ, S_BASE, S_FROMKEY, S_MSGID, S_REFS, S_N };

/* One message's summary: pointers into the list's arena. */
struct summ {
	const char *f[S_N];
};

/* The list being built: items and their summaries. */
struct list {
	struct mbox *mb;
	struct ml_item *v;
	size_t	 n;
	struct str arena;	/* summary records, one after another; an
				 * item's tag is its record's offset, or -1 */
};

static int	cat_clean(struct str *, const char *, size_t, size_t);
static int	summ_make(struct mbox *, size_t, struct str *);
static int	summ_load(struct list *, size_t);
static void	summ_of(const struct list *, size_t, struct summ *);
static int	list_match(struct mbox *, size_t, const char *);
static void	list_row(struct wm *, const char *, int, struct list *,
		    size_t);
static long	folder_unseen(const char *);
static void	list_folders(struct wm *, const char *, const char *, long,
		    struct mstore_folder *, size_t);
static void	redirect_view(struct wm *, const char *);

/* Append b[0..n) without NUL and control characters, at most max bytes
 * (not cutting a UTF-8 character), then a NUL.  0 or -1. */
static int
cat_clean(struct str *out, const char *b, size_t n, size_t max)
{
	size_t	 i, start = out->len;

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)b[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++)
		if (str_catc(out, (unsigned char)b[i] < ' ' || b[i] == 0x7f ?
		    ' ' : b[i]) == -1)
			return -1;
	while (out->len > start && out->s[out->len - 1] == ' ')
		str_truncate(out, out->len - 1);
	return str_catc(out, '\0');
}

/* Read message i and make its summary record into rec. 0 or -1. */
static int
summ_make(struct mbox *mb, size_t i, struct str *rec)
{
	struct mime_msg *m = NULL;
	struct mime_addrlist al = MIME_ADDRLIST_INIT;
	struct mime_field f;
	struct str subj = STR_INIT(64 * 1024), t = STR_INIT(64 * 1024);
	const char *name = "", *addr = "", *lt, *gt;
	int	 fd, r = -1;

	if ((fd = mbox_msg_open(mb, i)) == -1)
		goto out;
	if (mime_open_fd(fd, &m) == -1) {
		close(fd);
		goto out;
	}
	close(fd);
	if (mime_header_find(m, NULL, "From", &f) == 1 &&
	    mime_addr_parse(f.value, f.value_len, &al) == 0 && al.n > 0) {
		name = al.v[0].name != NULL ? al.v[0].name : "";
		addr = al.v[0].addr != NULL ? al.v[0].addr : "";
	}
	(void)mime_display_header(m, NULL, "Subject", &subj);
	if (str_cats(rec, SUMM_VERSION) == -1 || str_catc(rec, '\0') == -1 ||
	    cat_clean(rec, name, strlen(name), SUMM_NAME_MAX) == -1 ||
	    cat_clean(rec, addr, strlen(addr), SUMM_ADDR_MAX) == -1 ||
	    cat_clean(rec, str_c(&subj), subj.len, SUMM_SUBJ_MAX) == -1 ||
	    ml_base_subject(str_c(&subj), &t) == -1 ||
	    cat_clean(rec, str_c(&t), t.len, SUMM_SUBJ_MAX) == -1)
		goto out;
	str_clear(&t);
	if (mime_fold(*name != '\0' ? name : addr, strlen(*name != '\0' ?
	    name : addr), &t) == -1 ||
	    cat_clean(rec, str_c(&t), t.len, SUMM_NAME_MAX) == -1)
		goto out;
	/* Message-ID without its brackets; References (else In-Reply-To)
	 * as written, its last ids kept when it is long. */
	str_clear(&t);
	if (mime_header_find(m, NULL, "Message-ID", &f) == 1 &&
	    (lt = memchr(f.value, '<', f.value_len)) != NULL &&
	    (gt = memchr(lt, '>', f.value_len - (size_t)(lt - f.value))) !=
	    NULL && str_catb(&t, lt + 1, (size_t)(gt - lt - 1)) == -1)
		goto out;
	if (cat_clean(rec, str_c(&t), t.len, SUMM_ADDR_MAX) == -1)
		goto out;
	if (mime_header_find(m, NULL, "References", &f) == 1 ||
	    mime_header_find(m, NULL, "In-Reply-To", &f) == 1) {
		const char *v = f.value;
		size_t	 n = f.value_len;

		if (n > SUMM_REFS_MAX) {
			v += n - SUMM_REFS_MAX;
			n = SUMM_REFS_MAX;
		}
		if (cat_clean(rec, v, n, SUMM_REFS_MAX) == -1)
			goto out;
	} else if (str_catc(rec, '\0') == -1)
		goto out;
	r = 0;
out:
	mime_addrlist_free(&al);
	mime_free(m);
	str_free(&subj);
	str_free(&t);
	return r;
}

/*
 * Item k's summary into the arena: from the cache when it holds a
 * record of this version, else made (and put into the cache).  0 or -1
 * (the message could not be read: an empty summary).
 */
static int
summ_load(struct list *l, size_t k)
{
	struct str rec = STR_INIT(64 * 1024);
	const struct ml_item *x = &l->v[k];
	const char *b;
	size_t	 n, nuls = 0, j;
	int	 r = 0;

	if (l->v[k].tag != (size_t)-1)
		return 0;
	if (mbox_cache_get(l->mb, x->uid, SUMM_FIELD, &b, &n) == 1 &&
	    n > 2 && memcmp(b, SUMM_VERSION "\0", 2) == 0 &&
	    b[n - 1] == '\0') {
		for (j = 0; j < n; j++)
			nuls += b[j] == '\0';
		if (nuls == S_N + 1 && str_catb(&rec, b, n) == -1)
			str_clear(&rec);
	}
	if (rec.len == 0) {
		if (summ_make(l->mb, x->idx, &rec) == 0)
			(void)mbox_cache_put(l->mb, x->uid, SUMM_FIELD, rec.s,
			    rec.len);
		else {
			/* No summary: the row shows what the list knows. */
			str_free(&rec);
			return -1;
		}
	}
	l->v[k].tag = l->arena.len;
	if (str_cat(&l->arena, &rec) == -1) {
		l->v[k].tag = (size_t)-1;
		r = -1;
	}
	str_free(&rec);
	return r;
}

/* The fields of item k (all "" when it has no summary). */
static void
summ_of(const struct list *l, size_t k, struct summ *s)
{
	const char *p;
	int	 i;

	if (l->v[k].tag == (size_t)-1) {
		for (i = 0; i < S_N; i++)
			s->f[i] = "";
		return;
	}
	p = l->arena.s + l->v[k].tag;
	p += strlen(p) + 1;		/* the version */
	for (i = 0; i < S_N; i++) {
		s->f[i] = p;
		p += strlen(p) + 1;
	}
}

/* Does message i match the search q (sender, subject, body)? */
static int
list_match(struct mbox *mb, size_t i, const char *q)
{
	struct mime_msg *m = NULL;
	struct str fq = STR_INIT(SEARCH_MAX * 8);
	int	 fd, r = 0;

	if ((fd = mbox_msg_open(mb, i)) == -1)
		return 0;
	if (mime_open_fd(fd, &m) == 0 && mime_fold(q, strlen(q), &fq) == 0)
		r = mime_search_header(m, "From", fq.s, fq.len) == 1 ||
		    mime_search_header(m, "Subject", fq.s, fq.len) == 1 ||
		    mime_search_body(m, 0, fq.s, fq.len) == 1;
	close(fd);
	mime_free(m);
	str_free(&fq);
	return r;
}

/* One row: the sender's name (the address in its title), date,
 * subject, size; in Drafts the link resumes the draft. */
static void
list_row(struct wm *w, const char *folder, int drafts, struct list *l,
    size_t k)
{
	const struct ml_item *x = &l->v[k];
	const struct mmsg *mm = &l->mb->m[x->idx];
	struct summ s;
	char	 date[32], uid[16], size[32], dep[16] = "";
	uint64_t sz = mm->size;

	(void)summ_load(l, k);
	summ_of(l, k, &s);
	pg_date((time_t)mbox_msg_idate(l->mb, x->idx), date, sizeof(date));
	if (sz == 0)
		(void)mbox_msg_size(l->mb, x->idx, &sz);
	pg_size(sz, size, sizeof(size));
	snprintf(uid, sizeof(uid), "%u", x->uid);
	if (x->depth > 0)
		snprintf(dep, sizeof(dep), " d%u", x->depth);
	wm_fmt(w, "<li class=\"msg{}{}{}{}\"><input "
	    "type=\"checkbox\" name=\"u\" value=\"{}\" form=\"acts\" "
	    "aria-label=\"{}\"><a href=\"{}/{}?f={u}&amp;{}={}\">"
	    "<span class=\"from\" title=\"{}\">{}</span>"
	    "<span class=\"date\">{}</span><span class=\"subj\">{}</span>"
	    "<span class=\"size\">{}</span></a></li>",
	    (mm->flags & MF_SEEN) ? "" : " unread",
	    (mm->flags & MF_FLAGGED) ? " flagged" : "",
	    (mm->flags & MF_ANSWERED) ? " answered" : "", dep, uid,
	    T("list.select"), w->base, drafts ? "compose" : "msg", folder,
	    drafts ? "d" : "u", uid, s.f[S_ADDR],
	    *s.f[S_NAME] != '\0' ? s.f[S_NAME] : *s.f[S_ADDR] != '\0' ?
	    s.f[S_ADDR] : T("list.nofrom"), date,
	    *s.f[S_SUBJ] != '\0' ? s.f[S_SUBJ] : T("list.nosubject"), size);
}

/* Unread messages of folder name (its sizes are not needed: a lighter
 * look than mstore_status).  -1 when it cannot be opened. */
static long
folder_unseen(const char *name)
{
	struct mbox *mb;
	size_t	 i;
	long	 n = 0;

	if (mbox_open(pg_st, name, MBOX_RDONLY | MBOX_NORECENT, &mb) == -1)
		return -1;
	for (i = 0; i < mb->n; i++)
		if (!(mb->m[i].flags & MF_SEEN))
			n++;
	mbox_close(mb);
	return n;
}

/* The folders beside the list (a row of chips on a phone), with their
 * unread counts, and the quota; sarg: the order to keep ("" the
 * default). */
static void
list_folders(struct wm *w, const char *folder, const char *sarg,
    long cur_unseen, struct mstore_folder *fv, size_t nf)
{
	unsigned long long used = 0, limit = 0, cnt, climit;
	char	 num[32], u[32], lim[32];
	size_t	 i;

	wm_cats(w, "<aside class=\"folders\"><ul>");
	for (i = 0; i < nf; i++) {
		long	 unseen;

		if (fv[i].flags & (MSF_NOSELECT | MSF_NONEXISTENT))
			continue;
		/* The folder shown is open already. */
		unseen = strcmp(fv[i].name, folder) == 0 ? cur_unseen :
		    folder_unseen(fv[i].name);
		snprintf(num, sizeof(num), "%ld", unseen);
		/* The order chosen goes along to the other folders. */
		wm_fmt(w, "<li{!}><a href=\"{}/list?f={u}{!}{u}\">{}"
		    "</a>", strcmp(fv[i].name, folder) == 0 ?
		    " class=\"current\"" : "", w->base, fv[i].name,
		    *sarg != '\0' ? "&amp;s=" : "", sarg,
		    pg_folder_label(fv[i].name, fv[i].special));
		if (unseen > 0)
			wm_fmt(w, "<span class=\"count\">{}"
			    "</span>", num);
		wm_cats(w, "</li>");
	}
	wm_cats(w, "</ul>");
	if (mstore_quota(pg_st, &used, &limit, &cnt, &climit) == 0 &&
	    limit > 0) {
		pg_size(used, u, sizeof(u));
		pg_size(limit, lim, sizeof(lim));
		snprintf(num, sizeof(num), "%llu", used >= limit ? 100 :
		    used * 100 / limit);
		wm_fmt(w, "<p class=\"quota\">{} {} / {}"
		    "<meter min=\"0\" max=\"100\" value=\"{}\"></meter></p>",
		    T("quota.used"), u, lim, num);
	}
	wm_cats(w, "</aside>");
}

/* The actions on selected messages: a= value, icon, catalog key. */
static const char *const acts[][3] = {
	{ "delete", "delete", "act.delete" }, { "seen", "read", "act.seen" },
	{ "unseen", "unread", "act.unseen" }, { "flag", "flag", "act.flag" },
};

/* The sort orders offered: s= value and its catalog key. */
static const char *const sorts[][2] = {
	{ "date.d", "sort.newest" }, { "date.a", "sort.oldest" },
	{ "thread.d", "sort.threads" }, { "thread.a", "sort.threadsold" },
	{ "from.a", "sort.fromaz" }, { "from.d", "sort.fromza" },
	{ "subject.a", "sort.subjaz" }, { "subject.d", "sort.subjza" },
	{ "size.d", "sort.largest" }, { "size.a", "sort.smallest" },
};

void
page_list(struct wm *w)
{
	struct str canon = STR_INIT(MSTORE_NAME_MAX);
	struct mstore_folder *fv = NULL;
	struct list l;
	const char *folder = pg_folder_arg(w, &canon);
	const char *q = cgi_form_gets(&w->form, "q", "");
	const char *sarg = cgi_form_gets(&w->form, "s", "");
	struct str pline = STR_INIT(PREFS_MAX);
	char	 pref[PREFS_SORT_MAX];
	const char *drafts_f, *trash_f, *dot;
	char	 key[16], num[32];
	unsigned long page = 0;
	size_t	 nf = 0, i, k, shown = 0, skipped = 0, si;
	enum ml_sort sk;
	int	 more = 0, desc, threads, drafts;
	long	 unseen;

	memset(&l, 0, sizeof(l));
	l.arena = (struct str)STR_INIT(STR_UNBOUNDED);
	if (folder == NULL || pg_store(w) == -1) {
		if (folder == NULL)
			wm_error(w, 404, "err.nofolder");
		goto out;
	}
	(void)num_parses(cgi_form_gets(&w->form, "p", "0"), 100000, &page);
	if (strlen(q) > SEARCH_MAX)
		q = "";
	/* s=<key>.<a|d>, else the order the user chose last time (kept in
	 * SqWebMail's preferences file); anything else is the default. */
	if (prefs_load(PREFS_PATH, &pline) == -1)
		str_clear(&pline);
	prefs_sort_get(str_c(&pline), pline.len, pref);
	for (si = 0; si < sizeof(sorts) / sizeof(sorts[0]) &&
	    strcmp(sorts[si][0], *sarg != '\0' ? sarg : pref) != 0; si++)
		;
	if (si == sizeof(sorts) / sizeof(sorts[0]))
		si = 0;
	if (*sarg != '\0' && strcmp(sorts[si][0], *pref != '\0' ? pref :
	    sorts[0][0]) != 0) {
		/* a new choice: kept for the next time */
		struct str nl = STR_INIT(PREFS_MAX);

		if (prefs_sort_set(str_c(&pline), pline.len, sorts[si][0],
		    &nl) == 0 && prefs_save(PREFS_PATH, &nl) == -1)
			log_warn("cannot write %s: %s", PREFS_PATH,
			    strerror(errno));
		str_free(&nl);
	}
	str_free(&pline);
	sarg = sorts[si][0];
	dot = strchr(sarg, '.');
	snprintf(key, sizeof(key), "%.*s", (int)(dot - sarg), sarg);
	desc = dot[1] == 'd';
	threads = strcmp(key, "thread") == 0;
	sk = ml_sort_parse(key);
	if (mbox_open(pg_st, folder, 0, &l.mb) == -1) {
		wm_error(w, errno == ENOENT ? 404 : 503, errno == ENOENT ?
		    "err.nofolder" : "err.mailbox");
		goto out;
	}
	drafts_f = mstore_special_folder(pg_st, MS_DRAFTS);
	drafts = drafts_f != NULL && strcmp(folder, drafts_f) == 0;
	pg_head(w, pg_folder_label(folder, MS_NONE));
	pg_nav(w, folder);
	wm_cats(w, "<div class=\"layout\">");
	(void)mstore_list(pg_st, &fv, &nf);
	for (i = 0, unseen = 0; i < l.mb->n; i++)
		if (!(l.mb->m[i].flags & MF_SEEN))
			unseen++;
	list_folders(w, folder, si == 0 ? "" : sarg, unseen, fv, nf);
	/* Search and sort: one form, the sort applied at once by app.js. */
	wm_fmt(w, "<section class=\"list\">"
	    "<form class=\"search\" method=\"get\" action=\"{}/list\">"
	    "<input type=\"hidden\" name=\"f\" value=\"{}\">"
	    "<input type=\"search\" name=\"q\" value=\"{}\" "
	    "placeholder=\"{}\" aria-label=\"{}\" id=\"q\">"
	    "<select name=\"s\" id=\"sort\" aria-label=\"{}\">", w->base,
	    folder, q, T("list.search"), T("list.search"), T("sort.label"));
	for (i = 0; i < sizeof(sorts) / sizeof(sorts[0]); i++)
		wm_fmt(w, "<option value=\"{}\"{!}>{}</option>",
		    sorts[i][0], i == si ? " selected" : "", T(sorts[i][1]));
	wm_fmt(w, "</select><button class=\"btn nojs\">{}"
	    "</button></form>", T("sort.apply"));
	/* Actions on the selected messages. */
	wm_fmt(w, "<form id=\"acts\" method=\"post\" "
	    "action=\"{}/act\" class=\"acts\"><input type=\"hidden\" "
	    "name=\"f\" value=\"{}\"><input type=\"hidden\" name=\"from\" "
	    "value=\"list\">", w->base, folder);
	/* The view comes back after an action: the same order, search
	 * and page. */
	snprintf(num, sizeof(num), "%lu", page);
	wm_fmt(w, "<input type=\"hidden\" name=\"s\" value=\"{}\">"
	    "<input type=\"hidden\" name=\"q\" value=\"{}\">"
	    "<input type=\"hidden\" name=\"p\" value=\"{}\">", sarg, q, num);
	pg_csrf(w);
	for (i = 0; i < sizeof(acts) / sizeof(acts[0]); i++)
		wm_fmt(w, "<button name=\"a\" value=\"{}\" "
		    "class=\"btn\" id=\"a{}\" title=\"{}\">{!}<span "
		    "class=\"lbl\">{}</span></button>", acts[i][0], acts[i][0],
		    T(acts[i][2]), pg_icon(acts[i][1]), T(acts[i][2]));
	wm_fmt(w, "<select name=\"to\" aria-label=\"{}\" "
	    "id=\"moveto\"><option value=\"\">{}</option>", T("act.moveto"),
	    T("act.moveto"));
	for (i = 0; i < nf; i++)
		if (!(fv[i].flags & (MSF_NOSELECT | MSF_NONEXISTENT)) &&
		    strcmp(fv[i].name, folder) != 0)
			wm_fmt(w, "<option value=\"{}\">{}"
			    "</option>", fv[i].name, pg_folder_label(fv[i].name,
			    fv[i].special));
	wm_fmt(w, "</select><button name=\"a\" value=\"move\" "
	    "class=\"btn\" id=\"amove\" title=\"{}\">{!}<span class=\"lbl\">"
	    "{}</span></button>", T("act.move"), pg_icon("move"),
	    T("act.move"));
	wm_cats(w, "</form>");
	/* Emptying the trash: on its own line, apart from the rest. */
	trash_f = mstore_special_folder(pg_st, MS_TRASH);
	if (trash_f != NULL && strcmp(folder, trash_f) == 0 && l.mb->n > 0)
		wm_fmt(w, "<p class=\"trashbar\"><button "
		    "form=\"acts\" name=\"a\" value=\"empty\" class=\"btn "
		    "danger\" id=\"empty\">{!}<span>{}</span></button></p>",
		    pg_icon("delete"), T("act.empty"));
	wm_cats(w, "<ul class=\"msgs\">");
	/* The items, every message of the folder. */
	l.n = l.mb->n;
	if ((l.v = calloc(l.n + 1, sizeof(*l.v))) == NULL) {
		wm_error(w, 503, "err.temp");
		goto out;
	}
	for (i = 0, k = 0; i < l.mb->n; i++) {
		struct ml_item *x = &l.v[k];

		if (l.mb->m[i].gone)
			continue;
		x->idx = i;
		x->uid = l.mb->m[i].uid;
		x->date = mbox_msg_idate(l.mb, i);
		x->size = l.mb->m[i].size;
		x->from = x->subject = x->msgid = x->refs = "";
		if (sk == ML_SIZE && x->size == 0)
			(void)mbox_msg_size(l.mb, i, &x->size);
		x->tag = (size_t)-1;
		k++;
	}
	l.n = k;
	/* Sorting by sender or subject, and threads, need every summary
	 * (read once, then from the cache); the arena is filled first and
	 * the pointers taken after, as it may move while it grows. */
	if (sk == ML_FROM || sk == ML_SUBJECT || threads) {
		struct summ s;

		for (k = 0; k < l.n; k++)
			(void)summ_load(&l, k);
		for (k = 0; k < l.n; k++) {
			summ_of(&l, k, &s);
			l.v[k].from = s.f[S_FROMKEY];
			l.v[k].subject = s.f[S_BASE];
			l.v[k].msgid = s.f[S_MSGID];
			l.v[k].refs = s.f[S_REFS];
		}
	}
	if (threads) {
		/* A search first, then the threads of what matched. */
		if (*q != '\0') {
			for (i = 0, k = 0; i < l.n; i++)
				if (list_match(l.mb, l.v[i].idx, q))
					l.v[k++] = l.v[i];
			l.n = k;
		}
		if (ml_thread(l.v, l.n, desc) == -1)
			ml_sort(l.v, l.n, ML_DATE, desc);
	} else
		ml_sort(l.v, l.n, sk, desc);
	/* Rows may add summaries to the arena (it may move): the items'
	 * string pointers are not used from here on. */
	for (k = 0; k < l.n; k++) {
		if (!threads && *q != '\0' && !list_match(l.mb, l.v[k].idx, q))
			continue;
		if (skipped < page * PAGE_SIZE) {
			skipped++;
			continue;
		}
		if (shown == PAGE_SIZE) {
			more = 1;
			break;
		}
		list_row(w, folder, drafts, &l, k);
		shown++;
	}
	if (shown == 0)
		wm_fmt(w, "<li class=\"empty\">{}</li>",
		    *q != '\0' ? T("list.nomatch") : T("list.empty"));
	wm_cats(w, "</ul><nav class=\"pager\">");
	if (page > 0) {
		snprintf(num, sizeof(num), "%lu", page - 1);
		wm_fmt(w, "<a class=\"btn\" href=\"{}/list?f={u}"
		    "&amp;q={u}&amp;s={u}&amp;p={}\" id=\"prev\">{}</a>",
		    w->base, folder, q, sarg, num, T("list.newer"));
	}
	if (more) {
		snprintf(num, sizeof(num), "%lu", page + 1);
		wm_fmt(w, "<a class=\"btn\" href=\"{}/list?f={u}"
		    "&amp;q={u}&amp;s={u}&amp;p={}\" id=\"next\">{}</a>",
		    w->base, folder, q, sarg, num, T("list.older"));
	}
	wm_cats(w, "</nav></section></div>");
	pg_foot(w);
out:
	free(l.v);
	str_free(&l.arena);
	if (fv != NULL)
		mstore_list_free(fv, nf);
	if (l.mb != NULL)
		mbox_close(l.mb);
	str_free(&canon);
}

/* Back to the list of folder as it was shown: the order, search and
 * page of the form (the list page checks them again). */
static void
redirect_view(struct wm *w, const char *folder)
{
	struct str rel = STR_INIT(4096);
	const char *sv = cgi_form_gets(&w->form, "s", "");
	const char *q = cgi_form_gets(&w->form, "q", "");
	unsigned long page = 0;

	(void)num_parses(cgi_form_gets(&w->form, "p", "0"), 100000, &page);
	if (strlen(sv) > 16)
		sv = "";
	if (strlen(q) > SEARCH_MAX)
		q = "";
	if (str_cats(&rel, "list?f=") == -1 ||
	    cgi_url_escape(&rel, folder, strlen(folder)) == -1 ||
	    (*sv != '\0' && (str_cats(&rel, "&s=") == -1 ||
	    cgi_url_escape(&rel, sv, strlen(sv)) == -1)) ||
	    (*q != '\0' && (str_cats(&rel, "&q=") == -1 ||
	    cgi_url_escape(&rel, q, strlen(q)) == -1)) ||
	    (page > 0 && str_printf(&rel, "&p=%lu", page) == -1))
		pg_redirect_list(w, folder);
	else
		wm_redirect(w, rel.s);
	str_free(&rel);
}

/* Flags, move, delete (to Trash), empty Trash, for several messages. */
void
page_act(struct wm *w)
{
	struct str canon = STR_INIT(MSTORE_NAME_MAX), to = STR_INIT(1024);
	struct mbox *mb = NULL;
	const char *folder = pg_folder_arg(w, &canon);
	const char *a = cgi_form_gets(&w->form, "a", "");
	const char *trash;
	size_t	*idx = NULL, n = 0, i;
	uint32_t *uids = NULL, *nuids = NULL, uidv;
	unsigned long v;
	ssize_t	 k;

	if (!wm_csrf_ok(w)) {
		wm_error(w, 403, "err.csrf");
		return;
	}
	if (folder == NULL || pg_store(w) == -1 ||
	    mbox_open(pg_st, folder, MBOX_NORECENT, &mb) == -1) {
		if (w->status == 200)
			wm_error(w, 404, "err.nofolder");
		goto out;
	}
	idx = calloc(w->form.n + 1, sizeof(*idx));
	uids = calloc(w->form.n + 1, sizeof(*uids));
	nuids = calloc(w->form.n + 1, sizeof(*nuids));
	if (idx == NULL || uids == NULL || nuids == NULL) {
		wm_error(w, 503, "err.temp");
		goto out;
	}
	for (i = 0; i < w->form.n; i++)
		if (strcmp(w->form.f[i].name, "u") == 0 &&
		    w->form.f[i].filename == NULL &&
		    num_parses(w->form.f[i].val, 0xffffffffUL, &v) == 0 &&
		    (k = mbox_find(mb, (uint32_t)v)) >= 0) {
			idx[n] = (size_t)k;
			uids[n++] = (uint32_t)v;
		}
	trash = mstore_special_folder(pg_st, MS_TRASH);
	if (strcmp(a, "seen") == 0 || strcmp(a, "unseen") == 0 ||
	    strcmp(a, "flag") == 0) {
		for (i = 0; i < n; i++) {
			unsigned f = mb->m[idx[i]].flags & MF_SYSMASK;

			if (strcmp(a, "seen") == 0)
				f |= MF_SEEN;
			else if (strcmp(a, "unseen") == 0)
				f &= ~MF_SEEN;
			else
				f ^= MF_FLAGGED;
			(void)mbox_store(mb, idx[i], f, mb->m[idx[i]].kw);
		}
	} else if (strcmp(a, "delete") == 0 && n > 0) {
		/* To Trash; in Trash itself, for good. */
		if (trash != NULL && strcmp(folder, trash) != 0)
			(void)mbox_copy(mb, idx, n, trash, 1, &uidv, nuids, NULL,
			    NULL);
		else
			(void)pg_expunge(mb, uids, n);
	} else if (strcmp(a, "move") == 0 && n > 0) {
		if (mstore_name_ok(cgi_form_gets(&w->form, "to", ""), &to) &&
		    strcmp(to.s, folder) != 0 &&
		    mbox_copy(mb, idx, n, to.s, 1, &uidv, nuids, NULL, NULL) ==
		    -1) {
			wm_error(w, 400, errno == EDQUOT ? "err.quota" :
			    "err.nofolder");
			goto out;
		}
	} else if (strcmp(a, "empty") == 0 && trash != NULL &&
	    strcmp(folder, trash) == 0) {
		free(uids);
		uids = calloc(mb->n + 1, sizeof(*uids));
		if (uids != NULL) {
			for (i = 0; i < mb->n; i++)
				uids[i] = mb->m[i].uid;
			(void)pg_expunge(mb, uids, mb->n);
		}
	}
	redirect_view(w, folder);
out:
	free(idx);
	free(uids);
	free(nuids);
	if (mb != NULL)
		mbox_close(mb);
	str_free(&canon);
	str_free(&to);
}

/* ---- folders ---- */

void
page_folders(struct wm *w)
{
	struct mstore_folder *fv = NULL;
	size_t	 nf = 0, i;

	if (pg_store(w) == -1)
		return;
	pg_head(w, T("nav.folders"));
	pg_nav(w, NULL);
	wm_fmt(w, "<section class=\"card wide\"><h1>{}</h1>"
	    "<ul class=\"flist\">", T("nav.folders"));
	if (mstore_list(pg_st, &fv, &nf) == 0)
		for (i = 0; i < nf; i++) {
			struct mstore_status ss;
			char	 c[32];

			if (fv[i].flags & (MSF_NOSELECT | MSF_NONEXISTENT))
				continue;
			memset(&ss, 0, sizeof(ss));
			(void)mstore_status(pg_st, fv[i].name, &ss);
			snprintf(c, sizeof(c), "%u / %u", ss.unseen, ss.messages);
			wm_fmt(w, "<li><a href=\"{}/list?f={u}\">{}"
			    "</a> <span class=\"count\">{}</span>", w->base,
			    fv[i].name, pg_folder_label(fv[i].name, fv[i].special),
			    c);
			if (fv[i].special == MS_NONE &&
			    strcmp(fv[i].name, "INBOX") != 0) {
				wm_fmt(w, "<form method=\"post\" "
				    "action=\"{}/folder\" class=\"inline\">"
				    "<input type=\"hidden\" name=\"f\" value=\"{}\">",
				    w->base, fv[i].name);
				pg_csrf(w);
				wm_fmt(w, "<input name=\"to\" "
				    "aria-label=\"{}\" placeholder=\"{}\">"
				    "<button class=\"btn\" name=\"a\" "
				    "value=\"rename\">{}</button><button "
				    "class=\"btn danger\" name=\"a\" value=\"delete\">"
				    "{}</button></form>", T("folder.newname"),
				    T("folder.newname"), T("folder.rename"),
				    T("folder.delete"));
			}
			wm_cats(w, "</li>");
		}
	wm_fmt(w, "</ul><form method=\"post\" action=\"{}/folder\">",
	    w->base);
	pg_csrf(w);
	wm_fmt(w, "<label for=\"nf\">{}</label><input id=\"nf\" "
	    "name=\"to\" required><button class=\"btn primary\" name=\"a\" "
	    "value=\"create\" id=\"create\">{}</button></form></section>",
	    T("folder.new"), T("folder.create"));
	pg_foot(w);
	if (fv != NULL)
		mstore_list_free(fv, nf);
}

void
page_folder_post(struct wm *w)
{
	struct str name = STR_INIT(MSTORE_NAME_MAX + 8);
	struct str canon = STR_INIT(MSTORE_NAME_MAX + 8);
	struct str from = STR_INIT(MSTORE_NAME_MAX + 8);
	const char *a = cgi_form_gets(&w->form, "a", "");
	const char *to = cgi_form_gets(&w->form, "to", "");
	int	 r = -1;

	if (!wm_csrf_ok(w)) {
		wm_error(w, 403, "err.csrf");
		return;
	}
	if (pg_store(w) == -1)
		return;
	/* New names are top-level folders under INBOX ("INBOX.Name"). */
	if (*to != '\0' && strchr(to, '.') == NULL &&
	    str_printf(&name, "INBOX.%s", to) == 0 &&
	    !mstore_name_ok(name.s, &canon))
		str_clear(&canon);
	if (strcmp(a, "create") == 0 && canon.len > 0)
		r = mstore_create(pg_st, canon.s, MS_NONE) == 0 ?
		    mstore_subscribe(pg_st, canon.s, 1) : -1;
	else if (strcmp(a, "rename") == 0 && canon.len > 0 &&
	    mstore_name_ok(cgi_form_gets(&w->form, "f", ""), &from) &&
	    strcmp(from.s, "INBOX") != 0)
		r = mstore_rename(pg_st, from.s, canon.s);
	else if (strcmp(a, "delete") == 0 &&
	    mstore_name_ok(cgi_form_gets(&w->form, "f", ""), &from) &&
	    strcmp(from.s, "INBOX") != 0)
		r = mstore_delete(pg_st, from.s);
	if (r == -1)
		wm_error(w, 400, "err.folder");
	else
		wm_redirect(w, "folders");
	str_free(&name);
	str_free(&canon);
	str_free(&from);
}
