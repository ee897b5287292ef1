/*
 * wm_ident - the report of a webmail login's ids (see wm_ident.h).  Run
 * by vchkpw as the mailbox owner, in the user's directory.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "wm_ident.h"

int
wm_ident_main(void)
{
	char	 cwd[PATH_MAX], line[PATH_MAX + 64];
	int	 n;

	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return 111;
	n = snprintf(line, sizeof(line), "%lu\n%lu\n%s\n",
	    (unsigned long)getuid(), (unsigned long)getgid(), cwd);
	if (n < 0 || (size_t)n >= sizeof(line) || strchr(cwd, '\n') != NULL)
		return 111;
	if (file_writeall(1, line, (size_t)n) == -1)
		return 111;
	return 0;
}
