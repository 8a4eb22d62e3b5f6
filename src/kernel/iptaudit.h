/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * iptaudit.h - an iptables chain of ours audited against the ruleset
 * written for it (steer.c's mangle chains, proxy.c's nat and OUTPUT
 * chains).  Count-based: a chain that exists with all its rules is taken
 * as ours; a flush or a deletion is what this looks for, not an edit.
 */
#ifndef NFQLB_IPTAUDIT_H
#define NFQLB_IPTAUDIT_H

#include <stddef.h>

/* "-A CHAIN ..." lines of chain in an iptables -S or restore text. */
unsigned iptaudit_count(const char *text, const char *chain);
/*
 * Chain of table as the kernel holds it against want rules: 0 if all
 * there, else 1 with what is missing appended to missing (", "-joined
 * at *off).
 */
int iptaudit_chain(const char *table, const char *chain, unsigned want,
		   char *missing, size_t len, size_t *off);

#endif
