/*
 * inject - address lists and address qualification; see inject.h.
 */
#include <errno.h>
#include <string.h>

#include "inject.h"
#include "queue.h"

static int	flush_addr(struct str *, struct str *, int, struct strlist *);
static int	is_ws(char);

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
	struct str plain = STR_INIT(STR_UNBOUNDED);
	struct str angle = STR_INIT(STR_UNBOUNDED);
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
	at = memrchr(addr->s, '@', addr->len);
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

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * One element of an address list, v[start..end): copied as it is unless
 * its address changes when qualified.
 */
struct elem {
	size_t	 start, end;
	size_t	 lt, gt;	/* positions of '<' and '>' (hadangle) */
	size_t	 comment;	/* first top-level '(' or end */
	int	 hadangle;
	int	 late;		/* address text after a comment began */
	struct str addr;	/* the address as inject_addrlist sees it */
};

static int
elem_out(const char *v, struct elem *e, struct str *out, const char *dh,
    const char *dd, const char *pd)
{
	struct str q = STR_INIT(STR_UNBOUNDED);
	size_t	 a, b;
	int	 r = -1;

	if (e->addr.len == 0 || str_copyb(&q, e->addr.s, e->addr.len) == -1 ||
	    inject_qualify(&q, dh, dd, pd) == -1 ||
	    (q.len == e->addr.len && memcmp(q.s, e->addr.s, q.len) == 0)) {
		r = str_catb(out, v + e->start, e->end - e->start);
		goto done;
	}
	if (e->hadangle) {
		r = str_catb(out, v + e->start, e->lt + 1 - e->start) == -1 ||
		    str_cat(out, &q) == -1 ||
		    str_catb(out, v + e->gt, e->end - e->gt) == -1 ? -1 : 0;
		goto done;
	}
	/* A bare address: leading blanks, the new address, any comment,
	 * trailing blanks (the folding of the header). */
	for (a = e->start; a < e->end && is_ws(v[a]); a++)
		;
	for (b = e->end; b > a && is_ws(v[b - 1]); b--)
		;
	if (str_catb(out, v + e->start, a - e->start) == -1 ||
	    str_cat(out, &q) == -1)
		goto done;
	/* Keep a trailing comment ("bob (Bob)"); one before the address
	 * is dropped with the old text. */
	if (!e->late && e->comment < b && (str_catc(out, ' ') == -1 ||
	    str_catb(out, v + e->comment, b - e->comment) == -1))
		goto done;
	r = str_catb(out, v + b, e->end - b);
done:
	str_free(&q);
	return r;
}

int
inject_rewrite(const char *v, size_t n, struct str *out, const char *dh,
    const char *dd, const char *pd)
{
	struct elem e;
	struct str plain = STR_INIT(STR_UNBOUNDED);
	size_t	 i;
	int	 depth = 0, inangle = 0, r = -1;
	char	 c;

	memset(&e, 0, sizeof(e));
	e.addr.max = STR_UNBOUNDED;
	e.comment = (size_t)-1;
	for (i = 0; i <= n; i++) {
		c = i < n ? v[i] : ',';
		if (depth > 0) {
			if (c == '\\')
				i++;
			else if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
			if (i >= n)
				c = ',';	/* unterminated: end here */
			else
				continue;
		} else if (c == '(' && i < n) {
			depth = 1;
			if (e.comment == (size_t)-1)
				e.comment = i;
			continue;
		}
		if (c == '"' && i < n) {
			struct str *t = inangle ? &e.addr : &plain;

			if (str_catc(t, c) == -1)
				goto out;
			for (i++; i < n && v[i] != '"'; i++)
				if (str_catc(t, v[i]) == -1 ||
				    (v[i] == '\\' && i + 1 < n &&
				    str_catc(t, v[++i]) == -1))
					goto out;
			if (i < n && str_catc(t, '"') == -1)
				goto out;
			if (i >= n)
				i = n - 1;	/* unterminated: stop at end */
			continue;
		}
		if (inangle && i < n) {
			if (c == '>') {
				inangle = 0;
				e.gt = i;
			} else if (!is_ws(c) && str_catc(&e.addr, c) == -1)
				goto out;
			continue;
		}
		if (c == '<' && i < n) {
			inangle = e.hadangle = 1;
			e.lt = i;
			str_clear(&e.addr);
			continue;
		}
		if (c == ':' && i < n) {
			/* A group's display name: copy it, start afresh. */
			if (str_catb(out, v + e.start, i + 1 - e.start) == -1)
				goto out;
			e.start = i + 1;
			e.comment = (size_t)-1;
			e.hadangle = e.late = 0;
			str_clear(&plain);
			str_clear(&e.addr);
			continue;
		}
		if (c == ',' || c == ';') {
			if (inangle) {
				/* Unterminated '<': leave the rest alone. */
				e.hadangle = 0;
				str_clear(&e.addr);
			} else if (!e.hadangle && str_copyb(&e.addr,
			    str_c(&plain), plain.len) == -1)
				goto out;
			e.end = i < n ? i : n;
			if (e.comment == (size_t)-1)
				e.comment = e.end;
			if (elem_out(v, &e, out, dh, dd, pd) == -1 ||
			    (i < n && str_catc(out, c) == -1))
				goto out;
			e.start = i + 1;
			e.comment = (size_t)-1;
			e.hadangle = inangle = e.late = 0;
			str_clear(&plain);
			str_clear(&e.addr);
			continue;
		}
		if (!is_ws(c)) {
			if (str_catc(&plain, c) == -1)
				goto out;
			if (e.comment != (size_t)-1)
				e.late = 1;
		}
	}
	r = 0;
out:
	str_free(&plain);
	str_free(&e.addr);
	return r;
}
