/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * steer.h - the packet steering rules: nfqlb's own chains in the
 * iptables mangle table.
 *
 *   mangle PREROUTING -i LAN -s LAN_NET -j NFQLB
 *     NFQLB: restore the connection's mark (pinned: done)
 *            source in set gwN -> MARK mark_base+N   (kernel fast path)
 *            marked -> save to connmark, done
 *            else   -> NFQUEUE --queue-bypass          (nfqlbd)
 *   mangle FORWARD -i LAN -j NFQLB_SAVE
 *     NFQLB_SAVE: save a queued packet's verdict mark to its connection
 *
 * The save is in a later hook because an NFQUEUE verdict resumes at
 * the next hook, never at the next rule of the chain.  Only the bits
 * of marks.mask are ever read or written.
 *
 * With pin_connections false nothing uses conntrack:
 *     NFQLB: -j SET --map-set MAP src --map-mark   (one lookup)
 *            marked -> done; else -> NFQUEUE --queue-bypass
 * and NFQLB_SAVE stays empty, without its FORWARD jump.
 *
 * Before the NFQUEUE rule, packets to one of the box's own addresses
 * (or broadcast, multicast) return unqueued; with bind_on_packet false
 * there is no NFQUEUE rule, only a counting rule for unbound packets.
 *
 * This is the one place nfqlb runs a program: iptables-restore, so
 * that the chain is replaced atomically and matches what the box's
 * own iptables (nft backend on Debian 12) manages.
 */
#ifndef NFQLB_STEER_H
#define NFQLB_STEER_H

#include <stddef.h>
#include "conf/conf.h"

#define STEER_CHAIN	 "NFQLB"
#define STEER_SAVE_CHAIN "NFQLB_SAVE"

/* Install or replace the chains and their jumps; never duplicates. */
int steer_install(const struct conf *c, char *err, size_t errlen);
/* Remove the jumps and the chains; absent ones are fine. */
int steer_remove(const struct conf *c, char *err, size_t errlen);
/* Packets counted as unbound (bind_on_packet false); 0 or -1. */
#define STEER_UNBOUND_COMMENT "nfqlb-unbound"
int steer_unbound_packets(unsigned long long *pk);
/*
 * How many of the chains' rules and jumps are missing (0: all there),
 * each named in missing; -1 if the ruleset cannot be written.
 */
int steer_audit(const struct conf *c, char *missing, size_t len);
/*
 * Run argv (a program on PATH) with input on stdin, its stdout and
 * stderr into out; its exit status, or -1 if it could not run.
 */
int steer_run(char *const argv[], const char *input, char *out, size_t outlen);
/* Write the iptables-restore text of the chains into buf (tests). */
int steer_ruleset(const struct conf *c, char *buf, size_t len);

#endif
