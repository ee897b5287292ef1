/*
 * chkcram_none - vchkpw's stand-in for the CRAM-MD5 check: vchkpw never
 * sees a challenge (only vchkpwsmtp does), so it needs no libcrypto.
 */
#include "chkcram.h"

int
chkcram_check(const struct vpop_pw *pw, const char *digest, const char *chal)
{
	(void)pw;
	(void)digest;
	(void)chal;
	return 0;
}
