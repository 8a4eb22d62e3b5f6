/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * portal.h - what nfqlbd does behind a captive portal (issue 10),
 * beside the binding itself:
 *   - the journal of who is who (state.h), replayed at start;
 *   - clients.release_hold: a client released by the control socket
 *     is not bound again by its own packets for that long;
 *   - clients.idle_timeout: a binding made by a packet and never
 *     confirmed by a bind request is released after that long without
 *     traffic.  Nothing is added to the fast path: after half the
 *     timeout without a queued packet the client is taken out of the
 *     kernel's sets (still bound), so that its next packet comes to
 *     the queue, which puts it back; a full timeout out of the sets
 *     with no packet releases it.  Released after T to 1.5 T idle.
 *     With pin_connections, packets of established connections keep
 *     their connection's mark and are not seen: only new connections
 *     count as traffic.
 * Called by nfqlbd.c at bind, release, move, restore and every second.
 */
#ifndef NFQLB_PORTAL_H
#define NFQLB_PORTAL_H

#include "daemon/nfqlbd.h"

/* Before the sets are read back: open and replay the journal. */
int portal_start(struct nfqlbd *d);
/* The since of a restored binding (the journal's, or now). */
uint32_t portal_restored_since(struct nfqlbd *d, const struct nfqlb_addr *a,
			       uint32_t now);
/* After the sets are read back: metadata, idle watch, journal rewrite. */
void portal_restored(struct nfqlbd *d);
void portal_stop(struct nfqlbd *d);

/* Packet path: 1 if a is on a release hold (left unbound, counted). */
int portal_held(struct nfqlbd *d, const struct nfqlb_addr *a);
void portal_packet_bound(struct nfqlbd *d, const struct nfqlb_addr *a);
/* A queued packet of a bound client: 1 if it must be put back in the sets. */
int portal_packet_seen(struct nfqlbd *d, const struct nfqlb_addr *a);

/* Control path: a bind (created or not) with what the portal said. */
void portal_bound(struct nfqlbd *d, const struct nfqlb_addr *a, int created,
		  const struct client_meta *m);
void portal_released(struct nfqlbd *d, const struct nfqlb_addr *a);
/* A release by the control socket: starts the hold. */
void portal_hold(struct nfqlbd *d, const struct nfqlb_addr *a);
void portal_moved(struct nfqlbd *d, const struct nfqlb_addr *a);

void portal_tick(struct nfqlbd *d);

#endif
