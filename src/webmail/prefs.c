/*
 * prefs - SqWebMail's sqwebmail-config read and written for the sort
 * order of the message list, and the senders whose remote images are
 * shown (prefs.h).  Pure functions over the text, and loads and atomic
 * saves; runs in a sqwebmaild worker as the mailbox owner, in the user's
 * directory.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "file.h"
#include "prefs.h"

/* The next blank-separated word of line[*pos..n): its start and length,
 * 0 at the end. */
static int
word(const char *line, size_t n, size_t *pos, const char **w, size_t *wl)
{
	size_t	 i = *pos;

	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i >= n)
		return 0;
	*w = line + i;
	while (i < n && line[i] != ' ' && line[i] != '\t')
		i++;
	*wl = (size_t)(line + i - *w);
	*pos = i;
	return 1;
}

static int
is(const char *w, size_t wl, const char *s)
{
	return wl == strlen(s) && memcmp(w, s, wl) == 0;
}

static int
starts(const char *w, size_t wl, const char *s)
{
	return wl >= strlen(s) && memcmp(w, s, strlen(s)) == 0;
}

void
prefs_sort_get(const char *line, size_t n, char *out)
{
	const char *w, *ours = NULL;
	size_t	 pos = 0, wl, ol = 0;
	int	 sq = 0, oldest = 0;

	while (word(line, n, &pos, &w, &wl)) {
		if (starts(w, wl, "HSORT=")) {
			ours = w + 6;
			ol = wl - 6;
		} else if (starts(w, wl, "SORT=") && wl == 6)
			sq = (unsigned char)w[5];
		else if (is(w, wl, "OLDEST1ST"))
			oldest = 1;
	}
	out[0] = '\0';
	if (ours != NULL && ol > 0 && ol < PREFS_SORT_MAX) {
		memcpy(out, ours, ol);
		out[ol] = '\0';
	} else if (sq == 'F')
		strcpy(out, "from.a");
	else if (sq == 'S')
		strcpy(out, "subject.a");
	else if (sq != 0 || oldest)
		strcpy(out, oldest ? "date.a" : "date.d");
}

int
prefs_sort_set(const char *line, size_t n, const char *sort,
    struct str *out)
{
	const char *w;
	size_t	 pos = 0, wl;
	int	 sq = 'D', r = 0;

	if (strncmp(sort, "from.", 5) == 0)
		sq = 'F';
	else if (strncmp(sort, "subject.", 8) == 0)
		sq = 'S';
	str_clear(out);
	r |= str_printf(out, "SORT=%c", sq);
	while (r == 0 && word(line, n, &pos, &w, &wl)) {
		if (starts(w, wl, "SORT=") || starts(w, wl, "HSORT=") ||
		    is(w, wl, "OLDEST1ST"))
			continue;
		r |= str_catc(out, ' ');
		r |= str_catb(out, w, wl);
	}
	if (r == 0 && strcmp(sort, "date.a") == 0)
		r |= str_cats(out, " OLDEST1ST");
	if (r == 0)
		r |= str_printf(out, " HSORT=%s", sort);
	return r == 0 ? 0 : -1;
}

int
prefs_load(const char *path, struct str *line)
{
	const char *nl;
	int	 r;

	str_clear(line);
	if ((r = file_read(path, line)) == -1 && errno != E2BIG)
		return -1;
	if (r != 1) {
		str_clear(line);	/* none, or too long to be SqWebMail's */
		return 0;
	}
	if (line->s != NULL && (nl = memchr(line->s, '\n', line->len)) != NULL)
		str_truncate(line, (size_t)(nl - line->s));
	return 0;
}

int
prefs_save(const char *path, const struct str *line)
{
	struct str t = STR_INIT(PREFS_MAX + 1);
	int	 r;

	if (str_cat(&t, line) == -1 || str_catc(&t, '\n') == -1) {
		str_free(&t);
		return -1;
	}
	r = file_replace(path, t.s, t.len, 0600);
	str_free(&t);
	return r;
}

/* Each line of list[0..n) in turn: 1 with *l, *ll, 0 at the end. */
static int
line_next(const char *list, size_t n, size_t *pos, const char **l,
    size_t *ll)
{
	const char *nl;

	if (*pos >= n)
		return 0;
	*l = list + *pos;
	nl = memchr(*l, '\n', n - *pos);
	*ll = nl != NULL ? (size_t)(nl - *l) : n - *pos;
	*pos += *ll + (nl != NULL);
	return 1;
}

int
prefs_sender_has(const char *list, size_t n, const char *addr)
{
	const char *l;
	size_t	 pos = 0, ll, al = strlen(addr);

	while (line_next(list, n, &pos, &l, &ll))
		if (ll == al && al > 0 && strncasecmp(l, addr, al) == 0)
			return 1;
	return 0;
}

int
prefs_sender_set(const char *list, size_t n, const char *addr, int on,
    struct str *out)
{
	const char *l, *a;
	size_t	 pos = 0, ll, count = 0, skip = 0;
	int	 r = 0;

	for (a = addr; *a != '\0'; a++)
		if ((unsigned char)*a <= ' ' || *a == 0x7f) {
			errno = EINVAL;
			return -1;
		}
	if (*addr == '\0') {
		errno = EINVAL;
		return -1;
	}
	while (line_next(list, n, &pos, &l, &ll))
		if (ll > 0)
			count++;
	/* room for one more: the oldest go */
	if (on && count >= PREFS_SENDERS_MAX)
		skip = count - PREFS_SENDERS_MAX + 1;
	str_clear(out);
	pos = 0;
	while (r == 0 && line_next(list, n, &pos, &l, &ll)) {
		if (ll == 0 || (ll == strlen(addr) &&
		    strncasecmp(l, addr, ll) == 0))
			continue;
		if (skip > 0) {
			skip--;
			continue;
		}
		r |= str_catb(out, l, ll);
		r |= str_catc(out, '\n');
	}
	if (r == 0 && on) {
		size_t	 k = out->len;

		r |= str_cats(out, addr);
		r |= str_catc(out, '\n');
		if (r == 0)
			for (; k < out->len; k++)
				if (out->s[k] >= 'A' && out->s[k] <= 'Z')
					out->s[k] += 32;
	}
	if (r == 0)
		r = str_ready(out, 0);
	return r == 0 ? 0 : -1;
}

int
prefs_senders_load(struct str *text)
{
	int	 r;

	if ((r = file_read(PREFS_SENDERS_PATH, text)) == -1 && errno != E2BIG)
		return -1;
	if (r != 1)
		str_clear(text);
	return 0;
}
