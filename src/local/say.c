/*
 * say - one report line of a delivery; see say.h.
 */
#include <string.h>

#include "file.h"
#include "say.h"
#include "str.h"

void
say_line(int fd, const char *nomem, const char *fmt, va_list ap)
{
	struct str s = STR_INIT(STR_UNBOUNDED);

	if (str_vprintf(&s, fmt, ap) == 0 && str_catc(&s, '\n') == 0)
		(void)file_writeall(fd, s.s, s.len);
	else
		(void)file_writeall(fd, nomem, strlen(nomem));
	str_free(&s);
}
