/*
 * pop3_cmd - POP3 command-line splitting and message numbers (see
 * pop3_cmd.h).  Runs in qmail-popup and qmail-pop3d on untrusted input.
 */
#include <string.h>

#include "num.h"
#include "pop3_cmd.h"
#include "str.h"

static const struct {
	const char *name;
	enum pop3_verb verb;
} verbs[] = {
	{ "user", POP3_USER }, { "pass", POP3_PASS }, { "apop", POP3_APOP },
	{ "quit", POP3_QUIT }, { "noop", POP3_NOOP }, { "capa", POP3_CAPA },
	{ "stls", POP3_STLS }, { "stat", POP3_STAT }, { "list", POP3_LIST },
	{ "uidl", POP3_UIDL }, { "top", POP3_TOP }, { "retr", POP3_RETR },
	{ "dele", POP3_DELE }, { "rset", POP3_RSET }, { "last", POP3_LAST },
	{ "auth", POP3_AUTH },
};

/* pop3_cmd_parse - verb up to the first space, argument after the spaces. */
void
pop3_cmd_parse(const char *line, size_t n, struct pop3_cmd *cmd)
{
	const char *sp;
	size_t	 vlen, i;

	if (n > 0 && line[n - 1] == '\r')
		n--;
	sp = memchr(line, ' ', n);
	vlen = sp != NULL ? (size_t)(sp - line) : n;
	cmd->verb = POP3_UNKNOWN;
	cmd->arg = line + n;
	cmd->arglen = 0;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strlen(verbs[i].name) == vlen &&
		    mem_caseeq(verbs[i].name, line, vlen)) {
			cmd->verb = verbs[i].verb;
			break;
		}
	}
	if (sp == NULL)
		return;
	while (sp < line + n && *sp == ' ')
		sp++;
	cmd->arg = sp;
	cmd->arglen = (size_t)(line + n - sp);
}

/* pop3_has_nul - whether a NUL byte hides in the text. */
int
pop3_has_nul(const char *b, size_t n)
{
	return memchr(b, '\0', n) != NULL;
}

/* pop3_split2 - first word and the rest after its spaces. */
void
pop3_split2(const char *b, size_t n, const char **w1, size_t *n1,
    const char **w2, size_t *n2)
{
	const char *sp = memchr(b, ' ', n);

	*w1 = b;
	*w2 = NULL;
	*n2 = 0;
	if (sp == NULL) {
		*n1 = n;
		return;
	}
	*n1 = (size_t)(sp - b);
	while (sp < b + n && *sp == ' ')
		sp++;
	if (sp < b + n) {
		*w2 = sp;
		*n2 = (size_t)(b + n - sp);
	}
}

/* pop3_msgnum - a message number checked against the maildrop size. */
enum pop3_num_err
pop3_msgnum(const char *b, size_t n, size_t count, size_t *idx_r)
{
	unsigned long v;

	if (num_parseb(b, n, (unsigned long)-1 / 2, &v) == -1) {
		/* A number too large to parse is still a number. */
		size_t	 i;

		for (i = 0; i < n; i++)
			if (b[i] < '0' || b[i] > '9')
				return POP3_NUM_SYNTAX;
		return n > 0 ? POP3_NUM_BIG : POP3_NUM_SYNTAX;
	}
	if (v == 0)
		return POP3_NUM_ZERO;
	if (v > count)
		return POP3_NUM_BIG;
	*idx_r = (size_t)(v - 1);
	return POP3_NUM_OK;
}

/* pop3_num_errtext - qmail-pop3d's words for each error. */
const char *
pop3_num_errtext(enum pop3_num_err e)
{
	switch (e) {
	case POP3_NUM_ZERO:
		return "messages are counted from 1";
	case POP3_NUM_BIG:
		return "not that many messages";
	case POP3_NUM_OK:
	case POP3_NUM_SYNTAX:
	default:
		return "syntax error";
	}
}
