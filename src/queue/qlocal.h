/*
 * qlocal - qmail-local's entry point, for its own main and for
 * qmail-lspawn, which runs it in its forked child (child.h) rather than
 * executing the installed qmail-local.
 */
#ifndef HSMAIL_QLOCAL_H
#define HSMAIL_QLOCAL_H

/*
 * qmail-local's main: [-nN] user homedir local dash ext domain sender
 * aliasempty, the message on fd 0, the report on fds 1 and 2.  Never
 * returns: exits 0, 100 or 111.
 */
int	qmail_local_main(int argc, char **argv) __attribute__((__noreturn__));

#endif
