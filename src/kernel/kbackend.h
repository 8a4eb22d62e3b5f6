/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kbackend.h - the seam between the kernel mirror (kmirror.c) and the
 * kernel's own interfaces: every write (and the reads an audit needs)
 * of what nfqlbd owns goes through one operations table.
 *
 * Today's backend, kb_ipt.c, speaks ipset (libipset), iptables
 * (iptables-restore, steer.c) and rtnetlink (rtnl.c).  An nftables
 * backend, or a second address family, is one more such table: the
 * mirror and every layer above it stay as they are.  The unit tests of
 * the daemon's layers run against a fake one (tests/unit/fake_kbackend.c).
 *
 * Sets hold clients: a gateway's set holds its clients; the map set
 * (unpinned mode) holds every client with its gateway's mark.  A
 * member add may be deferred: recorded, then sent with the others by
 * commit(), a few netlink requests for a whole packet batch.
 */
#ifndef NFQLB_KBACKEND_H
#define NFQLB_KBACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "conf/conf.h"
#include "core/addr.h"
#include "core/linkstate.h"

struct kbackend;

enum kb_rule_op { KB_RULE_ADD, KB_RULE_DEL, KB_RULE_EXISTS };

/* One link's facts, as the uplinks (daemon/uplink.c) act on them. */
struct kb_link {
	struct linkstate_facts facts;
	unsigned ifindex;		/* 0: no such interface */
	struct in_addr nexthop;		/* LEARNED: main's default via it */
};

typedef void (*kb_member_cb)(const struct nfqlb_addr *a, void *arg);
typedef void (*kb_fail_cb)(const char *set, const struct nfqlb_addr *a,
			   const char *msg, void *arg);

struct kbackend_ops {
	const char *name;
	struct kbackend *(*open)(void);
	void (*close)(struct kbackend *b);
	/* The last failure, for a message. */
	const char *(*error)(const struct kbackend *b);

	/* Sets: map != 0 makes the map set (members carry a mark). */
	int (*set_create)(struct kbackend *b, const char *set, uint32_t max, int map);
	int (*set_destroy)(struct kbackend *b, const char *set);
	/* 1, 0, or -1 on error. */
	int (*set_exists)(struct kbackend *b, const char *set);
	/* Members, 0 if missing, -1 on error. */
	int64_t (*set_count)(struct kbackend *b, const char *set);
	int (*set_list)(struct kbackend *b, const char *set, kb_member_cb cb, void *arg);
	/* mark 0: a plain member; else a map member marked mark/mask. */
	int (*member_add)(struct kbackend *b, const char *set, const struct nfqlb_addr *a,
			  uint32_t mark, uint32_t mask, int defer);
	int (*member_del)(struct kbackend *b, const char *set, const struct nfqlb_addr *a);
	unsigned (*pending)(const struct kbackend *b);
	void (*commit)(struct kbackend *b, kb_fail_cb fail, void *arg);

	/*
	 * Routing: a gateway's table and its ip rules (conf_gw_rule()).
	 * routes_add: "GW/32 dev IF" and "default via GW dev IF" (replace);
	 * gw 0.0.0.0 (point-to-point): "default dev IF".
	 */
	int (*routes_add)(struct kbackend *b, uint32_t table, struct in_addr gw,
			  unsigned ifindex);
	/* The table's last resort: "unreachable default", highest metric. */
	int (*last_resort)(struct kbackend *b, uint32_t table, int add);
	/* Every route of table out; the last resort kept if keep_last_resort. */
	int (*table_flush)(struct kbackend *b, uint32_t table, int keep_last_resort);
	/* Routes in table, or -1. */
	int (*table_count)(struct kbackend *b, uint32_t table);
	/* ADD, DEL: 0 or -1; EXISTS: 1, 0 or -1. */
	int (*rule)(struct kbackend *b, const struct conf_rule *r, enum kb_rule_op op);

	/*
	 * Links: the facts of interface ifname (nh LEARNED: with main's
	 * default route via it).  A missing interface is a fact
	 * (facts.exists 0), not an error: 0, or -1 if the kernel did not answer.
	 */
	int (*link_get)(struct kbackend *b, const char *ifname, enum linkstate_nh nh,
			struct kb_link *l);

	/* The packet steering chains (steer.h), for the configuration c. */
	int (*steer_install)(struct kbackend *b, const struct conf *c, char *err,
			     size_t len);
	int (*steer_remove)(struct kbackend *b, const struct conf *c, char *err,
			    size_t len);
	/* How many chain parts are missing (named in missing), or -1. */
	int (*steer_audit)(struct kbackend *b, const struct conf *c, char *missing,
			   size_t len);
};

#endif
