/*
 * vcmd - the vpopmail admin commands, one function each; vcmd.c picks
 * the one named by argv[0].  Run by root or the hosting panel.
 */
#ifndef HSMAIL_VCMD_H
#define HSMAIL_VCMD_H

int	vcmd_vadddomain(int, char **);
int	vcmd_vdeldomain(int, char **);
int	vcmd_vaddaliasdomain(int, char **);
int	vcmd_vdominfo(int, char **);
int	vcmd_vadduser(int, char **);
int	vcmd_vdeluser(int, char **);
int	vcmd_vpasswd(int, char **);
int	vcmd_vmoduser(int, char **);
int	vcmd_vsetuserquota(int, char **);
int	vcmd_vuserinfo(int, char **);
int	vcmd_valias(int, char **);

/* Print hsmail's version for -v and exit 0. */
void	vcmd_version(void) __attribute__((__noreturn__));

/*
 * The command line of a command with no option but -v: -v prints the
 * version, anything else or not exactly n operands prints the usage.
 * The operands then start at argv[optind].
 */
void	vcmd_args(int argc, char **argv, int n);

#endif
