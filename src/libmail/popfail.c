/*
 * popfail - the per-address failure table of qmail-popup (popfail.h).
 * Each slot: the 64-bit FNV-1a hash of the address, the number of
 * failures and the time of the first one in the current window (32-bit
 * unsigned seconds), little-endian.  Trusts nothing in the file: a slot
 * that does not parse is a slot without failures.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "popfail.h"

#define SLOT_LEN	16

struct slot {
	uint64_t hash;
	uint32_t count;
	uint32_t first;
};

static uint64_t	popfail_hash(const char *);
static int	popfail_get(int, uint64_t, struct slot *);
static int	popfail_lock(int, int);

/* FNV-1a over the address text; 0 is kept for "empty". */
static uint64_t
popfail_hash(const char *ip)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *ip != '\0'; ip++) {
		h ^= (unsigned char)*ip;
		h *= 0x100000001b3ULL;
	}
	return h == 0 ? 1 : h;
}

static int
popfail_lock(int fd, int op)
{
	while (flock(fd, op) == -1)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* Read the slot of hash h (all zero past the end of the file). */
static int
popfail_get(int fd, uint64_t h, struct slot *s)
{
	unsigned char b[SLOT_LEN];
	ssize_t	 n;
	int	 i;

	memset(s, 0, sizeof(*s));
	n = pread(fd, b, sizeof(b), (off_t)(h % POPFAIL_SLOTS) * SLOT_LEN);
	if (n == -1)
		return -1;
	if (n != SLOT_LEN)
		return 0;
	for (i = 7; i >= 0; i--)
		s->hash = s->hash << 8 | b[i];
	for (i = 11; i >= 8; i--)
		s->count = s->count << 8 | b[i];
	for (i = 15; i >= 12; i--)
		s->first = s->first << 8 | b[i];
	return 0;
}

int
popfail_open(const char *path)
{
	struct stat st;
	int	 fd;

	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

int
popfail_blocked(int fd, const char *ip, time_t now, unsigned long max,
    unsigned long window)
{
	struct slot s;
	uint64_t h = popfail_hash(ip);
	int	 r;

	if (popfail_lock(fd, LOCK_SH) == -1)
		return -1;
	r = popfail_get(fd, h, &s);
	(void)popfail_lock(fd, LOCK_UN);
	if (r == -1)
		return -1;
	return s.hash == h && s.count >= max &&
	    (uint32_t)now - s.first < window;
}

int
popfail_note(int fd, const char *ip, time_t now, unsigned long window)
{
	unsigned char b[SLOT_LEN];
	struct slot s;
	uint64_t h = popfail_hash(ip);
	int	 i, r = -1;

	if (popfail_lock(fd, LOCK_EX) == -1)
		return -1;
	errno = 0;
	if (popfail_get(fd, h, &s) == -1)
		goto out;
	if (s.hash != h || (uint32_t)now - s.first >= window) {
		s.hash = h;
		s.count = 0;
		s.first = (uint32_t)now;
	}
	if (s.count < UINT32_MAX)
		s.count++;
	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(s.hash >> (8 * i));
	for (i = 0; i < 4; i++) {
		b[8 + i] = (unsigned char)(s.count >> (8 * i));
		b[12 + i] = (unsigned char)(s.first >> (8 * i));
	}
	if (pwrite(fd, b, sizeof(b), (off_t)(h % POPFAIL_SLOTS) * SLOT_LEN) ==
	    (ssize_t)sizeof(b))
		r = 0;
	else if (errno == 0)
		errno = EIO;
out:
	(void)popfail_lock(fd, LOCK_UN);
	return r;
}
