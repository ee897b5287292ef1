/*
 * pg_compose - writing mail: the compose page (new, reply, reply to all,
 * forward inline or as an attachment, a draft resumed with its
 * attachments), sending through qmail-inject with the login's own
 * address, the copy in Sent, drafts saved with their attachments (an
 * upload is never lost: "Attach" and a send that fails keep it in the
 * draft), uploads bounded by the space left in the mailbox.  Runs in a
 * sqwebmaild worker as the mailbox owner; no header field may carry CR
 * or LF (a refusal, not a draft).
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "fdpass.h"
#include "file.h"
#include "html.h"
#include "log.h"
#include "mime.h"
#include "mime_write.h"
#include "mstore.h"
#include "num.h"
#include "root.h"
#include "wm.h"

#include "pages.h"

#define FIELD_MAX	(64 * 1024)	/* To, Cc, Bcc, Subject */
#define REPLY_HDR	"X-Sqwebmail-Reply"	/* in drafts: what it answers */
#define RAW_HDR		"X-Sqwebmail-"	/* in drafts: addresses as typed */

/* What a compose form is about: a reply or forward of f/u, a draft. */
struct ctx {
	const char *r;		/* "", "reply", "all", "fwd", "fwdatt" */
	struct str folder;	/* the message answered or forwarded */
	uint32_t uid;
	uint32_t draft;		/* the draft edited (in Drafts), or 0 */
};

static int	prefix_subject(struct str *, const char *, const char *);
static int	quote_body(struct mime_msg *, const char *, struct str *);
static int	reply_addrs(struct mime_msg *, const char *, struct str *,
		    struct strlist *);
static void	from_original(struct wm *, struct ctx *, struct str *,
		    struct str *, struct str *, struct str *);
static int	from_draft(struct wm *, struct ctx *, struct mime_msg *,
		    struct str *, struct str *, struct str *, struct str *,
		    struct str *);
typedef void	att_fn(void *, const struct mime_part *,
		    const struct mime_part_info *);
static void	each_att(struct mime_msg *, att_fn *, void *);
static void	draft_atts(struct wm *, struct mime_msg *);
static unsigned long long quota_left(void);
static int	ctx_args(struct wm *, struct ctx *);
static int	add_kept(struct wm *, struct mime_writer *, struct mime_msg *,
		    uint64_t *, size_t *);
static int	msg_file(struct mime_writer *, const char *, int, int *,
		    off_t *);
static int	inject_via_monitor(struct wm *, int);
static int	inject(struct wm *, int);
static int	store_copy(int, off_t, enum mstore_special, unsigned,
		    uint32_t *);
static void	draft_drop(uint32_t);
static int	addrs_ok(const char *);
static void	raw_addrs(struct mime_writer *, const char *, const char *,
		    const char *);
static const char *kept_draft(struct wm *, struct mime_writer *,
		    const struct ctx *, const char *, const char *, uint32_t *);
static void	autosaved(struct wm *, uint32_t, size_t);

/* "Re: " once.  0 or -1. */
static int
prefix_subject(struct str *out, const char *pre, const char *s)
{
	size_t	 l = strlen(pre);

	if (strncasecmp(s, pre, l) != 0 && str_cats(out, pre) == -1)
		return -1;
	return str_cats(out, s);
}

/* The original's text: quoted with "> " (r reply, all), or as it is
 * (fwd).  0 or -1 (a message without text is 0). */
static int
quote_body(struct mime_msg *m, const char *r, struct str *body)
{
	struct str t = STR_INIT(TEXT_MAX);
	const struct mime_part *p;
	const char *s, *e;
	int	 rc = 0;

	if ((p = mime_body_part(m, 0)) == NULL ||
	    mime_part_text(m, p, MIME_DEC_TEXT | MIME_DEC_FLOWED, &t) == -1) {
		str_free(&t);
		return 0;
	}
	if (strcmp(r, "fwd") == 0)
		rc = str_cat(body, &t);
	else
		for (s = str_c(&t); *s != '\0' && rc == 0; s = e) {
			e = strchr(s, '\n');
			e = e != NULL ? e + 1 : s + strlen(s);
			if (str_cats(body, *s == '>' ? ">" : "> ") == -1 ||
			    str_catb(body, s, (size_t)(e - s)) == -1)
				rc = -1;
		}
	str_free(&t);
	return rc;
}

/*
 * The addresses of header field of m not yet in seen, appended to out
 * (when not NULL) as a user would type them, comma-separated, and added
 * to seen (compared without case).  0 or -1.
 */
static int
reply_addrs(struct mime_msg *m, const char *field, struct str *out,
    struct strlist *seen)
{
	struct mime_addrlist al = MIME_ADDRLIST_INIT;
	struct mime_field f;
	const char *p;
	size_t	 i, j;
	int	 r = 0;

	if (mime_header_find(m, NULL, field, &f) != 1)
		return 0;
	if (mime_addr_parse(f.value, f.value_len, &al) == -1)
		return -1;
	for (i = 0; i < al.n && r == 0; i++) {
		const char *a = al.v[i].addr, *n = al.v[i].name;

		if (a == NULL || strchr(a, '@') == NULL ||
		    strpbrk(a, " \t\r\n\"<>,;") != NULL)
			continue;
		for (j = 0; j < seen->n && strcasecmp(seen->v[j], a) != 0; j++)
			;
		if (j < seen->n)
			continue;
		if (strlist_adds(seen, a) == -1) {
			r = -1;
			break;
		}
		if (out == NULL)
			continue;
		if (out->len > 0 && str_cats(out, ", ") == -1)
			r = -1;
		else if (n == NULL || *n == '\0' || strpbrk(n, "\r\n") != NULL)
			r = str_cats(out, a);
		else if (strpbrk(n, ",;<>()\"\\@:[]") == NULL)
			r = str_printf(out, "%s <%s>", n, a);
		else {
			r = str_catc(out, '"');
			for (p = n; *p != '\0' && r == 0; p++)
				if ((*p == '"' || *p == '\\') &&
				    str_catc(out, '\\') == -1)
					r = -1;
				else
					r = str_catc(out, *p);
			if (r == 0)
				r = str_printf(out, "\" <%s>", a);
		}
	}
	mime_addrlist_free(&al);
	return r;
}

/* Fill the form for a reply or forward of the message c names (a part
 * that does not fit marks the page broken). */
static void
from_original(struct wm *w, struct ctx *c, struct str *to, struct str *cc,
    struct str *subj, struct str *body)
{
	struct str tmp = STR_INIT(FIELD_MAX), from = STR_INIT(FIELD_MAX);
	struct str date = STR_INIT(1024);
	struct mbox *mb = NULL;
	struct mime_msg *m = NULL;
	ssize_t	 idx;
	int	 reply = strcmp(c->r, "reply") == 0 || strcmp(c->r, "all") == 0;
	int	 r = 0;

	if (pg_msg_open(w, c->folder.s, c->uid, &mb, &idx, &m, 0) == -1) {
		/* Not there any more: an empty form, not an error page. */
		w->status = 200;
		str_clear(&w->body);
		c->r = "";
		goto out;
	}
	(void)mime_display_header(m, NULL, "Subject", &tmp);
	(void)mime_display_header(m, NULL, "From", &from);
	(void)mime_display_header(m, NULL, "Date", &date);
	if (reply) {
		struct strlist seen = STRLIST_INIT;
		size_t	 t0 = to->len;

		r = prefix_subject(subj, "Re: ", str_c(&tmp));
		/* To the Reply-To, else the sender, as addresses a send
		 * takes back (a name with a comma quoted). */
		if (r == 0)
			r = reply_addrs(m, "Reply-To", to, &seen);
		if (r == 0 && to->len == t0)
			r = reply_addrs(m, "From", to, &seen);
		if (r == 0 && to->len == t0)
			r = str_cat(to, &from);
		/* To all: the others of To and Cc, without the user and
		 * without an address twice. */
		if (r == 0 && strcmp(c->r, "all") == 0 &&
		    (strlist_adds(&seen, w->sess->user.s) == -1 ||
		    reply_addrs(m, "To", to, &seen) == -1 ||
		    reply_addrs(m, "Cc", cc, &seen) == -1))
			r = -1;
		strlist_free(&seen);
		if (r == 0)
			r = str_printf(body, "\n\n%s %s:\n", str_c(&from),
			    T("compose.wrote"));
	} else {
		r = prefix_subject(subj, "Fwd: ", str_c(&tmp));
		if (r == 0 && strcmp(c->r, "fwd") == 0)
			r = str_printf(body, "\n\n-------- %s --------\n"
			    "%s %s\n%s %s\n%s %s\n\n", T("compose.fwd"),
			    T("hdr.from"), str_c(&from), T("hdr.date"),
			    str_c(&date), T("hdr.subject"), str_c(&tmp));
	}
	if (r == 0 && strcmp(c->r, "fwdatt") != 0)
		r = quote_body(m, c->r, body);
	(void)wm_ok(w, r);
out:
	mime_free(m);
	if (mb != NULL)
		mbox_close(mb);
	str_free(&tmp);
	str_free(&from);
	str_free(&date);
}

/* Fill the form from the draft m; what it answers back into c.  0. */
static int
from_draft(struct wm *w, struct ctx *c, struct mime_msg *m, struct str *to,
    struct str *cc, struct str *bcc, struct str *subj, struct str *body)
{
	struct str rep = STR_INIT(MSTORE_NAME_MAX + 64);
	const struct mime_part *p;
	char	 r[16], *sp, *sp2;
	unsigned long v;

	(void)w;
	if (mime_display_header(m, NULL, RAW_HDR "To", to) != 1 &&
	    mime_display_header(m, NULL, RAW_HDR "Cc", cc) != 1 &&
	    mime_display_header(m, NULL, RAW_HDR "Bcc", bcc) != 1) {
		(void)mime_display_header(m, NULL, "To", to);
		(void)mime_display_header(m, NULL, "Cc", cc);
		(void)mime_display_header(m, NULL, "Bcc", bcc);
	} else {
		str_clear(to);
		str_clear(cc);
		str_clear(bcc);
		(void)mime_display_header(m, NULL, RAW_HDR "To", to);
		(void)mime_display_header(m, NULL, RAW_HDR "Cc", cc);
		(void)mime_display_header(m, NULL, RAW_HDR "Bcc", bcc);
	}
	(void)mime_display_header(m, NULL, "Subject", subj);
	if ((p = mime_body_part(m, 0)) != NULL)
		(void)mime_part_text(m, p, MIME_DEC_TEXT, body);
	/* "<r> <uid> <folder>" */
	if (mime_display_header(m, NULL, REPLY_HDR, &rep) == 1 &&
	    (sp = strchr(rep.s, ' ')) != NULL &&
	    (sp2 = strchr(sp + 1, ' ')) != NULL &&
	    (size_t)(sp - rep.s) < sizeof(r)) {
		memcpy(r, rep.s, (size_t)(sp - rep.s));
		r[sp - rep.s] = '\0';
		*sp2 = '\0';
		if (num_parses(sp + 1, 0xffffffffUL, &v) == 0 && v > 0 &&
		    mstore_name_ok(sp2 + 1, &c->folder)) {
			c->uid = (uint32_t)v;
			c->r = strcmp(r, "reply") == 0 ? "reply" :
			    strcmp(r, "all") == 0 ? "all" : strcmp(r, "fwd") ==
			    0 ? "fwd" : "";
		}
	}
	str_free(&rep);
	return 0;
}

/*
 * The attachments of a draft as the compose page shows them, in order:
 * leaves marked as attachments and forwarded messages (not their own
 * parts).
 */
static void
each_att(struct mime_msg *m, att_fn *fn, void *arg)
{
	const struct mime_part *p, *c;
	struct mime_part_info pi;

	for (p = mime_root(m); p != NULL;) {
		c = NULL;
		if (mime_part_info(m, p, &pi) == 0) {
			if ((pi.kind == MIME_LEAF && pi.attachment) ||
			    (pi.kind == MIME_MESSAGE && pi.depth > 0))
				fn(arg, p, &pi);
			/* Not into a forwarded message's own parts. */
			if (pi.kind != MIME_MESSAGE || pi.depth == 0)
				c = mime_part_child(p);
		}
		if (c != NULL) {
			p = c;
			continue;
		}
		while (p != NULL && mime_part_next(p) == NULL)
			p = mime_part_parent(p);
		if (p != NULL)
			p = mime_part_next(p);
	}
}

struct att_show {
	struct wm *w;
	int	 any;
};

static void
att_show(void *arg, const struct mime_part *p, const struct mime_part_info *pi)
{
	struct att_show *a = arg;
	struct wm *w = a->w;
	char	 id[16], size[32];

	snprintf(id, sizeof(id), "%u", mime_part_id(p));
	pg_size(pi->cte == MIME_CTE_BASE64 ? pi->size * 3 / 4 : pi->size, size,
	    sizeof(size));
	if (!a->any)
		wm_fmt(w, "<fieldset class=\"kept\"><legend>{}</legend>",
		    T("compose.kept"));
	a->any = 1;
	wm_fmt(w, "<label class=\"check\"><input type=\"checkbox\" "
	    "name=\"keep\" value=\"{}\" checked> {} <span>{}</span></label>",
	    id, pi->filename != NULL ? pi->filename : pi->kind ==
	    MIME_MESSAGE ? T("compose.fwdmsg") : T("msg.noname"), size);
}

/* The draft's attachments, each with a box to keep it (checked). */
static void
draft_atts(struct wm *w, struct mime_msg *m)
{
	struct att_show a = { w, 0 };

	each_att(m, att_show, &a);
	if (a.any)
		wm_cats(w, "</fieldset>");
}

/* Bytes the mailbox can still take (the largest when it has no quota). */
static unsigned long long
quota_left(void)
{
	unsigned long long used = 0, limit = 0, cnt, climit;

	if (mstore_quota(pg_st, &used, &limit, &cnt, &climit) == -1 ||
	    limit == 0)
		return ~0ULL;
	return used >= limit ? 0 : limit - used;
}

/* r=, f=, u= and d= of a request into c.  0, or -1 (a bad one). */
static int
ctx_args(struct wm *w, struct ctx *c)
{
	const char *r = cgi_form_gets(&w->form, "r", "");
	unsigned long v;

	c->r = "";
	c->uid = c->draft = 0;
	if (num_parses(cgi_form_gets(&w->form, "d", "0"), 0xffffffffUL, &v) ==
	    0)
		c->draft = (uint32_t)v;
	if (*r == '\0')
		return 0;
	if (strcmp(r, "reply") != 0 && strcmp(r, "all") != 0 &&
	    strcmp(r, "fwd") != 0 && strcmp(r, "fwdatt") != 0)
		return -1;
	if (pg_folder_arg(w, &c->folder) == NULL || pg_uid_arg(w, &c->uid) ==
	    -1)
		return -1;
	c->r = r;
	return 0;
}

void
page_compose(struct wm *w)
{
	struct str to = STR_INIT(FIELD_MAX), cc = STR_INIT(FIELD_MAX);
	struct str bcc = STR_INIT(FIELD_MAX), subj = STR_INIT(FIELD_MAX);
	struct str body = STR_INIT(TEXT_MAX);
	struct ctx c = { "", STR_INIT(MSTORE_NAME_MAX), 0, 0 };
	struct mbox *mb = NULL;
	struct mime_msg *dm = NULL;
	const char *drafts, *e = cgi_form_gets(&w->form, "e", "");
	char	 u[16] = "", d[16] = "", left[32] = "", max[32] = "";
	unsigned long long ql;
	ssize_t	 idx;

	if (pg_store(w) == -1)
		goto out;
	drafts = mstore_special_folder(pg_st, MS_DRAFTS);
	(void)wm_ok(w, str_cats(&to, cgi_form_gets(&w->form, "to", "")));
	if (ctx_args(w, &c) == -1)
		c.r = "";
	if (c.draft != 0 && drafts != NULL) {
		if (pg_msg_open(w, drafts, c.draft, &mb, &idx, &dm, 0) == -1)
			goto out;
		str_clear(&to);
		(void)from_draft(w, &c, dm, &to, &cc, &bcc, &subj, &body);
		snprintf(d, sizeof(d), "%u", c.draft);
	} else if (*c.r != '\0')
		from_original(w, &c, &to, &cc, &subj, &body);
	if (c.uid != 0)
		snprintf(u, sizeof(u), "%u", c.uid);
	pg_head(w, T("nav.compose"));
	pg_nav(w, *c.r != '\0' ? c.folder.s : NULL);
	wm_fmt(w, "<form class=\"compose\" method=\"post\" "
	    "action=\"{}/send\" enctype=\"multipart/form-data\">", w->base);
	if (*e != '\0')
		wm_fmt(w, "<p class=\"alert\" role=\"alert\">{}"
		    "</p>", strcmp(e, "norcpt") == 0 ? T("err.norcpt") :
		    strcmp(e, "address") == 0 ? T("err.address") :
		    strcmp(e, "quota") == 0 ? T("err.uploadquota") :
		    T("err.send"));
	pg_csrf(w);
	if (*c.r != '\0')
		wm_fmt(w, "<input type=\"hidden\" name=\"r\" "
		    "value=\"{}\"><input type=\"hidden\" name=\"f\" value=\"{}\">"
		    "<input type=\"hidden\" name=\"u\" value=\"{}\">", c.r,
		    c.folder.s, u);
	if (*d != '\0')
		wm_fmt(w, "<input type=\"hidden\" name=\"d\" "
		    "value=\"{}\">", d);
	wm_fmt(w, "<label for=\"to\">{}</label><input id=\"to\" "
	    "name=\"to\" value=\"{}\" list=\"contacts\" autocomplete=\"off\">"
	    "<label for=\"cc\">{}</label><input id=\"cc\" name=\"cc\" "
	    "value=\"{}\" list=\"contacts\" autocomplete=\"off\">"
	    "<label for=\"bcc\">{}</label><input id=\"bcc\" "
	    "name=\"bcc\" value=\"{}\" list=\"contacts\" autocomplete=\"off\">",
	    T("hdr.to"), str_c(&to), T("hdr.cc"), str_c(&cc), T("hdr.bcc"),
	    str_c(&bcc));
	/* The address book: offered as the fields are typed. */
	pg_abook_datalist(w, "contacts");
	wm_fmt(w, "<label for=\"subject\">{}</label><input "
	    "id=\"subject\" name=\"subject\" value=\"{}\"><label for=\"text\">"
	    "{}</label><textarea id=\"text\" name=\"text\" rows=\"14\">{}"
	    "</textarea>", T("hdr.subject"), str_c(&subj), T("compose.text"),
	    str_c(&body));
	if (dm != NULL)
		draft_atts(w, dm);
	if (strcmp(c.r, "fwdatt") == 0)
		wm_fmt(w, "<p class=\"kept\">{}</p>",
		    T("compose.fwdmsg"));
	/* Uploads: as many as the mailbox can hold. */
	if ((ql = quota_left()) != ~0ULL) {
		pg_size(ql, left, sizeof(left));
		snprintf(max, sizeof(max), "%llu", ql);
	}
	wm_fmt(w, "<label for=\"att\">{}</label><div class=\"up\">"
	    "<input id=\"att\" name=\"att\" type=\"file\" multiple{!}{}{!}>"
	    "<button class=\"btn\" name=\"do\" value=\"attach\" id=\"attach\">"
	    "{}</button></div>", T("compose.attach"), *max != '\0' ?
	    " data-max=\"" : "", max, *max != '\0' ? "\"" : "",
	    T("compose.upload"));
	if (*left != '\0')
		wm_fmt(w, "<p class=\"hint\" id=\"quotahint\">{} {}"
		    "</p>", T("compose.left"), left);
	wm_fmt(w, "<div class=\"sendbar\">"
	    "<button class=\"btn primary\" name=\"do\" value=\"send\" "
	    "id=\"send\">{}</button><button class=\"btn\" name=\"do\" "
	    "value=\"draft\" id=\"draft\">{}</button><span class=\"hint\" "
	    "id=\"autosaved\" role=\"status\" data-saved=\"{}\"></span>"
	    "</div></form>", T("compose.send"), T("compose.draft"),
	    T("compose.autosaved"));
	pg_foot(w);
out:
	mime_free(dm);
	if (mb != NULL)
		mbox_close(mb);
	str_free(&to);
	str_free(&cc);
	str_free(&bcc);
	str_free(&subj);
	str_free(&body);
	str_free(&c.folder);
}

/* The attachments of the draft m the form keeps (keep=<part id>), into
 * the writer, in the form's order; their decoded size added to *size_r,
 * their number to *n_r.  0 or -1. */
static int
add_kept(struct wm *w, struct mime_writer *mw, struct mime_msg *m,
    uint64_t *size_r, size_t *n_r)
{
	struct str data = STR_INIT(WM_BODY_MAX);
	struct mime_section sec;
	struct mime_reader *rd;
	struct mime_part_info pi;
	const struct mime_part *p;
	unsigned long id;
	char	 type[256], buf[65536];
	ssize_t	 n;
	size_t	 i;
	int	 r = 0;

	for (i = 0; i < w->form.n && r == 0; i++) {
		if (strcmp(w->form.f[i].name, "keep") != 0 ||
		    w->form.f[i].filename != NULL ||
		    num_parses(w->form.f[i].val, 1000000, &id) == -1 ||
		    (p = mime_part_by_id(m, (unsigned)id)) == NULL ||
		    mime_part_info(m, p, &pi) == -1 || pi.depth == 0)
			continue;
		str_clear(&data);
		if (pi.kind == MIME_MESSAGE) {
			/* A forwarded message: its bytes as they are. */
			memset(&sec, 0, sizeof(sec));
			sec.part = pi.number;
			sec.what = MIME_SECT_ALL;
			if (mime_reader_open(m, &sec, &rd) == -1)
				continue;
			while ((n = mime_reader_read(rd, buf, sizeof(buf))) > 0)
				if (str_catb(&data, buf, (size_t)n) == -1)
					break;
			mime_reader_free(rd);
			r = mime_writer_attach_message(mw, data.s, data.len,
			    pi.filename);
		} else if (pi.kind == MIME_LEAF && pi.attachment) {
			if (mime_part_text(m, p, MIME_DEC_RAW, &data) == -1)
				continue;
			snprintf(type, sizeof(type), "%s/%s", pi.type,
			    pi.subtype);
			r = mime_writer_attach(mw, type, pi.filename, data.s,
			    data.len, NULL);
		} else
			continue;
		*size_r += data.len;
		if (r == 0)
			(*n_r)++;
	}
	str_free(&data);
	return r;
}

/* Write the message into an unlinked temporary file: its fd (at offset
 * 0) and size.  0 or -1. */
static int
msg_file(struct mime_writer *mw, const char *domain, int flags, int *fd_r,
    off_t *size_r)
{
	char	 tmpl[] = "/tmp/sqwebmail.XXXXXX";
	int	 fd;

	if ((fd = mkstemp(tmpl)) == -1)
		return -1;
	(void)unlink(tmpl);
	if (mime_writer_finish_fd(mw, domain, time(NULL), 0, flags, fd) ==
	    -1 || (*size_r = lseek(fd, 0, SEEK_CUR)) == -1 ||
	    lseek(fd, 0, SEEK_SET) == -1) {
		close(fd);
		return -1;
	}
	*fd_r = fd;
	return 0;
}

/* The message to the monitor, which runs qmail-inject. */
static int
inject_via_monitor(struct wm *w, int fd)
{
	char	 ok = '1';

	if (fdpass_send(w->status_fd, WM_MSG_SEND, &fd, 1) == 0 &&
	    read(w->status_fd, &ok, 1) == 1 && ok == '0')
		return 0;
	return -1;
}

/* Hand the message on fd to qmail-inject as the user: envelope sender
 * and From are the user's own address. */
static int
inject(struct wm *w, int fd)
{
	struct str prog = STR_INIT(4096);
	struct child_spec cs;
	char	*argv[5];
	int	 status, r = -1;
	pid_t	 pid;

	/* In an instance run by root the queue is root's: the monitor
	 * injects for us (sqwebmaild.c, monitor_inject). */
	if (w->via_monitor)
		return inject_via_monitor(w, fd);
	if (root_path(&prog, ROOT_QMAIL, "bin/qmail-inject") == -1)
		return -1;
	argv[0] = prog.s;
	argv[1] = (char *)(uintptr_t)"-f";
	argv[2] = w->sess->user.s;
	argv[3] = (char *)(uintptr_t)"-H";	/* recipients from the header */
	argv[4] = NULL;
	child_spec_init(&cs, argv);
	cs.fd[0] = fd;
	if ((pid = child_start(&cs)) != -1 && child_wait(pid, &status) == 0 &&
	    WIFEXITED(status) && WEXITSTATUS(status) == 0)
		r = 0;
	else
		log_warn("qmail-inject failed for %s", w->sess->user.s);
	str_free(&prog);
	return r;
}

/* Put the message on fd into the special folder sp, with flags; its new
 * UID to *uid_r (may be NULL).  0 or -1 (EDQUOT over quota). */
static int
store_copy(int fd, off_t size, enum mstore_special sp, unsigned flags,
    uint32_t *uid_r)
{
	const char *f = mstore_special_folder(pg_st, sp);
	uint32_t uidv, uid;
	int	 r;

	if (f == NULL || lseek(fd, 0, SEEK_SET) == -1)
		return -1;
	r = mstore_append(pg_st, f, fd, size, flags, NULL, 0, 0, &uidv, &uid);
	if (r == 0 && uid_r != NULL)
		*uid_r = uid;
	return r;
}

/* Remove the draft uid from Drafts (it was replaced or sent). */
static void
draft_drop(uint32_t uid)
{
	const char *f = mstore_special_folder(pg_st, MS_DRAFTS);
	struct mbox *mb;

	if (uid == 0 || f == NULL || mbox_open(pg_st, f, MBOX_NORECENT, &mb) ==
	    -1)
		return;
	if (mbox_find(mb, uid) >= 0)
		(void)pg_expunge(mb, &uid, 1);
	mbox_close(mb);
}

/* 1 if every address of the list is local@domain (groups are fine), as
 * the queue will take them; 0 if one is not. */
static int
addrs_ok(const char *list)
{
	struct mime_addrlist al = MIME_ADDRLIST_INIT;
	const char *a, *at;
	size_t	 i;
	int	 ok = 1;

	if (*list == '\0')
		return 1;
	if (mime_addr_parse(list, strlen(list), &al) == -1 || al.n == 0)
		ok = 0;
	for (i = 0; ok && i < al.n; i++) {
		a = al.v[i].addr != NULL ? al.v[i].addr : "";
		if (*a == '\0' && al.v[i].group != NULL)
			continue;
		at = strrchr(a, '@');
		if (at == NULL || at == a || at[1] == '\0' ||
		    strpbrk(a, " \t\"<>,;") != NULL)
			ok = 0;
	}
	mime_addrlist_free(&al);
	return ok;
}

/* Address fields that do not parse, kept in the draft as typed (in
 * fields of our own, which a resumed draft prefers). */
static void
raw_addrs(struct mime_writer *mw, const char *to, const char *cc,
    const char *bcc)
{
	(void)mime_writer_header(mw, RAW_HDR "To", to);
	(void)mime_writer_header(mw, RAW_HDR "Cc", cc);
	(void)mime_writer_header(mw, RAW_HDR "Bcc", bcc);
}

/*
 * Keep what was written as a draft (replacing the one edited) and say
 * where to go: the compose page of the new draft with the error e, or
 * (e NULL) the list of Drafts.  The relative URL, or NULL when it could
 * not be kept (then an error page is prepared).
 */
static const char *
kept_draft(struct wm *w, struct mime_writer *mw, const struct ctx *c,
    const char *domain, const char *e, uint32_t *uid_r)
{
	static struct str rel = STR_INIT(256);
	struct str rep = STR_INIT(MSTORE_NAME_MAX + 64);
	uint32_t uid = 0;
	off_t	 size;
	int	 fd;

	if (*c->r != '\0' && strcmp(c->r, "fwdatt") != 0 &&
	    str_printf(&rep, "%s %u %s", c->r, c->uid, c->folder.s) == 0)
		(void)mime_writer_header(mw, REPLY_HDR, rep.s);
	str_free(&rep);
	if (msg_file(mw, domain, 0, &fd, &size) == -1) {
		wm_error(w, 503, "err.temp");
		return NULL;
	}
	if (store_copy(fd, size, MS_DRAFTS, MF_DRAFT | MF_SEEN, &uid) == -1) {
		close(fd);
		wm_error(w, errno == EDQUOT ? 413 : 503, errno == EDQUOT ?
		    "err.uploadquota" : "err.temp");
		return NULL;
	}
	close(fd);
	draft_drop(c->draft);
	if (uid_r != NULL)
		*uid_r = uid;
	str_clear(&rel);
	if (e == NULL)
		return "";
	if (str_printf(&rel, "compose?d=%u%s%s", uid, *e != '\0' ? "&e=" :
	    "", e) == -1)
		return "";	/* kept all the same: to the Drafts */
	return rel.s;
}

/* att_ids - the part ids of a draft's attachments, as each_att sees
 * them; the last k are what the form kept. */
struct att_ids {
	unsigned v[64];
	size_t	 n, all;
};

static void
att_id(void *arg, const struct mime_part *p, const struct mime_part_info *pi)
{
	struct att_ids *a = arg;

	(void)pi;
	if (a->n == sizeof(a->v) / sizeof(a->v[0])) {
		memmove(a->v, a->v + 1, sizeof(a->v) - sizeof(a->v[0]));
		a->n--;
	}
	a->v[a->n++] = mime_part_id(p);
	a->all++;
}

/*
 * The answer to an autosave (app.js): the new draft's UID, which the
 * form names from now on, and the ids its kept attachments have there,
 * in the order of the form's checked boxes (the form's next save keeps
 * them by these), as JSON.
 */
static void
autosaved(struct wm *w, uint32_t uid, size_t nkept)
{
	struct att_ids a = { { 0 }, 0, 0 };
	struct mbox *mb = NULL;
	struct mime_msg *m = NULL;
	const char *drafts = mstore_special_folder(pg_st, MS_DRAFTS);
	ssize_t	 idx;
	size_t	 i;
	int	 r;

	if (nkept > 0 && drafts != NULL &&
	    pg_msg_open(w, drafts, uid, &mb, &idx, &m, 0) == 0)
		each_att(m, att_id, &a);
	w->status = 200;
	str_clear(&w->body);
	r = str_cats(&w->hdr, "Content-Type: application/json\r\n"
	    "Cache-Control: no-store\r\n");
	if (r == 0)
		r = str_printf(&w->body, "{\"d\":%lu,\"keep\":[",
		    (unsigned long)uid);
	/* kept, but not found again as many: none named (the page reloads
	 * the draft instead) */
	if (a.all >= nkept && a.n >= nkept)
		for (i = a.n - nkept; i < a.n && r == 0; i++)
			r = str_printf(&w->body, "%s%u", i > a.n - nkept ? "," :
			    "", a.v[i]);
	if (r == 0)
		r = str_printf(&w->body, "],\"n\":%zu}", nkept);
	(void)wm_ok(w, r);
	mime_free(m);
	if (mb != NULL)
		mbox_close(mb);
}

void
page_send(struct wm *w)
{
	struct mime_writer *mw = NULL;
	struct ctx c = { "", STR_INIT(MSTORE_NAME_MAX), 0, 0 };
	struct mime_msg *orig = NULL, *dm = NULL;
	struct mbox *mb = NULL, *dmb = NULL;
	const char *to = cgi_form_gets(&w->form, "to", "");
	const char *cc = cgi_form_gets(&w->form, "cc", "");
	const char *bcc = cgi_form_gets(&w->form, "bcc", "");
	const char *subj = cgi_form_gets(&w->form, "subject", "");
	const char *text = cgi_form_gets(&w->form, "text", "");
	const char *act = cgi_form_gets(&w->form, "do", "send");
	int	 autosave = strcmp(act, "autosave") == 0;
	const char *domain = strchr(w->sess->user.s, '@') + 1;
	const char *drafts, *rel, *err = NULL;
	uint64_t total = 0;
	ssize_t	 idx = -1, didx;
	off_t	 size;
	size_t	 i, nkept = 0;
	uint32_t duid = 0;
	int	 fd = -1, keep = strcmp(act, "draft") == 0 ||
	    strcmp(act, "attach") == 0 || autosave;

	if (!wm_csrf_ok(w)) {
		wm_error(w, 403, "err.csrf");
		return;
	}
	if (pg_store(w) == -1)
		return;
	if (pg_has_crlf(to) || pg_has_crlf(cc) || pg_has_crlf(bcc) ||
	    pg_has_crlf(subj)) {
		wm_error(w, 400, "err.header");
		goto out;
	}
	if (ctx_args(w, &c) == -1) {
		wm_error(w, 400, "err.badrequest");
		goto out;
	}
	if ((mw = mime_writer_new(MIME_W_QP)) == NULL) {
		wm_error(w, 503, "err.temp");
		goto out;
	}
	/* From is the login address: a user cannot send as anyone else.
	 * An address that does not parse is kept in the draft. */
	if (mime_writer_addr(mw, "From", NULL, w->sess->user.s) == -1 ||
	    (*subj != '\0' && mime_writer_header(mw, "Subject", subj) == -1) ||
	    mime_writer_text(mw, text, strlen(text)) == -1 ||
	    mime_writer_header(mw, "X-Mailer", "sqwebmail (hsmail)") == -1) {
		wm_error(w, 400, "err.header");
		goto out;
	}
	if (!addrs_ok(to) || !addrs_ok(cc) || !addrs_ok(bcc) ||
	    (*to != '\0' && mime_writer_addrs(mw, "To", to) == -1) ||
	    (*cc != '\0' && mime_writer_addrs(mw, "Cc", cc) == -1) ||
	    (*bcc != '\0' && mime_writer_addrs(mw, "Bcc", bcc) == -1))
		err = "address";
	else if (*to == '\0' && *cc == '\0' && *bcc == '\0')
		err = "norcpt";
	/* The message answered or forwarded. */
	if (*c.r != '\0' && pg_msg_open(w, c.folder.s, c.uid, &mb, &idx, &orig,
	    1) == 0) {
		struct mime_sortkeys k;

		if (mime_sortkeys(orig, &k) == 0 && (strcmp(c.r, "reply") == 0 ||
		    strcmp(c.r, "all") == 0))
			(void)mime_writer_reply(mw, k.message_id, k.references);
		if (strcmp(c.r, "fwdatt") == 0) {
			size_t	 n;
			const unsigned char *b = mime_data(orig, &n);

			(void)mime_writer_attach_message(mw, b, n, NULL);
			total += n;
		}
	} else if (*c.r != '\0') {
		w->status = 200;	/* gone: sent without the link */
		str_clear(&w->body);
	}
	/* The draft's attachments kept, then the new uploads. */
	drafts = mstore_special_folder(pg_st, MS_DRAFTS);
	if (c.draft != 0 && drafts != NULL && pg_msg_open(w, drafts, c.draft,
	    &dmb, &didx, &dm, 0) == -1) {
		w->status = 200;
		str_clear(&w->body);
		c.draft = 0;
	}
	if (dm != NULL && add_kept(w, mw, dm, &total, &nkept) == -1) {
		wm_error(w, 400, "err.attach");
		goto out;
	}
	mime_free(dm);
	dm = NULL;
	if (dmb != NULL)
		mbox_close(dmb);
	dmb = NULL;
	for (i = 0; i < w->form.n; i++) {
		const struct cgi_field *f = &w->form.f[i];

		/* (an autosave does not upload: that waits for Attach) */
		if (f->filename == NULL || strcmp(f->name, "att") != 0 ||
		    (*f->filename == '\0' && f->len == 0) || autosave)
			continue;
		if (mime_writer_attach(mw, f->ctype, f->filename, f->val, f->len,
		    NULL) == -1) {
			wm_error(w, 400, "err.attach");
			goto out;
		}
		total += f->len;
	}
	/* No more than the mailbox can take: the draft or the Sent copy
	 * must fit. */
	if (total > quota_left()) {
		wm_error(w, 413, "err.uploadquota");
		goto out;
	}
	if (keep || err != NULL) {
		/* Saved: to the Drafts (a draft without problems), else back
		 * to the compose page of the new draft, with the problem. */
		if (err != NULL && strcmp(err, "address") == 0)
			raw_addrs(mw, to, cc, bcc);
		if (autosave) {
			if (kept_draft(w, mw, &c, domain, "", &duid) != NULL)
				autosaved(w, duid, nkept);
			goto out;
		}
		if (strcmp(act, "draft") == 0 && (err == NULL ||
		    strcmp(err, "norcpt") == 0))
			rel = kept_draft(w, mw, &c, domain, NULL, NULL);
		else if (strcmp(act, "attach") == 0)
			rel = kept_draft(w, mw, &c, domain, err != NULL &&
			    strcmp(err, "address") == 0 ? err : "", NULL);
		else
			rel = kept_draft(w, mw, &c, domain, err, NULL);
		if (rel != NULL && *rel == '\0')
			pg_redirect_list(w, drafts);
		else if (rel != NULL)
			wm_redirect(w, rel);
		goto out;
	}
	if (msg_file(mw, domain, MIME_W_OMIT_BCC, &fd, &size) == -1 ||
	    inject(w, fd) == -1) {
		/* Not sent: what was written stays as a draft. */
		if ((rel = kept_draft(w, mw, &c, domain, "send", NULL)) !=
		    NULL)
			wm_redirect(w, rel);
		goto out;
	}
	close(fd);
	fd = -1;
	if (mb != NULL && idx >= 0 && (strcmp(c.r, "reply") == 0 ||
	    strcmp(c.r, "all") == 0))
		(void)mbox_store(mb, (size_t)idx, (mb->m[idx].flags |
		    MF_ANSWERED) & MF_SYSMASK, mb->m[idx].kw);
	/* The copy in Sent keeps Bcc. */
	if (msg_file(mw, domain, 0, &fd, &size) == 0)
		(void)store_copy(fd, size, MS_SENT, MF_SEEN, NULL);
	draft_drop(c.draft);
	pg_redirect_list(w, "INBOX");
out:
	if (fd != -1)
		close(fd);
	mime_writer_free(mw);
	mime_free(orig);
	mime_free(dm);
	if (mb != NULL)
		mbox_close(mb);
	if (dmb != NULL)
		mbox_close(dmb);
	str_free(&c.folder);
}
