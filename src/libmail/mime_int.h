/*
 * mime_int - what the mime*.c modules share and nothing else sees: the
 * message and part structures, the per-message arena, the RFC 822
 * tokenizer (Dovecot-compatible, for ENVELOPE and BODYSTRUCTURE), IMAP
 * string quoting, and the charset/transfer decoders.  Not part of the
 * API: include mime.h.
 */
#ifndef HSMAIL_MIME_INT_H
#define HSMAIL_MIME_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mime.h"
#include "str.h"

/* A run of bytes in the message (or NULL: absent). */
struct fv {
	const char	*p;
	size_t		 n;
};

/* Part flags (as Dovecot's message parser sets them). */
#define P_MULTIPART	0x0001
#define P_RFC822	0x0002
#define P_TEXT		0x0004
#define P_IS_MIME	0x0008
#define P_DIGEST	0x0010
#define P_HAS_NUL	0x0020
#define P_MESSAGE	0x0040	/* a message header: root or rfc822 child */
#define P_SEEN_CTYPE	0x0080	/* a Content-Type field was seen */
#define P_HDR_NUL	0x0100	/* NUL octets in the header */
#define P_8BIT		0x0200	/* 8-bit octets in the body */
#define P_LIMIT		0x0400	/* structure stopped here by a limit */

/* Envelope fields of a message node (last occurrence wins, RFC 3501). */
enum env_field {
	ENV_DATE, ENV_SUBJECT, ENV_FROM, ENV_SENDER, ENV_REPLY_TO, ENV_TO,
	ENV_CC, ENV_BCC, ENV_IN_REPLY_TO, ENV_MESSAGE_ID, ENV_N
};
/* Content-* fields of a node (first occurrence wins, as Dovecot). */
enum ct_field {
	CT_TYPE, CT_CTE, CT_ID, CT_DESC, CT_DISP, CT_LANG, CT_LOC, CT_MD5,
	CT_N
};

struct pcache;

/* LF and LF-without-CR counts of buf[0..pos): virtual size arithmetic. */
struct cnt {
	uint64_t	 lf;
	uint64_t	 bare;
};

struct mime_part {
	struct mime_part *parent, *child, *next, *last;
	unsigned int	 id;
	unsigned int	 depth;
	unsigned int	 flags;
	size_t		 hdr_off;	/* header start */
	size_t		 body_off;	/* header end = body start */
	size_t		 end;		/* body end */
	struct cnt	 c_hdr, c_body, c_end;
	struct fv	 ct[CT_N];
	struct fv	*env;		/* [ENV_N] for message nodes */
	char		*boundary;	/* multipart with a usable boundary */
	size_t		 boundary_len;
	/* computed on demand */
	struct mime_part_info *info;
	char		*number;
	struct pcache	*pc[2];		/* decoded Content-Type/-Disposition
					   parameters (mime_web.c) */
};

/* An arena: chunks freed together with the message. */
struct arena_chunk;
struct arena {
	struct arena_chunk *head;
	size_t		 used, cap;
	char		*cur;
};

struct mime_msg {
	const unsigned char *buf;
	size_t		 len;
	void		*map;		/* mmap'ed, to munmap */
	size_t		 map_len;
	unsigned char	*own;		/* read into memory, to free */
	struct arena	 arena;
	int		 parsed;	/* whole tree parsed (root set if ok) */
	int		 parse_err;	/* errno of a failed parse */
	int		 top_err;
	struct mime_part *root;		/* the whole tree */
	struct mime_part *top;		/* the message header alone */
	struct mime_part **byid;	/* parts by id */
	unsigned int	 nparts;
	struct cnt	 c_total;
	int		 have_total;
	struct mime_sortkeys *sortkeys;
	void		*gm;		/* GMime state, mime_text.c */
};

/* Arena allocation (zeroed); NULL with ENOMEM. */
void	*arena_alloc(struct arena *, size_t);
char	*arena_strndup(struct arena *, const char *, size_t);
void	 arena_free(struct arena *);

/* mime.c: parsing. */
struct mime_part *mime_top(struct mime_msg *);	/* root, or header only */
int	mime_parse(struct mime_msg *);		/* the whole tree */
void	mime_count(struct mime_msg *, size_t pos, struct cnt *);
uint64_t mime_vsize(size_t from, size_t to, const struct cnt *,
	    const struct cnt *);
/* Header walking over buf[from..to): 1 a field, 0 end. */
int	mime_hdr_next(const unsigned char *buf, size_t to, size_t *pos,
	    struct mime_field *f);
/* Strip one header field value as Dovecot's parser gives it (all leading
 * blanks skipped unless it is all blanks; CR of folding line ends
 * dropped): into out.  Returns out. */
struct fv *mime_fv_value(const struct mime_field *, struct fv *out);
int	mime_name_eq(const char *name, size_t n, const char *want);

/* mime_rfc822.c: a Dovecot-compatible RFC 822 tokenizer. */
struct rfc822 {
	const unsigned char *p, *end;
	struct str	*comment;	/* last comment, if wanted */
	int		 oom;		/* an append failed: ENOMEM */
};
void	rfc822_init(struct rfc822 *, const void *, size_t);
int	rfc822_skip_lwsp(struct rfc822 *);
int	rfc822_mime_token(struct rfc822 *, struct str *);
int	rfc822_atom(struct rfc822 *, struct str *);
int	rfc822_dot_atom(struct rfc822 *, struct str *);
int	rfc822_quoted(struct rfc822 *, struct str *);
int	rfc822_phrase(struct rfc822 *, struct str *);
int	rfc822_domain(struct rfc822 *, struct str *);
int	rfc822_content_type(struct rfc822 *, struct str *);
/* RFC 2231 parameters as Dovecot merges them: names and values as a
 * NUL-separated list of pairs in *out, count in *n_r; -1 if broken (the
 * pairs found are still there). */
int	rfc822_params(struct rfc822 *, struct str *out, size_t *n_r);

/* The value of a parameter pair list: name (case-insensitive) -> value. */
const char *params_get(const struct str *pairs, size_t n, const char *name,
	    size_t *len_r);

/* One address of an ENVELOPE (raw strings, Dovecot's rules). */
struct env_addr {
	char	*name, *route, *mailbox, *domain;	/* NULL: NIL */
	size_t	 name_len, mailbox_len;
	int	 invalid;
};
struct env_addrs {
	struct env_addr *v;
	size_t		 n, cap;
};
/* Parse at most max addresses (0: all) of an address list. */
int	env_addr_parse(const char *, size_t, size_t max, struct env_addrs *);
void	env_addrs_free(struct env_addrs *);

/* mime_imap.c: IMAP strings as Dovecot writes them. */
int	imap_nstring(struct str *, const char *, size_t);	/* NULL: NIL */
int	imap_nstring_nolf(struct str *, const char *, size_t);
int	imap_human(struct str *, const char *, size_t);
int	mime_write_envelope(struct mime_msg *, const struct mime_part *,
	    struct str *);
/* A C string from a header value as Dovecot keeps it: NUL truncates. */
size_t	cstrlen(const char *, size_t);

/* mime_text.c: charsets and decoding. */
int	text_init(void);
/* Convert n bytes in charset to UTF-8 appended to out (invalid bytes
 * U+FFFD); unknown charsets as windows-1252. */
int	text_to_utf8(const char *charset, const void *, size_t,
	    struct str *out);
/* Is s valid UTF-8? */
int	mime_utf8_valid(const void *, size_t);
/* Append UTF-8 with invalid sequences and C0 controls except TAB/LF
 * replaced. */
int	utf8_sanitize(struct str *, const void *, size_t, int keep_lf);

/* mime_sect.c: transfer decoding, streaming. */
struct dec {
	enum mime_cte	 cte;
	unsigned int	 state;		/* base64 bits / qp pending */
	unsigned int	 bits;
	unsigned char	 pend[80];	/* qp: a line part that may be soft */
	size_t		 npend;
	int		 uu_begun, uu_end;	/* uuencode */
	int		 held_cr;	/* qp: a CR waiting for its LF */
	int		 ended;		/* base64: "=" seen */
	int		 bad;		/* broken input was seen */
	struct str	 line;		/* uuencode: a partial line */
};
void	dec_init(struct dec *, enum mime_cte);
/* Decode in[0..n) appending to out; final != 0 flushes.  0 or -1. */
int	dec_step(struct dec *, const unsigned char *, size_t, int final,
	    struct str *out);
void	dec_free(struct dec *);
enum mime_cte mime_cte_of(const char *, size_t);
enum mime_cte part_cte(const struct mime_part *);

#endif
