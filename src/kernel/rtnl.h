/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rtnl.h - policy routing over rtnetlink (libmnl): the fwmark rules
 * and the per-gateway tables.  Each write is one request and its ACK.
 * Adds are idempotent (an identical rule or route already there is a
 * success); deletes of something absent are successes.  Nothing but
 * the exact rule or route named is ever touched.
 */
#ifndef NFQLB_RTNL_H
#define NFQLB_RTNL_H

#include <stdint.h>
#include <stddef.h>
#include <netinet/in.h>
#include "core/addr.h"

struct rtnl;

struct rtnl *rtnl_open(void);
void rtnl_close(struct rtnl *r);
const char *rtnl_error(const struct rtnl *r);

/* ifindex of name, or 0 with rtnl_error() set. */
unsigned rtnl_ifindex(struct rtnl *r, const char *name);

/* ip rule add|del pref PRIO from FROM fwmark MARK/MASK lookup TABLE */
int rtnl_rule_add(struct rtnl *r, const struct nfqlb_net4 *from,
		  uint32_t mark, uint32_t mask, uint32_t table, uint32_t prio);
int rtnl_rule_del(struct rtnl *r, const struct nfqlb_net4 *from,
		  uint32_t mark, uint32_t mask, uint32_t table, uint32_t prio);
/* 1 if such a rule exists, 0 if not, -1 on error (tests, status). */
int rtnl_rule_exists(struct rtnl *r, const struct nfqlb_net4 *from,
		     uint32_t mark, uint32_t mask, uint32_t table, uint32_t prio);

/*
 * ip rule add|del pref PRIO iif lo fwmark MARK/MASK lookup TABLE: the
 * box's own packets (health probes on a socket with SO_MARK), which
 * the "from LAN" rules above do not match.  Idempotent likewise.
 */
int rtnl_rule_add_local(struct rtnl *r, uint32_t mark, uint32_t mask,
			uint32_t table, uint32_t prio);
int rtnl_rule_del_local(struct rtnl *r, uint32_t mark, uint32_t mask,
			uint32_t table, uint32_t prio);
/* 1 if that exact local rule exists, 0 if not, -1 on error. */
int rtnl_rule_exists_local(struct rtnl *r, uint32_t mark, uint32_t mask,
			   uint32_t table, uint32_t prio);

/*
 * In table TABLE: "GW/32 dev IFINDEX scope link" then
 * "default via GW dev IFINDEX" (replace).  del removes exactly those two.
 * GW 0.0.0.0 (a point-to-point link): "default dev IFINDEX scope link".
 */
int rtnl_gw_routes_add(struct rtnl *r, uint32_t table, struct in_addr gw,
		       unsigned ifindex);
int rtnl_gw_routes_del(struct rtnl *r, uint32_t table, struct in_addr gw,
		       unsigned ifindex);
/*
 * The table's last resort (conf.h): "unreachable default metric
 * RTNL_LAST_RESORT_METRIC" added (replace) or deleted (absent: fine).
 */
#define RTNL_LAST_RESORT_METRIC	0xffffffffu
int rtnl_last_resort(struct rtnl *r, uint32_t table, int add);
/*
 * Delete every IPv4 route of TABLE, the last resort (unreachable)
 * kept if keep_last_resort.  Only for a gateway's own table.
 */
int rtnl_table_flush(struct rtnl *r, uint32_t table, int keep_last_resort);

/* What uplink.c needs to know of a link (rtnl_link_get). */
struct rtnl_link {
	unsigned ifindex;
	unsigned flags;		/* IFF_UP, IFF_LOWER_UP, IFF_POINTOPOINT... */
	unsigned lladdr_len;	/* IFLA_ADDRESS's length; 0: none (tun, ppp) */
};
/* 1 and *l filled, 0 if no such interface, -1 on error. */
int rtnl_link_get(struct rtnl *r, const char *name, struct rtnl_link *l);
/* 1 if the interface holds an IPv4 address, 0 if not, -1 on error. */
int rtnl_has_addr4(struct rtnl *r, unsigned ifindex);
/*
 * The main table's default route through IFINDEX with a gateway (a
 * DHCP client's), the lowest metric: 1 and *gw, 0 if none, -1 on error.
 */
int rtnl_main_default_via(struct rtnl *r, unsigned ifindex, struct in_addr *gw);

/* Number of routes in TABLE (0 when empty), -1 on error. */
int rtnl_table_count(struct rtnl *r, uint32_t table);

/* One IPv4 rule as a dump shows it (rtnl_rule_foreach). */
struct rtnl_rule {
	uint32_t prio, table, mark, mask;
	int has_mark;
	struct in_addr src;
	unsigned src_len;
	char iif[16];		/* "" without an iif selector */
	int other_selectors;	/* dst, oif, ports, uid, ... or invert */
	int to_table;		/* action: lookup a table */
};

/* cb for every IPv4 rule; 0, or -1 with rtnl_error() set. */
int rtnl_rule_foreach(struct rtnl *r, void (*cb)(const struct rtnl_rule *rr, void *arg),
		      void *arg);

#endif
