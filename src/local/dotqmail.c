/*
 * dotqmail - .qmail file names, line types and program-line splitting
 * for qmail-local; see dotqmail.h.
 */
#include <errno.h>
#include <string.h>

#include "dotqmail.h"

static int	plain_char(unsigned char);
static int	shell_word(const char *, size_t);

size_t
dq_trim(const char *line, size_t n)
{
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	return n;
}

enum dq_type
dq_line(const char *line, size_t n, const char **arg_r, size_t *argn_r)
{
	*arg_r = line;
	*argn_r = n;
	if (n == 0)
		return DQ_BLANK;
	switch (line[0]) {
	case '#':
		return DQ_COMMENT;
	case '.':
	case '/':
		return line[n - 1] == '/' ? DQ_MAILDIR : DQ_MBOX;
	case '|':
		*arg_r = line + 1;
		*argn_r = n - 1;
		return DQ_PROGRAM;
	case '+':
		return n == 5 && memcmp(line, "+list", 5) == 0 ? DQ_LIST :
		    DQ_PLUS;
	case '&':
		*arg_r = line + 1;
		*argn_r = n - 1;
		return DQ_FORWARD;
	default:
		return DQ_FORWARD;
	}
}

int
dq_safeext(struct str *out, const char *ext)
{
	size_t	 i;

	if (str_copys(out, ext) == -1)
		return -1;
	str_lower(out);
	for (i = 0; i < out->len; i++)
		if (out->s[i] == '.')
			out->s[i] = ':';
	return 0;
}

size_t
dq_names_max(const char *ext)
{
	size_t	 n = 2;

	for (; *ext != '\0'; ext++)
		if (*ext == '-')
			n++;
	return n;
}

int
dq_names(const char *dash, const char *ext, struct strlist *names,
    long *defpos)
{
	struct str safe = STR_INIT(STR_UNBOUNDED), name = STR_INIT(4096);
	size_t	 i, k = 0, elen = strlen(ext);
	int	 r = -1;

	if (dq_safeext(&safe, ext) == -1)
		return -1;
	if (str_copys(&name, ".qmail") == -1 || str_cats(&name, dash) == -1 ||
	    str_cat(&name, &safe) == -1 ||
	    strlist_addb(names, name.s, name.len) == -1)
		goto out;
	defpos[k] = -1;
	if (safe.len >= 7 && memcmp(safe.s + safe.len - 7, "default", 7) == 0)
		defpos[k] = (long)(safe.len - 7);
	k++;
	for (i = safe.len + 1; i-- > 0;) {
		if (i != 0 && safe.s[i - 1] != '-')
			continue;
		str_clear(&name);
		if (str_copys(&name, ".qmail") == -1 ||
		    str_cats(&name, dash) == -1 ||
		    str_catb(&name, safe.s, i) == -1 ||
		    str_cats(&name, "default") == -1 ||
		    strlist_addb(names, name.s, name.len) == -1)
			goto out;
		defpos[k++] = i <= elen ? (long)i : -1;
	}
	r = 0;
out:
	str_free(&safe);
	str_free(&name);
	return r;
}

/* Characters that mean nothing to /bin/sh outside quotes. */
static int
plain_char(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("-_./,:+@%=^", c) != NULL;
}

/* 1 if the first word is something only the shell can run. */
static int
shell_word(const char *w, size_t n)
{
	static const char *words[] = {
		"!", ".", ":", "alias", "bg", "break", "case", "cd", "command",
		"continue", "do", "done", "elif", "else", "esac", "eval",
		"exec", "exit", "export", "fc", "fg", "fi", "for", "function",
		"getopts", "hash", "if", "in", "jobs", "local", "read",
		"readonly", "return", "select", "set", "shift", "source",
		"then", "times", "trap", "type", "ulimit", "umask", "unalias",
		"unset", "until", "wait", "while", NULL
	};
	size_t	 i;

	if (memchr(w, '=', n) != NULL)
		return 1;		/* VAR=value cmd */
	for (i = 0; words[i] != NULL; i++)
		if (strlen(words[i]) == n && memcmp(words[i], w, n) == 0)
			return 1;
	return 0;
}

int
dq_argv(const char *cmd, size_t n, struct strlist *argv)
{
	struct str word = STR_INIT(STR_UNBOUNDED);
	size_t	 i = 0, start;
	int	 first = 1, r = -1;

	for (;;) {
		while (i < n && (cmd[i] == ' ' || cmd[i] == '\t'))
			i++;
		if (i == n)
			break;
		str_clear(&word);
		start = i;
		while (i < n && cmd[i] != ' ' && cmd[i] != '\t') {
			if (cmd[i] == '\'') {
				const char *q = memchr(cmd + i + 1, '\'',
				    n - i - 1);

				if (q == NULL || memchr(cmd + i + 1, '\0',
				    (size_t)(q - cmd) - i - 1) != NULL)
					goto shell;
				if (str_catb(&word, cmd + i + 1,
				    (size_t)(q - cmd) - i - 1) == -1)
					goto out;
				i = (size_t)(q - cmd) + 1;
				continue;
			}
			if (!plain_char((unsigned char)cmd[i]))
				goto shell;
			if (str_catc(&word, cmd[i]) == -1)
				goto out;
			i++;
		}
		if (first) {
			if (shell_word(cmd + start, i - start) ||
			    word.len == 0)
				goto shell;
			first = 0;
		}
		if (strlist_addb(argv, word.s != NULL ? word.s : "",
		    word.len) == -1)
			goto out;
	}
	r = first ? 0 : 1;
	goto out;
shell:
	r = 0;
out:
	if (r != 1)
		strlist_free(argv);
	str_free(&word);
	return r;
}

int
dq_gfrom(const char *line, size_t n)
{
	while (n > 0 && *line == '>') {
		line++;
		n--;
	}
	return n >= 5 && memcmp(line, "From ", 5) == 0;
}
