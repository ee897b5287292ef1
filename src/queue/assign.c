/*
 * assign - users/assign to users/cdb records; see assign.h.
 */
#include <errno.h>
#include <string.h>

#include "assign.h"

int
assign_parse(const char *text, size_t n, assign_add_fn add, void *ctx,
    size_t *line_r)
{
	struct str key = STR_INIT(STR_UNBOUNDED), data = STR_INIT(STR_UNBOUNDED);
	struct str wild = STR_INIT(256);
	const char *p = text, *end = text + n, *nl, *colon;
	size_t	 len, i, colons;
	int	 r = -1;

	*line_r = 0;
	for (;;) {
		(*line_r)++;
		if (p < end && *p == '.')
			break;			/* the end line */
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			goto format;		/* no final "." line */
		len = (size_t)(nl - p) + 1;	/* with the newline */
		if (memchr(p, '\0', len) != NULL)
			goto format;
		colon = memchr(p, ':', len);
		if (colon == NULL || colon == p)
			goto format;
		i = (size_t)(colon - p);
		str_clear(&key);
		if (str_catc(&key, '!') == -1 ||
		    str_catb(&key, p + 1, i - 1) == -1)
			goto out;
		if (p[0] == '+') {
			if (i >= 2 && memchr(wild.s ? wild.s : "", p[i - 1],
			    wild.len) == NULL && str_catc(&wild, p[i - 1]) == -1)
				goto out;
		} else if (str_catc(&key, '\0') == -1)
			goto out;
		str_lower(&key);
		if (str_copyb(&data, p + i + 1, len - i - 1) == -1)
			goto out;
		for (colons = 0, i = 0; i < data.len; i++)
			if (data.s[i] == ':') {
				data.s[i] = '\0';
				if (++colons == 6)
					break;
			}
		if (colons < 6)
			goto format;
		if (add(ctx, key.s, key.len, data.s, i) == -1)
			goto out;
		p = nl + 1;
	}
	r = add(ctx, "", 0, wild.s ? wild.s : "", wild.len);
	goto out;
format:
	errno = EINVAL;
out:
	str_free(&key);
	str_free(&data);
	str_free(&wild);
	return r;
}
