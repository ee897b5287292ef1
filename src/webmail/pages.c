/*
 * pages - every page of the webmail: login, folders, the message list
 * (paged, sorted, searched), reading (text, sanitized HTML in a sandboxed
 * frame, attachments), compose and send, moving and flags, settings
 * (password, forwarding, vacation) and logout.  Runs in a sqwebmaild
 * worker: as the mailbox owner in the user's directory (wm_serve_user)
 * or unprivileged (wm_serve_anon).  Mail and requests are untrusted:
 * everything shown goes through html_esc/html_fmt; folder names are
 * checked by the store (mstore_name_ok) and messages named by UID only.
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

#define PAGE_SIZE	50		/* messages per list page */
#define TEXT_MAX	(8UL * 1024 * 1024)	/* text shown of one body */
#define SEARCH_MAX	200		/* characters of a search */
#define DOTQMAIL_MAX	(64 * 1024)
#define VACATION_MAX	(32 * 1024)	/* the vacation text */

static struct mstore *st;

static void	page_head(struct wm *, const char *);
static void	page_foot(struct wm *);
static void	nav(struct wm *, const char *);
static int	open_store(struct wm *);
static const char *folder_arg(struct wm *, struct str *);
static int	uid_arg(struct wm *, uint32_t *);
static void	page_login(struct wm *);
static void	page_list(struct wm *);
static void	page_folders(struct wm *);
static void	page_msg(struct wm *, int);
static void	page_body(struct wm *);
static void	page_part(struct wm *);
static void	page_compose(struct wm *);
static void	page_send(struct wm *);
static void	page_act(struct wm *);
static void	page_settings(struct wm *);
static void	page_settings_post(struct wm *);
static void	page_folder_post(struct wm *);
static void	csrf_field(struct wm *);
static void	fmt_date(time_t, char *, size_t);
static void	fmt_size(uint64_t, char *, size_t);

/* ---- frame of every page ---- */

static void
page_head(struct wm *w, const char *title)
{
	(void)html_fmt(&w->body, "<!doctype html><html lang=\"{}\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">"
	    "<meta name=\"referrer\" content=\"no-referrer\">"
	    "<title>{} - {}</title>"
	    "<link rel=\"stylesheet\" href=\"{}/s/style.css\">"
	    "<script src=\"{}/s/app.js\" defer></script></head><body>",
	    T("lang.code"), title, T("app.name"), w->base, w->base);
}

static void
page_foot(struct wm *w)
{
	(void)str_cats(&w->body, "</main></body></html>");
}

static void
csrf_field(struct wm *w)
{
	(void)html_fmt(&w->body, "<input type=\"hidden\" name=\"csrf\" "
	    "value=\"{}\">", w->sess->csrf);
}

/* The bar at the top: folders, compose, settings, logout. */
static void
nav(struct wm *w, const char *folder)
{
	(void)html_fmt(&w->body, "<header class=\"bar\"><a class=\"brand\" "
	    "href=\"{}/list?f={u}\">{}</a><nav>"
	    "<a href=\"{}/compose\" class=\"btn primary\" accesskey=\"c\">{}</a>"
	    "<a href=\"{}/folders\" class=\"btn\">{}</a>"
	    "<a href=\"{}/settings\" class=\"btn\">{}</a>"
	    "<form method=\"post\" action=\"{}/logout\" class=\"inline\">",
	    w->base, folder != NULL ? folder : "INBOX", T("app.name"),
	    w->base, T("nav.compose"), w->base, T("nav.folders"), w->base,
	    T("nav.settings"), w->base);
	csrf_field(w);
	(void)html_fmt(&w->body, "<button class=\"btn\" id=\"logout\">{}"
	    "</button></form></nav><span class=\"who\">{}</span></header>"
	    "<main>", T("nav.logout"), w->sess->user.s);
}

static void
fmt_date(time_t t, char *b, size_t n)
{
	struct tm tm, now_tm;
	time_t	 now = time(NULL);

	localtime_r(&t, &tm);
	localtime_r(&now, &now_tm);
	if (tm.tm_year == now_tm.tm_year && tm.tm_yday == now_tm.tm_yday)
		strftime(b, n, "%H:%M", &tm);
	else if (tm.tm_year == now_tm.tm_year)
		strftime(b, n, "%b %e", &tm);
	else
		strftime(b, n, "%Y-%m-%d", &tm);
}

static void
fmt_size(uint64_t s, char *b, size_t n)
{
	if (s < 1024)
		snprintf(b, n, "%llu B", (unsigned long long)s);
	else if (s < 1024 * 1024)
		snprintf(b, n, "%llu KB", (unsigned long long)(s + 1023) / 1024);
	else
		snprintf(b, n, "%.1f MB", (double)s / (1024.0 * 1024.0));
}

static int
open_store(struct wm *w)
{
	if (st != NULL)
		return 0;
	if (mstore_open(&st, "Maildir") == -1) {
		log_warn("cannot open the Maildir of %s: %s", w->sess->user.s,
		    strerror(errno));
		wm_error(w, 503, "err.mailbox");
		return -1;
	}
	(void)mstore_ensure_special(st);
	return 0;
}

/* The folder named by f= (checked by the store), default INBOX. */
static const char *
folder_arg(struct wm *w, struct str *canon)
{
	const char *f = cgi_form_gets(&w->form, "f", "INBOX");

	if (!mstore_name_ok(f, canon))
		return NULL;
	return canon->s;
}

static int
uid_arg(struct wm *w, uint32_t *uid)
{
	unsigned long v;

	if (num_parses(cgi_form_gets(&w->form, "u", ""), 0xffffffffUL, &v) ==
	    -1 || v == 0)
		return -1;
	*uid = (uint32_t)v;
	return 0;
}

/* The display name of a folder: its last component, specials named. */
static const char *
folder_label(const char *name, enum mstore_special sp)
{
	const char *p;

	switch (sp) {
	case MS_SENT: return T("folder.sent");
	case MS_DRAFTS: return T("folder.drafts");
	case MS_TRASH: return T("folder.trash");
	case MS_JUNK: return T("folder.junk");
	case MS_ARCHIVE: return T("folder.archive");
	default: break;
	}
	if (strcmp(name, "INBOX") == 0)
		return T("folder.inbox");
	p = strrchr(name, '.');
	return p != NULL ? p + 1 : name;
}

/* ---- anonymous pages ---- */

static void
page_login(struct wm *w)
{
	char	 pre[SESSION_ID_LEN + 1];
	const char *e = cgi_form_gets(&w->form, "e", "");
	const char *msg = NULL;

	if (session_random(pre, sizeof(pre), SESSION_ID_BYTES) == -1) {
		wm_error(w, 503, "err.temp");
		return;
	}
	if (strcmp(e, "bad") == 0)
		msg = T("login.bad");
	else if (strcmp(e, "many") == 0)
		msg = T("login.many");
	else if (strcmp(e, "temp") == 0)
		msg = T("err.temp");
	else if (strcmp(e, "csrf") == 0)
		msg = T("login.expired");
	(void)str_printf(&w->hdr, "Set-Cookie: " WM_PRECOOKIE "=%s; Path=%s/; "
	    "HttpOnly; SameSite=Strict%s\r\n", pre, w->base,
	    w->https ? "; Secure" : "");
	(void)html_fmt(&w->body, "<!doctype html><html lang=\"{}\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">"
	    "<title>{}</title><link rel=\"stylesheet\" href=\"{}/s/style.css\">"
	    "</head><body class=\"login\"><main class=\"card\">"
	    "<h1>{}</h1>", T("lang.code"), T("app.name"), w->base,
	    T("app.name"));
	if (msg != NULL)
		(void)html_fmt(&w->body, "<p class=\"alert\" role=\"alert\">{}"
		    "</p>", msg);
	(void)html_fmt(&w->body, "<form method=\"post\" action=\"{}/login\">"
	    "<input type=\"hidden\" name=\"csrf\" value=\"{}\">"
	    "<label for=\"user\">{}</label><input id=\"user\" name=\"user\" "
	    "type=\"email\" autocomplete=\"username\" autocapitalize=\"off\" "
	    "required autofocus>"
	    "<label for=\"pass\">{}</label><input id=\"pass\" name=\"pass\" "
	    "type=\"password\" autocomplete=\"current-password\" required>"
	    "<label class=\"check\"><input type=\"checkbox\" name=\"roam\" "
	    "value=\"1\"> {}</label>"
	    "<button class=\"btn primary wide\" id=\"login\">{}</button>"
	    "</form></main></body></html>", w->base, pre, T("login.user"),
	    T("login.pass"), T("login.roam"), T("login.submit"));
}

/* Thunderbird's autoconfig, for any address of this box. */
static void
page_autoconfig(struct wm *w)
{
	const char *host = wm_conf.imap_host != NULL ? wm_conf.imap_host :
	    str_c(&w->env.v[CGI_SERVER_NAME]);
	char	 p[6][8];

	snprintf(p[0], 8, "%u", wm_conf.imap_port);
	snprintf(p[1], 8, "%u", wm_conf.imaps_port);
	snprintf(p[2], 8, "%u", wm_conf.pop3_port);
	snprintf(p[3], 8, "%u", wm_conf.pop3s_port);
	snprintf(p[4], 8, "%u", wm_conf.submission_port);
	(void)str_cats(&w->hdr, "Content-Type: application/xml; "
	    "charset=utf-8\r\n");
	(void)html_fmt(&w->body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<clientConfig version=\"1.1\"><emailProvider id=\"{}\">"
	    "<domain>{}</domain><displayName>{}</displayName>"
	    "<incomingServer type=\"imap\"><hostname>{}</hostname><port>{}"
	    "</port><socketType>SSL</socketType><authentication>"
	    "password-cleartext</authentication><username>%EMAILADDRESS%"
	    "</username></incomingServer>"
	    "<incomingServer type=\"imap\"><hostname>{}</hostname><port>{}"
	    "</port><socketType>STARTTLS</socketType><authentication>"
	    "password-cleartext</authentication><username>%EMAILADDRESS%"
	    "</username></incomingServer>"
	    "<incomingServer type=\"pop3\"><hostname>{}</hostname><port>{}"
	    "</port><socketType>SSL</socketType><authentication>"
	    "password-cleartext</authentication><username>%EMAILADDRESS%"
	    "</username></incomingServer>"
	    "<outgoingServer type=\"smtp\"><hostname>{}</hostname><port>{}"
	    "</port><socketType>STARTTLS</socketType><authentication>"
	    "password-cleartext</authentication><username>%EMAILADDRESS%"
	    "</username></outgoingServer></emailProvider></clientConfig>\n",
	    host, "%EMAILDOMAIN%", host, host, p[1], host, p[0], host, p[3],
	    host, p[4]);
}

/* Outlook's autodiscover (POX): the same servers, for the address the
 * client posts (only echoed after it was checked to be an address). */
static void
page_autodiscover(struct wm *w)
{
	const char *host = wm_conf.imap_host != NULL ? wm_conf.imap_host :
	    str_c(&w->env.v[CGI_SERVER_NAME]);
	char	 p[3][8];

	snprintf(p[0], 8, "%u", wm_conf.imaps_port);
	snprintf(p[1], 8, "%u", wm_conf.pop3s_port);
	snprintf(p[2], 8, "%u", wm_conf.submission_port);
	(void)str_cats(&w->hdr, "Content-Type: application/xml; "
	    "charset=utf-8\r\n");
	(void)html_fmt(&w->body, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/"
	    "autodiscover/responseschema/2006\"><Response xmlns=\"http://"
	    "schemas.microsoft.com/exchange/autodiscover/outlook/"
	    "responseschema/2006a\"><Account><AccountType>email</AccountType>"
	    "<Action>settings</Action>"
	    "<Protocol><Type>IMAP</Type><Server>{}</Server><Port>{}</Port>"
	    "<SSL>on</SSL><SPA>off</SPA><AuthRequired>on</AuthRequired>"
	    "</Protocol>"
	    "<Protocol><Type>POP3</Type><Server>{}</Server><Port>{}</Port>"
	    "<SSL>on</SSL><SPA>off</SPA><AuthRequired>on</AuthRequired>"
	    "</Protocol>"
	    "<Protocol><Type>SMTP</Type><Server>{}</Server><Port>{}</Port>"
	    "<SSL>off</SSL><Encryption>TLS</Encryption><SPA>off</SPA>"
	    "<AuthRequired>on</AuthRequired><UsePOPAuth>on</UsePOPAuth>"
	    "</Protocol></Account></Response></Autodiscover>\n",
	    host, p[0], host, p[1], host, p[2]);
}

/* An Apple configuration profile for the address typed (?email=). */
static void
page_mobileconfig(struct wm *w)
{
	const char *host = wm_conf.imap_host != NULL ? wm_conf.imap_host :
	    str_c(&w->env.v[CGI_SERVER_NAME]);
	const char *email = cgi_form_gets(&w->form, "email", "");
	char	 u1[SESSION_ID_LEN + 1], u2[SESSION_ID_LEN + 1], p[2][8];
	struct str user = STR_INIT(256), dom = STR_INIT(256);

	if (vpop_login_split(email, &user, &dom) == -1 || dom.len == 0 ||
	    strchr(email, '@') == NULL) {
		page_head(w, T("setup.title"));
		(void)html_fmt(&w->body, "<main class=\"card\"><h1>{}</h1>"
		    "<form method=\"get\"><label for=\"email\">{}</label>"
		    "<input id=\"email\" name=\"email\" type=\"email\" "
		    "required><button class=\"btn primary wide\">{}</button>"
		    "</form>", T("setup.title"), T("login.user"),
		    T("setup.download"));
		page_foot(w);
		goto out;
	}
	(void)session_random(u1, sizeof(u1), 16);
	(void)session_random(u2, sizeof(u2), 16);
	snprintf(p[0], 8, "%u", wm_conf.imaps_port);
	snprintf(p[1], 8, "%u", wm_conf.submission_port);
	(void)str_cats(&w->hdr, "Content-Type: application/x-apple-aspen-config"
	    "\r\nContent-Disposition: attachment; filename=\"mail.mobileconfig\""
	    "\r\n");
	(void)html_fmt(&w->body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
	    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
	    "<plist version=\"1.0\"><dict><key>PayloadContent</key><array><dict>"
	    "<key>EmailAccountType</key><string>EmailTypeIMAP</string>"
	    "<key>EmailAddress</key><string>{}@{}</string>"
	    "<key>IncomingMailServerAuthentication</key><string>"
	    "EmailAuthPassword</string>"
	    "<key>IncomingMailServerHostName</key><string>{}</string>"
	    "<key>IncomingMailServerPortNumber</key><integer>{}</integer>"
	    "<key>IncomingMailServerUseSSL</key><true/>"
	    "<key>IncomingMailServerUsername</key><string>{}@{}</string>"
	    "<key>OutgoingMailServerAuthentication</key><string>"
	    "EmailAuthPassword</string>"
	    "<key>OutgoingMailServerHostName</key><string>{}</string>"
	    "<key>OutgoingMailServerPortNumber</key><integer>{}</integer>"
	    "<key>OutgoingMailServerUseSSL</key><true/>"
	    "<key>OutgoingMailServerUsername</key><string>{}@{}</string>"
	    "<key>OutgoingPasswordSameAsIncomingPassword</key><true/>"
	    "<key>PayloadIdentifier</key><string>mail.{}</string>"
	    "<key>PayloadType</key><string>com.apple.mail.managed</string>"
	    "<key>PayloadUUID</key><string>{}</string>"
	    "<key>PayloadVersion</key><integer>1</integer></dict></array>"
	    "<key>PayloadDisplayName</key><string>{}</string>"
	    "<key>PayloadIdentifier</key><string>profile.{}</string>"
	    "<key>PayloadType</key><string>Configuration</string>"
	    "<key>PayloadUUID</key><string>{}</string>"
	    "<key>PayloadVersion</key><integer>1</integer></dict></plist>\n",
	    user.s, dom.s, host, p[0], user.s, dom.s, host, p[1], user.s,
	    dom.s, dom.s, u1, dom.s, dom.s, u2);
out:
	str_free(&user);
	str_free(&dom);
}

void
wm_serve_anon(struct wm *w)
{
	const char *user, *pass;
	struct str rec = STR_INIT(1100);

	if (wm_read_form(w) == -1)
		return;
	if (strcmp(w->path, "/autoconfig") == 0) {
		page_autoconfig(w);
		return;
	}
	if (strcmp(w->path, "/autodiscover") == 0) {
		page_autodiscover(w);
		return;
	}
	if (strcmp(w->path, "/mobileconfig") == 0) {
		page_mobileconfig(w);
		return;
	}
	if (strcmp(w->path, "/login") == 0 && w->post) {
		if (!wm_csrf_ok(w)) {
			wm_redirect(w, "?e=csrf");
			return;
		}
		user = cgi_form_gets(&w->form, "user", "");
		pass = cgi_form_gets(&w->form, "pass", "");
		if (*user == '\0' || *pass == '\0' || strlen(user) > 512 ||
		    strlen(pass) > 512) {
			wm_redirect(w, "?e=bad");
			return;
		}
		/* The monitor checks it and answers; we say nothing. */
		if (str_catc(&rec, WM_MSG_LOGIN) == 0 &&
		    str_cats(&rec, user) == 0 && str_catc(&rec, '\0') == 0 &&
		    str_cats(&rec, pass) == 0 && str_catc(&rec, '\0') == 0 &&
		    str_catc(&rec, strcmp(cgi_form_gets(&w->form, "roam", ""),
		    "1") == 0 ? '0' : '1') == 0 && str_catc(&rec, '\0') == 0)
			(void)file_writeall(w->status_fd, rec.s, rec.len);
		str_wipe(&rec);
		close(w->status_fd);
		_exit(0);
	}
	if (w->post) {
		/* A form of an ended session: log in again. */
		wm_redirect(w, "?e=csrf");
		return;
	}
	page_login(w);
}

/* ---- the user's pages ---- */

/* One row of the message list. */
static void
list_row(struct wm *w, const char *folder, struct mbox *mb, size_t i)
{
	struct mime_msg *m = NULL;
	struct str from = STR_INIT(4096), subj = STR_INIT(4096);
	const struct mmsg *x = &mb->m[i];
	char	 date[32], uid[16], size[32];
	int	 fd;

	if ((fd = mbox_msg_open(mb, i)) != -1) {
		if (mime_open_fd(fd, &m) == 0) {
			(void)mime_display_header(m, NULL, "From", &from);
			(void)mime_display_header(m, NULL, "Subject", &subj);
		}
		close(fd);
	}
	if (from.len > 200)
		str_truncate(&from, 200);
	if (subj.len > 300)
		str_truncate(&subj, 300);
	fmt_date((time_t)x->idate, date, sizeof(date));
	{
		uint64_t sz = x->size;

		if (sz == 0)
			(void)mbox_msg_size(mb, i, &sz);
		fmt_size(sz, size, sizeof(size));
	}
	snprintf(uid, sizeof(uid), "%u", x->uid);
	(void)html_fmt(&w->body, "<li class=\"msg{}{}\"><input type=\"checkbox\" "
	    "name=\"u\" value=\"{}\" form=\"acts\" aria-label=\"{}\">"
	    "<a href=\"{}/msg?f={u}&amp;u={}\"><span class=\"from\">{}</span>"
	    "<span class=\"date\">{}</span><span class=\"subj\">{}</span>"
	    "<span class=\"size\">{}</span></a></li>",
	    (x->flags & MF_SEEN) ? "" : " unread",
	    (x->flags & MF_FLAGGED) ? " flagged" : "", uid, T("list.select"),
	    w->base, folder, uid, from.len > 0 ? from.s : T("list.nofrom"),
	    date, subj.len > 0 ? subj.s : T("list.nosubject"), size);
	mime_free(m);
	str_free(&from);
	str_free(&subj);
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

static const struct mbox *sort_mb;

/* qsort: older first (the list walks it backwards). */
static int
by_date(const void *a, const void *b)
{
	const struct mmsg *x = &sort_mb->m[*(const size_t *)a];
	const struct mmsg *y = &sort_mb->m[*(const size_t *)b];

	if (x->idate != y->idate)
		return x->idate < y->idate ? -1 : 1;
	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

static void
page_list(struct wm *w)
{
	struct str canon = STR_INIT(MSTORE_NAME_MAX);
	struct mstore_folder *fv = NULL;
	struct mbox *mb = NULL;
	const char *folder = folder_arg(w, &canon);
	const char *q = cgi_form_gets(&w->form, "q", "");
	unsigned long page = 0;
	size_t	 nf = 0, i, shown = 0, skipped = 0, total, *order = NULL;
	unsigned long long used = 0, limit = 0, cnt, climit;
	char	 num[32];
	int	 more = 0;

	if (folder == NULL || open_store(w) == -1) {
		if (folder == NULL)
			wm_error(w, 404, "err.nofolder");
		goto out;
	}
	(void)num_parses(cgi_form_gets(&w->form, "p", "0"), 100000, &page);
	if (strlen(q) > SEARCH_MAX)
		q = "";
	if (mbox_open(st, folder, 0, &mb) == -1) {
		wm_error(w, errno == ENOENT ? 404 : 503, errno == ENOENT ?
		    "err.nofolder" : "err.mailbox");
		goto out;
	}
	page_head(w, folder_label(folder, MS_NONE));
	nav(w, folder);
	/* Folders beside the list (a drawer on a phone). */
	(void)str_cats(&w->body, "<div class=\"layout\"><aside class=\"folders\">"
	    "<ul>");
	if (mstore_list(st, &fv, &nf) == 0)
		for (i = 0; i < nf; i++) {
			struct mstore_status ss;

			if (fv[i].flags & (MSF_NOSELECT | MSF_NONEXISTENT))
				continue;
			memset(&ss, 0, sizeof(ss));
			(void)mstore_status(st, fv[i].name, &ss);
			snprintf(num, sizeof(num), "%u", ss.unseen);
			(void)html_fmt(&w->body, "<li{}><a href=\"{}/list?f={u}\">"
			    "{}</a>{!}</li>", strcmp(fv[i].name, folder) == 0 ?
			    " class=\"current\"" : "", w->base, fv[i].name,
			    folder_label(fv[i].name, fv[i].special), "");
			if (ss.unseen > 0) {
				str_truncate(&w->body, w->body.len - 5);
				(void)html_fmt(&w->body, "<span class=\"count\">{}"
				    "</span></li>", num);
			}
		}
	if (mstore_quota(st, &used, &limit, &cnt, &climit) == 0 && limit > 0) {
		char	 u[32], l[32];

		fmt_size(used, u, sizeof(u));
		fmt_size(limit, l, sizeof(l));
		(void)html_fmt(&w->body, "</ul><p class=\"quota\">{} {} / {}"
		    "<meter min=\"0\" max=\"100\" value=\"{}\"></meter></p>",
		    T("quota.used"), u, l, (snprintf(num, sizeof(num), "%llu",
		    used * 100 / limit), num));
	} else
		(void)str_cats(&w->body, "</ul>");
	(void)html_fmt(&w->body, "</aside><section class=\"list\">"
	    "<form class=\"search\" method=\"get\" action=\"{}/list\">"
	    "<input type=\"hidden\" name=\"f\" value=\"{}\">"
	    "<input type=\"search\" name=\"q\" value=\"{}\" placeholder=\"{}\" "
	    "aria-label=\"{}\" id=\"q\"></form>", w->base, folder, q,
	    T("list.search"), T("list.search"));
	/* Actions on the selected messages. */
	(void)html_fmt(&w->body, "<form id=\"acts\" method=\"post\" "
	    "action=\"{}/act\" class=\"acts\"><input type=\"hidden\" name=\"f\" "
	    "value=\"{}\">", w->base, folder);
	csrf_field(w);
	(void)html_fmt(&w->body, "<button name=\"a\" value=\"delete\" "
	    "class=\"btn\">{}</button><button name=\"a\" value=\"seen\" "
	    "class=\"btn\">{}</button><button name=\"a\" value=\"unseen\" "
	    "class=\"btn\">{}</button><button name=\"a\" value=\"flag\" "
	    "class=\"btn\">{}</button><select name=\"to\" aria-label=\"{}\">"
	    "<option value=\"\">{}</option>", T("act.delete"), T("act.seen"),
	    T("act.unseen"), T("act.flag"), T("act.moveto"), T("act.moveto"));
	for (i = 0; i < nf; i++)
		if (!(fv[i].flags & (MSF_NOSELECT | MSF_NONEXISTENT)) &&
		    strcmp(fv[i].name, folder) != 0)
			(void)html_fmt(&w->body, "<option value=\"{}\">{}</option>",
			    fv[i].name, folder_label(fv[i].name,
			    fv[i].special));
	(void)html_fmt(&w->body, "</select><button name=\"a\" value=\"move\" "
	    "class=\"btn\">{}</button>", T("act.move"));
	if (mstore_special_folder(st, MS_TRASH) != NULL &&
	    strcmp(folder, mstore_special_folder(st, MS_TRASH)) == 0)
		(void)html_fmt(&w->body, "<button name=\"a\" value=\"empty\" "
		    "class=\"btn danger\">{}</button>", T("act.empty"));
	(void)str_cats(&w->body, "</form><ul class=\"msgs\">");
	/* Newest first: by arrival time, then UID. */
	total = mb->n;
	if ((order = calloc(total + 1, sizeof(*order))) == NULL) {
		wm_error(w, 503, "err.temp");
		goto out;
	}
	for (i = 0; i < total; i++)
		order[i] = i;
	sort_mb = mb;
	qsort(order, total, sizeof(*order), by_date);
	for (size_t oi = total; oi-- > 0;) {
		i = order[oi];
		if (*q != '\0' && !list_match(mb, i, q))
			continue;
		if (skipped < page * PAGE_SIZE) {
			skipped++;
			continue;
		}
		if (shown == PAGE_SIZE) {
			more = 1;
			break;
		}
		list_row(w, folder, mb, i);
		shown++;
	}
	if (shown == 0)
		(void)html_fmt(&w->body, "<li class=\"empty\">{}</li>",
		    *q != '\0' ? T("list.nomatch") : T("list.empty"));
	(void)str_cats(&w->body, "</ul><nav class=\"pager\">");
	if (page > 0) {
		snprintf(num, sizeof(num), "%lu", page - 1);
		(void)html_fmt(&w->body, "<a class=\"btn\" href=\"{}/list?f={u}"
		    "&amp;q={u}&amp;p={}\" id=\"prev\">{}</a>", w->base, folder,
		    q, num, T("list.newer"));
	}
	if (more) {
		snprintf(num, sizeof(num), "%lu", page + 1);
		(void)html_fmt(&w->body, "<a class=\"btn\" href=\"{}/list?f={u}"
		    "&amp;q={u}&amp;p={}\" id=\"next\">{}</a>", w->base, folder,
		    q, num, T("list.older"));
	}
	(void)str_cats(&w->body, "</nav></section></div>");
	page_foot(w);
out:
	free(order);
	if (fv != NULL)
		mstore_list_free(fv, nf);
	if (mb != NULL)
		mbox_close(mb);
	str_free(&canon);
}

/* Open message uid of folder: the mbox, its index and the parsed message. */
static int
msg_open(struct wm *w, const char *folder, uint32_t uid, struct mbox **mb,
    ssize_t *idx, struct mime_msg **m, int rw)
{
	int	 fd;

	*mb = NULL;
	*m = NULL;
	if (open_store(w) == -1)
		return -1;
	if (mbox_open(st, folder, rw ? MBOX_NORECENT : MBOX_RDONLY |
	    MBOX_NORECENT, mb) == -1 || (*idx = mbox_find(*mb, uid)) < 0 ||
	    (fd = mbox_msg_open(*mb, (size_t)*idx)) == -1) {
		wm_error(w, 404, "err.nomsg");
		return -1;
	}
	if (mime_open_fd(fd, m) == -1) {
		close(fd);
		wm_error(w, 503, "err.mailbox");
		return -1;
	}
	close(fd);
	return 0;
}

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

static void
page_msg(struct wm *w, int print)
{
	struct str canon = STR_INIT(MSTORE_NAME_MAX), subj = STR_INIT(64 * 1024);
	struct mbox *mb = NULL;
	struct mime_msg *m = NULL;
	const struct mime_part *p;
	struct mime_part_info pi;
	const char *folder = folder_arg(w, &canon);
	char	 u[16], pid[16], size[32];
	uint32_t uid;
	ssize_t	 idx;
	int	 remote = strcmp(cgi_form_gets(&w->form, "remote", ""), "1") == 0;

	if (folder == NULL || uid_arg(w, &uid) == -1) {
		wm_error(w, 404, "err.nomsg");
		goto out;
	}
	if (msg_open(w, folder, uid, &mb, &idx, &m, 1) == -1)
		goto out;
	/* Reading marks it read (as IMAP's FETCH BODY[] does). */
	if (!(mb->m[idx].flags & MF_SEEN))
		(void)mbox_store(mb, (size_t)idx, (mb->m[idx].flags | MF_SEEN) &
		    MF_SYSMASK, mb->m[idx].kw);
	(void)mime_display_header(m, NULL, "Subject", &subj);
	snprintf(u, sizeof(u), "%u", uid);
	page_head(w, subj.len > 0 ? subj.s : T("list.nosubject"));
	if (print)
		(void)str_cats(&w->body, "<main class=\"print\">");
	else {
		nav(w, folder);
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
		csrf_field(w);
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
			fmt_size(pi.size * 3 / 4, size, sizeof(size));
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
	page_foot(w);
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
static void
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
	const char *folder = folder_arg(w, &canon);
	int	 remote = strcmp(cgi_form_gets(&w->form, "remote", ""), "1") == 0;
	uint32_t uid;
	ssize_t	 idx;

	if (folder == NULL || uid_arg(w, &uid) == -1) {
		wm_error(w, 404, "err.nomsg");
		goto out;
	}
	if (msg_open(w, folder, uid, &mb, &idx, &m, 0) == -1)
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
static void
page_part(struct wm *w)
{
	struct str canon = STR_INIT(MSTORE_NAME_MAX), h = STR_INIT(8192);
	struct mbox *mb = NULL;
	struct mime_msg *m = NULL;
	const struct mime_part *p = NULL;
	struct mime_part_info pi;
	const char *folder = folder_arg(w, &canon);
	const char *cid = cgi_form_gets(&w->form, "cid", NULL);
	unsigned long pid;
	uint32_t uid;
	ssize_t	 idx;
	struct dl d;
	int	 inline_img;

	if (folder == NULL || uid_arg(w, &uid) == -1) {
		wm_error(w, 404, "err.nomsg");
		goto out;
	}
	if (msg_open(w, folder, uid, &mb, &idx, &m, 0) == -1)
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
static void
page_src(struct wm *w)
{
	struct str canon = STR_INIT(MSTORE_NAME_MAX);
	struct mbox *mb = NULL;
	struct mime_msg *m = NULL;
	const char *folder = folder_arg(w, &canon);
	const unsigned char *b;
	uint32_t uid;
	ssize_t	 idx;
	size_t	 n;

	if (folder == NULL || uid_arg(w, &uid) == -1) {
		wm_error(w, 404, "err.nomsg");
		goto out;
	}
	if (msg_open(w, folder, uid, &mb, &idx, &m, 0) == -1)
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

/* ---- compose ---- */

/* A 303 to the list of folder. */
static void
redirect_list(struct wm *w, const char *folder)
{
	struct str rel = STR_INIT(4096);

	if (str_cats(&rel, "list?f=") == 0 && cgi_url_escape(&rel, folder,
	    strlen(folder)) == 0)
		wm_redirect(w, rel.s);
	else
		wm_redirect(w, "");
	str_free(&rel);
}

/* "Re: " once. */
static void
prefix_subject(struct str *out, const char *pre, const char *s)
{
	size_t	 l = strlen(pre);

	if (strncasecmp(s, pre, l) != 0)
		(void)str_cats(out, pre);
	(void)str_cats(out, s);
}

static void
page_compose(struct wm *w)
{
	struct str to = STR_INIT(64 * 1024), cc = STR_INIT(64 * 1024);
	struct str subj = STR_INIT(64 * 1024), body = STR_INIT(TEXT_MAX);
	struct str tmp = STR_INIT(64 * 1024), canon = STR_INIT(MSTORE_NAME_MAX);
	struct str from = STR_INIT(64 * 1024), date = STR_INIT(1024);
	struct mbox *mb = NULL;
	struct mime_msg *m = NULL;
	const struct mime_part *p;
	const char *r = cgi_form_gets(&w->form, "r", "");
	const char *folder = NULL;
	char	 u[16] = "";
	uint32_t uid = 0;
	ssize_t	 idx;

	(void)str_cats(&to, cgi_form_gets(&w->form, "to", ""));
	if (*r != '\0' && (folder = folder_arg(w, &canon)) != NULL &&
	    uid_arg(w, &uid) == 0 && msg_open(w, folder, uid, &mb, &idx, &m,
	    0) == 0) {
		snprintf(u, sizeof(u), "%u", uid);
		(void)mime_display_header(m, NULL, "Subject", &tmp);
		(void)mime_display_header(m, NULL, "From", &from);
		(void)mime_display_header(m, NULL, "Date", &date);
		if (strcmp(r, "reply") == 0 || strcmp(r, "all") == 0) {
			prefix_subject(&subj, "Re: ", tmp.s != NULL ? tmp.s : "");
			str_clear(&tmp);
			if (mime_display_header(m, NULL, "Reply-To", &tmp) != 1 ||
			    tmp.len == 0) {
				str_clear(&tmp);
				(void)str_cat(&tmp, &from);
			}
			(void)str_cat(&to, &tmp);
			if (strcmp(r, "all") == 0) {
				str_clear(&tmp);
				if (mime_display_header(m, NULL, "To", &tmp) ==
				    1 && tmp.len > 0) {
					(void)str_cats(&to, ", ");
					(void)str_cat(&to, &tmp);
				}
				(void)mime_display_header(m, NULL, "Cc", &cc);
			}
			(void)str_printf(&body, "\n\n%s %s:\n", str_c(&from),
			    T("compose.wrote"));
		} else {
			prefix_subject(&subj, "Fwd: ", tmp.s != NULL ? tmp.s : "");
			if (strcmp(r, "fwd") == 0)
				(void)str_printf(&body, "\n\n-------- %s --------"
				    "\n%s %s\n%s %s\n%s %s\n\n", T("compose.fwd"),
				    T("hdr.from"), str_c(&from), T("hdr.date"),
				    str_c(&date), T("hdr.subject"), str_c(&subj));
		}
		if (strcmp(r, "fwdatt") != 0 && (p = mime_body_part(m, 0)) !=
		    NULL) {
			struct str t = STR_INIT(TEXT_MAX);
			const char *s, *e;

			(void)mime_part_text(m, p, MIME_DEC_TEXT |
			    MIME_DEC_FLOWED, &t);
			if (strcmp(r, "fwd") == 0)
				(void)str_cat(&body, &t);
			else
				for (s = str_c(&t); *s != '\0'; s = e) {
					e = strchr(s, '\n');
					e = e != NULL ? e + 1 : s + strlen(s);
					(void)str_cats(&body, ">");
					if (*s != '>')
						(void)str_catc(&body, ' ');
					(void)str_catb(&body, s, (size_t)(e - s));
				}
			str_free(&t);
		}
	}
	page_head(w, T("nav.compose"));
	nav(w, folder);
	(void)html_fmt(&w->body, "<form class=\"compose\" method=\"post\" "
	    "action=\"{}/send\" enctype=\"multipart/form-data\">", w->base);
	csrf_field(w);
	if (folder != NULL)
		(void)html_fmt(&w->body, "<input type=\"hidden\" name=\"r\" "
		    "value=\"{}\"><input type=\"hidden\" name=\"f\" value=\"{}\">"
		    "<input type=\"hidden\" name=\"u\" value=\"{}\">", r, folder,
		    u);
	(void)html_fmt(&w->body, "<label for=\"to\">{}</label><input id=\"to\" "
	    "name=\"to\" value=\"{}\" autocomplete=\"email\" multiple>"
	    "<label for=\"cc\">{}</label><input id=\"cc\" name=\"cc\" "
	    "value=\"{}\"><label for=\"bcc\">{}</label><input id=\"bcc\" "
	    "name=\"bcc\"><label for=\"subject\">{}</label><input id=\"subject\" "
	    "name=\"subject\" value=\"{}\"><label for=\"text\">{}</label>"
	    "<textarea id=\"text\" name=\"text\" rows=\"14\">{}</textarea>"
	    "<label for=\"att\">{}</label><input id=\"att\" name=\"att\" "
	    "type=\"file\" multiple><div class=\"sendbar\">"
	    "<button class=\"btn primary\" name=\"do\" value=\"send\" "
	    "id=\"send\">{}</button><button class=\"btn\" name=\"do\" "
	    "value=\"draft\" id=\"draft\">{}</button></div></form>",
	    T("hdr.to"), str_c(&to), T("hdr.cc"), str_c(&cc), T("hdr.bcc"),
	    T("hdr.subject"), str_c(&subj), T("compose.text"), str_c(&body),
	    T("compose.attach"), T("compose.send"), T("compose.draft"));
	page_foot(w);
	mime_free(m);
	if (mb != NULL)
		mbox_close(mb);
	str_free(&to);
	str_free(&cc);
	str_free(&subj);
	str_free(&body);
	str_free(&tmp);
	str_free(&canon);
	str_free(&from);
	str_free(&date);
}

/* 1 if s holds CR or LF (a header injection attempt). */
static int
has_crlf(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

/* The message to the monitor, which runs qmail-inject. */
static int
inject_via_monitor(struct wm *w, const struct str *msg)
{
	char	 tmpl[] = "/tmp/sqwebmail.XXXXXX", ok = '1';
	int	 fd, r = -1;

	if ((fd = mkstemp(tmpl)) == -1)
		return -1;
	(void)unlink(tmpl);
	if (file_writeall(fd, msg->s, msg->len) == 0 &&
	    fdpass_send(w->status_fd, WM_MSG_SEND, &fd, 1) == 0 &&
	    read(w->status_fd, &ok, 1) == 1 && ok == '0')
		r = 0;
	close(fd);
	return r;
}

/* Hand the message to qmail-inject as the user: envelope sender and From
 * are the user's own address. */
static int
inject(struct wm *w, const struct str *msg)
{
	struct str prog = STR_INIT(4096), from = STR_INIT(600);
	struct child_spec cs;
	char	*argv[6];
	int	 p[2], status;
	pid_t	 pid;

	/* In an instance run by root the queue is root's: the monitor
	 * injects for us (sqwebmaild.c, monitor_inject). */
	if (w->via_monitor)
		return inject_via_monitor(w, msg);
	if (root_path(&prog, ROOT_QMAIL, "bin/qmail-inject") == -1 ||
	    str_printf(&from, "%s", w->sess->user.s) == -1 ||
	    pipe2(p, O_CLOEXEC) == -1)
		return -1;
	argv[0] = prog.s;
	argv[1] = (char *)(uintptr_t)"-f";
	argv[2] = from.s;
	argv[3] = (char *)(uintptr_t)"-H";	/* recipients from the header */
	argv[4] = NULL;
	child_spec_init(&cs, argv);
	cs.fd[0] = p[0];
	if ((pid = child_start(&cs)) == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[0]);
	(void)file_writeall(p[1], msg->s, msg->len);
	close(p[1]);
	if (child_wait(pid, &status) == -1 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		log_warn("qmail-inject failed for %s", w->sess->user.s);
		return -1;
	}
	str_free(&prog);
	str_free(&from);
	return 0;
}

/* Put msg into the special folder sp, with flags. */
static int
store_copy(const struct str *msg, enum mstore_special sp, unsigned flags)
{
	const char *f = mstore_special_folder(st, sp);
	char	 tmpl[] = "/tmp/sqwebmail.XXXXXX";
	uint32_t uidv, uid;
	int	 fd, r;

	if (f == NULL)
		return -1;
	if ((fd = mkstemp(tmpl)) == -1)
		return -1;
	(void)unlink(tmpl);
	if (file_writeall(fd, msg->s, msg->len) == -1 ||
	    lseek(fd, 0, SEEK_SET) == -1) {
		close(fd);
		return -1;
	}
	r = mstore_append(st, f, fd, (off_t)msg->len, flags, NULL, 0, 0,
	    &uidv, &uid);
	close(fd);
	return r;
}

static void
page_send(struct wm *w)
{
	struct mime_writer *mw;
	struct str msg = STR_INIT(WM_BODY_MAX * 2), canon = STR_INIT(1024);
	struct mime_msg *orig = NULL;
	struct mbox *mb = NULL;
	const char *to = cgi_form_gets(&w->form, "to", "");
	const char *cc = cgi_form_gets(&w->form, "cc", "");
	const char *bcc = cgi_form_gets(&w->form, "bcc", "");
	const char *subj = cgi_form_gets(&w->form, "subject", "");
	const char *text = cgi_form_gets(&w->form, "text", "");
	const char *r = cgi_form_gets(&w->form, "r", "");
	const char *domain = strchr(w->sess->user.s, '@') + 1;
	int	 draft = strcmp(cgi_form_gets(&w->form, "do", ""), "draft") == 0;
	uint32_t uid;
	ssize_t	 idx;
	size_t	 i;

	if (!wm_csrf_ok(w)) {
		wm_error(w, 403, "err.csrf");
		return;
	}
	if (open_store(w) == -1)
		return;
	if (has_crlf(to) || has_crlf(cc) || has_crlf(bcc) || has_crlf(subj)) {
		wm_error(w, 400, "err.header");
		return;
	}
	if (!draft && *to == '\0' && *cc == '\0' && *bcc == '\0') {
		wm_error(w, 400, "err.norcpt");
		return;
	}
	if ((mw = mime_writer_new(MIME_W_QP)) == NULL) {
		wm_error(w, 503, "err.temp");
		return;
	}
	/* From is the login address: a user cannot send as anyone else. */
	if (mime_writer_addr(mw, "From", NULL, w->sess->user.s) == -1 ||
	    (*to != '\0' && mime_writer_addrs(mw, "To", to) == -1) ||
	    (*cc != '\0' && mime_writer_addrs(mw, "Cc", cc) == -1) ||
	    (*bcc != '\0' && mime_writer_addrs(mw, "Bcc", bcc) == -1)) {
		wm_error(w, 400, "err.address");
		goto out;
	}
	if ((*subj != '\0' && mime_writer_header(mw, "Subject", subj) == -1) ||
	    mime_writer_text(mw, text, strlen(text)) == -1 ||
	    mime_writer_header(mw, "X-Mailer", "sqwebmail (hsmail)") == -1) {
		wm_error(w, 400, "err.header");
		goto out;
	}
	if (*r != '\0' && folder_arg(w, &canon) != NULL &&
	    uid_arg(w, &uid) == 0 && msg_open(w, canon.s, uid, &mb, &idx, &orig,
	    1) == 0) {
		struct mime_sortkeys k;

		if (mime_sortkeys(orig, &k) == 0 && (strcmp(r, "reply") == 0 ||
		    strcmp(r, "all") == 0))
			(void)mime_writer_reply(mw, k.message_id, k.references);
		if (strcmp(r, "fwdatt") == 0) {
			size_t	 n;
			const unsigned char *b = mime_data(orig, &n);

			(void)mime_writer_attach_message(mw, b, n, NULL);
		}
		if (!draft && (strcmp(r, "reply") == 0 || strcmp(r, "all") ==
		    0))
			(void)mbox_store(mb, (size_t)idx, (mb->m[idx].flags |
			    MF_ANSWERED) & MF_SYSMASK, mb->m[idx].kw);
	}
	for (i = 0; i < w->form.n; i++) {
		const struct cgi_field *f = &w->form.f[i];

		if (f->filename == NULL || strcmp(f->name, "att") != 0)
			continue;
		if (mime_writer_attach(mw, f->ctype, f->filename, f->val, f->len,
		    NULL) == -1) {
			wm_error(w, 400, "err.attach");
			goto out;
		}
	}
	if (draft) {
		if (mime_writer_finish(mw, domain, time(NULL), 0, 0, &msg) == -1 ||
		    store_copy(&msg, MS_DRAFTS, MF_DRAFT | MF_SEEN) == -1) {
			wm_error(w, 503, errno == EDQUOT ? "err.quota" :
			    "err.temp");
			goto out;
		}
		redirect_list(w, mstore_special_folder(st, MS_DRAFTS));
		goto out;
	}
	if (mime_writer_finish(mw, domain, time(NULL), 0, MIME_W_OMIT_BCC,
	    &msg) == -1 || inject(w, &msg) == -1) {
		wm_error(w, 503, "err.send");
		goto out;
	}
	/* The copy in Sent keeps Bcc. */
	str_clear(&msg);
	if (mime_writer_finish(mw, domain, time(NULL), 0, 0, &msg) == 0)
		(void)store_copy(&msg, MS_SENT, MF_SEEN);
	redirect_list(w, "INBOX");
out:
	mime_writer_free(mw);
	mime_free(orig);
	if (mb != NULL)
		mbox_close(mb);
	str_free(&msg);
	str_free(&canon);
}

/* Flags, move, delete (to Trash), empty Trash, for several messages. */
static void
page_act(struct wm *w)
{
	struct str canon = STR_INIT(MSTORE_NAME_MAX), to = STR_INIT(1024);
	struct mbox *mb = NULL;
	const char *folder = folder_arg(w, &canon);
	const char *a = cgi_form_gets(&w->form, "a", "");
	const char *trash;
	size_t	*idx = NULL, n = 0, i;
	uint32_t *uids = NULL;
	unsigned long v;
	ssize_t	 k;
	int	 single = 0;

	if (!wm_csrf_ok(w)) {
		wm_error(w, 403, "err.csrf");
		return;
	}
	if (folder == NULL || open_store(w) == -1 ||
	    mbox_open(st, folder, MBOX_NORECENT, &mb) == -1) {
		if (w->status == 200)
			wm_error(w, 404, "err.nofolder");
		goto out;
	}
	idx = calloc(w->form.n + 1, sizeof(*idx));
	uids = calloc(w->form.n + 1, sizeof(*uids));
	if (idx == NULL || uids == NULL) {
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
	single = n == 1 && cgi_form_get(&w->form, "f") != NULL &&
	    strcmp(cgi_form_gets(&w->form, "from", ""), "list") != 0;
	trash = mstore_special_folder(st, MS_TRASH);
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
			(void)mbox_copy(mb, idx, n, trash, 1, NULL, NULL, NULL,
			    NULL);
		else
			(void)mbox_expunge(mb, uids, n, NULL, NULL);
	} else if (strcmp(a, "move") == 0 && n > 0) {
		if (mstore_name_ok(cgi_form_gets(&w->form, "to", ""), &to) &&
		    strcmp(to.s, folder) != 0 &&
		    mbox_copy(mb, idx, n, to.s, 1, NULL, NULL, NULL, NULL) == -1) {
			wm_error(w, 400, errno == EDQUOT ? "err.quota" :
			    "err.nofolder");
			goto out;
		}
	} else if (strcmp(a, "empty") == 0 && trash != NULL &&
	    strcmp(folder, trash) == 0) {
		for (i = 0; i < mb->n; i++)
			uids[0] = 0;
		free(uids);
		uids = calloc(mb->n + 1, sizeof(*uids));
		if (uids != NULL) {
			for (i = 0; i < mb->n; i++)
				uids[i] = mb->m[i].uid;
			(void)mbox_expunge(mb, uids, mb->n, NULL, NULL);
		}
	}
	(void)single;
	redirect_list(w, folder);
out:
	free(idx);
	free(uids);
	if (mb != NULL)
		mbox_close(mb);
	str_free(&canon);
	str_free(&to);
}

/* ---- folders ---- */

static void
page_folders(struct wm *w)
{
	struct mstore_folder *fv = NULL;
	size_t	 nf = 0, i;

	if (open_store(w) == -1)
		return;
	page_head(w, T("nav.folders"));
	nav(w, NULL);
	(void)html_fmt(&w->body, "<section class=\"card wide\"><h1>{}</h1>"
	    "<ul class=\"flist\">", T("nav.folders"));
	if (mstore_list(st, &fv, &nf) == 0)
		for (i = 0; i < nf; i++) {
			struct mstore_status ss;
			char	 c[32];

			if (fv[i].flags & (MSF_NOSELECT | MSF_NONEXISTENT))
				continue;
			memset(&ss, 0, sizeof(ss));
			(void)mstore_status(st, fv[i].name, &ss);
			snprintf(c, sizeof(c), "%u / %u", ss.unseen, ss.messages);
			(void)html_fmt(&w->body, "<li><a href=\"{}/list?f={u}\">{}"
			    "</a> <span class=\"count\">{}</span>", w->base,
			    fv[i].name, folder_label(fv[i].name, fv[i].special),
			    c);
			if (fv[i].special == MS_NONE &&
			    strcmp(fv[i].name, "INBOX") != 0) {
				(void)html_fmt(&w->body, "<form method=\"post\" "
				    "action=\"{}/folder\" class=\"inline\">"
				    "<input type=\"hidden\" name=\"f\" value=\"{}\">",
				    w->base, fv[i].name);
				csrf_field(w);
				(void)html_fmt(&w->body, "<input name=\"to\" "
				    "aria-label=\"{}\" placeholder=\"{}\">"
				    "<button class=\"btn\" name=\"a\" "
				    "value=\"rename\">{}</button><button "
				    "class=\"btn danger\" name=\"a\" value=\"delete\">"
				    "{}</button></form>", T("folder.newname"),
				    T("folder.newname"), T("folder.rename"),
				    T("folder.delete"));
			}
			(void)str_cats(&w->body, "</li>");
		}
	(void)html_fmt(&w->body, "</ul><form method=\"post\" action=\"{}/folder\">",
	    w->base);
	csrf_field(w);
	(void)html_fmt(&w->body, "<label for=\"nf\">{}</label><input id=\"nf\" "
	    "name=\"to\" required><button class=\"btn primary\" name=\"a\" "
	    "value=\"create\" id=\"create\">{}</button></form></section>",
	    T("folder.new"), T("folder.create"));
	page_foot(w);
	if (fv != NULL)
		mstore_list_free(fv, nf);
}

static void
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
	if (open_store(w) == -1)
		return;
	/* New names are top-level folders under INBOX ("INBOX.Name"). */
	if (*to != '\0' && strchr(to, '.') == NULL &&
	    str_printf(&name, "INBOX.%s", to) == 0 &&
	    !mstore_name_ok(name.s, &canon))
		str_clear(&canon);
	if (strcmp(a, "create") == 0 && canon.len > 0)
		r = mstore_create(st, canon.s, MS_NONE) == 0 ?
		    mstore_subscribe(st, canon.s, 1) : -1;
	else if (strcmp(a, "rename") == 0 && canon.len > 0 &&
	    mstore_name_ok(cgi_form_gets(&w->form, "f", ""), &from) &&
	    strcmp(from.s, "INBOX") != 0)
		r = mstore_rename(st, from.s, canon.s);
	else if (strcmp(a, "delete") == 0 &&
	    mstore_name_ok(cgi_form_gets(&w->form, "f", ""), &from) &&
	    strcmp(from.s, "INBOX") != 0)
		r = mstore_delete(st, from.s);
	if (r == -1)
		wm_error(w, 400, "err.folder");
	else
		wm_redirect(w, "folders");
	str_free(&name);
	str_free(&canon);
	str_free(&from);
}

/* ---- settings: password, forwarding, vacation ---- */

/*
 * The user's .qmail as vpopmail's tools write it: "&address" lines for
 * forwards, the Maildir line when a copy is kept, and the autorespond
 * line of a vacation (qmailadmin's, with one reply per sender a day and
 * the original not quoted, so that a forged sender gets no copy of the
 * spam sent in its name):
 *   | <vpopmail>/bin/autorespond 86400 1 <home>/vacation/message
 *     <home>/vacation 0
 * The message file is qmailadmin's too: "From:" and "Subject:" lines,
 * an empty line, the text.
 */
static void
read_dotqmail(struct str *fwd, int *keep, int *vac)
{
	struct str t = STR_INIT(DOTQMAIL_MAX);
	char	*p, *nl;

	*keep = 1;
	*vac = 0;
	if (file_read(".qmail", &t) != 1) {
		str_free(&t);
		return;
	}
	*keep = 0;
	for (p = t.s; p != NULL && *p != '\0'; p = nl) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl++ = '\0';
		if (*p == '&' || (*p != '|' && *p != '/' && *p != '.' &&
		    *p != '#' && *p != '\0')) {
			if (fwd->len > 0)
				(void)str_cats(fwd, ", ");
			(void)str_cats(fwd, *p == '&' ? p + 1 : p);
		} else if (*p == '/' || *p == '.')
			*keep = 1;
		else if (*p == '|' && strstr(p, "autorespond") != NULL)
			*vac = 1;
	}
	str_free(&t);
}

/* The subject and text of vacation/message (qmailadmin's form, or text
 * only). */
static void
read_vacation(struct str *subj, struct str *text)
{
	struct str f = STR_INIT(VACATION_MAX);
	const char *p, *nl, *body;

	if (file_read("vacation/message", &f) != 1) {
		str_free(&f);
		return;
	}
	body = f.s;
	for (p = f.s; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		if (nl == p) {
			body = nl + 1;
			break;
		}
		if (strncasecmp(p, "Subject:", 8) == 0) {
			const char *v = p + 8;

			while (*v == ' ' || *v == '\t')
				v++;
			str_clear(subj);
			(void)str_catb(subj, v, (size_t)(nl - v));
		} else if (strncasecmp(p, "From:", 5) != 0 && *p != ' ' &&
		    *p != '\t') {
			str_clear(subj);
			break;		/* text only, no header block */
		}
	}
	(void)str_cats(text, body);
	str_free(&f);
}

static void
page_settings(struct wm *w)
{
	struct str fwd = STR_INIT(8192), vmsg = STR_INIT(VACATION_MAX);
	struct str vsubj = STR_INIT(VACATION_MAX);
	int	 keep, vac;
	const char *ok = cgi_form_gets(&w->form, "ok", "");

	read_dotqmail(&fwd, &keep, &vac);
	read_vacation(&vsubj, &vmsg);
	page_head(w, T("nav.settings"));
	nav(w, NULL);
	(void)html_fmt(&w->body, "<section class=\"card wide\"><h1>{}</h1>",
	    T("nav.settings"));
	if (*ok != '\0')
		(void)html_fmt(&w->body, "<p class=\"ok\" role=\"status\">{}</p>",
		    T("settings.saved"));
	(void)html_fmt(&w->body, "<h2>{}</h2><form method=\"post\" "
	    "action=\"{}/settings\">", T("settings.password"), w->base);
	csrf_field(w);
	(void)html_fmt(&w->body, "<input type=\"hidden\" name=\"a\" "
	    "value=\"password\"><label for=\"old\">{}</label><input id=\"old\" "
	    "name=\"old\" type=\"password\" autocomplete=\"current-password\" "
	    "required><label for=\"new\">{}</label><input id=\"new\" name=\"new\" "
	    "type=\"password\" autocomplete=\"new-password\" minlength=\"8\" "
	    "required><label for=\"new2\">{}</label><input id=\"new2\" "
	    "name=\"new2\" type=\"password\" autocomplete=\"new-password\" "
	    "required><button class=\"btn primary\">{}</button></form>",
	    T("settings.old"), T("settings.new"), T("settings.new2"),
	    T("settings.change"));
	(void)html_fmt(&w->body, "<h2>{}</h2><form method=\"post\" "
	    "action=\"{}/settings\">", T("settings.forward"), w->base);
	csrf_field(w);
	(void)html_fmt(&w->body, "<input type=\"hidden\" name=\"a\" "
	    "value=\"forward\"><label for=\"fwd\">{}</label><input id=\"fwd\" "
	    "name=\"fwd\" value=\"{}\"><label class=\"check\"><input "
	    "type=\"checkbox\" name=\"keep\" value=\"1\"{!}> {}</label>"
	    "<h2>{}</h2><label class=\"check\"><input type=\"checkbox\" "
	    "name=\"vac\" value=\"1\" id=\"vac\"{!}> {}</label><label "
	    "for=\"vsubj\">{}</label><input id=\"vsubj\" name=\"vsubj\" "
	    "value=\"{}\" maxlength=\"200\"><label "
	    "for=\"vmsg\">{}</label><textarea id=\"vmsg\" name=\"vmsg\" "
	    "rows=\"5\">{}</textarea><button class=\"btn primary\">{}</button>"
	    "</form></section>", T("settings.fwdto"), str_c(&fwd),
	    keep ? " checked" : "", T("settings.keep"), T("settings.vacation"),
	    vac ? " checked" : "", T("settings.vacon"), T("settings.vacsubj"),
	    vsubj.len > 0 ? vsubj.s : T("settings.vacsubjdef"),
	    T("settings.vacmsg"), str_c(&vmsg), T("settings.save"));
	page_foot(w);
	str_free(&fwd);
	str_free(&vmsg);
	str_free(&vsubj);
}

/* Change the password in the domain's vpasswd (as vpasswd(8) does). */
static int
change_password(struct wm *w, const char *old, const char *new)
{
	struct str user = STR_INIT(256), dom = STR_INIT(256);
	struct vpop_domain d;
	struct vpop_pw pw;
	int	 lock = -1, r = -1;

	vpop_domain_init(&d);
	vpop_pw_init(&pw);
	if (vpop_login_split(w->sess->user.s, &user, &dom) == -1 ||
	    vpop_domain_get(dom.s, &d) != 1 ||
	    (lock = vpop_lock()) == -1 ||
	    vpop_pw_get(&d, user.s, &pw) != 1)
		goto out;
	if ((pw.gid & VPOP_NO_PASSWD_CHNG) || vpop_pw_check(&pw, old) != 1) {
		r = 0;
		goto out;
	}
	str_clear(&pw.passwd);
	if (vpop_pw_hash(new, &pw.passwd) == -1)
		goto out;
	if (pw.has_clear || vpop_clear_wanted(d.dir.s)) {
		pw.has_clear = 1;
		if (str_copys(&pw.clear, new) == -1)
			goto out;
	}
	if (vpop_vpasswd_update(d.dir.s, VPOP_MOD, &pw, 0) == 1)
		r = 1;
out:
	if (lock != -1)
		close(lock);
	vpop_pw_free(&pw);
	vpop_domain_free(&d);
	str_free(&user);
	str_free(&dom);
	return r;
}

/* Write .qmail (and vacation/) for the forwarding and vacation asked. */
static int
write_dotqmail(struct wm *w, const char *fwd, int keep, int vac,
    const char *vsubj, const char *vmsg)
{
	struct str t = STR_INIT(DOTQMAIL_MAX), home = STR_INIT(4096);
	struct str vf = STR_INIT(VACATION_MAX + 1024);
	struct str one = STR_INIT(1024), prog = STR_INIT(4096);
	struct strlist addrs = STRLIST_INIT;
	const char *p = fwd;
	size_t	 i;
	int	 r = -1;

	if (getcwd(home.s = malloc(4096), 4096) == NULL)
		goto out;
	home.len = strlen(home.s);
	home.cap = 4095;
	if (root_path(&prog, ROOT_VPOPMAIL, "bin/autorespond") == -1)
		goto out;
	while (*p != '\0') {
		size_t	 l = strcspn(p, ", \t");

		if (l > 0) {
			str_clear(&one);
			if (str_catb(&one, p, l) == -1 ||
			    strchr(one.s, '@') == NULL ||
			    strpbrk(one.s, "|/&#\"'\\<>;") != NULL ||
			    strlist_adds(&addrs, one.s) == -1)
				goto out;
		}
		p += l;
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
	}
	if (addrs.n == 0 && !vac) {
		/* Nothing special: no .qmail, vdelivermail delivers. */
		if (unlink(".qmail") == -1 && errno != ENOENT)
			goto out;
		r = 0;
		goto out;
	}
	if (vac) {
		if (has_crlf(vsubj) || strlen(vsubj) > 200 ||
		    strlen(vmsg) > VACATION_MAX ||
		    strpbrk(home.s, " \t\n") != NULL)
			goto out;
		if (mkdir("vacation", 0700) == -1 && errno != EEXIST)
			goto out;
		if (str_printf(&vf, "From: %s\nSubject: %s\n\n", w->sess->user.s,
		    *vsubj != '\0' ? vsubj : T("settings.vacsubjdef")) == -1)
			goto out;
		for (p = vmsg; *p != '\0'; p++)
			if (*p != '\r' && str_catc(&vf, *p) == -1)
				goto out;
		if (file_replace("vacation/message", vf.s, vf.len, 0600) == -1)
			goto out;
		if (str_printf(&t, "| %s 86400 1 %s/vacation/message "
		    "%s/vacation 0\n", prog.s, home.s, home.s) == -1)
			goto out;
	}
	for (i = 0; i < addrs.n; i++)
		if (str_printf(&t, "&%s\n", addrs.v[i]) == -1)
			goto out;
	if ((keep || addrs.n == 0) && str_printf(&t, "%s/Maildir/\n", home.s) ==
	    -1)
		goto out;
	r = file_replace(".qmail", t.s, t.len, 0600);
out:
	strlist_free(&addrs);
	str_free(&vf);
	str_free(&t);
	str_free(&home);
	str_free(&one);
	str_free(&prog);
	return r;
}

static void
page_settings_post(struct wm *w)
{
	const char *a = cgi_form_gets(&w->form, "a", "");
	const char *n1, *n2;
	int	 r;

	if (!wm_csrf_ok(w)) {
		wm_error(w, 403, "err.csrf");
		return;
	}
	if (strcmp(a, "password") == 0) {
		n1 = cgi_form_gets(&w->form, "new", "");
		n2 = cgi_form_gets(&w->form, "new2", "");
		if (strcmp(n1, n2) != 0 || strlen(n1) < 8 ||
		    !vpop_pass_valid(n1)) {
			wm_error(w, 400, "settings.badnew");
			return;
		}
		r = change_password(w, cgi_form_gets(&w->form, "old", ""), n1);
		if (r != 1) {
			wm_error(w, r == 0 ? 403 : 503, r == 0 ?
			    "settings.badold" : "err.temp");
			return;
		}
	} else if (strcmp(a, "forward") == 0) {
		if (write_dotqmail(w, cgi_form_gets(&w->form, "fwd", ""),
		    strcmp(cgi_form_gets(&w->form, "keep", ""), "1") == 0,
		    strcmp(cgi_form_gets(&w->form, "vac", ""), "1") == 0,
		    cgi_form_gets(&w->form, "vsubj", ""),
		    cgi_form_gets(&w->form, "vmsg", "")) == -1) {
			wm_error(w, 400, "settings.badfwd");
			return;
		}
	}
	wm_redirect(w, "settings?ok=1");
}

void
wm_serve_user(struct wm *w)
{
	const char *p = w->path;

	if (wm_read_form(w) == -1)
		return;
	if (strcmp(p, "/logout") == 0) {
		if (!wm_csrf_ok(w)) {
			wm_error(w, 403, "err.csrf");
			return;
		}
		(void)file_writeall(w->status_fd, "O", 1);
		(void)str_printf(&w->hdr, "Set-Cookie: " WM_COOKIE "=; Path=%s/; "
		    "Max-Age=0; HttpOnly; SameSite=Strict%s\r\n", w->base,
		    w->https ? "; Secure" : "");
		wm_redirect(w, "");
		return;
	}
	if (w->post) {
		if (strcmp(p, "/send") == 0)
			page_send(w);
		else if (strcmp(p, "/act") == 0)
			page_act(w);
		else if (strcmp(p, "/folder") == 0)
			page_folder_post(w);
		else if (strcmp(p, "/settings") == 0)
			page_settings_post(w);
		else if (strcmp(p, "/login") == 0)
			wm_redirect(w, "");
		else
			wm_error(w, 404, "err.notfound");
		return;
	}
	if (strcmp(p, "/") == 0 || strcmp(p, "/list") == 0)
		page_list(w);
	else if (strcmp(p, "/msg") == 0)
		page_msg(w, 0);
	else if (strcmp(p, "/print") == 0)
		page_msg(w, 1);
	else if (strcmp(p, "/body") == 0)
		page_body(w);
	else if (strcmp(p, "/part") == 0)
		page_part(w);
	else if (strcmp(p, "/src") == 0)
		page_src(w);
	else if (strcmp(p, "/compose") == 0)
		page_compose(w);
	else if (strcmp(p, "/folders") == 0)
		page_folders(w);
	else if (strcmp(p, "/settings") == 0)
		page_settings(w);
	else if (strcmp(p, "/autoconfig") == 0)
		page_autoconfig(w);
	else if (strcmp(p, "/autodiscover") == 0)
		page_autodiscover(w);
	else if (strcmp(p, "/mobileconfig") == 0)
		page_mobileconfig(w);
	else
		wm_error(w, 404, "err.notfound");
}
