/*
 * inject - address lists and address qualification; see inject.h.
 */
#include <errno.h>
#include <string.h>

#include "inject.h"
#include "queue.h"

static int	flush_addr(struct str *, struct str *, int, struct strlist *);

/* Add the collected address: the <...> part when there was one. */
static int
flush_addr(struct str *plain, struct str *angle, int hadangle,
    struct strlist *out)
{
	struct str *a = hadangle ? angle : plain;
	int	 r = 0;

	if (a->len > 0 && a->len <= QUEUE_ADDR_MAX)
		r = strlist_addb(out, a->s, a->len);
	str_clear(plain);
	str_clear(angle);
	return r;
}

int
inject_addrlist(const char *v, size_t n, struct strlist *out)
{
	struct str plain = STR_INIT(STR_UNBOUNDED), angle = STR_INIT(STR_UNBOUNDED);
	size_t	 i;
	int	 depth = 0, inangle = 0, hadangle = 0, r = -1;
	char	 c;

	for (i = 0; i < n; i++) {
		c = v[i];
		if (depth > 0) {		/* inside a comment */
			if (c == '\\')
				i++;
			else if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
			continue;
		}
		if (c == '(') {
			depth = 1;
			continue;
		}
		if (c == '"') {
			/* A quoted local part stays as written; a quoted
			 * display name before <...> is dropped later. */
			struct str *t = inangle ? &angle : &plain;

			if (str_catc(t, c) == -1)
				goto out;
			for (i++; i < n && v[i] != '"'; i++) {
				if (v[i] == '\\' && i + 1 < n &&
				    str_catc(t, v[i++]) == -1)
					goto out;
				if (str_catc(t, v[i]) == -1)
					goto out;
			}
			if (i < n && str_catc(t, '"') == -1)
				goto out;
			continue;
		}
		if (inangle) {
			if (c == '>')
				inangle = 0;
			else if (c != ' ' && c != '\t' && c != '\r' &&
			    c != '\n' && str_catc(&angle, c) == -1)
				goto out;
			continue;
		}
		switch (c) {
		case '<':
			inangle = hadangle = 1;
			str_clear(&angle);
			break;
		case ':':		/* group name: forget it */
			str_clear(&plain);
			break;
		case ',':
		case ';':
			if (flush_addr(&plain, &angle, hadangle, out) == -1)
				goto out;
			hadangle = 0;
			break;
		case ' ':
		case '\t':
		case '\r':
		case '\n':
			break;
		default:
			if (str_catc(&plain, c) == -1)
				goto out;
		}
	}
	r = flush_addr(&plain, &angle, hadangle, out);
out:
	str_free(&plain);
	str_free(&angle);
	return r;
}

int
inject_qualify(struct str *addr, const char *defaulthost,
    const char *defaultdomain, const char *plusdomain)
{
	const char *at;
	size_t	 hostpos;

	if (addr->len == 0)
		return 0;
	at = memchr(addr->s, '@', addr->len);
	while (at != NULL && memchr(at + 1, '@',
	    addr->len - (size_t)(at + 1 - addr->s)) != NULL)
		at = memchr(at + 1, '@', addr->len - (size_t)(at + 1 - addr->s));
	if (at == NULL)
		return str_catc(addr, '@') == -1 ? -1 :
		    str_cats(addr, defaulthost);
	hostpos = (size_t)(at - addr->s) + 1;
	if (hostpos == addr->len)
		return str_cats(addr, defaulthost);
	if (addr->s[hostpos] == '[')
		return 0;
	if (addr->s[addr->len - 1] == '+') {
		str_truncate(addr, addr->len - 1);
		return str_catc(addr, '.') == -1 ? -1 :
		    str_cats(addr, plusdomain);
	}
	if (memchr(addr->s + hostpos, '.', addr->len - hostpos) == NULL)
		return str_catc(addr, '.') == -1 ? -1 :
		    str_cats(addr, defaultdomain);
	return 0;
}

int
inject_hdr_is(const char *line, size_t n, const char *name)
{
	size_t	 k = strlen(name);

	if (n <= k || line[k] != ':')
		return 0;
	return mem_caseeq(line, name, k);
}
