/*
 * fuzz_checkpw - the checkpassword record as vchkpw reads it from fd 3
 * (built from client text by qmail-smtpd, qmail-popup, the IMAP login
 * stage and the webmail).  The fields must stay inside the input, be C
 * strings once the input is NUL-terminated, and a whole record must
 * build back to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checkpw.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct checkpw_fields f;
	struct str rec = STR_INIT(CHECKPW_DATA_MAX * 2);
	char	*b;
	int	 k;

	if ((b = malloc(size + 1)) == NULL)
		return 0;
	memcpy(b, data, size);
	b[size] = '\0';
	k = checkpw_parse(b, size, &f);
	if (k < 0 || k > 3 ||
	    f.login < b || f.login + f.loginlen > b + size ||
	    f.pass < b || f.pass + f.passlen > b + size ||
	    f.stamp < b || f.stamp + f.stamplen > b + size ||
	    strlen(f.login) != f.loginlen || strlen(f.pass) != f.passlen ||
	    strlen(f.stamp) != f.stamplen)
		__builtin_trap();
	if (k == 3 && size <= CHECKPW_DATA_MAX * 2 - 3) {
		if (checkpw_record(&rec, f.login, f.loginlen, f.pass,
		    f.passlen, f.stamp, f.stamplen) != 0 ||
		    rec.len > size || memcmp(rec.s, b, rec.len) != 0)
			__builtin_trap();
	}
	str_wipe(&rec);
	free(b);
	return 0;
}
