/*
 * qmail-local - the program; its code is in qmail-local.c, which
 * qmail-lspawn links too.
 */
#include "child.h"
#include "qlocal.h"

CHILD_PROGRAM_NOTE("qmail-local");

int
main(int argc, char **argv)
{
	qmail_local_main(argc, argv);
}
