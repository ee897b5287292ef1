/*
 * pages - what the page modules of a sqwebmaild worker share (pages.c,
 * pg_list.c, pg_read.c, pg_compose.c, pg_settings.c, pg_abook.c): the
 * frame of a page, the user's store and the checked arguments naming a
 * folder or a message, and each module's handlers.  Internal to the
 * webmail; the worker runs as the mailbox owner in the user's directory.
 */
#ifndef HSMAIL_PAGES_H
#define HSMAIL_PAGES_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "mime.h"
#include "mstore.h"
#include "str.h"
#include "wm.h"

#define PAGE_SIZE	50		/* messages per list page */
#define TEXT_MAX	(8UL * 1024 * 1024)	/* text shown of one body */
#define SEARCH_MAX	200		/* characters of a search */

/* The user's store, opened by pg_store() on first use. */
extern struct mstore *pg_st;

/* The document head (title escaped) and its end. */
void	pg_head(struct wm *, const char *title);
void	pg_foot(struct wm *);
/* The session's CSRF token as a hidden field. */
void	pg_csrf(struct wm *);
/* The top bar (its brand links to folder's list, NULL: INBOX), then
 * <main>. */
void	pg_nav(struct wm *, const char *folder);
/* An icon (inline SVG) by name ("write", "reply", "delete", ...); the
 * string stays valid until the next call. */
const char *pg_icon(const char *name);
/* A list date ("14:05", "Mar  3", "2025-03-03"), a size ("12 KB"). */
void	pg_date(time_t, char *, size_t);
void	pg_size(uint64_t, char *, size_t);
/* Open the store (pg_st).  0, or -1 after an error page. */
int	pg_store(struct wm *);
/* The folder named by f= (default INBOX) in its canonical form in
 * *canon, or NULL when the store refuses the name. */
const char *pg_folder_arg(struct wm *, struct str *canon);
/* The UID in u=.  0 or -1. */
int	pg_uid_arg(struct wm *, uint32_t *);
/* A folder's name for people: its last component, special ones named. */
const char *pg_folder_label(const char *name, enum mstore_special);
/*
 * Message uid of folder: the open mbox (read-write unless rw is 0), its
 * index and the parsed message; the caller frees both.  0, or -1 after
 * an error page.
 */
int	pg_msg_open(struct wm *, const char *folder, uint32_t uid,
	    struct mbox **mb, ssize_t *idx, struct mime_msg **m, int rw);
/* A 303 to the list of folder. */
void	pg_redirect_list(struct wm *, const char *folder);
/* Remove messages uids[0..n) of mb for good (flag \\Deleted, expunge).
 * 0 or -1. */
int	pg_expunge(struct mbox *, const uint32_t *uids, size_t n);
/* 1 if s holds CR or LF (a header injection attempt). */
int	pg_has_crlf(const char *s);

/* pg_list.c: the message list, actions on messages, folders. */
void	page_list(struct wm *);
void	page_act(struct wm *);
void	page_folders(struct wm *);
void	page_folder_post(struct wm *);
/* pg_read.c: reading. */
void	page_msg(struct wm *, int print);
void	page_images_post(struct wm *);
void	page_body(struct wm *);
void	page_part(struct wm *);
void	page_src(struct wm *);
/* pg_compose.c: compose, send, drafts. */
void	page_compose(struct wm *);
void	page_send(struct wm *);
/* pg_settings.c */
void	page_settings(struct wm *);
void	page_settings_post(struct wm *);
/* pg_abook.c: the address book. */
void	page_abook(struct wm *);
void	page_abook_post(struct wm *);
/* The address book as a <datalist> for address fields (compose). */
void	pg_abook_datalist(struct wm *, const char *id);

#endif
