/*
 * mime_write - compose an outgoing message (webmail send, drafts, Sent
 * copies, replies, forwards) as correct RFC 5322 + MIME, on GMime 3:
 * header text RFC 2047-encoded where it is not plain ASCII, addresses
 * with encoded display names, a UTF-8 text body as quoted-printable or
 * 8bit (optionally format=flowed, RFC 3676), an optional HTML
 * alternative, attachments in base64 with RFC 2231 file names (and the
 * RFC 2047 name= that old clients read), forwarded messages as
 * message/rfc822, In-Reply-To/References, Message-ID and Date.
 * Trusts its caller's values only as far as this: CR, LF and NUL in a
 * header name or value are refused (EINVAL), never passed through, so
 * no header can be injected.
 *
 * USAGE NOTES
 * - mime_writer_new() gives a writer the caller frees with
 *   mime_writer_free() (after finishing or instead of it).  Every
 *   string argument is copied; data given to mime_writer_attach() is
 *   copied too, an fd given to mime_writer_attach_fd() is read at
 *   finish time and not closed.
 * - Functions return 0, or -1 with errno: EINVAL (CR/LF/NUL in a header,
 *   a bad field name, an address that is not an addr-spec, a reserved
 *   header such as Content-Type or MIME-Version), ENOMEM, E2BIG (output
 *   beyond out->max), or the errno of a read/write.  After an error the
 *   writer is unchanged and can go on.
 * - Output line ends are LF (what qmail-inject and a Maildir take) or
 *   CRLF with MIME_W_CRLF; no line is longer than 998 octets.
 */
#ifndef HSMAIL_MIME_WRITE_H
#define HSMAIL_MIME_WRITE_H

#include <stddef.h>
#include <time.h>

#include "str.h"

struct mime_writer;

/* Writer flags (mime_writer_new). */
#define MIME_W_QP	0x01	/* text as quoted-printable (default: 7bit
				   when ASCII, else 8bit) */
#define MIME_W_FLOWED	0x02	/* text as format=flowed, delsp=no */
#define MIME_W_CRLF	0x04	/* CRLF line ends */
/* Finish flags. */
#define MIME_W_OMIT_BCC	0x100	/* leave the Bcc: field out (for sending;
				   keep it for the Sent and Drafts copy) */

struct mime_writer *mime_writer_new(int flags);
void	mime_writer_free(struct mime_writer *);

/* An unstructured field (Subject, Comments, X-..., Organization): name
 * is an RFC 5322 field name; value UTF-8, encoded as needed.  Setting
 * the same name again replaces it (Subject), except for names starting
 * with "X-", "Comments" and "Keywords", which are added.  Date,
 * Message-ID, MIME-Version, Content-*, Received, Return-Path and the
 * fields that have functions of their own (From, Sender, Reply-To, To,
 * Cc, Bcc, In-Reply-To, References) are refused (EINVAL). */
int	mime_writer_header(struct mime_writer *, const char *name,
	    const char *value);
/* Add one address to the From, Sender, Reply-To, To, Cc or Bcc list:
 * display name UTF-8 (may be NULL or ""), addr an addr-spec
 * "local@domain" (IDN domains as UTF-8 are kept as given). */
int	mime_writer_addr(struct mime_writer *, const char *field,
	    const char *name, const char *addr);
/* Add every address of a list as a user typed it ("Ann <a@x>, b@y"),
 * parsed with mime_addr_parse(); EINVAL (nothing added) if one of them
 * is not an addr-spec. */
int	mime_writer_addrs(struct mime_writer *, const char *field,
	    const char *list);
/* A reply: In-Reply-To: <parent_id> and References: the parent's
 * references (msg-ids, with or without <>, space separated) followed by
 * parent_id.  Either may be NULL or "". */
int	mime_writer_reply(struct mime_writer *, const char *parent_id,
	    const char *parent_refs);

/* The text body (UTF-8; LF or CRLF line ends); invalid UTF-8 is
 * refused (EILSEQ). */
int	mime_writer_text(struct mime_writer *, const char *utf8, size_t n);
/* An HTML alternative to the text (multipart/alternative). */
int	mime_writer_html(struct mime_writer *, const char *utf8, size_t n);
/* An attachment: type "image/png" (NULL: application/octet-stream),
 * file name UTF-8 (NULL: none), content copied.  cid non-NULL makes it
 * an inline part with that Content-ID (multipart/related with the HTML).
 */
int	mime_writer_attach(struct mime_writer *, const char *type,
	    const char *filename, const void *data, size_t n,
	    const char *cid);
/* The same with the content read from fd (from its current offset to
 * its end) when the message is written: large uploads stay on disk. */
int	mime_writer_attach_fd(struct mime_writer *, const char *type,
	    const char *filename, int fd, const char *cid);
/* A forwarded message as a message/rfc822 attachment (copied; LF or
 * CRLF line ends are made the output's). */
int	mime_writer_attach_message(struct mime_writer *, const void *msg,
	    size_t n, const char *filename);

/*
 * Write the message: the fields given, then Date: (now in zone tzoff
 * minutes east), Message-ID: <unique@domain>, MIME-Version: 1.0 and the
 * body.  domain is the right side of the Message-ID (the sender's
 * domain).  To a str (bounded by its max) or an fd (written whole).
 */
int	mime_writer_finish(struct mime_writer *, const char *domain,
	    time_t now, int tzoff, int flags, struct str *out);
int	mime_writer_finish_fd(struct mime_writer *, const char *domain,
	    time_t now, int tzoff, int flags, int fd);
/* The Message-ID the last finish wrote, "<...>", or NULL before. */
const char *mime_writer_message_id(const struct mime_writer *);

#endif
