/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct.h - conntrack: delete the connections pinned to one gateway.
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

/* Delete every IPv4 conntrack entry with (mark & mask) == mark. */
int ct_delete_mark(uint32_t mark, uint32_t mask, char *err, size_t len);

#endif
