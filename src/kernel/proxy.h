/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proxy.h - proxied web traffic keeps its user's gateway (issue 21).
 *
 * A transparent proxy on the box opens its upstream connections itself:
 * without help they carry no mark and leave by the main table.  With
 * proxy.enable, for every gateway slot n (mark M = marks.base + n,
 * intercept port P = proxy.port_base + n):
 *
 *   nat PREROUTING -i LAN -p tcp -j NFQLB_PROXY          (first rule)
 *     NFQLB_PROXY: -m multiport --dports PORTS -m mark --mark M/mask
 *                  -j REDIRECT --to-ports P      (one rule per gateway)
 *
 * The client's packet already carries its gateway's mark here: mangle
 * PREROUTING (NFQLB, fast path or queue verdict) runs before nat
 * PREROUTING.  Unmarked (unbound) clients fall through to the portal's
 * own redirect.  The proxy instance listening on P marks its upstream
 * connections M: Squid by itself (tcp_outgoing_mark per myportname),
 * E2Guardian (which cannot) through nfqlb, by its instance's user:
 *
 *   mangle OUTPUT -j NFQLB_PROXY_OUT   (only with proxy.user_prefix)
 *     NFQLB_PROXY_OUT: -d LAN_NET -j RETURN   (answers to the clients)
 *                      -m owner --uid-owner USER_n -j MARK M/mask
 *   and, either way, one counting rule per mark: the box's own traffic
 *   through each gateway, which route realms do not count (they count
 *   forwarded packets only).
 *
 * The box's marked packets are routed by the "iif lo fwmark M" rule of
 * each gateway (kmirror.c keeps it while the proxy is on).  nat rules
 * are seen once per connection and mangle OUTPUT only by the box's own
 * packets: the forwarding fast path is untouched.
 */
#ifndef NFQLB_PROXY_H
#define NFQLB_PROXY_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"

#define PROXY_NAT_CHAIN		"NFQLB_PROXY"
#define PROXY_OUT_CHAIN		"NFQLB_PROXY_OUT"
#define PROXY_UID_NONE		UINT32_MAX

/*
 * The iptables-restore text for c, uid[n] the user of slot n's
 * instance (PROXY_UID_NONE: none).  0, or -1 if buf is too small.
 */
int proxy_ruleset(const struct conf *c, const uint32_t *uid, char *buf,
		  size_t len);
/* Install or replace the chains and jumps (users looked up now). */
int proxy_install(const struct conf *c, char *err, size_t len);
/* Remove them; absent ones are fine. */
int proxy_remove(const struct conf *c, char *err, size_t len);
/*
 * How many chains, rules and jumps are missing, named in missing
 * (after a ", " if sep); -1 if the ruleset cannot be written.
 */
int proxy_audit(const struct conf *c, char *missing, size_t len, int sep);

/* Per gateway slot, since the daemon started. */
struct proxy_counters {
	uint64_t steered[BALANCE_MAX_GW];	/* connections redirected */
	uint64_t tx_packets[BALANCE_MAX_GW];	/* the box's own, out by it */
	uint64_t tx_bytes[BALANCE_MAX_GW];
};
/* Read the rules' counters (two iptables runs); 0 or -1. */
int proxy_read(const struct conf *c, struct proxy_counters *pc);

#endif
