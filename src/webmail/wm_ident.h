/*
 * wm_ident - what runs after vchkpw accepted a webmail login ("sqwebmail
 * -I", or "sqwebmaild -I"): it writes "uid\ngid\ndirectory\n", the ids
 * and directory vchkpw switched to, on its standard output, which is a
 * pipe of sqwebmaild's monitor (wm_checkpw.c).  Trusts nothing but its
 * own process state.
 */
#ifndef HSMAIL_WM_IDENT_H
#define HSMAIL_WM_IDENT_H

/* Write the report; the exit code: 0, or 111 when it could not. */
int	wm_ident_main(void);

#endif
