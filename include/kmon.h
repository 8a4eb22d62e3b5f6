/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kmon.h - the kernel's change notifications that matter to the
 * mirror: rtnetlink's IPv4 rule and route groups, and nf_tables'
 * events (NFNLGRP_NFTABLES, which iptables-nft changes raise too).
 * ipset sends none: the mirror audits the sets instead.
 *
 * Each socket is non-blocking; kmon_read() drains it and says whether
 * anything was deleted (or messages were lost, which may hide one).
 * Additions are not changes to repair: they are ignored.
 */
#ifndef NFQLB_KMON_H
#define NFQLB_KMON_H

/* A socket for each group, or -1 with errno. */
int kmon_open_rtnl(void);
int kmon_open_nft(void);
/* Drain fd; 1 if a deletion (or an overrun) was seen, 0 if not. */
int kmon_read(int fd);

#endif
