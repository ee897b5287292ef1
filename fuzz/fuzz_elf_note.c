/*
 * fuzz_elf_note - the ELF note scan that decides whether a program named
 * by a .qmail line is hsmail's own (child_note_has): any bytes, as the
 * head of a file a user may name.  It must never read outside them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "child.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *b;

	/* An exact-size copy, so that any overread is caught. */
	b = malloc(size ? size : 1);
	if (b == NULL)
		return 0;
	memcpy(b, data, size);
	(void)child_note_has(b, size, "vdelivermail");
	(void)child_note_has(b, size, "qmail-local");
	free(b);
	return 0;
}
