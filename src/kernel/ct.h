/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct.h - conntrack: delete the connections pinned to one gateway; dump
 * the table for the modules that read it.
 *
 * When a gateway goes down, the connections whose connmark is its mark
 * would keep being routed to it (the chain restores the mark before
 * any set is looked at).  Deleting exactly those entries (mark under
 * the configured mask; never the rest of conntrack) makes the next
 * packet of each flow a new connection, steered by the client's new
 * gateway.  One ctnetlink request with a kernel-side mark filter (the
 * kernel walks the table), over libmnl: no fork, no conntrack(8).
 */
#ifndef NFQLB_CT_H
#define NFQLB_CT_H

#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

/* Delete every IPv4 conntrack entry with (mark & mask) == mark. */
int ct_delete_mark(uint32_t mark, uint32_t mask, char *err, size_t len);

/*
 * Dump the IPv4 conntrack table with ctnetlink request msg
 * (IPCTNL_MSG_CT_GET, or _GET_CTRZERO to zero the counters read), each
 * entry's message to cb (a libmnl callback).  0, or -1 with err ("what:
 * reason").  Shared by ctlearn (HA learning) and ctacct (load).
 */
int ct_dump(uint16_t msg, mnl_cb_t cb, void *arg, const char *what, char *err,
	    size_t len);

#endif
