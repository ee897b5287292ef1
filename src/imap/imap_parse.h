/*
 * imap_parse - the IMAP command grammar (RFC 3501 9, RFC 9051 9): a
 * cursor over one whole command as the client sent it (its literals
 * inline as "{n}\r\n" + n octets, the last CRLF removed), with readers
 * for atoms, strings, numbers, lists and sequence sets.  No I/O and no
 * allocation beyond the caller's strings: unit-tested and fuzzed.
 * Input is untrusted; every reader stays inside [b, b+n) and every
 * result is bounded (the caller's str max, IMAP_SEQ_MAX ranges).
 */
#ifndef HSMAIL_IMAP_PARSE_H
#define HSMAIL_IMAP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "str.h"

#define IMAP_TAG_MAX	64		/* bytes of a tag we echo */
#define IMAP_SEQ_MAX	100000		/* ranges in one sequence set */
#define IMAP_NEST_MAX	32		/* parentheses in one command */

struct imap_p {
	const char *b;
	size_t	 n;
	size_t	 pos;
	int	 utf8;		/* UTF8=ACCEPT: 8-bit in quoted strings */
	int	 literal8;	/* the last string read was ~{n} */
};

void	imap_p_init(struct imap_p *, const char *b, size_t n);

/* Next byte without taking it, or -1 at the end. */
int	imap_p_peek(const struct imap_p *);
/* 1 at the end of the command, else 0. */
int	imap_p_end(const struct imap_p *);
/* Take the byte c: 0, or -1 when the next byte is not c. */
int	imap_p_char(struct imap_p *, int c);
/* Take one space (the grammar's SP): 0 or -1. */
int	imap_p_sp(struct imap_p *);

/*
 * Readers: 0 with the value, -1 when the input does not match (the
 * cursor is then where the mismatch is; the command is BAD), or -1 with
 * errno E2BIG when out->max is exceeded.  Strings are replaced, not
 * appended to.
 */
int	imap_p_atom(struct imap_p *, struct str *out);	/* ATOM-CHAR+ */
/* An atom that may hold ']' (tags, flags, section names stop there
 * unless allowed) - for the tag: any ASTRING-CHAR but '+'. */
int	imap_p_tag(struct imap_p *, struct str *out);
int	imap_p_quoted(struct imap_p *, struct str *out);
int	imap_p_literal(struct imap_p *, struct str *out);	/* {n} ~{n} */
int	imap_p_string(struct imap_p *, struct str *out);	/* quoted|lit */
int	imap_p_astring(struct imap_p *, struct str *out);
/* nstring: 1 a string, 0 NIL. */
int	imap_p_nstring(struct imap_p *, struct str *out);
/* list-mailbox: 1*list-char (with % and *) or a string. */
int	imap_p_listmbox(struct imap_p *, struct str *out);
/* A flag: "\Seen" (backslash kept), a keyword atom, or "\*". */
int	imap_p_flag(struct imap_p *, struct str *out);
/* number (32 bit, RFC 3501 9 "number") and nz-number; mod-sequence
 * values (63 bit, RFC 7162). */
int	imap_p_number(struct imap_p *, uint32_t *);
int	imap_p_nznumber(struct imap_p *, uint32_t *);
int	imap_p_number64(struct imap_p *, uint64_t *);
/* Case-insensitive keyword (an atom equal to word): 0 and taken, or -1
 * and the cursor unmoved. */
int	imap_p_word(struct imap_p *, const char *word);

/* A sequence set: ranges of numbers; '*' is IMAP_SEQ_STAR until the
 * caller resolves it; "$" (RFC 5182) sets dollar. */
#define IMAP_SEQ_STAR	UINT32_MAX
struct imap_seq {
	uint32_t (*r)[2];	/* lo, hi (lo <= hi once resolved) */
	size_t	 n;
	size_t	 cap;
	int	 dollar;
};
#define IMAP_SEQ_INIT	{ NULL, 0, 0, 0 }
int	imap_p_seq(struct imap_p *, struct imap_seq *);
void	imap_seq_free(struct imap_seq *);
/* Replace '*' by star, order every range, merge overlapping ones. */
void	imap_seq_resolve(struct imap_seq *, uint32_t star);
/* 1 if v is in the (resolved) set. */
int	imap_seq_has(const struct imap_seq *, uint32_t v);
/* Append a set of numbers (sorted) as "1:3,7" to out. */
int	imap_seq_format(struct str *out, const uint32_t *v, size_t n);

/* Append s as an IMAP string: quoted when it can be, else a literal
 * (utf8: 8-bit UTF-8 may go quoted).  NULL gives NIL. */
int	imap_str_put(struct str *out, const char *s, size_t n, int utf8);

#endif
