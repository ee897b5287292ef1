/*
 * pg_settings - the settings page: password change in the domain's
 * vpasswd, forwarding and the vacation reply in the user's .qmail as
 * vpopmail's tools write them.  Runs in a sqwebmaild worker as the
 * mailbox owner.
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

#define DOTQMAIL_MAX	(64 * 1024)
#define VACATION_MAX	(32 * 1024)	/* the vacation text */

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
static int
read_dotqmail(struct str *fwd, int *keep, int *vac)
{
	struct str t = STR_INIT(DOTQMAIL_MAX);
	char	*p, *nl;
	int	 r = 0;

	*keep = 1;
	*vac = 0;
	if (file_read(".qmail", &t) != 1) {
		str_free(&t);
		return 0;
	}
	*keep = 0;
	for (p = t.s; p != NULL && *p != '\0'; p = nl) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl++ = '\0';
		if (*p == '&' || (*p != '|' && *p != '/' && *p != '.' &&
		    *p != '#' && *p != '\0')) {
			if ((fwd->len > 0 && str_cats(fwd, ", ") == -1) ||
			    str_cats(fwd, *p == '&' ? p + 1 : p) == -1)
				r = -1;
		} else if (*p == '/' || *p == '.')
			*keep = 1;
		else if (*p == '|' && strstr(p, "autorespond") != NULL)
			*vac = 1;
	}
	str_free(&t);
	return r;
}

/* The subject and text of vacation/message (qmailadmin's form, or text
 * only).  0 (also when there is none), or -1. */
static int
read_vacation(struct str *subj, struct str *text)
{
	struct str f = STR_INIT(VACATION_MAX);
	const char *p, *nl, *body;
	int	 r = 0;

	if (file_read("vacation/message", &f) != 1) {
		str_free(&f);
		return 0;
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
			if (str_catb(subj, v, (size_t)(nl - v)) == -1)
				r = -1;
		} else if (strncasecmp(p, "From:", 5) != 0 && *p != ' ' &&
		    *p != '\t') {
			str_clear(subj);
			break;		/* text only, no header block */
		}
	}
	if (r == 0)
		r = str_cats(text, body);
	str_free(&f);
	return r;
}

void
page_settings(struct wm *w)
{
	struct str fwd = STR_INIT(8192), vmsg = STR_INIT(VACATION_MAX);
	struct str vsubj = STR_INIT(VACATION_MAX);
	int	 keep, vac;
	const char *ok = cgi_form_gets(&w->form, "ok", "");

	if (wm_ok(w, read_dotqmail(&fwd, &keep, &vac)) == -1 ||
	    wm_ok(w, read_vacation(&vsubj, &vmsg)) == -1)
		goto out;
	pg_head(w, T("nav.settings"));
	pg_nav(w, NULL);
	wm_fmt(w, "<section class=\"card wide\"><h1>{}</h1>",
	    T("nav.settings"));
	if (*ok != '\0')
		wm_fmt(w, "<p class=\"ok\" role=\"status\">{}</p>",
		    T("settings.saved"));
	wm_fmt(w, "<h2>{}</h2><form method=\"post\" "
	    "action=\"{}/settings\">", T("settings.password"), w->base);
	pg_csrf(w);
	wm_fmt(w, "<input type=\"hidden\" name=\"a\" "
	    "value=\"password\"><label for=\"old\">{}</label><input id=\"old\" "
	    "name=\"old\" type=\"password\" autocomplete=\"current-password\" "
	    "required><label for=\"new\">{}</label><input id=\"new\" name=\"new\" "
	    "type=\"password\" autocomplete=\"new-password\" minlength=\"8\" "
	    "required><label for=\"new2\">{}</label><input id=\"new2\" "
	    "name=\"new2\" type=\"password\" autocomplete=\"new-password\" "
	    "required><button class=\"btn primary\">{}</button></form>",
	    T("settings.old"), T("settings.new"), T("settings.new2"),
	    T("settings.change"));
	wm_fmt(w, "<h2>{}</h2><form method=\"post\" "
	    "action=\"{}/settings\">", T("settings.forward"), w->base);
	pg_csrf(w);
	wm_fmt(w, "<input type=\"hidden\" name=\"a\" "
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
	pg_foot(w);
out:
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
		if (pg_has_crlf(vsubj) || strlen(vsubj) > 200 ||
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

void
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
