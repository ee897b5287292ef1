/*
 * msglist - sorting and threading the message list (see msglist.h).
 * Runs in the sqwebmaild worker; compares strings taken from mail.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msglist.h"
#include "str.h"

static int	sort_desc;
static enum ml_sort sort_key;

static int	cmp_item(const void *, const void *);
static int	cmp_id(const void *, const void *);
static int	cmp_root(const void *, const void *);
static int	find_id(const struct ml_item *, const size_t *, size_t,
		    const char *, size_t);
static long	thread_parent(const struct ml_item *, const size_t *, size_t,
		    const long *, size_t, size_t);

static const char *const sort_names[] = { "date", "from", "subject", "size" };

enum ml_sort
ml_sort_parse(const char *s)
{
	size_t	 i;

	for (i = 0; i < sizeof(sort_names) / sizeof(sort_names[0]); i++)
		if (strcmp(s, sort_names[i]) == 0)
			return (enum ml_sort)i;
	return ML_DATE;
}

const char *
ml_sort_name(enum ml_sort k)
{
	return sort_names[k];
}

/* qsort: by the key, then arrival, then UID; reversed as a whole. */
static int
cmp_item(const void *a, const void *b)
{
	const struct ml_item *x = a, *y = b;
	int	 c = 0;

	switch (sort_key) {
	case ML_FROM:
		c = strcmp(x->from, y->from);
		break;
	case ML_SUBJECT:
		c = strcmp(x->subject, y->subject);
		break;
	case ML_SIZE:
		c = x->size < y->size ? -1 : x->size > y->size;
		break;
	case ML_DATE:
		break;
	}
	if (c == 0)
		c = x->date < y->date ? -1 : x->date > y->date;
	if (c == 0)
		c = x->uid < y->uid ? -1 : x->uid > y->uid;
	return sort_desc ? -c : c;
}

void
ml_sort(struct ml_item *v, size_t n, enum ml_sort key, int desc)
{
	size_t	 i;

	sort_key = key;
	sort_desc = desc;
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_item);
	for (i = 0; i < n; i++)
		v[i].depth = 0;
}

static const struct ml_item *id_items;

/* qsort of indexes by Message-ID (then position: the first one wins). */
static int
cmp_id(const void *a, const void *b)
{
	size_t	 i = *(const size_t *)a, j = *(const size_t *)b;
	int	 c = strcmp(id_items[i].msgid, id_items[j].msgid);

	return c != 0 ? c : i < j ? -1 : i > j;
}

/* The item whose Message-ID is id[0..l), through the sorted index
 * byid[0..m); -1 if none. */
static int
find_id(const struct ml_item *v, const size_t *byid, size_t m,
    const char *id, size_t l)
{
	size_t	 lo = 0, hi = m;

	while (lo < hi) {
		size_t	 mid = lo + (hi - lo) / 2;
		const char *s = v[byid[mid]].msgid;
		int	 c = strncmp(s, id, l);

		if (c == 0 && s[l] != '\0')
			c = 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < m && strncmp(v[byid[lo]].msgid, id, l) == 0 &&
	    v[byid[lo]].msgid[l] == '\0')
		return (int)byid[lo];
	return -1;
}

/*
 * The parent of item i: the last id of its References that is a message
 * here, other than i, and not one whose ancestors (parent[], filled in
 * for the items before i, -1 for the others) lead back to i.  -1 for
 * none.
 */
static long
thread_parent(const struct ml_item *v, const size_t *byid, size_t m,
    const long *parent, size_t i, size_t n)
{
	const char *p = v[i].refs, *e = p + strlen(p), *lt, *gt;
	unsigned looked = 0;
	size_t	 steps;
	long	 k;
	int	 j;

	while (e > p && looked < ML_REFS_MAX) {
		if ((gt = memrchr(p, '>', (size_t)(e - p))) == NULL ||
		    (lt = memrchr(p, '<', (size_t)(gt - p))) == NULL)
			break;
		looked++;
		e = lt;
		j = find_id(v, byid, m, lt + 1, (size_t)(gt - lt - 1));
		if (j < 0 || (size_t)j == i)
			continue;
		/* Items after i have no parent set yet (-1 from calloc):
		 * a loop through them is found when they are. */
		for (k = j, steps = 0; k != -1 && (size_t)k != i &&
		    steps <= n; k = parent[k], steps++)
			;
		if (k == -1)
			return j;
	}
	return -1;
}

static const int64_t *root_newest;

/* qsort of thread roots: by their thread's newest message, then by
 * their own position (date order). */
static int
cmp_root(const void *a, const void *b)
{
	size_t	 i = *(const size_t *)a, j = *(const size_t *)b;

	if (root_newest[i] != root_newest[j])
		return root_newest[i] < root_newest[j] ? -1 : 1;
	return i < j ? -1 : i > j;
}

int
ml_thread(struct ml_item *v, size_t n, int desc)
{
	size_t	*byid = NULL, *kids = NULL, *kstart = NULL, *order = NULL;
	size_t	*stack = NULL, m = 0, i, top, out, ri, root, x, c;
	long	*parent = NULL, k;
	size_t	 steps;
	int64_t	*newest = NULL;
	unsigned *dep = NULL;
	struct ml_item *res = NULL;
	int	 r = -1;

	ml_sort(v, n, ML_DATE, 0);
	if (n < 2)
		return 0;
	if ((byid = calloc(n, sizeof(*byid))) == NULL ||
	    (parent = calloc(n, sizeof(*parent))) == NULL ||
	    (kstart = calloc(n + 1, sizeof(*kstart))) == NULL ||
	    (kids = calloc(n, sizeof(*kids))) == NULL ||
	    (order = calloc(n, sizeof(*order))) == NULL ||
	    (stack = calloc(n, sizeof(*stack))) == NULL ||
	    (newest = calloc(n, sizeof(*newest))) == NULL ||
	    (dep = calloc(n, sizeof(*dep))) == NULL ||
	    (res = calloc(n, sizeof(*res))) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		if (*v[i].msgid != '\0')
			byid[m++] = i;
	id_items = v;
	qsort(byid, m, sizeof(*byid), cmp_id);
	/* Duplicates of an id: only the first (oldest) is found. */
	for (i = 1, out = m > 0; i < m; i++)
		if (strcmp(v[byid[i]].msgid, v[byid[out - 1]].msgid) != 0)
			byid[out++] = byid[i];
	m = out;
	/* Each message's parent: the last referenced id that is here. */
	for (i = 0; i < n; i++)
		parent[i] = -1;
	for (i = 0; i < n; i++)
		parent[i] = thread_parent(v, byid, m, parent, i, n);
	/* Children lists (in date order, as v is), and each subtree's
	 * newest date. */
	for (i = 0; i < n; i++)
		if (parent[i] != -1)
			kstart[parent[i] + 1]++;
	for (i = 0; i < n; i++)
		kstart[i + 1] += kstart[i];
	for (i = 0; i < n; i++)
		order[i] = kstart[i];
	for (i = 0; i < n; i++)
		if (parent[i] != -1)
			kids[order[parent[i]]++] = i;
	for (i = 0; i < n; i++)
		newest[i] = v[i].date;
	/* A reply may be older than its parent (clocks): every message
	 * raises the newest date of all its ancestors. */
	for (i = 0; i < n; i++)
		for (k = parent[i], steps = 0; k != -1 && steps <= n;
		    k = parent[k], steps++)
			if (newest[k] < v[i].date)
				newest[k] = v[i].date;
	/* Roots by their thread's newest message. */
	for (i = 0, m = 0; i < n; i++)
		if (parent[i] == -1)
			order[m++] = i;
	root_newest = newest;
	qsort(order, m, sizeof(*order), cmp_root);
	out = 0;
	for (ri = 0; ri < m; ri++) {
		root = order[desc ? m - 1 - ri : ri];

		top = 0;
		stack[top++] = root;
		dep[root] = 0;
		while (top > 0) {
			x = stack[--top];

			res[out] = v[x];
			res[out].depth = dep[x] > ML_DEPTH_MAX ? ML_DEPTH_MAX :
			    dep[x];
			out++;
			/* Children pushed last-first: popped in date order. */
			for (c = kstart[x + 1]; c > kstart[x]; c--) {
				dep[kids[c - 1]] = dep[x] + 1;
				stack[top++] = kids[c - 1];
			}
		}
	}
	if (out == n) {
		memcpy(v, res, n * sizeof(*v));
		r = 0;
	} else
		errno = EINVAL;		/* cannot happen: every node reached */
out:
	free(byid);
	free(parent);
	free(kstart);
	free(kids);
	free(order);
	free(stack);
	free(newest);
	free(dep);
	free(res);
	return r;
}

int
ml_base_subject(const char *s, struct str *out)
{
	static const char *const pre[] = { "re", "fwd", "fw", "aw", "sv",
	    "wg", "tr", NULL };
	const char *e;
	size_t	 i, l, start = out->len;
	int	 again = 1;

	while (again) {
		again = 0;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '[' && (e = strchr(s, ']')) != NULL && e[1] != '\0') {
			s = e + 1;
			again = 1;
			continue;
		}
		for (i = 0; pre[i] != NULL; i++) {
			l = strlen(pre[i]);
			if (strncasecmp(s, pre[i], l) != 0)
				continue;
			e = s + l;
			/* "Re[2]:" counts too */
			if (*e == '[' && strchr(e, ']') != NULL)
				e = strchr(e, ']') + 1;
			while (*e == ' ')
				e++;
			if (*e == ':') {
				s = e + 1;
				again = 1;
				break;
			}
		}
	}
	l = strlen(s);
	for (;;) {
		while (l > 0 && (s[l - 1] == ' ' || s[l - 1] == '\t'))
			l--;
		if (l >= 5 && strncasecmp(s + l - 5, "(fwd)", 5) == 0) {
			l -= 5;
			continue;
		}
		break;
	}
	if (str_catb(out, s, l) == -1)
		return -1;
	for (i = start; i < out->len; i++)
		if (out->s[i] >= 'A' && out->s[i] <= 'Z')
			out->s[i] += 32;
	return 0;
}
