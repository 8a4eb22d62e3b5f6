/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kmon.h - the kernel's change notifications that matter to the
 * mirror: rtnetlink's IPv4 rule and route groups, and nf_tables'
 * events (NFNLGRP_NFTABLES, which iptables-nft changes raise too).
 * ipset sends none: the mirror audits the sets instead.
 *
 * Each socket is non-blocking; kmon_read() drains it and passes each
 * deletion to the caller, who decides whether it touched anything of
 * its own.  Additions are not changes to repair: they are skipped.
 */
#ifndef NFQLB_KMON_H
#define NFQLB_KMON_H

#include <stdint.h>

enum kmon_kind {
	KMON_RULE,	/* an IPv4 rule deleted: prio, table */
	KMON_ROUTE,	/* an IPv4 route deleted: table */
	KMON_MANGLE,	/* a table, chain or rule of ip mangle deleted (nf_tables) */
	KMON_NAT,	/* ... of ip nat (the proxy's redirects) */
	KMON_LOST,	/* notices were lost (socket overrun): anything may be gone */
};

struct kmon_event {
	enum kmon_kind kind;
	uint32_t prio;
	uint32_t table;
};

typedef void (*kmon_cb)(const struct kmon_event *e, void *arg);

/* A socket for each group, or -1 with errno. */
int kmon_open_rtnl(void);
int kmon_open_nft(void);
/* A non-blocking socket of netlink family proto bound to groups (linkmon.c). */
int kmon_open_groups(int proto, unsigned groups);
/* Drain fd, calling cb for each deletion. */
void kmon_read(int fd, kmon_cb cb, void *arg);

#endif
