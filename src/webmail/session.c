/*
 * session - sqwebmaild's session files (session.h).  Run by sqwebmaild's
 * request monitor (root when installed) before it drops privileges: the
 * only browser input it looks at is the cookie's value, checked to be 43
 * base64url characters before it is hashed into a file name.  The files
 * are the daemon's own, yet parsed strictly.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "file.h"
#include "num.h"
#include "session.h"

static const char b64u[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int	session_path(struct str *, const char *, const char *);

void
session_init(struct session *s)
{
	memset(s, 0, sizeof(*s));
	s->user = (struct str)STR_INIT(512);
	s->home = (struct str)STR_INIT(1024);
	s->ip = (struct str)STR_INIT(64);
}

void
session_free(struct session *s)
{
	str_free(&s->user);
	str_free(&s->home);
	str_free(&s->ip);
	explicit_bzero(s->id, sizeof(s->id));
	explicit_bzero(s->csrf, sizeof(s->csrf));
}

int
session_random(char *out, size_t outsz, size_t n)
{
	unsigned char b[64];
	size_t	 i, o = 0;
	unsigned long acc = 0;
	int	 bits = 0;
	ssize_t	 r;

	if (n > sizeof(b) || outsz < (n * 8 + 5) / 6 + 1) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < n; i += (size_t)r)
		if ((r = getrandom(b + i, n - i, 0)) == -1) {
			if (errno == EINTR) {
				r = 0;
				continue;
			}
			return -1;
		}
	for (i = 0; i < n; i++) {
		acc = acc << 8 | b[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = b64u[(acc >> bits) & 63];
		}
	}
	if (bits > 0)
		out[o++] = b64u[(acc << (6 - bits)) & 63];
	out[o] = '\0';
	explicit_bzero(b, sizeof(b));
	return 0;
}

int
session_id_valid(const char *s)
{
	size_t	 i;

	for (i = 0; i < SESSION_ID_LEN; i++)
		if (s[i] == '\0' || strchr(b64u, s[i]) == NULL)
			return 0;
	return s[i] == '\0';
}

void
session_hash(const char *id, char out[65])
{
	unsigned char h[SHA256_DIGEST_LENGTH];
	int	 i;

	SHA256((const unsigned char *)id, strlen(id), h);
	for (i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
	out[64] = '\0';
}

static int
session_path(struct str *p, const char *dir, const char *id)
{
	char	 h[65];

	if (!session_id_valid(id)) {
		errno = EINVAL;
		return -1;
	}
	session_hash(id, h);
	return str_printf(p, "%s/%s", dir, h);
}

int
session_format(const struct session *s, struct str *out)
{
	if (strchr(str_c(&s->user), '\n') != NULL ||
	    strchr(str_c(&s->home), '\n') != NULL ||
	    strchr(str_c(&s->ip), '\n') != NULL) {
		errno = EINVAL;
		return -1;
	}
	return str_printf(out, "v1\nuser %s\nhome %s\nip %s\nuid %lu\n"
	    "gid %lu\ncreated %lld\nbind %d\ncsrf %s\n", str_c(&s->user),
	    str_c(&s->home), str_c(&s->ip), (unsigned long)s->uid,
	    (unsigned long)s->gid, (long long)s->created, s->bind_ip ? 1 : 0,
	    s->csrf);
}

int
session_parse(struct session *s, const char *b, size_t n)
{
	static const char *const keys[] = { "user", "home", "ip", "uid",
	    "gid", "created", "bind", "csrf" };
	const char *p = b, *end = b + n, *nl, *sp;
	unsigned seen = 0;
	unsigned long v;
	size_t	 k, kl;
	char	 num[32];

	if (n < 3 || memcmp(b, "v1\n", 3) != 0 ||
	    memchr(b, '\0', n) != NULL)
		goto bad;
	for (p += 3; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			goto bad;
		if ((sp = memchr(p, ' ', (size_t)(nl - p))) == NULL)
			goto bad;
		kl = (size_t)(sp - p);
		for (k = 0; k < 8; k++)
			if (strlen(keys[k]) == kl && memcmp(keys[k], p, kl) == 0)
				break;
		if (k == 8 || (seen & (1U << k)))
			goto bad;
		seen |= 1U << k;
		sp++;
		if (k <= 2) {
			struct str *t = k == 0 ? &s->user : k == 1 ? &s->home :
			    &s->ip;

			if (str_copyb(t, sp, (size_t)(nl - sp)) == -1)
				return -1;
			continue;
		}
		if (k == 7) {
			if ((size_t)(nl - sp) != SESSION_ID_LEN)
				goto bad;
			memcpy(s->csrf, sp, SESSION_ID_LEN);
			s->csrf[SESSION_ID_LEN] = '\0';
			if (!session_id_valid(s->csrf))
				goto bad;
			continue;
		}
		if ((size_t)(nl - sp) >= sizeof(num))
			goto bad;
		memcpy(num, sp, (size_t)(nl - sp));
		num[nl - sp] = '\0';
		if (num_parses(num, k == 5 ? (unsigned long)0x7fffffffffffffff :
		    k == 6 ? 1 : 0xffffffffUL, &v) == -1)
			goto bad;
		if (k == 3)
			s->uid = (uid_t)v;
		else if (k == 4)
			s->gid = (gid_t)v;
		else if (k == 5)
			s->created = (time_t)v;
		else
			s->bind_ip = (int)v;
	}
	if (seen != 0xff || s->user.len == 0 || s->home.len == 0 ||
	    s->home.s[0] != '/')
		goto bad;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

int
session_create(const char *dir, struct session *s, time_t now)
{
	struct str p = STR_INIT(4096), text = STR_INIT(SESSION_FILE_MAX);
	int	 fd = -1, r = -1, tries;

	if (session_random(s->csrf, sizeof(s->csrf), SESSION_ID_BYTES) == -1)
		return -1;
	s->created = now;
	s->last = now;
	if (session_format(s, &text) == -1)
		goto out;
	for (tries = 0; tries < 3 && fd == -1; tries++) {
		if (session_random(s->id, sizeof(s->id), SESSION_ID_BYTES) ==
		    -1)
			goto out;
		str_clear(&p);
		if (session_path(&p, dir, s->id) == -1)
			goto out;
		fd = open(p.s, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd == -1 && errno != EEXIST)
			goto out;
	}
	if (fd == -1)
		goto out;
	if (file_writeall(fd, text.s, text.len) == -1) {
		(void)unlink(p.s);
		goto out;
	}
	r = 0;
out:
	if (fd != -1)
		close(fd);
	str_free(&p);
	str_wipe(&text);
	return r;
}

int
session_load(const char *dir, const char *id, const char *ip, time_t now,
    unsigned idle, unsigned hard, struct session *s)
{
	struct str p = STR_INIT(4096), text = STR_INIT(SESSION_FILE_MAX);
	struct stat st;
	int	 fd, r = -1;
	ssize_t	 n;

	if (!session_id_valid(id))
		return 0;
	if (session_path(&p, dir, id) == -1)
		return -1;
	fd = open(p.s, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		r = errno == ENOENT ? 0 : -1;
		goto out;
	}
	if (fstat(fd, &st) == -1 || str_ready(&text, SESSION_FILE_MAX) == -1)
		goto out;
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1)
		goto gone;
	n = read(fd, text.s, SESSION_FILE_MAX);
	if (n == -1)
		goto out;
	text.len = (size_t)n;
	text.s[n] = '\0';
	if (session_parse(s, text.s, text.len) == -1)
		goto gone;
	s->last = st.st_mtime;
	if (now - s->last >= (time_t)idle || now - s->created >= (time_t)hard ||
	    s->created > now + 60)
		goto gone;
	if (s->bind_ip && strcmp(str_c(&s->ip), ip) != 0) {
		r = 0;		/* not this client's: leave it be */
		goto out;
	}
	memcpy(s->id, id, SESSION_ID_LEN + 1);
	(void)futimens(fd, NULL);
	s->last = now;
	r = 1;
	goto out;
gone:
	(void)unlink(p.s);
	r = 0;
out:
	if (fd != -1)
		close(fd);
	str_free(&p);
	str_wipe(&text);
	return r;
}

int
session_remove(const char *dir, const char *id)
{
	struct str p = STR_INIT(4096);
	int	 r;

	if (!session_id_valid(id))
		return 0;
	if (session_path(&p, dir, id) == -1)
		return -1;
	r = unlink(p.s) == -1 && errno != ENOENT ? -1 : 0;
	str_free(&p);
	return r;
}

int
session_sweep(const char *dir, time_t now, unsigned idle, unsigned hard)
{
	DIR	*d;
	struct dirent *de;
	struct stat st;
	int	 n = 0, dfd;

	if ((d = opendir(dir)) == NULL)
		return 0;
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) != 64)
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		/* The idle limit alone decides here: a session used within
		 * it is kept until its next use checks the hard limit. */
		if (now - st.st_mtime >= (time_t)idle ||
		    now - st.st_mtime >= (time_t)hard) {
			if (unlinkat(dfd, de->d_name, 0) == 0)
				n++;
		}
	}
	closedir(d);
	return n;
}

int
session_token_eq(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b), i;
	unsigned char d = 0;

	if (la != lb || la == 0)
		return 0;
	for (i = 0; i < la; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}
