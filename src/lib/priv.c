/*
 * priv - irrevocable privilege drop, checked and verified; sane standard
 * descriptors for set-uid programs.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <unistd.h>

#include "priv.h"

int
priv_drop(uid_t uid, gid_t gid)
{
	uid_t	 ru, eu, su;
	gid_t	 rg, eg, sg;

	if (geteuid() == 0 && setgroups(1, &gid) == -1)
		return -1;
	if (setresgid(gid, gid, gid) == -1)
		return -1;
	if (setresuid(uid, uid, uid) == -1)
		return -1;
	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1)
		return -1;
	if (ru != uid || eu != uid || su != uid ||
	    rg != gid || eg != gid || sg != gid) {
		errno = EPERM;
		return -1;
	}
	if (uid != 0 && setuid(0) != -1) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

int
priv_fds_sane(void)
{
	int	 n;

	for (n = 0; n < 3; n++)
		if (fcntl(n, F_GETFD) == -1 && errno == EBADF &&
		    open("/dev/null", O_RDWR) != n)
			return -1;
	return 0;
}
