/*
 * pages - the frame every page of the webmail shares (head, top bar,
 * CSRF field, dates and sizes, the store, folder and message arguments),
 * the pages shown without a session (login, client set-up documents) and
 * the dispatch of a logged-in user's requests to pg_list.c (list,
 * actions, folders), pg_read.c (reading, parts, source), pg_compose.c
 * (compose, send, drafts), pg_settings.c and pg_abook.c.  Runs in a
 * sqwebmaild worker: as the mailbox owner in the user's directory
 * (wm_serve_user) or unprivileged (wm_serve_anon).  Mail and requests are
 * untrusted: everything shown goes through html_esc/html_fmt; folder
 * names are checked by the store (mstore_name_ok) and messages named by
 * UID only.
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

#define UPLOAD_SLACK	(1024 * 1024)	/* text and headers of a message */

struct mstore *pg_st;

static void	page_login(struct wm *);
static void	page_autoconfig(struct wm *);
static void	page_autodiscover(struct wm *);
static void	page_mobileconfig(struct wm *);

/* ---- frame of every page ---- */

void
pg_head(struct wm *w, const char *title)
{
	wm_fmt(w, "<!doctype html><html lang=\"{}\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">"
	    "<meta name=\"referrer\" content=\"no-referrer\">"
	    "<title>{} - {}</title>"
	    "<link rel=\"stylesheet\" href=\"{}/s/style.css\">"
	    "<script src=\"{}/s/app.js\" defer></script></head><body>",
	    T("lang.code"), title, T("app.name"), w->base, w->base);
}

void
pg_foot(struct wm *w)
{
	wm_cats(w, "</main></body></html>");
}

void
pg_csrf(struct wm *w)
{
	wm_fmt(w, "<input type=\"hidden\" name=\"csrf\" "
	    "value=\"{}\">", w->sess->csrf);
}

/* The bar at the top: folders, compose, settings, logout. */
/* The icons: stroked paths on a 24-unit square (drawn in the text's
 * colour by the style sheet), nothing fetched. */
static const struct {
	const char *name, *svg;
} icons[] = {
	{ "write", "<path d=\"M4 20h4L19 9l-4-4L4 16z\"/><path d=\"M13 7l4 4\"/>" },
	{ "folders", "<path d=\"M3 6h6l2 2h10v11H3z\"/>" },
	{ "contacts", "<circle cx=\"12\" cy=\"8\" r=\"4\"/>"
	    "<path d=\"M4 21c1-4 4-6 8-6s7 2 8 6\"/>" },
	{ "settings", "<circle cx=\"12\" cy=\"12\" r=\"3\"/><path d=\"M12 2v3"
	    "M12 19v3M2 12h3M19 12h3M4.9 4.9 7 7M17 17l2.1 2.1M4.9 19.1 7 17"
	    "M17 7l2.1-2.1\"/>" },
	{ "logout", "<path d=\"M14 4h5v16h-5M10 8l-4 4 4 4M6 12h10\"/>" },
	{ "back", "<path d=\"M15 5l-7 7 7 7\"/>" },
	{ "reply", "<path d=\"M10 7 4 12l6 5M4 12h10a6 6 0 0 1 6 6\"/>" },
	{ "replyall", "<path d=\"M13 7l-5 5 5 5M8 7l-5 5 5 5M8 12h7a6 6 0 0 1 "
	    "6 6\"/>" },
	{ "forward", "<path d=\"M14 7l6 5-6 5M20 12H10a6 6 0 0 0-6 6\"/>" },
	{ "delete", "<path d=\"M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13\"/>" },
	{ "more", "<path d=\"M5 12h.01M12 12h.01M19 12h.01\"/>" },
	{ "flag", "<path d=\"M5 21V4h11l-2 4 2 4H5\"/>" },
	{ "unread", "<path d=\"M3 6h18v12H3zM3 6l9 7 9-7\"/>" },
	{ "read", "<path d=\"M3 10l9-6 9 6v9H3zM3 10l9 6 9-6\"/>" },
	{ "move", "<path d=\"M3 6h6l2 2h10v11H3zM9 14h7M13 11l3 3-3 3\"/>" },
};

const char *
pg_icon(const char *name)
{
	static struct str s = STR_INIT(4096);
	size_t	 i;

	str_clear(&s);
	for (i = 0; i < sizeof(icons) / sizeof(icons[0]); i++)
		if (strcmp(icons[i].name, name) == 0) {
			if (str_printf(&s, "<svg class=\"i\" viewBox=\"0 0 24 24\""
			    " aria-hidden=\"true\">%s</svg>", icons[i].svg) == -1)
				str_clear(&s);	/* no icon rather than half of one */
			break;
		}
	return str_c(&s);
}

void
pg_nav(struct wm *w, const char *folder)
{
	static const char *const items[][3] = {
		{ "compose", "write", "nav.compose" },
		{ "folders", "folders", "nav.folders" },
		{ "abook", "contacts", "nav.abook" },
		{ "settings", "settings", "nav.settings" },
	};
	size_t	 i;

	wm_fmt(w, "<header class=\"bar\"><a class=\"brand\" "
	    "href=\"{}/list?f={u}\">{}</a><nav>", w->base,
	    folder != NULL ? folder : "INBOX", T("app.name"));
	/* Icons with their words (the words hidden on a phone). */
	for (i = 0; i < sizeof(items) / sizeof(items[0]); i++)
		wm_fmt(w, "<a href=\"{}/{}\" class=\"btn{}\" "
		    "title=\"{}\" id=\"nav-{}\"{!}>{!}<span class=\"lbl\">{}"
		    "</span></a>", w->base, items[i][0], i == 0 ? " primary" : "",
		    T(items[i][2]), items[i][0], i == 0 ? " accesskey=\"c\"" : "",
		    pg_icon(items[i][1]), T(items[i][2]));
	wm_fmt(w, "<form method=\"post\" action=\"{}/logout\" "
	    "class=\"inline\">", w->base);
	pg_csrf(w);
	wm_fmt(w, "<button class=\"btn\" id=\"logout\" "
	    "title=\"{}\">{!}<span class=\"lbl\">{}</span></button></form>"
	    "</nav><span class=\"who\">{}</span></header><main>",
	    T("nav.logout"), pg_icon("logout"), T("nav.logout"),
	    w->sess->user.s);
}

void
pg_date(time_t t, char *b, size_t n)
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

void
pg_size(uint64_t s, char *b, size_t n)
{
	if (s < 1024)
		snprintf(b, n, "%llu B", (unsigned long long)s);
	else if (s < 1024 * 1024)
		snprintf(b, n, "%llu KB", (unsigned long long)(s + 1023) / 1024);
	else
		snprintf(b, n, "%.1f MB", (double)s / (1024.0 * 1024.0));
}

int
pg_store(struct wm *w)
{
	if (pg_st != NULL)
		return 0;
	if (mstore_open(&pg_st, "Maildir") == -1) {
		log_warn("cannot open the Maildir of %s: %s", w->sess->user.s,
		    strerror(errno));
		wm_error(w, 503, "err.mailbox");
		return -1;
	}
	(void)mstore_ensure_special(pg_st);
	return 0;
}

/* The folder named by f= (checked by the store), default INBOX. */
const char *
pg_folder_arg(struct wm *w, struct str *canon)
{
	const char *f = cgi_form_gets(&w->form, "f", "INBOX");

	if (!mstore_name_ok(f, canon))
		return NULL;
	return canon->s;
}

int
pg_uid_arg(struct wm *w, uint32_t *uid)
{
	unsigned long v;

	if (num_parses(cgi_form_gets(&w->form, "u", ""), 0xffffffffUL, &v) ==
	    -1 || v == 0)
		return -1;
	*uid = (uint32_t)v;
	return 0;
}

/* The display name of a folder: its last component, specials named. */
const char *
pg_folder_label(const char *name, enum mstore_special sp)
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

/* Open message uid of folder: the mbox, its index and the parsed message. */
int
pg_msg_open(struct wm *w, const char *folder, uint32_t uid, struct mbox **mb,
    ssize_t *idx, struct mime_msg **m, int rw)
{
	int	 fd;

	*mb = NULL;
	*m = NULL;
	if (pg_store(w) == -1)
		return -1;
	if (mbox_open(pg_st, folder, rw ? MBOX_NORECENT : MBOX_RDONLY |
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

/* A 303 to the list of folder. */
void
pg_redirect_list(struct wm *w, const char *folder)
{
	struct str rel = STR_INIT(4096);

	if (str_cats(&rel, "list?f=") == 0 && cgi_url_escape(&rel, folder,
	    strlen(folder)) == 0)
		wm_redirect(w, rel.s);
	else
		wm_redirect(w, "");
	str_free(&rel);
}

/* Remove the messages uids[0..n) of mb for good: flagged \\Deleted,
 * then expunged (as IMAP's UID EXPUNGE).  0 or -1. */
int
pg_expunge(struct mbox *mb, const uint32_t *uids, size_t n)
{
	ssize_t	 i;
	size_t	 k;

	for (k = 0; k < n; k++)
		if ((i = mbox_find(mb, uids[k])) >= 0)
			(void)mbox_store(mb, (size_t)i, (mb->m[i].flags |
			    MF_DELETED) & MF_SYSMASK, mb->m[i].kw);
	return mbox_expunge(mb, uids, n, NULL, NULL);
}

/* 1 if s holds CR or LF (a header injection attempt). */
int
pg_has_crlf(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
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
	(void)wm_ok(w, str_printf(&w->hdr, "Set-Cookie: " WM_PRECOOKIE "=%s; Path=%s/; "
	    "HttpOnly; SameSite=Strict%s\r\n", pre, w->base,
	    w->https ? "; Secure" : ""));
	wm_fmt(w, "<!doctype html><html lang=\"{}\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">"
	    "<title>{}</title><link rel=\"stylesheet\" href=\"{}/s/style.css\">"
	    "</head><body class=\"login\"><main class=\"card\">"
	    "<h1>{}</h1>", T("lang.code"), T("app.name"), w->base,
	    T("app.name"));
	if (msg != NULL)
		wm_fmt(w, "<p class=\"alert\" role=\"alert\">{}"
		    "</p>", msg);
	wm_fmt(w, "<form method=\"post\" action=\"{}/login\">"
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
	(void)wm_ok(w, str_cats(&w->hdr, "Content-Type: application/xml; "
	    "charset=utf-8\r\n"));
	wm_fmt(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
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
	(void)wm_ok(w, str_cats(&w->hdr, "Content-Type: application/xml; "
	    "charset=utf-8\r\n"));
	wm_fmt(w, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
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
		pg_head(w, T("setup.title"));
		wm_fmt(w, "<main class=\"card\"><h1>{}</h1>"
		    "<form method=\"get\"><label for=\"email\">{}</label>"
		    "<input id=\"email\" name=\"email\" type=\"email\" "
		    "required><button class=\"btn primary wide\">{}</button>"
		    "</form>", T("setup.title"), T("login.user"),
		    T("setup.download"));
		pg_foot(w);
		goto out;
	}
	(void)session_random(u1, sizeof(u1), 16);
	(void)session_random(u2, sizeof(u2), 16);
	snprintf(p[0], 8, "%u", wm_conf.imaps_port);
	snprintf(p[1], 8, "%u", wm_conf.submission_port);
	(void)wm_ok(w, str_cats(&w->hdr, "Content-Type: application/x-apple-aspen-config"
	    "\r\nContent-Disposition: attachment; filename=\"mail.mobileconfig\""
	    "\r\n"));
	wm_fmt(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
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

void
wm_serve_user(struct wm *w)
{
	const char *p = w->path;
	unsigned long long used = 0, limit = 0, cnt, climit;
	unsigned long clen;

	/* An upload larger than the mailbox can still hold is refused
	 * before it is read (the message text and headers get 1 MB). */
	if (w->post && strcmp(p, "/send") == 0 &&
	    num_parses(str_c(&w->env.v[CGI_CLEN]), WM_BODY_MAX, &clen) == 0 &&
	    pg_store(w) == 0 && mstore_quota(pg_st, &used, &limit, &cnt,
	    &climit) == 0 && limit > 0 &&
	    clen > (used >= limit ? 0 : limit - used) + UPLOAD_SLACK) {
		/* Read and dropped (Apache wants the body taken), not kept. */
		wm_drain(w, clen);
		wm_error(w, 413, "err.uploadquota");
		return;
	}
	if (wm_read_form(w) == -1)
		return;
	if (strcmp(p, "/logout") == 0) {
		if (!wm_csrf_ok(w)) {
			wm_error(w, 403, "err.csrf");
			return;
		}
		(void)file_writeall(w->status_fd, "O", 1);
		(void)wm_ok(w, str_printf(&w->hdr, "Set-Cookie: " WM_COOKIE "=; Path=%s/; "
		    "Max-Age=0; HttpOnly; SameSite=Strict%s\r\n", w->base,
		    w->https ? "; Secure" : ""));
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
		else if (strcmp(p, "/abook") == 0)
			page_abook_post(w);
		else if (strcmp(p, "/images") == 0)
			page_images_post(w);
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
	else if (strcmp(p, "/abook") == 0)
		page_abook(w);
	else if (strcmp(p, "/autoconfig") == 0)
		page_autoconfig(w);
	else if (strcmp(p, "/autodiscover") == 0)
		page_autodiscover(w);
	else if (strcmp(p, "/mobileconfig") == 0)
		page_mobileconfig(w);
	else
		wm_error(w, 404, "err.notfound");
}
