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
#include <netinet/in.h>

#include "core/addr.h"

struct synclist_ent {
	const char *ip;
	const char *mac, *user, *session;	/* NULL: not given */
};

/*
 * Parse line (NUL-terminated, without NL) in place.  1 with *e filled
 * (pointers into line, values unescaped), 0 for a line to skip, -1 with
 * err naming the bad word; then e->ip is still the line's first word
 * (NULL if it starts with a key=value), so that the caller can tell
 * whom the refused line named (synclist_who).
 */
int synclist_parse(char *line, struct synclist_ent *e, char *err, size_t len);

/*
 * Whom a refused line names, from its first word (NULL: none).  A bad
 * line must never release, bind or change anyone by mistake:
 *   SYNCLIST_CLIENT      an IPv4 address in lan.network (*ip): the
 *                        portal lists this client; it is left exactly
 *                        as it is (not released, not bound, no detail
 *                        changed);
 *   SYNCLIST_NOBODY      an address, but none nfqlb balances (outside
 *                        lan.network, IPv6): nobody to protect;
 *   SYNCLIST_UNREADABLE  no address at all (a typo such as
 *                        192.168.182.300, a header line): it may have
 *                        meant any client, so the sync releases nobody.
 */
enum synclist_who {
	SYNCLIST_CLIENT,
	SYNCLIST_NOBODY,
	SYNCLIST_UNREADABLE,
};

enum synclist_who synclist_who(const char *word, const struct nfqlb_net4 *lan,
			       struct in_addr *ip);

#endif
