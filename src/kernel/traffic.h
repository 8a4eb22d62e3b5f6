/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * traffic.h - traffic per gateway, counted by the kernel's route realms
 * (CONFIG_IP_ROUTE_CLASSID).  Each gateway table's routes carry the
 * realm traffic_realm(table); the kernel counts every forwarded packet
 * that took such a route in ip_rcv_finish() (one branch it takes for
 * every packet anyway, then four per-CPU additions), and
 * /proc/net/rt_acct gives the sums.  Nothing is added to the packet
 * path of nfqlb's own rules.
 *
 * The kernel's counters are 32 bits wide: traffic_ctr_update() extends
 * them to 64 bits, so it must be called before a counter can wrap
 * (nfqlbd does it every second: 4 GiB a second is 34 Gbit/s).
 */
#ifndef NFQLB_TRAFFIC_H
#define NFQLB_TRAFFIC_H

#include <stdint.h>

#define TRAFFIC_REALMS	256
#define TRAFFIC_PROC	"/proc/net/rt_acct"

/* One realm's counters, as the kernel lays out struct ip_rt_acct. */
struct traffic_acct {
	uint32_t o_bytes, o_packets, i_bytes, i_packets;
};

/* A counter extended to 64 bits across the kernel's 32-bit wraps. */
struct traffic_ctr {
	uint64_t packets, bytes;
	uint32_t last_packets, last_bytes;
};

/* The realm of a gateway table: 1..255, distinct for 255 consecutive tables. */
unsigned traffic_realm(uint32_t table);
/* Start counting from the kernel's current values (a fresh gateway: 0). */
void traffic_ctr_start(struct traffic_ctr *c, const struct traffic_acct *a);
/* Add what the kernel counted since the last call (modulo 2^32). */
void traffic_ctr_update(struct traffic_ctr *c, const struct traffic_acct *a);

/*
 * Read every realm's counters (summed over CPUs by the kernel) from
 * path (TRAFFIC_PROC); 0, or -1 with errno (no CONFIG_IP_ROUTE_CLASSID).
 */
int traffic_read(const char *path, struct traffic_acct acct[TRAFFIC_REALMS]);

#endif
