/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * iptab.h - a small hash of IPv4 addresses with two timestamps, a flag
 * and a pointer each: the clients under an idle watch, the clients on
 * a release hold, the journal's replay and a sync's list.  Apart from
 * the balancing core on purpose: none of these is on the fast path.
 */
#ifndef NFQLB_IPTAB_H
#define NFQLB_IPTAB_H

#include <stdint.h>

struct iptab_ent {
	uint32_t ip;		/* network order */
	uint32_t t1, t2;
	int flag;
	void *p;		/* the owner's; freed with free() on delete */
	struct iptab_ent *next;
};

struct iptab;

struct iptab *iptab_new(uint32_t hint);
void iptab_free(struct iptab *t);
struct iptab_ent *iptab_get(const struct iptab *t, uint32_t ip);
/* The entry of ip, a new zeroed one if there was none; NULL: no memory. */
struct iptab_ent *iptab_put(struct iptab *t, uint32_t ip);
void iptab_del(struct iptab *t, uint32_t ip);
uint32_t iptab_count(const struct iptab *t);
/* cb for every entry; an entry for which it returns 1 is deleted. */
void iptab_foreach(struct iptab *t, int (*cb)(struct iptab_ent *e, void *arg),
		   void *arg);

#endif
