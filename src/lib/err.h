/*
 * err - classify an errno as temporary or permanent, in one place.
 */
#ifndef HSMAIL_ERR_H
#define HSMAIL_ERR_H

/* Exit codes shared by every hsmail program (qmail-command(8)). */
#define EXIT_DONE	0
#define EXIT_PERM	100
#define EXIT_TEMP	111

/* 1 if the error may go away by itself (try again later), else 0.
 * Unknown errors are temporary: when unsure, temporary. */
int	err_is_temp(int);

#endif
