/*
 * b64 - strict base64 (RFC 4648 section 4) for SASL exchanges: SMTP
 * AUTH, POP3 AUTH, IMAP AUTHENTICATE.  The input is untrusted client text.
 */
#ifndef HSMAIL_B64_H
#define HSMAIL_B64_H

#include <stddef.h>

#include "str.h"

/* Append the base64 form of b[0..n) to *out.  0 or -1 (str errors). */
int	b64_encode(struct str *out, const void *b, size_t n);

/*
 * Decode s[0..n) and append the bytes to *out.  Padding is required
 * (length a multiple of 4), no spaces or other characters, non-zero
 * bits after the last byte refused.  0, or -1 with errno EINVAL (not
 * base64) or a str error.  On failure *out is left as it was.
 */
int	b64_decode(struct str *out, const char *s, size_t n);

#endif
