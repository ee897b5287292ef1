/*
 * pop3_checkpw - the checkpassword program bench_pop3 runs in front of
 * qmail-pop3d when vchkpw is not built.  Reads "login\0password\0"
 * from fd 3 and looks the login up in the passwd-file named by
 * $BENCH_PASSWD, the very file Dovecot's passdb reads
 * ("user:{CRYPT}hash:uid:gid::home::"), so both servers pay the same
 * crypt(3).  On a match: drop to uid/gid, chdir home, set USER and HOME,
 * exec the rest of argv.  Exit 1 bad login, 111 trouble.
 */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"

int
main(int argc, char **argv)
{
	char	 buf[513], line[1024], *f[8], *p;
	size_t	 n = 0;
	ssize_t	 r;
	FILE	*pw;
	int	 i;

	if (argc < 2)
		return 2;
	while (n < sizeof(buf) - 1 &&
	    (r = read(3, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)r;
	close(3);
	buf[n] = '\0';
	p = memchr(buf, '\0', n);
	if (p == NULL || p + 1 >= buf + n)
		return 2;
	if ((pw = fopen(getenv("BENCH_PASSWD"), "r")) == NULL)
		return 111;
	while (fgets(line, sizeof(line), pw) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		for (i = 0, p = line; i < 8; i++)
			f[i] = strsep(&p, ":");
		if (f[7] == NULL || strcmp(f[0], buf) != 0)
			continue;
		fclose(pw);
		p = f[1];
		if (strncmp(p, "{CRYPT}", 7) == 0)
			p += 7;
		{
			const char *c = crypt(buf + strlen(buf) + 1, p);

			if (c == NULL || strcmp(c, p) != 0)
				return 1;
		}
		if (priv_drop((uid_t)strtoul(f[2], NULL, 10),
		    (gid_t)strtoul(f[3], NULL, 10)) == -1 || chdir(f[5]) == -1)
			return 111;
		setenv("USER", buf, 1);
		setenv("HOME", f[5], 1);
		execvp(argv[1], argv + 1);
		return 111;
	}
	return 1;
}
