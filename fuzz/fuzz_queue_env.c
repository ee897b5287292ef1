/*
 * fuzz_queue_env - qmail-queue's envelope parser (queue_env_next) on
 * arbitrary bytes, and the queue-file record reader on the same input.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "queue.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str rec = STR_INIT(STR_UNBOUNDED);
	struct queue_rd rd;
	int	 r, first = 1;

	queue_rd_mem(&rd, data, size);
	for (;;) {
		r = queue_env_next(&rd, &rec, first);
		first = 0;
		if (r != 1)
			break;
		if (rec.len < 1 || rec.len > 1 + QUEUE_ADDR_MAX)
			abort();
		if (rec.s[0] != 'F' && rec.s[0] != 'T')
			abort();
	}
	if (r == -1 && queue_exit_perm(queue_env_exitcode(errno)) &&
	    errno != E2BIG)
		abort();
	queue_rd_mem(&rd, data, size);
	while (queue_rd_rec(&rd, &rec) == 1)
		if (rec.len > 1 + QUEUE_ADDR_MAX)
			abort();
	str_free(&rec);
	return 0;
}
