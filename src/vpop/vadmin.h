/*
 * vadmin - what the vpopmail admin commands share: vpopmail's error codes
 * and "Error: ..." sentences, editing qmail's users/assign (+ users/cdb),
 * rcpthosts / morercpthosts (+ .cdb) and virtualdomains atomically, adding
 * and removing mailboxes, and the SIGHUP to qmail-send.  Runs as root (or
 * the instance owner); every change is made under vpop_lock() and each
 * file is replaced atomically, so a crash leaves the old or the new state.
 */
#ifndef HSMAIL_VADMIN_H
#define HSMAIL_VADMIN_H

#include <sys/types.h>

#include "vpop.h"
#include "vpop_dirctl.h"
#include "vpop_update.h"

/* vpopmail's VA_* codes (vpopmail.h); a command exits with 256 + code. */
#define VA_ILLEGAL_USERNAME		(-1)
#define VA_USERNAME_EXISTS		(-2)
#define VA_BAD_DIR			(-3)
#define VA_EXIST_U_DIR			(-7)
#define VA_USER_DOES_NOT_EXIST		(-10)
#define VA_DOMAIN_DOES_NOT_EXIST	(-11)
#define VA_INVALID_DOMAIN_NAME		(-12)
#define VA_DOMAIN_ALREADY_EXISTS	(-13)
#define VA_COULD_NOT_MAKE_DOMAIN_DIR	(-14)
#define VA_COULD_NOT_UPDATE_FILE	(-17)
#define VA_CRYPT_FAILED			(-18)
#define VA_BAD_CHAR			(-20)
#define VA_USER_NAME_TOO_LONG		(-25)
#define VA_DOMAIN_NAME_TOO_LONG		(-26)
#define VA_PASSWD_TOO_LONG		(-27)
#define VA_GECOS_TOO_LONG		(-28)
#define VA_QUOTA_TOO_LONG		(-29)
#define VA_ALIAS_LINE_TOO_LONG		(-32)
#define VA_PARSE_ERROR			(-35)

/* Set up a command: log name, umask 022, the usage text. */
void	vadmin_init(const char *prog, const char *usage);
/* Print "Error: <text>" and exit 256 + code. */
void	vadmin_die(int code, const char *fmt, ...)
	    __attribute__((__format__ (printf, 2, 3), __noreturn__));
/*
 * The result r of a str_* call the command cannot go on without: -1
 * dies (VA_BAD_DIR, "out of memory" or "name too long", as for a path
 * that cannot be built).
 */
void	vadmin_str(int r);
/* Print the usage text and exit 255 (vpopmail's -1). */
void	vadmin_usage(void) __attribute__((__noreturn__));

/* Lowercase and check a domain name, dying with vpopmail's code. */
void	vadmin_domain_arg(char *domain);
/* Split user@domain (lowercased, checked) or die.  new_user applies the
 * rules for creating a user. */
void	vadmin_email_arg(const char *arg, struct str *user,
	    struct str *domain, int new_user);
/* Find a domain in users/cdb or die with VA_DOMAIN_DOES_NOT_EXIST. */
void	vadmin_domain_get(const char *domain, struct vpop_domain *);
/* Take the store lock or die. */
int	vadmin_lock(void);

/* The uid/gid new domains get: not root, our own; as root, the owner of
 * vpopmail/domains when that is not root, else user vpopmail, else root. */
void	vadmin_vpopmail_ids(uid_t *uid, gid_t *gid);
/* chown path to uid/gid when running as root (no-op otherwise). */
int	vadmin_chown(const char *path, uid_t uid, gid_t gid);
/* The same for a Maildir and its tmp/, new/ and cur/. */
int	vadmin_chown_maildir(const char *md, uid_t uid, gid_t gid);

/* A password from argv, or asked twice on stdin (vpopmail's prompt). */
void	vadmin_get_password(const char *arg, const char *email,
	    struct str *pass);

/*
 * Store edits (caller holds the lock).  Each returns 0 or -1 (errno);
 * vadmin_assign_* rebuild users/cdb unless nobuild.
 */
int	vadmin_assign_add(const char *domain, const char *real,
	    unsigned long uid, unsigned long gid, const char *dir,
	    int nobuild);
int	vadmin_assign_del(const char *domain, int nobuild);
int	vadmin_rcpthosts_add(const char *domain, int nobuild);
int	vadmin_rcpthosts_del(const char *domain);
int	vadmin_virtualdomains_add(const char *domain);
int	vadmin_virtualdomains_del(const char *domain);
/* Remove the line "domain" from control/locals if present. */
int	vadmin_locals_del(const char *domain);
/* Rebuild control/morercpthosts.cdb (qmail-newmrh's format). */
int	vadmin_newmrh(void);

/*
 * Add a mailbox: the next bucket of the domain's .dir-control, the
 * directory with Maildir/{cur,new,tmp}, the vpasswd line (gid flags 0)
 * and vpasswd.cdb (unless nocdb).  pass is clear text (hashed here) or,
 * with is_hash, a ready crypt(3) hash; NULL for no password.  1 added,
 * 0 the user exists, -1 error.
 */
int	vadmin_user_add(const struct vpop_domain *, const char *user,
	    const char *pass, int is_hash, const char *gecos,
	    const char *quota, int nocdb);

/* Remove a directory tree (no symlinks followed).  0 or -1. */
int	vadmin_rmtree(const char *path);

/* Count the messages under a directory tree (new/ and cur/ entries). */
long	vadmin_count_mail(const char *path);

/*
 * Tell qmail-send to re-read locals and virtualdomains: SIGHUP to every
 * process named qmail-send whose working directory is <qmail> or
 * <qmail>/queue (read from /proc; processes of other users are skipped).
 * Returns how many were signalled.
 */
int	vadmin_hup_qmail_send(void);

#endif
