/*
 * rewrite - the recipient rewriting of qmail-send(8), run by qmail-todo:
 *   no '@': append "@envnoathost";
 *   domain in percenthack: "u%h@d" becomes "u@h", repeatedly;
 *   domain in locals: local, unchanged;
 *   virtualdomains: "user@domain", then "domain", then each ".suffix",
 *   then "" (catch-all); a hit with a non-empty prepend P makes the
 *   local address "P-user@domain", an empty prepend is an exception;
 *   anything else is remote.
 */
#include <errno.h>
#include <string.h>

#include "ctl.h"
#include "rewrite.h"

static int	rewrite_vdom(const struct rewrite *, struct str *);

void
rewrite_init(struct rewrite *rw)
{
	struct cmap empty = CMAP_INIT;

	rw->locals = empty;
	rw->vdoms = empty;
	rw->percent = empty;
	rw->envnoathost = (struct str)STR_INIT(1024);
}

int
rewrite_set(struct rewrite *rw, const struct strlist *locals,
    const struct strlist *vdoms, const struct strlist *percent,
    const char *envnoathost)
{
	struct rewrite n;

	rewrite_init(&n);
	if (cmap_load(&n.locals, locals, 0) == -1 ||
	    cmap_load(&n.vdoms, vdoms, 1) == -1 ||
	    cmap_load(&n.percent, percent, 0) == -1 ||
	    str_copys(&n.envnoathost, envnoathost) == -1) {
		rewrite_free(&n);
		return -1;
	}
	rewrite_free(rw);
	*rw = n;
	return 0;
}

int
rewrite_load(struct rewrite *rw)
{
	struct strlist locals = STRLIST_INIT, vdoms = STRLIST_INIT;
	struct strlist percent = STRLIST_INIT;
	struct str me = STR_INIT(1024), noat = STR_INIT(1024);
	int	 r = -1, e;

	if (ctl_readline("me", &me, "localhost") == -1)
		goto out;
	if ((e = ctl_readlist("locals", &locals)) == -1)
		goto out;
	if (e == 0 && strlist_adds(&locals, str_c(&me)) == -1)
		goto out;
	if (ctl_readlist("virtualdomains", &vdoms) == -1 ||
	    ctl_readlist("percenthack", &percent) == -1 ||
	    ctl_readline("envnoathost", &noat, str_c(&me)) == -1)
		goto out;
	r = rewrite_set(rw, &locals, &vdoms, &percent, str_c(&noat));
out:
	e = errno;
	strlist_free(&locals);
	strlist_free(&vdoms);
	strlist_free(&percent);
	str_free(&me);
	str_free(&noat);
	errno = e;
	return r;
}

/* virtualdomains lookup on addr ("user@domain"); rewrites it in place.
 * 1 rewritten to local, 0 no (or an exception), -1 error. */
static int
rewrite_vdom(const struct rewrite *rw, struct str *addr)
{
	struct str tmp = STR_INIT(STR_UNBOUNDED);
	const char *at, *dom, *p, *v;
	size_t	 dlen;

	at = memrchr(addr->s, '@', addr->len);
	dom = at + 1;
	dlen = addr->len - (size_t)(dom - addr->s);
	v = cmap_get(&rw->vdoms, addr->s, addr->len);
	if (v == NULL)
		v = cmap_get(&rw->vdoms, dom, dlen);
	for (p = dom; v == NULL && p < dom + dlen; p++)
		if (*p == '.')
			v = cmap_get(&rw->vdoms, p, dlen - (size_t)(p - dom));
	if (v == NULL)
		v = cmap_get(&rw->vdoms, "", 0);
	if (v == NULL || *v == '\0')
		return 0;
	if (str_copys(&tmp, v) == -1 || str_catc(&tmp, '-') == -1 ||
	    str_cat(&tmp, addr) == -1 || str_copyb(addr, tmp.s, tmp.len) == -1) {
		str_free(&tmp);
		return -1;
	}
	str_free(&tmp);
	return 1;
}

int
rewrite_addr(const struct rewrite *rw, const char *a, size_t n,
    struct str *out)
{
	char	*at, *pct;
	size_t	 i;
	int	 r;

	if (str_copyb(out, a, n) == -1)
		return -1;
	at = memrchr(out->s, '@', out->len);
	if (at == NULL) {
		if (str_catc(out, '@') == -1 ||
		    str_cat(out, &rw->envnoathost) == -1)
			return -1;
		at = memrchr(out->s, '@', out->len);
	}
	i = (size_t)(at - out->s);
	while (cmap_get(&rw->percent, out->s + i + 1, out->len - i - 1)) {
		pct = memrchr(out->s, '%', i);
		if (pct == NULL)
			break;
		str_truncate(out, i);
		i = (size_t)(pct - out->s);
		out->s[i] = '@';
	}
	if (cmap_get(&rw->locals, out->s + i + 1, out->len - i - 1))
		return REWRITE_LOCAL;
	r = rewrite_vdom(rw, out);
	if (r == -1)
		return -1;
	return r == 1 ? REWRITE_LOCAL : REWRITE_REMOTE;
}

void
rewrite_free(struct rewrite *rw)
{
	cmap_free(&rw->locals);
	cmap_free(&rw->vdoms);
	cmap_free(&rw->percent);
	str_free(&rw->envnoathost);
}
