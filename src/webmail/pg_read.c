/*
 * pg_read - reading a message: the page with its headers, attachment
 * list and actions, the body in its own sandboxed document (text, or
 * HTML rebuilt by the sanitizer), parts and inline images to download,
 * the source as plain text.  Runs in a sqwebmaild worker as the mailbox
 * owner; the message is untrusted.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#include "sanitize.h"
#include "session.h"
#include "vpop.h"
#include "vpop_update.h"
#include "wm.h"

#include "pages.h"

/* Header lines of the reading view. */
static void
msg_header(struct wm *w, struct mime_msg *m, const char *name,
    const char *key)
{
	struct str v = STR_INIT(64 * 1024);

	if (mime_display_header(m, NULL, name, &v) == 1 && v.len > 0)
		(void)html_fmt(&w->body, "<div class=\"hl\"><span>{}</span> "
		    "{}</div>", T(key), v.s);
	str_free(&v);
}

void
page_msg(struct wm *w, int print)
{
	struct str canon = STR_INIT(MSTORE_NAME_MAX), subj = STR_INIT(64 * 1024);
	struct mbox *mb = NULL;
	struct mime_msg *m = NULL;
	const struct mime_part *p;
	struct mime_part_info pi;
	const char *folder = pg_folder_arg(w, &canon);
	char	 u[16], pid[16], size[32];
	uint32_t uid;
	ssize_t	 idx;
	int	 remote = strcmp(cgi_form_gets(&w->form, "remote", ""), "1") == 0;

	if (folder == NULL || pg_uid_arg(w, &uid) == -1) {
		wm_error(w, 404, "err.nomsg");
		goto out;
	}
	if (pg_msg_open(w, folder, uid, &mb, &idx, &m, 1) == -1)
		goto out;
	/* Reading marks it read (as IMAP's FETCH BODY[] does). */
	if (!(mb->m[idx].flags & MF_SEEN))
		(void)mbox_store(mb, (size_t)idx, (mb->m[idx].flags | MF_SEEN) &
		    MF_SYSMASK, mb->m[idx].kw);
	(void)mime_display_header(m, NULL, "Subject", &subj);
	snprintf(u, sizeof(u), "%u", uid);
	pg_head(w, subj.len > 0 ? subj.s : T("list.nosubject"));
	if (print)
		(void)str_cats(&w->body, "<main class=\"print\">");
	else {
		pg_nav(w, folder);
		(void)html_fmt(&w->body, "<div class=\"msgbar\">"
		    "<a class=\"btn\" href=\"{}/list?f={u}\" id=\"back\">{}</a>"
		    "<a class=\"btn primary\" href=\"{}/compose?r=reply&amp;"
		    "f={u}&amp;u={}\" id=\"reply\">{}</a>"
		    "<a class=\"btn\" href=\"{}/compose?r=all&amp;f={u}&amp;u={}\" "
		    "id=\"replyall\">{}</a>"
		    "<a class=\"btn\" href=\"{}/compose?r=fwd&amp;f={u}&amp;u={}\" "
		    "id=\"forward\">{}</a>"
		    "<a class=\"btn\" href=\"{}/compose?r=fwdatt&amp;f={u}&amp;"
		    "u={}\">{}</a>"
		    "<form method=\"post\" action=\"{}/act\" class=\"inline\">"
		    "<input type=\"hidden\" name=\"f\" value=\"{}\">"
		    "<input type=\"hidden\" name=\"u\" value=\"{}\">",
		    w->base, folder, T("nav.back"), w->base, folder, u,
		    T("msg.reply"), w->base, folder, u, T("msg.replyall"),
		    w->base, folder, u, T("msg.forward"), w->base, folder, u,
		    T("msg.forwardatt"), w->base, folder, u);
		pg_csrf(w);
		(void)html_fmt(&w->body, "<button class=\"btn\" name=\"a\" "
		    "value=\"delete\" id=\"delete\">{}</button>"
		    "<button class=\"btn\" name=\"a\" value=\"unseen\">{}</button>"
		    "<button class=\"btn\" name=\"a\" value=\"flag\">{}</button>"
		    "</form><a class=\"btn\" href=\"{}/print?f={u}&amp;u={}\">{}</a>"
		    "<a class=\"btn\" href=\"{}/src?f={u}&amp;u={}\">{}</a></div>",
		    T("act.delete"), T("act.unseen"), T("act.flag"), w->base,
		    folder, u, T("msg.print"), w->base, folder, u,
		    T("msg.source"));
	}
	(void)html_fmt(&w->body, "<article class=\"read\"><h1 id=\"subject\">{}"
	    "</h1>", subj.len > 0 ? subj.s : T("list.nosubject"));
	msg_header(w, m, "From", "hdr.from");
	msg_header(w, m, "To", "hdr.to");
	msg_header(w, m, "Cc", "hdr.cc");
	msg_header(w, m, "Date", "hdr.date");
	/* Attachments. */
	for (p = mime_root(m); p != NULL;) {
		const struct mime_part *c = mime_part_child(p);

		if (mime_part_info(m, p, &pi) == 0 && pi.kind == MIME_LEAF &&
		    pi.attachment) {
			snprintf(pid, sizeof(pid), "%u", mime_part_id(p));
			pg_size(pi.size * 3 / 4, size, sizeof(size));
			(void)html_fmt(&w->body, "<div class=\"att\"><a href=\""
			    "{}/part?f={u}&amp;u={}&amp;p={}&amp;dl=1\" "
			    "download>{}</a> <span>{}/{} {}</span></div>",
			    w->base, folder, u, pid, pi.filename != NULL ?
			    pi.filename : T("msg.noname"), pi.type, pi.subtype,
			    size);
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
	(void)html_fmt(&w->body, "<iframe class=\"body\" id=\"body\" "
	    "sandbox=\"allow-popups allow-popups-to-escape-sandbox\" "
	    "src=\"{}/body?f={u}&amp;u={}{!}\" title=\"{}\"></iframe>",
	    w->base, folder, u, remote ? "&amp;remote=1" : "",
	    T("msg.body"));
	if (!remote && !print)
		(void)html_fmt(&w->body, "<p class=\"remote\"><a href=\""
		    "{}/msg?f={u}&amp;u={}&amp;remote=1\">{}</a></p>", w->base,
		    folder, u, T("msg.showremote"));
	(void)str_cats(&w->body, "</article>");
	pg_foot(w);
out:
	mime_free(m);
	if (mb != NULL)
		mbox_close(mb);
	str_free(&canon);
	str_free(&subj);
}

/* Text to HTML: escaped, links made clickable, quotes marked. */
static void
text_html(struct str *out, const char *t, size_t n)
{
	const char *p = t, *end = t + n, *nl;

	(void)str_cats(out, "<div class=\"text\">");
	while (p < end) {
		int	 depth = 0;
		const char *q;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		for (q = p; q < nl && (*q == '>' || *q == ' '); q++)
			if (*q == '>')
				depth++;
		if (depth > 0)
			(void)str_printf(out, "<span class=\"q%d\">",
			    depth > 3 ? 3 : depth);
		/* URLs (http/https) become links; the rest is text. */
		for (q = p; q < nl;) {
			const char *u = NULL, *s;

			for (s = q; s + 8 <= nl; s++)
				if (strncmp(s, "https://", 8) == 0 ||
				    strncmp(s, "http://", 7) == 0) {
					u = s;
					break;
				}
			if (u == NULL) {
				(void)html_esc(out, q, (size_t)(nl - q));
				break;
			}
			(void)html_esc(out, q, (size_t)(u - q));
			for (s = u; s < nl && *s != ' ' && *s != '\t' &&
			    *s != '<' && *s != '>' && *s != '"' && *s != '\''; s++)
				;
			(void)str_cats(out, "<a href=\"");
			(void)html_esc(out, u, (size_t)(s - u));
			(void)str_cats(out, "\" target=\"_blank\" rel=\"noopener "
			    "noreferrer\">");
			(void)html_esc(out, u, (size_t)(s - u));
			(void)str_cats(out, "</a>");
			q = s;
		}
		if (depth > 0)
			(void)str_cats(out, "</span>");
		(void)str_catc(out, '\n');
		p = nl + 1;
	}
	(void)str_cats(out, "</div>");
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
	(void)html_fmt(&w->body, "<!doctype html><html><head><meta "
	    "charset=\"utf-8\"><link rel=\"stylesheet\" href=\"{}/s/body.css\">"
	    "</head><body>", w->base);
	p = mime_body_part(m, 1);
	if (p == NULL || mime_part_info(m, p, &pi) == -1) {
		(void)html_fmt(&w->body, "<p class=\"none\">{}</p>",
		    T("msg.notext"));
	} else if (strcmp(pi.subtype, "html") == 0) {
		(void)mime_part_text(m, p, MIME_DEC_TEXT, &text);
		(void)str_printf(&cid, "%s/part?f=", w->base);
		(void)cgi_url_escape(&cid, folder, strlen(folder));
		(void)str_printf(&cid, "&u=%u&cid=", uid);
		so.remote_images = remote;
		so.cid_url = cid.s;
		(void)san_html(text.s != NULL ? text.s : "", text.len, &so,
		    &w->body, &sr);
		if (sr.remote_blocked)
			(void)html_fmt(&w->body, "<p class=\"blocked\">{}</p>",
			    T("msg.remoteblocked"));
	} else {
		(void)mime_part_text(m, p, pi.flowed ? MIME_DEC_TEXT |
		    MIME_DEC_FLOWED : MIME_DEC_TEXT, &text);
		text_html(&w->body, text.s != NULL ? text.s : "", text.len);
	}
	(void)str_cats(&w->body, "</body></html>");
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
	(void)str_printf(&h, "Status: 200 OK\r\nContent-Type: %s\r\n"
	    "Content-Disposition: %s; filename=\"download\"; "
	    "filename*=UTF-8''", inline_img ? (strcmp(pi.subtype, "png") == 0 ?
	    "image/png" : strcmp(pi.subtype, "gif") == 0 ? "image/gif" :
	    strcmp(pi.subtype, "webp") == 0 ? "image/webp" : "image/jpeg") :
	    "application/octet-stream", inline_img ? "inline" : "attachment");
	(void)cgi_url_escape(&h, pi.filename != NULL ? pi.filename : "part",
	    strlen(pi.filename != NULL ? pi.filename : "part"));
	(void)str_cats(&h, "\r\nX-Content-Type-Options: nosniff\r\n"
	    "Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n"
	    "Content-Security-Policy: default-src 'none'; sandbox\r\n"
	    "Cross-Origin-Resource-Policy: same-origin\r\n\r\n");
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
	(void)str_cats(&w->hdr, "Content-Type: text/plain; charset=utf-8\r\n");
	(void)utf8_clean(&w->body, (const char *)b, n);
out:
	mime_free(m);
	if (mb != NULL)
		mbox_close(mb);
	str_free(&canon);
}
