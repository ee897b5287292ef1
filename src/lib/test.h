/*
 * test.h - what every cmocka unit test includes: cmocka's headers in the
 * order cmocka needs, and small helpers for scratch directories.
 */
#ifndef HSMAIL_TEST_H
#define HSMAIL_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* A fresh directory under $TMPDIR; the path is static storage. */
const char *test_tmpdir(void);
/* rm -rf of a directory made by test_tmpdir. */
void	test_rmrf(const char *);

#endif
