/*
 * abook - the address book file and its changes (see abook.h).  Runs in
 * the sqwebmaild worker as the mailbox owner.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "abook.h"
#include "file.h"
#include "html.h"

static int	text_ok(const char *, size_t);
static int	entry_add(struct abook *, const char *, size_t, const char *,
		    size_t);
static int	entry_cmp(const void *, const void *);

void
abook_free(struct abook *ab)
{
	size_t	 i;

	for (i = 0; i < ab->n; i++) {
		free(ab->v[i].name);
		free(ab->v[i].addr);
	}
	free(ab->v);
	ab->v = NULL;
	ab->n = 0;
}

/* 1 if s is at most max bytes of valid UTF-8 without controls. */
static int
text_ok(const char *s, size_t max)
{
	size_t	 n = strlen(s), i = 0, l;

	if (n > max)
		return 0;
	while (i < n) {
		if ((unsigned char)s[i] < 0x80) {
			if ((unsigned char)s[i] < ' ' || s[i] == 0x7f)
				return 0;
			i++;
			continue;
		}
		if ((l = utf8_seqlen((const unsigned char *)s + i, n - i)) == 0)
			return 0;
		i += l;
	}
	return 1;
}

int
abook_name_ok(const char *s)
{
	return text_ok(s, ABOOK_NAME_MAX);
}

int
abook_addr_ok(const char *s)
{
	const char *at = strrchr(s, '@'), *p;
	size_t	 n = strlen(s);

	if (n == 0 || n > ABOOK_ADDR_MAX || at == NULL || at == s ||
	    at[1] == '\0' || strchr(at + 1, '.') == NULL)
		return 0;
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '"' ||
		    *p == '<' || *p == '>' || *p == ',' || *p == ';' ||
		    *p == '(' || *p == ')' || *p == '\\')
			return 0;
	return text_ok(s, ABOOK_ADDR_MAX);
}

/* Add without checks beyond the limits (the callers check).  0 or -1. */
static int
entry_add(struct abook *ab, const char *name, size_t nl, const char *addr,
    size_t al)
{
	struct abook_entry *v;

	if ((v = realloc(ab->v, (ab->n + 1) * sizeof(*v))) == NULL)
		return -1;
	ab->v = v;
	v[ab->n].name = strndup(name, nl);
	v[ab->n].addr = strndup(addr, al);
	if (v[ab->n].name == NULL || v[ab->n].addr == NULL) {
		free(v[ab->n].name);
		free(v[ab->n].addr);
		errno = ENOMEM;
		return -1;
	}
	ab->n++;
	return 0;
}

int
abook_parse(const char *b, size_t n, struct abook *ab)
{
	struct str name = STR_INIT(ABOOK_NAME_MAX + 1);
	struct str addr = STR_INIT(ABOOK_ADDR_MAX + 1);
	const char *p = b, *end = b + n, *nl, *tab;
	size_t	 l;
	int	 r = 0;

	for (; p < end && ab->n < ABOOK_MAX; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		l = (size_t)(nl - p);
		if (l > 0 && p[l - 1] == '\r')
			l--;
		if (l == 0 || *p == '#' ||
		    (tab = memchr(p, '\t', l)) == NULL ||
		    memchr(p, '\0', l) != NULL)
			continue;
		if (str_copyb(&name, p, (size_t)(tab - p)) == -1 ||
		    str_copyb(&addr, tab + 1, l - (size_t)(tab + 1 - p)) == -1)
			continue;	/* too long: not kept */
		if (!abook_name_ok(str_c(&name)) ||
		    !abook_addr_ok(str_c(&addr)) ||
		    abook_find(ab, str_c(&addr)) != -1)
			continue;
		if ((r = entry_add(ab, str_c(&name), name.len, addr.s,
		    addr.len)) == -1)
			break;
	}
	str_free(&name);
	str_free(&addr);
	return r;
}

int
abook_format(const struct abook *ab, struct str *out)
{
	size_t	 i;

	if (str_cats(out, "# sqwebmail address book: name<TAB>address "
	    "(sqwebmail-addressbook(5))\n") == -1)
		return -1;
	for (i = 0; i < ab->n; i++)
		if (str_cats(out, ab->v[i].name) == -1 ||
		    str_catc(out, '\t') == -1 ||
		    str_cats(out, ab->v[i].addr) == -1 ||
		    str_catc(out, '\n') == -1)
			return -1;
	return 0;
}

int
abook_load(const char *path, struct abook *ab)
{
	struct str t = STR_INIT(ABOOK_FILE_MAX);
	int	 r;

	if ((r = file_read(path, &t)) == 1)
		r = abook_parse(t.s, t.len, ab);
	else if (r == 0 || (r == -1 && errno == E2BIG))
		r = 0;		/* none yet; too large: not ours to read */
	str_free(&t);
	return r;
}

int
abook_save(const char *path, const struct abook *ab)
{
	struct str t = STR_INIT(STR_UNBOUNDED);
	int	 r;

	r = abook_format(ab, &t) == -1 ? -1 :
	    file_replace(path, t.s, t.len, 0600);
	str_free(&t);
	return r;
}

long
abook_find(const struct abook *ab, const char *addr)
{
	size_t	 i;

	for (i = 0; i < ab->n; i++)
		if (strcasecmp(ab->v[i].addr, addr) == 0)
			return (long)i;
	return -1;
}

int
abook_put(struct abook *ab, const char *name, const char *addr)
{
	long	 i;
	char	*nn;

	if (!abook_name_ok(name) || !abook_addr_ok(addr)) {
		errno = EINVAL;
		return -1;
	}
	if ((i = abook_find(ab, addr)) != -1) {
		if ((nn = strdup(name)) == NULL)
			return -1;
		free(ab->v[i].name);
		ab->v[i].name = nn;
		return 0;
	}
	if (ab->n >= ABOOK_MAX) {
		errno = ENOSPC;
		return -1;
	}
	return entry_add(ab, name, strlen(name), addr, strlen(addr));
}

int
abook_del(struct abook *ab, size_t i)
{
	if (i >= ab->n) {
		errno = EINVAL;
		return -1;
	}
	free(ab->v[i].name);
	free(ab->v[i].addr);
	memmove(&ab->v[i], &ab->v[i + 1], (ab->n - i - 1) * sizeof(*ab->v));
	ab->n--;
	return 0;
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct abook_entry *x = a, *y = b;
	const char *xn = *x->name != '\0' ? x->name : x->addr;
	const char *yn = *y->name != '\0' ? y->name : y->addr;
	int	 c = strcasecmp(xn, yn);

	return c != 0 ? c : strcasecmp(x->addr, y->addr);
}

void
abook_sort(struct abook *ab)
{
	if (ab->n > 1)
		qsort(ab->v, ab->n, sizeof(*ab->v), entry_cmp);
}
