/*
 * msign - qmail-inject's side of signing (see msign.h).  Runs as the
 * injecting user; trusts msgauthd's answer only as far as its form.
 */
#include <sys/stat.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "msign.h"
#include "root.h"

int
msign_start(struct msign *m, const char *sender, unsigned timeout)
{
	struct str p = STR_INIT(4096), why = STR_INIT(1024);
	struct mauthp_req req;
	struct stat st;

	memset(m, 0, sizeof(*m));
	m->conn.fd = -1;
	m->why = why;
	if (root_path(&p, ROOT_QMAIL, "control/dkim") == -1 ||
	    stat(str_c(&p), &st) == -1) {
		str_free(&p);
		return 0;	/* the box does not sign */
	}
	if (root_path(&p, ROOT_QMAIL, MAUTHP_SOCK) == -1 ||
	    mauthp_connect(&m->conn, str_c(&p), timeout) == -1) {
		str_notef(&m->why, "msgauthd unavailable: %s",
		    strerror(errno));
		str_free(&p);
		return 0;
	}
	str_free(&p);
	memset(&req, 0, sizeof(req));
	req.sign = 1;
	req.ip = "";
	req.helo = "";
	req.mailfrom = sender;
	req.authservid = "localhost";
	if (mauthp_client_start(&m->conn, &req) == -1) {
		str_notef(&m->why, "msgauthd unavailable: %s",
		    strerror(errno));
		mauthp_close(&m->conn);
		return 0;
	}
	mhold_init(&m->hold, MHOLD_MEM, NULL);
	m->on = 1;
	return 1;
}

int
msign_write(struct msign *m, const char *b, size_t n)
{
	if (mhold_write(&m->hold, b, n) == -1)
		return -1;
	if (m->on == 1 && mauthp_client_data(&m->conn, b, n) == -1) {
		str_notef(&m->why, "msgauthd lost: %s", strerror(errno));
		m->on = 2;	/* holding, no longer signing */
	}
	return 0;
}

int
msign_end(struct msign *m, int (*out)(void *, const char *, size_t),
    void *arg)
{
	struct mauthp_res res;
	int	 r = 0;

	mauthp_res_init(&res);
	if (m->on == 1 && mauthp_client_end(&m->conn, &res) == -1) {
		str_notef(&m->why, "msgauthd failed: %s",
		    strerror(errno));
		res.verdict = 'Z';
	}
	if (res.verdict == 'A' && res.headers.len > 0 &&
	    out(arg, res.headers.s, res.headers.len) == -1)
		r = -1;
	if (r == 0 && mhold_copy(&m->hold, out, arg) == -1)
		r = -1;
	mauthp_res_free(&res);
	return r;
}

void
msign_free(struct msign *m)
{
	if (m->on)
		mhold_free(&m->hold);
	mauthp_close(&m->conn);
	str_free(&m->why);
	m->on = 0;
}
