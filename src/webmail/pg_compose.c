/*
 * pg_compose - writing mail: the compose page (new, reply, reply to all,
 * forward inline or as an attachment, a draft resumed), sending through
 * qmail-inject with the login's own address, the copy in Sent, drafts
 * saved with their attachments.  Runs in a sqwebmaild worker as the
 * mailbox owner; no header field may carry CR or LF.
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

/* "Re: " once. */
static void
prefix_subject(struct str *out, const char *pre, const char *s)
{
	size_t	 l = strlen(pre);

	if (strncasecmp(s, pre, l) != 0)
		(void)str_cats(out, pre);
	(void)str_cats(out, s);
}

void
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
	if (*r != '\0' && (folder = pg_folder_arg(w, &canon)) != NULL &&
	    pg_uid_arg(w, &uid) == 0 && pg_msg_open(w, folder, uid, &mb, &idx, &m,
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
	pg_head(w, T("nav.compose"));
	pg_nav(w, folder);
	(void)html_fmt(&w->body, "<form class=\"compose\" method=\"post\" "
	    "action=\"{}/send\" enctype=\"multipart/form-data\">", w->base);
	pg_csrf(w);
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
	pg_foot(w);
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
	const char *f = mstore_special_folder(pg_st, sp);
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
	r = mstore_append(pg_st, f, fd, (off_t)msg->len, flags, NULL, 0, 0,
	    &uidv, &uid);
	close(fd);
	return r;
}

void
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
	if (pg_store(w) == -1)
		return;
	if (pg_has_crlf(to) || pg_has_crlf(cc) || pg_has_crlf(bcc) || pg_has_crlf(subj)) {
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
	if (*r != '\0' && pg_folder_arg(w, &canon) != NULL &&
	    pg_uid_arg(w, &uid) == 0 && pg_msg_open(w, canon.s, uid, &mb, &idx, &orig,
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
		pg_redirect_list(w, mstore_special_folder(pg_st, MS_DRAFTS));
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
	pg_redirect_list(w, "INBOX");
out:
	mime_writer_free(mw);
	mime_free(orig);
	if (mb != NULL)
		mbox_close(mb);
	str_free(&msg);
	str_free(&canon);
}
