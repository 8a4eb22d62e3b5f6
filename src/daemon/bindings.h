/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bindings.h - the bindings layer: which client is bound to which
 * gateway.  It owns the client table (core/balance), the hooks' facts
 * per client (core/clientinfo), the portal's release holds, idle watch
 * and journal (daemon/portal), and decides the sets' members, which
 * the kernel mirror writes (kmirror_member_*).  Every verb keeps the
 * table and the kernel's sets in step, or reports why it could not.
 *
 * The packet path is here too: the queue's batch callbacks.  Nothing
 * here calls a layer above (failover, topology, commands).
 */
#ifndef NFQLB_BINDINGS_H
#define NFQLB_BINDINGS_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "core/balance.h"
#include "core/clientinfo.h"
#include "kernel/kmirror.h"
#include "kernel/ownaddr.h"
#include "kernel/queue.h"

struct bindings;

struct bindings_counters {
	uint64_t binds_packet;	/* new clients seen first by a packet */
	uint64_t binds_hook;	/* new clients bound by a login hook */
	uint64_t releases;
	uint64_t rebinds;	/* clients moved off a gateway that left */
	uint64_t table_full;
	uint64_t rebalanced;	/* clients moved by a rebalance */
	uint64_t binds_held;	/* packets of clients on a release hold */
	uint64_t idle_releases;	/* clients.idle_timeout */
	uint64_t non_host;	/* packets from a network, broadcast or own address */
};

/*
 * What the portal says of a binding, for a layer above (HA): a hook or
 * a sync confirmed a, or a's binding ended.
 */
typedef void (*bindings_confirm_cb)(const struct nfqlb_addr *a, void *arg);

/* A new user's gateway as a layer above chooses it, or -1: the table's rule. */
typedef int (*bindings_choose_cb)(void *arg);

/* c stays the caller's (the live configuration), km the mirror. */
struct bindings *bindings_new(const struct conf *c, struct kmirror *km);
void bindings_free(struct bindings *b);
/* One listener; it is told after the table and the portal are. */
void bindings_on_confirm(struct bindings *b, bindings_confirm_cb cb, void *arg);
/* One chooser (the load policy); without one, clients / weight decides. */
void bindings_on_choose(struct bindings *b, bindings_choose_cb cb, void *arg);

/* Read-only views for the layers above (status, HA learning). */
const struct balance *bindings_table(const struct bindings *b);
const struct client_meta *bindings_meta(const struct bindings *b, struct in_addr a);
const struct ownaddr *bindings_own(const struct bindings *b);
const struct bindings_counters *bindings_counters(const struct bindings *b);

/*
 * Bind a (kept if already bound) and store what the hook said.
 * Returns the gateway slot, or -1 with err set.
 */
int bindings_bind(struct bindings *b, const struct nfqlb_addr *a,
		  const struct client_meta *m, int *created, char *err, size_t len);
/*
 * Bind a to slot as another box's conntrack says (HA): no weighted
 * choice.  The caller checked that a is not bound.  0 or -1.
 */
int bindings_adopt(struct bindings *b, const struct nfqlb_addr *a, unsigned slot);
/* Release a; returns the slot it had or -1 if it was not bound. */
int bindings_release(struct bindings *b, const struct nfqlb_addr *a);
/* a's own packets do not bind it again for clients.release_hold. */
void bindings_hold(struct bindings *b, const struct nfqlb_addr *a);
/* Rebind a to slot to (set membership follows: new set first). */
int bindings_move(struct bindings *b, const struct nfqlb_addr *a, unsigned from,
		  unsigned to);
/*
 * Move every client of slot gw to the live gateways; with none left
 * (every gateway down) they keep their binding.  Returns how many moved.
 */
uint32_t bindings_evacuate(struct bindings *b, unsigned gw);
/* Move just enough clients to restore the weighted shares; how many moved. */
uint32_t bindings_rebalance(struct bindings *b);

/* Gateways as the table sees them (topology and failover decide). */
int bindings_gw_add(struct bindings *b, uint32_t weight);
void bindings_gw_weight(struct bindings *b, unsigned slot, uint32_t weight);
void bindings_gw_available(struct bindings *b, unsigned slot, int available);
/* Slot gw removed: its clients moved if they can be, else unbound. */
void bindings_gw_remove(struct bindings *b, unsigned gw);

/*
 * At start: the journal open, the mirror told how to count and refill
 * the sets; then each slot's members read back from its set.
 */
int bindings_start(struct bindings *b);
int bindings_restore_gw(struct bindings *b, unsigned slot, unsigned *restored,
			char *err, size_t len);
/* Every slot restored: the journal's details matched to the bindings. */
void bindings_restored(struct bindings *b);
/* Unpinned: the map set made to hold exactly the table. */
int bindings_map_setup(struct bindings *b, char *err, size_t len);

/* Confirmed by a hook or a sync (not a packet binding on the idle watch). */
int bindings_confirmed(const struct bindings *b, const struct nfqlb_addr *a);
/* Journal writes of a sync batched (on), then flushed (off). */
void bindings_batch(struct bindings *b, int on);
/* A sync's binds: set adds sent together by bindings_commit(). */
void bindings_defer(struct bindings *b);
void bindings_commit(struct bindings *b);

/* The queue's callbacks (queue.h): a batch, then its set adds. */
void bindings_packet_batch(const struct nfqlb_addr *src, unsigned n,
			   struct queue_result *res, void *arg);
void bindings_packet_flush(void *arg);

/* Once a second: holds, idle watch, the journal, this host's addresses. */
void bindings_tick(struct bindings *b);

#endif
