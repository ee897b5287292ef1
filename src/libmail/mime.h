/*
 * mime - the one MIME layer of hsmail: a message as it lies in a Maildir
 * (LF line ends, or CRLF, bare CR, NUL bytes, 8-bit junk, broken MIME),
 * parsed once, and everything the IMAP server (ENVELOPE, BODYSTRUCTURE,
 * BODY, body sections, BINARY, SEARCH, SORT, THREAD, its cache) and the
 * webmail (part tree, decoded text, attachments, display headers) ask of
 * it.  Built on GMime 3 (charsets, RFC 2047/2231 decoding, the writer in
 * mime_write.h) with its own bounded structure scanner, so that every
 * offset, size and line count is exact; no GMime or GLib type appears
 * here.  Reads untrusted mail; trusts nothing in it.
 *
 * USAGE NOTES (ownership, limits, errors)
 *
 * - A struct mime_msg is one message: mime_open_fd() reads or maps the
 *   file (it keeps no descriptor), mime_open_mem() borrows the caller's
 *   bytes, which must stay unchanged until mime_free().  Parsing is lazy
 *   and done at most once: the top header when first needed, the part
 *   tree when first needed.  Every pointer the module hands out (parts,
 *   strings in struct mime_part_info, struct mime_sortkeys, struct
 *   mime_field) belongs to the message and stays valid until
 *   mime_free(); nothing of it may be freed by the caller.
 * - Output to a struct str is appended (the string is not cleared
 *   first); on failure the string may hold part of the output.  A str's
 *   max bounds what a caller accepts: E2BIG.
 * - Sizes and line counts are those of the message as IMAP serves it:
 *   every LF not preceded by CR counts as CRLF ("virtual" octets, as
 *   Dovecot serves Maildir).  Readers produce that CRLF form.
 * - Limits (the message is still served whole beyond them; only the
 *   structure stops): MIME_MAX_DEPTH nested multiparts and
 *   message/rfc822 parts, MIME_MAX_PARTS parts in all (beyond either,
 *   the rest is the body of the last part, as Dovecot does), boundaries
 *   cut to MIME_MAX_BOUNDARY bytes.  Header fields are not limited in
 *   number or size, but every function is linear in the header size,
 *   and decoders bound their output (MIME_MAX_DECODED).  Time is linear
 *   in the message size times at most MIME_MAX_DEPTH; memory is
 *   O(parts) plus what the caller asks for (no function holds a decoded
 *   100 MB attachment: readers and decoders stream).
 * - Errors: functions returning int return 0 (or 1/0 for yes/no
 *   questions), or -1 with errno: ENOMEM, E2BIG (a caller's str max),
 *   EIO (read error; errno of read/mmap otherwise), ENOENT (no such part
 *   or field), EINVAL (a bad argument, e.g. a malformed section),
 *   ENOTSUP (a Content-Transfer-Encoding BINARY cannot decode: IMAP
 *   answers [UNKNOWN-CTE]) and EBADMSG (broken base64 or quoted-printable
 *   under BINARY: IMAP answers [PARSE], as Dovecot).  Broken MIME is
 *   never an error: it is parsed the way Dovecot parses it.
 * - One thread per process: GMime is initialised once and charset
 *   converters are kept open process-wide (hsmail's servers are one
 *   process per session).  Nothing else is global.
 * - A file truncated by someone else while mapped raises SIGBUS; Maildir
 *   files are written once, and the only one who can do that is the
 *   mailbox owner, whose own session it ends.
 */
#ifndef HSMAIL_MIME_H
#define HSMAIL_MIME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "str.h"

/* Structure limits (Dovecot's message parser defaults, RFC 2046 5.1.1). */
#define MIME_MAX_DEPTH		100	/* nested multipart + message/rfc822 */
#define MIME_MAX_PARTS		10000	/* parts in one message */
#define MIME_MAX_BOUNDARY	80	/* bytes of a boundary compared */
#define MIME_MAX_DECODED	(1024 * 1024) /* one decoded header/param */

struct mime_msg;	/* one message (opaque) */
struct mime_part;	/* one node of its part tree (opaque) */
struct mime_reader;	/* a body section being read (opaque) */

/*
 * Opening and closing.
 */

/* Read (small files) or map (large ones) the file open on fd, from
 * offset 0; fd is not kept.  0, or -1 with errno. */
int	mime_open_fd(int fd, struct mime_msg **m_r);
/* Open the file at path (O_RDONLY|O_NOFOLLOW|O_CLOEXEC). */
int	mime_open_path(const char *path, struct mime_msg **m_r);
/* Borrow data[0..len): it must outlive the message, unchanged. */
int	mime_open_mem(const void *data, size_t len, struct mime_msg **m_r);
/* Free the message and everything it handed out.  NULL is allowed. */
void	mime_free(struct mime_msg *);

/* The message bytes as stored (LF or CRLF), valid until mime_free(). */
const unsigned char *mime_data(const struct mime_msg *, size_t *len_r);

/* Octets as stored (phys) and as served with CRLF line ends (virt:
 * RFC822.SIZE).  Either pointer may be NULL. */
int	mime_size(struct mime_msg *, uint64_t *phys_r, uint64_t *virt_r);

/*
 * IMAP response strings (RFC 3501 7.4.2, RFC 9051 7.5.2), appended to
 * out exactly as they go on the wire after "ENVELOPE ", "BODYSTRUCTURE "
 * or "BODY ": parenthesized lists of quoted strings, NIL, numbers, and
 * literals ("{n}\r\n" then n octets) for strings with CR, LF, NUL or
 * 8-bit octets.  Exact for broken and exotic MIME: the same answer
 * Dovecot gives.
 */
int	mime_envelope(struct mime_msg *, struct str *out);
int	mime_bodystructure(struct mime_msg *, struct str *out);
int	mime_body(struct mime_msg *, struct str *out);	/* non-extensible */

/*
 * A compact cacheable summary: everything the IMAP index keeps, from
 * one parse, in one byte string of records "<tag><value>\0" (values
 * never hold NUL; literals in the IMAP strings hold raw octets).  Store
 * it as it is; read fields with mime_summary_get().  A summary made by
 * another version of this module is refused (mime_summary_get -1
 * EINVAL), so a cache rebuilds itself after an upgrade.
 */
enum mime_sum_tag {
	MIME_SUM_VERSION	= 'V',	/* format version, "1" */
	MIME_SUM_SIZE		= 'S',	/* "<phys> <virt>" */
	MIME_SUM_ENVELOPE	= 'E',	/* as mime_envelope() */
	MIME_SUM_BODYSTRUCTURE	= 'B',	/* as mime_bodystructure() */
	MIME_SUM_BODY		= 'b',	/* as mime_body() */
	MIME_SUM_DATE		= 'D',	/* "<unix time> <tzoff minutes>"; absent
					   if no parsable Date: header */
	MIME_SUM_SUBJECT	= 's',	/* base subject, folded (sortkeys) */
	MIME_SUM_SUBJECT_REPLY	= 'r',	/* "1" if it was a reply/forward */
	MIME_SUM_FROM		= 'f',	/* addr-mailbox of the first From */
	MIME_SUM_TO		= 't',	/* ... first To */
	MIME_SUM_CC		= 'c',	/* ... first Cc */
	MIME_SUM_DISPLAYFROM	= 'F',	/* RFC 5957 display form, folded */
	MIME_SUM_DISPLAYTO	= 'T',
	MIME_SUM_MESSAGE_ID	= 'M',	/* "local@domain", no brackets */
	MIME_SUM_IN_REPLY_TO	= 'I',	/* first msg-id of In-Reply-To */
	MIME_SUM_REFERENCES	= 'R',	/* msg-ids, space separated, oldest
					   first (RFC 5256 fallback applied) */
	MIME_SUM_FLAGS		= 'X',	/* "a" has an attachment (disposition
					   attachment, a forwarded message, or
					   a non-text part without Content-ID),
					   "8" 8-bit body, "n" NUL octets,
					   "m" multipart */
};
/* Append the summary of the message to out. */
int	mime_summary(struct mime_msg *, struct str *out);
/* Find tag in a summary: 1 with *v_r and *n_r pointing into sum (not
 * NUL-terminated by this call, but followed by the record's NUL), 0 if
 * the field is absent, -1 EINVAL if sum is not a summary of this
 * version. */
int	mime_summary_get(const void *sum, size_t len, int tag,
	    const char **v_r, size_t *n_r);

/*
 * SORT and THREAD keys (RFC 5256, RFC 5957 DISPLAY).  Strings are UTF-8,
 * "" when absent, owned by the message.
 */
struct mime_sortkeys {
	time_t		 date;		/* Date: as UTC; valid if have_date */
	int		 date_tz;	/* its zone, minutes east */
	int		 have_date;	/* 0: no parsable Date (use INTERNALDATE) */
	const char	*subject;	/* base subject (RFC 5256 2.1), folded
					   with mime_fold() for comparing */
	int		 subject_reply;	/* it had Re:/Fwd:/[fwd: ...] (thread) */
	const char	*from;		/* addr-mailbox of the first From, as
					   written (compare case-insensitively) */
	const char	*to;
	const char	*cc;
	const char	*display_from;	/* RFC 5957: the decoded display-name,
					   else "mailbox@host"; folded */
	const char	*display_to;
	const char	*message_id;	/* "local@domain" without <>, or "" */
	const char	*in_reply_to;	/* first msg-id of In-Reply-To, or "" */
	const char	*references;	/* msg-ids of References, space
					   separated, oldest first; the
					   In-Reply-To one when it has none */
};
int	mime_sortkeys(struct mime_msg *, struct mime_sortkeys *);
/* The Date: field alone, as mime_sortkeys reads it: 1 with *t_r (UTC)
 * and *tz_r (minutes east), 0 when there is no parsable one, -1. */
int	mime_sentdate(struct mime_msg *, time_t *t_r, int *tz_r);

/* RFC 5256 2.1 base subject of a raw Subject value (encoded words
 * decoded first), folded; *reply_r (may be NULL) as subject_reply. */
int	mime_base_subject(const char *raw, size_t n, struct str *out,
	    int *reply_r);

/*
 * Header fields.  A field's raw value is everything after the colon and
 * one following space/tab, folding (CR)LFs kept, its own line end not.
 * part NULL means the message header; otherwise the part's MIME header
 * (or, for the node of an encapsulated message, its message header).
 */
struct mime_field {
	const char	*name;		/* as written, without trailing blanks */
	size_t		 name_len;
	const char	*value;		/* raw, not NUL-terminated */
	size_t		 value_len;
};
/* Walk the fields in order: *iter starts at 0.  1 a field, 0 the end,
 * -1 error. */
int	mime_header_next(struct mime_msg *, const struct mime_part *,
	    size_t *iter, struct mime_field *f);
/* The first field named name (case-insensitive): 1, 0 none, -1. */
int	mime_header_find(struct mime_msg *, const struct mime_part *,
	    const char *name, struct mime_field *f);

/*
 * Decoding header text to UTF-8.  Unfolds (CR LF dropped, tabs become
 * spaces), decodes RFC 2047 encoded words of any charset GMime or iconv
 * knows (adjacent words joined, also across broken splits of multi-byte
 * characters), takes raw 8-bit text as UTF-8 when it is valid and as
 * charset (the part's declared charset; NULL: windows-1252) otherwise,
 * and replaces invalid bytes and control characters (NUL included) with
 * U+FFFD.  Output bounded by MIME_MAX_DECODED.
 */
int	mime_decode_header(const char *raw, size_t n, const char *charset,
	    struct str *out);
/* The same for a phrase (display name): quoted strings unquoted,
 * comments kept as text. */
int	mime_decode_phrase(const char *raw, size_t n, const char *charset,
	    struct str *out);

/* One address of a parsed list, for display and reply (not ENVELOPE). */
struct mime_addr {
	char	*name;		/* display name decoded to UTF-8, or NULL */
	char	*addr;		/* "local@domain" (local part unquoted when it
				   needs no quotes), "local", or "" */
	char	*group;		/* the group it is listed in, or NULL */
};
struct mime_addrlist {
	struct mime_addr *v;
	size_t		  n;
};
#define MIME_ADDRLIST_INIT	{ NULL, 0 }
/* Parse an address-list header value (From, To, Cc, Reply-To, ...),
 * appending to *l (owned by the caller: mime_addrlist_free).  Broken
 * addresses come out as well as they can; an empty group yields one
 * entry with addr "" and the group name. */
int	mime_addr_parse(const char *raw, size_t n, struct mime_addrlist *l);
void	mime_addrlist_free(struct mime_addrlist *);

/*
 * SEARCH.  Matching is a case-insensitive substring test on UTF-8 folded
 * with mime_fold(): i;unicode-casemap-like (RFC 5051: title case, then
 * compatibility decomposition, combining marks kept), so ASCII, Latin,
 * Greek and Cyrillic letters match across case and "é" matches "É".
 * Fold the needle once with mime_fold(); the functions fold the text.
 */
int	mime_fold(const char *utf8, size_t n, struct str *out);
/* 1 if folded needle occurs in utf8 text (folded here), else 0. */
int	mime_fold_contains(const char *utf8, size_t n, const char *needle,
	    size_t needle_len);
/* HEADER field string / FROM / TO / CC / BCC / SUBJECT: does any field
 * named name in the message header contain the needle after decoding?
 * An empty needle matches any message that has the field.  1, 0, -1. */
int	mime_search_header(struct mime_msg *, const char *name,
	    const char *needle, size_t needle_len);
/* BODY (with_header 0) or TEXT (with_header 1): does the text of the
 * message contain the needle?  Every text part (text/ *, and parts with
 * no Content-Type) is decoded (transfer encoding and charset) to UTF-8
 * and searched in chunks with bounded memory; for TEXT every header
 * (message, MIME parts, encapsulated messages) is searched decoded too.
 * Other parts (images, application/...) are not searched.  1, 0, -1. */
int	mime_search_body(struct mime_msg *, int with_header,
	    const char *needle, size_t needle_len);

/*
 * The part tree.  The root node is the message (header + body).  A
 * multipart node's children are its body parts; a message/rfc822 node
 * has one child, the encapsulated message (header + body).  Parts
 * beyond the limits are not nodes.  NULL (and errno) on failure of the
 * first parse (ENOMEM).
 */
const struct mime_part *mime_root(struct mime_msg *);
const struct mime_part *mime_part_child(const struct mime_part *);
const struct mime_part *mime_part_next(const struct mime_part *);
const struct mime_part *mime_part_parent(const struct mime_part *);
/* Pre-order number of the node, root 0: stable for one message file
 * (a webmail URL may carry it). */
unsigned int mime_part_id(const struct mime_part *);
const struct mime_part *mime_part_by_id(struct mime_msg *, unsigned int);
/* The node an IMAP section-part ("1.2.3") names, as BODY[1.2.3]; for a
 * message/rfc822 part number, the message/rfc822 node.  NULL, ENOENT. */
const struct mime_part *mime_part_find(struct mime_msg *,
	    const char *number);

enum mime_kind {
	MIME_LEAF,		/* a body: text, image, application, ... */
	MIME_MULTIPART,		/* children are its parts */
	MIME_MESSAGE,		/* message/rfc822: one child, the message */
};
enum mime_cte {
	MIME_CTE_7BIT,		/* also absent */
	MIME_CTE_8BIT,
	MIME_CTE_BINARY,
	MIME_CTE_QP,
	MIME_CTE_BASE64,
	MIME_CTE_UUENCODE,	/* x-uuencode, x-uue, uuencode */
	MIME_CTE_UNKNOWN,	/* anything else: not decodable */
};
/* What a webmail shows and IMAP numbers: strings are NUL-terminated,
 * owned by the message, NULL when absent (type/subtype never NULL). */
struct mime_part_info {
	enum mime_kind	 kind;
	const char	*type;		/* lower case: "text", "image", ... */
	const char	*subtype;	/* lower case: "plain", "jpeg", ... */
	const char	*charset;	/* lower case, text parts: "us-ascii"
					   when absent */
	const char	*disposition;	/* lower case: "inline", "attachment" */
	const char	*filename;	/* UTF-8: RFC 2231 (with charsets and
					   continuations) or RFC 2047, from
					   Content-Disposition filename or
					   Content-Type name; no '/' or control
					   characters (replaced by '_') */
	const char	*content_id;	/* without <> */
	const char	*description;	/* decoded to UTF-8 */
	const char	*location;	/* Content-Location, raw */
	const char	*number;	/* IMAP section-part: "" for the root,
					   "2.1"; the node of an encapsulated
					   message has its message/rfc822
					   parent's number */
	const char	*section;	/* BODY[section] that returns this
					   node's body: "1" for a one-part
					   message, "2.1" for the text of an
					   encapsulated one-part message, else
					   number; "" (BODY[TEXT]) for a
					   multipart root */
	enum mime_cte	 cte;
	int		 flowed;	/* format=flowed (RFC 3676) */
	int		 delsp;		/* delsp=yes */
	int		 attachment;	/* an attachment rather than a body:
					   disposition attachment, or a
					   filename on a non-text part, or a
					   non-text non-inline leaf */
	unsigned int	 depth;		/* root 0 */
	uint64_t	 size;		/* body octets, virtual (encoded) */
	uint64_t	 lines;		/* body lines */
};
int	mime_part_info(struct mime_msg *, const struct mime_part *,
	    struct mime_part_info *);
/* A Content-Type (or, disp 1, Content-Disposition) parameter, RFC 2231
 * continuations joined and decoded to UTF-8 (RFC 2047 words too); NULL
 * with ENOENT if absent.  Owned by the message. */
const char *mime_part_param(struct mime_msg *, const struct mime_part *,
	    int disp, const char *name);

/* The part to show as the message body: in multipart/alternative the
 * last text/plain (want_html 0) or text/html (want_html 1) that exists,
 * falling back to the other; in multipart/related its start part; in
 * multipart/mixed the first inline text part.  NULL if the message has
 * no text to show. */
const struct mime_part *mime_body_part(struct mime_msg *, int want_html);
/* The part whose Content-ID is cid (with or without <>), for cid: URLs
 * of inline images; NULL, ENOENT. */
const struct mime_part *mime_part_by_cid(struct mime_msg *,
	    const char *cid);

/*
 * Decoded content of a leaf, streamed to out() in chunks (out returns
 * 0 to go on, nonzero to stop: mime_part_decode then returns that value
 * as -1 with errno ECANCELED).
 * MIME_DEC_RAW: transfer decoding only (base64, quoted-printable,
 *   uuencode; other encodings as they are) - attachments to download.
 * MIME_DEC_TEXT: also charset to UTF-8 (any label GMime or iconv knows,
 *   unknown ones as windows-1252; invalid bytes U+FFFD), line ends LF,
 *   NUL dropped.
 * MIME_DEC_FLOWED: with TEXT, unwrap format=flowed text (RFC 3676: soft
 *   breaks joined, space-stuffing removed, delsp honoured; quote depth
 *   kept as "> " prefixes).
 */
#define MIME_DEC_RAW	0
#define MIME_DEC_TEXT	1
#define MIME_DEC_FLOWED	2
typedef int	mime_out_fn(void *arg, const void *data, size_t len);
int	mime_part_decode(struct mime_msg *, const struct mime_part *,
	    int flags, mime_out_fn *out, void *arg);
/* The same into a str (bounded by its max: E2BIG). */
int	mime_part_text(struct mime_msg *, const struct mime_part *,
	    int flags, struct str *out);

/* A message header field for display: the first field named name
 * decoded with mime_decode_header().  1, 0 absent, -1. */
int	mime_display_header(struct mime_msg *, const struct mime_part *,
	    const char *name, struct str *out);

/*
 * Body sections for FETCH (RFC 3501 6.4.5, RFC 9051 6.4.5, RFC 3516).
 * A section is a part number ("" or "1.2") and what of it:
 */
enum mime_sect {
	MIME_SECT_ALL,		/* BODY[] / BODY[n]: whole message or part body */
	MIME_SECT_HEADER,	/* [HEADER], [n.HEADER] (n message/rfc822) */
	MIME_SECT_TEXT,		/* [TEXT], [n.TEXT] */
	MIME_SECT_MIME,		/* [n.MIME]: the part's MIME header */
	MIME_SECT_FIELDS,	/* [HEADER.FIELDS (..)], [n.HEADER.FIELDS] */
	MIME_SECT_FIELDS_NOT,	/* [HEADER.FIELDS.NOT (..)] */
};
struct mime_section {
	const char	*part;		/* "" or "1.2.3" */
	enum mime_sect	 what;
	const char *const *fields;	/* FIELDS/FIELDS_NOT: field names */
	size_t		 nfields;
	int		 binary;	/* BINARY[part]: decode the transfer
					   encoding (what must be ALL) */
};
/* Parse the text between "[" and "]" up to any field list: "",
 * "HEADER", "1.2", "1.2.MIME", "3.HEADER.FIELDS.NOT"...  fields are left
 * to the caller.  s->part points into spec (NUL-terminated copy in
 * part_buf, size at least strlen(spec)+1).  0 or -1 EINVAL. */
int	mime_section_parse(const char *spec, struct mime_section *s,
	    char *part_buf, size_t part_buf_size);

/*
 * Open a reader of a section in the form IMAP serves it, octet for octet
 * what Dovecot serves: CRLF line ends (a CR put before every bare LF),
 * NUL octets as 0x80 (not under BINARY); HEADER.FIELDS[.NOT] the
 * matching fields in order with their folding, then the empty line as
 * Dovecot's header filter adds it; BINARY[n] the part's base64 or
 * quoted-printable decoded, 7bit/8bit/binary parts as they are.  A part
 * that does not exist, and a section that names nothing on that part
 * (TEXT or HEADER of a part that is not a message/rfc822): an empty
 * reader (Dovecot answers an empty string).  BINARY of another encoding
 * (x-uuencode, x-anything): -1 ENOTSUP ([UNKNOWN-CTE]).  BINARY[] (the
 * whole message) and BINARY of a multipart or message/rfc822 part serve
 * the octets as they are (Dovecot rewrites the encoding of the leaves
 * inside; RFC 3516 leaves it open).
 */
int	mime_reader_open(struct mime_msg *, const struct mime_section *,
	    struct mime_reader **r_r);
/* Octets the whole section has (the literal size before <partial>);
 * for BINARY this decodes once (bounded memory) and fails with EBADMSG
 * on broken base64/quoted-printable ([PARSE]).  *has_nul_r (may be
 * NULL): 1 if those octets hold a NUL (BINARY must then answer with a
 * literal8 ~{n}; Dovecot uses ~{n} for every BINARY answer). */
int	mime_reader_size(struct mime_reader *, uint64_t *size_r,
	    int *has_nul_r);
/* Skip to octet offset (partial origin); past the end is the end. */
int	mime_reader_seek(struct mime_reader *, uint64_t offset);
/* Up to len octets into buf: the count, 0 at the end, -1 error. */
ssize_t	mime_reader_read(struct mime_reader *, void *buf, size_t len);
void	mime_reader_free(struct mime_reader *);

#endif
