/*
 * vpop_dirctl - vpopmail's "big dir" state (.dir-control): which bucket
 * directory ("", "0", "0/0", "0/0/0") the next user of a domain, or the
 * next domain, goes to, 100 per bucket, as vpopmail's bigdir.c.  Used by
 * the admin commands.  A damaged file is refused (EINVAL).
 */
#ifndef HSMAIL_VPOP_DIRCTL_H
#define HSMAIL_VPOP_DIRCTL_H

#include <stddef.h>

#define VPOP_DIRCTL_LEVELS	3
#define VPOP_DIRCTL_PER_BUCKET	100
struct vpop_dirctl {
	unsigned long	 cur_users;
	int		 level_cur;
	int		 level_max;
	int		 level_start[VPOP_DIRCTL_LEVELS];
	int		 level_end[VPOP_DIRCTL_LEVELS];
	int		 level_mod[VPOP_DIRCTL_LEVELS];
	int		 level_index[VPOP_DIRCTL_LEVELS];
	char		 the_dir[16];	/* "", "0", "0/0", "0/0/0" */
};

/* The state of a fresh directory. */
void	vpop_dirctl_init(struct vpop_dirctl *);
/* Parse .dir-control text; 0, or -1 EINVAL (then the state is fresh). */
int	vpop_dirctl_parse(struct vpop_dirctl *, const char *b, size_t n);
/* Read <dir>/.dir-control (missing: fresh).  0 or -1. */
int	vpop_dirctl_read(const char *dir, struct vpop_dirctl *);
/* Write <dir>/.dir-control atomically.  0 or -1. */
int	vpop_dirctl_write(const char *dir, const struct vpop_dirctl *);
/* Count one more entry; the_dir is then the bucket for it ("" = none). */
void	vpop_dirctl_next(struct vpop_dirctl *);

#endif
