/*
 * fcgi - the FastCGI responder side (FastCGI 1.0 specification), as much
 * as the sqwebmail front needs under Apache's mod_fcgid: record headers,
 * a request's BEGIN_REQUEST, its PARAMS (name-value pairs) into the CGI
 * variables sqwebmaild takes, its STDIN, and the STDOUT and END_REQUEST
 * records of the answer.  The records come from the web server; they are
 * still parsed with limits.  Pure functions over memory: unit-tested and
 * fuzzed.
 */
#ifndef HSMAIL_FCGI_H
#define HSMAIL_FCGI_H

#include <stddef.h>
#include <stdint.h>

#include "cgi.h"
#include "str.h"

#define FCGI_HEADER_LEN		8
#define FCGI_VERSION_1		1
#define FCGI_BEGIN_REQUEST	1
#define FCGI_ABORT_REQUEST	2
#define FCGI_END_REQUEST	3
#define FCGI_PARAMS		4
#define FCGI_STDIN		5
#define FCGI_STDOUT		6
#define FCGI_GET_VALUES		9
#define FCGI_GET_VALUES_RESULT	10
#define FCGI_UNKNOWN_TYPE	11
#define FCGI_RESPONDER		1
#define FCGI_KEEP_CONN		1
#define FCGI_REQUEST_COMPLETE	0
#define FCGI_UNKNOWN_ROLE	3
#define FCGI_CONTENT_MAX	65535

struct fcgi_header {
	unsigned type;
	unsigned id;		/* request id */
	size_t	 clen;		/* content bytes */
	size_t	 plen;		/* padding bytes after them */
};

/* Parse the 8-byte record header at b.  0, or -1 EPROTO (a version
 * other than 1). */
int	fcgi_header_parse(const unsigned char *b, struct fcgi_header *h);

/* Append a record header for type, id and clen content bytes (no
 * padding).  0 or -1 (str errors). */
int	fcgi_header_put(struct str *out, unsigned type, unsigned id,
	    size_t clen);

/*
 * BEGIN_REQUEST content c[0..n): its role and flags.  0, or -1 EPROTO
 * (not 8 bytes).
 */
int	fcgi_begin_parse(const unsigned char *c, size_t n, unsigned *role_r,
	    unsigned *flags_r);

/*
 * The name-value pairs of a request's whole PARAMS stream p[0..n) into
 * e: the variables sqwebmaild takes (cgi_var_names) are kept, the others
 * ignored; a value longer than CGI_VAR_MAX or a pair that runs past the
 * end: -1 EPROTO or E2BIG.  0.
 */
int	fcgi_params_parse(const unsigned char *p, size_t n, struct cgi_env *e);

/* Append STDOUT records for b[0..n) (any length; none when n is 0). */
int	fcgi_stdout_put(struct str *out, unsigned id, const void *b,
	    size_t n);

/* Append the end of a request: an empty STDOUT and END_REQUEST with
 * appstatus and protocol status. */
int	fcgi_end_put(struct str *out, unsigned id, uint32_t appstatus,
	    unsigned pstatus);

#endif
