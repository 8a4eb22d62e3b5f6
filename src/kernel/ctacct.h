/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctacct.h - per-connection byte counts from conntrack accounting, for
 * the measured load (balance.policy "load", daemon/loadwatch.c).
 *
 * The kernel counts bytes per connection only with
 * net.netfilter.nf_conntrack_acct = 1 (per network namespace, for
 * connections created after it is set): a few per-CPU-free 64-bit
 * additions on the conntrack entry the packet already holds.  The dump
 * asks for IPCTNL_MSG_CT_GET_CTRZERO, which reads and zeroes each
 * entry's counters at once: every dump gives the bytes since the
 * previous one, with no table of connection ids to keep.
 */
#ifndef NFQLB_CTACCT_H
#define NFQLB_CTACCT_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

struct ctacct_entry {
	struct in_addr src;	/* the original direction's source */
	uint32_t mark;		/* ctmark */
	uint64_t orig_bytes;	/* from src, since the last zeroing dump */
	uint64_t reply_bytes;	/* towards src */
};

typedef void (*ctacct_cb)(const struct ctacct_entry *e, void *arg);

/* Turn accounting on in this namespace: 0, or -1 and err. */
int ctacct_enable(char *err, size_t len);
/*
 * Dump every IPv4 conntrack entry through cb, zeroing its counters if
 * zero.  Returns the entries seen, or -1 and err.
 */
long ctacct_dump(int zero, ctacct_cb cb, void *arg, char *err, size_t len);

#endif
