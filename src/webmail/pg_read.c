/*
 * pg_read - reading a message: the page with its headers (decoded to
 * UTF-8), its attachments and actions, the text shown in the page
 * (escaped, format=flowed unwrapped) or the HTML in its own sandboxed
 * document (rebuilt by the sanitizer, inline cid: images from the
 * message, remote images only when asked), the other alternative on
 * request, parts and inline images to download, the source as plain
 * text.  Runs in a sqwebmaild worker as the mailbox owner; the message
 * is untrusted.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "html.h"
#include "mime.h"
#include "mstore.h"
#include "num.h"
#include "prefs.h"
#include "sanitize.h"
#include "wm.h"

#include "pages.h"

static void	msg_header(struct wm *, struct mime_msg *, const char *,
		    const char *);
static void	msg_from(struct wm *, struct mime_msg *);
static void	msg_bar(struct wm *, const char *, const char *);
static void	msg_atts(struct wm *, struct mime_msg *, const char *,
		    const char *);
static int	text_html(struct str *, const char *, size_t);

/* A header line of the reading view (decoded), when the field is there. */
static void
msg_header(struct wm *w, struct mime_msg *m, const char *name,
    const char *key)
{
	struct str v = STR_INIT(64 * 1024);

	if (mime_display_header(m, NULL, name, &v) == 1 && v.len > 0)
		wm_fmt(w, "<div class=\"hl\"><span>{}</span> "
		    "{}</div>", T(key), v.s);
	str_free(&v);
}

/* The sender: the name, the address beside it, and a link that puts
 * them into the address book. */
static void
msg_from(struct wm *w, struct mime_msg *m)
{
	struct mime_addrlist al = MIME_ADDRLIST_INIT;
	struct mime_field f;
	const char *name, *addr;

	if (mime_header_find(m, NULL, "From", &f) != 1 ||
	    mime_addr_parse(f.value, f.value_len, &al) == -1 || al.n == 0 ||
	    al.v[0].addr == NULL || *al.v[0].addr == '\0') {
		mime_addrlist_free(&al);
		msg_header(w, m, "From", "hdr.from");
		return;
	}
	name = al.v[0].name != NULL ? al.v[0].name : "";
	addr = al.v[0].addr;
	wm_fmt(w, "<div class=\"hl from\"><span>{}</span> "
	    "<b>{}</b>", T("hdr.from"), *name != '\0' ? name : addr);
	if (*name != '\0')
		wm_fmt(w, " <span class=\"addr\">&lt;{}&gt;"
		    "</span>", addr);
	wm_fmt(w, " <a class=\"quickadd\" href=\"{}/abook?"
	    "a=new&amp;name={u}&amp;email={u}\" title=\"{}\">+</a></div>",
	    w->base, name, addr, T("abook.quickadd"));
	mime_addrlist_free(&al);
}

/* The first From address of m (as written) into out; 0, or -1 when
 * there is none. */
static int
sender_of(struct mime_msg *m, struct str *out)
{
	struct mime_addrlist al = MIME_ADDRLIST_INIT;
	struct mime_field f;
	int	 r = -1;

	if (mime_header_find(m, NULL, "From", &f) == 1 &&
	    mime_addr_parse(f.value, f.value_len, &al) == 0 && al.n > 0 &&
	    al.v[0].addr != NULL && *al.v[0].addr != '\0' &&
	    strchr(al.v[0].addr, '@') != NULL)
		r = str_copys(out, al.v[0].addr);
	mime_addrlist_free(&al);
	return r;
}

/* 1 if the message's first Authentication-Results says dmarc=fail. */
static int
dmarc_failed(struct mime_msg *m)
{
	struct mime_field f;
	const char *e;
	size_t	 i;

	if (mime_header_find(m, NULL, "Authentication-Results", &f) != 1)
		return 0;
	for (i = 0; i + 10 <= f.value_len; i++) {
		if (strncasecmp(f.value + i, "dmarc=fail", 10) != 0)
			continue;
		e = f.value + i + 10;
		if (i + 10 == f.value_len || *e == ' ' || *e == ';' ||
		    *e == '\t' || *e == '\r' || *e == '\n' || *e == '(')
			return 1;
	}
	return 0;
}

/* The actions: back, reply, reply all, forward, delete in one row of
 * icons (their words beside them on a wide screen), the rest in a menu
 * that opens without scripts. */
static void
msg_bar(struct wm *w, const char *folder, const char *u)
{
	struct mstore_folder *fv = NULL;
	size_t	 nf = 0, i;

	wm_fmt(w, "<div class=\"msgbar\">"
	    "<a class=\"btn\" href=\"{}/list?f={u}\" id=\"back\" title=\"{}\">"
	    "{!}<span class=\"lbl\">{}</span></a>", w->base, folder,
	    T("nav.back"), pg_icon("back"), T("nav.back"));
	wm_fmt(w, "<a class=\"btn primary\" href=\"{}/compose?"
	    "r=reply&amp;f={u}&amp;u={}\" id=\"reply\" title=\"{}\">{!}"
	    "<span class=\"lbl\">{}</span></a>", w->base, folder, u,
	    T("msg.reply"), pg_icon("reply"), T("msg.reply"));
	wm_fmt(w, "<a class=\"btn\" href=\"{}/compose?r=all&amp;"
	    "f={u}&amp;u={}\" id=\"replyall\" title=\"{}\">{!}<span "
	    "class=\"lbl\">{}</span></a>", w->base, folder, u,
	    T("msg.replyall"), pg_icon("replyall"), T("msg.replyall"));
	wm_fmt(w, "<a class=\"btn\" href=\"{}/compose?r=fwd&amp;"
	    "f={u}&amp;u={}\" id=\"forward\" title=\"{}\">{!}<span "
	    "class=\"lbl\">{}</span></a>", w->base, folder, u,
	    T("msg.forward"), pg_icon("forward"), T("msg.forward"));
	wm_fmt(w, "<form method=\"post\" action=\"{}/act\" "
	    "class=\"inline\"><input type=\"hidden\" name=\"f\" value=\"{}\">"
	    "<input type=\"hidden\" name=\"u\" value=\"{}\">", w->base, folder,
	    u);
	pg_csrf(w);
	wm_fmt(w, "<button class=\"btn\" name=\"a\" "
	    "value=\"delete\" id=\"delete\" title=\"{}\">{!}<span "
	    "class=\"lbl\">{}</span></button></form>", T("act.delete"),
	    pg_icon("delete"), T("act.delete"));
	/* The menu: the rarer actions. */
	wm_fmt(w, "<details class=\"more\"><summary class=\"btn\" "
	    "title=\"{}\" id=\"more\">{!}<span class=\"lbl\">{}</span>"
	    "</summary><div class=\"menu\">"
	    "<a href=\"{}/compose?r=fwdatt&amp;f={u}&amp;u={}\" "
	    "id=\"fwdatt\">{}</a>"
	    "<form method=\"post\" action=\"{}/act\"><input type=\"hidden\" "
	    "name=\"f\" value=\"{}\"><input type=\"hidden\" name=\"u\" "
	    "value=\"{}\">", T("nav.more"), pg_icon("more"), T("nav.more"),
	    w->base, folder, u, T("msg.forwardatt"), w->base, folder, u);
	pg_csrf(w);
	wm_fmt(w, "<button name=\"a\" value=\"unseen\" "
	    "id=\"unseen\">{}</button><button name=\"a\" value=\"flag\" "
	    "id=\"flag\">{}</button><span class=\"move\"><select name=\"to\" "
	    "aria-label=\"{}\" id=\"moveto\"><option value=\"\">{}</option>",
	    T("act.unseen"), T("act.flag"), T("act.moveto"), T("act.moveto"));
	if (mstore_list(pg_st, &fv, &nf) == 0)
		for (i = 0; i < nf; i++)
			if (!(fv[i].flags & (MSF_NOSELECT | MSF_NONEXISTENT)) &&
			    strcmp(fv[i].name, folder) != 0)
				wm_fmt(w, "<option value=\"{}\">"
				    "{}</option>", fv[i].name, pg_folder_label(
				    fv[i].name, fv[i].special));
	if (fv != NULL)
		mstore_list_free(fv, nf);
	wm_fmt(w, "</select><button name=\"a\" value=\"move\" "
	    "id=\"move\">{}</button></span></form>"
	    "<a href=\"{}/print?f={u}&amp;u={}\" id=\"print\">{}</a>"
	    "<a href=\"{}/src?f={u}&amp;u={}\" id=\"source\">{}</a>"
	    "</div></details></div>", T("act.move"), w->base, folder, u,
	    T("msg.print"), w->base, folder, u, T("msg.source"));
}

/* The attachments: every leaf that is one, with its name, type and
 * size, downloaded (never shown) through /part. */
static void
msg_atts(struct wm *w, struct mime_msg *m, const char *folder,
    const char *u)
{
	const struct mime_part *p, *c;
	struct mime_part_info pi;
	char	 pid[16], size[32];
	int	 any = 0;

	for (p = mime_root(m); p != NULL;) {
		if (mime_part_info(m, p, &pi) == 0 && pi.kind == MIME_LEAF &&
		    pi.attachment) {
			snprintf(pid, sizeof(pid), "%u", mime_part_id(p));
			/* base64 holds 3 octets in 4 (and line ends). */
			pg_size(pi.cte == MIME_CTE_BASE64 ? pi.size * 3 / 4 -
			    pi.lines * 3 / 2 : pi.size, size, sizeof(size));
			if (!any)
				wm_cats(w, "<ul class=\"atts\">");
			any = 1;
			wm_fmt(w, "<li class=\"att\"><a href=\""
			    "{}/part?f={u}&amp;u={}&amp;p={}&amp;dl=1\" "
			    "download>{}</a> <span>{}/{}, {}</span></li>",
			    w->base, folder, u, pid, pi.filename != NULL ?
			    pi.filename : T("msg.noname"), pi.type, pi.subtype,
			    size);
		}
		/* Depth first through the tree. */
		if ((c = mime_part_child(p)) != NULL) {
			p = c;
			continue;
		}
		while (p != NULL && mime_part_next(p) == NULL)
			p = mime_part_parent(p);
		if (p != NULL)
			p = mime_part_next(p);
	}
	if (any)
		wm_cats(w, "</ul>");
}

void
page_msg(struct wm *w, int print)
{
	struct str canon = STR_INIT(MSTORE_NAME_MAX), subj = STR_INIT(64 * 1024);
	struct str text = STR_INIT(TEXT_MAX);
	struct str from = STR_INIT(320), senders = STR_INIT(PREFS_SENDERS_FILE_MAX);
	struct mbox *mb = NULL;
	struct mime_msg *m = NULL;
	const struct mime_part *ptext, *phtml, *p;
	struct mime_part_info pi;
	struct mime_field df;
	const char *folder = pg_folder_arg(w, &canon);
	char	 u[16];
	uint32_t uid;
	ssize_t	 idx;
	int	 remote = strcmp(cgi_form_gets(&w->form, "remote", ""), "1") == 0;
	int	 astext = strcmp(cgi_form_gets(&w->form, "text", ""), "1") == 0;
	int	 html, trusted = 0;

	if (folder == NULL || pg_uid_arg(w, &uid) == -1) {
		wm_error(w, 404, "err.nomsg");
		goto out;
	}
	if (pg_msg_open(w, folder, uid, &mb, &idx, &m, 1) == -1)
		goto out;
	/* A sender whose images the user always wants: shown at once,
	 * unless this box found the From forged (DMARC failed: the first
	 * Authentication-Results is the one msgauthd put on top). */
	if (sender_of(m, &from) == 0 && prefs_senders_load(&senders) == 0 &&
	    prefs_sender_has(str_c(&senders), senders.len, from.s) &&
	    !dmarc_failed(m))
		trusted = remote = 1;
	/* Reading marks it read (as IMAP's FETCH BODY[] does). */
	if (!(mb->m[idx].flags & MF_SEEN))
		(void)mbox_store(mb, (size_t)idx, (mb->m[idx].flags | MF_SEEN) &
		    MF_SYSMASK, mb->m[idx].kw);
	(void)mime_display_header(m, NULL, "Subject", &subj);
	snprintf(u, sizeof(u), "%u", uid);
	pg_head(w, subj.len > 0 ? subj.s : T("list.nosubject"));
	if (print)
		wm_cats(w, "<main class=\"print\">");
	else {
		pg_nav(w, folder);
		msg_bar(w, folder, u);
	}
	wm_fmt(w, "<article class=\"read\"><h1 id=\"subject\">{}"
	    "</h1>", subj.len > 0 ? subj.s : T("list.nosubject"));
	msg_from(w, m);
	msg_header(w, m, "To", "hdr.to");
	msg_header(w, m, "Cc", "hdr.cc");
	if (mime_header_find(m, NULL, "Date", &df) == 1)
		msg_header(w, m, "Date", "hdr.date");
	else {
		/* No Date: when it arrived. */
		time_t	 t = (time_t)mbox_msg_idate(mb, idx);
		struct tm tm;
		char	 d[64];

		localtime_r(&t, &tm);
		strftime(d, sizeof(d), "%a, %d %b %Y %H:%M", &tm);
		wm_fmt(w, "<div class=\"hl\"><span>{}</span> {}"
		    "</div>", T("hdr.date"), d);
	}
	msg_atts(w, m, folder, u);
	/* The body: HTML unless the text is asked for; the other one of an
	 * alternative offered by a link. */
	ptext = mime_body_part(m, 0);
	phtml = mime_body_part(m, 1);
	p = astext ? ptext : phtml;
	html = p != NULL && mime_part_info(m, p, &pi) == 0 &&
	    strcmp(pi.subtype, "html") == 0;
	if (html) {
		wm_fmt(w, "<iframe class=\"body\" id=\"body\" "
		    "sandbox=\"allow-popups allow-popups-to-escape-sandbox\" "
		    "src=\"{}/body?f={u}&amp;u={}{!}\" title=\"{}\"></iframe>",
		    w->base, folder, u, remote ? "&amp;remote=1" : "",
		    T("msg.body"));
		if (!print && ptext != NULL && ptext != phtml)
			wm_fmt(w, "<p class=\"alt\"><a href=\""
			    "{}/msg?f={u}&amp;u={}&amp;text=1\" id=\"astext\">{}"
			    "</a></p>", w->base, folder, u, T("msg.astext"));
		if (!remote && !print)
			wm_fmt(w, "<p class=\"remote\"><a href=\""
			    "{}/msg?f={u}&amp;u={}&amp;remote=1\" id=\"remote\">"
			    "{}</a></p>", w->base, folder, u,
			    T("msg.showremote"));
		else if (!print && from.len > 0) {
			/* always (or no longer) for this sender */
			wm_fmt(w, "<form class=\"remote\" method=\"post\" "
			    "action=\"{}/images\">", w->base);
			pg_csrf(w);
			wm_fmt(w, "<input type=\"hidden\" name=\"f\" value=\"{}\">"
			    "<input type=\"hidden\" name=\"u\" value=\"{}\">"
			    "<input type=\"hidden\" name=\"on\" value=\"{}\">"
			    "<button class=\"link\" id=\"{}\">{} {}</button>"
			    "</form>", folder, u, trusted ? "0" : "1", trusted ?
			    "untrust" : "trust", trusted ? T("msg.untrustimages") :
			    T("msg.trustimages"), from.s);
		}
	} else if (p != NULL && mime_part_info(m, p, &pi) == 0) {
		/* Text in the page itself: escaped, nothing in it runs. */
		(void)mime_part_text(m, p, pi.flowed ? MIME_DEC_TEXT |
		    MIME_DEC_FLOWED : MIME_DEC_TEXT, &text);
		(void)wm_ok(w, text_html(&w->body, str_c(&text), text.len));
		if (astext && phtml != NULL && phtml != ptext && !print)
			wm_fmt(w, "<p class=\"alt\"><a href=\""
			    "{}/msg?f={u}&amp;u={}\" id=\"ashtml\">{}</a></p>",
			    w->base, folder, u, T("msg.ashtml"));
	} else
		wm_fmt(w, "<p class=\"none\">{}</p>",
		    T("msg.notext"));
	wm_cats(w, "</article>");
	pg_foot(w);
out:
	mime_free(m);
	if (mb != NULL)
		mbox_close(mb);
	str_free(&canon);
	str_free(&subj);
	str_free(&from);
	str_free(&senders);
	str_free(&text);
}

/*
 * POST images: always show the remote images of the sender of message
 * f/u (on=1), or no longer (on=0); the address is the message's own,
 * never one the form names.  Back to the message.
 */
void
page_images_post(struct wm *w)
{
	struct str canon = STR_INIT(MSTORE_NAME_MAX), from = STR_INIT(320);
	struct str list = STR_INIT(PREFS_SENDERS_FILE_MAX);
	struct str nl = STR_INIT(PREFS_SENDERS_FILE_MAX + 400);
	struct str rel = STR_INIT(MSTORE_NAME_MAX * 3 + 64);
	struct mbox *mb = NULL;
	struct mime_msg *m = NULL;
	const char *folder;
	int	 on = strcmp(cgi_form_gets(&w->form, "on", ""), "1") == 0;
	uint32_t uid;
	ssize_t	 idx;
	char	 u[16];

	if (!wm_csrf_ok(w)) {
		wm_error(w, 403, "err.csrf");
		goto out;
	}
	if ((folder = pg_folder_arg(w, &canon)) == NULL ||
	    pg_uid_arg(w, &uid) == -1) {
		wm_error(w, 404, "err.nomsg");
		goto out;
	}
	if (pg_msg_open(w, folder, uid, &mb, &idx, &m, 0) == -1)
		goto out;
	if (sender_of(m, &from) == -1) {
		wm_error(w, 400, "err.badrequest");
		goto out;
	}
	if (prefs_senders_load(&list) == -1 || prefs_sender_set(str_c(&list),
	    list.len, from.s, on, &nl) == -1 ||
	    file_replace(PREFS_SENDERS_PATH, nl.s, nl.len, 0600) == -1) {
		wm_error(w, errno == EINVAL ? 400 : 503, errno == EINVAL ?
		    "err.badrequest" : "err.temp");
		goto out;
	}
	snprintf(u, sizeof(u), "%u", uid);
	if (str_cats(&rel, "msg?f=") == 0 && cgi_url_escape(&rel, folder,
	    strlen(folder)) == 0 && str_printf(&rel, "&u=%s", u) == 0)
		wm_redirect(w, rel.s);
	else
		wm_error(w, 503, "err.temp");
out:
	mime_free(m);
	if (mb != NULL)
		mbox_close(mb);
	str_free(&canon);
	str_free(&from);
	str_free(&list);
	str_free(&nl);
	str_free(&rel);
}

/* Text to HTML: escaped, links made clickable, quotes marked.  0 or
 * -1. */
static int
text_html(struct str *out, const char *t, size_t n)
{
	const char *p = t, *end = t + n, *nl, *q, *u, *s;
	int	 depth;

	if (str_cats(out, "<div class=\"text\">") == -1)
		return -1;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		for (depth = 0, q = p; q < nl && (*q == '>' || *q == ' '); q++)
			if (*q == '>')
				depth++;
		if (depth > 0 && str_printf(out, "<span class=\"q%d\">",
		    depth > 3 ? 3 : depth) == -1)
			return -1;
		/* URLs (http/https) become links; the rest is text. */
		for (q = p; q < nl;) {
			for (u = NULL, s = q; s + 8 <= nl; s++)
				if (strncmp(s, "https://", 8) == 0 ||
				    strncmp(s, "http://", 7) == 0) {
					u = s;
					break;
				}
			if (u == NULL) {
				if (html_esc(out, q, (size_t)(nl - q)) == -1)
					return -1;
				break;
			}
			for (s = u; s < nl && *s != ' ' && *s != '\t' &&
			    *s != '<' && *s != '>' && *s != '"' && *s != '\''; s++)
				;
			if (html_esc(out, q, (size_t)(u - q)) == -1 ||
			    str_cats(out, "<a href=\"") == -1 ||
			    html_esc(out, u, (size_t)(s - u)) == -1 ||
			    str_cats(out, "\" target=\"_blank\" rel=\"noopener "
			    "noreferrer\">") == -1 ||
			    html_esc(out, u, (size_t)(s - u)) == -1 ||
			    str_cats(out, "</a>") == -1)
				return -1;
			q = s;
		}
		if ((depth > 0 && str_cats(out, "</span>") == -1) ||
		    str_catc(out, '\n') == -1)
			return -1;
		p = nl + 1;
	}
	return str_cats(out, "</div>");
}

/* The body frame: its own document with a policy that forbids scripts
 * and every load but our own parts (and remote images when asked). */
void
page_body(struct wm *w)
{
	struct str canon = STR_INIT(MSTORE_NAME_MAX), text = STR_INIT(TEXT_MAX);
	struct str cid = STR_INIT(MSTORE_NAME_MAX + 256);
	struct mbox *mb = NULL;
	struct mime_msg *m = NULL;
	const struct mime_part *p;
	struct mime_part_info pi;
	struct san_opts so;
	struct san_result sr;
	const char *folder = pg_folder_arg(w, &canon);
	int	 remote = strcmp(cgi_form_gets(&w->form, "remote", ""), "1") == 0;
	uint32_t uid;
	ssize_t	 idx;

	if (folder == NULL || pg_uid_arg(w, &uid) == -1) {
		wm_error(w, 404, "err.nomsg");
		goto out;
	}
	if (pg_msg_open(w, folder, uid, &mb, &idx, &m, 0) == -1)
		goto out;
	w->frame = 1;
	w->csp = remote ? "default-src 'none'; style-src 'unsafe-inline' 'self'; "
	    "img-src 'self' data: https: http:; frame-ancestors 'self'; "
	    "base-uri 'none'; form-action 'none'; sandbox allow-popups "
	    "allow-popups-to-escape-sandbox" :
	    "default-src 'none'; style-src 'unsafe-inline' 'self'; "
	    "img-src 'self' data:; frame-ancestors 'self'; base-uri 'none'; "
	    "form-action 'none'; sandbox allow-popups "
	    "allow-popups-to-escape-sandbox";
	wm_fmt(w, "<!doctype html><html><head><meta "
	    "charset=\"utf-8\"><link rel=\"stylesheet\" href=\"{}/s/body.css\">"
	    "</head><body>", w->base);
	p = mime_body_part(m, 1);
	if (p == NULL || mime_part_info(m, p, &pi) == -1) {
		wm_fmt(w, "<p class=\"none\">{}</p>",
		    T("msg.notext"));
	} else if (strcmp(pi.subtype, "html") == 0) {
		(void)mime_part_text(m, p, MIME_DEC_TEXT, &text);
		if (wm_ok(w, str_printf(&cid, "%s/part?f=", w->base)) == -1 ||
		    wm_ok(w, cgi_url_escape(&cid, folder, strlen(folder))) ==
		    -1 || wm_ok(w, str_printf(&cid, "&u=%u&cid=", uid)) == -1)
			goto out;
		so.remote_images = remote;
		so.cid_url = cid.s;
		(void)san_html(text.s != NULL ? text.s : "", text.len, &so,
		    &w->body, &sr);
		if (sr.remote_blocked)
			wm_fmt(w, "<p class=\"blocked\">{}</p>",
			    T("msg.remoteblocked"));
	} else {
		(void)mime_part_text(m, p, pi.flowed ? MIME_DEC_TEXT |
		    MIME_DEC_FLOWED : MIME_DEC_TEXT, &text);
		(void)wm_ok(w, text_html(&w->body, str_c(&text), text.len));
	}
	wm_cats(w, "</body></html>");
out:
	mime_free(m);
	if (mb != NULL)
		mbox_close(mb);
	str_free(&canon);
	str_free(&text);
	str_free(&cid);
}

struct dl {
	int	 fd;
	size_t	 n;
};

static int
dl_out(void *arg, const void *b, size_t n)
{
	struct dl *d = arg;

	d->n += n;
	return file_writeall(d->fd, b, n) == -1 ? 1 : 0;
}

/* An attachment or inline image: downloaded, never rendered as active
 * content (HTML and SVG are always attachments). */
void
page_part(struct wm *w)
{
	struct str canon = STR_INIT(MSTORE_NAME_MAX), h = STR_INIT(8192);
	struct mbox *mb = NULL;
	struct mime_msg *m = NULL;
	const struct mime_part *p = NULL;
	struct mime_part_info pi;
	const char *folder = pg_folder_arg(w, &canon);
	const char *cid = cgi_form_gets(&w->form, "cid", NULL);
	unsigned long pid;
	uint32_t uid;
	ssize_t	 idx;
	struct dl d;
	int	 inline_img;

	if (folder == NULL || pg_uid_arg(w, &uid) == -1) {
		wm_error(w, 404, "err.nomsg");
		goto out;
	}
	if (pg_msg_open(w, folder, uid, &mb, &idx, &m, 0) == -1)
		goto out;
	if (cid != NULL)
		p = mime_part_by_cid(m, cid);
	else if (num_parses(cgi_form_gets(&w->form, "p", ""), 1000000, &pid) ==
	    0)
		p = mime_part_by_id(m, (unsigned)pid);
	if (p == NULL || mime_part_info(m, p, &pi) == -1 ||
	    pi.kind != MIME_LEAF) {
		wm_error(w, 404, "err.nopart");
		goto out;
	}
	inline_img = strcmp(pi.type, "image") == 0 &&
	    (strcmp(pi.subtype, "png") == 0 || strcmp(pi.subtype, "jpeg") == 0 ||
	    strcmp(pi.subtype, "gif") == 0 || strcmp(pi.subtype, "webp") == 0) &&
	    strcmp(cgi_form_gets(&w->form, "dl", ""), "1") != 0;
	if (str_printf(&h, "Status: 200 OK\r\nContent-Type: %s\r\n"
	    "Content-Disposition: %s; filename=\"download\"; "
	    "filename*=UTF-8''", inline_img ? (strcmp(pi.subtype, "png") == 0 ?
	    "image/png" : strcmp(pi.subtype, "gif") == 0 ? "image/gif" :
	    strcmp(pi.subtype, "webp") == 0 ? "image/webp" : "image/jpeg") :
	    "application/octet-stream", inline_img ? "inline" :
	    "attachment") == -1 ||
	    cgi_url_escape(&h, pi.filename != NULL ? pi.filename : "part",
	    strlen(pi.filename != NULL ? pi.filename : "part")) == -1 ||
	    str_cats(&h, "\r\nX-Content-Type-Options: nosniff\r\n"
	    "Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n"
	    "Content-Security-Policy: default-src 'none'; sandbox\r\n"
	    "Cross-Origin-Resource-Policy: same-origin\r\n\r\n") == -1) {
		wm_error(w, 503, "err.temp");
		goto out;
	}
	if (file_writeall(w->out, h.s, h.len) == -1)
		_exit(0);
	d.fd = w->out;
	d.n = 0;
	(void)mime_part_decode(m, p, MIME_DEC_RAW, dl_out, &d);
	_exit(0);
out:
	mime_free(m);
	if (mb != NULL)
		mbox_close(mb);
	str_free(&canon);
	str_free(&h);
}

/* The message as stored, as plain text (full headers). */
void
page_src(struct wm *w)
{
	struct str canon = STR_INIT(MSTORE_NAME_MAX);
	struct mbox *mb = NULL;
	struct mime_msg *m = NULL;
	const char *folder = pg_folder_arg(w, &canon);
	const unsigned char *b;
	uint32_t uid;
	ssize_t	 idx;
	size_t	 n;

	if (folder == NULL || pg_uid_arg(w, &uid) == -1) {
		wm_error(w, 404, "err.nomsg");
		goto out;
	}
	if (pg_msg_open(w, folder, uid, &mb, &idx, &m, 0) == -1)
		goto out;
	b = mime_data(m, &n);
	(void)wm_ok(w, str_cats(&w->hdr, "Content-Type: text/plain; charset=utf-8\r\n"));
	(void)utf8_clean(&w->body, (const char *)b, n);
out:
	mime_free(m);
	if (mb != NULL)
		mbox_close(mb);
	str_free(&canon);
}
