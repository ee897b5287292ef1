/*
 * pg_abook - the address book (placeholder while it is written).
 */
#include "pages.h"

void
page_abook(struct wm *w)
{
	wm_error(w, 404, "err.notfound");
}

void
page_abook_post(struct wm *w)
{
	wm_error(w, 404, "err.notfound");
}
