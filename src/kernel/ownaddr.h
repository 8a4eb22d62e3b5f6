/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ownaddr.h - which LAN addresses are not clients: the network and
 * broadcast addresses of lan.network, and the box's own addresses in
 * it.  Binding one would put it in a set and route it out a WAN.
 */
#ifndef NFQLB_OWNADDR_H
#define NFQLB_OWNADDR_H

#include <stdint.h>
#include "core/addr.h"

#define OWNADDR_MAX		64
#define OWNADDR_REFRESH_MS	5000

struct ownaddr {
	unsigned n;
	struct in_addr a[OWNADDR_MAX];	/* this host's, inside the LAN */
	uint64_t when_ms;		/* last refresh; 0: never */
};

/*
 * Re-read this host's IPv4 addresses inside lan (getifaddrs), at most
 * once every OWNADDR_REFRESH_MS unless force.  0 or -1 (list kept).
 */
int ownaddr_refresh(struct ownaddr *o, const struct nfqlb_net4 *lan, int force);
/*
 * NULL if a may be a client of lan, else why not: "the network
 * address", "the broadcast address" (none for /31 and /32, RFC 3021)
 * or "an address of this host" (o may be NULL).  Pure.
 */
const char *ownaddr_nonhost(const struct nfqlb_net4 *lan, const struct ownaddr *o,
			    struct in_addr a);

#endif
