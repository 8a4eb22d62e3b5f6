/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * linkstate.h - the pure core that decides whether a gateway's uplink
 * can carry traffic, from the facts the kernel gives about its
 * interface (kernel/linkmon.c gathers them; daemon/uplink.c acts).
 *
 * A gateway is usable only when its interface exists, is up
 * (IFF_UP), has carrier (IFF_LOWER_UP), holds an IPv4 address and
 * has a next hop: the configured address, the interface itself for a
 * point-to-point link (IFF_POINTOPOINT or no link-layer address), or
 * the main table's default route through it (address = "dhcp").  The
 * first fact missing, in that order, is the reason given.
 *
 * No bounce absorption: a link that is gone is gone at once.  The
 * kernel deletes a downed interface's routes itself, so a gateway
 * kept "up" through a bounce would only drop its users' packets at
 * the last resort; moving them costs one failover, and the judge's
 * flap damping (judge.h) already keeps a link that bounces again and
 * again out of use.
 *
 * No I/O: unit-tested exhaustively (tests/unit/check_linkstate.c).
 */
#ifndef NFQLB_LINKSTATE_H
#define NFQLB_LINKSTATE_H

/* Where a gateway's next hop comes from (its `address` setting). */
enum linkstate_nh {
	LINKSTATE_NH_ADDR,	/* address = "IP": the configured router */
	LINKSTATE_NH_DEV,	/* no address: "default dev IFACE" (point-to-point) */
	LINKSTATE_NH_LEARNED,	/* address = "dhcp": main's default via IFACE */
};

struct linkstate_facts {
	int exists;		/* an interface of that name is there */
	int admin_up;		/* IFF_UP */
	int carrier;		/* IFF_LOWER_UP */
	int has_addr4;		/* an IPv4 address is on it */
	int pointopoint;	/* IFF_POINTOPOINT, or no link-layer address */
	int nexthop_known;	/* LEARNED: main has a default route via it */
};

enum linkstate_why {
	LINKSTATE_OK,
	LINKSTATE_MISSING,	/* no such interface (yet) */
	LINKSTATE_ADMIN_DOWN,	/* ip link set IFACE down */
	LINKSTATE_NO_CARRIER,	/* cable, far side or tunnel peer gone */
	LINKSTATE_NO_ADDRESS,	/* no IPv4 address on it */
	LINKSTATE_NEEDS_ADDRESS, /* no address set, and not point-to-point */
	LINKSTATE_NO_NEXTHOP,	/* dhcp: no default route via it in main */
};

enum linkstate_why linkstate_judge(const struct linkstate_facts *f,
				   enum linkstate_nh nh);
/* "ok", "missing", "admin-down", "no-carrier", "no-address",
 * "needs-address", "no-nexthop". */
const char *linkstate_why_name(enum linkstate_why why);

#endif
