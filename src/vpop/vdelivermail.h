/*
 * vdelivermail - the delivery program's entry point, for its own main and
 * for qmail-local, which runs it in a forked child (child.h) when a
 * .qmail line names hsmail's vdelivermail.
 */
#ifndef HSMAIL_VDELIVERMAIL_H
#define HSMAIL_VDELIVERMAIL_H

/*
 * vdelivermail's main: argv[1] the (ignored) first argument, argv[2] the
 * fallback; EXT, HOST, SENDER, RPLINE, DTLINE from the environment; the
 * message on fd 0.  Exits the process (0, 99, 100, 111) or returns 0.
 */
int	vdelivermail_main(int argc, char **argv);

#endif
