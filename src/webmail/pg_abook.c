/*
 * pg_abook - the address book pages: the contacts with a link to write
 * to each, add (also from a message: the reading view's quick-add link
 * opens the form filled in), edit, delete; and the contacts offered in
 * compose's address fields.  Runs in a sqwebmaild worker as the mailbox
 * owner, in the user's directory, where the book is kept (abook.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "abook.h"
#include "file.h"
#include "html.h"
#include "mime.h"
#include "wm.h"

#include "pages.h"

static int	addr_line(struct str *, const struct abook_entry *);
static int	book_load(struct abook *);

/*
 * The address book: ours, beside the Maildir; while there is none, the
 * one SqWebMail kept in the Maildir under the same name, read in its
 * own form (a header per nickname: "nick: "Name" <addr>, ...", folded
 * lines) and never written: the first change saves ours, SqWebMail's
 * stays as it was for a box that goes back.  0 or -1 (errno).
 */
static int
book_load(struct abook *ab)
{
	struct str t = STR_INIT(ABOOK_FILE_MAX), v = STR_INIT(ABOOK_FILE_MAX);
	const char *b, *e, *nl, *colon;
	size_t	 i;
	int	 r;

	if (access(ABOOK_FILE, F_OK) == 0 || errno != ENOENT)
		return abook_load(ABOOK_FILE, ab);
	if ((r = file_read("Maildir/" ABOOK_FILE, &t)) != 1) {
		str_free(&t);
		return r == 0 || errno == E2BIG ? 0 : -1;
	}
	for (b = t.s, e = t.s + t.len; b < e; b = nl) {
		/* a header and its folded lines */
		nl = b;
		do {
			const char *x = memchr(nl, '\n', (size_t)(e - nl));

			nl = x != NULL ? x + 1 : e;
		} while (nl < e && (*nl == ' ' || *nl == '\t'));
		if ((colon = memchr(b, ':', (size_t)(nl - b))) == NULL ||
		    colon == b)
			continue;
		str_clear(&v);
		if (str_catb(&v, colon + 1, (size_t)(nl - colon - 1)) == -1)
			break;
		for (i = 0; i < v.len; i++)
			if (v.s[i] == '\n' || v.s[i] == '\r')
				v.s[i] = ' ';
		{
			struct mime_addrlist al = MIME_ADDRLIST_INIT;
			char	 nick[ABOOK_NAME_MAX + 1];

			snprintf(nick, sizeof(nick), "%.*s", (int)(colon - b),
			    b);
			if (mime_addr_parse(v.s, v.len, &al) == 0)
				for (i = 0; i < al.n; i++)
					if (al.v[i].addr != NULL &&
					    abook_put(ab, al.v[i].name != NULL &&
					    *al.v[i].name != '\0' ?
					    al.v[i].name : nick,
					    al.v[i].addr) == -1 &&
					    errno == ENOMEM) {
						mime_addrlist_free(&al);
						goto out;
					}
			mime_addrlist_free(&al);
		}
	}
out:
	str_free(&t);
	str_free(&v);
	return 0;
}

static void	entry_form(struct wm *, const char *, const char *,
		    const char *, const char *, const char *);

/* "Name <addr>" as a user would type it (the name quoted when it holds
 * characters that would split the address). */
static int
addr_line(struct str *out, const struct abook_entry *e)
{
	const char *p;

	str_clear(out);
	if (*e->name == '\0')
		return str_cats(out, e->addr);
	if (strpbrk(e->name, ",;<>()\"\\@:[]") == NULL) {
		if (str_cats(out, e->name) == -1)
			return -1;
	} else {
		if (str_catc(out, '"') == -1)
			return -1;
		for (p = e->name; *p != '\0'; p++)
			if (((*p == '"' || *p == '\\') &&
			    str_catc(out, '\\') == -1) ||
			    str_catc(out, *p) == -1)
				return -1;
		if (str_catc(out, '"') == -1)
			return -1;
	}
	return str_printf(out, " <%s>", e->addr);
}

/* The add or edit form (old: the address edited, or NULL to add). */
static void
entry_form(struct wm *w, const char *title, const char *old,
    const char *name, const char *addr, const char *button)
{
	wm_fmt(w, "<form method=\"post\" action=\"{}/abook\" "
	    "class=\"abform\"><h2>{}</h2>", w->base, title);
	pg_csrf(w);
	if (old != NULL)
		wm_fmt(w, "<input type=\"hidden\" name=\"a\" "
		    "value=\"edit\"><input type=\"hidden\" name=\"old\" "
		    "value=\"{}\">", old);
	else
		wm_cats(w, "<input type=\"hidden\" name=\"a\" "
		    "value=\"add\">");
	wm_fmt(w, "<label for=\"abname\">{}</label><input "
	    "id=\"abname\" name=\"name\" value=\"{}\" maxlength=\"200\">"
	    "<label for=\"abemail\">{}</label><input id=\"abemail\" "
	    "name=\"email\" type=\"email\" value=\"{}\" required "
	    "maxlength=\"320\"><button class=\"btn primary\" id=\"absave\">{}"
	    "</button></form>", T("abook.name"), name, T("abook.email"), addr,
	    button);
}

void
page_abook(struct wm *w)
{
	struct abook ab = ABOOK_INIT;
	struct str line = STR_INIT(ABOOK_NAME_MAX + ABOOK_ADDR_MAX + 16);
	const char *a = cgi_form_gets(&w->form, "a", "");
	const char *e = cgi_form_gets(&w->form, "e", "");
	const char *ok = cgi_form_gets(&w->form, "ok", "");
	long	 ei = -1;
	size_t	 i;

	if (book_load(&ab) == -1) {
		wm_error(w, 503, "err.temp");
		return;
	}
	abook_sort(&ab);
	pg_head(w, T("nav.abook"));
	pg_nav(w, NULL);
	wm_fmt(w, "<section class=\"card wide\"><h1>{}</h1>",
	    T("nav.abook"));
	if (*ok != '\0')
		wm_fmt(w, "<p class=\"ok\" role=\"status\">{}</p>",
		    T("settings.saved"));
	if (*e != '\0' && (ei = abook_find(&ab, e)) != -1)
		entry_form(w, T("abook.edit"), ab.v[ei].addr, ab.v[ei].name,
		    ab.v[ei].addr, T("settings.save"));
	else
		entry_form(w, T("abook.add"), NULL, strcmp(a, "new") == 0 ?
		    cgi_form_gets(&w->form, "name", "") : "", strcmp(a, "new") ==
		    0 ? cgi_form_gets(&w->form, "email", "") : "",
		    T("abook.addbtn"));
	wm_cats(w, "<ul class=\"abook\">");
	for (i = 0; i < ab.n; i++) {
		if (wm_ok(w, addr_line(&line, &ab.v[i])) == -1)
			break;
		wm_fmt(w, "<li><span class=\"who\"><b>{}</b> "
		    "<span class=\"addr\">{}</span></span><span class=\"do\">"
		    "<a class=\"btn\" href=\"{}/compose?to={u}\" title=\"{}\">{!}"
		    "</a><a class=\"btn\" href=\"{}/abook?e={u}\" title=\"{}\">{}"
		    "</a><form method=\"post\" action=\"{}/abook\" "
		    "class=\"inline\"><input type=\"hidden\" name=\"a\" "
		    "value=\"del\"><input type=\"hidden\" name=\"email\" "
		    "value=\"{}\">", *ab.v[i].name != '\0' ? ab.v[i].name :
		    ab.v[i].addr, ab.v[i].addr, w->base, line.s,
		    T("abook.write"), pg_icon("write"), w->base, ab.v[i].addr,
		    T("abook.edit"), T("abook.editbtn"), w->base, ab.v[i].addr);
		pg_csrf(w);
		wm_fmt(w, "<button class=\"btn\" title=\"{}\">{!}"
		    "</button></form></span></li>", T("abook.delete"),
		    pg_icon("delete"));
	}
	if (ab.n == 0)
		wm_fmt(w, "<li class=\"empty\">{}</li>",
		    T("abook.empty"));
	wm_cats(w, "</ul></section>");
	pg_foot(w);
	abook_free(&ab);
	str_free(&line);
}

void
page_abook_post(struct wm *w)
{
	struct abook ab = ABOOK_INIT;
	const char *a = cgi_form_gets(&w->form, "a", "");
	const char *name = cgi_form_gets(&w->form, "name", "");
	const char *email = cgi_form_gets(&w->form, "email", "");
	const char *old = cgi_form_gets(&w->form, "old", "");
	long	 i;
	int	 r = -1;

	if (!wm_csrf_ok(w)) {
		wm_error(w, 403, "err.csrf");
		return;
	}
	if (book_load(&ab) == -1) {
		wm_error(w, 503, "err.temp");
		return;
	}
	while (*name == ' ')
		name++;
	if (strcmp(a, "add") == 0)
		r = abook_put(&ab, name, email);
	else if (strcmp(a, "edit") == 0 && abook_find(&ab, old) != -1) {
		if (strcasecmp(old, email) != 0 && abook_find(&ab, email) != -1)
			errno = EEXIST;	/* the address of another contact */
		else if (!abook_name_ok(name) || !abook_addr_ok(email))
			errno = EINVAL;
		else if (abook_del(&ab, (size_t)abook_find(&ab, old)) == 0)
			r = abook_put(&ab, name, email);
	} else if (strcmp(a, "del") == 0 && (i = abook_find(&ab, email)) != -1)
		r = abook_del(&ab, (size_t)i);
	if (r == 0 && abook_save(ABOOK_FILE, &ab) == -1)
		r = -1;
	abook_free(&ab);
	if (r == -1) {
		wm_error(w, errno == EINVAL || errno == EEXIST ? 400 : 503,
		    errno == EINVAL || errno == EEXIST ? "abook.bad" :
		    errno == ENOSPC ? "abook.full" : "err.temp");
		return;
	}
	wm_redirect(w, "abook?ok=1");
}

void
pg_abook_datalist(struct wm *w, const char *id)
{
	struct abook ab = ABOOK_INIT;
	struct str line = STR_INIT(ABOOK_NAME_MAX + ABOOK_ADDR_MAX + 16);
	size_t	 i;

	if (book_load(&ab) == -1 || ab.n == 0) {
		abook_free(&ab);
		return;
	}
	abook_sort(&ab);
	wm_fmt(w, "<datalist id=\"{}\">", id);
	for (i = 0; i < ab.n; i++) {
		if (wm_ok(w, addr_line(&line, &ab.v[i])) == -1)
			break;
		wm_fmt(w, "<option value=\"{}\"></option>",
		    line.s);
	}
	wm_cats(w, "</datalist>");
	abook_free(&ab);
	str_free(&line);
}
