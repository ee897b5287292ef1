/*
 * err - which errno values are permanent.  Everything not listed as
 * permanent is temporary, so that a surprise costs a retry, not a message.
 */
#include <errno.h>

#include "err.h"

int
err_is_temp(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
	case ENAMETOOLONG:
	case ELOOP:
	case EISDIR:
	case EINVAL:
	case E2BIG:
	case EILSEQ:
		return 0;
	default:
		return 1;
	}
}
