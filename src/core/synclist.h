/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * synclist.h - the list `nfqlbctl sync` reads on stdin, one logged-in
 * client a line:   IP [mac=M] [user=U] [session=S]
 * Words are separated by blanks; a value may carry %XX escapes (a
 * space in a user name is %20).  Blank lines and lines starting with #
 * are skipped.  Pure: no I/O.
 */
#ifndef NFQLB_SYNCLIST_H
#define NFQLB_SYNCLIST_H

#include <stddef.h>

struct synclist_ent {
	const char *ip;
	const char *mac, *user, *session;	/* NULL: not given */
};

/*
 * Parse line (NUL-terminated, without NL) in place.  1 with *e filled
 * (pointers into line, values unescaped), 0 for a line to skip, -1 with
 * err naming the bad word.
 */
int synclist_parse(char *line, struct synclist_ent *e, char *err, size_t len);

#endif
