/*
 * esc - enhanced status codes and qmail's reply form (see esc.h).
 */
#include <stdio.h>

#include "esc.h"

char *
esc_fmt(char buf[ESC_BUFSIZE], int cls, enum esc e)
{
	(void)snprintf(buf, ESC_BUFSIZE, "%c.%u.%u", '0' + (cls % 10),
	    ((unsigned)e / 100) % 1000, (unsigned)e % 100);
	return buf;
}

int
esc_reply(struct str *out, int code, enum esc e, const char *text)
{
	char	 b[ESC_BUFSIZE];

	str_clear(out);
	(void)esc_fmt(b, code / 100, e);
	if (code >= 400)
		return str_printf(out, "%d %s %s (#%s)", code, b, text, b);
	return str_printf(out, "%d %s %s", code, b, text);
}
