/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kmirror.h - the kernel mirror: the one module that knows everything
 * nfqlbd owns in the kernel, and remembers what it put there.
 *
 * Per gateway slot i (mark M = marks.base + i, table M):
 *   - the ipset hash:ip set "<set_prefix><name>" (members: the bindings)
 *   - table M: "GW/32 dev IF scope link" and "default via GW dev IF"
 *     ("default dev IF" for a point-to-point link) while its link is
 *     usable (uplink.c says so: kmirror_gw_link), and, unless the
 *     gateway's last_resort is "main", "unreachable default" at the
 *     highest metric, kept whatever the link does
 *   - ip rule pref rule_priority+i from LAN fwmark M/mask lookup M
 *     (left out while failover holds the gateway down)
 *   - ip rule pref rule_priority+BALANCE_MAX_GW+i iif lo fwmark M/mask
 *     lookup M, the probe rule (while the gateway is probed, or routed
 *     with proxy.enable: the web proxy's upstream connections, proxy.h)
 * For the daemon:
 *   - without pinning, the map set "<set_prefix>map" (every binding with
 *     its gateway's mark)
 *   - the mangle chains NFQLB and NFQLB_SAVE and their jumps (steer.c)
 *   - with proxy.enable, the chains NFQLB_PROXY (nat) and NFQLB_PROXY_OUT
 *     (mangle) and their jumps (proxy.c, installed with steer.c's)
 *
 * Install, remove, audit and repair all go through here: start,
 * teardown, reload, gateway add/del, failover and repair; and every
 * member added to or removed from a set.  Which clients the sets hold
 * is the bindings layer's decision (daemon/bindings.c): the mirror
 * writes them, and asks that layer to count and refill them on a
 * repair.  The kernel itself is reached through a backend's operations
 * table (kbackend.h): ipset + iptables + rtnetlink today.
 */
#ifndef NFQLB_KMIRROR_H
#define NFQLB_KMIRROR_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "core/balance.h"
#include "conf/conf.h"
#include "kernel/kbackend.h"

struct kmirror;

/* c stays the caller's (the live configuration); ops is the backend. */
struct kmirror *kmirror_open(const struct conf *c, const struct kbackend_ops *ops);
void kmirror_close(struct kmirror *k);

/* The set of slot i ("" for an empty slot), and the map set ("" pinned). */
const char *kmirror_set_name(const struct kmirror *k, unsigned i);
const char *kmirror_map_name(const struct kmirror *k);

/* Slot i's set (created if missing, members kept). */
int kmirror_gw_set(struct kmirror *k, unsigned i, char *err, size_t len);
/*
 * Slot i's last resort, its routes if its link is known usable, and
 * its LAN rule if lan_rule (not held down).
 */
int kmirror_gw_routing(struct kmirror *k, unsigned i, int lan_rule,
		       char *err, size_t len);
/*
 * Slot i's link as uplink.c sees it: ok, its device and next hop
 * (0.0.0.0: "default dev").  On a change, or when a usable link's
 * routes are found gone (a link down and up between two looks: the
 * kernel deletes them without a word), the table's routes are
 * replaced (the last resort kept); 1 changed, 0 not, -1 with err.
 */
int kmirror_gw_link(struct kmirror *k, unsigned i, int ok, unsigned ifindex,
		    struct in_addr nexthop, char *err, size_t len);
/* The facts of a link, through the backend: 0, or -1 with err. */
int kmirror_link_get(struct kmirror *k, const char *ifname, enum linkstate_nh nh,
		     struct kb_link *l, char *err, size_t len);
/* Remove slot i's LAN rule and routes (errors logged). */
void kmirror_gw_unroute(struct kmirror *k, unsigned i);
/* Add or remove slot i's LAN rule (failover); errors logged. */
int kmirror_gw_lan_rule(struct kmirror *k, unsigned i, int add);
/* Add or remove slot i's probe rule (iif lo). */
int kmirror_gw_probe_rule(struct kmirror *k, unsigned i, int add,
			  char *err, size_t len);
/* Slot i gone: destroy its set (once the chain no longer names it). */
void kmirror_gw_forget(struct kmirror *k, unsigned i);

/*
 * Set members.  member_add puts a into slot gw's set and, unpinned,
 * into the map set with gw's mark (which replaces the mark of a client
 * being moved); with deferral on (kmirror_defer(), a sync's binds) or
 * for member_add_defer (the packet path) it is only recorded, and sent
 * with the others by kmirror_commit().  member_del takes a out of gw's
 * set only (a move keeps it in the map); map_del out of the map.  A
 * failure is counted (kmirror_set_errors()) and logged, rate-limited;
 * member_add returns -1 with err set.
 */
int kmirror_member_add(struct kmirror *k, unsigned gw, const struct nfqlb_addr *a,
		       char *err, size_t len);
void kmirror_member_add_defer(struct kmirror *k, unsigned gw,
			      const struct nfqlb_addr *a);
void kmirror_member_del(struct kmirror *k, unsigned gw, const struct nfqlb_addr *a);
void kmirror_map_del(struct kmirror *k, const struct nfqlb_addr *a);
/* Defer every add until kmirror_commit() (on), or not (off). */
void kmirror_defer(struct kmirror *k, int on);
unsigned kmirror_pending(const struct kmirror *k);
/* Send the recorded adds: a few netlink requests; ends deferral. */
void kmirror_commit(struct kmirror *k);
/* The members of slot gw's set, as the kernel holds them (at start). */
int kmirror_members_list(struct kmirror *k, unsigned gw,
			 void (*cb)(const struct nfqlb_addr *a, void *arg), void *arg,
			 char *err, size_t len);
/* A repair's refill: every binding of slot (KMIRROR_MAP: all) back in. */
void kmirror_refill(struct kmirror *k, const struct balance *bal, unsigned slot);
/* Set adds and dels the kernel refused. */
uint64_t kmirror_set_errors(const struct kmirror *k);

/*
 * Unpinned: make the map set hold exactly the table's bindings.  Every
 * binding is (re)added first, which sets its mark in place, and only
 * then are members without a binding removed, so a bound client never
 * misses.  Returns the stale members removed, or -1 with err.
 */
int kmirror_map_fill(struct kmirror *k, const struct balance *bal, char *err,
		     size_t len);

/* Unpinned: create the map set.  Pinned: destroy one a previous run left. */
int kmirror_map_create(struct kmirror *k, char *err, size_t len);
void kmirror_map_remove_stale(struct kmirror *k);

/* Install or replace the chains and jumps for the current slots. */
int kmirror_steer(struct kmirror *k, char *err, size_t len);

/*
 * Self-repair.  The members are the caller's: count says how many
 * bindings the table holds for slot i (KMIRROR_MAP: all of them, for
 * the map set), refill re-adds every one of them to that set.
 */
#define KMIRROR_MAP	BALANCE_MAX_GW

struct kmirror_members {
	uint32_t (*count)(unsigned slot, void *arg);
	void (*refill)(unsigned slot, void *arg);
	void *arg;
};

/* The bindings layer's count and refill, for the audit and the repair. */
void kmirror_members(struct kmirror *k, const struct kmirror_members *m);

/* How long the box must have been quiet after a change before a repair. */
#define KMIRROR_QUIET_MS	1000

/*
 * Start watching: the kernel's notifications (rules, routes, nf_tables)
 * and a periodic audit of the sets, which send none.  kmirror_fd() is
 * for the caller's epoll; kmirror_dispatch() returns 1 when a change
 * was seen and the box has been quiet for KMIRROR_QUIET_MS since: time
 * to call kmirror_repair().  Nothing is touched while it is not quiet,
 * so that a script flushing the chains and then destroying the sets is
 * never stopped by a repair that references them again in between.
 */
int kmirror_watch(struct kmirror *k, char *err, size_t len);
int kmirror_fd(const struct kmirror *k);
int kmirror_dispatch(struct kmirror *k);

/*
 * Audit what the mirror installed and put back what is missing (with
 * all, everything; else the chains only if nf_tables reported a
 * deletion in mangle since the last repair, as reading them costs
 * running iptables):
 * the sets first (re-created, then refilled from the caller's table),
 * then routes and rules (a LAN rule only where failover wants it), the
 * chains last.  Returns how many objects were missing (0: nothing to
 * do), each named in what; -1 if some could not be put back (err says
 * why; another attempt follows a few seconds later).
 */
int kmirror_repair(struct kmirror *k, int all, char *what, size_t wlen,
		   char *err, size_t elen);

/*
 * Remove the chains, rules and routes of every slot of c; with all
 * (--cleanup) the sets too.  Needs no mirror: a crashed run's leftovers
 * are found by the configuration alone.  Returns 0 or 1 (errors logged).
 */
int kmirror_teardown(const struct kbackend_ops *ops, const struct conf *c, int all);

#endif
