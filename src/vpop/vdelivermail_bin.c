/*
 * vdelivermail - the program; its code is in vdelivermail.c, which
 * qmail-local links too.
 */
#include "child.h"
#include "vdelivermail.h"

CHILD_PROGRAM_NOTE("vdelivermail");

int
main(int argc, char **argv)
{
	return vdelivermail_main(argc, argv);
}
