/*
 * wm - what sqwebmaild's modules share: one request being served (its
 * CGI variables, form, session, the response being built), the page
 * handlers, the text catalog, and the login through the checkpassword
 * program.
 */
#ifndef HSMAIL_WM_H
#define HSMAIL_WM_H

#include <sys/types.h>

#include "cgi.h"
#include "session.h"
#include "wm_ident.h"
#include "str.h"

#define WM_BODY_MAX	(64UL * 1024 * 1024)	/* largest request body */
#define WM_FORM_MAX	(64UL * 1024 * 1024)	/* names + values in a form */
#define WM_PAGE_MAX	(64UL * 1024 * 1024)	/* largest response */
#define WM_COOKIE	"sqwebmail"		/* the session cookie */
#define WM_PRECOOKIE	"sqwebmail_login"	/* login form's CSRF cookie */

/* Daemon-wide settings (sqwebmaild's options). */
struct wm_conf {
	const char *statedir;	/* sessions/, loginfail */
	const char *self;	/* this program, for vchkpw to run */
	const char *vchkpw;	/* the checkpassword program */
	const char *langdir;	/* <dir>/<lang>.lang text catalogs */
	const char *lang;	/* the catalog in use ("en") */
	unsigned idle;		/* session idle timeout, seconds */
	unsigned hard;		/* session absolute timeout */
	const char *imap_host;	/* for client set-up (autoconfig) */
	unsigned imap_port, imaps_port, pop3_port, pop3s_port;
	unsigned smtp_port, submission_port;
};
extern struct wm_conf wm_conf;

/* Messages from a request worker to its monitor (the status pipe). */
#define WM_MSG_LOGIN	'L'	/* "L" login NUL password NUL */
#define WM_MSG_LOGOUT	'O'	/* end the session */
#define WM_MSG_SEND	'S'	/* with a message fd: inject it (the monitor
				 * answers '0' done, '1' failed) */

/* One request. */
struct wm {
	struct cgi_env	 env;
	int		 in;		/* request body */
	int		 out;		/* the response */
	int		 status_fd;	/* to the monitor */
	struct cgi_form	 form;		/* query and body fields */
	struct session	*sess;		/* NULL: not logged in */
	struct str	 hdr;		/* response header fields */
	struct str	 body;		/* response body */
	int		 status;	/* HTTP status */
	const char	*base;		/* SCRIPT_NAME, e.g. "/webmail" */
	const char	*path;		/* PATH_INFO ("" for /) */
	int		 https;
	int		 post;		/* a POST request */
	int		 frame;		/* a page shown in our own frame */
	const char	*csp;		/* NULL: the default policy */
	int		 via_monitor;	/* the monitor injects mail (an
					 * instance run by root) */
	int		 broken;	/* a part of the page could not be
					 * written: it is not sent */
};

/* The text for key in the catalog (the key itself when missing). */
const char *T(const char *key);
/* Load <langdir>/<lang>.lang.  0 or -1 (errno). */
int	lang_load(const char *dir, const char *lang);

/* Parse the request's query string and body into w->form.  0, or -1
 * after an error page was prepared. */
int	wm_read_form(struct wm *);
/* Read and drop n bytes of the request body (a request refused before
 * its body was wanted). */
void	wm_drain(struct wm *, size_t n);
/*
 * Build the page (w->body): the text as is, or an html_fmt template.  A
 * failure (no memory, the page over WM_PAGE_MAX) is remembered: wm_send
 * then sends an error instead of a page cut short.
 */
void	wm_cats(struct wm *, const char *);
void	wm_catb(struct wm *, const void *, size_t);
void	wm_fmt(struct wm *, const char *tpl, ...);
/* The same for another string s of the page (a header value, a part):
 * 0, or -1 with w->broken set. */
int	wm_ok(struct wm *, int r);
/* Send the response (status, security headers, w->hdr, body). */
int	wm_send(struct wm *);
/* An error page with the status and a catalog key. */
void	wm_error(struct wm *, int status, const char *key);
/* A 303 redirect to base + rel. */
void	wm_redirect(struct wm *, const char *rel);
/* 1 when a state-changing request is allowed: POST, same origin, and the
 * session's (or the login form's) CSRF token. */
int	wm_csrf_ok(struct wm *);

/* Page handlers: anonymous (no session) and a logged-in user's. */
void	wm_serve_anon(struct wm *);
void	wm_serve_user(struct wm *);

/* The login identity vchkpw reported. */
struct wm_ident {
	uid_t	 uid;
	gid_t	 gid;
	struct str home;
};
/*
 * Check login/password through the checkpassword program (fd 3) as a
 * webmail login from ip.  1 accepted (*id filled), 0 refused, 2 refused
 * by the failed-login limiter (too many failures), -1 temporary trouble.
 */
int	wm_checkpw(const char *login, const char *pass, const char *ip,
	    struct wm_ident *id);

#endif
