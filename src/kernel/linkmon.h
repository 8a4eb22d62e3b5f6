/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * linkmon.h - what the kernel says of the gateways' links: rtnetlink's
 * link, IPv4 address and IPv4 route groups (the last for the main
 * table's default routes a DHCP client installs), and, on demand, the
 * facts of one interface as the pure core linkstate.h wants them.
 *
 * Events only say "look again": the caller audits every gateway's
 * link on each, and once a second anyway, since the kernel sends no
 * notice for the routes it deletes with a link.
 */
#ifndef NFQLB_LINKMON_H
#define NFQLB_LINKMON_H

#include <stddef.h>
#include <netinet/in.h>

#include "core/linkstate.h"

struct linkmon;

/* NULL with err set. */
struct linkmon *linkmon_open(char *err, size_t len);
void linkmon_close(struct linkmon *m);
/* For the caller's epoll. */
int linkmon_fd(const struct linkmon *m);
/*
 * Drain the socket (bounded); 1 if a link, an IPv4 address or a route
 * of the main table changed (or notices were lost), else 0.
 */
int linkmon_read(struct linkmon *m);

/* One link as uplink.c acts on it. */
struct linkmon_link {
	struct linkstate_facts facts;
	unsigned ifindex;		/* 0: no such interface */
	struct in_addr nexthop;		/* LEARNED: main's default via it */
};

/* The facts of ifname (nh: how its next hop is found); 0, or -1 and err. */
int linkmon_get(struct linkmon *m, const char *ifname, enum linkstate_nh nh,
		struct linkmon_link *l, char *err, size_t len);

#endif
