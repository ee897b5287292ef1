/*
 * spawn_proto - decode qmail-send's spawn commands, check them, and fold
 * qmail-remote's report the way qmail-rspawn does (qmail-rspawn.c).
 */
#include <sys/wait.h>
#include <errno.h>
#include <string.h>

#include "spawn_proto.h"

void
spawn_dec_init(struct spawn_dec *d)
{
	struct str m = STR_INIT(SPAWN_MESSID_MAX + 1);
	struct str a = STR_INIT(SPAWN_ADDR_MAX);

	d->stage = 0;
	d->cmd.slot = 0;
	d->cmd.messid = m;
	d->cmd.sender = a;
	d->cmd.recip = a;
	d->cmd.toolong = 0;
}

void
spawn_dec_free(struct spawn_dec *d)
{
	str_free(&d->cmd.messid);
	str_free(&d->cmd.sender);
	str_free(&d->cmd.recip);
}

int
spawn_dec_feed(struct spawn_dec *d, const char *b, size_t n,
    void (*cb)(void *, const struct spawn_cmd *), void *arg)
{
	struct str *f;
	const char *nul;
	size_t	 take;

	while (n > 0) {
		if (d->stage == 0) {
			d->cmd.slot = (unsigned char)*b;
			str_clear(&d->cmd.messid);
			str_clear(&d->cmd.sender);
			str_clear(&d->cmd.recip);
			d->cmd.toolong = 0;
			d->stage = 1;
			b++;
			n--;
			continue;
		}
		f = d->stage == 1 ? &d->cmd.messid : d->stage == 2 ?
		    &d->cmd.sender : &d->cmd.recip;
		nul = memchr(b, '\0', n);
		take = nul != NULL ? (size_t)(nul - b) : n;
		if (!d->cmd.toolong && str_catb(f, b, take) == -1) {
			if (errno != E2BIG)
				return -1;
			d->cmd.toolong = 1;
		}
		/* str_catb leaves the string allocated for str_c. */
		if (str_ready(f, 0) == -1)
			return -1;
		b += take;
		n -= take;
		if (nul == NULL)
			break;
		b++;
		n--;
		if (d->stage++ == 3) {
			d->stage = 0;
			cb(arg, &d->cmd);
		}
	}
	return 0;
}

const char *
spawn_check(const struct spawn_cmd *c, unsigned nslots, int slot_busy,
    size_t *at_r)
{
	const char *m = str_c(&c->messid), *at;
	size_t	 i;

	if (c->slot >= nslots)
		return "ZInternal error: delnum too big. (#4.3.5)\n";
	if (slot_busy)
		return "ZInternal error: delnum in use. (#4.3.5)\n";
	if (c->messid.len > SPAWN_MESSID_MAX)
		return "DInternal error: messid too long. (#5.3.5)\n";
	if (c->toolong)
		return "DInternal error: address too long. (#5.3.5)\n";
	if (c->messid.len == 0)
		return "DInternal error: messid too short. (#5.3.5)\n";
	/* Digits, and '/' anywhere but first: "<split>/<inode>". */
	for (i = 0; i < c->messid.len; i++)
		if (!(m[i] >= '0' && m[i] <= '9') && (i == 0 || m[i] != '/'))
			return "DInternal error: messid has nonnumerics. "
			    "(#5.3.5)\n";
	if (strstr(m, "//") != NULL || m[c->messid.len - 1] == '/')
		return "DInternal error: messid has nonnumerics. (#5.3.5)\n";
	at = memrchr(c->recip.s, '@', c->recip.len);
	if (c->recip.len == 0 || at == NULL)
		return "DSorry, address must include host name. (#5.1.3)\n";
	*at_r = (size_t)(at - c->recip.s);
	return NULL;
}

int
spawn_fold(int wstat, const char *s, size_t len, struct str *r)
{
	size_t	 j, k;
	int	 result, orr;

	str_clear(r);
	if (WIFSIGNALED(wstat))
		return str_cats(r, "Zqmail-remote crashed.\n");
	if (WEXITSTATUS(wstat) == 111)
		return str_cats(r, "ZUnable to run qmail-remote.\n");
	if (WEXITSTATUS(wstat) != 0)
		return str_cats(r, "DUnable to run qmail-remote.\n");
	if (len == 0)
		return str_cats(r, "Zqmail-remote produced no output.\n");

	/* The message result: the first K, Z or D record (else D). */
	result = -1;
	j = 0;
	for (k = 0; k < len; k++)
		if (s[k] == '\0') {
			if (s[j] == 'K') {
				result = 1;
				break;
			}
			if (s[j] == 'Z') {
				result = 0;
				break;
			}
			if (s[j] == 'D')
				break;
			j = k + 1;
		}
	/* The recipient's own result wins when it failed. */
	orr = result;
	if (s[0] == 's')
		orr = 0;
	else if (s[0] == 'h')
		orr = -1;
	if (str_catc(r, orr == 1 ? 'K' : orr == 0 ? 'Z' : 'D') == -1)
		return -1;
	/* The first record's text, then the message text when it is not
	 * better than the recipient's. */
	for (k = 1; k < len;)
		if (s[k++] == '\0') {
			if (str_catb(r, s + 1, k - 2) == -1)
				return -1;
			if (result <= orr && k < len &&
			    (s[k] == 'Z' || s[k] == 'D' || s[k] == 'K')) {
				j = k + 1;
				while (j < len && s[j] != '\0')
					j++;
				if (str_catb(r, s + k + 1, j - k - 1) == -1)
					return -1;
			}
			break;
		}
	return 0;
}
