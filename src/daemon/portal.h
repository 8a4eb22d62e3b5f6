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
 * Owned and called by the bindings layer (bindings.c) at bind, release,
 * move, restore and every second; it writes set members through the
 * kernel mirror, and hands back the clients to release.
 */
#ifndef NFQLB_PORTAL_H
#define NFQLB_PORTAL_H

#include "conf/conf.h"
#include "core/balance.h"
#include "core/clientinfo.h"
#include "kernel/kmirror.h"

struct portal;

/* Before the sets are read back: open and replay the journal. */
/* binds_held: the caller's counter of packets a hold kept from binding. */
struct portal *portal_new(const struct conf *c, const struct balance *bal,
			  struct clientinfo *info, struct kmirror *km, uint64_t *binds_held);

/* The since of a restored binding (the journal's, or now). */
uint32_t portal_restored_since(struct portal *p, const struct nfqlb_addr *a,
			       uint32_t now);
/* After the sets are read back: metadata, idle watch, journal rewrite. */
void portal_restored(struct portal *p);
void portal_free(struct portal *p);

/* Packet path: 1 if a is on a release hold (left unbound, counted). */
int portal_held(struct portal *p, const struct nfqlb_addr *a);
void portal_packet_bound(struct portal *p, const struct nfqlb_addr *a);
/* A queued packet of a bound client: 1 if it must be put back in the sets. */
int portal_packet_seen(struct portal *p, const struct nfqlb_addr *a);

/* Control path: a bind (created or not) with what the portal said. */
void portal_bound(struct portal *p, const struct nfqlb_addr *a, int created,
		  const struct client_meta *m);
void portal_released(struct portal *p, const struct nfqlb_addr *a);
/* A release by the control socket: starts the hold. */
void portal_hold(struct portal *p, const struct nfqlb_addr *a);
void portal_moved(struct portal *p, const struct nfqlb_addr *a);

/*
 * Once a second: holds expire, idle clients leave the sets; returns how
 * many clients idled out (up to max, into gone): the caller releases them.
 */
unsigned portal_tick(struct portal *p, struct nfqlb_addr *gone, unsigned max);
/* Clients on hold, watched. */
int portal_holding(const struct portal *p);
int portal_watching(const struct portal *p);
/* Not on the idle watch: confirmed by a hook or a sync. */
int portal_confirmed(const struct portal *p, const struct nfqlb_addr *a);
/* Journal writes batched (a sync), then flushed. */
void portal_batch(struct portal *p, int on);

#endif
