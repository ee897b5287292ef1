/*
 * qmail-queue - the program (set-uid qmailq in an install): fds checked,
 * then the body in qmail-queue.c with the real uid as the injector.
 */
#include <unistd.h>

#include "log.h"
#include "priv.h"
#include "qqmain.h"
#include "queue.h"

int
main(void)
{
	log_init("qmail-queue");
	/* Set-uid: a closed 0, 1 or 2 would be reused by the files we open
	 * (and a warning written into a message). */
	if (priv_fds_sane() == -1)
		_exit(QQ_BUG);
	qq_main(getuid());
}
